"""The library: papers in one file, safe for several processes and threads at once.

Every change is a transaction (:meth:`Library.transaction`): take the library's
thread lock and the inter-process lock, catch up if another process wrote since we
last looked, apply the change as deltas to the papers as they are on disk now, and
write the file once. Then, in this order and only once the file holds the change:
the history, the change log beside the saved search index, and the search index
itself hear of it, each from the same transitions (every changed paper's version
before and after). A change that cannot be written is taken back everywhere.
Readers never need the inter-process lock: the file they see is always a whole one.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import threading
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, overload

from filelock import Timeout

from ..changes import Change, diff, revert
from ..errors import LibraryError
from ..importers.background import BackgroundParse
from ..importers.base import ParseResult
from ..importing import ImportPlan, ImportReport
from ..keys import DEFAULT_PATTERN, assign_key, made_from, unique_key, valid_key
from ..memory import gc_paused
from ..merge import merge_into
from ..model import BibFile, Paper, added_stamps, id_rank, new_id, now_iso
from ..query import Query, parse_query
from ..search import Hit, SearchIndex
from ..tokens import fold
from . import changelog
from .catchup import RESAVE_AFTER, SavedView, StaleIndex
from .fileformat import LOCK_TIMEOUT_S, Signature, file_signature, library_lock, sibling
from .history import Entry, History, UndoReport, fingerprint, fingerprint_doc
from .indexing import Indexer, searched_changes, unsearched
from .store import PaperStore, Transitions

Progress = Callable[[int, int], None]


class Library:
    """All papers of one library file, in sync with the file, and their search index."""

    def __init__(
        self,
        path: Path,
        *,
        key_pattern: str = DEFAULT_PATTERN,
        search_fields: Iterable[str] | None = None,
    ) -> None:
        self.path = path
        self.key_pattern = key_pattern
        self._store = PaperStore(path)
        self._indexer = Indexer(path, search_fields, self._store.paper)
        # One thread at a time: changes, catching up and searches (the TUI searches
        # and writes from workers). Re-entrant: a transaction may search.
        self._guard = threading.RLock()
        # Writers in other processes: a hidden lock file beside the real file.
        self._lock = library_lock(path)
        self.history = History(sibling(path, ".history"))
        self._depth = 0
        # What the transaction under way will do once the file holds its change.
        self._entries: list[Entry] = []
        self._undone: Entry | None = None  # the history entry an undo takes back
        self._after_write: list[Callable[[], None]] = []
        # The transitions the search index was told of before the transaction ended
        # (a search inside it): taken back if the change is not written.
        self._told: Transitions = {}
        self._claimed: set[str] = set()  # keys made again in it, not yet stored

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        key_pattern: str = DEFAULT_PATTERN,
        search_fields: Iterable[str] | None = None,
        lazy: bool = False,
        view: SavedView | None = None,
    ) -> Library:
        """Open (or prepare to create) the library at ``path``; raises LibraryError.

        ``lazy``: where the search index saved beside the library is current (or
        catches up with the file), start from it and read each paper from the file
        when it is first needed; a long-lived program that shows a few papers at a
        time (the TUI) then neither waits for nor holds every paper. Otherwise, or
        without ``lazy``, every paper is read now. ``view``: that index, already
        restored (by a :class:`.Reader`); it is the library's from now on."""
        path = Path(path).expanduser()
        if path.is_dir():
            raise LibraryError(f"cannot use {path} as a library: it is a directory")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"cannot create {path.parent}: {exc.strerror}") from None
        library = cls(path, key_pattern=key_pattern, search_fields=search_fields)
        if not lazy and view is not None:
            view.close()
        if not (lazy and library._open_lazily(view)):
            library.reload()
        return library

    def _open_lazily(self, view: SavedView | None) -> bool:
        """Start from the saved search index: it was saved from a full load of the
        file (or caught up with it, each changed paper read and checked as a load
        checks it), so the papers need not be read and checked again. False when
        there is no usable index: the caller loads the file whole."""
        view = view or self._indexer.restore()
        if view is None:
            return False
        try:
            with gc_paused(freeze=True):
                fd, lines, tables, keys = view.release()
        except (StaleIndex, ValueError, OSError):
            view.close()
            return False
        if not self._store.adopt(fd, lines, tables, keys):
            return False
        self._indexer.adopt(view)
        return True

    @property
    def lazy(self) -> bool:
        """Whether papers are read from the file as they are needed."""
        return self._store.lines is not None

    @property
    def search_fields(self) -> tuple[str, ...] | None:
        return self._indexer.fields

    @search_fields.setter
    def search_fields(self, fields: Iterable[str] | None) -> None:
        """(Before the index is built: it is built for the fields searched.)"""
        self._indexer.fields = None if fields is None else tuple(fields)

    def reload(self) -> None:
        """Catch up with the file (another process changed it, or first load)."""
        with self._guard:
            self._indexer.apply(self._store.reload())

    @property
    def file_signature(self) -> Signature | None:
        """The library file's (inode, size, mtime) as last read or written here."""
        return self._store.signature

    def disk_version(self) -> Signature | None:
        """The library file's version on disk now (None while there is none)."""
        return file_signature(self.path)

    def changed_on_disk(self) -> bool:
        """True when another process has replaced the file since we read or wrote it."""
        return file_signature(self.path) != self._store.signature

    # -- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._store.papers)

    def __iter__(self) -> Iterator[Paper]:
        return iter(self._store.papers.values())

    @property
    def papers(self) -> Sequence[Paper]:
        return list(self._store.papers.values())

    def get(self, paper_id: str) -> Paper | None:
        return self._store.papers.get(paper_id)

    def by_key(self, key: str) -> Paper | None:
        """The paper with this citation key, or with it as an alias."""
        paper_id = self._store.keys.get(key)
        return self._store.papers.get(paper_id) if paper_id else None

    def keys_by_paper(self) -> dict[str, list[str]]:
        """Each paper's citation key and aliases (without reading the papers)."""
        held: dict[str, list[str]] = {}
        for key, paper_id in self._store.keys.items():
            held.setdefault(paper_id, []).append(key)
        return held

    @property
    def bibfiles(self) -> Mapping[str, BibFile]:
        """The imported ``.bib`` files' preambles and macros, by file name."""
        return self._store.bibfiles

    def tag_counts(self) -> dict[str, int]:
        """Each tag, spelled as a paper has it, and how many papers have it.

        Tags that differ only in case are one tag. A library read lazily counts
        from the search index without reading every tagged paper: tags that differ
        in accents too are then one (as ``tag:`` finds them)."""
        with self._guard:
            index = self._indexer.index
            if self.lazy and index is not None:
                return self._indexed_tag_counts(index)
            counts: dict[str, int] = {}
            spelling: dict[str, str] = {}
            for paper in self._store.papers.values():
                for tag in paper.tags:
                    name = spelling.setdefault(tag.casefold(), tag)
                    counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: kv[0].casefold()))

    def _indexed_tag_counts(self, index: SearchIndex) -> dict[str, int]:
        counts: dict[str, int] = {}
        for folded, (count, paper_id) in index.tag_tally().items():
            paper = self._store.papers.get(paper_id)
            names = [t for t in (paper.tags if paper else ()) if fold(t.strip()) == folded]
            name = names[0] if names else folded
            counts[name] = counts.get(name, 0) + count
        return dict(sorted(counts.items(), key=lambda kv: kv[0].casefold()))

    def status_counts(self) -> dict[str, int]:
        with self._guard:
            index = self._indexer.index
            if self.lazy and index is not None:
                return index.status_counts()  # (papers read lazily: from the index)
            counts: dict[str, int] = {}
            for paper in self._store.papers.values():
                counts[paper.status] = counts.get(paper.status, 0) + 1
            return counts

    def newest_first(self) -> list[Paper]:
        """Every paper, newest ``added`` first (as the search index orders an empty
        query, ties too)."""
        return sorted(
            self._store.papers.values(), key=lambda p: (p.added, -id_rank(p.id)), reverse=True
        )

    # -- searching -----------------------------------------------------------------------
    @property
    def index(self) -> SearchIndex:
        """The search index, built on first use and then kept up to date."""
        with self._guard:
            self._tell_index()
            return self._indexer.build(self._store.papers.values())

    @property
    def index_ready(self) -> bool:
        return self._indexer.index is not None

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
        parsed = parse_query(query) if isinstance(query, str) else query
        with self._guard:
            if parsed.is_empty and self._indexer.index is None:
                return _Listing(self.newest_first()[:limit])
            index = self.index
        return index.search(parsed, limit=limit, partial=partial, marked=marked)

    def warm_index(
        self,
        ready: Callable[[], None] = lambda: None,
        complete: Callable[[], None] = lambda: None,
    ) -> None:
        """Get the search index ready in a long-lived program, from a worker thread:
        the index saved beside the library when it is of the file read, else titles,
        authors, tags and keys first (``ready``: searches answer from then on) and
        abstracts next (``complete``), all without holding the library; changes made
        meanwhile are caught up when the index is installed. Then saved for the next
        start, if it was made here or caught up with many changes."""
        with self._guard:
            if self._indexer.index is not None:
                papers = None
            else:
                papers = list(self._store.papers.values())
                self._indexer.snapshot_started()
            signature = self._store.signature
        if papers is None:
            ready()
            complete()
            if self._indexer.outdated:  # (opened from an index far behind the file)
                self.save_index()
            return
        index = None
        save = True
        view = self._indexer.restore()
        if view is not None:
            with view:
                if view.signature == signature:
                    index = view.index
                    index.read_papers_with(self._store.paper)
                    save = view.worth_saving
        if index is None:
            index = SearchIndex(papers, defer_abstracts=True, fields=self.search_fields)
        del papers
        with self._guard:
            self._indexer.install(index)
        ready()
        index.index_abstracts()
        gc.freeze()
        complete()
        if save:
            self.save_index()

    def save_index(self) -> bool:
        """Save the search index beside the library (built first if need be), for
        the next start and every one-shot query; best effort (a cache)."""
        with self._guard:
            self.index  # noqa: B018 (built)
            taken = self._indexer.capture(
                self._store.signature, self._store.keys, self._store.bibfiles
            )
            self._indexer.outdated = False
        return taken is not None and taken.write()

    # -- transactions ----------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the library: inside, the papers are the file's current ones and no
        other thread or process can change them; every change made inside is written
        once, at the end, with its history. Re-entrant: changes call it themselves,
        and a caller may wrap a selection and the changes made to it in one
        transaction."""
        with self._guard:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._acquire()
            self._depth = 1
            try:
                self._store.storage.remove_stale_temps()
                if self.changed_on_disk():
                    self.reload()
                before = self._store.signature
                self._store.begin()
                try:
                    with self._store.storage.batch():
                        self._store.write_schema()
                        yield
                except BaseException:
                    self._abandon()
                    raise
                self._commit(before)
            finally:
                self._entries.clear()
                self._after_write.clear()
                self._undone = None
                self._told = {}
                self._claimed.clear()
                self._depth = 0
                self._lock.release()

    def _acquire(self) -> None:
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

    def _abandon(self) -> None:
        """The change was not written: take it back from the papers, the keys and
        whatever the search index was told, then read the file again."""
        pending = dict(self._store.pending)
        self._store.rollback()
        self._indexer.apply(
            {
                pid: (told[1], pending[pid][0])
                for pid, told in self._told.items()
                if told[1] != pending[pid][0]
            }
        )
        self.reload()

    def _commit(self, before: Signature | None) -> None:
        """The file holds the change: record it, log it, and index it."""
        pending = dict(self._store.pending)
        written = self._store.finish()
        after = self._store.signature
        if self._undone is not None:
            self.history.drop_newest(self._undone)
        for entry in self._entries:
            self.history.append(entry)
        for step in self._after_write:
            step()
        if before is not None and after is not None and after != before:
            changelog.note_write(
                self.path,
                before,
                after,
                {
                    pid: changelog.line_change(
                        new, old is None or new is None or not unsearched(old, new)
                    )
                    for pid, (old, new) in written.items()
                },
                self._store.other_written,
            )
        self._tell_index(pending)
        if searched_changes(written) >= RESAVE_AFTER:
            self._refresh_saved_index(len(written))

    def _tell_index(self, pending: Transitions | None = None) -> None:
        """Bring the search index up to the papers as they are now (inside a
        transaction: what it changed so far)."""
        pending = self._store.pending if pending is None else pending
        if not pending:
            return
        update: Transitions = {}
        for pid, (before, after) in pending.items():
            told = self._told.get(pid)
            held = before if told is None else told[1]
            if held != after:
                update[pid] = (held, after)
        if self._depth and pending is self._store.pending:
            for pid, (before, after) in pending.items():
                self._told[pid] = (before, after)
        self._indexer.apply(update)

    def _refresh_saved_index(self, changed: int) -> None:
        """After a change to many papers, save the index again, so that the next
        reader need not re-index them one by one: from the index held here, else
        from the saved one caught up with this change, else built from the papers."""
        if self._indexer.index is None:
            view = self._indexer.restore() if changed * 4 < len(self) else None
            if view is not None and view.signature == self._store.signature:
                self._indexer.adopt(view)
                view.close()
            else:
                if view is not None:
                    view.close()
                self._indexer.build(self._store.papers.values())
        self.index  # noqa: B018 (what this transaction changed, told)
        taken = self._indexer.capture(
            self._store.signature,
            self._store.keys,
            self._store.bibfiles,
            lines=self._store.written_lines(),
            stream=True,  # (written at once: the library is held)
        )
        self._indexer.outdated = False
        if taken is not None:
            taken.write()

    def _record(self, entry: Entry) -> None:
        """Keep ``entry`` for the history, written when the transaction's change is."""
        if entry:
            self._entries.append(entry)

    def _new_paper(self, paper: Paper, stamp: str, added: Iterator[str]) -> Paper:
        key = assign_key(paper, self._store.keys, self.key_pattern)
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
        :mod:`..importing`); one write for all."""
        incoming = list(papers)
        # An import makes several objects per paper and nothing cyclic: the collector
        # would rescan the library's millions of objects again and again for nothing.
        with gc_paused(freeze=True), self.transaction():
            stamp = now_iso()
            plan = self._plan(stamp, tags, tag_existing)
            for done, paper in enumerate(incoming, 1):
                plan.offer(paper)
                if progress is not None and (done % 500 == 0 or done == len(incoming)):
                    progress(done, len(incoming))
            report = self._write_plan(plan, stamp, label)
        return report

    def _plan(self, stamp: str, tags: Sequence[str], tag_existing: bool) -> ImportPlan:
        """An import's decisions, against the papers as they are now."""
        store = self._store
        return ImportPlan(
            store.papers,
            dict(store.keys),  # (keys given to new papers are reserved in it)
            store.dupes,
            key_pattern=self.key_pattern,
            added=added_stamps(stamp),
            updated=stamp,
            tags=tags,
            tag_existing=tag_existing,
        )

    def _write_plan(self, plan: ImportPlan, stamp: str, label: str) -> ImportReport:
        """Store what ``plan`` decided (inside the transaction that made it, or one
        that found the file as the plan saw it)."""
        store = self._store
        prints: dict[str, str] = {}
        store.insert(
            plan.new, plan.indexed, lambda pid, doc: prints.__setitem__(pid, fingerprint_doc(doc))
        )
        # A listing paper that gains authors and a year here (``add`` of its arXiv
        # id, a Daily Papers day) gets its key made again, as an edit would.
        originals = [plan.originals[i] for i in plan.pending]
        merged = [self._rederive_key(plan.originals[i], p) for i, p in plan.pending.items()]
        store.replace(zip(originals, merged, strict=True))
        report = plan.report
        report.added = plan.new
        report.merged = merged
        report.before = originals
        edits = {p.id: diff(plan.originals[p.id], p) for p in report.merged}
        self._record(Entry(label, stamp, added=prints, edits=edits))
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
        """Import what a parser read from one file (see :mod:`..importers`), with a
        ``.bib`` file's ``@preamble``s and ``@string``s, in one transaction."""
        with self.transaction():
            self._store_macros(result)
            report = self.import_papers(
                result.papers,
                tags=tags,
                tag_existing=tag_existing,
                progress=progress,
                label=label or f"import of {result.source or 'input'}",
            )
        report.failed = list(result.failures)
        return report

    def _store_macros(self, result: ParseResult) -> None:
        if result.preambles or result.strings:
            self._store.store_bibfile(
                BibFile(result.source, tuple(result.preambles), dict(result.strings))
            )

    def import_background(
        self,
        parse: BackgroundParse,
        *,
        tags: Sequence[str] = (),
        tag_existing: bool = False,
        progress: Progress | None = None,
    ) -> tuple[ImportReport, ParseResult]:
        """Import what ``parse`` reads while it reads it (on another core): each paper
        is planned against the library as it is now and indexed as it arrives, so
        that the index is ready, and saved, when the import is written. The write
        takes the library as every change does; if another process changed the file
        meanwhile, the import is planned again under the lock and indexed after. A
        refused input (a truncated file) writes nothing."""
        received: list[Paper] = []
        with gc_paused(freeze=True), self._guard:
            if self.lazy or self._indexer.index is not None:  # (an index kept current)
                for batch in parse.batches():
                    received.extend(batch)
                result = replace(parse.outcome(), papers=received)
                report = self.import_parsed(
                    result, tags=tags, tag_existing=tag_existing, progress=progress
                )
                return report, result
            if self.changed_on_disk():
                self.reload()
            seen = self._store.signature
            stamp = now_iso()
            plan = self._plan(stamp, tags, tag_existing)
            index = SearchIndex(self._store.papers.values(), fields=self.search_fields)
            indexed: list[Paper] = []  # each new paper as it was indexed
            for batch in parse.batches():
                received.extend(batch)
                start = len(indexed)
                for paper in batch:
                    plan.offer(paper)
                    indexed.extend(plan.new[len(indexed) :])
                index.add_many(indexed[start:], finish=False)
                if progress is not None:
                    progress(len(received), 0)
            result = parse.outcome()  # (a refusal: nothing was written)
            index.finish_bulk()
            # (a new paper that a later duplicate in the input completed is indexed
            # again when the write is told to the index, as any changed paper is)
            label = f"import of {result.source or 'input'}"
            with self.transaction():
                if self._store.signature != seen:  # another process wrote meanwhile
                    result = replace(result, papers=received)
                    report = self.import_parsed(
                        result, tags=tags, tag_existing=tag_existing, progress=progress
                    )
                    return report, result
                self._indexer.install(index)
                self._store_macros(result)
                report = self._write_plan(plan, stamp, label)
        report.failed = list(result.failures)
        return report, replace(result, papers=received)

    def add(self, paper: Paper) -> Paper:
        """Add one paper without duplicate detection."""
        with self.transaction():
            stamp = now_iso()
            fresh = self._new_paper(paper, stamp, added_stamps(stamp))
            prints: dict[str, str] = {}
            self._store.insert(
                [fresh], each_doc=lambda pid, doc: prints.__setitem__(pid, fingerprint_doc(doc))
            )
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
            pairs: list[tuple[Paper, Paper]] = []
            for paper_id in dict.fromkeys(ids):
                current = self._store.papers.get(paper_id)
                if current is None:
                    continue
                delta = change if isinstance(change, Change) else change(current)
                if delta is None:
                    continue
                changed = delta.apply(current)
                if changed is not current and changed != current:
                    new = self._rederive_key(current, replace(changed, updated=stamp))
                    pairs.append((current, new))
            self._store.replace(pairs)
            after = [new for _old, new in pairs]
            if not label:
                label = (
                    change.describe(len(after))
                    if isinstance(change, Change)
                    else f"edited {len(after)} paper{'' if len(after) == 1 else 's'}"
                )
            self._record(Entry(label, stamp, edits={new.id: diff(old, new) for old, new in pairs}))
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
        taken = _Taken(self._store.keys, self._claimed, before.key)
        key = assign_key(replace(after, key=""), taken, self.key_pattern)
        self._claimed.add(key)
        return replace(after, key=key)

    def delete(self, ids: Iterable[str], *, label: str = "") -> list[Paper]:
        """Remove papers (``undo`` brings them back); returns them."""
        with self.transaction():
            papers = self._store.papers
            gone = [papers[i] for i in dict.fromkeys(ids) if i in papers]
            self._store.remove(gone)
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
        if all(p is None or p.key_used for p in map(self._store.papers.get, ids)):
            return
        try:
            with self.transaction():  # (the papers as they are now: read them inside)
                stamp = now_iso()
                papers = self._store.papers
                fresh = [p for p in map(papers.get, ids) if p is not None and not p.key_used]
                self._store.replace((p, replace(p, key_used=stamp)) for p in fresh)
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
        None when the history is empty. The entry leaves the history, and files an
        export wrote are put back, only once the library file holds the undo.
        """
        with self.transaction():
            entry = self.history.newest()
            if entry is None:
                return None
            self._undone = entry
            store = self._store
            report = UndoReport(entry.label)
            stamp = now_iso()
            doomed = []
            for paper_id, made in entry.added.items():
                paper = store.papers.get(paper_id)
                if paper is None:
                    continue
                if fingerprint(paper) == made:
                    doomed.append(paper)
                else:
                    report.left_alone.append(f"{paper.key} (edited since it was added)")
            store.remove(doomed)
            reverted: list[tuple[Paper, Paper]] = []
            for paper_id, deltas in entry.edits.items():
                current = store.papers.get(paper_id)
                if current is None:
                    continue
                paper, left = revert(current, deltas)
                report.left_alone.extend(f"{current.key} {name}" for name in left)
                if paper != current:
                    reverted.append((current, replace(paper, updated=stamp)))
            store.replace(reverted)
            back = []
            taken = dict(store.keys)
            for paper in entry.removed_papers():
                if paper.id in store.papers:
                    continue
                if paper.key in taken:
                    fresh = unique_key(paper.key, taken)
                    report.left_alone.append(f"{paper.key} (key now taken: restored as {fresh})")
                    paper = replace(paper, key=fresh)
                aliases = tuple(a for a in paper.aliases if a not in taken)
                back.append(replace(paper, aliases=aliases))
                taken.update(dict.fromkeys((back[-1].key, *aliases), paper.id))
            store.insert(back)
            report.reverted = len(doomed) + len(reverted) + len(back)
            if entry.files:
                self._after_write.append(lambda: self._restore_files(entry.files, report))
        return report

    def _restore_files(self, records: Sequence[Any], report: UndoReport) -> None:
        for record in records:
            problem = self.history.restore(record)
            if problem is None:
                report.reverted += 1
            else:
                report.left_alone.append(problem)
        self.history.prune_backups()

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
            store = self._store
            current = store.papers.get(paper_id)
            if current is None:
                raise ValueError("that paper is no longer in the library")
            if new_key == current.key:
                return current
            folded = new_key.casefold()
            for key, owner in store.keys.items():
                if owner != paper_id and key.casefold() == folded:
                    raise ValueError(f"key {new_key!r} is taken by {store.papers[owner].key!r}")
            aliases = tuple(a for a in current.aliases if a != new_key)
            stamp = now_iso()
            renamed = replace(current, key=new_key, aliases=(*aliases, current.key), updated=stamp)
            store.replace([(current, renamed)])
            label = f"rekey {current.key} → {new_key}"
            self._record(Entry(label, stamp, edits={paper_id: diff(current, renamed)}))
        return renamed

    def merge(self, keep_id: str, other_ids: Iterable[str]) -> Paper:
        """Fold other papers into one, as one undoable change: their tags, notes and
        the fields it lacks join it, their keys become its aliases, and they are
        removed. Returns the merged paper."""
        with self.transaction():
            papers = self._store.papers
            keep = papers.get(keep_id)
            if keep is None:
                raise ValueError("that paper is no longer in the library")
            others = [papers[i] for i in dict.fromkeys(other_ids) if i != keep_id and i in papers]
            if not others:
                return keep
            merged = keep
            for other in others:
                merged = _folded(merged, other, keep.key)
            stamp = now_iso()
            merged = replace(merged, updated=stamp)
            self._store.remove(others)
            self._store.replace([(keep, merged)])
            self._record(
                Entry(
                    f"merge {', '.join(o.key for o in others)} into {keep.key}",
                    stamp,
                    edits={keep.id: diff(keep, merged)},
                    removed=[o.to_doc() for o in others],
                )
            )
        return merged


def _folded(merged: Paper, other: Paper, keep_key: str) -> Paper:
    """``other`` folded into ``merged``: fields it lacks, tags, notes, rating and
    priority, and ``other``'s keys as aliases."""
    merged = merge_into(merged, other)
    notes = merged.notes
    if other.notes.strip() and other.notes.strip() not in notes:
        notes = f"{notes.rstrip()}\n\n{other.notes.strip()}" if notes else other.notes
    return replace(
        merged,
        notes=notes,
        aliases=tuple(
            dict.fromkeys(a for a in (*merged.aliases, other.key, *other.aliases) if a != keep_key)
        ),
        rating=merged.rating if merged.rating is not None else other.rating,
        priority=merged.priority if merged.priority is not None else other.priority,
    )


class _Taken(Container[str]):
    """The keys held, those claimed by papers changed in this transaction, less the
    one a paper whose key is made again gives up."""

    def __init__(self, keys: Mapping[str, str], claimed: set[str], freed: str) -> None:
        self._keys, self._claimed, self._freed = keys, claimed, freed

    def __contains__(self, key: object) -> bool:
        return key in self._claimed or (key != self._freed and key in self._keys)


class _Listing(Sequence[Hit]):
    """All papers as unscored hits, made on access: a list of 100k papers shows
    40 rows, so building 100k hits up front would be wasted start-up time."""

    def __init__(self, papers: list[Paper]) -> None:
        self.papers = papers

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
            return [Hit(p, 0.0, ()) for p in self.papers[index]]
        return Hit(self.papers[index], 0.0, ())
