"""The command line (SPEC §8): a thin layer over ``readinglist.core``.

Exit codes: 0 ok, 1 nothing matched / cancelled, 2 bad input or usage. Errors are
one line on stderr; ``--json`` output is one object per line with stable fields.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .core.errors import ReadinglistError

EXIT_OK, EXIT_NO_MATCH, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(ReadinglistError):
    """Bad command-line usage (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="readinglist",
        description="Keyboard-first reading-list manager. Without a command, opens the TUI.",
    )
    parser.add_argument(
        "--db", metavar="PATH", help="library file (default: $READINGLIST_DB or the user data dir)"
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config.toml (default: $READINGLIST_CONFIG or the user config dir)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use a demo library built from bundled Daily Papers listings",
    )
    parser.add_argument("--version", action="version", version=f"readinglist {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=summary)

    p = command("import", "import Daily Papers listings or BibTeX files")
    p.add_argument("files", nargs="+", metavar="FILE", help="files to import ('-' for stdin)")
    p.add_argument("--format", default="auto", choices=("auto", "dailypapers", "bibtex"))
    p.add_argument(
        "--tag", action="append", default=[], metavar="TAG", help="tag the papers it adds"
    )
    p.add_argument(
        "--tag-existing",
        action="store_true",
        help="also tag papers already in the library (re-imports keep triage otherwise)",
    )

    p = command("add", "add one paper from fields or from BibTeX")
    p.add_argument("--title")
    p.add_argument(
        "--author", action="append", default=[], metavar="NAME", help='"Last, First"; repeatable'
    )
    p.add_argument("--year", type=int)
    p.add_argument("--tag", action="append", default=[], metavar="TAG")
    p.add_argument("--doi", default="")
    p.add_argument("--arxiv", default="")
    p.add_argument("--url", default="")
    p.add_argument("--abstract", default="")
    p.add_argument(
        "--type", dest="entry_type", default="misc", metavar="TYPE", help="BibTeX entry type"
    )
    p.add_argument(
        "--bibtex", metavar="FILE", help="read the paper(s) from a .bib file ('-' for stdin)"
    )

    p = command("list", "list papers matching a query")
    p.add_argument("query", nargs="*", help="search query (SPEC §5 language)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--limit", type=int, metavar="N")

    p = command("tag", "add (+TAG) or remove (-TAG) tags on matching papers")
    p.add_argument("query", nargs="*", help="query words and +TAG / -TAG operations")
    p.add_argument("--key", action="append", default=[], metavar="KEY")

    p = command("status", "set the reading status of matching papers")
    p.add_argument("query", nargs="*", help="query words, then the status")
    p.add_argument("--key", action="append", default=[], metavar="KEY")

    p = command("export", "export papers as BibTeX")
    p.add_argument("query", nargs="*")
    p.add_argument("--key", action="append", default=[], metavar="KEY")
    p.add_argument("--cited", metavar="FILE", help="only the keys cited in a .tex/.aux/.md file")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.add_argument("--unicode", action="store_true", help="keep UTF-8 instead of LaTeX escapes")
    p.add_argument("--notes", action="store_true", help="include notes as annote fields")
    p.add_argument("--clipboard", action="store_true", help="copy to the clipboard, not stdout")

    p = command("pick", "fzf-style picker that prints the chosen keys")
    p.add_argument("query", nargs="*")
    p.add_argument("--multi", action="store_true", help="tab marks several papers")
    p.add_argument("--format", default="key", choices=("key", "cite", "pandoc", "bibtex", "json"))
    p.add_argument("--clipboard", action="store_true", help="also copy the result to the clipboard")

    command("stats", "counts by status, tag and year")
    command("undo", "take back the newest change (shared with the TUI's u)")

    p = command(
        "merge-driver", "git merge driver: merge three versions of a library paper by paper"
    )
    p.add_argument("base", metavar="BASE", help="the common ancestor (git's %%O)")
    p.add_argument("ours", metavar="OURS", help="our version, replaced by the result (%%A)")
    p.add_argument("theirs", metavar="THEIRS", help="their version (%%B)")
    return parser


def _split_tag_ops(argv: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Pull ``+TAG`` / ``-TAG`` out of ``tag``'s arguments before argparse sees them.

    ``-tag:x`` is a query filter (it has a colon) and stays; ``--key`` stays too.
    """
    if "tag" not in argv:
        return argv, [], []
    at = argv.index("tag")
    head, rest = argv[: at + 1], argv[at + 1 :]
    kept: list[str] = []
    add: list[str] = []
    remove: list[str] = []
    for token in rest:
        if len(token) > 1 and token[0] == "+":
            add.append(token[1:])
        elif len(token) > 1 and token[0] == "-" and token[1] != "-" and ":" not in token:
            remove.append(token[1:])
        else:
            kept.append(token)
    return head + kept, add, remove


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``readinglist`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args_list, tag_add, tag_remove = _split_tag_ops(args_list)
        args = _build_parser().parse_args(args_list)
        args.tag_add, args.tag_remove = tag_add, tag_remove
        from .commands import run_command

        return run_command(args)
    except ReadinglistError as exc:
        print(f"readinglist: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("readinglist: cancelled", file=sys.stderr)
        return EXIT_NO_MATCH
    except BrokenPipeError:
        # `readinglist list | head`: the reader left; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def library_path(db: str | None) -> Path:
    from .core.library import default_library_path

    return Path(db).expanduser() if db else default_library_path()


if __name__ == "__main__":
    sys.exit(main())
