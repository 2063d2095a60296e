"""Commands that read papers: list, show, export, pick, open, stats."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .base import EXIT_BAD_INPUT, EXIT_OK
from .common import (
    Env,
    QueryCommand,
    json_option,
    key_option,
    no_match,
    pass_env,
    print_papers,
    warn,
    write_stdout,
)
from .complete import complete_keys, complete_operands

if TYPE_CHECKING:
    from ..core.model import Paper

query_argument = click.argument(
    "query", nargs=-1, metavar="[QUERY]...", shell_complete=complete_operands
)


@click.command("list", cls=QueryCommand)
@query_argument
@key_option()
@json_option()
@click.option("--limit", type=click.IntRange(min=0), metavar="N", help="At most N papers.")
@pass_env
def cmd_list(
    env: Env, query: tuple[str, ...], keys: tuple[str, ...], as_json: bool, limit: int | None
) -> int:
    """List papers matching a query.

    Without a query: every paper, newest first.
    """
    papers = env.select(query, keys)[:limit] if keys else env.search(query, limit=limit)
    if not papers:
        return no_match()
    print_papers(papers, as_json)
    return EXIT_OK


def _details(paper: Paper) -> str:
    rows = [
        ("key", paper.key),
        ("aliases", ", ".join(paper.aliases)),
        ("title", paper.title),
        ("authors", "; ".join(paper.authors)),
        ("year", str(paper.year or "")),
        ("venue", paper.venue),
        ("type", paper.entry_type),
        ("status", paper.status),
        ("tags", ", ".join(paper.tags)),
        ("rating", "" if paper.rating is None else str(paper.rating)),
        ("doi", paper.doi),
        ("arxiv", paper.arxiv),
        ("url", paper.url),
        ("code", paper.code_url),
        ("added", paper.added),
        ("read", paper.read_at),
        (
            "sources",
            "; ".join(" ".join(filter(None, (s.kind, s.file, s.date))) for s in paper.sources),
        ),
    ]
    text = "".join(f"{name + ':':<9}{value}\n" for name, value in rows if value)
    for heading, body in (("abstract", paper.abstract), ("notes", paper.notes)):
        if body.strip():
            text += f"\n{heading}:\n{body.strip()}\n"
    return text


@click.command("show")
@click.argument("key", shell_complete=complete_keys)
@json_option("The paper as one JSON object (the fields of list --json).")
@click.option("--bibtex", is_flag=True, help="The paper as a BibTeX entry.")
@pass_env
def cmd_show(env: Env, key: str, as_json: bool, bibtex: bool) -> int:
    """Show one paper: its fields, abstract and notes."""
    if as_json and bibtex:
        raise click.UsageError("--json and --bibtex exclude each other")
    paper = env.paper(key)
    if bibtex:
        from ..core.bibtex import export_library

        library = env.library()
        write_stdout(export_library(library, [paper]).encode("utf-8"))
        library.mark_used([paper.id])
    elif as_json:
        print_papers([paper], as_json=True)
    else:
        write_stdout(_details(paper).encode("utf-8"))
    return EXIT_OK


@click.command("export", cls=QueryCommand)
@query_argument
@key_option()
@click.option(
    "--cited",
    metavar="FILE",
    type=click.Path(),
    help="Only the keys cited in a .tex, .aux or Markdown file.",
)
@click.option(
    "-o", "--output", metavar="FILE", type=click.Path(), help="Write here instead of stdout."
)
@click.option("--unicode", is_flag=True, help="Keep UTF-8 instead of LaTeX escapes.")
@click.option("--notes", is_flag=True, help="Include notes as annote fields.")
@click.option("--clipboard", is_flag=True, help="Copy to the clipboard, not stdout.")
@pass_env
def cmd_export(
    env: Env,
    query: tuple[str, ...],
    keys: tuple[str, ...],
    cited: str | None,
    output: str | None,
    unicode: bool,
    notes: bool,
    clipboard: bool,
) -> int:
    """Export papers as BibTeX.

    All of them without a QUERY or --key; to stdout without -o.
    """
    from ..core.bibtex import cited_keys, export_bibtex_utf8, write_bibtex
    from ..core.errors import ReadinglistError

    wanted = list(keys)
    if cited:
        library = env.library()
        found = cited_keys(Path(cited))
        missing = [k for k in found if library.by_key(k) is None]
        for key in missing:
            warn(f"{cited} cites {key!r}, which is not in the library")
        wanted += [k for k in found if k not in missing]
        if not wanted:
            return no_match("no cited paper is in the library")
    # Everything, newest first (as an empty query lists it), without loading search.
    papers = (
        env.select(query, wanted) if query or wanted else env.library(whole=True).newest_first()
    )
    if not papers:
        return no_match()
    chunks = export_bibtex_utf8(
        papers, unicode=unicode, include_notes=notes, bibfiles=env.bibfiles()
    )
    env.mark_used(papers)
    if clipboard:
        from ..clipboard import copy_to_clipboard

        how = copy_to_clipboard(b"".join(chunks).decode("utf-8"))
        if not how:
            raise ReadinglistError("no clipboard found (install wl-copy, xclip or xsel)")
        print(f"copied {len(papers)} papers to the clipboard via {how}", file=sys.stderr)
    elif output:
        write_bibtex(Path(output), chunks)
        print(f"exported {len(papers)} papers to {output}", file=sys.stderr)
    else:
        for start in range(0, len(chunks), 1024):  # about a megabyte a write
            write_stdout(b"".join(chunks[start : start + 1024]))
    return EXIT_OK


@click.command("pick", cls=QueryCommand)
@query_argument
@click.option("--multi", is_flag=True, help="Tab marks several papers.")
@click.option(
    "--format",
    "fmt",
    default="key",
    show_default=True,
    type=click.Choice(["key", "cite", "pandoc", "bibtex", "json"]),
    help="What to print for the chosen papers.",
)
@click.option("--clipboard", is_flag=True, help="Also copy the result to the clipboard.")
@pass_env
def cmd_pick(env: Env, query: tuple[str, ...], multi: bool, fmt: str, clipboard: bool) -> int:
    """Pick papers fzf-style and print their keys.

    --format prints \\cite{...}, pandoc citations, BibTeX or JSON instead.
    """
    from ..pick import keys_held, run_pick

    settings = env.settings()
    with keys_held():  # keys typed while the library loads are kept for the picker
        library = env.library(settings)
        return run_pick(
            library, settings, " ".join(query), multi=multi, fmt=fmt, clipboard=clipboard
        )


LINKS = ("pdf", "url", "doi", "code")


def link_for(paper: Paper, what: str | None) -> str:
    """The link ``open`` goes to; ``what`` is one of :data:`LINKS`, or None for the
    best one (URL, else DOI, else arXiv, else code)."""
    from ..core.model import normalise_arxiv

    if what is None:
        link = paper.link
    elif what == "pdf":
        arxiv = normalise_arxiv(paper.arxiv)
        if arxiv:
            link = f"https://arxiv.org/pdf/{arxiv}"
        else:
            link = next(
                (
                    u
                    for u in (paper.url, paper.code_url)
                    if u.lower().split("?")[0].endswith(".pdf")
                ),
                "",
            )
    elif what == "doi":
        link = f"https://doi.org/{paper.doi}" if paper.doi else ""
    elif what == "code":
        link = paper.code_url
    else:
        link = paper.url
    if not link:
        names = {"pdf": "PDF link", "url": "URL", "doi": "DOI", "code": "code link"}
        raise click.UsageError(f"{paper.key} has no {names.get(what or '', 'link')}")
    return link


@click.command("open")
@click.argument("key", shell_complete=complete_keys)
@click.option("--pdf", "what", flag_value="pdf", help="The PDF (arXiv's, or a .pdf URL).")
@click.option("--url", "what", flag_value="url", help="The paper's URL.")
@click.option("--doi", "what", flag_value="doi", help="The DOI at doi.org.")
@click.option("--code", "what", flag_value="code", help="The code repository.")
@click.option("--print", "print_only", is_flag=True, help="Print the link instead of opening it.")
@pass_env
def cmd_open(env: Env, key: str, what: str | None, print_only: bool) -> int:
    """Open a paper's link in the browser.

    Without an option: its URL, else its DOI, arXiv page or code link.
    """
    link = link_for(env.paper(key), what)
    if print_only:
        write_stdout(f"{link}\n".encode())
        return EXIT_OK
    import webbrowser

    if webbrowser.open(link):
        print(f"opened {link}", file=sys.stderr)
        return EXIT_OK
    write_stdout(f"{link}\n".encode())
    warn("no browser could be started (set $BROWSER); the link is printed above")
    return EXIT_BAD_INPUT


@click.command("stats")
@pass_env
def cmd_stats(env: Env) -> int:
    """Counts by status, tag and year."""
    from ..core.model import STATUSES

    library = env.library(whole=True)
    lines = [f"papers: {len(library)}"]
    statuses = library.status_counts()
    lines.append("status: " + ", ".join(f"{s} {statuses.get(s, 0)}" for s in STATUSES))
    with_code = sum(1 for p in library if p.code_url)
    with_notes = sum(1 for p in library if p.notes)
    lines.append(f"with code: {with_code}, with notes: {with_notes}")
    tags = sorted(library.tag_counts().items(), key=lambda kv: (-kv[1], kv[0].casefold()))
    if tags:
        lines.append("tags: " + ", ".join(f"{t} {n}" for t, n in tags[:20]))
    years = [p.year for p in library if p.year]
    if years:
        lines.append(f"years: {min(years)}-{max(years)}")
    write_stdout("".join(line + "\n" for line in lines).encode("utf-8"))
    return EXIT_OK
