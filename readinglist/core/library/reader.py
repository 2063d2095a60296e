"""One-shot queries (``list QUERY``, ``export QUERY``, an editor's picker) without
opening the library: answered from the saved search index brought up to date with
the file (a few hundred papers read, not 150k). A library with no usable index is
read whole once, and its index saved for the next query. Whatever needs more than a
query (a change, every paper) gets the :class:`~.library.Library`, opened from the
same view of the file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..keys import DEFAULT_PATTERN
from ..model import BibFile, Paper
from .catchup import SavedView, StaleIndex, open_view
from .library import Library


class Reader:
    """Queries on the library at ``path``, and the library itself when needed."""

    def __init__(
        self,
        path: Path,
        *,
        key_pattern: str = DEFAULT_PATTERN,
        search_fields: Iterable[str] | None = None,
    ) -> None:
        self.path = path
        self.key_pattern = key_pattern
        self.search_fields = None if search_fields is None else tuple(search_fields)
        self._view: SavedView | None = None
        self._library: Library | None = None

    def search(self, query: str, limit: int | None = None) -> list[Paper]:
        """Papers the query matches, best first (every paper, newest first, for an
        empty query: the library is read whole for that, which is faster)."""
        if self._library is None and query.strip():
            view = self._view or open_view(self.path, self.search_fields)
            if view is not None:
                try:
                    papers = [hit.paper for hit in view.search(query, limit)]
                except StaleIndex:
                    view.close()  # a line moved unexpectedly: read the library
                    self._view = None
                else:
                    if view.worth_saving:
                        view.save()  # so that the next query need not catch up again
                    self._view = view
                    return papers
            library = self.library(whole=True)
            papers = [hit.paper for hit in library.search(query, limit=limit)]
            library.save_index()  # (built by this search) for the next query
            return papers
        library = self.library(whole=not query.strip())
        return [hit.paper for hit in library.search(query, limit=limit)]

    @property
    def bibfiles(self) -> Mapping[str, BibFile]:
        """The imported ``.bib`` files' macros and preambles (for an export)."""
        if self._library is None and self._view is not None:
            return self._view.bibfiles
        return self.library().bibfiles

    def mark_used(self, papers: Sequence[Paper]) -> None:
        """Record that these papers' keys left the library (see
        :meth:`.Library.mark_used`)."""
        if not all(p.key_used for p in papers):
            self.library().mark_used(p.id for p in papers)

    def library(self, *, whole: bool = False) -> Library:
        """The library, opened once: from the view a query used, else from the saved
        index, else (or when asked for ``whole``: a command that reads every paper)
        read whole."""
        if self._library is None:
            view, self._view = self._view, None
            self._library = Library.open(
                self.path,
                key_pattern=self.key_pattern,
                search_fields=self.search_fields,
                lazy=not whole,
                view=view,
            )
        return self._library

    def close(self) -> None:
        if self._view is not None:
            self._view.close()
            self._view = None
