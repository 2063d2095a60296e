"""Changes to papers already in the library: edits, deletes, undo, rekey and merge,
and the marks of keys that left it. Each is one transaction (see :mod:`.base`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from ..changes import Change, diff, revert
from ..errors import LibraryError
from ..keys import unique_key, valid_key
from ..merge import merge_into
from ..model import Paper, added_stamps, now_iso
from .base import LibraryBase
from .history import Entry, FileRecord, UndoReport, fingerprint, fingerprint_doc


class Edits(LibraryBase):
    """The changes to papers the library has."""

    def add(self, paper: Paper) -> Paper:
        """Add one paper without duplicate detection."""
        with self.transaction():
            stamp = now_iso()
            fresh = self._new_paper(paper, stamp, added_stamps(stamp))
            prints: dict[str, str] = {}
            self._store.insert(
                [fresh], each_doc=lambda pid, doc: prints.__setitem__(pid, fingerprint_doc(doc))
            )
            self._record(Entry(f"add {fresh.key}", stamp, added=prints))
        return fresh

    def edit(
        self,
        ids: Iterable[str],
        change: Change | Callable[[Paper], Change | None],
        *,
        label: str = "",
    ) -> list[Paper]:
        """Apply ``change`` to each paper as it is now, under the lock; one write and
        one history entry.

        ``change`` may also be a function of the paper as it is now that returns its
        change (or None): each paper its own delta, decided under the lock (a resolved
        paper gets only what it still lacks). Returns the papers that changed (new
        versions). Papers deleted meanwhile by another process are skipped.
        """
        with self.transaction():
            stamp = now_iso()
            pairs: list[tuple[Paper, Paper]] = []
            for paper_id in dict.fromkeys(ids):
                current = self._store.papers.get(paper_id)
                if current is None:
                    continue
                delta = change if isinstance(change, Change) else change(current)
                if delta is None:
                    continue
                changed = delta.apply(current)
                if changed is not current and changed != current:
                    new = self._rederive_key(current, replace(changed, updated=stamp))
                    pairs.append((current, new))
            self._store.replace(pairs)
            after = [new for _old, new in pairs]
            if not label:
                label = (
                    change.describe(len(after))
                    if isinstance(change, Change)
                    else f"edited {len(after)} paper{'' if len(after) == 1 else 's'}"
                )
            self._record(Entry(label, stamp, edits={new.id: diff(old, new) for old, new in pairs}))
        return after

    def delete(self, ids: Iterable[str], *, label: str = "") -> list[Paper]:
        """Remove papers (``undo`` brings them back); returns them."""
        with self.transaction():
            papers = self._store.papers
            gone = [papers[i] for i in dict.fromkeys(ids) if i in papers]
            self._store.remove(gone)
            what = gone[0].key if len(gone) == 1 else f"{len(gone)} papers"
            self._record(
                Entry(label or f"delete {what}", now_iso(), removed=[p.to_doc() for p in gone])
            )
        return gone

    def mark_used(self, ids: Iterable[str]) -> None:
        """Record that these papers' keys left the library (exported, copied, picked):
        from then on a key is never re-derived. Not a change to undo; best effort —
        a library that cannot be written still exports."""
        ids = list(ids)
        if all(p is None or p.key_used for p in map(self._store.papers.get, ids)):
            return
        try:
            with self.transaction():  # (the papers as they are now: read them inside)
                stamp = now_iso()
                papers = self._store.papers
                fresh = [p for p in map(papers.get, ids) if p is not None and not p.key_used]
                self._store.replace((p, replace(p, key_used=stamp)) for p in fresh)
        except LibraryError:
            pass

    def record_file_write(
        self, path: Path, before: bytes | None, after: bytes, *, label: str
    ) -> None:
        """Put a file write (an export) in the history: undo puts back ``before``
        (or removes the file when ``before`` is None) while it still holds ``after``."""
        with self.transaction():
            record = self.history.file_record(path, before, after)
            self._record(Entry(label, now_iso(), files=[record]))
            self.history.prune_backups(also_keep=record.backup)

    def undo(self) -> UndoReport | None:
        """Take back the newest change in the history, whoever made it.

        Only what that change did is reverted, and only where the value is still
        the one it set: a tag someone added since, a status set since, a paper
        edited since it was imported are left alone and named in the report.
        None when the history is empty. The entry leaves the history, and files an
        export wrote are put back, only once the library file holds the undo.
        """
        with self.transaction():
            entry = self.history.newest()
            if entry is None:
                return None
            self._undone = entry
            store = self._store
            report = UndoReport(entry.label)
            stamp = now_iso()
            doomed = []
            for paper_id, made in entry.added.items():
                paper = store.papers.get(paper_id)
                if paper is None:
                    continue
                if fingerprint(paper) == made:
                    doomed.append(paper)
                else:
                    report.left_alone.append(f"{paper.key} (edited since it was added)")
            store.remove(doomed)
            reverted: list[tuple[Paper, Paper]] = []
            for paper_id, deltas in entry.edits.items():
                current = store.papers.get(paper_id)
                if current is None:
                    continue
                paper, left = revert(current, deltas)
                report.left_alone.extend(f"{current.key} {name}" for name in left)
                if paper != current:
                    reverted.append((current, replace(paper, updated=stamp)))
            store.replace(reverted)
            back = []
            taken = dict(store.keys)
            for paper in entry.removed_papers():
                if paper.id in store.papers:
                    continue
                if paper.key in taken:
                    fresh = unique_key(paper.key, taken)
                    report.left_alone.append(f"{paper.key} (key now taken: restored as {fresh})")
                    paper = replace(paper, key=fresh)
                aliases = tuple(a for a in paper.aliases if a not in taken)
                back.append(replace(paper, aliases=aliases))
                taken.update(dict.fromkeys((back[-1].key, *aliases), paper.id))
            store.insert(back)
            report.reverted = len(doomed) + len(reverted) + len(back)
            if entry.files:
                self._after_write.append(lambda: self._restore_files(entry.files, report))
        return report

    def _restore_files(self, records: Sequence[FileRecord], report: UndoReport) -> None:
        for record in records:
            problem = self.history.restore(record)
            if problem is None:
                report.reverted += 1
            else:
                report.left_alone.append(problem)
        self.history.prune_backups()

    def rekey(self, paper_id: str, new_key: str) -> Paper:
        """Give a paper a new citation key. The old key stays an alias, so every
        ``\\cite`` of it keeps resolving; ``undo`` puts it back. Raises ValueError for a
        key BibTeX cannot use or one another paper holds (BibTeX ignores case)."""
        if not valid_key(new_key):
            raise ValueError(
                f"{new_key!r} is not a usable citation key "
                '(no spaces and none of , { } ( ) " # % ~ \\)'
            )
        with self.transaction():
            store = self._store
            current = store.papers.get(paper_id)
            if current is None:
                raise ValueError("that paper is no longer in the library")
            if new_key == current.key:
                return current
            folded = new_key.casefold()
            for key, owner in store.keys.items():
                if owner != paper_id and key.casefold() == folded:
                    raise ValueError(f"key {new_key!r} is taken by {store.papers[owner].key!r}")
            aliases = tuple(a for a in current.aliases if a != new_key)
            stamp = now_iso()
            renamed = replace(current, key=new_key, aliases=(*aliases, current.key), updated=stamp)
            store.replace([(current, renamed)])
            label = f"rekey {current.key} → {new_key}"
            self._record(Entry(label, stamp, edits={paper_id: diff(current, renamed)}))
        return renamed

    def merge(self, keep_id: str, other_ids: Iterable[str]) -> Paper:
        """Fold other papers into one, as one undoable change: their tags, notes and
        the fields it lacks join it, their keys become its aliases, and they are
        removed. Returns the merged paper."""
        with self.transaction():
            papers = self._store.papers
            keep = papers.get(keep_id)
            if keep is None:
                raise ValueError("that paper is no longer in the library")
            others = [papers[i] for i in dict.fromkeys(other_ids) if i != keep_id and i in papers]
            if not others:
                return keep
            merged = keep
            for other in others:
                merged = _folded(merged, other, keep.key)
            stamp = now_iso()
            merged = replace(merged, updated=stamp)
            self._store.remove(others)
            self._store.replace([(keep, merged)])
            self._record(
                Entry(
                    f"merge {', '.join(o.key for o in others)} into {keep.key}",
                    stamp,
                    edits={keep.id: diff(keep, merged)},
                    removed=[o.to_doc() for o in others],
                )
            )
        return merged


def _folded(merged: Paper, other: Paper, keep_key: str) -> Paper:
    """``other`` folded into ``merged``: fields it lacks, tags, notes, rating and
    priority, and ``other``'s keys as aliases."""
    merged = merge_into(merged, other)
    notes = merged.notes
    if other.notes.strip() and other.notes.strip() not in notes:
        notes = f"{notes.rstrip()}\n\n{other.notes.strip()}" if notes else other.notes
    return replace(
        merged,
        notes=notes,
        aliases=tuple(
            dict.fromkeys(a for a in (*merged.aliases, other.key, *other.aliases) if a != keep_key)
        ),
        rating=merged.rating if merged.rating is not None else other.rating,
        priority=merged.priority if merged.priority is not None else other.priority,
    )
