"""Resolving papers without identifiers: verified title matches (match, none,
ambiguous, weak), the Daily Papers day of a listing date, and papers with ids."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from readinglist.core.model import Paper, Source
from readinglist.core.services.api import recompute
from readinglist.core.services.matching import (
    abstract_overlap,
    classify,
    listing_days,
    normalise_title,
    title_similarity,
)
from readinglist.core.services.metadata import Metadata

from .conftest import ARXIV_PATH, MakeServices, arxiv_answers
from .formats import SPEECH, VISION, ArxivPaper, daily_papers, hf_item
from .server import LocalServer, Reply, closed_port

pytestmark = pytest.mark.unit

DAY_PATH = "/hf/api/daily_papers"
VISION_PHRASE = 'ti:"lattice attention sparse token mixing for dense prediction"'


def listing(title: str, abstract: str = "", date_text: str = "") -> Paper:
    """A paper as a Daily Papers paste leaves it: title, abstract, listing date."""
    return Paper(
        title=title,
        id="01J" + "0" * 23,
        key="k",
        abstract=abstract,
        sources=(Source(kind="dailypapers", file="paste.txt", date=date_text),),
    )


# The listing's copy: other punctuation and case, the abstract cut off mid-sentence.
LISTED_VISION = listing(
    "Lattice attention - sparse token mixing for dense prediction",
    "Dense prediction needs long-range context, but full attention over every pixel is too "
    "costly for high-resolution inputs. We propose lattice attention, which mixes tokens "
    "along a sparse lattice of strided rows and columns and recovers global…",
)


def test_normalised_titles() -> None:
    assert normalise_title("{ELA}: Efficient  Local-Attention") == "ela efficient local attention"
    assert normalise_title(r"Na\"ive $\alpha$-Nets") == "naive nets"
    assert title_similarity("Lattice Attention", "lattice attention.") == 1.0


def test_abstract_overlap_survives_truncation_and_rewrapping() -> None:
    overlap = abstract_overlap(LISTED_VISION.abstract, VISION.abstract)
    assert overlap is not None and overlap > 0.9
    unrelated = abstract_overlap(LISTED_VISION.abstract, SPEECH.abstract)
    assert unrelated is not None and unrelated < 0.05
    assert abstract_overlap("too short", VISION.abstract) is None


def meta(paper: ArxivPaper, **changes: object) -> Metadata:
    base = Metadata(source="arxiv", title=paper.title, abstract=paper.abstract, arxiv=paper.id)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_classify_rules() -> None:
    vision, speech = meta(VISION), meta(SPEECH)
    title, abstract = LISTED_VISION.title, LISTED_VISION.abstract
    assert classify(title, abstract, [speech, vision])[0] == "match"
    assert classify(title, abstract, [speech])[0] == "none"
    # Same title, unrelated abstract: another paper with the same name, not applied.
    impostor = meta(VISION, abstract=SPEECH.abstract, arxiv="2405.00001")
    assert classify(title, abstract, [impostor])[0] == "weak"
    # Same title twice, and an abstract that tells them apart.
    assert classify(title, abstract, [impostor, vision])[1][0].meta.arxiv == "2403.01123"
    # Same title twice, no abstract to tell them apart.
    verdict, candidates = classify(title, "", [impostor, vision])
    assert verdict == "ambiguous" and len(candidates) == 2
    # A subtitle dropped: only the abstract can confirm it.
    short = "Lattice Attention: Sparse Token Mixing"
    assert classify(short, abstract, [vision])[0] == "match"
    assert classify(short, "", [vision])[0] == "weak"


@pytest.mark.parametrize(
    ("text", "today", "days"),
    [
        ("Mar 11", date(2026, 6, 1), [date(2026, 3, 11), date(2025, 3, 11)]),
        ("Mar 11", date(2026, 3, 5), [date(2025, 3, 11)]),  # no future dates
        ("11 March", date(2026, 6, 1), [date(2026, 3, 11), date(2025, 3, 11)]),
        ("Mar. 11th", date(2026, 6, 1), [date(2026, 3, 11), date(2025, 3, 11)]),
        ("Mar 11, 2024", date(2026, 6, 1), [date(2024, 3, 11)]),
        ("2024-03-11", date(2026, 6, 1), [date(2024, 3, 11)]),
        ("Feb 29", date(2026, 6, 1), []),  # neither 2026 nor 2025 has one
        ("Feb 29", date(2025, 3, 1), [date(2024, 2, 29)]),
        ("Smarch 11", date(2026, 6, 1), []),
        ("", date(2026, 6, 1), []),
    ],
)
def test_listing_days(text: str, today: date, days: list[date]) -> None:
    assert listing_days(text, today) == days


def test_a_match_is_verified_and_fills_only_what_is_missing(
    server: LocalServer, make_services: MakeServices
) -> None:
    server.route(ARXIV_PATH, arxiv_answers([], {VISION_PHRASE: [SPEECH, VISION]}))
    progress: list[tuple[int, int, str]] = []
    (proposal,) = make_services().resolve(
        [LISTED_VISION], follow_doi=False, progress=lambda *step: progress.append(step)
    )
    assert proposal.verdict == "match"
    assert proposal.via == "arXiv title search"
    assert proposal.meta is not None and proposal.meta.arxiv == "2403.01123"
    assert proposal.candidates[0].title == 1.0
    assert proposal.changes["authors"][0] == "Okonkwo-Hale, Mira"
    assert proposal.changes["year"] == 2024
    assert proposal.changes["arxiv"] == "2403.01123"
    assert proposal.changes["extra"]["primaryclass"] == "cs.CV"
    assert "title" not in proposal.changes and "abstract" not in proposal.changes
    assert progress == [(1, 1, LISTED_VISION.title)]


def test_no_match(server: LocalServer, make_services: MakeServices) -> None:
    server.route(ARXIV_PATH, arxiv_answers([], {VISION_PHRASE: [SPEECH]}))
    (proposal,) = make_services().resolve([LISTED_VISION])
    assert proposal.verdict == "none"
    assert proposal.changes == {}
    assert proposal.message == "no arXiv paper with this title"


def test_nothing_found_tries_all_words_then_gives_up(
    server: LocalServer, make_services: MakeServices
) -> None:
    server.route(ARXIV_PATH, arxiv_answers([]))
    (proposal,) = make_services().resolve([LISTED_VISION])
    assert proposal.verdict == "none"
    assert len(server.hits(ARXIV_PATH)) == 2


def test_an_ambiguous_pair_of_titles_is_never_applied(
    server: LocalServer, make_services: MakeServices
) -> None:
    twin = replace(VISION, id="2405.00001", abstract=SPEECH.abstract, doi="", journal_ref="")
    server.route(ARXIV_PATH, arxiv_answers([], {VISION_PHRASE: [twin, VISION]}))
    no_abstract = replace(LISTED_VISION, abstract="")
    (proposal,) = make_services().resolve([no_abstract], follow_doi=False)
    assert proposal.verdict == "ambiguous"
    assert proposal.changes == {}
    assert {c.meta.arxiv for c in proposal.candidates} == {"2405.00001", "2403.01123"}
    assert proposal.message.startswith("several arXiv papers fit: ")


def test_a_weak_match_is_listed_not_applied(
    server: LocalServer, make_services: MakeServices
) -> None:
    """A record whose title lacks the paper's subtitle, and no abstract to confirm it."""
    renamed = replace(VISION, title="Lattice Attention: Sparse Token Mixing")
    phrase = 'ti:"lattice attention sparse token mixing for dense prediction tasks"'
    server.route(ARXIV_PATH, arxiv_answers([], {phrase: [renamed]}))
    paper = listing("Lattice Attention: Sparse Token Mixing for Dense Prediction Tasks")
    (proposal,) = make_services().resolve([paper])
    assert proposal.verdict == "weak"
    assert proposal.changes == {}
    assert proposal.message.startswith("closest arXiv paper is uncertain: 2403.01123")


@pytest.mark.parametrize(
    ("today", "asked"),
    [
        (date(2026, 3, 5), ["2025-03-11"]),  # 2026-03-11 is in the future
        (date(2026, 6, 1), ["2026-03-11", "2025-03-11"]),  # this year's day has no such paper
    ],
)
def test_the_listing_day_identifies_the_paper(
    server: LocalServer, make_services: MakeServices, today: date, asked: list[str]
) -> None:
    def day_list(request):  # type: ignore[no-untyped-def]
        items = [hf_item(SPEECH, day="2025-03-11"), hf_item(VISION, day="2025-03-11")]
        if request.arg("date") != "2025-03-11":
            items = [hf_item(SPEECH, day=request.arg("date"))]
        return Reply(200, daily_papers(items), "application/json")

    server.route(DAY_PATH, day_list)
    server.route(ARXIV_PATH, arxiv_answers([VISION, SPEECH]))
    paper = replace(LISTED_VISION, sources=(Source(kind="dailypapers", date="Mar 11"),))
    (proposal,) = make_services().resolve([paper], follow_doi=False, today=today)
    assert proposal.verdict == "match"
    assert proposal.via == "Daily Papers 2025-03-11"
    assert proposal.meta is not None and proposal.meta.primary_class == "cs.CV"
    assert [r.arg("date") for r in server.hits(DAY_PATH)] == asked
    (request,) = server.hits(ARXIV_PATH)  # the id lookup; no title search was needed
    assert request.arg("id_list") == "2403.01123"


def test_papers_with_identifiers_are_looked_up(
    server: LocalServer, make_services: MakeServices
) -> None:
    server.route(ARXIV_PATH, arxiv_answers([VISION, SPEECH]))
    with_ids = [
        Paper(title="Lattice attention", arxiv="2403.01123"),
        Paper(title="Whisper", arxiv="2403.04567", year=2023),
        Paper(title="Gone", arxiv="2403.09999"),
    ]
    proposals = make_services().resolve(with_ids, follow_doi=False)
    assert [p.verdict for p in proposals] == ["match", "match", "none"]
    assert proposals[1].changes["authors"] == ("Duarte, Ines", "Lindqvist, Karl")
    assert "year" not in proposals[1].changes  # the user's year stays
    (request,) = server.hits(ARXIV_PATH)  # one batch
    assert request.arg("id_list") == "2403.01123,2403.04567,2403.09999"


def test_unreachable_arxiv_is_tried_once(make_services: MakeServices) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/api"
    papers = [LISTED_VISION, listing(SPEECH.title), Paper(title="x", arxiv="2403.01123")]
    services = make_services(arxiv_api=dead)
    proposals = services.resolve(papers, use_daily=False)
    assert [p.verdict for p in proposals] == ["unavailable"] * 3
    assert services.http.requests == 1
    assert list(services.unreachable) == [dead.split("/")[2]]


def test_recompute_against_the_record_as_it_is_now(
    server: LocalServer, make_services: MakeServices
) -> None:
    server.route(ARXIV_PATH, arxiv_answers([], {VISION_PHRASE: [VISION]}))
    (proposal,) = make_services().resolve([LISTED_VISION], follow_doi=False)
    edited_meanwhile = replace(LISTED_VISION, year=2023, authors=("Someone, Else",))
    again = recompute(proposal, edited_meanwhile)
    assert "year" not in again.changes and "authors" not in again.changes
    assert again.changes["arxiv"] == "2403.01123"


SERIES = (
    "This paper reviews the third challenge on {task}, held with the workshop on "
    "efficient imaging. Teams were ranked on a held-out test set by fidelity and by "
    "perceptual quality. The report describes the data, the evaluation protocol, the "
    "results and the methods of the top teams. {rest}"
)
DEBLUR_REST = (
    "Blur came from real camera shake recorded with a gyroscope, and most teams used "
    "recurrent alignment of neighbouring frames before a shared restoration network."
)
DENOISE_REST = (
    "Noise was synthesised from a calibrated sensor model at four levels, and the "
    "strongest entries combined burst averaging with transformer blocks trained on raw data."
)


def test_a_series_with_shared_boilerplate_is_not_matched() -> None:
    """Reports of one challenge series: near-identical titles and abstracts."""
    deblur = Metadata(
        source="arxiv",
        title="Challenge on Video Deblurring: Methods and Results",
        abstract=SERIES.format(task="video deblurring", rest=DEBLUR_REST),
    )
    title = "Challenge on Video Denoising: Methods and Results"
    abstract = SERIES.format(task="video denoising", rest=DENOISE_REST)
    overlap = abstract_overlap(abstract, deblur.abstract)
    assert overlap is not None and 0.5 < overlap < 0.8  # as in real challenge reports
    assert classify(title, abstract, [deblur])[0] == "weak"


def test_titles_that_differ_in_a_number_are_different_works() -> None:
    earlier = Metadata(
        source="arxiv", title="The 2019 Challenge on Video Deblurring", abstract=SPEECH.abstract
    )
    verdict, _ = classify("The 2020 Challenge on Video Deblurring", SPEECH.abstract, [earlier])
    assert verdict == "weak"
