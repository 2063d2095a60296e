"""Pilot tests: the note editor, export onto an existing file, the link chooser, the
column chooser, and editing an entry in $EDITOR."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Button, SelectionList, TextArea

from readinglist.core.changes import Change
from readinglist.core.library import Library
from readinglist.tui.app import ReadingListApp
from readinglist.tui.screens.columns_dialog import ColumnsDialog
from readinglist.tui.screens.confirm import ConfirmDialog
from readinglist.tui.screens.export_dialog import ExportChoice
from readinglist.tui.screens.link_dialog import LinkDialog
from readinglist.tui.screens.note_dialog import NoteDialog
from readinglist.tui.screens.path_prompt import PathPrompt

from ..conftest import DATA as CORE_DATA
from .conftest import main_screen, settle, wait_for_screen

pytestmark = pytest.mark.tui

ELA = "01J0000000000000000000000E"
SUN = "01J0000000000000000000000D"
VASWANI = "01J0000000000000000000000B"
FOREIGN = CORE_DATA / "foreign.bib"


def note_of(library: Library, paper_id: str) -> str:
    paper = Library.open(library.path).get(paper_id)
    assert paper is not None
    return paper.notes


def use_editor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, body: str) -> None:
    """Make $EDITOR a small Python program run on the file to edit (``path``)."""
    script = tmp_path / "editor.py"
    script.write_text("import sys\nfrom pathlib import Path\npath = Path(sys.argv[1])\n" + body)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")


# -- notes --------------------------------------------------------------------------


async def test_escape_saves_the_note(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_for_screen(pilot, NoteDialog)
        await pilot.press(*"Read the ablations", "escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, NoteDialog)
        assert note_of(library, ELA) == "Read the ablations"


async def test_discarding_a_note_asks_first(
    make_app: Callable[..., ReadingListApp], library: Library
) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"draft")
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("n")  # no: back to the note, text intact
        await wait_for_screen(pilot, NoteDialog)
        assert pilot.app.screen.query_one(TextArea).text == "draft"
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, NoteDialog | ConfirmDialog)
        assert note_of(library, ELA) == ""
        await pilot.press("n", "ctrl+g")  # nothing typed: closes without asking
        await settle(pilot)
        assert not isinstance(pilot.app.screen, NoteDialog | ConfirmDialog)


async def test_ctrl_e_edits_the_note_in_the_editor(
    make_app: Callable[..., ReadingListApp],
    library: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_editor(monkeypatch, tmp_path, "path.write_text(path.read_text() + ' and more\\n')")
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"typed here", "ctrl+e")
        await pilot.pause()
        assert pilot.app.screen.query_one(TextArea).text == "typed here and more"
        await pilot.press("escape")
        await settle(pilot)
        assert note_of(library, ELA) == "typed here and more"


# -- export onto an existing file ------------------------------------------------------------


async def _export_to(pilot: object, target: Path) -> None:
    await pilot.press("e")  # type: ignore[attr-defined]
    await wait_for_screen(pilot, PathPrompt)  # type: ignore[arg-type]
    await pilot.press("ctrl+u", *str(target), "enter")  # type: ignore[attr-defined]


async def test_export_onto_an_existing_bib_asks_and_update_keeps_other_entries(
    make_app: Callable[..., ReadingListApp], library: Library, tmp_path: Path
) -> None:
    target = tmp_path / "refs.bib"
    target.write_bytes(FOREIGN.read_bytes())
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main_screen(pilot).search_box.value = "key:vaswani"
        await settle(pilot)
        await _export_to(pilot, target)
        await wait_for_screen(pilot, ExportChoice)
        text = " ".join(str(label.render()) for label in app.screen.query("Label"))
        assert "holds 5 entries" in text and "replaces the 1 with the same keys" in text
        await pilot.press("u")
        await settle(pilot)
        data = target.read_text(encoding="utf-8")
        original = FOREIGN.read_text(encoding="utf-8")
        head = original[: original.index("@misc{vaswani2017attention")]
        tail = original[original.index("A line of prose") - 2 :]
        assert data.startswith(head) and data.endswith(tail)  # every other entry as it was
        assert "Shazeer, Noam" in data and "{Attention Is All You Need}" in data
        assert any("1 replaced, 0 added" in n.message for n in app._notifications)
        await pilot.press("u")  # undo restores the file
        await settle(pilot)
        assert target.read_bytes() == FOREIGN.read_bytes()


async def test_export_overwrite_and_cancel(
    make_app: Callable[..., ReadingListApp], tmp_path: Path
) -> None:
    target = tmp_path / "refs.bib"
    target.write_bytes(FOREIGN.read_bytes())
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _export_to(pilot, target)
        await wait_for_screen(pilot, ExportChoice)
        await pilot.press("escape")
        await settle(pilot)
        assert target.read_bytes() == FOREIGN.read_bytes()
        await _export_to(pilot, target)
        await wait_for_screen(pilot, ExportChoice)
        await pilot.press("o")
        await settle(pilot)
        data = target.read_text()
        assert data.startswith("@misc{efficientlocalattention,") and "knuth" not in data
        await pilot.press("u")
        await settle(pilot)
        assert target.read_bytes() == FOREIGN.read_bytes()


async def test_export_choice_buttons_name_the_remapped_keys(
    make_app: Callable[..., ReadingListApp], tmp_path: Path
) -> None:
    from readinglist.core.config import Settings

    target = tmp_path / "refs.bib"
    target.write_text("@misc{x, title={x}}\n")
    app = make_app(Settings(keymap={"export.update": "U"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _export_to(pilot, target)
        await wait_for_screen(pilot, ExportChoice)
        assert "Update (U)" in str(app.screen.query_one("#update", Button).label)
        await pilot.press("U")
        await settle(pilot)
        assert "efficientlocalattention" in target.read_text() and "@misc{x," in target.read_text()


# -- links ---------------------------------------------------------------------------------


async def test_o_offers_a_choice_of_links(
    make_app: Callable[..., ReadingListApp], library: Library, opened: list[str]
) -> None:
    library.edit([VASWANI], Change(fields={"arxiv": "1706.03762", "doi": "10.5555/3295349"}))
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main_screen(pilot).search_box.value = "key:vaswani"
        await settle(pilot)
        await pilot.press("o")
        await wait_for_screen(pilot, LinkDialog)
        await pilot.press("3")  # arXiv, PDF, DOI, Code
        await settle(pilot)
        assert opened == ["https://doi.org/10.5555/3295349"]
        await pilot.press("o")
        await wait_for_screen(pilot, LinkDialog)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert opened[-1] == "https://arxiv.org/pdf/1706.03762"
        await pilot.press("o", "escape")
        await settle(pilot)
        assert len(opened) == 2


async def test_o_says_so_when_no_browser_starts(library: Library) -> None:
    from readinglist.core.config import Settings
    from readinglist.tui.app import create_app

    app = create_app(library, Settings(), url_opener=lambda url: False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("G", "o")  # hinton2015distilling: one link, opened at once
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("No web browser could be started" in m for m in messages)
        assert not any(m.startswith("Opened") for m in messages)


# -- columns -------------------------------------------------------------------------------


async def test_column_chooser_hides_and_shows_columns(
    make_app: Callable[..., ReadingListApp],
) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        papers = main_screen(pilot).paper_list
        assert "Author" in papers.render_line(0).text
        await pilot.press("c")
        await wait_for_screen(pilot, ColumnsDialog)
        choices = pilot.app.screen.query_one(SelectionList)
        assert choices.highlighted == 0  # author
        await pilot.press("space")  # author off
        await pilot.press("down", "down", "down", "down", "down", "down", "space")  # added on
        await pilot.press("enter")
        await settle(pilot)
        header = papers.render_line(0).text
        assert "Author" not in header and "Added" in header
        assert "2024-01-05" in papers.render_line(1).text


# -- E: the entry in $EDITOR -----------------------------------------------------------------


async def test_E_edits_the_entry_as_bibtex(
    make_app: Callable[..., ReadingListApp],
    library: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = (
        "text = path.read_text()\n"
        "text = text.replace('title = {{ELA}', 'title = {{ELA} v2')\n"
        "text = text.replace('}\\n}', '},\\n  year = {2024},\\n  keywords = {vision}\\n}')\n"
        "path.write_text(text)\n"
    )
    use_editor(monkeypatch, tmp_path, body)
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        paper = Library.open(library.path).get(ELA)
        assert paper is not None
        assert paper.title.startswith("ELA v2: Efficient Local Attention")
        assert paper.year == 2024 and paper.tags == ("vision",)
        await pilot.press("u")
        await settle(pilot)
        paper = Library.open(library.path).get(ELA)
        assert paper is not None and paper.title.startswith("ELA: ") and paper.year is None


async def test_E_with_a_broken_entry_offers_to_edit_again(
    make_app: Callable[..., ReadingListApp],
    library: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_editor(monkeypatch, tmp_path, "path.write_text('@misc{broken,')\n")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("E")
        await wait_for_screen(pilot, ConfirmDialog)
        assert "Edit again?" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("n")
        await settle(pilot)
        assert any("nothing changed" in n.message for n in app._notifications)
    paper = Library.open(library.path).get(ELA)
    assert paper is not None and paper.title.startswith("ELA: ")
    assert len(Library.open(library.path).history) == 0


async def test_E_edit_again_reopens_with_the_error_on_top(
    make_app: Callable[..., ReadingListApp],
    library: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """First save breaks the entry; the reopened file names the error, the second save
    fixes it (the script keeps what it saw, to check)."""
    seen = tmp_path / "seen.txt"
    body = (
        f"seen = Path({str(seen)!r})\n"
        "text = path.read_text()\n"
        "if not seen.exists():\n"
        "    seen.write_text(text)\n"
        "    path.write_text(text.replace('title = ', 'title = {{unclosed'))\n"
        "else:\n"
        "    seen.write_text(text)\n"
        "    lines = [l for l in text.splitlines(True) if not l.startswith('%')]\n"
        "    path.write_text(''.join(lines).replace('{{unclosed', '').replace('ELA', 'ELA2'))\n"
    )
    use_editor(monkeypatch, tmp_path, body)
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("E")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
    assert seen.read_text().startswith("% readinglist: the entry does not parse")
    paper = Library.open(library.path).get(ELA)
    assert paper is not None and paper.title.startswith("ELA2: Efficient Local Attention")


async def test_messages_show_user_text_as_written(
    make_app: Callable[..., ReadingListApp], tmp_path: Path
) -> None:
    """A path with [brackets] is not read as markup (it would vanish or fail)."""
    target = tmp_path / "[bold]draft refs.bib"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _export_to(pilot, target)
        await settle(pilot)
        assert target.exists()
        (done,) = [n for n in app._notifications if "[bold]draft refs.bib" in n.message]
        assert done.markup is False  # shown as written, not as bold "draft refs.bib"
