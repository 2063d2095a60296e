"""Deciding locally whether a found record is the paper we have.

Search engines stem, drop punctuation and rank loosely, so every candidate is
verified here with two signals:

- **title similarity**: ``difflib`` ratio of the normalised titles (accents, LaTeX,
  case and punctuation removed);
- **abstract overlap**: the share of the shorter abstract's word 3-grams found in
  the longer one, robust to re-wrapping, truncation and small edits between
  versions. None when either side has no abstract.

:func:`classify` turns the candidates into one verdict: ``match`` (apply it),
``ambiguous`` (two candidates fit equally: never applied), ``weak`` (one candidate,
not enough evidence: never applied) or ``none``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from typing import Literal

from ..model import fold_text
from .metadata import Metadata

__all__ = [
    "Candidate",
    "Verdict",
    "abstract_overlap",
    "classify",
    "listing_days",
    "normalise_title",
    "title_similarity",
]

Verdict = Literal["match", "ambiguous", "weak", "none"]

TITLE_SURE = 0.95
TITLE_CLOSE = 0.85
# A listing copies arXiv's abstract, so a real match overlaps almost entirely; 0.8
# leaves room for a revised version. Papers of one series share boilerplate
# abstracts (challenge reports overlap 0.6-0.7) and must not pass.
ABSTRACT_CONFIRMS = 0.8
ABSTRACT_CONTRADICTS = 0.2


def normalise_title(title: str) -> str:
    """Casefolded ASCII words: ``"{ELA}: Efficient Local-Attention"`` → ``"ela efficient
    local attention"``."""
    return fold_text(title.replace("$", " "))


def title_similarity(a: str, b: str) -> float:
    left, right = normalise_title(a), normalise_title(b)
    if not left or not right:
        return 0.0
    if left == right:
        return 1.0
    return SequenceMatcher(None, left, right, autojunk=False).ratio()


def _trigrams(text: str) -> set[tuple[str, str, str]]:
    words = fold_text(text).split()
    return {(words[i], words[i + 1], words[i + 2]) for i in range(len(words) - 2)}


def abstract_overlap(a: str, b: str) -> float | None:
    """Containment of the shorter abstract's word 3-grams in the longer one's."""
    left, right = _trigrams(a), _trigrams(b)
    if len(left) < 5 or len(right) < 5:
        return None  # too short to say anything
    small, large = (left, right) if len(left) <= len(right) else (right, left)
    return len(small & large) / len(small)


def _subtitle_variant(a: str, b: str) -> bool:
    """One normalised title is the other with a subtitle added (at least 4 words kept)."""
    left, right = normalise_title(a).split(), normalise_title(b).split()
    short, long = (left, right) if len(left) <= len(right) else (right, left)
    return len(short) >= 4 and long[: len(short)] == short and len(long) > len(short)


_NUMBER = re.compile(r"\d+")


def numbers_differ(a: str, b: str) -> bool:
    """Titles that differ in a number name different works ("… 2019 Challenge" and
    "… 2020 Challenge", "GPT-3" and "GPT-4"), however similar the rest is."""
    return sorted(_NUMBER.findall(normalise_title(a))) != sorted(
        _NUMBER.findall(normalise_title(b))
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    """A found record with its evidence."""

    meta: Metadata
    title: float
    abstract: float | None
    numbers_differ: bool = False

    @property
    def strength(self) -> Literal["strong", "weak", "none"]:
        t, a = self.title, self.abstract
        if a is not None and a < ABSTRACT_CONTRADICTS and t < 0.99:
            return "none"
        if self.numbers_differ:
            return "weak" if t >= TITLE_CLOSE else "none"
        if t >= TITLE_SURE and (a is None or a >= ABSTRACT_CONFIRMS):
            return "strong"
        if t >= TITLE_CLOSE and a is not None and a >= ABSTRACT_CONFIRMS:
            return "strong"  # the title was edited between versions
        if t >= TITLE_CLOSE:
            return "weak"  # close title, no abstract to confirm (or one that disagrees)
        return "none"

    def describe(self) -> str:
        abstract = "n/a" if self.abstract is None else f"{self.abstract:.2f}"
        return f"title {self.title:.2f}, abstract {abstract}"


def score(title: str, abstract: str, meta: Metadata) -> Candidate:
    t = title_similarity(title, meta.title)
    if t < TITLE_CLOSE and _subtitle_variant(title, meta.title):
        t = TITLE_CLOSE  # a subtitle added or dropped: needs the abstract to confirm
    a = abstract_overlap(abstract, meta.abstract) if abstract and meta.abstract else None
    return Candidate(meta, t, a, numbers_differ(title, meta.title))


def classify(
    title: str, abstract: str, found: Sequence[Metadata]
) -> tuple[Verdict, list[Candidate]]:
    """The verdict for a paper (``title``, ``abstract``) and the candidates that
    support it, best first (one for ``match`` and ``weak``, two or more for
    ``ambiguous``, none for ``none``)."""
    scored = sorted(
        (score(title, abstract, meta) for meta in found),
        key=lambda c: (c.abstract if c.abstract is not None else -1.0, c.title),
        reverse=True,
    )
    strong = [c for c in scored if c.strength == "strong"]
    if len(strong) >= 2:
        # The abstract can still single one out (same title, different paper).
        best, second = strong[0], strong[1]
        if (
            best.abstract is not None
            and second.abstract is not None
            and best.abstract >= ABSTRACT_CONFIRMS
            and second.abstract < ABSTRACT_CONTRADICTS
        ):
            return "match", [best]
        return "ambiguous", strong
    if len(strong) == 1:
        return "match", strong
    weak = [c for c in scored if c.strength == "weak"]
    if weak:
        return "weak", weak[:1]
    return "none", []


# -- listing dates ---------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_DAY = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?")
_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:,?\s+(\d{4}))?")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def listing_days(text: str, today: date | None = None) -> list[date]:
    """The days a listing date such as ``"Mar 11"`` can mean, most recent first.

    A date with a year is that day. Without one it is this year's or last year's,
    never a day in the future. Text that is not a date gives no days.
    """
    today = today or date.today()
    text = " ".join(text.lower().split())
    year: int | None
    match = _ISO.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _MONTH_DAY.fullmatch(text)
        if match:
            month_name, day_text, year_text = match.groups()
        else:
            match = _DAY_MONTH.fullmatch(text)
            if match is None:
                return []
            day_text, month_name, year_text = match.groups()
        if month_name not in _MONTHS:
            return []
        month, day = _MONTHS[month_name], int(day_text)
        year = int(year_text) if year_text else None
    years = [year] if year is not None else [today.year, today.year - 1]
    days: list[date] = []
    for candidate_year in years:
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue  # Feb 29 in a common year, Apr 31
        if candidate <= today:
            days.append(candidate)
    return days
