"""The actions that change papers or leave the app: tag, status, note, export, copy,
open, delete, undo, import.

Dialogs are awaited in async workers; every library call (disk I/O) runs in a
thread worker under the screen's lock, and only ``call_from_thread`` comes back to
the UI, so typing never waits for a save.
"""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.widgets import ProgressBar

from ..core.errors import ReadinglistError
from ..core.library import Library
from ..core.model import Paper, next_status
from .screens.confirm import ConfirmDialog
from .screens.note_dialog import NoteDialog
from .screens.path_prompt import PathPrompt
from .screens.tag_dialog import TagDialog
from .undo import UndoStack, UndoStep

if TYPE_CHECKING:
    from textual.screen import Screen

    from ..core.config import Settings
    from .widgets.paper_list import PaperList

    _Base = Screen[None]
else:
    _Base = object


def _papers(n: int) -> str:
    return f"{n} paper" if n == 1 else f"{n} papers"


class EditActions(_Base):
    """Mixed into :class:`~readinglist.tui.screens.main.MainScreen`."""

    library: Library
    settings: Settings
    library_lock: threading.RLock
    undo_stack: UndoStack

    if TYPE_CHECKING:

        @property
        def paper_list(self) -> PaperList: ...

        def refresh_results(self, keep_id: str | None = None) -> None: ...

        refresh_counts: Callable[[], object]

    def init_edits(self) -> None:
        self.undo_stack = UndoStack()

    def _targets(self) -> list[Paper]:
        papers = self.paper_list.targets()
        if not papers:
            self.notify("No paper selected.", severity="warning")
        return papers

    # -- writing ---------------------------------------------------------------------
    @work(thread=True, group="write", exit_on_error=False)
    def write(self, change: Callable[[], UndoStep | None], message: str) -> None:
        """Run ``change`` (library calls) off the UI thread; record its undo step."""
        try:
            with self.library_lock:
                step = change()
        finally:
            self.app.call_from_thread(self._written)
        if step is not None:
            self.app.call_from_thread(self.undo_stack.push, step)
        if message:
            self.app.call_from_thread(self.notify, message)

    def _written(self) -> None:
        self.refresh_results()
        self.refresh_counts()

    def save_edits(self, before: Sequence[Paper], after: Sequence[Paper], label: str) -> None:
        """Store ``after`` (edited versions of ``before``) as one undoable change."""

        def change() -> UndoStep:
            self.library.update(after)
            return UndoStep(label, before=tuple(before))

        self.write(change, label[0].upper() + label[1:])

    # -- tags, status, note ------------------------------------------------------------
    @work(group="dialog")
    async def action_add_tags(self) -> None:
        papers = self._targets()
        if not papers:
            return
        with self.library_lock:
            known = list(self.library.tag_counts())
        tags = await self.app.push_screen_wait(
            TagDialog(f"Add tags to {_papers(len(papers))}", known)
        )
        if tags:
            after = [p.with_tags(add=tuple(tags)) for p in papers]
            self.save_edits(papers, after, f"tagged {_papers(len(papers))} +{' +'.join(tags)}")

    @work(group="dialog")
    async def action_remove_tags(self) -> None:
        papers = self._targets()
        if not papers:
            return
        present = sorted({t for p in papers for t in p.tags}, key=str.casefold)
        title = f"Remove tags from {_papers(len(papers))}"
        tags = await self.app.push_screen_wait(TagDialog(title, present))
        if tags:
            after = [p.with_tags(remove=tuple(tags)) for p in papers]
            self.save_edits(papers, after, f"untagged {_papers(len(papers))} -{' -'.join(tags)}")

    def action_cycle_status(self) -> None:
        papers = self._targets()
        if not papers:
            return
        current = self.paper_list.current
        anchor = current.paper if current and current.paper in papers else papers[0]
        status = next_status(anchor.status)
        after = [p.with_status(status) for p in papers]
        self.save_edits(papers, after, f"{_papers(len(papers))} → {status}")

    @work(group="dialog")
    async def action_edit_note(self) -> None:
        current = self.paper_list.current
        if current is None:
            self.notify("No paper selected.", severity="warning")
            return
        paper = current.paper
        note = await self.app.push_screen_wait(NoteDialog(f"Note for {paper.key}", paper.notes))
        if note is not None and note != paper.notes:
            self.save_edits([paper], [replace(paper, notes=note)], f"note saved for {paper.key}")

    # -- delete and undo -----------------------------------------------------------------
    @work(group="dialog")
    async def action_delete(self) -> None:
        papers = self._targets()
        if not papers:
            return
        what = papers[0].key if len(papers) == 1 else _papers(len(papers))
        if not await self.app.push_screen_wait(ConfirmDialog(f"Delete {what}?")):
            return
        ids = [p.id for p in papers]

        def change() -> UndoStep:
            gone = self.library.delete(ids)
            return UndoStep(f"delete {_papers(len(gone))}", deleted=tuple(gone))

        self.paper_list.marks.difference_update(ids)
        self.write(change, f"Deleted {what} (u to undo)")

    def action_undo(self) -> None:
        step = self.undo_stack.pop()
        if step is None:
            self.notify("Nothing to undo.")
            return

        def change() -> None:
            step.apply(self.library)

        self.write(change, f"Undid: {step.label}")

    # -- export, copy, open -----------------------------------------------------------------
    @work(group="dialog")
    async def action_export(self) -> None:
        papers = self._targets()
        if not papers:
            return
        default = self.settings.export_path
        title = f"Export {_papers(len(papers))} to BibTeX file"
        path = await self.app.push_screen_wait(PathPrompt(title, default))
        if path:
            self._export(papers, path)

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, papers: Sequence[Paper], path_text: str) -> None:
        from ..core.bibtex import export_bibtex, write_bibtex

        path = Path(path_text).expanduser()
        write_bibtex(path, export_bibtex(papers))
        self.app.call_from_thread(self.notify, f"Exported {_papers(len(papers))} to {path}")

    def action_copy_keys(self) -> None:
        papers = self._targets()
        if papers:
            keys = ",".join(p.key for p in papers)
            self.app.copy_to_clipboard(keys)
            self.notify(f"Copied {keys}" if len(keys) < 60 else f"Copied {len(papers)} keys")

    def action_open_link(self) -> None:
        current = self.paper_list.current
        if current is None:
            return
        link = current.paper.link
        if not link:
            self.notify("This paper has no URL or code link.", severity="warning")
            return
        self._open(link)

    @work(thread=True, group="open", exit_on_error=False)
    def _open(self, url: str) -> None:
        opener: Callable[[str], object] = getattr(self.app, "url_opener", webbrowser.open)
        opener(url)
        self.app.call_from_thread(self.notify, f"Opening {url}")

    # -- import ------------------------------------------------------------------------------
    @work(group="dialog")
    async def action_import_file(self) -> None:
        path = await self.app.push_screen_wait(
            PathPrompt("Import a file (Daily Papers listing or .bib)")
        )
        if path:
            self._import(path)

    @work(thread=True, group="write", exit_on_error=False)
    def _import(self, path_text: str) -> None:
        from ..core.importers import parse_file

        path = Path(path_text).expanduser()
        if not path.is_file():
            raise ReadinglistError(f"no such file: {path}")
        result = parse_file(path)
        bar = self.query_one("#progress", ProgressBar)

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(bar.update, total=total, progress=done)

        self.app.call_from_thread(setattr, bar, "display", True)
        try:
            with self.library_lock:
                report = self.library.import_papers(result.papers, progress=progress)
        finally:
            self.app.call_from_thread(setattr, bar, "display", False)
            self.app.call_from_thread(self._written)
        step = UndoStep(
            f"import of {path.name}",
            before=tuple(report.before),
            added_ids=tuple(p.id for p in report.added),
        )
        self.app.call_from_thread(self.undo_stack.push, step)
        failed = len(report.failed) + len(result.failures)
        summary = (
            f"Imported {path.name}: {len(report.added)} added, {len(report.merged)} merged, "
            f"{report.skipped} unchanged, {failed} failed"
        )
        first_failures = [str(f) for f in (*result.failures, *report.failed)][:3]
        detail = ("\n" + "\n".join(first_failures)) if first_failures else ""
        severity = "warning" if failed else "information"
        self.app.call_from_thread(self.notify, summary + detail, severity=severity, timeout=8)
