"""The Daily Papers listing parser on the two real listings and on doctored copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.core.importers.dailypapers import (
    decode_listing_text,
    find_code_url,
    parse_dailypapers,
)
from readinglist.core.model import Source, fold_text

pytestmark = pytest.mark.unit

DATA = Path(__file__).parent / "data"
BLANK = DATA / "daily-papers-blank-lines.txt"
COMPACT = DATA / "daily-papers-compact.txt"

# Counted by hand from the files (see the oracle functions below for the layout):
# blank-lines: 5 header lines, then titles on physical lines 11, 15, ..., 239 -> 58 pairs;
# compact: 2 header lines, then line 3 (glued to "Subscribe") .. 535 odd lines -> 267 pairs.
BLANK_COUNT = 58
COMPACT_COUNT = 267
OVERLAP_COUNT = 8

CHROME = (
    "new",
    "Subscribe",
    "Get trending papers in your email inbox!",
    "Get trending papers in your email inbox once a day!",
    "byAK and the research community",
    "Mar 11",
)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def oracle_pairs(text: str, header_lines: int) -> list[tuple[str, str]]:
    """Independent check by position: valid only because these two files are clean."""
    lines = [line for line in text.split("\n") if line.strip()][header_lines:]
    lines[0] = lines[0].removeprefix("Subscribe")
    # (the LaTeX arXiv text carries is decoded: tested on its own below)
    lines = [decode_listing_text(line) for line in lines]
    return list(zip(lines[0::2], lines[1::2], strict=True))


def test_the_latex_listings_carry_is_decoded_for_display() -> None:
    result = parse_dailypapers(read(BLANK), str(BLANK))
    text = " ".join(p.abstract for p in result.papers)
    assert "(1) naïve methods" in text and "more than 45% on the ImageNet" in text
    assert "\\%" not in text and '\\"' not in text
    compact = " ".join(p.abstract for p in parse_dailypapers(read(COMPACT)).papers)
    assert "certain reconstruction-based pretext" in compact  # was {\em reconstruction-based}
    assert "augmentations, \\eg, random" in compact  # an author's own macro stays


@pytest.fixture(scope="module")
def blank() -> list[tuple[str, str]]:
    return oracle_pairs(read(BLANK), header_lines=5)


@pytest.fixture(scope="module")
def compact() -> list[tuple[str, str]]:
    return oracle_pairs(read(COMPACT), header_lines=2)


def test_blank_lines_sample(blank: list[tuple[str, str]]) -> None:
    result = parse_dailypapers(read(BLANK), str(BLANK))
    assert result.format == "dailypapers"
    assert result.failures == []
    assert len(result.papers) == BLANK_COUNT == len(blank)
    assert [(p.title, p.abstract) for p in result.papers] == blank
    assert result.papers[0].title == (
        "ELA: Efficient Local Attention for Deep Convolutional Neural Networks"
    )
    assert result.papers[-1].title == "Local Augmentation for Graph Neural Networks"
    source = Source(kind="dailypapers", file="daily-papers-blank-lines.txt", date="Mar 11")
    assert all(p.sources == (source,) for p in result.papers)
    assert all(p.entry_type == "misc" and p.id == "" for p in result.papers)


def test_compact_sample(compact: list[tuple[str, str]]) -> None:
    result = parse_dailypapers(read(COMPACT), "some/dir/daily-papers-compact.txt")
    assert result.failures == []
    assert len(result.papers) == COMPACT_COUNT == len(compact)
    assert [(p.title, p.abstract) for p in result.papers] == compact
    assert result.papers[0].title == (
        "Digi-Q: Learning Q-Value Functions for Training Device-Control Agents"
    )
    assert result.papers[-1].title == (
        "Studying Image Diffusion Features for Zero-Shot Video Object Segmentation"
    )
    # this listing carries no date line
    source = Source(kind="dailypapers", file="daily-papers-compact.txt", date="")
    assert all(p.sources == (source,) for p in result.papers)


def test_unicode_kept_as_given() -> None:
    titles = {p.title for p in parse_dailypapers(read(BLANK)).papers}
    assert (
        "Memorize, Factorize, or be Naïve: "
        "Learning Optimal Feature Interaction Methods for CTR Prediction" in titles
    )


@pytest.mark.parametrize("path", [BLANK, COMPACT])
def test_no_chrome_becomes_a_paper(path: Path) -> None:
    papers = parse_dailypapers(read(path)).papers
    for paper in papers:
        assert paper.title not in CHROME
        assert not paper.title.startswith(("Subscribe", "Get trending", "byAK"))
        assert len(paper.title) < 200
        assert len(paper.abstract) > 500


def test_samples_overlap_and_union() -> None:
    one = {fold_text(p.title): p for p in parse_dailypapers(read(BLANK)).papers}
    two = {fold_text(p.title): p for p in parse_dailypapers(read(COMPACT)).papers}
    assert len(one) == BLANK_COUNT and len(two) == COMPACT_COUNT  # no repeats inside a file
    shared = one.keys() & two.keys()
    assert len(shared) == OVERLAP_COUNT
    assert fold_text("Transformer in Transformer") in shared
    assert len(one.keys() | two.keys()) == BLANK_COUNT + COMPACT_COUNT - OVERLAP_COUNT == 317
    assert all(one[key].abstract == two[key].abstract for key in shared)


# -- code links ----------------------------------------------------------------


def code_urls(path: Path) -> dict[str, str]:
    return {p.title: p.code_url for p in parse_dailypapers(read(path)).papers}


def test_code_urls_from_blank_lines_sample() -> None:
    urls = code_urls(BLANK)
    assert (
        urls["Towards Seamless Adaptation of Pre-trained Models for Visual Place Recognition"]
        == "https://github.com/Lu-Feng/SelaVPR"
    )
    # bare host name gets a scheme, the full stop is not part of the link
    assert urls["CRAFT: Concept Recursive Activation FacTorization for Explainability"] == (
        "https://github.com/deel-ai/Craft"
    )
    # a trailing comma is punctuation
    assert urls["Transformer in Transformer"] == "https://github.com/huawei-noah/CV-Backbones"
    # a bare link at the very end of the abstract
    assert (
        urls[
            "An accurate detection is not all you need to combat label noise in web-noisy datasets"
        ]
        == "https://github.com/PaulAlbert31/LSA"
    )
    # a project page that is not introduced as code is not a code link
    assert (
        urls[
            "A Holistic Approach to Unifying Automatic Concept Extraction "
            "and Concept Importance Estimation"
        ]
        == ""
    )
    assert sum(1 for url in urls.values() if url) == 21


def test_code_urls_from_compact_sample() -> None:
    urls = code_urls(COMPACT)
    assert (
        urls["Digi-Q: Learning Q-Value Functions for Training Device-Control Agents"]
        == "https://github.com/DigiRL-agent/digiq"
    )
    values = set(urls.values())
    # LaTeX debris "{https://...}" after the link is cut off
    assert "https://github.com/chansongoal/FCM-LM/tree/master" in values
    # "available at~https://..." (a LaTeX non-breaking space)
    assert "https://github.com/rabeehk/compacter" in values
    assert "https://github.com/NVlabs/SegFormer" in values
    assert "https://gitee.com/mindspore/models" in values
    # not a code host, but the sentence says it is code
    assert "http://vis.xyz/pub/dla-afa" in values
    # model weights and datasets are not code
    assert not any("hf.co/Segmind" in url or "stanfordmlgroup" in url for url in values)
    # a project website comes first, the GitHub link later: the repository wins
    assert "https://github.com/soumik-kanad/diffssl" in values
    assert sum(1 for url in urls.values() if url) == 81


@pytest.mark.parametrize(
    ("abstract", "url"),
    [
        ("We do X. Code is available at https://github.com/a/b.", "https://github.com/a/b"),
        ("Code: http://github.com/a/b-c).", "https://github.com/a/b-c"),
        ("See www.github.com/a/b; it is nice.", "https://www.github.com/a/b"),
        ("Demo at https://huggingface.co/spaces/u/demo.", "https://huggingface.co/spaces/u/demo"),
        ("Weights at https://huggingface.co/u/model.", ""),
        ("Our project page is https://x.github.io/p.", ""),
        ("Source code: https://example.org/tool (v2).", "https://example.org/tool"),
        ("Wiki https://en.wikipedia.org/wiki/A_(b) code", ""),
        ("no links at all, mention of github only.", ""),
        ("Code at https://gitlab.com/g/p, and https://github.com/a/b", "https://gitlab.com/g/p"),
    ],
)
def test_find_code_url(abstract: str, url: str) -> None:
    assert find_code_url(abstract) == url


# -- doctored listings: robustness of the title/abstract labelling ---------------


def compact_lines() -> list[str]:
    return read(COMPACT).split("\n")


def test_known_chrome_inside_the_listing_is_dropped(compact: list[tuple[str, str]]) -> None:
    lines = compact_lines()
    stray = ["Upvote", "42", "▲ 17", "Submitted by akhaliq", "Page 2 of 5", "Daily Papers", "·"]
    for offset, chrome in enumerate(stray):
        lines.insert(20 + 7 * offset, chrome)  # between pairs and inside pairs
    result = parse_dailypapers("\n".join(lines))
    assert [(p.title, p.abstract) for p in result.papers] == compact
    assert result.failures == []


def test_unknown_stray_line_does_not_shift_pairs(compact: list[tuple[str, str]]) -> None:
    lines = compact_lines()
    lines.insert(40, "Trending on the hub this week")  # between two pairs (0-based 40 = a title)
    result = parse_dailypapers("\n".join(lines))
    assert [(p.title, p.abstract) for p in result.papers] == compact
    assert len(result.failures) == 1
    assert result.failures[0].line == 41
    assert "title without an abstract" in result.failures[0].reason


def test_new_date_line_changes_listing_date() -> None:
    lines = read(BLANK).split("\n")
    lines.insert(126, "Mar 12")  # before the 30th title
    papers = parse_dailypapers("\n".join(lines)).papers
    assert len(papers) == BLANK_COUNT
    assert {p.sources[0].date for p in papers[:29]} == {"Mar 11"}
    assert {p.sources[0].date for p in papers[29:]} == {"Mar 12"}


def test_title_without_abstract_and_text_without_title() -> None:
    abstract = (
        "We study a thing. It works well on many benchmarks and we explain why in "
        "detail, with ablations and a long discussion of the limits of the method. " * 3
    )
    text = "\n".join(
        ["A Good Title: With an Abstract", abstract, "An Orphan Title", "Another Title", abstract]
    )
    # an abstract with no title in front of it
    result = parse_dailypapers(abstract + "\n" + text)
    assert [p.title for p in result.papers] == ["A Good Title: With an Abstract", "Another Title"]
    assert [(f.line, f.reason.split(":")[0]) for f in result.failures] == [
        (1, "text without a title"),
        (4, "title without an abstract"),
    ]


def test_truncated_listing_keeps_complete_pairs() -> None:
    lines = read(BLANK).split("\n")[:19]  # ends on the third title
    result = parse_dailypapers("\n".join(lines))
    assert len(result.papers) == 2
    assert [f.line for f in result.failures] == [19]


def test_paragraph_continuation_is_joined() -> None:
    part1 = "We present a method for " + "learning things from data and more data " * 10
    part2 = "and therefore it works. " * 10
    result = parse_dailypapers(f"Some Title: A Method\n\n{part1}\n\n{part2}")
    assert len(result.papers) == 1
    assert result.papers[0].abstract == f"{part1.strip()}\n\n{part2.strip()}"


def test_crlf_and_indented_lines() -> None:
    text = read(BLANK).replace("\n", "\r\n   ")
    assert len(parse_dailypapers(text).papers) == BLANK_COUNT


def test_header_chrome_glued_to_first_title_variants() -> None:
    pairs = oracle_pairs(read(COMPACT), header_lines=2)[:3]
    body = "\n".join(f"{t}\n{a}" for t, a in pairs)
    for header in ("Get trending papers in your email inbox!", "new", "Mar 11", "Daily Papers"):
        result = parse_dailypapers(header + body)
        assert [p.title for p in result.papers] == [t for t, _ in pairs], header


def test_ten_thousand_papers_parse_completely() -> None:
    full = read(COMPACT)
    body = full.split("\n", 2)[2].removeprefix("Subscribe")
    text = full + ("\n" + body) * 37  # 38 x 267 = 10146 papers
    result = parse_dailypapers(text)
    assert len(result.papers) == 38 * COMPACT_COUNT


def test_two_dumps_pasted_together() -> None:
    both = read(COMPACT) + "\n" + read(BLANK) + "\n" + read(COMPACT)
    result = parse_dailypapers(both)
    assert result.failures == []
    assert len(result.papers) == 2 * COMPACT_COUNT + BLANK_COUNT
    titles = [p.title for p in result.papers]
    assert (
        titles.count("Digi-Q: Learning Q-Value Functions for Training Device-Control Agents") == 2
    )
    dates = [p.sources[0].date for p in result.papers]
    assert dates[COMPACT_COUNT] == "Mar 11"


def test_per_paper_page_chrome_is_dropped(compact: list[tuple[str, str]]) -> None:
    lines = ["Daily Papers", "Mar 12", ""]
    for title, abstract in compact[:20]:
        lines += ["Submitted by akhaliq", "▲", "12", title, "·", "3 authors", "Published on Mar 11"]
        lines += ["arXiv:2403.01234", abstract, "Upvote 12", "Comments", ""]
    lines += ["Previous", "Next ›", "© 2025 Hugging Face", "Terms of service"]
    result = parse_dailypapers("\n".join(lines))
    assert [(p.title, p.abstract) for p in result.papers] == compact[:20]
    assert {p.sources[0].date for p in result.papers} == {"Mar 12"}
    assert result.failures == []
