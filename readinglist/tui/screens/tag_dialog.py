"""Ask for tags to add or remove, completing names already in the library."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label

from ..bindings import DIALOG_BINDINGS

_SEPARATORS = re.compile(r"[,\s]+")


def split_tags(text: str) -> list[str]:
    """``"kd, vision  nlp"`` → ``["kd", "vision", "nlp"]``."""
    return [t for t in _SEPARATORS.split(text) if t]


class TagSuggester(Suggester):
    """Completes the last word typed against known tags (case-insensitive)."""

    def __init__(self, tags: Sequence[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._tags = sorted(tags, key=str.casefold)

    async def get_suggestion(self, value: str) -> str | None:
        match = re.search(r"[^,\s]*$", value)
        word = match.group(0) if match else ""
        if not word:
            return None
        folded = word.casefold()
        for tag in self._tags:
            if tag.casefold().startswith(folded) and tag.casefold() != folded:
                return value[: len(value) - len(word)] + tag
        return None


class TagDialog(ModalScreen[list[str] | None]):
    """Returns the tags typed (split on commas/spaces), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        b for b in DIALOG_BINDINGS if b.id in ("dialog.cancel", "dialog.complete")
    ]

    def __init__(self, title: str, known_tags: Sequence[str]) -> None:
        super().__init__(classes="dialog")
        self._title = title
        self._known = list(known_tags)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self._title, classes="dialog-title")
            yield Input(
                placeholder="tag, another-tag",
                suggester=TagSuggester(self._known),
                id="tag-input",
            )
            hint = ", ".join(self._known[:30]) + (" …" if len(self._known) > 30 else "")
            yield Label(
                f"Known: {hint}" if hint else "No tags yet.", classes="dialog-hint", markup=False
            )
            yield Label("enter apply · tab/→ complete · esc cancel", classes="dialog-keys")

    def action_complete(self) -> None:
        field = self.query_one(Input)
        if field._suggestion:
            field.value = field._suggestion
            field.cursor_position = len(field.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        tags = split_tags(event.value)
        self.dismiss(tags or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
