"""Write the README's command reference and TUI key table from the code, and the
cached ``readinglist --help`` (``_help.py``), so none of them can drift.

    python -m readinglist.cli.docs           # rewrite README.md and _help.py
    python -m readinglist.cli.docs --check   # exit 1, naming what is out of date

The README sections sit between ``<!-- commands:start -->`` / ``<!-- commands:end -->``
and ``<!-- keys:start -->`` / ``<!-- keys:end -->``; the rest of it is prose.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from .app import cli

ROOT = Path(__file__).resolve().parent.parent.parent
README = ROOT / "README.md"
HELP_MODULE = Path(__file__).resolve().parent / "_help.py"
HELP_COLUMNS = 78  # what click's formatter uses on a terminal of 80 columns or more


def _root_context() -> click.Context:
    return click.Context(
        cli, info_name="readinglist", terminal_width=HELP_COLUMNS, **cli.context_settings
    )


def top_help() -> str:
    """``readinglist --help`` as click prints it on a terminal of 80+ columns."""
    with _root_context() as ctx:
        return ctx.get_help() + "\n"


def _command_context(name: str, root: click.Context) -> click.Context:
    command = cli.get_command(root, name)
    assert command is not None
    return click.Context(command, info_name=name, parent=root, **command.context_settings)


def command_help() -> dict[str, tuple[tuple[str, ...], str]]:
    """``readinglist COMMAND --help`` for every command as click prints it on a terminal
    of 80+ columns, with the options that ask for it (``tag`` takes ``-h`` as a tag)."""
    helps = {}
    with _root_context() as root:
        for name in cli.list_commands(root):
            with _command_context(name, root) as ctx:
                helps[name] = (tuple(ctx.help_option_names), ctx.get_help() + "\n")
    return helps


def _options(command: click.Command, ctx: click.Context) -> list[str]:
    lines = []
    for param in command.get_params(ctx):
        if not isinstance(param, click.Option) or param.hidden:
            continue
        record = param.get_help_record(ctx)
        if record is None or "--help" in param.opts:
            continue
        names, text = record
        lines.append(f"  - `{names}`: {' '.join(text.split())}")
    return lines


def command_reference() -> str:
    """Every command: its usage, one line of help, and its options."""
    root = _root_context()
    out = ["Global options (before the command):", ""]
    out += _options(cli, root)
    out.append("")
    for name in cli.list_commands(root):
        ctx = _command_context(name, root)
        command = ctx.command
        usage = " ".join(command.collect_usage_pieces(ctx))
        summary = command.get_short_help_str(limit=200)
        out.append(f"- `readinglist {name} {usage}`: {summary}")
        out += _options(command, ctx)
    return "\n".join(out) + "\n"


def key_table() -> str:
    """The TUI's default keys, from the same bindings the help screen shows."""
    from ..tui.bindings import describe_bindings

    rows = ["| where | key | action | binding id |", "|---|---|---|---|"]
    for row in describe_bindings({}):
        keys = " ".join(f"`{k}`" for k in row.keys.split())
        ids = " ".join(f"`{i}`" for i in row.binding_id.split())
        rows.append(f"| {row.section} | {keys} | {row.description} | {ids} |")
    return "\n".join(rows) + "\n"


def _literal(line: str) -> str:
    """``repr``, in double quotes where that needs no escape (as ruff formats it)."""
    text = repr(line)
    return f'"{text[1:-1]}"' if text[0] == "'" and '"' not in line else text


def _help_module() -> str:
    lines = [
        '"""``readinglist --help`` and ``readinglist COMMAND --help``, as click renders them',
        "at 80 columns; written by ``python -m readinglist.cli.docs`` (a test checks they are",
        'current)."""',
        "",
        "TOP_HELP = (",
        *(f"    {_literal(line)}" for line in top_help().splitlines(keepends=True)),
        ")",
        "",
        "# command -> (the options that ask for its help, the help)",
        "COMMAND_HELP: dict[str, tuple[tuple[str, ...], str]] = {",
    ]
    for name, (options, text) in command_help().items():
        lines.append(f"    {_literal(name)}: (")
        names = ", ".join(_literal(o) for o in options)
        lines.append(f"        ({names}{',' if len(options) == 1 else ''}),")
        lines.append("        (")
        lines += [f"            {_literal(line)}" for line in text.splitlines(keepends=True)]
        lines.append("        ),")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _replace_section(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", flags=re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no <!-- {name}:start --> ... <!-- {name}:end --> section")
    return pattern.sub(lambda m: m[1] + body + m[2], text, count=1)


def generated_readme(text: str) -> str:
    """``text`` (the README) with its generated sections brought up to date."""
    text = _replace_section(text, "commands", command_reference())
    return _replace_section(text, "keys", key_table())


def main(argv: Sequence[str] | None = None) -> int:
    check = "--check" in (sys.argv[1:] if argv is None else argv)
    readme = README.read_text(encoding="utf-8")
    wanted = {README: generated_readme(readme), HELP_MODULE: _help_module()}
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text("utf-8") != text]
    if check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python -m readinglist.cli.docs")
        return 1 if stale else 0
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
