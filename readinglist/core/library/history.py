"""The change history beside the library file: what ``u`` and ``readinglist undo`` take back.

One JSON object per line, newest last, in a hidden file next to the library
(``.library.json.history``). Every change any process makes through
:class:`~readinglist.core.library.Library` appends its entry under the library's
lock, so the TUI and the CLI share one history and it survives restarts. It keeps
the last :data:`HISTORY_DEPTH` changes.

An undo takes its entry off only once the library file holds the undo: an undo
that cannot be written leaves the history as it was.

An entry records deltas, not records: the papers a change added (with the stamp
they were added with), the field deltas of the papers it edited, and the papers it
removed in full (so they can come back). An export onto a file records that file
(:class:`FileRecord`): the bytes it held before are kept in a folder beside the
history, so undo can put them back while the file still holds what was written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..changes import Delta
from ..errors import LibraryError
from ..files import write_bytes_safely
from ..model import Paper

HISTORY_DEPTH = 200
_TRIM_AT = HISTORY_DEPTH + 50  # trim in steps, not on every change once full
# Backups of files that exports replaced: only the newest few are kept, since a
# ``.bib`` can be megabytes and the history holds 200 entries.
BACKUPS_KEPT = 20


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A file an export wrote: its path, the backup of what it held before (None:
    the export created it) and the hash of what the export wrote."""

    path: str
    backup: str | None
    written: str

    def to_doc(self) -> dict[str, Any]:
        return {"path": self.path, "backup": self.backup, "written": self.written}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> FileRecord:
        backup = doc.get("backup")
        return cls(str(doc["path"]), None if backup is None else str(backup), str(doc["written"]))


@dataclass(slots=True)
class Entry:
    """One change: its label and how to take it back."""

    label: str
    at: str
    added: dict[str, str] = field(default_factory=dict)  # paper id -> its fingerprint
    edits: dict[str, list[Delta]] = field(default_factory=dict)  # paper id -> deltas
    removed: list[dict[str, Any]] = field(default_factory=list)  # paper documents
    files: list[FileRecord] = field(default_factory=list)  # files an export wrote

    def __bool__(self) -> bool:
        return bool(self.added or self.edits or self.removed or self.files)

    def to_line(self) -> bytes:
        doc: dict[str, Any] = {"label": self.label, "at": self.at}
        if self.added:
            doc["added"] = self.added
        if self.edits:
            doc["edits"] = self.edits
        if self.removed:
            doc["removed"] = self.removed
        if self.files:
            doc["files"] = [f.to_doc() for f in self.files]
        return orjson.dumps(doc) + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> Entry:
        doc = orjson.loads(line)
        return cls(
            label=str(doc["label"]),
            at=str(doc.get("at", "")),
            added=dict(doc.get("added") or {}),
            edits=dict(doc.get("edits") or {}),
            removed=list(doc.get("removed") or []),
            files=[FileRecord.from_doc(f) for f in doc.get("files") or []],
        )

    def removed_papers(self) -> list[Paper]:
        return [Paper.from_doc(d) for d in self.removed]


@dataclass(slots=True)
class UndoReport:
    """What an undo did: its entry's label, papers reverted, and what it left alone
    because it changed since (one phrase each, e.g. ``kd2021 status``)."""

    label: str
    reverted: int = 0
    left_alone: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"undid: {self.label}"
        if self.left_alone:
            shown = ", ".join(self.left_alone[:5])
            more = f" and {len(self.left_alone) - 5} more" if len(self.left_alone) > 5 else ""
            text += f" (left alone, changed since: {shown}{more})"
        return text


def fingerprint(paper: Paper) -> str:
    """What a paper holds, less when it was last saved: undo of an import removes a
    paper only while it is still exactly what the import made."""
    return fingerprint_doc(paper.to_doc())


def fingerprint_doc(doc: dict[str, Any]) -> str:
    """:func:`fingerprint` of the paper whose document is ``doc`` (left unchanged)."""
    doc = dict(doc)
    del doc["updated"]
    return hashlib.blake2b(
        orjson.dumps(doc, option=orjson.OPT_SORT_KEYS), digest_size=12
    ).hexdigest()


class History:
    """The history file of one library. Call its methods only under the library lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.backups = path.with_name(path.name + ".files")

    def _lines(self) -> list[bytes]:
        try:
            return self.path.read_bytes().splitlines(keepends=True)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise LibraryError(
                f"cannot read the change history {self.path}: {exc.strerror}"
            ) from None

    def append(self, entry: Entry) -> None:
        """Record one change (after the library file holds it)."""
        try:
            with open(self.path, "ab") as handle:
                handle.write(entry.to_line())
        except OSError:
            return  # the change itself is saved; only its undo is lost
        with contextlib.suppress(OSError, LibraryError):
            lines = self._lines()
            if len(lines) > _TRIM_AT:
                write_bytes_safely(self.path, lines[-HISTORY_DEPTH:])

    def newest(self) -> Entry | None:
        """The newest entry (None when there is none); it stays in the history until
        :meth:`drop_newest`, once the undo that takes it back is on disk."""
        for line in reversed(self._lines()):
            try:
                return Entry.from_line(line)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                continue  # a line cut by a crash: skip it
        return None

    def drop_newest(self, entry: Entry) -> None:
        """Take ``entry``, the newest entry, off the history (with any cut lines after it)."""
        lines = self._lines()
        wanted = entry.to_line()
        while lines:
            last = lines.pop()
            try:
                if Entry.from_line(last).to_line() == wanted:
                    self._write(lines)
                    return
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                continue
            return  # (not the newest any more: leave the history as it is)

    def __len__(self) -> int:
        return len(self._lines())

    # -- files written by exports ----------------------------------------------------
    def file_record(self, path: Path, before: bytes | None, after: bytes) -> FileRecord:
        """Keep ``before`` (what ``path`` held) for undo; the record to put in an entry."""
        backup = None
        if before is not None:
            backup = content_hash(before) + ".bak"
            try:
                self.backups.mkdir(exist_ok=True)
                target = self.backups / backup
                if not target.exists():
                    write_bytes_safely(target, before)
            except OSError as exc:
                raise LibraryError(
                    f"cannot keep a copy of {path} for undo in {self.backups}: "
                    f"{exc.strerror or exc}"
                ) from None
        return FileRecord(str(path), backup, content_hash(after))

    def restore(self, record: FileRecord) -> str | None:
        """Put back what ``record``'s file held before the export; None when done,
        else why the file was left alone."""
        path = Path(record.path)
        try:
            current = path.read_bytes() if path.is_file() else None
        except OSError as exc:
            return f"{path} (cannot read it: {exc.strerror or exc})"
        if current is None or content_hash(current) != record.written:
            return f"{path} (changed since the export)"
        try:
            if record.backup is None:
                path.unlink()
            else:
                write_bytes_safely(path, (self.backups / record.backup).read_bytes())
        except FileNotFoundError:
            return f"{path} (its backup is no longer kept)"
        except OSError as exc:
            return f"{path} (cannot restore it: {exc.strerror or exc})"
        return None

    def prune_backups(self, also_keep: str | None = None) -> None:
        """Delete backups that no entry refers to, or that only older entries than the
        newest :data:`BACKUPS_KEPT` file records refer to (``also_keep``: one for an
        entry not written yet)."""
        try:
            names = {p.name for p in self.backups.iterdir() if p.name.endswith(".bak")}
        except OSError:
            return
        keep: list[str] = [also_keep] if also_keep else []
        for line in reversed(self._lines()):
            if b'"files"' not in line:
                continue
            with contextlib.suppress(orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                for record in Entry.from_line(line).files:
                    if record.backup and record.backup not in keep:
                        keep.append(record.backup)
        for name in names - set(keep[:BACKUPS_KEPT]):
            with contextlib.suppress(OSError):
                (self.backups / name).unlink()

    def labels(self) -> list[str]:
        """Labels, newest first (for ``undo --list``)."""
        out = []
        for line in reversed(self._lines()):
            with contextlib.suppress(orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                out.append(Entry.from_line(line).label)
        return out

    def _write(self, lines: list[bytes]) -> None:
        try:
            if lines:
                write_bytes_safely(self.path, lines)
            else:
                os.unlink(self.path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise LibraryError(
                f"cannot write the change history {self.path}: {exc.strerror}"
            ) from None


def _failed(verb: str, path: Path, exc: OSError) -> LibraryError:
    return LibraryError(f"cannot {verb} the change history {path}: {exc.strerror or exc}")
