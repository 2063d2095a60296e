"""Smoke tests of the real-library benchmarks at a tiny size: shape of the output, not timings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.__main__ import main
from benchmarks.corpus import derive_queries, percentile
from benchmarks.quality import (
    Judged,
    Scores,
    format_scores,
    fzf_query,
    load_judged,
    ranks_fzf,
    ranks_ours,
    title_id,
)
from readinglist.core.model import Paper
from readinglist.core.search import SearchIndex
from tests.synthetic import synthetic_papers

from .conftest import require_tool

DATA = Path(__file__).parent / "data"


@pytest.mark.process
def test_corpus_run_reports_every_row_with_tails_and_rss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bib = tmp_path / "corpus.bib"
    bib.write_bytes((DATA / "rich.bib").read_bytes())
    code = main(
        [
            "--corpus",
            str(bib),
            "--json",
            "--no-tui",
            "--runs",
            "1",
            "--workdir",
            str(tmp_path / "w"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    payload = json.loads(captured.out)
    labels = [row["label"] for row in payload["rows"]]
    assert labels[0] == "import (whole process)"
    assert "search per keystroke" in labels and "search index build" in labels
    for one_shot in (
        "one-shot list QUERY, first after import",
        "one-shot list QUERY, no saved index yet",
        "one-shot list QUERY (saved index)",
        "one-shot export QUERY again",
        "one-shot list QUERY after another process tagged a paper",
        "search per keystroke, saved index read back",
    ):
        assert one_shot in labels
    assert (tmp_path / "w" / ".library.json.index").exists()
    for row in payload["rows"]:
        assert row["median"] <= row["p95"] <= row["p99"] <= row["max"], row
        assert row["rss_mb"] > 0 and row["samples"] >= 1


@pytest.mark.unit
def test_derived_queries_come_from_the_titles_and_are_repeatable() -> None:
    titles = [p.title for p in synthetic_papers(300, seed=2)]
    queries = derive_queries(titles, per_kind=10)
    assert queries == derive_queries(titles, per_kind=10)
    assert len(queries) == 30
    words = {w.strip(":,").lower() for t in titles for w in t.split()}
    typos, prefixes, pairs = queries[:10], queries[10:20], queries[20:]
    assert all(q.split()[0] not in words for q in typos)  # the typo'd word is no title word
    assert all(any(w.startswith(q.split()[1]) for w in words) for q in prefixes)
    assert all(set(q.split()) <= words for q in pairs)
    assert percentile([1, 2, 3, 4], 0.5) == 3 and percentile([5], 0.99) == 5


@pytest.mark.unit
def test_judged_set_is_large_and_well_formed() -> None:
    judged = load_judged()
    assert len(judged) >= 80
    assert len({j.query for j in judged}) == len(judged)
    kinds = {j.kind for j in judged}
    assert {"typo", "prefix", "form", "compound", "author", "order", "abstract", "filter"} <= kinds


@pytest.mark.unit
def test_scores_and_fzf_queries() -> None:
    scores = Scores.of([1, 2, None, 4])
    assert (scores.top1, scores.top3, scores.top10) == (0.25, 0.5, 0.75)
    assert scores.mrr == pytest.approx((1 + 1 / 2 + 1 / 4) / 4)
    assert "| ours | 4 | 25% | 50% | 75% |" in format_scores([("ours", scores)])
    assert fzf_query("graph year:2019 author:zhang pooling") == "graph zhang pooling"


@pytest.mark.process
def test_ranks_on_a_small_library_for_ours_and_fzf() -> None:
    papers = [
        *synthetic_papers(200, seed=6),
        Paper(
            title="Neural Atoms: Propagating Long-range Interaction", id="x", authors=("Li, Xuan",)
        ),
    ]
    judged = [
        Judged("typo", "nueral atoms", title_id(papers[-1].title)),
        Judged("typo", "zzqx", title_id("None")),
    ]
    assert ranks_ours(SearchIndex(papers), judged) == [1, None]
    fzf = require_tool("fzf", "apt-get install fzf")
    assert ranks_fzf(papers, judged, fzf)[1] is None
