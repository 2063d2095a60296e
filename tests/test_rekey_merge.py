"""Renaming a key, merging papers and reporting duplicates: each one undoable change
made under the lock, old keys kept as aliases."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from readinglist.core.changes import Change
from readinglist.core.library import Library
from readinglist.core.merge import DuplicateIndex
from readinglist.core.model import Paper

pytestmark = pytest.mark.unit


def _library(db: Path, *papers: Paper) -> tuple[Library, list[Paper]]:
    lib = Library.open(db)
    added = [lib.add(p) for p in papers]
    return lib, added


def test_rekey_keeps_the_old_key_as_an_alias_and_undo_reverts_it(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    lib, (paper,) = _library(db, Paper("Attention", key="vaswani2017"))
    renamed = lib.rekey(paper.id, "vaswani2017attention")
    assert (renamed.key, renamed.aliases) == ("vaswani2017attention", ("vaswani2017",))
    fresh = Library.open(db)
    assert fresh.by_key("vaswani2017") == fresh.by_key("vaswani2017attention") == renamed
    assert lib.history.labels()[0] == "rekey vaswani2017 → vaswani2017attention"
    assert lib.undo() is not None
    back = Library.open(db)
    assert back.get(paper.id) is not None
    assert (back.get(paper.id).key, back.get(paper.id).aliases) == ("vaswani2017", ())  # type: ignore[union-attr]
    assert back.by_key("vaswani2017attention") is None


def test_rekey_back_to_an_alias_of_the_same_paper(tmp_path: Path) -> None:
    lib, (paper,) = _library(tmp_path / "lib.json", Paper("A", key="old"))
    lib.rekey(paper.id, "new")
    again = lib.rekey(paper.id, "old")
    assert (again.key, again.aliases) == ("old", ("new",))


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("taken2020", "taken by 'taken2020'"),
        ("TAKEN2020", "taken by 'taken2020'"),  # BibTeX compares keys without case
        ("alias1", "taken by 'taken2020'"),
        ("", "not a usable citation key"),
        ("has space", "not a usable citation key"),
        ("brace{", "not a usable citation key"),
        ("a,b", "not a usable citation key"),
    ],
)
def test_rekey_refuses_a_taken_or_invalid_key(tmp_path: Path, new: str, message: str) -> None:
    db = tmp_path / "lib.json"
    lib, (paper, other) = _library(db, Paper("A", key="mine"), Paper("B", key="taken2020"))
    lib.edit([other.id], Change())  # nothing
    lib.merge(other.id, [lib.add(Paper("C", key="alias1")).id])
    before = db.read_bytes()
    with pytest.raises(ValueError, match=message):
        lib.rekey(paper.id, new)
    assert db.read_bytes() == before


def test_merge_unions_tags_notes_and_missing_fields_and_keeps_keys_as_aliases(
    tmp_path: Path,
) -> None:
    db = tmp_path / "lib.json"
    lib, (keep, other, third) = _library(
        db,
        Paper("Deep Nets", key="keep2020", tags=("a",), notes="mine", year=2020),
        Paper(
            "Deep nets",
            key="other2020",
            tags=("b",),
            notes="theirs",
            doi="10.1/x",
            aliases=("older",),
            rating=4,
        ),
        Paper("Deep nets!", key="third2020", tags=("A",), venue="NeurIPS"),
    )
    merged = lib.merge(keep.id, [other.id, third.id, keep.id])
    assert merged.key == "keep2020"
    assert merged.aliases == ("other2020", "older", "third2020")
    assert merged.tags == ("a", "b")
    assert merged.notes == "mine\n\ntheirs"
    assert (merged.doi, merged.venue, merged.year, merged.rating) == ("10.1/x", "NeurIPS", 2020, 4)
    fresh = Library.open(db)
    assert len(fresh) == 1
    for key in ("keep2020", "other2020", "older", "third2020"):
        assert fresh.by_key(key) == merged
    assert lib.history.labels()[0] == "merge other2020, third2020 into keep2020"
    report = Library.open(db).undo()
    assert report is not None and report.reverted == 3 and not report.left_alone
    back = Library.open(db)
    unstamped = {p.key: replace(p, updated="") for p in back}  # undo stamps what it reverts
    assert unstamped == {p.key: replace(p, updated="") for p in (keep, other, third)}
    assert back.by_key("older") == other


def test_duplicate_groups_with_reasons() -> None:
    papers = [
        Paper("Attention Is All You Need", id="1", authors=("Vaswani, A",), year=2017),
        Paper("Attention is all you need!", id="2", authors=("Vaswani, A",), year=2017),
        Paper("Atention Is All You Need", id="3", authors=("Vaswani, A",), year=2017),
        Paper("Something else entirely", id="4", doi="10.1/abc"),
        Paper("A different title", id="5", doi="https://doi.org/10.1/ABC"),
        Paper("Arxiv one", id="6", arxiv="2401.00001"),
        Paper("Arxiv two", id="7", arxiv="arXiv:2401.00001v2"),
        Paper("Lonely paper", id="8"),
    ]
    groups = DuplicateIndex.groups(papers)
    assert [(g.ids, g.reasons) for g in groups] == [
        (("1", "2", "3"), ("same title, first author and year", "near-identical title")),
        (("4", "5"), ("same DOI, different title",)),
        (("6", "7"), ("same arXiv id",)),
    ]
