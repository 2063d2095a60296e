"""The benchmark table on a real library: ``python -m benchmarks --corpus FILE``.

The corpus (any ``.bib``, ``.bib.gz`` or listing) is imported once by the real
command; every other row runs on that library. Search is typed the way people
type, one character at a time, with queries derived from the library's own
titles (fixed seed): a title word with one typo, a word being typed, and two
words of one title, in order or swapped. Every row reports median, p95, p99 and
max over its samples, and the peak RSS of the process that ran it.

In-process rows (load, index build, keystrokes) run in one child process, in
that order, so their RSS is the child's peak at the end of the row.
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import json
import random
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.core import ProcessRun, isolated_env, readinglist_command, run_process

if TYPE_CHECKING:
    from readinglist.core.search import SearchIndex

ROW_LIMIT = 200  # rows the TUI renders for one result list (as in bench.search)
QUERIES_PER_KIND = 20
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "of",
        "on",
        "or",
        "over",
        "the",
        "to",
        "towards",
        "under",
        "via",
        "with",
        "without",
        "using",
        "its",
        "their",
        "can",
        "we",
        "do",
        "does",
        "how",
        "when",
        "what",
        "which",
    ]
)


@dataclass(frozen=True, slots=True)
class Row:
    """One measure: sample statistics (in ``unit``) and the peak RSS of its process."""

    label: str
    unit: str
    median: float
    p95: float
    p99: float
    max: float
    rss_mb: float
    samples: int

    @classmethod
    def of(cls, label: str, unit: str, values: Sequence[float], rss_mb: float) -> Row:
        return cls(
            label,
            unit,
            statistics.median(values),
            percentile(values, 0.95),
            percentile(values, 0.99),
            max(values),
            rss_mb,
            len(values),
        )


def percentile(values: Sequence[float], fraction: float) -> float:
    """The sample at rank ``fraction`` (as in :mod:`benchmarks.search`)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- queries -----------------------------------------------------------------------------
def _title_words(title: str) -> list[str]:
    from readinglist.core.tokens import query_words

    return [w for w in query_words(title) if w not in _STOP and w.isalpha()]


def _typo(word: str, rng: random.Random) -> str:
    """One edit inside the word (never the first letter): swap, drop, double or replace."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    letter = rng.choice([c for c in "aeioustnrl" if c != word[i]])
    return word[:i] + letter + word[i + 1 :]


def derive_queries(
    titles: Sequence[str], seed: int = 15, per_kind: int = QUERIES_PER_KIND
) -> list[str]:
    """Queries typed from the library's own titles: a word with one typo (plus the
    next title word), a word being typed, and two words of a title in or out of order."""
    rng = random.Random(seed)
    typos: list[str] = []
    prefixes: list[str] = []
    pairs: list[str] = []
    for _ in range(200 * per_kind):
        if len(typos) >= per_kind and len(prefixes) >= per_kind and len(pairs) >= per_kind:
            break
        words = _title_words(rng.choice(titles))
        long_words = [w for w in words if len(w) >= 6]
        if len(typos) < per_kind and long_words:
            word = rng.choice(long_words)
            following = words[words.index(word) + 1 : words.index(word) + 2]
            typos.append(" ".join([_typo(word, rng), *following]))
        elif len(prefixes) < per_kind and len(words) >= 2 and len(words[1]) >= 5:
            cut = rng.randrange(3, len(words[1]))
            prefixes.append(f"{words[0]} {words[1][:cut]}")
        elif len(pairs) < per_kind and len(words) >= 3:
            first, second = sorted(rng.sample(range(len(words)), 2))
            pair = [words[first], words[second]]
            if rng.random() < 0.5:
                pair.reverse()
            pairs.append(" ".join(pair))
    return typos + prefixes + pairs


# -- the in-process child ----------------------------------------------------------------
def _measure_in_process(db: Path, queries: Sequence[str]) -> dict[str, object]:
    """Load, build the index, type every query; runs in its own process."""
    from readinglist.core.library import Library

    gc.collect()
    start = time.perf_counter()
    library = Library.open(db)
    load_s = time.perf_counter() - start
    load_rss = _peak_rss_mb()
    start = time.perf_counter()
    index = library.index  # (built)
    build_s = time.perf_counter() - start
    build_rss = _peak_rss_mb()
    # As the app does once indexed: long-lived objects leave the collector's
    # generations, so a full collection never pauses a keystroke.
    gc.collect()
    gc.freeze()
    keystrokes, first_letters = _type_queries(index, queries)
    search_rss = _peak_rss_mb()
    # The same keystrokes on the index saved beside the library, as the TUI and
    # one-shot queries read it back.
    from readinglist.core.library.catchup import open_view

    start = time.perf_counter()
    saved = library.save_index()
    save_s = time.perf_counter() - start
    view = open_view(db) if saved else None
    restored: list[float] = []
    if view is not None:
        with view:
            restored, _ = _type_queries(view.index, queries)
    return {
        "papers": len(library),
        "load_s": [load_s],
        "load_rss": load_rss,
        "build_s": [build_s],
        "build_rss": build_rss,
        "keystroke_ms": keystrokes,
        "first_letter_ms": first_letters,
        "search_rss": search_rss,
        "save_s": [save_s],
        "restored_keystroke_ms": restored,
        "restored_rss": _peak_rss_mb(),
    }


def _type_queries(index: SearchIndex, queries: Sequence[str]) -> tuple[list[float], list[float]]:
    """Milliseconds per keystroke typing every query one character at a time, and
    those of the first letter of each word."""
    from readinglist.core.errors import QueryError

    keystrokes: list[float] = []
    first_letters: list[float] = []
    for query in queries:
        for end in range(1, len(query) + 1):
            typed = query[:end]
            start = time.perf_counter()
            with suppress(QueryError):
                index.search(typed, limit=ROW_LIMIT)
            elapsed = (time.perf_counter() - start) * 1000
            keystrokes.append(elapsed)
            if typed[-1].isalnum() and (end == 1 or typed[-2] == " "):
                first_letters.append(elapsed)
    return keystrokes, first_letters


def _facts_main() -> None:
    """Queries derived from the library's titles, and some of its keys (in a child)."""
    from readinglist.core.library import Library

    papers = Library.open(Path(sys.argv[1])).papers
    keys = [p.key for p in papers[:: max(1, len(papers) // 50)]]
    json.dump({"queries": derive_queries([p.title for p in papers]), "keys": keys}, sys.stdout)


def _child_main() -> None:
    db, queries = Path(sys.argv[1]), json.loads(sys.argv[2])
    json.dump(_measure_in_process(db, queries), sys.stdout)


def _tui_first_screen(db: Path, lazy: bool) -> None:
    from benchmarks.startup import _measure

    json.dump(asyncio.run(_measure(db, 20, lazy=lazy)), sys.stdout)


# -- whole processes -----------------------------------------------------------------------
def prepare_source(corpus: Path, workdir: Path) -> Path:
    """The corpus as a file the importer reads (``.gz`` decompressed into ``workdir``)."""
    if corpus.suffix != ".gz":
        return corpus
    plain = workdir / corpus.with_suffix("").name
    with gzip.open(corpus, "rb") as packed, open(plain, "wb") as out:
        shutil.copyfileobj(packed, out, 1 << 20)
    return plain


def import_corpus(corpus: Path, db: Path, workdir: Path | None = None) -> ProcessRun:
    """Import ``corpus`` into a new library ``db`` with the real command."""
    workdir = workdir or db.parent
    workdir.mkdir(parents=True, exist_ok=True)
    source = prepare_source(corpus, workdir)
    env = isolated_env(workdir / "home")
    run = run_process(
        [*readinglist_command(), "--db", str(db), "import", str(source)],
        env=env,
        cwd=workdir,
        timeout=3600,
    )
    if source != corpus:
        source.unlink(missing_ok=True)
    if not run.ok:
        raise RuntimeError(f"import of {corpus} failed: {run.stderr.strip()[-500:]}")
    return run


def _child(
    args: Sequence[str], workdir: Path, timeout: float = 3600
) -> tuple[dict[str, object], ProcessRun]:
    out = workdir / "child.json"
    run = run_process(
        [sys.executable, "-c", *args],
        env=isolated_env(workdir / "home"),
        cwd=workdir,
        stdout=out,
        timeout=timeout,
    )
    if not run.ok:
        raise RuntimeError(f"benchmark child failed: {run.stderr.strip()[-1000:]}")
    payload: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    return payload, run


def _items(value: object) -> list[object]:
    assert isinstance(value, list)
    return value


def _floats(value: object) -> list[float]:
    assert isinstance(value, list)
    return [float(v) for v in value]


def _number(value: object) -> float:
    assert isinstance(value, int | float)
    return float(value)


def bench_corpus(
    corpus: Path | None,
    workdir: Path,
    *,
    db: Path | None = None,
    runs: int = 3,
    tui: bool = True,
) -> tuple[list[Row], dict[str, object]]:
    """Every row of the table for one real library; ``db`` reuses an imported one."""
    workdir.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    imported = False
    if db is None or not db.exists():
        assert corpus is not None, "a corpus or an existing library is needed"
        db = db or workdir / "library.json"
        run = import_corpus(corpus, db, workdir)
        rows.append(Row.of("import (whole process)", "s", [run.seconds], run.rss_mb))
        imported = True

    # Read in a child: a process started from a parent holding the library counts the
    # parent's memory in its own peak RSS (it is the parent's until exec).
    facts, _run = _child(
        ["from benchmarks.corpus import _facts_main; _facts_main()", str(db)], workdir
    )
    queries = [str(q) for q in _items(facts["queries"])]
    keys = [str(k) for k in _items(facts["keys"])]
    if imported:
        # The import left the index saved: the first query reads it (nothing built).
        first = run_process(
            [*readinglist_command(), "--db", str(db), "list", queries[0]],
            env=isolated_env(workdir / "home"),
            cwd=workdir,
            stdout=workdir / "stdout.txt",
        )
        if first.returncode not in (0, 1):
            raise RuntimeError(f"the first query failed: {first.stderr.strip()[-500:]}")
        rows.append(
            Row.of("one-shot list QUERY, first after import", "s", [first.seconds], first.rss_mb)
        )

    script = "from benchmarks.corpus import _child_main; _child_main()"
    payload, run = _child([script, str(db), json.dumps(queries)], workdir)
    rows.append(
        Row.of(
            "library load (in process)",
            "s",
            _floats(payload["load_s"]),
            _number(payload["load_rss"]),
        )
    )
    rows.append(
        Row.of(
            "search index build", "s", _floats(payload["build_s"]), _number(payload["build_rss"])
        )
    )
    search_rss = _number(payload["search_rss"])
    rows.append(Row.of("search per keystroke", "ms", _floats(payload["keystroke_ms"]), search_rss))
    rows.append(
        Row.of("  first letter of a word", "ms", _floats(payload["first_letter_ms"]), search_rss)
    )
    rows.append(Row.of("search index saved", "s", _floats(payload["save_s"]), run.rss_mb))
    if payload["restored_keystroke_ms"]:
        rows.append(
            Row.of(
                "search per keystroke, saved index read back",
                "ms",
                _floats(payload["restored_keystroke_ms"]),
                run.rss_mb,
            )
        )

    rows += _one_shot_rows(db, workdir, queries, keys, runs)

    if tui:
        # As ``readinglist`` opens it (from the saved index, papers read as needed),
        # and as it must without a saved index (every paper read, the index built).
        script = (
            "import sys, pathlib; from benchmarks.corpus import _tui_first_screen; "
            "_tui_first_screen(pathlib.Path(sys.argv[1]), sys.argv[2] == 'lazy')"
        )
        for how, label in (
            ("lazy", "TUI first screen, saved index (then 20 keys)"),
            ("full", "TUI first screen, no saved index (then index, 20 keys)"),
        ):
            screens, rss = [], []
            for _ in range(runs):
                shown, run = _child([script, str(db), how], workdir)
                screens.append(_number(shown["startup_s"]))
                rss.append(run.rss_mb)
            rows.append(Row.of(label, "s", screens, max(rss)))
    info: dict[str, object] = {"papers": payload["papers"], "queries": queries}
    return rows, info


def _one_shot_rows(
    db: Path, workdir: Path, queries: Sequence[str], keys: Sequence[str], runs: int
) -> list[Row]:
    """``list QUERY`` / ``export QUERY`` as an editor runs them, whole processes:
    without a saved index (the first query loads the library, builds its index and
    saves it), with the saved index current, after another process changed a paper
    (the index catches up), and ``export`` the first time (the keys are marked used:
    a library write) and again."""
    from readinglist.core.library.savedindex import index_path

    env = isolated_env(workdir / "home")
    cli = [*readinglist_command(), "--db", str(db)]
    sample = list(queries[:: max(1, len(queries) // (5 * runs))])[: 5 * runs]

    def timed(args: Sequence[str]) -> ProcessRun:
        one = run_process([*cli, *args], env=env, cwd=workdir, stdout=workdir / "stdout.txt")
        if one.returncode not in (0, 1):  # 1: nothing matched, still a full run
            raise RuntimeError(f"{' '.join(args)} failed: {one.stderr.strip()[-500:]}")
        return one

    def row(label: str, done: Sequence[ProcessRun]) -> Row:
        return Row.of(label, "s", [r.seconds for r in done], max(r.rss_mb for r in done))

    rows = []
    index_path(db).unlink(missing_ok=True)
    rows.append(row("one-shot list QUERY, no saved index yet", [timed(["list", sample[0]])]))
    rows.append(row("one-shot list QUERY (saved index)", [timed(["list", q]) for q in sample]))
    out = str(workdir / "out.bib")
    rows.append(
        row(
            "one-shot export QUERY, keys not yet used",
            [timed(["export", q, "-o", out]) for q in sample],
        )
    )
    timed(["list", sample[0]])  # (the marks changed many papers: the index is saved anew)
    rows.append(
        row("one-shot export QUERY again", [timed(["export", q, "-o", out]) for q in sample])
    )
    caught_up = []
    for i, query in enumerate(sample):
        edit = run_process(
            [*cli, "tag", "--key", keys[i % len(keys)], f"+bench{i}"], env=env, cwd=workdir
        )
        if not edit.ok:
            raise RuntimeError(f"tag failed: {edit.stderr.strip()[-500:]}")
        caught_up.append(timed(["list", query]))
    rows.append(row("one-shot list QUERY after another process tagged a paper", caught_up))
    return rows


def format_rows(rows: Sequence[Row], info: dict[str, object]) -> str:
    """A Markdown table, one row per measure."""
    lines = [
        f"{info['papers']:,} papers; {len(info['queries'])} queries typed "  # type: ignore[arg-type]
        f"character by character (limit {ROW_LIMIT})",
        "",
        "| measure | unit | median | p95 | p99 | max | samples | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [
            f"{v:.3g}" if v < 100 else f"{v:.0f}" for v in (row.median, row.p95, row.p99, row.max)
        ]
        lines.append(
            f"| {row.label} | {row.unit} | "
            + " | ".join(cells)
            + f" | {row.samples} | {row.rss_mb:.0f} |"
        )
    return "\n".join(lines)


def run_corpus(
    corpus: Path | None,
    *,
    db: Path | None,
    workdir: Path | None,
    as_json: bool,
    runs: int,
    tui: bool,
) -> int:
    """The ``--corpus`` entry point of ``python -m benchmarks``."""
    import tempfile

    own = workdir is None
    root = Path(tempfile.mkdtemp(prefix="readinglist-corpus-")) if own else workdir
    assert root is not None
    try:
        rows, info = bench_corpus(corpus, root, db=db, runs=runs, tui=tui)
    finally:
        if own:
            shutil.rmtree(root, ignore_errors=True)
    if as_json:
        print(json.dumps({"papers": info["papers"], "rows": [asdict(r) for r in rows]}, indent=2))
    else:
        print(format_rows(rows, info))
    return 0
