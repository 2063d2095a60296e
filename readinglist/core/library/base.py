"""What every part of the library shares: the papers as held, reading and searching
them, and the transaction every change runs in.

Every change is a transaction (:meth:`LibraryBase.transaction`): take the library's
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
from typing import Self, overload

from filelock import Timeout

from ..errors import LibraryError
from ..keys import DEFAULT_PATTERN, assign_key, made_from
from ..memory import gc_paused
from ..model import BibFile, Paper, id_rank, new_id
from ..query import Query, parse_query
from ..search import Hit, SearchIndex
from ..tokens import fold
from . import changelog
from .catchup import RESAVE_AFTER, SavedView, StaleIndex
from .fileformat import LOCK_TIMEOUT_S, Signature, file_signature, library_lock, sibling
from .history import Entry, History
from .indexing import Indexer, searched_changes, unsearched
from .store import PaperStore, Transitions

Progress = Callable[[int, int], None]


class LibraryBase:
    """The papers of one library file, in sync with the file, and their search index;
    the changes are :class:`~.edits.Edits` and :class:`~.imports.Imports`."""

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
    ) -> Self:
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
            where = self._store.written_line

            def changes() -> dict[str, changelog.PaperChange]:
                return {
                    pid: changelog.line_change(
                        new, old is None or new is None or not unsearched(old, new), where(pid)
                    )
                    for pid, (old, new) in written.items()
                }

            changelog.note_write(
                self.path, before, after, changes, len(written), self._store.other_written
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
