"""Duplicate detection: typos merge, different papers never do."""

from __future__ import annotations

from dataclasses import replace

import pytest

from readinglist.core.merge import DuplicateIndex, merge_into, same_title_modulo_typos
from readinglist.core.model import Paper, Source, fold_text

pytestmark = pytest.mark.unit


def _index(*papers: Paper) -> DuplicateIndex:
    index = DuplicateIndex()
    for n, paper in enumerate(papers):
        index.add(_with_id(paper, f"p{n}"))
    return index


def _with_id(paper: Paper, paper_id: str) -> Paper:
    return replace(paper, id=paper_id)


@pytest.mark.parametrize(
    ("stored", "incoming"),
    [
        ("Attention Is All You Need", "Atention is all you need"),
        (
            "Knowledge Distillation for Vision Transformers",
            "Knowlege Distilation for Vision Transformers",
        ),
        ("{ELA}: Efficient Local Attention", "ELA - efficient local attention!"),
        ("Pre-trained Models for Place Recognition", "Pretrained models for place recognition"),
        ("M{\\\"u}ller's Law of Graphs", "Müller's law of graphs"),
    ],
)
def test_same_paper_is_found(stored: str, incoming: str) -> None:
    index = _index(Paper(title=stored))
    assert index.find(Paper(title=incoming)) == "p0"


@pytest.mark.parametrize(
    ("stored", "incoming"),
    [
        ("Agents is All You Need for Visual Place Recognition",
         "Gradients is All You Need for Visual Place Recognition"),
        ("Augmentation is All You Need for Image Classification",
         "Segmentation is All You Need for Image Classification"),
        ("Llama 2: Open Foundation and Fine-Tuned Chat Models",
         "Llama 3: Open Foundation and Fine-Tuned Chat Models"),
        ("Deep Learning for Cats", "Deep Learning for Bats"),
    ],
)  # fmt: skip
def test_different_papers_are_kept_apart(stored: str, incoming: str) -> None:
    index = _index(Paper(title=stored))
    assert index.find(Paper(title=incoming)) is None


def test_same_title_different_first_author_or_distant_year_is_another_paper() -> None:
    index = _index(Paper(title="A Survey of Graph Learning", authors=("Smith, J",), year=2019))
    assert index.find(Paper(title="A survey of graph learning", authors=("Wong, K",))) is None
    assert index.find(Paper(title="A survey of graph learning", year=2023)) is None
    assert index.find(Paper(title="A survey of graph learning", year=2020)) == "p0"  # preprint
    assert index.find(Paper(title="A survey of graph learning", authors=("J. Smith",))) == "p0"


def test_doi_and_arxiv_decide_whatever_the_title() -> None:
    index = _index(Paper(title="Old title", doi="10.1/ABC", arxiv="2401.00001"))
    assert index.find(Paper(title="New title", doi="https://doi.org/10.1/abc")) == "p0"
    assert index.find(Paper(title="Other", arxiv="arXiv:2401.00001v2")) == "p0"


def test_removed_papers_are_no_longer_found() -> None:
    paper = _with_id(Paper(title="Attention Is All You Need", doi="10.1/x"), "p0")
    index = DuplicateIndex()
    index.add(paper)
    index.remove(paper)
    assert index.find(Paper(title="Atention is all you need")) is None
    assert index.find(Paper(title="x", doi="10.1/x")) is None


def test_word_rule_directly() -> None:
    def same(a: str, b: str) -> bool:
        return same_title_modulo_typos(fold_text(a), fold_text(b))

    assert same("Graph Neural Netorks", "Graph Neural Networks")  # one deletion
    assert not same("Graph Neural Netwroks", "Graph Neural Networks")  # a swap is two edits
    assert not same("Graph Neural Networks", "Graph Neural Networks Revisited")


def test_merge_fills_gaps_and_keeps_user_data() -> None:
    stored = Paper(title="T", id="p0", key="k", status="read", notes="mine", tags=("a",),
                   sources=(Source("dailypapers", "x.txt", "Mar 11"),))  # fmt: skip
    incoming = Paper(title="T (v2)", abstract="abs", year=2024, tags=("A", "b"), status="unread",
                     sources=(Source("bibtex", "refs.bib"),), extra={"month": "mar"})  # fmt: skip
    merged = merge_into(stored, incoming)
    kept = (merged.id, merged.key, merged.title, merged.status, merged.notes)
    assert kept == ("p0", "k", "T", "read", "mine")
    assert merged.abstract == "abs" and merged.year == 2024 and merged.tags == ("a", "b")
    assert len(merged.sources) == 2 and merged.extra == {"month": "mar"}
    assert merge_into(merged, incoming) is merged  # nothing new the second time


def test_an_index_with_nothing_in_it_matches_nothing_and_one_paper_is_enough() -> None:
    title = "Attention Is All You Need"
    index = DuplicateIndex()
    assert index.match(Paper(title=title, doi="10.1/x", arxiv="1706.03762")) is None
    untitled = _with_id(Paper(title="", doi="10.1/x"), "p0")
    index.add(untitled)  # a DOI alone, no title: still something to match
    assert index.find(Paper(title="", doi="10.1/x")) == "p0"
    index.remove(untitled)
    index.add(_with_id(Paper(title=title), "p1"))
    assert index.find(Paper(title=title.lower())) == "p1"
    index.remove(_with_id(Paper(title=title), "p1"))
    assert index.match(Paper(title=title)) is None
