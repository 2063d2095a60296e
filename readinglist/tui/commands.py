"""Command palette: every action by name, and "Tag: NAME" to jump to a tag."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from ..core.model import STATUSES
from .bindings import describe_bindings


class PaperCommands(Provider):
    """Built from the bindings (so it lists exactly what the keys do) plus the library's tags."""

    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        from .screens.main import MainScreen

        screen = self.screen
        if not isinstance(screen, MainScreen):
            return
        keymap = screen.settings.keymap
        for row in describe_bindings(keymap):
            if row.action == "command_palette":
                continue
            target: DOMNode = screen
            if row.section == "App":
                target = self.app
            elif row.section == "Move":
                target = screen.paper_list
            yield (
                row.description,
                partial(self.app.run_action, row.action, target),
                f"key: {row.keys}",
            )
        for status in STATUSES:
            yield f"Status: {status}", partial(screen.apply_filter, f"status:{status}"), "filter"
        yield "All papers", partial(screen.apply_filter, "all"), "clear tag/status filters"
        with screen.library_lock:
            tags = list(screen.library.tag_counts().items())
        for tag, count in tags:
            token = f'tag:"{tag}"' if " " in tag else f"tag:{tag}"
            yield f"Tag: {tag}", partial(screen.apply_filter, token), f"{count} papers"

    async def discover(self) -> Hits:
        for name, command, help_text in self._commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, text=name, help=help_text)
