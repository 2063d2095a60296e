"""The response cache: lifetimes (ids 30 days, searches 7, not-found 3, errors never)
and offline mode, which reads only the cache."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from readinglist.core.services.api import Services
from readinglist.core.services.cache import ResponseCache
from readinglist.core.services.settings import ServiceSettings

from .conftest import ARXIV_PATH, Clock, MakeServices, arxiv_answers
from .formats import CROSSREF_NOT_FOUND, SPEECH, VISION, daily_papers, hf_item
from .server import LocalServer, Reply

pytestmark = pytest.mark.unit

SEARCH = 'ti:"whisper quiet streaming speech recognition on microcontrollers"'
TITLE = SPEECH.title


def test_cache_entries_expire_after_their_lifetime(tmp_path: Path, clock: Clock) -> None:
    cache = ResponseCache(tmp_path, clock=clock)
    cache.put("k", 200, b"body", ttl=86400)
    clock.advance(0.9)
    hit = cache.get("k")
    assert hit is not None and (hit.status, hit.body, hit.expired) == (200, b"body", False)
    clock.advance(0.2)
    assert cache.get("k") is None
    stale = cache.get("k", allow_stale=True)
    assert stale is not None and stale.expired
    cache.close()


def test_an_unusable_cache_is_switched_off(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = ResponseCache(blocker / "cache")
    cache.put("k", 200, b"x", ttl=10)
    assert cache.get("k") is None
    assert "not usable" in cache.problem


@pytest.mark.parametrize(("days", "requests"), [(29, 1), (31, 2)])
def test_id_lookups_are_kept_30_days(
    server: LocalServer, make_services: MakeServices, clock: Clock, days: int, requests: int
) -> None:
    server.route(ARXIV_PATH, arxiv_answers([VISION]))
    make_services().lookup(["2403.01123"], follow_doi=False)
    clock.advance(days)
    (result,) = make_services().lookup(["arXiv:2403.01123v2"], follow_doi=False)
    assert result.status == "found" and result.meta is not None
    assert result.meta.title.startswith("Lattice Attention")
    assert len(server.hits(ARXIV_PATH)) == requests


@pytest.mark.parametrize(("days", "requests"), [(6, 1), (8, 2)])
def test_searches_are_kept_7_days(
    server: LocalServer, make_services: MakeServices, clock: Clock, days: int, requests: int
) -> None:
    server.route(ARXIV_PATH, arxiv_answers([], {SEARCH: [SPEECH]}))
    assert make_services().arxiv.search_title(TITLE)[0].arxiv == "2403.04567"
    clock.advance(days)
    assert make_services().arxiv.search_title(TITLE)[0].arxiv == "2403.04567"
    assert len(server.hits(ARXIV_PATH)) == requests


@pytest.mark.parametrize(("days", "requests"), [(2, 1), (4, 2)])
def test_not_found_is_kept_3_days(
    server: LocalServer, make_services: MakeServices, clock: Clock, days: int, requests: int
) -> None:
    path = "/crossref/works/10.1234%2Fnothing"
    server.route(path, Reply(404, CROSSREF_NOT_FOUND, "text/plain"))
    make_services().lookup(["doi:10.1234/nothing"])
    clock.advance(days)
    (result,) = make_services().lookup(["doi:10.1234/nothing"])
    assert result.status == "not_found"
    assert len(server.hits(path)) == requests


def test_errors_are_never_kept(server: LocalServer, make_services: MakeServices) -> None:
    server.route(ARXIV_PATH, Reply(500, "oops", "text/plain"))
    services = make_services(max_attempts=1)
    assert services.lookup(["2403.01123"], follow_doi=False)[0].status == "error"
    server.route(ARXIV_PATH, arxiv_answers([VISION]))
    assert make_services().lookup(["2403.01123"], follow_doi=False)[0].status == "found"
    assert len(server.hits(ARXIV_PATH)) == 2


def test_offline_reads_only_the_cache_even_when_expired(
    server: LocalServer, make_services: MakeServices, clock: Clock
) -> None:
    server.route(ARXIV_PATH, arxiv_answers([VISION, SPEECH]))
    server.route(
        "/hf/api/daily_papers",
        Reply(200, daily_papers([hf_item(SPEECH, day="2024-03-08")]), "application/json"),
    )
    online = make_services()
    online.lookup(["2403.01123"], follow_doi=False)
    online.daily(date(2024, 3, 8), complete=False)
    before = len(server.log)
    clock.advance(400)  # long expired: offline still uses it
    offline = make_services(offline=True)
    results = offline.lookup(["2403.01123", "2403.04567"], follow_doi=False)
    assert [r.status for r in results] == ["found", "unavailable"]
    assert "offline" in results[1].message
    assert [p.arxiv for p in offline.daily(date(2024, 3, 8), complete=False)] == ["2403.04567"]
    assert offline.http.requests == 0
    assert len(server.log) == before


def test_offline_without_a_cache_entry_sends_nothing(
    server: LocalServer, make_services: MakeServices
) -> None:
    services = make_services(offline=True)
    results = services.lookup(["2403.01123", "10.1371/journal.pone.0000001"])
    assert [r.status for r in results] == ["unavailable", "unavailable"]
    assert all("offline: no cached answer" in r.message for r in results)
    assert server.log == []


def test_offline_creates_nothing(tmp_path: Path, settings: ServiceSettings) -> None:
    offline = replace(settings, cache_dir=tmp_path / "never", offline=True)
    with Services.open(offline) as services:
        (result,) = services.lookup(["2403.01123"])
    assert result.status == "unavailable"
    assert not (tmp_path / "never").exists()
