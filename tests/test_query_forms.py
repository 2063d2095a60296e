"""Query forms for daily triage: source:, added:, rating:, priority:, sort:, is:marked, -word."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from readinglist.core.errors import QueryError
from readinglist.core.model import Paper, Source
from readinglist.core.query import AddedRange, Filter, NumberRange, Sort, parse_query
from readinglist.core.search import SearchIndex

pytestmark = pytest.mark.unit


def _utc_midnight(day: date) -> str:
    local = datetime(day.year, day.month, day.day).astimezone()
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


TODAY = date.today()
NOW = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

PAPERS = [
    Paper(
        title="Graph Neural Networks: A Survey",
        id="a",
        key="zhou2020graph",
        year=2020,
        rating=5,
        priority=1,
        status="read",
        added="2026-11-01T09:00:00Z",
        sources=(Source("dailypapers", "daily-2026-11-01.txt", "Nov 1"),),
    ),
    Paper(
        title="Graph Attention Networks",
        id="b",
        key="velickovic2018graph",
        year=2018,
        rating=3,
        added="2026-10-15T09:00:00Z",
        sources=(Source("bibtex", "/home/me/refs.bib"),),
    ),
    Paper(
        title="Attention Is All You Need",
        id="c",
        key="vaswani2017attention",
        year=2017,
        priority=2,
        status="reading",
        added=NOW,
        abstract="A survey of nothing; transduction models.",
        sources=(Source("dailypapers", "daily.txt", "Aug 15"),),
    ),
    Paper(
        title="Adam: A Method for Stochastic Optimization",
        id="d",
        key="kingma2014adam",
        added="2026-09-01T09:00:00Z",
        sources=(Source("dailypapers", "daily.txt", "Aug 5"),),
    ),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(PAPERS)


def ids(index: SearchIndex, query: str, **kwargs: object) -> list[str]:
    return [hit.paper.id for hit in index.search(query, **kwargs)]  # type: ignore[arg-type]


# -- parsing ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rating:4", Filter("rating", NumberRange(4, 4))),
        ("rating:>=4", Filter("rating", NumberRange(4, 9999))),
        ("rating:<3", Filter("rating", NumberRange(0, 2))),
        ("rating:2..4", Filter("rating", NumberRange(2, 4))),
        ("rating:none", Filter("rating", NumberRange(none=True))),
        ("priority:1", Filter("priority", NumberRange(1, 1))),
        ("-priority:none", Filter("priority", NumberRange(none=True), negated=True)),
        ('source:"Aug 5"', Filter("source", "aug 5")),
        ("source:refs.bib", Filter("source", "refs bib")),
        ("is:marked", Filter("is", "marked")),
        ("-is:marked", Filter("is", "marked", negated=True)),
        (
            "added:2026-11-01",
            Filter(
                "added",
                AddedRange(_utc_midnight(date(2026, 11, 1)), _utc_midnight(date(2026, 11, 2))),
            ),
        ),
        ("added:>=2026-11-01", Filter("added", AddedRange(_utc_midnight(date(2026, 11, 1)), "~"))),
        ("added:<2026-11", Filter("added", AddedRange("", _utc_midnight(date(2026, 11, 1))))),
        (
            "added:2026",
            Filter(
                "added",
                AddedRange(_utc_midnight(date(2026, 1, 1)), _utc_midnight(date(2027, 1, 1))),
            ),
        ),
        (
            "added:today",
            Filter(
                "added", AddedRange(_utc_midnight(TODAY), _utc_midnight(TODAY + timedelta(days=1)))
            ),
        ),
        (
            "added:yesterday",
            Filter(
                "added", AddedRange(_utc_midnight(TODAY - timedelta(days=1)), _utc_midnight(TODAY))
            ),
        ),
        (
            "added:2026-10..2026-11-01",
            Filter(
                "added",
                AddedRange(_utc_midnight(date(2026, 10, 1)), _utc_midnight(date(2026, 11, 2))),
            ),
        ),
    ],
)
def test_new_filter_forms_parse(text: str, expected: Filter) -> None:
    query = parse_query(text)
    assert query.filters == (expected,)
    assert query.words == () and not query.is_empty


def test_sort_and_excluded_words_parse() -> None:
    query = parse_query("graph -survey sort:-year")
    assert query.words == ("graph",)
    assert query.excluded == ("survey",)
    assert query.sort == Sort("year", descending=True)
    assert parse_query("sort:title").sort == Sort("title")
    assert not parse_query("sort:title").is_empty  # a sort alone still needs the index
    assert parse_query("-gr").excluded_open and not parse_query("-gr ").excluded_open
    assert parse_query("-tag:x").excluded == ()  # a negated filter, not a word


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rating:high", "rating:high is not a number"),
        ("rating:5..1", "range is empty"),
        ("priority:", "priority: needs a value"),
        ("added:someday", "added:someday is not a date"),
        ("added:2026-13-01", "is not a date"),
        ("added:2026-12..2026-01", "range is empty"),
        ("is:starred", "is:starred is unknown"),
        ("sort:color", "sort:color is unknown"),
        ("-sort:year", "write sort:-year"),
        ("sort:", "sort: needs a field"),
        ("source:--", "no letters or digits"),
    ],
)
def test_bad_new_forms_give_one_readable_line(text: str, message: str) -> None:
    with pytest.raises(QueryError) as raised:
        parse_query(text)
    assert message in str(raised.value) and "\n" not in str(raised.value)


# -- searching ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('source:"Aug 5"', {"d"}),  # not "Aug 15"
        ("source:aug", {"c", "d"}),
        ("source:refs.bib", {"b"}),
        ("source:refs", {"b"}),
        ("source:daily", {"a", "c", "d"}),
        ("-source:daily", {"b"}),
        ("added:today", {"c"}),
        ("added:>=2026-11-01", {"a", "c"}),
        ("added:2026-10", {"b"}),
        ("added:<2026-10-01", {"d"}),
        ("added:2026-09..2026-10", {"b", "d"}),
        ("rating:>=4", {"a"}),
        ("rating:3..5", {"a", "b"}),
        ("rating:none", {"c", "d"}),
        ("-rating:none", {"a", "b"}),
        ("priority:1", {"a"}),
        ("priority:<=2", {"a", "c"}),
        ("graph -survey", {"b"}),
        ("-survey", {"b", "d"}),  # the abstract counts: "c" says survey
        ("attention -graph", {"c"}),
        ("-atten", {"a", "d"}),  # a prefix excludes too
    ],
)
def test_new_filters_select_papers(index: SearchIndex, query: str, expected: set[str]) -> None:
    assert set(ids(index, query)) == expected


def test_excluding_typos_is_not_done_and_short_open_words_wait(index: SearchIndex) -> None:
    assert set(ids(index, "-atention")) == {"a", "b", "c", "d"}  # no typo tolerance
    assert set(ids(index, "-gr")) == {"a", "b", "c", "d"}  # still typing: nothing left out yet
    assert set(ids(index, "-gr ")) == {"a", "b", "c", "d"}  # "gr" is no word of these papers


def test_is_marked_uses_the_marks_passed_in(index: SearchIndex) -> None:
    assert set(ids(index, "is:marked", marked={"b", "d", "gone"})) == {"b", "d"}
    assert set(ids(index, "graph is:marked", marked={"b", "d"})) == {"b"}
    assert set(ids(index, "-is:marked", marked={"b"})) == {"a", "c", "d"}
    assert ids(index, "is:marked") == []  # nothing marked


def test_sort_orders_by_field_both_ways(index: SearchIndex) -> None:
    assert ids(index, "sort:year") == ["c", "b", "a", "d"]  # no year last
    assert ids(index, "sort:-year") == ["a", "b", "c", "d"]
    assert ids(index, "sort:title") == ["d", "c", "b", "a"]
    assert ids(index, "sort:-added") == ["c", "a", "b", "d"]
    assert ids(index, "sort:added") == ["d", "b", "a", "c"]
    assert ids(index, "sort:-rating") == ["a", "b", "c", "d"]  # unrated last, newest first
    assert ids(index, "sort:status") == ["b", "d", "c", "a"]  # unread, reading, read
    assert ids(index, "graph sort:year") == ["b", "a"]
    assert ids(index, "sort:-year", limit=2) == ["a", "b"]


def test_without_sort_words_rank_by_relevance_and_no_words_newest_first(
    index: SearchIndex,
) -> None:
    assert ids(index, "") == ["c", "a", "b", "d"]
    assert ids(index, "rating:>=1") == ["a", "b"]  # newest first
    assert ids(index, "graph attention")[0] == "b"
