"""Commands that ask the metadata services: ``resolve``, and the network halves of
``add ID...`` and ``import --daily`` (their commands live in :mod:`.importing`).

What leaves the machine is the README's "Metadata services" section. A service that
cannot be reached is one line on stderr and exit code 3, with nothing written.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING

import click

from .base import EXIT_BAD_INPUT, EXIT_NO_MATCH, EXIT_OK, EXIT_UNAVAILABLE
from .common import Env, QueryCommand, key_option, no_match, pass_env, warn, write_stdout
from .complete import complete_operands

if TYPE_CHECKING:
    from ..core.model import Paper
    from ..core.services import Proposal, Services


@contextmanager
def open_services(env: Env, *, offline: bool = False) -> Iterator[Services]:
    """The services configured by ``[services]`` and ``READINGLIST_*_API``; cache
    problems are warned about when the run ends."""
    from ..core.services import Services, ServiceSettings

    settings = ServiceSettings.load(env.settings().services, offline=offline)
    with Services.open(settings) as services:
        try:
            yield services
        finally:
            for problem in services.warnings:
                warn(f"warning: {problem}")


class Progress:
    """``[3/12] Title…`` on stderr, rewritten in place, only on a terminal."""

    def __init__(self, verb: str) -> None:
        self.verb = verb
        self.shown = sys.stderr.isatty()

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.shown:
            return
        label = " ".join(label.split())
        line = f"[{done}/{total}] {self.verb} {label}"[:78]
        sys.stderr.write(f"\r\x1b[2K{line}")
        sys.stderr.flush()

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


# -- add ID... -----------------------------------------------------------------------


def add_identifiers(env: Env, queries: Sequence[str], tags: Sequence[str]) -> int:
    """``add ID_OR_URL...``: one batched lookup, then one import of what was found."""
    from ..core.identify import keys_for_lookups, papers_from_lookups, why_unavailable
    from ..core.services import IdentifierError, parse_identifier

    valid = []
    for query in queries:
        try:
            parse_identifier(query)
        except IdentifierError as exc:
            warn(str(exc))
        else:
            valid.append(query)
    if not valid:
        return EXIT_BAD_INPUT
    progress = Progress("looking up")
    with open_services(env) as services:
        try:
            results = services.lookup(valid, progress=progress)
        finally:
            progress.clear()
        unreachable = services.unreachable
    failed = [r for r in results if r.status in ("unavailable", "error")]
    for result in results:
        if result.status in ("invalid", "not_found"):
            warn(result.message)
    if failed:
        warn(f"{why_unavailable(unreachable, failed[0].message)}; nothing added")
        return EXIT_UNAVAILABLE
    papers = papers_from_lookups(results)
    if not papers:
        return EXIT_BAD_INPUT
    label = f"add {valid[0]}" if len(valid) == 1 else f"add {len(papers)} papers"
    report = env.library(whole=True).import_papers(papers, tags=tags, label=label)
    for note in report.notes:
        warn(note)
    if report.unchanged and not report.added and not report.merged:
        warn("already in the library; nothing changed")
    write_stdout("".join(f"{key}\n" for key in keys_for_lookups(results, report)).encode())
    return EXIT_OK


# -- import --daily ------------------------------------------------------------------


def fetch_days(env: Env, days: Sequence[date]) -> list[tuple[str, list[Paper]]] | int:
    """Each Daily Papers day's papers (named ``Daily Papers YYYY-MM-DD``), or the exit
    code after one line when Hugging Face cannot be reached."""
    from ..core.identify import daily_papers
    from ..core.services import ServiceError

    fetched: list[tuple[str, list[Paper]]] = []
    with open_services(env) as services:
        for day in days:
            try:
                records = services.daily(day)
            except ServiceError as exc:
                warn(f"{exc}; nothing imported")
                return EXIT_UNAVAILABLE
            fetched.append((f"Daily Papers {day.isoformat()}", daily_papers(day, records)))
    return fetched


# -- resolve -------------------------------------------------------------------------


def _found_as(proposal: Proposal) -> str:
    meta = proposal.meta
    assert meta is not None
    what = f"arXiv {meta.arxiv}" if meta.arxiv else f"DOI {meta.doi}"
    return f"{what} (via {proposal.via})" if proposal.via else what


def _report_resolve(
    proposals: Sequence[Proposal], applied: dict[str, tuple[Paper, Paper]], dry_run: bool
) -> str:
    """The per-paper lines and the summary (see :class:`ResolveOutcome`): what was
    filled in (or would be, with ``dry_run``), then what needs review or failed."""
    from ..core.identify import ResolveOutcome, describe_changes, missing, proposal_line

    outcome = ResolveOutcome(list(proposals))
    lines: list[str] = []
    for proposal in outcome.matched:
        key = proposal.paper.key
        if dry_run:
            changes = missing(proposal, proposal.paper)
        elif proposal.paper.id in applied:
            old, new = applied[proposal.paper.id]
            changes = missing(proposal, old)
            key = key if new.key == key else f"{key} → {new.key}"
        else:
            changes = {}
        if not changes:
            lines.append(f"{key}: {_found_as(proposal)}, nothing left to fill")
            continue
        lines.append(f"{key}: {_found_as(proposal)}")
        lines += [f"    {line}" for line in describe_changes(changes)]
    headline = outcome.headline()
    lines.append(f"dry run, nothing written: {headline}" if dry_run else headline)
    if outcome.review:
        lines.append("for review (not applied):")
        lines += [f"  {proposal_line(p)}" for p in outcome.review]
    if outcome.unresolved:
        lines.append("not resolved:")
        lines += [f"  {proposal_line(p)}" for p in outcome.unresolved]
    return "".join(line + "\n" for line in lines)


@click.command("resolve", cls=QueryCommand)
@click.argument("query", nargs=-1, metavar="[QUERY]...", shell_complete=complete_operands)
@key_option()
@click.option("--dry-run", is_flag=True, help="Print what would be filled in; write nothing.")
@click.option("--offline", is_flag=True, help="Use only cached answers; send no request.")
@pass_env
def cmd_resolve(
    env: Env, query: tuple[str, ...], keys: tuple[str, ...], dry_run: bool, offline: bool
) -> int:
    """Fill in authors, year, arXiv id, DOI for papers that lack them.

    Papers without authors or a year (those a QUERY or --key selects, else all
    that did not come from a .bib file) are looked up by arXiv id or DOI, or found
    by title (their Daily Papers day, then arXiv) and verified; only sure matches
    are applied, never over a field a paper has. One undo takes a resolve back.
    Exit 1 when some were not resolved, 3 when a service cannot be reached
    (nothing is written then).
    """
    from ..core.identify import apply_matches, from_bibtex, needs_resolving, why_unavailable

    library = env.library()
    selected = env.select(query, keys)
    if not selected:
        return no_match()
    papers = [p for p in selected if needs_resolving(p)]
    if not query and not keys:
        left = [p for p in papers if from_bibtex(p)]
        papers = [p for p in papers if not from_bibtex(p)]
        if left:
            print(
                f"left alone: {len(left)} papers from .bib files without authors or a year "
                "(a QUERY or --key includes them)",
                file=sys.stderr,
            )
    if not papers:
        print("nothing to resolve", file=sys.stderr)
        return EXIT_OK
    progress = Progress("resolving")
    with open_services(env, offline=offline) as services:
        try:
            proposals = services.resolve(papers, progress=progress)
        finally:
            progress.clear()
        unreachable = services.unreachable
    missing = [p for p in proposals if p.verdict == "unavailable"]
    if missing and (not offline or len(missing) == len(proposals)):
        why = why_unavailable(unreachable, missing[0].message)
        warn(f"{why}; nothing changed ({len(missing)} of {len(proposals)} papers not looked up)")
        return EXIT_UNAVAILABLE
    applied: dict[str, tuple[Paper, Paper]] = {}
    if not dry_run:
        applied = {new.id: (old, new) for old, new in apply_matches(library, proposals)}
    write_stdout(_report_resolve(proposals, applied, dry_run).encode("utf-8"))
    complete = all(p.verdict == "match" for p in proposals)
    return EXIT_OK if complete else EXIT_NO_MATCH
