"""A small, fixed library (fixed ids, keys and timestamps) so screens are reproducible."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from readinglist.core.config import Settings
from readinglist.core.library import SCHEMA_VERSION, Library
from readinglist.core.library.fileformat import dump_library
from readinglist.core.model import Paper, Source
from readinglist.tui.app import ReadingListApp, create_app
from readinglist.tui.screens.main import DETAIL_DELAY_S, MainScreen

DATA = Path(__file__).parent / "data"


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (no async plugin is needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


PAPERS = [
    Paper(
        id="01J0000000000000000000000A",
        key="hinton2015distilling",
        title="Distilling the Knowledge in a Neural Network",
        authors=("Hinton, Geoffrey", "Vinyals, Oriol", "Dean, Jeff"),
        year=2015,
        abstract="A very simple way to improve the performance of almost any learning algorithm.",
        url="https://arxiv.org/abs/1503.02531",
        tags=("kd",),
        added="2024-01-01T10:00:00Z",
        updated="2024-01-01T10:00:00Z",
        sources=(Source("bibtex", "refs.bib"),),
    ),
    Paper(
        id="01J0000000000000000000000B",
        key="vaswani2017attention",
        title="Attention Is All You Need",
        authors=("Vaswani, Ashish", "Shazeer, Noam"),
        year=2017,
        abstract="The dominant sequence transduction models are based on recurrent networks.",
        code_url="https://github.com/tensorflow/tensor2tensor",
        tags=("transformers", "nlp"),
        status="read",
        added="2024-01-02T10:00:00Z",
        updated="2024-01-02T10:00:00Z",
    ),
    Paper(
        id="01J0000000000000000000000C",
        key="touvron2021training",
        title="Training Data-Efficient Image Transformers and Distillation through Attention",
        authors=("Touvron, Hugo",),
        year=2021,
        abstract="Distillation token for vision transformers.",
        tags=("kd", "vision"),
        status="reading",
        notes="Compare with the teacher-free variant.",
        added="2024-01-03T10:00:00Z",
        updated="2024-01-03T10:00:00Z",
    ),
    Paper(
        id="01J0000000000000000000000D",
        key="sun2019patient",
        title="Patient Knowledge Distillation for BERT Model Compression",
        authors=("Sun, Siqi",),
        year=2019,
        tags=("kd", "nlp"),
        added="2024-01-04T10:00:00Z",
        updated="2024-01-04T10:00:00Z",
    ),
    Paper(
        id="01J0000000000000000000000E",
        key="efficientlocalattention",
        title="ELA: Efficient Local Attention for Deep Convolutional Neural Networks",
        added="2024-01-05T10:00:00Z",
        updated="2024-01-05T10:00:00Z",
        sources=(Source("dailypapers", "today.txt", "Mar 11"),),
    ),
]


def write_library(path: Path, papers: list[Paper]) -> Path:
    """The library file as the storage writes it: a _meta table and a papers table."""
    data = {
        "_meta": {"1": {"schema": SCHEMA_VERSION}},
        "papers": {p.id: p.to_doc() for p in papers},
    }
    path.write_bytes(b"".join(dump_library(data)))
    return path


@pytest.fixture(params=["full", "lazy"])
def library(tmp_path: Path, request: pytest.FixtureRequest) -> Library:
    """The library as the TUI gets it: read whole, or (as ``readinglist`` opens it
    once an index is saved beside it) from the saved index, papers read as needed."""
    path = write_library(tmp_path / "library.json", PAPERS)
    if request.param == "full":
        return Library.open(path)
    built = Library.open(path)
    built.index  # noqa: B018 (built, to be saved)
    assert built.save_index()
    library = Library.open(path, lazy=True)
    assert library.lazy
    return library


@pytest.fixture
def opened() -> list[str]:
    return []


@pytest.fixture
def make_app(library: Library, opened: list[str]) -> Callable[..., ReadingListApp]:
    def make(settings: Settings | None = None) -> ReadingListApp:
        return create_app(library, settings or Settings(), url_opener=opened.append)

    return make


async def settle(pilot: Pilot[None]) -> None:
    """Wait until searches and saves (thread workers) are done and their results shown."""
    app = pilot.app
    await asyncio.sleep(2 * DETAIL_DELAY_S)  # the detail pane follows a resting cursor
    for _ in range(4):
        busy = [w for w in app.workers if w.group != "dialog" and not w.is_finished]
        if busy:
            await app.workers.wait_for_complete(busy)
        await pilot.pause()
    for field in app.screen.query(Input):
        field.cursor_blink = False


def main_screen(pilot: Pilot[None]) -> MainScreen:
    screen = next(s for s in pilot.app.screen_stack if isinstance(s, MainScreen))
    return screen


def shown_keys(pilot: Pilot[None]) -> list[str]:
    return [h.paper.key for h in main_screen(pilot).paper_list.hits]


async def wait_for_screen(pilot: Pilot[None], screen_type: type, timeout: float = 5.0) -> None:
    """Dialogs open from workers: wait until one of ``screen_type`` is on top."""
    for _ in range(int(timeout / 0.02)):
        if isinstance(pilot.app.screen, screen_type):
            break
        await asyncio.sleep(0.02)
    await pilot.pause()
    assert isinstance(pilot.app.screen, screen_type), f"{screen_type.__name__} did not open"
