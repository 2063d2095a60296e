"""Write synthetic papers as a ``.bib`` file that every reference manager can read.

The writer is deliberately independent of :mod:`readinglist.core.bibtex`: the
import benchmark must not be fed by our own exporter, and the peers (coBib, papis,
pubs) get the very same file. It looks like a file exported from a real manager:
UTF-8 names with, for one entry in four, LaTeX accent commands instead
(``M{\\"u}ller``), braced acronyms in titles, abstracts, keywords, DOIs and URLs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

from readinglist.core.model import Paper

__all__ = ["bib_entry", "bib_text", "write_bib"]

# Combining mark → the LaTeX accent command that spells it.
_ACCENTS = {
    "\u0300": "`",
    "\u0301": "'",
    "\u0302": "^",
    "\u0303": "~",
    "\u0308": '"',
    "\u030a": "r",
    "\u030c": "v",
    "\u0327": "c",
}
_ESCAPE = str.maketrans({"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_"})


def _latex_accents(text: str) -> str:
    """``Müller`` → ``M{\\"u}ller``; characters without a plain accent stay Unicode."""
    out: list[str] = []
    for char in text:
        if char.isascii():
            out.append(char)
            continue
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        if len(marks) == 1 and base.isascii() and marks[0] in _ACCENTS:
            command = _ACCENTS[marks[0]]
            out.append(
                f"{{\\{command}{{{base}}}}}" if command.isalpha() else f"{{\\{command}{base}}}"
            )
        else:
            out.append(char)
    return "".join(out)


def _protect(title: str) -> str:
    """Brace words with inner capitals (``{ELA}``, ``{HiCMAE}``) as real files do."""
    words = []
    for word in title.split(" "):
        core = word.rstrip(":,")
        if any(c.isupper() for c in core[1:]):
            word = "{" + core + "}" + word[len(core) :]
        words.append(word)
    return " ".join(words)


def bib_entry(paper: Paper, index: int) -> str:
    """One ``@article`` entry for ``paper``; ``index`` picks the variations."""
    names = " and ".join(paper.authors)
    if index % 4 == 3:
        names = _latex_accents(names)
    key = paper.key or f"paper{index}"
    fields = [
        ("author", names),
        ("title", _protect(paper.title.translate(_ESCAPE))),
        ("journal", ("Transactions on Synthetic Learning", "Proc. of SynthConf")[index % 2]),
        ("year", str(paper.year) if paper.year else ""),
        ("doi", f"10.5555/synth.{index:07d}" if index % 3 else ""),
        ("url", paper.code_url),
        ("keywords", ", ".join(paper.tags)),
        ("abstract", paper.abstract.translate(_ESCAPE)),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@article{{{key},\n{body}\n}}\n"


def bib_text(papers: Sequence[Paper]) -> str:
    """The whole file as text, entries separated by blank lines."""
    header = "% Synthetic library written for readinglist's tests and benchmarks.\n\n"
    return header + "\n".join(bib_entry(p, i) for i, p in enumerate(papers))


def write_bib(papers: Sequence[Paper], path: Path) -> Path:
    """Write ``papers`` to ``path`` (UTF-8) and return the path."""
    path.write_text(bib_text(papers), encoding="utf-8")
    return path
