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
from readinglist.core.wordforms import form_root, other_forms

TITLE, AUTHOR, TAG, BODY, KEY = range(5)
_PRIMARY = (TITLE, AUTHOR, TAG, KEY)
_FIELD_WEIGHT = {TITLE: 3.0, AUTHOR: 2.0, TAG: 2.0, KEY: 2.0, BODY: 0.5}
EXACT, PREFIX, TYPO1, TYPO2, TYPO_PREFIX = 1.0, 0.8, 0.7, 0.55, 0.5
# Two query words typed apart that a title writes as one ("data set" → "Dataset"),
# and another form of the word ("segmenting" → "Segmentation"): below a one-edit typo.
JOINED, JOINED_PREFIX, FORM = 0.9, 0.75, 0.6
_UNIT = 60  # byte value of weight 1.0: title exact = 180, + body exact 30 = 210 < 256
_FULL = 210
_MAX_SCORED_WORDS = 48
_MAX_TYPO_PREFIX = 10  # longer words being typed are matched by whole-word typos
# One- and two-letter words expand to thousands of terms. One letter uses the index's
# per-letter maps; two letters take only their most frequent expansions (the next
# key narrows the word anyway), so no keystroke does unbounded work.
SHORT_EXPANSIONS = 48
_MAX_KEY_EXPANSIONS = 256  # citation-key terms per word (mostly one paper each)

DenseMap = Callable[[int, str], bytearray]
LetterMap = Callable[[str], bytearray | None]
ShortTerms = Callable[[str], list[str]]

_NONZERO = bytes([0] + [1] * 255)
_EXACTLY = [bytes(1 if v == t else 0 for v in range(256)) for t in range(256)]
_AT_LEAST = [bytes(1 if v >= t else 0 for v in range(256)) for t in range(257)]
_BELOW = [bytes(1 if v < t else 0 for v in range(256)) for t in range(257)]
_LEVELS_BELOW = [bytes(range(t)) for t in range(257)]  # the byte values under t
_WALK_STEPS = 40_000  # tie-order steps that cost about as much as listing and sorting ties
_SCALES: dict[int, bytes] = {}


def _scale_table(budget: int) -> bytes:
    """Map 0..240 onto 0..budget, keeping every non-zero level non-zero."""
    table = _SCALES.get(budget)
    if table is None:
        table = bytes(0 if v == 0 else max(1, min(budget, v * budget // _FULL)) for v in range(256))
        _SCALES[budget] = table
    return table


def level_of(field: int, quality: float) -> int:
    return round(_UNIT * _FIELD_WEIGHT[field] * quality)


def scatter(cap: int, groups: dict[int, list[array[int]]]) -> bytearray:
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
            return int.from_bytes(scatter(self._cap, self._sparse), "little")
        cap = self._cap
        painted = 0
        for level in sorted(set(self._sparse) | set(self._dense)):
            dense_maps = self._dense.get(level, ())
            if dense_maps:
                mask = 0
                for dense in dense_maps:
                    mask |= int.from_bytes(dense, "little")
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
    """How one query word matched: per-slot levels, and the terms it matched other
    than by prefix (typos, other word forms, the word joined with its neighbour).
    ``present`` is the 0/1 map (as an int) of the slots it matched at all, ``matched``
    how many of them are alive (for its weight)."""

    word: str
    levels: bytes
    typo_terms: frozenset[str]
    present: int
    matched: int

    @classmethod
    def of(cls, word: str, levels: int, alive: int, cap: int, terms: Iterable[str]) -> WordMatch:
        as_bytes = levels.to_bytes(cap, "little")
        present = int.from_bytes(as_bytes.translate(_NONZERO), "little")
        return cls(word, as_bytes, frozenset(terms), present, (present & alive).bit_count())

    def merged(self, other: WordMatch, alive: int) -> WordMatch:
        """This word, also matching where ``other`` does (the higher level per slot)."""
        levels = int.from_bytes(self.levels, "little")
        found = other.levels.translate(None, delete=b"\0")
        for level in sorted(set(found)):
            where = int.from_bytes(other.levels.translate(_EXACTLY[level]), "little")
            lower = int.from_bytes(self.levels.translate(_BELOW[level]), "little")
            raise_to = where & lower
            levels = (levels & ~(raise_to * 255)) | (raise_to * level)
        present = self.present | other.present
        return WordMatch(
            self.word,
            levels.to_bytes(len(self.levels), "little"),
            self.typo_terms | other.typo_terms,
            present,
            (present & alive).bit_count(),
        )


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
        letter_map: LetterMap | None = None,
        short_terms: ShortTerms | None = None,
    ) -> None:
        self.cap = cap
        self.alive_int = int.from_bytes(alive, "little")
        self._postings = postings
        self._primary, self._body, self._keys = vocabs
        self._dense_map = dense_map
        self._letter_map = letter_map
        self._short_terms = short_terms
        self._words: dict[tuple[str, bool], WordMatch] = {}
        self._joined: dict[tuple[str, str, bool], WordMatch | None] = {}
        self._excluded: dict[tuple[str, bool], int] = {}
        self._phrases: dict[str, int] = {}
        self._authors: dict[str, int] = {}

    def slots_mask(self, arrays: Iterable[array[int]]) -> int:
        """0/1 byte map (as an int) of the slots in ``arrays``."""
        return int.from_bytes(scatter(self.cap, {1: list(arrays)}), "little")

    def word(self, word: str, *, open_word: bool) -> WordMatch:
        """Score map of one free word; ``open_word`` = still being typed."""
        # Being typed changes only a one- or two-letter word (no abstract match yet)
        # and a 5..10-letter one (also typo'd prefixes): the others share the entry,
        # so the space after a word costs nothing.
        typing = open_word and (len(word) <= 2 or 5 <= len(word) <= _MAX_TYPO_PREFIX)
        key = (word, typing)
        found = self._words.get(key)
        if found is None:
            if len(self._words) > 64:
                self._words.clear()
            if typing and len(word) > 2:
                found = self._with_typo_prefixes(self.word(word, open_word=False))
            else:
                found = self._match_word(word, typing)
            self._words[key] = found
        return found

    def _with_typo_prefixes(self, closed: WordMatch) -> WordMatch:
        """The word being typed: as typed and complete, or as the start of a term with
        one typo in it ("transfo" → "tarnsformer")."""
        word = closed.word
        extra = [
            t
            for t in self._primary.typo_prefixed(word)
            if not t.startswith(word) and t not in closed.typo_terms
        ]
        if not extra:
            return closed
        painter = _Painter(self.cap, self._dense_map)
        for term in extra:
            for field in _PRIMARY:
                slots = self._postings[field].get(term)
                if slots:
                    painter.add(level_of(field, TYPO_PREFIX), field, term, slots)
        prefixed = WordMatch.of(word, painter.paint(), self.alive_int, self.cap, extra)
        return closed.merged(prefixed, self.alive_int)

    def _primary_terms(self, word: str) -> dict[str, float]:
        """Title, author, tag and key terms the word matches exactly or as a prefix."""
        short = self._short_terms if len(word) <= 2 else None
        terms = short(word) if short is not None else self._primary.prefixed(word)
        quality = {t: EXACT if t == word else PREFIX for t in terms}
        if short is not None:
            if word in self._keys:
                quality[word] = EXACT
        else:
            for term in islice(self._keys.prefixed(word), _MAX_KEY_EXPANSIONS):
                quality.setdefault(term, EXACT if term == word else PREFIX)
        return quality

    def _match_word(self, word: str, open_word: bool) -> WordMatch:
        letter = self._letter_map(word) if len(word) == 1 and self._letter_map else None
        typo_terms: set[str] = set()
        if letter is not None:
            primary_levels = int.from_bytes(letter, "little")
        else:
            quality = self._primary_terms(word)
            for term, distance in self._primary.typos(word, max_typos(len(word))):
                if term not in quality:
                    quality[term] = TYPO1 if distance == 1 else TYPO2
                    typo_terms.add(term)
            root = form_root(word)
            if root is not None:
                for term in other_forms(word, self._primary.prefixed(root)):
                    if quality.get(term, 0.0) < FORM:
                        quality[term] = FORM
                        typo_terms.add(term)
            primary = _Painter(self.cap, self._dense_map)
            for term, q in quality.items():
                for field in _PRIMARY:
                    slots = self._postings[field].get(term)
                    if slots:
                        primary.add(level_of(field, q), field, term, slots)
            primary_levels = primary.paint()
        body = _Painter(self.cap, self._dense_map)
        body_postings = self._postings[BODY]
        if len(word) >= 4:
            for term in self._body.prefixed(word):
                level = level_of(BODY, EXACT if term == word else PREFIX)
                body.add(level, BODY, term, body_postings[term])
            root = form_root(word)
            if root is not None:
                for term in other_forms(word, self._body.prefixed(root)):
                    body.add(level_of(BODY, FORM), BODY, term, body_postings[term])
        elif not (open_word and len(word) <= 2) and word in body_postings:
            body.add(level_of(BODY, EXACT), BODY, word, body_postings[word])
        total = primary_levels + body.paint()
        return WordMatch.of(word, total, self.alive_int, self.cap, typo_terms)

    def joined(self, first: str, second: str, *, open_word: bool) -> WordMatch | None:
        """Where two adjacent query words match as one term ("data set" → "dataset"),
        or None; ``open_word`` = the second is still being typed."""
        key = (first, second, open_word)
        if key in self._joined:
            return self._joined[key]
        if len(self._joined) > 64:
            self._joined.clear()
        found = None
        word = first + second
        if len(first) >= 2 and len(second) >= 2 and len(word) >= 5:
            primary = _Painter(self.cap, self._dense_map)
            body = _Painter(self.cap, self._dense_map)
            terms: set[str] = set()
            for term in self._primary.prefixed(word):
                quality = JOINED if term == word else JOINED_PREFIX
                for field in _PRIMARY:
                    slots = self._postings[field].get(term)
                    if slots:
                        primary.add(level_of(field, quality), field, term, slots)
                        terms.add(term)
            for term in self._body.prefixed(word):
                quality = JOINED if term == word else JOINED_PREFIX
                body.add(level_of(BODY, quality), BODY, term, self._postings[BODY][term])
                terms.add(term)
            if terms:
                total = primary.paint() + body.paint()
                found = WordMatch.of(word, total, self.alive_int, self.cap, terms)
        self._joined[key] = found
        return found

    def excluded(self, word: str, *, open_word: bool) -> int:
        """Slots a ``-word`` leaves out: the word in any field, exactly or as a prefix
        (no typos: excluding must be predictable). A word of one or two letters still
        being typed excludes nothing yet."""
        key = (word, open_word)
        found = self._excluded.get(key)
        if found is None:
            found = 0
            if not (open_word and len(word) <= 2):
                arrays: list[array[int]] = []
                for field, vocab in (
                    (TITLE, self._primary),
                    (AUTHOR, self._primary),
                    (TAG, self._primary),
                    (KEY, self._keys),
                    (BODY, self._body),
                ):
                    postings = self._postings[field]
                    terms = vocab.prefixed(word) if len(word) >= 3 else iter((word,))
                    arrays.extend(postings[t] for t in terms if t in postings)
                found = self.slots_mask(arrays)
            self._excluded[key] = found
        return found

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

    def phrase_mask(self, phrase: str, paper_at: Callable[[int], Paper | None]) -> int:
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
                paper = paper_at(slot)
                if paper is not None and pattern.search(_phrase_text(paper)):
                    keep[slot] = 1
            found = int.from_bytes(keep, "little")
        self._phrases[phrase] = found
        return found


def _phrase_text(paper: Paper) -> str:
    return fold("\n".join((paper.title, "; ".join(paper.authors), paper.abstract, paper.notes)))


@dataclass(frozen=True, slots=True)
class TieOrder:
    """How equal scores are ordered before the query-aware re-ranking of the top
    results: newest ``added`` first, then shorter titles (the query words are more of
    the title; a bulk import gives every paper the same ``added``), then
    :func:`id_rank`. ``ranks[slot]`` sorts in that order; ``slots`` is the order itself."""

    ranks: Sequence[int]
    slots: list[int]


_NON_DIGIT = re.compile(r"\D")
_STAMPS: dict[str, int] = {}


def tie_key(added: str, title_words: int, rank: int) -> int:
    """A slot's place in the :class:`TieOrder` (smaller first), computed on its own so
    the order is kept current paper by paper; ``rank`` is :func:`id_rank`."""
    stamp = _STAMPS.get(added)
    if stamp is None:
        digits = _NON_DIGIT.sub("", added)[:14]
        stamp = int(digits.ljust(14, "0")) if digits else 0
        if len(_STAMPS) > 4096:
            _STAMPS.clear()
        _STAMPS[added] = stamp
    return ((10**14 - 1 - stamp) << 40) | (min(title_words, 255) << 32) | (rank & 0xFFFFFFFF)


_ONE = re.compile(b"\x01")


def _positions(flags: bytes, expected: int) -> list[int]:
    """Indexes of the 1 bytes in a 0/1 map; ``expected`` is how many there are."""
    if expected * 64 < len(flags):  # sparse: let the regex engine skip the zeros
        return [found.start() for found in _ONE.finditer(flags)]
    return list(compress(range(len(flags)), flags))


def _sorted_by_score(slots: list[int], totals: bytes, rank: Sequence[int]) -> list[int]:
    slots.sort(key=rank.__getitem__)
    slots.sort(key=totals.__getitem__, reverse=True)
    return slots


def rank_slots(
    words: Sequence[WordMatch],
    mask: int,
    alive: int,
    cap: int,
    order_asc: list[int],
    ties: TieOrder,
    limit: int | None,
) -> tuple[list[int], list[float], list[float]]:
    """Slots in ``mask`` matching every word, best first, with scores in 0..1 and the
    words' weights; an empty query lists newest first."""
    if limit is not None and limit <= 0:
        return [], [], []
    if not words:
        present = mask.to_bytes(cap, "little")
        newest_first = compress(reversed(order_asc), map(present.__getitem__, reversed(order_asc)))
        slots = list(islice(newest_first, limit))
        return slots, [0.0] * len(slots), []
    candidates = mask
    for word in words:
        candidates &= word.present
    population = max(1, alive.bit_count())
    weights = [math.log(1.0 + population / (1 + word.matched)) for word in words]
    count = candidates.bit_count()
    if not count:
        return [], [], weights
    scored = list(zip(words, weights, strict=True))[:_MAX_SCORED_WORDS]
    budget = 255 / sum(weight for _, weight in scored)
    total = 0
    for match, weight in scored:
        scale = _scale_table(max(1, int(weight * budget)))
        total += int.from_bytes(match.levels.translate(scale), "little")
    totals = (total & (candidates * 255)).to_bytes(cap, "little")
    if limit is None or count <= max(2048, 4 * limit):
        slots = _positions(candidates.to_bytes(cap, "little"), count)
        slots = _sorted_by_score(slots, totals, ties.ranks)[:limit]
    else:
        slots = _top_slots(totals, ties, limit)
    return slots, [totals[s] / 255 for s in slots], weights


def _top_slots(totals: bytes, ties: TieOrder, limit: int) -> list[int]:
    """Best ``limit`` slots without sorting every candidate: find the score threshold
    by binary search on counts, then take ties at the threshold in tie order."""
    scored = totals.translate(None, delete=b"\0")  # the candidates' scores, in slot order

    def at_least(level: int) -> int:
        return len(scored.translate(None, delete=_LEVELS_BELOW[level]))

    low, high = 1, max(scored)
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
    above = _sorted_by_score(above, totals, ties.ranks)
    need = limit - len(above)
    tied_count = at_least(threshold) - len(above)
    if need * cap > _WALK_STEPS * tied_count:  # few ties: list them all and sort them
        tied = _positions(totals.translate(_EXACTLY[threshold]), tied_count)
        tied.sort(key=ties.ranks.__getitem__)
        return above + tied[:need]
    # many ties: walking the tie order finds ``need`` of them in ~need * cap / ties steps
    tie = threshold.__eq__
    in_order = compress(ties.slots, map(tie, map(totals.__getitem__, ties.slots)))
    return above + list(islice(in_order, need))
