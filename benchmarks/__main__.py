"""``python -m benchmarks``: every SPEC §11 figure in one run.

    python -m benchmarks [--sizes 1000,10000,100000] [--json]
    python -m benchmarks --peers cobib,papis,pubs [--sizes 10000] [--runs 3]
    python -m benchmarks --corpus FILE [--db LIBRARY] [--json]

The first form measures readinglist alone on synthetic libraries; the second
installs the named peers into throwaway virtualenvs and times the same commands
as whole processes, side by side (see :mod:`benchmarks.peers`). The third
imports a real ``.bib`` (or ``.bib.gz``, or listing) and measures every row on it,
with median, p95, p99, max and peak RSS (see :mod:`benchmarks.corpus`).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.core import bench_core

# Named figures (the ``--json`` contract), their unit, and SPEC §11 targets (10k, 100k).
FIGURES: tuple[tuple[str, str, str, tuple[float, float] | None], ...] = (
    ("load_s", "library load", "s", None),
    ("search_median_ms", "search per keystroke, median", "ms", (5, 16)),
    ("search_p95_ms", "search per keystroke, p95", "ms", (16, 33)),
    ("index_build_s", "search index build", "s", None),
    ("import_s", "import .bib (whole process)", "s", (3, 25)),
    ("list_s", "list all (whole process)", "s", (0.5, 3)),
    ("export_s", "export all (whole process)", "s", (1, 8)),
    ("persist_change_ms", "one tag change persisted", "ms", (50, 400)),
    ("startup_s", "TUI start to first screen", "s", (1.0, 2.5)),
    ("peak_rss_mb", "peak RSS (largest process)", "MB", None),
)
JSON_NAMES = (
    "load_s",
    "search_median_ms",
    "search_p95_ms",
    "index_build_s",
    "import_s",
    "export_s",
    "persist_change_ms",
    "startup_s",
    "peak_rss_mb",
)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "").replace("k", "000")) for part in text.split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of sizes: {text!r}") from None
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive integers")
    return sizes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Benchmarks of SPEC §11."
    )
    parser.add_argument(
        "--sizes", type=_sizes, help="library sizes (default 1000,10000,100000; 10000 with --peers)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object keyed by size")
    parser.add_argument(
        "--peers", metavar="NAMES", help="compare with peers, e.g. cobib,papis,pubs"
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per operation with --peers or --corpus"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds before a peer's command is given up (--peers)",
    )
    parser.add_argument(
        "--venvs",
        metavar="DIR",
        help="keep the peers' virtualenvs here and "
        "reuse them on the next run (default: a throwaway temp dir)",
    )
    parser.add_argument("--workdir", metavar="DIR", help="keep generated files here")
    parser.add_argument(
        "--corpus", metavar="FILE", help="measure on a library imported from this real file"
    )
    parser.add_argument(
        "--db",
        metavar="LIBRARY",
        help="with --corpus: the library to import into, reused if it exists",
    )
    parser.add_argument("--no-tui", action="store_true", help="with --corpus: skip the TUI row")
    return parser


def _collect(
    label: str,
    func: Callable[[Sequence[int]], dict[int, dict[str, float]]],
    sizes: Sequence[int],
    notes: list[str],
) -> dict[int, dict[str, float]]:
    """Run one group of measures; a failure becomes a note, not a lost run."""
    try:
        return func(sizes)
    except Exception as exc:  # a missing or broken measure must not hide the others
        traceback.print_exc(file=sys.stderr)
        notes.append(f"{label}: not measured ({type(exc).__name__}: {exc})")
        return {}


def _search(sizes: Sequence[int]) -> dict[int, dict[str, float]]:
    from benchmarks.search import bench_search

    result: dict[int, dict[str, float]] = bench_search(sizes)
    return result


def _startup(sizes: Sequence[int]) -> dict[int, dict[str, float]]:
    from benchmarks.startup import bench_startup

    return {n: {"startup_s": row["startup_s"]} for n, row in bench_startup(sizes).items()}


def measure(
    sizes: Sequence[int], workdir: Path | None = None
) -> tuple[dict[int, dict[str, float]], list[str]]:
    """Every figure for every size, plus notes on anything that could not be measured."""
    notes: list[str] = []
    results: dict[int, dict[str, float]] = {n: {} for n in sizes}
    groups: list[tuple[str, Callable[[Sequence[int]], dict[int, dict[str, float]]]]] = [
        ("library", lambda s: bench_core(s, workdir)),
        ("search", _search),
        ("startup", _startup),
    ]
    for label, func in groups:
        for n, row in _collect(label, func, sizes, notes).items():
            wanted = {k: v for k, v in row.items() if k in JSON_NAMES or k == "list_s"}
            results[n].update(wanted)
    order = {name: i for i, name in enumerate((*JSON_NAMES, "list_s"))}
    ordered = {
        n: dict(sorted(row.items(), key=lambda kv: order[kv[0]])) for n, row in results.items()
    }
    return ordered, notes


def _cell(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f}" if unit == "MB" or value >= 100 else f"{value:.3g}"


def _target(key: str, n: int) -> tuple[float, str] | None:
    for name, _label, _unit, target in FIGURES:
        if name == key and target is not None:
            if n == 10_000:
                return target[0], "10k"
            if n == 100_000:
                return target[1], "100k"
    return None


def format_table(results: dict[int, dict[str, float]]) -> str:
    """A Markdown table: one row per figure, one column per size, SPEC targets marked."""
    sizes = sorted(results)
    head = ["measure", "unit", *(f"{n:,} papers" for n in sizes), "SPEC target (10k / 100k)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, label, unit, target in FIGURES:
        cells = []
        for n in sizes:
            value = results[n].get(key)
            cell = _cell(value, unit)
            goal = _target(key, n)
            if value is not None and goal is not None:
                cell += " ✓" if value <= goal[0] else " ✗"
            cells.append(cell)
        spec = f"≤ {target[0]:g} / {target[1]:g}" if target else ""
        lines.append("| " + " | ".join([label, unit, *cells, spec]) + " |")
    return "\n".join(lines)


def machine() -> str:
    """One line naming the machine, for the README."""
    import os

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    workdir = Path(args.workdir) if args.workdir else None
    if args.corpus or args.db:
        from benchmarks.corpus import run_corpus

        return run_corpus(
            Path(args.corpus) if args.corpus else None,
            db=Path(args.db) if args.db else None,
            workdir=workdir,
            as_json=args.json,
            runs=args.runs,
            tui=not args.no_tui,
        )
    if args.peers:
        from benchmarks.peers import run_peers

        names = [p.strip() for p in args.peers.split(",") if p.strip()]
        return run_peers(
            names,
            args.sizes or [10_000],
            runs=args.runs,
            timeout=args.timeout,
            venvs=Path(args.venvs) if args.venvs else None,
            workdir=workdir,
            as_json=args.json,
        )
    sizes = args.sizes or [1_000, 10_000, 100_000]
    with tempfile.TemporaryDirectory(prefix="benchmarks-") as tmp:
        results, notes = measure(sizes, workdir or Path(tmp))
    if args.json:
        payload = {str(n): row for n, row in results.items()}
        print(json.dumps(payload, indent=2, sort_keys=False))
    else:
        print(f"Benchmarks of readinglist on {machine()}\n")
        print(format_table(results))
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return 1 if notes else 0


if __name__ == "__main__":
    sys.exit(main())
