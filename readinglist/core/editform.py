"""Editing a paper as BibTeX text in the user's editor (``E`` in the TUI; meant for
``readinglist edit KEY`` too, so both show the same form).

The form is the paper's own export (Unicode kept, so accents read as letters). What
comes back is read with the BibTeX importer, and only the fields the user changed
become a :class:`~readinglist.core.changes.Change`: the form is read back both as it
was written and as edited, and the two readings are compared, so a field the user did
not touch never changes even where export and import are not exact inverses. The
change is then applied like any other, under the library lock to the paper as it is
on disk by then.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .bibtex import export_bibtex
from .changes import Change
from .errors import ReadinglistError
from .importers.bibtex import parse_bibtex
from .model import Paper

__all__ = ["FORM_FIELDS", "editor_command", "form_change", "paper_form", "run_editor"]

# Paper attributes the form can change (tags go through ``keywords``; every other
# BibTeX field through ``extra``).
FORM_FIELDS: tuple[str, ...] = (
    "entry_type", "title", "authors", "abstract", "year", "venue", "doi", "arxiv", "url",
)  # fmt: skip

_HEADER = (
    "% Edit the entry, save and quit. Fields you leave alone stay as they are.\n"
    "% The citation key cannot change here (readinglist rekey OLD NEW does that).\n"
    "% Tags are the keywords field. Empty the file to cancel.\n\n"
)


def paper_form(paper: Paper) -> str:
    """The text the editor opens: a short header comment and the paper's entry."""
    return _HEADER + export_bibtex([paper], unicode=True)


def _one_paper(text: str, what: str) -> Paper:
    result = parse_bibtex(text)
    if result.failures:
        raise ReadinglistError(f"the {what} entry cannot be read: {result.failures[0]}")
    if len(result.papers) != 1:
        raise ReadinglistError(
            f"the {what} text holds {len(result.papers)} entries; expected exactly one"
        )
    return result.papers[0]


def form_change(form: str, edited: str) -> Change | None:
    """The change from ``form`` (as :func:`paper_form` made it) to ``edited``; None
    when the user emptied the text (cancel). Raises :class:`ReadinglistError` when
    the edited text is not one readable entry, or its key was changed."""
    if not edited.strip():
        return None
    before = _one_paper(form, "original")
    after = _one_paper(edited, "edited")
    if after.key != before.key:
        raise ReadinglistError(
            f"the citation key cannot be changed here ({before.key} → {after.key}); "
            "use readinglist rekey"
        )
    fields: dict[str, Any] = {
        name: getattr(after, name)
        for name in FORM_FIELDS
        if getattr(after, name) != getattr(before, name)
    }
    old_tags = {t.casefold() for t in before.tags}
    new_tags = {t.casefold() for t in after.tags}
    add = tuple(t for t in after.tags if t.casefold() not in old_tags)
    remove = tuple(t for t in before.tags if t.casefold() not in new_tags)
    extra = {
        name: after.extra.get(name)
        for name in sorted(before.extra.keys() | after.extra.keys())
        if before.extra.get(name) != after.extra.get(name)
    }
    return Change(add_tags=add, remove_tags=remove, fields=fields, extra=extra)


def editor_command() -> list[str]:
    """``$VISUAL``, else ``$EDITOR``, else ``vi``, split as a shell would."""
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return shlex.split(command)


def run_editor(text: str, *, name: str = "readinglist.txt") -> str:
    """Open ``text`` in the user's editor as a file called ``name`` (its suffix picks
    the editor's syntax mode) and return what was saved. The caller gives the editor
    the terminal (the TUI suspends itself)."""
    command = editor_command()
    with tempfile.TemporaryDirectory(prefix="readinglist-") as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        try:
            done = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            raise ReadinglistError(
                f"cannot start the editor {shlex.join(command)}: {exc.strerror or exc} "
                "(set $EDITOR)"
            ) from None
        if done.returncode != 0:
            raise ReadinglistError(
                f"the editor exited with status {done.returncode}; nothing was changed"
            )
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ReadinglistError("the edited file is not UTF-8; nothing was changed") from None
