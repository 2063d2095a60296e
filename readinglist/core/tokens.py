"""Text folding and tokenisation shared by the search index, the query parser and highlighting.

Everything is matched case- and accent-insensitively (``muller`` finds ``Müller``),
so index, query and highlighter must fold text in exactly the same way; that is
why these few functions live in one place.
"""

from __future__ import annotations

import re

# One folding for the whole program (keys and duplicate detection use it too).
from .text import fold as fold
from .text import strip_accents as strip_accents

WORD = re.compile(r"[^\W_]+")
# Hyphenated or apostrophe compounds: "Eye-Tracking", "Pro-cessing", "Google's".
_COMPOUND = re.compile(r"(?<![^\W_])[^\W_]++(?:['-][^\W_]++)+")
_JOINERS = re.compile(r"['-]")
# Words with an internal case or letter/digit boundary: "forEye", "HiCMAE", "GPT4".
_GLUED = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]|[A-Za-z][0-9]|[0-9][A-Za-z]")
# Cheap pre-check for long texts: only a lower→upper boundary ("forEye") counts there.
_CAMEL_HINT = re.compile(r"[a-z][A-Z]")
# ASCII letters and digits kept (lower-cased), everything else becomes a space.
_ASCII_WORDS = bytes(
    c + 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256)
)
# The same, but joiners (- and ') kept, both as "-": finds hyphen/apostrophe compounds.
_ASCII_JOINED = bytes(45 if c in (39, 45) else _ASCII_WORDS[c] for c in range(256))
# Character classes of ASCII text: a = lower, A = upper, 0 = digit, space = anything else.
# "aA" in the class string marks a lower→upper glue ("forEye") without a regex scan.
_ASCII_CLASSES = bytes(
    97 if 97 <= c <= 122 else 65 if 65 <= c <= 90 else 48 if 48 <= c <= 57 else 32
    for c in range(256)
)
_PIECES = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+|[^\W_0-9a-zA-Z]+")
# Short fields hold few distinct words; a bulk build memoises terms per word.
_CHUNK_CACHE_LIMIT = 200_000


def query_words(text: str) -> list[str]:
    """Folded words of a free-text query ("Self-Attention" → ["self", "attention"])."""
    return WORD.findall(fold(text))


def index_terms(text: str, *, long_text: bool = False) -> set[str]:
    """Every term a paper is findable by: words, joined compounds and glued-word pieces.

    PDF extraction glues words ("forEye-Tracking") and splits others ("seman-tic"),
    so both the joined form and the pieces are indexed. For ``long_text``
    (abstracts) only lower→upper glue is split: scanning for digit boundaries in
    every abstract would double the index build time.
    """
    if long_text:
        if text.isascii():
            return _ascii_long_terms(text)
        plain = strip_accents(text)
        if plain.isascii():
            return _ascii_long_terms(plain)
    else:
        plain = strip_accents(text)
    lower = plain.lower()
    terms = set(WORD.findall(lower))
    if "-" in lower or "'" in lower:
        terms.update(_JOINERS.sub("", c) for c in _COMPOUND.findall(lower))
    if long_text:
        for hint in _CAMEL_HINT.finditer(plain):
            start, end = hint.start(), hint.end()
            while start and plain[start - 1].isalnum():
                start -= 1
            while end < len(plain) and plain[end].isalnum():
                end += 1
            terms.update(p.lower() for p in _PIECES.findall(plain, start, end))
    elif _GLUED.search(plain):
        for word in WORD.findall(plain):
            if not word.islower() and _GLUED.search(word):
                terms.update(p.lower() for p in _PIECES.findall(word))
    return terms


def _ascii_long_terms(text: str) -> set[str]:
    """``index_terms(text, long_text=True)`` for ASCII text with byte-table scans only.

    Abstracts dominate the index build; here each one costs one split plus a few
    ``translate``/``find`` calls, and Python code runs only per compound or glued word.
    """
    raw = text.encode("ascii")
    terms = set(raw.translate(_ASCII_WORDS).decode("ascii").split())
    if b"-" in raw or b"'" in raw:
        # A run of letters, digits and joiners with a joiner inside is also indexed
        # joined: "state-of-the-art" → "stateoftheart", "Google's" → "googles".
        joined = raw.translate(_ASCII_JOINED)
        size = len(joined)
        hit = joined.find(b"-")
        while hit >= 0:
            start = joined.rfind(b" ", 0, hit) + 1
            end = joined.find(b" ", hit)
            if end < 0:
                end = size
            word = joined[start:end].replace(b"-", b"")
            if word:
                terms.add(word.decode("ascii"))
            hit = joined.find(b"-", end)
    classes = raw.translate(_ASCII_CLASSES)
    hit = classes.find(b"aA")
    while hit >= 0:  # lower→upper glue: index the case pieces of the whole word
        start = classes.rfind(b" ", 0, hit) + 1
        end = classes.find(b" ", hit)
        if end < 0:
            end = len(classes)
        terms.update(p.lower() for p in _PIECES.findall(text, start, end))
        hit = classes.find(b"aA", end)
    return terms


class TermMemo(dict[str, frozenset[str]]):
    """``index_terms`` of short fields (titles, authors, tags), memoised per word.

    Terms never span whitespace, so a text's terms are the union of its
    whitespace-separated chunks' terms; titles and author names reuse few distinct
    chunks, so a bulk build folds each one once instead of once per paper.
    """

    def __missing__(self, chunk: str) -> frozenset[str]:
        if len(self) > _CHUNK_CACHE_LIMIT:
            self.clear()
        terms = self[chunk] = frozenset(index_terms(chunk))
        return terms

    def terms(self, text: str) -> set[str]:
        """Same as ``index_terms(text)``."""
        return set().union(*map(self.__getitem__, text.split()))


def folded_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """Accent-free text (case kept) and, if lengths differ, each char's index in ``text``."""
    if text.isascii():
        return text, None
    parts: list[str] = []
    offsets: list[int] = []
    for i, char in enumerate(text):
        piece = strip_accents(char)
        parts.append(piece)
        offsets.extend([i] * len(piece))
    return "".join(parts), offsets


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """(folded term, start, end) for each word, glued piece and compound of ``text``.

    Offsets index the original ``text`` so the UI can highlight matched characters.
    """
    plain, offsets = folded_with_offsets(text)
    found: list[tuple[str, int, int]] = []
    for match in WORD.finditer(plain):
        word, start = match.group(), match.start()
        found.append((word.lower(), start, match.end()))
        if _GLUED.search(word):
            for piece in _PIECES.finditer(word):
                found.append((piece.group().lower(), start + piece.start(), start + piece.end()))
    if "-" in plain or "'" in plain:
        for match in _COMPOUND.finditer(plain):
            joined = _JOINERS.sub("", match.group()).lower()
            found.append((joined, match.start(), match.end()))
    if offsets is None:
        return found
    size = len(text)
    return [
        (term, offsets[start], offsets[end - 1] + 1 if end - 1 < len(offsets) else size)
        for term, start, end in found
    ]
