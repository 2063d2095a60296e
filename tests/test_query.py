"""The query language (SPEC §5): every form parses to the expected immutable value."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readinglist.core.errors import QueryError
from readinglist.core.query import Filter, Query, YearRange, parse_query

pytestmark = pytest.mark.unit


def test_free_words_are_folded_and_split() -> None:
    query = parse_query("Atention  Müller self-attention")
    assert query.words == ("atention", "muller", "self", "attention")
    assert query.open_word is True
    assert query.filters == () and query.phrases == ()


def test_trailing_space_closes_the_last_word() -> None:
    assert parse_query("distil ").open_word is False
    assert parse_query("distil").open_word is True
    assert parse_query("distil tag:kd").open_word is False


def test_quoted_phrase_and_unterminated_quote() -> None:
    assert parse_query('"Knowledge  Distillation" model').phrases == ("knowledge distillation",)
    assert parse_query('"knowledge dist').phrases == ("knowledge dist",)
    assert parse_query('""').is_empty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tag:KD", Filter("tag", "kd")),
        ("-tag:survey", Filter("tag", "survey", negated=True)),
        ('tag:"to read"', Filter("tag", "to read")),
        ("status:unread", Filter("status", "unread")),
        ("Status:READ", Filter("status", "read")),
        ("author:Müller", Filter("author", "muller")),
        ("key:Vaswani2017", Filter("key", "vaswani2017")),
        ("has:code", Filter("has", "code")),
        ("has:notes", Filter("has", "notes")),
        ("-has:code", Filter("has", "code", negated=True)),
        ("year:2023", Filter("year", YearRange(2023, 2023))),
        ("year:>=2020", Filter("year", YearRange(2020, 9999))),
        ("year:>2020", Filter("year", YearRange(2021, 9999))),
        ("year:<=1999", Filter("year", YearRange(0, 1999))),
        ("year:<2000", Filter("year", YearRange(0, 1999))),
        ("year:2018..2021", Filter("year", YearRange(2018, 2021))),
        ("year:2018..", Filter("year", YearRange(2018, 9999))),
        ("year:..2021", Filter("year", YearRange(0, 2021))),
    ],
)
def test_every_filter_form(text: str, expected: Filter) -> None:
    query = parse_query(text)
    assert query.filters == (expected,)
    assert query.words == ()


def test_filters_and_words_combine() -> None:
    query = parse_query('atention tag:kd status:unread "exact words" distil')
    assert query.words == ("atention", "distil")
    assert [f.field for f in query.filters] == ["tag", "status"]
    assert query.phrases == ("exact words",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("status:done", "status:done is unknown"),
        ("has:pdf", "has:pdf is unknown"),
        ("year:20x3", "is not a year"),
        ("year:2021..2018", "range is empty"),
        ("year:..", "needs a year"),
        ("tag:", "tag: needs a value"),
        ("author:", "needs a value"),
        ("foo:bar", "unknown filter foo:"),
        ("key:--", "no letters or digits"),
    ],
)
def test_bad_syntax_gives_one_readable_line(text: str, message: str) -> None:
    with pytest.raises(QueryError) as raised:
        parse_query(text)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_colon_without_value_and_urls_are_words() -> None:
    assert parse_query("ELA: efficient").words == ("ela", "efficient")
    assert parse_query("https://github.com/x").words == ("https", "github", "com", "x")


def test_query_is_immutable_and_empty_query() -> None:
    query = parse_query("")
    assert query.is_empty and query == Query(text="")
    with pytest.raises(dataclasses.FrozenInstanceError):
        query.words = ("x",)  # type: ignore[misc]
    assert str(parse_query("tag:kd")) == "tag:kd"


def test_year_range_membership() -> None:
    assert 2020 in YearRange(2018, 2021)
    assert 2022 not in YearRange(2018, 2021)
    assert None not in YearRange()


@given(st.text(max_size=60))
def test_any_text_parses_or_raises_query_error(text: str) -> None:
    try:
        query = parse_query(text)
    except QueryError as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert query.text == text
