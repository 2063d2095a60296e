"""Duplicates: finding them, merging them, and git's merge of two library versions."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .base import EXIT_NO_MATCH, EXIT_OK
from .common import (
    Env,
    QueryCommand,
    json_option,
    no_match,
    paper_line,
    pass_env,
    write_stdout,
)
from .complete import complete_keys, complete_operands


@click.command("duplicates", cls=QueryCommand)
@click.argument("query", nargs=-1, metavar="[QUERY]...", shell_complete=complete_operands)
@json_option('One group per line: {"reasons": [...], "keys": [...]}.')
@pass_env
def cmd_duplicates(env: Env, query: tuple[str, ...], as_json: bool) -> int:
    """List groups of papers that look like one paper.

    Each group comes with its reasons (same DOI, same title, ...).
    """
    from ..core.merge import DuplicateIndex

    library = env.library(whole=not query)
    # Oldest first: a group starts with the paper that was there first.
    found = library.search(" ".join(query)) if query else None
    papers = [h.paper for h in found] if found is not None else list(library)
    papers.sort(key=lambda p: (p.added, p.key))
    groups = DuplicateIndex.groups(papers)
    if not groups:
        return no_match("no duplicates found")
    if as_json:
        import orjson

        lines = (
            orjson.dumps(
                {"reasons": g.reasons, "keys": [library.get(i).key for i in g.ids]}  # type: ignore[union-attr]
            )
            for g in groups
        )
        write_stdout(b"".join(line + b"\n" for line in lines))
        return EXIT_OK
    out = []
    for group in groups:
        members = [p for p in (library.get(i) for i in group.ids) if p is not None]
        width = min(max(len(p.key) for p in members), 30)
        out.append(f"{'; '.join(group.reasons)}:\n")
        out.extend(f"  {paper_line(p, width)}\n" for p in members)
    write_stdout("".join(out).encode("utf-8"))
    print(
        f"{len(groups)} groups; 'readinglist merge KEEP OTHER...' makes one paper of a group",
        file=sys.stderr,
    )
    return EXIT_OK


@click.command("merge")
@click.argument("keep", shell_complete=complete_keys)
@click.argument("others", nargs=-1, required=True, metavar="OTHER...", shell_complete=complete_keys)
@pass_env
def cmd_merge(env: Env, keep: str, others: tuple[str, ...]) -> int:
    """Merge papers into KEEP (their keys become aliases).

    Their tags, notes and the fields KEEP lacks join it, and they are removed: one
    change, which undo takes back.
    """
    kept = env.paper(keep)
    folded = []
    for key in others:
        paper = env.paper(key)
        if paper.id == kept.id:
            raise click.UsageError(f"{key} is {kept.key} itself")
        folded.append(paper)
    merged = env.library().merge(kept.id, [p.id for p in folded])
    keys = ", ".join(dict.fromkeys(p.key for p in folded))
    print(f"merged {keys} into {merged.key} (their keys are now aliases of {merged.key})")
    return EXIT_OK


@click.command("merge-driver")
@click.argument("base", metavar="BASE")
@click.argument("ours", metavar="OURS")
@click.argument("theirs", metavar="THEIRS")
def cmd_merge_driver(base: str, ours: str, theirs: str) -> int:
    """Git merge driver for the library file.

    Merges three versions of a library paper by paper.

    BASE is the common ancestor (git's %O), OURS our version, replaced by the
    result (%A), THEIRS theirs (%B).
    """
    from ..core.files import write_bytes_safely
    from ..core.library import merge_libraries

    result = merge_libraries(Path(base), Path(ours), Path(theirs))
    write_bytes_safely(Path(ours), result.encoded())
    for conflict in result.conflicts:
        print(f"readinglist: merge conflict: {conflict}", file=sys.stderr)
    return EXIT_NO_MATCH if result.conflicts else EXIT_OK
