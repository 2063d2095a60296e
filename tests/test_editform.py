"""Editing a paper as BibTeX (``E`` in the TUI; the form of ``readinglist edit``):
only what the user changed becomes a change."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from readinglist.core.changes import Change
from readinglist.core.editform import (
    ERROR_MARK,
    EditError,
    entry_text,
    form_change,
    run_editor,
    with_error,
)
from readinglist.core.library import Library
from readinglist.core.model import Paper, Source

PAPER = Paper(
    title="Größere Modelle: {ELA} & 50% Efficient Attention",
    key="muller2024grossere",
    entry_type="inproceedings",
    authors=("Müller, Jörg", "Dean, Jeff"),
    year=2024,
    venue="NeurIPS",
    doi="10.1/abc",
    tags=("kd", "to-read"),
    abstract="We study $x^2$ and naïve baselines.",
    extra={"pages": "1--10", "month": "dec"},
)


@pytest.mark.unit
def test_an_untouched_entry_is_no_change() -> None:
    written = entry_text(PAPER)
    assert form_change(written, written) == Change()


@pytest.mark.unit
def test_changed_fields_tags_and_extra_become_a_delta() -> None:
    written = entry_text(PAPER)
    edited = (
        written.replace("year = {2024}", "year = {2023}")
        .replace("keywords = {kd, to-read}", "keywords = {kd, vision}")
        .replace("  pages = {1--10},\n", "")
        .replace("  doi = {10.1/abc},\n", "  doi = {10.1/abc},\n  note = {Oral},\n")
    )
    assert edited.count("\n") == written.count("\n")  # every replacement matched
    change = form_change(written, edited)
    assert change == Change(
        add_tags=("vision",),
        remove_tags=("to-read",),
        fields={"year": 2023},
        extra={"note": "Oral", "pages": None},
    )


@pytest.mark.unit
def test_emptied_text_cancels_and_bad_text_is_an_error() -> None:
    written = entry_text(PAPER)
    assert form_change(written, "  \n") is None
    assert form_change(written, with_error("", "x")) is None  # only our comment lines
    with pytest.raises(EditError, match="does not parse"):
        form_change(written, "@misc{x, title = {unclosed")
    with pytest.raises(EditError, match="found 2"):
        form_change(written, written + "\n@misc{other, title={x}}\n")
    with pytest.raises(EditError, match="rekey"):
        form_change(written, written.replace("{muller2024grossere,", "{renamed,"))
    with pytest.raises(EditError, match="not a year"):
        form_change(written, written.replace("year = {2024}", "year = {soon}"))


@pytest.mark.unit
def test_reopened_text_carries_the_error_and_reads_back_without_it() -> None:
    written = entry_text(PAPER)
    reopened = with_error(written.replace("{2024}", "{2022}"), "year 'soon' is not a year")
    assert reopened.startswith(ERROR_MARK + "year 'soon' is not a year\n")
    assert form_change(written, reopened) == Change(fields={"year": 2022})
    assert with_error(reopened, "again").count(ERROR_MARK) == 2  # old lines replaced


@pytest.mark.unit
def test_a_listing_paper_round_trips_without_a_change(tmp_path: Path) -> None:
    library = Library.open(tmp_path / "lib.json")
    listing = Paper(
        title="Digi-Q: Learning Q-Value Functions",
        abstract="Code is at https://github.com/x/y.",
        code_url="https://github.com/x/y",
        sources=(Source("dailypapers", "today.txt", "Mar 11"),),
    )
    paper = library.add(listing)
    written = entry_text(paper)
    assert form_change(written, written) == Change()
    edited = written.replace("Learning {Q-Value}", "Learning Better {Q-Value}")
    assert edited != written
    change = form_change(written, edited)
    assert change is not None and set(change.fields) == {"title"}
    (after,) = library.edit([paper.id], change)
    assert after.title == "Digi-Q: Learning Better Q-Value Functions"
    assert after.code_url == paper.code_url and after.sources == paper.sources


@pytest.mark.process
def test_run_editor_uses_the_editor_through_the_shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "ed.py"
    script.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[-1])\n"
        "p.write_text(sys.argv[1] + ':' + p.suffix + ':' + p.read_text().upper())\n"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script} --wait")  # options, as git allows
    assert run_editor("note", suffix=".md") == "--wait:.md:NOTE"
    monkeypatch.setenv("VISUAL", f"{sys.executable} -c 'raise SystemExit(3)'")
    assert run_editor("note") is None  # :cq — the user gave up
    monkeypatch.setenv("VISUAL", str(tmp_path / "no-such-editor"))
    with pytest.raises(EditError, match="cannot run the editor"):
        run_editor("note")
