"""Resolving papers and adding papers by id, from the TUI: the same core as
``readinglist resolve`` and ``readinglist add ID...`` (:mod:`readinglist.core.identify`).

:class:`ServiceActions` is a small object every paper screen composes (the list and
the detail view). Each lookup runs in a thread worker (group ``services``) and
shows its progress where the screen has a progress bar; the library is written
in one change (one ``u`` takes a resolve back); the outcome
comes back as one notification that names what could not be resolved and what
needs review. A service that cannot be reached is one error notification and
nothing is written, as on the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from textual.worker import get_current_worker

from ..core.identify import (
    ResolveOutcome,
    apply_matches,
    keys_for_lookups,
    needs_resolving,
    papers_from_lookups,
    proposal_line,
    why_unavailable,
)
from ..core.library import Library
from ..core.model import Paper
from .screens.add_dialog import AddByIdDialog

if TYPE_CHECKING:
    from textual.app import App

    from ..core.config import Settings
    from ..core.services import Services

__all__ = ["LookupView", "ServiceActions"]

Progress = Callable[[int, int, str], None]
SHOWN_LINES = 4  # lines of a summary in a notification; the rest is counted


class Cancelled(Exception):
    """The worker was cancelled (the app is closing): stop between two papers."""


class LookupView(Protocol):
    """What the actions need from the screen that runs them."""

    @property
    def app(self) -> App[Any]: ...

    def notify(
        self,
        message: str,
        *,
        title: str = ...,
        severity: Any = ...,
        timeout: float | None = ...,
        markup: bool = ...,
    ) -> None: ...

    def run_worker(self, work: Any, *args: Any, **kwargs: Any) -> Any: ...


def _papers(n: int) -> str:
    return f"{n} paper" if n == 1 else f"{n} papers"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def summary(outcome: ResolveOutcome) -> tuple[str, str]:
    """The notification for a resolve: its text and severity."""
    lines = [_capitalised(outcome.headline())]
    lines += [f"{old} is now {new}" for old, new in outcome.rekeyed]
    lines += [f"Review: {proposal_line(p)}" for p in outcome.review]
    lines += [f"Not resolved: {proposal_line(p)}" for p in outcome.unresolved]
    if len(lines) > SHOWN_LINES + 1:
        hidden = len(lines) - SHOWN_LINES - 1
        lines = [*lines[: SHOWN_LINES + 1], f"… and {hidden} more (readinglist resolve lists all)"]
    severity = "warning" if outcome.review or outcome.unresolved else "information"
    return "\n".join(lines), severity


class ServiceActions:
    """``resolve`` (the ``r`` key and the palette) and ``add by id`` (the palette)."""

    def __init__(
        self,
        view: LookupView,
        library: Library,
        settings: Settings,
        *,
        changed: Callable[[], object],
        progress: Callable[[tuple[int, int] | None], object] | None = None,
    ) -> None:
        """``changed`` runs on the UI thread after the library was written;
        ``progress((done, total))`` shows the progress, ``progress(None)`` hides it."""
        self.view = view
        self.library = library
        self.settings = settings
        self.changed = changed
        self.progress = progress

    # -- plumbing ------------------------------------------------------------------------
    def _say(self, text: str, severity: str = "information", timeout: float = 5) -> None:
        self.view.notify(text, severity=severity, timeout=timeout, markup=False)

    def _say_from_thread(
        self, text: str, severity: str = "information", timeout: float = 8
    ) -> None:
        self.view.app.call_from_thread(self._say, text, severity, timeout)

    @contextmanager
    def _services(self) -> Iterator[Services]:
        from ..core.services import Services, ServiceSettings

        with Services.open(ServiceSettings.load(self.settings.services)) as services:
            yield services
            for problem in services.warnings:
                self._say_from_thread(problem, "warning")

    def _step(self, label: str) -> Progress:
        """A progress callback for the services: moves the bar, stops when cancelled."""
        worker = get_current_worker()

        def step(done: int, total: int, _label: str) -> None:
            if worker.is_cancelled:
                raise Cancelled(label)
            if self.progress is not None:
                self.view.app.call_from_thread(self.progress, (done, total))

        if self.progress is not None:
            self.view.app.call_from_thread(self.progress, (0, 1))
        return step

    def _done(self) -> None:
        if self.progress is not None:
            self.view.app.call_from_thread(self.progress, None)

    # -- resolve -------------------------------------------------------------------------
    def resolve(self, papers: Sequence[Paper]) -> None:
        """Resolve ``papers`` (those without authors or a year) in a worker."""
        wanted = [p for p in papers if needs_resolving(p)]
        if not wanted:
            which = "it has" if len(papers) == 1 else f"all {len(papers)} have"
            self._say(f"Nothing to resolve: {which} authors and a year.")
            return
        self._say(f"Resolving {_papers(len(wanted))}…", timeout=3)
        self.view.run_worker(
            lambda: self._resolve(wanted),
            thread=True,
            group="services",
            exit_on_error=False,
        )

    def _resolve(self, papers: Sequence[Paper]) -> None:
        try:
            with self._services() as services:
                proposals = services.resolve(papers, progress=self._step("resolve"))
                unreachable = services.unreachable
        except Cancelled:
            return
        finally:
            self._done()
        missing = [p for p in proposals if p.verdict == "unavailable"]
        if missing:
            text = f"{why_unavailable(unreachable, missing[0].message)}; nothing changed"
            self._say_from_thread(_capitalised(text), "error", 10)
            return
        try:
            applied = apply_matches(self.library, proposals)
        finally:
            self.view.app.call_from_thread(self.changed)
        text, severity = summary(ResolveOutcome(list(proposals), applied))
        self._say_from_thread(text, severity, 12)

    # -- add by id -----------------------------------------------------------------------
    def add_by_id(self) -> None:
        """Ask for ids (a dialog), then look them up and add them in a worker."""

        async def ask() -> None:
            ids = await self.view.app.push_screen_wait(AddByIdDialog())
            if ids:
                self.view.run_worker(
                    lambda: self._add(ids),
                    thread=True,
                    group="services",
                    exit_on_error=False,
                )

        self.view.run_worker(ask(), group="dialog", exit_on_error=False)

    def _add(self, ids: Sequence[str]) -> None:
        try:
            with self._services() as services:
                results = services.lookup(ids, progress=self._step("add"))
                unreachable = services.unreachable
        except Cancelled:
            return
        finally:
            self._done()
        failed = [r for r in results if r.status in ("unavailable", "error")]
        if failed:
            text = f"{why_unavailable(unreachable, failed[0].message)}; nothing added"
            self._say_from_thread(_capitalised(text), "error", 10)
            return
        problems = [r.message for r in results if r.status in ("invalid", "not_found")]
        papers = papers_from_lookups(results)
        if not papers:
            self._say_from_thread(_capitalised("; ".join(problems)), "error", 10)
            return
        label = f"add {ids[0]}" if len(ids) == 1 else f"add {len(papers)} papers"
        try:
            report = self.library.import_papers(papers, label=label)
        finally:
            self.view.app.call_from_thread(self.changed)
        keys = ", ".join(keys_for_lookups(results, report))
        new = report.added or report.merged
        lines = [f"Added {keys}" if new else f"Already in the library: {keys}"]
        lines += [_capitalised(p) for p in problems]
        self._say_from_thread("\n".join(lines), "warning" if problems else "information")
