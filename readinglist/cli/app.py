"""The ``readinglist`` command group: global options, the TUI as the default command,
one-line errors and exit codes. Commands live in their modules, imported on use."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from .. import __version__
from ..core.errors import ReadinglistError
from .base import COMPLETE_VAR, EXIT_BAD_INPUT, EXIT_NO_MATCH, EXIT_OK
from .common import Env

# Every command, in the order help and the README list them, and its module.
COMMANDS: dict[str, str] = {
    "import": "importing",
    "add": "importing",
    "resolve": "lookups",
    "list": "papers",
    "show": "papers",
    "export": "papers",
    "pick": "papers",
    "open": "papers",
    "stats": "papers",
    "tag": "changes",
    "status": "changes",
    "note": "changes",
    "edit": "editing",
    "rekey": "changes",
    "rm": "changes",
    "undo": "changes",
    "duplicates": "duplicates",
    "merge": "duplicates",
    "completion": "shell",
    "merge-driver": "duplicates",
}


class ReadinglistGroup(click.Group):
    """Loads each command's module on use, and turns every failure into one line
    on stderr and an exit code (0 ok, 1 nothing matched or cancelled, 2 bad input)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command = getattr(
            importlib.import_module(f"{__package__}.{module}"), "cmd_" + cmd_name.replace("-", "_")
        )
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            code = super().invoke(ctx)
            sys.stdout.flush()
            return code
        except BrokenPipeError:
            # `readinglist list | head`: the reader left; that is not an error.
            _discard_stdout()
            return EXIT_OK
        except OSError as exc:
            if exc.filename is not None:
                raise  # files are named in their own errors; this is not one of them
            # `export > file` on a full disk (ENOSPC), a failing device (EIO): the output
            # is incomplete, and saying so is the only honest ending.
            _discard_stdout()
            with contextlib.suppress(OSError):
                print(
                    f"readinglist: cannot write the output: {exc.strerror or exc}", file=sys.stderr
                )
            return EXIT_BAD_INPUT

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> int:
        if os.environ.get(complete_var or COMPLETE_VAR):
            from . import shell  # its completion classes handle the shells

            shell.register()
        try:
            code = super().main(
                args, prog_name or "readinglist", complete_var, standalone_mode=False, **extra
            )
            code = code if isinstance(code, int) else EXIT_OK
        except click.Abort:
            print("readinglist: cancelled", file=sys.stderr)
            code = EXIT_NO_MATCH
        except click.ClickException as exc:
            print(f"readinglist: {one_line(exc)}", file=sys.stderr)
            code = EXIT_BAD_INPUT
        except ReadinglistError as exc:
            print(f"readinglist: {exc}", file=sys.stderr)
            code = EXIT_BAD_INPUT
        if standalone_mode:
            sys.exit(code)
        return code


def one_line(exc: click.ClickException) -> str:
    """click's message as one line: ``list: no such option '--jsn' (did you mean
    '--json'?); see 'readinglist list --help'``."""
    possibilities = getattr(exc, "possibilities", None)
    if isinstance(exc, click.NoSuchOption):  # worded alike by every click version
        message = f"no such option {exc.option_name!r}"
    else:
        message = " ".join((exc.message if possibilities else exc.format_message()).split())
        message = message.rstrip(".")
    if message[:1].isupper() and message[1:2].islower():
        message = message[0].lower() + message[1:]
    if possibilities:
        message += f" (did you mean {' or '.join(repr(p) for p in sorted(possibilities))}?)"
    ctx = getattr(exc, "ctx", None)
    if ctx is None or type(exc) in (click.UsageError, click.ClickException):
        return message  # raised by a command, whose messages say what they are about
    where = ctx.command_path.removeprefix("readinglist").strip()
    hint = f"; see '{ctx.command_path} --help'" if isinstance(exc, click.UsageError) else ""
    return f"{where}: {message}{hint}" if where else f"{message}{hint}"


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush of what is still
    buffered cannot fail again (and print a traceback) on the way out."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


@click.group(
    "readinglist",
    cls=ReadinglistGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--db",
    metavar="PATH",
    help="Library file (default: $READINGLIST_DB or the user data dir).",
)
@click.option(
    "--config",
    metavar="PATH",
    help="config.toml (default: $READINGLIST_CONFIG or the user config dir).",
)
@click.option(
    "--demo", is_flag=True, help="Use a demo library built from bundled Daily Papers listings."
)
@click.version_option(
    __version__, "--version", prog_name="readinglist", message="%(prog)s %(version)s"
)
@click.pass_context
def cli(ctx: click.Context, db: str | None, config: str | None, demo: bool) -> int:
    """Keyboard-first reading-list manager. Without a command, opens the TUI.

    Exit codes: 0 ok, 1 nothing matched or cancelled, 2 bad input or usage, 3 a
    metadata service could not be reached.
    """
    env = ctx.obj = Env(db, config, demo)
    if ctx.invoked_subcommand is not None:
        return EXIT_OK
    settings, warnings = env.load_settings()
    library = env.library(settings)
    from ..tui.app import create_app

    create_app(library, settings, warnings=warnings).run()
    return EXIT_OK
