"""TUI start-up and key-press latency on synthetic libraries (SPEC §11).

``startup_s`` runs from ``Library.open`` to the first screen showing the loaded
library (headless, 120x40), i.e. what a user waits for after typing
``readinglist``. Key latency is the time for a ``j`` in the paper table to be
handled and the screen to go idle again.

    python -m benchmarks.startup 10000 100000
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import orjson
from textual.app import App

from readinglist.core.config import Settings
from readinglist.core.library import Library
from readinglist.core.model import new_id
from tests.synthetic import synthetic_papers

SIZE = (120, 40)


def write_library(path: Path, n: int) -> None:
    """A library file of ``n`` synthetic papers, written directly (import is benched apart)."""
    docs = {}
    for i, paper in enumerate(synthetic_papers(n), 1):
        stamp = f"2024-01-01T00:{i // 3600 % 60:02d}:{i % 60:02d}Z"
        paper = replace(paper, id=new_id(), key=f"paper{i}", added=stamp, updated=stamp)
        docs[str(i)] = paper.to_doc()
    path.write_bytes(orjson.dumps({"_meta": {"1": {"schema": 1}}, "papers": docs}))


async def _refreshed(app: App[None]) -> None:
    """Return once everything queued so far is handled and painted."""
    done = asyncio.Event()
    app.screen.call_after_refresh(done.set)
    await done.wait()


async def _measure(path: Path, keypresses: int, *, lazy: bool = False) -> dict[str, float]:
    """``lazy``: open the library as the TUI does (from the saved search index, if
    there is one)."""
    from readinglist.tui.app import create_app
    from readinglist.tui.screens.main import MainScreen

    started = time.perf_counter()
    library = Library.open(path, lazy=lazy)
    loaded = time.perf_counter()
    app = create_app(library, Settings())
    async with app.run_test(size=SIZE):
        while not (isinstance(app.screen, MainScreen) and app.screen.results_shown):
            await asyncio.sleep(0.001)
        await _refreshed(app)
        first_screen = time.perf_counter()
        screen = app.screen
        while any(not w.is_finished for w in screen.workers if w.group == "warm-up"):
            await asyncio.sleep(0.01)  # the index build would compete for the CPU
        index_ready = time.perf_counter()
        latencies = []
        for i in range(keypresses):
            key = "j" if i % 10 else "pagedown"
            t0 = time.perf_counter()
            app.simulate_key(key)
            await _refreshed(app)
            latencies.append(time.perf_counter() - t0)
        latencies.sort()
        papers = screen.paper_list
        assert papers.cursor > 0
        region = papers.scrollable_content_region
        t0 = time.perf_counter()
        for _ in range(10):
            papers.render_lines(region.reset_offset)
        full_paint = (time.perf_counter() - t0) / 10
    return {
        "papers": float(len(library)),
        "load_s": loaded - started,
        "startup_s": first_screen - started,
        "index_ready_s": index_ready - started,
        "key_median_ms": statistics.median(latencies) * 1000,
        "key_p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "list_paint_ms": full_paint * 1000,
    }


def bench_startup(sizes: Sequence[int], keypresses: int = 100) -> dict[int, dict[str, float]]:
    """For each size: ``load_s``, ``startup_s``, ``index_ready_s`` (search index built in
    the background), ``key_median_ms`` and ``key_p95_ms`` (key → handled and painted)."""
    results: dict[int, dict[str, float]] = {}
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "library.json"
            write_library(path, n)
            results[n] = asyncio.run(_measure(path, keypresses))
    return results


def main(argv: Sequence[str] | None = None) -> None:
    sizes = [int(a) for a in (sys.argv[1:] if argv is None else argv)] or [10_000, 100_000]
    print(
        f"{'papers':>8} {'load s':>8} {'start s':>8} {'index s':>8} "
        f"{'key med ms':>11} {'key p95 ms':>11} {'list paint ms':>14}"
    )
    for n, row in bench_startup(sizes).items():
        print(
            f"{n:>8} {row['load_s']:>8.2f} {row['startup_s']:>8.2f} {row['index_ready_s']:>8.2f} "
            f"{row['key_median_ms']:>11.1f} {row['key_p95_ms']:>11.1f} "
            f"{row['list_paint_ms']:>14.1f}"
        )


if __name__ == "__main__":
    main()
