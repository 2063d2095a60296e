"""``readinglist pick`` in a real pseudo-terminal, stdout redirected like an editor does."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

import pexpect
import pytest

from readinglist.core.library import Library
from readinglist.core.model import Paper
from readinglist.pick import format_choice

from .conftest import DATA, run_process


@pytest.fixture(scope="module")
def library_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("pick") / "lib.json"
    from readinglist.core.importers import parse_file

    lib = Library.open(db)
    for name in ("daily-papers-blank-lines.txt", "daily-papers-compact.txt"):
        lib.import_papers(parse_file(DATA / name).papers)
    return db


def _spawn(db: Path, out: Path, *args: str) -> pexpect.spawn:
    command = " ".join(
        [shlex.quote(sys.executable), "-m", "readinglist", "--db", shlex.quote(str(db)), "pick"]
        + [shlex.quote(a) for a in args]
        + [">", shlex.quote(str(out))]
    )
    child = pexpect.spawn(
        "/bin/sh", ["-c", command], dimensions=(30, 110), timeout=60, encoding="utf-8"
    )
    child.expect("matching")  # the status line: the picker is up
    return child


def _wait_for(child: pexpect.spawn, text: str) -> None:
    child.expect(text.replace("(", r"\(").replace(")", r"\)"))


@pytest.mark.process
def test_typo_query_then_enter_prints_the_key(library_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    child = _spawn(library_file, out, "--format", "key")
    child.send("speculativ sampling\r")  # enter at once: it waits for this query's results
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    expected = Library.open(library_file).search("EAGLE Speculative Sampling")[0].paper.key
    assert out.read_text() == expected + "\n"
    assert "Speculative Sampling" in Library.open(library_file).by_key(expected).title  # type: ignore[union-attr]


@pytest.mark.process
def test_cite_format_with_two_marked(library_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    child = _spawn(library_file, out, "--multi", "--format", "cite", "transformer")
    child.send("\t")
    _wait_for(child, "1 marked")
    child.send("\t")
    _wait_for(child, "2 marked")
    child.send("\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    text = out.read_text()
    assert text.startswith("\\cite{") and text.endswith("}\n")
    keys = text[len("\\cite{") : -2].split(",")
    lib = Library.open(library_file)
    assert len(keys) == 2 and all(lib.by_key(k) is not None for k in keys)


@pytest.mark.process
def test_escape_exits_1_with_nothing_printed(library_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    child = _spawn(library_file, out)
    child.send("attention")
    child.send("\x1b")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert out.read_text() == ""


@pytest.mark.process
def test_without_a_terminal_it_prints_the_best_match(library_file: Path) -> None:
    """No /dev/tty (setsid): scripts get the best match for the query, no UI."""
    import subprocess

    proc = subprocess.run(
        ["setsid", sys.executable, "-m", "readinglist", "--db", str(library_file),
         "pick", "--format", "pandoc", "digi-q device control"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    key = proc.stdout.strip()[2:-1]
    assert proc.stdout.startswith("[@")
    assert Library.open(library_file).by_key(key).title.startswith("Digi-Q")  # type: ignore[union-attr]


@pytest.mark.process
def test_empty_library_exits_1(tmp_path: Path) -> None:
    result = run_process("--db", tmp_path / "empty.json", "pick")
    assert result.code == 1 and "empty" in result.err


@pytest.mark.unit
def test_formats() -> None:
    papers = [Paper(title="A", key="a2020x"), Paper(title="B", key="b2021y")]
    assert format_choice(papers, "key") == "a2020x,b2021y\n"
    assert format_choice(papers, "cite") == "\\cite{a2020x,b2021y}\n"
    assert format_choice(papers, "pandoc") == "[@a2020x; @b2021y]\n"
    assert format_choice(papers[:1], "json").startswith('{"id":"","key":"a2020x"')
    assert "@misc{a2020x," in format_choice(papers[:1], "bibtex")


@pytest.mark.process
def test_export_to_the_clipboard_through_the_terminal(library_file: Path) -> None:
    """No clipboard program on PATH: the text goes to the terminal as OSC 52."""
    import base64
    import os

    lib = Library.open(library_file)
    key = lib.papers[0].key
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "readinglist", "--db", str(library_file), "export", "--key", key, "--clipboard"],
        env=env, timeout=60, dimensions=(30, 110),
    )  # fmt: skip
    child.expect(rb"\x1b\]52;c;([A-Za-z0-9+/=]+)\x07")
    copied = base64.b64decode(child.match.group(1)).decode()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert copied.startswith(f"@misc{{{key},") and copied.rstrip().endswith("}")


@pytest.mark.process
def test_clipboard_without_tool_or_terminal_is_an_error(library_file: Path) -> None:
    import subprocess

    key = Library.open(library_file).papers[0].key
    setsid = shutil.which("setsid") or "setsid"
    proc = subprocess.run(
        [setsid, sys.executable, "-m", "readinglist", "--db", str(library_file),
         "export", "--key", key, "--clipboard"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        env={"PATH": str(Path(sys.executable).parent), "HOME": "/nonexistent"},
    )  # fmt: skip
    assert proc.returncode == 2 and "no clipboard found" in proc.stderr
    assert proc.stdout == ""


# -- a 10k library: the first search builds the index, so results take a while ------------


@pytest.fixture(scope="module")
def library_10k(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list[str]]:
    """10k synthetic papers, a query that matches a few of them, and their keys."""
    from collections import Counter

    from tests.synthetic import synthetic_papers

    db = tmp_path_factory.mktemp("pick10k") / "lib.json"
    lib = Library.open(db)
    lib.import_papers(synthetic_papers(10_000))
    words = Counter(w.strip(":,.").lower() for p in lib.papers for w in p.title.split())
    word = sorted(w for w, n in words.items() if n == 1 and len(w) >= 8 and w.isalpha())[0]
    query = "on " + word[:-1]  # the name typed as far as "prunin", as while typing
    keys = [hit.paper.key for hit in lib.search(query)]
    assert 1 <= len(keys) < 100
    assert lib.search("")[0].paper.key not in keys  # the unfiltered list starts elsewhere
    return db, query, keys


@pytest.mark.process
def test_10k_query_tab_enter_at_once_gets_only_matching_keys(
    library_10k: tuple[Path, str, list[str]], tmp_path: Path
) -> None:
    """Typed, Tab and Enter in one go once the picker is up: Tab waits for the query's
    own results (an older list is never shown or marked from)."""
    db, query, keys = library_10k
    out = tmp_path / "out.txt"
    child = _spawn(db, out, "--multi", "--format", "key")
    child.send(query + "\t\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert out.read_text() == keys[0] + "\n"  # the query's best match, marked by Tab


@pytest.mark.process
def test_10k_keys_typed_during_start_up_go_to_the_search_box(
    library_10k: tuple[Path, str, list[str]], tmp_path: Path
) -> None:
    """The editor macro types before the picker is on screen (while the library loads)."""
    db, query, keys = library_10k
    out = tmp_path / "out.txt"
    command = " ".join(
        [shlex.quote(sys.executable), "-m", "readinglist", "--db", shlex.quote(str(db)),
         "pick", "--multi", "--format", "key", ">", shlex.quote(str(out))]
    )  # fmt: skip
    child = pexpect.spawn(
        "/bin/sh", ["-c", command], dimensions=(30, 110), timeout=60, encoding="utf-8"
    )
    child.send(query + "\t\r")  # at once, before anything is drawn
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert out.read_text() == keys[0] + "\n"
