"""The shortcuts that keep a whole-library export and load fast give exactly what the
general code gives: the export's layout, a plain title, a value that is one braced
group, and a stored paper read without the member-by-member check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readinglist.core.bibtex import _title, _written_whole, export_bibtex, export_library
from readinglist.core.importers.bibtex import parse_bibtex, well_formed
from readinglist.core.latex import protect_title
from readinglist.core.library import Library
from readinglist.core.model import Paper, PaperFormatError, Source

# -- the written layout ----------------------------------------------------------

BIB = r"""@preamble{"\newcommand{\noopsort}[1]{}"}
@string{jacm = "Journal of the ACM"}

@article{knuth1974,
  author = {Knuth, Donald E.},
  title = {{Structured} Programming with go to Statements},
  journal = jacm,
  year = 1974,
}
"""


@pytest.mark.unit
def test_export_layout_is_pinned(tmp_path: Path) -> None:
    """Two-space indent, ``name = value``, no comma after the last field, one blank
    line between blocks, preambles and macros first: the layout of every export so
    far, so that re-exporting a file changes no line."""
    source = tmp_path / "in.bib"
    source.write_text(BIB, encoding="utf-8")
    library = Library.open(tmp_path / "library.json")
    library.import_parsed(parse_bibtex(BIB, source_name=str(source)))
    bare = Paper(title="", key="empty2024", id="X")
    text = export_library(library, [*library.newest_first()]) + "\n" + export_bibtex([bare])
    assert text == (
        '@preamble{"\\newcommand{\\noopsort}[1]{}"}\n'
        "\n"
        '@string{jacm = "Journal of the ACM"}\n'
        "\n"
        "@article{knuth1974,\n"
        "  author = {Knuth, Donald E.},\n"
        "  title = {{Structured} Programming with go to Statements},\n"
        "  journal = jacm,\n"
        "  year = 1974\n"
        "}\n"
        "\n"
        "@misc{empty2024,\n"
        "}\n"
    )


@pytest.mark.unit
def test_utf8_chunks_are_the_text_export_encoded(tmp_path: Path) -> None:
    from readinglist.core.bibtex import export_bibtex_utf8

    library = Library.open(tmp_path / "library.json")
    library.import_parsed(parse_bibtex(BIB + "@misc{b, title = {Ærø — Über 𝔸}}\n"))
    papers = library.newest_first()
    for unicode in (False, True):
        text = export_library(library, papers, unicode=unicode)
        assert "Ærø" in text
        chunks = export_bibtex_utf8(papers, unicode=unicode, bibfiles=library.bibfiles)
        assert b"".join(chunks) == text.encode("utf-8")


# -- titles ------------------------------------------------------------------------

WORDS = st.sampled_from(
    ["attention", "Attention", "is", "all", "BERT", "ImageNet", "Low-Rank", "Q-Value", "and/or",
     "GPT-4", "3D", "x", "A", "(Deep)", "\"Quoted\"", "it's", "50%", "a_b", "{LaTeX}", "$x^2$",
     "Ærø", "naïve", "über", "eﬃcient", "\u212a", "e.g.,", "[1]", "tab\there", "line\nbreak",
     "\x0b", "\x00", "#1", "~", "@home", "\\emph", "Ünïcode", "mRNA", "iPhone", "?", "!"]
)  # fmt: skip


@pytest.mark.unit
@settings(max_examples=800, deadline=None)
@given(st.lists(WORDS, max_size=8), st.sampled_from([" ", "  ", " \t"]), st.booleans())
def test_plain_title_shortcut_agrees_with_protect_title(
    words: list[str], gap: str, unicode: bool
) -> None:
    title = gap.join(words)
    assert _title(title, unicode) == protect_title(title, unicode=unicode)


@pytest.mark.unit
@settings(max_examples=800, deadline=None)
@given(st.text(alphabet="aZ 1-/.,:()'\"\t{}$\\_é", max_size=24), st.booleans())
def test_title_shortcut_agrees_on_any_text(title: str, unicode: bool) -> None:
    assert _title(title, unicode) == protect_title(title, unicode=unicode)


@pytest.mark.unit
def test_title_shortcut_is_taken_for_plain_titles() -> None:
    title = "Attention is all you need (and more): A study"
    assert _title(title, False) is title
    assert _title("Deep ImageNet models", False) == "Deep {ImageNet} models"


# -- raw values ----------------------------------------------------------------------


@pytest.mark.unit
@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet='{}"# a1\\@', max_size=16), st.booleans())
def test_one_group_shortcut_agrees_with_well_formed(text: str, wrap: bool) -> None:
    value = "{" + text + "}" if wrap else text
    assert _written_whole(value) == well_formed(value)


# -- stored papers -----------------------------------------------------------------------

FULL = Paper(
    title="T",
    id="01ABC",
    key="k2024",
    entry_type="article",
    authors=("Doe, Jane", "Roe, R."),
    abstract="A.",
    year=2024,
    venue="V",
    doi="10.1/x",
    arxiv="2401.00001",
    url="https://x.org",
    code_url="https://github.com/x/y",
    tags=("ml",),
    status="read",
    priority=2,
    rating=5,
    notes="n",
    added="2026-01-01T00:00:00Z",
    updated="2026-01-02T00:00:00Z",
    read_at="2026-01-03T00:00:00Z",
    sources=(Source("bibtex", "a.bib"), Source("dailypapers", "", "Mar 11")),
    extra={"pages": "1--2"},
    raw={"title": None, "pages": "{1--2}"},
    aliases=("old2024",),
    key_used="2026-01-04T00:00:00Z",
)
MEMBERS = [*FULL.to_doc()]
MISSING = "(missing)"
ODD_VALUES: list[Any] = [
    MISSING,
    None, "", "x", "read", "skipped", "bogus", 0, 3, True, 1.5, [], ["a"], ["a", 1], [None],
    {}, {"a": "b"}, {"a": None}, {"a": 1}, [{"kind": "bibtex"}], [{"kind": 1}], [{}], ["s"],
]  # fmt: skip


def _read(doc: dict[str, Any], checked: bool) -> Paper | str:
    try:
        return Paper._from_doc_checked(doc) if checked else Paper.from_doc(doc)
    except PaperFormatError as exc:
        return str(exc)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(MEMBERS), st.sampled_from(ODD_VALUES)), max_size=3),
    st.booleans(),
)
def test_stored_paper_fast_path_agrees_with_the_checked_path(
    changes: list[tuple[str, Any]], minimal: bool
) -> None:
    """Every member missing, null or of another type: the same paper, or the same error."""
    doc = (Paper(title="T", id="1", key="k") if minimal else FULL).to_doc()
    for member, value in changes:
        if value == MISSING:
            doc.pop(member, None)
        else:
            doc[member] = value
    assert _read(doc, checked=False) == _read(doc, checked=True)


@pytest.mark.unit
def test_a_stored_paper_reads_back_equal() -> None:
    assert Paper.from_doc(FULL.to_doc()) == FULL
    assert Paper.from_doc(Paper(title="").to_doc()) == Paper(title="")
