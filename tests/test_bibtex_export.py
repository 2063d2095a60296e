"""BibTeX export: escaping, title protection, listings, round trip, and real
validation by biber and classic bibtex (CI installs both and fails without them)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks import bibcheck
from readinglist.core.bibtex import cited_keys, export_bibtex, export_library, format_name
from readinglist.core.importers.bibtex import parse_bibtex
from readinglist.core.importers.dailypapers import parse_dailypapers
from readinglist.core.keys import valid_key
from readinglist.core.latex import protect_title
from readinglist.core.library import Library
from readinglist.core.model import Paper, Source

from .conftest import require_tool

DATA = Path(__file__).parent / "data"
LISTINGS = ["daily-papers-blank-lines.txt", "daily-papers-compact.txt"]
COMPARED: tuple[str, ...] = (
    "key",
    "entry_type",
    "title",
    "abstract",
    "authors",
    "year",
    "venue",
    "tags",
)
COMPARED += ("url", "doi", "arxiv", "extra")


# -- real validators -------------------------------------------------------------


def _tool(name: str) -> str:
    return require_tool(name, "apt-get install -y biber")


def biber_errors(bib: str, tmp_path: Path) -> list[str]:
    """``biber --tool --validate-datamodel``'s ERROR lines for ``bib``."""
    _tool("biber")
    source = tmp_path / "export.bib"
    source.write_text(bib, encoding="utf-8")
    return bibcheck.biber_errors(source, tmp_path)


def bibtex_run(bib: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run classic bibtex with plain.bst over every entry of ``bib``."""
    (tmp_path / "refs.bib").write_text(bib, encoding="utf-8")
    (tmp_path / "doc.aux").write_text(
        "\\relax\n\\citation{*}\n\\bibdata{refs}\n\\bibstyle{plain}\n", encoding="utf-8"
    )
    return subprocess.run(
        [_tool("bibtex"), "doc"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        errors="replace",
    )


def assert_valid(bib: str, tmp_path: Path, entries: int) -> None:
    biber_dir = tmp_path / "biber"
    bibtex_dir = tmp_path / "bibtex"
    biber_dir.mkdir()
    bibtex_dir.mkdir()
    assert biber_errors(bib, biber_dir) == []
    done = bibtex_run(bib, bibtex_dir)
    assert done.returncode < 2, done.stdout
    assert "error message" not in done.stdout, done.stdout
    bbl = (bibtex_dir / "doc.bbl").read_text(encoding="utf-8", errors="replace")
    assert bbl.count("\\bibitem") == entries


def roundtrip_equal(before: list[Paper], after: list[Paper]) -> None:
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        for name in COMPARED:
            assert getattr(new, name) == getattr(old, name), (old.key, name)


# -- fixtures ----------------------------------------------------------------------


def listing_papers(name: str) -> list[Paper]:
    path = DATA / name
    result = parse_dailypapers(path.read_text(encoding="utf-8"), name)
    assert len(result.papers) > 10
    return [replace(p, key="", tags=("to-triage", "kd")) for p in result.papers]


def nasty_papers() -> list[Paper]:
    specials = "& % $ # _ { } ~ ^ \\"
    return [
        Paper(
            key="nasty2024",
            entry_type="article",
            title=f"ELA: Every Special {specials} in LLaVA-HD and ImageNet, naïve Über-Café",
            authors=(
                "Östlund, Anna",
                "{ACME Corp}",
                "{Barnes and Noble, Inc.}",
                "van Beethoven, Ludwig",
                "Ford, Jr., Henry",
                "Łukasiewicz, Jan",
                "others",
            ),
            abstract=(
                f"All specials {specials}; math $x^2_{{i}}$ and $O(n \\log n)$; a lone $ sign; "
                "braces {balanced} and one { lone; accents çñøßåæœ ı; dashes – — … “quoted” "
                "non\u00a0breaking; 中文 and emoji 😀; 100% of $5 costs #1 at ~user's."
            ),
            venue="Journal of {Weird} & Odd_Names #7",
            year=2024,
            doi="10.1000/ABC_1%2F(x)",
            url="https://example.org/a%20b_c~d/e#frag?q=1&r={x}",
            tags=("C++", "sub_set", "50%"),
            notes="Note with & and % and {braces}",
            extra={
                "pages": "1--10",
                "month": "jan",
                "note": 'Kept {\\"u} verbatim',
                "publisher": "Odd & Sons",
            },
        ),
        Paper(
            key="",
            entry_type="inproceedings",
            title="Unbalanced {brace and } more }",
            authors=("Doe, Jane",),
            venue="Proc. of {AAAI}",
            year=2023,
            url="https://example.org/x}y{",
            arxiv="2401.12345",
        ),
        Paper(key="nasty2024", title="Same key twice", url="https://example.org/~a_b%7E"),
        Paper(key="Nasty2024b", title="Another key"),
        Paper(key="bad key{,}", title="A key with characters BibTeX cannot take"),
    ]


# -- unit behaviour ----------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("title", "latex"),
    [
        (
            "ELA: Efficient Local Attention for Deep Convolutional Neural Networks",
            "{ELA}: Efficient Local Attention for Deep Convolutional Neural Networks",
        ),
        ("Scaling LLaVA-HD to 4K", "Scaling {LLaVA-HD} to {4K}"),
        ("Pre-training on ImageNet (GPT-4)", "Pre-training on {ImageNet} ({GPT-4})"),
        ("Already {ELA} braced", "Already {ELA} braced"),
        ("Pre-Trained Title Case Words", "Pre-Trained Title Case Words"),
        ("Q-Value Functions and iPhone 3D", "{Q-Value} Functions and {iPhone} {3D}"),
        ("R&D costs 95% of $L_2$ and $x$", "{R\\&D} costs 95\\% of {$L_2$} and $x$"),
        ("Über naïve", '{\\"U}ber na{\\"i}ve'),
    ],
)
def test_protect_title(title: str, latex: str) -> None:
    assert protect_title(title) == latex


@pytest.mark.unit
def test_protect_title_unicode_keeps_characters() -> None:
    assert protect_title("Über CNNs", unicode=True) == "Über {CNNs}"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("name", "latex"),
    [
        ("Knuth, Donald E.", "Knuth, Donald E."),
        ("Östlund, Anna", '{\\"O}stlund, Anna'),
        ("{ACME Corp}", "{ACME Corp}"),
        ("{Barnes and Noble, Inc.}", "{Barnes and Noble, Inc.}"),
        ("Sanders and Sons, Ltd", "{Sanders and Sons}, Ltd"),
        ("others", "others"),
        ("Ford, Jr., Henry", "Ford, Jr., Henry"),
    ],
)
def test_format_name(name: str, latex: str) -> None:
    assert format_name(name) == latex


@pytest.mark.unit
def test_text_fields_escaped_and_links_verbatim() -> None:
    bib = export_bibtex(nasty_papers()[:1])
    assert "url = {https://example.org/a%20b_c~d/e#frag?q=1&r={x}}" in bib
    assert "doi = {10.1000/ABC_1%2F(x)}" in bib
    assert (
        "\\& \\% \\$ \\# \\_ \\{ \\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}"
        in bib
    )
    assert "month = jan," in bib
    assert 'note = {Kept {\\"u} verbatim}' in bib
    assert "publisher = {Odd & Sons}" in bib  # extra: verbatim, exactly as imported
    assert "keywords = {C++, sub\\_set, 50\\%}" in bib
    assert "annote" not in bib
    assert "annote = {Note with \\& and \\% and \\{braces\\}}" in export_bibtex(
        nasty_papers()[:1], include_notes=True
    )
    assert bib.isascii() is False  # 中文 and emoji have no LaTeX spelling: kept as UTF-8
    assert "{\\o}" in bib and "{\\ss}" in bib and "{\\L}ukasiewicz" in bib
    unicode_bib = export_bibtex(nasty_papers()[:1], unicode=True)
    assert "Östlund" in unicode_bib and "çñøßåæœ" in unicode_bib


@pytest.mark.unit
def test_unbalanced_link_braces_are_percent_encoded() -> None:
    bib = export_bibtex(nasty_papers()[1:2])
    assert "url = {https://example.org/x%7Dy%7B}" in bib
    assert "eprint = {2401.12345}" in bib and "archiveprefix = {arXiv}" in bib
    assert "booktitle = {Proc. of \\{AAAI\\}}" in bib


@pytest.mark.unit
def test_keys_are_written_exactly_and_only_missing_or_repeated_ones_made() -> None:
    bib = export_bibtex(nasty_papers())
    keys = re.findall(r"^@\w+\{([^,]+),", bib, flags=re.MULTILINE)
    assert keys[0] == "nasty2024"
    assert keys[1] == "doe2023unbalanced"  # the paper had none
    assert keys[2] == "samekeytwice"  # the same key twice in one list (never in a library)
    assert keys[3] == "Nasty2024b"
    # A case variant is another key: kept as written (bibtex itself calls the second a
    # repeated entry, as it would in the user's own file).
    variants = export_bibtex([Paper("A", key="chen_2019"), Paper("B", key="Chen_2019")])
    assert re.findall(r"^@\w+\{([^,]+),", variants, flags=re.MULTILINE) == [
        "chen_2019",
        "Chen_2019",
    ]
    assert valid_key(keys[4]) and keys[4].startswith("key")  # "bad key{,}" cannot be written
    assert len(set(keys)) == 5


@pytest.mark.unit
def test_daily_papers_export_as_misc_with_listing_provenance_in_usera() -> None:
    paper = Paper(
        title="Digi-Q: Learning Q-Value Functions",
        abstract="We study it. Code is available at https://github.com/a/b_c.",
        code_url="https://github.com/a/b_c",
        tags=("kd",),
        entry_type="article",
        sources=(Source("dailypapers", "today.txt", "Mar 11"),),
    )
    bib = export_bibtex([paper])
    assert bib.startswith("@misc{")
    assert "usera = {Daily Papers listing, Mar 11}" in bib
    assert "note = " not in bib and "howpublished" not in bib  # printed by styles
    assert "url = {https://github.com/a/b_c}" in bib
    assert "keywords = {kd}" in bib
    assert "title = {{Digi-Q}: Learning {Q-Value} Functions}" in bib
    with_url = export_bibtex([replace(paper, url="https://arxiv.org/abs/2401.1")])
    assert "url = {https://arxiv.org/abs/2401.1}" in with_url
    merged = replace(paper, sources=(*paper.sources, Source("bibtex", "refs.bib")))
    assert export_bibtex([merged]).startswith("@article{")


@pytest.mark.unit
def test_empty_export() -> None:
    assert export_bibtex([]) == ""


# -- real consumers ------------------------------------------------------------------


@pytest.mark.process
@pytest.mark.parametrize("name", LISTINGS)
def test_listing_export_validates_with_biber_and_bibtex(name: str, tmp_path: Path) -> None:
    papers = listing_papers(name)
    bib = export_bibtex(papers)
    assert bib.count("@misc{") == len(papers)
    assert "usera = {Daily Papers listing" in bib
    assert_valid(bib, tmp_path, len(papers))
    again = parse_bibtex(bib).papers
    assert [p.title for p in again] == [p.title for p in papers]
    assert [p.abstract for p in again] == [p.abstract for p in papers]
    assert [p.tags for p in again] == [p.tags for p in papers]


@pytest.mark.process
@pytest.mark.parametrize("unicode", [False, True])
def test_nasty_export_validates_and_round_trips(unicode: bool, tmp_path: Path) -> None:
    papers = nasty_papers()
    bib = export_bibtex(papers, unicode=unicode, include_notes=True)
    assert_valid(bib, tmp_path, len(papers))
    result = parse_bibtex(bib)
    assert result.failures == []
    first, second = result.papers[:2]
    original = papers[0]
    for name in ("title", "abstract", "authors", "year", "venue", "tags", "url"):
        assert getattr(first, name) == getattr(original, name), name
    assert first.extra.pop("annote") == "Note with \\& and \\% and \\{braces\\}"
    assert first.extra == original.extra
    assert first.doi == original.doi  # DOIs keep the case they were written in
    # biber reads URL and DOI verbatim: `%`, `#`, `_`, `~` reach it unescaped.
    tool_output = (tmp_path / "biber" / "tool.bib").read_text(encoding="utf-8")
    assert "URL = {https://example.org/a%20b_c~d/e#frag?q=1&r={x}}" in tool_output
    assert "DOI = {10.1000/ABC_1%2F(x)}" in tool_output
    assert second.url == "https://example.org/x%7Dy%7B"
    assert second.arxiv == "2401.12345"
    assert second.title == papers[1].title  # literal braces, not case protection


def _through_a_library(
    text: str, name: str, db: Path, unicode: bool = False
) -> tuple[Library, str]:
    library = Library.open(db)
    library.import_parsed(parse_bibtex(text, name))
    return library, export_library(library, library.newest_first(), unicode=unicode)


@pytest.mark.process
def test_rich_fixture_round_trip_field_for_field(tmp_path: Path) -> None:
    text = (DATA / "rich.bib").read_text(encoding="utf-8")
    first = parse_bibtex(text, "rich.bib")
    assert first.failures == []
    for unicode in (False, True):
        _, bib = _through_a_library(text, "rich.bib", tmp_path / f"a{unicode}.json", unicode)
        second = parse_bibtex(bib, "export.bib")
        assert second.failures == []
        roundtrip_equal(first.papers, second.papers)
        # and once more: export is stable
        _, again = _through_a_library(bib, "export.bib", tmp_path / f"b{unicode}.json", unicode)
        assert again == bib
    assert_valid(bib, tmp_path, len(first.papers))


@pytest.mark.process
def test_validators_catch_broken_bibtex(tmp_path: Path) -> None:
    """The checks above would notice a bad export: broken input makes both complain."""
    broken = "@article{x,\n  title = {a {b},\n  year = 2020\n}\n@article{y, title = {ok}}\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert biber_errors(broken, tmp_path / "a")
    done = bibtex_run(broken, tmp_path / "b")
    assert done.returncode >= 2 or "error message" in done.stdout


# -- cited keys --------------------------------------------------------------------


@pytest.mark.unit
def test_cited_keys_in_tex(tmp_path: Path) -> None:
    tex = tmp_path / "paper.tex"
    tex.write_text(
        "\\documentclass{article}\n"
        "As shown \\cite{vaswani2017attention} and \\citep[see][p.~3]{he2016deep, b:2/x.1}.\n"
        "\\citet*{he2016deep} \\parencite[12]{c} \\textcite{d} \\autocite[e.g.][]{e}\n"
        "Only 50\\% \\cite{after-percent} % but \\cite{commented} is a comment\n"
        "\\nocite{f} \\nocite{*} \\citeauthor{g} \\cites[1]{h}[2]{i} \\footcite{j}\n"
        "\\Textcite{k} \\citeyear{c} \\citation{not-in-tex}\n",
        encoding="utf-8",
    )
    assert cited_keys(tex) == [
        "vaswani2017attention",
        "he2016deep",
        "b:2/x.1",
        "c",
        "d",
        "e",
        "after-percent",
        "f",
        "g",
        "h",
        "i",
        "j",
        "k",
    ]


@pytest.mark.unit
def test_cited_keys_in_aux(tmp_path: Path) -> None:
    aux = tmp_path / "paper.aux"
    aux.write_text(
        "\\relax\n\\citation{a,b}\n\\citation{a}\n\\abx@aux@cite{0}{c}\n"
        "\\abx@aux@segm{0}{0}{c}\n\\abx@aux@cite{d}\n\\bibdata{refs}\n",
        encoding="utf-8",
    )
    assert cited_keys(aux) == ["a", "b", "c", "d"]


@pytest.mark.unit
def test_cited_keys_in_markdown(tmp_path: Path) -> None:
    md = tmp_path / "notes.md"
    md.write_text(
        "Blah [@smith2020; @doe99, p. 33] and @knuth1984 says.\n"
        "Suppress [-@wadler1989]. Braced @{weird:key.v2}. End of @last.\n"
        "Mail me at someone@example.org or see https://medium.com/@writer.\n"
        "Raw LaTeX too: \\cite{tex-key}.\n",
        encoding="utf-8",
    )
    assert cited_keys(md) == [
        "smith2020",
        "doe99",
        "knuth1984",
        "wadler1989",
        "weird:key.v2",
        "last",
        "tex-key",
    ]


@pytest.mark.unit
@pytest.mark.parametrize("entry_type", ["A-", "STRING", "Preamble", "comment"])
def test_an_entry_type_a_reader_would_not_take_is_written_as_misc(entry_type: str) -> None:
    """A hand-typed type with a hyphen ("@a-{") is read back as a comment, not an
    entry, and "@string{" or "@preamble{" (any case) as a macro or a preamble: such a
    type is written as @misc so the paper stays in the file."""
    bib = export_bibtex([Paper("A paper", key="one", entry_type=entry_type), Paper("B", key="two")])
    assert re.findall(r"^@(\w+)\{([^,]+),", bib, flags=re.MULTILINE) == [
        ("misc", "one"),
        ("misc", "two"),
    ]
    again = parse_bibtex(bib)
    assert [p.key for p in again.papers] == ["one", "two"] and again.failures == []
