"""The main screen: search box, tag/status sidebar, paper list, detail pane.

Browsing and searching live here; the paper keys come from
:class:`~readinglist.tui.screens.base.PaperScreen`, whose actions are in
:mod:`readinglist.tui.edits`.

The layout follows the terminal: below 60 columns the sidebar hides (``ctrl+b``
brings it back), below 18 rows the detail pane hides and the search box loses its
border, so the list always keeps the room.
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
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Input, Label, OptionList, ProgressBar
from textual.worker import get_current_worker

from ...core.errors import ReadinglistError
from ...core.library import Library
from ...core.model import Paper
from ..bindings import MAIN_BINDINGS
from ..edits import PapersChanged, Selection
from ..widgets.detail import DetailPane
from ..widgets.paper_list import HitLike, PaperList, hit_ids, position
from ..widgets.sidebar import Sidebar
from .base import PaperScreen
from .detail import DetailScreen

if TYPE_CHECKING:
    from ...core.config import Settings


DETAIL_DELAY_S = 0.06
NARROW = 60  # columns below which the sidebar hides unless asked for
SHORT = 18  # rows below which the detail pane hides


class MainScreen(PaperScreen):
    """Holds the current query text; everything shown derives from it and the library."""

    BINDINGS: ClassVar[list[BindingType]] = list(MAIN_BINDINGS)
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012 (Textual declares it an instance attribute)
        (0, "-narrow"),
        (NARROW, "-medium"),
        (100, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-short"),
        (SHORT, "-medium-height"),
        (32, "-tall"),
    ]

    class LibraryShown(Message):
        """The first results are on screen: keys typed from now on are commands."""

        def __init__(self, screen: MainScreen) -> None:
            super().__init__()
            self.screen = screen

    def __init__(self, library: Library, settings: Settings) -> None:
        super().__init__(library, settings)
        self.sidebar_wanted: bool | None = None  # None: as wide as the terminal allows
        self._unreadable: object = None  # a version of the file that could not be read
        self.query_text = ""
        self._search_seq = 0
        self._index_ready = threading.Event()
        self.results_shown = 0  # searches whose results reached the list (tests wait on it)
        self._detail_paper: Paper | None = None
        self._detail_timer: Timer | None = None
        self._counts = (0, 0)  # results shown, papers in the library: the count label
        self._query_error = ""
        self.tags_shown: dict[str, int] = {}  # each tag and its papers, as last counted

    # -- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="search-bar"):
            yield Input(
                placeholder="Search: words (typos ok), tag:NAME, status:unread, year:>=2020 …",
                id="search",
                select_on_focus=False,
            )
            yield Label("", id="count", markup=False)  # query errors quote user text
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
        self.paper_list.columns_shown = frozenset(self.settings.columns)
        self.query_one(DetailPane).border_title = "Detail"
        self.paper_list.focus()
        self.refresh_results()
        self.refresh_counts()
        self.set_interval(1.0, self.check_disk)

    def on_resize(self) -> None:
        self._place_sidebar()
        self._show_count()

    def _place_sidebar(self) -> None:
        wanted = self.sidebar_wanted
        shown = self.size.width >= NARROW if wanted is None else wanted
        self.query_one(Sidebar).display = shown

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one(Sidebar)
        self.sidebar_wanted = not sidebar.display
        self._place_sidebar()
        if not sidebar.display and sidebar.has_focus:
            self.paper_list.focus()

    def action_choose_columns(self) -> None:
        from .columns_dialog import ColumnsDialog

        async def ask() -> None:
            papers = self.paper_list
            chosen = await self.app.push_screen_wait(ColumnsDialog(papers.columns_shown))
            if chosen is not None:
                papers.columns_shown = chosen

        self.run_worker(ask(), group="dialog", exit_on_error=False)

    def action_import_file(self) -> None:
        bar = self.query_one("#progress", ProgressBar)

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._show_progress, bar, done, total)

        self.actions.import_file(progress)

    @staticmethod
    def _show_progress(bar: ProgressBar, done: int, total: int) -> None:
        bar.display = done < total
        bar.update(total=total, progress=done)

    def show_progress(self, state: tuple[int, int] | None) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.display = state is not None
        if state is not None:
            bar.update(total=state[1], progress=state[0])

    # -- what the paper keys act on ---------------------------------------------------
    def selection(self) -> Selection:
        papers = self.paper_list
        hit = papers.current
        current = hit.paper if hit is not None else None
        marked = papers.marked_papers()
        if marked:
            return Selection(marked, current, from_marks=True, ids=marked.ids)
        return Selection([current] if current else [], current)

    def advance(self) -> None:
        self.paper_list.move_cursor(self.paper_list.cursor + 1)

    def marks_used(self, ids: Sequence[str]) -> None:
        self.paper_list.set_marks(self.paper_list.marks.difference(ids))

    def papers_changed(self) -> None:
        self.query_one("#progress").display = False
        self.refresh_results()
        self.refresh_counts()

    # -- the detail view walks the list ------------------------------------------------
    def current_paper(self) -> Paper | None:
        hit = self.paper_list.current
        return hit.paper if hit is not None else None

    def position(self) -> str:
        papers = self.paper_list
        where = f"{papers.cursor + 1:,} of {len(papers.hits):,}" if papers.hits else "no papers"
        query = self.query_text.strip()
        return f"{where} · {query}" if query else where

    def step(self, delta: int, from_id: str) -> Paper | None:
        """Move the list's cursor by ``delta`` from the paper ``from_id`` (the detail
        view's ``j``/``k``). If that paper has left the list (a filter no longer
        matches it after an edit), the cursor already rests on the next one."""
        current = self.current_paper()
        if (
            delta > 0
            and current is not None
            and current.id != from_id
            and position(self.paper_list.hits, from_id) is None
        ):
            return current
        self.paper_list.move_cursor(self.paper_list.cursor + delta)
        return self.current_paper()

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
        marks = frozenset(self.paper_list.marks)  # is:marked, read here on the UI thread
        self._search(self.query_text, self._search_seq, keep_id, marks)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, text: str, seq: int, keep_id: str | None, marks: frozenset[str]) -> None:
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
        if worker.is_cancelled or seq != self._search_seq:
            return
        hits: Sequence[HitLike]
        hits = self.library.search(query, partial=True, marked=marks)
        total = len(self.library)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_results, seq, hits, total, keep_id)

    @work(thread=True, exclusive=True, group="warm-up", exit_on_error=False)
    def warm_up_index(self) -> None:
        """Get the search index ready after the first screen, before the first
        keystroke needs it (the library builds or restores it without holding
        itself, so saves and reloads go on meanwhile)."""

        def complete() -> None:
            self.app.call_from_thread(self._abstracts_indexed)

        self.library.warm_index(ready=self._index_ready.set, complete=complete)

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
        self._counts = (len(hits), total)
        self._query_error = ""
        self._show_count()
        for screen in self.app.screen_stack:
            if isinstance(screen, DetailScreen) and screen.is_mounted:
                screen.show_position()
        self.results_shown += 1
        if self.results_shown == 1:
            # Straight into the app's queue: keys queued before it (typed before this
            # frame was painted) are still held; keys typed after seeing it are commands.
            self.app.post_message(self.LibraryShown(self))
            self.warm_up_index()

    def _show_query_error(self, seq: int, message: str) -> None:
        if seq == self._search_seq:
            self._query_error = message
            self._show_count()

    def _show_count(self) -> None:
        """The count label has a fixed width (a long error must not squeeze the
        search box); an error shows in full under the list, and as the tooltip."""
        label = self.query_one("#count", Label)
        self.paper_list.set_class(bool(self._query_error), "error")
        marks = len(self.paper_list.marks)
        marked = f" · {marks:,} marked" if marks else ""
        if self._query_error:
            label.update("query error")
            label.add_class("error")
            # the message quotes what was typed (year:[/]): plain text, never markup
            label.tooltip = Content(self._query_error)
            self.paper_list.border_subtitle = Content(self._query_error)
        else:
            shown, total = self._counts
            if self.size.width < NARROW:  # the short form fits the narrow label
                text = f"{shown:,}/{total:,}" if shown != total else f"{total:,}"
            else:
                text = f"{shown:,} of {total:,}" if shown != total else f"{total:,} papers"
            label.update(text + marked)
            label.remove_class("error")
            label.tooltip = None
            self.paper_list.border_subtitle = f"{marks:,} marked" if marks else ""

    @work(thread=True, exclusive=True, group="counts", exit_on_error=False)
    def refresh_counts(self) -> None:
        total = len(self.library)
        statuses = self.library.status_counts()
        tags = self.library.tag_counts()
        self.app.call_from_thread(self._show_counts, total, statuses, tags)

    def _show_counts(self, total: int, statuses: dict[str, int], tags: dict[str, int]) -> None:
        self.tags_shown = tags
        self.query_one(Sidebar).show_counts(total, statuses, tags)

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
        self.app.push_screen(DetailScreen(self.library, self.settings, navigator=self))

    @on(PaperList.MarksChanged)
    def _marks_changed(self, event: PaperList.MarksChanged) -> None:
        self._show_count()
        if "is:marked" in self.query_text:  # the results depend on the marks
            self.refresh_results()

    def action_focus_search(self) -> None:
        # At once, not after the keys already waiting: "/spec" arriving in one read
        # (a fast typist, a macro, a paste) is a query, not s, p, e, c commands.
        self.set_focus(self.search_box)

    def action_escape(self) -> None:
        """Escape in the search box goes back to the list; escape again clears the query."""
        if self.search_box.has_focus:
            self.paper_list.focus()
        elif self.search_box.value:
            self.search_box.value = ""
        self.paper_list.focus()

    def action_mark_all(self) -> None:
        papers = self.paper_list
        papers.set_marks(papers.marks | set(hit_ids(papers.hits)))

    def action_clear_marks(self) -> None:
        self.paper_list.set_marks(())

    # -- another process changed the file ----------------------------------------------
    @work(thread=True, exclusive=True, group="reload", exit_on_error=False)
    def check_disk(self) -> None:
        if not self.library.changed_on_disk():
            return
        version = self.library.disk_version()
        if version == self._unreadable:
            return  # already said so; wait for the next change to the file
        try:
            self.library.reload()
        except ReadinglistError:
            self._unreadable = version
            raise
        self._unreadable = None
        self.app.call_from_thread(self.after_reload)

    def after_reload(self) -> None:
        self.app.post_message(PapersChanged())
