"""Lossless BibTeX, checked on real ``.bib`` files: ``python -m benchmarks.bibcheck DIR``.

For every ``.bib`` file under DIR (recursively) it imports the file into a fresh
library, exports every paper, and proves:

* **keys**: every entry key of the file is in the export;
* **render**: classic ``bibtex`` with ``plain.bst`` renders every entry of the export
  exactly as it renders the original (both runs cite ``*``; the ``.bbl`` items are
  compared key by key, after joining lines, since bibtex re-wraps them). An entry
  switched off with ``%@article{...`` is left out of the original's run: bibtex alone
  reads it as an entry, biber and the import do not;
* **biber**: ``biber --tool --validate-datamodel`` reports no error on the export that
  it does not report on the original;
* **stable**: import → export → import → export gives the same bytes the second time
  as the first.

An entry the import could read only after a repair (braces that do not pair up, as
BibTeX counts them) is named in the ``fix`` column and left out of the render
comparison: bibtex misreads the original there, the export is the repaired entry.

It prints one row per file and a summary, and exits 1 if any check failed on any
file (``--json`` prints the rows as JSON). ``bibtex`` and ``biber`` must be installed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from readinglist.core.errors import ReadinglistError

_BIBITEM = re.compile(r"\\bibitem(?:\[[^\]]*\])?\{([^}]*)\}")
_LOCATION = re.compile(r"\S*\.(?:bib|utf8)|,? line \d+")
_COMMENTED_ENTRY = re.compile(r"%[^\n@]*@[^\n]*")
_ERROR_KEY = re.compile(r"entry '([^']*)'", re.IGNORECASE)
_ENTRY_KEY = re.compile(r"@\s*([A-Za-z]+)\s*[({]\s*([^,\s]*)\s*,")


@dataclass
class FileReport:
    file: str
    entries: int = 0  # entry keys in the original
    papers: int = 0  # papers in the library after the import
    failed: int = 0  # entries the import reported as broken
    repaired: list[str] = field(default_factory=list)  # keys read after a repair
    missing_keys: list[str] = field(default_factory=list)
    rendered: int = 0  # bbl items in the original
    render_differs: list[str] = field(default_factory=list)
    new_biber_errors: list[str] = field(default_factory=list)
    stable: bool = False
    seconds: float = 0.0
    error: str = ""

    @property
    def ok(self) -> bool:
        return (
            not self.error
            and not self.missing_keys
            and not self.render_differs
            and not self.new_biber_errors
            and self.stable
        )


def entry_keys(text: str) -> list[str]:
    """Keys of the entries in a .bib text (not @string/@preamble/@comment)."""
    return [key for key, _ in entry_lines(text)]


def entry_lines(text: str) -> list[tuple[str, int]]:
    """(key, 1-based line) of the entries in a .bib text."""
    return [
        (m.group(2), text.count("\n", 0, m.start(2)) + 1)
        for m in _ENTRY_KEY.finditer(text)
        if m.group(1).lower() not in ("string", "preamble", "comment")
    ]


def bbl_items(bib: Path, workdir: Path) -> dict[str, str]:
    """Run bibtex with plain.bst citing every entry of ``bib``: key → rendered item."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(bib, workdir / "refs.bib")
    (workdir / "doc.aux").write_text(
        "\\relax\n\\citation{*}\n\\bibdata{refs}\n\\bibstyle{plain}\n", encoding="utf-8"
    )
    subprocess.run(["bibtex", "doc"], cwd=workdir, capture_output=True, timeout=600, check=False)
    bbl = workdir / "doc.bbl"
    if not bbl.exists():
        return {}
    text = bbl.read_text(encoding="utf-8", errors="replace")
    items: dict[str, str] = {}
    matches = list(_BIBITEM.finditer(text))
    for match, following in zip(matches, [*matches[1:], None], strict=False):
        end = following.start() if following else text.find("\\end{thebibliography}")
        body = text[match.end() : end if end >= 0 else len(text)]
        items[match.group(1)] = " ".join(body.split())
    return items


def biber_errors(bib: Path, workdir: Path) -> list[str]:
    """``biber --tool --validate-datamodel`` ERROR lines, without file names and line
    numbers (an export's lines are not the original's)."""
    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / "input.bib"  # (biber writes its .blg beside its input)
    shutil.copyfile(bib, source)
    done = subprocess.run(
        [
            "biber",
            "--tool",
            "--validate-datamodel",
            "--output-file",
            str(workdir / "tool.bib"),
            str(source),
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=1200,
        check=False,
    )
    output = done.stdout + done.stderr
    errors = [
        _LOCATION.sub("", line.split(" - ", 1)[-1])
        for line in output.splitlines()
        if "ERROR - " in line and "ERRORS:" not in line  # (not the closing count)
    ]
    # A biber that never read the file must not pass as "no errors".
    if "Found BibTeX data source" not in output or (done.returncode and not errors):
        errors.append(f"biber did not finish reading the file (exit {done.returncode})")
    return errors


def new_biber_errors(original: Path, exported: Path, workdir: Path) -> list[str]:
    """biber errors in the export that the original does not have. An error about an
    entry counts only if biber read that entry in the original without one: a repair
    can let biber reach entries (and their old problems) it gave up on before."""
    new = Counter(biber_errors(exported, workdir / "biber-export"))
    if not new:  # (biber is the slow part: the original is run only when needed)
        return []
    old = Counter(biber_errors(original, workdir / "biber-original"))
    tool = workdir / "biber-original" / "tool.bib"
    read_cleanly = (
        set(entry_keys(tool.read_text(encoding="utf-8", errors="replace")))
        - {key for error in old for key in _ERROR_KEY.findall(error)}
        if tool.exists()
        else set()
    )
    return sorted(
        error
        for error in (new - old).elements()
        if not (keys := _ERROR_KEY.findall(error)) or any(k in read_cleanly for k in keys)
    )


@dataclass
class RoundTrip:
    text: str
    papers: int
    failed: int
    repaired: list[str]  # keys of entries the import could read only after a repair


def import_and_export(source: Path, workdir: Path, name: str) -> RoundTrip:
    """Import ``source`` into a fresh library and export it all."""
    from readinglist.core.bibtex import export_library
    from readinglist.core.importers import parse_file
    from readinglist.core.library import Library

    db = workdir / f"{name}.json"
    library = Library.open(db)
    result = parse_file(source, "bibtex")
    library.import_parsed(result)
    text = export_library(library, library.newest_first())
    lines = {f.line for f in result.repaired}
    repaired = [
        k
        for k, line in entry_lines(source.read_text(encoding="utf-8-sig", errors="replace"))
        if line in lines
    ]
    return RoundTrip(text, len(library), len(result.failures), repaired)


def check_file(path: Path, workdir: Path) -> FileReport:
    report = FileReport(str(path))
    start = time.perf_counter()
    try:
        original = path.read_text(encoding="utf-8-sig", errors="replace")
        keys = entry_keys(original)
        report.entries = len(keys)
        trip = import_and_export(path, workdir, "first")
        first, report.papers, report.failed = trip.text, trip.papers, trip.failed
        report.repaired = trip.repaired
        exported = workdir / "export.bib"
        exported.write_text(first, encoding="utf-8")
        have = set(entry_keys(first))
        # (An entry without a key cannot be cited: it gets one made, nothing is lost.)
        report.missing_keys = [k for k in dict.fromkeys(keys) if k and k not in have]
        # bibtex reads "%@article{..." as an entry; biber, the file's author and the
        # import do not: the reference rendering is of the file without those lines.
        reference = workdir / "original.bib"
        reference.write_text(_COMMENTED_ENTRY.sub("%", original), encoding="utf-8")
        before = bbl_items(reference, workdir / "bibtex-original")
        after = bbl_items(exported, workdir / "bibtex-export")
        report.rendered = len(before)
        # An entry the import had to repair (its braces do not pair up) is broken for
        # bibtex too, which renders it wrong; it is named by the import, not compared.
        repaired = set(report.repaired)
        report.render_differs = [
            k for k, item in before.items() if k and k not in repaired and after.get(k) != item
        ]
        if first:  # (a file of @strings only exports nothing to validate)
            report.new_biber_errors = new_biber_errors(path, exported, workdir)
        report.stable = not first or _stable(exported, workdir)  # (a file of @strings only)
    except ReadinglistError as exc:
        report.error = str(exc)
    report.seconds = time.perf_counter() - start
    return report


def _stable(exported: Path, workdir: Path) -> bool:
    """Importing the export and exporting again gives the same bytes."""
    return import_and_export(exported, workdir, "second").text == exported.read_text(
        encoding="utf-8"
    )


def _row(report: FileReport, root: Path) -> str:
    name = str(Path(report.file).relative_to(root))
    if report.error:
        return f"{name:<40} ERROR {report.error}"
    marks = "ok" if report.ok else "FAIL"
    return (
        f"{name:<40} {report.entries:>6} {report.papers:>6} {report.failed:>4} "
        f"{len(report.repaired):>4} "
        f"{len(report.missing_keys):>6} {report.rendered:>6} {len(report.render_differs):>6} "
        f"{len(report.new_biber_errors):>5} {'yes' if report.stable else 'NO':>6} "
        f"{report.seconds:>6.1f}  {marks}"
    )


def _check_in_temp(path: Path) -> FileReport:
    with tempfile.TemporaryDirectory(prefix="bibcheck-") as tmp:
        return check_file(path, Path(tmp))


def _show(report: FileReport, args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps(asdict(report)), flush=True)
        return
    print(_row(report, args.directory), flush=True)
    if args.verbose and not report.ok:
        for key in report.repaired[:20]:
            print(f"    repaired on import: {key}")
        for key in report.missing_keys[:20]:
            print(f"    lost key {key}")
        for key in report.render_differs[:20]:
            print(f"    renders differently: {key}")
        for line in report.new_biber_errors[:20]:
            print(f"    new biber error: {line}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bibcheck")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--json", action="store_true", help="one JSON object per file")
    parser.add_argument("--verbose", action="store_true", help="list every differing key")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="files at once")
    args = parser.parse_args(argv)
    for tool in ("bibtex", "biber"):
        if shutil.which(tool) is None:
            print(f"bibcheck: {tool} is not installed (apt-get install biber)", file=sys.stderr)
            return 2
    files = sorted(args.directory.rglob("*.bib"))
    if not files:
        print(f"bibcheck: no .bib files under {args.directory}", file=sys.stderr)
        return 2
    reports = []
    if not args.json:
        print(f"{'file':<40} {'keys':>6} {'papers':>6} {'bad':>4} {'fix':>4} {'lost':>6} "
              f"{'items':>6} {'differ':>6} {'biber':>5} {'stable':>6} {'s':>6}")  # fmt: skip
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for report in pool.map(_check_in_temp, files):
            reports.append(report)
            _show(report, args)
    failed = [r for r in reports if not r.ok]

    if not args.json:
        total = sum(r.entries for r in reports)
        lost = sum(len(r.missing_keys) for r in reports)
        differ = sum(len(r.render_differs) for r in reports)
        items = sum(r.rendered for r in reports)
        print(
            f"\n{len(reports)} files, {total} entry keys: {lost} lost, "
            f"{sum(len(r.repaired) for r in reports)} repaired on import, "
            f"{differ} of {items} rendered entries differ, "
            f"{sum(len(r.new_biber_errors) for r in reports)} new biber errors, "
            f"{sum(not r.stable for r in reports)} files not stable; "
            f"{len(failed)} files failed"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
