"""The library: papers in one TinyDB file, safe for several processes at once.

Every change is a transaction: take the inter-process lock, reload if another
process wrote since we last looked, apply the change through TinyDB with writes
batched, and replace the file atomically once. Readers never need the lock: the
file they see is always a whole one.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import (
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.table import Document, Table

from .changes import Change, diff, revert
from .errors import LibraryError
from .history import Entry, History, UndoReport, fingerprint, fingerprint_doc
from .importers.base import ParseResult
from .importing import ImportPlan, ImportReport
from .keys import DEFAULT_PATTERN, assign_key, made_from, unique_key, valid_key
from .merge import DuplicateIndex, merge_into
from .model import BibFile, Paper, PaperFormatError, added_stamps, id_rank, new_id, now_iso
from .storage import AtomicJSONStorage, LineTable, document_of_line, file_signature, gc_paused

if TYPE_CHECKING:
    from .query import Query
    from .search import Hit, SearchIndex

SCHEMA_VERSION = 2
PAPERS_TABLE = "papers"
META_TABLE = "_meta"
BIBFILES_TABLE = "bibfiles"
LOCK_TIMEOUT_S = 15.0
# An insert this large drops the duplicate index rather than adding to it.
_REBUILD_DUPES_AFTER = 5000

Progress = Callable[[int, int], None]


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
                raise LibraryError(_twice(path, "id", paper_id, doc, by_id[paper_id]))
            by_id[paper_id] = doc
        data[PAPERS_TABLE] = by_id


def _twice(path: Path, what: str, value: str, doc: Any, other: Any) -> str:
    names = sorted({str(doc.get("key") or doc.get("id")), str(other.get("key") or other.get("id"))})
    return (
        f"cannot read library {path}: {what} {value!r} belongs to two papers "
        f"({' and '.join(names)}); the file was left untouched"
    )


class _Table(Table):
    """Documents are filed under their paper's id, not a running number."""

    document_id_class = str  # type: ignore[assignment]

    def _update_table(self, updater: Callable[[dict[int, Mapping[Any, Any]]], None]) -> None:
        # TinyDB copies the whole table for each change (converting ids); ids are
        # strings here already, and a table read lazily must not be decoded whole.
        tables = self._storage.read() or {}
        raw = tables.get(self.name)
        if not isinstance(raw, LineTable):
            super()._update_table(updater)
            return
        updater(raw)
        self._storage.write(tables)
        self.clear_cache()


class _TinyDB(TinyDB):
    table_class = _Table


class Library:
    """All papers of one library file, kept in memory and in sync with the file."""

    def __init__(
        self,
        path: Path,
        *,
        key_pattern: str = DEFAULT_PATTERN,
        search_fields: Iterable[str] | None = None,
    ) -> None:
        self.path = path
        self.key_pattern = key_pattern
        self.search_fields = None if search_fields is None else tuple(search_fields)
        self._storage = AtomicJSONStorage(path)
        # A hidden lock file beside the library (kept: removing it would race), and
        # the change history. Beside the real file: a process that opens the
        # library through a symlink must take the same lock as one that does not.
        real = path.resolve()
        self._lock = library_lock(path)
        self.history = History(real.with_name(f".{real.name}.history"))
        self._depth = 0
        self._entries: list[Entry] = []
        # What the current transaction wrote, told to the saved search index
        # (paper id → the paper, or None once removed; other tables changed), and
        # the papers whose change the search cannot see (a key marked used).
        self._written: dict[str, Paper | None] = {}
        self._unsearched: set[str] = set()
        self._other_written = False
        self._papers: MutableMapping[str, Paper] = {}
        # Opened from the saved search index (``open(lazy=True)``): the papers table
        # as read from the file, each paper decoded when first asked for.
        self._lines: LineTable | None = None
        self._keys: dict[str, str] = {}  # citation key or alias -> paper id
        self._bibfiles: dict[str, BibFile] = {}
        self._dupes_index: DuplicateIndex | None = None
        self._index: SearchIndex | None = None
        # Opened lazily from a saved index that caught up with many changes: saving
        # it again spares the next start that work.
        self.index_outdated = False
        # While a search index is built from a snapshot elsewhere, the ids changed
        # meanwhile; ``generation`` counts reloads, after which a snapshot is stale.
        self._touched: set[str] | None = None
        self._db: TinyDB
        self._table: Table

    # -- opening and loading ---------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        key_pattern: str = DEFAULT_PATTERN,
        search_fields: Iterable[str] | None = None,
        lazy: bool = False,
    ) -> Library:
        """Open (or prepare to create) the library at ``path``; raises LibraryError.

        ``lazy``: where the search index saved beside the library is current (or
        catches up with the file), start from it and read each paper from the file
        when it is first needed (see :meth:`_open_lazily`); a long-lived program that
        shows a few papers at a time (the TUI) then neither waits for nor holds every
        paper. Otherwise, or without ``lazy``, every paper is read now."""
        path = Path(path).expanduser()
        if path.is_dir():
            raise LibraryError(f"cannot use {path} as a library: it is a directory")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"cannot create {path.parent}: {exc.strerror}") from None
        library = cls(path, key_pattern=key_pattern, search_fields=search_fields)
        if not (lazy and library._open_lazily()):
            library.reload()
        return library

    @property
    def lazy(self) -> bool:
        """Whether papers are read from the file as they are needed."""
        return self._lines is not None

    def _open_lazily(self) -> bool:
        """Start from the saved search index: it was saved from a full load of the
        file (or caught up with it, each changed paper read and checked as a load
        checks it), so the papers need not be read and checked again. False when
        there is no usable index: the caller loads the file whole."""
        from .searchcache import StaleIndex, open_saved, resave

        view = open_saved(self.path, self.search_fields)
        if view is None:
            return False
        try:
            with gc_paused(freeze=True):
                fd, lines, tables, keys = view.release()
        except (StaleIndex, ValueError, OSError):
            view.close()
            return False
        meta = tables.get(META_TABLE) or {}
        if not lines or list(meta.values()) != [{"schema": SCHEMA_VERSION}]:
            os.close(fd)
            return False
        try:
            bibfiles = _bibfiles(self.path, tables)
        except LibraryError:
            os.close(fd)
            return False
        table = LineTable(fd, view.signature, lines, self.path)
        tables[PAPERS_TABLE] = table  # type: ignore[assignment]
        self._adopt(table, tables)
        self._keys, self._bibfiles = keys, bibfiles
        self._index = view.index
        self._index.read_papers_with(self._indexed_paper)
        self.index_outdated = resave(view)
        return True

    def _adopt(self, table: LineTable, tables: dict[str, dict[str, Any]]) -> None:
        """Read papers from ``table`` (of the file version ``tables`` are of)."""
        self._storage.adopt(tables, table.signature)
        self._db = _TinyDB(storage=lambda *_a, **_k: self._storage)
        self._table = self._db.table(PAPERS_TABLE, cache_size=0)
        self._lines = table
        self._papers = _LazyPapers(self.path, table)
        self._dupes_index = None

    def _indexed_paper(self, paper_id: str) -> Paper:
        paper = self._papers.get(paper_id)
        if paper is None:
            raise LibraryError(f"paper {paper_id!r} is not in the library")
        return paper

    def reload(self) -> None:
        """Re-read the file (another process changed it, or first load)."""
        # Loading makes millions of long-lived objects; the cyclic GC would rescan
        # them over and over (more than the load itself at 100k papers).
        # What was loaded lives as long as the library: keep it out of future scans.
        with gc_paused(freeze=True):
            try:
                if not (self._lines is not None and self._reload_lazily()):
                    self._reload()
            except BaseException:
                self._storage.invalidate()  # a file we could not read is never written
                raise

    def _reload_lazily(self) -> bool:
        """Catch up with the file as it is now, reading only the papers whose line
        differs from the one read before (checked as a full load checks them); False
        when only a full load will do (a file not in the layout written here, another
        schema, many changes)."""
        from .searchcache import MAX_CHANGES, scan_file

        old = self._lines
        assert old is not None and isinstance(self._papers, _LazyPapers)
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise LibraryError(f"cannot read library {self.path}: {exc.strerror}") from None
        keep = False
        try:
            st = os.fstat(fd)
            scan = scan_file(fd, st.st_size)
            if scan is None:
                return False
            meta = scan.tables.get(META_TABLE) or {}
            if list(meta.values()) != [{"schema": SCHEMA_VERSION}]:
                return False
            known = old.lines()
            changed = [
                pid for pid, line in scan.papers.items() if known.get(pid, (0, 0, -1))[2] != line[2]
            ]
            changed.extend(pid for pid in old if pid not in scan.papers)
            if len(changed) > MAX_CHANGES:
                return False
            table = LineTable(fd, (st.st_ino, st.st_size, st.st_mtime_ns), scan.papers, self.path)
            fresh = _LazyPapers(self.path, table)
            before = {pid: self._papers.get(pid) for pid in changed}
            after = {pid: fresh.get(pid) for pid in changed}  # (each checked)
            keys = dict(self._keys)
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
                            raise LibraryError(_twice(self.path, "key", key, paper.to_doc(), doc))
            bibfiles = _bibfiles(self.path, scan.tables)
            tables = scan.tables
            tables[PAPERS_TABLE] = table  # type: ignore[assignment]
            keep = True
        finally:
            if not keep:
                os.close(fd)
        self._adopt(table, tables)  # (the old table's file closes once no reader has it)
        self._keys, self._bibfiles = keys, bibfiles
        for paper_id, paper in before.items():
            if paper is not None and after[paper_id] != paper:
                self._note_change(paper_id, paper)
            elif paper is None and after[paper_id] is not None:
                self._note_change(paper_id, None)
        return True

    def _reload(self) -> None:
        self._lines = None  # (papers read lazily stay readable, until no longer used)
        self._storage.invalidate()
        data = self._storage.read() or {}
        if data and PAPERS_TABLE not in data and META_TABLE not in data:
            raise LibraryError(
                f"cannot read library {self.path}: not a readinglist library file; "
                "the file was left untouched"
            )
        migrate(data, self.path)
        # A fresh TinyDB over the same storage (it caches table state).
        self._db = _TinyDB(storage=lambda *_a, **_k: self._storage)
        self._table = self._db.table(PAPERS_TABLE, cache_size=0)
        papers: dict[str, Paper] = {}
        keys: dict[str, str] = {}
        for doc_id, doc in (data.get(PAPERS_TABLE) or {}).items():
            paper = self._checked(doc_id, doc)
            papers[paper.id] = paper
            for key in (paper.key, *paper.aliases):
                if keys.setdefault(key, paper.id) != paper.id:
                    other = papers[keys[key]]
                    raise LibraryError(_twice(self.path, "key", key, doc, other.to_doc()))
        bibfiles = _bibfiles(self.path, data)
        previous = self._papers
        self._papers, self._keys, self._bibfiles = papers, keys, bibfiles
        self._dupes_index = None
        # Another process changed a few papers: patch the search index rather than
        # rebuild it (a rebuild takes seconds at 100k papers, a diff milliseconds).
        if self._index is not None or self._touched is not None:
            changed = previous.keys() - papers.keys()
            changed.update(pid for pid, paper in papers.items() if previous.get(pid) != paper)
            for paper_id in changed:
                self._note_change(paper_id, previous.get(paper_id))

    def _checked(self, doc_id: str, doc: dict[str, Any]) -> Paper:
        """One stored document as a paper, or a LibraryError naming paper and field."""
        return checked_paper(self.path, doc_id, doc)

    @property
    def file_signature(self) -> tuple[int, int, int] | None:
        """The library file's (inode, size, mtime) as last read or written here."""
        return self._storage.signature

    @property
    def _dupes(self) -> DuplicateIndex:
        """Built on the first import only: listing and editing never need it."""
        if self._dupes_index is None:
            self._dupes_index = DuplicateIndex()
            for paper in self._papers.values():
                self._dupes_index.add(paper)
        return self._dupes_index

    def changed_on_disk(self) -> bool:
        """True when another process has replaced the file since we read or wrote it."""
        return file_signature(self.path) != self._storage.signature

    # -- reading -----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._papers)

    def __iter__(self) -> Iterator[Paper]:
        return iter(self._papers.values())

    @property
    def papers(self) -> Sequence[Paper]:
        return list(self._papers.values())

    def get(self, paper_id: str) -> Paper | None:
        return self._papers.get(paper_id)

    def by_key(self, key: str) -> Paper | None:
        """The paper with this citation key, or with it as an alias."""
        paper_id = self._keys.get(key)
        return self._papers.get(paper_id) if paper_id else None

    def keys_by_paper(self) -> dict[str, list[str]]:
        """Each paper's citation key and aliases (without reading the papers)."""
        held: dict[str, list[str]] = {}
        for key, paper_id in self._keys.items():
            held.setdefault(paper_id, []).append(key)
        return held

    def tag_counts(self) -> dict[str, int]:
        """Each tag, spelled as a paper has it, and how many papers have it.

        Tags that differ only in case are one tag. A library read lazily counts
        from the search index without reading every tagged paper: tags that differ
        in accents too are then one (as ``tag:`` finds them)."""
        if self._lines is not None and self._index is not None:
            return self._indexed_tag_counts(self._index)
        counts: dict[str, int] = {}
        spelling: dict[str, str] = {}
        for paper in self._papers.values():
            for tag in paper.tags:
                name = spelling.setdefault(tag.casefold(), tag)
                counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: kv[0].casefold()))

    def _indexed_tag_counts(self, index: SearchIndex) -> dict[str, int]:
        from .tokens import fold

        counts: dict[str, int] = {}
        for folded, (count, paper_id) in index.tag_tally().items():
            paper = self._papers.get(paper_id)
            names = [t for t in (paper.tags if paper else ()) if fold(t.strip()) == folded]
            name = names[0] if names else folded
            counts[name] = counts.get(name, 0) + count
        return dict(sorted(counts.items(), key=lambda kv: kv[0].casefold()))

    def status_counts(self) -> dict[str, int]:
        if self._lines is not None and self._index is not None:
            return self._index.status_counts()  # (papers read lazily: from the index)
        counts: dict[str, int] = {}
        for paper in self._papers.values():
            counts[paper.status] = counts.get(paper.status, 0) + 1
        return counts

    @property
    def index(self) -> SearchIndex:
        """The search index, built on first use and then kept up to date."""
        if self._index is None:
            from .search import SearchIndex

            self._index = SearchIndex(self._papers.values(), fields=self.search_fields)
        return self._index

    def newest_first(self) -> list[Paper]:
        """Every paper, newest ``added`` first (as the search index orders an empty
        query, ties too)."""
        return sorted(self._papers.values(), key=lambda p: (p.added, -id_rank(p.id)), reverse=True)

    def search(
        self,
        query: str | Query,
        limit: int | None = None,
        *,
        partial: bool = False,
        marked: Collection[str] = (),
    ) -> Sequence[Hit]:
        """Papers matching ``query``, best first. The empty query lists everything
        without building the index (a whole-process ``list``/``export`` stays fast).
        ``partial`` answers before abstracts are indexed (see ``SearchIndex``);
        ``marked`` are the paper ids ``is:marked`` selects."""
        from .query import parse_query
        from .search import Hit

        parsed = parse_query(query) if isinstance(query, str) else query
        if parsed.is_empty and self._index is None:
            return _Listing(self.newest_first()[:limit], Hit)
        return self.index.search(parsed, limit=limit, partial=partial, marked=marked)

    @property
    def index_ready(self) -> bool:
        return self._index is not None

    def index_snapshot(self) -> list[Paper]:
        """Papers to build a search index from outside any lock (see :meth:`install_index`).

        A long-lived process (the TUI) builds the index in a worker while edits and
        reloads go on; the library remembers which papers change until it is installed.
        """
        self._touched = set()
        return list(self._papers.values())

    def install_index(self, index: SearchIndex) -> None:
        """Adopt an index built from :meth:`index_snapshot`, catching up on the
        changes made since."""
        if self._index is not None:
            return
        for paper_id in self._touched or ():
            paper = self._papers.get(paper_id)
            if paper is None:
                if paper_id in index:
                    index.remove(paper_id)
            elif paper_id in index:
                index.update(paper)
            else:
                index.add(paper)
        self._touched = None
        self._index = index

    def _note_change(self, paper_id: str, before: Paper | None, *, searched: bool = True) -> None:
        """Keep the search index (or a pending snapshot) in step with one paper; a
        change no search can see (not ``searched``) only hands the index the new
        version."""
        if self._touched is not None:
            self._touched.add(paper_id)
        if self._index is None:
            return
        if before is not None:
            self._index.know(before)  # (an index read back would read the new version)
        paper = self._papers.get(paper_id)
        if paper is None:
            if before is not None:
                self._index.remove(paper_id)
        elif before is None:
            self._index.add(paper)
        elif searched:
            self._index.update(paper)
        else:
            self._index.hold(paper)

    # -- transactions --------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the library: inside, the papers are the file's current ones and no
        other process can change them; every change made inside is written once, at
        the end, with its history. Re-entrant: changes call it themselves, and a
        caller may wrap a selection and the changes made to it in one transaction.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self._lock.acquire()
        except Timeout:
            raise LibraryError(
                f"library {self.path} is locked by another process (waited {LOCK_TIMEOUT_S:.0f} s)"
            ) from None
        except OSError as exc:
            why = exc.strerror or str(exc)
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                why = f"its folder cannot be written ({why})"
            raise LibraryError(f"cannot lock library {self.path}: {why}") from None
        self._depth = 1
        try:
            self._storage.remove_stale_temps()
            if self.changed_on_disk():
                self.reload()
            before = self._storage.signature
            self._written, self._other_written = {}, False
            self._unsearched = set()
            try:
                with self._storage.batch():
                    if self._needs_meta_rewrite():
                        self._db.table(META_TABLE).truncate()
                        self._db.table(META_TABLE).insert({"schema": SCHEMA_VERSION})
                        self._storage.forget(META_TABLE)
                        self._other_written = True
                    yield
            except BaseException:
                # The in-memory state may hold half a change: go back to the file.
                self._entries.clear()
                self.reload()
                raise
            for entry in self._entries:
                self.history.append(entry)
            after = self._storage.signature
            if after != before and before is not None and after is not None:
                from .searchcache import note_write

                note_write(
                    self.path,
                    before,
                    after,
                    self._written,
                    self._other_written,
                    unsearched=self._unsearched,
                )
        finally:
            self._entries.clear()
            self._written, self._other_written = {}, False
            self._depth = 0
            self._lock.release()

    def _record(self, entry: Entry) -> None:
        """Keep ``entry`` for the history, written when the transaction's change is."""
        if entry:
            self._entries.append(entry)

    def _needs_meta_rewrite(self) -> bool:
        docs = self._db.table(META_TABLE).all()
        return not docs or docs[0].get("schema") != SCHEMA_VERSION

    def _index_keys(self, paper: Paper) -> None:
        for key in (paper.key, *paper.aliases):
            self._keys[key] = paper.id

    def _unindex_keys(self, paper: Paper) -> None:
        for key in (paper.key, *paper.aliases):
            if self._keys.get(key) == paper.id:
                del self._keys[key]

    def _insert(
        self, papers: Sequence[Paper], indexed: dict[str, Paper] | None = None
    ) -> dict[str, str]:
        """Store new papers; ``indexed`` holds those the duplicate index already has
        (in the version it has). Returns each one's :func:`~.history.fingerprint`,
        taken from the document stored (a paper is not encoded twice)."""
        prints: dict[str, str] = {}
        if not papers:
            return prints

        def documents() -> Iterator[Document]:
            # One at a time: the table keeps its own copy of each document.
            for paper in papers:
                doc = paper.to_doc()
                prints[paper.id] = fingerprint_doc(doc)
                yield Document(doc, doc_id=paper.id)  # type: ignore[arg-type]

        self._table.insert_multiple(documents())
        if self._dupes_index is not None and len(papers) > _REBUILD_DUPES_AFTER:
            self._dupes_index = None  # cheaper made again by the next import, if any
        for paper in papers:
            self._papers[paper.id] = paper
            self._index_keys(paper)
            if self._dupes_index is not None:
                known = indexed.get(paper.id) if indexed else None
                if known is not paper:
                    if known is not None:
                        self._dupes_index.remove(known)
                    self._dupes_index.add(paper)
            self._note_change(paper.id, None)
            self._written[paper.id] = paper
            self._unsearched.discard(paper.id)
        return prints

    def _replace(self, papers: Sequence[Paper], before: Sequence[Paper] = ()) -> None:
        """Store new versions of papers; ``before``, if given, holds the versions
        they replace, in the same order (read already: not read again)."""
        if not papers:
            return
        docs = {p.id: p.to_doc() for p in papers}

        def rewrite(doc: MutableMapping[str, Any]) -> None:
            new = docs[doc["id"]]
            doc.clear()
            doc.update(new)

        doc_ids = [p.id for p in papers]
        self._table.update(rewrite, doc_ids=doc_ids)  # type: ignore[arg-type]
        self._storage.forget(PAPERS_TABLE, doc_ids)
        olds = before or [self._papers[paper.id] for paper in papers]
        for paper, old in zip(papers, olds, strict=True):
            if self._dupes_index is not None:
                self._dupes_index.remove(old)
                self._dupes_index.add(paper)
            self._unindex_keys(old)
            self._index_keys(paper)
            self._papers[paper.id] = paper
            quiet = unsearched(old, paper)
            self._note_change(paper.id, old, searched=not quiet)
            # (unseen by search only if every change to it in this write was)
            first = paper.id not in self._written
            if quiet and (first or paper.id in self._unsearched):
                self._unsearched.add(paper.id)
            else:
                self._unsearched.discard(paper.id)
            self._written[paper.id] = paper

    def _remove(self, papers: Sequence[Paper]) -> None:
        if not papers:
            return
        doc_ids = [p.id for p in papers]
        self._table.remove(doc_ids=doc_ids)  # type: ignore[arg-type]
        self._storage.forget(PAPERS_TABLE, doc_ids)
        for paper in papers:
            del self._papers[paper.id]
            self._unindex_keys(paper)
            if self._dupes_index is not None:
                self._dupes_index.remove(paper)
            self._note_change(paper.id, paper)
            self._written[paper.id] = None
            self._unsearched.discard(paper.id)

    def _new_paper(self, paper: Paper, stamp: str, added: Iterator[str]) -> Paper:
        key = assign_key(paper, self._keys, self.key_pattern)
        return replace(paper, id=new_id(), key=key, added=next(added), updated=stamp)

    # -- changes -------------------------------------------------------------------------
    def import_papers(
        self,
        papers: Iterable[Paper],
        *,
        tags: Sequence[str] = (),
        tag_existing: bool = False,
        progress: Progress | None = None,
        label: str = "import",
    ) -> ImportReport:
        """Add papers, merging those already in the library (see
        :mod:`.importing`); one write for all."""
        incoming = list(papers)
        # An import makes several objects per paper and nothing cyclic: the collector
        # would rescan the library's millions of objects again and again for nothing.
        with gc_paused(freeze=True), self.transaction():
            stamp = now_iso()
            plan = ImportPlan(
                self._papers,
                self._keys,
                self._dupes,
                key_pattern=self.key_pattern,
                added=added_stamps(stamp),
                updated=stamp,
                tags=tags,
                tag_existing=tag_existing,
            )
            for done, paper in enumerate(incoming, 1):
                plan.offer(paper)
                if progress is not None and (done % 500 == 0 or done == len(incoming)):
                    progress(done, len(incoming))
            prints = self._insert(plan.new, plan.indexed)
            # A listing paper that gains authors and a year here (``add`` of its arXiv
            # id, a Daily Papers day) gets its key made again, as an edit would.
            merged = [self._rederive_key(plan.originals[i], p) for i, p in plan.pending.items()]
            self._replace(merged)
            report = plan.report
            report.added = plan.new
            report.merged = merged
            report.before = [plan.originals[i] for i in plan.pending]
            self._record(
                Entry(
                    label,
                    stamp,
                    added=prints,
                    edits={p.id: diff(plan.originals[p.id], p) for p in report.merged},
                )
            )
        return report

    def import_parsed(
        self,
        result: ParseResult,
        *,
        tags: Sequence[str] = (),
        tag_existing: bool = False,
        progress: Progress | None = None,
        label: str = "",
    ) -> ImportReport:
        """Import what a parser read from one file (see :mod:`.importers`), with a
        ``.bib`` file's ``@preamble``s and ``@string``s, in one transaction."""
        with self.transaction():
            if result.preambles or result.strings:
                self._store_bibfile(
                    BibFile(result.source, tuple(result.preambles), dict(result.strings))
                )
            report = self.import_papers(
                result.papers,
                tags=tags,
                tag_existing=tag_existing,
                progress=progress,
                label=label or f"import of {result.source or 'input'}",
            )
        report.failed = list(result.failures)
        return report

    @property
    def bibfiles(self) -> Mapping[str, BibFile]:
        """The imported ``.bib`` files' preambles and macros, by file name."""
        return self._bibfiles

    def _store_bibfile(self, bibfile: BibFile) -> None:
        self._other_written = True
        table = self._db.table(BIBFILES_TABLE, cache_size=0)
        if bibfile.name in self._bibfiles:
            table.remove(doc_ids=[bibfile.name])  # type: ignore[list-item]
        table.insert(Document(bibfile.to_doc(), doc_id=bibfile.name))  # type: ignore[arg-type]
        self._storage.forget(BIBFILES_TABLE, [bibfile.name])
        self._bibfiles[bibfile.name] = bibfile

    def add(self, paper: Paper) -> Paper:
        """Add one paper without duplicate detection."""
        with self.transaction():
            stamp = now_iso()
            fresh = self._new_paper(paper, stamp, added_stamps(stamp))
            prints = self._insert([fresh])
            self._record(Entry(f"add {fresh.key}", stamp, added=prints))
        return fresh

    def edit(
        self,
        ids: Iterable[str],
        change: Change | Callable[[Paper], Change | None],
        *,
        label: str = "",
    ) -> list[Paper]:
        """Apply ``change`` to each paper as it is now, under the lock; one write and
        one history entry.

        ``change`` may also be a function of the paper as it is now that returns its
        change (or None): each paper its own delta, decided under the lock (a resolved
        paper gets only what it still lacks). Returns the papers that changed (new
        versions). Papers deleted meanwhile by another process are skipped.
        """
        with self.transaction():
            stamp = now_iso()
            before: list[Paper] = []
            after: list[Paper] = []
            for paper_id in dict.fromkeys(ids):
                current = self._papers.get(paper_id)
                if current is None:
                    continue
                delta = change if isinstance(change, Change) else change(current)
                if delta is None:
                    continue
                changed = delta.apply(current)
                if changed is not current and changed != current:
                    before.append(current)
                    after.append(self._rederive_key(current, replace(changed, updated=stamp)))
            self._replace(after)
            if not label:
                label = (
                    change.describe(len(after))
                    if isinstance(change, Change)
                    else f"edited {len(after)} paper{'' if len(after) == 1 else 's'}"
                )
            self._record(
                Entry(
                    label,
                    stamp,
                    edits={new.id: diff(old, new) for old, new in zip(before, after, strict=True)},
                )
            )
        return after

    def _rederive_key(self, before: Paper, after: Paper) -> Paper:
        """A key made here from a title alone (a listing paper) that has never left the
        library is made again when authors or a year arrive (``kolmogorovarnoldattention``
        → ``maity2025kolmogorov``). A key that was used, or came from a ``.bib``, stays."""
        if (
            after.key_used
            or any(s.kind == "bibtex" for s in after.sources)
            or (before.authors, before.year) == (after.authors, after.year)
            or not made_from(before, self.key_pattern)
        ):
            return after
        self._keys.pop(before.key, None)
        key = assign_key(replace(after, key=""), self._keys, self.key_pattern)
        self._keys[key] = after.id
        return replace(after, key=key)

    def delete(self, ids: Iterable[str], *, label: str = "") -> list[Paper]:
        """Remove papers (``undo`` brings them back); returns them."""
        with self.transaction():
            gone = [self._papers[i] for i in dict.fromkeys(ids) if i in self._papers]
            self._remove(gone)
            what = gone[0].key if len(gone) == 1 else f"{len(gone)} papers"
            self._record(
                Entry(label or f"delete {what}", now_iso(), removed=[p.to_doc() for p in gone])
            )
        return gone

    def mark_used(self, ids: Iterable[str]) -> None:
        """Record that these papers' keys left the library (exported, copied, picked):
        from then on a key is never re-derived. Not a change to undo; best effort —
        a library that cannot be written still exports."""
        ids = list(ids)
        if all(p is None or p.key_used for p in map(self._papers.get, ids)):
            return
        try:
            with self.transaction():
                stamp = now_iso()
                fresh = [p for p in map(self._papers.get, ids) if p is not None and not p.key_used]
                self._replace([replace(p, key_used=stamp) for p in fresh], fresh)
        except LibraryError:
            pass

    def record_file_write(
        self, path: Path, before: bytes | None, after: bytes, *, label: str
    ) -> None:
        """Put a file write (an export) in the history: undo puts back ``before``
        (or removes the file when ``before`` is None) while it still holds ``after``."""
        with self.transaction():
            record = self.history.file_record(path, before, after)
            self._record(Entry(label, now_iso(), files=[record]))
            self.history.prune_backups(also_keep=record.backup)

    def undo(self) -> UndoReport | None:
        """Take back the newest change in the history, whoever made it.

        Only what that change did is reverted, and only where the value is still
        the one it set: a tag someone added since, a status set since, a paper
        edited since it was imported are left alone and named in the report.
        None when the history is empty.
        """
        with self.transaction():
            entry = self.history.pop()
            if entry is None:
                return None
            report = UndoReport(entry.label)
            stamp = now_iso()
            doomed = []
            for paper_id, made in entry.added.items():
                paper = self._papers.get(paper_id)
                if paper is None:
                    continue
                if fingerprint(paper) == made:
                    doomed.append(paper)
                else:
                    report.left_alone.append(f"{paper.key} (edited since it was added)")
            self._remove(doomed)
            reverted: list[Paper] = []
            for paper_id, deltas in entry.edits.items():
                current = self._papers.get(paper_id)
                if current is None:
                    continue
                paper, left = revert(current, deltas)
                report.left_alone.extend(f"{current.key} {name}" for name in left)
                if paper != current:
                    reverted.append(replace(paper, updated=stamp))
            self._replace(reverted)
            back = []
            for paper in entry.removed_papers():
                if paper.id in self._papers:
                    continue
                if paper.key in self._keys:
                    fresh = unique_key(paper.key, self._keys)
                    report.left_alone.append(f"{paper.key} (key now taken: restored as {fresh})")
                    paper = replace(paper, key=fresh)
                aliases = tuple(a for a in paper.aliases if a not in self._keys)
                back.append(replace(paper, aliases=aliases))
                self._index_keys(back[-1])
            self._insert(back)
            report.reverted = len(doomed) + len(reverted) + len(back)
            for record in entry.files:
                problem = self.history.restore(record)
                if problem is None:
                    report.reverted += 1
                else:
                    report.left_alone.append(problem)
            if entry.files:
                self.history.prune_backups()
        return report

    def rekey(self, paper_id: str, new_key: str) -> Paper:
        """Give a paper a new citation key. The old key stays an alias, so every
        ``\\cite`` of it keeps resolving; ``undo`` puts it back. Raises ValueError for a
        key BibTeX cannot use or one another paper holds (BibTeX ignores case)."""
        if not valid_key(new_key):
            raise ValueError(
                f"{new_key!r} is not a usable citation key "
                '(no spaces and none of , { } ( ) " # % ~ \\)'
            )
        with self.transaction():
            current = self._papers.get(paper_id)
            if current is None:
                raise ValueError("that paper is no longer in the library")
            if new_key == current.key:
                return current
            folded = new_key.casefold()
            for key, owner in self._keys.items():
                if owner != paper_id and key.casefold() == folded:
                    raise ValueError(f"key {new_key!r} is taken by {self._papers[owner].key!r}")
            aliases = tuple(a for a in current.aliases if a != new_key)
            stamp = now_iso()
            renamed = replace(current, key=new_key, aliases=(*aliases, current.key), updated=stamp)
            self._replace([renamed])
            label = f"rekey {current.key} → {new_key}"
            self._record(Entry(label, stamp, edits={paper_id: diff(current, renamed)}))
        return renamed

    def merge(self, keep_id: str, other_ids: Iterable[str]) -> Paper:
        """Fold other papers into one, as one undoable change: their tags, notes and
        the fields it lacks join it, their keys become its aliases, and they are
        removed. Returns the merged paper."""
        with self.transaction():
            keep = self._papers.get(keep_id)
            if keep is None:
                raise ValueError("that paper is no longer in the library")
            others = [
                self._papers[i]
                for i in dict.fromkeys(other_ids)
                if i != keep_id and i in self._papers
            ]
            if not others:
                return keep
            merged = keep
            for other in others:
                merged = merge_into(merged, other)
                notes = merged.notes
                if other.notes.strip() and other.notes.strip() not in notes:
                    notes = f"{notes.rstrip()}\n\n{other.notes.strip()}" if notes else other.notes
                merged = replace(
                    merged,
                    notes=notes,
                    aliases=tuple(
                        dict.fromkeys(
                            a for a in (*merged.aliases, other.key, *other.aliases) if a != keep.key
                        )
                    ),
                    rating=merged.rating if merged.rating is not None else other.rating,
                    priority=merged.priority if merged.priority is not None else other.priority,
                )
            stamp = now_iso()
            merged = replace(merged, updated=stamp)
            self._remove(others)
            self._replace([merged])
            self._record(
                Entry(
                    f"merge {', '.join(o.key for o in others)} into {keep.key}",
                    stamp,
                    edits={keep.id: diff(keep, merged)},
                    removed=[o.to_doc() for o in others],
                )
            )
        return merged


class _Listing(Sequence["Hit"]):
    """All papers as unscored hits, made on access: a list of 100k papers shows
    40 rows, so building 100k hits up front would be wasted start-up time."""

    def __init__(self, papers: list[Paper], hit: type[Hit]) -> None:
        self.papers = papers
        self._hit = hit

    def __len__(self) -> int:
        return len(self.papers)

    def ids(self) -> list[str]:
        return [p.id for p in self.papers]

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Hit]: ...
    def __getitem__(self, index: int | slice) -> Hit | Sequence[Hit]:
        if isinstance(index, slice):
            return [self._hit(p, 0.0, ()) for p in self.papers[index]]
        return self._hit(self.papers[index], 0.0, ())


class _LazyPapers(MutableMapping[str, Paper]):
    """The papers of a :class:`LineTable`, each read and checked when first asked for;
    those set here (changed since the file was read) are held."""

    _KEEP = 4096  # papers read and kept for the next time they are asked for

    def __init__(self, path: Path, table: LineTable) -> None:
        self._path = path
        self._table = table
        self._set: dict[str, Paper] = {}
        self._read: dict[str, Paper] = {}

    def __getitem__(self, paper_id: str) -> Paper:
        paper = self._set.get(paper_id) or self._read.get(paper_id)
        if paper is not None:
            return paper
        try:
            line = self._table.line(paper_id)
        except KeyError:
            # Not in the file read: changed here (or being changed, by another thread).
            paper = self._set.get(paper_id)
            if paper is not None:
                return paper
            return checked_paper(self._path, paper_id, self._table[paper_id])
        except OSError as exc:
            raise LibraryError(
                f"cannot read library {self._path}: {exc}; the file was left untouched"
            ) from None
        paper = checked_paper(self._path, paper_id, document_of_line(line, str(self._path)))
        if len(self._read) >= self._KEEP:
            self._read.clear()
        self._read[paper_id] = paper
        return paper

    def __setitem__(self, paper_id: str, paper: Paper) -> None:
        self._set[paper_id] = paper
        self._read.pop(paper_id, None)

    def __delitem__(self, paper_id: str) -> None:
        self._set.pop(paper_id, None)
        self._read.pop(paper_id, None)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._table

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


def _bibfiles(path: Path, tables: Mapping[str, Mapping[str, Any]]) -> dict[str, BibFile]:
    """The library's ``.bib`` file records (a LibraryError naming a bad one)."""
    bibfiles: dict[str, BibFile] = {}
    for name, doc in (tables.get(BIBFILES_TABLE) or {}).items():
        try:
            bibfiles[name] = BibFile.from_doc(doc)
        except PaperFormatError as exc:
            raise LibraryError(
                f"cannot read library {path}: .bib file record {name!r}: {exc}; "
                "the file was left untouched"
            ) from None
    return bibfiles


def default_library_path() -> Path:
    """``--db`` beats ``READINGLIST_DB`` beats the platform's user data dir."""
    env = os.environ.get("READINGLIST_DB")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("readinglist", appauthor=False) / "library.json"


def checked_paper(path: Path, doc_id: str, doc: dict[str, Any]) -> Paper:
    """One stored document of the library at ``path`` as a paper, or a LibraryError
    naming paper and field (the file is never written after one)."""
    try:
        paper = Paper.from_doc(doc)
    except PaperFormatError as exc:
        name = doc.get("key") if isinstance(doc.get("key"), str) else doc_id
        raise LibraryError(
            f"cannot read library {path}: paper {name!r}: {exc}; the file was left untouched"
        ) from None
    problem = ""
    if not paper.id:
        problem = "field 'id' is empty"
    elif paper.id != doc_id:
        problem = f"is filed under {doc_id!r} but its id is {paper.id!r}"
    elif not paper.key:
        problem = "field 'key' is empty"
    elif not valid_key(paper.key) or not all(map(valid_key, paper.aliases)):
        # (never made here; a hand edit: written out, it would break the .bib)
        problem = "field 'key' or 'aliases' holds a key with a space or one of ,{}()\"#%~\\"
    if problem:
        raise LibraryError(
            f"cannot read library {path}: paper {paper.key or doc_id!r}: {problem}; "
            "the file was left untouched"
        )
    return paper


def library_lock(path: Path) -> FileLock:
    """The inter-process lock every writer of the library at ``path`` takes: a hidden
    file beside the real file (a library opened through a symlink shares it)."""
    real = path.resolve()
    return FileLock(str(real.with_name(f".{real.name}.lock")), timeout=LOCK_TIMEOUT_S)


def unsearched(old: Paper, new: Paper) -> bool:
    """True if the change from ``old`` to ``new`` is one no search can see: only when
    the key was used or the paper last saved."""
    return replace(old, key_used="", updated="") == replace(new, key_used="", updated="")
