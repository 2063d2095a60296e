"""Typo-tolerant, ranked search over the library, fast enough to run on every keystroke.

Design (measured in ``readinglist.bench.search``):

* A token index: term → postings (arrays of paper slots) per field class (title,
  authors, tags+key, abstract+notes). Query words are matched against the
  *vocabulary* — exactly, as a prefix and, via rapidfuzz, with typos — never
  against every paper.
* Per-paper scores live in byte maps (one byte per slot). Combining words, filters
  and the AND between them are then big-integer and ``bytes.translate`` operations
  that run in C over the whole library in well under a millisecond at 100k papers.
* Each word's byte map is cached until the index changes, so typing, which only
  changes the last word, recomputes one word per keystroke.

Scores: per word, the best title/authors/tags/key match (title 3 > others 2, times
exact 1 > prefix .8 > one typo .7 > two typos .55 > typo'd prefix .5) plus the best
abstract/notes match (weight .5); rarer words weigh more (IDF); query words found
side by side in a title get a bonus. Ties: newest ``added`` first, then insertion
order — the order of an empty query.
"""

from __future__ import annotations

import gc
import threading
from array import array
from bisect import bisect_left, insort
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from itertools import repeat

from readinglist.core.fields import (
    AUTHOR,
    BODY,
    HAS_BITS,
    KEY,
    SEARCH_FIELDS,
    STATUS_CODES,
    TAG,
    TITLE,
    YEAR_BASE,
    body_terms,
    field_terms,
    flags,
    year_code,
)
from readinglist.core.model import Paper
from readinglist.core.query import Query, parse_query
from readinglist.core.ranking import TokenMatcher, rank_slots, recency_order
from readinglist.core.results import ADJACENT_WINDOW, SearchResults, prefer_adjacent
from readinglist.core.tokens import TermMemo, fold
from readinglist.core.vocab import Vocabulary

__all__ = ["Hit", "SearchIndex", "SearchResults"]

_CLASSES = 5
_VOCAB_OF = {TITLE: 0, AUTHOR: 0, TAG: 0, BODY: 1, KEY: 2}


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: the paper, its score (0..1) and the title spans (start, end) to highlight."""

    paper: Paper
    score: float
    title_spans: tuple[tuple[int, int], ...]


class SearchIndex:
    """The search index of one library: build once, then keep it current with
    :meth:`add`, :meth:`update` and :meth:`remove`. Thread-safe: the TUI searches
    from a worker while edits arrive on the UI thread.

    The build can run in two phases: with ``defer_abstracts`` the constructor
    indexes only titles, authors, tags, keys and attributes (~4x faster), and
    abstracts and notes (most of the work) wait for :meth:`index_abstracts`, which a
    caller may run in a worker. Until then :attr:`abstracts_ready` is false and
    :meth:`search` first completes the index, so its results are always complete,
    unless called with ``partial=True``: then it answers at once from what is
    indexed so far (``results.complete`` tells). A deferred index must not be
    searched while holding a lock that edits wait on: that search may index
    every abstract first.
    """

    def __init__(
        self,
        papers: Iterable[Paper] = (),
        *,
        defer_abstracts: bool = False,
        fields: Iterable[str] | None = None,
    ) -> None:
        self._fields = SEARCH_FIELDS if fields is None else frozenset(fields) & SEARCH_FIELDS
        self._lock = threading.RLock()
        self._reset()
        self.add_many(papers, defer_abstracts=defer_abstracts)

    # -- state ----------------------------------------------------------------
    def _reset(self) -> None:
        self._cap = 0
        self._papers: list[Paper | None] = []
        self._seq = array("q")
        self._next_seq = 0
        self._slot_of: dict[str, int] = {}
        self._alive = bytearray()
        self._years = bytearray()
        self._status = bytearray()
        self._flags = bytearray()
        self._postings: tuple[defaultdict[str, array[int]], ...] = tuple(
            defaultdict(partial(array, "i")) for _ in range(_CLASSES)
        )
        # Byte maps of terms with long postings, kept current on every change so a
        # common word costs a few big-integer operations instead of 50k stores.
        self._dense: dict[tuple[int, str], bytearray] = {}
        self._dense_terms: tuple[set[str], ...] = tuple(set() for _ in range(_CLASSES))
        self._tags: dict[str, array[int]] = {}
        self._keys: list[str] = []
        self._key_slots: dict[str, list[int]] = {}
        self._vocabs = (
            Vocabulary(fuzzy=True),  # title, author and tag words: typo-tolerant
            Vocabulary(fuzzy=False),  # abstract and notes: exact and prefix only
            Vocabulary(fuzzy=False),  # citation keys: exact and prefix only
        )
        self._order_asc: list[int] = []  # alive slots by (added, -seq); reversed = newest first
        self._rank: array[int] | None = None
        self._dead = 0
        self._matcher: TokenMatcher | None = None
        # Slots whose abstract and notes wait for index_abstracts(), in slot order.
        self._body_pending = bytearray()
        self._pending: list[int] = []
        self._pending_done = 0

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._slot_of

    def _grow(self, needed: int) -> None:
        if needed <= self._cap:
            return
        extra = max(needed, 2 * self._cap, 64) - self._cap
        buffers = (self._alive, self._years, self._status, self._flags, self._body_pending)
        for buffer in (*buffers, *self._dense.values()):
            buffer.extend(bytes(extra))
        self._cap += extra

    def _order_key(self, slot: int) -> tuple[str, int]:
        paper = self._papers[slot]
        assert paper is not None
        return (paper.added, -self._seq[slot])

    def _changed(self) -> None:
        self._matcher = None

    # -- mutation ---------------------------------------------------------------
    def add(self, paper: Paper) -> None:
        """Index a paper; a paper whose id is already indexed is updated instead."""
        self.add_many((paper,))

    @property
    def abstracts_ready(self) -> bool:
        """True once every paper's abstract and notes are indexed."""
        return self._pending_done >= len(self._pending)

    def add_many(self, papers: Iterable[Paper], *, defer_abstracts: bool = False) -> None:
        """Index many papers at once (one vocabulary sort, one ordering pass);
        ``defer_abstracts`` leaves their abstracts to :meth:`index_abstracts`."""
        with self._lock:
            batch = list(papers)
            bulk = len(batch) > 64
            # A bulk build creates millions of small objects; without this the
            # cyclic collector rescans them over and over (3x slower at 100k).
            collecting = gc.isenabled() and bulk
            if collecting:
                gc.disable()
            memo = TermMemo()
            try:
                for paper in batch:
                    if paper.id and paper.id in self._slot_of:
                        self._update_locked(paper, memo)
                    else:
                        self._insert(paper, self._next_seq, memo, bulk=bulk, defer=defer_abstracts)
                        self._next_seq += 1
                if bulk:
                    self._finish_bulk()
            finally:
                if collecting:
                    gc.enable()
            self._rank = None
            self._changed()

    def _insert(
        self, paper: Paper, seq: int, memo: TermMemo, *, bulk: bool, defer: bool = False
    ) -> None:
        """Index a new paper; ``bulk`` leaves sorting and the vocabularies to
        :meth:`_finish_bulk`, once for the whole batch; ``defer`` its abstract to
        :meth:`index_abstracts`."""
        slot = len(self._papers)
        self._grow(slot + 1)
        self._papers.append(paper)
        self._seq.append(seq)
        if paper.id:
            self._slot_of[paper.id] = slot
        self._alive[slot] = 1
        self._set_attributes(slot, paper)
        terms = field_terms(paper, memo, body=not defer, fields=self._fields)
        self._post(slot, terms, vocab=not bulk)
        if defer:
            self._body_pending[slot] = 1
            self._pending.append(slot)
        self._post_tags_and_key(slot, paper, sort_keys=not bulk)
        if bulk:
            self._order_asc.append(slot)
        else:
            insort(self._order_asc, slot, key=self._order_key)

    def _finish_bulk(self) -> None:
        """Sort and fill the vocabularies after a batch of :meth:`_insert` calls."""
        # Slots are handed out in ``seq`` order, so (added, -seq) is: added
        # ascending, later slot first among equals (two stable C-level sorts).
        added = [paper.added if paper is not None else "" for paper in self._papers]
        self._order_asc.sort(reverse=True)
        self._order_asc.sort(key=added.__getitem__)
        self._keys = sorted(self._key_slots)
        for cls, terms in enumerate(self._postings):
            self._vocabs[_VOCAB_OF[cls]].add_many(set(terms))
        for vocab in self._vocabs:
            vocab.settle()

    def index_abstracts(self, batch: int = 1024) -> None:
        """Second build phase: index the abstracts and notes left by the constructor.

        Works in batches and releases the lock between them, so searches (with
        ``partial=True``) and edits can run meanwhile; safe to call from several
        threads and again once done (then it returns at once).
        """
        while True:
            with self._lock:
                if self._pending_done >= len(self._pending):
                    if self._pending:
                        self._pending = []
                        self._pending_done = 0
                        # New terms were collected in the postings only: one set
                        # difference here instead of one per paper.
                        self._vocabs[_VOCAB_OF[BODY]].add_many(set(self._postings[BODY]))
                        self._vocabs[_VOCAB_OF[BODY]].settle()
                        self._changed()
                    return
                start = self._pending_done
                slots = self._pending[start : start + batch]
                self._pending_done = start + len(slots)
                collecting = gc.isenabled()
                if collecting:
                    gc.disable()
                try:
                    self._index_bodies(slots)
                finally:
                    if collecting:
                        gc.enable()
                self._changed()

    def _index_bodies(self, slots: list[int]) -> None:
        postings = self._postings[BODY]
        dense_terms = self._dense_terms[BODY]
        pending = self._body_pending
        for slot in slots:
            paper = self._papers[slot]
            if not pending[slot] or paper is None:
                continue
            pending[slot] = 0
            terms = body_terms(paper, self._fields)
            deque(map(array.append, map(postings.__getitem__, terms), repeat(slot)), 0)
            for term in dense_terms & terms:
                self._dense[BODY, term][slot] = 1

    def _set_attributes(self, slot: int, paper: Paper) -> None:
        self._years[slot] = year_code(paper.year)
        self._status[slot] = STATUS_CODES.get(paper.status, 0)
        self._flags[slot] = flags(paper)

    def _post(self, slot: int, fields: tuple[set[str], ...], *, vocab: bool = True) -> None:
        for cls, terms in enumerate(fields):
            if not terms:
                continue
            # C-level loop: the defaultdict creates missing arrays without Python code.
            deque(map(array.append, map(self._postings[cls].__getitem__, terms), repeat(slot)), 0)
            if vocab:
                self._vocabs[_VOCAB_OF[cls]].add_many(terms)
            for term in self._dense_terms[cls] & terms:
                self._dense[cls, term][slot] = 1

    def _unpost(self, slot: int, fields: tuple[set[str], ...], classes: Iterable[int]) -> None:
        for cls in classes:
            postings = self._postings[cls]
            for term in fields[cls]:
                slots = postings.get(term)
                if slots is not None and slot in slots:
                    slots.remove(slot)
                dense = self._dense.get((cls, term))
                if dense is not None:
                    dense[slot] = 0

    def _dense_map(self, cls: int, term: str) -> bytearray:
        """The byte map of a term with long postings, created on first use."""
        dense = self._dense.get((cls, term))
        if dense is None:
            dense = bytearray(self._cap)
            deque(map(dense.__setitem__, self._postings[cls][term], repeat(1)), 0)
            self._dense[cls, term] = dense
            self._dense_terms[cls].add(term)
        return dense

    def _post_tags_and_key(self, slot: int, paper: Paper, *, sort_keys: bool = True) -> None:
        for tag in {fold(t.strip()) for t in paper.tags if t.strip()}:
            self._tags.setdefault(tag, array("i")).append(slot)
        if paper.key:
            key = fold(paper.key)
            if sort_keys and key not in self._key_slots:
                insort(self._keys, key)
            self._key_slots.setdefault(key, []).append(slot)

    def _unpost_tags_and_key(self, slot: int, paper: Paper) -> None:
        for tag in {fold(t.strip()) for t in paper.tags if t.strip()}:
            slots = self._tags.get(tag)
            if slots is not None and slot in slots:
                slots.remove(slot)
        if paper.key:
            key = fold(paper.key)
            holders = self._key_slots.get(key, [])
            if slot in holders:
                holders.remove(slot)
            if not holders:
                self._key_slots.pop(key, None)
                i = bisect_left(self._keys, key)
                if i < len(self._keys) and self._keys[i] == key:
                    del self._keys[i]

    def update(self, paper: Paper) -> None:
        """Re-index a paper with the same id and new content (added if unknown)."""
        with self._lock:
            self._update_locked(paper, TermMemo())
            self._changed()

    def _update_locked(self, paper: Paper, memo: TermMemo) -> None:
        slot = self._slot_of.get(paper.id)
        if slot is None:
            self._insert(paper, self._next_seq, memo, bulk=False)
            self._next_seq += 1
            self._rank = None
            return
        old = self._papers[slot]
        assert old is not None
        # Terms are recomputed rather than stored: keeping them per paper would
        # cost more memory than the postings themselves. A pending abstract is
        # left to index_abstracts(), which reads the paper current by then.
        body = not self._body_pending[slot]
        old_fields = field_terms(old, memo, body=body, fields=self._fields)
        new_fields = field_terms(paper, memo, body=body, fields=self._fields)
        changed = [cls for cls in range(_CLASSES) if old_fields[cls] != new_fields[cls]]
        self._unpost(slot, old_fields, changed)
        self._post(slot, tuple(new_fields[c] if c in changed else set() for c in range(_CLASSES)))
        self._unpost_tags_and_key(slot, old)
        self._post_tags_and_key(slot, paper)
        if old.added != paper.added:
            self._order_asc.remove(slot)
            self._papers[slot] = paper
            insort(self._order_asc, slot, key=self._order_key)
            self._rank = None
        self._papers[slot] = paper
        self._set_attributes(slot, paper)

    def remove(self, paper_id: str) -> None:
        """Forget a paper (no-op if unknown). Slots are tombstoned and compacted later."""
        with self._lock:
            slot = self._slot_of.pop(paper_id, None)
            if slot is None:
                return
            paper = self._papers[slot]
            assert paper is not None
            self._alive[slot] = 0
            self._unpost_tags_and_key(slot, paper)
            self._order_asc.remove(slot)
            self._papers[slot] = None
            self._dead += 1
            self._rank = None
            self._changed()
            if self._dead > 1000 and self._dead * 4 > len(self._papers):
                self._compact()

    def _compact(self) -> None:
        """Rebuild without dead slots, keeping each paper's insertion order."""
        live = sorted((self._seq[s], p) for s, p in enumerate(self._papers) if p is not None)
        self._reset()
        self.add_many(p for _, p in live)

    # -- search -----------------------------------------------------------------
    def _rank_array(self) -> array[int]:
        if self._rank is None:
            self._rank = recency_order(self._order_asc, self._cap)
        return self._rank

    def _current_matcher(self) -> TokenMatcher:
        if self._matcher is None:
            self._matcher = TokenMatcher(
                cap=self._cap,
                alive=bytes(self._alive),
                postings=self._postings,
                vocabs=self._vocabs,
                dense_map=self._dense_map,
            )
        return self._matcher

    def search(
        self, query: Query | str, limit: int | None = None, *, partial: bool = False
    ) -> SearchResults:
        """Papers matching ``query``, best first (see module docstring for the ranking).

        Pass a ``limit`` on every keystroke: ranking stays cheap, while building
        100k results costs more than the search itself. Before the abstracts are
        indexed, this indexes them first unless ``partial`` is true (see the class).
        """
        parsed = parse_query(query) if isinstance(query, str) else query
        if not partial:
            self.index_abstracts()
        with self._lock:
            complete = self.abstracts_ready
            matcher = self._current_matcher()
            mask = matcher.alive_int
            for flt in parsed.filters:
                mask &= self._filter_mask(matcher, flt.field, flt.value, flt.negated)
            for phrase in parsed.phrases:
                mask &= matcher.phrase_mask(phrase, self._papers)
            words = [
                matcher.word(w, open_word=parsed.open_word and i == len(parsed.words) - 1)
                for i, w in enumerate(parsed.words)
            ]
            slots, scores = rank_slots(
                words,
                mask,
                matcher.alive_int,
                self._cap,
                self._order_asc,
                self._rank_array(),
                # Rank a full window so the side-by-side rule can reorder into the top.
                limit if limit is None or len(words) < 2 else max(limit, ADJACENT_WINDOW),
            )
            papers: list[Paper] = [self._papers[s] for s in slots]  # type: ignore[misc]
        if len(words) > 1:
            papers, scores = prefer_adjacent(papers, scores, words)
            papers, scores = papers[:limit], scores[:limit]
        return SearchResults(papers, scores, words, parsed.phrases, Hit, complete=complete)

    def _filter_mask(self, matcher: TokenMatcher, field: str, value: object, negated: bool) -> int:
        from readinglist.core.query import YearRange

        table = bytearray(256)
        if field == "year":
            assert isinstance(value, YearRange)
            for code in range(1, 256):
                if (code + YEAR_BASE) in value:
                    table[code] = 1
            mask = int.from_bytes(self._years.translate(table), "little")
        elif field == "status":
            table[STATUS_CODES[str(value)]] = 1
            mask = int.from_bytes(self._status.translate(table), "little")
        elif field == "has":
            bit = HAS_BITS[str(value)]
            for code in range(256):
                table[code] = 1 if code & bit else 0
            mask = int.from_bytes(self._flags.translate(table), "little")
        elif field == "tag":
            mask = matcher.slots_mask([self._tags.get(str(value), array("i"))])
        elif field == "key":
            mask = matcher.slots_mask([array("i", self._key_prefixed(str(value)))])
        else:  # author
            mask = matcher.author_mask(str(value))
        mask &= matcher.alive_int
        return matcher.alive_int & ~mask if negated else mask

    def _key_prefixed(self, prefix: str) -> list[int]:
        found: list[int] = []
        i = bisect_left(self._keys, prefix)
        while i < len(self._keys) and self._keys[i].startswith(prefix):
            found.extend(self._key_slots[self._keys[i]])
            i += 1
        return found
