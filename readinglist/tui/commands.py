"""Command palette: every action by name, "Set status: …", "Add papers by id", and
"Show tag: NAME" / "Show status: …" to filter."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode
from textual.fuzzy import Matcher
from textual.markup import escape

from ..core.model import STATUSES
from .bindings import describe_bindings


class PaperCommands(Provider):
    """Built from the bindings (so it lists exactly what the keys do) plus the library's tags."""

    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        from .screens.base import PaperScreen
        from .screens.main import MainScreen

        screen = self.screen
        if not isinstance(screen, PaperScreen):
            return
        main = screen if isinstance(screen, MainScreen) else None
        places = {"app", "paper", "list", "main"} if main else {"app", "paper", "detail"}
        rows = [
            row
            for row in describe_bindings(screen.settings.keymap, merge=False)
            if row.where in places and row.action != "command_palette"
        ]
        names = Counter(row.description for row in rows)
        for row in rows:
            target: DOMNode = screen
            if row.where == "app":
                target = self.app
            elif row.where == "list" and main is not None:
                target = main.paper_list
            name = row.description
            if names[name] > 1:
                name = f"{name}: {row.keys}"
            yield name, partial(self.app.run_action, row.action, target), f"key: {row.keys}"
        for status in STATUSES:
            yield (
                f"Set status: {status}",
                partial(screen.actions.set_status, status),
                "the marked papers, or the current one",
            )
        yield "Add papers by id", screen.action_add_by_id, "arXiv id, DOI or URL, looked up"
        if main is None:
            return
        for status in STATUSES:
            yield f"Show status: {status}", partial(main.apply_filter, f"status:{status}"), "filter"
        yield "Show all papers", partial(main.apply_filter, "all"), "clear tag/status filters"
        for tag, count in main.tags_shown.items():  # (as the sidebar shows them)
            token = f'tag:"{tag}"' if " " in tag else f"tag:{tag}"
            yield f"Show tag: {tag}", partial(main.apply_filter, token), f"{count} papers"

    async def discover(self) -> Hits:
        for name, command, help_text in self._commands():
            yield DiscoveryHit(Content(name), command, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                shown = _highlight(matcher, name)
                yield Hit(score, shown, command, text=name, help=escape(help_text))


def _highlight(matcher: Matcher, text: str) -> Content:
    """``Matcher.highlight`` without reading ``text`` as markup: tag names are user
    text (a tag ``[/]`` is a tag, not a closing style)."""
    content = Content(text)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
