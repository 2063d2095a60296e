"""Full-screen view of one paper (``enter`` in the table)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...core.model import Paper
from ..widgets.detail import paper_text


class DetailScreen(Screen[None]):
    """Escape, enter or ``q`` goes back to the table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Back", id="detail.close"),
    ]

    def __init__(self, paper: Paper) -> None:
        super().__init__()
        self._paper = paper

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-screen"):
            yield Static(paper_text(self._paper), id="detail-screen-body")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
