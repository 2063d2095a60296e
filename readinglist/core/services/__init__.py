"""Metadata services: arXiv, Crossref and Hugging Face Daily Papers.

Start at :mod:`.api` (:class:`Services`: ``lookup``, ``resolve``, ``daily``). The
pieces, each usable alone:

- :mod:`.identifiers` — recognising pasted ids and URLs, offline;
- :mod:`.settings` — base URLs (config and environment), intervals, timeouts;
- :mod:`.transport` — the shared HTTP client: User-Agent, rate limits, retries,
  timeouts, circuit breaker, cache and offline mode;
- :mod:`.cache` — the response cache and its lifetimes;
- :mod:`.arxiv`, :mod:`.crossref`, :mod:`.huggingface` — one module per service;
- :mod:`.matching` — verifying a found record against a paper;
- :mod:`.metadata` — the common record and the pure functions that turn it into
  library changes (:func:`missing_fields`) or a new paper
  (:func:`paper_from_metadata`).

Nothing here imports Textual or writes the library.
"""

from __future__ import annotations

from .api import LookupResult, Progress, Proposal, Services, recompute
from .identifiers import Identifier, IdentifierError, parse_day, parse_identifier
from .metadata import Metadata, missing_fields, paper_from_metadata
from .settings import ServiceSettings
from .transport import ServiceError, ServiceUnavailable

__all__ = [
    "Identifier",
    "IdentifierError",
    "LookupResult",
    "Metadata",
    "Progress",
    "Proposal",
    "ServiceError",
    "ServiceSettings",
    "ServiceUnavailable",
    "Services",
    "missing_fields",
    "paper_from_metadata",
    "parse_day",
    "parse_identifier",
    "recompute",
]
