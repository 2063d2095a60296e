"""What the main screen and the detail view share: the paper keys and error reports.

Each key is a one-line action that hands over to :class:`PaperActions`; the screen
itself only says which papers a key applies to (:meth:`PaperScreen.selection`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from ...core.config import Settings
from ...core.errors import ReadinglistError
from ...core.library import Library
from ..bindings import PAPER_BINDINGS
from ..edits import PaperActions, PapersChanged, Selection
from ..lookups import ServiceActions


class PaperScreen(Screen[None]):
    """A screen whose keys act on papers."""

    BINDINGS: ClassVar[list[BindingType]] = list(PAPER_BINDINGS)

    def __init__(self, library: Library, settings: Settings) -> None:
        super().__init__()
        self.library = library
        self.settings = settings
        self.actions = PaperActions(self, library, settings)
        self.lookups = ServiceActions(
            self,
            library,
            settings,
            changed=lambda: self.app.post_message(PapersChanged()),
            progress=self.show_progress,
        )

    # -- what a subclass says --------------------------------------------------------
    def selection(self) -> Selection:
        raise NotImplementedError

    def advance(self) -> None:
        """Move on to the next paper (after ``x``)."""

    def marks_used(self, ids: Sequence[str]) -> None:
        """A change was applied to these marked papers."""

    def papers_changed(self) -> None:
        """The library changed: show what it holds now."""

    def show_progress(self, state: tuple[int, int] | None) -> None:
        """A lookup's progress ``(done, total)``, or None when it is over."""

    # -- the paper keys ----------------------------------------------------------------
    def action_add_tags(self) -> None:
        self.actions.add_tags()

    def action_remove_tags(self) -> None:
        self.actions.remove_tags()

    def action_cycle_status(self) -> None:
        self.actions.cycle_status()

    def action_skip(self) -> None:
        self.actions.skip()

    def action_rate(self, stars: int) -> None:
        self.actions.rate(stars)

    def action_cycle_priority(self) -> None:
        self.actions.cycle_priority()

    def action_edit_note(self) -> None:
        self.actions.edit_note()

    def action_edit_entry(self) -> None:
        self.actions.edit_entry()

    def action_export(self) -> None:
        self.actions.export()

    def action_copy_keys(self) -> None:
        self.actions.copy_keys()

    def action_open_link(self) -> None:
        self.actions.open_link()

    def action_delete(self) -> None:
        self.actions.delete()

    def action_undo(self) -> None:
        self.actions.undo()

    def action_resolve(self) -> None:
        papers = self.selection().papers
        if not papers:
            self.notify("No paper selected.", severity="warning", markup=False)
            return
        self.lookups.resolve(papers)

    def action_add_by_id(self) -> None:
        self.lookups.add_by_id()

    # -- errors from workers become notifications -------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, ReadinglistError):
            self.notify(str(error), severity="error", timeout=8, markup=False)
        else:
            self.log.error(repr(error))
            message = f"Unexpected error: {error!r}"
            self.notify(message, title="Bug", severity="error", timeout=10, markup=False)
