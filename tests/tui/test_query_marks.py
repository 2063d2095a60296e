"""Pilot test: ``is:marked`` in the search box shows the papers marked with space."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from readinglist.tui.app import ReadingListApp

from .conftest import main_screen, settle, shown_keys

pytestmark = pytest.mark.tui


async def test_is_marked_shows_the_marked_papers(make_app: Callable[..., ReadingListApp]) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first_two = shown_keys(pilot)[:2]
        await pilot.press("space", "space")  # mark the first two rows
        await settle(pilot)
        screen = main_screen(pilot)
        screen.search_box.value = "is:marked"
        await settle(pilot)
        assert shown_keys(pilot) == first_two
        screen.search_box.value = "-is:marked"
        await settle(pilot)
        assert len(shown_keys(pilot)) == 3 and not set(first_two) & set(shown_keys(pilot))
