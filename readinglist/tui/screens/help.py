"""Every key, generated from the bindings (with the user's keymap applied)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..bindings import DIALOG_BINDINGS, MARKS_RULE, describe_bindings

KEYS_WIDTH = 16

SEARCH_FORMS: tuple[tuple[str, str], ...] = (
    ("words", "fuzzy match, typos allowed"),
    ("tag:NAME", "-tag:NAME  status:unread  year:>=2020  author:NAME"),
    ("has:code", 'has:notes  key:...  "exact phrase"'),
)


def _section(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table(
        box=None,
        show_header=False,
        padding=(0, 1),
        expand=True,
        title=Text(title, style="bold underline"),
        title_justify="left",
    )
    table.add_column("keys", style="bold", no_wrap=True, width=KEYS_WIDTH)
    table.add_column("action")
    for keys, description in rows:
        table.add_row(Text(keys), Text(description))
    return table


def help_table(keymap: Mapping[str, str]) -> Group:
    """Every binding with its effective keys, section by section, then the marks
    rule and the query forms."""
    sections: dict[str, list[tuple[str, str]]] = {}
    for row in describe_bindings(keymap):
        sections.setdefault(row.section, []).append((row.keys, row.description))
    parts: list[RenderableType] = [_section(title, rows) for title, rows in sections.items()]
    parts.append(_section("Marks", [("", MARKS_RULE)]))
    parts.append(_section("Search", list(SEARCH_FORMS)))
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    """Escape, ``?`` or ``q`` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [b for b in DIALOG_BINDINGS if b.id == "help.close"]

    def __init__(self, keymap: Mapping[str, str]) -> None:
        super().__init__(classes="dialog")
        self._keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog-box help-box"):
            yield Static("Keys", classes="dialog-title")
            yield Static(help_table(self._keymap), id="help-table")

    def action_close(self) -> None:
        self.dismiss(None)
