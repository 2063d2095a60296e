"""Every key binding of the TUI in one place, each with a stable id.

The ids are what ``[keymap]`` in ``config.toml`` refers to; the help screen, the
command palette and the README's key table are generated from / checked against
these same lists, so a key is written once. A binding id may appear on several
screens (the paper keys work in the list and in the detail view): a remap applies
wherever it appears.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from textual.binding import Binding

from .widgets.paper_list import PaperList

APP_BINDINGS: list[Binding] = [
    Binding("question_mark", "help", "Help", id="app.help"),
    # Not in the footer's key list: the footer shows the palette key on its own.
    Binding("ctrl+p", "command_palette", "Commands", show=False, id="app.palette", priority=True),
]

# The main screen: searching, marking, the layout.
MAIN_BINDINGS: list[Binding] = [
    Binding("slash", "focus_search", "Search", id="search.focus"),
    Binding("escape", "escape", "Back / clear search", show=False, id="search.escape"),
    Binding("a", "mark_all", "Mark all shown", show=False, id="paper.mark_all"),
    Binding("A", "clear_marks", "Clear marks", show=False, id="paper.clear_marks"),
    Binding("ctrl+b", "toggle_sidebar", "Sidebar", show=False, id="view.sidebar"),
    Binding("c", "choose_columns", "Columns", show=False, id="view.columns"),
    Binding("i", "import_file", "Import", show=False, id="library.import"),
    Binding("q", "app.quit", "Quit", id="app.quit"),
]

# Keys that act on papers: the marked ones or the one under the cursor in the list,
# the shown one in the detail view.
_RATE = "Rate 1–5 stars"
PAPER_BINDINGS: list[Binding] = [
    Binding("t", "add_tags", "Tag", id="paper.tag"),
    Binding("T", "remove_tags", "Untag", show=False, id="paper.untag"),
    Binding("s", "cycle_status", "Status", id="paper.status"),
    Binding("x", "skip", "Skip", id="paper.skip"),
    Binding("1", "rate(1)", _RATE, show=False, id="paper.rate1"),
    Binding("2", "rate(2)", _RATE, show=False, id="paper.rate2"),
    Binding("3", "rate(3)", _RATE, show=False, id="paper.rate3"),
    Binding("4", "rate(4)", _RATE, show=False, id="paper.rate4"),
    Binding("5", "rate(5)", _RATE, show=False, id="paper.rate5"),
    Binding("0", "rate(0)", "Clear the rating", show=False, id="paper.unrate"),
    Binding("p", "cycle_priority", "Priority 1 → 2 → 3 → none", show=False, id="paper.priority"),
    Binding("n", "edit_note", "Note", id="paper.note"),
    Binding("E", "edit_entry", "Edit as BibTeX in $EDITOR", show=False, id="paper.edit"),
    Binding("e", "export", "Export", id="paper.export"),
    Binding("y", "copy_keys", "Copy keys", show=False, id="paper.copy_keys"),
    Binding("o", "open_link", "Open link", show=False, id="paper.open"),
    Binding("d", "delete", "Delete", show=False, id="paper.delete"),
    Binding("u", "undo", "Undo", show=False, id="paper.undo"),
    Binding("r", "resolve", "Resolve authors, year, arXiv id", show=False, id="paper.resolve"),
]

DETAIL_BINDINGS: list[Binding] = [
    Binding("j", "step(1)", "Next paper", id="detail.next"),
    Binding("k", "step(-1)", "Previous paper", id="detail.previous"),
    Binding("escape,enter,q", "close", "Back", id="detail.close"),
]

NOTE_BINDINGS: list[Binding] = [
    Binding("escape", "save", "Save and close", id="note.save", priority=True),
    Binding("ctrl+s", "save", "Save and close", show=False, id="note.save_key", priority=True),
    Binding("ctrl+e", "external_editor", "Edit in $EDITOR", id="note.editor", priority=True),
    Binding("ctrl+g", "discard", "Discard changes…", id="note.discard", priority=True),
]

EXPORT_CHOICE_BINDINGS: list[Binding] = [
    Binding("u", "choose('update')", "Update the file", id="export.update"),
    Binding("o", "choose('overwrite')", "Overwrite the file", id="export.overwrite"),
    Binding("escape", "choose('cancel')", "Cancel", id="export.cancel"),
]

DIALOG_BINDINGS: list[Binding] = [
    Binding("y", "answer(True)", "Yes", id="dialog.yes"),
    Binding("n,escape", "answer(False)", "No", id="dialog.no"),
    Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    Binding("tab", "complete", "Complete a tag", show=False, id="dialog.complete"),
    Binding("escape,question_mark,q", "close", "Close help", id="help.close"),
]

LIST_BINDINGS: list[Binding] = [b for b in PaperList.BINDINGS if isinstance(b, Binding)]


@dataclass(frozen=True, slots=True)
class Section:
    """A group of bindings in the help screen; ``where`` says which object runs them
    (the palette needs it): ``app``, ``list``, ``main``, ``paper``, or ``dialog``."""

    title: str
    bindings: tuple[Binding, ...]
    where: str


SECTIONS: tuple[Section, ...] = (
    Section("Move", tuple(LIST_BINDINGS), "list"),
    Section("Papers", tuple(PAPER_BINDINGS), "paper"),
    Section("Search and view", tuple(MAIN_BINDINGS), "main"),
    Section("Detail view", tuple(DETAIL_BINDINGS), "detail"),
    Section("Note editor", tuple(NOTE_BINDINGS), "dialog"),
    Section("Export onto an existing file", tuple(EXPORT_CHOICE_BINDINGS), "dialog"),
    Section("Dialogs", tuple(DIALOG_BINDINGS), "dialog"),
    Section("App", tuple(APP_BINDINGS), "app"),
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
    return {b.id for section in SECTIONS for b in section.bindings if b.id}


def display_keys(keys: str) -> str:
    """``j,down`` → ``j ↓``-style text a person reads in the help screen."""
    arrows = {"down": "↓", "up": "↑", "left": "←", "right": "→"}
    names = [KEY_NAMES.get(k.strip(), arrows.get(k.strip(), k.strip())) for k in keys.split(",")]
    return " ".join(names)


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One row of the help screen (consecutive bindings that do the same thing with
    different keys, such as ``1``–``5``, share a row)."""

    section: str
    where: str
    keys: str
    description: str
    action: str
    binding_id: str


def describe_bindings(keymap: Mapping[str, str], *, merge: bool = True) -> list[KeyHelp]:
    """The effective keys (defaults overridden by ``keymap``), in help-screen order;
    ``merge`` puts consecutive bindings that share a description on one row."""
    rows: list[KeyHelp] = []
    for section in SECTIONS:
        for binding in section.bindings:
            keys = display_keys(keymap.get(binding.id or "", binding.key))
            previous = rows[-1] if rows else None
            if (
                merge
                and previous is not None
                and previous.section == section.title
                and previous.description == binding.description
            ):
                rows[-1] = KeyHelp(
                    section.title,
                    section.where,
                    f"{previous.keys} {keys}",
                    binding.description,
                    previous.action,
                    f"{previous.binding_id} {binding.id}",
                )
                continue
            rows.append(
                KeyHelp(
                    section.title,
                    section.where,
                    keys,
                    binding.description,
                    binding.action,
                    binding.id or "",
                )
            )
    return rows


def unknown_keymap_ids(keymap: Mapping[str, str]) -> list[str]:
    known = binding_ids()
    return sorted(k for k in keymap if k not in known)


MARKS_RULE = (
    "Keys that act on papers use the marked papers shown in the list, else the paper "
    "under the cursor. A change to marked papers (tag, untag, status, skip, rating, "
    "priority, delete) clears the marks afterwards, so the next key acts on the "
    "paper under the cursor again; export (e), copy (y) and resolve (r) keep them "
    "(papers left for review stay marked). The count at "
    "the top right says how many are marked."
)


def key_hint(bindings: Sequence[Binding], keymap: Mapping[str, str]) -> str:
    """The key line under a dialog (``esc save and close · ctrl+e edit in $EDITOR``),
    from the same bindings and keymap as everything else."""
    parts: list[tuple[str, str]] = []
    for binding in bindings:
        keys = display_keys(keymap.get(binding.id or "", binding.key))
        if parts and parts[-1][1] == binding.description:
            parts[-1] = (f"{parts[-1][0]}/{keys}", binding.description)
        else:
            parts.append((keys, binding.description))
    return " · ".join(f"{keys} {what[:1].lower()}{what[1:]}" for keys, what in parts)


def keymap_of(app: object) -> Mapping[str, str]:
    """The user's keymap, for apps that have settings (the picker has none)."""
    settings = getattr(app, "settings", None)
    keymap = getattr(settings, "keymap", None)
    return keymap if isinstance(keymap, Mapping) else {}
