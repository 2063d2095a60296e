"""Hugging Face Daily Papers: one day's list, ``{base}/daily_papers?date=YYYY-MM-DD``.

Each item holds the paper under ``paper`` (arXiv id, title, abstract, authors,
``publishedAt`` = the arXiv date, ``githubRepo``); the top-level fields describe the
submission and are not used. A day has at most a few dozen papers; pages of
:data:`PAGE` are fetched until one comes back short.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from .cache import TTL_ID, TTL_RECENT
from .identifiers import is_arxiv_id
from .metadata import Metadata, collapse, person_name
from .transport import BadRequest, HttpClient, RateLimiter, ServiceError

__all__ = ["HuggingFaceClient", "parse_daily_papers"]

PAGE = 100
MAX_PAGES = 5


def _paper(item: Any) -> Metadata | None:
    if not isinstance(item, dict):
        return None
    inner = item.get("paper")
    paper: dict[str, Any] = inner if isinstance(inner, dict) else item
    arxiv = str(paper.get("id") or "").strip()
    title = collapse(str(paper.get("title") or item.get("title") or ""))
    if not is_arxiv_id(arxiv) or not title:
        return None
    authors = tuple(
        person_name(str(author.get("name") or ""))
        for author in paper.get("authors") or []
        if isinstance(author, dict) and str(author.get("name") or "").strip()
    )
    published = str(paper.get("publishedAt") or "")[:10]
    github = str(paper.get("githubRepo") or "").strip()
    return Metadata(
        source="huggingface",
        title=title,
        authors=authors,
        year=int(published[:4]) if published[:4].isdigit() else None,
        abstract=collapse(str(paper.get("summary") or item.get("summary") or "")),
        arxiv=arxiv,
        published=published,
        code_url=github if github.startswith("https://") else "",
    )


def parse_daily_papers(body: bytes) -> list[Metadata]:
    """A ``daily_papers`` JSON list → papers (items without an arXiv id are skipped)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ServiceError(f"Hugging Face sent a response that is not JSON ({exc})") from None
    if not isinstance(data, list):
        raise ServiceError("Hugging Face sent JSON that is not a list of daily papers")
    return [meta for item in data if (meta := _paper(item)) is not None]


class HuggingFaceClient:
    """Daily Papers days over a shared :class:`HttpClient`."""

    def __init__(self, http: HttpClient, limiter: RateLimiter) -> None:
        self.http = http
        self.limiter = limiter
        self.base = http.settings.hf_api

    def daily(self, day: date, *, today: date | None = None) -> list[Metadata]:
        """The papers of one Daily Papers day, in the listing's order."""
        today = today or date.today()
        ttl = TTL_RECENT if day >= today - timedelta(days=2) else TTL_ID
        papers: list[Metadata] = []
        for page in range(MAX_PAGES):
            url = f"{self.base}/daily_papers?date={day.isoformat()}&limit={PAGE}"
            if page:
                url += f"&p={page}"
            try:
                response = self.http.get(
                    url, self.limiter, accept="application/json", cache_key=url
                )
            except BadRequest:
                raise ServiceError(
                    f"Hugging Face has no Daily Papers list for {day.isoformat()} (HTTP 400)"
                ) from None
            if response.status == 404:
                break
            batch = parse_daily_papers(response.body)
            if not response.from_cache:
                self.http.remember(url, 200, response.body, ttl)
            papers.extend(batch)
            if len(json.loads(response.body)) < PAGE:
                break
        unique: dict[str, Metadata] = {}
        for paper in papers:  # pages can overlap while the list grows
            unique.setdefault(paper.arxiv, paper)
        return list(unique.values())
