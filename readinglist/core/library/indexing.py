"""The search index of one library through its life: restored from the saved index or
built, told of every change, warmed up in the background, and saved for the next
reader.

A :class:`~.library.Library` owns one :class:`Indexer` and tells it of every change
(its own writes and other processes', found when the file is read again) as
transitions, each with the version it replaces; the indexer never reads a paper back
to learn what it was. Callers (the TUI, the CLI) hold no index policy: they search,
and at most ask the library to warm its index up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from ..model import BibFile, Paper
from ..search import SearchIndex
from .catchup import RESAVE_AFTER, SavedView, open_view
from .fileformat import Line, Signature
from .savedindex import Capture, index_path
from .store import Transition


def unsearched(old: Paper, new: Paper) -> bool:
    """True if the change from ``old`` to ``new`` is one no search can see: only when
    the key was used or the paper last saved."""
    return replace(old, key_used="", updated="") == replace(new, key_used="", updated="")


def searched_changes(transitions: Mapping[str, Transition]) -> int:
    """How many of the transitions a search can see."""
    return sum(
        1
        for before, after in transitions.values()
        if before is None or after is None or not unsearched(before, after)
    )


class Indexer:
    """Holds the library's search index (None until it is restored or built) and
    keeps it equal to what a fresh build from the papers would give."""

    def __init__(
        self,
        path: Path,
        fields: Iterable[str] | None,
        read_paper: Callable[[str], Paper],
    ) -> None:
        self.path = path
        self.fields = None if fields is None else tuple(fields)
        self._read_paper = read_paper
        self.index: SearchIndex | None = None
        # Restored from an index far behind the file: saving it again spares the next
        # reader the catching up.
        self.outdated = False
        # While an index is built from a snapshot elsewhere, the papers changed
        # meanwhile: their version in the snapshot, and their version now.
        self._touched: dict[str, Transition] | None = None
        self._build_lock = threading.Lock()  # one warm-up at a time

    # -- getting an index -------------------------------------------------------------
    def restore(self) -> SavedView | None:
        """The saved index brought up to date with the file, or None."""
        return open_view(self.path, self.fields)

    def adopt(self, view: SavedView) -> None:
        """Take the restored index of ``view`` (whose file the store now reads)."""
        self.index = view.index
        self.index.read_papers_with(self._read_paper)
        self.outdated = view.worth_saving

    def build(self, papers: Iterable[Paper]) -> SearchIndex:
        """Build the index from every paper (held as the library's from now on)."""
        if self.index is None:
            self.index = SearchIndex(papers, fields=self.fields)
        return self.index

    def snapshot_started(self) -> None:
        """An index is being built elsewhere from a snapshot of the papers: remember
        what changes meanwhile (see :meth:`install`)."""
        self._touched = {}

    def install(self, index: SearchIndex) -> None:
        """Adopt an index built from a snapshot, catching up on the papers changed
        since (call where nothing changes the library)."""
        touched, self._touched = self._touched or {}, None
        if self.index is not None:
            return
        self.index = index
        index.read_papers_with(self._read_paper)
        self._apply(touched)

    # -- changes ------------------------------------------------------------------------
    def apply(self, transitions: Mapping[str, Transition]) -> None:
        """Tell the index (or a build under way) of changed papers."""
        if not transitions:
            return
        if self._touched is not None:
            for paper_id, (before, after) in transitions.items():
                first = self._touched.get(paper_id)
                self._touched[paper_id] = (before if first is None else first[0], after)
        self._apply(transitions)

    def _apply(self, transitions: Mapping[str, Transition]) -> None:
        if self.index is None or not transitions:
            return
        self.index.apply(
            (before, after, before is not None and after is not None and unsearched(before, after))
            for before, after in transitions.values()
        )

    # -- saving --------------------------------------------------------------------------
    @property
    def saved(self) -> bool:
        """Whether an index is saved beside the library (current or not)."""
        return index_path(self.path).is_file()

    def capture(
        self,
        signature: Signature | None,
        keys: Mapping[str, str],
        bibfiles: Mapping[str, BibFile],
        *,
        lines: Mapping[str, Line] | None = None,
        stream: bool = False,
    ) -> Capture | None:
        """What saving the index needs; take it where nothing changes the library
        meanwhile (under its lock). ``stream``: the state is made part by part as it
        is written, which must then happen at once, still under the lock (at 150k
        papers a copy of the whole state is ~300 MB more). ``lines``: where each
        paper's line lies in the file, if known. None when there is nothing to save."""
        index = self.index
        if signature is None or index is None:
            return None
        index.index_abstracts()
        ids = list(index.slot_ids())
        state = index.state_parts() if stream else index.state()
        held: dict[str, list[str]] = {}
        for key, paper_id in keys.items():
            held.setdefault(paper_id, []).append(key)
        joined = ["\0".join(held.get(paper_id, ())) if paper_id else "" for paper_id in ids]
        docs = {name: bibfile.to_doc() for name, bibfile in bibfiles.items()}
        fields = tuple(sorted(index.fields))
        return Capture(self.path, signature, fields, state, ids, joined, docs, lines)


__all__ = ["RESAVE_AFTER", "Indexer", "searched_changes", "unsearched"]
