"""Editing a paper as BibTeX: only what the user changed becomes a change."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from readinglist.core.changes import Change
from readinglist.core.editform import form_change, paper_form, run_editor
from readinglist.core.errors import ReadinglistError
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


def test_an_untouched_form_is_no_change() -> None:
    form = paper_form(PAPER)
    assert form_change(form, form) == Change()
    assert "Müller, Jörg" in form  # Unicode kept: accents read as letters


def test_changed_fields_tags_and_extra_become_a_delta() -> None:
    form = paper_form(PAPER)
    edited = (
        form.replace("year = {2024}", "year = {2023}")
        .replace("keywords = {kd, to-read}", "keywords = {kd, vision}")
        .replace("pages = {1--10},\n", "")
        .replace("  doi = {10.1/abc},\n", "  doi = {10.1/abc},\n  note = {Oral},\n")
    )
    change = form_change(form, edited)
    assert change == Change(
        add_tags=("vision",),
        remove_tags=("to-read",),
        fields={"year": 2023},
        extra={"note": "Oral", "pages": None},
    )


def test_emptied_text_cancels_and_bad_text_is_an_error() -> None:
    form = paper_form(PAPER)
    assert form_change(form, "  \n") is None
    with pytest.raises(ReadinglistError, match="cannot be read"):
        form_change(form, "@misc{x, title = {unclosed")
    with pytest.raises(ReadinglistError, match="2 entries"):
        form_change(form, form + "\n@misc{other, title={x}}\n")
    with pytest.raises(ReadinglistError, match="rekey"):
        form_change(form, form.replace("{muller2024grossere,", "{renamed,"))


def test_a_listing_paper_round_trips_without_a_change(tmp_path: Path) -> None:
    library = Library.open(tmp_path / "lib.json")
    listing = Paper(
        title="Digi-Q: Learning Q-Value Functions",
        abstract="Code is at https://github.com/x/y.",
        code_url="https://github.com/x/y",
        sources=(Source("dailypapers", "today.txt", "Mar 11"),),
    )
    paper = library.add(listing)
    form = paper_form(paper)
    assert form_change(form, form) == Change()
    edited = form.replace("Learning {Q-Value}", "Learning Better {Q-Value}")
    change = form_change(form, edited)
    assert change is not None and set(change.fields) == {"title"}
    (after,) = library.edit([paper.id], change)
    assert after.title == "Digi-Q: Learning Better Q-Value Functions"
    assert after.code_url == paper.code_url and after.sources == paper.sources


def test_run_editor_uses_editor_and_reports_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "ed.py"
    script.write_text("import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
                      "p.write_text(p.name + ':' + p.read_text().upper())\n")  # fmt: skip
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    assert run_editor("note", name="x.md") == "x.md:NOTE"
    monkeypatch.setenv("VISUAL", f"{sys.executable} -c 'raise SystemExit(3)'")
    with pytest.raises(ReadinglistError, match="status 3"):
        run_editor("note")
    monkeypatch.setenv("VISUAL", str(tmp_path / "no-such-editor"))
    with pytest.raises(ReadinglistError, match="cannot start the editor"):
        run_editor("note")
