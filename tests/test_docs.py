"""The README documents every command, option and key binding the code has."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from readinglist.cli import _build_parser
from readinglist.tui.bindings import binding_ids

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = _build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_command_is_documented_with_its_options(name: str) -> None:
    assert f"readinglist {name}" in README
    for action in _subcommands()[name]._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                assert option in README, f"{name} {option} is not in the README"


def test_global_options_are_documented() -> None:
    for option in ("--db", "--config", "--demo", "READINGLIST_DB", "READINGLIST_CONFIG"):
        assert option in README


def test_every_binding_id_is_in_the_key_table() -> None:
    missing = sorted(i for i in binding_ids() if f"`{i}`" not in README)
    assert missing == []


def test_every_command_has_help() -> None:
    for name, parser in _subcommands().items():
        assert parser.format_help().strip(), name
        assert parser.description or any(a.help for a in parser._actions if a.dest != "help")
