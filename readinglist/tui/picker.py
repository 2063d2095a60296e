"""The small Textual app behind ``readinglist pick``: type, move, Enter.

It is an fzf for papers: the query box keeps focus; arrows / ctrl+n / ctrl+p move
the cursor; tab marks several papers (with ``--multi``); enter returns the marked
papers (or the one under the cursor); escape returns nothing. The results are the
TUI's own virtual :class:`PaperList`, so every match is reachable and highlighted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from ..core.errors import QueryError
from ..core.library import Library
from ..core.model import Paper
from ..core.search import Hit
from .widgets.paper_list import PaperList


class PickerApp(App[list[Paper] | None]):
    """Returns the chosen papers, or None when the user cancels."""

    CSS = """
    #query { width: 100%; border: tall $accent; }
    #results { width: 100%; height: 1fr; }
    #status { width: 100%; height: 1; color: $text-muted; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,ctrl+c", "cancel", "Cancel", id="pick.cancel"),
        Binding("down,ctrl+n,ctrl+j", "move(1)", "Down", id="pick.down", priority=True),
        Binding("up,ctrl+p,ctrl+k", "move(-1)", "Up", id="pick.up", priority=True),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("tab", "toggle_mark", "Mark", id="pick.mark", priority=True),
    ]

    def __init__(
        self, library: Library, query: str = "", *, multi: bool = False, theme: str = ""
    ) -> None:
        super().__init__()
        self.library = library
        self.initial_query = query
        self.multi = multi
        self.total = 0
        self.shown_query: str | None = None  # the text whose results are on screen
        self.choose_when_shown = False
        self.marked: list[str] = []  # paper ids in the order marked: the order cited
        if theme and theme in self.available_themes:
            self.theme = theme

    def compose(self) -> ComposeResult:
        placeholder = "type to search (typos ok, tag:x year:>=2020 ...) · enter picks · esc cancels"
        if self.multi:
            placeholder += " · tab marks"
        yield Input(value=self.initial_query, placeholder=placeholder, id="query")
        yield PaperList(id="results")
        yield Static("", id="status")

    @property
    def results(self) -> PaperList:
        return self.query_one(PaperList)

    def on_mount(self) -> None:
        self.results.can_focus = False  # typing always goes to the query box
        self.query_one(Input).focus()
        self.search(self.initial_query)

    @on(Input.Submitted, "#query")
    def _submitted(self) -> None:
        """Enter comes through the query box, after the keystrokes typed before it
        (an app-level binding could run ahead of them)."""
        self.action_choose()

    @on(Input.Changed, "#query")
    def _query_changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @work(exclusive=True, thread=True, group="search")
    def search(self, text: str) -> None:
        """Search off the UI thread; a newer keystroke cancels this one's result."""
        try:
            hits = self.library.search(text)
        except QueryError as exc:
            self.call_from_thread(self._show_error, str(exc))
            return
        self.call_from_thread(self._show, hits, text)

    def _show_error(self, message: str) -> None:
        self.query_one("#status", Static).update(Text(message, style="red"))

    def _show(self, hits: Sequence[Hit], text: str) -> None:
        if text != self.query_one(Input).value:
            return  # a newer keystroke's search is on its way
        self.shown_query, self.total = text, len(hits)
        self.results.set_hits(hits)
        self.results.move_cursor(0)
        self._update_status()
        if self.choose_when_shown:
            self.choose_when_shown = False
            self.action_choose()

    def _update_status(self) -> None:
        status = f"{self.total} matching · {len(self.library)} in library"
        if self.marked:
            status += f" · {len(self.marked)} marked"
        self.query_one("#status", Static).update(status)

    def action_move(self, delta: int) -> None:
        self.results.move_cursor(self.results.cursor + delta)

    def action_toggle_mark(self) -> None:
        current = self.results.current
        if not self.multi or current is None:
            return
        paper_id = current.paper.id
        if paper_id in self.marked:
            self.marked.remove(paper_id)
        else:
            self.marked.append(paper_id)
        self.results.set_marks(self.marked)
        self.action_move(1)
        self._update_status()

    def action_choose(self) -> None:
        if self.shown_query != self.query_one(Input).value:
            # Enter typed right after the query (say, by an editor macro): pick from
            # the results of what was typed, not from the previous keystroke's.
            self.choose_when_shown = True
            return
        if self.marked:  # marks made under earlier queries count too
            papers = (self.library.get(paper_id) for paper_id in self.marked)
            self.exit([p for p in papers if p is not None])
        elif (current := self.results.current) is not None:
            self.exit([current.paper])

    def action_cancel(self) -> None:
        self.exit(None)
