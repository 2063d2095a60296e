"""The one query language of the TUI search box, ``list``, ``export`` and ``pick`` (SPEC §5).

``parse_query`` turns text into an immutable :class:`Query` value or raises
:class:`QueryError` with a one-line message the UI can show as is.

Grammar (terms separated by whitespace, combined with AND)::

    word                 free word: fuzzy, typo-tolerant, prefix-aware, ranked
    "exact words"        phrase: words in this order at a word start (case/accent-insensitive)
    tag:NAME             exact tag, case-insensitive (use tag:"two words" for spaces)
    status:S             unread | reading | read | skipped
    year:2023  year:>=2020  year:<2000  year:2018..2021  year:2018..  year:..2021
    author:NAME          every word of NAME matches an author name word (prefix or typo)
    key:PREFIX           citation key starts with PREFIX (case-insensitive)
    has:code|notes|abstract|doi
    -FILTER              any filter can be negated: -tag:survey, -status:read, -has:code

A colon after an unknown alphabetic name (``foo:bar``) is an error, so a mistyped
filter is never silently searched as text; ``ELA:`` (nothing after the colon) is a word.
An unterminated quote runs to the end of the text, so typing a phrase never flickers errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from readinglist.core.errors import QueryError
from readinglist.core.model import STATUSES
from readinglist.core.tokens import fold, query_words

FILTER_FIELDS: tuple[str, ...] = ("tag", "status", "year", "author", "key", "has")
HAS_VALUES: tuple[str, ...] = ("code", "notes", "abstract", "doi")
YEAR_MIN, YEAR_MAX = 0, 9999


@dataclass(frozen=True, slots=True)
class YearRange:
    """Inclusive year range; ``year:2023`` is ``YearRange(2023, 2023)``."""

    low: int = YEAR_MIN
    high: int = YEAR_MAX

    def __contains__(self, year: object) -> bool:
        return isinstance(year, int) and self.low <= year <= self.high


@dataclass(frozen=True, slots=True)
class Filter:
    """One ``field:value`` term; ``value`` is folded text, or a YearRange for ``year:``."""

    field: str
    value: str | YearRange
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query. ``words`` are folded; ``open_word`` means the last word is still
    being typed (no whitespace after it), so it may also match as a typo'd prefix."""

    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    open_word: bool = False
    text: str = ""

    @property
    def is_empty(self) -> bool:
        """No words, phrases or filters: every paper matches."""
        return not (self.words or self.phrases or self.filters)

    def __str__(self) -> str:
        return self.text


_TERM = re.compile(r'(-?)([A-Za-z]+):("(?:[^"]*)"?|\S*)|"([^"]*)"?|(\S+)')
_YEAR_OP = re.compile(r"^(>=|<=|>|<|=)?(\d{1,4})$")
_YEAR_RANGE = re.compile(r"^(\d{1,4})?\.\.(\d{1,4})?$")


def _year_range(raw: str) -> YearRange:
    value = raw.strip()
    if match := _YEAR_RANGE.match(value):
        low = int(match.group(1)) if match.group(1) else YEAR_MIN
        high = int(match.group(2)) if match.group(2) else YEAR_MAX
        if match.group(1) is None and match.group(2) is None:
            raise QueryError("year: needs a year, e.g. year:2023, year:>=2020, year:2018..2021")
        if low > high:
            raise QueryError(f"year:{value}: the range is empty ({low} > {high})")
        return YearRange(low, high)
    if match := _YEAR_OP.match(value):
        op, year = match.group(1) or "=", int(match.group(2))
        return {
            "=": YearRange(year, year),
            ">=": YearRange(year, YEAR_MAX),
            ">": YearRange(year + 1, YEAR_MAX),
            "<=": YearRange(YEAR_MIN, year),
            "<": YearRange(YEAR_MIN, year - 1),
        }[op]
    raise QueryError(f"year:{value} is not a year; use year:2023, year:>=2020 or year:2018..2021")


def _filter(field: str, raw: str, negated: bool) -> Filter:
    value = raw[1:].rstrip('"') if raw.startswith('"') else raw
    if not value.strip():
        raise QueryError(f"{field}: needs a value, e.g. {_EXAMPLES[field]}")
    if field == "year":
        return Filter("year", _year_range(value), negated)
    folded = fold(value.strip())
    if field == "status":
        if folded not in STATUSES:
            raise QueryError(f"status:{value} is unknown; use one of {', '.join(STATUSES)}")
    elif field == "has":
        if folded not in HAS_VALUES:
            raise QueryError(f"has:{value} is unknown; use one of {', '.join(HAS_VALUES)}")
    elif field in ("author", "key") and not query_words(folded):
        raise QueryError(f"{field}:{value} has no letters or digits to match")
    return Filter(field, folded, negated)


_EXAMPLES = {
    "tag": "tag:kd",
    "status": "status:unread",
    "year": "year:>=2020",
    "author": "author:hinton",
    "key": "key:vaswani",
    "has": "has:code",
}


def parse_query(text: str) -> Query:
    """Parse the query language; raises QueryError with a one-line, user-facing message."""
    words: list[str] = []
    phrases: list[str] = []
    filters: list[Filter] = []
    open_word = False
    for match in _TERM.finditer(text):
        negation, name, raw, phrase, bare = match.groups()
        open_word = False
        if name is not None:
            field = name.lower()
            if field in FILTER_FIELDS:
                filters.append(_filter(field, raw, bool(negation)))
                continue
            if raw and (raw[0].isalnum() or raw[0] in '"<>=.'):
                known = ", ".join(f"{f}:" for f in FILTER_FIELDS)
                raise QueryError(f"unknown filter {name}: (known: {known})")
            bare = match.group()
        if phrase is not None:
            folded = " ".join(query_words(phrase))
            if folded:
                phrases.append(folded)
            continue
        if bare.startswith("-") and bare[1:2].isalpha():
            raise QueryError(
                f"{bare}: only filters can be excluded, e.g. -tag:survey or -status:read"
            )
        new = query_words(bare)
        words.extend(new)
        open_word = bool(new) and match.end() == len(text)
    return Query(
        words=tuple(words),
        phrases=tuple(phrases),
        filters=tuple(filters),
        open_word=open_word,
        text=text,
    )
