"""Pilot tests: the detail view as a triage view, skip, rating, priority, and the
marks rule (README "Marks")."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from readinglist.core.library import Library
from readinglist.core.model import Paper
from readinglist.tui.app import ReadingListApp
from readinglist.tui.screens.detail import DetailScreen
from readinglist.tui.screens.note_dialog import NoteDialog
from readinglist.tui.screens.tag_dialog import TagDialog

from .conftest import main_screen, settle, shown_keys, wait_for_screen

pytestmark = pytest.mark.tui

ELA = "01J0000000000000000000000E"
SUN = "01J0000000000000000000000D"
TOUVRON = "01J0000000000000000000000C"
VASWANI = "01J0000000000000000000000B"
HINTON = "01J0000000000000000000000A"


def on_disk(library: Library, paper_id: str) -> Paper:
    paper = Library.open(library.path).get(paper_id)  # what another process would read
    assert paper is not None
    return paper


def shown_in_detail(pilot: object) -> str:
    screen = pilot.app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, DetailScreen)
    return str(screen.query_one("#detail-screen-body").render())


async def test_detail_view_walks_the_list_with_j_and_k(
    make_app: Callable[..., ReadingListApp],
) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, DetailScreen)
        assert "ELA: Efficient Local Attention" in shown_in_detail(pilot)
        await pilot.press("j")
        assert "Patient Knowledge Distillation" in shown_in_detail(pilot)
        await pilot.press("j", "k", "k")
        assert "ELA: Efficient Local Attention" in shown_in_detail(pilot)
        await pilot.press("k")  # already the first
        assert any("first paper" in n.message for n in pilot.app._notifications)
        await pilot.press("j", "j", "escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, DetailScreen)
        current = main_screen(pilot).paper_list.current
        assert current is not None and current.paper.id == TOUVRON  # where triage stopped


async def test_paper_keys_act_on_the_shown_paper_in_the_detail_view(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space")  # a mark in the list: the detail view ignores it
        await pilot.press("enter")  # the cursor moved to sun2019patient
        await wait_for_screen(pilot, DetailScreen)
        await pilot.press("s")
        await settle(pilot)
        assert on_disk(library, SUN).status == "reading"
        assert on_disk(library, ELA).status == "unread"
        assert "reading" in shown_in_detail(pilot)  # the view shows the change
        await pilot.press("t")
        await wait_for_screen(pilot, TagDialog)
        await pilot.press(*"to-read", "enter")
        await settle(pilot)
        assert on_disk(library, SUN).tags == ("kd", "nlp", "to-read")
        assert "#to-read" in shown_in_detail(pilot)
        await pilot.press("T")
        await wait_for_screen(pilot, TagDialog)
        await pilot.press(*"nlp", "enter")
        await settle(pilot)
        assert on_disk(library, SUN).tags == ("kd", "to-read")
        await pilot.press("n")
        await wait_for_screen(pilot, NoteDialog)
        await pilot.press(*"Section 4", "escape")
        await settle(pilot)
        assert on_disk(library, SUN).notes == "Section 4"
        assert isinstance(pilot.app.screen, DetailScreen)
        assert on_disk(library, ELA).tags == () and on_disk(library, ELA).notes == ""


async def test_x_skips_and_shows_the_next_paper(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main_screen(pilot).search_box.value = "status:unread"
        await settle(pilot)
        assert shown_keys(pilot) == ["efficientlocalattention", "sun2019patient",
                                     "hinton2015distilling"]  # fmt: skip
        await pilot.press("enter")
        await wait_for_screen(pilot, DetailScreen)
        await pilot.press("x")
        await settle(pilot)
        assert on_disk(library, ELA).status == "skipped"
        assert "Patient Knowledge Distillation" in shown_in_detail(pilot)
        # The skipped paper left the filtered list; j goes on from the shown one.
        assert shown_keys(pilot) == ["sun2019patient", "hinton2015distilling"]
        await pilot.press("s")  # unread → reading: it leaves the list too
        await settle(pilot)
        await pilot.press("j")
        assert "Distilling the Knowledge" in shown_in_detail(pilot)


async def test_x_in_the_list_skips_and_moves_down(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("x", "x")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert "efficientlocalattention → skipped" in messages  # named: the cursor moved on
        assert on_disk(library, ELA).status == "skipped"
        assert on_disk(library, SUN).status == "skipped"
        current = main_screen(pilot).paper_list.current
        assert current is not None and current.paper.id == TOUVRON


async def test_rating_keys_and_0_clears(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for key in "12345":
            await pilot.press(key)
            await settle(pilot)
            assert on_disk(library, ELA).rating == int(key)
        papers = main_screen(pilot).paper_list
        header = papers.render_line(0).text
        assert "Rating" in header
        assert "★★★★★" in papers.render_line(1).text
        assert "★★★★★" in str(main_screen(pilot).query_one("#detail-body").render())
        await pilot.press("0")
        await settle(pilot)
        assert on_disk(library, ELA).rating is None
        assert "Rating" not in papers.render_line(0).text  # no paper rated: the column goes
        await pilot.press("enter")
        await wait_for_screen(pilot, DetailScreen)
        await pilot.press("4")
        await settle(pilot)
        assert on_disk(library, ELA).rating == 4
        assert "★★★★" in shown_in_detail(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert on_disk(library, ELA).rating is None


async def test_priority_cycles(make_app: Callable[..., ReadingListApp], library: Library) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        seen = []
        for _ in range(4):
            await pilot.press("p")
            await settle(pilot)
            seen.append(on_disk(library, ELA).priority)
            if seen[-1] == 1:
                papers = main_screen(pilot).paper_list
                assert "Pri" in papers.render_line(0).text and "P1" in papers.render_line(1).text
        assert seen == [1, 2, 3, None]


async def test_a_change_to_marked_papers_clears_the_marks(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    """The reported bug: after tagging 3 marked papers, s on another paper changed
    the 3 marked ones. Now the marks clear after a change, and s acts on the cursor."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        await pilot.press("space", "space", "space")
        assert "3 marked" in str(screen.query_one("#count").render())
        await pilot.press("t")
        await wait_for_screen(pilot, TagDialog)
        assert "3 papers (marked)" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press(*"batch", "enter")
        await settle(pilot)
        for paper_id in (ELA, SUN, TOUVRON):
            assert "batch" in on_disk(library, paper_id).tags
        assert screen.paper_list.marks == set()
        assert "marked" not in str(screen.query_one("#count").render())
        assert any(
            "Tagged 3 papers +batch (3 marked; marks cleared)" in n.message
            for n in app._notifications
        )
        await pilot.press("s")  # the cursor is on vaswani2017attention
        await settle(pilot)
        assert on_disk(library, VASWANI).status == "unread"  # read → unread
        statuses = [on_disk(library, paper_id).status for paper_id in (ELA, SUN, TOUVRON)]
        assert statuses == ["unread", "unread", "reading"]  # as they were


async def test_export_and_copy_keep_the_marks(
    make_app: Callable[..., ReadingListApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "y")
        assert app.clipboard == "efficientlocalattention,sun2019patient"
        assert main_screen(pilot).paper_list.marks == {ELA, SUN}
