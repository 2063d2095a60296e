"""Search results as a lazy sequence: highlight spans are computed only for rows shown."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, overload

from readinglist.core.model import Paper
from readinglist.core.tokens import fold, folded_with_offsets, word_spans

if TYPE_CHECKING:
    from readinglist.core.query import Sort
    from readinglist.core.ranking import WordMatch

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: the paper, its score (0..1) and the title spans (start, end) to highlight."""

    paper: Paper
    score: float
    title_spans: tuple[Span, ...]


def title_spans(title: str, words: Sequence[WordMatch], phrases: Sequence[str]) -> tuple[Span, ...]:
    """Character spans of ``title`` (end exclusive) that the query matched, merged and sorted."""
    spans: list[Span] = []
    if words:
        for term, start, end in word_spans(title):
            for match in words:
                if term.startswith(match.word):
                    spans.append((start, min(end, start + len(match.word))))
                    continue
                elif term in match.typo_terms:
                    spans.append((start, end))
    if phrases:
        plain, offsets = folded_with_offsets(title)
        lower = plain.lower()
        for phrase in phrases:
            pattern = r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, phrase.split()))
            for found in re.finditer(pattern, lower):
                start, end = found.start(), found.end()
                if offsets is not None:
                    start, end = offsets[start], offsets[end - 1] + 1
                spans.append((start, end))
    return _merge(spans)


def _matches(term: str, match: WordMatch) -> bool:
    return term.startswith(match.word) or term in match.typo_terms


def adjacent_pairs(title: str, words: Sequence[WordMatch]) -> int:
    """How many consecutive query words match consecutive title words, in order."""
    return len(_adjacent(_title_terms(title), words))


@lru_cache(maxsize=8192)
def _title_terms(title: str) -> list[tuple[str, int, int]]:
    """``word_spans`` of a title, memoised: typing re-ranks mostly the same top papers."""
    return word_spans(title)


def _adjacent(spans: list[tuple[str, int, int]], words: Sequence[WordMatch]) -> list[int]:
    """Indexes i of the query word pairs (i, i + 1) found side by side in the title."""
    terms = [term for term, _, _ in spans]
    found = []
    for i, (first, second) in enumerate(pairwise(words)):
        for left, right in pairwise(terms):
            if _matches(left, first) and _matches(right, second):
                found.append(i)
                break
    return found


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


RERANK_WINDOW = 64
_ADJACENT_BONUS = 0.15  # more than both words in the abstract, less than a title word
_ABSENT = 1 << 16  # "position" of a query word the title does not hold


def rerank(
    papers: Sequence[Paper],
    scores: list[float],
    words: Sequence[WordMatch],
    weights: Sequence[float],
) -> tuple[Sequence[Paper], list[float]]:
    """Re-rank the top results by what the query says about their titles.

    Query words side by side in a title add a bonus, scaled by how rare the two
    words are next to the query's rarest word ("olympic action quality": "action
    quality" adjacent counts for less than a title holding "olympic"). Equal
    scores then go to the title holding more query words, nearer its start;
    remaining ties keep the index's order (newest, then shorter title).
    """
    heaviest = max(weights, default=0.0) or 1.0
    bonus = [_ADJACENT_BONUS * (a + b) / (2 * heaviest) for a, b in pairwise(weights)]
    keyed = []
    for i, (paper, score) in enumerate(zip(papers[:RERANK_WINDOW], scores, strict=False)):
        spans = _title_terms(paper.title)
        hits = [[_matches(term, word) for word in words] for term, _, _ in spans]
        starts = [_ABSENT] * len(words)
        for (_, start, _), matched in zip(spans, hits, strict=True):
            for j, hit in enumerate(matched):
                if hit and start < starts[j]:
                    starts[j] = start
        if bonus:
            side_by_side = {
                j
                for left, right in pairwise(hits)
                for j in range(len(bonus))
                if left[j] and right[j + 1]
            }
            score = min(1.0, score + sum(bonus[j] for j in side_by_side))
        keyed.append((-score, starts.count(_ABSENT), sum(starts), i, score))
    keyed.sort()
    order = [item[3] for item in keyed]
    reordered = getattr(papers, "reordered", None)  # (a lazy sequence keeps the rest unread)
    return (
        reordered(order) if reordered else [papers[i] for i in order] + list(papers[len(order) :]),
        [item[4] for item in keyed] + scores[RERANK_WINDOW:],
    )


_STATUS_ORDER = {"unread": 0, "reading": 1, "read": 2, "skipped": 3}


def sort_papers(
    papers: Sequence[Paper], scores: list[float], sort: Sort
) -> tuple[list[Paper], list[float]]:
    """``sort:FIELD`` / ``sort:-FIELD``: a stable sort, so equal values keep the
    relevance (or newest-first) order; papers without a year or rating go last."""
    order = list(range(len(papers)))
    field = sort.field

    def missing(i: int) -> bool:
        paper = papers[i]
        return (field == "year" and paper.year is None) or (
            field == "rating" and paper.rating is None
        )

    def value(i: int) -> tuple[int, str]:
        paper = papers[i]
        if field == "year":
            return (paper.year or 0, "")
        if field == "rating":
            return (paper.rating or 0, "")
        if field == "status":
            return (_STATUS_ORDER.get(paper.status, 4), "")
        if field == "added":
            return (0, paper.added)
        return (0, fold(paper.title))

    order.sort(key=value, reverse=sort.descending)
    order.sort(key=missing)  # stable: the sorted order stays within each group
    return [papers[i] for i in order], [scores[i] for i in order]


class SearchResults(Sequence["Hit"]):
    """Ranked hits; a :class:`Hit` (with its highlight spans) is built on first access."""

    def __init__(
        self,
        papers: Sequence[Paper],
        scores: list[float],
        words: Sequence[WordMatch],
        phrases: Sequence[str],
        make_hit: Callable[[Paper, float, tuple[Span, ...]], Hit],
        *,
        complete: bool = True,
    ) -> None:
        #: False if abstracts were still being indexed: abstract matches may be missing.
        self.complete = complete
        self._papers = papers
        self._scores = scores
        self._words = tuple(words)
        self._phrases = tuple(phrases)
        self._make_hit = make_hit
        self._hits: list[Hit | None] = [None] * len(papers)

    @property
    def papers(self) -> list[Paper]:
        """The matching papers in rank order, without building hits."""
        return list(self._papers)

    def __len__(self) -> int:
        return len(self._papers)

    def ids(self) -> list[str]:
        """The matching papers' ids in rank order, without reading the papers."""
        known = getattr(self._papers, "ids", None)  # (a lazy sequence knows them)
        return known() if known is not None else [p.id for p in self._papers]

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...
    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        hit = self._hits[index]
        if hit is None:
            paper = self._papers[index]
            spans = title_spans(paper.title, self._words, self._phrases)
            hit = self._hits[index] = self._make_hit(paper, self._scores[index], spans)
        return hit

    def __repr__(self) -> str:
        return f"<SearchResults {len(self)} hits>"
