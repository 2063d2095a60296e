"""The HTTP client every service shares: one place for politeness and failure.

Built on the standard library's ``urllib``: the services make a few sequential GETs
(arXiv allows one every 3 s), so connection pools and async buy nothing, and no
dependency is added for them. What this module adds on top:

- a User-Agent naming readinglist and its version (and ``mailto`` when configured);
- a timeout on every connect and read, and a deadline for the whole response;
- a :class:`RateLimiter` per service: one request at a time, spaced by an interval
  measured from the end of the previous response; for arXiv the last request time
  is kept in a file in the cache directory under a lock, so the spacing also holds
  between processes (the CLI and the TUI at once);
- 429 and 5xx are retried a bounded number of times, after ``Retry-After`` (seconds
  or an HTTP date) or an exponential backoff; 400 and 404 are answers, never retried;
- a circuit breaker: after one failed connection (refused, DNS, timeout, reset) a
  host gets no further request in this run, and every later call fails at once;
- the response cache (:mod:`.cache`) and offline mode, which reads only the cache.
"""

from __future__ import annotations

import contextlib
import gzip
import random
import socket
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.client import HTTPException
from pathlib import Path
from urllib.parse import urlsplit

from filelock import FileLock
from filelock import Timeout as LockTimeout

from ... import __version__
from ..errors import ReadinglistError
from .cache import ResponseCache
from .settings import ServiceSettings, is_loopback

__all__ = [
    "BadRequest",
    "HttpClient",
    "RateLimiter",
    "Response",
    "ServiceError",
    "ServiceUnavailable",
    "user_agent",
]

RETRYABLE = frozenset({429, 500, 502, 503, 504})
_CHUNK = 64 * 1024
_LOCK_WAIT_S = 120.0


class ServiceError(ReadinglistError):
    """A service answered, but not usefully (an HTTP error after retries, bad data)."""


class BadRequest(ServiceError):
    """HTTP 400: the request itself is wrong; ``body`` may say why."""

    def __init__(self, message: str, body: bytes = b"") -> None:
        super().__init__(message)
        self.body = body


class ServiceUnavailable(ServiceError):
    """The service cannot be reached (network down, refused, timed out, or offline
    mode without a cached answer)."""


def user_agent(mailto: str = "") -> str:
    """``readinglist/0.1.0`` plus the contact address services ask polite clients for."""
    return f"readinglist/{__version__}" + (f" (mailto:{mailto})" if mailto else "")


@dataclass(frozen=True, slots=True)
class Response:
    """A 200 or 404 answer, from the network or the cache."""

    url: str
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    from_cache: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200


class RateLimiter:
    """One request at a time, ``interval`` seconds after the previous one ended.

    With ``state_file`` the end time is shared between processes through that file,
    read and written under a file lock that is held for the whole request.
    """

    def __init__(
        self,
        interval: float,
        state_file: Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.state_file = state_file
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last = float("-inf")

    def _read_shared(self) -> float:
        if self.state_file is None:
            return float("-inf")
        try:
            return float(self.state_file.read_text(encoding="ascii"))
        except FileNotFoundError:
            return float("-inf")
        except (OSError, ValueError):
            return self._clock()  # unreadable: assume a request just ended

    def _write_shared(self, value: float) -> None:
        if self.state_file is not None:
            with contextlib.suppress(OSError):
                self.state_file.write_text(repr(value), encoding="ascii")

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        if self.state_file is None:
            yield
            return
        try:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.state_file) + ".lock", timeout=_LOCK_WAIT_S)
            lock.acquire()
        except LockTimeout:
            raise ServiceError(
                f"another readinglist process has held {self.state_file}.lock for "
                f"{_LOCK_WAIT_S:.0f} s; try again later"
            ) from None
        except OSError:  # no writable cache directory: spacing within this process only
            self.state_file = None
            yield
            return
        try:
            yield
        finally:
            lock.release()

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for the turn, hold it for one request, record when it ended."""
        with self._lock, self._file_lock():
            last = max(self._last, self._read_shared())
            wait = min(last + self.interval - self._clock(), self.interval)
            if wait > 0:
                self._sleep(wait)
            try:
                yield
            finally:
                self._last = self._clock()
                self._write_shared(self._last)


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now)


def _describe(exc: BaseException) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, socket.gaierror):
        return "name lookup failed"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timed out"
    text = str(getattr(reason, "strerror", None) or reason).strip()
    return text or type(reason).__name__


class HttpClient:
    """GET with the politeness and failure rules of the module docstring.

    One client per run: the circuit breaker and the limiters live here, so every
    service built on the same client shares them.
    """

    def __init__(
        self,
        settings: ServiceSettings,
        cache: ResponseCache | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.cache = cache
        self._clock = clock
        self._sleep = sleep
        self._down: dict[str, str] = {}
        self._down_lock = threading.Lock()
        self._direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._proxied = urllib.request.build_opener()
        self.requests = 0  # requests that went out, for summaries and tests

    # -- breaker ---------------------------------------------------------------
    def is_down(self, url: str) -> str:
        """Why the host of ``url`` is skipped for the rest of this run ("" if it is not)."""
        return self._down.get(_host(url), "")

    @property
    def down_hosts(self) -> dict[str, str]:
        """Hosts that failed in this run → why."""
        with self._down_lock:
            return dict(self._down)

    def _mark_down(self, host: str, reason: str) -> None:
        with self._down_lock:
            self._down.setdefault(host, reason)

    # -- cache -----------------------------------------------------------------
    def cached(self, key: str) -> Response | None:
        """The cached answer for ``key`` (expired ones too when offline)."""
        if self.cache is None or not (self.settings.use_cache or self.settings.offline):
            return None
        hit = self.cache.get(key, allow_stale=self.settings.offline)
        if hit is None:
            return None
        return Response(key, hit.status, hit.body, from_cache=True)

    def remember(self, key: str, status: int, body: bytes, ttl: float) -> None:
        """Store a good answer (the service decides what is good and for how long)."""
        if self.cache is not None and not self.settings.offline:
            self.cache.put(key, status, body, ttl)

    # -- requests --------------------------------------------------------------
    def get(
        self,
        url: str,
        limiter: RateLimiter,
        *,
        accept: str = "*/*",
        cache_key: str | None = None,
    ) -> Response:
        """A 200 or 404 :class:`Response`; raises :class:`BadRequest` for 400,
        :class:`ServiceUnavailable` when the host cannot be reached (or offline
        without a cached answer) and :class:`ServiceError` for other failures.

        With ``cache_key`` a cached answer is returned without a request; storing
        one is left to the caller (:meth:`remember`) once it has parsed it.
        """
        host = _host(url)
        if cache_key is not None:
            hit = self.cached(cache_key)
            if hit is not None:
                return hit
        if self.settings.offline:
            raise ServiceUnavailable(f"offline: no cached answer from {host}")
        attempts = max(1, self.settings.max_attempts)
        for attempt in range(attempts):
            reason = self.is_down(url)
            if reason:
                raise ServiceUnavailable(f"{host} is unreachable ({reason}); not tried again")
            with limiter.slot():
                try:
                    status, headers, body = self._open(url, accept)
                except (OSError, HTTPException, urllib.error.URLError) as exc:
                    reason = _describe(exc)
                    self._mark_down(host, reason)
                    raise ServiceUnavailable(f"cannot reach {host}: {reason}") from None
            if status in (200, 404):
                return Response(url, status, body, headers)
            if status == 400:
                raise BadRequest(f"{host} rejected the request (HTTP 400)", body)
            if status not in RETRYABLE or attempt == attempts - 1:
                break
            wait = _retry_after(headers.get("retry-after"), self._clock())
            if wait is None:
                wait = self.settings.backoff_s * 2**attempt * (1 + random.random() / 4)
            if wait > self.settings.max_retry_wait:
                raise ServiceError(
                    f"{host} is busy (HTTP {status}) and asks to wait {wait:.0f} s; try again later"
                )
            self._sleep(wait)
        raise ServiceError(f"{host} answered HTTP {status} ({_host_hint(status)})")

    def _open(self, url: str, accept: str) -> tuple[int, dict[str, str], bytes]:
        headers = {
            "User-Agent": user_agent(self.settings.mailto),
            "Accept": accept,
            "Accept-Encoding": "gzip",
            **self.settings.extra_headers,
        }
        request = urllib.request.Request(url, headers=headers)
        opener = self._direct if is_loopback(url) else self._proxied
        timeout = self.settings.timeout
        deadline = time.monotonic() + 3 * timeout
        self.requests += 1
        try:
            response = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            status = response.status if response.status is not None else 0
            found = {k.lower(): v for k, v in response.headers.items()}
            chunks = []
            while chunk := response.read(_CHUNK):
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"response took longer than {3 * timeout:.0f} s")
        body = b"".join(chunks)
        encoding = found.get("content-encoding", "").lower()
        if encoding == "gzip":
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError, zlib.error) as exc:
                raise ServiceError(f"{_host(url)} sent a damaged gzip body ({exc})") from None
        return status, found, body


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.lower() or url


def _host_hint(status: int) -> str:
    if status == 429:
        return "too many requests"
    if status >= 500:
        return "server error"
    return "unexpected status"
