"""A response cache in the user cache directory, so reruns cost no requests.

One SQLite file (``responses.sqlite3``): SQLite already gives atomic writes and safe
sharing between the CLI and the TUI running at once. Each entry is a status and a
body with an expiry time; the services choose the lifetime:

- an arXiv record or a Crossref work by identifier, a past Daily Papers day:
  30 days (a DOI or a journal reference can appear later);
- a title search: 7 days; the Daily Papers list of the last two days: 1 hour;
- "not found": 3 days;
- errors (timeouts, 5xx, 429, 400): never stored.

Offline mode reads expired entries too: an old answer beats none. A cache that
cannot be opened (read-only directory, a damaged file) is switched off with one
warning instead of stopping the lookup.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TTL_ID", "TTL_NOT_FOUND", "TTL_RECENT", "TTL_SEARCH", "Cached", "ResponseCache"]

DAY_S = 86400.0
TTL_ID = 30 * DAY_S
TTL_SEARCH = 7 * DAY_S
TTL_NOT_FOUND = 3 * DAY_S
TTL_RECENT = 3600.0  # today's Daily Papers list still grows

CACHE_FILE = "responses.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    status INTEGER NOT NULL,
    body BLOB NOT NULL,
    stored REAL NOT NULL,
    expires REAL NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class Cached:
    """One stored answer."""

    status: int
    body: bytes
    stored: float
    expired: bool


class ResponseCache:
    """Key → (status, body) with per-entry lifetimes; see the module docstring."""

    def __init__(
        self,
        directory: Path,
        clock: Callable[[], float] = time.time,
        *,
        read_only: bool = False,
    ) -> None:
        self.path = directory / CACHE_FILE
        self.read_only = read_only  # offline: read what is there, create nothing
        self.problem = ""  # why the cache is off, if it is
        self._clock = clock
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._opened = False

    def _connect(self) -> sqlite3.Connection | None:
        if self._opened:
            return self._db
        self._opened = True
        try:
            if self.read_only:
                if not self.path.exists():
                    return None
                uri = self.path.resolve().as_uri() + "?mode=ro"
                db = sqlite3.connect(uri, uri=True, timeout=10, check_same_thread=False)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(_SCHEMA)
                db.commit()
        except (OSError, sqlite3.Error) as exc:
            self.problem = f"response cache {self.path} is not usable ({exc}); not caching"
            return None
        self._db = db
        return db

    def get(self, key: str, *, allow_stale: bool = False) -> Cached | None:
        """The stored answer for ``key``; expired ones only with ``allow_stale``."""
        with self._lock:
            db = self._connect()
            if db is None:
                return None
            try:
                row = db.execute(
                    "SELECT status, body, stored, expires FROM responses WHERE key = ?", (key,)
                ).fetchone()
            except sqlite3.Error as exc:
                self.problem = f"response cache {self.path} cannot be read ({exc})"
                return None
        if row is None:
            return None
        expired = row[3] <= self._clock()
        if expired and not allow_stale:
            return None
        return Cached(int(row[0]), bytes(row[1]), float(row[2]), expired)

    def put(self, key: str, status: int, body: bytes, ttl: float) -> None:
        """Store an answer for ``ttl`` seconds (a failure to store is not an error)."""
        if self.read_only:
            return
        now = self._clock()
        with self._lock:
            db = self._connect()
            if db is None:
                return
            try:
                with db:
                    db.execute(
                        "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?)",
                        (key, status, body, now, now + ttl),
                    )
            except sqlite3.Error as exc:
                self.problem = f"response cache {self.path} cannot be written ({exc})"

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
            self._db = None
            self._opened = False
