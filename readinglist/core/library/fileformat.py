"""The library file: its layout, its schema, and the lock every writer takes.

This module is the only code that knows how a library file is laid out (SPEC §3):

* JSON, one table per member (``_meta``, ``papers``, ``bibfiles``), each document on
  a line of its own in id order, every table closed by a fixed ``"~": {}`` line, so a
  tag change is a one-line ``git diff`` and git merges branches that added papers;
* papers are filed under their random 26-character id, so a paper's line can be
  found, copied and checked (by its CRC) without decoding the rest of the file;
* hidden files beside the real file (a library reached through a symlink shares
  them): the lock, the change history, the saved search index and its log.

Reading a file whole (:func:`parse_library_bytes`), line by line without decoding
(:func:`scan_file`, :class:`LineTable`) and writing it (:func:`dump_library`) all
live here.
"""

from __future__ import annotations

import contextlib
import os
import zlib
from collections.abc import Generator, Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from itertools import accumulate
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock

from ..errors import LibraryError
from ..memory import gc_paused
from ..model import Paper

SCHEMA_VERSION = 2
PAPERS_TABLE = "papers"
META_TABLE = "_meta"
BIBFILES_TABLE = "bibfiles"
LOCK_TIMEOUT_S = 15.0

Signature = tuple[int, int, int]


def file_signature(path: Path) -> Signature | None:
    """Cheap identity of the file's current content: changes on every replace."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def fd_signature(fd: int) -> Signature:
    """The signature of the version an open descriptor reads."""
    st = os.fstat(fd)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def sibling(path: Path, suffix: str) -> Path:
    """A hidden file beside the real library file: ``.NAME<suffix>`` (a library
    reached through a symlink has one lock, one history and one index)."""
    real = Path(os.path.realpath(path))
    return real.with_name(f".{real.name}{suffix}")


def library_lock(path: Path) -> FileLock:
    """The inter-process lock every writer of the library at ``path`` takes (kept
    on disk: removing it would race)."""
    return FileLock(str(sibling(path, ".lock")), timeout=LOCK_TIMEOUT_S)


def migrate(data: dict[str, dict[str, Any]], path: Path) -> None:
    """Bring an older file's tables up to :data:`SCHEMA_VERSION`, in memory (the next
    write saves them). Oldest first."""
    meta: dict[str, Any] = next(iter((data.get(META_TABLE) or {}).values()), {})
    schema = meta.get("schema", 0)
    if not isinstance(schema, int) or schema > SCHEMA_VERSION:
        raise LibraryError(
            f"library {path} was written by a newer readinglist (schema {schema}); "
            f"this version reads schema {SCHEMA_VERSION} or older - please upgrade"
        )
    if schema < 2 and PAPERS_TABLE in data:
        # Schemas 0 and 1 numbered documents 1, 2, 3, ...: two git branches that
        # each added a paper both wrote document N+1. Documents are now filed under
        # their paper's random id.
        by_id: dict[str, Any] = {}
        for number, doc in data[PAPERS_TABLE].items():
            paper_id = doc.get("id")
            if not isinstance(paper_id, str) or not paper_id:
                raise LibraryError(
                    f"cannot read library {path}: document {number} has no paper id; "
                    "the file was left untouched"
                )
            if paper_id in by_id:
                raise LibraryError(held_twice(path, "id", paper_id, doc, by_id[paper_id]))
            by_id[paper_id] = doc
        data[PAPERS_TABLE] = by_id


def current_schema(tables: dict[str, dict[str, Any]]) -> bool:
    """Whether the tables (the file's, papers aside) are of this version's schema."""
    meta = tables.get(META_TABLE) or {}
    return list(meta.values()) == [{"schema": SCHEMA_VERSION}]


def held_twice(path: Path, what: str, value: str, doc: Any, other: Any) -> str:
    """The message refusing a file where two papers hold one id or key."""
    names = sorted({str(doc.get("key") or doc.get("id")), str(other.get("key") or other.get("id"))})
    return (
        f"cannot read library {path}: {what} {value!r} belongs to two papers "
        f"({' and '.join(names)}); the file was left untouched"
    )


class PaperDoc:
    """A paper's document, made when it is written: a write of 150k new papers holds
    the papers, not also 150k documents (~300 MB). A papers table may hold these
    where it would hold a document."""

    __slots__ = ("paper",)

    def __init__(self, paper: Paper) -> None:
        self.paper = paper

    def doc(self) -> dict[str, Any]:
        return self.paper.to_doc()


def _doc(value: Any) -> Any:
    return value.paper.to_doc() if type(value) is PaperDoc else value


def paper_line(paper: Paper) -> bytes:
    """The line a paper has in the library file (without its newline)."""
    return b"  " + orjson.dumps(paper.id) + b": " + orjson.dumps(paper.to_doc()) + b","


# The last line of every table. Papers are listed in id order, each line ending in
# a comma; this fixed line after them means that adding a paper never edits a
# neighbouring line, so git merges two branches that each added papers.
END_MARK = "~"


def parse_library_bytes(raw: bytes, path: Path) -> dict[str, dict[str, Any]] | None:
    """Decode a library file; ``None`` for an empty file. Raises LibraryError otherwise."""
    if not raw or raw.isspace():  # (strip() would copy the whole file)
        return None
    try:
        with gc_paused():
            data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise LibraryError(
            f"cannot read library {path}: not valid JSON ({exc}); the file was left untouched"
        ) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise _foreign(path)
    for table in data.values():
        if table.pop(END_MARK, {}) != {} or not all(isinstance(v, dict) for v in table.values()):
            raise _foreign(path)
    _refuse_repeated_members(raw, data, path)
    return data


def _foreign(path: Path) -> LibraryError:
    return LibraryError(
        f"cannot read library {path}: not a readinglist library file; the file was left untouched"
    )


def _refuse_repeated_members(raw: bytes, data: dict[str, dict[str, Any]], path: Path) -> None:
    """A JSON object that names a member twice (two papers under one id, after a
    hand edit or a bad merge) is read by orjson as the last one only: a paper would
    vanish without a word. Every paper has exactly one ``"id":`` member, and those
    bytes cannot occur inside a JSON string, so when the count agrees with the
    papers read nothing was dropped; otherwise a slower parse finds the repeat.
    """
    papers = sum(len(table) for name, table in data.items() if not name.startswith("_"))
    if raw.count(b'"id":') <= papers:
        return
    import json

    def members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for name, value in pairs:
            if name in seen:
                raise LibraryError(
                    f"cannot read library {path}: {name!r} appears twice in one object "
                    "(two papers with one id?); the file was left untouched"
                )
            seen[name] = value
        return seen

    json.loads(raw, object_pairs_hook=members)


# Where a document's line lies in one version of the library file, and its checksum:
# (offset, length, crc32), the line without its newline. Plain tuples: a scan makes
# 150k of them in C.
Line = tuple[int, int, int]
_COPY = 8 << 20
_READ = 8 << 20  # a scan reads this much at a time


class LineTable(MutableMapping[str, dict[str, Any]]):
    """A table of the library file read lazily: each document stays where it is in
    the file (one version, held open) until it is asked for.

    At 150k papers, decoding every document costs seconds and most of a gigabyte;
    a program that shows 40 papers and changes a few needs neither. A document
    asked for by item (as TinyDB does to change one) is decoded and kept as a dict,
    to be encoded afresh on the next write; every other line is copied into the next
    write byte for byte, after its checksum is checked (see :func:`dump_library`).
    Reading a document without claiming it: :meth:`line`.
    """

    def __init__(
        self, fd: int, signature: Signature, lines: dict[str, Line], path: Path | str = ""
    ) -> None:
        self._fd = fd
        self._path = str(path)  # (named in errors)
        self._retired = -1  # the previous version's file, for a reader still on it
        self.signature = signature
        self._entries: dict[str, Line | dict[str, Any] | PaperDoc] = dict(lines)

    def __del__(self) -> None:
        self.close()

    # -- the mapping TinyDB sees -------------------------------------------------
    def __getitem__(self, doc_id: str) -> dict[str, Any]:
        entry = self._entries[doc_id]
        if type(entry) is tuple:
            entry = self._entries[doc_id] = document_of_line(self.line(doc_id), self._path)
        elif type(entry) is PaperDoc:
            entry = self._entries[doc_id] = entry.doc()
        return entry  # type: ignore[return-value]

    def encoded(self, doc_id: str) -> bytes:
        """A changed document as JSON (a :class:`PaperDoc` is not kept as a document)."""
        return orjson.dumps(_doc(self._entries[doc_id]))

    def __setitem__(self, doc_id: str, doc: dict[str, Any] | PaperDoc) -> None:
        self._entries[doc_id] = doc

    def __delitem__(self, doc_id: str) -> None:
        del self._entries[doc_id]

    def pop(self, doc_id: str, *default: Any) -> Any:
        return self._entries.pop(doc_id, *default)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    # -- ours --------------------------------------------------------------------
    def where(self, doc_id: str) -> Line | None:
        """Where the document's line lies in the file read (None: changed here)."""
        entry = self._entries.get(doc_id)
        return entry if type(entry) is tuple else None

    def _placed(self, doc_id: str) -> Line:
        where = self.where(doc_id)
        if where is None:
            raise KeyError(doc_id)
        return where

    def line(self, doc_id: str) -> bytes:
        """The document's line in the file read, checked against its checksum (an
        OSError if it is not the line expected)."""
        for attempt in (1, 2):
            # (another thread may move the table to a new version meanwhile: read
            # again with the new one)
            fd = self._fd
            offset, length, crc = self._placed(doc_id)
            try:
                data = os.pread(fd, length, offset)
            except OSError:
                if attempt == 2:
                    raise
                continue
            if len(data) == length and zlib.crc32(data) == crc:
                return data
        raise OSError(f"document {doc_id!r} is not where it was read")

    def lines(self) -> dict[str, Line]:
        """Every unchanged document's line."""
        return {k: v for k, v in self._entries.items() if type(v) is tuple}

    def copy_run(self, lines: list[Line]) -> bytes:
        """The bytes of consecutive lines of the file read (each as ``lines`` has it,
        one right after the other's newline), every line checked against its
        checksum (an OSError if one is not the line expected)."""
        start = lines[0][0]
        end = lines[-1][0] + lines[-1][1]
        data = os.pread(self._fd, end - start, start)
        if len(data) != end - start:
            raise OSError("the library file ended early")
        # (lines hold no newline: the pieces are the lines, checked in C)
        if list(map(zlib.crc32, data.split(b"\n"))) != [line[2] for line in lines]:
            raise OSError("a document is not where it was read")
        return data

    def rebase(self, fd: int, signature: Signature, lines: dict[str, Line]) -> None:
        """The table as written to a new version of the file (``fd``)."""
        if self._retired >= 0:
            with contextlib.suppress(OSError):
                os.close(self._retired)
        self._retired = self._fd
        self._entries = dict(lines)
        self._fd, self.signature = fd, signature

    def close(self) -> None:
        """Close the file (done when the table is no longer used)."""
        for fd in (self._fd, self._retired):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._fd = self._retired = -1


def document_of_line(line: bytes, path: str = "") -> dict[str, Any]:
    """The document one line of the library file holds (``  "id": {...},``)."""
    try:
        doc = orjson.loads(line[line.index(b": ", 3) + 2 : -1])
    except (ValueError, orjson.JSONDecodeError):
        doc = None
    if not isinstance(doc, dict):
        raise LibraryError(
            f"cannot read library {path}: a line is not one JSON object; "
            "the file was left untouched"
        )
    return doc


def dump_library(
    data: dict[str, dict[str, Any]],
    cache: dict[str, dict[str, bytes]] | None = None,
    placed: dict[str, Line] | None = None,
) -> Iterator[bytes]:
    """Serialise tables with one document per line, in id order (stable, diff- and
    merge-friendly, fast).

    Yields the file line by line, to be written one after another: at 150k papers the
    file is ~350 MB, and neither gluing it into one bytes object nor holding all its
    lines at once is needed to write it. ``cache`` maps table → doc id → the
    document's encoded line. Lines found there are reused as they are, so a
    one-paper change costs no encoding of the others; lines encoded are added to it;
    whoever changes or removes a document must drop its line first
    (:meth:`AtomicJSONStorage.forget`).

    A :class:`LineTable`'s unchanged lines are copied from the file it was read
    from. ``placed`` receives where each line of the papers table lies in the new
    file (for a :class:`LineTable` of it).
    """
    dumps = orjson.dumps
    end = b"\n  " + dumps(END_MARK) + b": {}\n}"
    at = 1
    yield b"{"
    for index, (table, docs) in enumerate(data.items()):
        head = (b",\n" if index else b"\n") + dumps(table) + b": {"
        at += len(head)
        yield head
        if isinstance(docs, LineTable):
            at = yield from _dump_lines(docs, at, placed if placed is not None else {})
            yield end
            at += len(end)
            continue
        lines_of = cache.setdefault(table, {}) if cache is not None else None
        places = placed if placed is not None and table == PAPERS_TABLE else None
        crc32 = zlib.crc32
        for doc_id in sorted(docs):
            line = None if lines_of is None else lines_of.get(doc_id)
            if line is None:
                line = b"\n  " + dumps(doc_id) + b": " + dumps(_doc(docs[doc_id])) + b","
                if lines_of is not None:
                    lines_of[doc_id] = line
            if places is not None:
                places[doc_id] = (at + 1, len(line) - 1, crc32(memoryview(line)[1:]))
            at += len(line)
            yield line
        yield end
        at += len(end)
    yield b"\n}\n"


def _dump_lines(table: LineTable, at: int, placed: dict[str, Line]) -> Generator[bytes, None, int]:
    """A :class:`LineTable`'s lines in id order, from position ``at`` of the file
    written: runs of unchanged lines copied a few megabytes at a time (each line
    checked), changed documents encoded. Records each line's place in ``placed``;
    returns the position after the last."""
    dumps, crc32, where = orjson.dumps, zlib.crc32, table.where
    ids = sorted(table)
    i, count = 0, len(ids)
    while i < count:
        line = where(ids[i])
        if line is None:  # changed here: encoded
            doc_id = ids[i]
            data = b"\n  " + dumps(doc_id) + b": " + table.encoded(doc_id) + b","
            placed[doc_id] = (at + 1, len(data) - 1, crc32(memoryview(data)[1:]))
            at += len(data)
            yield data
            i += 1
            continue
        run = [line]
        start, end = line[0], line[0] + line[1]
        j = i + 1
        while j < count and end - start < _COPY:
            following = where(ids[j])
            if following is None or following[0] != end + 1:
                break
            run.append(following)
            end = following[0] + following[1]
            j += 1
        data = table.copy_run(run)
        moved = at + 1 - start
        placed.update(
            zip(
                ids[i:j],
                [(offset + moved, length, crc) for offset, length, crc in run],
                strict=True,
            )
        )
        yield b"\n"
        yield data
        at += 1 + len(data)
        i = j
    return at


_ID_END = 3 + 26  # a paper line: two spaces, the quoted 26-character id, ": {"
_id_of = itemgetter(slice(3, _ID_END))
_doc_start = methodcaller("startswith", b'  "')
_doc_end = methodcaller("endswith", b"},")
_id_closed = methodcaller("startswith", b'": {', _ID_END)


@dataclass(slots=True)
class Scan:
    """Where every paper's line lies in one version of a library file, and the
    other tables' documents (few and small), decoded (in the file's order, the papers
    table among them, empty)."""

    papers: dict[str, Line]
    tables: dict[str, dict[str, Any]]


def scan_file(fd: int, size: int) -> Scan | None:
    """Read a library file in the exact layout :func:`.storage.dump_library` writes;
    None for anything else (a hand-formatted file, an escaped paper id, a line that
    is not one document)."""
    papers: dict[str, Line] = {}
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
    return Scan(papers, tables)


def _all_papers(lines: list[bytes]) -> bool:
    """Every line is a paper line with a plain 26-character id."""
    return (
        all(map(_doc_start, lines))
        and all(map(_doc_end, lines))
        and all(map(_id_closed, lines))
        and b"\\" not in b"".join(map(_id_of, lines))
        and b'"' not in b"".join(map(_id_of, lines))
    )


def outer_tables(fd: int, size: int, lines: Iterable[Line]) -> dict[str, dict[str, Any]]:
    """The tables of the file other than the papers (which come first and last of
    its lines known), read from before the first paper's line and after the last's;
    ValueError when those bytes are not that."""
    lines = list(lines)
    if not lines:
        raise ValueError("no papers")
    first = min(lines)[0]
    offset, length, _crc = max(lines)
    last = offset + length
    head = os.pread(fd, first, 0)
    tail = os.pread(fd, size - last, last)
    if not head.endswith(b'\n"papers": {\n') or not tail.startswith(b'\n  "~": {}\n}'):
        raise ValueError("not in the layout the index follows")
    tables = parse_library_bytes(head + tail[1:], Path("index"))
    if tables is None:
        raise ValueError("not in the layout the index follows")
    return tables


def read_line(fd: int, line: Line) -> bytes:
    """The bytes of one line of the version ``fd`` reads, checked against the line's
    checksum (an OSError if they are not the line expected)."""
    offset, length, crc = line
    data = os.pread(fd, length, offset)
    if len(data) != length:
        raise OSError("the library file ended early")
    if zlib.crc32(data) != crc:
        raise OSError("a paper is not where it was read")
    return data
