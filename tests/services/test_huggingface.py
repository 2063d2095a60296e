"""Hugging Face Daily Papers: one day's list, completed from arXiv."""

from __future__ import annotations

import json
from datetime import date

import pytest

from readinglist.core.services.huggingface import parse_daily_papers
from readinglist.core.services.transport import ServiceError

from .conftest import ARXIV_PATH, MakeServices, arxiv_answers
from .formats import SPEECH, VISION, daily_papers, hf_item
from .server import LocalServer, Reply

pytestmark = pytest.mark.unit

DAY_PATH = "/hf/api/daily_papers"


def day_list() -> str:
    return daily_papers(
        [
            hf_item(VISION, day="2024-03-11", github="https://github.com/example/lattice"),
            hf_item(SPEECH, day="2024-03-11"),
        ]
    )


def test_daily_list_is_parsed() -> None:
    papers = parse_daily_papers(day_list().encode())
    assert [p.arxiv for p in papers] == ["2403.01123", "2403.04567"]
    first = papers[0]
    assert first.title == "Lattice Attention: Sparse Token Mixing for Dense Prediction"
    assert first.authors[2] == "van der Berg, Pieter"
    assert first.year == 2024 and first.published == "2024-03-02"
    assert first.abstract.startswith("Dense prediction needs")
    assert first.code_url == "https://github.com/example/lattice"


def test_items_without_an_arxiv_id_are_skipped() -> None:
    items = json.loads(day_list())
    items[0]["paper"]["id"] = "not-an-id"
    assert [p.arxiv for p in parse_daily_papers(json.dumps(items).encode())] == ["2403.04567"]


def test_a_day_is_fetched_and_completed_from_arxiv(
    server: LocalServer, make_services: MakeServices
) -> None:
    server.route(DAY_PATH, Reply(200, day_list(), "application/json"))
    server.route(ARXIV_PATH, arxiv_answers([VISION, SPEECH]))
    papers = make_services().daily(date(2024, 3, 11))
    assert [p.arxiv for p in papers] == ["2403.01123", "2403.04567"]
    assert [p.primary_class for p in papers] == ["cs.CV", "eess.AS"]  # from arXiv
    assert papers[0].code_url == "https://github.com/example/lattice"  # from the day list
    (request,) = server.hits(DAY_PATH)
    assert request.arg("date") == "2024-03-11"
    (batch,) = server.hits(ARXIV_PATH)
    assert batch.arg("id_list") == "2403.01123,2403.04567"


def test_without_arxiv_the_day_list_alone(server: LocalServer, make_services: MakeServices) -> None:
    server.route(DAY_PATH, Reply(200, day_list(), "application/json"))
    server.route(ARXIV_PATH, Reply(503, "", "text/plain"))
    papers = make_services(max_attempts=1).daily(date(2024, 3, 11))
    assert [p.authors[0] for p in papers] == ["Okonkwo-Hale, Mira", "Duarte, Ines"]
    assert papers[0].primary_class == ""


def test_invalid_day_is_one_line(server: LocalServer, make_services: MakeServices) -> None:
    server.route(DAY_PATH, Reply(400, '{"error":"Invalid date"}', "application/json"))
    with pytest.raises(ServiceError, match=r"no Daily Papers list for 2031-01-01 \(HTTP 400\)"):
        make_services().daily(date(2031, 1, 1))
