"""SPEC §12 with real processes: concurrent writers and kill -9 during an import."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from readinglist.core.library import Library
from readinglist.core.model import Paper

pytestmark = pytest.mark.process

WRITER = """
import sys
from readinglist.cli import main
db, worker = sys.argv[1], sys.argv[2]
for i in range(25):
    code = main(["--db", db, "add", "--title", f"Paper {i} written by worker {worker}",
                 "--author", f"Writer{worker}, W", "--tag", f"w{worker}"])
    assert code == 0, code
"""


def test_four_processes_times_25_adds_give_100_papers(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(n)], stderr=subprocess.PIPE)
        for n in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err.decode()
    lib = Library.open(db)
    assert len(lib) == 100
    assert len({p.key for p in lib}) == 100
    assert len({p.id for p in lib}) == 100
    assert lib.tag_counts() == {"w0": 25, "w1": 25, "w2": 25, "w3": 25}


def _listing(n: int, seed: int) -> str:
    rnd = random.Random(seed)
    words = [
        "sparse",
        "attention",
        "graph",
        "diffusion",
        "robust",
        "efficient",
        "vision",
        "language",
        "model",
        "distillation",
        "transformer",
        "federated",
        "contrastive",
        "scalable",
        "adaptive",
    ]
    lines = ["new", "", "Subscribe", "", "byAK and the research community", "", "Mar 11", ""]
    for i in range(n):
        title = " ".join(rnd.choice(words) for _ in range(6)).capitalize()
        lines += [f"{title} number {i}", "", f"We study {title.lower()} in depth. " * 8, ""]
    return "\n".join(lines)


BASE_PAPERS = 1000
IMPORTED = 20_000


@pytest.fixture(scope="module")
def big_listing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kill") / "listing.txt"
    path.write_text(_listing(IMPORTED, seed=7), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def base_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("base") / "lib.json"
    Library.open(db).import_papers(
        [Paper(title=f"Base paper {i} on something else") for i in range(BASE_PAPERS)]
    )
    return db


def test_kill_9_during_20k_import_never_tears_the_file(
    tmp_path: Path, big_listing: Path, base_library: Path
) -> None:
    # How long does an undisturbed import take here? Kill at random points within it.
    db = tmp_path / "lib.json"
    shutil.copy(base_library, db)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "readinglist", "--db", str(db), "import", str(big_listing)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    full = time.perf_counter() - started
    assert len(Library.open(db)) == BASE_PAPERS + IMPORTED

    rnd = random.Random(2026)
    outcomes = set()
    for attempt in range(8):
        shutil.copy(base_library, db)
        proc = subprocess.Popen(
            [sys.executable, "-m", "readinglist", "--db", str(db), "import", str(big_listing)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Spread the kills over the whole run, with extra weight on its end (the write).
        delay = rnd.uniform(0.2, 1.05) * full if attempt % 2 else rnd.uniform(0.8, 1.0) * full
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        count = len(Library.open(db))  # must be readable
        assert count in (BASE_PAPERS, BASE_PAPERS + IMPORTED)
        outcomes.add(count)
        # A later writer cleans up what the killed one left behind.
        Library.open(db).add(Paper(title=f"After kill {attempt}"))
        assert not list(tmp_path.glob(".lib.json.*.tmp"))
    assert BASE_PAPERS in outcomes  # at least some kills hit before the write completed
