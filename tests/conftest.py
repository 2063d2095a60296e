"""Shared fixtures: isolated library/config locations and a CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test may read or write the real user's library or config."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("READINGLIST_DB", raising=False)
    monkeypatch.delenv("READINGLIST_CONFIG", raising=False)
    yield


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsysbinary: pytest.CaptureFixture[bytes]):  # type: ignore[no-untyped-def]
    """Run the CLI in process: ``cli("--db", path, "list")`` → Result."""
    from readinglist.cli import main

    def run(*args: str | Path) -> Result:
        code = main([str(a) for a in args])
        captured = capsysbinary.readouterr()
        return Result(code, captured.out.decode("utf-8"), captured.err.decode("utf-8"))

    return run


def run_process(*args: str | Path, stdin: bytes | None = None, timeout: float = 120) -> Result:
    """Run ``python -m readinglist`` as a real process."""
    proc = subprocess.run(
        [sys.executable, "-m", "readinglist", *map(str, args)],
        input=stdin,
        capture_output=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


def require_tool(name: str, install: str) -> str:
    """Path of an external program a test needs (biber, bibtex, vim, ...).

    In CI (``READINGLIST_REQUIRE_TOOLS`` set by ``.ci/run``, which installs them) a
    missing tool fails the test; on a developer machine it skips, with the reason
    and the install command shown in pytest's summary.
    """
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed ({install})"
        if os.environ.get("READINGLIST_REQUIRE_TOOLS"):
            pytest.fail(message + "; READINGLIST_REQUIRE_TOOLS is set")
        pytest.skip(message)
    return path
