"""``edit`` on real ``.bib`` files: ``python -m benchmarks.editcheck DIR``.

``readinglist edit`` writes a paper with the exporter, reads the edited entry back
with the importer, and saves only the fields whose parsed value changed. For every
entry of every ``.bib`` file under DIR this checks the premise, by editing the text as
a person would: changing the year line, adding a field, adding a keyword. Each edit
must give a change of that one field and nothing else.

It prints one row per file and exits 1 if any edit would save a change nobody made.
Entries the exporter writes in a form the importer cannot read back are counted
(``edit`` refuses those with an error and changes nothing).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from readinglist.core.bibtex import export_bibtex
from readinglist.core.changes import Change
from readinglist.core.editform import EditError, change_between, parse_entry
from readinglist.core.errors import ReadinglistError
from readinglist.core.importers import parse_file
from readinglist.core.model import BibFile, Paper

_YEAR_LINE = re.compile(r"^  year = (.*?)(,?)$", re.MULTILINE)
_KEYWORDS = re.compile(r"^  keywords = ([{\"])", re.MULTILINE)
# The entry's first line (the export may start with @preamble and @string blocks).
_ENTRY_LINE = re.compile(r"^@(?!string|preamble|comment)\w+\{[^\n]*\n", re.MULTILINE | re.I)


def _add_keyword(text: str, word: str) -> str | None:
    """``text`` with ``word`` added to its braced or quoted keywords value (None when
    that value is a macro, which a person would not edit this way)."""
    found = _KEYWORDS.search(text)
    if found is None:
        return _insert_field(text, f"keywords = {{{word}}}")
    depth, at = 0, found.end()
    while at < len(text):
        char = text[at]
        if char == "\\":
            at += 2
            continue
        if found[1] == '"' and char == '"' and depth == 0:
            break
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
        at += 1
    else:
        return None
    return f"{text[:at]}, {word}{text[at:]}"


def _insert_field(text: str, line: str) -> str:
    found = _ENTRY_LINE.search(text)
    assert found is not None, text
    return f"{text[: found.end()]}  {line},\n{text[found.end() :]}"


def _edits(text: str, written: Paper) -> list[tuple[str, str, Callable[[Change], bool]]]:
    """(what, edited text, is the change right) for three edits a person might make."""
    year = (written.year or 1999) + 1
    if _YEAR_LINE.search(text):
        with_year = _YEAR_LINE.sub(lambda m: f"  year = {{{year}}}{m[2]}", text, count=1)
    else:
        with_year = _insert_field(text, f"year = {{{year}}}")
    # A year that was not a number ("1978a") was kept as a BibTeX field; a number
    # typed over it replaces that field.
    extra_year = {"year": None} if "year" in written.extra else {}
    with_tag = _add_keyword(text, "zzcheck")
    edits: list[tuple[str, str, Callable[[Change], bool]]] = [
        ("year", with_year, lambda c: dict(c.fields) == {"year": year}
         and dict(c.extra) == extra_year and not c.add_tags and not c.remove_tags),
        ("field", _insert_field(text, "zzfield = {checked}"),
         lambda c: dict(c.extra) == {"zzfield": "checked"} and _only(c, "extra")),
    ]  # fmt: skip
    if with_tag is not None:
        edits.append(("keyword", with_tag,
                      lambda c: c.add_tags == ("zzcheck",) and _only(c, "add_tags")))  # fmt: skip
    return edits


def _only(change: Change, part: str) -> bool:
    parts = {"fields": change.fields, "extra": change.extra, "add_tags": change.add_tags,
             "remove_tags": change.remove_tags}  # fmt: skip
    return not any(value for name, value in parts.items() if name != part)


def check_file(path: Path) -> tuple[int, list[str], list[str]]:
    """Entries checked, edits that gave a change nobody made, entries that cannot be edited."""
    result = parse_file(path, "bibtex")
    papers = result.papers
    # The file's macros and preambles, as a library keeps them for export.
    bibfiles = {result.source: BibFile(result.source, tuple(result.preambles), result.strings)}
    spurious: list[str] = []
    unreadable: list[str] = []
    for paper in papers:
        paper = replace(paper, key=paper.key or "entry")
        text = export_bibtex([paper], bibfiles=bibfiles)
        try:
            written = parse_entry(text)
            if not _only(change_between(written, parse_entry(text)), ""):
                spurious.append(f"{paper.key}: unedited, yet a change")
                continue
            for what, edited, right in _edits(text, written):
                change = change_between(written, parse_entry(edited))
                if not right(change):
                    spurious.append(f"{paper.key}: a {what} edit became {change}")
        except EditError as exc:
            unreadable.append(f"{paper.key}: {exc}")
    return len(papers), spurious, unreadable


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m benchmarks.editcheck DIR", file=sys.stderr)
        return 2
    total = failed = 0
    print(f"{'file':<44} {'entries':>8} {'spurious':>9} {'unreadable':>11}")
    for path in sorted(Path(args[0]).rglob("*.bib")):
        try:
            count, spurious, unreadable = check_file(path)
        except ReadinglistError as exc:
            print(f"{path.name:<44} skipped: {exc}")
            continue
        total += count
        failed += len(spurious)
        print(f"{path.name[:44]:<44} {count:>8} {len(spurious):>9} {len(unreadable):>11}")
        for line in spurious[:3] + unreadable[:3]:
            print(f"    {line[:150]}")
    print(f"{total} entries, {failed} with a change nobody made")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
