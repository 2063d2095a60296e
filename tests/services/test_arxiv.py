"""arXiv: both Atom formats, the error feed, empty and partial answers, batching, search."""

from __future__ import annotations

import pytest

from readinglist.core.services.arxiv import ArxivError, parse_atom
from readinglist.core.services.metadata import Metadata

from .conftest import ARXIV_PATH, MakeServices, arxiv_answers
from .formats import OLD, SPEECH, VISION, ArxivPaper, error_feed, feed_2025, feed_legacy
from .server import LocalServer, Reply

pytestmark = pytest.mark.unit


def check_vision(meta: Metadata) -> None:
    assert meta.title == "Lattice Attention: Sparse Token Mixing for Dense Prediction"
    assert meta.authors == (
        "Okonkwo-Hale, Mira",
        "Park, Jun-seo",
        "van der Berg, Pieter",
        "Ruiz, Jr., Tomás",
    )
    assert meta.year == 2024
    assert meta.published == "2024-03-02"
    assert meta.abstract.startswith("Dense prediction needs long-range context, but full")
    assert "\n" not in meta.abstract and "  " not in meta.abstract
    assert meta.arxiv == "2403.01123"
    assert meta.arxiv_version == "v2"
    assert meta.primary_class == "cs.CV"
    assert meta.doi == "10.1109/tpami.2024.1234567"
    assert meta.journal_ref == "IEEE Trans. Pattern Anal. Mach. Intell. 46, 1123-1135 (2024)"
    assert meta.venue == "IEEE Trans. Pattern Anal. Mach. Intell."


@pytest.mark.parametrize("feed", [feed_2025, feed_legacy], ids=["2025", "legacy"])
def test_both_atom_formats_give_the_same_record(feed) -> None:  # type: ignore[no-untyped-def]
    parsed = parse_atom(feed([VISION, OLD]).encode())
    assert parsed.error == ""
    assert parsed.total == 2
    check_vision(parsed.entries[0])
    old = parsed.entries[1]
    assert (old.arxiv, old.primary_class, old.year) == ("hep-th/9901001", "hep-th", 1999)
    assert old.authors == ("Volkov, Alexei N.",)
    assert old.venue == "Nucl. Phys. B"


def test_doi_from_the_doi_link_alone() -> None:
    body = feed_2025([VISION]).replace("<arxiv:doi>10.1109/TPAMI.2024.1234567</arxiv:doi>", "")
    assert "arxiv:doi" not in body
    assert parse_atom(body.encode()).entries[0].doi == "10.1109/tpami.2024.1234567"


@pytest.mark.parametrize("legacy", [False, True], ids=["2025-https", "legacy-http"])
def test_error_feed_in_both_formats(legacy: bool) -> None:
    parsed = parse_atom(error_feed("abc", legacy=legacy).encode())
    assert parsed.entries == ()
    assert parsed.error == "incorrect id format for abc"


def test_not_atom_is_a_clear_error() -> None:
    with pytest.raises(ArxivError, match="not Atom XML"):
        parse_atom(b"<html><body>Service unavailable")
    with pytest.raises(ArxivError, match="not an Atom feed"):
        parse_atom(b"<rss/>")


def test_lookup_maps_results_by_id_not_position(
    server: LocalServer, make_services: MakeServices
) -> None:
    server.route(ARXIV_PATH, arxiv_answers([VISION, SPEECH, OLD]))
    services = make_services()
    results = services.lookup(
        ["2403.04567", "arXiv:2403.01123v1", "hep-th/9901001", "2403.09999"], follow_doi=False
    )
    assert [r.status for r in results] == ["found", "found", "found", "not_found"]
    assert [r.meta.arxiv if r.meta else None for r in results] == [
        "2403.04567",
        "2403.01123",
        "hep-th/9901001",
        None,
    ]
    (request,) = server.hits(ARXIV_PATH)  # one batch for all four
    assert request.arg("id_list") == "2403.04567,2403.01123,hep-th/9901001,2403.09999"
    assert request.arg("max_results") == "4"
    assert results[3].message == "arXiv has no arXiv:2403.09999"


def test_old_scheme_subject_class_is_matched_back(
    server: LocalServer, make_services: MakeServices
) -> None:
    math = ArxivPaper(
        "math/0611800", "A Note on Spectra", ("Ana Lima",), "x " * 40, "2006-11-27T00:00:00Z"
    )
    server.route(ARXIV_PATH, arxiv_answers([math]))
    (result,) = make_services().lookup(["math.CA/0611800v2"], follow_doi=False)
    assert result.status == "found"
    assert result.meta is not None and result.meta.arxiv == "math/0611800"


def test_legacy_format_lookup(server: LocalServer, make_services: MakeServices) -> None:
    server.route(ARXIV_PATH, arxiv_answers([VISION], feed=feed_legacy))
    (result,) = make_services().lookup(["https://arxiv.org/abs/2403.01123"], follow_doi=False)
    assert result.meta is not None
    check_vision(result.meta)


def test_batches_of_fifty(server: LocalServer, make_services: MakeServices) -> None:
    papers = [
        ArxivPaper(f"2401.{n:05d}", f"Paper {n}", ("A B",), "text " * 10, "2024-01-02T00:00:00Z")
        for n in range(1, 61)
    ]
    server.route(ARXIV_PATH, arxiv_answers(papers))
    results = make_services().lookup([p.id for p in papers], follow_doi=False)
    assert all(r.status == "found" for r in results)
    sizes = [len(r.arg("id_list").split(",")) for r in server.hits(ARXIV_PATH)]
    assert sizes == [50, 10]
    assert [r.arg("max_results") for r in server.hits(ARXIV_PATH)] == ["50", "10"]


def test_empty_feed_is_asked_once_more_then_not_found(
    server: LocalServer, make_services: MakeServices
) -> None:
    server.route(ARXIV_PATH, Reply(200, feed_2025([])))
    (result,) = make_services().lookup(["0801.0001"], follow_doi=False)
    assert result.status == "not_found"
    assert len(server.hits(ARXIV_PATH)) == 2  # arXiv sometimes sends an empty page by mistake


def test_http_400_error_feed_is_reported_and_not_retried(
    server: LocalServer, make_services: MakeServices
) -> None:
    server.route(ARXIV_PATH, Reply(400, error_feed("2403.01123")))
    (result,) = make_services().lookup(["2403.01123"], follow_doi=False)
    assert result.status == "error"
    assert result.message == ("arXiv rejected the request: incorrect id format for 2403.01123")
    assert len(server.hits(ARXIV_PATH)) == 1


def test_title_search_query(server: LocalServer, make_services: MakeServices) -> None:
    phrase = 'ti:"lattice attention sparse token mixing for dense prediction"'
    server.route(ARXIV_PATH, arxiv_answers([], {phrase: [VISION, SPEECH]}))
    found = make_services().arxiv.search_title(
        "Lattice Attention: Sparse Token-Mixing for Dense Prediction"
    )
    assert [m.arxiv for m in found] == ["2403.01123", "2403.04567"]
    (request,) = server.hits(ARXIV_PATH)
    assert request.arg("search_query") == phrase
    assert request.arg("max_results") == "5"
    assert "%22" in request.raw_query  # the phrase is quoted on the wire


def test_title_search_falls_back_to_all_words(
    server: LocalServer, make_services: MakeServices
) -> None:
    every = "ti:whisper AND ti:quiet AND ti:streaming AND ti:speech"
    server.route(ARXIV_PATH, arxiv_answers([], {every: [SPEECH]}))
    found = make_services().arxiv.search_title("Whisper-Quiet: Streaming Speech")
    assert [m.arxiv for m in found] == ["2403.04567"]
    queries = [r.arg("search_query") for r in server.hits(ARXIV_PATH)]
    assert queries == ['ti:"whisper quiet streaming speech"', every]


def test_bad_identifiers_cost_no_request(server: LocalServer, make_services: MakeServices) -> None:
    progress: list[tuple[int, int, str]] = []
    results = make_services().lookup(
        ["abc", "https://huggingface.co/papers/date/2024-03-11"],
        progress=lambda *step: progress.append(step),
    )
    assert [r.status for r in results] == ["invalid", "invalid"]
    assert results[0].message == ("not an arXiv id, DOI or arXiv/Hugging Face/doi.org URL: 'abc'")
    assert results[1].message.endswith("is a Daily Papers day, not a paper")
    assert server.log == []
    assert [done for done, _, _ in progress] == [1, 2]
