"""Search results as a lazy sequence: highlight spans are computed only for rows shown."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, overload

from readinglist.core.model import Paper
from readinglist.core.tokens import folded_with_offsets, word_spans

if TYPE_CHECKING:
    from readinglist.core.ranking import WordMatch
    from readinglist.core.search import Hit

Span = tuple[int, int]


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
    """How many consecutive query words match consecutive title words, in order.

    Used to rank "attention distillation" in a title above a title holding both
    words apart; it only reorders near-ties, never filters.
    """
    terms = [term for term, _, _ in word_spans(title)]
    found = 0
    for first, second in pairwise(words):
        for left, right in pairwise(terms):
            if _matches(left, first) and _matches(right, second):
                found += 1
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


ADJACENT_WINDOW = 100
_ADJACENT_BONUS = 0.15  # more than both words in the abstract, less than a title word


def prefer_adjacent(
    papers: list[Paper], scores: list[float], words: Sequence[WordMatch]
) -> tuple[list[Paper], list[float]]:
    """Re-rank the top results so query words found side by side in a title come first."""
    head = [
        (min(1.0, score + _ADJACENT_BONUS * adjacent_pairs(paper.title, words)), i)
        for i, (paper, score) in enumerate(zip(papers[:ADJACENT_WINDOW], scores, strict=False))
    ]
    head.sort(key=lambda item: -item[0])  # stable: equal scores keep their order
    order = [i for _, i in head]
    return (
        [papers[i] for i in order] + papers[ADJACENT_WINDOW:],
        [score for score, _ in head] + scores[ADJACENT_WINDOW:],
    )


class SearchResults(Sequence["Hit"]):
    """Ranked hits; a :class:`Hit` (with its highlight spans) is built on first access."""

    def __init__(
        self,
        papers: list[Paper],
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
