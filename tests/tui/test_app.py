"""Pilot tests: help, command palette, keymap from config, reload on external change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from textual.command import CommandPalette
from textual.widgets import Static

from readinglist.core.config import Settings
from readinglist.core.library import Library
from readinglist.core.model import Paper
from readinglist.tui.app import ReadingListApp
from readinglist.tui.bindings import SECTIONS
from readinglist.tui.screens.help import HelpScreen
from readinglist.tui.screens.tag_dialog import TagDialog

from .conftest import main_screen, settle, shown_keys, wait_for_screen

pytestmark = pytest.mark.tui


def _render(widget: Static) -> str:
    from rich.console import Console

    console = Console(width=100, record=True)
    console.print(widget.content)
    return console.export_text()


async def test_help_lists_every_binding(make_app: Callable[..., ReadingListApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await wait_for_screen(pilot, HelpScreen)
        text = _render(app.screen.query_one("#help-table", Static))
        for section in SECTIONS:
            for binding in section.bindings:
                assert binding.description in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_keymap_from_settings_rebinds_and_shows_in_help(
    make_app: Callable[..., ReadingListApp],
) -> None:
    app = make_app(Settings(keymap={"paper.tag": "ctrl+t", "nonsense.id": "x"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert not isinstance(app.screen, TagDialog)
        await pilot.press("ctrl+t")
        await wait_for_screen(pilot, TagDialog)
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        text = _render(app.screen.query_one("#help-table", Static))
        assert "ctrl+t" in text
        assert any("nonsense.id" in n.message for n in app._notifications)


async def test_palette_lists_actions_and_jumps_to_tags(
    make_app: Callable[..., ReadingListApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_for_screen(pilot, CommandPalette)
        await pilot.press(*"Tag: vision")
        await asyncio.sleep(0.5)
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert main_screen(pilot).search_box.value == "tag:vision"
        assert shown_keys(pilot) == ["touvron2021training"]
        await pilot.press("ctrl+p", *"Export")
        await asyncio.sleep(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "PathPrompt"


async def test_reload_after_external_change_keeps_cursor_and_marks(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        papers = main_screen(pilot).paper_list
        await pilot.press("j", "space")  # mark sun2019patient, cursor on touvron
        current = papers.current
        assert current is not None and current.paper.key == "touvron2021training"
        other = Library.open(library.path)  # another process, e.g. `readinglist add`
        other.add(Paper(title="Sparse Mixture of Experts", authors=("Shazeer, Noam",), year=2017))
        for _ in range(30):
            await asyncio.sleep(0.1)
            if len(shown_keys(pilot)) == 6:
                break
        await settle(pilot)
        assert len(shown_keys(pilot)) == 6
        assert shown_keys(pilot)[0].startswith("shazeer2017")
        current = papers.current
        assert current is not None and current.paper.key == "touvron2021training"
        assert papers.marks == {"01J0000000000000000000000D"}


async def test_bad_theme_warns_and_starts(make_app: Callable[..., ReadingListApp]) -> None:
    app = make_app(Settings(theme="no-such-theme"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.is_running
        assert len(shown_keys(pilot)) == 5
        assert any("no-such-theme" in n.message for n in app._notifications)


async def test_remapped_paper_and_detail_keys_work_in_the_detail_view(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    from readinglist.tui.screens.detail import DetailScreen

    keymap = {"detail.next": "n", "paper.note": "N", "paper.skip": "ctrl+x"}
    app = make_app(Settings(keymap=keymap))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, DetailScreen)
        await pilot.press("n")  # next paper now
        assert app.screen.paper is not None and app.screen.paper.key == "sun2019patient"  # type: ignore[attr-defined]
        await pilot.press("ctrl+x")
        await settle(pilot)
        paper = Library.open(library.path).get("01J0000000000000000000000D")
        assert paper is not None and paper.status == "skipped"
        assert app.screen.paper.key == "touvron2021training"  # type: ignore[attr-defined]


async def test_palette_sets_a_status_on_the_current_paper(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_for_screen(pilot, CommandPalette)
        await pilot.press(*"Set status: skipped")
        await asyncio.sleep(0.5)
        await pilot.press("enter")
        await settle(pilot)
        paper = Library.open(library.path).get("01J0000000000000000000000E")
        assert paper is not None and paper.status == "skipped"
