"""The links of a paper that a reader may want to open (``o`` in the TUI, ``open``)."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Paper


@dataclass(frozen=True, slots=True)
class Link:
    """One place to open: what it is (``arXiv``, ``PDF``, ``DOI``, ``URL``, ``Code``)
    and its address."""

    kind: str
    url: str


def paper_links(paper: Paper) -> list[Link]:
    """Every distinct link of ``paper``, in the order a reader usually wants them:
    the paper's page, its PDF, the DOI, any other URL, the code."""
    links: list[Link] = []
    if paper.arxiv:
        links.append(Link("arXiv", f"https://arxiv.org/abs/{paper.arxiv}"))
    pdf = paper.extra.get("pdf", "").strip()
    if paper.url.lower().endswith(".pdf"):
        links.append(Link("PDF", paper.url))
    elif pdf.startswith(("http://", "https://")):
        links.append(Link("PDF", pdf))
    elif paper.arxiv:
        links.append(Link("PDF", f"https://arxiv.org/pdf/{paper.arxiv}"))
    if paper.doi:
        links.append(Link("DOI", f"https://doi.org/{paper.doi}"))
    if paper.url:
        links.append(Link("URL", paper.url))
    if paper.code_url:
        links.append(Link("Code", paper.code_url))
    seen: set[str] = set()
    distinct = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            distinct.append(link)
    return distinct
