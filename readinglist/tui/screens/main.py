"""The main screen: search box, tag/status sidebar, paper list, detail pane.

Browsing and searching live here; the actions that change papers are in
:mod:`readinglist.tui.edits` so each file stays readable.
"""

from __future__ import annotations

import gc
import shlex
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Label, OptionList, ProgressBar
from textual.worker import Worker, WorkerState, get_current_worker

from ...core.errors import ReadinglistError
from ...core.library import Library
from ...core.model import Paper
from ...core.storage import Signature, file_signature
from ..bindings import SCREEN_BINDINGS
from ..edits import EditActions
from ..widgets.detail import DetailPane
from ..widgets.paper_list import HitLike, PaperList
from ..widgets.sidebar import Sidebar
from .detail import DetailScreen

if TYPE_CHECKING:
    from ...core.config import Settings


DETAIL_DELAY_S = 0.06


class MainScreen(EditActions, Screen[None]):
    """Holds the current query text; everything shown derives from it and the library."""

    BINDINGS: ClassVar[list[BindingType]] = list(SCREEN_BINDINGS)

    def __init__(self, library: Library, settings: Settings, library_lock: threading.RLock) -> None:
        super().__init__()
        self.library = library
        self.settings = settings
        self.library_lock = library_lock
        self._unreadable: Signature | None = None  # a file change that could not be read
        self.query_text = ""
        self._search_seq = 0
        self._index_ready = threading.Event()
        self.results_shown = 0  # searches whose results reached the list (tests wait on it)
        self._detail_paper: Paper | None = None
        self._detail_timer: Timer | None = None

    # -- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="search-bar"):
            yield Input(
                placeholder="Search: words (typos ok), tag:NAME, status:unread, year:>=2020 …",
                id="search",
                select_on_focus=False,
            )
            yield Label("", id="count")
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="main-column"):
                yield PaperList(id="papers")
                yield DetailPane(id="detail")
        yield ProgressBar(id="progress", show_eta=False)
        yield Footer()

    @property
    def paper_list(self) -> PaperList:
        return self.query_one(PaperList)

    @property
    def search_box(self) -> Input:
        return self.query_one("#search", Input)

    def on_mount(self) -> None:
        # The loaded papers live as long as the app: move them out of the GC's sight so
        # collections triggered while rendering do not rescan 100k objects every frame.
        gc.freeze()
        self.query_one("#progress").display = False
        self.query_one(Sidebar).border_title = "Filters"
        self.paper_list.border_title = "Papers"
        self.query_one(DetailPane).border_title = "Detail"
        self.paper_list.focus()
        self.refresh_results()
        self.refresh_counts()
        self.set_interval(1.0, self.check_disk)

    # -- search ----------------------------------------------------------------------
    @on(Input.Changed, "#search")
    def _query_typed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self.refresh_results()

    @on(Input.Submitted, "#search")
    def _query_done(self) -> None:
        self.paper_list.focus()

    def refresh_results(self, keep_id: str | None = None) -> None:
        """Re-run the current query off the UI thread; the newest request wins."""
        if keep_id is None and (hit := self.paper_list.current) is not None:
            keep_id = hit.paper.id
        self._search_seq += 1
        self._search(self.query_text, self._search_seq, keep_id)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, text: str, seq: int, keep_id: str | None) -> None:
        from ...core.query import parse_query

        worker = get_current_worker()
        try:
            query = parse_query(text)
        except ReadinglistError as exc:
            self.app.call_from_thread(self._show_query_error, seq, str(exc))
            return
        if text.strip() and not self._index_ready.is_set():
            self.app.call_from_thread(self._show_indexing, seq)
            while not self._index_ready.wait(0.05):
                if worker.is_cancelled or seq != self._search_seq:
                    return
        with self.library_lock:
            if worker.is_cancelled or seq != self._search_seq:
                return
            hits: Sequence[HitLike]
            hits = self.library.search(query, partial=True)
            total = len(self.library)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_results, seq, hits, total, keep_id)

    @work(thread=True, exclusive=True, group="warm-up", exit_on_error=False)
    def warm_up_index(self) -> None:
        """Build the search index after the first screen, before the first keystroke
        needs it. The build runs on a snapshot without the lock, so saves and reloads
        go on meanwhile; the library replays them into the index when it is installed."""
        from ...core.search import SearchIndex

        with self.library_lock:
            papers = None if self.library.index_ready else self.library.index_snapshot()
        if papers is None:
            self._index_ready.set()
            return
        # Titles, authors, tags and keys first (fast), so typing gets answers at
        # once; abstracts are indexed next, still outside the lock.
        index = SearchIndex(papers, defer_abstracts=True, fields=self.library.search_fields)
        with self.library_lock:
            self.library.install_index(index)
        self._index_ready.set()
        index.index_abstracts()
        gc.freeze()
        self.app.call_from_thread(self._abstracts_indexed)

    def _abstracts_indexed(self) -> None:
        """Results shown so far may lack abstract matches: search again."""
        if self.query_text.strip():
            self.refresh_results()

    def _show_indexing(self, seq: int) -> None:
        if seq == self._search_seq:
            self.query_one("#count", Label).update(f"indexing {len(self.library):,} papers…")

    def _show_results(
        self, seq: int, hits: Sequence[HitLike], total: int, keep_id: str | None
    ) -> None:
        if seq != self._search_seq:
            return  # a newer keystroke is already on its way
        if total == 0:
            self.paper_list.empty_text = (
                "The library is empty: press i to import a Daily Papers listing or a .bib file."
            )
        else:
            self.paper_list.empty_text = "No paper matches. Escape twice clears the search."
        self.paper_list.set_hits(hits, keep_id=keep_id)
        shown = f"{len(hits):,} of {total:,}" if len(hits) != total else f"{total:,} papers"
        marks = len(self.paper_list.marks)
        self.query_one("#count", Label).update(shown + (f" · {marks:,} marked" if marks else ""))
        self.query_one("#count").remove_class("error")
        self.results_shown += 1
        if self.results_shown == 1:
            self.warm_up_index()

    def _show_query_error(self, seq: int, message: str) -> None:
        if seq == self._search_seq:
            label = self.query_one("#count", Label)
            label.update(message)
            label.add_class("error")

    @work(thread=True, exclusive=True, group="counts", exit_on_error=False)
    def refresh_counts(self) -> None:
        with self.library_lock:
            total = len(self.library)
            statuses = self.library.status_counts()
            tags = self.library.tag_counts()
        self.app.call_from_thread(self.query_one(Sidebar).show_counts, total, statuses, tags)

    @on(OptionList.OptionSelected, "#sidebar")
    def _filter_selected(self, event: OptionList.OptionSelected) -> None:
        self.apply_filter(event.option.id or "all")

    def apply_filter(self, token: str) -> None:
        """Put ``token`` (``tag:x``/``status:y``/``all``) in the search box, replacing its kind."""
        try:
            words = shlex.split(self.search_box.value)
        except ValueError:
            words = self.search_box.value.split()
        kind = token.split(":", 1)[0] + ":"
        kept = [
            w for w in words if not w.startswith(("tag:", "status:") if token == "all" else kind)
        ]
        if token != "all":
            kept.append(token)
        self.search_box.value = " ".join(kept)
        self.paper_list.focus()

    # -- the list --------------------------------------------------------------------
    @on(PaperList.CursorMoved)
    def _cursor_moved(self, event: PaperList.CursorMoved) -> None:
        # The detail pane re-lays out the screen; while a key is held down only the two
        # changed table rows are repainted, and the detail follows when the cursor rests.
        self._detail_paper = event.hit.paper if event.hit else None
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY_S, self._show_detail)

    def _show_detail(self) -> None:
        self._detail_timer = None
        self.query_one(DetailPane).show(self._detail_paper)

    @on(PaperList.Opened)
    def _open_detail(self, event: PaperList.Opened) -> None:
        self.app.push_screen(DetailScreen(event.paper))

    @on(PaperList.MarksChanged)
    def _marks_changed(self, event: PaperList.MarksChanged) -> None:
        text = str(self.query_one("#count", Label).content).split(" · ")[0]
        marks = f" · {event.count:,} marked" if event.count else ""
        self.query_one("#count", Label).update(text + marks)

    def action_focus_search(self) -> None:
        self.search_box.focus()

    def action_escape(self) -> None:
        """Escape in the search box goes back to the list; escape again clears the query."""
        if self.search_box.has_focus:
            self.paper_list.focus()
        elif self.search_box.value:
            self.search_box.value = ""
        self.paper_list.focus()

    def action_mark_all(self) -> None:
        papers = self.paper_list
        papers.set_marks(papers.marks | {h.paper.id for h in papers.hits})

    def action_clear_marks(self) -> None:
        self.paper_list.set_marks(())

    # -- another process changed the file ----------------------------------------------
    @work(thread=True, exclusive=True, group="reload", exit_on_error=False)
    def check_disk(self) -> None:
        with self.library_lock:
            if not self.library.changed_on_disk():
                return
            signature = file_signature(self.library.path)
            if signature == self._unreadable:
                return  # already said so; wait for the next change to the file
            try:
                self.library.reload()
            except ReadinglistError:
                self._unreadable = signature
                raise
            self._unreadable = None
        self.app.call_from_thread(self.after_reload)

    def after_reload(self) -> None:
        self.refresh_results()
        self.refresh_counts()

    # -- errors from workers become notifications ---------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, ReadinglistError):
            self.notify(str(error), severity="error", timeout=8)
        else:
            self.log.error(repr(error))
            self.notify(f"Unexpected error: {error!r}", title="Bug", severity="error", timeout=10)
