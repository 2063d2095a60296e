"""The command line (SPEC §8): click commands over ``readinglist.core``.

Exit codes: 0 ok, 1 nothing matched / cancelled, 2 bad input or usage, 3 a metadata
service could not be reached. Errors are one line on stderr; ``--json`` output is one
object per line with stable fields.

Start-up matters: ``readinglist --help``, ``readinglist COMMAND --help`` and
``--version`` are answered here without importing click (the help texts are rendered
from the click commands into ``_help.py``, and a test keeps them equal); every
command's module is imported only when that command runs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .. import __version__
from .base import (
    COMPLETE_VAR,
    EXIT_BAD_INPUT,
    EXIT_NO_MATCH,
    EXIT_OK,
    EXIT_UNAVAILABLE,
    library_path,
)

# The cached help is click's rendering at 80 columns (click wraps at the terminal's
# width up to 80): on a narrower terminal click renders it.
HELP_WIDTH = 80


def _columns() -> int:
    """The width click's help formatter sees (``shutil.get_terminal_size``'s rules)."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or HELP_WIDTH  # type: ignore[union-attr]
    except (OSError, ValueError, AttributeError):
        return HELP_WIDTH


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``readinglist`` console script and ``python -m readinglist``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not os.environ.get(COMPLETE_VAR):
        if args == ["--version"]:
            sys.stdout.write(f"readinglist {__version__}\n")
            return EXIT_OK
        if args in (["--help"], ["-h"]) and _columns() >= HELP_WIDTH:
            from ._help import TOP_HELP

            sys.stdout.write(TOP_HELP)
            return EXIT_OK
        if len(args) == 2 and args[1] in ("--help", "-h") and _columns() >= HELP_WIDTH:
            from ._help import COMMAND_HELP

            options, text = COMMAND_HELP.get(args[0], ((), ""))
            if args[1] in options:
                sys.stdout.write(text)
                return EXIT_OK
    from .app import cli

    return cli.main(args, prog_name="readinglist", standalone_mode=False)


__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_NO_MATCH",
    "EXIT_OK",
    "EXIT_UNAVAILABLE",
    "library_path",
    "main",
]
