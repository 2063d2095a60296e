"""Lossless BibTeX: what came from the user's ``.bib`` goes out exactly as written, and
no citation key is ever merged away, renamed or rewritten (SPEC §4, §7)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.bibcheck import bbl_items, biber_errors, check_file, entry_keys
from readinglist.core.bibtex import export_library
from readinglist.core.changes import Change
from readinglist.core.importers import parse_bytes, parse_file, parse_text
from readinglist.core.library import Library

from .conftest import DATA, require_tool

LOSSLESS = DATA / "lossless.bib"


def _import(db: Path, *files: Path) -> Library:
    library = Library.open(db)
    for path in files:
        library.import_parsed(parse_file(path))
    return library


def _export(library: Library) -> str:
    return export_library(library, library.newest_first())


@pytest.fixture
def exported(tmp_path: Path) -> str:
    return _export(_import(tmp_path / "lib.json", LOSSLESS))


@pytest.mark.unit
def test_every_entry_is_its_own_paper_under_its_own_key(tmp_path: Path) -> None:
    keys = entry_keys(LOSSLESS.read_text(encoding="utf-8"))
    library = _import(tmp_path / "lib.json", LOSSLESS)
    # 19 entries in the file, one of them switched off with "%@article{...".
    assert len(keys) == 19 and len(library) == 18 == len(set(keys))
    assert sorted(p.key for p in library) == sorted(set(keys))
    for key in ("chen_2019", "Chen_2019b", "O'Hara_1999", "Müller2020", "Knuth:TAOCP2"):
        assert library.by_key(key) is not None, key
    switched = library.by_key("Switched")
    assert switched is not None and switched.title == "The real version"


@pytest.mark.unit
def test_fields_are_exported_as_written(exported: str) -> None:
    for written in (
        "title = {{Bayesian} Networks in {Python}: a \\proglang{R} Comparison}",
        "author = {Pe\\~na, Jos\\'e and {ACME Corporation}}",
        "journal = {Stat. \\& Comp.}",
        "month = jan",
        "note = {\\mkbibquote{Quoted}, H\\textsubscript{2}O at $-$50\\,K, $\\pm$0.1, "
        "\\hspace{1em}\\acro{GPU}}",
        "title = {{An Entirely Protected Title}}",
        "journal = {{$ {\\rm GL}(2) $} Quarterly}",
        "year = {{\\noopsort{1973b}}1973}",
        "howpublished = ipl",  # a macro nobody defined stays a macro
        "booktitle = procs",
        "doi = {10.1000/HANDBOOK.2020}",  # DOIs keep their case
    ):
        assert written in exported, written


@pytest.mark.unit
def test_preambles_and_the_macros_entries_use_come_first(exported: str) -> None:
    head = exported[: exported.index("@book{")]
    assert head.startswith("@preamble{") and "\\newcommand{\\noopsort}" in head
    assert re.search(r"@string\{\s*jgt\s*=", head)
    assert re.search(r"@string\{\s*procs\s*=", head)  # used by Lee:proc, and uses jgt
    assert "unused" not in exported


@pytest.mark.unit
def test_an_edited_field_is_encoded_and_the_rest_stay_as_written(tmp_path: Path) -> None:
    library = _import(tmp_path / "lib.json", LOSSLESS)
    paper = library.by_key("Protected")
    assert paper is not None
    library.edit([paper.id], Change(fields={"title": "Bayesian Networks in Python & R"}))
    text = _export(library)
    entry = text[text.index("{Protected,") :]
    entry = entry[: entry.index("\n}")]
    assert "title = {Bayesian Networks in Python \\& R}" in entry
    assert "author = {Pe\\~na, Jos\\'e and {ACME Corporation}}" in entry


@pytest.mark.process
def test_bibtex_renders_the_export_exactly_as_the_original(exported: str, tmp_path: Path) -> None:
    require_tool("bibtex", "apt-get install biber")
    (tmp_path / "export.bib").write_text(exported, encoding="utf-8")
    # bibtex alone reads "%@article{" as an entry: compare with that line switched off.
    reference = tmp_path / "reference.bib"
    reference.write_text(LOSSLESS.read_text(encoding="utf-8").replace("%@article", "%"))
    before = bbl_items(reference, tmp_path / "a")
    after = bbl_items(tmp_path / "export.bib", tmp_path / "b")
    assert len(before) == 18
    assert after == before


@pytest.mark.process
def test_biber_finds_no_error_in_the_export_that_the_original_lacks(
    exported: str, tmp_path: Path
) -> None:
    require_tool("biber", "apt-get install biber")
    (tmp_path / "export.bib").write_text(exported, encoding="utf-8")
    after = biber_errors(tmp_path / "export.bib", tmp_path / "b")
    # biber cannot read the key O'Hara_1999 (bibtex can): the user's file has that error
    # too, and the key stays as the user wrote it.
    assert after == biber_errors(LOSSLESS, tmp_path / "a")
    assert len(after) == 1 and "ara_1999" in after[0]


@pytest.mark.process
def test_the_whole_check_passes_on_the_fixture_and_on_texlive_xampl(tmp_path: Path) -> None:
    """The same check ``.ci/run`` runs over real bibliographies."""
    require_tool("biber", "apt-get install biber")
    report = check_file(LOSSLESS, tmp_path / "lossless")
    assert report.ok, report
    xampl = Path("/usr/share/texlive/texmf-dist/bibtex/bib/base/xampl.bib")
    if not xampl.exists():
        require_tool("xampl.bib-from-texlive-base", "apt-get install texlive-base")
    report = check_file(xampl, tmp_path / "xampl")
    assert (report.entries, report.papers) == (36, 36)
    assert report.ok, report


@pytest.mark.unit
def test_a_file_of_only_macros_imports_and_serves_a_file_of_entries(tmp_path: Path) -> None:
    macros = tmp_path / "abbrev.bib"
    macros.write_text('@string{jacm = "Journal of the ACM"}\n@string{x = "X"}\n')
    entries = tmp_path / "articles.bib"
    entries.write_text("@article{a1, author = {A, B}, title = {T}, journal = jacm, year = 1999}\n")
    library = Library.open(tmp_path / "lib.json")
    report = library.import_parsed(parse_file(macros))
    assert not report.added and "abbrev.bib" in library.bibfiles
    library.import_parsed(parse_file(entries))
    text = _export(library)
    assert text.index('@string{jacm = "Journal of the ACM"}') < text.index("@article{a1,")
    assert "@string{x" not in text


@pytest.mark.unit
def test_nul_bytes_are_dropped_from_the_entry_and_named() -> None:
    data = (
        b"@article{good1, title = {Fine}, year = 2001}\n"
        b"@article{junk, title = {Junk \x00here}, abstract = {x\x00y}, year = 2002}\n"
        b"@article{good2, title = {Also fine}, year = 2003}\n"
    )
    result = parse_bytes(data, "auto", "big.bib")
    assert [p.key for p in result.papers] == ["good1", "junk", "good2"]
    assert (result.papers[1].title, result.papers[1].abstract) == ("Junk here", "xy")
    assert [(f.line, f.reason) for f in result.repaired] == [(2, "NUL bytes (binary junk) removed")]


@pytest.mark.process
def test_backslash_braces_are_counted_as_bibtex_counts_them(tmp_path: Path) -> None:
    """``\\\\{We}`` is a line break and a group; ``\\{x\\}`` a pair: both balanced for
    BibTeX. A lone ``\\}`` is not: that entry is read line by line, named, and its
    export stays well formed."""
    bib = tmp_path / "esc.bib"
    bib.write_text(
        "@article{pair, title = {Sets}, abstract = {the set \\{x\\} of all x}, year = 2020}\n"
        "@article{linebreak, title = {Lines}, abstract = {first.\\\\{We} go on}, year = 2020}\n"
        "@article{lone,\n  title = {Braces},\n  note = {de Waa\\} wrote},\n  year = 2021\n}\n"
        "@article{next, title = {Next}, year = 2021}\n"
    )
    result = parse_file(bib)
    assert [p.key for p in result.papers] == ["pair", "linebreak", "lone", "next"]
    assert [f.line for f in result.repaired] == [3] and "note" in result.repaired[0].reason
    library = Library.open(tmp_path / "lib.json")
    library.import_parsed(result)
    text = _export(library)
    assert "abstract = {the set \\{x\\} of all x}" in text
    assert "abstract = {first.\\\\{We} go on}" in text
    assert entry_keys(text) == ["pair", "linebreak", "lone", "next"]
    require_tool("biber", "apt-get install biber")
    (tmp_path / "out.bib").write_text(text)
    assert biber_errors(tmp_path / "out.bib", tmp_path / "biber") == []


@pytest.mark.unit
def test_listing_latex_is_decoded_for_display_and_encoded_on_export(tmp_path: Path) -> None:
    listing = (
        "Daily Papers\n\nMar 11\n\n"
        'Na\\"ive Scaling Beats 44\\% of Baselines\n\n'
        'We show that a {\\em na\\"ive} recipe beats 44\\% of the baselines on every '
        "benchmark we tried, with code to follow.\n"
    )
    result = parse_text(listing, "dailypapers", "today.txt")
    (paper,) = result.papers
    assert paper.title == "Naïve Scaling Beats 44% of Baselines"
    assert "a naïve recipe beats 44% of the baselines" in paper.abstract
    library = Library.open(tmp_path / "lib.json")
    library.import_parsed(result)
    text = _export(library)
    assert "44\\%" in text and "44\\textbackslash" not in text


@pytest.mark.unit
@pytest.mark.parametrize(
    ("value", "whole"),
    [("{a}", True), ("{a \\{x\\} b}", True), ('"q {x}"', True), ("jan", True),
     ('ipl # " 12"', True), ("{a} # {b}", True), ("2020", True), ("{first.\\\\{We} go}", True),
     ("{de Waa\\} wrote", False), ("{Taylor {{\\&} Francis Group}", False),
     ("Bravo, Bob and", False), ("{a}{b}", False), ('"open', False)],
)  # fmt: skip
def test_well_formed_counts_braces_as_bibtex_does(value: str, whole: bool) -> None:
    from readinglist.core.importers.bibtex import well_formed

    assert well_formed(value) is whole
