"""Typo-tolerant, ranked search over the library, fast enough to run on every keystroke.

Design (measured in ``benchmarks.search``):

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
exact 1 > two adjacent query words written as one .9 ("data set" → "Dataset") >
prefix .8 > one typo .7 > another form of the word .6 ("segmenting" →
"Segmentation") > two typos .55 > typo'd prefix .5) plus the best abstract/notes
match (weight .5); rarer words weigh more (IDF). Query words found side by side in
a title get a bonus, larger for rarer words. Equal scores go to the paper whose
title holds the query words, nearest its start, then to the newest, then to the
shorter title; never to the order papers were imported in.

A one-letter word uses a per-letter map kept with the index, and a two-letter word
its most frequent expansions, so the first keystrokes of a word cost about as much
as the later ones.
"""

from __future__ import annotations

import gc
import threading
from array import array
from bisect import bisect_left, insort
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from functools import partial
from itertools import repeat
from typing import Any, overload

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
    small_number,
    source_keys,
    title_words,
    year_code,
)
from readinglist.core.model import Paper, id_rank
from readinglist.core.query import (
    AddedRange,
    Filter,
    NumberRange,
    Query,
    YearRange,
    parse_query,
)
from readinglist.core.ranking import (
    EXACT,
    PREFIX,
    SHORT_EXPANSIONS,
    TieOrder,
    TokenMatcher,
    WordMatch,
    level_of,
    rank_slots,
    scatter,
    tie_key,
)
from readinglist.core.results import RERANK_WINDOW, Hit, SearchResults, rerank, sort_papers
from readinglist.core.tokens import TermMemo, fold
from readinglist.core.vocab import Vocabulary

__all__ = ["Hit", "SearchIndex", "SearchResults"]

STATE_VERSION = 2  # of SearchIndex.state(); a saved state of another version is not read

_CLASSES = 5
_VOCAB_OF = {TITLE: 0, AUTHOR: 0, TAG: 0, BODY: 1, KEY: 2}
_PRIMARY = (TITLE, AUTHOR, TAG, KEY)
# First letters with a per-letter map (one byte per paper each, ~36 x library size).
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


class _Slots:
    """The papers by slot. A slot of a restored index holds its paper's id until the
    paper is first needed, then the paper ``load`` gives for that id: a search that
    ranks a few hundred papers reads a few hundred, not the library."""

    __slots__ = ("_items", "_load")

    def __init__(
        self, items: list[Paper | str | None], load: Callable[[str], Paper] | None = None
    ) -> None:
        self._items = items
        self._load = load

    def __getitem__(self, slot: int) -> Paper | None:
        item = self._items[slot]
        if isinstance(item, str):
            assert self._load is not None
            item = self._items[slot] = self._load(item)
        return item

    def __setitem__(self, slot: int, paper: Paper | None) -> None:
        self._items[slot] = paper

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Paper | None]:
        return map(self.__getitem__, range(len(self._items)))

    def append(self, paper: Paper) -> None:
        self._items.append(paper)


class _Ranked(Sequence[Paper]):
    """Matching papers in rank order, each read when first asked for: the TUI lists
    every match (all 150k papers for an empty query) and shows 40 of them.

    Held by id: a paper changed since the search is given as it is now; one removed
    since (the list is about to be searched again) as an empty paper of its id."""

    __slots__ = ("_ids", "_index", "_read")

    def __init__(self, index: SearchIndex, slots: list[int]) -> None:
        self._index = index
        ids = index._ids
        self._ids = [ids[s] for s in slots]
        self._read: dict[int, Paper] = {}

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, i: int) -> Paper: ...
    @overload
    def __getitem__(self, i: slice) -> list[Paper]: ...
    def __getitem__(self, i: int | slice) -> Paper | list[Paper]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self._ids)
        paper = self._read.get(i)
        if paper is None:
            paper = self._read[i] = self._index.paper_now(self._ids[i])
        return paper

    def ids(self) -> list[str]:
        return list(self._ids)

    def reordered(self, order: list[int]) -> _Ranked:
        """The first ``len(order)`` papers in that order, the rest as they are."""
        moved = _Ranked.__new__(_Ranked)
        moved._index = self._index
        moved._ids = [self._ids[i] for i in order] + self._ids[len(order) :]
        moved._read = {}
        return moved


class _Postings(defaultdict[str, "array[int]"]):
    """Term → postings, restored from one sorted term list and one array of all
    postings end to end: a term's array is made the first time it is asked for, so a
    search reads the few terms it needs rather than hundreds of thousands."""

    def __init__(self, terms: list[str], ends: array[int], slots: array[int]) -> None:
        super().__init__(partial(array, "i"))
        self._terms, self._ends, self._slots = terms, ends, slots
        self._whole = not terms
        self._dropped: set[str] = set()  # saved terms popped since: gone, not to restore

    def _where(self, term: str) -> int:
        terms = self._terms
        i = bisect_left(terms, term)
        return i if i < len(terms) and terms[i] == term else -1

    def _restore(self, term: str) -> array[int] | None:
        """The saved postings of ``term``, now held as an ordinary entry, if any."""
        if self._whole or dict.__contains__(self, term) or term in self._dropped:
            return None
        i = self._where(term)
        if i < 0:
            return None
        found = self._slots[self._ends[i - 1] if i else 0 : self._ends[i]]
        dict.__setitem__(self, term, found)
        return found

    def _restore_all(self) -> None:
        if not self._whole:
            for term in self._terms:
                self._restore(term)
            self._whole = True
            self._terms, self._ends, self._slots = [], array("q"), array("i")

    def size(self, term: str) -> int:
        """``len(self.get(term, ()))`` without making the term's array."""
        if dict.__contains__(self, term):
            return len(dict.__getitem__(self, term))
        i = -1 if self._whole or term in self._dropped else self._where(term)
        if i < 0:
            return 0
        return self._ends[i] - (self._ends[i - 1] if i else 0)

    def packed(self, *, copy: bool = True) -> tuple[list[str], array[int], array[int] | SlotRuns]:
        """What :func:`_pack_postings` makes, from the saved arrays as they are and
        the few terms made into ordinary entries since (changed or not), without
        making every term's array."""
        own = dict(dict.items(self))  # terms made into entries (a search, a change)
        for term in self._dropped:
            own.setdefault(term, array("i"))  # (an empty entry is left out)
        terms, ends, flat = self._terms, self._ends, memoryview(self._slots)
        out_terms: list[str] = []
        out_ends = array("q")
        runs: list[array[int] | memoryview] = []
        total = 0  # slots in the runs so far
        done = 0  # saved terms copied so far

        def copy_saved(upto: int) -> None:
            nonlocal done, total
            if upto <= done:
                return
            start = ends[done - 1] if done else 0
            runs.append(flat[start : ends[upto - 1]])
            base = total - start
            out_terms.extend(terms[done:upto])
            out_ends.extend(end + base for end in ends[done:upto])
            total += ends[upto - 1] - start
            done = upto

        for term in sorted(own):
            i = bisect_left(terms, term)
            copy_saved(i)
            if i < len(terms) and terms[i] == term:
                done = i + 1  # replaced by its own entry
            if own[term]:
                runs.append(own[term])
                total += len(own[term])
                out_terms.append(term)
                out_ends.append(total)
        copy_saved(len(terms))
        flat_runs = SlotRuns(runs)
        return out_terms, out_ends, flat_runs.joined() if copy else flat_runs

    def __missing__(self, term: str) -> array[int]:
        found = self._restore(term)
        return found if found is not None else super().__missing__(term)

    def __contains__(self, term: object) -> bool:
        if dict.__contains__(self, term):
            return True
        return (
            isinstance(term, str)
            and not self._whole
            and term not in self._dropped
            and self._where(term) >= 0
        )

    def get(self, term: str, default: Any = None) -> Any:
        if dict.__contains__(self, term):
            return dict.__getitem__(self, term)
        found = self._restore(term)
        return default if found is None else found

    def pop(self, term: str, *default: Any) -> Any:
        self._restore(term)
        if not self._whole:
            self._dropped.add(term)
        return super().pop(term, *default)

    def __iter__(self) -> Iterator[str]:
        self._restore_all()
        return super().__iter__()

    def __len__(self) -> int:
        self._restore_all()
        return super().__len__()

    def keys(self) -> Any:
        self._restore_all()
        return super().keys()

    def values(self) -> Any:
        self._restore_all()
        return super().values()

    def items(self) -> Any:
        self._restore_all()
        return super().items()


def _size(postings: dict[str, array[int]], term: str) -> int:
    """How many slots a term's postings hold (a restored term's array is not made)."""
    if isinstance(postings, _Postings):
        return postings.size(term)
    found = postings.get(term)
    return len(found) if found is not None else 0


class SlotRuns:
    """Slot arrays meant end to end, left where they are: what a saved index writes
    as one array without first copying tens of megabytes into one (see
    :meth:`SearchIndex.state_parts`). Valid only while the index is not changed."""

    typecode = "i"

    def __init__(self, runs: list[array[int] | memoryview]) -> None:
        self.runs = runs

    def __len__(self) -> int:
        return sum(map(len, self.runs))

    def joined(self) -> array[int]:
        flat = array("i")
        for run in self.runs:
            flat.frombytes(memoryview(run).cast("B"))
        return flat

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SlotRuns):
            other = other.joined()
        return self.joined() == other

    __hash__ = None  # type: ignore[assignment]


def _pack_postings(
    postings: dict[str, array[int]], *, copy: bool = True
) -> tuple[list[str], array[int], array[int] | SlotRuns]:
    """(sorted terms, end offsets, every term's postings end to end) for :class:`_Postings`
    (new arrays, which marshal writes as bytes; without ``copy``, the postings end to
    end are the index's own arrays, not joined)."""
    if isinstance(postings, _Postings) and not postings._whole:
        return postings.packed(copy=copy)
    terms = sorted(term for term, slots in postings.items() if slots)
    ends = array("q")
    runs: list[array[int] | memoryview] = []
    total = 0
    for term in terms:
        slots = postings[term]
        runs.append(slots)
        total += len(slots)
        ends.append(total)
    runs_of = SlotRuns(runs)
    return terms, ends, runs_of.joined() if copy else runs_of


def _unpack_postings(packed: tuple[list[str], bytes | array[int], bytes | array[int]]) -> _Postings:
    terms, ends, flat = packed
    return _Postings(terms, _ints("q", ends), _ints("i", flat))


def _ints(kind: str, data: bytes | array[int]) -> array[int]:
    """The array ``data`` holds (an array of that kind read back is taken as it is)."""
    if isinstance(data, array) and data.typecode == kind:
        return data
    values = array(kind)
    values.frombytes(data)
    return values


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
        self._papers = _Slots([])
        self._added: list[str] = []  # each slot's paper.added ("" once removed)
        self._seq = array("q")
        self._next_seq = 0
        self._ids: list[str] = []  # each slot's paper id ("" once removed)
        self._slot_of: dict[str, int] = {}
        self._alive = bytearray()
        self._years = bytearray()
        self._status = bytearray()
        self._flags = bytearray()
        self._title_words = bytearray()
        self._rating = bytearray()
        self._priority = bytearray()
        self._postings: tuple[defaultdict[str, array[int]], ...] = tuple(
            defaultdict(partial(array, "i")) for _ in range(_CLASSES)
        )
        # Byte maps of terms with long postings, kept current on every change so a
        # common word costs a few big-integer operations instead of 50k stores.
        self._dense: dict[tuple[int, str], bytearray] = {}
        self._dense_terms: tuple[set[str], ...] = tuple(set() for _ in range(_CLASSES))
        self._tags: dict[str, array[int]] = {}
        self._sources: dict[str, array[int]] = {}
        # Per first letter: each slot's best level for a title/author/tag/key term
        # starting with it (what a one-letter word matches), built after a bulk add
        # and kept current on every change.
        self._letters: dict[str, bytearray] = {}
        # Two-letter prefix → its most frequent title/author/tag terms (cached).
        self._short: dict[str, list[str]] = {}
        self._keys: list[str] = []
        self._key_slots: defaultdict[str, array[int]] = defaultdict(partial(array, "i"))
        self._vocabs = (
            Vocabulary(fuzzy=True),  # title, author and tag words: typo-tolerant
            Vocabulary(fuzzy=False),  # abstract and notes: exact and prefix only
            Vocabulary(fuzzy=False),  # citation keys: exact and prefix only
        )
        self._order_asc: list[int] = []  # alive slots by (added, -seq); reversed = newest first
        # Alive slots in tie order (see TieOrder), kept current on every change.
        self._tie_keys: list[int] = []
        self._tie_slots: list[int] = []
        self._dead = 0
        self._matcher: TokenMatcher | None = None
        # Slots whose abstract and notes wait for index_abstracts(), in slot order.
        self._body_pending = bytearray()
        self._pending: list[int] = []
        self._pending_done = 0

    def __len__(self) -> int:
        return len(self._slot_of)

    @property
    def fields(self) -> frozenset[str]:
        """The paper fields searched."""
        return self._fields

    def state(self) -> tuple[Any, ...]:
        """Everything the index holds but the papers themselves, as plain values
        (strings, numbers, bytes, lists, dicts), for :meth:`from_state`. Indexes the
        abstracts first if they wait."""
        return tuple(self.state_parts(copy=True))

    def state_parts(self, *, copy: bool = False) -> Iterator[Any]:
        """The parts of :meth:`state` one at a time, each made when asked for: a
        caller saving them one by one never holds more than one part's copy (the
        postings of one field class are tens of megabytes at 150k papers). Without
        ``copy`` the postings end to end are the index's own arrays
        (:class:`SlotRuns`): change nothing in the index while using them."""
        self.index_abstracts()
        with self._lock:
            yield STATE_VERSION
            yield sorted(self._fields)
            yield self._cap
            yield self._ids
            yield self._added
            yield self._seq.tobytes()
            yield self._next_seq
            for buffer in (
                self._alive,
                self._years,
                self._status,
                self._flags,
                self._title_words,
                self._rating,
                self._priority,
            ):
                yield bytes(buffer)
            for postings in self._postings:
                yield _pack_postings(postings, copy=copy)
            yield {tag: slots.tobytes() for tag, slots in self._tags.items()}
            yield {key: slots.tobytes() for key, slots in self._sources.items()}
            yield {letter: bytes(levels) for letter, levels in self._letters.items()}
            yield self._keys
            yield _pack_postings(self._key_slots, copy=copy)
            yield [vocab.state() for vocab in self._vocabs]
            yield self._order_asc
            yield self._tie_keys
            yield self._tie_slots
            yield self._dead

    @classmethod
    def from_state(cls, state: tuple[Any, ...], load: Callable[[str], Paper]) -> SearchIndex:
        """The index :meth:`state` described; ``load`` gives the paper of an id when a
        search first needs it. Raises ValueError for a state of another version."""
        if not state or state[0] != STATE_VERSION:
            raise ValueError("a search index saved by another version")
        (
            _version,
            fields,
            cap,
            ids,
            added,
            seq,
            next_seq,
            alive,
            years,
            status,
            flag_codes,
            title_word_counts,
            rating,
            priority,
            *postings,
            tags,
            sources,
            letters,
            keys,
            key_slots,
            vocabs,
            order_asc,
            tie_keys,
            tie_slots,
            dead,
        ) = state
        if len(postings) != _CLASSES:
            raise ValueError("a search index whose parts do not fit together")
        index = cls.__new__(cls)
        index._fields = frozenset(fields)
        index._lock = threading.RLock()
        index._reset()
        index._cap = cap
        index._papers = _Slots([paper_id or None for paper_id in ids], load)
        index._added = added
        index._seq = _ints("q", seq)
        index._next_seq = next_seq
        index._ids = ids
        index._slot_of = {paper_id: slot for slot, paper_id in enumerate(ids) if paper_id}
        index._alive = bytearray(alive)
        index._years = bytearray(years)
        index._status = bytearray(status)
        index._flags = bytearray(flag_codes)
        index._title_words = bytearray(title_word_counts)
        index._rating = bytearray(rating)
        index._priority = bytearray(priority)
        index._body_pending = bytearray(cap)
        index._postings = tuple(_unpack_postings(packed) for packed in postings)
        index._tags = {tag: _ints("i", data) for tag, data in tags.items()}
        index._sources = {key: _ints("i", data) for key, data in sources.items()}
        index._letters = {letter: bytearray(levels) for letter, levels in letters.items()}
        index._keys = keys
        index._key_slots = _unpack_postings(key_slots)
        primary, body, key_vocab = (Vocabulary.from_state(vocab) for vocab in vocabs)
        index._vocabs = (primary, body, key_vocab)
        index._order_asc = order_asc
        index._tie_keys = tie_keys
        index._tie_slots = tie_slots
        index._dead = dead
        buffers = (index._alive, index._years, index._status, index._flags, index._title_words)
        if len(ids) > cap or any(len(b) != cap for b in buffers) or len(added) != len(ids):
            raise ValueError("a search index whose parts do not fit together")
        return index

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._slot_of

    def _grow(self, needed: int) -> None:
        if needed <= self._cap:
            return
        extra = max(needed, 2 * self._cap, 64) - self._cap
        buffers = (
            self._alive,
            self._years,
            self._status,
            self._flags,
            self._title_words,
            self._rating,
            self._priority,
            self._body_pending,
        )
        for buffer in (*buffers, *self._dense.values(), *self._letters.values()):
            buffer.extend(bytes(extra))
        self._cap += extra

    def _order_key(self, slot: int) -> tuple[str, int]:
        return (self._added[slot], -id_rank(self._ids[slot]))

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

    def add_many(
        self, papers: Iterable[Paper], *, defer_abstracts: bool = False, finish: bool = True
    ) -> None:
        """Index many papers at once (one vocabulary sort, one ordering pass);
        ``defer_abstracts`` leaves their abstracts to :meth:`index_abstracts`. Without
        ``finish``, papers come in several batches (as a file is parsed): sorting and
        the vocabularies wait for :meth:`finish_bulk`, and nothing may search until
        then."""
        with self._lock:
            batch = list(papers)
            bulk = len(batch) > 64 or not finish
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
                if bulk and finish:
                    self._finish_bulk()
            finally:
                if collecting:
                    gc.enable()
            self._changed()

    def finish_bulk(self) -> None:
        """End batches added without ``finish`` (see :meth:`add_many`)."""
        with self._lock:
            self._finish_bulk()
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
        self._added.append(paper.added)
        self._seq.append(seq)
        self._ids.append(paper.id)
        if paper.id:
            self._slot_of[paper.id] = slot
        self._alive[slot] = 1
        self._set_attributes(slot, paper)
        self._tie_keys.append(tie_key(paper.added, self._title_words[slot], id_rank(paper.id)))
        if bulk:
            self._tie_slots.append(slot)
        else:
            insort(self._tie_slots, slot, key=self._tie_keys.__getitem__)
        terms = field_terms(paper, memo, body=not defer, fields=self._fields)
        self._post(slot, terms, vocab=not bulk)
        if not bulk:
            self._paint_letters(slot, terms)
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
        self._order_asc.sort(key=self._order_key)
        self._tie_slots.sort(key=self._tie_keys.__getitem__)
        self._keys = sorted(k for k, slots in self._key_slots.items() if slots)
        for cls, terms in enumerate(self._postings):
            self._vocabs[_VOCAB_OF[cls]].add_many(set(terms))
        for vocab in self._vocabs:
            vocab.settle()
        self._short.clear()
        self._build_letter_maps()

    def _build_letter_maps(self) -> None:
        """(Re)build the per-letter maps from the postings (levels painted in rising
        order, so each slot keeps its best)."""
        groups: dict[str, dict[int, list[array[int]]]] = {}
        for cls in _PRIMARY:
            prefix_level, exact_level = level_of(cls, PREFIX), level_of(cls, EXACT)
            for term, slots in self._postings[cls].items():
                if slots and term[0] in _LETTERS:
                    level = exact_level if len(term) == 1 else prefix_level
                    groups.setdefault(term[0], {}).setdefault(level, []).append(slots)
        self._letters = {letter: scatter(self._cap, levels) for letter, levels in groups.items()}

    def _paint_letters(self, slot: int, fields: tuple[set[str], ...]) -> None:
        """Set a slot's value in every letter map from its current terms."""
        if not self._letters:
            return
        best: dict[str, int] = {}
        for cls in _PRIMARY:
            prefix_level, exact_level = level_of(cls, PREFIX), level_of(cls, EXACT)
            for term in fields[cls]:
                level = exact_level if len(term) == 1 else prefix_level
                if best.get(term[0], 0) < level:
                    best[term[0]] = level
        for letter, levels in self._letters.items():
            levels[slot] = best.get(letter, 0)
        for letter in best.keys() - self._letters.keys():
            if letter in _LETTERS:
                levels = self._letters[letter] = bytearray(self._cap)
                levels[slot] = best[letter]

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
        self._rating[slot] = small_number(paper.rating)
        self._priority[slot] = small_number(paper.priority)
        self._title_words[slot] = title_words(paper)

    def _post(self, slot: int, fields: tuple[set[str], ...], *, vocab: bool = True) -> None:
        for cls, terms in enumerate(fields):
            if not terms:
                continue
            # C-level loop: the defaultdict creates missing arrays without Python code.
            deque(map(array.append, map(self._postings[cls].__getitem__, terms), repeat(slot)), 0)
            if vocab and self._vocabs[_VOCAB_OF[cls]].add_many(terms) and cls != BODY:
                self._short.clear()
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
        for source in source_keys(paper):
            self._sources.setdefault(source, array("i")).append(slot)
        if paper.key:
            key = fold(paper.key)
            if sort_keys and key not in self._key_slots:
                insort(self._keys, key)
            self._key_slots[key].append(slot)

    def _unpost_tags_and_key(self, slot: int, paper: Paper) -> None:
        for tag in {fold(t.strip()) for t in paper.tags if t.strip()}:
            slots = self._tags.get(tag)
            if slots is not None and slot in slots:
                slots.remove(slot)
        for source in source_keys(paper):
            slots = self._sources.get(source)
            if slots is not None and slot in slots:
                slots.remove(slot)
        if paper.key:
            key = fold(paper.key)
            holders = self._key_slots.get(key) or array("i")
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
            return
        old = self._papers[slot]
        assert old is not None
        # Terms are recomputed rather than stored: keeping them per paper would
        # cost more memory than the postings themselves. A pending abstract is
        # left to index_abstracts(), which reads the paper current by then.
        # The abstract and notes (most of the work) only when they changed: a tag or
        # a status on thousands of papers tokenises no abstract.
        body = not self._body_pending[slot] and (
            old.abstract != paper.abstract or old.notes != paper.notes
        )
        old_fields = field_terms(old, memo, body=body, fields=self._fields)
        new_fields = field_terms(paper, memo, body=body, fields=self._fields)
        changed = [cls for cls in range(_CLASSES) if old_fields[cls] != new_fields[cls]]
        self._unpost(slot, old_fields, changed)
        self._post(slot, tuple(new_fields[c] if c in changed else set() for c in range(_CLASSES)))
        if any(cls in _PRIMARY for cls in changed):
            self._paint_letters(slot, new_fields)
        self._unpost_tags_and_key(slot, old)
        self._post_tags_and_key(slot, paper)
        if old.added != paper.added:
            self._order_asc.remove(slot)
            self._added[slot] = paper.added
            insort(self._order_asc, slot, key=self._order_key)
        self._papers[slot] = paper
        self._set_attributes(slot, paper)
        key = tie_key(paper.added, self._title_words[slot], id_rank(paper.id))
        if key != self._tie_keys[slot]:
            self._untie(slot)
            self._tie_keys[slot] = key
            insort(self._tie_slots, slot, key=self._tie_keys.__getitem__)

    def _untie(self, slot: int) -> None:
        """Take a slot out of the tie order (found by bisection on its key)."""
        keys = self._tie_keys
        at = bisect_left(self._tie_slots, keys[slot], key=keys.__getitem__)
        while self._tie_slots[at] != slot:
            at += 1
        del self._tie_slots[at]

    def remove(self, paper_id: str) -> None:
        """Forget a paper (no-op if unknown). Slots are tombstoned and compacted later."""
        with self._lock:
            slot = self._slot_of.get(paper_id)
            if slot is None:
                return
            paper = self._papers[slot]
            assert paper is not None
            self._remove_locked(paper)
            self._changed()
            self._compact_if_worth_it()

    def _remove_locked(self, paper: Paper) -> None:
        """Tombstone the slot of ``paper``, the version it holds (given: never read)."""
        slot = self._slot_of.pop(paper.id)
        self._alive[slot] = 0
        self._unpost_tags_and_key(slot, paper)
        self._order_asc.remove(slot)
        self._untie(slot)
        self._papers[slot] = None
        self._added[slot] = ""
        self._ids[slot] = ""
        self._dead += 1

    def _holds(self, paper: Paper) -> bool:
        """Whether this very paper is indexed already (added while it was imported)."""
        slot = self._slot_of.get(paper.id)
        return slot is not None and self._papers._items[slot] is paper

    def _compact_if_worth_it(self) -> None:
        if self._dead > 1000 and self._dead * 4 > len(self._papers):
            self._compact()

    def apply(self, changes: Iterable[tuple[Paper | None, Paper | None, bool]]) -> None:
        """Apply changed papers in one go, each as (the version indexed, the new
        version, whether only that version is to be held: a change no search sees).
        None before: added; None after: removed. The version a change replaces is
        given, never read back: the papers may already be gone from where the index
        reads them."""
        with self._lock:
            added: list[Paper] = []
            memo = TermMemo()
            for before, after, held in changes:
                slot = None if before is None else self._slot_of.get(before.id)
                if slot is None or before is None:
                    if after is not None and not self._holds(after):
                        added.append(after)
                    continue
                self._papers[slot] = before  # (a slot not read yet holds an id)
                if after is None:
                    self._remove_locked(before)
                elif held:
                    self._papers[slot] = after
                else:
                    self._update_locked(after, memo)
            self._changed()
            if added:
                self.add_many(added)
            self._compact_if_worth_it()

    def replace_papers(self, gone: Collection[str], papers: Iterable[Paper]) -> None:
        """Forget the papers ``gone`` names and index ``papers`` as new ones, reading
        nothing of what was there before: an index restored from a saved state can
        then catch up with papers whose old version no longer exists anywhere.

        A forgotten paper's slot is only marked dead; whatever it still holds (tags,
        key) is masked out by every search as any removed paper's is."""
        with self._lock:
            slots = {self._slot_of.pop(pid) for pid in gone if pid in self._slot_of}
            if slots:
                for slot in slots:
                    self._alive[slot] = 0
                    self._papers[slot] = None
                    self._added[slot] = ""
                    self._ids[slot] = ""
                self._order_asc = [s for s in self._order_asc if s not in slots]
                self._tie_slots = [s for s in self._tie_slots if s not in slots]
                self._dead += len(slots)
            memo = TermMemo()
            for paper in papers:
                self._insert(paper, self._next_seq, memo, bulk=False)
                self._next_seq += 1
            self._changed()

    def read_papers_with(self, load: Callable[[str], Paper]) -> None:
        """From now on, a paper not yet read is read with ``load`` (see :class:`_Slots`)."""
        self._papers._load = load

    def paper_now(self, paper_id: str) -> Paper:
        """The paper indexed under this id (see :class:`_Ranked`)."""
        with self._lock:
            slot = self._slot_of.get(paper_id)
            paper = None if slot is None else self._papers[slot]
        return paper if paper is not None else Paper(title="", id=paper_id)

    def ids(self) -> list[str]:
        """The ids of the papers indexed."""
        return list(self._slot_of)

    def slot_ids(self) -> list[str]:
        """Each slot's paper id ("" for a slot no longer used); not to be changed."""
        return self._ids

    def tag_tally(self) -> dict[str, tuple[int, str]]:
        """Each tag (folded, as ``tag:`` matches it): how many papers have it, and
        the id of one of them."""
        alive, ids = self._alive, self._ids
        tally: dict[str, tuple[int, str]] = {}
        for tag, slots in self._tags.items():
            live = [s for s in slots if alive[s] and ids[s]]
            if live:
                tally[tag] = (len(set(live)), ids[live[0]])
        return tally

    def status_counts(self) -> dict[str, int]:
        """How many papers have each status."""
        names = {code: name for name, code in STATUS_CODES.items()}
        counts = Counter(c for c, a in zip(self._status, self._alive, strict=False) if a)
        return {names[c]: n for c, n in counts.items()}

    def slot_of(self, paper_id: str) -> int | None:
        """The slot of a paper the index holds (None for another id)."""
        return self._slot_of.get(paper_id)

    def _compact(self) -> None:
        """Rebuild without dead slots, keeping each paper's insertion order."""
        live = sorted((self._seq[s], p) for s, p in enumerate(self._papers) if p is not None)
        self._reset()
        self.add_many(p for _, p in live)

    # -- search -----------------------------------------------------------------
    def _tie_order(self) -> TieOrder:
        return TieOrder(self._tie_keys, self._tie_slots)

    def _short_terms(self, prefix: str) -> list[str]:
        """A two-letter word's expansions: the word itself, then the most frequent
        title/author/tag terms starting with it."""
        found = self._short.get(prefix)
        if found is None:
            postings = [self._postings[cls] for cls in (TITLE, AUTHOR, TAG)]

            def frequency(term: str) -> int:
                return sum(map(_size, postings, repeat(term, len(postings))))

            terms = sorted(self._vocabs[0].prefixed(prefix), key=frequency, reverse=True)
            found = [t for t in terms[:SHORT_EXPANSIONS] if t != prefix]
            if prefix in self._vocabs[0]:
                found.insert(0, prefix)
            self._short[prefix] = found
        return found

    def _current_matcher(self) -> TokenMatcher:
        if self._matcher is None:
            self._matcher = TokenMatcher(
                cap=self._cap,
                alive=bytes(self._alive),
                postings=self._postings,
                vocabs=self._vocabs,
                dense_map=self._dense_map,
                letter_map=self._letters.get,
                short_terms=self._short_terms,
            )
        return self._matcher

    def search(
        self,
        query: Query | str,
        limit: int | None = None,
        *,
        partial: bool = False,
        marked: Collection[str] = (),
    ) -> SearchResults:
        """Papers matching ``query``, best first (see module docstring for the ranking).

        Pass a ``limit`` on every keystroke: ranking stays cheap, while building
        100k results costs more than the search itself. Before the abstracts are
        indexed, this indexes them first unless ``partial`` is true (see the class).
        ``marked`` holds the ids ``is:marked`` selects.
        """
        parsed = parse_query(query) if isinstance(query, str) else query
        if not partial:
            self.index_abstracts()
        with self._lock:
            complete = self.abstracts_ready
            matcher = self._current_matcher()
            mask = matcher.alive_int
            for flt in parsed.filters:
                mask &= self._filter_mask(matcher, flt, marked)
            for phrase in parsed.phrases:
                mask &= matcher.phrase_mask(phrase, self._papers.__getitem__)
            for i, word in enumerate(parsed.excluded):
                last = parsed.excluded_open and i == len(parsed.excluded) - 1
                mask &= ~matcher.excluded(word, open_word=last)
            words = self._match_words(matcher, parsed)
            window = limit
            if parsed.sort is not None:
                window = None
            elif words and limit is not None:
                window = max(limit, RERANK_WINDOW)  # the re-ranking may lift any of these
            slots, scores, weights = rank_slots(
                words,
                mask,
                matcher.alive_int,
                self._cap,
                self._order_asc,
                self._tie_order(),
                window,
            )
            papers: Sequence[Paper] = _Ranked(self, slots)
        if words:
            papers, scores = rerank(papers, scores, words, weights)
        if parsed.sort is not None:
            papers, scores = sort_papers(papers, scores, parsed.sort)
        if limit is not None:
            papers, scores = papers[:limit], scores[:limit]
        return SearchResults(papers, scores, words, parsed.phrases, Hit, complete=complete)

    @staticmethod
    def _match_words(matcher: TokenMatcher, parsed: Query) -> list[WordMatch]:
        """Each free word's match, widened where it and its neighbour are written as
        one term ("common sense" also finds "Commonsense")."""
        last = len(parsed.words) - 1
        words = [
            matcher.word(w, open_word=parsed.open_word and i == last)
            for i, w in enumerate(parsed.words)
        ]
        for i in range(last):
            joined = matcher.joined(
                parsed.words[i], parsed.words[i + 1], open_word=parsed.open_word and i + 1 == last
            )
            if joined is not None:
                words[i] = words[i].merged(joined, matcher.alive_int)
                words[i + 1] = words[i + 1].merged(joined, matcher.alive_int)
        return words

    def _filter_mask(self, matcher: TokenMatcher, flt: Filter, marked: Collection[str]) -> int:
        field, value = flt.field, flt.value
        table = bytearray(256)
        if field == "year":
            assert isinstance(value, YearRange)
            for code in range(1, 256):
                if (code + YEAR_BASE) in value:
                    table[code] = 1
            mask = int.from_bytes(self._years.translate(table), "little")
        elif field in ("rating", "priority"):
            assert isinstance(value, NumberRange)
            for code in range(256):
                table[code] = (code - 1 if code else None) in value
            codes = self._rating if field == "rating" else self._priority
            mask = int.from_bytes(codes.translate(table), "little")
        elif field == "added":
            assert isinstance(value, AddedRange)
            mask = matcher.slots_mask([array("i", self._added_between(value))])
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
        elif field == "source":
            mask = matcher.slots_mask(
                slots for key, slots in self._sources.items() if _words_match(key, str(value))
            )
        elif field == "is":  # is:marked
            ids = [self._slot_of.get(paper_id) for paper_id in marked]
            mask = matcher.slots_mask([array("i", (s for s in ids if s is not None))])
        elif field == "key":
            mask = matcher.slots_mask([array("i", self._key_prefixed(str(value)))])
        else:  # author
            mask = matcher.author_mask(str(value))
        mask &= matcher.alive_int
        return matcher.alive_int & ~mask if flt.negated else mask

    def _added_between(self, span: AddedRange) -> list[int]:
        """Alive slots with ``span.start <= added < span.end`` (a slice of the added order)."""
        order = self._order_asc
        added = self._added.__getitem__
        start = bisect_left(order, span.start, key=added)
        end = bisect_left(order, span.end, lo=start, key=added)
        return order[start:end]

    def _key_prefixed(self, prefix: str) -> list[int]:
        found: list[int] = []
        i = bisect_left(self._keys, prefix)
        while i < len(self._keys) and self._keys[i].startswith(prefix):
            found.extend(self._key_slots[self._keys[i]])
            i += 1
        return found


def _words_match(key: str, value: str) -> bool:
    """``value``'s words appear in ``key`` in a row, the last one as a prefix
    ("aug 5" matches "aug 5" but not "aug 15"; "refs" matches "refs bib")."""
    have, want = key.split(), value.split()
    for start in range(len(have) - len(want) + 1):
        window = have[start : start + len(want)]
        if window[:-1] == want[:-1] and window[-1].startswith(want[-1]):
            return True
    return False
