"""The library: papers in one TinyDB file, safe for several processes at once.

Every change is a transaction: take the inter-process lock, reload if another
process wrote since we last looked, apply the change through TinyDB with writes
batched, and replace the file atomically once. Readers never need the lock: the
file they see is always a whole one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.table import Table

from .errors import LibraryError
from .importers.base import ImportFailure
from .keys import DEFAULT_PATTERN, assign_key, unique_key
from .merge import DuplicateIndex, merge_into
from .model import Paper, merge_tags, new_id, now_iso
from .storage import AtomicJSONStorage, file_signature, gc_paused

if TYPE_CHECKING:
    from .query import Query
    from .search import Hit, SearchIndex

SCHEMA_VERSION = 1
PAPERS_TABLE = "papers"
META_TABLE = "_meta"
LOCK_TIMEOUT_S = 15.0

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class ImportReport:
    """What an import did, paper by paper; ``before`` makes it undoable."""

    added: list[Paper] = field(default_factory=list)
    merged: list[Paper] = field(default_factory=list)
    before: list[Paper] = field(default_factory=list)
    unchanged: list[Paper] = field(default_factory=list)  # already stored, nothing new
    failed: list[ImportFailure] = field(default_factory=list)
    merged_within: int = 0  # duplicates inside the imported batch, folded into one paper

    @property
    def skipped(self) -> int:
        return len(self.unchanged)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.merged) + self.merged_within} merged, "
            f"{self.skipped} skipped, {len(self.failed)} failed"
        )


def _migrate(meta: dict[str, Any], path: Path) -> None:
    schema = meta.get("schema", 0)
    if not isinstance(schema, int) or schema > SCHEMA_VERSION:
        raise LibraryError(
            f"library {path} was written by a newer readinglist (schema {schema}); "
            f"this version reads schema {SCHEMA_VERSION} or older - please upgrade"
        )
    # Schema 0 (no _meta table) and 1 share the paper layout: nothing to convert yet.
    # Future migrations go here, oldest first; they run in memory and are saved by
    # the next write.


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
        # A hidden lock file beside the library (kept: removing it would race).
        self._lock = FileLock(str(path.with_name(f".{path.name}.lock")), timeout=LOCK_TIMEOUT_S)
        self._papers: dict[str, Paper] = {}
        self._doc_ids: dict[str, int] = {}
        self._keys: dict[str, str] = {}
        self._dupes_index: DuplicateIndex | None = None
        self._index: SearchIndex | None = None
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
    ) -> Library:
        """Open (or prepare to create) the library at ``path``; raises LibraryError."""
        path = Path(path).expanduser()
        if path.is_dir():
            raise LibraryError(f"cannot use {path} as a library: it is a directory")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"cannot create {path.parent}: {exc.strerror}") from None
        library = cls(path, key_pattern=key_pattern, search_fields=search_fields)
        library.reload()
        return library

    def reload(self) -> None:
        """Re-read the file (another process changed it, or first load)."""
        # Loading makes millions of long-lived objects; the cyclic GC would rescan
        # them over and over (more than the load itself at 100k papers).
        # What was loaded lives as long as the library: keep it out of future scans.
        with gc_paused(freeze=True):
            self._reload()

    def _reload(self) -> None:
        self._storage.invalidate()
        data = self._storage.read() or {}
        if data and PAPERS_TABLE not in data and META_TABLE not in data:
            raise LibraryError(
                f"cannot read library {self.path}: not a readinglist library file; "
                "the file was left untouched"
            )
        meta_docs = data.get(META_TABLE) or {}
        _migrate(next(iter(meta_docs.values()), {}), self.path)
        # A fresh TinyDB over the same storage: Table caches its next doc id, which
        # another process may have used meanwhile.
        self._db = TinyDB(storage=lambda *_a, **_k: self._storage)
        self._table = self._db.table(PAPERS_TABLE, cache_size=0)
        papers: dict[str, Paper] = {}
        doc_ids: dict[str, int] = {}
        try:
            for doc_id, doc in (data.get(PAPERS_TABLE) or {}).items():
                paper = Paper.from_doc(doc)
                papers[paper.id] = paper
                doc_ids[paper.id] = int(doc_id)
        except (TypeError, ValueError, AttributeError) as exc:
            raise LibraryError(
                f"cannot read library {self.path}: malformed paper record ({exc}); "
                "the file was left untouched"
            ) from None
        previous = self._papers
        self._papers, self._doc_ids = papers, doc_ids
        self._keys = {p.key: p.id for p in papers.values()}
        self._dupes_index = None
        # Another process changed a few papers: patch the search index rather than
        # rebuild it (a rebuild takes seconds at 100k papers, a diff milliseconds).
        if self._index is not None or self._touched is not None:
            changed = previous.keys() - papers.keys()
            changed.update(pid for pid, paper in papers.items() if previous.get(pid) != paper)
            for paper_id in changed:
                self._note_change(paper_id, previous.get(paper_id))

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
        paper_id = self._keys.get(key)
        return self._papers.get(paper_id) if paper_id else None

    def tag_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        spelling: dict[str, str] = {}
        for paper in self._papers.values():
            for tag in paper.tags:
                name = spelling.setdefault(tag.casefold(), tag)
                counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: kv[0].casefold()))

    def status_counts(self) -> dict[str, int]:
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
        """Every paper, newest ``added`` first, ties in insertion order (as the
        search index orders an empty query)."""
        return sorted(self._papers.values(), key=lambda p: p.added, reverse=True)

    def search(
        self, query: str | Query, limit: int | None = None, *, partial: bool = False
    ) -> Sequence[Hit]:
        """Papers matching ``query``, best first. The empty query lists everything
        without building the index (a whole-process ``list``/``export`` stays fast).
        ``partial`` answers before abstracts are indexed (see ``SearchIndex``)."""
        from .query import parse_query
        from .search import Hit

        parsed = parse_query(query) if isinstance(query, str) else query
        if parsed.is_empty and self._index is None:
            return _Listing(self.newest_first()[:limit], Hit)
        return self.index.search(parsed, limit=limit, partial=partial)

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

    def _note_change(self, paper_id: str, before: Paper | None) -> None:
        """Keep the search index (or a pending snapshot) in step with one paper."""
        if self._touched is not None:
            self._touched.add(paper_id)
        if self._index is None:
            return
        paper = self._papers.get(paper_id)
        if paper is None:
            if before is not None:
                self._index.remove(paper_id)
        elif before is None:
            self._index.add(paper)
        else:
            self._index.update(paper)

    # -- transactions --------------------------------------------------------------
    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            self._lock.acquire()
        except Timeout:
            raise LibraryError(
                f"library {self.path} is locked by another process (waited {LOCK_TIMEOUT_S:.0f} s)"
            ) from None
        except OSError as exc:
            raise LibraryError(f"cannot lock library {self.path}: {exc.strerror}") from None
        try:
            self._storage.remove_stale_temps()
            if self.changed_on_disk():
                self.reload()
            try:
                with self._storage.batch():
                    if self._needs_meta_rewrite():
                        self._db.table(META_TABLE).truncate()
                        self._db.table(META_TABLE).insert({"schema": SCHEMA_VERSION})
                        self._storage.forget(META_TABLE)
                    yield
            except BaseException:
                # The in-memory state may hold half a change: go back to the file.
                self.reload()
                raise
        finally:
            self._lock.release()

    def _needs_meta_rewrite(self) -> bool:
        docs = self._db.table(META_TABLE).all()
        return not docs or docs[0].get("schema") != SCHEMA_VERSION

    def _insert(self, papers: Sequence[Paper], indexed: dict[str, Paper] | None = None) -> None:
        """Store new papers; ``indexed`` holds those the duplicate index already has
        (in the version it has)."""
        doc_ids = self._table.insert_multiple(p.to_doc() for p in papers)
        for paper, doc_id in zip(papers, doc_ids, strict=True):
            self._papers[paper.id] = paper
            self._doc_ids[paper.id] = doc_id
            self._keys[paper.key] = paper.id
            if self._dupes_index is not None:
                known = indexed.get(paper.id) if indexed else None
                if known is not paper:
                    if known is not None:
                        self._dupes_index.remove(known)
                    self._dupes_index.add(paper)
            self._note_change(paper.id, None)

    def _replace(self, papers: Sequence[Paper]) -> None:
        docs = {p.id: p.to_doc() for p in papers}

        def rewrite(doc: MutableMapping[str, Any]) -> None:
            new = docs[doc["id"]]
            doc.clear()
            doc.update(new)

        doc_ids = [self._doc_ids[p.id] for p in papers]
        self._table.update(rewrite, doc_ids=doc_ids)
        self._storage.forget(PAPERS_TABLE, doc_ids)
        for paper in papers:
            old = self._papers[paper.id]
            if self._dupes_index is not None:
                self._dupes_index.remove(old)
                self._dupes_index.add(paper)
            self._papers[paper.id] = paper
            self._note_change(paper.id, old)

    def _new_paper(self, paper: Paper, stamp: str) -> Paper:
        key = assign_key(paper, self._keys, self.key_pattern)
        return replace(paper, id=new_id(), key=key, added=stamp, updated=stamp)

    # -- changes -------------------------------------------------------------------------
    def import_papers(
        self,
        papers: Iterable[Paper],
        *,
        tags: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> ImportReport:
        """Add papers, merging those already in the library; one write for all."""
        incoming = list(papers)
        report = ImportReport()
        with self._transaction():
            stamp = now_iso()
            pending: dict[str, Paper] = {}  # merged papers by id, final versions
            originals: dict[str, Paper] = {}
            new_papers: list[Paper] = []
            # One duplicate index for the library and this import alike: accepted
            # papers join it at once, so later ones in the same file find them.
            dupes = self._dupes
            indexed: dict[str, Paper] = {}  # new papers as the index knows them
            batch_by_id: dict[str, int] = {}
            for done, paper in enumerate(incoming, 1):
                if tags:
                    paper = replace(paper, tags=merge_tags(paper.tags, tuple(tags)))
                twin = dupes.find(paper)
                if twin is not None and twin in batch_by_id:
                    position = batch_by_id[twin]
                    merged = merge_into(new_papers[position], paper)
                    if merged is new_papers[position]:
                        report.unchanged.append(merged)
                    else:
                        report.merged_within += 1
                        new_papers[position] = merged
                elif twin is not None:
                    current = pending.get(twin, self._papers[twin])
                    merged = merge_into(current, paper)
                    if merged is current:
                        report.unchanged.append(current)
                    else:
                        originals.setdefault(twin, self._papers[twin])
                        pending[twin] = replace(merged, updated=stamp)
                else:
                    fresh = self._new_paper(paper, stamp)
                    self._keys[fresh.key] = fresh.id  # reserve the key within the batch
                    dupes.add(fresh)
                    indexed[fresh.id] = fresh
                    batch_by_id[fresh.id] = len(new_papers)
                    new_papers.append(fresh)
                if progress is not None and (done % 500 == 0 or done == len(incoming)):
                    progress(done, len(incoming))
            if new_papers:
                self._insert(new_papers, indexed)
            if pending:
                self._replace(list(pending.values()))
            report.added = new_papers
            report.merged = list(pending.values())
            report.before = [originals[i] for i in pending]
        return report

    def add(self, paper: Paper) -> Paper:
        """Add one paper without duplicate detection (``readinglist add``)."""
        with self._transaction():
            fresh = self._new_paper(paper, now_iso())
            self._insert([fresh])
        return fresh

    def update(self, papers: Sequence[Paper]) -> list[Paper]:
        """Store new versions of existing papers (matched by id); one write."""
        if not papers:
            return []
        with self._transaction():
            stamp = now_iso()
            stored: list[Paper] = []
            for paper in papers:
                current = self._papers.get(paper.id)
                if current is None:
                    raise LibraryError(f"paper {paper.key or paper.id} is no longer in the library")
                # The key is pinned: it never follows an edit.
                stored.append(replace(paper, key=current.key, updated=stamp))
            self._replace(stored)
        return stored

    def delete(self, ids: Iterable[str]) -> list[Paper]:
        """Remove papers; returns them so the caller can undo with :meth:`restore`."""
        with self._transaction():
            gone = [self._papers[i] for i in dict.fromkeys(ids) if i in self._papers]
            if gone:
                doc_ids = [self._doc_ids[p.id] for p in gone]
                self._table.remove(doc_ids=doc_ids)
                self._storage.forget(PAPERS_TABLE, doc_ids)  # TinyDB may reuse the ids
            for paper in gone:
                del self._papers[paper.id]
                del self._doc_ids[paper.id]
                self._keys.pop(paper.key, None)
                if self._dupes_index is not None:
                    self._dupes_index.remove(paper)
                self._note_change(paper.id, paper)
        return gone

    def restore(self, papers: Sequence[Paper]) -> list[Paper]:
        """Put deleted papers back with their ids (and keys, unless taken meanwhile)."""
        with self._transaction():
            back = [
                replace(p, key=p.key if p.key not in self._keys else unique_key(p.key, self._keys))
                for p in papers
                if p.id not in self._papers
            ]
            if back:
                self._insert(back)
        return back


class _Listing(Sequence["Hit"]):
    """All papers as unscored hits, made on access: a list of 100k papers shows
    40 rows, so building 100k hits up front would be wasted start-up time."""

    def __init__(self, papers: list[Paper], hit: type[Hit]) -> None:
        self.papers = papers
        self._hit = hit

    def __len__(self) -> int:
        return len(self.papers)

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Hit]: ...
    def __getitem__(self, index: int | slice) -> Hit | Sequence[Hit]:
        if isinstance(index, slice):
            return [self._hit(p, 0.0, ()) for p in self.papers[index]]
        return self._hit(self.papers[index], 0.0, ())


def default_library_path() -> Path:
    """``--db`` beats ``READINGLIST_DB`` beats the platform's user data dir."""
    env = os.environ.get("READINGLIST_DB")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("readinglist", appauthor=False) / "library.json"
