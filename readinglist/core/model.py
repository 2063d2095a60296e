"""The paper record (SPEC §2) and the small helpers every layer needs.

A :class:`Paper` is an immutable value: edits make a new one with
:func:`dataclasses.replace`, so undo can keep the old value and the search index
can compare before and after without defensive copies.
"""

from __future__ import annotations

import functools
import itertools
import operator
import os
import re
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from .text import fold_text as fold_text  # re-exported: folding lives in ``text``
from .text import surname

STATUSES: tuple[str, ...] = ("unread", "reading", "read", "skipped")
STATUS_CYCLE: tuple[str, ...] = ("unread", "reading", "read")


def now_iso() -> str:
    """Current UTC time as ISO-8601 with seconds, e.g. ``2026-11-22T20:05:03Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id() -> str:
    """A paper's id: 26 Crockford base32 characters of randomness (128 bits).

    The library file lists papers in id order. Random ids put the papers two git
    branches added at unrelated places in the file, so the branches merge without
    conflict. (Libraries from older versions keep their time-ordered ids.)
    """
    value = int.from_bytes(os.urandom(16), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(chars)


def added_stamps(stamp: str) -> Iterator[str]:
    """``added`` times for papers added together: ``stamp`` with a fraction of a
    second that falls by one for each paper (``….999999Z``, ``….999998Z``, …), so
    wherever papers are listed newest first, one import's papers keep the order of
    its file (a listing's order). The library file's order (random ids) cannot."""
    base = stamp.removesuffix("Z")
    for count in itertools.count():
        yield f"{base}.{999_999 - count % 1_000_000:06d}Z"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a paper came from: an imported file, a listing date, a command."""

    kind: str  # "dailypapers", "bibtex", "add"
    file: str = ""
    date: str = ""  # listing date as printed, e.g. "Mar 11"

    def to_doc(self) -> dict[str, str]:
        return {
            k: v for k, v in (("kind", self.kind), ("file", self.file), ("date", self.date)) if v
        }

    @classmethod
    def from_doc(cls, doc: dict[str, str]) -> Source:
        return cls(kind=doc.get("kind", ""), file=doc.get("file", ""), date=doc.get("date", ""))


class PaperFormatError(ValueError):
    """A stored paper document has a field of the wrong type (hand-edited files)."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"field {field_name!r} {problem}")
        self.field = field_name


def _kind(value: object) -> str:
    return {str: "text", int: "a number", float: "a number", list: "a list", dict: "an object",
            bool: "true/false"}.get(type(value), type(value).__name__)  # fmt: skip


def _text(get: Callable[[str], Any], name: str) -> str:
    value = get(name)
    if type(value) is str:
        return value
    if value is None:
        return ""
    raise PaperFormatError(name, f"must be text, not {_kind(value)}")


def _number(get: Callable[[str], Any], name: str) -> int | None:
    value = get(name)
    if value is None or type(value) is int:
        return value
    raise PaperFormatError(name, f"must be a whole number or null, not {_kind(value)}")


def _texts(get: Callable[[str], Any], name: str) -> tuple[str, ...]:
    value = get(name)
    if value is None:
        return ()
    if type(value) is list and all(type(item) is str for item in value):
        return tuple(value)
    raise PaperFormatError(name, f"must be a list of text, not {_kind(value)}")


def _mapping(get: Callable[[str], Any], name: str) -> dict[str, str]:
    value = get(name)
    if value is None:
        return {}
    if type(value) is dict and all(type(v) is str for v in value.values()):
        return value
    raise PaperFormatError(name, "must be an object of text values")


def _raw(value: object) -> dict[str, str | None]:
    if value is None:
        return {}
    if type(value) is dict and all(v is None or type(v) is str for v in value.values()):
        return value
    raise PaperFormatError("raw", "must be an object of text (or null) values")


def _sources(value: object) -> tuple[Source, ...]:
    if type(value) is list and all(
        type(item) is dict and all(type(v) is str for v in item.values()) for item in value
    ):
        return tuple(Source.from_doc(item) for item in value)
    raise PaperFormatError("sources", "must be a list of objects of text values")


# For the load's fast path: the members every stored paper has (see ``Paper.to_doc``),
# in the order of ``Paper``'s fields, and the types a check may find.
_STORED = operator.itemgetter(
    "title", "id", "key", "entry_type", "authors", "abstract", "year", "venue", "doi",
    "arxiv", "url", "code_url", "tags", "status", "priority", "rating", "notes", "added",
    "updated", "read_at", "sources", "extra",
)  # fmt: skip
_TEXT_ONLY = frozenset({str})
_TEXT_OR_NULL = frozenset({str, type(None)})
_NUMBER_OR_NULL = frozenset({int, type(None)})


@functools.lru_cache(maxsize=4096)
def _shared_source(kind: str, file: str, date: str) -> Source:
    """One :class:`Source` per distinct value: a library's papers come from a handful
    of files and listings, and a source is immutable."""
    return Source(kind, file, date)


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper: one TinyDB document (see :meth:`to_doc`).

    ``raw`` holds, for a paper imported from BibTeX, each field's value exactly as
    the ``.bib`` file spelled it (delimiters, commands, math, macro names); the
    decoded attributes are for display and search. A field edited here loses its
    raw value, so export writes the raw text for every field the user did not touch.
    ``aliases`` are other citation keys that must keep finding this paper.
    ``key_used`` is when the key first left the library (export, copy, pick).
    """

    title: str
    id: str = ""
    key: str = ""
    entry_type: str = "misc"
    authors: tuple[str, ...] = ()
    abstract: str = ""
    year: int | None = None
    venue: str = ""
    doi: str = ""
    arxiv: str = ""
    url: str = ""
    code_url: str = ""
    tags: tuple[str, ...] = ()
    status: str = "unread"
    priority: int | None = None
    rating: int | None = None
    notes: str = ""
    added: str = ""
    updated: str = ""
    read_at: str = ""
    sources: tuple[Source, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str | None] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    key_used: str = ""

    # -- serialisation -------------------------------------------------------
    def to_doc(self) -> dict[str, Any]:
        """The JSON document stored in the library (plain types only)."""
        doc: dict[str, Any] = {
            "id": self.id,
            "key": self.key,
            "entry_type": self.entry_type,
            "title": self.title,
            "authors": list(self.authors),
            "abstract": self.abstract,
            "year": self.year,
            "venue": self.venue,
            "doi": self.doi,
            "arxiv": self.arxiv,
            "url": self.url,
            "code_url": self.code_url,
            "tags": list(self.tags),
            "status": self.status,
            "priority": self.priority,
            "rating": self.rating,
            "notes": self.notes,
            "added": self.added,
            "updated": self.updated,
            "read_at": self.read_at,
            "sources": [s.to_doc() for s in self.sources],
            "extra": dict(self.extra),
        }
        # Written only when present: most papers have none, and a line per paper
        # should stay short enough to read in a diff.
        if self.raw:
            doc["raw"] = dict(self.raw)
        if self.aliases:
            doc["aliases"] = list(self.aliases)
        if self.key_used:
            doc["key_used"] = self.key_used
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Paper:
        """Build from a stored document, checking every field's type.

        Unknown keys are ignored and missing ones default; a field of the wrong
        type raises :class:`PaperFormatError` naming it, so a hand-edited
        ``"tags": "to-read"`` is reported rather than read as seven tags.
        Runs once per paper on every load, so it avoids copying what the document
        already owns (``extra`` and ``raw`` are shared: papers are never mutated in
        place), and a document as :meth:`to_doc` writes it (every member present,
        of its own type) is checked in a few C-level passes; any other goes
        through the member-by-member check, which names what is wrong.
        """
        try:
            (title, id_, key, entry_type, authors, abstract, year, venue, doi, arxiv, url,
             code_url, tags, status, priority, rating, notes, added, updated, read_at,
             sources, extra) = _STORED(doc)  # fmt: skip
        except KeyError:
            return cls._from_doc_checked(doc)
        get = doc.get
        raw, aliases, key_used = get("raw"), get("aliases"), get("key_used", "")
        texts = (title, id_, key, entry_type, abstract, venue, doi, arxiv, url, code_url,
                 status, notes, added, updated, read_at, key_used)  # fmt: skip
        if not (
            _TEXT_ONLY.issuperset(map(type, texts))
            and _NUMBER_OR_NULL.issuperset(map(type, (year, priority, rating)))
            and type(authors) is list
            and _TEXT_ONLY.issuperset(map(type, authors))
            and type(tags) is list
            and _TEXT_ONLY.issuperset(map(type, tags))
            and (aliases is None or type(aliases) is list)
            and _TEXT_ONLY.issuperset(map(type, aliases or ()))
            and type(extra) is dict
            and _TEXT_ONLY.issuperset(map(type, extra.values()))
            and (raw is None or type(raw) is dict)
            and _TEXT_OR_NULL.issuperset(map(type, (raw or {}).values()))
            and type(sources) is list
            and all(
                type(item) is dict and _TEXT_ONLY.issuperset(map(type, item.values()))
                for item in sources
            )
            and (status or "unread") in STATUSES
        ):
            return cls._from_doc_checked(doc)
        return cls(
            title,
            id_,
            key,
            entry_type or "misc",
            tuple(authors),
            abstract,
            year,
            venue,
            doi,
            arxiv,
            url,
            code_url,
            tuple(tags),
            status or "unread",
            priority,
            rating,
            notes,
            added,
            updated,
            read_at,
            tuple(
                _shared_source(s.get("kind", ""), s.get("file", ""), s.get("date", ""))
                for s in sources
            ),
            extra,
            {} if raw is None else raw,
            () if aliases is None else tuple(aliases),
            key_used,
        )

    @classmethod
    def _from_doc_checked(cls, doc: dict[str, Any]) -> Paper:
        """:meth:`from_doc` member by member: the first wrong one raises."""
        get = doc.get
        sources = get("sources")
        paper = cls(
            _text(get, "title"),
            _text(get, "id"),
            _text(get, "key"),
            _text(get, "entry_type") or "misc",
            _texts(get, "authors"),
            _text(get, "abstract"),
            _number(get, "year"),
            _text(get, "venue"),
            _text(get, "doi"),
            _text(get, "arxiv"),
            _text(get, "url"),
            _text(get, "code_url"),
            _texts(get, "tags"),
            _text(get, "status") or "unread",
            _number(get, "priority"),
            _number(get, "rating"),
            _text(get, "notes"),
            _text(get, "added"),
            _text(get, "updated"),
            _text(get, "read_at"),
            _sources(sources) if sources else (),
            _mapping(get, "extra"),
            _raw(get("raw")),
            _texts(get, "aliases"),
            _text(get, "key_used"),
        )
        if paper.status not in STATUSES:
            raise PaperFormatError("status", f"must be one of {', '.join(STATUSES)}")
        return paper

    # -- convenient views ----------------------------------------------------
    @property
    def first_author(self) -> str:
        """Surname of the first author ("Last, First" → "Last"; see ``text.surname``), or ""."""
        return surname(self.authors[0]) if self.authors else ""

    @property
    def link(self) -> str:
        """The best link to open: URL, else DOI, else arXiv, else code."""
        if self.url:
            return self.url
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.arxiv:
            return f"https://arxiv.org/abs/{self.arxiv}"
        return self.code_url

    def with_tags(self, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> Paper:
        removed = {t.casefold() for t in remove}
        kept = [t for t in self.tags if t.casefold() not in removed]
        return replace(self, tags=merge_tags(kept, add))

    def with_status(self, status: str) -> Paper:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r} (expected one of {', '.join(STATUSES)})")
        read_at = self.read_at
        if status == "read" and self.status != "read":
            read_at = now_iso()
        return replace(self, status=status, read_at=read_at)


@dataclass(frozen=True, slots=True)
class BibFile:
    """What an imported ``.bib`` file holds besides its entries: its ``@preamble``
    values and ``@string`` macros (name → value), as written and in file order.
    Export writes those that the exported entries use."""

    name: str
    preambles: tuple[str, ...] = ()
    strings: Mapping[str, str] = field(default_factory=dict)
    lower_names: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # BibTeX macro names ignore case; the first spelling is the definition used.
        lower: dict[str, str] = {}
        for name in self.strings:
            lower.setdefault(name.lower(), name)
        object.__setattr__(self, "lower_names", lower)

    def to_doc(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "preambles": list(self.preambles),
            "strings": [[k, v] for k, v in self.strings.items()],
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> BibFile:
        name, preambles, strings = doc.get("name"), doc.get("preambles"), doc.get("strings")
        if (
            type(name) is not str
            or type(preambles) is not list
            or not all(type(p) is str for p in preambles)
            or type(strings) is not list
            or not all(
                type(pair) is list and len(pair) == 2 and all(type(x) is str for x in pair)
                for pair in strings
            )
        ):
            raise PaperFormatError("strings", "of a .bib file record is malformed")
        return cls(name, tuple(preambles), {k: v for k, v in strings})


# The fields of ``list --json`` / ``pick --format json``: a stable, documented interface.
PUBLIC_FIELDS: tuple[str, ...] = (
    "id", "key", "entry_type", "title", "authors", "year", "venue", "tags", "status",
    "abstract", "url", "code_url", "doi", "arxiv", "notes", "added", "updated", "read_at",
)  # fmt: skip


def public_doc(paper: Paper) -> dict[str, Any]:
    """The paper as scripts see it (``--json``): stable field names, plain types."""
    doc = paper.to_doc()
    return {name: doc[name] for name in PUBLIC_FIELDS}


def merge_tags(existing: Sequence[str], new: Sequence[str]) -> tuple[str, ...]:
    """Tags are case-insensitively unique; the first spelling wins, order is kept."""
    seen = {t.casefold() for t in existing}
    out = list(existing)
    for tag in new:
        tag = tag.strip()
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            out.append(tag)
    return tuple(out)


def next_status(status: str) -> str:
    """unread → reading → read → unread (a skipped paper goes back to unread)."""
    if status not in STATUS_CYCLE:
        return STATUS_CYCLE[0]
    return STATUS_CYCLE[(STATUS_CYCLE.index(status) + 1) % len(STATUS_CYCLE)]


_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.IGNORECASE)


def clean_doi(doi: str) -> str:
    """``https://doi.org/10.1/ABC`` → ``10.1/ABC``: the DOI as the user wrote it."""
    return _DOI_PREFIX.sub("", doi.strip()).strip()


def normalise_doi(doi: str) -> str:
    """``https://doi.org/10.1/ABC`` → ``10.1/abc``, for comparing (DOIs ignore case)."""
    return clean_doi(doi).lower()


def normalise_arxiv(arxiv: str) -> str:
    """``arXiv:2401.12345v2`` or an abs/pdf URL → ``2401.12345``; "" if none found."""
    match = _ARXIV_ID.search(arxiv.strip())
    return match.group(1).lower() if match else ""


def id_rank(paper_id: str) -> int:
    """A paper's last-resort place among equals: fixed by its id, so that every index
    of a library (built at once, kept current for hours, or saved and caught up) ranks
    the same papers the same way, whatever order it met them in."""
    return zlib.crc32(paper_id.encode("utf-8"))
