"""Tags and statuses with counts; choosing one narrows the search."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...core.model import STATUSES


class Sidebar(OptionList):
    """Option ids are query filters (``status:read``, ``tag:kd``) or ``all``."""

    def show_counts(self, total: int, statuses: Mapping[str, int], tags: Mapping[str, int]) -> None:
        highlighted = self.highlighted_option.id if self.highlighted_option else None
        options: list[Option | None] = [Option(_row("All papers", total), id="all"), None]
        for status in STATUSES:
            options.append(Option(_row(status, statuses.get(status, 0)), id=f"status:{status}"))
        options.append(None)
        for tag, count in tags.items():
            options.append(Option(_row("#" + tag, count), id=f"tag:{_quote(tag)}"))
        self.set_options(options)
        if highlighted is not None:
            try:
                self.highlighted = self.get_option_index(highlighted)
            except Exception:  # the tag is gone
                self.highlighted = 0


def _row(label: str, count: int) -> Text:
    text = Text(label, overflow="ellipsis", no_wrap=True)
    text.append(f" {count:,}", style="dim")
    return text


def _quote(tag: str) -> str:
    return f'"{tag}"' if any(c.isspace() for c in tag) else tag
