"""Index build: the two build phases, incremental edits and the fast tokenisers all
give the same results as a fresh, one-phase build."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from readinglist.core.model import Paper
from readinglist.core.search import SearchIndex
from readinglist.core.tokens import TermMemo, index_terms
from tests.synthetic import synthetic_papers

pytestmark = pytest.mark.unit

QUERIES = (
    "atention distilation",
    "knowledge distillation",
    "speculative decoding",
    "contrastiv",
    "diffusion models",
    "muller",
    "zhang attention",
    "quantization pruning",
    "robustness",
    "billions parameters",
    "stateoftheart",
    "state of the art",
    '"distribution shift"',
    "tag:kd atention",
    "status:unread year:>=2020 transformers",
    "author:muller learning",
    "has:notes baseline",
    "cmae",
    "a",
    "the",
)


def ranked(index: SearchIndex, query: str, **options: bool) -> list[tuple[str, float]]:
    return [(hit.paper.id, hit.score) for hit in index.search(query, **options)]


def assert_same_results(index: SearchIndex, reference: SearchIndex) -> None:
    for query in QUERIES:
        assert ranked(index, query) == ranked(reference, query), query


@pytest.fixture(scope="module")
def library() -> list[Paper]:
    return synthetic_papers(1500, seed=21)


def test_deferred_build_matches_one_phase_build(library: list[Paper]) -> None:
    deferred = SearchIndex(library, defer_abstracts=True)
    assert not deferred.abstracts_ready
    full = SearchIndex(library)
    assert full.abstracts_ready
    assert_same_results(deferred, full)
    assert deferred.abstracts_ready  # a complete search finished the build first


def test_partial_search_before_abstracts_then_complete() -> None:
    only_abstract = Paper(
        title="Graph Kernels", id="a", key="a1", abstract="We study zeppelinoid dynamics."
    )
    in_title = Paper(title="Zeppelinoid Flight", id="b", key="b1", abstract="Airships.")
    index = SearchIndex([only_abstract, in_title], defer_abstracts=True)

    early = index.search("zeppelinoid", partial=True)
    assert not early.complete
    assert [hit.paper.id for hit in early] == ["b"]

    index.index_abstracts()
    assert index.abstracts_ready
    late = index.search("zeppelinoid", partial=True)
    assert late.complete
    assert [hit.paper.id for hit in late] == ["b", "a"]
    index.index_abstracts()  # a second call is a no-op
    assert [hit.paper.id for hit in index.search("zeppelinoid")] == ["b", "a"]


def test_edits_while_abstracts_are_pending(library: list[Paper]) -> None:
    papers = library[:400]
    index = SearchIndex(papers, defer_abstracts=True)
    extra = synthetic_papers(20, seed=77)
    # Partial searches in between build dense maps and cached matches on the way.
    index.search("learning attention", partial=True)
    changed = {
        p.id: replace(p, abstract="Zeppelinoid forEye-Tracking results.", tags=("kd",))
        for p in papers[:30:3]
    }
    for new in changed.values():
        index.update(new)
    removed = {p.id for p in papers[1:60:7]}
    for paper_id in removed:
        index.remove(paper_id)
    for new in extra:
        index.add(new)
    index.index_abstracts(batch=50)

    final = [changed.get(p.id, p) for p in papers if p.id not in removed] + extra
    fresh = SearchIndex(final)
    assert_same_results(index, fresh)
    for query in ("zeppelinoid", "tracking", "foreye"):
        assert ranked(index, query) == ranked(fresh, query)
    assert ranked(index, "zeppelinoid")


def test_incremental_edits_match_fresh_build(library: list[Paper]) -> None:
    papers = library[:300]
    index = SearchIndex(papers[:150])
    index.add_many(papers[150:])
    edited = {
        p.id: replace(p, title=p.title + " Revisited", notes="Speculative notes")
        for p in papers[:40:4]
    }
    for new in edited.values():
        index.update(new)
    gone = {p.id for p in papers[200:260:5]}
    for paper_id in gone:
        index.remove(paper_id)
    final = [edited.get(p.id, p) for p in papers if p.id not in gone]
    assert_same_results(index, SearchIndex(final))
    assert ranked(index, "revisited speculative")


def test_abstracts_indexed_in_background_while_searching(library: list[Paper]) -> None:
    index = SearchIndex(library, defer_abstracts=True)
    worker = threading.Thread(target=index.index_abstracts, kwargs={"batch": 64})
    worker.start()
    for query in QUERIES[:8]:
        index.search(query, limit=20, partial=True)
    worker.join()
    assert index.abstracts_ready
    assert_same_results(index, SearchIndex(library))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("state-of-the-art", {"state", "of", "the", "art", "stateoftheart"}),
        ("Google's model", {"google", "s", "googles", "model"}),
        ("forEye-Tracking", {"foreye", "tracking", "foreyetracking", "for", "eye"}),
        ("HiCMAE-12B wins", {"hicmae", "12b", "hicmae12b", "hi", "cmae", "wins"}),
        ("GPT4 -- x", {"gpt4", "x"}),
    ],
)
def test_abstract_terms(text: str, expected: set[str]) -> None:
    assert index_terms(text, long_text=True) == expected


def test_accented_abstract_terms_match_their_ascii_spelling() -> None:
    accented = "Müller's naïve-Bayes forEye study, Łukasz’s Ørsted"
    ascii_only = "Muller's naive-Bayes forEye study, Lukasz's Orsted"
    assert index_terms(accented, long_text=True) == index_terms(ascii_only, long_text=True)


def test_term_memo_matches_index_terms(library: list[Paper]) -> None:
    memo = TermMemo()
    texts = ["ELA: Eye-Tracking forEye GPT4", "Müller, Jürgen ; Øberg, Søren", "ΣΑΣ x"]
    texts += [p.title for p in library[:200]] + [" ; ".join(p.authors) for p in library[:200]]
    for text in texts:
        assert memo.terms(text) == index_terms(text), text


def test_search_fields_limit_what_free_words_match() -> None:
    papers = [
        Paper(title="Graph Networks", id="a", abstract="We study attention.", tags=("vision",)),
        Paper(title="Attention Everywhere", id="b", notes="attention in my notes"),
    ]
    full = SearchIndex(papers)
    assert {h.paper.id for h in full.search("attention")} == {"a", "b"}
    titles_only = SearchIndex(papers, fields=("title", "authors"))
    assert [h.paper.id for h in titles_only.search("attention")] == ["b"]
    assert [h.paper.id for h in titles_only.search("vision")] == []
    assert [h.paper.id for h in titles_only.search("tag:vision")] == ["a"]  # filters still work
