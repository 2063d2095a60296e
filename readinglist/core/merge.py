"""Duplicate detection and merging on import (SPEC §4).

A paper seen before is recognised by DOI, arXiv id, folded title, or a title that
is near-identical (fuzzy ratio). Comparing every incoming title with every stored
one would be quadratic, so near-identical candidates are found through two blocks
(the folded title's first and last characters): a typo would have to hit both
ends of a title to slip through.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

from rapidfuzz import fuzz, process

from .model import Paper, fold_text, merge_tags, normalise_arxiv, normalise_doi

NEAR_TITLE_RATIO = 95.0
_BLOCK = 12
_MIN_FUZZY_LEN = 20  # short titles ("Introduction") are too generic to merge fuzzily


_NUMBER = re.compile(r"\d+")


def _numbers(folded: str) -> list[str]:
    """Numbers tell versions apart ("Llama 2" vs "Llama 3"): fuzzy matches need them equal."""
    return _NUMBER.findall(folded)


def _blocks(folded: str) -> tuple[str, str]:
    return ("<" + folded[:_BLOCK], ">" + folded[-_BLOCK:])


class DuplicateIndex:
    """Finds the stored paper (by id) that an incoming paper duplicates."""

    def __init__(self) -> None:
        self._doi: dict[str, str] = {}
        self._arxiv: dict[str, str] = {}
        self._title: dict[str, str] = {}
        # block -> (folded titles, their numbers, paper ids), parallel lists so that
        # rapidfuzz can scan a block's titles in one C call.
        self._blocks: defaultdict[str, tuple[list[str], list[list[str]], list[str]]] = defaultdict(
            lambda: ([], [], [])
        )

    def add(self, paper: Paper) -> None:
        if doi := normalise_doi(paper.doi):
            self._doi.setdefault(doi, paper.id)
        if arxiv := normalise_arxiv(paper.arxiv):
            self._arxiv.setdefault(arxiv, paper.id)
        folded = fold_text(paper.title)
        if folded:
            self._title.setdefault(folded, paper.id)
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
            (self._title, fold_text(paper.title)),
        ):
            if value and mapping.get(value) == paper.id:
                del mapping[value]
        folded = fold_text(paper.title)
        for block in _blocks(folded) if folded else ():
            entry = self._blocks.get(block)
            if entry and paper.id in entry[2]:
                at = entry[2].index(paper.id)
                for column in entry:
                    del column[at]

    def find(self, paper: Paper) -> str | None:
        doi = normalise_doi(paper.doi)
        if doi and doi in self._doi:
            return self._doi[doi]
        arxiv = normalise_arxiv(paper.arxiv)
        if arxiv and arxiv in self._arxiv:
            return self._arxiv[arxiv]
        folded = fold_text(paper.title)
        if not folded:
            return None
        if folded in self._title:
            return self._title[folded]
        if len(folded) < _MIN_FUZZY_LEN:
            return None
        numbers = _numbers(folded)
        best: tuple[float, str] | None = None
        for block in _blocks(folded):
            entry = self._blocks.get(block)
            if not entry:
                continue
            titles, nums, ids = entry
            for _title, score, at in process.extract_iter(
                folded, titles, scorer=fuzz.ratio, score_cutoff=NEAR_TITLE_RATIO
            ):
                if nums[at] == numbers and (best is None or score > best[0]):
                    best = (score, ids[at])
        return best[1] if best else None


_FILLABLE = ("abstract", "venue", "doi", "arxiv", "url", "code_url")


def merge_into(existing: Paper, incoming: Paper) -> Paper:
    """``existing`` enriched with what ``incoming`` knows and it does not.

    The stored paper keeps its id, key, status, notes and timestamps; empty fields
    are filled, tags and sources are unioned, unknown BibTeX fields are added.
    Returns ``existing`` itself when nothing new was learned.
    """
    changes: dict[str, object] = {}
    for name in _FILLABLE:
        if not getattr(existing, name) and getattr(incoming, name):
            changes[name] = getattr(incoming, name)
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
