"""Answers in the services' real formats, written for these tests (papers are made up).

- arXiv Atom as served since the 2025 change (prefixes declared on the root,
  ``<title>arXiv Query: …``, feed id ``https://arxiv.org/api/<hash>``) and as served
  before it (``<title type="html">ArXiv Query: …``, ``<link rel="self">``, the
  opensearch/arxiv namespaces declared on each element);
- arXiv's error feed (entry id ``…/api/errors#…``, title ``Error``);
- Crossref ``/works/{doi}`` JSON and its plain-text 404;
- Hugging Face ``/api/daily_papers`` JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class ArxivPaper:
    id: str  # without version
    title: str
    authors: tuple[str, ...]
    abstract: str
    published: str  # 2024-03-02T07:06:39Z
    primary: str = "cs.CV"
    version: int = 1
    doi: str = ""
    journal_ref: str = ""
    comment: str = ""
    categories: tuple[str, ...] = field(default=())


VISION = ArxivPaper(
    id="2403.01123",
    title="Lattice Attention: Sparse\n  Token Mixing for  Dense Prediction",
    authors=("Mira Okonkwo-Hale", "Jun-seo Park", "Pieter van der Berg", "Tomás Ruiz Jr."),
    abstract=(
        "  Dense prediction needs long-range context, but full attention over every\n"
        "pixel is too costly for high-resolution inputs. We propose lattice attention, which\n"
        "mixes tokens along a sparse lattice of strided rows and columns and recovers global\n"
        "context in two hops. On segmentation and depth benchmarks lattice attention matches\n"
        "full attention at a fifth of the memory and runs three times faster.\n"
    ),
    published="2024-03-02T07:06:39Z",
    version=2,
    doi="10.1109/TPAMI.2024.1234567",
    journal_ref="IEEE Trans. Pattern Anal. Mach. Intell. 46, 1123-1135 (2024)",
    comment="14 pages, 6 figures",
    categories=("cs.CV", "cs.LG"),
)

SPEECH = ArxivPaper(
    id="2403.04567",
    title="Whisper-Quiet: Streaming Speech Recognition on Microcontrollers",
    authors=("Ines Duarte", "Karl Lindqvist"),
    abstract=(
        "We run streaming speech recognition on a microcontroller with 512 kilobytes of\n"
        "memory. A quantised recurrent transducer with a learned frame skipper keeps the\n"
        "word error rate within two points of a server model while drawing under ten\n"
        "milliwatts, which makes always-on transcription practical on battery power."
    ),
    published="2024-03-07T17:55:01Z",
    primary="eess.AS",
    categories=("eess.AS", "cs.CL"),
)

OLD = ArxivPaper(
    id="hep-th/9901001",
    title="Boundary States of Twisted Strings",
    authors=("Alexei N. Volkov",),
    abstract=(
        "We construct boundary states for strings on twisted tori and compute their "
        "overlaps with the closed string vacuum, finding a simple modular form for the "
        "annulus amplitude in every twisted sector."
    ),
    published="1999-01-04T12:00:00Z",
    primary="hep-th",
    journal_ref="Nucl. Phys. B 550 (1999) 123-145",
    categories=("hep-th",),
)


def _entry_2025(paper: ArxivPaper) -> str:
    vid = f"{paper.id}v{paper.version}"
    parts = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <title>{escape(paper.title)}</title>",
        f"    <updated>{paper.published}</updated>",
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf"'
        ' title="pdf"/>',
    ]
    if paper.doi:
        parts.append(f'    <link href="https://doi.org/{paper.doi}" rel="related" title="doi"/>')
    parts.append(f"    <summary>{escape(paper.abstract)}</summary>")
    for category in paper.categories or (paper.primary,):
        parts.append(f'    <category term="{category}" scheme="http://arxiv.org/schemas/atom"/>')
    parts.append(f"    <published>{paper.published}</published>")
    if paper.comment:
        parts.append(f"    <arxiv:comment>{escape(paper.comment)}</arxiv:comment>")
    if paper.journal_ref:
        parts.append(f"    <arxiv:journal_ref>{escape(paper.journal_ref)}</arxiv:journal_ref>")
    if paper.doi:
        parts.append(f"    <arxiv:doi>{escape(paper.doi)}</arxiv:doi>")
    parts.append(
        f'    <arxiv:primary_category term="{paper.primary}"'
        ' scheme="http://arxiv.org/schemas/atom"/>'
    )
    for author in paper.authors:
        parts.append(f"    <author>\n      <name>{escape(author)}</name>\n    </author>")
    parts.append("  </entry>")
    return "\n".join(parts)


def feed_2025(papers: list[ArxivPaper], query: str = "", total: int | None = None) -> str:
    """A feed as arXiv serves it since its 2025 change."""
    count = len(papers) if total is None else total
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<feed xmlns="http://www.w3.org/2005/Atom"'
            ' xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
            ' xmlns:arxiv="http://arxiv.org/schemas/atom">',
            "  <id>https://arxiv.org/api/Zr4yQm0dVf7aXcS2kPl9uB1eHnA</id>",
            f"  <title>arXiv Query: {escape(query)}</title>",
            "  <updated>2026-04-12T00:00:00Z</updated>",
            f'  <link href="https://arxiv.org/api/query?{escape(query)}"'
            ' type="application/atom+xml"/>',
            f"  <opensearch:itemsPerPage>{len(papers)}</opensearch:itemsPerPage>",
            f"  <opensearch:totalResults>{count}</opensearch:totalResults>",
            "  <opensearch:startIndex>0</opensearch:startIndex>",
            *(_entry_2025(p) for p in papers),
            "</feed>",
            "",
        ]
    )


_OS = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
_AX = 'xmlns:arxiv="http://arxiv.org/schemas/atom"'


def _entry_legacy(paper: ArxivPaper) -> str:
    vid = f"{paper.id}v{paper.version}"
    parts = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <updated>{paper.published}</updated>",
        f"    <published>{paper.published}</published>",
        f"    <title>{escape(paper.title)}</title>",
        f"    <summary>{escape(paper.abstract)}</summary>",
    ]
    for author in paper.authors:
        parts.append(
            f"    <author>\n      <name>{escape(author)}</name>\n"
            f"      <arxiv:affiliation {_AX}>Somewhere University</arxiv:affiliation>\n"
            "    </author>"
        )
    if paper.doi:
        parts.append(f"    <arxiv:doi {_AX}>{escape(paper.doi)}</arxiv:doi>")
        parts.append(f'    <link title="doi" href="http://dx.doi.org/{paper.doi}" rel="related"/>')
    if paper.comment:
        parts.append(f"    <arxiv:comment {_AX}>{escape(paper.comment)}</arxiv:comment>")
    if paper.journal_ref:
        parts.append(
            f"    <arxiv:journal_ref {_AX}>{escape(paper.journal_ref)}</arxiv:journal_ref>"
        )
    parts += [
        f'    <link href="http://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link title="pdf" href="http://arxiv.org/pdf/{vid}" rel="related"'
        ' type="application/pdf"/>',
        f'    <arxiv:primary_category {_AX} term="{paper.primary}"'
        ' scheme="http://arxiv.org/schemas/atom"/>',
    ]
    for category in paper.categories or (paper.primary,):
        parts.append(f'    <category term="{category}" scheme="http://arxiv.org/schemas/atom"/>')
    parts.append("  </entry>")
    return "\n".join(parts)


def feed_legacy(papers: list[ArxivPaper], query: str = "") -> str:
    """A feed as arXiv served it before its 2025 change."""
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<feed xmlns="http://www.w3.org/2005/Atom">',
            f'  <link href="http://arxiv.org/api/query?{escape(query)}" rel="self"'
            ' type="application/atom+xml"/>',
            f'  <title type="html">ArXiv Query: {escape(query)}</title>',
            "  <id>http://arxiv.org/api/9bT3kq2WmRr8YhP0sLd5oVx7cNe</id>",
            "  <updated>2019-05-14T00:00:00-04:00</updated>",
            f"  <opensearch:totalResults {_OS}>{len(papers)}</opensearch:totalResults>",
            f"  <opensearch:startIndex {_OS}>0</opensearch:startIndex>",
            f"  <opensearch:itemsPerPage {_OS}>{len(papers)}</opensearch:itemsPerPage>",
            *(_entry_legacy(p) for p in papers),
            "</feed>",
            "",
        ]
    )


def error_feed(bad: str, *, legacy: bool = False) -> str:
    """arXiv's answer to a malformed id (HTTP 400 since 2025)."""
    scheme = "http" if legacy else "https"
    message = f"incorrect id format for {bad}"
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<feed xmlns="http://www.w3.org/2005/Atom"'
            ' xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
            ' xmlns:arxiv="http://arxiv.org/schemas/atom">',
            f"  <id>{scheme}://arxiv.org/api/Qx8u2LsWeR0t5YbN4mKc7dJ1fGa</id>",
            f"  <title>arXiv Query: search_query=&amp;id_list={escape(bad)}</title>",
            "  <updated>2026-04-12T00:00:00Z</updated>",
            "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>",
            "  <opensearch:totalResults>1</opensearch:totalResults>",
            "  <opensearch:startIndex>0</opensearch:startIndex>",
            "  <entry>",
            f"    <id>{scheme}://arxiv.org/api/errors#{message.replace(' ', '_')}</id>",
            "    <title>Error</title>",
            f"    <summary>{escape(message)}</summary>",
            "    <updated>2026-04-12T00:00:00Z</updated>",
            f'    <link href="{scheme}://arxiv.org/api/errors#{message.replace(" ", "_")}"'
            ' rel="alternate" type="text/html"/>',
            "    <author>\n      <name>arXiv api core</name>\n    </author>",
            "  </entry>",
            "</feed>",
            "",
        ]
    )


def crossref_work(
    doi: str,
    title: str,
    authors: list[tuple[str, str]],
    *,
    year: int = 2024,
    container: str = "IEEE Transactions on Pattern Analysis and Machine Intelligence",
    kind: str = "journal-article",
    abstract: str = "",
) -> str:
    """A ``/works/{doi}`` answer (trimmed to the fields a client reads, plus a few more)."""
    message: dict[str, object] = {
        "indexed": {"date-parts": [[2026, 1, 5]], "timestamp": 1767571200000},
        "reference-count": 42,
        "publisher": "Institute of Electrical and Electronics Engineers (IEEE)",
        "issue": "3",
        "content-domain": {"domain": [], "crossmark-restriction": False},
        "published-print": {"date-parts": [[year, 3]]},
        "DOI": doi.upper(),
        "type": kind,
        "created": {"date-parts": [[year, 1, 15]], "timestamp": 1705276800000},
        "page": "1123-1135",
        "source": "Crossref",
        "is-referenced-by-count": 7,
        "title": [title],
        "prefix": doi.split("/", 1)[0],
        "volume": "46",
        "author": [
            {
                "given": given,
                "family": family,
                "sequence": "first" if i == 0 else "additional",
                "affiliation": [],
            }
            for i, (given, family) in enumerate(authors)
        ],
        "member": "263",
        "container-title": [container],
        "language": "en",
        "deposited": {"date-parts": [[2025, 2, 1]]},
        "issued": {"date-parts": [[year, 3]]},
        "URL": f"https://doi.org/{doi}",
        "ISSN": ["0162-8828", "2160-9292"],
        "subject": [],
        "published": {"date-parts": [[year, 3]]},
    }
    if abstract:
        message["abstract"] = abstract
    return json.dumps(
        {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": message}
    )


CROSSREF_NOT_FOUND = "Resource not found."


def hf_item(
    paper: ArxivPaper, *, day: str, github: str = "", upvotes: int = 12
) -> dict[str, object]:
    """One item of ``/api/daily_papers``: the paper nested under ``paper``."""
    authors = [
        {"_id": f"65e{i:021x}", "name": name, "hidden": False}
        for i, name in enumerate(paper.authors)
    ]
    inner: dict[str, object] = {
        "id": paper.id,
        "authors": authors,
        "publishedAt": paper.published.replace("Z", ".000Z"),
        "submittedOnDailyAt": f"{day}T01:12:09.511Z",
        "title": " ".join(paper.title.split()),
        "summary": paper.abstract.strip(),
        "upvotes": upvotes,
        "discussionId": f"65ee{paper.id.replace('.', '')}",
        "ai_summary": "A short machine summary.",
        "ai_keywords": ["attention", "benchmark"],
    }
    if github:
        inner["githubRepo"] = github
        inner["githubStars"] = 321
    return {
        "paper": inner,
        "publishedAt": f"{day}T00:10:02.000Z",
        "title": " ".join(paper.title.split()),
        "summary": paper.abstract.strip(),
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{paper.id}.png",
        "numComments": 1,
        "submittedBy": {
            "_id": "60f1abf",
            "avatarUrl": "",
            "fullname": "AK",
            "name": "akhaliq",
            "type": "user",
            "isPro": False,
        },
        "isAuthorParticipating": False,
    }


def daily_papers(items: list[dict[str, object]]) -> str:
    return json.dumps(items)
