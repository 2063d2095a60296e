"""The papers of one library file, in step with the file: loaded whole or read lazily,
caught up with other processes' writes, and changed through three primitives that
record every paper's transition (the version before the change, the version after).

What the store does not do is decide when to write, log or re-index: a
:class:`~.library.Library` transaction does, from the transitions the store hands
back (:meth:`PaperStore.finish`). Every transition carries the version it replaces,
read before anything changed, so nothing downstream (the change log, the search
index) ever has to read a paper back from a table that is half-way through a change.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from tinydb.table import Document

from ..errors import LibraryError
from ..memory import gc_paused
from ..merge import DuplicateIndex
from ..model import BibFile, Paper
from .changelog import MAX_CHANGES
from .fileformat import (
    BIBFILES_TABLE,
    META_TABLE,
    PAPERS_TABLE,
    SCHEMA_VERSION,
    Line,
    LineTable,
    PaperDoc,
    Signature,
    current_schema,
    fd_signature,
    held_twice,
    migrate,
    scan_file,
)
from .papers import LazyPapers, bibfiles_of, checked_paper
from .tinystore import AtomicJSONStorage, LibraryDB

# A paper's change: (before, after); None before = added, None after = removed.
Transition = tuple[Paper | None, Paper | None]
Transitions = dict[str, Transition]

# An insert this large drops the duplicate index rather than adding to it.
_REBUILD_DUPES_AFTER = 5000


class PaperStore:
    """The papers, their keys and the ``.bib`` records of one library file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.storage = AtomicJSONStorage(path)
        self.papers: MutableMapping[str, Paper] = {}
        self.keys: dict[str, str] = {}  # citation key or alias -> paper id
        self.bibfiles: dict[str, BibFile] = {}
        self.lines: LineTable | None = None  # the papers table, when read lazily
        self._dupes: DuplicateIndex | None = None
        self._db: LibraryDB
        # The current write: each changed paper's version before it and after it.
        self._pending: Transitions = {}
        self.other_written = False

    # -- loading ---------------------------------------------------------------------
    def load(self) -> Transitions:
        """Read the whole file; returns what changed since the papers held."""
        self.lines = None  # (papers read lazily stay readable, until no longer used)
        self.storage.invalidate()
        data = self.storage.read() or {}
        if data and PAPERS_TABLE not in data and META_TABLE not in data:
            raise LibraryError(
                f"cannot read library {self.path}: not a readinglist library file; "
                "the file was left untouched"
            )
        migrate(data, self.path)
        self._connect()
        papers: dict[str, Paper] = {}
        keys: dict[str, str] = {}
        for doc_id, doc in (data.get(PAPERS_TABLE) or {}).items():
            paper = checked_paper(self.path, doc_id, doc)
            papers[paper.id] = paper
            for key in (paper.key, *paper.aliases):
                if keys.setdefault(key, paper.id) != paper.id:
                    other = papers[keys[key]]
                    raise LibraryError(held_twice(self.path, "key", key, doc, other.to_doc()))
        bibfiles = bibfiles_of(self.path, data)
        previous = self.papers
        self.papers, self.keys, self.bibfiles = papers, keys, bibfiles
        self._dupes = None
        if not previous:
            return {}
        changed: Transitions = {
            pid: (paper, None) for pid, paper in previous.items() if pid not in papers
        }
        for pid, paper in papers.items():
            old = previous.get(pid)
            if old != paper:
                changed[pid] = (old, paper)
        return changed

    def adopt(
        self,
        fd: int,
        lines: dict[str, tuple[int, int, int]],
        tables: dict[str, dict[str, Any]],
        keys: dict[str, str],
    ) -> bool:
        """Read papers lazily from the open file ``fd`` (``lines``: where each paper's
        line lies; ``tables``: its other tables; ``keys``: each key's paper), as a
        saved search index describes it. False (``fd`` closed) when it cannot be."""
        try:
            if not lines or not current_schema(tables):
                raise ValueError("not this schema")
            bibfiles = bibfiles_of(self.path, tables)
        except (ValueError, LibraryError):
            os.close(fd)
            return False
        table = LineTable(fd, fd_signature(fd), lines, self.path)
        self._adopt(table, tables)
        self.keys, self.bibfiles = keys, bibfiles
        return True

    def _adopt(self, table: LineTable, tables: dict[str, dict[str, Any]]) -> None:
        tables[PAPERS_TABLE] = table  # type: ignore[assignment]
        self.storage.adopt(tables, table.signature)
        self._connect()
        self.lines = table
        self.papers = LazyPapers(self.path, table)
        self._dupes = None

    def _connect(self) -> None:
        """A fresh TinyDB over the storage (TinyDB caches table state)."""
        self._db = LibraryDB(storage=lambda *_a, **_k: self.storage)

    def catch_up_lazily(self) -> Transitions | None:
        """Catch up with the file as it is now, reading only the papers whose line
        differs from the one read before (each checked as a full load checks it);
        None when only a full load will do (a file not in the layout written here,
        another schema, many changes)."""
        old = self.lines
        assert old is not None
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise LibraryError(f"cannot read library {self.path}: {exc.strerror}") from None
        keep = False
        try:
            signature = fd_signature(fd)
            scan = scan_file(fd, signature[1])
            if scan is None or not current_schema(scan.tables):
                return None
            known = old.lines()
            changed = [
                pid for pid, line in scan.papers.items() if known.get(pid, (0, 0, -1))[2] != line[2]
            ]
            changed.extend(pid for pid in old if pid not in scan.papers)
            if len(changed) > MAX_CHANGES:
                return None
            table = LineTable(fd, signature, scan.papers, self.path)
            fresh = LazyPapers(self.path, table)
            before = {pid: self.papers.get(pid) for pid in changed}
            after = {pid: fresh.get(pid) for pid in changed}  # (each checked)
            keys = dict(self.keys)
            for paper in before.values():
                if paper is not None:
                    for key in (paper.key, *paper.aliases):
                        if keys.get(key) == paper.id:
                            del keys[key]
            for paper in after.values():
                if paper is not None:
                    for key in (paper.key, *paper.aliases):
                        owner = keys.setdefault(key, paper.id)
                        if owner != paper.id:
                            other = after.get(owner) or fresh.get(owner)
                            doc = other.to_doc() if other else {}
                            raise LibraryError(
                                held_twice(self.path, "key", key, paper.to_doc(), doc)
                            )
            bibfiles = bibfiles_of(self.path, scan.tables)
            keep = True
        finally:
            if not keep:
                os.close(fd)
        self._adopt(table, scan.tables)  # (the old table's file closes once no reader has it)
        self.keys, self.bibfiles = keys, bibfiles
        return {pid: (before[pid], after[pid]) for pid in changed if before[pid] != after[pid]}

    def reload(self) -> Transitions:
        """Catch up with the file (another process changed it); what changed."""
        # Loading makes millions of long-lived objects; what was loaded lives as long
        # as the library: kept out of the collector's future scans.
        with gc_paused(freeze=True):
            try:
                if self.lines is not None:
                    changes = self.catch_up_lazily()
                    if changes is not None:
                        return changes
                return self.load()
            except BaseException:
                self.storage.invalidate()  # a file we could not read is never written
                raise

    def written_line(self, paper_id: str) -> Line | None:
        """Where a paper's line lies in the file as last written here (None if not
        known)."""
        data = self.storage.held
        table = None if data is None else data.get(PAPERS_TABLE)
        if not isinstance(table, LineTable) or table.signature != self.storage.signature:
            return None
        return table.where(paper_id)

    def written_lines(self) -> dict[str, tuple[int, int, int]] | None:
        """Where each paper's line lies in the file as last written or read here,
        when every paper is still as it is there (else None)."""
        data = self.storage.held
        table = None if data is None else data.get(PAPERS_TABLE)
        if not isinstance(table, LineTable) or table.signature != self.storage.signature:
            return None
        lines = table.lines()
        return lines if len(lines) == len(table) else None

    @property
    def signature(self) -> Signature | None:
        """The library file's (inode, size, mtime) as last read or written here."""
        return self.storage.signature

    # -- reading -----------------------------------------------------------------------
    @property
    def dupes(self) -> DuplicateIndex:
        """Built on the first import only: listing and editing never need it."""
        if self._dupes is None:
            self._dupes = DuplicateIndex()
            for paper in self.papers.values():
                self._dupes.add(paper)
        return self._dupes

    def paper(self, paper_id: str) -> Paper:
        """The paper with this id (for the search index); LibraryError if gone."""
        paper = self.papers.get(paper_id)
        if paper is None:
            raise LibraryError(f"paper {paper_id!r} is not in the library")
        return paper

    # -- one write ----------------------------------------------------------------------
    def begin(self) -> None:
        self._pending = {}
        self.other_written = False

    @property
    def pending(self) -> Transitions:
        """The transitions of the write under way (do not change)."""
        return self._pending

    def finish(self) -> Transitions:
        """The write is on disk: its transitions (papers back where they started
        left out)."""
        done = {pid: t for pid, t in self._pending.items() if t[0] != t[1]}
        self._pending = {}
        return done

    def rollback(self) -> None:
        """The write failed: put the papers and keys back as they were before it."""
        pending, self._pending = self._pending, {}
        for _before, after in pending.values():
            if after is not None:
                self._unindex_keys(after)
        for paper_id, (before, _after) in pending.items():
            if before is None:
                self.papers.pop(paper_id, None)
            else:
                self.papers[paper_id] = before
                self._index_keys(before)
        self._dupes = None

    def _note(self, paper_id: str, before: Paper | None, after: Paper | None) -> None:
        first = self._pending.get(paper_id)
        self._pending[paper_id] = (before if first is None else first[0], after)

    def _index_keys(self, paper: Paper) -> None:
        for key in (paper.key, *paper.aliases):
            self.keys[key] = paper.id

    def _unindex_keys(self, paper: Paper) -> None:
        for key in (paper.key, *paper.aliases):
            if self.keys.get(key) == paper.id:
                del self.keys[key]

    def insert(
        self,
        papers: Sequence[Paper],
        indexed: dict[str, Paper] | None = None,
        each_doc: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        """Store new papers; ``indexed`` holds those the duplicate index already has
        (in the version it has); ``each_doc`` sees each paper's document as stored
        (a paper is not encoded twice)."""
        if not papers:
            return
        table = self._papers_table()
        for paper in papers:
            if paper.id in table:
                raise LibraryError(f"paper id {paper.id!r} is in the library already")
            if each_doc is not None:
                each_doc(paper.id, paper.to_doc())
            table[paper.id] = PaperDoc(paper)  # (its document is made when written)
        self._written()
        if self._dupes is not None and len(papers) > _REBUILD_DUPES_AFTER:
            self._dupes = None  # cheaper made again by the next import, if any
        for paper in papers:
            self.papers[paper.id] = paper
            self._index_keys(paper)
            if self._dupes is not None:
                known = indexed.get(paper.id) if indexed else None
                if known is not paper:
                    if known is not None:
                        self._dupes.remove(known)
                    self._dupes.add(paper)
            self._note(paper.id, None, paper)

    def replace(self, changes: Iterable[tuple[Paper, Paper]]) -> None:
        """Store new versions of papers: (the version it replaces, the new one)."""
        changes = list(changes)
        if not changes:
            return
        table = self._papers_table()
        for _old, new in changes:
            if new.id not in table:
                raise LibraryError(f"paper {new.key!r} is not in the library")
            table[new.id] = PaperDoc(new)
        self.storage.forget(PAPERS_TABLE, [new.id for _old, new in changes])
        self._written()
        for old, new in changes:
            if self._dupes is not None:
                self._dupes.remove(old)
                self._dupes.add(new)
            self._unindex_keys(old)
            self._index_keys(new)
            self.papers[new.id] = new
            self._note(new.id, old, new)

    def remove(self, papers: Sequence[Paper]) -> None:
        if not papers:
            return
        doc_ids = [p.id for p in papers]
        table = self._papers_table()
        for doc_id in doc_ids:
            del table[doc_id]
        self.storage.forget(PAPERS_TABLE, doc_ids)
        self._written()
        for paper in papers:
            del self.papers[paper.id]
            self._unindex_keys(paper)
            if self._dupes is not None:
                self._dupes.remove(paper)
            self._note(paper.id, paper, None)

    def _papers_table(self) -> MutableMapping[str, Any]:
        """The papers table as the storage holds it (documents, lines of the file
        read, or papers whose document is made when written)."""
        tables = self.storage.read()
        if tables is None:  # (no file yet)
            tables = {}
            self.storage.write(tables)
        return tables.setdefault(PAPERS_TABLE, {})

    def _written(self) -> None:
        """The papers table changed: the storage writes it (at the end of the write)."""
        tables = self.storage.read()
        assert tables is not None
        self.storage.write(tables)

    def store_bibfile(self, bibfile: BibFile) -> None:
        self.other_written = True
        table = self._db.table(BIBFILES_TABLE, cache_size=0)
        if bibfile.name in self.bibfiles:
            table.remove(doc_ids=[bibfile.name])  # type: ignore[list-item]
        table.insert(Document(bibfile.to_doc(), doc_id=bibfile.name))  # type: ignore[arg-type]
        self.storage.forget(BIBFILES_TABLE, [bibfile.name])
        self.bibfiles[bibfile.name] = bibfile

    def write_schema(self) -> None:
        """Stamp the file with this version's schema, where it is not."""
        meta = self._db.table(META_TABLE)
        docs = meta.all()
        if docs and docs[0].get("schema") == SCHEMA_VERSION:
            return
        meta.truncate()
        meta.insert({"schema": SCHEMA_VERSION})
        self.storage.forget(META_TABLE)
        self.other_written = True
