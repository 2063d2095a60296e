"""Word forms: ``segmenting`` finds "Segmentation", ``learner`` finds "Learning".

A term's *form key* is its Snowball (Porter 2) English stem, with an agent suffix
``-er``/``-or`` also removed when at least five letters remain, so that
``learner``/``learning`` and ``detector``/``detection`` share a key (the stemmer
keeps agent nouns apart). The rule is applied to every term alike, so words the
stemmer already conflates stay together (``cluster``/``clustering`` → ``clust``).

Form keys are computed lazily and memoised: only the terms near a query word in
the sorted vocabulary are ever stemmed, never the whole vocabulary.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from itertools import islice

import snowballstemmer

_MIN_WORD = 4  # shorter words have too few letters to tell forms from other words
_MAX_CANDIDATES = 300  # terms stemmed per word, in vocabulary order
_LONGER_BY = 5  # a form is at most this much longer than the word ("vote" → "votings")
_MEMO_LIMIT = 400_000

_lock = threading.Lock()
_stemmer = snowballstemmer.stemmer("english")
_memo: dict[str, str] = {}


def form_key(term: str) -> str:
    """The key shared by the forms of a word (see the module docstring)."""
    key = _memo.get(term)
    if key is None:
        with _lock:  # stemmer objects keep state between calls
            key = _stemmer.stemWord(term)
            if len(_memo) >= _MEMO_LIMIT:
                _memo.clear()
        if len(key) >= 7 and key.endswith(("er", "or")):
            key = key[:-2]
        _memo[term] = key
    return key


def form_root(word: str) -> str | None:
    """The prefix every form of ``word`` starts with, or None if ``word`` is too short
    for word-form matching (stems may change their last letter: vote → voting)."""
    if len(word) < _MIN_WORD or not word.isalpha():
        return None
    root = form_key(word)[:-1]
    return root if len(root) >= 3 else None


def other_forms(word: str, candidates: Iterable[str]) -> Iterator[str]:
    """Terms among ``candidates`` (terms starting with ``form_root(word)``, in vocabulary
    order) that are forms of ``word`` but neither ``word`` nor an extension of it."""
    key = form_key(word)
    longest = len(word) + _LONGER_BY
    plausible = (t for t in candidates if len(t) <= longest and not t.startswith(word))
    for term in islice(plausible, _MAX_CANDIDATES):
        if form_key(term) == key:
            yield term
