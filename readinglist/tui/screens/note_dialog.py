"""Edit a paper's note in a multi-line editor."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea


class NoteDialog(ModalScreen[str | None]):
    """Returns the new note on ``ctrl+s``, or None on escape (nothing changes)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="note.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, title: str, note: str) -> None:
        super().__init__(classes="dialog")
        self._title = title
        self._note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box note-box"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield TextArea(self._note, id="note-editor", soft_wrap=True)
            yield Label("ctrl+s save · esc cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        editor = self.query_one(TextArea)
        editor.move_cursor(editor.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
