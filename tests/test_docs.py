"""The README documents every command, option and key binding the code has; its command
reference and key table are generated from the code, and fail here when they drift."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from readinglist.cli import _help
from readinglist.cli.app import cli
from readinglist.cli.docs import (
    HELP_MODULE,
    _help_module,
    command_help,
    generated_readme,
    top_help,
)
from readinglist.tui.bindings import binding_ids

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, click.Command]:
    ctx = click.Context(cli, info_name="readinglist")
    return {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}  # type: ignore[misc]


@pytest.mark.unit
@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_command_is_documented_with_its_options(name: str) -> None:
    assert f"readinglist {name}" in README
    for param in _commands()[name].params:
        for option in getattr(param, "opts", []):
            if option.startswith("--") and option != "--help":
                assert option in README, f"{name} {option} is not in the README"


@pytest.mark.unit
def test_global_options_are_documented() -> None:
    for option in ("--db", "--config", "--demo", "--version", "READINGLIST_DB",
                   "READINGLIST_CONFIG"):  # fmt: skip
        assert option in README


@pytest.mark.unit
def test_every_binding_id_is_in_the_key_table() -> None:
    missing = sorted(i for i in binding_ids() if f"`{i}`" not in README)
    assert missing == []


@pytest.mark.unit
def test_every_command_and_option_has_help() -> None:
    for name, command in _commands().items():
        assert command.help and command.get_short_help_str(), name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts}"


@pytest.mark.unit
def test_readme_reference_and_key_table_are_generated_from_the_code() -> None:
    """Fails when a command, an option, a help text or a key binding changed without
    ``python -m readinglist.cli.docs``."""
    assert generated_readme(README) == README
    assert "<!-- commands:start -->\nGlobal options" in README
    assert "| `j` `↓` | Down | `list.down` |" in README


@pytest.mark.unit
def test_readme_keeps_its_two_set_up_commands_at_the_top() -> None:
    lines = README.splitlines()
    assert lines[:5] == [
        "# readinglist",
        "",
        "```sh",
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && readinglist --demo",
        'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]"'
        " && python -m pytest",
    ]


RENDER = """
import contextlib, io, json, sys
from readinglist.cli.app import cli
out = {}
for args in json.loads(sys.argv[1]):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = cli.main(args, prog_name="readinglist", standalone_mode=False)
    out[" ".join(args)] = [code, buffer.getvalue()]
print(json.dumps(out))
"""


def _rendered_by_click(*commands: list[str]) -> dict[str, list[object]]:
    """Help as click prints it in a real process on a 120-column terminal (click's
    test runner forces 80 columns, so it cannot show this)."""
    proc = subprocess.run(
        [sys.executable, "-c", RENDER, json.dumps(commands)],
        capture_output=True, text=True, check=True, env={**os.environ, "COLUMNS": "120"},
    )  # fmt: skip
    rendered: dict[str, list[object]] = json.loads(proc.stdout)
    return rendered


@pytest.mark.process
def test_cached_help_is_what_click_prints() -> None:
    """``readinglist --help`` and ``readinglist COMMAND --help`` are answered from
    ``_help.py`` without importing click; they must say what click would."""
    assert HELP_MODULE.read_text(encoding="utf-8") == _help_module()
    assert top_help() == _help.TOP_HELP
    assert command_help() == _help.COMMAND_HELP
    asks = [["--help"], *([name, option] for name, (options, _t) in
                          _help.COMMAND_HELP.items() for option in options)]  # fmt: skip
    rendered = _rendered_by_click(*asks)
    assert rendered.pop("--help") == [0, _help.TOP_HELP]
    for asked, (code, text) in rendered.items():
        assert (code, text) == (0, _help.COMMAND_HELP[asked.split()[0]][1]), asked
    assert _help.COMMAND_HELP["tag"][0] == ("--help",)  # tag -hard removes the tag "hard"
    assert all("-h" in o for name, (o, _t) in _help.COMMAND_HELP.items() if name != "tag")


@pytest.mark.unit
def test_every_test_the_readme_names_exists() -> None:
    """Reliability sentences name the test that backs them: ``tests/x.py::test_y``, or
    ``::test_z`` for another test in the file named just before. Each must exist."""
    root = Path(__file__).parent.parent
    named: list[tuple[str, str]] = []
    current = ""
    for match in re.finditer(r"(tests/[\w/]+\.py)?::(test_\w+)", README):
        current = match.group(1) or current
        assert current, f"::{match.group(2)} names no file"
        named.append((current, match.group(2)))
    assert named, "the README names no test"
    missing = []
    for file, name in named:
        source = (root / file).read_text(encoding="utf-8") if (root / file).exists() else ""
        if not re.search(rf"^(?:async )?def {name}\(", source, re.MULTILINE):
            missing.append(f"{file}::{name}")
    assert missing == []
