"""A TinyDB storage that never tears the library file (SPEC §3).

* Writes go to a temp file beside the library (beside the file a symlink points
  to), are fsync'ed and then ``os.replace``'d over it, so a crash or ``kill -9``
  leaves either the old or the new file (see :mod:`readinglist.core.files`).
* The parsed file is kept in memory and re-read only when the file's signature
  (inode, size, mtime) changes, so TinyDB's read-before-every-operation is free.
* Inside :meth:`AtomicJSONStorage.batch` the writes TinyDB makes are held and
  flushed once at the end: a bulk import is one write, not one per paper.
* The file is JSON with one paper document per line in id order, which keeps
  ``git diff`` of a library readable (a tag change is a one-line diff) and lets git
  merge branches that added or changed different papers.
"""

from __future__ import annotations

import contextlib
import gc
import os
import zlib
from collections.abc import Generator, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from .errors import LibraryError
from .files import remove_stale_temps, write_bytes_safely

Signature = tuple[int, int, int]


def file_signature(path: Path) -> Signature | None:
    """Cheap identity of the file's current content: changes on every replace."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


@contextlib.contextmanager
def gc_paused(*, freeze: bool = False) -> Iterator[None]:
    """Loading 100k documents makes millions of objects; the cyclic GC would rescan
    them again and again for nothing (SPEC §13: 59-77% of load time).

    With ``freeze``, what was made is moved out of the GC's reach before it is
    switched back on; otherwise the first collection after would scan it all once.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


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
# (offset, length, crc32), the line without its newline.
Line = tuple[int, int, int]
_COPY = 8 << 20


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
        self._entries: dict[str, Line | dict[str, Any]] = dict(lines)

    def __del__(self) -> None:
        self.close()

    # -- the mapping TinyDB sees -------------------------------------------------
    def __getitem__(self, doc_id: str) -> dict[str, Any]:
        entry = self._entries[doc_id]
        if type(entry) is tuple:
            entry = self._entries[doc_id] = document_of_line(self.line(doc_id), self._path)
        return entry  # type: ignore[return-value]

    def __setitem__(self, doc_id: str, doc: dict[str, Any]) -> None:
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

    def copy_lines(self, doc_ids: list[str]) -> Iterator[bytes]:
        """The lines of ``doc_ids`` (unchanged, in file order), each checked, read a
        few megabytes at a time, each with the newline before it."""
        i = 0
        where = [self._placed(doc_id) for doc_id in doc_ids]
        while i < len(doc_ids):
            start, length, _crc = where[i]
            end = start + length
            j = i + 1
            while j < len(doc_ids) and end - start < _COPY:
                offset, length, _crc = where[j]
                if offset != end + 1:
                    break
                end = offset + length
                j += 1
            data = os.pread(self._fd, end - start, start)
            if len(data) != end - start:
                raise OSError("the library file ended early")
            view = memoryview(data)
            crc32 = zlib.crc32
            for doc_id, (offset, length, crc) in zip(doc_ids[i:j], where[i:j], strict=True):
                piece = view[offset - start : offset - start + length]
                if crc32(piece) != crc:
                    raise OSError(f"document {doc_id!r} is not where it was read")
                yield b"\n" + piece
            i = j

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
    from; ``placed`` then receives where each of its lines lies in the new file.
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
        for doc_id in sorted(docs):
            line = None if lines_of is None else lines_of.get(doc_id)
            if line is None:
                line = b"\n  " + dumps(doc_id) + b": " + dumps(docs[doc_id]) + b","
                if lines_of is not None:
                    lines_of[doc_id] = line
            at += len(line)
            yield line
        yield end
        at += len(end)
    yield b"\n}\n"


def _dump_lines(table: LineTable, at: int, placed: dict[str, Line]) -> Generator[bytes, None, int]:
    """A :class:`LineTable`'s lines in id order, from position ``at`` of the file
    written: runs of unchanged lines copied, changed documents encoded. Records each
    line's place in ``placed``; returns the position after the last."""
    dumps = orjson.dumps
    run: list[str] = []

    def copied() -> Iterator[bytes]:
        nonlocal at
        for doc_id, line in zip(run, table.copy_lines(run), strict=True):
            crc = table._placed(doc_id)[2]  # (checked on copy)
            placed[doc_id] = (at + 1, len(line) - 1, crc)
            at += len(line)
            yield line
        run.clear()

    for doc_id in sorted(table):
        if table.where(doc_id) is not None:
            run.append(doc_id)
            continue
        yield from copied()
        line = b"\n  " + dumps(doc_id) + b": " + dumps(table[doc_id]) + b","
        placed[doc_id] = (at + 1, len(line) - 1, zlib.crc32(memoryview(line)[1:]))
        at += len(line)
        yield line
    yield from copied()
    return at


def atomic_write_bytes(path: Path, payload: bytes | Iterable[bytes]) -> None:
    """Write ``payload`` (bytes, or chunks in order) to ``path`` so that readers see
    the old or the new file only; symlinks, devices and read-only files are treated
    as :func:`readinglist.core.files.write_bytes_safely` describes."""
    write_bytes_safely(path, payload)


class AtomicJSONStorage(Storage):
    """TinyDB storage: orjson, atomic replace, in-memory cache, batched writes.

    From its second write on, the storage keeps each document's encoded line for
    the next write (see :func:`dump_library`): a process that writes once (an
    import, a CLI command) never holds the file's bytes besides its documents.
    """

    def __init__(self, path: str | Path, **_: Any) -> None:
        self.path = Path(path)
        self._data: dict[str, dict[str, Any]] | None = None
        self._signature: Signature | None = None
        self._loaded = False
        self._batch_depth = 0
        self._dirty = False
        self._encoded: dict[str, dict[str, bytes]] = {}
        self._writes = 0

    # -- TinyDB Storage interface ---------------------------------------------
    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._batch_depth and self._loaded:
            return self._data
        signature = file_signature(self.path)
        if not self._loaded or signature != self._signature:
            self._load(signature)
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self._data = data
        self._loaded = True
        if self._batch_depth:
            self._dirty = True
            return
        self._flush()

    def close(self) -> None:
        self._data = None
        self._loaded = False

    # -- our additions ---------------------------------------------------------
    @property
    def signature(self) -> Signature | None:
        """Signature of the file as this storage last read or wrote it."""
        return self._signature

    def adopt(self, data: dict[str, dict[str, Any]], signature: Signature) -> None:
        """Take ``data`` as the file's content at version ``signature`` (a table in
        it may be a :class:`LineTable`, read from that version)."""
        self._data = data
        self._signature = signature
        self._loaded = True
        self._encoded.clear()
        self._writes = 0

    def remove_stale_temps(self) -> None:
        """Delete temp files a killed writer left behind (ours only). Call only under
        the lock, when no other writer can be half-way through its own temp file."""
        remove_stale_temps(self.path)

    def invalidate(self) -> None:
        """Forget the cache and what the file was: the next read comes from disk, and
        until then the file counts as changed (so nothing is written over a file that
        failed to load)."""
        self._loaded = False
        self._data = None
        self._signature = None
        self._encoded.clear()

    def forget(self, table: str, doc_ids: Iterable[int | str] | None = None) -> None:
        """Documents changed or removed (or, with no ids, the whole table): encode
        them afresh on the next write."""
        lines = self._encoded.get(table)
        if lines is None:
            return
        if doc_ids is None:
            lines.clear()
            return
        for doc_id in doc_ids:
            lines.pop(str(doc_id), None)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Hold writes until the outermost batch ends, then write once.

        If the block raises, nothing is written and the cache is dropped, so the
        half-applied change in memory cannot leak into a later write.
        """
        self._batch_depth += 1
        try:
            yield
        except BaseException:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                self._dirty = False
                self.invalidate()
            raise
        self._batch_depth -= 1
        if self._batch_depth == 0 and self._dirty:
            self._dirty = False
            self._flush()

    def _load(self, signature: Signature | None) -> None:
        if signature is None:
            self._data = None
        else:
            try:
                # fstat the open file: its signature matches exactly the bytes read,
                # even if another process replaces the library meanwhile.
                with open(self.path, "rb") as handle:
                    st = os.fstat(handle.fileno())
                    raw = handle.read()
            except FileNotFoundError:
                raw, st = b"", None
            except OSError as exc:
                raise LibraryError(f"cannot read library {self.path}: {exc.strerror}") from None
            self._data = parse_library_bytes(raw, self.path)
            signature = None if st is None else (st.st_ino, st.st_size, st.st_mtime_ns)
        self._signature = signature
        self._loaded = True

    def _flush(self) -> None:
        assert self._data is not None
        placed: dict[str, Line] = {}
        try:
            cache = self._encoded if self._writes else None
            atomic_write_bytes(self.path, dump_library(self._data, cache, placed))
        except OSError as exc:
            self.invalidate()
            raise LibraryError(f"cannot write library {self.path}: {exc.strerror or exc}") from None
        except BaseException:
            self.invalidate()
            raise
        self._signature = file_signature(self.path)
        self._writes += 1
        for table in self._data.values():
            if isinstance(table, LineTable):
                self._rebase(table, placed)

    def _rebase(self, table: LineTable, placed: dict[str, Line]) -> None:
        """Read ``table``'s papers from the file just written, where they were put."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            self._signature = None  # (read again before the next write)
            return
        st = os.fstat(fd)
        if (st.st_ino, st.st_size, st.st_mtime_ns) != self._signature:
            os.close(fd)
            self._signature = None
            return
        table.rebase(fd, self._signature, placed)
