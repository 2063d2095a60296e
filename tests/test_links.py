"""The links `o` offers, in the order a reader wants them."""

from __future__ import annotations

import pytest

from readinglist.core.links import Link, paper_links
from readinglist.core.model import Paper

pytestmark = pytest.mark.unit


def test_every_kind_of_link_once() -> None:
    paper = Paper(
        title="t",
        arxiv="1706.03762",
        doi="10.5555/3295349",
        url="https://papers.nips.cc/paper/7181",
        code_url="https://github.com/tensorflow/tensor2tensor",
    )
    assert paper_links(paper) == [
        Link("arXiv", "https://arxiv.org/abs/1706.03762"),
        Link("PDF", "https://arxiv.org/pdf/1706.03762"),
        Link("DOI", "https://doi.org/10.5555/3295349"),
        Link("URL", "https://papers.nips.cc/paper/7181"),
        Link("Code", "https://github.com/tensorflow/tensor2tensor"),
    ]


def test_a_pdf_url_is_the_pdf_and_duplicates_go() -> None:
    paper = Paper(title="t", url="https://x.org/a.pdf", code_url="https://x.org/a.pdf")
    assert paper_links(paper) == [Link("PDF", "https://x.org/a.pdf")]
    assert paper_links(Paper(title="no links")) == []
