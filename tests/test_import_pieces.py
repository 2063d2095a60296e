"""A large .bib is read in pieces (memory) with exactly the result of reading it whole."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from readinglist.core.errors import ImportFormatError
from readinglist.core.importers import _parse_pieces, chunks, parse_bytes, parse_text
from readinglist.core.importers.chunks import PIECE_BYTES, can_split, text_pieces
from readinglist.core.importers.sniff import decode_input

pytestmark = pytest.mark.unit

DATA = Path(__file__).parent / "data"

# Fragments chosen for what could go wrong at a piece boundary: entries cut short,
# duplicates of an earlier piece's key, macros defined in one piece and used in
# another, commented-out entries, escaped braces, NUL bytes, characters outside the
# Basic Multilingual Plane, parenthesised entries, preambles, comments.
FRAGMENTS = [
    "@article{a1,\n  title = {First {Title}},\n  author = {Doe, Jane and Roe, R.},\n"
    "  year = 2020,\n  journal = jnl\n}\n",
    "@string{jnl = {Journal of Things}}\n",
    "@string{jnl = {Journal of Other Things}}\n",
    "@inproceedings{a2,\n  title = {Second: a study},\n  booktitle = jnl # { 2021},\n"
    "  month = mar\n}\n",
    "@article{a1,\n  title = {Duplicate key},\n  year = {2019}\n}\n",
    "%@article{off,\n  title = {Switched off}\n}\n",
    "@article{open,\n  title = {Cut {short,\n  year = {2018}\n}\n",
    "@article{brace,\n  title = {Lone \\} brace},\n  publisher = {Taylor {{\\&} Francis},\n"
    "  year = {2017}\n}\n",
    "@misc{nul,\n  title = {With a \x00 NUL},\n  note = {x}\n}\n",
    "@misc{astral,\n  title = {Math \U0001d4c1 and \U0001f4a8},\n  year = {2022}\n}\n",
    "@book(paren,\n  title = {Parentheses (are fine)},\n  year = 1999\n)\n",
    '@preamble{"\\newcommand{\\noop}[1]{}"}\n',
    "@comment{a comment with @article{inside}\n",
    "Free text between entries, with an @ sign and {braces}.\n",
    '@misc{esc,\n  title = {Escaped \\{ and \\} braces},\n  author = {M\\"uller, K.}\n}\n',
    "@article{dupfield,\n  title = {One},\n  title = {Two},\n  year = {2001}\n}\n",
    "@article{noclose,\n  title = {Never closed},\n",
    '@misc{quote,\n  title = "Quoted {title}",\n  url = {https://example.org/a_b}\n}\n',
    # The private-use character brace escapes are hidden behind, in the file itself.
    "@misc{private,\n  title = {Private \ue000 use and \\{ escaped},\n  year = {2023}\n}\n",
]


def whole(data: bytes, label: str = "x.bib") -> object:
    """What parse_bytes does with a file too small to be read in pieces."""
    text, warning = decode_input(data, label)
    if warning:
        return parse_bytes(data, "auto", label)
    return parse_text(text, "auto", label)


def outcome(parse: object, *args: object) -> object:
    """The result, or the error message: both ways must agree either way."""
    try:
        return parse(*args)  # type: ignore[operator]
    except ImportFormatError as exc:
        return str(exc)


@pytest.mark.parametrize("name", ["rich.bib", "lossless.bib", "foreign.bib", "broken-middle.bib"])
@pytest.mark.parametrize("size", [1, 64, 700])
def test_pieces_read_the_fixtures_as_the_whole_text(name: str, size: int) -> None:
    data = (DATA / name).read_bytes()
    assert outcome(_parse_pieces, data, name, size) == outcome(whole, data, name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=30),
    st.integers(min_value=1, max_value=400),
)
def test_any_file_reads_the_same_in_pieces_as_whole(fragments: list[str], size: int) -> None:
    data = "".join(fragments).encode("utf-8")
    assume(can_split(data, 0))  # else parse_bytes reads it whole: no entry line at all
    assert outcome(_parse_pieces, data, "x.bib", size) == outcome(whole, data, "x.bib")


def test_pieces_end_only_where_a_line_starts_a_block() -> None:
    data = "".join(FRAGMENTS * 3).encode("utf-8")
    pieces = list(text_pieces(data, "x.bib", 100))
    assert len(pieces) > 5
    assert "".join(text for text, _ in pieces).encode("utf-8") == data
    for (_text, next_start), (following, _) in pairwise(pieces):
        assert following.startswith(next_start) and next_start.startswith("@")
    assert pieces[-1][1] == ""


def test_escapes_hidden_before_decoding_read_as_the_whole_text() -> None:
    # Brace escapes are hidden in the bytes, before each piece is decoded; an entry
    # read line by line (a lone ``\\}``) gets its escapes back. A file that holds the
    # hiding character itself is read without hiding, and keeps that character.
    escaped = "".join([FRAGMENTS[7], FRAGMENTS[14], FRAGMENTS[0]] * 10).encode("utf-8")
    result = _parse_pieces(escaped, "x.bib", 64)
    assert result == whole(escaped, "x.bib")
    raws = [value or "" for p in result.papers for value in p.raw.values()]
    assert not any("\ue000" in p.title for p in result.papers)
    assert not any("\ue000" in value for value in raws)
    assert any("\\{" in value for value in raws) and any("\\}" in value for value in raws)
    own = escaped + FRAGMENTS[-1].encode("utf-8")
    result = _parse_pieces(own, "x.bib", 64)
    assert result == whole(own, "x.bib")
    assert [p.raw["title"] for p in result.papers if p.key == "private"] == [
        "{Private \ue000 use and \\{ escaped}"
    ]


def test_a_bad_byte_in_a_later_piece_is_reported_as_for_the_whole_file() -> None:
    good = "".join(FRAGMENTS[:4]).encode("utf-8") * 20
    data = good + b"@misc{bad,\n  title = {\xff}\n}\n"
    assert outcome(_parse_pieces, data, "x.bib", 64) == outcome(whole, data, "x.bib")
    assert "byte 0xff at offset" in str(outcome(_parse_pieces, data, "x.bib", 64))
    cut = good + b"@misc{c,\n  title = {\xc3"  # the file ends inside an "é"
    assert outcome(_parse_pieces, cut, "x.bib", 64) == outcome(whole, cut, "x.bib")
    assert "truncated" in str(outcome(_parse_pieces, cut, "x.bib", 64))


def test_a_large_file_goes_through_pieces_and_a_small_one_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert PIECE_BYTES >= 1 << 20
    monkeypatch.setattr(chunks, "PIECE_BYTES", 16_384)
    small = "".join(FRAGMENTS).encode("utf-8")
    assert not can_split(small)
    many = "".join(
        f"@article{{k{i},\n  title = {{Paper {i}, {{with}} commas, and braces}},\n"
        f"  year = {{{2000 + i % 25}}}\n}}\n"
        for i in range(chunks.PIECE_BYTES // 40)
    )
    big = small + many.encode("utf-8")
    assert can_split(big)
    assert not can_split(b"\xef\xbb\xbf" + big)  # a byte-order mark: read whole
    assert not can_split(b"title: x\n" * chunks.PIECE_BYTES)  # no BibTeX in it
    result = parse_bytes(big, "auto", "big.bib")
    assert result == whole(big, "big.bib")
    assert len(list(text_pieces(big, "big.bib"))) > 1
    assert len(result.papers) > 100
