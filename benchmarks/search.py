"""Search-as-you-type benchmark (SPEC §11): per-keystroke latency over synthetic libraries.

Each query is typed one character at a time, as in the TUI search box, and every
prefix is searched with the row limit the TUI asks for. Run with::

    python -m benchmarks.search --sizes 1000,10000,100000
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import replace

from readinglist.core.errors import QueryError
from readinglist.core.search import SearchIndex
from tests.synthetic import synthetic_papers

ROW_LIMIT = 200  # rows the TUI renders for one result list

TYPED_QUERIES: tuple[str, ...] = (
    "atention distilation",
    "knowlege distillation",
    "speculativ sampling",
    "speculative decoding",
    "contrastive learning",
    "contrastiv represntations",
    "diffusion models",
    "difusion model",
    "graph neural networks",
    "low-rank adapters",
    "self-supervised",
    "eye tracking prediction",
    "muller",
    "zhang attention",
    "quantization pruning",
    "reinforcment learning",
    "object detection",
    "machine translaton",
    "distil",
    "tag:kd atention",
    "status:unread year:>=2020 transformers",
    "retrieval augmented generation",
)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _typing_latencies(index: SearchIndex) -> list[float]:
    latencies: list[float] = []
    for query in TYPED_QUERIES:
        for end in range(1, len(query) + 1):
            start = time.perf_counter()
            with suppress(QueryError):  # a half-typed filter ("tag:") errors: still timed
                index.search(query[:end], limit=ROW_LIMIT)
            latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def bench_search(sizes: Sequence[int]) -> dict[int, dict[str, float]]:
    """Index build time, per-keystroke median/p95 and incremental edit costs per size."""
    results: dict[int, dict[str, float]] = {}
    for size in sizes:
        papers = synthetic_papers(size)
        extra = synthetic_papers(50, seed=99)
        gc.collect()
        start = time.perf_counter()
        index = SearchIndex(papers)
        build = time.perf_counter() - start
        # As the app does after loading: long-lived objects leave the collector's
        # generations, so a full collection never pauses a keystroke.
        gc.collect()
        gc.freeze()
        latencies = _typing_latencies(index)

        start = time.perf_counter()
        for paper in extra:
            index.add(paper)
        add_ms = (time.perf_counter() - start) * 1000 / len(extra)
        start = time.perf_counter()
        for paper in papers[:50]:
            index.update(replace(paper, tags=(*paper.tags, "bench"), status="read"))
        update_ms = (time.perf_counter() - start) * 1000 / 50
        start = time.perf_counter()
        index.search("atention distilation", limit=ROW_LIMIT)
        after_edit_ms = (time.perf_counter() - start) * 1000

        results[size] = {
            "index_build_s": build,
            "search_median_ms": statistics.median(latencies),
            "search_p95_ms": _percentile(latencies, 0.95),
            "search_p99_ms": _percentile(latencies, 0.99),
            "search_max_ms": max(latencies),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "keystrokes": float(len(latencies)),
            "add_ms": add_ms,
            "update_ms": update_ms,
            "search_after_edit_ms": after_edit_ms,
        }
        del index
        gc.unfreeze()
    return results


def main(argv: list[str] | None = None) -> None:
    """Print the benchmark table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated sizes")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = bench_search(sizes)
    header = (
        f"{'papers':>8} {'build s':>8} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'add ms':>7} {'update ms':>10} {'after edit ms':>14} {'RSS MB':>7}"
    )
    print(f"search per keystroke, limit={ROW_LIMIT}, {len(TYPED_QUERIES)} queries typed")
    print(header)
    for size, row in results.items():
        print(
            f"{size:>8} {row['index_build_s']:>8.2f} {row['search_median_ms']:>10.2f} "
            f"{row['search_p95_ms']:>8.2f} {row['search_p99_ms']:>8.2f} "
            f"{row['search_max_ms']:>8.2f} {row['add_ms']:>7.2f} {row['update_ms']:>10.2f} "
            f"{row['search_after_edit_ms']:>14.2f} {row['peak_rss_mb']:>7.0f}"
        )


if __name__ == "__main__":
    main()
