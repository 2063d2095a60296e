"""Fixtures: a local server in the services' formats, and clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from readinglist.core.services.api import Services
from readinglist.core.services.cache import ResponseCache
from readinglist.core.services.settings import ServiceSettings
from readinglist.core.services.transport import HttpClient

from .formats import ArxivPaper, error_feed, feed_2025
from .server import LocalServer, Reply, Request

ARXIV_PATH = "/arxiv/api/query"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    local.start()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture
def settings(server: LocalServer, tmp_path: Path) -> ServiceSettings:
    """Settings for the local server; intervals and backoff short where a test does
    not check them (the 3 s arXiv default is tested on its own)."""
    return ServiceSettings.load(
        {},
        {
            "READINGLIST_ARXIV_API": server.url + "/arxiv/api",
            "READINGLIST_CROSSREF_API": server.url + "/crossref",
            "READINGLIST_HF_API": server.url + "/hf/api",
        },
        cache_dir=tmp_path / "cache",
        arxiv_interval=0.05,
        crossref_interval=0.0,
        hf_interval=0.0,
        backoff_s=0.05,
        timeout=2.0,
    )


class Clock:
    """Wall-clock time that tests move forward (cache lifetimes)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, days: float) -> None:
        self.now += days * 86400


@pytest.fixture
def clock() -> Clock:
    return Clock()


MakeServices = Callable[..., Services]


@pytest.fixture
def make_services(settings: ServiceSettings, clock: Clock) -> Iterator[MakeServices]:
    """``make_services(**changes)`` → Services over a cache with the test clock."""
    caches: list[ResponseCache] = []

    def make(**changes: object) -> Services:
        chosen = replace(settings, **changes)  # type: ignore[arg-type]
        cache = ResponseCache(chosen.resolved_cache_dir, clock=clock, read_only=chosen.offline)
        caches.append(cache)
        return Services(HttpClient(chosen, cache))

    yield make
    for cache in caches:
        cache.close()


def arxiv_answers(
    papers: list[ArxivPaper],
    searches: dict[str, list[ArxivPaper]] | None = None,
    feed: Callable[..., str] = feed_2025,
) -> Callable[[Request], Reply]:
    """arXiv's behaviour: id lists answer the ids that exist (in arXiv's order, not
    the request's); a malformed id fails the whole request with the 400 error feed;
    searches answer what ``searches`` lists for the exact ``search_query``."""
    from readinglist.core.services.identifiers import arxiv_key, is_arxiv_id

    by_id = {p.id: p for p in papers}

    def answer(request: Request) -> Reply:
        if "id_list" in request.query:
            ids = request.arg("id_list").split(",")
            for requested in ids:
                if not is_arxiv_id(requested):
                    return Reply(400, error_feed(requested))
            found = [by_id[arxiv_key(i)] for i in ids if arxiv_key(i) in by_id]
            found.sort(key=lambda p: p.id, reverse=True)
            return Reply(200, feed(found, request.raw_query))
        query = request.arg("search_query")
        return Reply(200, feed((searches or {}).get(query, []), request.raw_query))

    return answer
