"""``python -m benchmarks.matching CORPUS.bib[.gz]``: title verification and
identifier recognition measured on a real bibliography.

Title verification (what ``resolve`` applies without asking):

- *found*: each sampled paper, given its own title and the first 60 % of its abstract
  (listings cut abstracts short), against itself plus the four corpus papers with
  the closest titles — it must be a ``match`` on itself;
- *absent*: the same, with the paper itself removed — anything but a ``match`` is
  right; a ``match`` here would be applied to the wrong paper.

Identifier recognition: every ``doi``, ``url`` and arXiv id in the corpus through
:func:`parse_identifier`, counted by kind; a DOI must never come out as an arXiv id
(except arXiv's own ``10.48550/arXiv.*`` DOIs).

Prints a table; timings are per call (median, p95, p99, max). With ``--check`` (run
by ``.ci/run`` when the shared corpus is present) the exit status is 1 if a DOI is
read as an arXiv id or fewer than 97 % of the *found* papers are matched.

A *match* in the *absent* column is listed for inspection: in this corpus they are
the same work under an edited title (workshop and conference versions), which
``resolve`` is meant to accept.
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from readinglist.core.importers import parse_text
from readinglist.core.model import Paper
from readinglist.core.services.identifiers import IdentifierError, parse_identifier
from readinglist.core.services.matching import abstract_overlap, classify, normalise_title
from readinglist.core.services.metadata import Metadata


def _quantiles(values: Sequence[float]) -> str:
    ordered = sorted(values)
    if not ordered:
        return "-"

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return (
        f"median {statistics.median(ordered) * 1e6:.0f} µs, p95 {at(0.95) * 1e6:.0f}, "
        f"p99 {at(0.99) * 1e6:.0f}, max {ordered[-1] * 1e6:.0f}"
    )


def _meta(paper: Paper) -> Metadata:
    return Metadata(source="corpus", title=paper.title, abstract=paper.abstract)


def _load(path: Path) -> list[Paper]:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return parse_text(raw.decode("utf-8"), "bibtex", path.name).papers


def bench_titles(
    papers: list[Paper], sample: int, seed: int, problems: list[str]
) -> list[tuple[str, str]]:
    from rapidfuzz import fuzz, process

    with_abstract = [p for p in papers if len(p.abstract.split()) >= 40 and p.title.strip()]
    titles = [normalise_title(p.title) for p in with_abstract]
    rng = random.Random(seed)
    chosen = rng.sample(range(len(with_abstract)), min(sample, len(with_abstract)))
    found = Counter[str]()
    absent = Counter[str]()
    timings: list[float] = []
    wrong: list[str] = []
    duplicates = 0
    for index in chosen:
        paper = with_abstract[index]
        near = process.extract(titles[index], titles, scorer=fuzz.ratio, limit=8)
        others = []
        for _, _, i in near:
            if i == index:
                continue
            if titles[i] == titles[index] and (
                (abstract_overlap(paper.abstract, with_abstract[i].abstract) or 0) >= 0.9
            ):
                duplicates += 1  # the same work listed twice (workshop and conference)
                continue
            others.append(with_abstract[i])
        others = others[:4]
        words = paper.abstract.split()
        listed_abstract = " ".join(words[: int(len(words) * 0.6)]) + "…"
        candidates = [_meta(paper), *(_meta(o) for o in others)]
        started = time.perf_counter()
        verdict, best = classify(paper.title, listed_abstract, candidates)
        timings.append(time.perf_counter() - started)
        ok = verdict == "match" and best[0].meta.title == paper.title
        found["match (right)" if ok else verdict] += 1
        verdict, best = classify(paper.title, listed_abstract, [_meta(o) for o in others])
        absent[verdict] += 1
        if verdict == "match":
            wrong.append(f"{paper.title!r} -> {best[0].meta.title!r} ({best[0].describe()})")
    total = len(chosen)
    if total and found["match (right)"] < 0.97 * total:
        problems.append(f"only {found['match (right)']} of {total} found papers matched")
    rows = [
        ("sampled papers (with abstracts)", str(total)),
        ("near titles left out as the same work", str(duplicates)),
        ("found: " + ", ".join(f"{k} {v}" for k, v in found.most_common()), ""),
        ("absent: " + ", ".join(f"{k} {v}" for k, v in absent.most_common()), ""),
        ("absent but matched (listed below)", f"{absent['match']} of {total}"),
        ("classify, 5 candidates", _quantiles(timings)),
    ]
    return rows + [("  matched", w) for w in wrong[:10]]


def bench_identifiers(papers: list[Paper], problems: list[str]) -> list[tuple[str, str]]:
    kinds = Counter[str]()
    failures = Counter[str]()
    misread: list[str] = []
    timings: list[float] = []
    for paper in papers:
        for field, value in (("doi", paper.doi), ("url", paper.url), ("arxiv", paper.arxiv)):
            if not value:
                continue
            started = time.perf_counter()
            try:
                ident = parse_identifier(value)
            except IdentifierError:
                timings.append(time.perf_counter() - started)
                failures[field] += 1
                continue
            timings.append(time.perf_counter() - started)
            kinds[f"{field} -> {ident.kind}"] += 1
            if (
                field == "doi"
                and ident.kind == "arxiv"
                and not value.lower().startswith("10.48550/")
            ):
                misread.append(value)
    if misread:
        problems.append(f"{len(misread)} DOIs read as arXiv ids, e.g. {misread[0]!r}")
    rows = [(name, str(count)) for name, count in sorted(kinds.items())]
    rows += [(f"{field}: not an identifier", str(n)) for field, n in sorted(failures.items())]
    rows.append(("DOIs read as arXiv ids", str(len(misread))))
    rows.append(("parse_identifier", _quantiles(timings)))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.matching")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--check", action="store_true", help="exit 1 on a quality problem")
    args = parser.parse_args(argv)
    problems: list[str] = []
    started = time.perf_counter()
    papers = _load(args.corpus)
    print(f"{args.corpus}: {len(papers)} papers loaded in {time.perf_counter() - started:.1f} s")
    for title, rows in (
        ("title verification", bench_titles(papers, args.sample, args.seed, problems)),
        ("identifier recognition", bench_identifiers(papers, problems)),
    ):
        print(f"\n{title}")
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            print(f"  {name:<{width}}  {value}")
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
