"""No crash and no runaway cost on odd input: the ``\\cite`` scan, ``--cited`` on a
file that is not there, ``@string`` chains that double at every step.

Timings live in ``python -m benchmarks.inputs``; these tests check results
on the same big inputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.core.citations import cited_keys, keys_in_text
from readinglist.core.importers.bibtex import MAX_EXPANDED, parse_bibtex
from tests.synthetic import HOSTILE, chained_strings_bib, hostile_tex

pytestmark = pytest.mark.unit


def _generated_tex(n: int) -> tuple[str, list[str]]:
    """A ~1 MB manuscript: every citation form, with hostile junk between them."""
    forms = [
        "\\cite{{{k}}}",
        "\\citep[see][p.~3]{{{k}}}",
        "\\citet*{{{k}}}",
        "\\parencite [12] {{{k}}}",
        "\\autocite[e.g.][]{{{k}}}",
        "\\Textcite{{{k}}}",
        "\\cites(pre)(post)[1]{{{k}}}[2]{{{k}x}}",
        "\\nocite{{{k}, {k}y}}",
    ]
    junk = [
        "\\citecitecitecite" * 50,  # a long control word full of "cite"
        "\\cite[never closed ",
        "\\cite{ never closed either ",
        "\\emph{text} \\section{Title} 100\\% done. ",
        "% \\cite{commented-out}\n",
    ]
    parts: list[str] = []
    expected: list[str] = []
    for i in range(n):
        key = f"k{i}"
        form = forms[i % len(forms)]
        parts.append(f"Sentence {i} about attention " + form.format(k=key) + ". ")
        if "cites" in form:
            expected += [key, key + "x"]
        elif "nocite" in form:
            expected += [key, key + "y"]
        else:
            expected.append(key)
        # unclosed brackets and braces close at the next citation's: keep them last
        parts.append(junk[i % 5] if i % 5 not in (1, 2) else "")
    parts.append("".join(junk[i] for i in (0, 3, 4, 1, 2)))  # never closed, to the end
    return "".join(parts), expected


def test_cite_scan_finds_every_key_in_a_big_generated_tex(tmp_path: Path) -> None:
    text, expected = _generated_tex(12_000)
    assert len(text) > 1_000_000
    tex = tmp_path / "thesis.tex"
    tex.write_text(text, encoding="utf-8")
    assert cited_keys(tex) == expected


@pytest.mark.parametrize("kind", HOSTILE)
def test_cite_scan_of_hostile_shapes_finds_nothing(kind: str) -> None:
    """The shapes that made the old scan take minutes (see the benchmark) hold no key."""
    assert keys_in_text(hostile_tex(kind, 1_000_000), ".tex") == []


@pytest.mark.parametrize(
    ("tex", "keys"),
    [
        ("\\cite[unclosed {a} and later \\cite{b}", ["b"]),
        ("\\cite{a,b} {c}", ["a", "b", "c"]),  # as LaTeX's own multi-argument scan
        ("\\cite*{a}", ["a"]),
        ("\\cite[x][y]{a}[z]{b}", ["a", "b"]),
        ("\\cite[see {x}]{a}", ["a"]),
        ("\\citecite{a}", ["a"]),
        ("\\excite{a} \\cited", ["a"]),
        ("\\cite{a", []),
        ("\\cite", []),
        ("\\cite{}", []),
        ("\\cite{ a , , *}", ["a"]),
    ],
)
def test_cite_scan_shapes(tex: str, keys: list[str]) -> None:
    assert keys_in_text(tex, ".tex") == keys


def test_export_cited_of_a_missing_file_is_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "library.json"
    cli("--db", db, "add", "--title", "A Paper")
    missing = tmp_path / "missing.tex"
    result = cli("--db", db, "export", "--cited", missing)
    assert result.code == 2
    assert result.err == f"readinglist: cannot read {missing}: no such file\n"
    assert result.out == ""
    result = cli("--db", db, "export", "--cited", tmp_path)
    assert (result.code, result.err) == (
        2,
        f"readinglist: cannot read {tmp_path}: it is a directory\n",
    )


def test_chained_strings_are_bounded_and_reported_by_line() -> None:
    """662 bytes of @strings that double at each step would expand to 134 MB: the
    chain is cut where it passes the bound, and each refusal names its line."""
    text = chained_strings_bib(levels=25)
    assert len(text) < 700
    result = parse_bibtex(text)
    assert [p.key for p in result.papers] == ["fine"]
    assert all(len(p.title) <= MAX_EXPANDED for p in result.papers)
    first_too_big = next(i for i in range(25) if 8 * 2**i > MAX_EXPANDED)
    lines = [f.line for f in result.failures]
    assert lines == [*range(first_too_big + 1, 26), 26]  # each @string, then the entry
    assert result.failures[0].reason.startswith(f"@string s{first_too_big} not defined: ")
    assert result.failures[-1].reason.startswith(f"field title: @string s{24} is longer than")


def test_strings_under_the_bound_still_expand() -> None:
    text = chained_strings_bib(levels=12)  # 8 × 2^11 = 16 KB: a long abstract's size
    result = parse_bibtex(text)
    assert result.failures == []
    boom = next(p for p in result.papers if p.key == "boom")
    assert boom.title == "abcdefgh" * 2**11 + "abcdefgh" * 2


def test_a_redefined_string_that_fits_is_usable_again() -> None:
    text = chained_strings_bib(levels=16) + (
        "@string{s15 = {short}}\n@article{again, title = s15, year = 2022}\n"
    )
    result = parse_bibtex(text)
    assert {p.key: p.title for p in result.papers}["again"] == "short"
