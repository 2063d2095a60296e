"""What a service knows about a paper, and how it becomes library data.

:class:`Metadata` is the one shape every service returns. Two pure functions turn
it into library data:

- :func:`missing_fields` — the changes to apply to an existing :class:`Paper`:
  only fields the paper lacks are filled, nothing the user has is overwritten. It
  returns a plain ``{field: new value}`` dict; ``"extra"`` maps to the BibTeX
  fields to *add* to ``extra`` (none of them present yet), a delta like the other
  fields, so it never carries back an old value of a field edited meanwhile.
- :func:`paper_from_metadata` — a new :class:`Paper` (``add ID``), with ``eprint``,
  ``archiveprefix`` and ``primaryclass`` in ``extra`` for arXiv papers.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from typing import Any

from ..model import Paper, Source

__all__ = [
    "Metadata",
    "merge_metadata",
    "missing_fields",
    "paper_from_metadata",
    "person_name",
]


@dataclass(frozen=True, slots=True)
class Metadata:
    """One paper as a service describes it (empty strings for what it does not say)."""

    source: str  # "arxiv", "crossref", "huggingface"
    title: str = ""
    authors: tuple[str, ...] = ()  # "Last, First"
    year: int | None = None
    abstract: str = ""
    arxiv: str = ""  # without version
    arxiv_version: str = ""  # "v2"
    primary_class: str = ""
    doi: str = ""  # lower case
    journal_ref: str = ""  # arXiv's free-text journal reference
    venue: str = ""
    entry_type: str = ""  # BibTeX type when the service says what the work is
    published: str = ""  # ISO date of first publication (arXiv v1, Crossref issued)
    volume: str = ""
    number: str = ""
    pages: str = ""
    publisher: str = ""
    code_url: str = ""

    def to_doc(self) -> dict[str, Any]:
        """Plain JSON types, for the response cache."""
        doc: dict[str, Any] = {}
        for name in self.__slots__:
            value = getattr(self, name)
            doc[name] = list(value) if isinstance(value, tuple) else value
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Metadata:
        values = {name: doc[name] for name in cls.__slots__ if name in doc}
        values["authors"] = tuple(values.get("authors") or ())
        return cls(**values)


# -- names ---------------------------------------------------------------------

_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|v)\.?$", re.IGNORECASE)


def person_name(text: str) -> str:
    """A name as services print it (``"Ludwig van Beethoven"``) → ``"van Beethoven, Ludwig"``.

    Lower-case words after the first start the surname (``van``, ``de la``), a
    trailing ``Jr.``/``III`` is kept as BibTeX's "Jr" part, a single word is the
    surname alone, and a name that already has a comma is kept as written.
    """
    words = text.split()
    if not words:
        return ""
    joined = " ".join(words)
    if "," in joined:
        return joined
    suffix = ""
    if len(words) > 2 and _SUFFIX.match(words[-1]):
        suffix = words.pop()
    if len(words) == 1:
        return words[0] + (f", {suffix}" if suffix else "")
    cut = len(words) - 1
    for index in range(1, len(words) - 1):
        if words[index][:1].islower():
            cut = index
            break
    last, first = " ".join(words[cut:]), " ".join(words[:cut])
    return f"{last}, {suffix}, {first}" if suffix else f"{last}, {first}"


# -- text clean-up -------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def collapse(text: str) -> str:
    """One line: hard line breaks and runs of spaces become single spaces."""
    return _SPACE.sub(" ", text).strip()


def strip_markup(text: str) -> str:
    """JATS/HTML/MathML tags removed, entities decoded, paragraphs kept apart.

    Crossref abstracts are JATS (``<jats:p>``), often with a ``<jats:title>Abstract``
    heading that is not part of the text.
    """
    text = re.sub(r"<(?:jats:)?title>\s*abstract\s*</(?:jats:)?title>", "", text, flags=re.I)
    paragraphs = re.split(r"</(?:jats:)?p>|<(?:jats:)?p[^>]*>", text)
    cleaned = [collapse(html.unescape(_TAG.sub("", p))) for p in paragraphs]
    return "\n\n".join(p for p in cleaned if p)


_JOURNAL_LEAD = re.compile(
    r"^(?:(?:accepted|to appear|published|presented|appeared)\s+(?:at|in|to|by)\s+"
    r"(?:the\s+)?)",
    re.IGNORECASE,
)
_JOURNAL_TAIL = re.compile(r"[,;(]|\s\d+(?![\dA-Za-z])|\s+vol\.?\s", re.IGNORECASE)


def venue_from_journal_ref(journal_ref: str) -> str:
    """The venue name at the start of an arXiv journal reference, or "".

    ``"Phys. Rev. D 76, 013009 (2007)"`` → ``"Phys. Rev. D"``; ``"Proceedings of the
    40th International Conference on Machine Learning, PMLR 202"`` keeps its name.
    Returns "" when what is left is not plausibly a name.
    """
    text = _JOURNAL_LEAD.sub("", collapse(journal_ref))
    match = _JOURNAL_TAIL.search(text)
    name = (text[: match.start()] if match else text).strip(" :;,-")
    if len(name) < 3 or not re.search(r"[A-Za-z]{2}", name):
        return ""
    return name


_PROCEEDINGS = re.compile(r"\b(?:proc\.|proceedings|conference|workshop|symposium)\b", re.I)


def entry_type_for_venue(venue: str) -> str:
    return "inproceedings" if _PROCEEDINGS.search(venue) else "article"


# -- combining sources -----------------------------------------------------------


def merge_metadata(primary: Metadata, secondary: Metadata) -> Metadata:
    """``primary`` with its empty fields taken from ``secondary``.

    Used for an arXiv record whose DOI Crossref knows: arXiv's authors and abstract,
    Crossref's venue and type. The caller checks first that both describe one paper.
    """
    values: dict[str, Any] = {}
    for name in primary.__slots__:
        if name == "source":
            continue
        mine = getattr(primary, name)
        if mine in ("", (), None):
            theirs = getattr(secondary, name)
            if theirs not in ("", (), None):
                values[name] = theirs
    if secondary.entry_type and secondary.venue and not primary.venue:
        values["entry_type"] = secondary.entry_type
    return replace(primary, **values)


def _arxiv_extra(meta: Metadata) -> dict[str, str]:
    if not meta.arxiv:
        return {}
    extra = {"eprint": meta.arxiv, "archiveprefix": "arXiv"}
    if meta.primary_class:
        extra["primaryclass"] = meta.primary_class
    return extra


# biblatex's data model has no publisher for a journal article (biber warns).
_NO_PUBLISHER = frozenset({"article"})


def _bib_extra(meta: Metadata, entry_type: str) -> dict[str, str]:
    extra: dict[str, str] = {}
    for name in ("volume", "number", "pages", "publisher"):
        value = getattr(meta, name)
        if value and not (name == "publisher" and entry_type in _NO_PUBLISHER):
            extra[name] = value
    return extra


def _venue_and_type(meta: Metadata) -> tuple[str, str]:
    """The venue and BibTeX type a new paper gets from ``meta``."""
    venue = meta.venue or venue_from_journal_ref(meta.journal_ref)
    if meta.entry_type:
        entry_type = meta.entry_type
    elif venue:
        entry_type = entry_type_for_venue(venue)
    else:
        entry_type = "misc"
    if entry_type == "misc":
        venue = ""  # @misc has no journal field: keep what is known in eprint/doi
    return venue, entry_type


def paper_from_metadata(meta: Metadata, source: Source | None = None) -> Paper:
    """A new library paper (no id or key yet: the library assigns them)."""
    venue, entry_type = _venue_and_type(meta)
    extra = _arxiv_extra(meta)
    if entry_type != "misc":
        extra.update(_bib_extra(meta, entry_type))
    return Paper(
        title=meta.title,
        entry_type=entry_type,
        authors=meta.authors,
        abstract=meta.abstract,
        year=meta.year,
        venue=venue,
        doi=meta.doi,
        arxiv=meta.arxiv,
        code_url=meta.code_url,
        sources=(source,) if source is not None else (Source(kind="add"),),
        extra=extra,
    )


def missing_fields(paper: Paper, meta: Metadata) -> dict[str, Any]:
    """The changes that fill what ``paper`` lacks from ``meta`` (see the module docstring).

    Nothing present is overwritten. The entry type changes only from the default
    ``misc`` of a paper that did not come from BibTeX, and only together with a
    venue it is filling, so an ``@misc`` never gains a journal.
    """
    changes: dict[str, Any] = {}
    if not paper.title.strip() and meta.title:
        changes["title"] = meta.title
    if not paper.authors and meta.authors:
        changes["authors"] = meta.authors
    if paper.year is None and meta.year is not None:
        changes["year"] = meta.year
    if not paper.abstract.strip() and meta.abstract:
        changes["abstract"] = meta.abstract
    if not paper.doi.strip() and meta.doi:
        changes["doi"] = meta.doi
    if not paper.arxiv.strip() and meta.arxiv:
        changes["arxiv"] = meta.arxiv
    if not paper.code_url.strip() and not paper.url.strip() and meta.code_url:
        changes["code_url"] = meta.code_url
    from_bibtex = any(source.kind == "bibtex" for source in paper.sources)
    venue, entry_type = _venue_and_type(meta)
    if not paper.venue.strip() and venue:
        if paper.entry_type != "misc":
            changes["venue"] = venue
        elif not from_bibtex and entry_type != "misc":
            changes["venue"] = venue
            changes["entry_type"] = entry_type
    present = {name.lower() for name in paper.extra}
    additions = _arxiv_extra(meta) if not paper.arxiv or paper.arxiv == meta.arxiv else {}
    final_type = changes.get("entry_type", paper.entry_type)
    if final_type != "misc":
        additions.update(_bib_extra(meta, final_type))
    extra = {name: value for name, value in additions.items() if name not in present}
    if extra:
        changes["extra"] = extra
    return changes
