"""The TUI starts searching from the index saved beside the library, and saves the
one it builds so that the next start (and one-shot queries) need not build it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from readinglist.core.changes import Change
from readinglist.core.library import Library, catchup
from readinglist.core.library.catchup import open_view
from readinglist.core.library.savedindex import index_path
from readinglist.tui.app import ReadingListApp

from .conftest import PAPERS, main_screen, settle, shown_keys, write_library

pytestmark = pytest.mark.tui


@pytest.fixture
def library(tmp_path: Path) -> Library:
    """Read whole (these tests are about a library read whole and the index it builds)."""
    return Library.open(write_library(tmp_path / "library.json", PAPERS))


async def _type(pilot, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    await pilot.press("slash", *text)
    await settle(pilot)
    return shown_keys(pilot)


def _full(library: Library, query: str) -> list[str]:
    """What a full load of the file answers."""
    return [hit.paper.key for hit in Library.open(library.path).search(query)]


async def test_a_built_index_is_saved_for_the_next_start(
    library: Library, make_app: Callable[..., ReadingListApp]
) -> None:
    assert not index_path(library.path).exists()
    async with make_app().run_test() as pilot:
        await settle(pilot)
        shown = await _type(pilot, "atention")
        assert shown == _full(library, "atention") and "vaswani2017attention" in shown
    view = open_view(library.path)
    assert view is not None
    with view:
        assert view.signature == library.file_signature
        assert [h.paper.key for h in view.search("atention")] == shown


async def test_the_tui_searches_from_the_saved_index_and_keeps_it_current(
    library: Library, make_app: Callable[..., ReadingListApp]
) -> None:
    other = Library.open(library.path)  # another process saved its index
    other.index  # noqa: B018
    assert other.save_index()
    assert not library.index_ready
    saved_at = index_path(library.path).stat().st_mtime_ns
    async with make_app().run_test() as pilot:
        await settle(pilot)
        # Not built here: the installed index is the saved one (papers read lazily).
        assert type(library.index._postings[0]).__name__ == "_Postings"
        shown = await _type(pilot, "distiling")
        assert shown == _full(library, "distiling") and "hinton2015distilling" in shown
        # An edit goes into the restored index like into a built one.
        paper = library.by_key("hinton2015distilling")
        assert paper is not None
        library.edit([paper.id], Change(add_tags=("reread",)))
        await pilot.press("escape", "escape")
        assert await _type(pilot, "tag:reread") == ["hinton2015distilling"]
    assert index_path(library.path).stat().st_mtime_ns == saved_at  # nothing to save


async def test_a_library_opened_from_its_saved_index_is_browsed_and_edited_as_one_read_whole(
    library: Library, make_app: Callable[..., ReadingListApp]
) -> None:
    """As ``readinglist`` opens a library with an index saved beside it: the first
    screen, a search and an edit from the keyboard read only the papers they show."""
    from readinglist.core.config import Settings
    from readinglist.tui.app import create_app

    library.index  # noqa: B018
    assert library.save_index()
    lazy = Library.open(library.path, lazy=True)
    assert lazy.lazy
    async with make_app().run_test() as pilot, create_app(lazy, Settings()).run_test() as lp:
        await settle(pilot)
        await settle(lp)
        assert shown_keys(lp) == shown_keys(pilot)
        assert main_screen(lp).library.tag_counts() == library.tag_counts()
        current = main_screen(lp).paper_list.current
        assert current is not None and current.paper.status == "unread"
        await lp.press("s")  # the status of the paper under the cursor
        await settle(lp)
        assert await _type(lp, "distiling") == await _type(pilot, "distiling")
    reread = Library.open(library.path)
    changed = reread.get(current.paper.id)
    assert changed is not None and changed.status == "reading"
    assert {p.id: p for p in lazy} == {p.id: p for p in reread}
    assert lazy.lazy


async def test_the_tui_saves_again_an_index_far_behind_the_file(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from readinglist.core.config import Settings
    from readinglist.tui.app import create_app

    library.index  # noqa: B018
    assert library.save_index()
    monkeypatch.setattr(catchup, "RESAVE_AFTER", 2)
    library.edit([p.id for p in PAPERS[:3]], Change(add_tags=("batch",)))
    lazy = Library.open(library.path, lazy=True)
    assert lazy.lazy
    async with create_app(lazy, Settings()).run_test() as pilot:
        await settle(pilot)
        assert await _type(pilot, "tag:batch") == _full(library, "tag:batch")
    view = open_view(library.path)
    assert view is not None
    with view:
        assert (view.caught_up, view.changed, view.signature) == ("", 0, lazy.file_signature)


async def test_a_library_opened_from_its_index_reads_only_the_papers_it_shows(
    tmp_path: Path,
) -> None:
    """Browsing a large library opened lazily: the first screen, a search, clearing
    it (the cursor stays on its paper, far down the list) and marking every paper
    read the rows shown and a sample for the columns, not the library."""
    from readinglist.core.config import Settings
    from readinglist.tui.app import create_app
    from tests.synthetic import synthetic_papers

    built = Library.open(tmp_path / "library.json")
    built.import_papers(synthetic_papers(3000, seed=3))
    built.index  # noqa: B018
    assert built.save_index()
    oldest = built.newest_first()[-1]
    lazy = Library.open(built.path, lazy=True)
    assert lazy.lazy
    read = lazy._store.papers._read  # type: ignore[attr-defined]
    async with create_app(lazy, Settings()).run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert 0 < len(read) <= 600
        screen = main_screen(pilot)
        screen.search_box.value = f"key:{oldest.key}"
        await settle(pilot)
        assert shown_keys(pilot)[:1] == [oldest.key]
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert len(screen.paper_list.hits) == 3000
        current = screen.paper_list.current
        assert current is not None and current.paper.id == oldest.id
        await pilot.press("a")  # mark every paper shown
        await settle(pilot)
        assert len(screen.paper_list.marks) == 3000
    assert len(read) <= 700, len(read)
