"""What every command shares: the library it works on, selecting papers, printing them.

Heavy parts of the core (the library, orjson) are imported inside functions, so that
defining the commands costs nothing a command does not use.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .base import EXIT_NO_MATCH, library_path
from .complete import complete_keys, complete_query

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from ..core.config import Settings
    from ..core.library import Library, Reader
    from ..core.model import BibFile, Paper

F = TypeVar("F", bound=Callable[..., Any])


class Env:
    """The global options and what they lead to, opened once per command."""

    def __init__(self, db: str | None, config: str | None, demo: bool) -> None:
        self.db, self.config, self.demo = db, config, demo
        self._settings: tuple[Settings, list[str]] | None = None
        self._reader: Reader | None = None
        self._demo: Library | None = None

    def load_settings(self) -> tuple[Settings, list[str]]:
        """The settings and the problems found reading them (not yet shown)."""
        if self._settings is None:
            from pathlib import Path

            from ..core.config import load_settings

            path = self.config or os.environ.get("READINGLIST_CONFIG")
            self._settings = load_settings(Path(path).expanduser() if path else None)
        return self._settings

    def settings(self) -> Settings:
        """The settings; a command line shows the config's problems as warnings."""
        settings, warnings = self.load_settings()
        while warnings:
            warn(f"warning: {warnings.pop(0)}")
        return settings

    def reader(self) -> Reader:
        """Queries on the library, answered from its saved search index where it can
        (see :class:`~..core.library.Reader`), and the library itself when needed."""
        if self._reader is None:
            from ..core.library import Reader

            settings = self.settings()
            self._reader = Reader(
                library_path(self.db),
                key_pattern=settings.key_pattern,
                search_fields=settings.search_fields,
            )
        return self._reader

    def library(self, settings: Settings | None = None, *, whole: bool = False) -> Library:
        """The library, opened once: from the search index saved beside it where it
        can (papers read as they are needed: a command that changes one paper of
        150k reads that one), else read whole. A command that reads every paper asks
        for the library ``whole``: one parse of the file is faster than reading it
        paper by paper."""
        if self.demo:
            if self.db:
                raise click.UsageError("--demo and --db exclude each other")
            if self._demo is None:
                from ..demo import open_demo

                settings = settings or self.settings()
                self._demo = open_demo()
                self._demo.key_pattern = settings.key_pattern
                self._demo.search_fields = settings.search_fields
            return self._demo
        return self.reader().library(whole=whole)

    def paper(self, key: str) -> Paper:
        """The paper with this key or alias; a usage error naming close keys otherwise."""
        library = self.library()
        paper = library.by_key(key)
        if paper is None:
            raise click.UsageError(f"no paper with key {key!r}{_close_keys(library, key)}")
        return paper

    def select(self, words: Sequence[str], keys: Sequence[str]) -> list[Paper]:
        """Papers named by ``--key`` (all must exist) and/or matched by the query words."""
        if not keys:
            return self.search(words)
        chosen: dict[str, Paper] = {}
        for key in keys:
            paper = self.paper(key)
            chosen[paper.id] = paper
        if words:
            for hit in self.library().search(" ".join(words)):
                chosen.setdefault(hit.paper.id, hit.paper)
        return list(chosen.values())

    def search(self, words: Sequence[str], limit: int | None = None) -> list[Paper]:
        """Papers the query words match, best first (all, newest first, without words)."""
        query = " ".join(words)
        if self.demo:
            return [hit.paper for hit in self.library().search(query, limit=limit)]
        return self.reader().search(query, limit)

    def bibfiles(self) -> Mapping[str, BibFile]:
        """The imported .bib files' macros and preambles (for an export)."""
        return self.library().bibfiles if self.demo else self.reader().bibfiles

    def mark_used(self, papers: Sequence[Paper]) -> None:
        """Record that these papers' keys left the library (see
        :meth:`Library.mark_used`)."""
        if self.demo:
            self.library().mark_used(p.id for p in papers)
        else:
            self.reader().mark_used(papers)


def _close_keys(library: Library, key: str) -> str:
    from rapidfuzz import process

    keys = [key for held in library.keys_by_paper().values() for key in held]
    close = [k for k, _score, _i in process.extract(key, keys, limit=3, score_cutoff=75)]
    return f" (did you mean {', '.join(close)}?)" if close else ""


pass_env = click.make_pass_decorator(Env)


class QueryCommand(click.Command):
    """A command whose operands form a query: ``-word`` and ``-tag:old`` are query
    words, not options, so unknown short options are passed through as operands. An
    unknown ``--long`` option before ``--`` is still an error, not a query word."""

    ignore_unknown_options = True

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: dict[str, bool] = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not param.is_flag and not param.count
        skip = False
        for arg in args:
            if skip:
                skip = False
                continue
            if arg == "--":
                break
            name = arg.split("=", 1)[0]
            if name in takes_value:
                skip = takes_value[name] and "=" not in arg
            elif arg.startswith("--") and not ctx.resilient_parsing:
                longs = [n for n in takes_value if n.startswith("--")]
                close = difflib.get_close_matches(name, longs)
                raise click.NoSuchOption(name, possibilities=close, ctx=ctx)
        return super().parse_args(ctx, args)

    tag_operands = False  # ``+TAG``/``-TAG`` operands (the ``tag`` command)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        # Words starting with "-" are completed as options; they may be query words too.
        items = super().shell_complete(ctx, incomplete)
        if incomplete.startswith("-") and not incomplete.startswith("--"):
            items += complete_query(ctx, None, incomplete, tag_ops=self.tag_operands)
        return items


def key_option(help: str = "A paper by citation key or alias (repeatable).") -> Callable[[F], F]:
    return click.option(
        "--key",
        "keys",
        multiple=True,
        metavar="KEY",
        help=help,
        shell_complete=complete_keys,
    )


def json_option(help: str = "One JSON object per line (stable fields).") -> Callable[[F], F]:
    return click.option("--json", "as_json", is_flag=True, help=help)


# -- output ----------------------------------------------------------------------------
def warn(message: str) -> None:
    """One line on stderr, with the program's name."""
    print(f"readinglist: {message}", file=sys.stderr)


def no_match(message: str = "no paper matched") -> int:
    warn(message)
    return EXIT_NO_MATCH


def write_stdout(data: bytes) -> None:
    """Write all of ``data`` to stdout, or raise OSError.

    Large outputs bypass ``sys.stdout``'s buffer: when the kernel takes only part of
    a large write (a disk filling up), the buffered writer reports success and drops
    the rest. Writing the descriptor directly, in a loop, sees the short write and
    the error that follows it.
    """
    stream = sys.stdout
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # not a real file (tests capture into an object)
        stream.buffer.write(data)
        stream.flush()
        return
    stream.flush()
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def paper_line(paper: Paper, key_width: int) -> str:
    year = str(paper.year) if paper.year else "    "
    author = (paper.first_author or "-")[:18]
    tags = f"  [{', '.join(paper.tags)}]" if paper.tags else ""
    return f"{paper.key:<{key_width}}  {year}  {author:<18}  {paper.status:<7}  {paper.title}{tags}"


def papers_text(papers: Sequence[Paper]) -> str:
    width = min(max((len(p.key) for p in papers), default=0), 30)
    return "".join(paper_line(p, width) + "\n" for p in papers)


def print_papers(papers: Sequence[Paper], as_json: bool) -> None:
    """Papers on stdout: aligned lines, or one JSON object each (``list --json``)."""
    if as_json:
        import orjson

        from ..core.model import public_doc

        write_stdout(b"".join(orjson.dumps(public_doc(p)) + b"\n" for p in papers))
    else:
        write_stdout(papers_text(papers).encode("utf-8"))


def interactive() -> bool:
    """Is there a person to ask: stdin and stderr on a terminal."""
    return sys.stdin.isatty() and sys.stderr.isatty()
