"""Pilot tests: moving, searching, marking and the detail view (SPEC §6 keys)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import Input

from readinglist.tui.app import ReadingListApp
from readinglist.tui.screens.detail import DetailScreen
from readinglist.tui.widgets.detail import DetailPane

from .conftest import main_screen, settle, shown_keys, wait_for_screen

pytestmark = pytest.mark.tui

NEWEST_FIRST = [
    "efficientlocalattention",
    "sun2019patient",
    "touvron2021training",
    "vaswani2017attention",
    "hinton2015distilling",
]


async def test_start_shows_every_paper_newest_first(
    make_app: Callable[..., ReadingListApp],
) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert shown_keys(pilot) == NEWEST_FIRST
        screen = main_screen(pilot)
        assert screen.paper_list.has_focus
        body = str(screen.query_one("#detail-body").render())
        assert "ELA: Efficient Local Attention" in body
        assert isinstance(screen.query_one(DetailPane), DetailPane)


async def test_movement_keys(make_app: Callable[..., ReadingListApp]) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        papers = main_screen(pilot).paper_list
        moves = [("j", 1), ("down", 2), ("down", 3), ("k", 2), ("up", 1), ("G", 4), ("g", 0),
                 ("end", 4), ("home", 0), ("pagedown", 4), ("pageup", 0), ("k", 0)]  # fmt: skip
        for key, row in moves:
            await pilot.press(key)
            assert papers.cursor == row, key
        await pilot.press("j")
        await settle(pilot)
        assert "Patient Knowledge" in str(main_screen(pilot).query_one("#detail-body").render())


async def test_search_as_you_type_with_highlight(make_app: Callable[..., ReadingListApp]) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        screen = main_screen(pilot)
        assert screen.search_box.has_focus
        await pilot.press(*"attention")
        await settle(pilot)
        keys = shown_keys(pilot)
        assert "vaswani2017attention" in keys
        assert "hinton2015distilling" not in keys
        hit = next(h for h in screen.paper_list.hits if h.paper.key == "vaswani2017attention")
        assert any(hit.paper.title[a:b].lower() == "attention" for a, b in hit.title_spans)
        # escape goes back to the table, escape again clears the query
        await pilot.press("escape")
        assert screen.paper_list.has_focus
        assert screen.search_box.value == "attention"
        await pilot.press("escape")
        await settle(pilot)
        assert screen.search_box.value == ""
        assert shown_keys(pilot) == NEWEST_FIRST


async def test_search_tolerates_typos(make_app: Callable[..., ReadingListApp]) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"atention distilation", "enter")
        await settle(pilot)
        assert shown_keys(pilot)[0] == "touvron2021training"
        assert main_screen(pilot).paper_list.has_focus


async def test_filters_and_bad_query(make_app: Callable[..., ReadingListApp]) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        screen.search_box.value = "tag:kd status:unread"
        await settle(pilot)
        assert sorted(shown_keys(pilot)) == ["hinton2015distilling", "sun2019patient"]
        screen.search_box.value = "tag:kd year:abc"
        await settle(pilot)
        count = screen.query_one("#count")
        assert count.has_class("error")
        assert sorted(shown_keys(pilot)) == ["hinton2015distilling", "sun2019patient"]


async def test_sidebar_selects_a_tag(make_app: Callable[..., ReadingListApp]) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        screen.apply_filter("tag:vision")
        await settle(pilot)
        assert screen.search_box.value == "tag:vision"
        assert shown_keys(pilot) == ["touvron2021training"]
        screen.apply_filter("all")
        await settle(pilot)
        assert screen.search_box.value == ""


async def test_marks_survive_query_changes(make_app: Callable[..., ReadingListApp]) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        papers = screen.paper_list
        await pilot.press("space")  # marks and moves down
        assert papers.cursor == 1
        await pilot.press("space")
        assert papers.marks == {"01J0000000000000000000000E", "01J0000000000000000000000D"}
        await pilot.press("slash", *"attention", "escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert papers.marks == {"01J0000000000000000000000E", "01J0000000000000000000000D"}
        assert "2 marked" in str(screen.query_one("#count").render())
        await pilot.press("A")
        assert papers.marks == set()
        screen.search_box.value = "tag:kd"
        await settle(pilot)
        await pilot.press("a")
        assert papers.marks == {h.paper.id for h in papers.hits}
        assert len(papers.marks) == 3
        await pilot.press("space")  # unmark the current one
        assert len(papers.marks) == 2


async def test_enter_opens_detail_view(make_app: Callable[..., ReadingListApp]) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G", "enter")
        await wait_for_screen(pilot, DetailScreen)
        text = str(pilot.app.screen.query_one("#detail-screen-body").render())
        assert "Distilling the Knowledge" in text
        assert "hinton2015distilling" in text
        assert "https://arxiv.org/abs/1503.02531" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, DetailScreen)


async def test_quit(make_app: Callable[..., ReadingListApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_typing_q_in_search_does_not_quit(make_app: Callable[..., ReadingListApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "q")
        await pilot.pause()
        assert app.is_running
        assert app.screen.query_one("#search", Input).value == "q"
