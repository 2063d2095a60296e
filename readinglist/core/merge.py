"""Duplicate detection and merging on import (SPEC §4).

A paper seen before is recognised by DOI, arXiv id, folded title, or a title that
is near-identical. "Near-identical" is judged word by word, not by a character
ratio: "Attention is All You Need" with a typo (``Atention``) is the same paper, but
"Agents is All You Need for X" and "Gradients is All You Need for X" are not, though
their character ratio is above 95. Comparing every incoming title with every stored
one would be quadratic, so candidates are found through two blocks (the folded
title's first and last characters): a typo would have to hit both ends of a title
to slip through.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .model import Paper, merge_tags, normalise_arxiv, normalise_doi
from .text import fold_text, surname_key

CANDIDATE_RATIO = 90.0  # cheap prefilter; the word rule below decides
MAX_WORD_TYPOS = 2
_BLOCK = 16
_MIN_FUZZY_LEN = 20  # short titles ("Introduction") are too generic to merge fuzzily


_NUMBER = re.compile(r"\d+")


def _numbers(folded: str) -> list[str]:
    """Numbers tell versions apart ("Llama 2" vs "Llama 3"): fuzzy matches need them equal."""
    return _NUMBER.findall(folded)


def _typo_budget(word: str) -> int:
    """One slip per word, none in short words ("cat"/"bat" are different words;
    even long ones: "augmentation"/"segmentation" is only two edits apart)."""
    return 0 if len(word) <= 4 else 1


def same_title_modulo_typos(a: str, b: str) -> bool:
    """Folded titles with the same words, up to a few small typos within words."""
    words_a, words_b = a.split(), b.split()
    if len(words_a) != len(words_b) or _numbers(a) != _numbers(b):
        return False
    differing = 0
    for x, y in zip(words_a, words_b, strict=True):
        if x == y:
            continue
        differing += 1
        budget = min(_typo_budget(x), _typo_budget(y))
        if differing > MAX_WORD_TYPOS or Levenshtein.distance(x, y, score_cutoff=budget) > budget:
            return False
    return True


Block = tuple[bool, int, int, str]


def _blocks(folded: str, slack: int = 0) -> list[Block]:
    """Block keys: each end of the title with its length and word count.

    Near-duplicates have the same number of words and differ by at most
    MAX_WORD_TYPOS one-character edits, so their lengths are within that ``slack``;
    keying by both keeps blocks small even when many titles share an opening
    ("Towards Efficient ...") or an ending ("...: A Survey").
    """
    size, words = len(folded), folded.count(" ")
    head, tail = folded[:_BLOCK], folded[-_BLOCK:]
    if not slack:
        return [(True, words, size, head), (False, words, size, tail)]
    return [
        key
        for length in range(size - slack, size + slack + 1)
        for key in ((True, words, length, head), (False, words, length, tail))
    ]


def _surname(paper: Paper) -> str:
    return surname_key(paper.authors[0]) if paper.authors else ""


def _compatible(a: tuple[str, int | None], b: tuple[str, int | None]) -> bool:
    """Same title but different first author, or years far apart: two papers."""
    (surname_a, year_a), (surname_b, year_b) = a, b
    if surname_a and surname_b and surname_a != surname_b:
        return False
    # A preprint and its published version are often a year apart.
    return year_a is None or year_b is None or abs(year_a - year_b) <= 1


class DuplicateIndex:
    """Finds the stored paper (by id) that an incoming paper duplicates."""

    def __init__(self) -> None:
        self._doi: dict[str, str] = {}
        self._arxiv: dict[str, str] = {}
        self._title: defaultdict[str, list[str]] = defaultdict(list)  # spaces removed
        self._who: dict[str, tuple[str, int | None]] = {}  # id -> (first surname, year)
        self._folded: dict[str, str] = {}  # id -> folded title
        # block -> (folded titles, their numbers, paper ids), parallel lists so that
        # rapidfuzz can scan a block's titles in one C call.
        self._blocks: defaultdict[Block, tuple[list[str], list[list[str]], list[str]]] = (
            defaultdict(lambda: ([], [], []))
        )

    def add(self, paper: Paper) -> None:
        if doi := normalise_doi(paper.doi):
            self._doi.setdefault(doi, paper.id)
        if arxiv := normalise_arxiv(paper.arxiv):
            self._arxiv.setdefault(arxiv, paper.id)
        folded = fold_text(paper.title)
        if folded:
            self._who[paper.id] = (_surname(paper), paper.year)
            self._folded[paper.id] = folded
            self._title[folded.replace(" ", "")].append(paper.id)
            numbers = _numbers(folded)
            for block in _blocks(folded):
                titles, nums, ids = self._blocks[block]
                titles.append(folded)
                nums.append(numbers)
                ids.append(paper.id)

    def remove(self, paper: Paper) -> None:
        for mapping, value in (
            (self._doi, normalise_doi(paper.doi)),
            (self._arxiv, normalise_arxiv(paper.arxiv)),
        ):
            if value and mapping.get(value) == paper.id:
                del mapping[value]
        folded = fold_text(paper.title)
        if not folded:
            return
        same = self._title.get(folded.replace(" ", ""))
        if same and paper.id in same:
            same.remove(paper.id)
        self._who.pop(paper.id, None)
        self._folded.pop(paper.id, None)
        for block in _blocks(folded):
            entry = self._blocks.get(block)
            if entry and paper.id in entry[2]:
                at = entry[2].index(paper.id)
                for column in entry:
                    del column[at]

    def match(self, paper: Paper) -> Match | None:
        """The stored paper ``paper`` is most likely a copy of, with the evidence.

        Strong evidence (a ``.bib`` entry may merge on it): the same arXiv id; the same
        DOI and title; the same title, first author and year. Anything weaker (a DOI
        with another title, a title with another year, a near-identical title) is
        enough for listing papers, which have no key of their own, but a ``.bib``
        entry is kept apart and reported.
        """
        if not (self._arxiv or self._doi or self._who):
            return None  # nothing stored to match (a first import): no text to fold
        arxiv = normalise_arxiv(paper.arxiv)
        if arxiv and arxiv in self._arxiv:
            return Match(self._arxiv[arxiv], "same arXiv id", True, "arxiv")
        folded = fold_text(paper.title)
        who = (_surname(paper), paper.year)
        weak: Match | None = None
        doi = normalise_doi(paper.doi)
        if doi and doi in self._doi:
            twin = self._doi[doi]
            if folded and self._same_title(folded, twin):
                return Match(twin, "same DOI", True, "doi")
            weak = Match(twin, "same DOI, different title", False, "doi only")
        if not folded:
            return weak
        for paper_id in self._title.get(folded.replace(" ", ""), ()):
            surname, year = self._who[paper_id]
            if who[0] and who[0] == surname and who[1] is not None and who[1] == year:
                return Match(paper_id, "same title, first author and year", True, "title")
            if weak is None and _compatible(who, (surname, year)):
                years = (
                    f", {year}/{who[1]}" if year != who[1] and None not in (year, who[1]) else ""
                )
                weak = Match(paper_id, f"same title{years}", False, "title only")
        if weak is not None or len(folded) < _MIN_FUZZY_LEN:
            return weak
        numbers = _numbers(folded)
        best: tuple[float, str] | None = None
        for block in _blocks(folded, slack=MAX_WORD_TYPOS):
            entry = self._blocks.get(block)
            if not entry:
                continue
            titles, nums, ids = entry
            for other, score, at in process.extract(
                folded, titles, scorer=fuzz.ratio, score_cutoff=CANDIDATE_RATIO, limit=None
            ):
                if (
                    nums[at] == numbers
                    and (best is None or score > best[0])
                    and _compatible(who, self._who[ids[at]])
                    and same_title_modulo_typos(folded, other)
                ):
                    best = (score, ids[at])
        return Match(best[1], "near-identical title", False, "near title") if best else None

    def _same_title(self, folded: str, paper_id: str) -> bool:
        stored = self._folded.get(paper_id, "")
        return stored == folded or same_title_modulo_typos(stored, folded)

    def find(self, paper: Paper) -> str | None:
        """The id of :meth:`match`, whatever its evidence."""
        found = self.match(paper)
        return found.paper_id if found else None

    @classmethod
    def groups(cls, papers: Iterable[Paper]) -> list[DuplicateGroup]:
        """The papers that duplicate one another, grouped, each group with the reasons
        of its matches (``"same DOI"``, ``"near-identical title"``, ...).

        Each paper is matched against those before it, as an import would match it.
        """
        return _group_duplicates(cls(), papers)


@dataclass(frozen=True, slots=True)
class Match:
    """A stored paper an incoming one duplicates: why, and whether that is strong
    enough to merge a ``.bib`` entry into it."""

    paper_id: str
    reason: str
    strong: bool
    kind: str  # arxiv, doi, title (strong); doi only, title only, near title (weak)


_FILLABLE = ("abstract", "venue", "doi", "arxiv", "url", "code_url")


def _cut_listing_abstract(existing: Paper, incoming: str) -> bool:
    """The stored abstract came from a listing and is a strict prefix of the incoming
    one: it was cut (a truncated file), and the complete listing repairs it. Text from
    the user's own ``.bib`` is never rewritten this way."""
    stored = existing.abstract
    if not stored or len(incoming) <= len(stored) or not incoming.startswith(stored):
        return False
    kinds = {source.kind for source in existing.sources}
    return "dailypapers" in kinds and "bibtex" not in kinds


def merge_into(existing: Paper, incoming: Paper) -> Paper:
    """``existing`` enriched with what ``incoming`` knows and it does not.

    The stored paper keeps its id, key, status, notes and timestamps; empty fields
    are filled, tags and sources are unioned, unknown BibTeX fields are added, and a
    listing abstract that was cut short is completed.
    Returns ``existing`` itself when nothing new was learned.
    """
    changes: dict[str, object] = {}
    for name in _FILLABLE:
        if not getattr(existing, name) and getattr(incoming, name):
            changes[name] = getattr(incoming, name)
    if _cut_listing_abstract(existing, incoming.abstract):
        changes["abstract"] = incoming.abstract
        # a link at the cut was found in the cut text: take the whole one
        old_link, new_link = existing.code_url, incoming.code_url
        if old_link and new_link != old_link and new_link.startswith(old_link):
            changes["code_url"] = new_link
    if not existing.authors and incoming.authors:
        changes["authors"] = incoming.authors
    if existing.year is None and incoming.year is not None:
        changes["year"] = incoming.year
    if existing.entry_type == "misc" and incoming.entry_type != "misc":
        changes["entry_type"] = incoming.entry_type
    tags = merge_tags(existing.tags, incoming.tags)
    if tags != existing.tags:
        changes["tags"] = tags
    new_sources = tuple(s for s in incoming.sources if s not in existing.sources)
    if new_sources:
        changes["sources"] = existing.sources + new_sources
    missing_extra = {k: v for k, v in incoming.extra.items() if k not in existing.extra}
    if missing_extra:
        changes["extra"] = {**existing.extra, **missing_extra}
    if not changes:
        return existing
    return replace(existing, **changes)  # type: ignore[arg-type]


# -- reporting duplicates already in a library -----------------------------------------


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Papers (by id, in the order given) that look like one paper, and why."""

    ids: tuple[str, ...]
    reasons: tuple[str, ...]


def _group_duplicates(index: DuplicateIndex, papers: Iterable[Paper]) -> list[DuplicateGroup]:
    order: dict[str, Paper] = {}
    parent: dict[str, str] = {}
    reasons: dict[str, list[str]] = {}

    def root(paper_id: str) -> str:
        while parent[paper_id] != paper_id:
            parent[paper_id] = parent[parent[paper_id]]
            paper_id = parent[paper_id]
        return paper_id

    for paper in papers:
        order[paper.id] = paper
        parent[paper.id] = paper.id
        found = index.match(paper)
        if found is not None and found.paper_id in order:
            a, b = root(found.paper_id), root(paper.id)
            parent[b] = a
            known = reasons.setdefault(a, [])
            for why in [*reasons.pop(b, []), found.reason]:
                if why not in known:
                    known.append(why)
        index.add(paper)
    members: dict[str, list[str]] = {}
    for paper_id in order:
        members.setdefault(root(paper_id), []).append(paper_id)
    return [
        DuplicateGroup(tuple(ids), tuple(reasons.get(top, ())))
        for top, ids in members.items()
        if len(ids) > 1
    ]
