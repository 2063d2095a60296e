"""No change is ever lost: real processes changing one library at once (SPEC §3, §12)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from readinglist.core.library import Library
from readinglist.core.model import Paper

pytestmark = pytest.mark.process

# Each worker runs the real CLI entry point in its own process, many times.
TAGGER = """
import sys
from readinglist.cli import main
db, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(count):
    code = main(["--db", db, "tag", "tag:shared", f"+{name}{i}"])
    assert code == 0, code
"""

MIXED = """
import sys
from readinglist.cli import main
db, w = sys.argv[1], int(sys.argv[2])
for i in range(50):
    if i % 3 == 0:
        args = ["add", "--title", f"Worker {w} paper {i}", "--tag", f"from-w{w}"]
    elif i % 3 == 1:
        args = ["tag", "tag:shared", f"+w{w}-{i}"]
    else:
        args = ["status", f"tag:from-w{w}", "read"]
    code = main(["--db", db, *args])
    assert code == 0, (args, code)
"""


def _run_all(script: str, db: Path, *argvs: list[str], timeout: float = 300) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(db), *argv], stderr=subprocess.PIPE)
        for argv in argvs
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err.decode()


def _shared_library(db: Path, count: int) -> list[str]:
    papers = [Paper(f"Shared paper number {i}", tags=("shared",)) for i in range(count)]
    return [p.id for p in Library.open(db).import_papers(papers).added]


def test_two_tag_processes_on_the_same_papers_keep_every_tag(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    ids = _shared_library(db, 5)
    _run_all(TAGGER, db, ["a", "12"], ["b", "12"])
    lib = Library.open(db)
    expected = {"shared"} | {f"a{i}" for i in range(12)} | {f"b{i}" for i in range(12)}
    for paper_id in ids:
        paper = lib.get(paper_id)
        assert paper is not None and set(paper.tags) == expected  # 24 + 1 tags each


def test_eight_processes_times_50_mixed_changes_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    ids = _shared_library(db, 3)
    _run_all(MIXED, db, *[[str(w)] for w in range(8)])
    lib = Library.open(db)
    # The exact final state each worker's 50 operations must leave:
    added = {f"Worker {w} paper {i}" for w in range(8) for i in range(0, 50, 3)}
    assert {p.title for p in lib if p.title.startswith("Worker")} == added  # 8 x 17 adds
    tags = {"shared"} | {f"w{w}-{i}" for w in range(8) for i in range(1, 50, 3)}
    for paper_id in ids:
        paper = lib.get(paper_id)
        assert paper is not None and set(paper.tags) == tags  # 8 x 17 tags on each
    # Each worker's status runs saw at least its first paper; its last add came after
    # its last status run (i = 48 then 49), so exactly that one is still unread.
    for w in range(8):
        mine = {p.title: p.status for p in lib if f"from-w{w}" in p.tags}
        assert mine.pop(f"Worker {w} paper 48") == "unread"
        assert set(mine.values()) == {"read"} and len(mine) == 16
    assert len(lib.history) >= 200  # every change recorded (the history keeps the last 200+)
