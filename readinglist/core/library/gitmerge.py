"""A git merge driver for the library file: merges paper by paper (SPEC §3).

Git's line merge already joins branches that added papers or changed different
ones (papers are lines in id order). What it cannot do is merge two changes to the
same paper, which sit on one line. This driver merges three versions of the file
(the common ancestor, ours, theirs) field by field:

* tags, aliases and sources merge as sets: what either side added is kept, what a
  side removed is removed unless the other side added it again;
* ``extra`` and ``raw`` merge member by member;
* any other field takes the side that changed it; changed two ways, it is a
  conflict: ours is kept and the conflict is reported by key and field;
* a paper deleted on one side and unchanged on the other is deleted; deleted on
  one side and changed on the other, it is kept and reported.

Set up (the README shows it)::

    git config merge.readinglist.driver "readinglist merge-driver %O %A %B"
    echo "library.json merge=readinglist" >> .gitattributes
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import LibraryError
from .fileformat import dump_library, migrate, parse_library_bytes

_SETS = ("tags", "aliases", "sources")
_MAPS = ("extra", "raw")
Doc = dict[str, Any]


@dataclass(slots=True)
class MergeResult:
    tables: dict[str, dict[str, Doc]]
    conflicts: list[str] = field(default_factory=list)

    def encoded(self) -> bytes:
        return b"".join(dump_library(self.tables))


def _load(path: Path, label: str) -> dict[str, dict[str, Doc]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LibraryError(f"cannot read {label} version {path}: {exc.strerror}") from None
    data = parse_library_bytes(raw, path) or {}
    migrate(data, path)
    return data


def _set_merge(base: list[Any], ours: list[Any], theirs: list[Any], fold: bool) -> list[Any]:
    def norm(x: Any) -> Any:
        return x.casefold() if fold and isinstance(x, str) else repr(x)

    base_n = {norm(x) for x in base}
    ours_n = {norm(x) for x in ours}
    theirs_n = {norm(x) for x in theirs}
    out: list[Any] = []
    seen: set[Any] = set()
    for item in [*ours, *theirs]:
        n = norm(item)
        if n in seen:
            continue
        # Kept unless a side that had it in the base removed it (and nobody re-added it).
        removed = n in base_n and (n not in ours_n or n not in theirs_n)
        if not removed:
            out.append(item)
        seen.add(n)
    return out


def _name(doc: Doc) -> str:
    return str(doc.get("key") or doc.get("id"))


def merge_paper(base: Doc, ours: Doc, theirs: Doc, conflicts: list[str]) -> Doc:
    """One paper changed on both sides, merged field by field."""
    out: Doc = {}
    for name in dict.fromkeys([*ours, *theirs, *base]):
        b, o, t = base.get(name), ours.get(name), theirs.get(name)
        if name in _SETS:
            merged = _set_merge(b or [], o or [], t or [], fold=name == "tags")
            if merged or name in ours or name in theirs:
                out[name] = merged
        elif name in _MAPS:
            bm, om, tm = b or {}, o or {}, t or {}
            mapping: dict[str, Any] = {}
            for member in dict.fromkeys([*om, *tm, *bm]):
                # A member may hold null (raw's "plain braces"): absent is _ABSENT.
                value = _pick(*(m.get(member, _ABSENT) for m in (bm, om, tm)))
                if value is _CONFLICT:
                    conflicts.append(f"{_name(ours)}: {name}.{member} changed both ways; kept ours")
                    value = om.get(member, _ABSENT)
                if value is not _ABSENT:
                    mapping[member] = value
            if mapping or name in ours or name in theirs:
                out[name] = mapping
        elif name == "updated":
            out[name] = max(str(o or ""), str(t or ""))
        else:
            value = _pick(b, o, t)
            if value is _CONFLICT:
                conflicts.append(
                    f"{_name(ours)}: {name} changed both ways ({o!r} here, {t!r} there); kept ours"
                )
                value = o
            if value is not None or name in ours or name in theirs:
                out[name] = value
    return out


_CONFLICT = object()
_ABSENT = object()


def _pick(base: Any, ours: Any, theirs: Any) -> Any:
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    return _CONFLICT


def merge_libraries(base: Path, ours: Path, theirs: Path) -> MergeResult:
    """Merge three versions of a library file; raises LibraryError if one is unreadable."""
    tables = {label: _load(path, label) for label, path in
              (("base", base), ("our", ours), ("their", theirs))}  # fmt: skip
    b, o, t = tables["base"], tables["our"], tables["their"]
    result = MergeResult({})
    for table in dict.fromkeys([*o, *t, *b]):
        bt, ot, tt = b.get(table, {}), o.get(table, {}), t.get(table, {})
        if table.startswith("_"):  # _meta: the newer schema
            result.tables[table] = ot or tt
            continue
        merged: dict[str, Doc] = {}
        for doc_id in dict.fromkeys([*ot, *tt, *bt]):
            doc = _merge_doc(bt.get(doc_id), ot.get(doc_id), tt.get(doc_id), result.conflicts)
            if doc is not None:
                merged[doc_id] = doc
        _report_key_clashes(merged, result.conflicts)
        result.tables[table] = merged
    return result


def _merge_doc(
    base: Doc | None, ours: Doc | None, theirs: Doc | None, conflicts: list[str]
) -> Doc | None:
    if ours is None and theirs is None:
        return None
    if ours is None or theirs is None:
        kept = ours if ours is not None else theirs
        assert kept is not None
        if base is None:
            return kept  # added on one side
        if kept == base:
            return None  # deleted on one side, untouched on the other
        conflicts.append(f"{_name(kept)}: deleted on one side, changed on the other; kept")
        return kept
    if ours == theirs:
        return ours
    return merge_paper(base or {}, ours, theirs, conflicts)


def _report_key_clashes(docs: dict[str, Doc], conflicts: list[str]) -> None:
    owner: dict[str, str] = {}
    for doc_id, doc in docs.items():
        for key in [doc.get("key"), *(doc.get("aliases") or [])]:
            if not isinstance(key, str) or not key:
                continue
            if owner.setdefault(key, doc_id) != doc_id:
                conflicts.append(
                    f"key {key!r} is used by two papers ({owner[key]} and {doc_id}): "
                    "each branch added one; rekey one of them"
                )
