"""A saved search index brought up to date with the library file as it is now.

The index saved beside the library (:mod:`.savedindex`) records the version of the
file it was saved from. Opening it (:func:`open_view`):

* the file is still that version: the index answers as it is, and each paper it
  ranks is read from its own line of the file, checked against the line's checksum;
* the writers' log (:mod:`.changelog`) leads from that version to this one: only the
  papers it names are read and re-indexed, each checked as a full load checks it;
* otherwise the file is scanned line by line (no decoding) and the papers whose line
  differs from the saved checksum are re-indexed.

Anything unexpected (a file not in the layout :mod:`.fileformat` writes, a paper that
does not pass the load's checks, a damaged index, more changes than re-indexing would
be worth) gives ``None``: the caller loads the library whole, which reports the
problem as it always does.
"""

from __future__ import annotations

import os
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import LibraryError
from ..fields import SEARCH_FIELDS
from ..memory import gc_paused
from ..model import BibFile, Paper, PaperFormatError
from ..search import Hit, SearchIndex
from . import changelog
from .changelog import MAX_CHANGES
from .fileformat import (
    PAPERS_TABLE,
    Line,
    Scan,
    Signature,
    current_schema,
    document_of_line,
    fd_signature,
    outer_tables,
    read_line,
    scan_file,
)
from .papers import checked_paper
from .savedindex import Restored, read_saved, write_saved

# A view caught up with this many changes (or by reading the whole file) is worth
# saving anew: re-indexing a paper costs 1-5 ms (at 150k papers), saving the index
# ~2 s and ~300 MB more. (Keys marked used cost no re-indexing and do not count.)
RESAVE_AFTER = 300


class StaleIndex(LibraryError):
    """A paper's line is not what the saved index expects: the library must be
    loaded whole (and the index saved anew)."""


def keys_of(paper: Paper) -> str:
    """A paper's key and aliases as the saved index keeps them."""
    return "\0".join((paper.key, *paper.aliases))


class SavedView:
    """Search over a library without loading it: the saved index, brought up to date
    with the library file's current version, which it keeps open (a writer replacing
    the file meanwhile does not change what it reads)."""

    def __init__(
        self,
        path: Path,
        fd: int,
        signature: Signature,
        index: SearchIndex,
        keys: list[str],
        line_of: Callable[[str], Line | None],
        bibfiles: dict[str, BibFile],
    ) -> None:
        self.path = path
        self._fd = fd
        self.signature = signature  # the version of the library file read
        self.index = index
        self._keys = keys  # each slot's key and aliases, joined by NUL
        self._line_of = line_of  # where a paper's line lies in the file read
        self.bibfiles: Mapping[str, BibFile] = bibfiles
        self._scan: Scan | None = None  # the file read whole, if it was
        self._placement: _Placement | None = None  # else where the lines were placed
        self.changed = 0  # papers re-indexed because their line changed
        self.caught_up = ""  # how: "log" (the writers' log), "scan" (read whole), "" (current)

    @property
    def worth_saving(self) -> bool:
        """Whether the next reader would gain from saving this index now."""
        return self.caught_up == "scan" or self.changed >= RESAVE_AFTER

    def paper(self, paper_id: str) -> Paper:
        """The paper with this id, read from its line of the file (checked against
        the line's checksum: :class:`StaleIndex` if it is not the line expected)."""
        line = self._line_of(paper_id)
        if line is None:
            raise StaleIndex(f"paper {paper_id!r} is not where the index has it")
        try:
            data = read_line(self._fd, line)
        except OSError as exc:
            raise StaleIndex(f"paper {paper_id!r}: {exc}") from None
        return checked_paper(self.path, paper_id, document_of_line(data, str(self.path)))

    def search(self, query: str, limit: int | None = None) -> Sequence[Hit]:
        return self.index.search(query, limit=limit)

    def release(self) -> tuple[int, dict[str, Line], dict[str, dict[str, Any]], dict[str, str]]:
        """Hand over what a library opened from this view needs: the file (open),
        where each paper's line lies, the file's tables (the papers table empty, in
        the file's order), and each key and alias with its paper's id. The view is
        closed."""
        slots = self.index.slot_ids()
        live = [(pid, keys) for pid, keys in zip(slots, self._keys, strict=True) if pid]
        if self._scan is not None:
            lines = self._scan.papers
            tables = self._scan.tables
        else:
            lines = self._lines(slots)
            tables = outer_tables(self._fd, self.signature[1], lines.values())
        if len(lines) != len(live) or PAPERS_TABLE not in tables:
            raise StaleIndex("the index and the file disagree")
        keys = {joined: pid for pid, joined in live}
        for joined in [k for k in keys if "\0" in k]:
            pid = keys.pop(joined)
            keys.update(dict.fromkeys(joined.split("\0"), pid))
        fd, self._fd = self._fd, -1
        return fd, lines, tables, keys

    def _lines(self, slots: list[str]) -> dict[str, Line]:
        if self._placement is not None:
            return self._placement.all_lines(slots)
        line_of = self._line_of
        return {pid: line for pid in slots if pid and (line := line_of(pid)) is not None}

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> SavedView:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def catch_up(
        self,
        ids: list[str],
        changes: Mapping[str, Line | None],
        *,
        unsearched: Collection[str] = (),
    ) -> None:
        """Re-index the papers ``changes`` names (None: removed) in the index made
        of the papers ``ids`` (by slot), except those whose change no search can see
        (``unsearched``: they are only read from their new line); ValueError when a
        full load would do better, LibraryError/OSError when that load would refuse
        the file."""
        known = set(ids)
        changes = {
            pid: line for pid, line in changes.items() if pid not in unsearched or pid not in known
        }
        if len(changes) > MAX_CHANGES:
            raise ValueError("too many changes")
        if not changes:
            return
        gone = [pid for pid, line in changes.items() if line is None and pid in known]
        fresh = [self.paper(pid) for pid, line in changes.items() if line is not None]
        self._check_keys(ids, fresh, set(gone))
        self.index.replace_papers(gone + [p.id for p in fresh if p.id in known], fresh)
        self._keys.extend(map(keys_of, fresh))
        self.changed = len(gone) + len(fresh)

    def _check_keys(self, ids: list[str], fresh: list[Paper], gone: set[str]) -> None:
        """A key or alias must be one paper's: a full load refuses a file where two
        hold one (and names both), so leave such a file to that load."""
        if not fresh:
            return
        leaving = gone | {paper.id for paper in fresh}
        held: dict[str, str] = {}
        for slot, paper_id in enumerate(ids):
            if paper_id and paper_id not in leaving:
                for key in self._keys[slot].split("\0"):
                    held[key] = paper_id
        for paper in fresh:
            for key in (paper.key, *paper.aliases):
                if held.setdefault(key, paper.id) != paper.id:
                    raise ValueError("a key held by two papers")

    def save(self) -> bool:
        """Save the index as it now is (caught up), for the file version read."""
        self.index.index_abstracts()
        ids = self.index.slot_ids()
        return write_saved(
            self.path,
            self.signature,
            self.index.fields,
            self.index.state_parts(),
            [self._line_of(pid) if pid else None for pid in ids],
            self._keys,
            {name: bibfile.to_doc() for name, bibfile in self.bibfiles.items()},
        )


def open_view(path: Path, fields: Iterable[str] | None = None) -> SavedView | None:
    """The saved index of the library at ``path`` (searching ``fields``, all when
    None) brought up to date with the file, or None when only a full load can answer
    (see the module docstring)."""
    fields = SEARCH_FIELDS if fields is None else frozenset(fields) & SEARCH_FIELDS
    # Millions of long-lived objects: kept out of the cyclic collector's scans, which
    # would otherwise pause the load and, later, a keystroke for tens of ms.
    with gc_paused(freeze=True):
        return _open_view(path, fields)


def _open_view(path: Path, fields: frozenset[str]) -> SavedView | None:
    saved = read_saved(path, fields)
    if saved is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    view: SavedView | None = None
    try:
        signature = fd_signature(fd)
        logged = None
        scan = None
        if saved.since != signature:
            logged = changelog.logged_changes(path, saved.since, signature)
            if logged is None:
                scan = scan_file(fd, signature[1])
                if scan is None:
                    raise ValueError("not in the layout the index follows")
                if not current_schema(scan.tables):
                    raise ValueError("another schema")
        restored = saved.restore()
        del saved
        ids: list[str] = restored.state[3]

        def load(paper_id: str) -> Paper:
            assert view is not None
            return view.paper(paper_id)

        index = SearchIndex.from_state(restored.state, load)
        line_of: Callable[[str], Line | None]
        placement = None
        bibfile_docs = restored.bibfile_docs
        if scan is not None:
            bibfile_docs = scan.tables.get("bibfiles") or {}
            line_of = scan.papers.get
        else:
            placement = _Placement(index, ids, restored, logged[0] if logged else {})
            line_of = placement.line_of
        bibfiles = {name: BibFile.from_doc(doc) for name, doc in bibfile_docs.items()}
        view = SavedView(path, fd, signature, index, restored.keys, line_of, bibfiles)
        view._placement = placement
        if scan is not None:
            view._scan = scan
            view.caught_up = "scan"
            view.catch_up(ids, _differing(ids, restored.sums, scan.papers))
        elif logged is not None:
            view.caught_up = "log"
            view.catch_up(ids, logged[0], unsearched=logged[1])
        return view
    except (ValueError, TypeError, KeyError, IndexError, OSError, LibraryError, PaperFormatError):
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise


def _differing(ids: list[str], sums: array[int], lines: dict[str, Line]) -> dict[str, Line | None]:
    """The papers whose line in a scanned file (``lines``) differs from the one the
    index was made from (``sums`` by slot): their new line, or None if removed."""
    changed: dict[str, Line | None] = {}
    for slot, paper_id in enumerate(ids):
        if not paper_id:
            continue
        line = lines.get(paper_id)
        if line is None:
            changed[paper_id] = None
        elif line[2] != sums[slot]:
            changed[paper_id] = line
    known = set(ids)
    changed.update((pid, line) for pid, line in lines.items() if pid not in known)
    return changed


class _Placement:
    """Where each paper's line lies in a file that logged writes changed since the
    index was saved: an unchanged line moved by what the changed lines before it
    (in id order, the file's order) grew or shrank; a changed one sits where its id
    falls among the saved lines, moved the same way."""

    def __init__(
        self,
        index: SearchIndex,
        ids: list[str],
        restored: Restored,
        changes: dict[str, Line | None],
    ) -> None:
        offsets, sizes, sums = restored.offsets, restored.sizes, restored.sums
        self._slot_of = index.slot_of  # (unchanged papers keep their slots)
        self._offsets, self._sizes, self._sums = offsets, sizes, sums
        self._changed = sorted(changes)
        self.unchanged = not changes
        self._shift = [0]
        self._lines: dict[str, Line] = {}
        if not changes:
            return
        saved = {pid: slot for slot, pid in enumerate(ids) if pid}
        for paper_id in self._changed:
            slot = saved.get(paper_id)
            line = changes[paper_id]
            grown = (line[1] + 1 if line else 0) - (sizes[slot] + 1 if slot is not None else 0)
            self._shift.append(self._shift[-1] + grown)
        order = sorted(saved.values(), key=offsets.__getitem__)
        in_file = [ids[slot] for slot in order]
        end = max((offsets[s] + sizes[s] + 1 for s in order), default=0)
        for i, paper_id in enumerate(self._changed):
            line = changes[paper_id]
            if line is None:
                continue
            after = bisect_left(in_file, paper_id)
            anchor = offsets[order[after]] if after < len(order) else end
            self._lines[paper_id] = (anchor + self._shift[i], line[1], line[2])

    def all_lines(self, slots: list[str]) -> dict[str, Line]:
        """Every paper's line (``slots``: each slot's paper id), in one pass."""
        saved = zip(self._offsets, self._sizes, self._sums, strict=True)
        if self.unchanged:  # (no write moved any)
            return {pid: line for pid, line in zip(slots, saved, strict=True) if pid}
        changed, shift, own = self._changed, self._shift, self._lines
        gone = set(changed) - own.keys()
        lines: dict[str, Line] = {}
        # (slots past the saved ones are papers indexed since: they have their own line)
        for pid, (offset, size, crc) in zip(slots, saved, strict=False):
            if pid and pid not in gone:
                lines[pid] = own.get(pid) or (offset + shift[bisect_left(changed, pid)], size, crc)
        lines.update((pid, line) for pid, line in own.items() if pid not in lines)
        return lines

    def line_of(self, paper_id: str) -> Line | None:
        line = self._lines.get(paper_id)
        if line is not None:
            return line
        i = bisect_left(self._changed, paper_id)
        if i < len(self._changed) and self._changed[i] == paper_id:
            return None  # removed
        slot = self._slot_of(paper_id)
        if slot is None:
            return None
        return (self._offsets[slot] + self._shift[i], self._sizes[slot], self._sums[slot])
