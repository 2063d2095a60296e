"""Undo as a stack of inverse operations on the library.

Each change the TUI makes records how to take it back with the library's own calls:
``update(before)`` for edits, ``restore(deleted)`` for deletions, and
``delete(added)`` plus ``update(before)`` for imports.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.library import Library
from ..core.model import Paper

UNDO_DEPTH = 100


@dataclass(frozen=True, slots=True)
class UndoStep:
    """How to take back one change; ``label`` says what it was ("tag 3 papers")."""

    label: str
    before: tuple[Paper, ...] = ()
    deleted: tuple[Paper, ...] = ()
    added_ids: tuple[str, ...] = ()

    def apply(self, library: Library) -> None:
        """Run the inverse operations (disk I/O: call from a worker thread)."""
        if self.added_ids:
            library.delete(self.added_ids)
        if self.before:
            still_there = [p for p in self.before if library.get(p.id) is not None]
            library.update(still_there)
        if self.deleted:
            library.restore(self.deleted)


class UndoStack:
    """Bounded: the oldest steps fall off after :data:`UNDO_DEPTH` changes."""

    def __init__(self) -> None:
        self._steps: list[UndoStep] = []

    def __len__(self) -> int:
        return len(self._steps)

    def push(self, step: UndoStep) -> None:
        self._steps.append(step)
        del self._steps[:-UNDO_DEPTH]

    def pop(self) -> UndoStep | None:
        return self._steps.pop() if self._steps else None
