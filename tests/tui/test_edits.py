"""Pilot tests: tag, untag, status, note, export, copy, open, delete, undo, import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from readinglist.core.library import Library
from readinglist.tui.app import ReadingListApp
from readinglist.tui.screens.confirm import ConfirmDialog
from readinglist.tui.screens.note_dialog import NoteDialog
from readinglist.tui.screens.path_prompt import PathPrompt
from readinglist.tui.screens.tag_dialog import TagDialog

from .conftest import DATA, main_screen, settle, shown_keys, wait_for_screen

pytestmark = pytest.mark.tui

ELA = "01J0000000000000000000000E"
SUN = "01J0000000000000000000000D"


def stored(library: Library, paper_id: str) -> tuple[str, ...]:
    paper = Library.open(library.path).get(paper_id)  # what is on disk, not in memory
    assert paper is not None
    return paper.tags


async def test_tag_marked_papers_with_completion_then_undo(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "t")
        await wait_for_screen(pilot, TagDialog)
        await pilot.press(*"vis")
        await pilot.pause()
        await pilot.press("tab")  # completes "vis" → "vision"
        assert pilot.app.screen.query_one(Input).value == "vision"
        await pilot.press(*", to-read", "enter")
        await settle(pilot)
        assert stored(library, ELA) == ("vision", "to-read")
        assert stored(library, SUN) == ("kd", "nlp", "vision", "to-read")
        await pilot.press("u")
        await settle(pilot)
        assert stored(library, ELA) == ()
        assert stored(library, SUN) == ("kd", "nlp")


async def test_remove_tags(make_app: Callable[..., ReadingListApp], library: Library) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "T")
        await wait_for_screen(pilot, TagDialog)
        await pilot.press(*"nlp", "enter")
        await settle(pilot)
        assert stored(library, SUN) == ("kd",)


async def test_escape_cancels_a_dialog(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t", *"x", "escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, TagDialog)
        assert stored(library, ELA) == ()


async def test_status_cycles(make_app: Callable[..., ReadingListApp], library: Library) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        seen = []
        for _ in range(3):
            await pilot.press("s")
            await settle(pilot)
            paper = Library.open(library.path).get(ELA)
            assert paper is not None
            seen.append(paper.status)
        assert seen == ["reading", "read", "unread"]
        assert main_screen(pilot).paper_list.current is not None


async def test_note_editor(make_app: Callable[..., ReadingListApp], library: Library) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_for_screen(pilot, NoteDialog)
        pilot.app.screen.query_one(TextArea).insert("Read §3 first.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        paper = Library.open(library.path).get(ELA)
        assert paper is not None and paper.notes == "Read §3 first."
        assert "Read §3 first." in str(main_screen(pilot).query_one("#detail-body").render())
        await pilot.press("u")
        await settle(pilot)
        paper = Library.open(library.path).get(ELA)
        assert paper is not None and paper.notes == ""


async def test_export_marked_papers(
    make_app: Callable[..., ReadingListApp], tmp_path: Path
) -> None:
    target = tmp_path / "out.bib"
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "e")
        await wait_for_screen(pilot, PathPrompt)
        field = pilot.app.screen.query_one(Input)
        assert field.value == "./readinglist-export.bib"
        await pilot.press("ctrl+u")
        assert field.value == ""
        await pilot.press(*str(target), "enter")
        await settle(pilot)
    text = target.read_text(encoding="utf-8")
    assert "efficientlocalattention" in text
    assert "sun2019patient" in text
    assert "hinton2015distilling" not in text


async def test_export_to_a_bad_path_is_a_notification(
    make_app: Callable[..., ReadingListApp], tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e", "ctrl+u", *str(tmp_path / "no" / "such" / "dir.bib"), "enter")
        await settle(pilot)
        assert app.is_running
        assert any(n.severity == "error" for n in app._notifications)


async def test_copy_keys(make_app: Callable[..., ReadingListApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        assert app.clipboard == "efficientlocalattention"
        await pilot.press("space", "space", "y")
        assert app.clipboard == "efficientlocalattention,sun2019patient"


async def test_open_link(make_app: Callable[..., ReadingListApp], opened: list[str]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")  # ELA has no link at all
        await settle(pilot)
        assert opened == []
        assert any("has no link to open" in n.message for n in app._notifications)
        await pilot.press("j", "j", "j", "o")  # Attention: code link only
        await settle(pilot)
        assert opened == ["https://github.com/tensorflow/tensor2tensor"]
        await pilot.press("j", "o")
        await settle(pilot)
        assert opened[-1] == "https://arxiv.org/abs/1503.02531"


async def test_delete_confirm_and_undo(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert len(Library.open(library.path)) == 5
        await pilot.press("d", "y")
        await settle(pilot)
        assert Library.open(library.path).get(ELA) is None
        assert "efficientlocalattention" not in shown_keys(pilot)
        await pilot.press("u")
        await settle(pilot)
        restored = Library.open(library.path).get(ELA)
        assert restored is not None and restored.key == "efficientlocalattention"
        assert "efficientlocalattention" in shown_keys(pilot)


async def test_import_with_undo(make_app: Callable[..., ReadingListApp], library: Library) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await wait_for_screen(pilot, PathPrompt)
        await pilot.press(*str(DATA / "daily-papers-compact.txt"), "enter")
        await settle(pilot)
        imported = len(Library.open(library.path))
        assert imported > 5
        assert len(shown_keys(pilot)) == imported
        assert any("added" in n.message for n in app._notifications)
        await pilot.press("u")
        await settle(pilot)
        assert len(Library.open(library.path)) == 5


async def test_import_of_a_missing_file_is_a_notification(
    make_app: Callable[..., ReadingListApp], tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("i", *str(tmp_path / "missing.txt"), "enter")
        await settle(pilot)
        assert app.is_running
        assert any("no such file" in n.message for n in app._notifications)


async def test_import_of_a_device_or_an_oversized_file_is_a_notification(
    make_app: Callable[..., ReadingListApp],
    library: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``/dev/zero`` is not opened; a file larger than READINGLIST_MAX_IMPORT_BYTES is
    refused as ``readinglist import`` refuses it. The library is untouched."""
    big = tmp_path / "big.bib"
    big.write_bytes(b"".join(b"@misc{a%d, title={Title %d}}\n" % (n, n) for n in range(2000)))
    monkeypatch.setenv("READINGLIST_MAX_IMPORT_BYTES", "16K")
    before = library.path.read_bytes()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for path in ("/dev/zero", str(big)):
            await pilot.press("i")
            await wait_for_screen(pilot, PathPrompt)
            await pilot.press(*path, "enter")
            await settle(pilot)
        assert app.is_running
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("/dev/zero is not a regular file;") for m in messages)
        assert (
            "cannot import big.bib: it holds more than 16 KiB, the most one import reads "
            "(READINGLIST_MAX_IMPORT_BYTES sets that limit); nothing was imported"
        ) in messages
        assert len(shown_keys(pilot)) == 5
    assert library.path.read_bytes() == before


async def test_undo_with_nothing_to_undo(make_app: Callable[..., ReadingListApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        assert any("Nothing to undo" in n.message for n in app._notifications)
