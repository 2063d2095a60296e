"""Base URLs: defaults, then ``[services]`` in the config, then the environment."""

from __future__ import annotations

import pytest

from readinglist.core.errors import ReadinglistError
from readinglist.core.services.settings import ServiceSettings, is_loopback

pytestmark = pytest.mark.unit


def test_defaults_are_the_public_services() -> None:
    settings = ServiceSettings.load({}, {})
    assert settings.arxiv_api == "https://export.arxiv.org/api"
    assert settings.crossref_api == "https://api.crossref.org"
    assert settings.hf_api == "https://huggingface.co/api"
    assert settings.mailto == ""
    assert settings.arxiv_interval == 3.0


def test_environment_wins_over_config() -> None:
    config = {"arxiv_api": "https://a.example/api/", "hf_api": "https://h.example/api"}
    environ = {"READINGLIST_ARXIV_API": "http://127.0.0.1:9/api", "READINGLIST_MAILTO": "x@y.org"}
    settings = ServiceSettings.load(config, environ)
    assert settings.arxiv_api == "http://127.0.0.1:9/api"
    assert settings.hf_api == "https://h.example/api"
    assert settings.crossref_api == "https://api.crossref.org"
    assert settings.mailto == "x@y.org"
    assert settings.crossref_interval == 0.1  # the polite pool allows more


def test_trailing_slash_is_dropped() -> None:
    assert ServiceSettings.load({"crossref_api": "https://c.example/"}, {}).crossref_api == (
        "https://c.example"
    )


def test_loopback() -> None:
    assert is_loopback("http://127.0.0.1:8000/api")
    assert is_loopback("http://[::1]:8000/api")
    assert is_loopback("http://localhost/api")
    assert not is_loopback("https://export.arxiv.org/api")
    assert not is_loopback("http://127.example.org/api")


def test_a_base_url_that_is_not_http_is_one_line() -> None:
    with pytest.raises(ReadinglistError, match="READINGLIST_HF_API must be an http"):
        ServiceSettings.load({}, {"READINGLIST_HF_API": "huggingface.co/api"})
