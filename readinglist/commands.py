"""What each CLI command does; ``cli.py`` only parses arguments.

Kept apart so the parser module stays tiny and each command reads top to bottom:
open the library, select papers, change or print them, return an exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson

from .cli import EXIT_BAD_INPUT, EXIT_NO_MATCH, EXIT_OK, UsageError, library_path
from .core.changes import Change
from .core.config import Settings, load_settings
from .core.errors import ReadinglistError
from .core.importers.base import ParseResult
from .core.importing import ImportReport
from .core.library import Library
from .core.model import STATUSES, Paper, public_doc


def _settings(args: argparse.Namespace) -> tuple[Settings, list[str]]:
    config = args.config or os.environ.get("READINGLIST_CONFIG")
    return load_settings(Path(config).expanduser() if config else None)


def _open(args: argparse.Namespace, settings: Settings) -> Library:
    if args.demo:
        if args.db:
            raise UsageError("--demo and --db exclude each other")
        from .demo import open_demo

        library = open_demo()
        library.key_pattern = settings.key_pattern
        library.search_fields = settings.search_fields
        return library
    return Library.open(
        library_path(args.db),
        key_pattern=settings.key_pattern,
        search_fields=settings.search_fields,
    )


def run_command(args: argparse.Namespace) -> int:
    if args.command == "merge-driver":  # works on three files git names, not a library
        return cmd_merge_driver(args)
    settings, warnings = _settings(args)
    if args.command is None:
        return _run_tui(args, settings, warnings)
    for warning in warnings:
        print(f"readinglist: warning: {warning}", file=sys.stderr)
    handler: Callable[[argparse.Namespace, Library, Settings], int] = COMMANDS[args.command]
    if args.command == "pick":
        from .pick import keys_held

        with keys_held():  # keys typed while the library loads are kept for the picker
            return handler(args, _open(args, settings), settings)
    library = _open(args, settings)
    return handler(args, library, settings)


def _run_tui(args: argparse.Namespace, settings: Settings, warnings: list[str]) -> int:
    library = _open(args, settings)
    from .tui.app import create_app

    create_app(library, settings, warnings=warnings).run()
    return EXIT_OK


# -- selecting papers ----------------------------------------------------------------
def _select(library: Library, words: Sequence[str], keys: Sequence[str]) -> list[Paper]:
    """Papers named by ``--key`` (all must exist) and/or matched by the query words."""
    chosen: dict[str, Paper] = {}
    for key in keys:
        paper = library.by_key(key)
        if paper is None:
            raise UsageError(f"no paper with key {key!r}")
        chosen[paper.id] = paper
    if words or not keys:
        for hit in library.search(" ".join(words)):
            chosen.setdefault(hit.paper.id, hit.paper)
    return list(chosen.values())


# -- import / add ----------------------------------------------------------------------
def _progress_printer() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
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
    from .core.importers import parse_bytes, parse_file

    if name == "-":
        return parse_bytes(sys.stdin.buffer.read(), fmt, "stdin")
    return parse_file(Path(name), fmt)


def cmd_import(args: argparse.Namespace, library: Library, _s: Settings) -> int:
    # Parse everything first: one bad file means nothing is written.
    parsed = [(name, _parse_input(name, args.format)) for name in args.files]
    for name, result in parsed:
        report = library.import_parsed(
            result, tags=args.tag, tag_existing=args.tag_existing, progress=_progress_printer()
        )
        _report(name, report, result)
    return EXIT_OK


def cmd_add(args: argparse.Namespace, library: Library, _s: Settings) -> int:
    if args.bibtex:
        result = _parse_input(args.bibtex, "bibtex")
        report = library.import_parsed(result, tags=args.tag)
        for paper in report.added + report.merged + report.unchanged:
            print(paper.key)
        if report.failed or report.notes or result.repaired:
            _report(args.bibtex, report, result)
        return EXIT_OK if report.added or report.merged or report.unchanged else EXIT_BAD_INPUT
    if not args.title or not args.title.strip():
        raise UsageError("add needs --title TITLE or --bibtex FILE")
    paper = Paper(
        title=args.title.strip(),
        authors=tuple(a.strip() for a in args.author if a.strip()),
        year=args.year,
        tags=tuple(args.tag),
        doi=args.doi,
        arxiv=args.arxiv,
        url=args.url,
        abstract=args.abstract,
        entry_type=args.entry_type.lower(),
    )
    report = library.import_papers([paper])
    if report.unchanged:
        print("readinglist: already in the library; nothing changed", file=sys.stderr)
    print((report.added + report.merged + report.unchanged)[0].key)
    return EXIT_OK


# -- list / stats ----------------------------------------------------------------------
def _line(paper: Paper, key_width: int) -> str:
    year = str(paper.year) if paper.year else "    "
    author = (paper.first_author or "-")[:18]
    tags = f"  [{', '.join(paper.tags)}]" if paper.tags else ""
    return f"{paper.key:<{key_width}}  {year}  {author:<18}  {paper.status:<7}  {paper.title}{tags}"


def cmd_list(args: argparse.Namespace, library: Library, _s: Settings) -> int:
    if args.limit is not None and args.limit < 0:
        raise UsageError("--limit must be 0 or more")
    papers = [hit.paper for hit in library.search(" ".join(args.query), limit=args.limit)]
    if not papers:
        print("readinglist: no paper matched", file=sys.stderr)
        return EXIT_NO_MATCH
    out = sys.stdout.buffer
    if args.json:
        out.write(b"".join(orjson.dumps(public_doc(p)) + b"\n" for p in papers))
    else:
        width = min(max(len(p.key) for p in papers), 30)
        out.write("".join(_line(p, width) + "\n" for p in papers).encode("utf-8"))
    out.flush()
    return EXIT_OK


def cmd_stats(_a: argparse.Namespace, library: Library, _s: Settings) -> int:
    print(f"papers: {len(library)}")
    statuses = library.status_counts()
    print("status: " + ", ".join(f"{s} {statuses.get(s, 0)}" for s in STATUSES))
    with_code = sum(1 for p in library if p.code_url)
    with_notes = sum(1 for p in library if p.notes)
    print(f"with code: {with_code}, with notes: {with_notes}")
    tags = sorted(library.tag_counts().items(), key=lambda kv: (-kv[1], kv[0].casefold()))
    if tags:
        print("tags: " + ", ".join(f"{t} {n}" for t, n in tags[:20]))
    years: dict[int, int] = {}
    for paper in library:
        if paper.year:
            years[paper.year] = years.get(paper.year, 0) + 1
    if years:
        print(f"years: {min(years)}-{max(years)}")
    return EXIT_OK


# -- changes -----------------------------------------------------------------------------
def cmd_tag(args: argparse.Namespace, library: Library, _s: Settings) -> int:
    if not args.tag_add and not args.tag_remove:
        raise UsageError("tag needs at least one +TAG or -TAG")
    if not args.query and not args.key:
        raise UsageError("tag needs a QUERY or --key KEY (use '*' style queries deliberately)")
    change = Change(add_tags=tuple(args.tag_add), remove_tags=tuple(args.tag_remove))
    return _change_selected(
        library, args.query, args.key, change, "tagged {} of {} matching papers"
    )


def cmd_status(args: argparse.Namespace, library: Library, _s: Settings) -> int:
    words = list(args.query)
    if not words or words[-1] not in STATUSES:
        raise UsageError(f"status needs a status last: one of {', '.join(STATUSES)}")
    status = words.pop()
    if not words and not args.key:
        raise UsageError("status needs a QUERY or --key KEY")
    change = Change(fields={"status": status})
    message = "{} of {} matching papers set to " + status
    return _change_selected(library, words, args.key, change, message)


def _change_selected(
    library: Library, words: Sequence[str], keys: Sequence[str], change: Change, message: str
) -> int:
    """Select and change in one transaction: the query runs on the papers as they are
    under the lock, and the change applies to each as it is then."""
    with library.transaction():
        papers = _select(library, words, keys)
        if not papers:
            print("readinglist: no paper matched", file=sys.stderr)
            return EXIT_NO_MATCH
        changed = library.edit([p.id for p in papers], change)
    print(message.format(len(changed), len(papers)))
    return EXIT_OK


def cmd_undo(_a: argparse.Namespace, library: Library, _s: Settings) -> int:
    report = library.undo()
    if report is None:
        print("readinglist: nothing to undo", file=sys.stderr)
        return EXIT_NO_MATCH
    print(report.summary())
    return EXIT_OK


def cmd_export(args: argparse.Namespace, library: Library, _s: Settings) -> int:
    from .core.bibtex import cited_keys, export_library, write_bibtex

    keys = list(args.key)
    if args.cited:
        cited = cited_keys(Path(args.cited))
        missing = [k for k in cited if library.by_key(k) is None]
        for key in missing:
            print(
                f"readinglist: {args.cited} cites {key!r}, which is not in the library",
                file=sys.stderr,
            )
        keys += [k for k in cited if k not in missing]
        if not keys:
            print("readinglist: no cited paper is in the library", file=sys.stderr)
            return EXIT_NO_MATCH
    papers = _select(library, args.query, keys)
    if not papers:
        print("readinglist: no paper matched", file=sys.stderr)
        return EXIT_NO_MATCH
    text = export_library(library, papers, unicode=args.unicode, include_notes=args.notes)
    library.mark_used(p.id for p in papers)
    if args.clipboard:
        from .clipboard import copy_to_clipboard

        how = copy_to_clipboard(text)
        if not how:
            raise ReadinglistError("no clipboard found (install wl-copy, xclip or xsel)")
        print(f"copied {len(papers)} papers to the clipboard via {how}", file=sys.stderr)
    elif args.output:
        write_bibtex(Path(args.output), text)
        print(f"exported {len(papers)} papers to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_pick(args: argparse.Namespace, library: Library, settings: Settings) -> int:
    from .pick import run_pick

    return run_pick(
        library,
        settings,
        " ".join(args.query),
        multi=args.multi,
        fmt=args.format,
        clipboard=args.clipboard,
    )


def cmd_merge_driver(args: argparse.Namespace) -> int:
    from .core.gitmerge import merge_libraries
    from .core.storage import atomic_write_bytes

    result = merge_libraries(Path(args.base), Path(args.ours), Path(args.theirs))
    atomic_write_bytes(Path(args.ours), result.encoded())
    for conflict in result.conflicts:
        print(f"readinglist: merge conflict: {conflict}", file=sys.stderr)
    return EXIT_NO_MATCH if result.conflicts else EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Library, Settings], int]] = {
    "import": cmd_import,
    "add": cmd_add,
    "list": cmd_list,
    "stats": cmd_stats,
    "tag": cmd_tag,
    "status": cmd_status,
    "export": cmd_export,
    "pick": cmd_pick,
    "undo": cmd_undo,
}

__all__ = ["COMMANDS", "EXIT_BAD_INPUT", "run_command"]
