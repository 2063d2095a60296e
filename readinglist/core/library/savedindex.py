"""The search index saved beside the library (``.NAME.index``), written and read back.

The file holds a header (format, Python and marshal versions, the search fields,
the library file's version it was saved from) and, marshalled, the index's state
(:meth:`.SearchIndex.state`), where each paper's line lay in that version of the
library file with its checksum, each paper's keys and aliases, and the ``.bib``
records. Anything that does not fit is not read (``None``): the index is a cache,
never the only copy of anything, and left alone where it cannot be written.
"""

from __future__ import annotations

import itertools
import marshal
import os
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..errors import LibraryError
from ..files import write_bytes_safely
from ..search import SlotRuns
from . import changelog
from .fileformat import Line, Signature, fd_signature, scan_file, sibling

_MAGIC = b"readinglist search index\n"
_FORMAT = 2
_TRAILER = 5  # parts after the index's state: offsets, sizes, checksums, keys, .bib records


def index_path(library: Path) -> Path:
    return sibling(library, ".index")


def _header(signature: Signature, fields: Iterable[str], count: int) -> dict[str, Any]:
    return {
        "format": _FORMAT,
        "python": list(sys.version_info[:2]),
        "marshal": marshal.version,
        "signature": list(signature),
        "fields": sorted(fields),
        "papers": count,
    }


# The body: each array of the state as its raw bytes, one after another (each after
# its type code and length), then one marshal of everything else, in which each array
# stands as a marker. One marshal keeps strings shared (the vocabulary and the
# postings name the same terms); the arrays, tens of megabytes, are written from
# where they lie, one at a time, and need no sharing.
_ARRAY = "\0array"


def _body(parts: Iterable[Any]) -> Iterator[bytes | memoryview]:
    """The body of a saved index whose parts are ``parts`` (made as they are asked
    for: a part's arrays are written before the next part is made)."""
    count = 0
    skeleton: list[Any] = []

    def marked(value: Any) -> Any:
        nonlocal count
        if not isinstance(value, array | SlotRuns):
            return value
        count += 1
        return (_ARRAY, count - 1)

    for part in parts:
        values = part if isinstance(part, tuple) else (part,)
        for value in values:
            if isinstance(value, array | SlotRuns):
                runs = value.runs if isinstance(value, SlotRuns) else [value]
                size = len(value) * array(value.typecode).itemsize
                yield value.typecode.encode("ascii") + size.to_bytes(8, "little")
                for run in runs:  # (one at a time: there may be millions)
                    yield memoryview(run).cast("B")
        if isinstance(part, tuple):
            skeleton.append(tuple(marked(value) for value in part))
        else:
            skeleton.append(marked(part))
        del part, values
    data = marshal.dumps(skeleton)
    yield b"m" + len(data).to_bytes(8, "little")
    yield data


def _unmarked(value: Any, arrays: list[array[int]]) -> Any:
    if isinstance(value, tuple):
        if len(value) == 2 and value[0] == _ARRAY:
            return arrays[value[1]]
        return tuple(_unmarked(v, arrays) for v in value)
    return value


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
        body, at = self.body, 0
        arrays: list[array[int]] = []
        skeleton: Any = None
        try:
            while at < len(body):
                kind = bytes(body[at : at + 1]).decode("ascii")
                size = int.from_bytes(body[at + 1 : at + 9], "little")
                data = body[at + 9 : at + 9 + size]
                if len(data) != size:
                    raise ValueError("a damaged index")
                at += 9 + size
                if kind == "m":
                    if at != len(body):
                        raise ValueError("a damaged index")
                    skeleton = marshal.loads(data)
                else:
                    values = array(kind)
                    values.frombytes(data)
                    arrays.append(values)
        except (EOFError, TypeError, UnicodeDecodeError):
            raise ValueError("a damaged index") from None
        self.body = memoryview(b"")
        if not isinstance(skeleton, list) or len(skeleton) <= _TRAILER:
            raise ValueError("a damaged index")
        parts = [_unmarked(part, arrays) for part in skeleton]
        offsets, sizes, sums, keys, bibfile_docs = parts[-_TRAILER:]
        state = tuple(parts[:-_TRAILER])
        del parts
        if [getattr(a, "typecode", "") for a in (offsets, sizes, sums)] != ["q", "i", "I"]:
            raise ValueError("a damaged index")
        ids = state[3] if len(state) > 3 else ()
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
    expected = _header((0, 0, 0), fields, 0)
    if not isinstance(header, dict) or any(
        header.get(k) != expected[k] for k in ("format", "python", "marshal", "fields")
    ):
        return None
    since = tuple(header.get("signature") or ())
    return Saved(since, memoryview(data)[at + 8 + size :])


def write_saved(
    path: Path,
    signature: Signature,
    fields: Iterable[str],
    state: Iterable[Any],
    placed: list[Line | None],
    keys: list[str],
    bibfile_docs: dict[str, Any],
) -> bool:
    """Save an index of the library file's version ``signature``: ``state`` gives
    the index's state part by part (each is written, then dropped), ``placed`` each
    slot's line in the file (None: a slot no longer used). False when not saved."""
    target = index_path(path)
    if target.is_symlink() or (target.exists() and not target.is_file()):
        return False  # not a file this program made
    blank = (0, 0, 0)
    lines = [line or blank for line in placed]
    header = orjson.dumps(_header(signature, fields, sum(1 for line in placed if line)))

    def chunks() -> Iterator[bytes | memoryview]:
        yield _MAGIC + len(header).to_bytes(8, "little") + header
        trailer = (
            array("q", (line[0] for line in lines)),
            array("i", (line[1] for line in lines)),
            array("I", (line[2] for line in lines)),
            keys,
            bibfile_docs,
        )
        yield from _body(itertools.chain(state, trailer))

    try:
        write_bytes_safely(target, chunks())
    except (OSError, LibraryError):
        return False
    # The log leads from versions before this one: no longer needed. (A write logged
    # meanwhile is lost with it, which only costs the next reader a scan.)
    changelog.forget(path)
    return True


@dataclass(slots=True)
class Capture:
    """What saving a library's index needs, taken while nothing changes the library;
    :meth:`write` then works without holding anything. ``state`` may also be the
    index's parts made as they are written (``SearchIndex.state_parts``): then write
    at once, still holding the library. ``lines``: where each paper's line lies in
    the file of version ``signature``, when known (else the file is scanned)."""

    path: Path
    signature: Signature
    fields: tuple[str, ...]
    state: Iterable[Any]
    ids: list[str]  # each slot's paper id ("" for a slot no longer used)
    keys: list[str]
    bibfile_docs: dict[str, Any]
    lines: Mapping[str, Line] | None = None

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
            lines = self.lines
            if lines is None:
                scan = scan_file(fd, self.signature[1])
                lines = None if scan is None else scan.papers
        finally:
            os.close(fd)
        if lines is None or {pid for pid in self.ids if pid} != lines.keys():
            return False
        placed = [lines[pid] if pid else None for pid in self.ids]
        return write_saved(
            self.path,
            self.signature,
            self.fields,
            self.state,
            placed,
            self.keys,
            self.bibfile_docs,
        )
