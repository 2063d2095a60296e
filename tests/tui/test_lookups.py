"""Pilot tests: resolving with ``r`` (remappable) and from the palette, adding papers
by id from the palette, against the local server in the services' formats; every
other connection is refused (``tests/conftest.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, Label, ProgressBar

from readinglist.core.config import Settings
from readinglist.core.library import Library
from readinglist.core.model import Paper, Source
from readinglist.tui.app import ReadingListApp
from readinglist.tui.screens.add_dialog import AddByIdDialog
from readinglist.tui.screens.detail import DetailScreen

from ..services.conftest import ARXIV_PATH, arxiv_answers
from ..services.formats import SPEECH, VISION, ArxivPaper, crossref_work
from ..services.server import LocalServer, Reply, closed_port
from .conftest import main_screen, settle, wait_for_screen

pytestmark = pytest.mark.tui

ELA = "01J0000000000000000000000E"  # the listing paper of the test library (no authors)
TOUVRON = "01J0000000000000000000000C"
ELA_PHRASE = 'ti:"ela efficient local attention for deep convolutional neural networks"'
ELA_RECORD = ArxivPaper(
    id="2403.01789",
    title="ELA: Efficient Local Attention for Deep Convolutional Neural Networks",
    authors=("Wei Xu", "Yi Wan"),
    abstract=(
        "The attention mechanism has gained significant recognition in computer vision, "
        "and we propose an efficient local attention that captures long-range dependencies "
        "along the spatial dimensions without reducing the channel dimensionality."
    ),
    published="2024-03-02T07:06:39Z",
)
DOI = "10.1371/journal.pone.0000001"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    local.start()
    try:
        yield local
    finally:
        local.stop()


def services_at(base: str) -> Settings:
    """The app's settings with ``[services]`` pointing at ``base``."""
    return Settings(
        services={
            "arxiv_api": base + "/arxiv/api",
            "crossref_api": base + "/crossref",
            "hf_api": base + "/hf/api",
        }
    )


@pytest.fixture
def online(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("READINGLIST_ARXIV_INTERVAL", "0")  # honoured for loopback only
    server.route(
        ARXIV_PATH, arxiv_answers([ELA_RECORD, VISION, SPEECH], {ELA_PHRASE: [ELA_RECORD]})
    )
    work = crossref_work(DOI, "Counting Reef Fish", [("Ana", "Souza")], year=2006)
    server.route(
        "/crossref/works/10.1371%2Fjournal.pone.0000001", Reply(200, work, "application/json")
    )
    return services_at(server.url)


def on_disk(library: Library, paper_id: str = ELA):  # type: ignore[no-untyped-def]
    paper = Library.open(library.path).get(paper_id)
    assert paper is not None
    return paper


def messages(app: ReadingListApp) -> list[str]:
    return [n.message for n in app._notifications]


async def wait_until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    assert check()


async def test_r_resolves_the_current_paper_with_progress_and_u_takes_it_back(
    make_app: Callable[..., ReadingListApp], library: Library, online: Settings, server: LocalServer
) -> None:
    """A pasted listing's paper: found by title, its key made again from authors and year."""
    phrase = 'ti:"lattice attention sparse token mixing for dense prediction"'
    slow = arxiv_answers([VISION], {phrase: [VISION]})

    def answer(request):  # type: ignore[no-untyped-def]
        reply = slow(request)
        reply.delay = 0.3  # long enough to see the progress bar
        return reply

    server.route(ARXIV_PATH, answer)
    listed = Paper(
        title="Lattice attention - sparse token mixing for dense prediction",
        sources=(Source("dailypapers", "today.txt"),),
    )
    (before,) = library.import_papers([listed]).added  # the newest: first in the list
    assert before.key == "latticeattentionsparse"
    app = make_app(online)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bar = main_screen(pilot).query_one("#progress", ProgressBar)
        await pilot.press("r")
        await wait_until(lambda: bool(bar.display))
        await settle(pilot)
        assert not bar.display
        paper = on_disk(library, before.id)
        assert paper.authors[0] == "Okonkwo-Hale, Mira" and paper.year == 2024
        assert paper.arxiv == "2403.01123" and paper.extra["primaryclass"] == "cs.CV"
        assert paper.title == before.title  # what it had stays
        assert paper.key == "okonkwohale2024lattice"
        assert messages(app)[-1].splitlines() == [
            "Resolved 1 of 1 paper",
            "latticeattentionsparse is now okonkwohale2024lattice",
        ]
        current = main_screen(pilot).paper_list.current
        assert current is not None and current.paper.key == "okonkwohale2024lattice"
        await pilot.press("u")
        await settle(pilot)
        assert on_disk(library, before.id) == replace(
            before, updated=on_disk(library, before.id).updated
        )


async def test_r_on_a_complete_paper_asks_nothing(
    make_app: Callable[..., ReadingListApp], library: Library, online: Settings, server: LocalServer
) -> None:
    app = make_app(online)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "r")  # sun2019patient has authors and a year
        await settle(pilot)
        assert "Nothing to resolve: it has authors and a year." in messages(app)
        assert server.log == []


async def test_the_resolve_key_is_remappable(
    make_app: Callable[..., ReadingListApp], library: Library, online: Settings
) -> None:
    app = make_app(replace(online, keymap={"paper.resolve": "ctrl+r"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert on_disk(library).authors == ()
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert on_disk(library).authors == ("Xu, Wei", "Wan, Yi")


async def test_an_ambiguous_match_is_listed_for_review_not_applied(
    make_app: Callable[..., ReadingListApp], library: Library, online: Settings, server: LocalServer
) -> None:
    twin = replace(ELA_RECORD, id="2405.00001", abstract=SPEECH.abstract)
    server.route(ARXIV_PATH, arxiv_answers([], {ELA_PHRASE: [twin, ELA_RECORD]}))
    before = on_disk(library)
    app = make_app(online)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        lines = messages(app)[-1].splitlines()
        assert lines[0] == "Resolved 0 of 1 paper, 1 for review"
        assert lines[1].startswith(
            'Review: efficientlocalattention  "ELA: Efficient Local Attention for Deep '
        )
        assert "2405.00001" in lines[1] and "2403.01789" in lines[1]
        assert on_disk(library) == before
        assert list(app._notifications)[-1].severity == "warning"


async def test_unreachable_services_are_one_error_and_nothing_written(
    make_app: Callable[..., ReadingListApp], library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = on_disk(library)
    app = make_app(services_at(f"http://127.0.0.1:{closed_port()}"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        last = list(app._notifications)[-1]
        assert last.severity == "error"
        assert last.message.startswith("Cannot reach 127.0.0.1:")
        assert last.message.endswith(" (connection refused); nothing changed")
        assert on_disk(library) == before


async def test_resolve_from_the_palette_marked_papers(
    make_app: Callable[..., ReadingListApp], library: Library, online: Settings, server: LocalServer
) -> None:
    app = make_app(online)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "j", "space")  # ELA and touvron2021training (complete)
        await pilot.press("ctrl+p")
        await wait_for_screen(pilot, CommandPalette)
        await pilot.press(*"Resolve authors")
        await asyncio.sleep(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert on_disk(library).authors == ("Xu, Wei", "Wan, Yi")
        assert on_disk(library).key == "efficientlocalattention"  # not made here: it stays
        assert messages(app)[-1] == "Resolved 1 of 1 paper"  # only the listing paper
        (search,) = server.hits(ARXIV_PATH)
        assert search.arg("search_query") == ELA_PHRASE
        assert main_screen(pilot).paper_list.marks == {ELA, TOUVRON}  # resolve keeps them


async def test_r_in_the_detail_view_resolves_the_paper_shown(
    make_app: Callable[..., ReadingListApp], library: Library, online: Settings
) -> None:
    app = make_app(online)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, DetailScreen)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert on_disk(library).authors == ("Xu, Wei", "Wan, Yi")
        assert messages(app)[-1] == "Resolved 1 of 1 paper"


async def test_add_by_id_from_the_palette(
    make_app: Callable[..., ReadingListApp], library: Library, online: Settings, server: LocalServer
) -> None:
    app = make_app(online)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_for_screen(pilot, CommandPalette)
        await pilot.press(*"Add papers by id")
        await asyncio.sleep(0.5)
        await pilot.press("enter")
        await wait_for_screen(pilot, AddByIdDialog)
        await pilot.press(*"abc", "enter")  # checked locally: no request, the dialog stays
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AddByIdDialog)
        problem = str(dialog.query_one("#id-problem", Label).content)
        assert problem == "not an arXiv id, DOI or arXiv/Hugging Face/doi.org URL: 'abc'"
        assert server.log == []
        dialog.query_one(Input).value = f"https://arxiv.org/abs/2403.01123v2 {DOI}"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, AddByIdDialog)
        assert len(Library.open(library.path)) == 7
        papers = {p.arxiv or p.doi: p for p in Library.open(library.path) if p.arxiv or p.doi}
        assert papers["2403.01123"].authors[0] == "Okonkwo-Hale, Mira"
        assert papers[DOI].year == 2006
        assert messages(app)[-1] == "Added okonkwohale2024lattice, souza2006counting"
        (request,) = server.hits(ARXIV_PATH)
        assert request.arg("id_list") == "2403.01123"
        await pilot.press("u")  # one change: both papers go
        await settle(pilot)
        assert len(Library.open(library.path)) == 5
