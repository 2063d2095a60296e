"""``edit``: a paper as BibTeX in ``$VISUAL``/``$EDITOR``, or ``--set FIELD=VALUE``.

The entry is written by the exporter and read back by the importer; what is saved
is a :class:`~readinglist.core.changes.Change` of the fields whose parsed value
differs between the entry as written and as edited. Comparing two parses of the
same writer's output, rather than the edited entry with the stored paper, means
a field the user did not touch is never set, so it keeps its raw ``.bib`` text.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any

import click

from .base import EXIT_NO_MATCH, EXIT_OK
from .common import Env, interactive, pass_env, warn
from .complete import complete_keys

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..core.changes import Change
    from ..core.model import BibFile, Paper

_FIELD_NAME = re.compile(r"[A-Za-z][\w\-:.+]*")


def _edit_interactively(paper: Paper, bibfiles: Mapping[str, BibFile]) -> Change | None:
    """Open the entry until it parses (on a terminal), or fail with EditError (no
    terminal). None when the user cancelled: the editor failed, the file was emptied, or
    an entry reopened with its error was saved unchanged."""
    from ..core.editform import (
        EditError,
        change_between,
        entry_text,
        parse_entry,
        run_editor,
        with_error,
        without_error_lines,
    )

    written_text = entry_text(paper, bibfiles)
    written = parse_entry(written_text)
    text = written_text
    while True:
        edited_text = run_editor(text, suffix=".bib")
        if edited_text is None or not without_error_lines(edited_text).strip():
            return None
        if text != written_text and edited_text == text:
            return None  # reopened with the error and left as it was: the user gave up
        try:
            return change_between(written, parse_entry(without_error_lines(edited_text)))
        except EditError as exc:
            if not interactive():
                raise
            warn(f"{exc}; opening the entry again (empty the file to cancel)")
            text = with_error(edited_text, str(exc))


# -- --set FIELD=VALUE -----------------------------------------------------------------
_ATTRIBUTE_NAMES = {
    "title": "title",
    "author": "authors",
    "authors": "authors",
    "abstract": "abstract",
    "year": "year",
    "venue": "venue",
    "journal": "venue",
    "booktitle": "venue",
    "doi": "doi",
    "arxiv": "arxiv",
    "eprint": "arxiv",
    "url": "url",
    "code": "code_url",
    "code_url": "code_url",
    "type": "entry_type",
    "entry_type": "entry_type",
    "status": "status",
    "rating": "rating",
    "priority": "priority",
    "notes": "notes",
}
_NUMBERS = ("year", "rating", "priority")


def change_from_assignments(assignments: tuple[str, ...]) -> Change:
    """``title=New title``, ``year=2021``, ``pages=1--10`` (any other BibTeX field;
    an empty value removes it) as one change."""
    from ..core.changes import Change

    fields: dict[str, Any] = {}
    extra: dict[str, str | None] = {}
    for assignment in assignments:
        name, equals, value = assignment.partition("=")
        name = name.strip().lower()
        if not equals or not name:
            raise click.UsageError(f"--set wants FIELD=VALUE, not {assignment!r}")
        if name == "key":
            raise click.UsageError("the key is renamed with 'readinglist rekey OLD NEW'")
        if name in ("tags", "keywords"):
            raise click.UsageError("tags are changed with 'readinglist tag'")
        attribute = _ATTRIBUTE_NAMES.get(name)
        if attribute is None:
            if not _FIELD_NAME.fullmatch(name):
                raise click.UsageError(f"{name!r} is not a BibTeX field name")
            extra[name] = value if value else None
        elif attribute in _NUMBERS:
            if value.strip() and not value.strip().isdigit():
                raise click.UsageError(f"{name} must be a whole number, not {value!r}")
            fields[attribute] = int(value) if value.strip() else None
        elif attribute == "authors":
            fields[attribute] = tuple(a.strip() for a in value.split(" and ") if a.strip())
        else:
            fields[attribute] = value.strip() if attribute != "notes" else value
    try:
        return Change(fields=fields, extra=extra)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@click.command("edit")
@click.argument("key", shell_complete=complete_keys)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Set a field without an editor (repeatable; an empty VALUE clears it).",
)
@pass_env
def cmd_edit(env: Env, key: str, assignments: tuple[str, ...]) -> int:
    """Edit a paper as BibTeX in $VISUAL or $EDITOR.

    Only the fields you change are saved. --set FIELD=VALUE changes fields
    without an editor.
    """
    paper = env.paper(key)
    if assignments:
        change = change_from_assignments(assignments)
    else:
        from ..core.editform import EditError

        try:
            found = _edit_interactively(paper, env.library().bibfiles)
        except EditError as exc:
            raise click.UsageError(f"edit {paper.key}: {exc}; nothing changed") from None
        if found is None:
            warn(f"edit {paper.key} cancelled; nothing changed")
            return EXIT_NO_MATCH
        change = found
    changed = env.library().edit([paper.id], change, label=f"edit {paper.key}")
    if changed:
        names = [*(f"+{t}" for t in change.add_tags), *(f"-{t}" for t in change.remove_tags)]
        names += [*change.fields, *change.extra]
        print(f"{paper.key}: changed {', '.join(names)}", file=sys.stderr)
    else:
        print(f"{paper.key}: nothing changed", file=sys.stderr)
    return EXIT_OK
