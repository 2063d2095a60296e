"""Deciding, paper by paper, what an import does: add, merge, or keep apart (SPEC §4).

The rules protect the user's citation keys:

* Entries of one ``.bib`` file with different keys are different papers, never merged
  (TAOCP volumes 1 and 2, a preprint and its proceedings version).
* A ``.bib`` entry merges into a paper already in the library only on strong evidence
  (same arXiv id; same DOI and title; same title, first author and year). Its key then
  stays usable as an alias of that paper. Weaker evidence keeps the two apart and
  says so.
* An entry whose key is already another paper's gets a suffix, and the report says so.
* A ``.bib`` entry for a paper that came from a Daily Papers listing brings its
  bibliographic fields; the listing's tags, status and notes stay.
* Listing papers (no key of their own) merge on any evidence, as before.

Re-importing a file is idempotent: an entry whose key and file match a stored paper is
that paper. ``tags`` given to an import go on the papers it adds, not on papers it
finds already there (so re-importing a listing does not undo triage), unless
``tag_existing``.

:class:`ImportPlan` runs inside the library's transaction and only decides; the library
writes what it decided.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace

from .importers.base import ImportFailure
from .keys import assign_key
from .merge import DuplicateIndex, Match, merge_into
from .model import Paper, merge_tags, new_id


@dataclass(slots=True)
class ImportReport:
    """What an import did, paper by paper; ``notes`` name every merge, every likely
    duplicate kept apart and every key that had to change."""

    added: list[Paper] = field(default_factory=list)
    merged: list[Paper] = field(default_factory=list)
    before: list[Paper] = field(default_factory=list)
    unchanged: list[Paper] = field(default_factory=list)  # already stored, nothing new
    failed: list[ImportFailure] = field(default_factory=list)
    merged_within: int = 0  # duplicates inside the imported batch, folded into one paper
    notes: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.unchanged)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.merged) + self.merged_within} merged, "
            f"{self.skipped} skipped, {len(self.failed)} failed"
        )


def _bib_file(paper: Paper) -> str | None:
    return next((s.file for s in paper.sources if s.kind == "bibtex"), None)


def _listing_only(paper: Paper) -> bool:
    return bool(paper.sources) and all(s.kind == "dailypapers" for s in paper.sources)


# Fields a .bib entry brings to a paper first seen in a listing.
_BIBLIOGRAPHIC = ("title", "authors", "year", "venue", "entry_type", "doi", "url", "arxiv")


def adopt_bibtex(listed: Paper, entry: Paper) -> Paper:
    """A listing paper with a ``.bib`` entry's bibliographic fields (the entry wins);
    the listing's tags, status, notes, rating and abstract (if the entry has none)
    stay."""
    changes: dict[str, object] = {name: getattr(entry, name) for name in _BIBLIOGRAPHIC}
    changes["abstract"] = entry.abstract or listed.abstract
    changes["code_url"] = listed.code_url or entry.code_url
    changes["extra"] = {**listed.extra, **entry.extra}
    changes["raw"] = dict(entry.raw)
    changes["tags"] = merge_tags(listed.tags, entry.tags)
    changes["sources"] = listed.sources + tuple(s for s in entry.sources if s not in listed.sources)
    return replace(listed, **changes)  # type: ignore[arg-type]


class ImportPlan:
    """Decides for each incoming paper (see the module docstring).

    ``keys`` is the library's key → id map; keys given to new papers are reserved in
    it as they are decided.
    """

    def __init__(
        self,
        papers: Mapping[str, Paper],
        keys: MutableMapping[str, str],
        dupes: DuplicateIndex,
        *,
        key_pattern: str,
        added: Iterator[str],
        updated: str,
        tags: Sequence[str] = (),
        tag_existing: bool = False,
    ) -> None:
        self._papers = papers
        self._keys = keys
        self._dupes = dupes
        self._key_pattern = key_pattern
        self._added = added
        self._updated = updated
        self._tags = tuple(tags)
        self._tag_existing = tag_existing
        self.report = ImportReport()
        self.new: list[Paper] = []
        self.pending: dict[str, Paper] = {}  # merged library papers, final versions
        self.originals: dict[str, Paper] = {}
        self.indexed: dict[str, Paper] = {}  # new papers as the duplicate index has them
        self._batch: dict[str, int] = {}  # new paper id -> position in ``new``

    # -- the decisions ---------------------------------------------------------------
    def offer(self, paper: Paper) -> None:
        if _bib_file(paper) is not None:
            self._offer_entry(paper)
        else:
            self._offer_listed(paper)

    def _offer_listed(self, paper: Paper) -> None:
        """A paper without a key of its own: merge on any evidence."""
        found = self._dupes.match(paper)
        if found is None:
            self._add(self._tagged(paper), index=True)
        elif found.paper_id in self._batch:
            position = self._batch[found.paper_id]
            merged = merge_into(self.new[position], self._tagged(paper))
            if merged is self.new[position]:
                self.report.unchanged.append(merged)
            else:
                self.report.merged_within += 1
                self.new[position] = merged
        else:
            self._merge(found.paper_id, paper)

    def _offer_entry(self, paper: Paper) -> None:
        """A ``.bib`` entry: its key is the user's."""
        same = self._same_entry(paper)
        if same is not None:  # the file imported again
            self._merge(same, paper)
            return
        found = self._dupes.match(paper)
        if found is not None and found.paper_id not in self._batch:
            stored = self._current(found.paper_id)
            # A listing paper has no authors or year to compare: its same title
            # (compatible, not fuzzy) is the evidence there is.
            listed = _listing_only(stored) and found.kind == "title only"
            if (found.strong or listed) and _bib_file(stored) != _bib_file(paper):
                self._merge_entry(stored, paper, found)
                return
        fresh = self._add(self._tagged(paper), index=False)
        if found is not None and found.paper_id not in self._batch:
            other = self._current(found.paper_id)
            if _bib_file(other) != _bib_file(paper):
                self.report.notes.append(
                    f"possible duplicates: {fresh.key} ~ {other.key} ({found.reason}), kept apart"
                )

    def _same_entry(self, paper: Paper) -> str | None:
        paper_id = self._keys.get(paper.key)
        if paper_id is None or paper_id in self._batch:
            return None
        stored = self._current(paper_id)
        same_file = stored.key == paper.key and _bib_file(stored) == _bib_file(paper)
        return paper_id if same_file else None

    def _merge_entry(self, stored: Paper, entry: Paper, found: Match) -> None:
        if _listing_only(stored):
            key, alias = entry.key, stored.key
            if stored.key_used or self._keys.get(entry.key, stored.id) != stored.id:
                key, alias = stored.key, entry.key  # the old key was cited: it stays
            merged = replace(adopt_bibtex(stored, entry), key=key)
            if alias == key or (not stored.key_used and alias == stored.key):
                alias = ""
        else:
            merged, alias = merge_into(stored, entry), entry.key
        if alias and alias != merged.key and alias not in merged.aliases:
            owner = self._keys.get(alias)
            if owner is None or owner == stored.id:
                merged = replace(merged, aliases=(*merged.aliases, alias))
                self._keys[alias] = stored.id
            else:
                self.report.notes.append(
                    f"{entry.key}: the key belongs to another paper; not kept as an alias"
                )
        if _listing_only(stored):
            self.report.notes.append(
                f"{entry.key} merged into the listing paper {stored.key} ({found.reason}); "
                f"its key is now {merged.key}"
            )
        else:
            self.report.notes.append(f"{entry.key} merged into {merged.key} ({found.reason})")
        self._store_merge(stored.id, merged)

    # -- bookkeeping -------------------------------------------------------------------
    def _tagged(self, paper: Paper) -> Paper:
        return replace(paper, tags=merge_tags(paper.tags, self._tags)) if self._tags else paper

    def _current(self, paper_id: str) -> Paper:
        return self.pending.get(paper_id) or self._papers[paper_id]

    def _merge(self, paper_id: str, incoming: Paper) -> None:
        current = self._current(paper_id)
        if self._tag_existing:
            incoming = self._tagged(incoming)
        merged = merge_into(current, incoming)
        if merged is current:
            self.report.unchanged.append(current)
        else:
            self._store_merge(paper_id, merged)

    def _store_merge(self, paper_id: str, merged: Paper) -> None:
        self.originals.setdefault(paper_id, self._papers[paper_id])
        if self._tag_existing:
            merged = self._tagged(merged)
        self.pending[paper_id] = replace(merged, updated=self._updated)

    def _add(self, paper: Paper, *, index: bool) -> Paper:
        key = assign_key(paper, self._keys, self._key_pattern)
        if paper.key and key != paper.key:
            self.report.notes.append(
                f"key {paper.key!r} is taken by another paper: imported as {key!r}"
            )
        fresh = replace(paper, id=new_id(), key=key, added=next(self._added), updated=self._updated)
        self._keys[key] = fresh.id  # reserved within the batch
        if index:  # a listing: later papers of the same file may be the same paper
            self._dupes.add(fresh)
            self.indexed[fresh.id] = fresh
        self._batch[fresh.id] = len(self.new)
        self.new.append(fresh)
        return fresh
