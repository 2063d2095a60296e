"""Every key, generated from the bindings (with the user's keymap applied)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..bindings import describe_bindings


def help_table(keymap: Mapping[str, str]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2), expand=True)
    table.add_column("keys", style="bold", no_wrap=True, min_width=12)
    table.add_column("action")
    section = ""
    for row in describe_bindings(keymap):
        if row.section != section:
            section = row.section
            table.add_row(f"[b underline]{section}[/]", "")
        table.add_row(row.keys, row.description)
    table.add_row("", "")
    table.add_row("[b underline]Search[/]", "")
    table.add_row("words", "fuzzy match, typos allowed")
    table.add_row("tag:NAME", "-tag:NAME  status:unread  year:>=2020  author:NAME")
    table.add_row("has:code", 'has:notes  key:...  "exact phrase"')
    return table


class HelpScreen(ModalScreen[None]):
    """Escape, ``?`` or ``q`` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close"),
    ]

    def __init__(self, keymap: Mapping[str, str]) -> None:
        super().__init__(classes="dialog")
        self._keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog-box help-box"):
            yield Static("Keys", classes="dialog-title")
            yield Static(help_table(self._keymap), id="help-table")

    def action_close(self) -> None:
        self.dismiss(None)
