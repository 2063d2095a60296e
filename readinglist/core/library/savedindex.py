"""The search index saved beside the library (``.NAME.index``), written and read back.

The file holds a header (format, Python and marshal versions, the search fields,
the library file's version it was saved from) and, marshalled, the index's state
(:meth:`.SearchIndex.state`), where each paper's line lay in that version of the
library file with its checksum, each paper's keys and aliases, and the ``.bib``
records. Anything that does not fit is not read (``None``): the index is a cache,
never the only copy of anything, and left alone where it cannot be written.
"""

from __future__ import annotations

import marshal
import os
import sys
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..errors import LibraryError
from ..files import write_bytes_safely
from . import changelog
from .fileformat import Line, Signature, fd_signature, scan_file, sibling

_MAGIC = b"readinglist search index\n"
_FORMAT = 1


def index_path(library: Path) -> Path:
    return sibling(library, ".index")


def _header(signature: Signature, fields: list[str], count: int) -> dict[str, Any]:
    return {
        "format": _FORMAT,
        "python": list(sys.version_info[:2]),
        "marshal": marshal.version,
        "signature": list(signature),
        "fields": sorted(fields),
        "papers": count,
    }


@dataclass(slots=True)
class Restored:
    """A saved index as read back: the state, and by slot each paper's line in the
    library file's version ``since`` (offsets, sizes, checksums) and its keys."""

    state: tuple[Any, ...]
    offsets: array[int]
    sizes: array[int]
    sums: array[int]
    keys: list[str]  # each slot's key and aliases, joined by NUL
    bibfile_docs: dict[str, Any]


@dataclass(slots=True)
class Saved:
    """A saved index whose header fits this program and the fields searched; the
    body is decoded by :meth:`restore`."""

    since: tuple[int, ...]  # the library file's version it was saved from
    body: memoryview

    def restore(self) -> Restored:
        """The saved parts; ValueError for a damaged file."""
        try:
            state, ends, lengths, crcs, keys, bibfile_docs = marshal.loads(self.body)
        except (EOFError, ValueError, TypeError):
            raise ValueError("a damaged index") from None
        self.body = memoryview(b"")
        offsets, sizes, sums = array("q"), array("i"), array("I")
        offsets.frombytes(ends)
        sizes.frombytes(lengths)
        sums.frombytes(crcs)
        ids = state[3]
        if not len(offsets) == len(sizes) == len(sums) == len(ids) == len(keys):
            raise ValueError("a damaged index")
        return Restored(state, offsets, sizes, sums, keys, bibfile_docs)


def read_saved(path: Path, fields: frozenset[str]) -> Saved | None:
    """The index saved beside the library at ``path`` for these search fields, or
    None when there is none, it is damaged, or another version or setting made it."""
    try:
        with open(index_path(path), "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    if not data.startswith(_MAGIC):
        return None
    at = len(_MAGIC)
    size = int.from_bytes(data[at : at + 8], "little")
    try:
        header = orjson.loads(data[at + 8 : at + 8 + size])
    except orjson.JSONDecodeError:
        return None
    expected = _header((0, 0, 0), sorted(fields), 0)
    if not isinstance(header, dict) or any(
        header.get(k) != expected[k] for k in ("format", "python", "marshal", "fields")
    ):
        return None
    since = tuple(header.get("signature") or ())
    return Saved(since, memoryview(data)[at + 8 + size :])


def write_saved(
    path: Path,
    signature: Signature,
    state: tuple[Any, ...],
    placed: list[Line | None],
    keys: list[str],
    bibfile_docs: dict[str, Any],
) -> bool:
    """Save an index of the library file's version ``signature``: ``placed`` gives
    each slot's line in it (None: a slot no longer used). False when not saved."""
    blank = (0, 0, 0)
    lines = [line or blank for line in placed]
    offsets = array("q", (line[0] for line in lines))
    sizes = array("i", (line[1] for line in lines))
    sums = array("I", (line[2] for line in lines))
    body = marshal.dumps(
        (state, offsets.tobytes(), sizes.tobytes(), sums.tobytes(), keys, bibfile_docs)
    )
    fields: list[str] = state[1]
    header = orjson.dumps(_header(signature, fields, sum(1 for line in placed if line)))
    target = index_path(path)
    if target.is_symlink() or (target.exists() and not target.is_file()):
        return False  # not a file this program made
    try:
        write_bytes_safely(target, [_MAGIC, len(header).to_bytes(8, "little"), header, body])
    except (OSError, LibraryError):
        return False
    # The log leads from versions before this one: no longer needed. (A write logged
    # meanwhile is lost with it, which only costs the next reader a scan.)
    changelog.forget(path)
    return True


@dataclass(slots=True)
class Capture:
    """What saving a library's index needs, taken while nothing changes the library;
    :meth:`write` then works without holding anything."""

    path: Path
    signature: Signature
    state: tuple[Any, ...]
    keys: list[str]
    bibfile_docs: dict[str, Any]

    def write(self) -> bool:
        """Save the index beside the library if the file is still the version
        captured and in the layout read back; False when it was not saved (best
        effort: the index is a cache)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return False
        try:
            if fd_signature(fd) != self.signature:
                return False
            scan = scan_file(fd, self.signature[1])
        finally:
            os.close(fd)
        ids: list[str] = self.state[3]
        if scan is None or {pid for pid in ids if pid} != scan.papers.keys():
            return False
        placed = [scan.papers[pid] if pid else None for pid in ids]
        return write_saved(
            self.path, self.signature, self.state, placed, self.keys, self.bibfile_docs
        )
