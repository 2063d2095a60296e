"""The core must not import Textual: the CLI stays fast and the core stays testable."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

CHECK = """
import importlib, pkgutil, sys
import readinglist.core as core, readinglist.cli as cli
names = [m.name for m in pkgutil.walk_packages(core.__path__, "readinglist.core.")]
names += [m.name for m in pkgutil.walk_packages(cli.__path__, "readinglist.cli.")]
for name in names:
    importlib.import_module(name)
leaked = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(len(names), ",".join(leaked))
"""


@pytest.mark.process
def test_core_and_cli_import_without_textual() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True
    ).stdout.split()
    modules, leaked = int(out[0]), out[1:] if len(out) > 1 else []
    assert modules >= 16  # model, storage, library, merge, keys, importers, cli commands, ...
    assert leaked == []


FAST_PATH = """
import sys
from readinglist.cli import main
code = main(sys.argv[1:])
heavy = [m for m in ("click", "tinydb", "orjson", "readinglist.core.library") if m in sys.modules]
print(code, ",".join(heavy), file=sys.stderr)
"""


@pytest.mark.process
def test_help_and_version_start_without_click_or_the_library() -> None:
    """Start-up: ``--help``, ``COMMAND --help`` (at 80+ columns) and ``--version``
    import neither click nor the library."""
    for args in (["--help"], ["--version"], ["list", "--help"], ["edit", "-h"]):
        proc = subprocess.run(
            [sys.executable, "-c", FAST_PATH, *args],
            capture_output=True,
            text=True,
            check=True,
            env={"COLUMNS": "100", "PATH": ""},
        )
        assert proc.stderr.split() == ["0"], args
        expected = "readinglist " if args == ["--version"] else f"Usage: readinglist {args[0]}"
        assert proc.stdout.startswith(expected.replace("--help", "[OPTIONS]"))


@pytest.mark.unit
def test_the_package_imports_neither_benchmarks_nor_tests() -> None:
    """``benchmarks/`` and ``tests/`` are not in the wheel: an installed readinglist that
    imported them would fail on the first use."""
    package = Path(__file__).parent.parent / "readinglist"
    offending = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                if name.split(".")[0] in ("benchmarks", "tests"):
                    offending.append(f"{path.relative_to(package.parent)}:{node.lineno} {name}")
    assert offending == []
