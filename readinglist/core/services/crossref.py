"""Crossref: a work by DOI, ``{base}/works/{doi}``.

The DOI is percent-encoded as one path segment (``/`` included), so DOIs with
``<``, ``#``, ``;`` or ``/`` in their suffix reach the right record. An unknown DOI
is a 404 with a plain-text body. Crossref's metadata is taken from its JSON;
its content-negotiated BibTeX is not used (its keys and LaTeX are unreliable).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from .cache import TTL_ID, TTL_NOT_FOUND
from .metadata import Metadata, collapse, strip_markup
from .transport import BadRequest, HttpClient, RateLimiter, ServiceError

__all__ = ["CrossrefClient", "parse_work", "work_url"]

# Crossref work types (https://api.crossref.org/types) → BibTeX entry types.
ENTRY_TYPES = {
    "journal-article": "article",
    "proceedings-article": "inproceedings",
    "book-chapter": "incollection",
    "book-part": "incollection",
    "book-section": "incollection",
    "reference-entry": "incollection",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "proceedings": "proceedings",
    "report": "techreport",
    "dissertation": "phdthesis",
    "posted-content": "misc",
    "dataset": "misc",
    "standard": "misc",
}


def work_url(base: str, doi: str) -> str:
    return f"{base}/works/{quote(doi, safe='')}"


def _first(values: Any) -> str:
    if isinstance(values, list):
        for value in values:
            if isinstance(value, str) and value.strip():
                return value
        return ""
    return values if isinstance(values, str) else ""


def _year(message: dict[str, Any]) -> int | None:
    for name in ("issued", "published", "published-print", "published-online", "created"):
        parts = (message.get(name) or {}).get("date-parts") or []
        if parts and parts[0] and isinstance(parts[0][0], int):
            return int(parts[0][0])
    return None


def _date(message: dict[str, Any]) -> str:
    parts = ((message.get("issued") or {}).get("date-parts") or [[None]])[0]
    numbers = [p for p in parts if isinstance(p, int)]
    if not numbers:
        return ""
    return "-".join(f"{n:02d}" if i else str(n) for i, n in enumerate(numbers))


def _author(person: dict[str, Any]) -> str:
    family = collapse(str(person.get("family") or ""))
    given = collapse(str(person.get("given") or ""))
    if family and given:
        suffix = collapse(str(person.get("suffix") or ""))
        return f"{family}, {suffix}, {given}" if suffix else f"{family}, {given}"
    if family:
        return family
    name = collapse(str(person.get("name") or ""))
    return "{" + name + "}" if name else ""


def parse_work(body: bytes) -> Metadata:
    """A ``/works/{doi}`` JSON answer → :class:`Metadata`."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ServiceError(f"Crossref sent a response that is not JSON ({exc})") from None
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict) or data.get("message-type") != "work":
        raise ServiceError("Crossref sent JSON that is not a work record")
    title = strip_markup(_first(message.get("title")))
    subtitle = strip_markup(_first(message.get("subtitle")))
    if subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title}: {subtitle}"
    authors = tuple(
        name
        for person in message.get("author") or []
        if isinstance(person, dict) and (name := _author(person))
    )
    container = _first(message.get("container-title"))
    return Metadata(
        source="crossref",
        title=title,
        authors=authors,
        year=_year(message),
        abstract=strip_markup(str(message.get("abstract") or "")),
        doi=str(message.get("DOI") or "").lower(),
        venue=strip_markup(container),
        entry_type=ENTRY_TYPES.get(str(message.get("type") or ""), "misc"),
        published=_date(message),
        volume=str(message.get("volume") or ""),
        number=str(message.get("issue") or ""),
        pages=str(message.get("page") or message.get("article-number") or "").replace(
            "\u2013", "--"
        ),
        publisher=collapse(str(message.get("publisher") or "")),
    )


class CrossrefClient:
    """Works by DOI over a shared :class:`HttpClient`."""

    def __init__(self, http: HttpClient, limiter: RateLimiter) -> None:
        self.http = http
        self.limiter = limiter
        self.base = http.settings.crossref_api

    def work(self, doi: str) -> Metadata | None:
        """The work, or None if Crossref does not know the DOI (404)."""
        url = work_url(self.base, doi)
        try:
            response = self.http.get(url, self.limiter, accept="application/json", cache_key=url)
        except BadRequest:
            raise ServiceError(f"Crossref rejected the DOI {doi!r} (HTTP 400)") from None
        if response.status == 404:
            if not response.from_cache:
                self.http.remember(url, 404, b"", TTL_NOT_FOUND)
            return None
        meta = parse_work(response.body)
        if not response.from_cache:
            self.http.remember(url, 200, response.body, TTL_ID)
        return meta
