"""The editor snippets in assets/editors, loaded by the real editors.

Vim runs the snippet end to end: ``:ReadinglistCite`` calls ``readinglist pick``
(detached from any terminal, so it picks the best match without asking) and the
``\\cite{}`` lands in the buffer. Neovim and Emacs load their snippets and Emacs
exercises the insertion step; the VS Code files must be valid JSON naming our tasks.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from readinglist.core.library import Library
from readinglist.core.model import Paper

from .conftest import require_tool

EDITORS = Path(__file__).parent.parent / "assets" / "editors"


def _need(tool: str) -> str:
    return require_tool(tool, f"apt-get install -y {'emacs-nox' if tool == 'emacs' else tool}")


@pytest.fixture
def one_paper_db(tmp_path: Path) -> Path:
    db = tmp_path / "lib.json"
    Library.open(db).add(
        Paper(title="Attention Is All You Need", authors=("Vaswani, A",), year=2017)
    )
    return db


@pytest.mark.process
def test_vim_inserts_a_citation(tmp_path: Path, one_paper_db: Path) -> None:
    vim = _need("vim")
    out = tmp_path / "chapter.tex"
    command = f"{shlex.quote(sys.executable)} -m readinglist --db {shlex.quote(str(one_paper_db))}"
    proc = subprocess.run(
        ["setsid", vim, "-Nu", "NONE", "-i", "NONE", "-es",
         "-c", f"source {EDITORS / 'readinglist.vim'}",
         "-c", f"let g:readinglist_command = {json.dumps(command)}",
         "-c", "call setline(1, 'As shown by ')", "-c", "normal! $",
         "-c", "ReadinglistCite", "-c", f"write {out}", "-c", "qall!"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert out.read_text() == "As shown by \\cite{vaswani2017attention}\n"


@pytest.mark.process
def test_neovim_loads_the_snippet() -> None:
    nvim = _need("nvim")
    proc = subprocess.run(
        [nvim, "--headless", "-u", "NONE", "-i", "NONE",
         "-c", f"source {EDITORS / 'readinglist.vim'}",
         "-c", "if exists(':ReadinglistCite') != 2 | cquit 3 | endif",
         "-c", "if !exists('*readinglist#pick') | cquit 4 | endif",
         "-c", "qall!"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Error" not in proc.stderr


@pytest.mark.process
def test_emacs_loads_compiles_and_inserts(tmp_path: Path) -> None:
    emacs = _need("emacs")
    source = tmp_path / "readinglist.el"
    shutil.copy(EDITORS / "readinglist.el", source)
    picked = tmp_path / "picked.txt"
    picked.write_text("\\cite{vaswani2017attention}\n")
    script = f"""
(progn
  (setq byte-compile-error-on-warn t)
  (unless (byte-compile-file {json.dumps(str(source))}) (kill-emacs 3))
  (load {json.dumps(str(source) + "c")} nil t)
  (unless (commandp 'readinglist-cite) (kill-emacs 4))
  (with-temp-buffer
    (insert "As shown by .")
    (readinglist--finish {json.dumps(str(picked))} (current-buffer) 13 0)
    (princ (buffer-string))))
"""
    proc = subprocess.run(
        [emacs, "--batch", "-Q", "--eval", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "As shown by \\cite{vaswani2017attention}."
    assert not picked.exists()  # the temp file is cleaned up


@pytest.mark.unit
def test_vscode_files_are_valid_and_consistent() -> None:
    tasks = json.loads((EDITORS / "vscode" / "tasks.json").read_text())
    bindings = json.loads((EDITORS / "vscode" / "keybindings.json").read_text())
    labels = {task["label"] for task in tasks["tasks"]}
    assert all(task["command"].startswith("readinglist pick ") for task in tasks["tasks"])
    assert {b["args"] for b in bindings} <= labels
    assert all(b["command"] == "workbench.action.tasks.runTask" for b in bindings)
