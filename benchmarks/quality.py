"""Ranking quality on a real library: judged queries, ours beside fzf.

``judged_queries.tsv`` (next to this file) holds queries typed the way people
half-remember a paper, each with the title of the paper meant. The intended
papers were drawn at random from a real library (``--sample`` shows how), so the
set is not chosen to suit the engine. For every query this prints where the
intended paper ranks in our results and in ``fzf --filter`` over
"title — authors" lines of the same library::

    python -m benchmarks.quality --db LIBRARY.json [--verbose]
    python -m benchmarks.quality --corpus FILE.bib[.gz]   # imports it first

A paper counts as found when its title equals the intended title (case- and
accent-insensitively): a user cannot tell same-titled papers apart by title.
fzf knows no filters, so ``year:…`` terms are dropped from its query and
``author:NAME`` becomes the plain word ``NAME`` (authors are on its lines).

``--top3 FILE`` writes, and ``--compare-top3 FILE`` compares, the top 3 of the
judged queries of ``tests/test_search_quality.py`` (run from a source checkout):
the check that a ranking change keeps the top 3 of those queries.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from readinglist.core.errors import ReadinglistError
from readinglist.core.model import Paper
from readinglist.core.search import SearchIndex
from readinglist.core.tokens import query_words

JUDGED = Path(__file__).with_name("judged_queries.tsv")
DEPTH = 10  # ranks looked at: top-10 and MRR@10


@dataclass(frozen=True, slots=True)
class Judged:
    """One judged query: its kind, the text as typed, and the paper meant, named by
    :func:`title_id` (the corpus's own text stays out of the repository)."""

    kind: str
    query: str
    title: str  # a title_id


def title_id(title: str) -> str:
    """A short fingerprint of a title: its words, case- and accent-insensitive."""
    return hashlib.sha256(" ".join(query_words(title)).encode("utf-8")).hexdigest()[:16]


def load_judged(path: Path = JUDGED) -> list[Judged]:
    """The judged queries of ``path`` (kind, query and title, tab-separated; # comments)."""
    judged = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise ValueError(f"{path.name}:{number}: expected kind, query and title")
        judged.append(Judged(*(p.strip() for p in parts)))
    return judged


def sample(
    papers: Sequence[Paper], count: int, seed: int = 16, skip: tuple[int, int] | None = None
) -> list[Paper]:
    """The papers to write judged queries for: ``count`` drawn at random with ``seed``,
    leaving out those an earlier draw ``skip`` = (seed, count) picked."""
    picks = random.Random(seed).sample(range(len(papers)), min(count, len(papers)))
    if skip is not None:
        earlier = set(random.Random(skip[0]).sample(range(len(papers)), skip[1]))
        picks = [i for i in picks if i not in earlier]
    return [papers[i] for i in picks]


def _same_title(title: str, wanted: str) -> bool:
    return title_id(title) == wanted


def ranks_ours(index: SearchIndex, judged: Sequence[Judged]) -> list[int | None]:
    """1-based rank of the intended paper in our top DEPTH, None when absent."""
    found: list[int | None] = []
    for item in judged:
        try:
            hits = index.search(item.query, limit=DEPTH)
        except ReadinglistError:
            found.append(None)
            continue
        found.append(
            next(
                (i for i, hit in enumerate(hits, 1) if _same_title(hit.paper.title, item.title)),
                None,
            )
        )
    return found


def fzf_query(query: str) -> str:
    """The query as fzf can take it: filters dropped, ``author:NAME`` as a word."""
    words = []
    for term in query.split():
        name, colon, value = term.partition(":")
        if not colon:
            words.append(term)
        elif name.lower() == "author" and value:
            words.append(value.strip('"'))
    return " ".join(words)


def _line(paper: Paper) -> str:
    authors = ", ".join(paper.authors)
    return " ".join(f"{paper.title} — {authors}".split())


def ranks_fzf(
    papers: Sequence[Paper], judged: Sequence[Judged], fzf: str = "fzf"
) -> list[int | None]:
    """1-based rank of the intended paper in ``fzf --filter``'s output, None when absent."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as lines:
        for i, paper in enumerate(papers):
            lines.write(f"{i}\t{_line(paper)}\n")
        lines.flush()
        found: list[int | None] = []
        for item in judged:
            with open(lines.name, "rb") as source:
                run = subprocess.run(
                    [
                        fzf,
                        "--filter",
                        fzf_query(item.query),
                        "--delimiter",
                        "\t",
                        "--with-nth",
                        "2..",
                    ],
                    stdin=source,
                    capture_output=True,
                    check=False,
                )
            rows = run.stdout.decode("utf-8", "replace").splitlines()[:DEPTH]
            slots = [int(row.split("\t", 1)[0]) for row in rows]
            found.append(
                next(
                    (
                        i
                        for i, slot in enumerate(slots, 1)
                        if _same_title(papers[slot].title, item.title)
                    ),
                    None,
                )
            )
    return found


@dataclass(frozen=True, slots=True)
class Scores:
    """Share of queries with the intended paper at rank 1, in the top 3, in the top 10; MRR@10."""

    top1: float
    top3: float
    top10: float
    mrr: float
    count: int

    @classmethod
    def of(cls, ranks: Sequence[int | None]) -> Scores:
        n = max(1, len(ranks))

        def share(depth: int) -> float:
            return sum(1 for r in ranks if r is not None and r <= depth) / n

        mrr = sum(1 / r for r in ranks if r is not None) / n
        return cls(share(1), share(3), share(10), mrr, len(ranks))


def format_scores(rows: Sequence[tuple[str, Scores]]) -> str:
    """A Markdown table: one row per engine."""
    lines = ["| engine | queries | top-1 | top-3 | top-10 | MRR@10 |", "|---|---|---|---|---|---|"]
    for name, s in rows:
        lines.append(
            f"| {name} | {s.count} | {s.top1:.0%} | {s.top3:.0%} | {s.top10:.0%} | {s.mrr:.3f} |"
        )
    return "\n".join(lines)


def format_kinds(judged: Sequence[Judged], columns: Sequence[tuple[str, list[int | None]]]) -> str:
    """Top-3 share per kind of query, one column per engine."""
    kinds = sorted({j.kind for j in judged})
    head = "| kind | queries | " + " | ".join(f"{name} top-1 / top-3" for name, _ in columns)
    lines = [head + " |", "|---|---|" + "---|" * len(columns)]
    for kind in kinds:
        picked = [i for i, j in enumerate(judged) if j.kind == kind]
        cells = []
        for _, ranks in columns:
            s = Scores.of([ranks[i] for i in picked])
            cells.append(f"{s.top1:.0%} / {s.top3:.0%}")
        lines.append(f"| {kind} | {len(picked)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _open_papers(db: Path | None, corpus: Path | None, keep: Path | None) -> list[Paper]:
    from benchmarks.corpus import import_corpus
    from readinglist.core.library import Library

    if db is None:
        assert corpus is not None
        db = (keep or Path(tempfile.mkdtemp(prefix="readinglist-quality-"))) / "library.json"
        import_corpus(corpus, db)
    return list(Library.open(db).papers)


def top3_snapshot() -> dict[str, list[str]]:
    """Top-3 titles of each judged query of ``tests/test_search_quality.py``, on the
    library those tests build (run from a source checkout)."""
    from tests.synthetic import synthetic_papers

    sys.path.insert(0, str(Path.cwd()))
    try:
        from tests import test_search_quality as quality
    except ImportError as exc:
        raise SystemExit(f"run from a source checkout ({exc})") from None
    synthetic = synthetic_papers(5000, seed=11)
    index = SearchIndex(synthetic[:2500] + quality._real_papers() + synthetic[2500:])
    queries = [query for query, _ in quality._judged_present()]
    return {q: [hit.paper.title for hit in index.search(q, limit=3)] for q in queries}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.quality", description=__doc__.splitlines()[0]
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--db", type=Path, help="an imported library file")
    source.add_argument(
        "--corpus", type=Path, help="a .bib (or .bib.gz) or listing to import first"
    )
    parser.add_argument("--workdir", type=Path, help="keep the imported library here")
    parser.add_argument("--judged", type=Path, default=JUDGED, help="judged queries (TSV)")
    parser.add_argument("--no-fzf", action="store_true", help="rank with ours only")
    parser.add_argument("--verbose", action="store_true", help="list every query and its ranks")
    parser.add_argument("--sample", type=int, metavar="N", help="print N papers drawn for judging")
    parser.add_argument("--seed", type=int, default=16, help="seed of --sample (default 16)")
    parser.add_argument(
        "--skip", metavar="SEED:N", help="with --sample: leave out what --sample N --seed SEED drew"
    )
    parser.add_argument("--top3", type=Path, metavar="FILE", help="write the test queries' top 3")
    parser.add_argument(
        "--compare-top3", type=Path, metavar="FILE", help="compare with --top3 FILE"
    )
    args = parser.parse_args(argv)

    if args.top3 or args.compare_top3:
        now = top3_snapshot()
        if args.top3:
            args.top3.write_text(json.dumps(now, indent=1, ensure_ascii=False), encoding="utf-8")
            print(f"top 3 of {len(now)} queries written to {args.top3}")
        if args.compare_top3:
            before = json.loads(args.compare_top3.read_text(encoding="utf-8"))
            shared = [q for q in now if q in before]
            same = [q for q in shared if now[q] == before[q]]
            as_sets = [q for q in shared if set(now[q]) == set(before[q])]
            share, set_share = len(same) / max(1, len(shared)), len(as_sets) / max(1, len(shared))
            print(f"same top 3 for {len(same)} of {len(shared)} queries ({share:.0%})")
            print(f"same top-3 papers in any order for {len(as_sets)} ({set_share:.0%})")
            for q in shared:
                if now[q] != before[q]:
                    print(f"  {q!r}\n    before: {before[q]}\n    now:    {now[q]}")
        return 0

    if args.db is None and args.corpus is None:
        parser.error("give --db LIBRARY or --corpus FILE")
    papers = _open_papers(args.db, args.corpus, args.workdir)
    if args.sample:
        skip = tuple(int(part) for part in args.skip.split(":")) if args.skip else None
        drawn = sample(papers, args.sample, args.seed, skip)  # type: ignore[arg-type]
        for n, paper in enumerate(drawn):
            print(f"#{n} {paper.title}\n   {'; '.join(paper.authors)} | {paper.year}")
            print(f"   {paper.abstract[:400]}\n")
        return 0

    judged = load_judged(args.judged)
    titles = {title_id(p.title) for p in papers}
    missing = [j for j in judged if j.title not in titles]
    if missing:
        print(f"note: {len(missing)} intended titles are not in this library", file=sys.stderr)
    start = time.perf_counter()
    index = SearchIndex(papers)
    build = time.perf_counter() - start
    ours = ranks_ours(index, judged)
    columns: list[tuple[str, list[int | None]]] = [("readinglist", ours)]
    if not args.no_fzf:
        fzf = shutil.which("fzf")
        if fzf is None:
            print("note: fzf not found; ranking with ours only", file=sys.stderr)
        else:
            columns.append(("fzf --filter", ranks_fzf(papers, judged, fzf)))
    print(
        f"{len(judged)} judged queries on {len(papers):,} papers (index built in {build:.1f} s)\n"
    )
    print(format_scores([(name, Scores.of(ranks)) for name, ranks in columns]))
    print()
    print(format_kinds(judged, columns))
    if args.verbose:
        print()
        for i, item in enumerate(judged):
            cells = "  ".join(f"{name}={ranks[i] or '-'}" for name, ranks in columns)
            print(f"{cells:<30} {item.kind:<9} {item.query!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
