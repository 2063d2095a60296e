"""What an import merges, keeps apart and reports (SPEC §4): citation keys are never
merged away; every merge and likely duplicate is named by key and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.core.bibtex import export_library
from readinglist.core.changes import Change
from readinglist.core.importers import parse_text
from readinglist.core.library import Library

from .conftest import DATA

pytestmark = pytest.mark.unit

FIRST = """@article{smith2020graphs,
  author = {Smith, Ann}, title = {Graph Networks at Scale}, journal = {J. Graphs},
  doi = {10.1000/GRAPHS}, year = {2020}}
@inproceedings{lee2008col,
  author = {Lee, Bo}, title = {Column Stores}, booktitle = {VLDB}, year = {2008}}
@article{taken,
  author = {Ng, Cy}, title = {Something Else Entirely}, journal = {J. X}, year = {2001}}
"""
SECOND = """@article{Smith:GNS,
  author = {Smith, A.}, title = {Graph networks at scale}, journal = {Journal of Graphs},
  doi = {10.1000/graphs}, year = {2020}, pages = {1--9}}
@inproceedings{lee2009col,
  author = {Lee, Bo}, title = {Column Stores}, booktitle = {VLDB}, year = {2009}}
@article{taken,
  author = {Ovo, Dee}, title = {A Different Paper With The Same Key}, year = {2015}}
"""


def _library(tmp_path: Path) -> Library:
    library = Library.open(tmp_path / "lib.json")
    library.import_parsed(parse_text(FIRST, "bibtex", "first.bib"))
    return library


def test_strong_evidence_merges_and_the_incoming_key_becomes_an_alias(tmp_path: Path) -> None:
    library = _library(tmp_path)
    report = library.import_parsed(parse_text(SECOND, "bibtex", "second.bib"))
    assert "Smith:GNS merged into smith2020graphs (same DOI)" in report.notes
    paper = library.by_key("Smith:GNS")
    assert paper is not None and paper.key == "smith2020graphs"
    assert paper.aliases == ("Smith:GNS",)
    assert paper.extra["pages"] == "1--9"  # what it lacked is filled
    assert paper.title == "Graph Networks at Scale"  # what it had stays
    text = export_library(library, [paper])
    assert "ids = {Smith:GNS}" in text and text.startswith("@article{smith2020graphs,")


def test_weaker_evidence_is_kept_apart_and_reported(tmp_path: Path) -> None:
    library = _library(tmp_path)
    report = library.import_parsed(parse_text(SECOND, "bibtex", "second.bib"))
    assert "possible duplicates: lee2009col ~ lee2008col (same title, 2008/2009), kept apart" in (
        report.notes
    )
    assert library.by_key("lee2009col") is not None and library.by_key("lee2008col") is not None


def test_a_key_taken_by_another_paper_gets_a_suffix_and_is_named(tmp_path: Path) -> None:
    library = _library(tmp_path)
    report = library.import_parsed(parse_text(SECOND, "bibtex", "second.bib"))
    assert "key 'taken' is taken by another paper: imported as 'takena'" in report.notes
    other = library.by_key("takena")
    assert other is not None and other.title == "A Different Paper With The Same Key"


def test_importing_a_file_again_changes_nothing(tmp_path: Path) -> None:
    library = _library(tmp_path)
    before = library.path.read_bytes()
    report = library.import_parsed(parse_text(FIRST, "bibtex", "first.bib"))
    assert (len(report.added), len(report.merged), report.skipped) == (0, 0, 3)
    assert library.path.read_bytes() == before


LISTING = (
    "new\n\nSubscribe\n\nbyAK and the research community\n\nMar 11\n\n"
    "Graph Networks at Scale\n\n"
    "We scale graph networks to billions of edges and report what breaks first. The "
    "memory of message passing grows with the number of edges, so we shard the graph "
    "across machines and overlap communication with computation. Code is available.\n"
)


def test_a_bib_entry_brings_its_fields_to_a_listing_paper_which_keeps_its_triage(
    tmp_path: Path,
) -> None:
    library = Library.open(tmp_path / "lib.json")
    (listed,) = library.import_parsed(parse_text(LISTING, "dailypapers", "today.txt")).added
    library.edit([listed.id], Change(add_tags=("gnn",), fields={"status": "read", "notes": "n"}))
    report = library.import_parsed(parse_text(FIRST, "bibtex", "first.bib"))
    assert "smith2020graphs merged into smith2020graphs (same title" not in report.notes
    paper = library.get(listed.id)
    assert paper is not None
    assert paper.key == "smith2020graphs" and paper.aliases == ()  # the unused key goes
    assert (paper.tags, paper.status, paper.notes) == (("gnn",), "read", "n")
    assert paper.authors == ("Smith, Ann",) and paper.year == 2020 and paper.venue == "J. Graphs"
    assert paper.abstract.startswith("We scale graph networks")
    assert len(library) == 3


def test_a_listing_key_that_was_used_stays_and_the_bib_key_is_an_alias(tmp_path: Path) -> None:
    library = Library.open(tmp_path / "lib.json")
    (listed,) = library.import_parsed(parse_text(LISTING, "dailypapers", "today.txt")).added
    library.mark_used([listed.id])  # e.g. exported into a manuscript
    library.import_parsed(parse_text(FIRST, "bibtex", "first.bib"))
    paper = library.get(listed.id)
    assert paper is not None and paper.key == listed.key and paper.aliases == ("smith2020graphs",)


def test_tags_go_on_the_papers_an_import_adds_not_on_ones_already_triaged(tmp_path: Path) -> None:
    listing = (DATA / "daily-papers-compact.txt").read_text(encoding="utf-8")
    library = Library.open(tmp_path / "lib.json")
    first = library.import_parsed(parse_text(listing, "auto", "today.txt"), tags=["to-triage"])
    done = first.added[0]
    library.edit([done.id], Change(remove_tags=("to-triage",), fields={"status": "read"}))
    library.import_parsed(parse_text(listing, "auto", "today.txt"), tags=["to-triage"])
    assert "to-triage" not in library.get(done.id).tags  # type: ignore[union-attr]
    library.import_parsed(
        parse_text(listing, "auto", "today.txt"), tags=["to-triage"], tag_existing=True
    )
    assert "to-triage" in library.get(done.id).tags  # type: ignore[union-attr]


def test_the_cli_names_merged_and_kept_apart_keys(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, second = tmp_path / "first.bib", tmp_path / "second.bib"
    first.write_text(FIRST)
    second.write_text(SECOND)
    db = tmp_path / "lib.json"
    assert cli("--db", db, "import", first).code == 0
    result = cli("--db", db, "import", second)
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == f"{second}: 2 added, 1 merged, 0 skipped, 0 failed"
    assert f"{second}: Smith:GNS merged into smith2020graphs (same DOI)" in lines
    assert any("lee2009col ~ lee2008col" in line for line in lines)
    exported = cli("--db", db, "export", "--key", "Smith:GNS")
    assert exported.out.startswith("@article{smith2020graphs,")
