"""Every key binding of the TUI in one place, each with a stable id.

The ids are what ``[keymap]`` in ``config.toml`` refers to; the help screen and the
command palette are generated from these same lists, so a key is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding

from .widgets.paper_list import PaperList

APP_BINDINGS: list[Binding] = [
    Binding("question_mark", "help", "Help", id="app.help"),
    Binding("ctrl+p", "command_palette", "Commands", id="app.palette", priority=True),
]

SCREEN_BINDINGS: list[Binding] = [
    Binding("slash", "focus_search", "Search", id="search.focus"),
    Binding("escape", "escape", "Back / clear search", show=False, id="search.escape"),
    Binding("a", "mark_all", "Mark all shown", show=False, id="paper.mark_all"),
    Binding("A", "clear_marks", "Clear marks", show=False, id="paper.clear_marks"),
    Binding("t", "add_tags", "Tag", id="paper.tag"),
    Binding("T", "remove_tags", "Untag", show=False, id="paper.untag"),
    Binding("s", "cycle_status", "Status", id="paper.status"),
    Binding("n", "edit_note", "Note", id="paper.note"),
    Binding("e", "export", "Export", id="paper.export"),
    Binding("y", "copy_keys", "Copy keys", show=False, id="paper.copy_keys"),
    Binding("o", "open_link", "Open link", show=False, id="paper.open"),
    Binding("d", "delete", "Delete", show=False, id="paper.delete"),
    Binding("u", "undo", "Undo", show=False, id="paper.undo"),
    Binding("i", "import_file", "Import", show=False, id="library.import"),
    Binding("q", "app.quit", "Quit", id="app.quit"),
]

LIST_BINDINGS: list[Binding] = [b for b in PaperList.BINDINGS if isinstance(b, Binding)]

SECTIONS: tuple[tuple[str, list[Binding]], ...] = (
    ("Move", LIST_BINDINGS),
    ("Papers", SCREEN_BINDINGS),
    ("App", APP_BINDINGS),
)

KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "space": "space",
    "escape": "esc",
    "pagedown": "PgDn",
    "pageup": "PgUp",
}


def binding_ids() -> set[str]:
    return {b.id for _, group in SECTIONS for b in group if b.id}


def display_keys(keys: str) -> str:
    """``j,down`` → ``j ↓``-style text a person reads in the help screen."""
    arrows = {"down": "↓", "up": "↑", "left": "←", "right": "→"}
    names = [KEY_NAMES.get(k, arrows.get(k, k)) for k in keys.split(",")]
    return " ".join(n.strip() for n in names)


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One row of the help screen."""

    section: str
    keys: str
    description: str
    action: str
    binding_id: str


def describe_bindings(keymap: Mapping[str, str]) -> list[KeyHelp]:
    """The effective keys (defaults overridden by ``keymap``), in help-screen order."""
    rows: list[KeyHelp] = []
    for section, group in SECTIONS:
        for binding in group:
            keys = keymap.get(binding.id or "", binding.key)
            rows.append(
                KeyHelp(
                    section,
                    display_keys(keys),
                    binding.description,
                    binding.action,
                    binding.id or "",
                )
            )
    return rows


def unknown_keymap_ids(keymap: Mapping[str, str]) -> list[str]:
    known = binding_ids()
    return sorted(k for k in keymap if k not in known)
