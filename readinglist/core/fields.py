"""What the search index stores per paper: terms per field class and one-byte attributes.

Field classes are scored differently (title > authors, tags, key > abstract and
notes); the BODY class holds most of the terms, which is why the index can build
it in a second phase.
"""

from __future__ import annotations

from pathlib import PurePath

from readinglist.core.model import Paper, Source
from readinglist.core.tokens import TermMemo, index_terms, query_words

TITLE, AUTHOR, TAG, BODY, KEY = range(5)
STATUS_CODES = {"unread": 1, "reading": 2, "read": 3, "skipped": 4}
HAS_BITS = {"code": 1, "notes": 2, "abstract": 4, "doi": 8}
YEAR_BASE = 1799  # byte 0 = unknown year; 1..255 = 1800..2054


SEARCH_FIELDS: frozenset[str] = frozenset(
    {"title", "authors", "tags", "key", "abstract", "notes"}
)  # what free words can match; config.toml's search_fields picks among them


def body_terms(paper: Paper, fields: frozenset[str] = SEARCH_FIELDS) -> set[str]:
    """Terms of the abstract and notes (the BODY class)."""
    body = index_terms(paper.abstract, long_text=True) if "abstract" in fields else set()
    if paper.notes and "notes" in fields:
        body |= index_terms(paper.notes, long_text=True)
    return body


def field_terms(
    paper: Paper,
    memo: TermMemo,
    *,
    body: bool = True,
    fields: frozenset[str] = SEARCH_FIELDS,
) -> tuple[set[str], ...]:
    """Terms per field class, in the order TITLE, AUTHOR, TAG, BODY, KEY
    (BODY left empty if ``body`` is false: the abstract is indexed later). Fields
    not in ``fields`` contribute no terms (filters like ``tag:`` still work)."""
    return (
        memo.terms(paper.title) if "title" in fields else set(),
        memo.terms(" ; ".join(paper.authors)) if "authors" in fields else set(),
        memo.terms(" ".join(paper.tags)) if "tags" in fields else set(),
        body_terms(paper, fields) if body else set(),
        index_terms(paper.key) if "key" in fields else set(),
    )


def year_code(year: int | None) -> int:
    """One byte per paper: year filters are then a ``bytes.translate`` over the library."""
    if year is None:
        return 0
    return min(255, max(1, year - YEAR_BASE))


def flags(paper: Paper) -> int:
    """``has:`` bits of a paper (see HAS_BITS)."""
    return (
        (1 if paper.code_url.strip() else 0)
        | (2 if paper.notes.strip() else 0)
        | (4 if paper.abstract.strip() else 0)
        | (8 if paper.doi.strip() else 0)
    )


def title_words(paper: Paper) -> int:
    """Number of words in the title (one byte): shorter titles win ties."""
    return min(255, len(paper.title.split()))


def small_number(value: int | None) -> int:
    """One byte per paper for ``rating:``/``priority:``: 0 = none, else value + 1 (0..253)."""
    if value is None:
        return 0
    return min(254, max(0, value)) + 1


_SOURCE_WORDS: dict[Source, tuple[str, ...]] = {}


def source_keys(paper: Paper) -> set[str]:
    """What ``source:`` matches: listing dates and imported file names, as folded
    words joined by spaces ("Aug 5" → "aug 5", "refs.bib" → "refs bib")."""
    keys: set[str] = set()
    for source in paper.sources:
        found = _SOURCE_WORDS.get(source)
        if found is None:  # most papers share a few sources: fold each once
            name = PurePath(source.file.strip()).name if source.file.strip() else ""
            found = tuple(w for w in (" ".join(query_words(t)) for t in (source.date, name)) if w)
            if len(_SOURCE_WORDS) > 4096:
                _SOURCE_WORDS.clear()
            _SOURCE_WORDS[source] = found
        keys.update(found)
    return keys
