"""Export onto a file that exists: update it, overwrite it, or cancel."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from ...core.bibupdate import ExistingBib
from ..bindings import EXPORT_CHOICE_BINDINGS, display_keys, keymap_of


def _entries(n: int) -> str:
    return f"{n} entry" if n == 1 else f"{n} entries"


class ExportChoice(ModalScreen[str]):
    """Returns ``"update"``, ``"overwrite"`` or ``"cancel"``."""

    BINDINGS: ClassVar[list[BindingType]] = list(EXPORT_CHOICE_BINDINGS)

    def __init__(self, path: Path, found: ExistingBib, papers: int) -> None:
        super().__init__(classes="dialog")
        self._path = path
        self._found = found
        self._papers = papers

    def compose(self) -> ComposeResult:
        same = len(self._found.same_keys)
        new = self._papers - same
        keys = {b.id: display_keys(keymap_of(self.app).get(b.id or "", b.key))
                for b in EXPORT_CHOICE_BINDINGS}  # fmt: skip
        with Vertical(classes="dialog-box"):
            yield Label(f"{self._path} exists", classes="dialog-title", markup=False)
            yield Label(self._explanation(same, new), classes="dialog-hint", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"Update ({keys['export.update']})", variant="primary", id="update")
                yield Button(
                    f"Overwrite ({keys['export.overwrite']})", variant="error", id="overwrite"
                )
                yield Button(f"Cancel ({keys['export.cancel']})", id="cancel")

    def _explanation(self, same: int, new: int) -> str:
        found = self._found
        holds = f"It holds {_entries(found.entries)}. "
        if same == 0:
            update = (
                f"None of the {self._papers} exported is in it: Update adds "
                f"{'it' if self._papers == 1 else 'them'} at the end"
            )
        elif new == 0:
            update = f"Update replaces the {same} with the same keys"
        else:
            update = f"Update replaces the {same} with the same keys and adds {new} new"
        return (
            holds + update + ", keeping every other entry exactly as written. Overwrite "
            f"replaces the whole file with the {self._papers} exported. "
            "Undo (u) restores the file either way."
        )

    def on_mount(self) -> None:
        self.query_one("#update", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
