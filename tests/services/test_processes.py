"""The service commands as real processes, where the process matters: the progress
line on a terminal, the exit code and one line when the services cannot be reached,
and what the child sends over the network. Each child loads ``childguard``'s
sitecustomize, which refuses (and logs) every connection that is not to this
machine: the tests' socket guard does not reach into a child."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from readinglist import __version__
from readinglist.core.library import Library
from readinglist.core.model import Paper, Source

from ..conftest import Result
from .conftest import ARXIV_PATH, arxiv_answers
from .formats import SPEECH, VISION, crossref_work
from .server import LocalServer, Reply, closed_port

pytestmark = pytest.mark.process

GUARD = Path(__file__).parent / "childguard"
VISION_PHRASE = 'ti:"lattice attention sparse token mixing for dense prediction"'
DOI = "10.1371/journal.pone.0000001"
_PROXIES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


class Child:
    """Environment and network log for ``python -m readinglist`` children."""

    def __init__(self, tmp_path: Path) -> None:
        self.netlog = tmp_path / "network.log"
        self.env = {
            k: v for k, v in os.environ.items() if k.lower() not in _PROXIES
        }  # a proxy on loopback would carry a request out
        self.env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(GUARD), os.environ.get("PYTHONPATH")])
        )
        self.env["READINGLIST_TEST_NETLOG"] = str(self.netlog)
        for name in ("READINGLIST_ARXIV_API", "READINGLIST_CROSSREF_API", "READINGLIST_HF_API"):
            self.env.pop(name, None)

    def services_at(self, base: str) -> None:
        self.env["READINGLIST_ARXIV_API"] = base + "/arxiv/api"
        self.env["READINGLIST_CROSSREF_API"] = base + "/crossref"
        self.env["READINGLIST_HF_API"] = base + "/hf/api"
        self.env["READINGLIST_ARXIV_INTERVAL"] = "0"

    def run(self, *args: str | Path) -> Result:
        proc = subprocess.run(
            [sys.executable, *map(str, args)], capture_output=True, env=self.env, timeout=120
        )
        return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    def refused(self) -> list[str]:
        return self.netlog.read_text().splitlines() if self.netlog.exists() else []


@pytest.fixture
def child(tmp_path: Path) -> Iterator[Child]:
    made = Child(tmp_path)
    # The guard must work before any test relies on it: a connection to a
    # documentation address (TEST-NET-1, routed nowhere) is refused and logged.
    control = made.run("-c", "import socket; socket.create_connection(('192.0.2.1', 80), 1)")
    assert control.code != 0 and "network blocked in tests" in control.err
    assert made.refused() == ["getaddrinfo '192.0.2.1'"]
    made.netlog.unlink()
    yield made


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "lib.json"


def test_add_in_a_process_talks_only_to_the_configured_services(
    child: Child, server: LocalServer, db: Path
) -> None:
    server.route(ARXIV_PATH, arxiv_answers([VISION, SPEECH]))
    work = crossref_work(DOI, "Counting Reef Fish", [("Ana", "Souza")], year=2006)
    server.route(
        "/crossref/works/10.1371%2Fjournal.pone.0000001", Reply(200, work, "application/json")
    )
    child.services_at(server.url)
    result = child.run("-m", "readinglist", "--db", db, "add", "2403.04567", DOI)
    assert result.code == 0, result.err
    assert result.out.split() == ["duarte2024whisper", "souza2006counting"]
    assert result.err == ""  # no progress without a terminal
    assert len(Library.open(db)) == 2
    assert child.refused() == []
    agents = {r.headers["user-agent"] for r in server.log}
    assert agents == {f"readinglist/{__version__}"}


def test_the_default_hosts_are_the_public_services(child: Child, db: Path) -> None:
    """Without configuration the child asks export.arxiv.org (refused here, so the
    command reports it unreachable: one line, exit 3, nothing written)."""
    result = child.run("-m", "readinglist", "--db", db, "add", "arXiv:2403.01123")
    assert result.code == 3
    assert result.err == (
        "readinglist: cannot reach export.arxiv.org (name lookup failed); nothing added\n"
    )
    assert child.refused() == ["getaddrinfo 'export.arxiv.org'"]
    assert not db.exists()


def test_unreachable_services_in_a_process(child: Child, db: Path) -> None:
    lib = Library.open(db)
    lib.import_papers([Paper("Some Listed Paper", sources=(Source("dailypapers", "x.txt"),))])
    before = db.read_bytes()
    child.services_at(f"http://127.0.0.1:{closed_port()}")
    result = child.run("-m", "readinglist", "--db", db, "resolve")
    assert result.code == 3
    (line,) = result.err.splitlines()
    assert line.startswith("readinglist: cannot reach 127.0.0.1:")
    assert line.endswith("(connection refused); nothing changed (1 of 1 papers not looked up)")
    assert result.out == ""
    assert db.read_bytes() == before
    assert child.refused() == []


def test_resolve_shows_progress_on_a_terminal(child: Child, server: LocalServer, db: Path) -> None:
    server.route(ARXIV_PATH, arxiv_answers([VISION], {VISION_PHRASE: [VISION]}))
    lib = Library.open(db)
    listed = Paper(
        "Lattice attention - sparse token mixing for dense prediction",
        sources=(Source("dailypapers", "today.txt"),),
    )
    lib.import_papers([listed])
    child.services_at(server.url)
    command = " ".join(
        shlex.quote(str(a)) for a in (sys.executable, "-m", "readinglist", "--db", db, "resolve")
    )
    proc = pexpect.spawn(
        "/bin/sh",
        ["-c", command],
        env=child.env,
        dimensions=(24, 100),
        timeout=60,
        encoding="utf-8",
    )
    proc.expect(pexpect.EOF)
    proc.close()
    output = proc.before or ""
    assert proc.exitstatus == 0, output
    assert "\r\x1b[2K[1/1] resolving Lattice attention - sparse token mixing" in output
    assert "resolved 1 of 1 paper" in output
    assert child.refused() == []
    paper = Library.open(db).papers[0]
    assert paper.key == "okonkwohale2024lattice"
