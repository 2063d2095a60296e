"""Editing a paper as BibTeX text in the user's editor: ``E`` in the TUI, and the
form ``readinglist edit KEY`` opens (one module, so both show and read the same).

The entry is written by the exporter and read back by the importer; what is saved
is a :class:`~readinglist.core.changes.Change` of the fields whose parsed value
differs between the entry as written and as edited. Comparing two parses of the
same writer's output, rather than the edited entry with the stored paper, means a
field the user did not touch is never set, so it keeps its raw ``.bib`` text. The
change is then applied like any other, under the library lock to the paper as it is
on disk by then.

An entry that cannot be saved is reopened with the reason in comment lines at the
top (:func:`with_error`); those lines are ignored when it is read again.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .changes import Change
from .errors import ReadinglistError
from .model import BibFile, Paper

__all__ = [
    "ERROR_MARK",
    "EditError",
    "change_between",
    "editor_command",
    "entry_text",
    "form_change",
    "parse_entry",
    "run_editor",
    "with_error",
    "without_error_lines",
]

# Paper attributes an edited entry can change (the key is renamed with ``rekey``;
# tags are the ``keywords`` field; every other field goes through ``extra``).
EDITABLE: tuple[str, ...] = (
    "entry_type", "title", "authors", "year", "venue", "doi", "arxiv", "url", "abstract",
)  # fmt: skip
ERROR_MARK = "% readinglist: "


class EditError(ReadinglistError):
    """The edited entry cannot be saved; the message says why."""


def entry_text(paper: Paper, bibfiles: Mapping[str, BibFile] | None = None) -> str:
    """The text the editor opens: the paper's entry as an export writes it, with the
    ``@string`` macros and preambles it uses (so that it reads back alike)."""
    from .bibtex import export_bibtex

    return export_bibtex([paper], bibfiles=bibfiles)


def parse_entry(text: str) -> Paper:
    """The one entry of ``text``; :class:`EditError` when there is not exactly one
    readable entry."""
    from .importers.bibtex import parse_bibtex

    result = parse_bibtex(text)
    if result.failures:
        raise EditError(f"the entry does not parse: {str(result.failures[0]).rstrip('.')}")
    if len(result.papers) != 1:
        raise EditError(f"expected one entry, found {len(result.papers)}")
    return result.papers[0]


def change_between(written: Paper, edited: Paper) -> Change:
    """The change that turns what was written into what was saved, field by field."""
    if edited.key != written.key:
        raise EditError(
            f"the key cannot be changed here (use 'readinglist rekey {written.key} {edited.key}')"
        )
    year = edited.extra.get("year")
    if year is not None and year != written.extra.get("year"):
        raise EditError(f"year {year!r} is not a year")
    fields = {
        name: getattr(edited, name)
        for name in EDITABLE
        if getattr(edited, name) != getattr(written, name)
    }
    before = {t.casefold() for t in written.tags}
    after = {t.casefold() for t in edited.tags}
    extra: dict[str, str | None] = {
        name: edited.extra.get(name)
        for name in sorted(written.extra.keys() | edited.extra.keys())
        if written.extra.get(name) != edited.extra.get(name)
    }
    try:
        return Change(
            add_tags=tuple(t for t in edited.tags if t.casefold() not in before),
            remove_tags=tuple(t for t in written.tags if t.casefold() not in after),
            fields=fields,
            extra=extra,
        )
    except ValueError as exc:
        raise EditError(str(exc)) from None


def without_error_lines(text: str) -> str:
    return "".join(line for line in text.splitlines(True) if not line.startswith(ERROR_MARK))


def with_error(text: str, message: str) -> str:
    """``text`` to reopen, with why it could not be saved at the top."""
    return (
        f"{ERROR_MARK}{message}\n"
        f"{ERROR_MARK}fix the entry and save; empty the file to cancel\n"
        + without_error_lines(text)
    )


def form_change(written_text: str, edited_text: str) -> Change | None:
    """The change from ``written_text`` (:func:`entry_text`) to ``edited_text``; None
    when the user emptied the file (cancel). Raises :class:`EditError`."""
    edited_text = without_error_lines(edited_text)
    if not edited_text.strip():
        return None
    return change_between(parse_entry(written_text), parse_entry(edited_text))


def editor_command() -> str:
    return os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"


def run_editor(text: str, *, suffix: str = ".bib") -> str | None:
    """Let the user edit ``text`` in their editor (the caller hands over the
    terminal); what was saved, or None when the editor exited with an error (``:cq``
    in vim). :class:`EditError` when it cannot be started at all."""
    with tempfile.TemporaryDirectory(prefix="readinglist-") as tmp:
        path = Path(tmp) / f"edit{suffix}"
        path.write_text(text, encoding="utf-8")
        editor = editor_command()
        try:
            # Through the shell, as git does: EDITOR may carry options ("code --wait").
            done = subprocess.run(["/bin/sh", "-c", f'{editor} "$@"', editor, str(path)])
        except OSError as exc:
            raise EditError(f"cannot run the editor {editor!r}: {exc.strerror or exc}") from None
        if done.returncode == 127:
            raise EditError(f"cannot run the editor {editor!r} (set $VISUAL or $EDITOR)")
        if done.returncode != 0:
            return None
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise EditError("the edited file is not UTF-8") from None
