"""Edit a paper's note: escape saves, throwing changes away is a separate, confirmed key."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from ...core.errors import ReadinglistError
from ..bindings import NOTE_BINDINGS, key_hint, keymap_of
from ..editor import suspended
from .confirm import ConfirmDialog


class NoteDialog(ModalScreen[str | None]):
    """Returns the note as it stands when closed (escape or ``ctrl+s``), or None when
    the user chose to discard the changes (``ctrl+g``, then confirmed)."""

    BINDINGS: ClassVar[list[BindingType]] = list(NOTE_BINDINGS)

    def __init__(self, title: str, note: str) -> None:
        super().__init__(classes="dialog")
        self._title = title
        self._note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box note-box"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield TextArea(self._note, id="note-editor", soft_wrap=True)
            yield Label(
                key_hint(NOTE_BINDINGS, keymap_of(self.app)), classes="dialog-keys", markup=False
            )

    @property
    def editor(self) -> TextArea:
        return self.query_one(TextArea)

    def on_mount(self) -> None:
        self.editor.move_cursor(self.editor.document.end)

    def action_save(self) -> None:
        self.dismiss(self.editor.text)

    @work(group="dialog")
    async def action_discard(self) -> None:
        if self.editor.text != self._note:
            question = ConfirmDialog("Discard the changes to this note?")
            if not await self.app.push_screen_wait(question):
                return
        self.dismiss(None)

    def action_external_editor(self) -> None:
        """The note in ``$EDITOR`` (the app suspends); what it saves comes back here,
        where escape keeps it as usual."""
        from ...core.editform import run_editor

        try:
            with suspended(self.app):
                text = run_editor(self.editor.text, suffix=".md")
        except ReadinglistError as exc:
            self.notify(str(exc), severity="error", timeout=8, markup=False)
            return
        if text is None:
            self.notify("The editor exited with an error: the note is as it was.")
            return
        if text.endswith("\n") and not self.editor.text.endswith("\n"):
            text = text[:-1]  # the newline editors add on save
        self.editor.load_text(text)
        self.editor.move_cursor(self.editor.document.end)
