"""The arXiv API: records by id (batched) and title search.

Requests are ``{base}/query?id_list=…&max_results=N`` (at most :data:`BATCH` ids
each) and ``{base}/query?search_query=ti:"…"&max_results=5``. Answers are Atom in
either of the formats arXiv has used (before and after its 2025 change); the
parser reads elements by namespace only, never by prefix or by the feed's title or
id. Errors come as a feed too (HTTP 400 since 2025, HTTP 200 before) whose one
entry has an id containing ``/api/errors``. Records are matched to the requested
ids by id, never by position: a batch answers only the ids that exist.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from ..model import fold_text
from .cache import TTL_ID, TTL_NOT_FOUND, TTL_SEARCH
from .identifiers import arxiv_key
from .metadata import Metadata, collapse, person_name, venue_from_journal_ref
from .transport import BadRequest, HttpClient, RateLimiter, ServiceError

__all__ = ["BATCH", "ArxivAnswers", "ArxivClient", "ArxivError", "AtomFeed", "parse_atom"]

BATCH = 50
SEARCH_RESULTS = 5

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

_ABS_ID = re.compile(r"/abs/(.+?)(v\d+)?$")


class ArxivError(ServiceError):
    """arXiv answered with its error feed (e.g. "incorrect id format for abc")."""


@dataclass(frozen=True, slots=True)
class AtomFeed:
    """A parsed answer: the records, the total arXiv reports, or its error message."""

    entries: tuple[Metadata, ...]
    total: int | None
    error: str = ""


def _text(element: ET.Element | None) -> str:
    return collapse(element.text or "") if element is not None else ""


def _entry(element: ET.Element) -> Metadata | None:
    entry_id = _text(element.find(f"{ATOM}id"))
    match = _ABS_ID.search(entry_id)
    if match is None:
        return None
    published = _text(element.find(f"{ATOM}published"))
    year = int(published[:4]) if published[:4].isdigit() else None
    primary = element.find(f"{ARXIV}primary_category")
    doi = _text(element.find(f"{ARXIV}doi"))
    if not doi:
        for link in element.findall(f"{ATOM}link"):
            if link.get("title") == "doi":
                doi = re.sub(r"^https?://(?:dx\.)?doi\.org/", "", link.get("href", ""))
    journal_ref = _text(element.find(f"{ARXIV}journal_ref"))
    authors = tuple(
        person_name(_text(author.find(f"{ATOM}name")))
        for author in element.findall(f"{ATOM}author")
        if _text(author.find(f"{ATOM}name"))
    )
    return Metadata(
        source="arxiv",
        title=_text(element.find(f"{ATOM}title")),
        authors=authors,
        year=year,
        abstract=_text(element.find(f"{ATOM}summary")),
        arxiv=match.group(1),
        arxiv_version=match.group(2) or "",
        primary_class=primary.get("term", "") if primary is not None else "",
        doi=doi.strip().lower(),
        journal_ref=journal_ref,
        venue=venue_from_journal_ref(journal_ref),
        published=published[:10],
    )


def parse_atom(body: bytes) -> AtomFeed:
    """Parse an arXiv Atom answer (both formats; errors become ``AtomFeed.error``)."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ArxivError(f"arXiv sent a response that is not Atom XML ({exc})") from None
    if root.tag != f"{ATOM}feed":
        raise ArxivError("arXiv sent XML that is not an Atom feed")
    total_text = _text(root.find(f"{OPENSEARCH}totalResults"))
    total = int(total_text) if total_text.isdigit() else None
    entries: list[Metadata] = []
    for element in root.findall(f"{ATOM}entry"):
        entry_id = _text(element.find(f"{ATOM}id"))
        if "/api/errors" in entry_id:
            message = _text(element.find(f"{ATOM}summary")) or "unknown error"
            return AtomFeed((), total, message)
        meta = _entry(element)
        if meta is not None:
            entries.append(meta)
    return AtomFeed(tuple(entries), total)


Progress = Callable[[int, int], None]


@dataclass(slots=True)
class ArxivAnswers:
    """Per requested id (by :func:`arxiv_key`): the record or None (no such paper),
    or the error that kept its batch from being answered."""

    found: dict[str, Metadata | None] = field(default_factory=dict)
    failed: dict[str, ServiceError] = field(default_factory=dict)


class ArxivClient:
    """Records by id and title search, over a shared :class:`HttpClient`."""

    def __init__(self, http: HttpClient, limiter: RateLimiter) -> None:
        self.http = http
        self.limiter = limiter
        self.base = http.settings.arxiv_api

    def _cache_key(self, key: str) -> str:
        return f"{self.base}/query?id_list={key}"

    def lookup(self, ids: Sequence[str], progress: Progress | None = None) -> ArxivAnswers:
        """Records for ``ids`` (any accepted spelling), keyed by :func:`arxiv_key`.

        Batches that fail (host unreachable, offline without cache, an error feed)
        put their ids in ``failed`` with the reason; the other batches still count.
        """
        keys = list(dict.fromkeys(arxiv_key(i) for i in ids))
        answers = ArxivAnswers()
        wanted: list[str] = []
        for key in keys:
            hit = self.http.cached(self._cache_key(key))
            if hit is None:
                wanted.append(key)
            elif hit.status == 200:
                answers.found[key] = Metadata.from_doc(json.loads(hit.body))
            else:
                answers.found[key] = None
        if progress is not None:
            progress(len(answers.found), len(keys))
        for start in range(0, len(wanted), BATCH):
            batch = wanted[start : start + BATCH]
            try:
                answers.found.update(self._fetch(batch))
            except ServiceError as exc:
                answers.failed.update(dict.fromkeys(batch, exc))
            if progress is not None:
                progress(len(answers.found) + len(answers.failed), len(keys))
        return answers

    def _request(self, batch: Sequence[str]) -> AtomFeed:
        url = (
            f"{self.base}/query?id_list={','.join(quote(k, safe='/.') for k in batch)}"
            f"&max_results={len(batch)}"
        )
        try:
            response = self.http.get(url, self.limiter, accept="application/atom+xml")
        except BadRequest as exc:
            feed = parse_atom(exc.body) if exc.body else AtomFeed((), None, "HTTP 400")
            raise ArxivError(f"arXiv rejected the request: {feed.error or 'HTTP 400'}") from None
        if response.status != 200:
            raise ArxivError(f"arXiv answered HTTP {response.status} for an id lookup")
        feed = parse_atom(response.body)
        if feed.error:
            raise ArxivError(f"arXiv rejected the request: {feed.error}")
        return feed

    def _fetch(self, batch: Sequence[str]) -> dict[str, Metadata | None]:
        feed = self._request(batch)
        if not feed.entries:
            # arXiv sometimes answers an empty page by mistake: ask once more.
            feed = self._request(batch)
        by_key = {arxiv_key(meta.arxiv): meta for meta in feed.entries}
        result: dict[str, Metadata | None] = {}
        for key in batch:
            meta = by_key.get(key)
            result[key] = meta
            if meta is None:
                self.http.remember(self._cache_key(key), 404, b"", TTL_NOT_FOUND)
            else:
                body = json.dumps(meta.to_doc()).encode()
                self.http.remember(self._cache_key(key), 200, body, TTL_ID)
        return result

    def search_title(self, title: str) -> list[Metadata]:
        """Up to :data:`SEARCH_RESULTS` records whose title matches ``title`` as a phrase,
        else all of its words; the caller verifies them."""
        words = _query_words(title)
        if not words:
            return []
        phrase = "ti:%22" + "+".join(quote(w) for w in words) + "%22"
        found = self._search(phrase)
        if not found and len(words) > 1:
            every = "+AND+".join("ti:" + quote(w) for w in words[:12])
            found = self._search(every)
        return found

    def _search(self, query: str) -> list[Metadata]:
        url = f"{self.base}/query?search_query={query}&max_results={SEARCH_RESULTS}"
        response = self.http.get(url, self.limiter, accept="application/atom+xml", cache_key=url)
        if response.status != 200:
            raise ArxivError(f"arXiv answered HTTP {response.status} for a search")
        feed = parse_atom(response.body)
        if feed.error:
            raise ArxivError(f"arXiv rejected the search: {feed.error}")
        if not response.from_cache:
            self.http.remember(url, 200, response.body, TTL_SEARCH)
        return list(feed.entries)


_QUERY_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _query_words(title: str) -> list[str]:
    """Title words for a query: accents and LaTeX dropped (arXiv's search mishandles
    both), punctuation such as ``:`` removed."""
    return _QUERY_WORD.findall(fold_text(title))
