"""Truncated Daily Papers listings: a file cut inside its last abstract is refused
whole (exit 2), and importing the complete listing later repairs an abstract that
was stored cut short. Cuts are made at seeded random points of the real samples."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from readinglist.core.errors import ImportFormatError
from readinglist.core.importers import parse_text
from readinglist.core.importers.dailypapers import looks_complete, parse_dailypapers
from readinglist.core.library import Library
from readinglist.core.model import Paper, Source

from .conftest import DATA

SAMPLES = ["daily-papers-blank-lines.txt", "daily-papers-compact.txt"]
CUTS_PER_SAMPLE = 300


def _ends_a_sentence_or_a_link(abstract: str) -> bool:
    """The test's own, simpler reading of "not cut mid-sentence"."""
    text = abstract.rstrip()
    last = text.rsplit(None, 1)[-1]
    return bool(re.search(r"[.!?][\"')\]”’]*$", text)) or "://" in last or "github.com/" in last


@pytest.mark.slow
@pytest.mark.parametrize("name", SAMPLES)
def test_random_cuts_are_refused_or_import_only_whole_text(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each cut either is refused, or imports whole titles with whole abstracts; only
    the last abstract may be shorter, and then it ends a sentence or in a link (a cut
    there cannot be told from the end of an abstract). A cut in the middle of a word
    outside a link is always refused."""
    text = (DATA / name).read_text(encoding="utf-8")
    whole = {p.title: p.abstract for p in parse_dailypapers(text).papers}
    rng = random.Random(f"cut {name}")
    refused = shortened = 0
    for _ in range(CUTS_PER_SAMPLE):
        cut = rng.randrange(1, len(text))
        part = text[:cut]
        try:
            papers = parse_text(part, "auto", "cut.txt").papers
        except ImportFormatError as exc:
            assert "truncated" in str(exc) or "no papers found" in str(exc), str(exc)
            refused += 1
            continue
        *earlier, last = papers
        assert all(whole.get(p.title) == p.abstract for p in earlier), cut
        assert last.title in whole, cut
        if last.abstract != whole[last.title]:
            shortened += 1
            assert whole[last.title].startswith(last.abstract), cut
            assert _ends_a_sentence_or_a_link(last.abstract), (cut, last.abstract[-60:])
            in_word = part[-1].isalnum() and text[cut].isalnum()
            assert not in_word or "://" in part.rsplit(None, 1)[-1] or "github.com/" in part
    with capsys.disabled():
        print(
            f"\n{name}: {refused} of {CUTS_PER_SAMPLE} random cuts refused, "
            f"{shortened} imported with a last abstract cut at a sentence end or in a link, "
            f"{CUTS_PER_SAMPLE - refused - shortened} imported whole"
        )
    assert refused > 0


def _cut_inside_last_abstract(text: str, *, mid_word: bool) -> str:
    """The listing up to a point in its last abstract: mid-word, or after a sentence."""
    last = text.rstrip().rsplit("\n", 1)[-1]  # the samples end with an abstract line
    assert parse_dailypapers(text).papers[-1].abstract.startswith(last[:40])
    start = text.rindex(last)
    if mid_word:
        half = len(last) // 2
        word = re.compile(r"[A-Za-z]{6,}").search(last, half)
        assert word is not None
        at = start + word.start() + 3
        assert text[at - 1].isalpha() and text[at].isalpha()
    else:
        at = start + last.index(". ", len(last) // 3) + 1
    return text[:at]


@pytest.mark.unit
@pytest.mark.parametrize("name", SAMPLES)
def test_listing_cut_mid_word_is_refused_with_exit_2(cli, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    text = (DATA / name).read_text(encoding="utf-8")
    cut = tmp_path / "cut.txt"
    cut.write_text(_cut_inside_last_abstract(text, mid_word=True), encoding="utf-8")
    db = tmp_path / "library.json"
    result = cli("--db", db, "import", cut)
    assert result.code == 2
    assert result.err.startswith("readinglist: cannot import cut.txt: the file looks truncated (")
    assert "the last abstract stops mid-sentence: '…" in result.err
    assert result.err.endswith("; nothing was imported\n") and result.err.count("\n") == 1
    assert not db.exists()


@pytest.mark.unit
def test_complete_listing_repairs_an_abstract_cut_at_a_sentence_end(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A cut right after a full stop looks like a whole abstract and imports; the
    complete listing, imported later, completes it and keeps the reader's state."""
    text = (DATA / SAMPLES[1]).read_text(encoding="utf-8")
    whole_last = parse_dailypapers(text).papers[-1]
    cut = tmp_path / "cut.txt"
    cut.write_text(_cut_inside_last_abstract(text, mid_word=False), encoding="utf-8")
    full = tmp_path / "full.txt"
    full.write_text(text, encoding="utf-8")
    db = tmp_path / "library.json"
    assert cli("--db", db, "import", cut).code == 0
    stored = next(p for p in Library.open(db) if p.title == whole_last.title)
    assert stored.abstract != whole_last.abstract
    assert cli("--db", db, "status", "--key", stored.key, "read").code == 0

    result = cli("--db", db, "import", full)
    assert result.code == 0 and "0 added" in result.out
    repaired = Library.open(db).get(stored.id)
    assert repaired is not None
    assert repaired.abstract == whole_last.abstract
    assert (repaired.key, repaired.status) == (stored.key, "read")


@pytest.mark.unit
def test_abstract_stored_cut_mid_word_is_repaired_with_its_code_link(tmp_path: Path) -> None:
    """Earlier versions stored cut abstracts, links cut with them; both are completed."""
    text = (DATA / SAMPLES[0]).read_text(encoding="utf-8")
    papers = parse_dailypapers(text).papers
    whole = next(p for p in papers if p.code_url.count("/") >= 4 and p.abstract.endswith("."))
    cut_at = whole.abstract.index(whole.code_url) + len(whole.code_url) - 4
    listing = Source("dailypapers", "old.txt", "Mar 11")
    cut = Paper(
        title=whole.title,
        abstract=whole.abstract[:cut_at],
        code_url=whole.code_url[:-4],
        sources=(listing,),
    )
    library = Library.open(tmp_path / "library.json")
    library.import_papers([cut])
    report = library.import_papers(papers)
    assert len(report.merged) == 1
    stored = report.merged[0]
    assert (stored.abstract, stored.code_url) == (whole.abstract, whole.code_url)
    assert [s.file for s in stored.sources] == ["old.txt", ""]


@pytest.mark.unit
def test_an_abstract_from_the_users_bib_is_not_rewritten(tmp_path: Path) -> None:
    mine = Paper(
        title="A Paper Someone Shortened",
        abstract="We propose a method.",
        sources=(Source("bibtex", "refs.bib"),),
    )
    library = Library.open(tmp_path / "library.json")
    library.import_papers([mine])
    longer = Paper(
        title="A Paper Someone Shortened",
        abstract="We propose a method. It works well on every benchmark we tried.",
        sources=(Source("dailypapers", "today.txt"),),
    )
    (stored,) = library.import_papers([longer]).merged
    assert stored.abstract == "We propose a method."


@pytest.mark.unit
@pytest.mark.parametrize(
    ("abstract", "complete"),
    [
        ("We show it works.", True),
        ("We show it works (see Fig. 2).", True),
        ("He said “it works.”", True),
        ("Code is available at https://github.com/he-y/Data-independent-Module", True),
        ("Code: github.com/PaulAlbert31/LSA", True),
        ("Models at http://www.pami.sjtu.edu.cn/News/56", True),
        ("We show it wo", False),
        ("We show it works", False),
        ("Code is available at:", False),
        ("Code is available at https://github.c", False),
        ("Code is available at https://github.com/he-y", False),
        ("", False),
    ],
)
def test_looks_complete(abstract: str, complete: bool) -> None:
    assert looks_complete(abstract) is complete
