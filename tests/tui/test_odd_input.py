"""The TUI on odd input: user text that looks like Textual markup renders as written,
and keys pressed before the library is on screen never run as commands."""

from __future__ import annotations

import asyncio
import html
import re
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pexpect
import pytest
from textual.widgets import Input

from readinglist.core.config import Settings
from readinglist.core.library import Library
from readinglist.core.model import Paper, Source
from readinglist.tui.app import ReadingListApp, create_app
from readinglist.tui.screens.confirm import ConfirmDialog
from readinglist.tui.screens.detail import DetailScreen
from readinglist.tui.screens.path_prompt import PathPrompt

from .conftest import PAPERS, main_screen, settle, wait_for_screen, write_library

MARKUP_TITLE = 'Markup [link="x] and [/] in a [bold title'
MARKUP_NOTE = "[/bold] closes nothing [red"


def screen_text(app: ReadingListApp) -> str:
    """The characters on screen, from the SVG screenshot."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


@pytest.fixture
def markup_library(tmp_path: Path) -> Library:
    odd = replace(
        PAPERS[0],
        title=MARKUP_TITLE,
        authors=("[b]Bold, Not",),
        tags=("[/]", "[b]x"),
        notes=MARKUP_NOTE,
        abstract="An abstract with [red]colour[/red] and [link=https://x] markup.",
        sources=(Source("bibtex", '[link="x].bib'),),
    )
    return Library.open(write_library(tmp_path / "library.json", [odd, *PAPERS[1:]]))


@pytest.mark.tui
async def test_markup_in_user_text_renders_as_written(
    markup_library: Library, tmp_path: Path
) -> None:
    """Tags ``[/]``, a title with ``[link="x]``, notes with ``[/bold]``, a file named
    ``[link="x].bib`` in a notification, a query error quoting ``[/]``: all on screen
    as typed, and the app keeps running."""
    odd_file = tmp_path / '[link="x].bib'
    odd_file.write_text("@article{odd2020, title = {Odd [/] File}, year = 2020}\n")
    app = create_app(markup_library, Settings())
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        await settle(pilot)
        shown = screen_text(app)
        assert "Markup [link=" in shown and "#[/]" in shown  # the list and the sidebar
        await pilot.press("G")  # the oldest paper: the one full of markup
        await settle(pilot)
        shown = screen_text(app)
        assert "#[/] #[b]x" in shown and 'bibtex [link="x].bib' in shown  # the detail pane
        assert MARKUP_NOTE in shown

        await pilot.press("enter")
        await wait_for_screen(pilot, DetailScreen)
        shown = screen_text(app)
        assert "[b]Bold, Not" in shown and MARKUP_NOTE in shown and "[red]colour[/red]" in shown
        await pilot.press("escape")

        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"Show tag")
        await pilot.pause(0.5)
        assert "tag: [/]" in screen_text(app)  # the "Show tag: [/]" entry
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("slash", *"year:[/]")
        await settle(pilot)
        assert "year:[/] is not a year" in screen_text(app)  # the query error, quoted
        await pilot.press("escape", "escape")
        await settle(pilot)

        await pilot.press("i")
        await wait_for_screen(pilot, PathPrompt)
        await pilot.press(*str(odd_file), "enter")
        await settle(pilot)
        await pilot.pause(0.3)
        assert any('[link="x].bib' in n.message for n in app._notifications)
        assert 'Imported [link="x].bib: 1 added' in screen_text(app)

        await pilot.press("y")  # "Copied <key>" as a notification too
        await settle(pilot)
        assert app.is_running
        assert [n.message for n in app._notifications if n.title == "Bug"] == []
    assert app.return_code in (None, 0)


# -- keys before the library is on screen ------------------------------------------------


async def _press_before_shown(
    make_app: Callable[..., ReadingListApp], keys: tuple[str, ...]
) -> tuple[ReadingListApp, str]:
    """Press ``keys`` while the first search still waits for the library (a
    transaction holds it here, as a big import holds it), then let the library show."""
    app = make_app()
    busy = app.library.transaction()
    busy.__enter__()
    released = False
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.2)
            assert main_screen(pilot).results_shown == 0  # nothing is on screen yet
            await pilot.press(*keys)
            await pilot.pause(0.2)
            assert not isinstance(app.screen, ConfirmDialog)
            busy.__exit__(None, None, None)
            released = True
            await settle(pilot)
            await pilot.pause(0.2)
            assert not isinstance(app.screen, ConfirmDialog)
            box = main_screen(pilot).search_box
            return app, box.value if box.has_focus else f"(not focused) {box.value}"
    finally:
        if not released:
            busy.__exit__(None, None, None)


@pytest.mark.tui
async def test_d_then_enter_before_the_library_is_shown_deletes_nothing(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    _app, query = await _press_before_shown(make_app, ("d", "enter"))
    assert len(Library.open(library.path)) == len(PAPERS)
    assert query == "d"


@pytest.mark.tui
async def test_keys_before_the_library_is_shown_are_held_for_the_search_box(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    """``a`` ``d`` ``y`` would mark all, delete and confirm; typed early they are a
    query, and ``enter``/``escape``/arrows are dropped."""
    keys = ("slash", "a", "d", "enter", "y", "escape", "down", "space", "t", "s")
    _app, query = await _press_before_shown(make_app, keys)
    assert len(Library.open(library.path)) == len(PAPERS)
    assert query == "ady ts"
    assert [p.status for p in Library.open(library.path)] == [p.status for p in PAPERS]


@pytest.mark.tui
async def test_keys_after_the_library_is_shown_are_commands(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    """The holding ends with the first results: ``d`` asks to delete again."""
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("n")
        await asyncio.sleep(0.05)


def _spawn_tui(db: Path) -> pexpect.spawn:
    """The app on ``db`` in a real terminal (120x40)."""
    command = " ".join(
        [shlex.quote(sys.executable), "-m", "readinglist", "--db", shlex.quote(str(db))]
    )
    return pexpect.spawn(
        "/bin/sh", ["-c", command], dimensions=(40, 120), timeout=60, encoding="utf-8"
    )


@pytest.mark.process
def test_keys_typed_while_a_big_library_loads_run_no_command(tmp_path: Path) -> None:
    """A real terminal: ``a`` ``d`` ``y`` ``enter`` typed right after starting on a
    20,000-paper library (they wait in the terminal while it loads) end up in the
    search box; nothing is deleted."""
    from tests.synthetic import synthetic_papers

    db = tmp_path / "library.json"
    library = Library.open(db)
    library.import_papers(synthetic_papers(20_000, seed=7))
    count = len(library)
    before = db.read_bytes()
    child = _spawn_tui(db)
    try:
        child.send("ady")
        child.send("\r")
        child.expect(f"of {count:,}")  # the count: results for the query typed early
        time.sleep(0.5)
        child.send("\x11")  # ctrl+q
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert db.read_bytes() == before  # nothing marked, tagged, deleted or written


@pytest.mark.process
def test_slash_and_a_query_in_one_read_are_a_query(tmp_path: Path) -> None:
    """A real terminal delivering "/spec" at once (a macro, a paste, tmux send-keys):
    the letters after the slash go to the search box, none runs as a command (s would
    set a status, p a priority, e open the export dialog, c the columns)."""
    db = tmp_path / "library.json"
    Library.open(db).import_papers(PAPERS)
    before = db.read_bytes()
    child = _spawn_tui(db)
    try:
        child.expect("Detail")  # the screen is drawn
        time.sleep(1.5)  # and the library on it (keys typed before are held anyway)
        child.send("/atten")
        child.expect(f"of {len(PAPERS)}")  # the count of the results of a query
        child.send("\x11")  # ctrl+q
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert db.read_bytes() == before  # no status, priority or mark was set


@pytest.mark.tui
def test_held_keys_write_nothing(tmp_path: Path) -> None:
    """``s`` ``t`` ``u`` ``d`` ``y`` (status, tag, undo, delete, yes) typed early are
    the query "study": the library file is not written at all."""
    only = Paper(title="Only One", key="only", id="01J00000000000000000000000")
    db = write_library(tmp_path / "library.json", [only])
    before = db.read_bytes()
    app = create_app(Library.open(db), Settings())
    query = asyncio.run(_held_query(app, ("s", "t", "u", "d", "y")))
    assert query == "study"
    assert db.read_bytes() == before


async def _held_query(app: ReadingListApp, keys: tuple[str, ...]) -> str:
    busy = app.library.transaction()  # (the library is busy, as a big import keeps it)
    busy.__enter__()
    released = False
    try:
        async with app.run_test() as pilot:
            await pilot.press(*keys)
            busy.__exit__(None, None, None)
            released = True
            await settle(pilot)
            return main_screen(pilot).query_one("#search", Input).value
    finally:
        if not released:
            busy.__exit__(None, None, None)
