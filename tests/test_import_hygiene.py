"""The core must not import Textual: the CLI stays fast and the core stays testable."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import importlib, pkgutil, sys
import readinglist.core as core
names = [m.name for m in pkgutil.walk_packages(core.__path__, "readinglist.core.")]
for name in names:
    importlib.import_module(name)
import readinglist.cli, readinglist.commands
leaked = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(len(names), ",".join(leaked))
"""


def test_core_and_cli_import_without_textual() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True
    ).stdout.split()
    modules, leaked = int(out[0]), out[1:] if len(out) > 1 else []
    assert modules >= 8  # model, storage, library, merge, keys, importers, ...
    assert leaked == []
