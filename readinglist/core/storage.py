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
from collections.abc import Iterable, Iterator
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


def dump_library(
    data: dict[str, dict[str, Any]], cache: dict[str, dict[str, bytes]] | None = None
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
    """
    dumps = orjson.dumps
    end = b"\n  " + dumps(END_MARK) + b": {}\n}"
    yield b"{"
    for index, (table, docs) in enumerate(data.items()):
        lines_of = cache.setdefault(table, {}) if cache is not None else None
        yield (b",\n" if index else b"\n") + dumps(table) + b": {"
        for doc_id in sorted(docs):
            line = None if lines_of is None else lines_of.get(doc_id)
            if line is None:
                line = b"\n  " + dumps(doc_id) + b": " + dumps(docs[doc_id]) + b","
                if lines_of is not None:
                    lines_of[doc_id] = line
            yield line
        yield end
    yield b"\n}\n"


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
        try:
            cache = self._encoded if self._writes else None
            atomic_write_bytes(self.path, dump_library(self._data, cache))
        except OSError as exc:
            self.invalidate()
            raise LibraryError(f"cannot write library {self.path}: {exc.strerror or exc}") from None
        except BaseException:
            self.invalidate()
            raise
        self._signature = file_signature(self.path)
        self._writes += 1
