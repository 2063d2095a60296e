"""The small Textual app behind ``readinglist pick``: type, move, Enter.

It is an fzf for papers: the query box keeps focus; arrows / ctrl+n / ctrl+p move
the cursor; tab marks several papers (with ``--multi``); enter returns the marked
papers (or the one under the cursor); escape returns nothing. The results are the
TUI's own virtual :class:`PaperList`, so every match is reachable and highlighted.

It never shows or acts on the results of an older query. Every key is handled by
the query box, in the order typed, so a key always sees the text typed before it.
While the results for the current text are not in yet (the first search of a large
library builds its index), the list is empty and keys that act on results (move,
mark, enter) wait in order and run on the new results when they arrive. An editor
macro that types a query, Tab and Enter at once gets the first match of that query.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Static

from ..core.config import DEFAULT_COLUMNS
from ..core.errors import QueryError
from ..core.library import Library
from ..core.model import Paper
from ..core.results import Hit
from .widgets.paper_list import PaperList


class QueryInput(Input):
    """The query box, which also takes the picker's keys: handled here, behind the
    characters typed before them (an app binding would run ahead of those)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,ctrl+c", "pick('cancel')", "Cancel", id="pick.cancel"),
        Binding("down,ctrl+n,ctrl+j", "pick('down')", "Down", id="pick.down"),
        Binding("up,ctrl+p,ctrl+k", "pick('up')", "Up", id="pick.up"),
        Binding("pagedown", "pick('page_down')", "Page down", show=False, id="pick.page_down"),
        Binding("pageup", "pick('page_up')", "Page up", show=False, id="pick.page_up"),
        Binding("tab", "pick('mark')", "Mark", id="pick.mark"),
    ]

    class Key(Message):
        """A picker key, with the query text as it was when the key was pressed."""

        def __init__(self, what: str, text: str) -> None:
            super().__init__()
            self.what = what
            self.text = text

    def action_pick(self, what: str) -> None:
        self.post_message(self.Key(what, self.value))


MOVES = {"down": 1, "up": -1, "page_down": 10, "page_up": -10}


class PickerApp(App[list[Paper] | None]):
    """Returns the chosen papers, or None when the user cancels."""

    CSS = """
    #query { width: 100%; border: tall $accent; }
    #results { width: 100%; height: 1fr; }
    #status { width: 100%; height: 1; color: $text-muted; padding: 0 1; }
    """
    ENABLE_COMMAND_PALETTE = False  # ctrl+p moves up, as in fzf
    AUTO_FOCUS = "#query"

    def __init__(
        self, library: Library, query: str = "", *, multi: bool = False, theme: str = ""
    ) -> None:
        super().__init__()
        self.library = library
        self.initial_query = query
        self.multi = multi
        self.total = 0
        self.shown_query: str | None = None  # the text whose results are on screen
        self.waiting: list[QueryInput.Key] = []  # keys that wait for the current results
        self.started = False  # results have been shown once
        self.marked: list[str] = []  # paper ids in the order marked: the order cited
        self._search_lock = threading.Lock()  # one search at a time (the index is shared)
        if theme and theme in self.available_themes:
            self.theme = theme

    def compose(self) -> ComposeResult:
        placeholder = "type to search (typos ok, tag:x year:>=2020 ...) · enter picks · esc cancels"
        if self.multi:
            placeholder += " · tab marks"
        yield QueryInput(value=self.initial_query, placeholder=placeholder, id="query")
        yield PaperList(id="results")
        yield Static("starting…", id="status")

    @property
    def query_box(self) -> QueryInput:
        return self.query_one(QueryInput)

    @property
    def results(self) -> PaperList:
        return self.query_one(PaperList)

    def on_mount(self) -> None:
        self.results.can_focus = False  # typing always goes to the query box
        self.results.columns_shown = frozenset(DEFAULT_COLUMNS)
        self.query_box.focus()
        self.search(self.initial_query)

    # -- searching ---------------------------------------------------------------------
    @on(Input.Changed, "#query")
    def _query_changed(self, event: Input.Changed) -> None:
        if event.value == self.shown_query:
            return
        # What is on screen answers another text now: take it away, so nothing can
        # be seen or picked from it.
        self.shown_query = None
        self.results.set_hits(())
        self.query_one("#status", Static).update("searching…")
        self.search(event.value)

    @work(exclusive=True, thread=True, group="search")
    def search(self, text: str) -> None:
        """Search off the UI thread; results for a text typed over are dropped."""
        with self._search_lock:
            if text != self.query_box.value:
                return  # typed over while waiting
            try:
                hits = self.library.search(text)
            except QueryError as exc:
                self.call_from_thread(self._show_error, text, str(exc))
                return
        self.call_from_thread(self._show, hits, text)

    def _show_error(self, text: str, message: str) -> None:
        if text == self.query_box.value:
            self.waiting.clear()
            self.query_one("#status", Static).update(Text(message, style="red"))

    def _show(self, hits: Sequence[Hit], text: str) -> None:
        if text != self.query_box.value:
            return  # a newer keystroke's search is on its way
        self.shown_query, self.total = text, len(hits)
        self.started = True
        self.results.set_hits(hits)
        self.results.move_cursor(0)
        self._update_status()
        waiting, self.waiting = self.waiting, []
        for key in waiting:  # typed before these results: they act on them, in order
            self._act(key)

    def _update_status(self) -> None:
        status = f"{self.total} matching · {len(self.library)} in library"
        if self.marked:
            status += f" · {len(self.marked)} marked"
        self.query_one("#status", Static).update(status)

    # -- keys ----------------------------------------------------------------------------
    @on(QueryInput.Key)
    def _key(self, event: QueryInput.Key) -> None:
        self._run(event)

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        self._run(QueryInput.Key("choose", event.value))

    def _run(self, key: QueryInput.Key) -> None:
        if key.what == "cancel":
            self.exit(None)
            return
        if key.text != self.shown_query or self.waiting:
            # Typed after text whose results are not in yet: wait for them.
            if key.what == "down" and not self.started:
                # ctrl+j is what Enter sends while the terminal is still in line mode
                # (keys typed before the picker took the terminal): it means Enter.
                key = QueryInput.Key("choose", key.text)
            self.waiting.append(key)
            return
        self._act(key)

    def _act(self, key: QueryInput.Key) -> None:
        if key.what in MOVES:
            self.results.move_cursor(self.results.cursor + MOVES[key.what])
        elif key.what == "mark":
            self._toggle_mark()
        elif key.what == "choose":
            self._choose()

    def _toggle_mark(self) -> None:
        current = self.results.current
        if not self.multi or current is None:
            return
        paper_id = current.paper.id
        if paper_id in self.marked:
            self.marked.remove(paper_id)
        else:
            self.marked.append(paper_id)
        self.results.set_marks(self.marked)
        self.results.move_cursor(self.results.cursor + 1)
        self._update_status()

    def _choose(self) -> None:
        if self.marked:  # marks made under earlier queries count too
            papers = (self.library.get(paper_id) for paper_id in self.marked)
            self.exit([p for p in papers if p is not None])
        elif (current := self.results.current) is not None:
            self.exit([current.paper])
