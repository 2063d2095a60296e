"""SVG snapshots of the main screen, the detail view, the help screen and a dialog.

Fixed terminal size, fixed library (ids, keys and dates), cursor blink off.
Update the baselines with ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from readinglist.tui.app import ReadingListApp

from .conftest import settle

SIZE = (120, 40)


def keys_then_settle(*keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


def test_main_screen(snap_compare: Any, make_app: Callable[..., ReadingListApp]) -> None:
    """Search for 'distillation', one paper marked, cursor on the second row."""
    run_before = keys_then_settle("slash", *"distillation", "enter", "space")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_detail_screen(snap_compare: Any, make_app: Callable[..., ReadingListApp]) -> None:
    run_before = keys_then_settle("j", "j", "enter")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare: Any, make_app: Callable[..., ReadingListApp]) -> None:
    run_before = keys_then_settle("question_mark")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_tag_dialog(snap_compare: Any, make_app: Callable[..., ReadingListApp]) -> None:
    run_before = keys_then_settle("space", "space", "t", *"vi")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
