"""From a service's record to library data: names, venues, new papers, filling gaps."""

from __future__ import annotations

from dataclasses import replace

import pytest

from readinglist.core.model import Paper, Source
from readinglist.core.services.metadata import (
    Metadata,
    merge_metadata,
    missing_fields,
    paper_from_metadata,
    person_name,
    strip_markup,
    venue_from_journal_ref,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("printed", "stored"),
    [
        ("Ada Lovelace", "Lovelace, Ada"),
        ("Jun-seo Park", "Park, Jun-seo"),
        ("Alexei N. Volkov", "Volkov, Alexei N."),
        ("Ludwig van Beethoven", "van Beethoven, Ludwig"),
        ("Pieter van der Berg", "van der Berg, Pieter"),
        ("Maria de la Cruz", "de la Cruz, Maria"),
        ("Tomás Ruiz Jr.", "Ruiz, Jr., Tomás"),
        ("John Smith III", "Smith, III, John"),
        ("Plato", "Plato"),
        ("  Ada \n Lovelace ", "Lovelace, Ada"),
        ("Lovelace, Ada", "Lovelace, Ada"),
        ("", ""),
    ],
)
def test_person_name(printed: str, stored: str) -> None:
    assert person_name(printed) == stored


@pytest.mark.parametrize(
    ("journal_ref", "venue"),
    [
        ("Phys. Rev. D 76, 013009 (2007)", "Phys. Rev. D"),
        ("Nature 521, 436-444 (2015)", "Nature"),
        (
            "Proceedings of the 40th International Conference on Machine Learning, PMLR 202",
            "Proceedings of the 40th International Conference on Machine Learning",
        ),
        ("Accepted at CVPR 2024", "CVPR"),
        ("J. Stat. Mech. (2019) 124020", "J. Stat. Mech."),
        ("2024", ""),
        ("", ""),
    ],
)
def test_venue_from_journal_ref(journal_ref: str, venue: str) -> None:
    assert venue_from_journal_ref(journal_ref) == venue


def test_strip_markup_keeps_paragraphs() -> None:
    jats = (
        "<jats:title>Abstract</jats:title><jats:p>We study <jats:italic>sparse</jats:italic>\n"
        "  mixing &amp; more.</jats:p><jats:p>Second  part.</jats:p>"
    )
    assert strip_markup(jats) == "We study sparse mixing & more.\n\nSecond part."


ARXIV_RECORD = Metadata(
    source="arxiv",
    title="Lattice Attention",
    authors=("Okonkwo-Hale, Mira", "Park, Jun-seo"),
    year=2024,
    abstract="Dense prediction needs long-range context.",
    arxiv="2403.01123",
    arxiv_version="v2",
    primary_class="cs.CV",
    doi="10.1109/tpami.2024.1234567",
    journal_ref="IEEE Trans. Pattern Anal. Mach. Intell. 46, 1123-1135 (2024)",
    venue="IEEE Trans. Pattern Anal. Mach. Intell.",
    published="2024-03-02",
)


def test_new_paper_from_an_arxiv_record() -> None:
    paper = paper_from_metadata(ARXIV_RECORD)
    assert paper.title == "Lattice Attention"
    assert paper.authors == ("Okonkwo-Hale, Mira", "Park, Jun-seo")
    assert (paper.year, paper.arxiv, paper.doi) == (
        2024,
        "2403.01123",
        "10.1109/tpami.2024.1234567",
    )
    assert paper.entry_type == "article"
    assert paper.venue == "IEEE Trans. Pattern Anal. Mach. Intell."
    assert paper.extra == {
        "eprint": "2403.01123",
        "archiveprefix": "arXiv",
        "primaryclass": "cs.CV",
    }
    assert paper.sources == (Source(kind="add"),)


def test_new_preprint_is_misc_without_a_venue() -> None:
    preprint = Metadata(source="arxiv", title="T", arxiv="2403.04567", primary_class="eess.AS")
    paper = paper_from_metadata(preprint, Source(kind="dailypapers", date="2024-03-11"))
    assert (paper.entry_type, paper.venue) == ("misc", "")
    assert paper.extra["primaryclass"] == "eess.AS"
    assert paper.sources == (Source(kind="dailypapers", date="2024-03-11"),)


def test_crossref_venue_and_type_complete_an_arxiv_record() -> None:
    crossref = Metadata(
        source="crossref",
        title="Lattice attention",
        venue="IEEE Transactions on Pattern Analysis and Machine Intelligence",
        entry_type="article",
        volume="46",
        pages="1123--1135",
    )
    merged = merge_metadata(ARXIV_RECORD, crossref)
    assert merged.title == "Lattice Attention"  # arXiv's own fields stay
    assert merged.venue == "IEEE Trans. Pattern Anal. Mach. Intell."
    assert (merged.volume, merged.pages, merged.entry_type) == ("46", "1123--1135", "article")
    paper = paper_from_metadata(merged)
    assert paper.extra["volume"] == "46" and paper.extra["pages"] == "1123--1135"


def listing_paper(**changes: object) -> Paper:
    base = Paper(
        title="Lattice Attention",
        id="01J0000000000000000000000",
        key="latticeattention",
        abstract="Dense prediction needs long-range context.",
        sources=(Source(kind="dailypapers", date="Mar 11"),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_missing_fields_fills_a_listing_paper() -> None:
    changes = missing_fields(listing_paper(), ARXIV_RECORD)
    assert changes == {
        "authors": ("Okonkwo-Hale, Mira", "Park, Jun-seo"),
        "year": 2024,
        "doi": "10.1109/tpami.2024.1234567",
        "arxiv": "2403.01123",
        "venue": "IEEE Trans. Pattern Anal. Mach. Intell.",
        "entry_type": "article",
        "extra": {"eprint": "2403.01123", "archiveprefix": "arXiv", "primaryclass": "cs.CV"},
    }


def test_missing_fields_never_overwrites_what_the_user_has() -> None:
    mine = listing_paper(
        title="My title",
        authors=("Me, Myself",),
        year=2023,
        abstract="My abstract.",
        venue="My Venue",
        doi="10.1/mine",
        arxiv="2403.01123",
        entry_type="inproceedings",
        extra={"PrimaryClass": "cs.AI", "note": "keep"},
    )
    changes = missing_fields(mine, ARXIV_RECORD)
    assert changes == {"extra": {"eprint": "2403.01123", "archiveprefix": "arXiv"}}
    assert mine.extra == {"PrimaryClass": "cs.AI", "note": "keep"}  # the paper is untouched


def test_a_bibtex_misc_entry_keeps_its_type_and_gains_no_journal() -> None:
    from_bib = listing_paper(sources=(Source(kind="bibtex", file="refs.bib"),))
    changes = missing_fields(from_bib, ARXIV_RECORD)
    assert "venue" not in changes and "entry_type" not in changes
    assert changes["year"] == 2024


def test_a_different_arxiv_id_gets_no_arxiv_fields() -> None:
    other = listing_paper(arxiv="2401.00001")
    changes = missing_fields(other, ARXIV_RECORD)
    assert "arxiv" not in changes
    assert "eprint" not in changes.get("extra", {})


def test_nothing_missing_means_no_changes() -> None:
    complete = paper_from_metadata(ARXIV_RECORD)
    assert missing_fields(complete, ARXIV_RECORD) == {}


def test_metadata_round_trips_through_the_cache_format() -> None:
    assert Metadata.from_doc(ARXIV_RECORD.to_doc()) == ARXIV_RECORD


def test_the_changes_apply_as_a_library_delta() -> None:
    """The dict is the shape of a library :class:`Change`: fields, plus extra to add."""
    from readinglist.core.changes import Change

    paper = listing_paper(extra={"note": "mine"})
    changes = missing_fields(paper, ARXIV_RECORD)
    extra = changes.pop("extra")
    applied = Change(fields=changes, extra=extra).apply(paper)
    assert applied.authors == ARXIV_RECORD.authors
    assert (applied.year, applied.arxiv, applied.entry_type) == (2024, "2403.01123", "article")
    assert applied.extra == {
        "note": "mine",
        "eprint": "2403.01123",
        "archiveprefix": "arXiv",
        "primaryclass": "cs.CV",
    }
    assert missing_fields(applied, ARXIV_RECORD) == {}  # nothing left to fill
