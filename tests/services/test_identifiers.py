"""Identifier recognition: every pasted form, and DOIs that must not become arXiv ids."""

from __future__ import annotations

from datetime import date

import pytest

from readinglist.core.services.identifiers import (
    Identifier,
    IdentifierError,
    arxiv_key,
    parse_day,
    parse_identifier,
)

pytestmark = pytest.mark.unit

ARXIV = "arxiv"
DOI = "doi"
DAY = "hf_day"

FORMS: list[tuple[str, Identifier]] = [
    # bare and prefixed arXiv ids, new scheme (4 and 5 digits) and old scheme
    ("2403.01123", Identifier(ARXIV, "2403.01123")),
    ("2403.01123v2", Identifier(ARXIV, "2403.01123", "v2")),
    ("arXiv:2403.01123", Identifier(ARXIV, "2403.01123")),
    ("ARXIV: 2403.01123v10", Identifier(ARXIV, "2403.01123", "v10")),
    ("0704.0001", Identifier(ARXIV, "0704.0001")),
    ("1412.6980v9", Identifier(ARXIV, "1412.6980", "v9")),
    ("hep-th/9901001", Identifier(ARXIV, "hep-th/9901001")),
    ("math.CA/0611800v2", Identifier(ARXIV, "math.CA/0611800", "v2")),
    ("arXiv:cond-mat/0207270", Identifier(ARXIV, "cond-mat/0207270")),
    # arXiv URLs
    ("https://arxiv.org/abs/2403.01123", Identifier(ARXIV, "2403.01123")),
    ("http://arxiv.org/abs/2403.01123v3", Identifier(ARXIV, "2403.01123", "v3")),
    ("https://arxiv.org/pdf/2403.01123", Identifier(ARXIV, "2403.01123")),
    ("https://arxiv.org/pdf/2403.01123v2.pdf", Identifier(ARXIV, "2403.01123", "v2")),
    ("https://export.arxiv.org/abs/hep-th/9901001", Identifier(ARXIV, "hep-th/9901001")),
    ("arxiv.org/html/2403.01123v1", Identifier(ARXIV, "2403.01123", "v1")),
    ("https://www.arxiv.org/abs/2403.01123?context=cs#top", Identifier(ARXIV, "2403.01123")),
    # Hugging Face paper pages and day listings
    ("https://huggingface.co/papers/2403.01123", Identifier(ARXIV, "2403.01123")),
    ("https://hf.co/papers/2403.01123.md", Identifier(ARXIV, "2403.01123")),
    ("huggingface.co/papers/2403.01123", Identifier(ARXIV, "2403.01123")),
    ("https://huggingface.co/papers/date/2024-03-11", Identifier(DAY, "2024-03-11")),
    ("https://huggingface.co/papers?date=2024-03-11", Identifier(DAY, "2024-03-11")),
    # DOIs in every spelling
    ("10.1371/journal.pone.0000001", Identifier(DOI, "10.1371/journal.pone.0000001")),
    ("doi:10.1038/NATURE14539", Identifier(DOI, "10.1038/nature14539")),
    ("DOI: 10.1038/nature14539", Identifier(DOI, "10.1038/nature14539")),
    ("https://doi.org/10.1145/3184558.3186235", Identifier(DOI, "10.1145/3184558.3186235")),
    ("http://dx.doi.org/10.1000/xyz%2F123", Identifier(DOI, "10.1000/xyz/123")),
    ("doi.org/10.1109/CVPR.2016.90", Identifier(DOI, "10.1109/cvpr.2016.90")),
    # forms found in real .bib files: ACM's old resolver, the info: URI
    ("http://doi.acm.org/10.1145/1137627.1137631", Identifier(DOI, "10.1145/1137627.1137631")),
    ("info:doi/10.1076/jnmr.32.4.395.18858", Identifier(DOI, "10.1076/jnmr.32.4.395.18858")),
    # arXiv's own DOIs name arXiv papers
    ("10.48550/arXiv.2403.01123", Identifier(ARXIV, "2403.01123")),
    ("https://doi.org/10.48550/arXiv.2403.01123", Identifier(ARXIV, "2403.01123")),
    ("doi:10.48550/ARXIV.hep-th/9901001", Identifier(ARXIV, "hep-th/9901001")),
]

# DOIs with runs of digits and dots that a loose arXiv pattern would take for an id.
DOIS_THAT_LOOK_LIKE_ARXIV = [
    "10.1145/3184558.3186235",
    "10.1007/978-3-0348-8720-5_13",
    "10.1103/PhysRevD.76.013009",
    "10.1016/j.cell.2403.01123",
    "https://doi.org/10.1145/2403.01123",
    "10.5281/zenodo.1234.5678",
]


@pytest.mark.parametrize(("text", "expected"), FORMS, ids=[f for f, _ in FORMS])
def test_every_input_form(text: str, expected: Identifier) -> None:
    assert parse_identifier(text) == expected


@pytest.mark.parametrize("text", DOIS_THAT_LOOK_LIKE_ARXIV)
def test_a_doi_is_never_an_arxiv_id(text: str) -> None:
    assert parse_identifier(text).kind == DOI


@pytest.mark.parametrize(
    "text",
    [
        "\u200b2403.01123\u200b",  # zero-width spaces from a web page
        "2403.\n01123",  # a hidden line break
        " arXiv:2403.01123\ufeff ",
        "2403.0112\u00ad3",  # a soft hyphen
        "(arXiv:2403.01123)",
        "arXiv:2403.01123.",
        "<https://arxiv.org/abs/2403.01123>",
        '"2403.01123",',
    ],
)
def test_invisible_characters_and_punctuation_are_dropped(text: str) -> None:
    assert parse_identifier(text) == Identifier(ARXIV, "2403.01123")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty identifier"),
        ("abc", "not an arXiv id, DOI"),
        ("2413.01123", "not an arXiv id"),  # month 13
        ("0703.0001", "not an arXiv id"),  # before the new scheme started
        ("2403.0112", "not an arXiv id"),  # 2015 on: five digits
        ("1401.01123", "not an arXiv id"),  # before 2015: four digits
        ("arXiv:1234", "not a valid arXiv id"),
        ("foo-bar/9901001", "not an arXiv id"),  # no such old archive
        ("hep-th/9913001", "not an arXiv id"),
        ("10.1/abc", "not a valid DOI"),  # registrant code too short
        ("doi:abc", "not a valid DOI"),
        ("https://example.org/abs/2403.01123", "unsupported URL"),
        ("https://arxiv.org/list/cs.CL/recent", "not an arXiv paper URL"),
        ("https://arxiv.org/abs/10.1145/3184558", "not a valid arXiv id"),
        ("https://huggingface.co/papers/date/2024-02-30", "not a valid Daily Papers date"),
        ("https://huggingface.co/papers/week/2024-W10", "only single Daily Papers days"),
        ("https://huggingface.co/models", "not a Hugging Face paper URL"),
        ("https://doi.org/", "not a valid DOI"),
    ],
)
def test_bad_input_is_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(IdentifierError) as info:
        parse_identifier(text)
    text_of_error = str(info.value)
    assert message in text_of_error
    assert "\n" not in text_of_error


def test_arxiv_key_is_how_arxiv_reports_an_id() -> None:
    assert arxiv_key("2403.01123v2") == "2403.01123"
    assert arxiv_key("math.CA/0611800v2") == "math/0611800"
    assert arxiv_key("hep-th/9901001") == "hep-th/9901001"


def test_parse_day_takes_a_date_or_a_listing_url() -> None:
    assert parse_day("2024-03-11") == date(2024, 3, 11)
    assert parse_day("https://huggingface.co/papers/date/2024-03-11") == date(2024, 3, 11)
    with pytest.raises(IdentifierError, match="not a Daily Papers day URL"):
        parse_day("https://huggingface.co/papers/2403.01123")
    with pytest.raises(IdentifierError, match="YYYY-MM-DD"):
        parse_day("Mar 11")
