"""Smoke tests of the benchmark command at a tiny size: shape of the output, not timings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.__main__ import JSON_NAMES, format_table, main
from benchmarks.core import run_process
from benchmarks.peers import OPERATIONS, Context, Readinglist, compare, format_comparison
from readinglist.core.importers import parse_file
from tests.synthetic import synthetic_papers, write_bib


@pytest.mark.process
def test_json_has_every_named_figure_as_a_positive_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--sizes", "200", "--json", "--workdir", str(tmp_path)])
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert list(payload) == ["200"], captured.err
    row = payload["200"]
    missing = [name for name in JSON_NAMES if name not in row]
    assert not missing, f"missing figures {missing}; stderr: {captured.err[-2000:]}"
    for name in JSON_NAMES:
        assert isinstance(row[name], float | int) and row[name] > 0, (name, row[name])
    assert code == 0, captured.err


@pytest.mark.unit
def test_table_marks_spec_targets() -> None:
    table = format_table({10_000: {"import_s": 2.0, "export_s": 5.0}})
    assert "| import .bib (whole process) | s | 2 ✓ | ≤ 3 / 25 |" in table
    assert "5 ✗" in table
    assert "| TUI start to first screen | s | n/a |" in table


@pytest.mark.unit
def test_synthetic_bib_imports_every_entry_with_accents_decoded(tmp_path: Path) -> None:
    papers = synthetic_papers(40)
    result = parse_file(write_bib(papers, tmp_path / "s.bib"), "bibtex")
    assert not result.failures
    assert [p.key for p in result.papers] == [p.key for p in papers]
    # Entry 3 is written with LaTeX accents; it must come back as the same names.
    assert result.papers[3].authors == papers[3].authors
    assert "\\" not in " ".join(a for p in result.papers for a in p.authors)


@pytest.mark.process
def test_run_process_reports_time_rss_and_failures(tmp_path: Path) -> None:
    ok = run_process(["python3", "-c", "x = bytearray(30_000_000)"], cwd=tmp_path)
    assert ok.ok and ok.seconds > 0 and ok.rss_mb >= 30
    bad = run_process(["python3", "-c", "import sys; sys.exit('boom')"], cwd=tmp_path)
    assert not bad.ok and bad.returncode == 1 and "boom" in bad.stderr
    slow = run_process(["sleep", "5"], cwd=tmp_path, timeout=0.2)
    assert slow.timed_out and not slow.ok and slow.seconds < 4


@pytest.mark.process
def test_peer_comparison_runs_every_operation_for_readinglist(tmp_path: Path) -> None:
    papers = synthetic_papers(30)
    bib = write_bib(papers, tmp_path / "s.bib")
    ctx = Context(bib=bib, keys=[p.key for p in papers[:10]], tag_key=papers[5].key, timeout=120)
    ours = Readinglist("readinglist", tmp_path / "rl", Path())
    medians = compare([ours], ctx, runs=1)
    assert not ours.failed
    assert all(medians[op]["readinglist"] for op, _ in OPERATIONS)
    exported = (tmp_path / "rl" / "out.bib").read_text(encoding="utf-8")
    assert exported.count("@") == 10  # the last export was the ten-key subset
    table = format_comparison(30, medians, [ours], {}, 1)
    assert "| tag one entry |" in table
