"""The TUI starts searching from the index saved beside the library, and saves the
one it builds so that the next start (and one-shot queries) need not build it."""

from __future__ import annotations

from collections.abc import Callable

from readinglist.core import searchcache
from readinglist.core.changes import Change
from readinglist.core.library import Library
from readinglist.core.searchcache import index_path, open_saved
from readinglist.tui.app import ReadingListApp

from .conftest import main_screen, settle, shown_keys


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
    view = open_saved(library.path)
    assert view is not None
    with view:
        assert view.signature == library.file_signature
        assert [h.paper.key for h in view.search("atention")] == shown


async def test_the_tui_searches_from_the_saved_index_and_keeps_it_current(
    library: Library, make_app: Callable[..., ReadingListApp]
) -> None:
    other = Library.open(library.path)  # another process saved its index
    other.index  # noqa: B018
    assert searchcache.save(other)
    assert not library.index_ready
    saved_at = index_path(library.path).stat().st_mtime_ns
    async with make_app().run_test() as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        # Not built here: the installed index is the saved one (papers read lazily).
        assert type(library.index._postings[0]).__name__ == "_Postings"
        shown = await _type(pilot, "distiling")
        assert shown == _full(library, "distiling") and "hinton2015distilling" in shown
        # An edit goes into the restored index like into a built one.
        paper = library.by_key("hinton2015distilling")
        assert paper is not None
        with screen.library_lock:
            library.edit([paper.id], Change(add_tags=("reread",)))
        await pilot.press("escape", "escape")
        assert await _type(pilot, "tag:reread") == ["hinton2015distilling"]
    assert index_path(library.path).stat().st_mtime_ns == saved_at  # nothing to save
