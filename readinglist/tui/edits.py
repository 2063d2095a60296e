"""The actions on papers, shared by the main screen and the detail view.

:class:`PaperActions` is a small object a screen composes: the screen says which
papers a key applies to (:class:`Selection`) and the actions do the rest. Dialogs
are awaited in async workers; every library call (disk I/O) runs in a thread worker
(the library keeps its calls one at a time), and what comes back to the UI is a posted
:class:`PapersChanged` message (or a notification), so typing never waits for a
save. Edits are sent as deltas (:class:`~readinglist.core.changes.Change`) when the
user confirms: the library applies them to each paper as it is on disk then, so
nothing another process wrote meanwhile is lost. Undo is the library's shared
history.
"""

from __future__ import annotations

import asyncio
import webbrowser
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from textual.message import Message

from ..core.changes import Change
from ..core.errors import ReadinglistError
from ..core.keys import check_keys
from ..core.library import Library
from ..core.model import Paper, next_status

if TYPE_CHECKING:
    from textual.app import App

    from ..core.config import Settings


def papers_text(n: int) -> str:
    return f"{n} paper" if n == 1 else f"{n} papers"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, slots=True)
class Selection:
    """What a key applies to: ``papers`` (the marked ones shown, else the current
    one), the paper under the cursor, and whether ``papers`` are the marks; ``ids``
    are the papers' ids (known without reading 10,000 marked papers)."""

    papers: Sequence[Paper] = field(default_factory=list)
    current: Paper | None = None
    from_marks: bool = False
    ids: Sequence[str] = ()

    def __post_init__(self) -> None:
        if not self.ids and self.papers:
            object.__setattr__(self, "ids", [p.id for p in self.papers])

    def holds(self, paper: Paper | None) -> bool:
        return paper is not None and paper.id in set(self.ids)


@dataclass(frozen=True, slots=True)
class Notice:
    """A message for the user, and how loud it is."""

    text: str
    severity: str = "information"

    def __bool__(self) -> bool:
        return bool(self.text)


class PapersChanged(Message):
    """The library changed (an edit, an import, an undo, a reload): views re-read it."""


class PaperView(Protocol):
    """What the actions need from the screen that runs them."""

    @property
    def app(self) -> App[Any]: ...

    def selection(self) -> Selection: ...

    def advance(self) -> None:
        """Move on to the next paper (after ``x``)."""

    def marks_used(self, ids: Sequence[str]) -> None:
        """A change was applied to these marked papers: the marks clear."""

    def notify(
        self,
        message: str,
        *,
        severity: Any = ...,
        timeout: float | None = ...,
        markup: bool = ...,
    ) -> None: ...

    def run_worker(self, work: Any, *args: Any, **kwargs: Any) -> Any: ...


def _rating_label(rating: int) -> str:
    return "★" * rating if rating else "no rating"


class PaperActions:
    """The actions behind the paper keys, for one screen (see the module doc)."""

    def __init__(self, view: PaperView, library: Library, settings: Settings) -> None:
        self.view = view
        self.library = library
        self.settings = settings

    # -- plumbing ----------------------------------------------------------------------
    def say(self, text: str, severity: str = "information", timeout: float = 3) -> None:
        """A notification; keys, titles and paths are user text, never markup."""
        self.view.notify(text, severity=severity, timeout=timeout, markup=False)

    def say_from_thread(self, text: str, severity: str = "information", timeout: float = 3) -> None:
        self.view.app.call_from_thread(self.say, text, severity, timeout)

    def _selected(self) -> Selection | None:
        selection = self.view.selection()
        if not selection.papers:
            self.say("No paper selected.", "warning", 8)
            return None
        return selection

    def _current(self) -> Paper | None:
        paper = self.view.selection().current
        if paper is None:
            self.say("No paper selected.", "warning", 8)
        return paper

    def _dialog(self, coroutine: Coroutine[Any, Any, None]) -> None:
        self.view.run_worker(coroutine, group="dialog", exit_on_error=False)

    def write(self, change: Callable[[], str | Notice | None]) -> None:
        """Run ``change`` (library calls) off the UI thread; its message becomes a
        notification, and every view hears that the papers changed."""

        def run() -> None:
            try:
                message = change()
            finally:
                self.view.app.post_message(PapersChanged())
            if isinstance(message, str):
                message = Notice(message)
            if message:
                # Routine confirmations go quickly (triage is fast); problems stay.
                timeout = 3 if message.severity == "information" else 10
                self.say_from_thread(message.text, message.severity, timeout)

        self.view.run_worker(run, thread=True, group="write", exit_on_error=False)

    def apply(
        self,
        selection: Selection,
        papers: Sequence[Paper],
        change: Change,
        label: str = "",
    ) -> None:
        """Apply ``change`` to ``papers`` as they are on disk when it runs; a change
        to marked papers clears their marks (README "Marks"). ``label`` names the
        change in the message and the undo history (default: the change's own)."""
        ids = list(selection.ids) if papers is selection.papers else [p.id for p in papers]
        marked = len(ids) if selection.from_marks else 0
        if marked:
            self.view.marks_used(ids)

        one = papers[0].key if len(papers) == 1 else ""

        def run() -> str:
            what = one or papers_text(len(ids))
            changed = self.library.edit(ids, change, label=f"{label}: {what}" if label else "")
            if one:  # say which paper: in triage the cursor has moved on already
                text = f"{one}: {label}" if label else change.describe(1).replace("1 paper", one)
                return text + ("" if changed else " (no change)")  # a key keeps its case
            if label:
                text = f"{capitalised(label)}: {papers_text(len(changed))} changed"
            else:
                text = capitalised(change.describe(len(changed)))
            if marked:
                text += f" ({marked} marked; marks cleared)"
            return text

        self.write(run)

    # -- tags, status, rating, priority ---------------------------------------------------
    def add_tags(self) -> None:
        from .screens.tag_dialog import TagDialog

        selection = self._selected()
        if selection is None:
            return

        async def ask() -> None:
            # (off the event loop: a write under way holds the library)
            known = list(await asyncio.to_thread(self.library.tag_counts))
            title = f"Add tags to {self._what(selection)}"
            tags = await self.view.app.push_screen_wait(TagDialog(title, known))
            if tags:
                self.apply(selection, selection.papers, Change(add_tags=tuple(tags)))

        self._dialog(ask())

    def remove_tags(self) -> None:
        from .screens.tag_dialog import TagDialog

        selection = self._selected()
        if selection is None:
            return

        async def ask() -> None:
            # (off the event loop: 10,000 marked papers are read to list their tags)
            present = await asyncio.to_thread(
                lambda: sorted({t for p in selection.papers for t in p.tags}, key=str.casefold)
            )
            title = f"Remove tags from {self._what(selection)}"
            tags = await self.view.app.push_screen_wait(TagDialog(title, present))
            if tags:
                self.apply(selection, selection.papers, Change(remove_tags=tuple(tags)))

        self._dialog(ask())

    @staticmethod
    def _what(selection: Selection) -> str:
        if selection.from_marks:
            return f"{papers_text(len(selection.papers))} (marked)"
        return selection.papers[0].key

    def cycle_status(self) -> None:
        selection = self._selected()
        if selection is None:
            return
        current = selection.current
        anchor = current if selection.holds(current) else selection.papers[0]
        assert anchor is not None
        status = next_status(anchor.status)
        self.apply(selection, selection.papers, Change(fields={"status": status}))

    def set_status(self, status: str) -> None:
        selection = self._selected()
        if selection is not None:
            self.apply(selection, selection.papers, Change(fields={"status": status}))

    def skip(self) -> None:
        """Mark skipped and move on: triage one paper after another."""
        selection = self._selected()
        if selection is None:
            return
        self.apply(selection, selection.papers, Change(fields={"status": "skipped"}))
        if not selection.from_marks:
            self.view.advance()

    def rate(self, stars: int) -> None:
        selection = self._selected()
        if selection is None:
            return
        change = Change(fields={"rating": stars or None})
        self.apply(selection, selection.papers, change, f"rated {_rating_label(stars)}")

    def cycle_priority(self) -> None:
        selection = self._selected()
        if selection is None:
            return
        anchor = selection.current if selection.holds(selection.current) else None
        current = (anchor or selection.papers[0]).priority
        priority = {None: 1, 1: 2, 2: 3}.get(current)
        label = f"priority {priority}" if priority else "no priority"
        self.apply(selection, selection.papers, Change(fields={"priority": priority}), label)

    # -- note and BibTeX editing ---------------------------------------------------------------
    def edit_note(self) -> None:
        from .screens.note_dialog import NoteDialog

        paper = self._current()
        if paper is None:
            return

        async def ask() -> None:
            note = await self.view.app.push_screen_wait(
                NoteDialog(f"Note for {paper.key}", paper.notes)
            )
            if note is not None and note != paper.notes:
                self.apply(Selection([paper], paper), [paper], Change(fields={"notes": note}))

        self._dialog(ask())

    def edit_entry(self) -> None:
        """``E``: the paper as BibTeX in ``$EDITOR`` (the form ``readinglist edit``
        opens); the fields the user changed are applied."""
        from ..core.editform import EditError, entry_text, form_change, run_editor, with_error
        from .editor import suspended
        from .screens.confirm import ConfirmDialog

        paper = self._current()
        if paper is None:
            return

        async def edit() -> None:
            written = entry_text(paper, self.library.bibfiles)
            text = written
            while True:
                try:
                    with suspended(self.view.app):
                        edited = run_editor(text, suffix=".bib")
                except EditError as exc:
                    self.say(f"{capitalised(str(exc))}.", "error", 10)
                    return
                if edited is None or (text != written and edited == text):
                    self.say(f"Edit of {paper.key} cancelled: nothing changed.")
                    return
                try:
                    change = form_change(written, edited)
                except EditError as exc:
                    again = ConfirmDialog(f"{capitalised(str(exc))}. Edit again?")
                    if await self.view.app.push_screen_wait(again):
                        text = with_error(edited, str(exc))
                        continue
                    self.say(f"Edit of {paper.key} cancelled: nothing changed.")
                    return
                break
            if change is None:
                self.say(f"Edit of {paper.key} cancelled (the file was emptied).")
            elif change == Change():
                self.say(f"{paper.key}: nothing changed.")
            else:
                self.apply(Selection([paper], paper), [paper], change)

        self._dialog(edit())

    # -- delete and undo -------------------------------------------------------------------
    def delete(self) -> None:
        from .screens.confirm import ConfirmDialog

        selection = self._selected()
        if selection is None:
            return

        async def ask() -> None:
            papers = selection.papers
            what = papers[0].key if len(papers) == 1 else papers_text(len(papers))
            if not await self.view.app.push_screen_wait(ConfirmDialog(f"Delete {what}?")):
                return
            ids = list(selection.ids)
            if selection.from_marks:
                self.view.marks_used(ids)

            def change() -> str:
                gone = self.library.delete(ids)
                if not gone:
                    return "Nothing deleted: those papers were already gone."
                what = gone[0].key if len(gone) == 1 else papers_text(len(gone))
                return f"Deleted {what} (u to undo)"

            self.write(change)

        self._dialog(ask())

    def undo(self) -> None:
        def change() -> str:
            report = self.library.undo()
            if report is None:
                return "Nothing to undo."
            return capitalised(report.summary())

        self.write(change)

    # -- export, copy, open ------------------------------------------------------------------
    def export(self) -> None:
        from ..core.bibupdate import existing_bib
        from .screens.export_dialog import ExportChoice
        from .screens.path_prompt import PathPrompt

        selection = self._selected()
        if selection is None:
            return

        async def ask() -> None:
            papers = selection.papers
            title = f"Export {self._what(selection)} to a BibTeX file"
            path_text = await self.view.app.push_screen_wait(
                PathPrompt(title, self.settings.export_path)
            )
            if not path_text:
                return
            path = Path(path_text).expanduser()
            try:  # reading a large .bib takes a moment: not on the UI's loop
                found = await asyncio.to_thread(lambda: existing_bib(path, [p.key for p in papers]))
            except ReadinglistError as exc:
                self.say(str(exc), "error", 8)
                return
            update = False
            if found.data is not None:
                choice = await self.view.app.push_screen_wait(
                    ExportChoice(path, found, len(papers))
                )
                if choice == "cancel":
                    self.say("Export cancelled: nothing written.")
                    return
                update = choice == "update"
            self._export(papers, path, update)

        self._dialog(ask())

    def _export(self, papers: Sequence[Paper], path: Path, update: bool) -> None:
        from ..core.bibtex import export_library
        from ..core.bibupdate import write_export

        def run() -> str:
            text = export_library(self.library, papers)
            written = write_export(self.library, path, text, papers=len(papers), update=update)
            self.library.mark_used(p.id for p in papers)  # the keys have left the library
            return written.summary() + " (u to undo)"

        self.write(run)

    def copy_keys(self) -> None:
        selection = self._selected()
        if selection is None:
            return
        try:  # a hand-edited key that would break the \cite it is pasted into
            check_keys(selection.papers)
        except ReadinglistError as exc:
            self.say(str(exc), "error", timeout=8)
            return
        keys = ",".join(p.key for p in selection.papers)
        self.view.app.copy_to_clipboard(keys)
        what = f" of the {len(selection.papers)} marked papers" if selection.from_marks else ""
        self.say(f"Copied {keys}" if len(keys) < 60 else f"Copied the keys{what}")
        ids = [p.id for p in selection.papers]

        def used() -> None:
            self.library.mark_used(ids)  # the keys have left the library

        self.write(used)

    def open_link(self) -> None:
        from ..core.links import paper_links
        from .screens.link_dialog import LinkDialog

        paper = self._current()
        if paper is None:
            return
        links = paper_links(paper)
        if not links:
            self.say(f"{paper.key} has no link to open.", "warning", 8)
            return
        if len(links) == 1:
            self._open(links[0].url)
            return

        async def ask() -> None:
            url = await self.view.app.push_screen_wait(LinkDialog(paper.key, links))
            if url:
                self._open(url)

        self._dialog(ask())

    def _open(self, url: str) -> None:
        opener: Callable[[str], object] = getattr(self.view.app, "url_opener", webbrowser.open)

        def run() -> None:
            opened = opener(url)
            if opened is False:
                message = f"No web browser could be started for {url} (set $BROWSER)."
                self.say_from_thread(message, "warning", 10)
            else:
                self.say_from_thread(f"Opened {url}")

        self.view.run_worker(run, thread=True, group="open", exit_on_error=False)

    # -- import ------------------------------------------------------------------------------
    def import_file(self, progress: Callable[[int, int], None] | None = None) -> None:
        from .screens.path_prompt import PathPrompt

        async def ask() -> None:
            path = await self.view.app.push_screen_wait(
                PathPrompt("Import a file (Daily Papers listing or .bib)")
            )
            if path:
                self._import(Path(path).expanduser(), progress)

        self._dialog(ask())

    def _import(self, path: Path, progress: Callable[[int, int], None] | None) -> None:
        from ..core.importers import parse_file

        def run() -> Notice:
            if not path.is_file():  # (a FIFO with no writer would hold the library's lock)
                if not path.exists():
                    raise ReadinglistError(f"no such file: {path}")
                if path.is_dir():
                    raise ReadinglistError(f"{path} is a directory, not a file")
                raise ReadinglistError(
                    f"{path} is not a regular file; pipes and devices are read by "
                    "readinglist import, not here"
                )
            result = parse_file(path)
            report = self.library.import_parsed(result, progress=progress)
            failed = len(report.failed)
            summary = (
                f"Imported {path.name}: {len(report.added)} added, {len(report.merged)} merged, "
                f"{report.skipped} unchanged, {failed} failed"
            )
            lines = [*report.notes, *map(str, result.repaired), *map(str, report.failed)]
            more = (
                f"\n… and {len(lines) - 4} more (readinglist import prints all)"
                if len(lines) > 4
                else ""
            )
            detail = ("\n" + "\n".join(lines[:4]) + more) if lines else ""
            return Notice(summary + detail, "warning" if failed or report.notes else "information")

        self.write(run)
