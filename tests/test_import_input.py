"""The import front door: reading, decoding, sniffing and whole-file errors."""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readinglist.core.errors import ImportFormatError
from readinglist.core.importers import parse_file, parse_text
from readinglist.core.importers.dailypapers import decode_listing_text
from readinglist.core.importers.sniff import sniff_format

pytestmark = pytest.mark.unit

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
BLANK = DATA / "daily-papers-blank-lines.txt"
COMPACT = DATA / "daily-papers-compact.txt"


def import_error(path: Path, fmt: str = "auto") -> str:
    with pytest.raises(ImportFormatError) as info:
        parse_file(path, fmt)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"cannot import {path.name}: ")
    return message


# -- good input ------------------------------------------------------------------


@pytest.mark.parametrize(("path", "count"), [(BLANK, 58), (COMPACT, 267)])
@pytest.mark.parametrize("fmt", ["auto", "dailypapers"])
def test_samples_import(path: Path, count: int, fmt: str) -> None:
    result = parse_file(path, fmt)
    assert result.format == "dailypapers"
    assert len(result.papers) == count
    assert result.failures == []
    assert result.papers[0].sources[0].file == path.name


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),  # with BOM, native order
        lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        lambda text: text.encode("utf-32"),
    ],
    ids=["utf-8-bom", "utf-16", "utf-16-be", "utf-32"],
)
def test_other_unicode_encodings_with_bom(tmp_path: Path, encode: object) -> None:
    text = BLANK.read_text(encoding="utf-8")
    path = tmp_path / "listing.txt"
    assert callable(encode)
    path.write_bytes(encode(text))
    result = parse_file(path)
    assert [p.title for p in result.papers] == [p.title for p in parse_file(BLANK).papers]
    assert result.papers[0].title.startswith("ELA:")  # no BOM glued to anything


def test_parse_text_names_source(tmp_path: Path) -> None:
    result = parse_text(COMPACT.read_text(encoding="utf-8"), source_name="/x/today.txt")
    assert result.papers[0].sources[0].file == "today.txt"


# -- bad input -------------------------------------------------------------------


def test_binary_png() -> None:
    assert "PNG image" in import_error(BAD / "image.png")


def test_binary_nul_bytes() -> None:
    assert import_error(BAD / "nul-bytes.txt") == (
        "cannot import nul-bytes.txt: it is a binary file, not a Daily Papers listing or BibTeX"
    )


def test_binary_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "noise.dat"
    path.write_bytes(bytes(range(1, 32)) * 20 + b"some words")
    assert "binary file" in import_error(path)


def test_pdf_is_named(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    assert "PDF document" in import_error(path)


def test_empty() -> None:
    assert import_error(BAD / "empty.txt").endswith("the file is empty")


def test_whitespace_only() -> None:
    assert import_error(BAD / "whitespace.txt").endswith("only whitespace")


def test_latin1_names_byte_offset() -> None:
    data = (BAD / "latin1.txt").read_bytes()
    message = import_error(BAD / "latin1.txt")
    assert "not valid UTF-8" in message
    offset = data.index(bytes([0xE9]))
    assert f"byte 0xe9 at offset {offset}" in message


@pytest.mark.parametrize("name", ["papers.csv", "script.py"])
def test_unknown_format(name: str) -> None:
    assert "unknown format" in import_error(BAD / name)


def test_unknown_format_name() -> None:
    with pytest.raises(ImportFormatError, match="unknown format 'ris'"):
        parse_file(BLANK, "ris")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert import_error(tmp_path / "nope.txt").endswith("no such file")
    (tmp_path / "folder").mkdir()
    assert import_error(tmp_path / "folder").endswith("a directory, not a file")


def test_listing_forced_as_dailypapers_with_no_papers() -> None:
    message = import_error(BAD / "script.py", "dailypapers")
    assert "no papers found" in message


def test_only_header_chrome(tmp_path: Path) -> None:
    path = tmp_path / "header.txt"
    path.write_text("new\n\nSubscribe\n\nbyAK and the research community\n\nMar 11\n")
    assert import_error(path).endswith("no papers found")


def test_truncated_listing_is_refused_whole() -> None:
    """The last title lost its abstract: the file was cut, so nothing is imported."""
    message = import_error(BAD / "truncated-listing.txt")
    assert "looks truncated (line 19: title without an abstract" in message
    assert "nothing was imported" in message


def test_a_stray_title_mid_listing_is_not_truncation() -> None:
    text = BLANK.read_text(encoding="utf-8").replace(
        "\nOutRank:", "\nA Stray Title Line\n\nOutRank:", 1
    )
    result = parse_text(text, source_name="x.txt")
    assert len(result.papers) == 58
    assert [f.reason.startswith("title without") for f in result.failures] == [True]


def test_truncated_inside_a_character() -> None:
    message = import_error(BAD / "truncated-mid-char.txt")
    assert "truncated" in message and "middle of a character" in message


# -- sniffing --------------------------------------------------------------------


def test_sniff() -> None:
    assert sniff_format("% refs\n@Article{a,\n title={X}}\n") == "bibtex"
    assert sniff_format("  @inproceedings ( b, title = {Y} )") == "bibtex"
    assert sniff_format(BLANK.read_text(encoding="utf-8")) == "dailypapers"
    assert sniff_format(COMPACT.read_text(encoding="utf-8")) == "dailypapers"
    # the bare title/abstract shape, without any header chrome
    body = COMPACT.read_text(encoding="utf-8").split("\n", 3)[3]
    assert sniff_format(body) == "dailypapers"
    assert sniff_format("email me at me@example.org {soon}\nthanks") == ""
    assert sniff_format("a,b,c\n1,2,3\n") == ""


def test_markdown_notes_are_not_a_listing() -> None:
    prose = "This is a long paragraph of notes about papers, " * 8
    text = f"# Reading notes\n\n- item one\n- item two\n\n```python\nx = 1\n```\n\n{prose}\n"
    assert sniff_format(text) == ""


# -- fuzzing: nothing but ImportFormatError escapes -------------------------------

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(text=st.text(max_size=3000), fmt=st.sampled_from(["auto", "dailypapers", "bibtex"]))
def test_fuzz_text(text: str, fmt: str) -> None:
    try:
        result = parse_text(text, fmt, "fuzz.txt")
    except ImportFormatError as exc:
        assert "\n" not in str(exc)
    else:
        assert result.papers


_LINES = st.sampled_from(
    [
        "new",
        "Subscribe",
        "Mar 11",
        "42",
        "Upvote",
        "Get trending papers in your email inbox!",
        "byAK and the research community",
        "Deep Things: A Study of Shallow Things",
        "Transformer in Transformer",
        "We study things. " * 40,
        "Code is available at https://github.com/a/b. " * 3 + "It works. " * 30,
        "",
        "   ",
        "@misc{x,",
        "}",
    ]
)


@FUZZ
@given(lines=st.lists(st.one_of(_LINES, st.text(max_size=200)), max_size=60))
def test_fuzz_listing_shapes(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        result = parse_text(text, "dailypapers", "fuzz.txt")
    except ImportFormatError:
        return
    stripped = {line.strip() for line in text.split("\n")}
    chrome = {"new", "Subscribe", "Mar 11", "42", "Upvote", "byAK and the research community"}
    for paper in result.papers:
        assert paper.title and paper.abstract
        assert paper.title not in chrome
        # titles are stored with their LaTeX decoded (a line "\\O" is the title "Ø")
        assert any(paper.title in decode_listing_text(line) for line in stripped)


@FUZZ
@given(data=st.binary(max_size=3000))
def test_fuzz_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.bin"
        path.write_bytes(data)
        try:
            parse_file(path)
        except ImportFormatError as exc:
            assert str(exc).startswith("cannot import fuzz.bin: ")


@FUZZ
@given(cut=st.integers(min_value=1, max_value=20_000))
def test_fuzz_truncated_sample(cut: int) -> None:
    data = BLANK.read_bytes()[:cut]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cut.txt"
        path.write_bytes(data)
        try:
            result = parse_file(path)
        except ImportFormatError:
            return
        assert all(len(p.abstract) > 0 for p in result.papers)


# -- speed -----------------------------------------------------------------------


def test_ten_thousand_paper_file_parses_completely(tmp_path: Path) -> None:
    full = COMPACT.read_text(encoding="utf-8")
    body = full.split("\n", 2)[2].removeprefix("Subscribe")
    path = tmp_path / "big.txt"
    path.write_text(full + ("\n" + body) * 37, encoding="utf-8")
    result = parse_file(path)
    assert len(result.papers) == 38 * 267


# -- the BibTeX route ------------------------------------------------------------


def test_truncated_bibtex_is_refused_whole() -> None:
    message = import_error(BAD / "truncated.bib")
    assert "looks truncated (line 7" in message and "nothing was imported" in message


def test_bibtex_with_a_broken_entry_mid_file_keeps_the_others() -> None:
    result = parse_file(DATA / "broken-middle.bib")
    assert [p.key for p in result.papers] == ["good2019first", "good2021third"]
    assert [f.line for f in result.failures] == [7]


def test_bibtex_where_nothing_parses(tmp_path: Path) -> None:
    path = tmp_path / "broken.bib"
    path.write_text("@article{a,\n  title = {Never closed\n")
    assert "no BibTeX entries found" in import_error(path)


def test_listing_forced_as_bibtex() -> None:
    assert "no BibTeX entries found" in import_error(BLANK, "bibtex")


def test_parsers_flag_entries_cut_off_by_the_end_of_input() -> None:
    from readinglist.core.importers.bibtex import parse_bibtex
    from readinglist.core.importers.dailypapers import parse_dailypapers

    truncated = parse_bibtex((BAD / "truncated.bib").read_text(encoding="utf-8"))
    assert [f.cut_off for f in truncated.failures] == [True]
    middle = parse_bibtex((DATA / "broken-middle.bib").read_text(encoding="utf-8"))
    assert [f.cut_off for f in middle.failures] == [False]
    listing = parse_dailypapers((BAD / "truncated-listing.txt").read_text(encoding="utf-8"))
    assert [f.cut_off for f in listing.failures] == [True]
    stray = BLANK.read_text(encoding="utf-8").replace("\nOutRank:", "\nStray Title\n\nOutRank:", 1)
    assert [f.cut_off for f in parse_dailypapers(stray).failures] == [False]
