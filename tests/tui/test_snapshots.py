"""SVG snapshots of the main screen and the detail view at 80x24 and 120x40, the
narrow layout at 40x12, the help screen and the dialogs.

Fixed terminal size, fixed library (ids, keys and dates), cursor blink off.
Update the baselines with ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from readinglist.core.changes import Change
from readinglist.core.library import Library
from readinglist.tui.app import ReadingListApp

from .conftest import PAPERS, settle, write_library

pytestmark = pytest.mark.tui


@pytest.fixture
def library(tmp_path: Path) -> Library:
    """Read whole (screens are the same however the library was opened)."""
    return Library.open(write_library(tmp_path / "library.json", PAPERS))


SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
SUN = "01J0000000000000000000000D"


def keys_then_settle(*keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


@pytest.fixture
def triaged(library: Library) -> Library:
    """A paper rated, prioritised and noted, so the columns and the card show them."""
    library.edit([SUN], Change(fields={"rating": 4, "priority": 1, "notes": "Read §3."}))
    return library


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(
    snap_compare: Any, make_app: Callable[..., ReadingListApp], triaged: Library, size: str
) -> None:
    """Search for 'distillation', one paper marked, cursor on the second row."""
    run_before = keys_then_settle("slash", *"distillation", "enter", "space")
    assert snap_compare(make_app(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_detail_screen(
    snap_compare: Any, make_app: Callable[..., ReadingListApp], triaged: Library, size: str
) -> None:
    run_before = keys_then_settle("j", "enter")
    assert snap_compare(make_app(), terminal_size=SIZES[size], run_before=run_before)


def test_narrow_screen(snap_compare: Any, make_app: Callable[..., ReadingListApp]) -> None:
    assert snap_compare(make_app(), terminal_size=(40, 12), run_before=keys_then_settle())


def test_help_screen(snap_compare: Any, make_app: Callable[..., ReadingListApp]) -> None:
    run_before = keys_then_settle("question_mark")
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)


def test_tag_dialog(snap_compare: Any, make_app: Callable[..., ReadingListApp]) -> None:
    run_before = keys_then_settle("space", "space", "t", *"vi")
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)


def test_note_dialog(snap_compare: Any, make_app: Callable[..., ReadingListApp]) -> None:
    run_before = keys_then_settle("n", *"Compare with")
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_export_choice(
    snap_compare: Any, make_app: Callable[..., ReadingListApp], tmp_path: Path
) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("@misc{efficientlocalattention, title={ELA}}\n\n@misc{other, title={x}}\n")
    # The path is typed relative to a fixed name so the dialog text is the same every run.
    run_before = keys_then_settle("space", "space", "e", "ctrl+u", *str(target), "enter")

    async def before(pilot: Pilot[Any]) -> None:
        await run_before(pilot)
        title = pilot.app.screen.query_one(".dialog-title")
        title.update("refs.bib exists")  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=before)
