"""Where the metadata services' answers meet the library: adding papers by
identifier, importing a Daily Papers day, applying what ``resolve`` found.

The services (:mod:`.services`) only read the network; this module decides what
goes into the library and writes it the library's way, for the CLI and the TUI
alike:

- :func:`papers_from_lookups` / :func:`daily_papers` make new papers, which the
  caller imports with :meth:`~.library.Library.import_papers`: a paper already in
  the library (the same arXiv id, a listing paper with that title) is merged by
  the import rules, never duplicated;
- :func:`apply_matches` applies the ``match`` proposals of a resolve, each
  recomputed against the paper as it is on disk under the lock, in one
  :meth:`~.library.Library.edit` (one history entry: one undo takes it back).
  Only fields a paper lacks are filled; weak and ambiguous proposals are never
  applied.

Which papers a resolve looks at is :func:`needs_resolving`; what the user is told
afterwards is :class:`ResolveOutcome`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from .changes import Change
from .model import Paper, Source, normalise_arxiv, normalise_doi
from .services.api import LookupResult, Proposal, recompute
from .services.metadata import Metadata, paper_from_metadata

if TYPE_CHECKING:
    from .importing import ImportReport
    from .library import Library

__all__ = [
    "ResolveOutcome",
    "apply_matches",
    "change_for",
    "daily_papers",
    "describe_changes",
    "from_bibtex",
    "keys_for_lookups",
    "missing",
    "needs_resolving",
    "papers_from_lookups",
    "proposal_line",
    "why_unavailable",
]

DAILY_PAGE = "huggingface.co/papers/date/"


def _bib_fields(paper: Paper) -> set[str]:
    return {name.lower() for name in (*paper.extra, *paper.raw)}


def needs_resolving(paper: Paper) -> bool:
    """A paper a resolve looks at: one without authors or a year (a pasted
    listing's, a paper added by title). A biblatex ``date`` counts as a year and
    ``editor`` as people: such entries are complete as they are."""
    fields = _bib_fields(paper)
    has_people = bool(paper.authors) or "editor" in fields
    has_year = paper.year is not None or "date" in fields
    return not (has_people and has_year)


def from_bibtex(paper: Paper) -> bool:
    """A paper from the user's own ``.bib``: a plain ``resolve`` leaves it alone (its
    gaps are mostly deliberate: software, proceedings, web pages); naming it with a
    query or a key resolves it too."""
    return any(source.kind == "bibtex" for source in paper.sources)


# -- adding --------------------------------------------------------------------------


def papers_from_lookups(results: Iterable[LookupResult]) -> list[Paper]:
    """New papers for the identifiers that were found."""
    return [paper_from_metadata(r.meta) for r in results if r.meta is not None]


def daily_papers(day: date, records: Iterable[Metadata]) -> list[Paper]:
    """One Daily Papers day as listing papers: arXiv id, authors and year known, the
    day as their listing date (so ``resolve`` and the export know where they came
    from, as for a pasted listing)."""
    source = Source(kind="dailypapers", file=DAILY_PAGE + day.isoformat(), date=day.isoformat())
    return [paper_from_metadata(meta, source) for meta in records]


def _same_work(paper: Paper, meta: Metadata) -> bool:
    arxiv = normalise_arxiv(paper.arxiv)
    if meta.arxiv and arxiv == meta.arxiv.lower():
        return True
    return bool(meta.doi) and normalise_doi(paper.doi) == meta.doi.lower()


def keys_for_lookups(results: Sequence[LookupResult], report: ImportReport) -> list[str]:
    """The key each found identifier ended up under (added, merged into, or already
    there), in the order the identifiers were given."""
    papers = [*report.added, *report.merged, *report.unchanged]
    keys: list[str] = []
    for result in results:
        if result.meta is None:
            continue
        paper = next((p for p in papers if _same_work(p, result.meta)), None)
        if paper is not None and paper.key not in keys:
            keys.append(paper.key)
    return keys


# -- resolving -----------------------------------------------------------------------


def missing(proposal: Proposal, current: Paper) -> dict[str, Any]:
    """What a match would fill in ``current`` (the paper as it is now): the
    proposal's changes recomputed, without a ``year`` where a ``date`` says it."""
    fresh = recompute(proposal, current)
    if fresh.verdict != "match":
        return {}
    changes = dict(fresh.changes)
    if "date" in _bib_fields(current):
        changes.pop("year", None)
    return changes


def change_for(proposal: Proposal, current: Paper) -> Change | None:
    """The delta that fills what ``current`` (the paper as it is now) still lacks,
    or None when the proposal is not a match or nothing is missing any more."""
    changes = missing(proposal, current)
    if not changes:
        return None
    fields = {name: value for name, value in changes.items() if name != "extra"}
    return Change(fields=fields, extra=dict(changes.get("extra") or {}))


def apply_matches(
    library: Library, proposals: Sequence[Proposal], *, label: str = ""
) -> list[tuple[Paper, Paper]]:
    """Apply every ``match`` in one edit (one undo); returns (before, after) for each
    paper that changed. Papers deleted meanwhile are skipped; fields filled
    meanwhile are kept."""
    matches = {p.paper.id: p for p in proposals if p.verdict == "match" and p.meta is not None}
    if not matches:
        return []

    def decide(current: Paper) -> Change | None:
        return change_for(matches[current.id], current)

    count = len(matches)
    with library.transaction():
        before = {i: p for i in matches if (p := library.get(i)) is not None}
        changed = library.edit(
            list(matches),
            decide,
            label=label or f"resolve {count} paper{'' if count == 1 else 's'}",
        )
    return [(before[p.id], p) for p in changed]


def _value(value: Any, width: int = 100) -> str:
    text = "; ".join(value) if isinstance(value, tuple) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def describe_changes(changes: dict[str, Any]) -> list[str]:
    """``name: value`` lines for a proposal's changes (BibTeX fields by their name)."""
    lines = [f"{name}: {_value(v)}" for name, v in changes.items() if name != "extra"]
    lines += [f"{name}: {_value(v)}" for name, v in (changes.get("extra") or {}).items()]
    return lines


@dataclass(slots=True)
class ResolveOutcome:
    """What a resolve found and did, grouped the way the user is told about it."""

    proposals: list[Proposal]
    applied: list[tuple[Paper, Paper]] = field(default_factory=list)

    @property
    def matched(self) -> list[Proposal]:
        return [p for p in self.proposals if p.verdict == "match"]

    @property
    def review(self) -> list[Proposal]:
        """Found but not certain (ambiguous, weak): never applied, listed for review."""
        return [p for p in self.proposals if p.verdict in ("ambiguous", "weak")]

    @property
    def unresolved(self) -> list[Proposal]:
        """Not found, or not answered (offline, an error)."""
        return [p for p in self.proposals if p.verdict in ("none", "unavailable", "error")]

    @property
    def rekeyed(self) -> list[tuple[str, str]]:
        """(old key, new key) for the keys made again now that authors and a year came."""
        return [(old.key, new.key) for old, new in self.applied if old.key != new.key]

    def headline(self) -> str:
        total = len(self.proposals)
        parts = [f"resolved {len(self.matched)} of {total} paper{'' if total == 1 else 's'}"]
        if self.review:
            parts.append(f"{len(self.review)} for review")
        if self.unresolved:
            parts.append(f"{len(self.unresolved)} not resolved")
        return ", ".join(parts)


def proposal_line(proposal: Proposal) -> str:
    """``key  "Title": why`` for the review and not-resolved lists."""
    paper = proposal.paper
    title = _value(paper.title, 60)
    why = proposal.message or proposal.verdict
    return f'{paper.key}  "{title}": {why}'


def why_unavailable(unreachable: Mapping[str, str], message: str) -> str:
    """One line for a run that could not reach a service: the hosts that failed and
    why (``cannot reach export.arxiv.org (timed out)``), else ``message`` (offline
    mode: ``offline: no cached answer from …``)."""
    if not unreachable:
        return message
    return "cannot reach " + ", ".join(f"{host} ({why})" for host, why in unreachable.items())
