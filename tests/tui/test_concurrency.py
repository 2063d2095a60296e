"""The TUI and other processes on one library: nothing either writes is lost (SPEC §3)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from textual.widgets import TextArea

from readinglist.core.config import Settings
from readinglist.core.library import Library
from readinglist.core.model import Paper
from readinglist.tui.app import ReadingListApp, create_app
from readinglist.tui.screens.note_dialog import NoteDialog
from readinglist.tui.screens.tag_dialog import TagDialog

from ..conftest import run_process
from .conftest import settle, wait_for_screen

pytestmark = pytest.mark.tui

ELA = "01J0000000000000000000000E"  # the first paper shown (newest)
KEY = "efficientlocalattention"


def on_disk(library: Library) -> Paper:
    paper = Library.open(library.path).get(ELA)
    assert paper is not None
    return paper


async def cli(library: Library, *args: str) -> None:
    """A real ``readinglist`` process, run while the app keeps going."""
    result = await asyncio.to_thread(run_process, "--db", library.path, *args)
    assert result.code == 0, result.err


async def test_a_cli_change_then_a_tui_key_02_s_later_keeps_both(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await cli(library, "tag", "--key", KEY, "+from-cli")
        await asyncio.sleep(0.2)  # before the app's once-a-second reload
        await pilot.press("s")
        await settle(pilot)
        paper = on_disk(library)
        assert paper.tags == ("from-cli",) and paper.status == "reading"


async def test_a_cli_change_while_a_dialog_is_open_is_kept(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await wait_for_screen(pilot, TagDialog)
        await cli(library, "tag", "--key", KEY, "+from-cli")
        await cli(library, "status", "--key", KEY, "read")
        await pilot.press(*"from-tui", "enter")
        await settle(pilot)
        await pilot.press("n")
        await wait_for_screen(pilot, NoteDialog)
        await cli(library, "tag", "--key", KEY, "+while-noting")
        pilot.app.screen.query_one(TextArea).insert("my note")
        await pilot.press("ctrl+s")
        await settle(pilot)
        paper = on_disk(library)
        assert paper.tags == ("from-cli", "from-tui", "while-noting")
        assert paper.status == "read" and paper.notes == "my note"


async def test_two_apps_on_one_library_keep_each_others_edits(library: Library) -> None:
    first = create_app(library, Settings())
    second = create_app(Library.open(library.path), Settings())
    async with first.run_test(size=(120, 40)) as one:
        await settle(one)
        async with second.run_test(size=(120, 40)) as two:
            await settle(two)
            await one.press("s")  # unread -> reading
            await settle(one)
            await two.press("t")  # the second app has not reloaded yet
            await wait_for_screen(two, TagDialog)
            await two.press(*"second", "enter")
            await settle(two)
            await one.press("t")
            await wait_for_screen(one, TagDialog)
            await one.press(*"first", "enter")
            await settle(one)
    paper = on_disk(library)
    assert paper.status == "reading" and paper.tags == ("second", "first")


async def test_undo_after_an_outside_change_takes_back_changes_newest_first(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await wait_for_screen(pilot, TagDialog)
        await pilot.press(*"mine", "enter")
        await settle(pilot)
        await cli(library, "tag", "--key", KEY, "+theirs")
        await cli(library, "status", "--key", "sun2019patient", "read")
        await pilot.press("u")  # the newest change is the CLI's status: only it goes
        await settle(pilot)
        assert on_disk(library).tags == ("mine", "theirs")
        sun = Library.open(library.path).by_key("sun2019patient")
        assert sun is not None and sun.status == "unread"
        await pilot.press("u")  # then the CLI's tag, and nothing else of the paper
        await settle(pilot)
        assert on_disk(library).tags == ("mine",)
        await pilot.press("u")
        await settle(pilot)
        assert on_disk(library).tags == ()
        notes = [n.message for n in pilot.app._notifications]
        assert any(m.startswith("Undid: tagged 1 paper +mine") for m in notes)
