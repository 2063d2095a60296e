"""BibTeX import: macros, LaTeX decoding, names, field mapping, broken entries."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readinglist.core.importers.bibtex import normalise_name, parse_bibtex, parse_names
from readinglist.core.latex import (
    NOT_TEXT,
    collapse_spaces,
    decode_latex,
    encode_latex,
    iter_math,
)
from readinglist.core.model import Paper

DATA = Path(__file__).parent / "data"


def one(text: str) -> Paper:
    result = parse_bibtex(text)
    assert result.failures == []
    assert len(result.papers) == 1
    return result.papers[0]


# -- LaTeX decoding ------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"{\"u}ber", "über"),
        (r"\"uber", "über"),
        (r"\"{u}ber", "über"),
        (r"{\"{u}}ber", "über"),
        (r"Garc{\'\i}a", "García"),
        (r"na\"{\i}ve", "naïve"),
        (r"\c{c}a \v{s} \H{o} \k{a} \u{g} \r{a} \={a} \.{z} \d{a}", "ça š ő ą ğ å ā ż ạ"),
        (r"\`e \^e \~n \c c", "è ê ñ ç"),
        (r"{\ss} {\o} {\O} {\ae} {\AA} {\l}\'od\'z", "ß ø Ø æ Å łódź"),
        (r"95\% \& \$5 \# \_ \{x\}", "95% & $5 # _ {x}"),
        (r"\textbackslash{} \textasciitilde{} \textasciicircum{}", "\\ ~ ^"),
        (r"pages 1--10 and---dash", "pages 1--10 and---dash"),
        (r"D.~E. Knuth", "D.\u00a0E. Knuth"),
        (r"\emph{really} {\bf bold} \textit{it}", "really bold it"),
        (r"$O(n \log n)$ and $x^2_{i}$", "$O(n \\log n)$ and $x^2_{i}$"),
        (r"{ELA}: {E}fficient {\TeX}", "ELA: Efficient TeX"),
        ("multi\n   line\ttext ", "multi line text"),
        (r"\unknown{arg} kept", "\\unknown{arg} kept"),
        (r"\^{} caret", "^ caret"),
    ],
)
def test_decode_latex(latex: str, text: str) -> None:
    assert decode_latex(latex) == text


@pytest.mark.unit
@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Co"))))
def test_encode_then_decode_gives_the_text_back(text: str) -> None:
    # NUL and noncharacters (U+FFFE, ...) are not text; export writes U+FFFD for them.
    text = NOT_TEXT.sub("", unicodedata.normalize("NFC", text))
    for unicode in (False, True):
        encoded = encode_latex(text, unicode=unicode)
        assert decode_latex(encoded, collapse=False) == text
        if not unicode:  # spelled in LaTeX, except inside math, which is verbatim
            text_runs = "".join(p for p, is_math in iter_math(encoded) if not is_math)
            assert not any(c in "\u00e4\u00f6\u00fc\u00df" for c in text_runs)


@pytest.mark.unit
@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=" ab\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f~"))
def test_collapsed_ascii_text_has_single_spaces_and_no_ends(text: str) -> None:
    collapsed = collapse_spaces(text)
    assert collapsed == " ".join(text.split())
    if collapsed == text:
        assert collapsed is text  # nothing to collapse: the value itself, not a copy


# -- macros and fields ---------------------------------------------------------


@pytest.mark.unit
def test_string_macros_expand_with_concatenation_and_any_case() -> None:
    paper = one(
        """
@string{acm = "ACM"}
@STRING{Press = acm # " Press"}
@article{k, title = {T}, journal = PRESS, publisher = "The " # press # {!}, year = 2020}
"""
    )
    assert paper.venue == "ACM Press"
    assert paper.extra["publisher"] == "The ACM Press!"


@pytest.mark.unit
def test_redefined_macro_uses_the_later_value() -> None:
    paper = one('@string{j = "Old"}\n@string{j = "New"}\n@article{k, title={T}, journal=j}\n')
    assert paper.venue == "New"


@pytest.mark.unit
def test_month_macro_kept_as_written_and_month_names_in_concatenations() -> None:
    result = parse_bibtex(
        "@misc{a, title={A}, month = jan}\n"
        "@misc{b, title={B}, month = {March}}\n"
        '@misc{c, title={C}, month = "10~" # jan}\n'
    )
    months = [p.extra["month"] for p in result.papers]
    assert months == ["jan", "March", "10~January"]


@pytest.mark.unit
def test_crossref_is_kept_and_not_inherited() -> None:
    result = parse_bibtex(
        "@inproceedings{child, title = {Child}, crossref = {parent}}\n"
        "@proceedings{parent, title = {Parent}, publisher = {P}, booktitle = {Proc}}\n"
    )
    child, parent = result.papers
    assert child.extra == {"crossref": "parent"}
    assert child.venue == ""
    assert parent.extra["publisher"] == "P"


@pytest.mark.unit
def test_field_mapping() -> None:
    paper = one(
        r"""
@ARTICLE{Key:2020/x.1,
  Title = {{ELA}: Efficient Local Attention},
  Author = {Doe, Jane and John Smith},
  Journal = {J. {ML}},
  YEAR = {2020},
  DOI = {https://doi.org/10.1000/ABC\_1},
  eprint = {2401.12345v2}, archivePrefix = {arXiv},
  url = {https://example.org/a\_b\%20c},
  abstract = {An {A}bstract with 95\%.},
  keywords = {kd; Vision, kd , distillation},
  pages = {1--10},
  Note = {kept {\"u} raw},
}
"""
    )
    assert paper.key == "Key:2020/x.1"
    assert paper.entry_type == "article"
    assert paper.title == "ELA: Efficient Local Attention"
    assert paper.authors == ("Doe, Jane", "Smith, John")
    assert paper.venue == "J. ML"
    assert paper.year == 2020
    assert paper.doi == "10.1000/ABC_1"  # as written; compared without case
    assert paper.arxiv == "2401.12345"
    assert paper.url == "https://example.org/a_b%20c"
    assert paper.abstract == "An Abstract with 95%."
    assert paper.tags == ("kd", "Vision", "distillation")
    assert paper.extra == {
        "eprint": "2401.12345v2",
        "archiveprefix": "arXiv",
        "pages": "1--10",
        "note": 'kept {\\"u} raw',
    }
    assert paper.sources[0].kind == "bibtex"
    assert paper.id == ""


@pytest.mark.unit
def test_booktitle_is_the_venue_of_proceedings_papers_only() -> None:
    result = parse_bibtex(
        "@inproceedings{a, title={A}, booktitle={Proc. A}, journal={odd}}\n"
        "@misc{b, title={B}, booktitle={Kept}}\n"
    )
    a, b = result.papers
    assert (a.venue, a.extra) == ("Proc. A", {"journal": "odd"})
    assert (b.venue, b.extra) == ("", {"booktitle": "Kept"})


@pytest.mark.unit
def test_other_arxiv_spellings() -> None:
    result = parse_bibtex(
        "@online{a, title={A}, eprint={2305.01234}, eprinttype={arxiv}}\n"
        "@misc{b, title={B}, arxiv={arXiv:2101.00001v1}}\n"
        "@misc{c, title={C}, eprint={hep-th/9901001}, archiveprefix={arXiv}}\n"
        "@misc{d, title={D}, eprint={12345}, eprinttype={pubmed}}\n"
    )
    assert [p.arxiv for p in result.papers] == ["2305.01234", "2101.00001", "hep-th/9901001", ""]


@pytest.mark.unit
def test_non_numeric_year_kept_verbatim_in_extra() -> None:
    paper = one("@misc{k, title={T}, year = {circa 1984}}")
    assert paper.year is None
    assert paper.extra["year"] == "circa 1984"


@pytest.mark.unit
def test_entry_types_are_lowercased_and_any_type_is_accepted() -> None:
    types = ["Article", "BOOK", "booklet", "InBook", "incollection", "inproceedings", "manual"]
    types += ["mastersthesis", "phdthesis", "proceedings", "techreport", "unpublished", "misc"]
    types += ["online", "software", "dataset"]
    text = "\n".join(f"@{t}{{k{i}, title = {{T{i}}}}}" for i, t in enumerate(types))
    result = parse_bibtex(text)
    assert [p.entry_type for p in result.papers] == [t.lower() for t in types]


@pytest.mark.unit
def test_repeated_field_keeps_the_first_value() -> None:
    paper = one("@misc{k, title = {First}, title = {Second}}")
    assert paper.title == "First"


# -- names ---------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Knuth, Donald E.", ("Knuth, Donald E.",)),
        ("Donald E. Knuth", ("Knuth, Donald E.",)),
        ("Ludwig van Beethoven", ("van Beethoven, Ludwig",)),
        ("Jean de la Fontaine", ("de la Fontaine, Jean",)),
        ("van Gogh, Vincent", ("van Gogh, Vincent",)),
        ("Ford, Jr., Henry", ("Ford, Jr., Henry",)),
        ("Aristotle", ("Aristotle",)),
        ("{ACME Corp}", ("{ACME Corp}",)),
        ("{Barnes and Noble, Inc.} and Doe, J.", ("{Barnes and Noble, Inc.}", "Doe, J.")),
        ("{NASA}", ("NASA",)),
        ("Doe, Jane and others", ("Doe, Jane", "others")),
        ("A. Smith AND B. Jones", ("Smith, A.", "Jones, B.")),
        ("D.~E. Knuth", ("Knuth, D. E.",)),
        (
            r"Charles Louis Xavier Joseph de la Vall{\'e}e Poussin",
            ("de la Vallée Poussin, Charles Louis Xavier Joseph",),
        ),
        (r"{\"O}stlund, Anna", ("Östlund, Anna",)),
        ("Alexander and Band", ("Alexander", "Band")),
    ],
)
def test_names(raw: str, names: tuple[str, ...]) -> None:
    assert parse_names(raw) == names


@pytest.mark.unit
def test_name_after_and_starting_with_a_backslash_keeps_every_character() -> None:
    # bibtexparser 2.1.0's name splitting drops the first characters of such a name;
    # the importer must not lose them.
    assert parse_names(r"X and \"Ostlund, A") == ("X", "Östlund, A")
    assert parse_names(r"Smith, J. and \'Alvarez, M. and \c{C}elik, E.") == (
        "Smith, J.",
        "Álvarez, M.",
        "Çelik, E.",
    )
    paper = one('@article{k, title={T}, author = {X and \\"Ostlund, A}}')
    assert paper.authors == ("X", "Östlund, A")


@pytest.mark.unit
def test_normalised_names_are_stable() -> None:
    for name in ("Knuth, Donald E.", "van Beethoven, Ludwig", "Ford, Jr., Henry", "others"):
        assert normalise_name(name) == name


# -- broken input --------------------------------------------------------------


@pytest.mark.unit
def test_broken_entries_report_their_line_and_good_ones_still_import() -> None:
    text = (
        "@article{good1, title = {One}}\n"  # line 1
        "\n"
        "@article{broken, title = {unclosed\n"  # line 3
        "@article{good2, title = {Two}}\n"  # line 4
        "@article{good1, title = {Duplicate}}\n"  # line 5
        "@article{nocomma title = {x}}\n"  # line 6
        "@misc{good3, title = {Three}}\n"
    )
    result = parse_bibtex(text, "mixed.bib")
    assert [p.key for p in result.papers] == ["good1", "good2", "good3"]
    assert [f.line for f in result.failures] == [3, 5, 6]
    assert "duplicate" in result.failures[1].reason
    assert all(f.reason for f in result.failures)


@pytest.mark.unit
def test_only_broken_entries_gives_failures_and_no_papers() -> None:
    result = parse_bibtex("@article{x, title = {never closed\n")
    assert result.papers == []
    assert [f.line for f in result.failures] == [1]
    assert result.format == "bibtex"


@pytest.mark.unit
def test_nothing_to_import_gives_an_empty_result() -> None:
    result = parse_bibtex("just some text, no entries\n% and a comment\n")
    assert result.papers == [] and result.failures == []


@pytest.mark.unit
def test_truncated_file_from_the_shared_fixtures() -> None:
    result = parse_bibtex((DATA / "bad" / "truncated.bib").read_text(encoding="utf-8"))
    assert result.failures, "a truncated entry must be reported"
    assert all(f.line >= 1 for f in result.failures)


@pytest.mark.process
def test_broken_entry_prints_nothing_on_stderr() -> None:
    code = (
        "from readinglist.core.importers.bibtex import parse_bibtex\n"
        "r = parse_bibtex('@article{x, title = {a\\n@misc{y, title={b}}\\n')\n"
        "print(len(r.papers), len(r.failures))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        check=True,
    )
    assert done.stdout.split() == ["1", "1"]
    assert done.stderr == ""


@pytest.mark.unit
@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('@{}(),="#\\ \naz%~$'))))
def test_garbage_never_raises(text: str) -> None:
    result = parse_bibtex(text)
    assert all(f.line >= 1 for f in result.failures)


# -- the rich fixture ----------------------------------------------------------


@pytest.mark.unit
def test_rich_fixture_imports_every_entry() -> None:
    result = parse_bibtex((DATA / "rich.bib").read_text(encoding="utf-8"), "rich.bib")
    assert result.failures == []
    by_key = {p.key: p for p in result.papers}
    assert len(by_key) == 14
    first = by_key["ostlund2021tables"]
    assert first.authors == ("Östlund, Anna", "Mårtensson, Björn", "García-Peña, José")
    assert first.title == "Tables, Trees and TeX: Typesetting HTML in 95% of Cases"
    assert first.venue == "Journal of Machine Learning Research"
    assert "$O(n \\log n)$" in first.abstract and "ß, ø, Łódź" in first.abstract
    assert first.tags == ("typesetting", "tables", "LaTeX")
    assert first.url == "https://example.org/papers/ostlund%202021?id=7&lang=en#sec_2~v"
    odd = by_key["knuth2020odd"]
    assert odd.authors == (
        "Knuth, Donald E.",
        "van Beethoven, Ludwig",
        "{ACME Corp}",
        "others",
    )
    assert odd.venue == "Proceedings of the Workshop on Odd Bibliographies (WOB)"
    assert odd.extra["crossref"] == "wob2020"
    assert by_key["wob2020"].extra["publisher"] == "ACM Press"
    assert by_key["inbook-full"].extra["year"] == "{\\noopsort{1973b}}1973"
    assert by_key["unpublished-full"].authors == ("Ünderwood, Ulrich", "Ñet, Ned", "P̄ot, Paul")
