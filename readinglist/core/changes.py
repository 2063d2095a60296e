"""Changes to papers as deltas (SPEC §3): what to do, not the record that results.

A :class:`Change` says "add these tags, remove those, set these fields". The
library applies it, under its lock, to each paper as it is on disk at that moment,
so two processes that tag the same paper at once both keep their tags, and a TUI
that has shown a paper for an hour cannot overwrite what a script changed since.

:func:`diff` describes what a change did to one paper as field deltas, and
:func:`revert` takes them back from the paper as it is later, field by field, only
where the value is still the one the change set: that is undo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .model import STATUSES, Paper, merge_tags, now_iso

# Paper attributes a change may set, and the BibTeX fields that spell them in a
# ``.bib``: setting one drops those raw values, so export encodes the new value
# instead of writing the old text.
SETTABLE: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "authors": ("author",),
    "abstract": ("abstract",),
    "year": ("year",),
    "venue": ("journal", "booktitle", "journaltitle"),
    "doi": ("doi",),
    "arxiv": ("eprint", "arxiv", "archiveprefix", "eprinttype"),
    "url": ("url",),
    "code_url": (),
    "entry_type": (),
    "status": (),
    "priority": (),
    "rating": (),
    "notes": (),
}
_TEXT_FIELDS = frozenset(
    {"title", "abstract", "venue", "doi", "arxiv", "url", "code_url", "entry_type", "notes"}
)
_NUMBER_FIELDS = frozenset({"year", "priority", "rating"})


def _check(name: str, value: object) -> None:
    if name not in SETTABLE:
        raise ValueError(f"{name!r} cannot be set (settable: {', '.join(SETTABLE)})")
    if name in _TEXT_FIELDS and not isinstance(value, str):
        raise ValueError(f"{name} must be text")
    if name in _NUMBER_FIELDS and not (value is None or type(value) is int):
        raise ValueError(f"{name} must be a whole number")
    if name == "authors" and not (
        isinstance(value, tuple) and all(isinstance(a, str) for a in value)
    ):
        raise ValueError("authors must be a tuple of names")
    if name == "status" and value not in STATUSES:
        raise ValueError(f"unknown status {value!r} (expected one of {', '.join(STATUSES)})")
    if name == "rating" and value is not None and not 0 <= value <= 5:  # type: ignore[operator]
        raise ValueError("rating must be 0 to 5")


@dataclass(frozen=True, slots=True)
class Change:
    """A delta for one or more papers. ``extra`` maps a BibTeX field name to its new
    value, or to ``None`` to remove it."""

    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, value in self.fields.items():
            _check(name, value)

    def apply(self, paper: Paper) -> Paper:
        """``paper`` with this change made (``paper`` itself when nothing changes)."""
        changes: dict[str, Any] = {}
        dropped: set[str] = set()
        if self.add_tags or self.remove_tags:
            removed = {t.casefold() for t in self.remove_tags}
            tags = merge_tags([t for t in paper.tags if t.casefold() not in removed], self.add_tags)
            if tags != paper.tags:
                changes["tags"] = tags
                dropped.add("keywords")
        for name, value in self.fields.items():
            if getattr(paper, name) != value:
                changes[name] = value
                dropped.update(SETTABLE[name])
        if changes.get("status") == "read":
            changes["read_at"] = now_iso()
        if self.extra:
            extra = dict(paper.extra)
            for name, value in self.extra.items():
                if value is None:
                    extra.pop(name, None)
                else:
                    extra[name] = value
            if extra != paper.extra:
                changes["extra"] = extra
                dropped.update(n for n in self.extra if paper.extra.get(n) != self.extra[n])
        if not changes:
            return paper
        if dropped & paper.raw.keys():
            changes["raw"] = {k: v for k, v in paper.raw.items() if k not in dropped}
        return replace(paper, **changes)

    def describe(self, count: int) -> str:
        """A label for messages and the undo history: ``tagged 3 papers +kd``."""
        what = f"{count} paper" if count == 1 else f"{count} papers"
        parts = [f"+{t}" for t in self.add_tags] + [f"-{t}" for t in self.remove_tags]
        if parts and not self.fields and not self.extra:
            return f"tagged {what} {' '.join(parts)}"
        if set(self.fields) == {"status"} and not parts:
            return f"{what} → {self.fields['status']}"
        if set(self.fields) == {"notes"} and not parts:
            return f"note of {what}"
        names = [*parts, *self.fields, *self.extra]
        return f"edited {', '.join(names)} of {what}"


# -- deltas (what a change did) and undo --------------------------------------------

# Fields compared element by element, so undo touches only the elements a change
# added or removed (a tag added elsewhere meanwhile stays).
_SET_FIELDS = ("tags", "aliases", "sources")
_MAP_FIELDS = ("extra", "raw")
_SKIPPED = frozenset({"id", "updated"})

Delta = dict[str, Any]


def diff(before: Paper, after: Paper) -> list[Delta]:
    """What turned ``before`` into ``after``, as JSON-ready deltas."""
    old, new = before.to_doc(), after.to_doc()
    deltas: list[Delta] = []
    for name in old.keys() | new.keys():
        if name in _SKIPPED:
            continue
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if name in _SET_FIELDS:
            a, b = a or [], b or []
            added, removed = [x for x in b if x not in a], [x for x in a if x not in b]
            deltas.append({"f": name, "add": added, "remove": removed})
        elif name in _MAP_FIELDS:
            a, b = a or {}, b or {}
            for k in a.keys() | b.keys():
                if k not in a or k not in b or a[k] != b[k]:
                    # "from"/"to" are left out for a member that is absent (a member
                    # may hold null: raw's "the text in plain braces").
                    delta = {"f": name, "k": k}
                    if k in a:
                        delta["from"] = a[k]
                    if k in b:
                        delta["to"] = b[k]
                    deltas.append(delta)
        else:
            deltas.append({"f": name, "from": a, "to": b})
    return sorted(deltas, key=lambda d: (d["f"], d.get("k", "")))


def _same_tag(x: Any, y: Any) -> bool:
    return isinstance(x, str) and isinstance(y, str) and x.casefold() == y.casefold()


def revert(current: Paper, deltas: Sequence[Delta]) -> tuple[Paper, list[str]]:
    """Take ``deltas`` back from ``current``; returns the paper and the names of the
    fields left alone because they have changed since."""
    doc = current.to_doc()
    left: list[str] = []
    for delta in deltas:
        name = delta["f"]
        if name in _SET_FIELDS:
            items = list(doc.get(name) or [])
            same = _same_tag if name == "tags" else (lambda x, y: x == y)
            for item in delta["add"]:
                items = [x for x in items if not same(x, item)]
            for item in delta["remove"]:
                if not any(same(x, item) for x in items):
                    items.append(item)
            doc[name] = items
        elif name in _MAP_FIELDS:
            mapping = dict(doc.get(name) or {})
            key = delta["k"]
            if (key in mapping) != ("to" in delta) or mapping.get(key) != delta.get("to"):
                left.append(f"{name}.{key}")
                continue
            if "from" in delta:
                mapping[key] = delta["from"]
            else:
                mapping.pop(key, None)
            doc[name] = mapping
        elif doc.get(name) != delta["to"]:
            left.append(name)
        else:
            doc[name] = delta["from"]
    return Paper.from_doc(doc), left
