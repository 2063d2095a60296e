"""Inputs a user may really hand over, built to size: a long thesis, a broken ``.tex``,
a ``.bib`` of chained ``@string``\\ s. ``benchmarks.inputs`` times them; the tests check
their results."""

from __future__ import annotations

__all__ = ["HOSTILE", "chained_strings_bib", "hostile_tex", "thesis_tex"]

_SENTENCE = (
    "the model attention learns a representation of each token from its context and "
    "we show that this improves results on several benchmarks"
)
_WORDS = _SENTENCE.split(" ")


def thesis_tex(size: int) -> str:
    """A LaTeX text of about ``size`` characters with a citation every ~300."""
    out: list[str] = []
    length = 0
    n = 0
    while length < size:
        words = " ".join(_WORDS[(n + i) % len(_WORDS)] for i in range(40))
        cite = (
            f"\\citep[see][p.~{n % 90}]{{key{n},other{n % 7}}}"
            if n % 3
            else f"\\textcite{{key{n}}}"
        )
        line = f"{words.capitalize()} {cite}. % a comment \\cite{{gone{n}}}\n"
        out.append(line)
        length += len(line)
        n += 1
    return "".join(out)


def hostile_tex(kind: str, size: int) -> str:
    """Shapes that made the old single-regex scan backtrack."""
    if kind == "\\citecite… (one long control word)":
        return "\\" + "cite" * (size // 4)
    if kind == "\\cite[ never closed":
        return ("\\cite[" + "x" * 8 + " ") * (size // 15)
    if kind == "\\cite{ never closed":
        return ("\\cite{" + "a" * 8 + " ") * (size // 15)
    raise ValueError(kind)


HOSTILE = ("\\citecite… (one long control word)", "\\cite[ never closed", "\\cite{ never closed")


def chained_strings_bib(levels: int = 25) -> str:
    """``@string{s1 = s0 # s0}`` … : each level doubles (8 bytes × 2^24 = 134 MB)."""
    lines = ['@string{s0 = "abcdefgh"}']
    lines += [f"@string{{s{i} = s{i - 1} # s{i - 1}}}" for i in range(1, levels)]
    lines.append(f"@article{{boom, title = s{levels - 1} # s1, year = 2020}}")
    lines.append("@article{fine, title = {Still Imported}, year = 2021}")
    return "\n".join(lines) + "\n"
