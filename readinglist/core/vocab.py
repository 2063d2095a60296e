"""The set of indexed terms, looked up by exact word, prefix and typo (edit distance).

Matching a query word against the *vocabulary* (tens of thousands of distinct
terms) instead of against every paper is what keeps typo-tolerant search fast at
100k papers: rapidfuzz only compares words of a compatible length, and the
postings of the few matching terms are then combined per paper.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

# New terms wait unsorted (and are scanned linearly) until a lookup finds this many:
# one merge per burst of additions instead of an O(n) insertion per new term.
_PENDING_LIMIT = 512


def max_typos(length: int) -> int:
    """Edits tolerated for a word of this length: short words must be typed right."""
    if length < 4:
        return 0
    return 1 if length < 8 else 2


class Vocabulary:
    """Distinct terms with prefix lookup and, optionally, typo lookup."""

    def __init__(self, *, fuzzy: bool) -> None:
        self._fuzzy = fuzzy
        self._known_set: set[str] | None = set()  # made from _sorted on first need
        self._sorted: list[str] = []
        self._pending: list[str] = []
        # Typo candidates by (length, first letter) and (length, second letter).
        self._by_first: dict[tuple[int, str], list[str]] = {}
        self._by_second: dict[tuple[int, str], list[str]] = {}
        # (length L, first letter) → the distinct term[:L] of terms starting with that
        # letter, built on demand for typo'd prefixes and dropped when the letter
        # gets new terms.
        self._truncated: dict[tuple[int, str], list[str]] = {}

    @property
    def _known(self) -> set[str]:
        if self._known_set is None:
            self._known_set = set(self._sorted)
        return self._known_set

    def __len__(self) -> int:
        return len(self._known_set) if self._known_set is not None else len(self._sorted)

    def __contains__(self, term: object) -> bool:
        if self._known_set is not None:
            return term in self._known_set
        if not isinstance(term, str):
            return False
        # A vocabulary just restored: a bisection spares building the set.
        i = bisect_left(self._sorted, term)
        return i < len(self._sorted) and self._sorted[i] == term

    def state(self) -> tuple[Any, ...]:
        """Everything the vocabulary holds, as plain lists and dicts (for
        :meth:`from_state`)."""
        self.settle()
        return (self._fuzzy, self._sorted, self._by_first, self._by_second)

    @classmethod
    def from_state(cls, state: tuple[Any, ...]) -> Vocabulary:
        """The vocabulary :meth:`state` described."""
        fuzzy, terms, by_first, by_second = state
        vocab = cls(fuzzy=bool(fuzzy))
        vocab._sorted = terms
        vocab._known_set = None
        vocab._by_first, vocab._by_second = by_first, by_second
        return vocab

    def add_many(self, terms: set[str]) -> int:
        """Add terms not seen before (duplicates are ignored); returns how many were new."""
        new = terms - self._known
        if not new:
            return 0
        self._known.update(new)
        self._pending.extend(new)
        if self._fuzzy:
            for term in new:
                size = len(term)
                self._by_first.setdefault((size, term[0]), []).append(term)
                if size > 1:
                    self._by_second.setdefault((size, term[1]), []).append(term)
            if self._truncated:
                letters = {term[0] for term in new}
                for stale in [k for k in self._truncated if k[1] in letters]:
                    del self._truncated[stale]
        return len(new)

    def settle(self) -> None:
        """Sort new terms now (after a bulk load) rather than on the first keystroke."""
        if self._pending:
            self._merge_pending()

    def _merge_pending(self) -> None:
        self._sorted.extend(self._pending)
        self._sorted.sort()  # two sorted runs: timsort merges them in linear time
        self._pending = []

    def prefixed(self, prefix: str) -> Iterator[str]:
        """Terms starting with ``prefix`` (including ``prefix`` itself)."""
        if len(self._pending) > _PENDING_LIMIT:
            self._merge_pending()
        words = self._sorted
        i = bisect_left(words, prefix)
        while i < len(words) and words[i].startswith(prefix):
            yield words[i]
            i += 1
        for term in self._pending:
            if term.startswith(prefix):
                yield term

    def typos(self, word: str, edits: int) -> list[tuple[str, int]]:
        """(term, distance) for terms within ``edits`` edits of ``word`` (not the word itself).

        Only terms sharing the word's first or second letter are compared: a typo in
        both of the first two letters is rare, and the filter cuts the work ~20x.
        """
        if not self._fuzzy or edits <= 0 or len(word) < 2:
            return []
        found: dict[str, int] = {}
        size = len(word)
        for length in range(size - edits, size + edits + 1):
            for bucket in (
                self._by_first.get((length, word[0])),
                self._by_second.get((length, word[1])),
            ):
                if not bucket:
                    continue
                for term, distance, _ in process.extract(
                    word, bucket, scorer=OSA.distance, score_cutoff=edits, limit=None
                ):
                    if distance:
                        found[term] = int(distance)
        return list(found.items())

    def typo_prefixed(self, word: str) -> list[str]:
        """Terms whose beginning is one edit away from ``word`` (for the word being typed)."""
        if not self._fuzzy or not word:
            return []
        found: list[str] = []
        size = len(word)
        for length in (size - 1, size, size + 1):
            prefixes = self._truncated_prefixes(length, word[0])
            if not prefixes:
                continue
            matches = process.extract(
                word, prefixes, scorer=OSA.distance, score_cutoff=1, limit=None
            )
            for prefix, distance, _ in matches:
                if distance:
                    found.extend(self.prefixed(prefix))
        return found

    def _truncated_prefixes(self, length: int, first: str) -> list[str]:
        """The distinct ``term[:length]`` of terms starting with ``first`` (cached)."""
        key = (length, first)
        prefixes = self._truncated.get(key)
        if prefixes is None:
            if len(self._pending) > _PENDING_LIMIT:
                self._merge_pending()
            words = self._sorted
            start = bisect_left(words, first)
            end = bisect_left(words, chr(ord(first) + 1), start)
            distinct = {term[:length] for term in words[start:end] if len(term) >= length}
            distinct.update(t[:length] for t in self._pending if t[0] == first and len(t) >= length)
            prefixes = self._truncated[key] = sorted(distinct)
        return prefixes
