"""The paper detail: everything a reader wants before opening the PDF."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...core.links import paper_links
from ...core.model import Paper


def paper_text(paper: Paper | None) -> Text:
    """A readable card for ``paper``, most useful first so that a short pane shows
    the abstract: title; authors, year and venue; key, status, rating, priority and
    tags on one line; the abstract; notes; then links and where it came from."""
    if paper is None:
        return Text("No paper selected.", style="dim")
    text = Text()
    text.append(paper.title + "\n", style="bold")
    people = "; ".join(paper.authors)
    facts = [people, str(paper.year) if paper.year else "", paper.venue]
    line = " · ".join(f for f in facts if f)
    if line:
        text.append(line + "\n", style="italic")
    text.append(paper.key, style="bold")
    text.append(" · ")
    text.append(paper.status, style=_STATUS_STYLES.get(paper.status, ""))
    if paper.rating:
        text.append(" · ")
        text.append("★" * paper.rating, style="yellow")
    if paper.priority:
        text.append(f" · P{paper.priority}", style="bold")
    if paper.tags:
        text.append(" · " + " ".join("#" + t for t in paper.tags), style="dim")
    text.append("\n")
    if paper.abstract:
        text.append(paper.abstract.strip() + "\n")
    if paper.notes:
        text.append("\nNotes\n", style="bold underline")
        text.append(paper.notes.strip() + "\n")
    rows = [(link.kind.lower(), link.url) for link in paper_links(paper)]
    rows += [
        ("added", paper.added[:16].replace("T", " ")),  # to the minute
        (
            "sources",
            "; ".join(" ".join(filter(None, (s.kind, s.file, s.date))) for s in paper.sources),
        ),
    ]
    if any(value for _, value in rows):
        text.append("\n")
    for label, value in rows:
        if value:
            text.append(f"{label:>8} ", style="bold dim")
            text.append(value + "\n")
    return text


_STATUS_STYLES = {"unread": "bold", "reading": "yellow", "read": "green", "skipped": "dim"}


class DetailPane(VerticalScroll):
    """Scrollable card of the paper under the cursor."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(paper_text(None), id="detail-body")

    def show(self, paper: Paper | None) -> None:
        self.query_one("#detail-body", Static).update(paper_text(paper))
        self.scroll_home(animate=False)
