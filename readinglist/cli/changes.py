"""Commands that change papers: tag, status, note, rekey, rm, undo.

Each change is a delta the library applies under its lock to the papers as they are
on disk then, recorded in the history that ``undo`` (and the TUI's ``u``) take back.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from .base import EXIT_BAD_INPUT, EXIT_NO_MATCH, EXIT_OK
from .common import (
    Env,
    QueryCommand,
    interactive,
    json_option,
    key_option,
    no_match,
    papers_text,
    pass_env,
    print_papers,
    warn,
)
from .complete import complete_keys, complete_operands, complete_tag_operands

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from ..core.changes import Change

STATUSES = ("unread", "reading", "read", "skipped")


def _change_selected(
    env: Env, words: Sequence[str], keys: Sequence[str], change: Change, message: str
) -> int:
    """Select and change in one transaction: the query runs on the papers as they are
    under the lock, and the change applies to each as it is then."""
    library = env.library()
    with library.transaction():
        papers = env.select(words, keys)
        if not papers:
            return no_match()
        changed = library.edit([p.id for p in papers], change)
    print(message.format(len(changed), len(papers)))
    return EXIT_OK


class TagCommand(QueryCommand):
    tag_operands = True


def split_tag_operands(operands: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """Query words, tags to add (``+TAG``) and tags to remove (``-TAG``).

    ``-tag:x`` is a query filter (it has a colon), not a tag to remove.
    """
    words: list[str] = []
    add: list[str] = []
    remove: list[str] = []
    for token in operands:
        if len(token) > 1 and token[0] == "+":
            add.append(token[1:])
        elif len(token) > 1 and token[0] == "-" and token[1] != "-" and ":" not in token:
            remove.append(token[1:])
        else:
            words.append(token)
    return words, add, remove


# ``-h`` is not help here: ``-hard`` removes the tag "hard".
@click.command("tag", cls=TagCommand, context_settings={"help_option_names": ["--help"]})
@click.argument(
    "operands",
    nargs=-1,
    metavar="[QUERY]... [+TAG]... [-TAG]...",
    shell_complete=complete_tag_operands,
)
@key_option()
@pass_env
def cmd_tag(env: Env, operands: tuple[str, ...], keys: tuple[str, ...]) -> int:
    """Add (+TAG) or remove (-TAG) tags on papers.

    The papers are those a QUERY or --key selects.
    """
    from ..core.changes import Change

    words, add, remove = split_tag_operands(operands)
    if not add and not remove:
        raise click.UsageError("tag needs at least one +TAG or -TAG")
    if not words and not keys:
        raise click.UsageError("tag needs a QUERY or --key KEY")
    change = Change(add_tags=tuple(add), remove_tags=tuple(remove))
    return _change_selected(env, words, keys, change, "tagged {} of {} matching papers")


def _complete_status(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    items = [CompletionItem(s) for s in STATUSES if incomplete and s.startswith(incomplete)]
    return items + complete_operands(ctx, param, incomplete)


@click.command("status", cls=QueryCommand)
@click.argument("operands", nargs=-1, metavar="[QUERY]... STATUS", shell_complete=_complete_status)
@key_option()
@pass_env
def cmd_status(env: Env, operands: tuple[str, ...], keys: tuple[str, ...]) -> int:
    """Set the reading status of papers.

    STATUS is unread, reading, read or skipped; the papers are those a QUERY or
    --key selects.
    """
    from ..core.changes import Change

    words = list(operands)
    if not words or words[-1] not in STATUSES:
        raise click.UsageError(f"status needs a status last: one of {', '.join(STATUSES)}")
    status = words.pop()
    if not words and not keys:
        raise click.UsageError("status needs a QUERY or --key KEY")
    change = Change(fields={"status": status})
    return _change_selected(env, words, keys, change, "{} of {} matching papers set to " + status)


@click.command("note")
@click.argument("key", shell_complete=complete_keys)
@click.argument("text", nargs=-1)
@click.option("--edit", is_flag=True, help="Edit the note in $VISUAL or $EDITOR.")
@pass_env
def cmd_note(env: Env, key: str, text: tuple[str, ...], edit: bool) -> int:
    """Print a paper's note, or set it.

    TEXT sets it (an empty TEXT clears it), - reads it from stdin, --edit opens
    $VISUAL or $EDITOR.
    """
    from ..core.changes import Change

    paper = env.paper(key)
    if edit and text:
        raise click.UsageError("give the note as TEXT, as -, or --edit, not both")
    if edit:
        from ..core.editform import EditError, run_editor

        try:
            edited = run_editor(paper.notes + ("\n" if paper.notes else ""), suffix=".md")
        except EditError as exc:
            raise click.UsageError(f"note {paper.key}: {exc}; the note is unchanged") from None
        if edited is None:
            warn("the editor failed; the note is unchanged")
            return EXIT_NO_MATCH
        note = edited.rstrip("\n")
    elif text == ("-",):
        note = sys.stdin.read().rstrip("\n")
    elif text:
        note = " ".join(text)
    else:
        if not paper.notes:
            return no_match(f"{paper.key} has no note")
        print(paper.notes)
        return EXIT_OK
    changed = env.library().edit(
        [paper.id], Change(fields={"notes": note}), label=f"note of {paper.key}"
    )
    what = "unchanged" if not changed else "cleared" if not note else "saved"
    print(f"note of {paper.key} {what}", file=sys.stderr)
    return EXIT_OK


@click.command("rekey")
@click.argument("old", shell_complete=complete_keys)
@click.argument("new")
@pass_env
def cmd_rekey(env: Env, old: str, new: str) -> int:
    """Rename a citation key (the old one stays an alias).

    Citations of OLD keep resolving; NEW must be free and usable by BibTeX.
    """
    paper = env.paper(old)
    try:
        renamed = env.library().rekey(paper.id, new)
    except ValueError as exc:
        raise click.UsageError(f"rekey: {exc}") from None
    if renamed.key == paper.key:
        print(f"{paper.key} already has that key", file=sys.stderr)
    else:
        print(f"{paper.key} is now {renamed.key} ({paper.key} stays an alias)")
    return EXIT_OK


@click.command("rm", cls=QueryCommand)
@click.argument("query", nargs=-1, metavar="[QUERY]...", shell_complete=complete_operands)
@key_option()
@click.option("--yes", "-y", is_flag=True, help="Do not ask (needed without a terminal).")
@json_option("Print the removed papers as JSON, one per line.")
@pass_env
def cmd_rm(
    env: Env, query: tuple[str, ...], keys: tuple[str, ...], yes: bool, as_json: bool
) -> int:
    """Remove papers (asks first; undo brings them back).

    The papers are those a QUERY or --key selects.
    """
    if not query and not keys:
        raise click.UsageError("rm needs a QUERY or --key KEY")
    library = env.library()
    if yes:
        with library.transaction():
            papers = env.select(query, keys)
            if not papers:
                return no_match()
            gone = library.delete([p.id for p in papers])
    else:
        if not interactive():
            warn("rm asks before it removes, and there is no terminal to ask: add --yes")
            return EXIT_BAD_INPUT
        # Asking holds no lock: other programs may change the library meanwhile.
        papers = env.select(query, keys)
        if not papers:
            return no_match()
        shown = papers_text(papers[:20]) + (
            f"... and {len(papers) - 20} more\n" if len(papers) > 20 else ""
        )
        sys.stderr.write(shown)
        count = "1 paper" if len(papers) == 1 else f"{len(papers)} papers"
        if not click.confirm(f"Remove {count}?", default=False, err=True):
            warn("nothing removed")
            return EXIT_NO_MATCH
        gone = library.delete([p.id for p in papers])
    if gone and (yes or as_json or not sys.stdout.isatty()):  # (else just listed on stderr)
        print_papers(gone, as_json)
    count = "1 paper" if len(gone) == 1 else f"{len(gone)} papers"
    print(f"removed {count} ('readinglist undo' brings them back)", file=sys.stderr)
    return EXIT_OK


@click.command("undo")
@click.option("--list", "show", is_flag=True, help="List the changes undo would take back.")
@pass_env
def cmd_undo(env: Env, show: bool) -> int:
    """Take back the newest change.

    The history is shared with the TUI's u and survives restarts.
    """
    library = env.library()
    if show:
        labels = library.history.labels()
        if not labels:
            return no_match("nothing to undo")
        print("\n".join(labels))
        return EXIT_OK
    report = library.undo()
    if report is None:
        return no_match("nothing to undo")
    print(report.summary())
    return EXIT_OK
