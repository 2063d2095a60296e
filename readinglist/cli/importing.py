"""Commands that bring papers in: import and add."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .base import EXIT_BAD_INPUT, EXIT_OK
from .common import Env, pass_env, warn

if TYPE_CHECKING:
    from ..core.importers.base import ParseResult
    from ..core.importing import ImportReport
    from ..core.model import Paper


def _progress_printer() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if not total:  # (a file still being read: how many so far)
            print(f"\rimporting {done}", end="", file=sys.stderr, flush=True)
            return
        end = "\n" if done == total else ""
        print(f"\rimporting {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def _report(name: str, report: ImportReport, result: ParseResult | None = None) -> None:
    name = "stdin" if name == "-" else name
    print(f"{name}: {report.summary()}")
    for note in report.notes:
        print(f"{name}: {note}")
    for repaired in result.repaired if result else ():
        print(f"readinglist: {name}: {repaired}", file=sys.stderr)
    for failure in report.failed:
        print(f"readinglist: {name}: {failure}", file=sys.stderr)


def _parse_input(name: str, fmt: str) -> ParseResult:
    """A file, or standard input for ``-``: same decoding and checks either way."""
    from ..core.importers import parse_file, parse_stream

    if name == "-":
        return parse_stream(sys.stdin.buffer, fmt, "stdin")
    return parse_file(Path(name), fmt)


# A file this large is parsed in a child process while the import plans and indexes
# the papers read so far (see core.importers.background).
BACKGROUND_AFTER = 4 << 20


def _large_file(name: str) -> bool:
    path = Path(name)
    try:
        return path.is_file() and path.stat().st_size >= BACKGROUND_AFTER
    except OSError:
        return False


def _import_in_background(
    env: Env, name: str, fmt: str, tags: tuple[str, ...], tag_existing: bool
) -> int:
    from ..core.importers import parse_file
    from ..core.importers.background import BackgroundParse

    parse = BackgroundParse(lambda emit: parse_file(Path(name), fmt, emit=emit))
    library = env.library(whole=True)  # (matching duplicates reads every paper)
    progress = _progress_printer()
    report, result = library.import_background(
        parse, tags=tags, tag_existing=tag_existing, progress=progress
    )
    if progress is not None:
        print(file=sys.stderr)  # (ends the progress line)
    _report(name, report, result)
    return EXIT_OK


def _day_url(name: str) -> bool:
    """A Hugging Face Daily Papers page given where a file name goes (not a file)."""
    lowered = name.strip().lower()
    hosts = ("huggingface.co/", "www.huggingface.co/", "hf.co/")
    return not Path(name).exists() and ("://" in lowered or lowered.startswith(hosts))


@click.command("import")
@click.argument("files", nargs=-1, metavar="[FILE|URL]...", type=click.Path())
@click.option(
    "--daily",
    "days",
    multiple=True,
    metavar="DATE",
    help="A Daily Papers day (YYYY-MM-DD) from Hugging Face, with arXiv ids and authors.",
)
@click.option(
    "--format",
    "fmt",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", "dailypapers", "bibtex"]),
    help="The files' format (auto sniffs it).",
)
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Tag the papers it adds.")
@click.option(
    "--tag-existing",
    is_flag=True,
    help="Also tag papers already in the library (re-imports keep triage otherwise).",
)
@pass_env
def cmd_import(
    env: Env,
    files: tuple[str, ...],
    days: tuple[str, ...],
    fmt: str,
    tags: tuple[str, ...],
    tag_existing: bool,
) -> int:
    """Import Daily Papers listings or BibTeX files, or Daily Papers days.

    FILE - reads stdin; a huggingface.co/papers/date/DATE URL is that day, as with
    --daily. Papers already in the library are merged, not duplicated.
    """
    from ..core.services import parse_day

    if not files and not days:
        raise click.UsageError("import needs a FILE, a Daily Papers URL or --daily DATE")
    # Parse everything first: one bad file or date means nothing is written.
    wanted = list(days) + [name for name in files if _day_url(name)]
    dates = list(dict.fromkeys(parse_day(text) for text in wanted))
    if not dates and len(files) == 1 and _large_file(files[0]):
        # One large file: parsed on another core while the import indexes it.
        return _import_in_background(env, files[0], fmt, tags, tag_existing)
    parsed = [(name, _parse_input(name, fmt)) for name in files if not _day_url(name)]
    fetched: list[tuple[str, list[Paper]]] = []
    if dates:
        from .lookups import fetch_days

        answer = fetch_days(env, dates)
        if isinstance(answer, int):
            return answer
        fetched = answer
    library = env.library(whole=True)  # (matching duplicates reads every paper)
    for name, result in parsed:
        report = library.import_parsed(
            result, tags=tags, tag_existing=tag_existing, progress=_progress_printer()
        )
        _report(name, report, result)
    for name, papers in fetched:
        report = library.import_papers(
            papers, tags=tags, tag_existing=tag_existing, label=f"import of {name}"
        )
        _report(name, report)
        if not papers:
            warn(f"{name}: Hugging Face lists no papers for that day")
    return EXIT_OK


@click.command("add")
@click.argument("ids", nargs=-1, metavar="[ID_OR_URL]...")
@click.option("--title", help="The paper's title.")
@click.option(
    "--author", "authors", multiple=True, metavar="NAME", help='"Last, First" (repeatable).'
)
@click.option("--year", type=int, metavar="YEAR", help="Publication year.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="A tag (repeatable).")
@click.option("--doi", default="", help="DOI.")
@click.option("--arxiv", default="", help="arXiv id.")
@click.option("--url", default="", help="Link to the paper.")
@click.option("--abstract", default="", help="Abstract.")
@click.option(
    "--type", "entry_type", default="misc", metavar="TYPE", help="BibTeX entry type (misc)."
)
@click.option(
    "--bibtex",
    metavar="FILE",
    type=click.Path(),
    help="Read the paper(s) from a .bib file ('-' for stdin).",
)
@pass_env
def cmd_add(
    env: Env,
    ids: tuple[str, ...],
    title: str | None,
    authors: tuple[str, ...],
    year: int | None,
    tags: tuple[str, ...],
    doi: str,
    arxiv: str,
    url: str,
    abstract: str,
    entry_type: str,
    bibtex: str | None,
) -> int:
    """Add papers by arXiv id, DOI or URL, or one paper from fields or BibTeX.

    ID_OR_URL: arXiv:2403.01123, 2403.01123v2, arxiv.org/abs/... or /pdf/...,
    huggingface.co/papers/..., a DOI (10.1371/...), doi.org/... or arXiv's own
    10.48550/arXiv.... Their metadata is looked up (one batched request). Prints
    each paper's citation key (or that of the paper it was merged into).
    """
    from ..core.model import Paper

    if ids:
        fields = (title, authors, year, doi, arxiv, url, abstract, bibtex)
        if any(fields) or entry_type != "misc":
            raise click.UsageError("add takes ID_OR_URL... or --title/--bibtex, not both")
        from .lookups import add_identifiers

        return add_identifiers(env, ids, tags)
    if bibtex:
        result = _parse_input(bibtex, "bibtex")
        report = env.library().import_parsed(result, tags=tags)
        for paper in report.added + report.merged + report.unchanged:
            print(paper.key)
        if report.failed or report.notes or result.repaired:
            _report(bibtex, report, result)
        return EXIT_OK if report.added or report.merged or report.unchanged else EXIT_BAD_INPUT
    if not title or not title.strip():
        raise click.UsageError("add needs ID_OR_URL..., --title TITLE or --bibtex FILE")
    paper = Paper(
        title=title.strip(),
        authors=tuple(a.strip() for a in authors if a.strip()),
        year=year,
        tags=tags,
        doi=doi,
        arxiv=arxiv,
        url=url,
        abstract=abstract,
        entry_type=entry_type.lower(),
    )
    report = env.library(whole=True).import_papers([paper])
    if report.unchanged:
        print("readinglist: already in the library; nothing changed", file=sys.stderr)
    print((report.added + report.merged + report.unchanged)[0].key)
    return EXIT_OK
