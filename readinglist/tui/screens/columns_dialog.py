"""Choose the optional columns of the paper list."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList

from ...core.config import LIST_COLUMNS
from ..bindings import DIALOG_BINDINGS, key_hint, keymap_of
from ..widgets.paper_list import OPTIONAL_COLUMNS

_CANCEL = next(b for b in DIALOG_BINDINGS if b.id == "dialog.cancel")
_HEADERS = {name: header for name, header, _ in OPTIONAL_COLUMNS}


class ColumnsDialog(ModalScreen[frozenset[str] | None]):
    """Space toggles a column, enter applies, escape cancels. Columns show where the
    terminal is wide enough and the papers shown use them (rating, priority)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        _CANCEL,
        Binding("enter", "apply", "Apply", show=False, priority=True),
    ]

    def __init__(self, shown: frozenset[str]) -> None:
        super().__init__(classes="dialog")
        self._shown = shown

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label("Columns of the paper list", classes="dialog-title")
            yield SelectionList[str](
                *((_HEADERS[name], name, name in self._shown) for name in LIST_COLUMNS),
                id="columns",
            )
            yield Label(
                "space toggle · enter apply · " + key_hint([_CANCEL], keymap_of(self.app)),
                classes="dialog-keys",
                markup=False,
            )

    def action_apply(self) -> None:
        self.dismiss(frozenset(self.query_one(SelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)
