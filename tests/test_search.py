"""SearchIndex: matching rules, every filter, AND, ordering, spans, incremental updates."""

from __future__ import annotations

from dataclasses import replace

import pytest

from readinglist.core.errors import QueryError
from readinglist.core.model import Paper
from readinglist.core.search import Hit, SearchIndex
from tests.synthetic import synthetic_papers


def paper(n: int, title: str, **fields: object) -> Paper:
    base: dict[str, object] = {
        "id": f"id{n}",
        "key": f"key{n}",
        "added": f"2024-01-{n:02d}T00:00:00Z",
    }
    base.update(fields)
    return Paper(title=title, **base)  # type: ignore[arg-type]


@pytest.fixture()
def papers() -> list[Paper]:
    return [
        paper(
            1,
            "Attention Is All You Need",
            authors=("Vaswani, Ashish",),
            year=2017,
            tags=("NLP", "transformers"),
            key="Vaswani2017",
            status="read",
            code_url="https://github.com/x/y",
        ),
        paper(
            2,
            "Distilling the Knowledge in a Neural Network",
            authors=("Hinton, Geoffrey", "Vinyals, Oriol", "Dean, Jeff"),
            year=2015,
            tags=("kd",),
            key="Hinton2015",
        ),
        paper(
            3,
            "ELA: Efficient Local Attention for Deep Convolutional Neural Networks",
            authors=("Xu, Wei",),
            year=2024,
            tags=("vision", "kd"),
            status="reading",
            notes="Compare with SE blocks.",
        ),
        paper(
            4,
            "Leveraging recent advances in Pre-Trained Language Models forEye-Tracking Prediction",
            authors=("Müller, Jürgen", "Søndergaard, Åse"),
            year=2021,
            tags=("kd",),
            abstract="We use the ZuCo dataset to predict gaze features with RoBERTa.",
        ),
        paper(
            5,
            "Speculative Sampling Requires Rethinking Feature Uncertainty",
            authors=("Li, Yuhui",),
            year=2024,
            status="skipped",
            abstract="Knowledge distillation is not used; speculative decoding is.",
        ),
    ]


@pytest.fixture()
def index(papers: list[Paper]) -> SearchIndex:
    return SearchIndex(papers)


def ids(hits: object) -> list[str]:
    return [h.paper.id for h in hits]  # type: ignore[attr-defined]


@pytest.mark.unit
def test_empty_query_returns_all_newest_first_ties_the_same_in_any_insertion_order() -> None:
    same = "2024-05-01T00:00:00Z"
    papers = [
        paper(1, "a", added=same),
        paper(2, "b", added="2025-01-01T00:00:00Z"),
        paper(3, "c", added=same),
        paper(4, "d", added=""),
    ]
    found = ids(SearchIndex(papers).search(""))
    assert found[0] == "id2" and found[-1] == "id4" and set(found[1:3]) == {"id1", "id3"}
    for order in ([3, 2, 1, 0], [2, 0, 3, 1]):
        assert ids(SearchIndex([papers[i] for i in order]).search("")) == found
    grown = SearchIndex(papers[2:])
    grown.add(papers[1])
    grown.add(papers[0])
    assert ids(grown.search("")) == found
    assert ids(SearchIndex(papers).search("", limit=2)) == found[:2]
    assert all(isinstance(h, Hit) and h.score == 0.0 for h in SearchIndex(papers).search(""))


@pytest.mark.unit
def test_typo_prefix_accent_glued_and_acronym_matches(index: SearchIndex) -> None:
    assert ids(index.search("atention is al"))[0] == "id1"
    assert ids(index.search("distil"))[0] == "id2"
    assert ids(index.search("knowlege"))[0] == "id2"
    assert ids(index.search("muller"))[0] == "id4"
    assert ids(index.search("sondergaard")) == ["id4"]
    assert ids(index.search("forEye")) == ["id4"]
    assert ids(index.search("eye tracking")) == ["id4"]
    assert ids(index.search("pretrained")) == ["id4"]
    assert ids(index.search("ela"))[0] == "id3"
    assert ids(index.search("roberta")) == ["id4"]  # abstract words are searched too


@pytest.mark.unit
def test_multi_word_queries_require_every_word(index: SearchIndex) -> None:
    assert ids(index.search("attention convolutional")) == ["id3"]
    assert ids(index.search("attention zzzqqq")) == []


@pytest.mark.unit
def test_title_outranks_abstract(index: SearchIndex) -> None:
    hits = index.search("knowledge distil")
    assert ids(hits)[0] == "id2"
    assert "id5" in ids(hits)  # only in its abstract: found, ranked lower
    assert hits[0].score > hits[len(hits) - 1].score


@pytest.mark.unit
def test_short_words_match_by_prefix_only(index: SearchIndex) -> None:
    assert set(ids(index.search("sp"))) == {"id5"}
    assert "id1" not in ids(index.search("atx"))  # three letters: no typo tolerance


@pytest.mark.unit
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag:kd", {"id2", "id3", "id4"}),
        ("tag:KD", {"id2", "id3", "id4"}),
        ("tag:k", set()),  # exact tag, not prefix
        ("-tag:kd", {"id1", "id5"}),
        ("status:read", {"id1"}),
        ("status:unread", {"id2", "id4"}),
        ("status:skipped", {"id5"}),
        ("-status:unread", {"id1", "id3", "id5"}),
        ("year:2024", {"id3", "id5"}),
        ("year:>=2021", {"id3", "id4", "id5"}),
        ("year:<2017", {"id2"}),
        ("year:2015..2017", {"id1", "id2"}),
        ("author:hinton", {"id2"}),
        ("author:hint", {"id2"}),
        ("author:hintno", {"id2"}),
        ("author:muller", {"id4"}),
        ('author:"jurgen muller"', {"id4"}),
        ("key:vaswani", {"id1"}),
        ("key:HINTON2015", {"id2"}),
        ("key:2015", set()),
        ("has:code", {"id1"}),
        ("has:notes", {"id3"}),
        ("has:abstract", {"id4", "id5"}),
        ("-has:code", {"id2", "id3", "id4", "id5"}),
    ],
)
def test_every_filter(index: SearchIndex, query: str, expected: set[str]) -> None:
    assert set(ids(index.search(query))) == expected


@pytest.mark.unit
def test_filters_combine_with_and(index: SearchIndex) -> None:
    assert set(ids(index.search("tag:kd year:>=2021"))) == {"id3", "id4"}
    assert set(ids(index.search("tag:kd year:>=2021 -has:notes"))) == {"id4"}
    assert ids(index.search("tag:kd status:unread attention")) == []
    assert ids(index.search("tag:kd attention")) == ["id3"]
    assert ids(index.search("tag:kd tag:vision")) == ["id3"]


@pytest.mark.unit
def test_phrases_are_exact_and_in_order(index: SearchIndex) -> None:
    assert set(ids(index.search('"neural network"'))) == {"id2", "id3"}  # last word: prefix
    assert set(ids(index.search('"neural networks"'))) == {"id3"}
    assert ids(index.search('"network neural"')) == []
    assert ids(index.search('"pre trained language"')) == ["id4"]
    assert ids(index.search('"speculative decoding"')) == ["id5"]  # in the abstract
    assert ids(index.search('"se blocks"')) == ["id3"]  # in the notes
    assert ids(index.search('"jurgen"')) == ["id4"]  # in the authors


@pytest.mark.unit
def test_title_spans_mark_matched_characters(index: SearchIndex) -> None:
    hit = index.search("atention is al")[0]
    title = hit.paper.title
    assert [title[a:b] for a, b in hit.title_spans] == ["Attention", "Is", "Al"]
    hit = index.search("distil")[0]
    assert [hit.paper.title[a:b] for a, b in hit.title_spans] == ["Distil"]
    hit = index.search('"local attention"')[0]
    assert [hit.paper.title[a:b] for a, b in hit.title_spans] == ["Local Attention"]


@pytest.mark.unit
def test_spans_index_the_original_accented_title() -> None:
    index = SearchIndex([paper(1, "Über die Straße nach Zürich")])
    hit = index.search("strasse zurich")[0]
    assert [hit.paper.title[a:b] for a, b in hit.title_spans] == ["Straße", "Zürich"]


@pytest.mark.unit
def test_add_update_remove_are_incremental(index: SearchIndex, papers: list[Paper]) -> None:
    index.search("quantum")  # warm the caches: they must not go stale
    index.add(paper(9, "Quantum Annealing for Sparse Coding", tags=("physics",)))
    assert ids(index.search("quantum")) == ["id9"]
    assert len(index) == 6 and "id9" in index

    renamed = replace(papers[0], title="Quantum Attention", tags=("physics",))
    index.update(renamed)
    assert set(ids(index.search("quantum"))) == {"id1", "id9"}
    assert ids(index.search("all you need")) == []
    assert set(ids(index.search("tag:physics"))) == {"id1", "id9"}
    assert ids(index.search("tag:nlp")) == []

    index.update(replace(renamed, status="unread", key="Renamed2017"))
    assert "id1" in ids(index.search("status:unread"))
    assert ids(index.search("key:renamed")) == ["id1"]
    assert ids(index.search("key:vaswani")) == []

    index.remove("id9")
    index.remove("unknown-id")
    assert ids(index.search("quantum")) == ["id1"]
    assert "id9" not in ids(index.search(""))
    assert len(index) == 5


@pytest.mark.unit
def test_add_with_known_id_updates_and_order_is_kept(
    index: SearchIndex, papers: list[Paper]
) -> None:
    index.add(replace(papers[1], title="Renamed Paper"))
    assert len(index) == 5
    assert ids(index.search("renamed")) == ["id2"]
    assert ids(index.search("")) == ["id5", "id4", "id3", "id2", "id1"]


@pytest.mark.slow
def test_compaction_after_many_removals_keeps_results() -> None:
    papers = synthetic_papers(3000, seed=3)
    index = SearchIndex(papers)
    for p in papers[:2000]:
        index.remove(p.id)
    assert len(index) == 1000
    assert ids(index.search("")) == ids(SearchIndex(papers[2000:]).search(""))
    sample = papers[2500]
    assert sample.id in ids(index.search(sample.title))


@pytest.mark.slow
def test_ties_are_stable_and_limit_picks_the_best() -> None:
    papers = synthetic_papers(5000, seed=1)
    index = SearchIndex(papers)
    full = index.search("learning")
    assert ids(index.search("learning", limit=50)) == ids(full)[:50]
    assert ids(index.search("l", limit=30)) == ids(index.search("l"))[:30]
    assert ids(index.search("learning")) == ids(full)
    scores = [h.score for h in full]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.unit
def test_query_errors_propagate_and_query_values_are_accepted(index: SearchIndex) -> None:
    with pytest.raises(QueryError):
        index.search("status:done")
    from readinglist.core.query import parse_query

    assert ids(index.search(parse_query("tag:vision"))) == ["id3"]
