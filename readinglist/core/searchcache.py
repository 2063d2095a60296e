"""The search index saved beside the library, so that one query need not read it all.

A ``list QUERY`` or ``export QUERY`` from an editor used to load every paper and
index every abstract to answer one query: 20-30 s and 1.4 GB at 150k papers. The
index a full load builds is saved next to the library (``.library.json.index``)
together with where each paper's line lies in the library file and a checksum of
that line. A later query then:

* finds the library file as the index was saved from it (same inode, size and
  mtime): loads the index (~100 MB at 150k papers, decoded lazily: a term's postings
  are made when a query asks for them) and reads only the papers it ranks, each from
  its own line of the library file;
* finds it changed (any process, any tool, a ``git pull``): reads it line by line,
  compares each paper's line with its checksum, and re-indexes only the papers whose
  line differs, parsed and checked as a full load checks them.

Anything unexpected (a file not in the layout :mod:`.storage` writes, a paper that
does not pass the load's checks, an index saved by another version or damaged, more
changes than re-indexing would be worth) returns ``None``: the caller loads the
library whole, which reports the problem as it always does, and saves a fresh index.
The index is a cache: never the only copy of anything, never trusted beyond the file
it was saved from, and left alone where it cannot be written.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from .errors import LibraryError
from .model import BibFile, Paper, PaperFormatError

if TYPE_CHECKING:
    from .library import Library
    from .search import Hit, SearchIndex

_MAGIC = b"readinglist search index\n"
_FORMAT = 1
_READ = 8 << 20
# Past this many changed papers a full load and a fresh index cost about as much.
MAX_CHANGES = 20_000

Signature = tuple[int, int, int]


def index_path(library: Path) -> Path:
    """Where the index of the library at ``library`` is saved."""
    return library.with_name(f".{library.name}.index")


# Where a paper's line lies in one version of the library file, and its checksum:
# (offset, length, crc32). Plain tuples: a scan makes 150k of them in C.
_Line = tuple[int, int, int]
_ID_END = 3 + 26  # a paper line: two spaces, the quoted 26-character id, ": {"
_id_of = itemgetter(slice(3, _ID_END))
_doc_start = methodcaller("startswith", b'  "')
_doc_end = methodcaller("endswith", b"},")
_id_closed = methodcaller("startswith", b'": {', _ID_END)


@dataclass(slots=True)
class _Scan:
    """Where every paper's line lies in one version of a library file, and the
    other tables' documents (few and small), decoded."""

    papers: dict[str, _Line]
    tables: dict[str, dict[str, Any]]


def _scan(fd: int, size: int) -> _Scan | None:
    """Read a library file in the exact layout :func:`.storage.dump_library` writes;
    None for anything else (a hand-formatted file, an escaped paper id, a line that
    is not one document)."""
    papers: dict[str, _Line] = {}
    tables: dict[str, dict[str, Any]] = {}
    state = "start"
    table = ""
    offset = 0  # of the first byte not yet split into lines
    rest = b""
    crc32 = zlib.crc32
    while True:
        chunk = os.pread(fd, _READ, offset)
        if not chunk and offset < size:
            return None  # the file shrank under us: not the version asked for
        at_end = offset + len(chunk) >= size
        data = rest + chunk if rest else chunk
        start = offset - len(rest)
        offset += len(chunk)
        lines = data.split(b"\n")
        rest = b"" if at_end else lines.pop()
        if state == "docs" and table == "papers" and _all_papers(lines):
            # Most of the file: every line of the piece is one paper (all in C).
            ids = list(map(bytes.decode, map(_id_of, lines)))
            sizes = list(map(len, lines))
            offsets = list(accumulate((size + 1 for size in sizes), initial=start))
            start = offsets.pop()
            before = len(papers)
            papers.update(
                zip(ids, zip(offsets, sizes, map(crc32, lines), strict=True), strict=True)
            )
            if len(papers) != before + len(lines):
                return None  # an id twice
            lines = []
        for line in lines:
            if state == "docs":
                if line.startswith(b'  "') and line.endswith(b"},"):
                    if table == "papers":
                        end = line.find(b'"', 3)
                        paper_id = line[3:end].decode("ascii", "replace")
                        if (
                            line[end : end + 4] != b'": {'
                            or b"\\" in line[3:end]
                            or paper_id in papers
                        ):
                            return None
                        papers[paper_id] = (start, len(line), crc32(line))
                    else:
                        try:
                            member = orjson.loads(b"{" + line[2:-1] + b"}")
                        except orjson.JSONDecodeError:
                            return None
                        tables[table].update(member)
                elif line == b'  "~": {}':
                    state = "close"
                else:
                    return None
            elif state == "start":
                if line != b"{":
                    return None
                state = "table"
            elif state == "table":
                if line == b"}":
                    state = "end"
                elif line.startswith(b'"') and line.endswith(b'": {'):
                    try:
                        table = orjson.loads(line[:-3])
                    except orjson.JSONDecodeError:
                        return None
                    if not isinstance(table, str) or table in tables:
                        return None
                    tables[table] = {}
                    state = "docs"
                else:
                    return None
            elif state == "close":
                if line == b"},":
                    state = "table"
                elif line == b"}":
                    state = "final"
                else:
                    return None
            elif state == "final":
                if line != b"}":
                    return None
                state = "end"
            elif line:  # state "end": only the last newline may follow
                return None
            start += len(line) + 1
        if at_end:
            break
    if state != "end":
        return None
    tables.pop("papers", None)
    return _Scan(papers, tables)


def _all_papers(lines: list[bytes]) -> bool:
    """Every line is a paper line with a plain 26-character id."""
    return (
        all(map(_doc_start, lines))
        and all(map(_doc_end, lines))
        and all(map(_id_closed, lines))
        and b"\\" not in b"".join(map(_id_of, lines))
        and b'"' not in b"".join(map(_id_of, lines))
    )


def _read_line(fd: int, line: _Line) -> bytes:
    offset, length, _crc = line
    data = os.pread(fd, length, offset)
    if len(data) != length:
        raise OSError("the library file ended early")
    return data


def _paper_of_line(path: Path, paper_id: str, data: bytes) -> Paper:
    """The paper one line holds, checked as a full load checks it (a LibraryError or
    an OSError otherwise)."""
    from .library import checked_paper

    try:
        doc = orjson.loads(data[data.index(b": ", 3) + 2 : -1])
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise OSError(f"paper {paper_id!r} is not one JSON object") from exc
    if not isinstance(doc, dict):
        raise OSError(f"paper {paper_id!r} is not one JSON object")
    return checked_paper(path, paper_id, doc)


def _keys_of(paper: Paper) -> str:
    return "\0".join((paper.key, *paper.aliases))


class SavedSearch:
    """Search over a library without loading it: the saved index, brought up to date
    with the library file's current version, which it keeps open (a writer replacing
    the file meanwhile does not change what it reads)."""

    def __init__(
        self,
        path: Path,
        fd: int,
        signature: Signature,
        index: SearchIndex,
        keys: list[str],
        line_of: Callable[[str], _Line | None],
        bibfiles: dict[str, BibFile],
    ) -> None:
        self.path = path
        self._fd = fd
        self._signature = signature
        self.index = index
        self._keys = keys  # each slot's key and aliases, joined by NUL
        self._line_of = line_of  # where a paper's line lies in the file read
        self.bibfiles: Mapping[str, BibFile] = bibfiles
        self.changed = 0  # papers re-indexed because their line changed

    @property
    def signature(self) -> Signature:
        """The version of the library file read (inode, size, mtime)."""
        return self._signature

    def paper(self, paper_id: str) -> Paper:
        line = self._line_of(paper_id)
        if line is None:
            raise LibraryError(f"cannot read library {self.path}: paper {paper_id!r} is missing")
        try:
            return _paper_of_line(self.path, paper_id, _read_line(self._fd, line))
        except OSError as exc:
            raise LibraryError(f"cannot read library {self.path}: {exc}") from None

    def search(self, query: str, limit: int | None = None) -> Sequence[Hit]:
        return self.index.search(query, limit=limit)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> SavedSearch:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def catch_up(self, ids: list[str], sums: array[int], lines: dict[str, _Line]) -> None:
        """Re-index the papers whose line in the file read (``lines``) differs from
        the one the index was made from (``sums`` by slot); ValueError when a full
        load would do better, LibraryError/OSError when that load would refuse the
        file."""
        gone: list[str] = []
        differ: list[str] = []
        for slot, paper_id in enumerate(ids):
            if not paper_id:
                continue
            line = lines.get(paper_id)
            if line is None:
                gone.append(paper_id)
            elif line[2] != sums[slot]:
                differ.append(paper_id)
        known = set(ids)
        new = [paper_id for paper_id in lines if paper_id not in known]
        if len(gone) + len(differ) + len(new) > MAX_CHANGES:
            raise ValueError("too many changes")
        if not (gone or differ or new):
            return
        fresh = [self.paper(paper_id) for paper_id in differ + new]
        self._check_keys(ids, fresh, set(gone))
        self.index.replace_papers(gone + differ, fresh)
        self._keys.extend(map(_keys_of, fresh))
        self.changed = len(gone) + len(fresh)

    def _check_keys(self, ids: list[str], fresh: list[Paper], gone: set[str]) -> None:
        """A key or alias must be one paper's: a full load refuses a file where two
        hold one (and names both), so leave such a file to that load."""
        if not fresh:
            return
        leaving = gone | {paper.id for paper in fresh}
        held: dict[str, str] = {}
        for slot, paper_id in enumerate(ids):
            if paper_id and paper_id not in leaving:
                for key in self._keys[slot].split("\0"):
                    held[key] = paper_id
        for paper in fresh:
            for key in (paper.key, *paper.aliases):
                if held.setdefault(key, paper.id) != paper.id:
                    raise ValueError("a key held by two papers")

    def save(self) -> bool:
        """Save the index as it now is (caught up), for the file version read."""
        state = self.index.state()
        ids: list[str] = state[3]
        return _write(
            self.path,
            self._signature,
            state,
            [self._line_of(pid) if pid else None for pid in ids],
            self._keys,
            {name: bibfile.to_doc() for name, bibfile in self.bibfiles.items()},
        )


def _header(signature: Signature, fields: Sequence[str], count: int) -> dict[str, Any]:
    return {
        "format": _FORMAT,
        "python": list(sys.version_info[:2]),
        "marshal": marshal.version,
        "signature": list(signature),
        "fields": sorted(fields),
        "papers": count,
    }


def _read_saved(path: Path) -> tuple[dict[str, Any], memoryview] | None:
    """(header, body) of a saved index, or None if there is none or it is damaged."""
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
    if not isinstance(header, dict):
        return None
    return header, memoryview(data)[at + 8 + size :]


def open_saved(path: Path, fields: Iterable[str] | None = None) -> SavedSearch | None:
    """The saved index of the library at ``path`` (searching ``fields``, all when
    None) brought up to date with the file, or None when only a full load can answer
    (see the module docstring)."""
    from .fields import SEARCH_FIELDS
    from .library import SCHEMA_VERSION
    from .search import SearchIndex

    fields = SEARCH_FIELDS if fields is None else frozenset(fields) & SEARCH_FIELDS
    saved = _read_saved(path)
    if saved is None:
        return None
    header, body = saved
    del saved
    expected = _header((0, 0, 0), sorted(fields), 0)
    if any(header.get(k) != expected[k] for k in ("format", "python", "marshal", "fields")):
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    view: SavedSearch | None = None
    try:
        st = os.fstat(fd)
        signature = (st.st_ino, st.st_size, st.st_mtime_ns)
        scan = None
        if header.get("signature") != list(signature):
            scan = _scan(fd, st.st_size)
            if scan is None:
                raise ValueError("not in the layout the index follows")
            if list((scan.tables.get("_meta") or {}).values()) != [{"schema": SCHEMA_VERSION}]:
                raise ValueError("another schema")
        try:
            state, ends, lengths, crcs, keys, bibfile_docs = marshal.loads(body)
        except (EOFError, ValueError, TypeError):
            raise ValueError("a damaged index") from None
        del body
        ids: list[str] = state[3]
        offsets, sizes, sums = array("q"), array("i"), array("I")
        offsets.frombytes(ends)
        sizes.frombytes(lengths)
        sums.frombytes(crcs)
        if not len(offsets) == len(sizes) == len(sums) == len(ids) == len(keys):
            raise ValueError("a damaged index")

        def load(paper_id: str) -> Paper:
            assert view is not None
            return view.paper(paper_id)

        index = SearchIndex.from_state(state, load)
        if scan is None:
            slot_of = index.slot_of

            def line_of(paper_id: str) -> _Line | None:
                slot = slot_of(paper_id)
                return None if slot is None else (offsets[slot], sizes[slot], sums[slot])

            bibfiles = {name: BibFile.from_doc(doc) for name, doc in bibfile_docs.items()}
            view = SavedSearch(path, fd, signature, index, keys, line_of, bibfiles)
        else:
            bibfiles = {
                name: BibFile.from_doc(doc)
                for name, doc in (scan.tables.get("bibfiles") or {}).items()
            }
            view = SavedSearch(path, fd, signature, index, keys, scan.papers.get, bibfiles)
            view.catch_up(ids, sums, scan.papers)
        return view
    except (ValueError, TypeError, KeyError, IndexError, OSError, LibraryError, PaperFormatError):
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise


@dataclass(slots=True)
class Capture:
    """What saving a library's index needs, taken while nothing changes the library
    (under its lock); :meth:`write` then works without the lock."""

    path: Path
    signature: Signature
    state: tuple[Any, ...]
    keys: list[str]
    bibfile_docs: dict[str, Any]

    def write(self) -> bool:
        """Save the index beside the library if the file is still the version
        captured and in the layout this module reads; False when it was not saved
        (best effort: the index is a cache)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return False
        try:
            st = os.fstat(fd)
            if (st.st_ino, st.st_size, st.st_mtime_ns) != self.signature:
                return False
            scan = _scan(fd, st.st_size)
        finally:
            os.close(fd)
        ids: list[str] = self.state[3]
        if scan is None or {pid for pid in ids if pid} != scan.papers.keys():
            return False
        placed = [scan.papers[pid] if pid else None for pid in ids]
        return _write(self.path, self.signature, self.state, placed, self.keys, self.bibfile_docs)


def capture(library: Library) -> Capture | None:
    """The library's index and what goes with it, for :meth:`Capture.write`; call
    it where nothing changes the library meanwhile. None when there is nothing to save."""
    signature = library.file_signature
    if signature is None:
        return None
    state = library.index.state()
    keys = []
    for paper_id in state[3]:
        paper = library.get(paper_id) if paper_id else None
        keys.append(_keys_of(paper) if paper is not None else "")
    bibfile_docs = {name: bibfile.to_doc() for name, bibfile in library.bibfiles.items()}
    return Capture(library.path, signature, state, keys, bibfile_docs)


def save(library: Library) -> bool:
    """Save the library's search index beside it (see :meth:`Capture.write`)."""
    taken = capture(library)
    return taken is not None and taken.write()


def _write(
    path: Path,
    signature: Signature,
    state: tuple[Any, ...],
    placed: list[_Line | None],
    keys: list[str],
    bibfile_docs: dict[str, Any],
) -> bool:
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
    from .storage import atomic_write_bytes

    try:
        atomic_write_bytes(target, [_MAGIC, len(header).to_bytes(8, "little"), header, body])
    except (OSError, LibraryError):
        return False
    return True
