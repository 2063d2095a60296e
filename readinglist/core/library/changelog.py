"""The log of writes since the search index was saved (``.NAME.index.log``).

Each write to the library while an index is saved beside it appends one line: the
file's version before and after, and for each paper it changed the checksum of its
new line (or that it was removed) and whether the change is one a search can see. A
reader holding the saved index then catches up by reading only those papers' lines,
instead of scanning the whole file. The log is a cache like the index: a write
missing from it, a cut line or a damaged file only cost the next reader a scan.
"""

from __future__ import annotations

import contextlib
import os
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..model import Paper
from .fileformat import Line, Signature, paper_line, sibling

# Past this many changed papers a full load and a fresh index cost about as much as
# catching up; a write that changed more is logged as "read the file".
MAX_CHANGES = 20_000


def log_path(library: Path) -> Path:
    return sibling(library, ".index.log")


@dataclass(frozen=True, slots=True)
class PaperChange:
    """One paper's change in one write: its new line's length and checksum (None:
    removed) and whether a search could tell (a key marked used, a new save time: it
    cannot)."""

    line: tuple[int, int] | None
    searched: bool


def note_write(
    path: Path,
    before: Signature,
    after: Signature,
    papers: Callable[[], Mapping[str, PaperChange]],
    count: int,
    other: bool,
) -> None:
    """Log that a write turned the library file from version ``before`` into
    ``after`` by changing ``count`` papers (``papers()`` tells how) and, if
    ``other``, more than papers. Called by the writer under the library lock; does
    nothing while no index is saved."""
    if not _saved_index(path):
        return
    entry: dict[str, Any] = {"from": list(before), "to": list(after), "other": other}
    if count > MAX_CHANGES:
        entry["other"] = True
    else:
        entry["papers"] = {
            paper_id: None
            if change.line is None
            else [change.line[0], change.line[1], int(change.searched)]
            for paper_id, change in papers().items()
        }
    target = log_path(path)
    if target.is_symlink() or (target.exists() and not target.is_file()):
        return
    try:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError:
        return
    try:
        os.write(fd, orjson.dumps(entry) + b"\n")
    except OSError:
        pass
    finally:
        os.close(fd)


def line_change(paper: Paper | None, searched: bool, line: Line | None = None) -> PaperChange:
    """The change that leaves ``paper`` (None: removed) in the file; ``line``: where
    the write put it, when known (else it is encoded again to be measured)."""
    if paper is None:
        return PaperChange(None, searched)
    if line is None:
        data = paper_line(paper)
        return PaperChange((len(data), zlib.crc32(data)), searched)
    return PaperChange((line[1], line[2]), searched)


def _saved_index(path: Path) -> bool:
    return sibling(path, ".index").is_file()


def logged_changes(
    path: Path, since: tuple[int, ...], now: Signature
) -> tuple[dict[str, Line | None], set[str]] | None:
    """The papers the logged writes from version ``since`` to ``now`` changed, as
    (offset unknown: 0, length, crc) or None when removed, and those of them whose
    every change was one no search can see; None when the log does not lead from one
    version to the other on papers alone."""
    try:
        with open(log_path(path), "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    steps: dict[tuple[int, ...], dict[str, Any]] = {}
    for raw in data.splitlines():
        try:
            entry = orjson.loads(raw)
            steps[tuple(entry["from"])] = entry
        except (orjson.JSONDecodeError, KeyError, TypeError):
            continue  # a line cut by a crash
    changes: dict[str, Line | None] = {}
    searched: set[str] = set()
    at: tuple[int, ...] = tuple(since)
    for _ in range(len(steps) + 1):
        if at == tuple(now):
            return changes, changes.keys() - searched
        entry = steps.get(at)
        if entry is None or entry.get("other") or not isinstance(entry.get("papers"), dict):
            return None
        for paper_id, line in entry["papers"].items():
            changes[paper_id] = None if line is None else (0, int(line[0]), int(line[1]))
            if line is None or len(line) < 3 or line[2]:
                searched.add(paper_id)
        at = tuple(entry["to"])
    return None


def forget(path: Path) -> None:
    """Drop the log (an index saved anew leads from the current version)."""
    with contextlib.suppress(OSError):
        log_path(path).unlink()
