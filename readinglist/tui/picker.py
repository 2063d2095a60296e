"""The small Textual app behind ``readinglist pick``: type, move, Enter.

It is an fzf for papers: the query box keeps focus; arrows / ctrl+n / ctrl+p move
the highlight; tab marks several papers (with ``--multi``); enter returns the
marked papers (or the highlighted one); escape returns nothing.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ..core.errors import QueryError
from ..core.library import Library
from ..core.model import Paper
from ..core.search import Hit

SHOWN = 200  # the picker shows the best matches; nobody scrolls past a few hundred


def _label(hit: Hit, marked: bool) -> Text:
    paper = hit.paper
    text = Text("● " if marked else "  ", style="bold green")
    title = Text(paper.title)
    for start, end in hit.title_spans:
        title.stylize("bold reverse", start, end)
    text.append_text(title)
    meta = " · ".join(x for x in (paper.first_author, str(paper.year or ""), paper.key) if x)
    text.append(f"  {meta}", style="dim")
    return text


class PickerApp(App[list[Paper] | None]):
    """Returns the chosen papers, or None when the user cancels."""

    CSS = """
    #query { width: 100%; border: tall $accent; }
    #results { width: 100%; height: 1fr; border: none; }
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
        self.hits: list[Hit] = []
        self.total = 0
        self.shown_query: str | None = None  # the text whose results are on screen
        self.choose_when_shown = False
        self.marked: dict[str, Paper] = {}
        if theme and theme in self.available_themes:
            self.theme = theme

    def compose(self) -> ComposeResult:
        placeholder = "type to search (typos ok, tag:x year:>=2020 ...) · enter picks · esc cancels"
        if self.multi:
            placeholder += " · tab marks"
        yield Input(value=self.initial_query, placeholder=placeholder, id="query")
        yield OptionList(id="results")
        yield Static("", id="status")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.search(self.initial_query)

    @on(Input.Submitted, "#query")
    def _submitted(self) -> None:
        """Enter comes through the query box, after the keystrokes typed before it
        (an app-level binding could run ahead of them)."""
        self.action_choose()

    @on(OptionList.OptionSelected, "#results")
    def _clicked(self) -> None:
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
        self.call_from_thread(self._show, list(hits[:SHOWN]), len(hits), text)

    def _show_error(self, message: str) -> None:
        self.query_one("#status", Static).update(Text(message, style="red"))

    def _show(self, hits: list[Hit], total: int, text: str) -> None:
        if text != self.query_one(Input).value:
            return  # a newer keystroke's search is on its way
        self.hits, self.total, self.shown_query = hits, total, text
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            Option(_label(hit, hit.paper.id in self.marked), id=hit.paper.id) for hit in hits
        )
        if hits:
            options.highlighted = 0
        self._update_status()
        if self.choose_when_shown:
            self.choose_when_shown = False
            self.action_choose()

    def _update_status(self) -> None:
        shown = (
            f"{len(self.hits)} of {self.total}" if self.total > len(self.hits) else str(self.total)
        )
        status = f"{shown} matching · {len(self.library)} in library"
        if self.marked:
            status += f" · {len(self.marked)} marked"
        self.query_one("#status", Static).update(status)

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if not self.hits:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self.hits) - 1, current + delta))

    def action_toggle_mark(self) -> None:
        if not self.multi or not self.hits:
            return
        options = self.query_one(OptionList)
        index = options.highlighted or 0
        hit = self.hits[index]
        if hit.paper.id in self.marked:
            del self.marked[hit.paper.id]
        else:
            self.marked[hit.paper.id] = hit.paper
        options.replace_option_prompt_at_index(index, _label(hit, hit.paper.id in self.marked))
        self.action_move(1)
        self._update_status()

    def action_choose(self) -> None:
        if self.shown_query != self.query_one(Input).value:
            # Enter typed right after the query (say, by an editor macro): pick from
            # the results of what was typed, not from the previous keystroke's.
            self.choose_when_shown = True
            return
        if self.marked:
            self.exit(list(self.marked.values()))
            return
        options = self.query_one(OptionList)
        if self.hits and options.highlighted is not None:
            self.exit([self.hits[options.highlighted].paper])

    def action_cancel(self) -> None:
        self.exit(None)
