"""The CLI as real processes: ``edit`` with a scripted ``$EDITOR`` (with and without a
terminal), ``rm`` then ``undo``, ``open`` with a browser, and bash completion in a
real bash."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from readinglist.cli._help import TOP_HELP
from readinglist.core.library import Library
from readinglist.core.model import Paper

from .conftest import Result, require_tool

pytestmark = pytest.mark.process

READINGLIST = Path(sys.executable).with_name("readinglist")  # the console script

ATTENTION = Paper("Attention Is All You Need", key="vaswani2017", entry_type="article",
                  authors=("Vaswani, Ashish",), year=2017, arxiv="1706.03762",
                  tags=("nlp", "transformers"),
                  raw={"title": "{Attention} Is All You Need"})  # fmt: skip
RESNET = Paper("Deep Residual Learning", key="he2016", year=2016, authors=("He, Kaiming",),
               tags=("vision",), doi="10.1109/cvpr.2016.90")  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "lib.json"
    library = Library.open(path)
    for paper in (ATTENTION, RESNET):
        library.add(paper)
    library.history.path.unlink()
    return path


def run(*args: str | Path, env: dict[str, str] | None = None, stdin: bytes = b"") -> Result:
    """``python -m readinglist`` with stdin from a pipe: no terminal to ask on."""
    proc = subprocess.run(
        [sys.executable, "-m", "readinglist", *map(str, args)],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def editor(tmp_path: Path, body: str) -> str:
    """A scripted editor: Python ``body`` edits ``text``, the file it was given."""
    script = tmp_path / "editor.py"
    script.write_text(
        f"#!{sys.executable}\nimport sys, pathlib\npath = pathlib.Path(sys.argv[1])\n"
        f"text = path.read_text()\n{body}\npath.write_text(text)\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return str(script)


# -- edit ----------------------------------------------------------------------------------------
def test_edit_with_a_scripted_editor_saves_the_changed_fields(db: Path, tmp_path: Path) -> None:
    script = editor(tmp_path, "text = text.replace('{2017}', '{2018}')")
    result = run("--db", db, "edit", "vaswani2017", env={"EDITOR": script, "VISUAL": ""})
    assert (result.code, result.err) == (0, "vaswani2017: changed year\n")
    paper = Library.open(db).by_key("vaswani2017")
    assert paper is not None and paper.year == 2018
    assert paper.raw == ATTENTION.raw and paper.tags == ATTENTION.tags


def test_edit_with_a_broken_entry_and_no_terminal_exits_2_changing_nothing(
    db: Path, tmp_path: Path
) -> None:
    script = editor(tmp_path, "text = text.replace('},', '', 1)")  # a field left open
    before = db.read_bytes()
    result = run("--db", db, "edit", "vaswani2017", env={"EDITOR": script})
    assert result.code == 2 and result.err.count("\n") == 1
    assert result.err.startswith("readinglist: edit vaswani2017: ")
    assert result.err.endswith("; nothing changed\n")
    assert db.read_bytes() == before


def test_edit_on_a_terminal_reopens_a_broken_entry_with_the_error_shown(
    db: Path, tmp_path: Path
) -> None:
    seen = tmp_path / "second-opening.bib"
    script = editor(
        tmp_path,
        f"if text.startswith('% readinglist: '):\n"
        f"    pathlib.Path({str(seen)!r}).write_text(text)\n"
        "    text = text.replace('year = {2017,', 'year = {2019},')\n"
        "else:\n"
        "    text = text.replace('year = {2017},', 'year = {2017,')\n",
    )
    command = shlex.join([sys.executable, "-m", "readinglist", "--db", str(db), "edit",
                          "vaswani2017"])  # fmt: skip
    child = pexpect.spawn(
        "/bin/sh", ["-c", command], env={**os.environ, "EDITOR": script, "VISUAL": ""},
        timeout=60, encoding="utf-8",
    )  # fmt: skip
    child.expect("opening the entry again")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    reopened = seen.read_text()
    assert reopened.startswith("% readinglist: the entry does not parse")
    assert "empty the file to cancel" in reopened and "year = {2017,\n" in reopened
    paper = Library.open(db).by_key("vaswani2017")
    assert paper is not None and paper.year == 2019 and paper.title == ATTENTION.title


# -- rm and undo ---------------------------------------------------------------------------------
def test_rm_then_undo(db: Path) -> None:
    before = Library.open(db).by_key("he2016")
    removed = run("--db", db, "rm", "tag:vision", "--yes")
    assert removed.code == 0 and removed.out.startswith("he2016 ")
    assert Library.open(db).by_key("he2016") is None
    undone = run("--db", db, "undo")
    assert (undone.code, undone.out) == (0, "undid: delete he2016\n")
    assert Library.open(db).by_key("he2016") == before


def test_rm_without_a_terminal_refuses(db: Path) -> None:
    before = db.read_bytes()
    result = run("--db", db, "rm", "tag:vision")
    assert result.code == 2 and "add --yes" in result.err and result.err.count("\n") == 1
    assert db.read_bytes() == before


@pytest.mark.parametrize(("answer", "code", "left"), [("y", 0, 1), ("n", 1, 2), ("", 1, 2)])
def test_rm_on_a_terminal_lists_and_asks(db: Path, answer: str, code: int, left: int) -> None:
    command = shlex.join([sys.executable, "-m", "readinglist", "--db", str(db), "rm", "vision"])
    child = pexpect.spawn("/bin/sh", ["-c", command], timeout=60, encoding="utf-8")
    child.expect("he2016 +2016 +He +unread +Deep Residual Learning")
    child.expect(r"Remove 1 paper\? \[y/N\]: ")
    child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == code
    assert len(Library.open(db)) == left


# -- open ----------------------------------------------------------------------------------------
def test_open_starts_the_browser_from_browser_env(db: Path, tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$1\" >> {shlex.quote(str(opened))}\n")
    browser.chmod(0o755)
    result = run("--db", db, "open", "vaswani2017", "--pdf", env={"BROWSER": str(browser)})
    assert result.code == 0, result.err
    assert opened.read_text() == "https://arxiv.org/pdf/1706.03762\n"
    assert result.err == "opened https://arxiv.org/pdf/1706.03762\n"


def test_open_without_a_browser_says_so_and_prints_the_link(db: Path, tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY")
    }
    env["PATH"] = str(tmp_path)  # no browser program to find
    proc = subprocess.run(
        [sys.executable, "-m", "readinglist", "--db", str(db), "open", "he2016"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stdout == "https://doi.org/10.1109/cvpr.2016.90\n"
    assert proc.stderr == (
        "readinglist: no browser could be started (set $BROWSER); the link is printed above\n"
    )


# -- the console script --------------------------------------------------------------------------
def test_console_script_help_is_clicks_help(tmp_path: Path) -> None:
    assert READINGLIST.exists(), "install the package (pip install -e .) to get the script"
    wide = subprocess.run([READINGLIST, "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "100"}, check=True)  # fmt: skip
    assert wide.stdout == TOP_HELP
    narrow = subprocess.run([READINGLIST, "--help"], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "60"}, check=True)  # fmt: skip
    assert narrow.stdout.startswith("Usage: readinglist [OPTIONS]") and narrow.stdout != TOP_HELP
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 60


# -- bash completion -----------------------------------------------------------------------------
@pytest.fixture
def bash_completion(db: Path, tmp_path: Path) -> Path:
    """A bash script that sources the generated completion and, for each line of words
    it is given, prints what ``_readinglist_completion`` offers."""
    require_tool("bash", "apt-get install bash")
    assert READINGLIST.exists(), "install the package (pip install -e .) to get the script"
    script = subprocess.run(
        [READINGLIST, "completion", "bash"], capture_output=True, text=True, check=True
    ).stdout
    source = tmp_path / "readinglist.bash"
    source.write_text(script)
    driver = tmp_path / "complete.sh"
    driver.write_text(
        f"source {shlex.quote(str(source))}\n"
        "while IFS= read -r line; do\n"
        '  eval "COMP_WORDS=($line)"\n'
        "  COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
        "  COMPREPLY=()\n"
        "  _readinglist_completion readinglist\n"
        '  echo "${COMPREPLY[*]}"\n'
        "done\n"
    )
    return driver


def complete_in_bash(driver: Path, db: Path, *lines: str) -> list[str]:
    env = {**os.environ, "READINGLIST_DB": str(db)}
    env["PATH"] = f"{READINGLIST.parent}{os.pathsep}{env.get('PATH', '')}"
    bash = shutil.which("bash")
    assert bash is not None
    proc = subprocess.run(
        [bash, "--norc", "--noprofile", str(driver)],
        input="\n".join(lines) + "\n", capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return proc.stdout.splitlines()


def test_bash_completes_commands_options_keys_and_tags(bash_completion: Path, db: Path) -> None:
    # COMP_WORDS as bash splits them: "tag:" is three words, "tag" ":" "".
    lines = {
        "readinglist re": "resolve rekey",
        "readinglist show ''": "he2016 vaswani2017",
        "readinglist show va": "vaswani2017",
        "readinglist edit h": "he2016",
        "readinglist rekey vas": "vaswani2017",
        "readinglist export --key h": "he2016",
        "readinglist tag --key he2016 +": "+nlp +transformers +vision",
        "readinglist tag --key he2016 -v": "-vision",
        "readinglist list tag : ''": "",
        "readinglist list tag :": "nlp transformers vision",
        "readinglist list tag : tr": "transformers",
        "readinglist list -tag : v": "vision",
        "readinglist list --li": "--limit",
        "readinglist --d": "--db --demo",
    }
    offered = complete_in_bash(bash_completion, db, *lines)
    assert dict(zip(lines, offered, strict=True)) == lines


def test_edit_on_a_terminal_gives_up_when_the_reopened_entry_is_saved_unchanged(
    db: Path, tmp_path: Path
) -> None:
    script = editor(tmp_path, "text = text.replace('year = {2017},', 'year = {2017,')")
    before = db.read_bytes()
    command = shlex.join([sys.executable, "-m", "readinglist", "--db", str(db), "edit",
                          "vaswani2017"])  # fmt: skip
    child = pexpect.spawn(
        "/bin/sh", ["-c", command], env={**os.environ, "EDITOR": script, "VISUAL": ""},
        timeout=60, encoding="utf-8",
    )  # fmt: skip
    child.expect("opening the entry again")
    child.expect("edit vaswani2017 cancelled; nothing changed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert db.read_bytes() == before


def test_pick_without_a_terminal_with_clipboard_but_no_clipboard_tool(db: Path) -> None:
    """``pick --clipboard`` in a script with no clipboard program: the choice is still
    printed, and the missing clipboard is named."""
    setsid = shutil.which("setsid")
    assert setsid is not None, "setsid (util-linux) is needed"
    proc = subprocess.run(
        [setsid, sys.executable, "-m", "readinglist", "--db", str(db), "pick", "--clipboard",
         "--format", "cite", "residual"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        env={"PATH": str(Path(sys.executable).parent), "HOME": "/nonexistent"},
    )  # fmt: skip
    assert (proc.returncode, proc.stdout) == (0, "\\cite{he2016}\n")
    assert proc.stderr == "no clipboard found\n"


def test_without_a_command_the_tui_opens(db: Path) -> None:
    command = shlex.join([sys.executable, "-m", "readinglist", "--db", str(db)])
    child = pexpect.spawn("/bin/sh", ["-c", command], dimensions=(30, 110), timeout=60)
    child.expect("Deep Residual Learning")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
