"""Undo: inverse deltas from a history shared by every process, reverting only what a
change set and only where the value is still the one it set."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.core.changes import Change, diff, revert
from readinglist.core.library import Library
from readinglist.core.library.history import HISTORY_DEPTH
from readinglist.core.model import Paper, Source

from .conftest import run_process


def _two(db: Path) -> tuple[Library, Paper, Paper]:
    lib = Library.open(db)
    a, b = lib.import_papers(
        [Paper("Alpha networks", tags=("x",)), Paper("Beta networks", abstract="b")]
    ).added
    return lib, a, b


@pytest.mark.unit
def test_undo_takes_back_only_the_tags_it_added(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    lib, a, _ = _two(db)
    lib.edit([a.id], Change(add_tags=("kd",)))
    Library.open(db).edit([a.id], Change(add_tags=("vision",)))  # another process, later
    # The newest change is the other process's: undo it, then ours.
    assert Library.open(db).undo() is not None
    report = lib.undo()
    assert report is not None and report.label == "tagged 1 paper +kd" and not report.left_alone
    assert Library.open(db).get(a.id).tags == ("x",)  # type: ignore[union-attr]


@pytest.mark.unit
def test_undo_leaves_a_field_changed_since_and_says_so(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    lib, a, _ = _two(db)
    lib.edit([a.id], Change(fields={"status": "reading", "notes": "first"}))
    # Someone edits the note directly in the file's paper (not through the history).
    other = Library.open(db)
    other.edit([a.id], Change(fields={"notes": "rewritten"}))
    other.history.drop_newest(other.history.newest())  # type: ignore[arg-type]  # as if that change had been made by an older version
    report = lib.undo()
    assert report is not None
    assert report.left_alone == [f"{a.key} notes"]
    assert "left alone, changed since" in report.summary()
    paper = Library.open(db).get(a.id)
    assert paper is not None and paper.status == "unread" and paper.notes == "rewritten"


@pytest.mark.unit
def test_undo_of_delete_restores_papers_and_reports_a_taken_key(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    lib, a, b = _two(db)
    lib.delete([a.id, b.id])
    lib.add(Paper("Someone else", key=a.key))  # takes a's key meanwhile
    lib.history.drop_newest(lib.history.newest())  # type: ignore[arg-type]  # (only the delete is left to undo)
    report = lib.undo()
    assert report is not None and report.reverted == 2
    assert report.left_alone == [f"{a.key} (key now taken: restored as {a.key}a)"]
    assert Library.open(db).get(b.id) == b


@pytest.mark.unit
def test_undo_of_import_keeps_papers_edited_since(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    lib = Library.open(db)
    first = lib.import_papers([Paper("Old paper on graphs")]).added[0]
    report = lib.import_papers(
        [
            Paper("Old paper on graphs", abstract="now with an abstract"),
            Paper("New one"),
            Paper("Another new one"),
        ],
        label="import of today.txt",
    )
    kept = report.added[0]
    lib.edit([kept.id], Change(fields={"status": "read"}))
    lib.history.drop_newest(lib.history.newest())  # type: ignore[arg-type]  # forget the status change's entry: it happened "outside"
    undo = lib.undo()
    assert undo is not None and undo.label == "import of today.txt"
    assert undo.left_alone == [f"{kept.key} (edited since it was added)"]
    after = Library.open(db)
    assert {p.title for p in after} == {"Old paper on graphs", kept.title}
    assert after.get(first.id).abstract == ""  # type: ignore[union-attr]


@pytest.mark.slow
def test_history_is_bounded_and_survives_restarts(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    lib, a, _ = _two(db)
    for i in range(HISTORY_DEPTH + 60):
        lib.edit([a.id], Change(add_tags=(f"t{i}",)))
    reopened = Library.open(db)
    assert HISTORY_DEPTH <= len(reopened.history) <= HISTORY_DEPTH + 50
    labels = reopened.history.labels()
    assert labels[0] == f"tagged 1 paper +t{HISTORY_DEPTH + 59}"
    assert all(label.startswith("tagged") for label in labels)  # the import fell off


@pytest.mark.unit
def test_diff_and_revert_are_inverse_on_every_kind_of_field() -> None:
    before = Paper("T", id="X", key="k", tags=("a", "B"), extra={"pages": "1"},
                   raw={"title": "{T}"}, year=2000, aliases=("old",))  # fmt: skip
    after = Change(
        add_tags=("c",), remove_tags=("b",), fields={"title": "U", "year": 2001},
        extra={"pages": None, "volume": "3"},
    ).apply(before)  # fmt: skip
    assert after.raw == {}  # the edited title's raw text is dropped
    back, left = revert(after, diff(before, after))
    assert back == before and left == []


@pytest.mark.process
def test_cli_undo_after_a_tag_and_with_nothing_left(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    _, a, _ = _two(db)
    assert run_process("--db", db, "tag", "--key", a.key, "+kd").code == 0
    result = run_process("--db", db, "undo")
    assert result.code == 0 and result.out == "undid: tagged 1 paper +kd\n"
    assert Library.open(db).get(a.id).tags == ("x",)  # type: ignore[union-attr]
    assert run_process("--db", db, "undo").code == 0  # the import
    assert len(Library.open(db)) == 0
    empty = run_process("--db", db, "undo")
    assert (empty.code, empty.err) == (1, "readinglist: nothing to undo\n")


@pytest.mark.unit
@pytest.mark.parametrize("field", ["title", "year", "authors"])
def test_an_edited_field_loses_its_raw_text(field: str) -> None:
    paper = Paper("{T}itle", raw={"title": "{T}itle", "year": "2000", "author": "A"})
    value = {"title": "Other", "year": 2001, "authors": ("B, C",)}[field]
    changed = Change(fields={field: value}).apply(paper)
    bib = {"title": "title", "year": "year", "authors": "author"}[field]
    assert bib not in changed.raw and len(changed.raw) == 2


@pytest.mark.unit
def test_an_unused_made_key_is_made_again_when_authors_and_year_arrive(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib.json")
    listed, used, own = lib.import_papers(
        [
            Paper("Kolmogorov-Arnold Attention"),
            Paper("Kolmogorov-Arnold Attention Two"),
            Paper("Kolmogorov-Arnold Attention Three", key="mine"),
        ],
    ).added
    assert listed.key == "kolmogorovarnoldattention"
    lib.mark_used([used.id])
    arrive = Change(fields={"authors": ("Maity, Subhajit",), "year": 2025})
    changed = {p.id: p for p in lib.edit([listed.id, used.id, own.id], arrive)}
    assert changed[listed.id].key == "maity2025kolmogorov"
    assert changed[used.id].key == used.key  # it left the library: pinned
    assert changed[own.id].key == "mine"  # the user's own key
    assert lib.by_key("kolmogorovarnoldattention") is None
    lib.undo()
    assert lib.get(listed.id).key == "kolmogorovarnoldattention"  # type: ignore[union-attr]


@pytest.mark.unit
def test_a_key_is_made_again_when_an_import_brings_authors_and_year(tmp_path: Path) -> None:
    """``add`` of a listing paper's arXiv id, or a Daily Papers day, merges through the
    import path: its unused key follows the authors and year, as an edit's would."""
    lib = Library.open(tmp_path / "lib.json")
    listing = Source("dailypapers", "today.txt", "Mar 11")
    (listed,) = lib.import_papers([Paper("Kolmogorov-Arnold Attention", sources=(listing,))]).added
    found = Paper(
        "Kolmogorov-Arnold Attention",
        authors=("Maity, Subhajit",),
        year=2025,
        arxiv="2503.01234",
        sources=(Source("add"),),
    )
    report = lib.import_papers([found], label="add arXiv:2503.01234")
    (merged,) = report.merged
    assert merged.id == listed.id and merged.key == "maity2025kolmogorov"
    assert lib.by_key("maity2025kolmogorov") == merged
    assert lib.by_key("kolmogorovarnoldattention") is None
    lib.undo()
    assert Library.open(tmp_path / "lib.json").get(listed.id) == lib.get(listed.id)
    assert lib.get(listed.id).key == "kolmogorovarnoldattention"  # type: ignore[union-attr]


@pytest.mark.unit
def test_edit_with_a_change_decided_per_paper_is_one_undo(tmp_path: Path) -> None:
    """A change may be a function of each paper as it is under the lock (resolve)."""
    lib, a, b = _two(tmp_path / "lib.json")
    Library.open(lib.path).edit([b.id], Change(fields={"year": 1999}))  # another process

    def fill(current: Paper) -> Change | None:
        if current.year is not None:
            return None  # what another process set stays
        return Change(fields={"year": 2024}, extra={"eprint": current.title[:5]})

    changed = lib.edit([a.id, b.id], fill, label="resolve 2 papers")
    assert [(p.id, p.year, p.extra) for p in changed] == [(a.id, 2024, {"eprint": "Alpha"})]
    assert lib.get(b.id).year == 1999  # type: ignore[union-attr]
    assert lib.history.labels()[0] == "resolve 2 papers"
    lib.undo()
    assert lib.get(a.id) is not None and lib.get(a.id).year is None  # type: ignore[union-attr]
    assert lib.get(b.id).year == 1999  # type: ignore[union-attr]
