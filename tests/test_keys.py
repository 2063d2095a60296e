"""Citation keys: deterministic, readable, ASCII, unique with a/b/... suffixes."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readinglist.core.keys import (
    DEFAULT_PATTERN,
    assign_key,
    base_key,
    unique_key,
    valid_key,
)
from readinglist.core.model import Paper

pytestmark = pytest.mark.unit

SAFE_KEY = re.compile(r"[A-Za-z0-9_:\-./+]+")


@pytest.mark.parametrize(
    ("paper", "key"),
    [
        (
            Paper(title="Attention Is All You Need", authors=("Vaswani, Ashish",), year=2017),
            "vaswani2017attention",
        ),
        (
            Paper(title="The Art of Computer Programming", authors=("Donald E. Knuth",), year=1968),
            "knuth1968art",
        ),
        (
            Paper(title="Über die Theorie", authors=("Müller-Lüdenscheidt, Jörg",), year=2001),
            "mullerludenscheidt2001uber",
        ),
        (
            Paper(title="{ELA}: Efficient Local Attention for Deep CNNs"),
            "elaefficientlocal",
        ),
        (Paper(title="A Survey", authors=("{ACME Corp}",), year=2020), "acmecorp2020survey"),
        (Paper(title="On the Use of $\\alpha$-Nets", year=2020), "2020nets"),
        (Paper(title="", authors=(), year=None), "paper"),
        (Paper(title="中文标题"), "paper"),
    ],
)
def test_base_key(paper: Paper, key: str) -> None:
    assert base_key(paper) == key


def test_patterns() -> None:
    paper = Paper(
        title="Deep Residual Learning for Image Recognition", authors=("He, K.",), year=2016
    )
    assert base_key(paper, "{author}_{year}") == "he_2016"
    assert base_key(paper, "{author}{year}{title2}") == "he2016deepresidual"
    assert base_key(paper, "{title3}:{year}") == "deepresiduallearning:2016"
    assert DEFAULT_PATTERN == "{author}{year}{title}"
    for bad in ("{nope}", "{0}", "{author.x}", "{author"):
        with pytest.raises(ValueError, match="pattern"):
            base_key(paper, bad)


def test_unique_key_suffixes() -> None:
    taken: set[str] = set()
    keys = []
    for _ in range(30):
        key = unique_key("smith2020deep", taken)
        taken.add(key)
        keys.append(key)
    assert keys[:4] == ["smith2020deep", "smith2020deepa", "smith2020deepb", "smith2020deepc"]
    assert keys[26] == "smith2020deepz"
    assert keys[27] == "smith2020deepaa"
    assert len(set(keys)) == 30


def test_unique_key_beyond_two_letter_suffixes() -> None:
    taken: set[str] = set()
    for _ in range(800):
        taken.add(unique_key("k", taken))
    assert len(taken) == 800
    assert "kzz" in taken and "k1" in taken


@pytest.mark.parametrize(
    "key",
    [
        "DBLP:journals/corr/abs-1706.03762",
        "O'Hara_1999",
        "Müller2020",
        "IJCAI01*425",
        "Chen_2019",
        "chen_2019",
        "AAAI/IAAI99*570",
    ],
)
def test_assign_key_keeps_a_valid_own_key_exactly(key: str) -> None:
    own = Paper(title="Attention", key=key)
    assert assign_key(own, set()) == key
    assert assign_key(own, {key}) == key + "a"  # taken by another paper: a suffix
    assert assign_key(own, {key.swapcase()}) == key  # case variants are other keys


@pytest.mark.parametrize(
    "key", ["Müller 2020", "a,b", "x{y}", "p(1)", 'q"', "h#1", "m%", "t~", "b\\s"]
)
def test_an_invalid_own_key_is_replaced_by_a_made_one(key: str) -> None:
    paper = Paper(title="Attention", authors=("Vaswani, A.",), year=2017, key=key)
    assert not valid_key(key)
    assert assign_key(paper, set()) == "vaswani2017attention"


def test_key_does_not_depend_on_later_edits_it_is_pinned_by_the_caller() -> None:
    # The library assigns once and stores; assign_key respects an existing key.
    paper = Paper(title="Attention Is All You Need", authors=("Vaswani, A.",), year=2017)
    key = assign_key(paper, set())
    edited = Paper(title="A Different Title", authors=paper.authors, year=2017, key=key)
    assert assign_key(edited, set()) == key


def synthetic(n: int, seed: int = 7) -> list[Paper]:
    rng = random.Random(seed)
    surnames = ["Smith", "Müller", "Wang", "Li", "García", "O'Brien", "van Dijk", "Nguyễn"]
    words = ["Attention", "Deep", "Learning", "Graph", "Networks", "Efficient", "the", "of"]
    papers = []
    for i in range(n):
        kind = i % 10
        authors = (f"{rng.choice(surnames)}, A.",) if kind < 8 else ()
        year = rng.choice([2019, 2020, 2021]) if kind < 9 else None
        title = " ".join(rng.choice(words) for _ in range(rng.randint(0, 4)))
        papers.append(Paper(title=title, authors=authors, year=year))
    return papers


def test_ten_thousand_colliding_papers_get_unique_deterministic_keys() -> None:
    papers = synthetic(10_000)
    taken: set[str] = set()
    keys = []
    for paper in papers:
        key = assign_key(paper, taken)
        taken.add(key)
        keys.append(key)
    assert len(set(keys)) == len(keys) == 10_000
    assert all(SAFE_KEY.fullmatch(k) and k.isascii() for k in keys)
    bases = {base_key(p) for p in papers}
    assert len(bases) < 1_000, "the fixture must collide a lot"
    assert any(k.endswith("aa") for k in keys)
    again: set[str] = set()
    for paper, key in zip(synthetic(10_000), keys, strict=True):
        new = assign_key(paper, again)
        again.add(new)
        assert new == key


@settings(max_examples=300, deadline=None)
@given(
    title=st.text(max_size=80),
    authors=st.lists(st.text(max_size=30), max_size=3),
    year=st.none() | st.integers(min_value=1, max_value=2100),
)
def test_generated_keys_are_always_ascii_and_safe(
    title: str, authors: list[str], year: int | None
) -> None:
    key = base_key(Paper(title=title, authors=tuple(authors), year=year))
    assert key and key.isascii() and SAFE_KEY.fullmatch(key)


def test_check_keys_names_a_key_that_would_break_a_cite() -> None:
    """Defence in depth for pick and y (a loaded library never holds such a key)."""
    from readinglist.core.errors import ReadinglistError
    from readinglist.core.keys import check_keys

    check_keys([Paper("Fine", key="O'Hara_1999"), Paper("Also", key="Müller2020")])
    with pytest.raises(ReadinglistError, match="'smith 2020}' of 'Bad' cannot be used"):
        check_keys([Paper("Bad", key="smith 2020}")])
