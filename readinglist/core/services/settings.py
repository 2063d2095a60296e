"""Where the metadata services are and how politely to call them.

Each service has a public default base URL, overridden by ``[services]`` in
``config.toml`` and, above that, by an environment variable (so a test, a mirror
or a proxy needs no config edit):

- ``arxiv_api``: ``READINGLIST_ARXIV_API``, default ``https://export.arxiv.org/api``
- ``crossref_api``: ``READINGLIST_CROSSREF_API``, default ``https://api.crossref.org``
- ``hf_api``: ``READINGLIST_HF_API``, default ``https://huggingface.co/api``
- ``mailto``: ``READINGLIST_MAILTO``, no default

``mailto`` is sent in the User-Agent, which puts Crossref requests in its polite
pool. arXiv's terms allow one request every 3 s; ``READINGLIST_ARXIV_INTERVAL``
can shorten that only for a loopback base URL (a local test server).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import ReadinglistError

__all__ = [
    "ARXIV_INTERVAL_S",
    "DEFAULT_ARXIV_API",
    "DEFAULT_CROSSREF_API",
    "DEFAULT_HF_API",
    "ServiceSettings",
    "default_cache_dir",
    "is_loopback",
]

DEFAULT_ARXIV_API = "https://export.arxiv.org/api"
DEFAULT_CROSSREF_API = "https://api.crossref.org"
DEFAULT_HF_API = "https://huggingface.co/api"

ARXIV_INTERVAL_S = 3.0  # arXiv API terms of use: one request every three seconds
CROSSREF_INTERVAL_S = 0.2  # public pool: 5 single-record requests a second
CROSSREF_POLITE_INTERVAL_S = 0.1  # polite pool (mailto): 10 a second
HF_INTERVAL_S = 0.6  # anonymous Hub limit: 500 requests per 5 minutes

_ENV = {
    "arxiv_api": "READINGLIST_ARXIV_API",
    "crossref_api": "READINGLIST_CROSSREF_API",
    "hf_api": "READINGLIST_HF_API",
    "mailto": "READINGLIST_MAILTO",
}


def default_cache_dir() -> Path:
    """The user cache directory (``~/.cache/readinglist`` on Linux)."""
    from platformdirs import user_cache_path

    return user_cache_path("readinglist")


def is_loopback(url: str) -> bool:
    """Whether ``url`` points at this machine (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """Everything the service clients need; immutable, built once per run.

    ``timeout`` bounds every connect and every read; a whole response must arrive
    within three times that. ``cache_dir`` None means the user cache directory.
    """

    arxiv_api: str = DEFAULT_ARXIV_API
    crossref_api: str = DEFAULT_CROSSREF_API
    hf_api: str = DEFAULT_HF_API
    mailto: str = ""
    cache_dir: Path | None = None
    offline: bool = False
    use_cache: bool = True
    timeout: float = 20.0
    arxiv_interval: float = ARXIV_INTERVAL_S
    crossref_interval: float = CROSSREF_INTERVAL_S
    hf_interval: float = HF_INTERVAL_S
    max_attempts: int = 3  # per request, for 429/5xx only
    backoff_s: float = 3.0  # first backoff without Retry-After; doubles each time
    max_retry_wait: float = 60.0  # a longer Retry-After is reported, not waited out
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        config: Mapping[str, str] | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides: object,
    ) -> ServiceSettings:
        """Settings from ``Settings.services`` (``config``) and the environment.

        The environment wins over the config, explicit ``overrides`` over both.
        """
        config = config or {}
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, variable in _ENV.items():
            value = environ.get(variable, "").strip() or config.get(name, "").strip()
            if not value:
                continue
            if name != "mailto":
                if not re.match(r"https?://[^/\s]+", value):
                    where = variable if environ.get(variable, "").strip() else f"services.{name}"
                    raise ReadinglistError(f"{where} must be an http(s) URL, not {value!r}")
                value = value.rstrip("/")
            values[name] = value
        settings = replace(cls(), **values)  # type: ignore[arg-type]
        interval = environ.get("READINGLIST_ARXIV_INTERVAL", "").strip()
        if interval and is_loopback(settings.arxiv_api):
            with contextlib.suppress(ValueError):
                settings = replace(settings, arxiv_interval=max(0.0, float(interval)))
        if settings.mailto:
            settings = replace(settings, crossref_interval=CROSSREF_POLITE_INTERVAL_S)
        return replace(settings, **overrides)  # type: ignore[arg-type]

    @property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else default_cache_dir()
