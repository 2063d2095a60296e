"""The actions that change papers or leave the app: tag, status, note, export, copy,
open, delete, undo, import.

Dialogs are awaited in async workers; every library call (disk I/O) runs in a
thread worker under the screen's lock, and only ``call_from_thread`` comes back to
the UI, so typing never waits for a save. Edits are sent as deltas
(:class:`~readinglist.core.changes.Change`) when the user confirms: the library
applies them to each paper as it is on disk then, so nothing another process wrote
meanwhile is lost. Undo is the library's shared history.
"""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.widgets import ProgressBar

from ..core.changes import Change
from ..core.errors import ReadinglistError
from ..core.library import Library
from ..core.model import Paper, next_status
from .screens.confirm import ConfirmDialog
from .screens.note_dialog import NoteDialog
from .screens.path_prompt import PathPrompt
from .screens.tag_dialog import TagDialog

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

    if TYPE_CHECKING:

        @property
        def paper_list(self) -> PaperList: ...

        def refresh_results(self, keep_id: str | None = None) -> None: ...

        refresh_counts: Callable[[], object]

    def _targets(self) -> list[Paper]:
        papers = self.paper_list.targets()
        if not papers:
            self.notify("No paper selected.", severity="warning")
        return papers

    # -- writing ---------------------------------------------------------------------
    @work(thread=True, group="write", exit_on_error=False)
    def write(self, change: Callable[[], str | None]) -> None:
        """Run ``change`` (library calls) off the UI thread and show the message it
        returns."""
        try:
            with self.library_lock:
                message = change()
        finally:
            self.app.call_from_thread(self._written)
        if message:
            self.app.call_from_thread(self.notify, message)

    def _written(self) -> None:
        self.refresh_results()
        self.refresh_counts()

    def apply(self, papers: Sequence[Paper], change: Change) -> None:
        """Apply ``change`` to ``papers`` as they are on disk when it runs."""
        ids = [p.id for p in papers]

        def run() -> str:
            changed = self.library.edit(ids, change)
            label = change.describe(len(changed))
            return label[0].upper() + label[1:]

        self.write(run)

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
            self.apply(papers, Change(add_tags=tuple(tags)))

    @work(group="dialog")
    async def action_remove_tags(self) -> None:
        papers = self._targets()
        if not papers:
            return
        present = sorted({t for p in papers for t in p.tags}, key=str.casefold)
        title = f"Remove tags from {_papers(len(papers))}"
        tags = await self.app.push_screen_wait(TagDialog(title, present))
        if tags:
            self.apply(papers, Change(remove_tags=tuple(tags)))

    def action_cycle_status(self) -> None:
        papers = self._targets()
        if not papers:
            return
        current = self.paper_list.current
        anchor = current.paper if current and current.paper in papers else papers[0]
        self.apply(papers, Change(fields={"status": next_status(anchor.status)}))

    @work(group="dialog")
    async def action_edit_note(self) -> None:
        current = self.paper_list.current
        if current is None:
            self.notify("No paper selected.", severity="warning")
            return
        paper = current.paper
        note = await self.app.push_screen_wait(NoteDialog(f"Note for {paper.key}", paper.notes))
        if note is not None and note != paper.notes:
            self.apply([paper], Change(fields={"notes": note}))

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

        def change() -> str:
            gone = self.library.delete(ids)
            if not gone:
                return "Nothing deleted: those papers were already gone."
            return f"Deleted {gone[0].key if len(gone) == 1 else _papers(len(gone))} (u to undo)"

        self.paper_list.marks.difference_update(ids)
        self.write(change)

    def action_undo(self) -> None:
        def change() -> str:
            report = self.library.undo()
            if report is None:
                return "Nothing to undo."
            summary = report.summary()
            return summary[0].upper() + summary[1:]

        self.write(change)

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
        from ..core.bibtex import export_library, write_bibtex

        path = Path(path_text).expanduser()
        with self.library_lock:
            text = export_library(self.library, papers)
        write_bibtex(path, text)
        with self.library_lock:
            self.library.mark_used(p.id for p in papers)
        self.app.call_from_thread(self.notify, f"Exported {_papers(len(papers))} to {path}")

    def action_copy_keys(self) -> None:
        papers = self._targets()
        if papers:
            keys = ",".join(p.key for p in papers)
            self.app.copy_to_clipboard(keys)
            self.notify(f"Copied {keys}" if len(keys) < 60 else f"Copied {len(papers)} keys")
            ids = [p.id for p in papers]

            def used() -> None:
                self.library.mark_used(ids)

            self.write(used)

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
                report = self.library.import_parsed(result, progress=progress)
        finally:
            self.app.call_from_thread(setattr, bar, "display", False)
            self.app.call_from_thread(self._written)
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
        severity = "warning" if failed or report.notes else "information"
        self.app.call_from_thread(self.notify, summary + detail, severity=severity, timeout=8)
