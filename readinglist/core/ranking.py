"""Per-word score maps and their combination into a ranked list of slots.

A *byte map* holds one byte per index slot. Building one for a query word costs
one C-level store per matching posting; everything after that — AND across
words and filters, IDF weighting, summing, picking the top ``limit`` — is done
with ``bytes.translate`` and big-integer arithmetic on whole maps, which is what
makes a keystroke cost milliseconds at 100k papers.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, islice, repeat

from readinglist.core.model import Paper
from readinglist.core.tokens import fold, query_words
from readinglist.core.vocab import Vocabulary, max_typos

TITLE, AUTHOR, TAG, BODY, KEY = range(5)
_PRIMARY = (TITLE, AUTHOR, TAG, KEY)
_FIELD_WEIGHT = {TITLE: 3.0, AUTHOR: 2.0, TAG: 2.0, KEY: 2.0, BODY: 0.5}
EXACT, PREFIX, TYPO1, TYPO2, TYPO_PREFIX = 1.0, 0.8, 0.7, 0.55, 0.5
_UNIT = 60  # byte value of weight 1.0: title exact = 180, + body exact 30 = 210 < 256
_FULL = 210
_MAX_SCORED_WORDS = 48
_MAX_TYPO_PREFIX = 10  # longer words being typed are matched by whole-word typos

DenseMap = Callable[[int, str], bytearray]

_NONZERO = bytes([0] + [1] * 255)
_EXACTLY = [bytes(1 if v == t else 0 for v in range(256)) for t in range(256)]
_AT_LEAST = [bytes(1 if v >= t else 0 for v in range(256)) for t in range(257)]
_SCALES: dict[int, bytes] = {}


def _scale_table(budget: int) -> bytes:
    """Map 0..240 onto 0..budget, keeping every non-zero level non-zero."""
    table = _SCALES.get(budget)
    if table is None:
        table = bytes(0 if v == 0 else max(1, min(budget, v * budget // _FULL)) for v in range(256))
        _SCALES[budget] = table
    return table


def _level(field: int, quality: float) -> int:
    return round(_UNIT * _FIELD_WEIGHT[field] * quality)


def _scatter(cap: int, groups: dict[int, list[array[int]]]) -> bytearray:
    """Byte map with each slot's highest level (levels written in ascending order)."""
    buffer = bytearray(cap)
    store = buffer.__setitem__
    for level in sorted(groups):
        value = repeat(level)
        for slots in groups[level]:
            deque(map(store, slots, value), 0)
    return buffer


class _Painter:
    """Collects (level, postings) for one word and paints the per-slot maximum level.

    Long postings use the index's dense byte map: overwriting all its slots with a
    level is three big-integer operations, however many papers contain the term.
    """

    def __init__(self, cap: int, dense_map: DenseMap) -> None:
        self._cap = cap
        self._dense_map = dense_map
        self._threshold = max(2048, cap // 32)
        self._sparse: dict[int, list[array[int]]] = {}
        self._dense: dict[int, list[bytearray]] = {}

    def add(self, level: int, field: int, term: str, slots: array[int]) -> None:
        if len(slots) >= self._threshold:
            self._dense.setdefault(level, []).append(self._dense_map(field, term))
        elif slots:
            self._sparse.setdefault(level, []).append(slots)

    def paint(self) -> int:
        if not self._dense:
            return int.from_bytes(_scatter(self._cap, self._sparse), "little")
        cap = self._cap
        painted = 0
        for level in sorted(set(self._sparse) | set(self._dense)):
            for dense in self._dense.get(level, ()):
                mask = int.from_bytes(dense, "little")
                painted = (painted & ~(mask * 255)) | (mask * level)
            sparse = self._sparse.get(level)
            if sparse:
                buffer = bytearray(painted.to_bytes(cap, "little"))
                store, value = buffer.__setitem__, repeat(level)
                for slots in sparse:
                    deque(map(store, slots, value), 0)
                painted = int.from_bytes(buffer, "little")
        return painted


@dataclass(frozen=True, slots=True)
class WordMatch:
    """How one query word matched: per-slot levels and the terms it matched by typo."""

    word: str
    levels: bytes
    typo_terms: frozenset[str]


class TokenMatcher:
    """Matches words, phrases and author names against one version of the index.

    Results are cached per word; the index drops its matcher on every change.
    """

    def __init__(
        self,
        *,
        cap: int,
        alive: bytes,
        postings: tuple[dict[str, array[int]], ...],
        vocabs: tuple[Vocabulary, Vocabulary, Vocabulary],
        dense_map: DenseMap,
    ) -> None:
        self.cap = cap
        self.alive_int = int.from_bytes(alive, "little")
        self._postings = postings
        self._primary, self._body, self._keys = vocabs
        self._dense_map = dense_map
        self._words: dict[tuple[str, bool], WordMatch] = {}
        self._phrases: dict[str, int] = {}
        self._authors: dict[str, int] = {}

    def slots_mask(self, arrays: Iterable[array[int]]) -> int:
        """0/1 byte map (as an int) of the slots in ``arrays``."""
        return int.from_bytes(_scatter(self.cap, {1: list(arrays)}), "little")

    def word(self, word: str, *, open_word: bool) -> WordMatch:
        """Score map of one free word; ``open_word`` = still being typed."""
        key = (word, open_word)
        found = self._words.get(key)
        if found is None:
            if len(self._words) > 256:
                self._words.clear()
            found = self._words[key] = self._match_word(word, open_word)
        return found

    def _match_word(self, word: str, open_word: bool) -> WordMatch:
        quality = {t: EXACT if t == word else PREFIX for t in self._primary.prefixed(word)}
        quality.update((t, EXACT if t == word else PREFIX) for t in self._keys.prefixed(word))
        typo_terms: set[str] = set()
        for term, distance in self._primary.typos(word, max_typos(len(word))):
            if term not in quality:
                quality[term] = TYPO1 if distance == 1 else TYPO2
                typo_terms.add(term)
        if open_word and 5 <= len(word) <= _MAX_TYPO_PREFIX:
            for term in self._primary.typo_prefixed(word):
                if term not in quality:
                    quality[term] = TYPO_PREFIX
                    typo_terms.add(term)
        primary = _Painter(self.cap, self._dense_map)
        for term, q in quality.items():
            for field in _PRIMARY:
                slots = self._postings[field].get(term)
                if slots:
                    primary.add(_level(field, q), field, term, slots)
        body = _Painter(self.cap, self._dense_map)
        body_postings = self._postings[BODY]
        if len(word) >= 4:
            for term in self._body.prefixed(word):
                level = _level(BODY, EXACT if term == word else PREFIX)
                body.add(level, BODY, term, body_postings[term])
        elif not (open_word and len(word) <= 2) and word in body_postings:
            body.add(_level(BODY, EXACT), BODY, word, body_postings[word])
        total = primary.paint() + body.paint()
        return WordMatch(word, total.to_bytes(self.cap, "little"), frozenset(typo_terms))

    def author_mask(self, name: str) -> int:
        """Slots with an author word matching every word of ``name`` (prefix or typo)."""
        found = self._authors.get(name)
        if found is None:
            found = self.alive_int
            authors = self._postings[AUTHOR]
            for word in query_words(name):
                terms = set(self._primary.prefixed(word))
                terms.update(t for t, _ in self._primary.typos(word, max_typos(len(word))))
                found &= self.slots_mask(authors[t] for t in terms if t in authors)
            self._authors[name] = found
        return found

    def phrase_mask(self, phrase: str, papers: Sequence[Paper | None]) -> int:
        """Slots whose title, authors, abstract or notes contain ``phrase`` at a word start."""
        found = self._phrases.get(phrase)
        if found is not None:
            return found
        words = phrase.split()
        found = self.alive_int
        for i, word in enumerate(words):
            last = i == len(words) - 1
            arrays: list[array[int]] = []
            for field, vocab in (
                (TITLE, self._primary),
                (AUTHOR, self._primary),
                (BODY, self._body),
            ):
                postings = self._postings[field]
                terms = vocab.prefixed(word) if last else iter((word,))
                arrays.extend(postings[t] for t in terms if t in postings)
            found &= self.slots_mask(arrays)
        if len(words) > 1 and found:
            pattern = re.compile(r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, words)))
            keep = bytearray(self.cap)
            for slot in compress(range(self.cap), found.to_bytes(self.cap, "little")):
                paper = papers[slot]
                if paper is not None and pattern.search(_phrase_text(paper)):
                    keep[slot] = 1
            found = int.from_bytes(keep, "little")
        self._phrases[phrase] = found
        return found


def _phrase_text(paper: Paper) -> str:
    return fold("\n".join((paper.title, "; ".join(paper.authors), paper.abstract, paper.notes)))


def recency_order(order_asc: Sequence[int], cap: int) -> array[int]:
    """Rank of each slot in the empty-query order (0 = newest); used to break ties."""
    rank = array("i", bytes(4 * cap))
    deque(map(rank.__setitem__, order_asc, range(len(order_asc) - 1, -1, -1)), 0)
    return rank


_ONE = re.compile(b"\x01")


def _positions(flags: bytes, expected: int) -> list[int]:
    """Indexes of the 1 bytes in a 0/1 map; ``expected`` is how many there are."""
    if expected * 64 < len(flags):  # sparse: let the regex engine skip the zeros
        return [found.start() for found in _ONE.finditer(flags)]
    return list(compress(range(len(flags)), flags))


def _sorted_by_score(slots: list[int], totals: bytes, rank: array[int]) -> list[int]:
    slots.sort(key=rank.__getitem__)
    slots.sort(key=totals.__getitem__, reverse=True)
    return slots


def rank_slots(
    words: Sequence[WordMatch],
    mask: int,
    alive: int,
    cap: int,
    order_asc: list[int],
    rank: array[int],
    limit: int | None,
) -> tuple[list[int], list[float]]:
    """Slots in ``mask`` matching every word, best first, with scores in 0..1."""
    if limit is not None and limit <= 0:
        return [], []
    if not words:
        present = mask.to_bytes(cap, "little")
        newest_first = compress(reversed(order_asc), map(present.__getitem__, reversed(order_asc)))
        slots = list(islice(newest_first, limit))
        return slots, [0.0] * len(slots)
    maps = [int.from_bytes(w.levels.translate(_NONZERO), "little") for w in words]
    candidates = mask
    for present_map in maps:
        candidates &= present_map
    count = candidates.bit_count()
    if not count:
        return [], []
    scored = list(zip(words, maps, strict=True))[:_MAX_SCORED_WORDS]
    population = max(1, alive.bit_count())
    weights = [math.log(1.0 + population / (1 + (m & alive).bit_count())) for _, m in scored]
    budget = 255 / sum(weights)
    total = 0
    for (match, _), weight in zip(scored, weights, strict=True):
        scale = _scale_table(max(1, int(weight * budget)))
        total += int.from_bytes(match.levels.translate(scale), "little")
    totals = (total & (candidates * 255)).to_bytes(cap, "little")
    if limit is None or count <= max(2048, 4 * limit):
        slots = _positions(candidates.to_bytes(cap, "little"), count)
        slots = _sorted_by_score(slots, totals, rank)[:limit]
    else:
        slots = _top_slots(totals, order_asc, rank, limit)
    return slots, [totals[s] / 255 for s in slots]


def _top_slots(totals: bytes, order_asc: list[int], rank: array[int], limit: int) -> list[int]:
    """Best ``limit`` slots without sorting every candidate: find the score threshold
    by binary search on counts, then take ties at the threshold newest first."""

    def at_least(level: int) -> int:
        return int.from_bytes(totals.translate(_AT_LEAST[level]), "little").bit_count()

    low, high = 1, 255
    while low < high:
        middle = (low + high + 1) // 2
        if at_least(middle) >= limit:
            low = middle
        else:
            high = middle - 1
    threshold = low
    cap = len(totals)
    strictly_above = at_least(threshold + 1) if threshold < 255 else 0
    above = _positions(totals.translate(_AT_LEAST[threshold + 1]), strictly_above)
    above = _sorted_by_score(above, totals, rank)
    need = limit - len(above)
    ties = at_least(threshold) - len(above)
    if ties * 8 < cap:  # sparse ties: list them all and sort by recency
        tied = _positions(totals.translate(_EXACTLY[threshold]), ties)
        tied.sort(key=rank.__getitem__)
        return above + tied[:need]
    # dense ties: walking newest-first finds ``need`` of them within ~8 * need steps
    tie = threshold.__eq__
    newest = compress(reversed(order_asc), map(tie, map(totals.__getitem__, reversed(order_asc))))
    return above + list(islice(newest, limit - len(above)))
