"""The shared HTTP client, checked on the server side: User-Agent, arXiv's 3 s spacing
(in one process and across processes), Retry-After and backoff, no retry of 400/404,
timeouts, refused connections and the circuit breaker."""

from __future__ import annotations

import gzip
import itertools
import subprocess
import sys
import time
from dataclasses import replace
from email.utils import formatdate
from pathlib import Path

import pytest

from readinglist import __version__
from readinglist.core.services.api import Services
from readinglist.core.services.settings import ServiceSettings
from readinglist.core.services.transport import (
    BadRequest,
    HttpClient,
    RateLimiter,
    ServiceError,
    ServiceUnavailable,
    user_agent,
)

from .conftest import ARXIV_PATH, MakeServices, arxiv_answers
from .formats import SPEECH, VISION, ArxivPaper, crossref_work
from .server import LocalServer, Reply, closed_port


def papers(count: int) -> list[ArxivPaper]:
    return [
        ArxivPaper(f"2402.{n:05d}", f"Paper {n}", ("A B",), "words " * 10, "2024-02-01T00:00:00Z")
        for n in range(1, count + 1)
    ]


def gaps(server: LocalServer, path: str) -> list[float]:
    times = [r.at for r in server.hits(path)]
    return [b - a for a, b in itertools.pairwise(times)]


@pytest.mark.unit
def test_user_agent_names_readinglist_its_version_and_mailto(
    server: LocalServer, make_services: MakeServices
) -> None:
    server.route(ARXIV_PATH, arxiv_answers([VISION]))
    make_services(mailto="me@example.org").lookup(["2403.01123"], follow_doi=False)
    (request,) = server.hits(ARXIV_PATH)
    assert request.headers["user-agent"] == f"readinglist/{__version__} (mailto:me@example.org)"
    assert user_agent() == f"readinglist/{__version__}"


@pytest.mark.slow
def test_arxiv_default_is_one_request_per_three_seconds(
    server: LocalServer, make_services: MakeServices
) -> None:
    """The real default (3 s), measured between request arrivals at the server."""
    listed = papers(3)
    server.route(ARXIV_PATH, arxiv_answers(listed))
    services = make_services(arxiv_interval=ServiceSettings().arxiv_interval)
    assert services.arxiv.limiter.interval == 3.0
    for paper in listed:  # three separate lookups: three requests
        services.lookup([paper.id], follow_doi=False)
    spacing = gaps(server, ARXIV_PATH)
    assert len(spacing) == 2
    assert min(spacing) >= 3.0, spacing


@pytest.mark.process
def test_arxiv_spacing_holds_across_processes(
    server: LocalServer, settings: ServiceSettings
) -> None:
    """Two processes sharing a cache directory take turns through its timestamp file."""
    listed = papers(6)
    server.route(ARXIV_PATH, arxiv_answers(listed))
    script = (
        "import sys\n"
        "from readinglist.core.services import Services, ServiceSettings\n"
        "from pathlib import Path\n"
        "settings = ServiceSettings.load(cache_dir=Path(sys.argv[1]))\n"
        "with Services.open(settings) as services:\n"
        "    for arxiv in sys.argv[2:]:\n"
        "        (r,) = services.lookup([arxiv], follow_doi=False)\n"
        "        assert r.status == 'found', r\n"
    )
    env = {
        "READINGLIST_ARXIV_API": settings.arxiv_api,
        "READINGLIST_ARXIV_INTERVAL": "0.5",  # honoured for a loopback base URL only
        "PATH": "/usr/bin:/bin",
    }
    cache = str(settings.resolved_cache_dir)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script, cache, *(p.id for p in part)],
            env=env,
            stderr=subprocess.PIPE,
        )
        for part in (listed[:3], listed[3:])
    ]
    for run in runs:
        _, err = run.communicate(timeout=60)
        assert run.returncode == 0, err.decode()
    spacing = gaps(server, ARXIV_PATH)
    assert len(spacing) == 5
    assert min(spacing) >= 0.5, spacing


@pytest.mark.unit
def test_interval_override_is_ignored_for_a_public_host() -> None:
    loaded = ServiceSettings.load({}, {"READINGLIST_ARXIV_INTERVAL": "0"})
    assert loaded.arxiv_api == "https://export.arxiv.org/api"
    assert loaded.arxiv_interval == 3.0


@pytest.mark.unit
def test_limiter_waits_from_the_end_of_the_previous_request(tmp_path: Path) -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(3.0, tmp_path / "state", clock=lambda: now[0], sleep=sleep)
    with limiter.slot():
        now[0] += 1.0  # the request takes a second
    now[0] += 0.5
    with limiter.slot():
        pass
    assert slept == [pytest.approx(2.5)]
    assert float((tmp_path / "state").read_text()) == pytest.approx(
        104.0
    )  # the second request ended after the wait


@pytest.mark.unit
def test_retry_after_seconds_is_honoured(server: LocalServer, make_services: MakeServices) -> None:
    answers = iter([Reply(429, "slow down", "text/plain", {"Retry-After": "1"})])
    normal = arxiv_answers([VISION])
    server.route(ARXIV_PATH, lambda request: next(answers, None) or normal(request))
    (result,) = make_services().lookup(["2403.01123"], follow_doi=False)
    assert result.status == "found"
    (gap,) = gaps(server, ARXIV_PATH)
    assert gap >= 1.0


@pytest.mark.slow
def test_retry_after_http_date_is_honoured(
    server: LocalServer, make_services: MakeServices
) -> None:
    path = "/crossref/works/10.1109%2Ftpami.2024.1234567"
    answers = iter(
        [
            Reply(
                503, "busy", "text/plain", {"Retry-After": formatdate(time.time() + 2, usegmt=True)}
            )
        ]
    )
    work = Reply(
        200, crossref_work("10.1109/tpami.2024.1234567", "T", [("A", "B")]), "application/json"
    )
    server.route(path, lambda request: next(answers, None) or work)
    (result,) = make_services().lookup(["10.1109/TPAMI.2024.1234567"])
    assert result.status == "found"
    (gap,) = gaps(server, path)
    assert gap >= 1.0  # an HTTP date has one-second resolution


@pytest.mark.unit
def test_backoff_on_503_is_bounded(server: LocalServer, make_services: MakeServices) -> None:
    server.route(ARXIV_PATH, Reply(503, "down for maintenance", "text/plain"))
    (result,) = make_services(backoff_s=0.2, max_attempts=3).lookup(
        ["2403.01123"], follow_doi=False
    )
    assert result.status == "error"
    assert "HTTP 503" in result.message
    assert len(server.hits(ARXIV_PATH)) == 3
    first, second = gaps(server, ARXIV_PATH)
    assert first >= 0.2 and second >= 0.4  # exponential


@pytest.mark.unit
def test_a_long_retry_after_is_reported_not_waited(
    server: LocalServer, make_services: MakeServices
) -> None:
    server.route(ARXIV_PATH, Reply(429, "", "text/plain", {"Retry-After": "3600"}))
    started = time.monotonic()
    (result,) = make_services().lookup(["2403.01123"], follow_doi=False)
    assert time.monotonic() - started < 5
    assert result.status == "error"
    assert "asks to wait 3600 s" in result.message
    assert len(server.hits(ARXIV_PATH)) == 1


@pytest.mark.unit
@pytest.mark.parametrize("status", [400, 404])
def test_400_and_404_are_never_retried(
    server: LocalServer, settings: ServiceSettings, status: int
) -> None:
    server.route("/x", Reply(status, "no", "text/plain"))
    client = HttpClient(settings)
    limiter = RateLimiter(0.0)
    if status == 400:
        with pytest.raises(BadRequest):
            client.get(server.url + "/x", limiter)
    else:
        assert client.get(server.url + "/x", limiter).status == 404
    assert len(server.hits("/x")) == 1


@pytest.mark.unit
def test_a_timeout_stops_all_further_calls_to_that_host(
    server: LocalServer, make_services: MakeServices
) -> None:
    server.route(ARXIV_PATH, Reply(200, "", delay=3.0))
    services = make_services(timeout=0.5)
    started = time.monotonic()
    (first,) = services.lookup(["2403.01123"], follow_doi=False)
    assert time.monotonic() - started < 2.5
    assert first.status == "unavailable"
    assert first.message.endswith(": timed out")
    (second,) = services.lookup(["2403.04567"], follow_doi=False)
    assert second.status == "unavailable"
    assert "not tried again" in second.message
    assert len(server.hits(ARXIV_PATH)) == 1
    assert list(services.unreachable.values()) == ["timed out"]


@pytest.mark.unit
def test_a_refused_connection_stops_calls_to_that_host_only(
    server: LocalServer, make_services: MakeServices
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/api"
    server.route(
        "/crossref/works/10.1371%2Fjournal.pone.0000001",
        Reply(
            200,
            crossref_work("10.1371/journal.pone.0000001", "A Title", [("Ana", "Souza")]),
            "application/json",
        ),
    )
    services = make_services(arxiv_api=dead)
    results = services.lookup(["2403.01123", "10.1371/journal.pone.0000001"])
    assert [r.status for r in results] == ["unavailable", "found"]
    assert results[0].message.endswith("connection refused")
    assert services.http.requests == 2
    again = services.lookup(["2403.04567", "hep-th/9901001"])
    assert [r.status for r in again] == ["unavailable", "unavailable"]
    assert services.http.requests == 2  # no second attempt at the dead host


@pytest.mark.unit
def test_gzip_bodies_are_decoded(server: LocalServer, make_services: MakeServices) -> None:
    plain = arxiv_answers([SPEECH])

    def gzipped(request):  # type: ignore[no-untyped-def]
        reply = plain(request)
        body = reply.body.encode() if isinstance(reply.body, str) else reply.body
        return replace(reply, body=gzip.compress(body), headers={"Content-Encoding": "gzip"})

    server.route(ARXIV_PATH, gzipped)
    (result,) = make_services().lookup(["2403.04567"], follow_doi=False)
    assert result.status == "found"
    assert server.hits(ARXIV_PATH)[0].headers["accept-encoding"] == "gzip"


@pytest.mark.unit
def test_other_hosts_are_blocked_in_tests(_no_network: list[str]) -> None:
    """The suite's own guard: only loopback is reachable."""
    client = HttpClient(ServiceSettings(timeout=1.0))
    with pytest.raises(ServiceUnavailable, match=r"export\.arxiv\.org"):
        client.get("https://export.arxiv.org/api/query?id_list=2403.01123", RateLimiter(0))
    assert _no_network == ["getaddrinfo 'export.arxiv.org'"]
    _no_network.clear()  # expected here: the guard would fail the test otherwise


@pytest.mark.unit
def test_service_error_is_a_readinglist_error() -> None:
    from readinglist.core.errors import ReadinglistError

    assert issubclass(ServiceError, ReadinglistError)
    assert issubclass(ServiceUnavailable, ServiceError)
    assert Services  # the facade is importable from the transport's package
