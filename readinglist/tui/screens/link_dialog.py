"""Choose which of a paper's links to open."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ...core.links import Link
from ..bindings import DIALOG_BINDINGS, key_hint, keymap_of

_CANCEL = next(b for b in DIALOG_BINDINGS if b.id == "dialog.cancel")


class LinkDialog(ModalScreen[str | None]):
    """Returns the chosen URL (enter, or the link's number), or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        _CANCEL,
        *(Binding(str(n), f"pick({n - 1})", show=False) for n in range(1, 10)),
    ]

    def __init__(self, key: str, links: Sequence[Link]) -> None:
        super().__init__(classes="dialog")
        self._key = key
        self._links = list(links)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(f"Open a link of {self._key}", classes="dialog-title", markup=False)
            options = []
            for n, link in enumerate(self._links, 1):
                label = Text(f"{n}  ")
                label.append(f"{link.kind:<6} ", style="bold")
                label.append(link.url)
                options.append(Option(label, id=str(n - 1)))
            yield OptionList(*options, id="links")
            yield Label(
                "enter or 1–9 open · " + key_hint([_CANCEL], keymap_of(self.app)),
                classes="dialog-keys",
                markup=False,
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_pick(int(event.option.id or 0))

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self._links):
            self.dismiss(self._links[index].url)

    def action_cancel(self) -> None:
        self.dismiss(None)
