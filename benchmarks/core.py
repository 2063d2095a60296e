"""Library-level measures: load, import, export, list, a persisted change, peak RSS.

Whole-process figures (import, list, export) run the real ``readinglist`` command
the way a user or an editor plugin does, so interpreter start-up and imports are
part of the number. Each child is reaped with ``os.wait4``, which hands back that
one process's resource usage, so peak RSS is per process and needs no sampling.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from readinglist.core.changes import Change
from readinglist.core.library import Library
from tests.synthetic import synthetic_papers, write_bib

__all__ = [
    "ProcessRun",
    "bench_core",
    "isolated_env",
    "measure_core",
    "median",
    "readinglist_command",
    "run_process",
    "runs_for",
]

# The checkout: child processes import readinglist, benchmarks and tests from it.
CHECKOUT = Path(__file__).resolve().parents[1]

# A process holding a loaded library and its search index, as the TUI does.
_HOLD_SCRIPT = (
    "import sys\n"
    "from readinglist.core.library import Library\n"
    "lib = Library.open(sys.argv[1])\n"
    "for q in ('atention distilation', 'segmentation', 'tag:kd year:>=2020'):\n"
    "    lib.search(q, limit=50)\n"
)


@dataclass(frozen=True, slots=True)
class ProcessRun:
    """One finished child process: wall time, its own peak RSS, how it ended."""

    seconds: float
    rss_mb: float
    returncode: int
    stderr: str = ""
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def runs_for(n: int) -> int:
    """Repeats per measure: several at small sizes, one at 100k (minutes each)."""
    return 5 if n <= 10_000 else 3 if n <= 30_000 else 1


def isolated_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment whose user dirs all live under ``home`` (nothing touches ~)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "READINGLIST_"))}
    for name, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / sub)
    env["HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(CHECKOUT), os.environ.get("PYTHONPATH", "")) if p
    )
    env.update(extra or {})
    return env


def readinglist_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m``."""
    script = Path(sys.executable).with_name("readinglist")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "readinglist"]


def run_process(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdout: Path | None = None,
    timeout: float = 900.0,
) -> ProcessRun:
    """Run ``cmd`` to completion; time it and read its peak RSS via ``wait4``."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115
    err_path = (cwd or Path.cwd()) / f".bench-stderr-{os.getpid()}"
    err = open(err_path, "w+b")  # noqa: SIM115
    killed = threading.Event()
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            env=dict(env) if env else None,
            cwd=cwd,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    finally:
        err.close()
        err_path.unlink(missing_ok=True)
        if stdout:
            out.close()  # type: ignore[union-attr]
    return ProcessRun(seconds, usage.ru_maxrss / 1024, proc.returncode, tail, killed.is_set())


def _checked(run: ProcessRun, what: str) -> ProcessRun:
    if not run.ok:
        raise RuntimeError(f"{what} failed (exit {run.returncode}): {run.stderr.strip()[-500:]}")
    return run


def _time_in_process(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return median(times)


def measure_core(n: int, workdir: Path, *, runs: int | None = None) -> dict[str, float]:
    """All library-level figures for a synthetic library of ``n`` papers."""
    runs = runs or runs_for(n)
    workdir.mkdir(parents=True, exist_ok=True)
    env = isolated_env(workdir / "home")
    cli = readinglist_command()
    papers = synthetic_papers(n)
    bib = write_bib(papers, workdir / f"library-{n}.bib")

    # The library under test, built in process from the synthetic papers (they
    # carry statuses, tags and notes that a .bib cannot).
    db = workdir / f"library-{n}.json"
    for stale in (db, db.with_name(f".{db.name}.lock"), db.with_name(f".{db.name}.history")):
        stale.unlink(missing_ok=True)
    Library.open(db).import_papers(papers)
    del papers

    rss: list[float] = []
    figures: dict[str, float] = {}
    figures["load_s"] = _time_in_process(lambda: Library.open(db), runs)

    library = Library.open(db)
    target = library.papers[len(library) // 2]
    toggles: list[float] = []
    add, remove = Change(add_tags=("bench-toggle",)), Change(remove_tags=("bench-toggle",))
    for i in range(max(10, runs * 4)):
        start = time.perf_counter()
        library.edit([target.id], add if i % 2 == 0 else remove)
        toggles.append(time.perf_counter() - start)
    figures["persist_change_ms"] = median(toggles) * 1000
    del library

    imports = []
    for i in range(runs):
        fresh = workdir / f"import-{n}-{i}.json"
        run = _checked(
            run_process([*cli, "--db", str(fresh), "import", str(bib)], env=env, cwd=workdir),
            "readinglist import",
        )
        imports.append(run.seconds)
        rss.append(run.rss_mb)
        for path in (fresh, fresh.with_name(f".{fresh.name}.lock")):
            path.unlink(missing_ok=True)
    figures["import_s"] = median(imports)

    def whole(args: Sequence[str], what: str) -> float:
        times = []
        for _ in range(runs):
            run = _checked(
                run_process(
                    [*cli, "--db", str(db), *args],
                    env=env,
                    cwd=workdir,
                    stdout=workdir / "stdout.txt",
                ),
                what,
            )
            times.append(run.seconds)
            rss.append(run.rss_mb)
        return median(times)

    figures["list_s"] = whole(["list"], "readinglist list")
    figures["export_s"] = whole(["export", "-o", str(workdir / f"export-{n}.bib")], "export")
    hold = _checked(
        run_process([sys.executable, "-c", _HOLD_SCRIPT, str(db)], env=env, cwd=workdir),
        "library + search index",
    )
    rss.append(hold.rss_mb)
    figures["peak_rss_mb"] = max(rss)
    return figures


def bench_core(sizes: Sequence[int], workdir: Path | None = None) -> dict[int, dict[str, float]]:
    """:func:`measure_core` for each size, in a scratch dir removed afterwards."""
    import tempfile

    own = workdir is None
    root = Path(tempfile.mkdtemp(prefix="benchmarks-")) if own else workdir
    assert root is not None
    try:
        return {n: measure_core(n, root / str(n)) for n in sizes}
    finally:
        if own:
            shutil.rmtree(root, ignore_errors=True)
