"""The paper detail: everything a reader wants before opening the PDF."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...core.model import Paper


def paper_text(paper: Paper | None) -> Text:
    """A readable card for ``paper``: title, people, key, links, tags, abstract, notes."""
    if paper is None:
        return Text("No paper selected.", style="dim")
    text = Text()
    text.append(paper.title + "\n", style="bold")
    if paper.authors:
        text.append("; ".join(paper.authors) + "\n", style="italic")
    facts = [str(paper.year) if paper.year else "", paper.venue]
    line = " · ".join(f for f in facts if f)
    if line:
        text.append(line + "\n")
    text.append("\n")
    rows = [
        ("key", paper.key),
        ("status", paper.status),
        ("tags", ", ".join(paper.tags)),
        ("url", paper.link if paper.link != paper.code_url else ""),
        ("code", paper.code_url),
        ("doi", paper.doi),
        ("arxiv", paper.arxiv),
        ("added", paper.added[:16].replace("T", " ")),  # to the minute
        (
            "sources",
            "; ".join(" ".join(filter(None, (s.kind, s.file, s.date))) for s in paper.sources),
        ),
    ]
    for label, value in rows:
        if value:
            text.append(f"{label:>8} ", style="bold dim")
            text.append(value + "\n")
    if paper.abstract:
        text.append("\nAbstract\n", style="bold underline")
        text.append(paper.abstract.strip() + "\n")
    if paper.notes:
        text.append("\nNotes\n", style="bold underline")
        text.append(paper.notes.strip() + "\n")
    return text


class DetailPane(VerticalScroll):
    """Scrollable card of the paper under the cursor."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(paper_text(None), id="detail-body")

    def show(self, paper: Paper | None) -> None:
        self.query_one("#detail-body", Static).update(paper_text(paper))
        self.scroll_home(animate=False)
