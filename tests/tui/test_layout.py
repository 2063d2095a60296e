"""Pilot tests: the layout at 80x24, 120x40 and 40x12, the sidebar toggle, and query
errors that never resize the search box."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from readinglist.tui.app import ReadingListApp
from readinglist.tui.widgets.detail import DetailPane
from readinglist.tui.widgets.sidebar import Sidebar

from .conftest import main_screen, settle, shown_keys

pytestmark = pytest.mark.tui


def screen_text(pilot: object) -> str:
    """What the terminal shows, as text."""
    app = pilot.app  # type: ignore[attr-defined]
    return "\n".join(line.text for line in app.screen._compositor.render_strips())


async def test_abstract_is_on_the_main_screen_at_80x24(
    make_app: Callable[..., ReadingListApp],
) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("G")  # hinton2015distilling
        await settle(pilot)
        text = screen_text(pilot)
        assert "A very simple way to improve the performance" in text
        assert main_screen(pilot).query_one(Sidebar).display


async def test_ctrl_b_hides_and_shows_the_sidebar(
    make_app: Callable[..., ReadingListApp],
) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        sidebar = screen.query_one(Sidebar)
        width = screen.paper_list.size.width
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not sidebar.display
        assert screen.paper_list.size.width > width  # the list takes the room
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert sidebar.display


async def test_40x12_keeps_the_list(make_app: Callable[..., ReadingListApp]) -> None:
    async with make_app().run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        assert not screen.query_one(Sidebar).display
        assert not screen.query_one(DetailPane).display
        assert screen.paper_list.size.height >= 9  # header + every one of the 5 papers
        text = screen_text(pilot)
        for title in ("ELA: Efficient", "Patient Knowledge", "Distilling the"):
            assert title in text
        await pilot.press("ctrl+b")  # asked for: the sidebar comes back
        await pilot.pause()
        assert screen.query_one(Sidebar).display
        await pilot.press("ctrl+b")
        await pilot.pause()
        await pilot.press("slash", *"patient", "enter")
        await settle(pilot)
        assert shown_keys(pilot) == ["sun2019patient"]


async def test_a_query_error_never_resizes_the_search_box(
    make_app: Callable[..., ReadingListApp],
) -> None:
    for size in ((80, 24), (40, 12)):
        async with make_app().run_test(size=size) as pilot:
            await settle(pilot)
            screen = main_screen(pilot)
            width = screen.search_box.size.width
            screen.search_box.value = "year:abc and a long tail of words"
            await settle(pilot)
            assert screen.query_one("#count").has_class("error")
            assert screen.search_box.size.width == width, size
            assert "year" in str(screen.paper_list.border_subtitle)  # the whole message


async def test_marked_count_shows_in_the_count_and_under_the_list(
    make_app: Callable[..., ReadingListApp],
) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        await pilot.press("space", "space")
        assert "2 marked" in str(screen.query_one("#count").render())
        assert screen.paper_list.border_subtitle == "2 marked"
        await pilot.press("A")
        assert screen.paper_list.border_subtitle == ""
