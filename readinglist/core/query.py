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
    source:TEXT          a listing date ("Aug 5") or imported file name (refs.bib), word-wise
    added:today  added:yesterday  added:>=2026-11-01  added:2026-11  added:2025..2026-03
    rating:4  rating:>=4  rating:1..3  rating:none      (priority: takes the same forms)
    is:marked            among the papers the caller marked (the TUI's marks)
    sort:FIELD           year, added, title, rating, status; sort:-FIELD descending
    -FILTER              any filter can be negated: -tag:survey, -status:read, -has:code
    -word                leave out papers the word finds (exact or prefix, no typos)

Without ``sort:``, results are by relevance when there are words, newest first
otherwise. ``added:`` dates are local calendar days.

A colon after an unknown alphabetic name (``foo:bar``) is an error, so a mistyped
filter is never silently searched as text; ``ELA:`` (nothing after the colon) is a word.
An unterminated quote runs to the end of the text, so typing a phrase never flickers errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from readinglist.core.errors import QueryError
from readinglist.core.model import STATUSES
from readinglist.core.tokens import fold, query_words

FILTER_FIELDS: tuple[str, ...] = (
    "tag",
    "status",
    "year",
    "author",
    "key",
    "has",
    "source",
    "added",
    "rating",
    "priority",
    "is",
)
HAS_VALUES: tuple[str, ...] = ("code", "notes", "abstract", "doi")
IS_VALUES: tuple[str, ...] = ("marked",)
SORT_FIELDS: tuple[str, ...] = ("year", "added", "title", "rating", "status")
YEAR_MIN, YEAR_MAX = 0, 9999


@dataclass(frozen=True, slots=True)
class YearRange:
    """Inclusive year range; ``year:2023`` is ``YearRange(2023, 2023)``."""

    low: int = YEAR_MIN
    high: int = YEAR_MAX

    def __contains__(self, year: object) -> bool:
        return isinstance(year, int) and self.low <= year <= self.high


@dataclass(frozen=True, slots=True)
class NumberRange:
    """Inclusive range for ``rating:``/``priority:``; ``none`` = papers without a value."""

    low: int = 0
    high: int = 9999
    none: bool = False

    def __contains__(self, value: object) -> bool:
        if value is None:
            return self.none
        return not self.none and isinstance(value, int) and self.low <= value <= self.high


@dataclass(frozen=True, slots=True)
class AddedRange:
    """``added:`` as UTC timestamps in the library's format: ``start <= added < end``."""

    start: str = ""
    end: str = "~"

    def __contains__(self, added: object) -> bool:
        return isinstance(added, str) and self.start <= added < self.end


@dataclass(frozen=True, slots=True)
class Filter:
    """One ``field:value`` term; ``value`` is folded text, or a range for ``year:``,
    ``added:``, ``rating:`` and ``priority:``."""

    field: str
    value: str | YearRange | NumberRange | AddedRange
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Sort:
    """``sort:FIELD`` (ascending) or ``sort:-FIELD`` (descending)."""

    field: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query. ``words`` are folded; ``open_word`` means the last word is still
    being typed (no whitespace after it), so it may also match as a typo'd prefix."""

    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    open_word: bool = False
    text: str = ""
    excluded: tuple[str, ...] = ()  # -word
    excluded_open: bool = False  # the last excluded word is still being typed
    sort: Sort | None = None

    @property
    def is_empty(self) -> bool:
        """No words, phrases, filters, exclusions or sort: every paper, newest first."""
        return not (self.words or self.phrases or self.filters or self.excluded or self.sort)

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


_NUMBER_OP = re.compile(r"^(>=|<=|>|<|=)?(\d{1,4})$")
_NUMBER_RANGE = re.compile(r"^(\d{1,4})?\.\.(\d{1,4})?$")


def _number_range(field: str, raw: str) -> NumberRange:
    value = raw.strip().lower()
    if value == "none":
        return NumberRange(none=True)
    if (match := _NUMBER_RANGE.match(value)) and (match.group(1) or match.group(2)):
        low = int(match.group(1)) if match.group(1) else 0
        high = int(match.group(2)) if match.group(2) else 9999
        if low > high:
            raise QueryError(f"{field}:{raw}: the range is empty ({low} > {high})")
        return NumberRange(low, high)
    if match := _NUMBER_OP.match(value):
        op, number = match.group(1) or "=", int(match.group(2))
        return {
            "=": NumberRange(number, number),
            ">=": NumberRange(number, 9999),
            ">": NumberRange(number + 1, 9999),
            "<=": NumberRange(0, number),
            "<": NumberRange(0, number - 1),
        }[op]
    raise QueryError(f"{field}:{raw} is not a number; use {field}:4, {field}:>=4, {field}:none")


_DAY = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _days(text: str, today: date) -> tuple[date, date]:
    """First day and the day after the last of ``today``/``yesterday``/a year, month or day."""
    if text == "today":
        return today, today + timedelta(days=1)
    if text == "yesterday":
        return today - timedelta(days=1), today
    match = _DAY.match(text)
    if match is None:
        raise ValueError(text)
    year, month, day = (int(g) if g else 0 for g in match.groups())
    if day:
        first = date(year, month, day)
        return first, first + timedelta(days=1)
    if month:
        first = date(year, month, 1)
        return first, date(year + month // 12, month % 12 + 1, 1)
    return date(year, 1, 1), date(year + 1, 1, 1)


def _utc(day: date) -> str:
    """Local midnight starting ``day``, as a UTC timestamp in the library's format."""
    local = datetime(day.year, day.month, day.day).astimezone()
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _added_range(raw: str, today: date | None = None) -> AddedRange:
    value = raw.strip().lower()
    today = today or date.today()
    try:
        if ".." in value:
            low, _, high = value.partition("..")
            if not low and not high:
                raise ValueError(value)
            start = _utc(_days(low, today)[0]) if low else ""
            end = _utc(_days(high, today)[1]) if high else "~"
            if start >= end:
                raise QueryError(f"added:{raw}: the range is empty")
            return AddedRange(start, end)
        match = re.match(r"^(>=|<=|>|<|=)?(.+)$", value)
        assert match is not None
        op, when = match.group(1) or "=", match.group(2)
        first, after = _days(when, today)
        return {
            "=": AddedRange(_utc(first), _utc(after)),
            ">=": AddedRange(_utc(first), "~"),
            ">": AddedRange(_utc(after), "~"),
            "<=": AddedRange("", _utc(after)),
            "<": AddedRange("", _utc(first)),
        }[op]
    except (ValueError, OverflowError, OSError):
        raise QueryError(
            f"added:{raw} is not a date; use added:today, added:>=2026-11-01 or added:2026-11"
        ) from None


def _filter(field: str, raw: str, negated: bool) -> Filter:
    value = raw[1:].rstrip('"') if raw.startswith('"') else raw
    if not value.strip():
        raise QueryError(f"{field}: needs a value, e.g. {_EXAMPLES[field]}")
    if field == "year":
        return Filter("year", _year_range(value), negated)
    if field in ("rating", "priority"):
        return Filter(field, _number_range(field, value), negated)
    if field == "added":
        return Filter("added", _added_range(value), negated)
    folded = fold(value.strip())
    if field == "status":
        if folded not in STATUSES:
            raise QueryError(f"status:{value} is unknown; use one of {', '.join(STATUSES)}")
    elif field == "has":
        if folded not in HAS_VALUES:
            raise QueryError(f"has:{value} is unknown; use one of {', '.join(HAS_VALUES)}")
    elif field == "is":
        if folded not in IS_VALUES:
            raise QueryError(f"is:{value} is unknown; use one of {', '.join(IS_VALUES)}")
    elif field in ("author", "key", "source") and not query_words(folded):
        raise QueryError(f"{field}:{value} has no letters or digits to match")
    if field == "source":
        folded = " ".join(query_words(folded))
    return Filter(field, folded, negated)


def _sort(raw: str, negated: bool) -> Sort:
    value = raw[1:].rstrip('"') if raw.startswith('"') else raw
    descending = value.startswith("-")
    name = value.lstrip("-").strip().lower()
    if negated:
        raise QueryError(f"-sort:{value}: write sort:-{name or 'FIELD'} for descending order")
    if name not in SORT_FIELDS:
        raise QueryError(
            f"sort:{value} is unknown; use sort:FIELD or sort:-FIELD with {', '.join(SORT_FIELDS)}"
        )
    return Sort(name, descending)


_EXAMPLES = {
    "tag": "tag:kd",
    "status": "status:unread",
    "year": "year:>=2020",
    "author": "author:hinton",
    "key": "key:vaswani",
    "has": "has:code",
    "source": 'source:"Aug 5"',
    "added": "added:today",
    "rating": "rating:>=4",
    "priority": "priority:1",
    "is": "is:marked",
}


def parse_query(text: str) -> Query:
    """Parse the query language; raises QueryError with a one-line, user-facing message."""
    words: list[str] = []
    phrases: list[str] = []
    filters: list[Filter] = []
    excluded: list[str] = []
    sort: Sort | None = None
    open_word = excluded_open = False
    for match in _TERM.finditer(text):
        negation, name, raw, phrase, bare = match.groups()
        open_word = excluded_open = False
        at_end = match.end() == len(text)
        if name is not None:
            field = name.lower()
            if field in FILTER_FIELDS:
                filters.append(_filter(field, raw, bool(negation)))
                continue
            if field == "sort":
                if not raw:
                    raise QueryError("sort: needs a field, e.g. sort:year or sort:-added")
                sort = _sort(raw, bool(negation))
                continue
            if raw and (raw[0].isalnum() or raw[0] in '"<>=.'):
                known = ", ".join(f"{f}:" for f in (*FILTER_FIELDS, "sort"))
                raise QueryError(f"unknown filter {name}: (known: {known})")
            bare = match.group()
        if phrase is not None:
            folded = " ".join(query_words(phrase))
            if folded:
                phrases.append(folded)
            continue
        if bare.startswith("-") and bare[1:2].isalnum():
            new = query_words(bare)
            excluded.extend(new)
            excluded_open = bool(new) and at_end
            continue
        new = query_words(bare)
        words.extend(new)
        open_word = bool(new) and at_end
    return Query(
        words=tuple(words),
        phrases=tuple(phrases),
        filters=tuple(filters),
        open_word=open_word,
        text=text,
        excluded=tuple(excluded),
        excluded_open=excluded_open,
        sort=sort,
    )
