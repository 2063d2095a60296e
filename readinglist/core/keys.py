"""Citation keys (SPEC §7): deterministic, readable, ASCII, unique, pinned.

A key is made once, when a paper enters the library, and never recomputed: an
edit of the title or authors must not break the ``\\cite{}`` already in a thesis.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable

from .errors import ReadinglistError
from .model import Paper
from .text import fold_text, surname_key

DEFAULT_PATTERN = "{author}{year}{title}"

# Words that make poor key material: articles, prepositions and the like.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "on",
        "in",
        "for",
        "to",
        "and",
        "or",
        "with",
        "without",
        "from",
        "by",
        "at",
        "as",
        "via",
        "into",
        "onto",
        "towards",
        "toward",
        "is",
        "are",
        "be",
        "do",
        "does",
        "we",
        "our",
        "its",
        "it",
        "this",
        "that",
        "these",
        "those",
        "how",
        "what",
        "why",
        "when",
        "which",
        "who",
        "can",
        "not",
        "no",
        "yes",
        "using",
        "use",
    ]
)

_KEY_SAFE = re.compile(r"[^A-Za-z0-9_:\-]")
# Characters that end or break a key in BibTeX, biber, \cite{} or an editor snippet.
# Everything else in a key someone already uses is kept exactly as written
# (``DBLP:journals/corr/abs-1706.03762``, ``O'Hara_1999``, ``IJCAI01*425``, ``Müller2020``).
_KEY_FORBIDDEN = re.compile(r'[\s,{}()"#%~\\]')


def valid_key(key: str) -> bool:
    """True for a key bibtex, biber and ``\\cite{}`` read as one key."""
    return bool(key) and _KEY_FORBIDDEN.search(key) is None


_CHAR_NAMES = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a line break"}


class InvalidKeyError(ReadinglistError):
    """A stored citation key that BibTeX, biber or ``\\cite{}`` cannot take as it is."""


def unusable_key_reason(key: str) -> str:
    """Why ``key`` cannot be cited as it is ("" when :func:`valid_key` holds)."""
    if not key:
        return "it is empty"
    bad = dict.fromkeys(_KEY_FORBIDDEN.findall(key))
    names = [_CHAR_NAMES.get(c, "a space" if c.isspace() else repr(c)) for c in bad]
    return "it contains " + ", ".join(dict.fromkeys(names)) if names else ""


def check_keys(papers: Iterable[Paper]) -> None:
    """Raise :class:`InvalidKeyError` for the first paper whose key cannot be cited:
    no ``\\cite``, clipboard or editor gets a key that breaks it (only a hand-edited
    library file can hold one)."""
    for paper in papers:
        why = unusable_key_reason(paper.key)
        if why:
            title = paper.title if len(paper.title) <= 50 else paper.title[:49] + "…"
            raise InvalidKeyError(
                f"the citation key {paper.key!r} of {title!r} cannot be used: {why} "
                "(fix the key in the library file)"
            )


def _title_words(title: str) -> list[str]:
    return [w for w in fold_text(title).split() if w not in STOP_WORDS]


def base_key(paper: Paper, pattern: str = DEFAULT_PATTERN) -> str:
    """The key before uniqueness suffixes, e.g. ``vaswani2017attention``.

    Placeholders: ``{author}`` first author's surname, ``{year}``, ``{title}`` first
    significant title word, ``{title2}``/``{title3}`` the first two/three words.
    Without authors or year the pattern falls back to title words so the key still
    says something (``efficientlocalattention``).
    """
    author = surname_key(paper.authors[0]) if paper.authors else ""
    year = str(paper.year) if paper.year else ""
    words = _title_words(paper.title) or fold_text(paper.title).split()
    values = {
        "author": author,
        "year": year,
        "title": words[0] if words else "",
        "title2": "".join(words[:2]),
        "title3": "".join(words[:3]),
    }
    if not author and not year:
        values["title"] = values["title3"]
    try:
        key = pattern.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise ValueError(f"bad citation-key pattern {pattern!r}: {exc}") from None
    key = _KEY_SAFE.sub("", key)
    return key or "paper"


def _suffixes() -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return list(letters) + [a + b for a in letters for b in letters]


_SUFFIXES = _suffixes()


def unique_key(base: str, taken: Container[str]) -> str:
    """``base`` itself if free, else ``base`` + ``a``, ``b``, …, ``aa``, … then digits."""
    if base not in taken:
        return base
    for suffix in _SUFFIXES:
        candidate = base + suffix
        if candidate not in taken:
            return candidate
    n = 1
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def assign_key(paper: Paper, taken: Container[str], pattern: str = DEFAULT_PATTERN) -> str:
    """The key a new paper gets: its own (from BibTeX) exactly as written if valid,
    with a suffix only if another paper has it; else one made from the paper."""
    own = paper.key.strip()
    if valid_key(own):
        return unique_key(own, taken)
    return unique_key(base_key(paper, pattern), taken)


_SUFFIX = re.compile(r"(?:[a-z]{1,2}|\d+)?")


def made_from(paper: Paper, pattern: str = DEFAULT_PATTERN) -> bool:
    """True if ``paper.key`` is the key :func:`assign_key` makes from the paper as it
    is (its base, perhaps with a clash suffix), not one the user gave."""
    base = base_key(paper, pattern)
    return paper.key.startswith(base) and _SUFFIX.fullmatch(paper.key[len(base) :]) is not None
