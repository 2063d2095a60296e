"""One folding for keys, duplicate detection and search (``readinglist.core.text``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readinglist.core import tokens
from readinglist.core.bibtex import export_bibtex
from readinglist.core.changes import Change
from readinglist.core.keys import base_key
from readinglist.core.library import Library
from readinglist.core.merge import DuplicateIndex
from readinglist.core.model import Paper
from readinglist.core.text import fold, fold_text, surname, surname_key

pytestmark = pytest.mark.unit

FOLDED = re.compile(r"(?:[0-9a-z]+(?: [0-9a-z]+)*)?")
KEY = re.compile(r"[A-Za-z0-9_:\-]+")
# The letters users expect spelled out in ASCII, and what they become.
TRANSLITERATED = {"ß": "ss", "æ": "ae", "ø": "o", "ł": "l", "ñ": "n", "đ": "d", "þ": "th",
                  "œ": "oe", "ð": "d", "é": "e", "ü": "u", "å": "a", "ç": "c"}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Straße", "strasse"),
        ("Æsir Ørsted", "aesir orsted"),
        ("Łódź", "lodz"),
        ("Peña Đorđević", "pena dordevic"),
        ("Þór Œuvre", "thor oeuvre"),
        ("{ELA}: Efficient", "ela efficient"),
        ("ELA - efficient", "ela efficient"),
        ('M{\\"u}ller', "muller"),
        ("Gro{\\ss}e {\\O}rsted {\\l}", "grosse orsted l"),
        ("  Deep--Learning!  ", "deep learning"),
        ("中文", ""),
    ],
)
def test_fold_text_transliterates(text: str, folded: str) -> None:
    assert fold_text(text) == folded


@pytest.mark.parametrize(
    ("author", "name"),
    [
        ("Vaswani, Ashish", "Vaswani"),
        ("Ashish Vaswani", "Vaswani"),
        ("{ACME Corp}", "ACME Corp"),
        ("van der Berg, Jan", "van der Berg"),
        ("", ""),
    ],
)
def test_one_surname_function(author: str, name: str) -> None:
    assert surname(author) == name
    assert Paper(title="x", authors=(author,) if author else ()).first_author == name


def test_keys_transliterate_and_a_braced_institution_is_one_surname() -> None:
    grossmann = Paper(title="Straße der Zukunft", authors=("Großmann, Jörg",), year=2020)
    assert base_key(grossmann) == "grossmann2020strasse"
    acme = Paper(title="Annual Report", authors=("{ACME Corp}",), year=2021)
    assert base_key(acme) == "acmecorp2021annual"
    assert surname_key("Ørsted, Hans Christian") == "orsted"


def test_duplicate_detection_uses_the_same_folding() -> None:
    index = DuplicateIndex()
    stored = Paper(title="Die Straße der Zukunft", authors=("Großmann, J.",), year=2020, id="a")
    index.add(stored)
    typed = Paper(title="Die Strasse der Zukunft", authors=("Grossmann, J.",), year=2020)
    assert index.find(typed) == "a"
    other = Paper(title="Die Strasse der Zukunft", authors=("Grosmann, J.",), year=2020)
    assert index.find(other) is None  # a different surname is a different paper


def test_search_folds_with_the_same_function() -> None:
    assert tokens.fold is fold
    assert tokens.query_words("Großmann Ørsted") == ["grossmann", "orsted"]


LATIN = st.characters(max_codepoint=0x24F, blacklist_categories=("Cs",))
WORDS = st.text(alphabet=st.sampled_from("abcxyz" + "".join(TRANSLITERATED)), min_size=1)


@given(st.text(alphabet=LATIN))
def test_fold_text_is_ascii_words_and_idempotent(text: str) -> None:
    folded = fold_text(text)
    assert FOLDED.fullmatch(folded)
    assert fold_text(folded) == folded


@given(st.text(alphabet=LATIN.filter(lambda c: c != "\\")))
def test_fold_text_ignores_case_and_agrees_with_search_fold(text: str) -> None:
    assert fold_text(text.upper()) == fold_text(text) == fold_text(fold(text))


@given(WORDS)
def test_each_special_letter_is_spelled_out(word: str) -> None:
    expected = "".join(TRANSLITERATED.get(c, c) for c in word)
    assert fold_text(word) == expected
    assert fold_text(word.upper()) == expected
    assert surname_key(f"{word.capitalize()}, Anna") == expected
    assert surname_key(f"Anna {word}") == expected
    assert fold(word) == expected


@given(
    author=st.one_of(st.none(), WORDS, st.text(alphabet=LATIN, max_size=30)),
    braced=st.booleans(),
    year=st.one_of(st.none(), st.integers(min_value=1000, max_value=2100)),
    title=st.text(alphabet=LATIN, max_size=60),
)
def test_generated_keys_are_ascii_deterministic_and_start_with_surname_and_year(
    author: str | None, braced: bool, year: int | None, title: str
) -> None:
    authors = () if author is None else ((f"{{{author}}}" if braced else author),)
    paper = Paper(title=title, authors=authors, year=year)
    key = base_key(paper)
    assert KEY.fullmatch(key) and key.isascii()
    assert base_key(paper) == key
    lead = surname_key(authors[0]) if authors else ""
    if year is not None and lead:
        assert key.startswith(f"{lead}{year}")
    if braced and author:
        assert lead == fold_text(author).replace(" ", "")


def test_keys_made_by_the_old_folding_stay_pinned(tmp_path: Path) -> None:
    """A key in the library (made when ß was dropped) is never recomputed: reloading,
    merging the same paper again, editing it and exporting keep it; only a new paper
    gets a key from the new folding."""
    db = tmp_path / "lib.json"
    old = Paper("Straße der Zukunft", key="gromann2020strae", authors=("Großmann, J",), year=2020)
    stored = Library.open(db).add(old)
    library = Library.open(db)
    again = library.import_papers([Paper("Straße der Zukunft!", authors=("Großmann, J",),
                                         year=2020, doi="10.1/z")])  # fmt: skip
    assert [p.key for p in again.merged] == ["gromann2020strae"]
    library.edit([stored.id], Change(fields={"title": "Die Straße der Zukunft"}))
    assert "@misc{gromann2020strae," in export_bibtex(Library.open(db).papers)
    new = Library.open(db).import_papers([Paper("Straßenbahn", authors=("Großmann, J",),
                                                year=2021)]).added  # fmt: skip
    assert [p.key for p in new] == ["grossmann2021strassenbahn"]
    assert Library.open(db).by_key("gromann2020strae") is not None
