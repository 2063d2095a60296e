"""The citation keys a manuscript uses: ``.tex``, ``.aux`` and Markdown (SPEC §7).

The ``\\cite`` scan is linear in the size of the file. A single regular expression
for "a cite command, optional arguments, key groups" backtracks: over the letters of
a long control word (``\\citecitecite…``: every ``cite`` inside is a place to
retry) and over brackets that never close (``\\cite[`` … to the end of the file, for
every ``\\cite``). Here cite commands are found with a pattern that cannot backtrack
(an atomic lookahead, a possessive word), and each argument's closing bracket is
looked up in a sorted list of positions, so no character is scanned more than a
constant number of times.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from .errors import ReadinglistError

__all__ = ["cited_keys"]

# A control word with "cite" in it. The lookahead is atomic and the word is taken
# possessively, so a failed argument scan never comes back to retry inside the word.
_CITE_WORD = re.compile(r"\\(?=[A-Za-z]*[Cc]ite)[A-Za-z]++")
_SPACES = re.compile(r"\s*")
_TEX_COMMENT = re.compile(r"(?<!\\)%.*")
# One line each in an .aux file: a missing brace cannot make the scan run to the end.
_AUX_CITATION = re.compile(r"\\citation\{([^}\n]*)\}")
_AUX_BIBLATEX = re.compile(r"\\abx@aux@cite\{([^}\n]*)\}(?:\{([^}\n]*)\})?")
# pandoc: @key or @{key}, not inside e-mail addresses or URLs (``user@host``, ``/@name``).
_PANDOC_CITE = re.compile(r"(?<![\w@./:+\-])-?@(?:\{([^{}\s]+)\}|(\w(?:[\w:.#$%&+?<>~/\-]*\w)?))")
_CLOSERS = {"[": "]", "(": ")", "{": "}"}
TEX_SUFFIXES = (".tex", ".ltx", ".latex", ".sty", ".cls", ".bbx", ".cbx")


class _Closers:
    """Where the next ``]``, ``)`` or ``}`` at or after a position is, in O(log n)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._positions: dict[str, list[int]] = {}

    def after(self, opener: str, start: int) -> int:
        closer = _CLOSERS[opener]
        positions = self._positions.get(closer)
        if positions is None:
            positions = [m.start() for m in re.finditer(re.escape(closer), self._text)]
            self._positions[closer] = positions
        at = bisect.bisect_left(positions, start)
        return positions[at] if at < len(positions) else -1


def _skip_spaces(text: str, pos: int) -> int:
    match = _SPACES.match(text, pos)
    return match.end() if match else pos


def _cite_arguments(text: str, pos: int, closers: _Closers) -> tuple[list[str], int] | None:
    """Key groups of a cite command whose name ends at ``pos``, and where they end.

    The shape: optional ``[..]``/``(..)`` arguments, one ``{keys}``, then more
    ``[..]...{keys}`` pairs (biblatex's ``\\cites[1]{a}[2]{b}``). Brackets do not
    nest, as in LaTeX's own optional-argument scan.
    """
    if text.startswith("*", pos):
        pos += 1
    while True:  # leading optional arguments
        at = _skip_spaces(text, pos)
        if at < len(text) and text[at] in "[(":
            end = closers.after(text[at], at + 1)
            if end < 0:
                return None
            pos = end + 1
            continue
        break
    if not text.startswith("{", at):
        return None
    end = closers.after("{", at + 1)
    if end < 0:
        return None
    groups = [text[at + 1 : end]]
    pos = end + 1
    while True:  # more [..]{keys} pairs
        at = _skip_spaces(text, pos)
        while text.startswith("[", at):
            end = closers.after("[", at + 1)
            if end < 0:
                return groups, pos
            at = end + 1
        at = _skip_spaces(text, at)
        if not text.startswith("{", at):
            return groups, pos
        end = closers.after("{", at + 1)
        if end < 0:
            return groups, pos
        groups.append(text[at + 1 : end])
        pos = end + 1


def _split_keys(text: str) -> list[str]:
    return [k.strip() for k in text.split(",") if k.strip() and k.strip() != "*"]


def tex_keys(text: str) -> list[tuple[int, str]]:
    """(offset, key) for every key of every ``\\cite``-family command, in order."""
    found: list[tuple[int, str]] = []
    closers = _Closers(text)
    resume = 0
    for match in _CITE_WORD.finditer(text):
        if match.start() < resume:
            continue
        parsed = _cite_arguments(text, match.end(), closers)
        if parsed is None:
            continue
        groups, resume = parsed
        for group in groups:
            found.extend((match.start(), key) for key in _split_keys(group))
    return found


def _aux_keys(text: str) -> list[str]:
    found: list[tuple[int, str]] = []
    for match in _AUX_CITATION.finditer(text):
        found.extend((match.start(), k) for k in _split_keys(match.group(1)))
    for match in _AUX_BIBLATEX.finditer(text):
        key = match.group(2) if match.group(2) is not None else match.group(1)
        found.extend((match.start(), k) for k in _split_keys(key))
    return [k for _, k in sorted(found, key=lambda item: item[0])]


def _pandoc_keys(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(1) or m.group(2)) for m in _PANDOC_CITE.finditer(text)]


def keys_in_text(text: str, suffix: str) -> list[str]:
    """The keys cited in ``text`` read as a file with ``suffix``, first use first."""
    suffix = suffix.lower()
    if suffix == ".aux":
        keys = _aux_keys(text)
    elif suffix in TEX_SUFFIXES:
        keys = [k for _, k in tex_keys(_TEX_COMMENT.sub("", text))]
    else:  # Markdown and friends: pandoc citations, and raw LaTeX ones pandoc passes on
        keys = [k for _, k in sorted(tex_keys(text) + _pandoc_keys(text), key=lambda f: f[0])]
    return list(dict.fromkeys(keys))


def cited_keys(path: Path) -> list[str]:
    """Citation keys used in a ``.tex``, ``.aux`` or Markdown file, first use first.

    ``.tex`` files are read for ``\\cite``-family commands (natbib, biblatex, with
    optional ``[...]`` arguments and comma lists), ``.aux`` files for ``\\citation``
    and biblatex's ``\\abx@aux@cite``, anything else for pandoc ``[@key]``/``@key``
    as well as LaTeX commands. A file that cannot be read is a one-line error.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise ReadinglistError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise ReadinglistError(f"cannot read {path}: it is a directory") from None
    except OSError as exc:
        raise ReadinglistError(f"cannot read {path}: {exc.strerror or exc}") from None
    return keys_in_text(text, path.suffix)
