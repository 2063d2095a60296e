"""Ask for a file path, pre-filled with a sensible default."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from ..bindings import DIALOG_BINDINGS


class PathPrompt(ModalScreen[str | None]):
    """Returns the path typed (``ctrl+u`` clears the default), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [b for b in DIALOG_BINDINGS if b.id == "dialog.cancel"]

    def __init__(self, title: str, default: str = "") -> None:
        super().__init__(classes="dialog")
        self._title = title
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Input(value=self._default, placeholder="path/to/file", id="path-input")
            yield Label("enter ok · ctrl+u clear · esc cancel", classes="dialog-keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        self.dismiss(path or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
