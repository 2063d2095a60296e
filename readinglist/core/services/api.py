"""The three things the CLI and the TUI ask of the services::

    with Services.open(ServiceSettings.load(settings.services)) as services:
        results = services.lookup(["arXiv:2403.01123", "10.1371/journal.pone.0000001"])
        proposals = services.resolve(papers, progress=show)
        day = services.daily(date(2024, 3, 11))

- :meth:`Services.lookup` — identifiers (as typed) → one :class:`LookupResult` each,
  in input order: ``found`` with :class:`Metadata`, or ``not_found``, ``invalid``,
  ``unavailable`` (network, offline without cache) or ``error`` with a one-line
  message. Build new papers with :func:`paper_from_metadata`.
- :meth:`Services.resolve` — library papers → one :class:`Proposal` each: the
  verdict (``match``/``ambiguous``/``weak``/``none``/``unavailable``/``error``), the
  record, the evidence and, for a match only, ``changes`` =
  :func:`missing_fields` of the paper. Papers with an arXiv id or DOI are looked
  up by it; the others are found by title, first in the Daily Papers day their
  listing date names, then by arXiv title search, and verified locally.
- :meth:`Services.daily` — one Daily Papers day → :class:`Metadata` (completed from
  arXiv when it can be reached).

Nothing here writes the library: callers apply what they accept, each proposal
recomputed against the record as it is on disk (:func:`recompute`, inside the
library's edit), e.g. ``Change(fields=changes minus "extra", extra=changes["extra"])``.
Progress callbacks get ``(done, total, label)``; an exception raised in one stops
the run (the TUI's cancel). :attr:`Services.unreachable` names the hosts that failed
in this run, for the caller's one-line "offline" message; :attr:`Services.warnings`
says when the cache could not be used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from ..model import Paper
from .arxiv import ArxivAnswers, ArxivClient
from .cache import ResponseCache
from .crossref import CrossrefClient
from .huggingface import HuggingFaceClient
from .identifiers import Identifier, IdentifierError, arxiv_key, parse_identifier
from .matching import Candidate, Verdict, classify, listing_days, score, title_similarity
from .metadata import Metadata, merge_metadata, missing_fields
from .settings import ServiceSettings
from .transport import HttpClient, RateLimiter, ServiceError, ServiceUnavailable

__all__ = ["LookupResult", "Progress", "Proposal", "Services", "recompute"]

Progress = Callable[[int, int, str], None]
LookupStatus = Literal["found", "not_found", "invalid", "unavailable", "error"]
ARXIV_STATE_FILE = "arxiv-last-request"


@dataclass(frozen=True, slots=True)
class LookupResult:
    """The answer for one identifier as the user typed it."""

    query: str
    status: LookupStatus
    identifier: Identifier | None = None
    meta: Metadata | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class Proposal:
    """What resolving found for one paper; only a ``match`` carries ``changes``."""

    paper: Paper
    verdict: Verdict | Literal["unavailable", "error"]
    meta: Metadata | None = None
    candidates: tuple[Candidate, ...] = ()
    via: str = ""  # "arXiv id", "DOI", "Daily Papers 2024-03-11", "arXiv title search"
    message: str = ""
    changes: dict[str, Any] = field(default_factory=dict)


def _same_work(arxiv: Metadata, other: Metadata) -> bool:
    """Whether a Crossref record plausibly is the arXiv paper that names its DOI
    (arXiv sometimes lists a wrong DOI): a close title and a shared first author."""
    if title_similarity(arxiv.title, other.title) < 0.8:
        return False
    if not arxiv.authors or not other.authors:
        return True
    surnames = {a.split(",", 1)[0].casefold() for a in other.authors}
    return arxiv.authors[0].split(",", 1)[0].casefold() in surnames


class Services:
    """arXiv, Crossref and Hugging Face over one :class:`HttpClient` (one run)."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http
        settings = http.settings
        state = None
        if http.cache is not None:
            state = http.cache.path.parent / ARXIV_STATE_FILE
        elif not settings.offline:
            state = settings.resolved_cache_dir / ARXIV_STATE_FILE
        self.arxiv = ArxivClient(http, RateLimiter(settings.arxiv_interval, state))
        self.crossref = CrossrefClient(http, RateLimiter(settings.crossref_interval))
        self.huggingface = HuggingFaceClient(http, RateLimiter(settings.hf_interval))
        self._days: dict[date, list[Metadata] | None] = {}

    @classmethod
    @contextmanager
    def open(cls, settings: ServiceSettings) -> Iterator[Services]:
        """Services with the response cache in ``settings``' cache directory."""
        cache = None
        if settings.use_cache or settings.offline:
            cache = ResponseCache(settings.resolved_cache_dir, read_only=settings.offline)
        try:
            yield cls(HttpClient(settings, cache))
        finally:
            if cache is not None:
                cache.close()

    @property
    def warnings(self) -> list[str]:
        """Problems worth one line each that did not stop the run (a cache that
        cannot be used)."""
        cache = self.http.cache
        return [cache.problem] if cache is not None and cache.problem else []

    @property
    def unreachable(self) -> dict[str, str]:
        """Hosts that failed in this run → why."""
        return self.http.down_hosts

    # -- identifiers -------------------------------------------------------------
    def lookup(
        self,
        queries: Sequence[str],
        *,
        follow_doi: bool = True,
        progress: Progress | None = None,
    ) -> list[LookupResult]:
        """Metadata for each identifier; see the module docstring."""
        parsed: list[Identifier | LookupResult] = []
        for query in queries:
            try:
                ident = parse_identifier(query)
            except IdentifierError as exc:
                parsed.append(LookupResult(query, "invalid", message=str(exc)))
                continue
            if ident.kind == "hf_day":
                parsed.append(
                    LookupResult(
                        query,
                        "invalid",
                        ident,
                        message=f"{query!r} is a Daily Papers day, not a paper",
                    )
                )
            else:
                parsed.append(ident)
        total = len(queries)
        done = 0

        def step(label: str) -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, total, label)

        arxiv_ids = [p.value for p in parsed if isinstance(p, Identifier) and p.kind == "arxiv"]
        answers = self.arxiv.lookup(arxiv_ids) if arxiv_ids else ArxivAnswers()
        results: list[LookupResult] = []
        for query, item in zip(queries, parsed, strict=True):
            if isinstance(item, LookupResult):
                results.append(item)
            elif item.kind == "arxiv":
                results.append(self._arxiv_result(query, item, answers, follow_doi))
            else:
                results.append(self._doi(query, item))
            step(query)
        return results

    def _arxiv_result(
        self, query: str, ident: Identifier, answers: ArxivAnswers, follow_doi: bool
    ) -> LookupResult:
        key = arxiv_key(ident.value)
        failure = answers.failed.get(key)
        if failure is not None:
            status: LookupStatus = (
                "unavailable" if isinstance(failure, ServiceUnavailable) else "error"
            )
            return LookupResult(query, status, ident, message=str(failure))
        meta = answers.found.get(key)
        if meta is None:
            return LookupResult(query, "not_found", ident, message=f"arXiv has no {ident}")
        if follow_doi:
            meta = self._with_crossref(meta)
        return LookupResult(query, "found", ident, meta)

    def _doi(self, query: str, ident: Identifier) -> LookupResult:
        try:
            meta = self.crossref.work(ident.value)
        except ServiceUnavailable as exc:
            return LookupResult(query, "unavailable", ident, message=str(exc))
        except ServiceError as exc:
            return LookupResult(query, "error", ident, message=str(exc))
        if meta is None:
            return LookupResult(query, "not_found", ident, message=f"Crossref has no {ident}")
        return LookupResult(query, "found", ident, meta)

    def _with_crossref(self, meta: Metadata) -> Metadata:
        """An arXiv record completed from Crossref when it names a DOI Crossref knows."""
        if not meta.doi or self.http.is_down(self.crossref.base):
            return meta
        try:
            work = self.crossref.work(meta.doi)
        except ServiceError:
            return meta
        if work is None or not _same_work(meta, work):
            return meta
        return merge_metadata(meta, work)

    # -- Daily Papers ----------------------------------------------------------------
    def daily(self, day: date, *, complete: bool = True) -> list[Metadata]:
        """One Daily Papers day; with ``complete``, each paper's arXiv record (primary
        class, DOI, journal reference) where arXiv answers, the day's data otherwise."""
        papers = self.huggingface.daily(day)
        if not complete or not papers:
            return papers
        records = self.arxiv.lookup([p.arxiv for p in papers]).found
        merged = []
        for paper in papers:
            record = records.get(arxiv_key(paper.arxiv))
            merged.append(merge_metadata(record, paper) if record is not None else paper)
        return merged

    def _day(self, day: date) -> list[Metadata] | None:
        if day not in self._days:
            try:
                self._days[day] = self.huggingface.daily(day)
            except ServiceError:
                self._days[day] = None
        return self._days[day]

    # -- resolving -------------------------------------------------------------------
    def resolve(
        self,
        papers: Sequence[Paper],
        *,
        use_daily: bool = True,
        follow_doi: bool = True,
        today: date | None = None,
        progress: Progress | None = None,
    ) -> list[Proposal]:
        """One :class:`Proposal` per paper, in order; see the module docstring."""
        total = len(papers)
        proposals: list[Proposal | None] = [None] * total
        pending_arxiv: dict[int, tuple[str, Metadata | None, str]] = {}
        done = 0

        def step(label: str) -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, total, label)

        for index, paper in enumerate(papers):
            if paper.arxiv:
                pending_arxiv[index] = (paper.arxiv, None, "arXiv id")
                continue
            if paper.doi:
                proposals[index] = self._resolve_doi(paper)
                step(paper.title or paper.doi)
                continue
            proposal, found = self._resolve_title(paper, use_daily, follow_doi, today)
            if found is not None:
                pending_arxiv[index] = found
            else:
                proposals[index] = proposal
                step(paper.title)

        answers = ArxivAnswers()
        if pending_arxiv:
            answers = self.arxiv.lookup([arxiv for arxiv, _, _ in pending_arxiv.values()])
        for index, (arxiv, listed, via) in pending_arxiv.items():
            paper = papers[index]
            record = answers.found.get(arxiv_key(arxiv))
            failure = answers.failed.get(arxiv_key(arxiv))
            meta = merge_metadata(record, listed) if record and listed else record or listed
            if meta is not None:
                if follow_doi:
                    meta = self._with_crossref(meta)
                evidence = (score(paper.title, paper.abstract, meta),) if listed else ()
                changes = missing_fields(paper, meta)
                proposals[index] = Proposal(paper, "match", meta, evidence, via, changes=changes)
            elif failure is None:
                proposals[index] = Proposal(paper, "none", via=via, message=f"arXiv has no {arxiv}")
            elif isinstance(failure, ServiceUnavailable):
                proposals[index] = Proposal(paper, "unavailable", via=via, message=str(failure))
            else:
                proposals[index] = Proposal(paper, "error", via=via, message=str(failure))
            step(paper.title or arxiv)
        return [p for p in proposals if p is not None]

    def _resolve_doi(self, paper: Paper) -> Proposal:
        ident = Identifier("doi", paper.doi.lower())
        result = self._doi(paper.doi, ident)
        meta = result.meta
        if meta is None:
            verdict: Literal["none", "unavailable", "error"] = "none"
            if result.status in ("unavailable", "error"):
                verdict = "unavailable" if result.status == "unavailable" else "error"
            return Proposal(paper, verdict, via="DOI", message=result.message)
        return Proposal(paper, "match", meta, via="DOI", changes=missing_fields(paper, meta))

    def _resolve_title(
        self, paper: Paper, use_daily: bool, follow_doi: bool, today: date | None
    ) -> tuple[Proposal, tuple[str, Metadata | None, str] | None]:
        """A final proposal, or the arXiv id to complete in the batch lookup."""
        if not paper.title.strip():
            return Proposal(paper, "none", message="no title to search for"), None
        if use_daily:
            for day in self._listing_days(paper, today):
                verdict, candidates = classify(paper.title, paper.abstract, self._day(day) or [])
                if verdict == "match":
                    meta = candidates[0].meta
                    return Proposal(paper, "match"), (meta.arxiv, meta, f"Daily Papers {day}")
        via = "arXiv title search"
        try:
            found = self.arxiv.search_title(paper.title)
        except ServiceError as exc:
            if isinstance(exc, ServiceUnavailable):
                return Proposal(paper, "unavailable", via=via, message=str(exc)), None
            return Proposal(paper, "error", via=via, message=str(exc)), None
        verdict, candidates = classify(paper.title, paper.abstract, found)
        best = candidates[0] if candidates else None
        if verdict == "match" and best is not None:
            meta = self._with_crossref(best.meta) if follow_doi else best.meta
            changes = missing_fields(paper, meta)
            return Proposal(paper, "match", meta, (best,), via, changes=changes), None
        if verdict == "ambiguous":
            listed = "; ".join(f"{c.meta.arxiv} ({c.describe()})" for c in candidates)
            message = f"several arXiv papers fit: {listed}"
        elif verdict == "weak" and best is not None:
            message = f"closest arXiv paper is uncertain: {best.meta.arxiv} ({best.describe()})"
        else:
            message = "no arXiv paper with this title"
        meta_or_none = best.meta if best is not None else None
        return Proposal(paper, verdict, meta_or_none, tuple(candidates), via, message), None

    @staticmethod
    def _listing_days(paper: Paper, today: date | None) -> list[date]:
        days: list[date] = []
        for source in paper.sources:
            if source.kind == "dailypapers" and source.date:
                days.extend(d for d in listing_days(source.date, today) if d not in days)
        return days


def recompute(proposal: Proposal, paper: Paper) -> Proposal:
    """The proposal recomputed against ``paper`` as it is now (e.g. re-read under the
    library lock): only what is still missing is filled."""
    if proposal.verdict != "match" or proposal.meta is None:
        return proposal
    return replace(proposal, paper=paper, changes=missing_fields(paper, proposal.meta))
