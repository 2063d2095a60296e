"""Papers coming in: an import plans each paper against the library (add, merge, or
keep apart: :mod:`..importing`) and writes them in one transaction (see :mod:`.base`);
a large file is planned and indexed while another core parses it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from ..changes import diff
from ..importers.background import BackgroundParse
from ..importers.base import ParseResult
from ..importing import ImportPlan, ImportReport
from ..memory import gc_paused
from ..model import BibFile, Paper, added_stamps, now_iso
from ..search import SearchIndex
from .base import LibraryBase, Progress
from .history import Entry, fingerprint_doc


class Imports(LibraryBase):
    """Papers brought into the library."""

    def import_papers(
        self,
        papers: Iterable[Paper],
        *,
        tags: Sequence[str] = (),
        tag_existing: bool = False,
        progress: Progress | None = None,
        label: str = "import",
    ) -> ImportReport:
        """Add papers, merging those already in the library (see
        :mod:`..importing`); one write for all."""
        incoming = list(papers)
        # An import makes several objects per paper and nothing cyclic: the collector
        # would rescan the library's millions of objects again and again for nothing.
        with gc_paused(freeze=True), self.transaction():
            stamp = now_iso()
            plan = self._plan(stamp, tags, tag_existing)
            for done, paper in enumerate(incoming, 1):
                plan.offer(paper)
                if progress is not None and (done % 500 == 0 or done == len(incoming)):
                    progress(done, len(incoming))
            report = self._write_plan(plan, stamp, label)
        return report

    def _plan(self, stamp: str, tags: Sequence[str], tag_existing: bool) -> ImportPlan:
        """An import's decisions, against the papers as they are now."""
        store = self._store
        return ImportPlan(
            store.papers,
            dict(store.keys),  # (keys given to new papers are reserved in it)
            store.dupes,
            key_pattern=self.key_pattern,
            added=added_stamps(stamp),
            updated=stamp,
            tags=tags,
            tag_existing=tag_existing,
        )

    def _write_plan(self, plan: ImportPlan, stamp: str, label: str) -> ImportReport:
        """Store what ``plan`` decided (inside the transaction that made it, or one
        that found the file as the plan saw it)."""
        store = self._store
        prints: dict[str, str] = {}
        store.insert(
            plan.new, plan.indexed, lambda pid, doc: prints.__setitem__(pid, fingerprint_doc(doc))
        )
        # A listing paper that gains authors and a year here (``add`` of its arXiv
        # id, a Daily Papers day) gets its key made again, as an edit would.
        originals = [plan.originals[i] for i in plan.pending]
        merged = [self._rederive_key(plan.originals[i], p) for i, p in plan.pending.items()]
        store.replace(zip(originals, merged, strict=True))
        report = plan.report
        report.added = plan.new
        report.merged = merged
        report.before = originals
        edits = {p.id: diff(plan.originals[p.id], p) for p in report.merged}
        self._record(Entry(label, stamp, added=prints, edits=edits))
        return report

    def import_parsed(
        self,
        result: ParseResult,
        *,
        tags: Sequence[str] = (),
        tag_existing: bool = False,
        progress: Progress | None = None,
        label: str = "",
    ) -> ImportReport:
        """Import what a parser read from one file (see :mod:`..importers`), with a
        ``.bib`` file's ``@preamble``s and ``@string``s, in one transaction."""
        with self.transaction():
            self._store_macros(result)
            report = self.import_papers(
                result.papers,
                tags=tags,
                tag_existing=tag_existing,
                progress=progress,
                label=label or f"import of {result.source or 'input'}",
            )
        report.failed = list(result.failures)
        return report

    def _store_macros(self, result: ParseResult) -> None:
        if result.preambles or result.strings:
            self._store.store_bibfile(
                BibFile(result.source, tuple(result.preambles), dict(result.strings))
            )

    def import_background(
        self,
        parse: BackgroundParse,
        *,
        tags: Sequence[str] = (),
        tag_existing: bool = False,
        progress: Progress | None = None,
    ) -> tuple[ImportReport, ParseResult]:
        """Import what ``parse`` reads while it reads it (on another core): each paper
        is planned against the library as it is now and indexed as it arrives, so
        that the index is ready, and saved, when the import is written. The write
        takes the library as every change does; if another process changed the file
        meanwhile, the import is planned again under the lock and indexed after. A
        refused input (a truncated file) writes nothing."""
        received: list[Paper] = []
        with gc_paused(freeze=True), self._guard:
            if self.lazy or self._indexer.index is not None:  # (an index kept current)
                for batch in parse.batches():
                    received.extend(batch)
                result = replace(parse.outcome(), papers=received)
                report = self.import_parsed(
                    result, tags=tags, tag_existing=tag_existing, progress=progress
                )
                return report, result
            if self.changed_on_disk():
                self.reload()
            seen = self._store.signature
            stamp = now_iso()
            plan = self._plan(stamp, tags, tag_existing)
            index = SearchIndex(self._store.papers.values(), fields=self.search_fields)
            indexed: list[Paper] = []  # each new paper as it was indexed
            for batch in parse.batches():
                received.extend(batch)
                start = len(indexed)
                for paper in batch:
                    plan.offer(paper)
                    indexed.extend(plan.new[len(indexed) :])
                index.add_many(indexed[start:], finish=False)
                if progress is not None:
                    progress(len(received), 0)
            result = parse.outcome()  # (a refusal: nothing was written)
            index.finish_bulk()
            # (a new paper that a later duplicate in the input completed is indexed
            # again when the write is told to the index, as any changed paper is)
            label = f"import of {result.source or 'input'}"
            with self.transaction():
                if self._store.signature != seen:  # another process wrote meanwhile
                    result = replace(result, papers=received)
                    report = self.import_parsed(
                        result, tags=tags, tag_existing=tag_existing, progress=progress
                    )
                    return report, result
                self._indexer.install(index)
                self._store_macros(result)
                report = self._write_plan(plan, stamp, label)
        report.failed = list(result.failures)
        return report, replace(result, papers=received)
