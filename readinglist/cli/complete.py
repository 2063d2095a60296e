"""Values for shell completion: citation keys, tags and query filters.

Completion runs the program on every tab press, so the library is read as plain
JSON (keys, aliases, tags and titles pulled out of the documents) without building
papers or any index.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

STATUSES = ("unread", "reading", "read", "skipped")
HAS = ("code", "notes")
_TITLE_HELP = 60


def _library_file(ctx: click.Context) -> Path | None:
    params = ctx.find_root().params
    if params.get("demo"):
        from ..demo import demo_library_path

        return demo_library_path()
    db = params.get("db")
    if db:
        return Path(db).expanduser()
    from ..core.library import default_library_path

    return default_library_path()


def _documents(ctx: click.Context) -> Iterator[dict[str, Any]]:
    path = _library_file(ctx)
    if path is None:
        return
    import gc

    gc.disable()  # a short-lived process: collecting the parsed documents is wasted time
    try:
        import orjson

        data = orjson.loads(path.read_bytes())
        papers = data.get("papers") or {}
    except (OSError, ValueError, AttributeError):
        return  # no library (yet), or one that cannot be read: nothing to offer
    if isinstance(papers, dict):
        yield from (doc for doc in papers.values() if isinstance(doc, dict))


def library_keys(ctx: click.Context) -> dict[str, str]:
    """Every citation key and alias, with the title it leads to."""
    keys: dict[str, str] = {}
    for doc in _documents(ctx):
        title = doc.get("title")
        title = title if isinstance(title, str) else ""
        for key in [doc.get("key"), *(doc.get("aliases") or [])]:
            if isinstance(key, str) and key:
                keys[key] = title[:_TITLE_HELP]
    return keys


def library_tags(ctx: click.Context) -> list[str]:
    """Every tag, spelled as first seen, most used first."""
    counts: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for doc in _documents(ctx):
        tags = doc.get("tags")
        for tag in tags if isinstance(tags, list) else ():
            if isinstance(tag, str):
                name = spelling.setdefault(tag.casefold(), tag)
                counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda t: (-counts[t], t.casefold()))


def _item(value: str, help: str | None = None) -> CompletionItem:
    from click.shell_completion import CompletionItem

    return CompletionItem(value, help=help)


def key_items(ctx: click.Context, incomplete: str, prefix: str = "") -> list[CompletionItem]:
    return [
        _item(prefix + key, title or None)
        for key, title in sorted(library_keys(ctx).items())
        if key.startswith(incomplete)
    ]


def tag_items(ctx: click.Context, incomplete: str, prefix: str) -> list[CompletionItem]:
    folded = incomplete.casefold()
    return [_item(prefix + tag) for tag in library_tags(ctx) if tag.casefold().startswith(folded)]


def complete_keys(
    ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Citation keys (and aliases) starting with what was typed."""
    return key_items(ctx, incomplete)


def complete_query(
    ctx: click.Context, _param: click.Parameter | None, incomplete: str, *, tag_ops: bool = False
) -> list[CompletionItem]:
    """Query words: tags after ``tag:`` (and ``+``/``-`` for the ``tag`` command), keys
    after ``key:``, values after ``status:`` and ``has:``."""
    negated = "-" if incomplete.startswith("-") and not incomplete.startswith("--") else ""
    word = incomplete[len(negated) :]
    name, colon, value = word.partition(":")
    if colon:
        lead = f"{negated}{name}:"
        if name == "tag":
            return tag_items(ctx, value, lead)
        if name == "key":
            return key_items(ctx, value, lead)
        if name in ("status", "has"):
            choices = STATUSES if name == "status" else HAS
            return [_item(lead + c) for c in choices if c.startswith(value)]
        return []
    items = []
    if tag_ops and incomplete[:1] in ("+", "-") and not incomplete.startswith("--"):
        items = tag_items(ctx, incomplete[1:], incomplete[0])
    if word and not word.startswith("+"):
        filters = ("tag:", "status:", "year:", "author:", "key:", "has:")
        items += [_item(negated + f) for f in filters if f.startswith(word)]
    return items


def complete_tag_operands(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    return complete_query(ctx, param, incomplete, tag_ops=True)


def complete_operands(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    return complete_query(ctx, param, incomplete)
