"""Thousands of papers at once through the TUI's own keys: mark all, tag, undo."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.core.config import Settings
from readinglist.core.library import Library
from readinglist.core.library.catchup import open_view
from readinglist.tui.app import create_app
from readinglist.tui.screens.tag_dialog import TagDialog
from tests.synthetic import synthetic_papers

from .conftest import main_screen, settle, wait_for_screen

pytestmark = pytest.mark.tui


def _saved(path: Path, query: str) -> list[str]:
    view = open_view(path)
    assert view is not None, "the saved index was not used"
    with view:
        return sorted(hit.paper.id for hit in view.search(query))


def _full(path: Path, query: str) -> list[str]:
    return sorted(hit.paper.id for hit in Library.open(path).search(query))


async def test_tagging_thousands_of_marked_papers_keeps_the_saved_index_right(
    tmp_path: Path,
) -> None:
    """`a` marks all 6,000 papers shown, `t` tags them: the library file holds the tag
    on every one, and the saved index (what the next start and every one-shot query
    read) finds every one by it; `u` takes the tag off all of them again."""
    built = Library.open(tmp_path / "library.json")
    built.import_papers(synthetic_papers(6000, seed=8))
    built.index  # noqa: B018 (built, to be saved)
    assert built.save_index()
    everyone = sorted(p.id for p in built.papers)
    lazy = Library.open(built.path, lazy=True)
    assert lazy.lazy
    async with create_app(lazy, Settings()).run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = main_screen(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert len(screen.paper_list.marks) == len(everyone)
        await pilot.press("t")
        await wait_for_screen(pilot, TagDialog)
        await pilot.press(*"bulk", "enter")
        await settle(pilot)
        assert _full(built.path, "tag:bulk") == everyone
        assert _saved(built.path, "tag:bulk") == everyone
        screen.search_box.value = "tag:bulk"
        await settle(pilot)
        assert len(screen.paper_list.hits) == len(everyone)
        await pilot.press("escape", "escape", "u")
        await settle(pilot)
    assert _full(built.path, "tag:bulk") == []
    assert _saved(built.path, "tag:bulk") == []
    assert Library.open(built.path, lazy=True).tag_counts().get("bulk") is None
