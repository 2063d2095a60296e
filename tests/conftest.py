"""Shared fixtures: isolated library/config locations and a CLI runner; every test's tier."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"

# The tiers (markers registered in pyproject.toml). Each test has exactly one, so that
# ``python -m pytest -m unit`` is the fast tier and a new test has to choose. ``slow``
# is in process like ``unit`` but takes seconds (thousands of papers, real waits).
TIERS = ("unit", "slow", "process", "tui", "realworld")
IN_PROCESS = ("unit", "slow")


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """A test module fails to collect, naming the tests, where a test has no tier or more
    than one (an error in collection, as an import error would be, also under xdist)."""
    report: pytest.CollectReport = yield
    if not isinstance(collector, pytest.Module) or not report.passed:
        return report
    wrong = []
    for item in report.result:
        if isinstance(item, pytest.Item):
            tiers = [mark.name for mark in item.iter_markers() if mark.name in TIERS]
            if len(tiers) != 1:
                wrong.append(f"{item.nodeid}: {' + '.join(tiers) or 'no tier'}")
    if wrong:
        report.outcome = "failed"
        report.longrepr = (
            f"each test needs exactly one tier marker ({', '.join(TIERS)}): "
            "pytestmark = pytest.mark.TIER at the top of its module, or one on each test "
            "where a module mixes tiers\n  " + "\n  ".join(wrong)
        )
        report.result = []
    return report


@pytest.fixture(autouse=True)
def _in_process_tests_start_no_process(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """A ``unit`` or ``slow`` test that starts a process fails, naming it: it belongs to
    ``process``. The process still runs, so the test behaves as in its right tier."""
    started: list[str] = []
    if not any(request.node.get_closest_marker(tier) for tier in IN_PROCESS):
        yield started
        return
    real_init = subprocess.Popen.__init__

    def popen_init(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        started.append(repr(args if isinstance(args, str) else list(args))[:120])
        real_init(self, args, *rest, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess.Popen, "__init__", popen_init)
        for name in ("fork", "forkpty", "posix_spawn", "posix_spawnp"):
            real = getattr(os, name, None)
            if real is not None:

                def spawn(*args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
                    started.append(f"os.{_name}")
                    return _real(*args, **kw)

                patch.setattr(os, name, spawn)
        yield started
    if started:
        pytest.fail(f"an in-process test started a process ({'; '.join(started)}): mark it process")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test may read or write the real user's library or config."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("READINGLIST_DB", raising=False)
    monkeypatch.delenv("READINGLIST_CONFIG", raising=False)
    yield


_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[list[str]]:
    """Tests reach only 127.0.0.1/::1 (local servers in the services' formats).

    Any other connection or name lookup is refused, and a test that tried one fails
    even if the code under test swallowed the error (an "offline" fallback must not
    hide a test that went to the internet). The fixture's value is the list of
    refused attempts.
    """
    attempts: list[str] = []

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in _LOOPBACK:
            attempts.append(f"connect {address!r}")
            raise ConnectionRefusedError(f"network blocked in tests: {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        _real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return _real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and name not in _LOOPBACK:
            attempts.append(f"getaddrinfo {name!r}")
            raise socket.gaierror(socket.EAI_NONAME, f"network blocked in tests: {name!r}")
        return _real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
    try:
        yield attempts
    finally:
        socket.socket.connect = _real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = _real_getaddrinfo
    if attempts:
        pytest.fail("test tried to reach the network: " + "; ".join(attempts))


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    """Run the CLI in process with click's runner: ``cli("--db", path, "list")`` → Result.

    ``input`` is what stdin holds; ``env`` sets (or, with None, unsets) variables.
    """
    from click.testing import CliRunner

    from readinglist.cli.app import cli as command

    runner = CliRunner()

    def run(
        *args: str | Path,
        input: str | bytes | None = None,
        env: dict[str, str | None] | None = None,
    ) -> Result:
        result = runner.invoke(
            command, [str(a) for a in args], input=input, env=env, catch_exceptions=False
        )
        return Result(result.exit_code, result.stdout, result.stderr)

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


def require_root(what: str) -> None:
    """Skip (or, under ``READINGLIST_REQUIRE_TOOLS``, fail) a test that needs root to
    build its fixture (a tmpfs mount, a device node), saying what it needs."""
    if os.geteuid() == 0:
        return
    message = f"{what} needs root (run the tests as root, as CI does)"
    if os.environ.get("READINGLIST_REQUIRE_TOOLS"):
        pytest.fail(message + "; READINGLIST_REQUIRE_TOOLS is set")
    pytest.skip(message)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Mount fresh tmpfs filesystems (root only); all are unmounted afterwards."""
    mounted: list[Path] = []

    def mount(size: str = "4m", name: str = "fs") -> Path:
        require_root("mounting a tmpfs")
        require_tool("mount", "apt-get install -y mount")
        where = tmp_path / name
        where.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "none", str(where)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.fail(f"cannot mount a tmpfs on {where} as root: {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], check=False)


def shortened(text: str, size: int) -> str:
    """``text`` cut to about ``size`` characters at a word's end, as a sentence (an
    abstract that stops mid-sentence reads as a truncated file to the importers)."""
    if len(text) <= size:
        return text
    return text[:size].rsplit(" ", 1)[0].rstrip(",;:") + "."


def mixed_library(
    path: Path, n: int, *, seed: int, tagged: int, read: int, abstracts: int | None = None
) -> Any:
    """A library of ``n`` synthetic papers and the rich ``.bib``: the first ``tagged``
    papers tagged ``to-read``, the first ``read`` of them read and rated 4. With
    ``abstracts``, the synthetic abstracts are cut to that many characters (a smaller
    file, quicker to load and index)."""
    from dataclasses import replace

    from readinglist.core.changes import Change
    from readinglist.core.importers import parse_file
    from readinglist.core.library import Library
    from tests.synthetic import synthetic_papers

    papers = synthetic_papers(n, seed=seed)
    if abstracts is not None:
        papers = [replace(p, abstract=shortened(p.abstract, abstracts)) for p in papers]
    library = Library.open(path)
    library.import_papers(papers, label="synthetic")
    library.import_parsed(parse_file(DATA / "rich.bib"))
    some = [p.id for p in library.papers[:tagged]]
    library.edit(some, Change(add_tags=("to-read",)))
    library.edit(some[:read], Change(fields={"status": "read", "rating": 4}))
    return library
