"""The full-screen view of one paper (``enter`` in the list): a triage view.

``j``/``k`` show the next/previous paper of the list (the list's cursor follows, so
escape returns to where triage stopped); the paper keys act on the shown paper;
``x`` marks it skipped and shows the next one.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from ...core.config import Settings
from ...core.library import Library
from ...core.model import Paper
from ..bindings import DETAIL_BINDINGS, PAPER_BINDINGS
from ..edits import Selection
from ..widgets.detail import paper_text
from .base import PaperScreen


class Navigator(Protocol):
    """The list the detail view walks (the main screen)."""

    def current_paper(self) -> Paper | None: ...

    def step(self, delta: int, from_id: str) -> Paper | None: ...

    def position(self) -> str:
        """Where the cursor is, e.g. ``3 of 308 · tag:to-triage``."""
        ...


class DetailScreen(PaperScreen, inherit_bindings=False):
    """Shows the paper under the navigator's cursor; escape goes back to the list."""

    # Its own keys first, so the footer starts with them.
    BINDINGS: ClassVar[list[BindingType]] = [*DETAIL_BINDINGS, *PAPER_BINDINGS]

    def __init__(
        self,
        library: Library,
        settings: Settings,
        *,
        navigator: Navigator,
    ) -> None:
        super().__init__(library, settings)
        self.navigator = navigator
        self.paper = navigator.current_paper()

    def compose(self) -> ComposeResult:
        yield Static(self.navigator.position(), id="detail-position", markup=False)
        with VerticalScroll(id="detail-screen"):
            yield Static(paper_text(self.paper), id="detail-screen-body")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail-screen").focus()

    def _show(self, paper: Paper | None) -> None:
        self.paper = paper
        self.query_one("#detail-screen-body", Static).update(paper_text(paper))
        self.show_position()

    # -- what the paper keys act on ------------------------------------------------------
    def selection(self) -> Selection:
        paper = self.paper
        return Selection([paper] if paper else [], paper)

    def advance(self) -> None:
        self.action_step(1)

    def show_position(self) -> None:
        self.query_one("#detail-position", Static).update(self.navigator.position())

    def papers_changed(self) -> None:
        """Show the paper as the library has it now (an edit, an undo, a reload)."""
        if self.paper is not None:
            # A dict lookup in memory: no lock needed, and none waited for.
            self._show(self.library.get(self.paper.id))

    # -- keys ------------------------------------------------------------------------------
    def action_step(self, delta: int) -> None:
        before = self.paper
        paper = self.navigator.step(delta, before.id if before else "")
        if paper is None or (before is not None and paper.id == before.id):
            where = "last" if delta > 0 else "first"
            self.notify(f"This is the {where} paper of the list.", timeout=3)
            return
        self._show(self.library.get(paper.id) or paper)  # the list may hold an older copy
        self.query_one("#detail-screen", VerticalScroll).scroll_home(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
