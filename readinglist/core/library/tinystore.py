"""TinyDB over the library file: one storage that never tears the file (SPEC §3).

* Writes go to a temp file beside the library (beside the file a symlink points
  to), are fsync'ed and then ``os.replace``'d over it, so a crash or ``kill -9``
  leaves either the old or the new file (see :mod:`readinglist.core.files`).
* The parsed file is kept in memory and re-read only when the file's signature
  (inode, size, mtime) changes, so TinyDB's read-before-every-operation is free.
* Inside :meth:`AtomicJSONStorage.batch` the writes TinyDB makes are held and
  flushed once at the end: a bulk import is one write, not one per paper.
* A table read lazily (:class:`~.fileformat.LineTable`) is changed in place, never
  decoded whole.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from ..errors import LibraryError
from ..files import remove_stale_temps, write_bytes_safely
from .fileformat import (
    PAPERS_TABLE,
    Line,
    LineTable,
    Signature,
    dump_library,
    fd_signature,
    file_signature,
    parse_library_bytes,
)


class StrTable(Table):
    """Documents filed under names (a ``.bib`` file's, the schema's), not running
    numbers. (The papers table is changed by :mod:`.store` itself: TinyDB would copy
    the whole table for each change, and a table read lazily must not be decoded.)"""

    document_id_class = str  # type: ignore[assignment]


class LibraryDB(TinyDB):
    table_class = StrTable


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

    @property
    def held(self) -> dict[str, dict[str, Any]] | None:
        """The tables as last read or written here (never read again here)."""
        return self._data if self._loaded else None

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
            write_bytes_safely(self.path, dump_library(self._data, cache, placed))
        except OSError as exc:
            self.invalidate()
            raise LibraryError(f"cannot write library {self.path}: {exc.strerror or exc}") from None
        except BaseException:
            self.invalidate()
            raise
        self._signature = file_signature(self.path)
        self._writes += 1
        papers = self._data.get(PAPERS_TABLE)
        if papers is not None:
            self._rebase(papers, placed)

    def _rebase(self, table: dict[str, Any], placed: dict[str, Line]) -> None:
        """Read the papers from the file just written, where they were put: the
        documents written need not be held (at 150k papers, ~300 MB), and the next
        write copies their lines instead of encoding them again."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            self._signature = None  # (read again before the next write)
            return
        if fd_signature(fd) != self._signature:
            os.close(fd)
            self._signature = None
            return
        if isinstance(table, LineTable):
            table.rebase(fd, self._signature, placed)
        else:
            assert self._data is not None
            lines = LineTable(fd, self._signature, placed, self.path)
            self._data[PAPERS_TABLE] = lines  # type: ignore[assignment]
            self._encoded.pop(PAPERS_TABLE, None)
