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

import contextlib
import marshal
import os
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
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
# A view caught up with this many changes (or by reading the whole file) is worth
# saving anew: re-indexing a paper costs 1-5 ms (at 150k papers), saving the index
# ~2 s and ~300 MB more. (Keys marked used cost no re-indexing and do not count.)
RESAVE_AFTER = 300


def resave(view: SavedSearch) -> bool:
    """Whether the next query would gain from saving ``view``'s index now."""
    return view.caught_up == "scan" or view.changed >= RESAVE_AFTER


Signature = tuple[int, int, int]


def index_path(library: Path) -> Path:
    """Where the index of the library at ``library`` is saved: beside the real file
    (a library reached through a symlink has one index, as it has one lock)."""
    real = Path(os.path.realpath(library))
    return real.with_name(f".{real.name}.index")


def log_path(library: Path) -> Path:
    """The log of writes since the index was saved (see :func:`note_write`)."""
    index = index_path(library)
    return index.with_name(index.name + ".log")


def paper_line(paper: Paper) -> bytes:
    """The line a paper has in the library file (as :mod:`.storage` writes it)."""
    return b"  " + orjson.dumps(paper.id) + b": " + orjson.dumps(paper.to_doc()) + b","


def note_write(
    path: Path,
    before: Signature,
    after: Signature,
    papers: Mapping[str, Paper | None],
    other: bool,
    *,
    unsearched: Collection[str] = (),
) -> None:
    """Log that a write turned the library file from version ``before`` into
    ``after`` by changing ``papers`` (None: removed) and, if ``other``, more than
    papers; the change of those in ``unsearched`` is one no search can see (a key
    marked used). Called by the writer, under the library lock, only while an index
    is saved: a query then catches up by reading the changed papers' lines instead
    of the whole file. Best effort: a write missing from the log costs that reading."""
    if not index_path(path).is_file():
        return
    entry: dict[str, Any] = {"from": list(before), "to": list(after), "other": other}
    if len(papers) > MAX_CHANGES:
        entry["other"] = True
    else:
        changed: dict[str, list[int] | None] = {}
        for paper_id, paper in papers.items():
            if paper is None:
                changed[paper_id] = None
            else:
                line = paper_line(paper)
                changed[paper_id] = [len(line), zlib.crc32(line), int(paper_id not in unsearched)]
        entry["papers"] = changed
    target = log_path(path)
    if target.is_symlink() or (target.exists() and not target.is_file()):
        return
    try:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError:
        return
    try:
        os.write(fd, orjson.dumps(entry) + b"\n")
    except OSError:
        pass
    finally:
        os.close(fd)


def _logged_changes(
    path: Path, since: tuple[int, ...], now: Signature
) -> tuple[dict[str, _Line | None], set[str]] | None:
    """The papers the logged writes from version ``since`` to ``now`` changed, as
    (offset unknown: 0, length, crc) or None when removed, and those of them whose
    every change was one no search can see; None when the log does not lead from one
    version to the other on papers alone."""
    try:
        with open(log_path(path), "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    steps: dict[tuple[int, ...], dict[str, Any]] = {}
    for raw in data.splitlines():
        try:
            entry = orjson.loads(raw)
            steps[tuple(entry["from"])] = entry
        except (orjson.JSONDecodeError, KeyError, TypeError):
            continue  # a line cut by a crash
    changes: dict[str, _Line | None] = {}
    searched: set[str] = set()
    at: tuple[int, ...] = tuple(since)
    for _ in range(len(steps) + 1):
        if at == tuple(now):
            return changes, changes.keys() - searched
        entry = steps.get(at)
        if entry is None or entry.get("other") or not isinstance(entry.get("papers"), dict):
            return None
        for paper_id, line in entry["papers"].items():
            changes[paper_id] = None if line is None else (0, int(line[0]), int(line[1]))
            if line is None or len(line) < 3 or line[2]:
                searched.add(paper_id)
        at = tuple(entry["to"])
    return None


# Where a paper's line lies in one version of the library file, and its checksum:
# (offset, length, crc32). Plain tuples: a scan makes 150k of them in C.
_Line = tuple[int, int, int]
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

    papers: dict[str, _Line]
    tables: dict[str, dict[str, Any]]


def scan_file(fd: int, size: int) -> Scan | None:
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


class StaleIndex(LibraryError):
    """A paper's line is not what the saved index expects: the library must be
    loaded whole (and the index saved anew)."""


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
        self._scan: Scan | None = None  # the file read whole, if it was
        self._placement: _Placement | None = None  # else where the lines were placed
        self.changed = 0  # papers re-indexed because their line changed
        self.caught_up = ""  # how: "log" (the writers' log), "scan" (read whole), "" (current)

    @property
    def signature(self) -> Signature:
        """The version of the library file read (inode, size, mtime)."""
        return self._signature

    def paper(self, paper_id: str) -> Paper:
        """The paper with this id, read from its line of the file (checked against
        the line's checksum: :class:`StaleIndex` if it is not the line expected)."""
        line = self._line_of(paper_id)
        if line is None:
            raise StaleIndex(f"paper {paper_id!r} is not where the index has it")
        try:
            data = _read_line(self._fd, line)
        except OSError as exc:
            raise StaleIndex(str(exc)) from None
        if zlib.crc32(data) != line[2]:
            raise StaleIndex(f"paper {paper_id!r} is not where the index has it")
        return _paper_of_line(self.path, paper_id, data)

    def search(self, query: str, limit: int | None = None) -> Sequence[Hit]:
        return self.index.search(query, limit=limit)

    def release(self) -> tuple[int, dict[str, _Line], dict[str, dict[str, Any]], dict[str, str]]:
        """Hand over what a library opened from this view needs: the file (open),
        where each paper's line lies, the file's tables (the papers table empty, in the
        file's order), and each key and alias with its paper's id. The view is closed."""
        slots = self.index.slot_ids()
        live = [(pid, keys) for pid, keys in zip(slots, self._keys, strict=True) if pid]
        if self._scan is not None:
            lines = self._scan.papers
            tables = self._scan.tables
        else:
            lines = self._lines(slots)
            tables = _outer_tables(self._fd, self._signature[1], lines.values())
        if len(lines) != len(live) or "papers" not in tables:
            raise StaleIndex("the index and the file disagree")
        keys = {joined: pid for pid, joined in live}
        for joined in [k for k in keys if "\0" in k]:
            pid = keys.pop(joined)
            keys.update(dict.fromkeys(joined.split("\0"), pid))
        fd, self._fd = self._fd, -1
        return fd, lines, tables, keys

    def _lines(self, slots: list[str]) -> dict[str, _Line]:
        if self._placement is not None and self._placement.unchanged:
            return self._placement.saved_lines(slots)
        line_of = self._line_of
        return {pid: line for pid in slots if pid and (line := line_of(pid)) is not None}

    def mark_used(self, ids: Iterable[str]) -> bool:
        """Record that these papers' keys left the library, as
        :meth:`.Library.mark_used` does, by rewriting only their lines: under the
        library lock, if the file is still the version read (else False, and the
        caller loads the library to do it)."""
        from filelock import Timeout

        from .files import write_bytes_safely
        from .library import library_lock
        from .model import now_iso

        wanted = list(dict.fromkeys(ids))
        try:
            with library_lock(self.path):
                st = os.stat(self.path)
                if (st.st_ino, st.st_size, st.st_mtime_ns) != self._signature:
                    return False
                stamp = now_iso()
                changed: dict[str, Paper | None] = {}
                patches: list[tuple[int, int, bytes]] = []
                for paper_id in wanted:
                    paper = self.paper(paper_id)
                    if paper.key_used:
                        continue
                    used = replace(paper, key_used=stamp)
                    line = self._line_of(paper_id)
                    assert line is not None  # (self.paper read it)
                    patches.append((line[0], line[1], paper_line(used)))
                    changed[paper_id] = used
                if not patches:
                    return True
                patches.sort()
                write_bytes_safely(self.path, self._patched(patches, st.st_size))
                after = os.stat(self.path)
                note_write(
                    self.path,
                    self._signature,
                    (after.st_ino, after.st_size, after.st_mtime_ns),
                    changed,
                    False,
                    unsearched=changed.keys(),
                )
                return True
        except (Timeout, OSError, LibraryError):
            return False

    def _patched(self, patches: list[tuple[int, int, bytes]], size: int) -> Iterator[bytes]:
        """The file read, with each (offset, length) line replaced: the rest is
        copied as it is, a few megabytes at a time."""
        at = 0
        for offset, length, line in [*patches, (size, 0, b"")]:
            while at < offset:
                chunk = os.pread(self._fd, min(_READ, offset - at), at)
                if not chunk:
                    raise OSError("the library file ended early")
                yield chunk
                at += len(chunk)
            yield line
            at = offset + length

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> SavedSearch:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def catch_up(
        self,
        ids: list[str],
        changes: Mapping[str, _Line | None],
        *,
        unsearched: Collection[str] = (),
    ) -> None:
        """Re-index the papers ``changes`` names (None: removed) in the index made
        of the papers ``ids`` (by slot), except those whose change no search can see
        (``unsearched``: they are only read from their new line); ValueError when a
        full load would do better, LibraryError/OSError when that load would refuse
        the file."""
        known = set(ids)
        changes = {
            pid: line for pid, line in changes.items() if pid not in unsearched or pid not in known
        }
        if len(changes) > MAX_CHANGES:
            raise ValueError("too many changes")
        if not changes:
            return
        gone = [pid for pid, line in changes.items() if line is None and pid in known]
        fresh = [self.paper(pid) for pid, line in changes.items() if line is not None]
        self._check_keys(ids, fresh, set(gone))
        self.index.replace_papers(gone + [p.id for p in fresh if p.id in known], fresh)
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
    from .storage import gc_paused

    # Millions of long-lived objects: kept out of the cyclic collector's scans, which
    # would otherwise pause the load and, later, a keystroke for tens of ms.
    with gc_paused(freeze=True):
        return _open_saved(path, fields)


def _open_saved(path: Path, fields: Iterable[str] | None) -> SavedSearch | None:
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
        since = tuple(header.get("signature") or ())
        logged = None
        scan = None
        if since != signature:
            logged = _logged_changes(path, since, signature)
            if logged is None:
                scan = scan_file(fd, st.st_size)
                if scan is None:
                    raise ValueError("not in the layout the index follows")
                meta = scan.tables.get("_meta") or {}
                if list(meta.values()) != [{"schema": SCHEMA_VERSION}]:
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
        line_of: Callable[[str], _Line | None]
        placement = None
        if scan is not None:
            bibfile_docs = scan.tables.get("bibfiles") or {}
            line_of = scan.papers.get
        else:
            placement = _Placement(index, ids, offsets, sizes, sums, logged[0] if logged else {})
            line_of = placement.line_of
        bibfiles = {name: BibFile.from_doc(doc) for name, doc in bibfile_docs.items()}
        view = SavedSearch(path, fd, signature, index, keys, line_of, bibfiles)
        view._placement = placement
        if scan is not None:
            view._scan = scan
            view.caught_up = "scan"
            view.catch_up(ids, _differing(ids, sums, scan.papers))
        elif logged is not None:
            view.caught_up = "log"
            view.catch_up(ids, logged[0], unsearched=logged[1])
        return view
    except (ValueError, TypeError, KeyError, IndexError, OSError, LibraryError, PaperFormatError):
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise


def _outer_tables(fd: int, size: int, lines: Iterable[_Line]) -> dict[str, dict[str, Any]]:
    """The tables of the file other than the papers (which come first and last of
    its lines known), read from before the first paper's line and after the last's;
    ValueError when those bytes are not that."""
    from .storage import parse_library_bytes

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


def _differing(
    ids: list[str], sums: array[int], lines: dict[str, _Line]
) -> dict[str, _Line | None]:
    """The papers whose line in a scanned file (``lines``) differs from the one the
    index was made from (``sums`` by slot): their new line, or None if removed."""
    changed: dict[str, _Line | None] = {}
    for slot, paper_id in enumerate(ids):
        if not paper_id:
            continue
        line = lines.get(paper_id)
        if line is None:
            changed[paper_id] = None
        elif line[2] != sums[slot]:
            changed[paper_id] = line
    known = set(ids)
    changed.update((pid, line) for pid, line in lines.items() if pid not in known)
    return changed


class _Placement:
    """Where each paper's line lies in a file that logged writes changed since the
    index was saved: an unchanged line moved by what the changed lines before it
    (in id order, the file's order) grew or shrank; a changed one sits where its id
    falls among the saved lines, moved the same way."""

    def __init__(
        self,
        index: SearchIndex,
        ids: list[str],
        offsets: array[int],
        sizes: array[int],
        sums: array[int],
        changes: dict[str, _Line | None],
    ) -> None:
        self._slot_of = index.slot_of  # (unchanged papers keep their slots)
        self._offsets, self._sizes, self._sums = offsets, sizes, sums
        self._changed = sorted(changes)
        self.unchanged = not changes
        self._shift = [0]
        self._lines: dict[str, _Line] = {}
        if not changes:
            return
        saved = {pid: slot for slot, pid in enumerate(ids) if pid}
        for paper_id in self._changed:
            slot = saved.get(paper_id)
            line = changes[paper_id]
            grown = (line[1] + 1 if line else 0) - (sizes[slot] + 1 if slot is not None else 0)
            self._shift.append(self._shift[-1] + grown)
        order = sorted(saved.values(), key=offsets.__getitem__)
        in_file = [ids[slot] for slot in order]
        end = max((offsets[s] + sizes[s] + 1 for s in order), default=0)
        for i, paper_id in enumerate(self._changed):
            line = changes[paper_id]
            if line is None:
                continue
            after = bisect_left(in_file, paper_id)
            anchor = offsets[order[after]] if after < len(order) else end
            self._lines[paper_id] = (anchor + self._shift[i], line[1], line[2])

    def saved_lines(self, slots: list[str]) -> dict[str, _Line]:
        """Every paper's line, where no write moved any (``unchanged``)."""
        saved = zip(self._offsets, self._sizes, self._sums, strict=True)
        return {pid: line for pid, line in zip(slots, saved, strict=True) if pid}

    def line_of(self, paper_id: str) -> _Line | None:
        line = self._lines.get(paper_id)
        if line is not None:
            return line
        i = bisect_left(self._changed, paper_id)
        if i < len(self._changed) and self._changed[i] == paper_id:
            return None  # removed
        slot = self._slot_of(paper_id)
        if slot is None:
            return None
        return (self._offsets[slot] + self._shift[i], self._sizes[slot], self._sums[slot])


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
            scan = scan_file(fd, st.st_size)
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
    held = library.keys_by_paper()
    keys = ["\0".join(held.get(paper_id, ())) if paper_id else "" for paper_id in state[3]]
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
    # The log leads from versions before this one: no longer needed. (A write logged
    # meanwhile is lost with it, which only costs the next query a scan.)
    with contextlib.suppress(OSError):
        log_path(path).unlink()
    return True
