"""Ask for arXiv ids, DOIs or URLs to add (the palette's "Add papers by id")."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from ...core.services import IdentifierError, parse_identifier
from ..bindings import DIALOG_BINDINGS


class AddByIdDialog(ModalScreen[list[str] | None]):
    """Returns the identifiers typed (separated by spaces), or None when
    cancelled. Each is checked locally first: one that is not an id stays in the box
    with the reason, so a typo never costs a request."""

    BINDINGS: ClassVar[list[BindingType]] = [b for b in DIALOG_BINDINGS if b.id == "dialog.cancel"]

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label("Add papers by arXiv id, DOI or URL", classes="dialog-title")
            yield Input(placeholder="arXiv:2403.01123 10.1371/… https://arxiv.org/abs/…", id="ids")
            yield Label("", id="id-problem", classes="dialog-hint", markup=False)
            yield Label("enter add · esc cancel", classes="dialog-keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        ids = event.value.split()  # a trailing comma is dropped by the parser
        if not ids:
            self.dismiss(None)
            return
        for text in ids:
            try:
                parse_identifier(text)
            except IdentifierError as exc:
                self.query_one("#id-problem", Label).update(str(exc))
                return
        self.dismiss(ids)

    def action_cancel(self) -> None:
        self.dismiss(None)
