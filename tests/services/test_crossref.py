"""Crossref works by DOI: the JSON record, its 404, path encoding, and following
an arXiv record's DOI."""

from __future__ import annotations

import json

import pytest

from readinglist.core.services.crossref import parse_work, work_url

from .conftest import ARXIV_PATH, MakeServices, arxiv_answers
from .formats import CROSSREF_NOT_FOUND, VISION, crossref_work
from .server import LocalServer, Reply

pytestmark = pytest.mark.unit

DOI = "10.1371/journal.pone.0000001"
PATH = "/crossref/works/10.1371%2Fjournal.pone.0000001"
ABSTRACT = (
    "<jats:title>Abstract</jats:title><jats:p>Reef fish <jats:italic>count</jats:italic> "
    "themselves.</jats:p>"
)


def work(**changes: object) -> Reply:
    body = crossref_work(
        DOI,
        "Counting Reef Fish",
        [("Ana", "Souza"), ("Bo", "Lindgren")],
        year=2006,
        container="PLoS ONE",
        abstract=ABSTRACT,
        **changes,  # type: ignore[arg-type]
    )
    return Reply(200, body, "application/json")


def test_work_json_is_mapped(server: LocalServer, make_services: MakeServices) -> None:
    server.route(PATH, work())
    (result,) = make_services().lookup([f"https://doi.org/{DOI}"])
    assert result.status == "found"
    meta = result.meta
    assert meta is not None
    assert meta.title == "Counting Reef Fish"
    assert meta.authors == ("Souza, Ana", "Lindgren, Bo")
    assert meta.year == 2006
    assert meta.venue == "PLoS ONE"
    assert meta.abstract == "Reef fish count themselves."
    assert meta.entry_type == "article"
    assert meta.doi == DOI
    assert (meta.volume, meta.number, meta.pages) == ("46", "3", "1123-1135")
    (request,) = server.hits(PATH)
    assert request.headers["accept"] == "application/json"


def test_types_subtitles_and_organisations() -> None:
    data = json.loads(crossref_work("10.1/x", "Main", [("A", "B")], kind="proceedings-article"))
    data["message"]["subtitle"] = ["A Subtitle"]
    data["message"]["author"].append({"name": "The Reef Consortium", "sequence": "additional"})
    data["message"]["issued"] = {"date-parts": [[None]]}
    meta = parse_work(json.dumps(data).encode())
    assert meta.entry_type == "inproceedings"
    assert meta.title == "Main: A Subtitle"
    assert meta.authors == ("B, A", "{The Reef Consortium}")
    assert meta.year == 2024  # issued is empty: published-print is next


def test_doi_path_is_one_encoded_segment() -> None:
    assert work_url("https://api.crossref.org", "10.1002/(sici)1097-0258;2-#x") == (
        "https://api.crossref.org/works/10.1002%2F%28sici%291097-0258%3B2-%23x"
    )


def test_unknown_doi_is_not_found(server: LocalServer, make_services: MakeServices) -> None:
    server.route(PATH, Reply(404, CROSSREF_NOT_FOUND, "text/plain"))
    (result,) = make_services().lookup([DOI])
    assert result.status == "not_found"
    assert result.message == f"Crossref has no doi:{DOI}"
    assert len(server.hits(PATH)) == 1


def test_an_arxiv_doi_is_followed_when_it_is_the_same_paper(
    server: LocalServer, make_services: MakeServices
) -> None:
    server.route(ARXIV_PATH, arxiv_answers([VISION]))
    server.route(
        "/crossref/works/10.1109%2Ftpami.2024.1234567",
        Reply(
            200,
            crossref_work(
                "10.1109/tpami.2024.1234567",
                "Lattice Attention: Sparse Token Mixing for Dense Prediction",
                [("Mira", "Okonkwo-Hale"), ("Jun-seo", "Park")],
            ),
            "application/json",
        ),
    )
    (result,) = make_services().lookup(["2403.01123"])
    assert result.meta is not None
    assert result.meta.title == "Lattice Attention: Sparse Token Mixing for Dense Prediction"
    assert result.meta.volume == "46"  # from Crossref
    assert result.meta.primary_class == "cs.CV"  # from arXiv


def test_a_wrong_doi_on_arxiv_is_not_followed(
    server: LocalServer, make_services: MakeServices
) -> None:
    server.route(ARXIV_PATH, arxiv_answers([VISION]))
    server.route(
        "/crossref/works/10.1109%2Ftpami.2024.1234567",
        Reply(
            200,
            crossref_work("10.1109/tpami.2024.1234567", "Something Else Entirely", [("X", "Y")]),
            "application/json",
        ),
    )
    (result,) = make_services().lookup(["2403.01123"])
    assert result.meta is not None
    assert result.meta.volume == ""  # Crossref's record was for another paper
    assert result.meta.venue == "IEEE Trans. Pattern Anal. Mach. Intell."
