"""Export "Update" on real ``.bib`` files: everything but the replaced entries stays byte
for byte.

For each file: import it, change a few of its papers (a tag, a note field), export
them together with one new paper, and splice the export into the file's text with
:func:`~readinglist.core.bibupdate.update_bibtex`. Then check that cutting the
replaced entries out of the old and the new text leaves the same bytes (apart from
the new entry appended at the end), and that the file reads back with the same
failures and one entry more. Prints a table; ``--check`` exits 1 on any mismatch.

    python -m benchmarks.updatecheck DIR --check     # a folder of .bib files
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from readinglist.core.bibtex import export_bibtex
from readinglist.core.bibupdate import _spans, update_bibtex
from readinglist.core.importers.bibtex import parse_bibtex
from readinglist.core.model import Paper

NEW = Paper(title="A Paper the File Does Not Have Yet", key="zzznewpaper2099", year=2099)


def _cut(text: str, keys: set[str]) -> str:
    """``text`` with the first entry of each of ``keys`` cut out (marked)."""
    out: list[str] = []
    cursor = 0
    done: set[str] = set()
    for span in _spans(text):
        if span.key is None or not span.replaceable:
            continue
        folded = span.key.casefold()
        if folded in keys and folded not in done:
            out.append(text[cursor : span.start] + "<entry>")
            cursor = span.end
            done.add(folded)
    return "".join(out) + text[cursor:]


def check_file(path: Path, every: int = 7) -> tuple[int, int, int, bool, float]:
    """(entries, replaced, added, same bytes elsewhere, seconds) for one file."""
    original = path.read_bytes().decode("utf-8", "surrogateescape")
    parsed = parse_bibtex(original)
    papers = parsed.papers[::every][:5]
    changed = [replace(p, tags=(*p.tags, "updated")) for p in papers]
    exported = export_bibtex([*changed, NEW])
    started = time.perf_counter()
    result = update_bibtex(original, exported)
    seconds = time.perf_counter() - started
    replaced = {k.casefold() for k in result.replaced}
    before = _cut(original, replaced)
    after = _cut(result.text, replaced)
    appended = after[len(before) :]
    same = after.startswith(before) and NEW.key in appended and "<entry>" not in appended
    again = parse_bibtex(result.text)
    same = (
        same
        and len(again.failures) == len(parsed.failures)
        and len(again.papers) == len(parsed.papers) + len(result.added)
    )
    return len(parsed.papers), len(result.replaced), len(result.added), same, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder of .bib files (searched recursively)")
    parser.add_argument("--check", action="store_true", help="exit 1 on any mismatch")
    args = parser.parse_args(argv)
    files = sorted(args.folder.rglob("*.bib"))
    if not files:
        print(f"no .bib files under {args.folder}", file=sys.stderr)
        return 2
    bad = 0
    print(f"{'file':<44} {'entries':>7} {'replaced':>8} {'added':>5} {'kept':>4} {'ms':>7}")
    for path in files:
        entries, replaced, added, same, seconds = check_file(path)
        bad += not same
        name = str(path.relative_to(args.folder))[-44:]
        kept = "yes" if same else "NO"
        print(f"{name:<44} {entries:>7} {replaced:>8} {added:>5} {kept:>4} {seconds * 1e3:>7.1f}")
    print(f"{len(files)} files, {bad} with changes outside the replaced entries")
    return 1 if bad and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
