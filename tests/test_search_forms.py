"""Search as people type: word forms, compounds typed apart, tie-breaks, bounded prefixes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from readinglist.core.model import Paper
from readinglist.core.ranking import SHORT_EXPANSIONS, TokenMatcher
from readinglist.core.search import SearchIndex
from readinglist.core.wordforms import form_key, form_root
from tests.synthetic import synthetic_papers

SAME_TIME = "2025-03-01T00:00:00Z"  # a bulk import gives every paper one `added`


def paper(n: int, title: str, **fields: object) -> Paper:
    base: dict[str, object] = {"id": f"id{n}", "key": f"key{n}", "added": SAME_TIME}
    base.update(fields)
    return Paper(title=title, **base)  # type: ignore[arg-type]


def titles(index: SearchIndex, query: str, limit: int | None = None) -> list[str]:
    return [hit.paper.title for hit in index.search(query, limit=limit)]


# -- word forms -----------------------------------------------------------------------
@pytest.mark.unit
@pytest.mark.parametrize(
    ("typed", "title_word"),
    [
        ("segmenting", "segmentation"),
        ("learner", "learning"),
        ("vote", "voting"),
        ("iteration", "iterates"),
        ("adapting", "adaptation"),
        ("optimality", "optimal"),
        ("denoiser", "denoising"),
        ("detector", "detection"),
        ("clustering", "cluster"),
    ],
)
def test_word_forms_share_a_form_key(typed: str, title_word: str) -> None:
    assert form_key(typed) == form_key(title_word)
    root = form_root(typed)
    assert root is not None and title_word.startswith(root)


@pytest.mark.unit
def test_unrelated_words_keep_apart_and_short_words_have_no_forms() -> None:
    assert form_key("general") != form_key("generation")
    assert form_key("paper") != form_key("pap")
    assert form_root("vot") is None  # three letters: too short to tell forms apart
    assert form_root("3dgs") is None


@pytest.mark.unit
def test_a_word_form_finds_the_title_but_ranks_below_a_one_edit_typo() -> None:
    index = SearchIndex(
        [
            paper(1, "Segmentation of Cells in Microscopy"),
            paper(2, "Segmentin: Cells in Microscopy"),  # one edit from "segmenting"
            paper(3, "Segmenting Cells in Microscopy"),  # exact
            paper(4, "Cells in Microscopy"),
        ]
    )
    assert titles(index, "segmenting cells") == [
        "Segmenting Cells in Microscopy",
        "Segmentin: Cells in Microscopy",
        "Segmentation of Cells in Microscopy",
    ]


@pytest.mark.unit
def test_word_forms_reach_abstracts_and_are_highlighted() -> None:
    index = SearchIndex(
        [
            paper(1, "Learning to Rank", abstract="A study of voting rules."),
            paper(2, "Rank Aggregation"),
        ]
    )
    assert titles(index, "vote rank") == ["Learning to Rank"]
    hit = index.search("learner")[0]
    assert hit.paper.title == "Learning to Rank"
    assert hit.title_spans == ((0, len("Learning")),)


# -- compounds typed apart ---------------------------------------------------------------
@pytest.mark.unit
def test_two_words_typed_apart_find_the_joined_term() -> None:
    index = SearchIndex(
        [
            paper(1, "CommonsenseQA: A Question Answering Challenge"),
            paper(2, "Common Ground and Sense Making"),
            paper(3, "A Dataset for Visual Reasoning"),
            paper(4, "Data Set Shift in Practice"),
            paper(5, "Datasets and Benchmarks"),
        ]
    )
    assert set(titles(index, "common sense")) == {
        "CommonsenseQA: A Question Answering Challenge",
        "Common Ground and Sense Making",
    }
    assert set(titles(index, "data set")) == {
        "A Dataset for Visual Reasoning",
        "Data Set Shift in Practice",
        "Datasets and Benchmarks",
    }
    assert titles(index, "data set")[0] == "Data Set Shift in Practice"  # exact words first
    assert set(titles(index, "data se")) >= {"A Dataset for Visual Reasoning"}  # while typing
    hit = next(h for h in index.search("common sense") if "QA" in h.paper.title)
    assert hit.title_spans == ((0, len("CommonsenseQA")),)


# -- ties ------------------------------------------------------------------------------
@pytest.mark.unit
def test_ties_go_to_the_title_holding_the_word_nearest_its_start() -> None:
    filler = [paper(i, f"Towards a Theory of Physical Systems Number {i}") for i in range(1, 40)]
    intended = paper(99, "Physical Reasoning in Video")
    for papers in ([*filler, intended], [intended, *filler]):  # import order must not matter
        index = SearchIndex(papers)
        assert titles(index, "physial", limit=3)[0] == "Physical Reasoning in Video"


@pytest.mark.unit
def test_ties_go_to_the_shorter_title_then_the_newest_not_the_import_order() -> None:
    long = paper(1, "Graph Pooling for Molecules and Materials at Scale")
    short = paper(2, "Graph Pooling for Molecules")
    for papers in ([long, short], [short, long]):
        assert titles(SearchIndex(papers), "graph pooling")[0] == short.title
    newer = replace(long, added="2025-04-01T00:00:00Z")
    assert titles(SearchIndex([short, newer]), "graph pooling")[0] == newer.title


@pytest.mark.unit
def test_a_title_match_wins_a_tie_over_an_abstract_match() -> None:
    index = SearchIndex(
        [
            paper(1, "Unrelated Words Here", abstract="kernel"),
            paper(2, "Kernel"),
        ]
    )
    assert titles(index, "kernel")[0] == "Kernel"


@pytest.mark.unit
def test_adjacency_bonus_is_weighted_by_rarity() -> None:
    common = [paper(i, f"Action Quality Study {i}") for i in range(1, 30)]
    index = SearchIndex(
        [
            *common,
            paper(50, "Olympic Diving: Judging Quality of an Action"),
            paper(51, "Action Quality Assessment of Sports", abstract="olympic games"),
        ]
    )
    # "action quality" side by side is common; the rare "olympic" in a title weighs more.
    assert (
        titles(index, "olympic action quality")[0] == "Olympic Diving: Judging Quality of an Action"
    )
    # Between equally rare words the old bonus holds: side by side wins.
    assert titles(index, "action quality", limit=1)[0].startswith("Action Quality")


# -- bounded short prefixes ------------------------------------------------------------------
def _full_matcher(index: SearchIndex) -> TokenMatcher:
    """The same index, matched without the per-letter maps or capped expansions."""
    matcher = index._current_matcher()
    return TokenMatcher(
        cap=matcher.cap,
        alive=matcher.alive_int.to_bytes(matcher.cap, "little"),
        postings=index._postings,
        vocabs=index._vocabs,
        dense_map=index._dense_map,
    )


@pytest.mark.unit
def test_one_letter_maps_equal_matching_every_expansion() -> None:
    index = SearchIndex(synthetic_papers(800, seed=3))
    full = _full_matcher(index)
    for letter in "astz9":
        for open_word in (True, False):
            fast = index._current_matcher().word(letter, open_word=open_word)
            assert fast.levels == full.word(letter, open_word=open_word).levels, letter


@pytest.mark.unit
def test_letter_maps_follow_adds_updates_and_removals() -> None:
    papers = synthetic_papers(300, seed=4)
    index = SearchIndex(papers)
    index.update(replace(papers[0], title="Zzyzx Quokka Xylophone", authors=()))
    index.add(Paper(title="Quokka Zebra", id="new", key="new2025"))
    index.remove(papers[1].id)
    full = _full_matcher(index)
    for letter in "qzx":
        assert (
            index._current_matcher().word(letter, open_word=True).levels
            == full.word(letter, open_word=True).levels
        )
    assert set(titles(index, "q")) >= {"Zzyzx Quokka Xylophone", "Quokka Zebra"}


@pytest.mark.unit
def test_two_letter_words_expand_to_their_most_frequent_terms_only() -> None:
    papers = [paper(i, f"Graph Networks {i}") for i in range(1, 60)]
    papers += [paper(100 + i, f"Gr{'a' * (1 + i % 7)}vel{i} Notes") for i in range(200)]
    index = SearchIndex(papers)
    expansions = index._short_terms("gr")
    assert len(expansions) <= SHORT_EXPANSIONS + 1
    assert expansions[0] == "graph"  # the most frequent first
    assert len(titles(index, "gr")) >= 59  # every "graph" paper is still found
    assert len(titles(index, "gra")) == len(papers)  # the third letter matches everything


@pytest.mark.slow
def test_limited_results_are_the_head_of_the_full_ranking() -> None:
    papers = [replace(p, added=SAME_TIME) for p in synthetic_papers(6000, seed=5)]
    index = SearchIndex(papers)
    for query in ("l", "le", "learning", "neural net", "distilation", "graph -survey"):
        full = [hit.paper.id for hit in index.search(query)]
        assert [hit.paper.id for hit in index.search(query, limit=40)] == full[:40], query
        scores = [hit.score for hit in index.search(query)][100:]
        assert scores == sorted(scores, reverse=True)  # below the re-ranked head


@pytest.mark.unit
def test_tie_order_stays_current_through_edits() -> None:
    papers = [
        paper(
            i,
            " ".join(["Word"] * (1 + i % 9)) + f" {i}",
            added=f"2025-01-{1 + i % 28:02d}T00:00:00Z",
        )
        for i in range(120)
    ]
    index = SearchIndex(papers)
    index.add(paper(500, "Short", added="2025-01-05T00:00:00Z"))
    index.update(replace(papers[3], title="A Much Longer Title Than Before Was Here Now"))
    index.update(replace(papers[4], added="2026-01-01T00:00:00Z"))
    index.remove(papers[5].id)

    def order(built: SearchIndex) -> list[str]:
        return [built._papers[s].id for s in built._tie_slots]  # type: ignore[union-attr]

    current = [p for p in index._papers if p is not None]
    fresh = SearchIndex(current)
    assert order(index) == order(fresh)
    assert order(index)[0] == papers[4].id  # the newest
