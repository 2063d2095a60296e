"""The same work, as whole processes, for readinglist and its peers (SPEC §11).

Each peer is installed from the package index into its own virtualenv and gets
a private HOME and XDG dirs, so nothing touches the user's real libraries. The
operations are what a user types: import an N-entry ``.bib``, list everything,
search one word, export all, export ten entries, tag one entry. Runs alternate
between the tools (the order rotates each round) so a slow moment of the machine
does not land on one tool only; the figure is the median. A peer that cannot be
installed, or cannot do an operation, shows ``n/a`` with the reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from benchmarks.core import (
    ProcessRun,
    isolated_env,
    median,
    readinglist_command,
    run_process,
)
from tests.synthetic import synthetic_papers, write_bib

__all__ = ["OPERATIONS", "PEERS", "compare", "run_peers"]

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("import", "import N-entry .bib"),
    ("list", "list all"),
    ("search", "search a word"),
    ("export_all", "export all to .bib"),
    ("export_subset", "export 10 entries"),
    ("tag", "tag one entry"),
)
SEARCH_WORD = "segmentation"
TAG = "bench"
# pip requirements per peer; pubs 0.9 still needs the bibtexparser 1.x API.
PEERS: dict[str, tuple[str, ...]] = {
    "cobib": ("cobib",),
    "papis": ("papis",),
    "pubs": ("pubs", "bibtexparser<2"),
}


@dataclass
class Context:
    """What every tool's commands refer to."""

    bib: Path
    keys: list[str]  # ten citation keys present in the .bib
    tag_key: str
    timeout: float


@dataclass
class Tool:
    """One program under test: how to reset it and which command does each operation."""

    name: str
    home: Path
    bin: Path  # its console script
    failed: dict[str, str] = field(default_factory=dict)  # operation → why n/a
    unsupported: ClassVar[dict[str, str]] = {}  # operation → why the tool cannot do it

    @property
    def env(self) -> dict[str, str]:
        return isolated_env(self.home, {"PYTHONWARNINGS": "ignore", "TERM": "dumb"})

    def run(self, cmd: Sequence[str], ctx: Context, stdout: Path | None = None) -> ProcessRun:
        return run_process(cmd, env=self.env, cwd=self.home, stdout=stdout, timeout=ctx.timeout)

    def reset(self, ctx: Context) -> None:
        """An empty library, ready for the import (not timed)."""
        shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True)

    def command(self, op: str, ctx: Context) -> list[str] | None:
        """The argv for ``op``; ``None`` when the tool has no way to do it."""
        raise NotImplementedError


class Readinglist(Tool):
    def command(self, op: str, ctx: Context) -> list[str] | None:
        cli = [*readinglist_command(), "--db", str(self.home / "library.json")]
        out = str(self.home / "out.bib")
        return {
            "import": [*cli, "import", str(ctx.bib)],
            "list": [*cli, "list"],
            "search": [*cli, "list", SEARCH_WORD],
            "export_all": [*cli, "export", "-o", out],
            "export_subset": [*cli, "export", *(f"--key={k}" for k in ctx.keys), "-o", out],
            "tag": [*cli, "tag", "--key", ctx.tag_key, f"+{TAG}"],
        }[op]


class Cobib(Tool):
    def reset(self, ctx: Context) -> None:
        super().reset(ctx)
        # `init` creates the YAML database; the first run also prints a what's-new banner.
        self.run([str(self.bin), "init"], ctx)

    def command(self, op: str, ctx: Context) -> list[str] | None:
        c, out = str(self.bin), str(self.home / "out.bib")
        return {
            "import": [c, "import", "--skip-download", "--bibtex", "--", str(ctx.bib)],
            "list": [c, "list"],
            "search": [c, "search", "-i", SEARCH_WORD, "--"],
            "export_all": [c, "export", "--bibtex", "--", out],
            "export_subset": [c, "export", "-s", "--bibtex", "--", out, "--", *ctx.keys],
            "tag": [c, "modify", "-a", "-s", f"tags:{TAG}", "--", ctx.tag_key],
        }[op]


class Pubs(Tool):
    def reset(self, ctx: Context) -> None:
        super().reset(ctx)
        self.run([str(self.bin), "init", "-p", str(self.home / "repo")], ctx)

    def command(self, op: str, ctx: Context) -> list[str] | None:
        p = str(self.bin)
        return {
            "import": [p, "import", str(ctx.bib)],
            "list": [p, "list"],
            # pubs queries name a field; a bare word is "Invalid query".
            "search": [p, "list", "-i", f"title:{SEARCH_WORD}"],
            "export_all": [p, "export"],  # BibTeX on stdout
            "export_subset": [p, "export", *ctx.keys],
            "tag": [p, "tag", ctx.tag_key, f"+{TAG}"],
        }[op]


class Papis(Tool):
    FORMAT = "{doc[ref]} {doc[title]}"
    unsupported: ClassVar[dict[str, str]] = {
        "export_subset": "its query terms are ANDed; no one command selects ten given keys"
    }

    def reset(self, ctx: Context) -> None:
        super().reset(ctx)
        (self.home / "lib").mkdir()
        config = self.home / ".config" / "papis" / "config"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            f"[settings]\ndefault-library = bench\n\n[bench]\ndir = {self.home}/lib\n"
        )

    def command(self, op: str, ctx: Context) -> list[str] | None:
        p, out = str(self.bin), str(self.home / "out.bib")
        return {
            "import": [p, "bibtex", "read", str(ctx.bib), "import", "--all", "--batch"],
            "list": [p, "list", "--all", "--format", self.FORMAT],
            "search": [p, "list", "--all", "--format", self.FORMAT, SEARCH_WORD],
            "export_all": [p, "export", "--all", "--batch", "--format", "bibtex", "--out", out],
            "export_subset": None,
            "tag": [p, "tag", "--batch", "--add", TAG, f"ref:{ctx.tag_key}"],
        }[op]


_CLASSES: dict[str, type[Tool]] = {"cobib": Cobib, "papis": Papis, "pubs": Pubs}


def install(name: str, venvs: Path) -> tuple[Path | None, str]:
    """``(console script, version)`` of a peer installed in ``venvs/name``; ``None`` + why."""
    venv = venvs / name
    script = venv / "bin" / name
    pip = venv / "bin" / "pip"
    if not script.exists():
        made = subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(venv)], capture_output=True, text=True
        )
        if made.returncode != 0:
            return None, f"cannot create a virtualenv: {made.stderr.strip()[-300:]}"
        print(f"installing {name} into {venv} ...", file=sys.stderr, flush=True)
        got = subprocess.run(
            [str(pip), "install", "-q", "--disable-pip-version-check", *PEERS[name]],
            capture_output=True,
            text=True,
        )
        if got.returncode != 0 or not script.exists():
            lines = [ln for ln in got.stderr.splitlines() if "is ignored" not in ln]
            return None, "pip install failed: " + " ".join(lines)[-300:]
    shown = subprocess.run([str(pip), "show", name], capture_output=True, text=True).stdout
    version = next(
        (ln.split(":", 1)[1].strip() for ln in shown.splitlines() if ln.startswith("Version:")), "?"
    )
    return script, version


def _why(run: ProcessRun, ctx: Context) -> str:
    if run.timed_out:
        return f"gave up after {ctx.timeout:.0f} s"
    lines = [ln.strip() for ln in run.stderr.splitlines() if ln.strip()]
    return f"exit {run.returncode}: {lines[-1][:160] if lines else 'no message'}"


def compare(tools: Sequence[Tool], ctx: Context, runs: int) -> dict[str, dict[str, float | None]]:
    """Median seconds per operation and tool; ``None`` where the tool failed it."""
    times: dict[str, dict[str, list[float]]] = {
        op: {t.name: [] for t in tools} for op, _ in OPERATIONS
    }
    for op, label in OPERATIONS:
        for r in range(runs):
            order = list(tools[r % len(tools) :]) + list(tools[: r % len(tools)])
            for tool in order:
                if op in tool.failed or (op != "import" and "import" in tool.failed):
                    tool.failed.setdefault(op, "no library: the import did not finish")
                    continue
                if op == "import":
                    tool.reset(ctx)
                cmd = tool.command(op, ctx)
                if cmd is None:
                    tool.failed[op] = tool.unsupported.get(op, "no command does this")
                    continue
                run = tool.run(cmd, ctx, stdout=tool.home / "stdout.txt")
                if not run.ok:
                    tool.failed[op] = _why(run, ctx)
                    continue
                times[op][tool.name].append(run.seconds)
                print(
                    f"  {label:<20} {tool.name:<12} run {r + 1}: {run.seconds:8.3f} s",
                    file=sys.stderr,
                    flush=True,
                )
    return {
        op: {name: median(ts) if ts else None for name, ts in row.items()}
        for op, row in times.items()
    }


def format_comparison(
    n: int,
    medians: dict[str, dict[str, float | None]],
    tools: Sequence[Tool],
    versions: dict[str, str],
    runs: int,
) -> str:
    """Markdown: median seconds per tool and the ratio peer / readinglist."""
    peers = [t for t in tools if t.name != "readinglist"]
    head = ["operation", "readinglist"]
    for t in peers:
        head += [f"{t.name} {versions.get(t.name, '')}".strip(), f"{t.name} / ours"]
    lines = [
        f"{n:,} entries, median of {runs} alternating runs, seconds per whole process:",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for op, label in OPERATIONS:
        ours = medians[op].get("readinglist")
        row = [label, f"{ours:.2f}" if ours is not None else "n/a"]
        for t in peers:
            theirs = medians[op].get(t.name)
            row.append(f"{theirs:.2f}" if theirs is not None else "n/a")
            row.append(f"{theirs / ours:.1f}×" if theirs is not None and ours else "–")
        lines.append("| " + " | ".join(row) + " |")
    notes = [f"- {t.name}, {op}: n/a ({why})" for t in tools for op, why in t.failed.items()]
    return "\n".join(lines + (["", *notes] if notes else []))


def run_peers(
    names: Sequence[str],
    sizes: Sequence[int],
    *,
    runs: int = 3,
    timeout: float = 600.0,
    venvs: Path | None = None,
    workdir: Path | None = None,
    as_json: bool = False,
) -> int:
    """Install the peers, then compare at each size; prints a table (or JSON)."""
    unknown = [n for n in names if n not in PEERS]
    if unknown:
        print(f"unknown peer(s): {', '.join(unknown)} (known: {', '.join(PEERS)})", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="readinglist-peers-") as tmp:
        root = workdir or Path(tmp)
        venv_root = venvs or root / "venvs"
        venv_root.mkdir(parents=True, exist_ok=True)
        installed: dict[str, Path] = {}
        versions: dict[str, str] = {}
        broken: dict[str, str] = {}
        for name in names:
            script, info = install(name, venv_root)
            if script is None:
                broken[name] = info
            else:
                installed[name], versions[name] = script, info
        report: dict[str, object] = {}
        for n in sizes:
            papers = synthetic_papers(n)
            data = root / f"data-{n}"
            data.mkdir(parents=True, exist_ok=True)
            bib = write_bib(papers, data / f"library-{n}.bib")
            step = max(1, n // 10)
            keys = [p.key for p in papers[::step]][:10]
            ctx = Context(bib=bib, keys=keys, tag_key=papers[n // 2].key, timeout=timeout)
            del papers
            tools: list[Tool] = [Readinglist("readinglist", data / "readinglist", Path())]
            tools += [
                _CLASSES[name](name, data / name, script) for name, script in installed.items()
            ]
            for name, why in broken.items():
                stub = _CLASSES[name](name, data / name, Path())
                stub.failed.update({op: why for op, _ in OPERATIONS})
                tools.append(stub)
            print(
                f"comparing at {n:,} entries: {', '.join(t.name for t in tools)}",
                file=sys.stderr,
                flush=True,
            )
            medians = compare(tools, ctx, runs)
            if as_json:
                report[str(n)] = {
                    "seconds": medians,
                    "versions": versions,
                    "n/a": {t.name: t.failed for t in tools if t.failed},
                }
            else:
                print(format_comparison(n, medians, tools, versions, runs) + "\n")
        if as_json:
            print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover - convenience
    print(textwrap.dedent(__doc__ or ""))
