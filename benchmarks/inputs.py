"""``python -m benchmarks.inputs``: time on hostile and large inputs.

Inputs a user may really hand over (a long thesis, a broken ``.tex``, a ``.bib`` of
chained ``@string``\\ s) must cost time in proportion to their size. Each row is the
median and the slowest of several runs, and the peak memory of one run in a fresh
process where that matters.

    python -m benchmarks.inputs [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from readinglist.core.citations import keys_in_text
from tests.synthetic import HOSTILE, chained_strings_bib, hostile_tex, thesis_tex


def _times(func: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), max(samples)


def _import_in_process(path: Path) -> tuple[float, float, str]:
    """Seconds and peak RSS (MB) of ``readinglist import`` in a fresh process."""
    code = (
        "import resource, sys, time\n"
        "from pathlib import Path\n"
        "from readinglist.core.importers.bibtex import parse_bibtex\n"
        "t = time.perf_counter()\n"
        "r = parse_bibtex(Path(sys.argv[1]).read_text())\n"
        "t = time.perf_counter() - t\n"
        "longest = max((len(p.title) for p in r.papers), default=0)\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(t, rss, f'{len(r.papers)} imported, {len(r.failures)} refused, "
        "longest title {longest:,} chars')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    seconds, rss, what = done.stdout.split(" ", 2)
    return float(seconds), float(rss), what.strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inputs")
    parser.add_argument("--runs", type=int, default=5, help="runs per row (median and max)")
    args = parser.parse_args(argv)

    print("| \\cite scan (export --cited) | size | median s | max s | keys |")
    print("|---|---|---|---|---|")
    for size in (128_000, 1_000_000, 10_000_000):
        text = thesis_tex(size)
        keys = keys_in_text(text, ".tex")
        median, worst = _times(partial(keys_in_text, text, ".tex"), args.runs)
        print(f"| thesis-like .tex | {len(text):,} | {median:.4f} | {worst:.4f} | {len(keys):,} |")
    for kind in HOSTILE:
        for size in (128_000, 1_000_000):
            text = hostile_tex(kind, size)
            median, worst = _times(partial(keys_in_text, text, ".tex"), args.runs)
            print(f"| {kind} | {len(text):,} | {median:.4f} | {worst:.4f} | 0 |")

    print()
    print("| chained @string .bib | bytes | s | peak RSS MB | result |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="benchmarks-") as tmp:
        path = Path(tmp) / "strings.bib"
        path.write_text(chained_strings_bib())
        seconds, rss, what = _import_in_process(path)
        size = path.stat().st_size
        print(f"| 25 doubling levels | {size} | {seconds:.3f} | {rss:.0f} | {what} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
