"""Folding text for comparison: the one home of the rules that keys, duplicate
detection and search share.

Two forms, for two jobs:

* :func:`fold` is how search compares text: lower case, accents gone, and the
  letters that Unicode does not decompose spelled as users type them in ASCII
  (``ß`` → ``ss``, ``ø`` → ``o``, ``ł`` → ``l``). Everything else is kept (Greek,
  CJK, punctuation), because the tokeniser splits words afterwards and a query in
  Greek must still find Greek. Search folds every indexed field and every keystroke,
  so it stays this small and returns ASCII input untouched.
* :func:`fold_text` is :func:`fold` taken all the way to ASCII words: LaTeX commands
  dropped (``{\\"u}`` → ``u``, ``{\\ss}`` → ``ss``), every run of anything but
  ``a-z0-9`` made one space. Citation keys are built from it, and duplicate
  detection compares titles and surnames with it.

:func:`surname` is the one reading of an author name: the first-author column,
citation keys and duplicate detection all take the surname from it.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that NFKD does not decompose, spelled the way people type them in ASCII.
SPECIAL_LETTERS: dict[str, str] = {
    "ß": "ss",
    "ẞ": "SS",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "ħ": "h",
    "Ħ": "H",
    "ŧ": "t",
    "Ŧ": "T",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ı": "i",
    "þ": "th",
    "Þ": "TH",
    "’": "'",
}
_SPECIAL = str.maketrans(SPECIAL_LETTERS)
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")

# LaTeX commands that stand for a letter (``{\ss}``, ``{\o}``): kept as that letter.
_LATEX_LETTERS = {
    "ss": "ss",
    "SS": "SS",
    "o": "o",
    "O": "O",
    "l": "l",
    "L": "L",
    "ae": "ae",
    "AE": "AE",
    "oe": "oe",
    "OE": "OE",
    "aa": "a",
    "AA": "A",
    "i": "i",
    "j": "j",
    "dh": "d",
    "DH": "D",
    "dj": "d",
    "DJ": "D",
    "th": "th",
    "TH": "TH",
}
_LATEX_LETTER = re.compile(
    r"\\(" + "|".join(sorted(_LATEX_LETTERS, key=len, reverse=True)) + r")(?![A-Za-z])\s*"
)
_LATEX_COMMAND = re.compile(r"\\[a-zA-Z]+\s*|\\.")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def strip_accents(text: str) -> str:
    """Remove diacritics but keep case, and spell out the letters without a
    decomposition (``ß`` → ``ss``)."""
    if text.isascii():
        return text
    # After NFKD, so that letters built on a special one (Ǽ = Æ + ´) are spelled out too.
    return _MARKS.sub("", unicodedata.normalize("NFKD", text).translate(_SPECIAL))


def fold(text: str) -> str:
    """Lower-case, accent-free form used by search for every comparison."""
    return strip_accents(text).lower()


def fold_text(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: LaTeX, accents, punctuation gone.

    ``{ELA}: Efficient`` and ``ELA - efficient`` fold alike (duplicate detection);
    ``Großmann`` folds to ``grossmann`` (citation keys).
    """
    if "\\" in text:
        text = _LATEX_LETTER.sub(lambda m: _LATEX_LETTERS[m[1]], text)
        text = _LATEX_COMMAND.sub("", text)
    if "{" in text or "}" in text:  # LaTeX grouping, not a word boundary: M{u}ller
        text = text.replace("{", "").replace("}", "")
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).translate(_SPECIAL)
        text = text.encode("ascii", "ignore").decode("ascii")
    return _NON_WORD.sub(" ", text.lower()).strip()


def surname(author: str) -> str:
    """The surname of a stored name, as written: ``"Vaswani, Ashish"`` → ``Vaswani``,
    ``"Ashish Vaswani"`` → ``Vaswani``, and a braced institution is one surname:
    ``"{ACME Corp}"`` → ``ACME Corp``."""
    author = author.strip()
    if len(author) > 1 and author[0] == "{" and author[-1] == "}":
        return author[1:-1].strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    parts = author.split()
    return parts[-1] if parts else ""


def surname_key(author: str) -> str:
    """The surname folded into one ASCII word (``{ACME Corp}`` → ``acmecorp``): what
    citation keys start with and what duplicate detection compares."""
    return fold_text(surname(author)).replace(" ", "")
