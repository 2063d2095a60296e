"""The saved search index, and a library opened from it, answer as a full load does,
whatever sequence of changes came before, at the sizes bulk changes reach.

A state machine makes random sequences of changes to one library of thousands of
papers. Each change is made the way the TUI makes it (one library opened lazily from
its saved index and held from step to step, its index installed as the main screen
installs it, changes made with the library calls ``tui/edits.py`` makes) or the way
a command makes it (the real click commands, each opening the library afresh), or
by another program rewriting the file. After every step:

* the saved index, read back as a one-shot ``list QUERY`` reads it, answers every
  query form exactly as a full load of the file (same keys, same order);
* the library the TUI holds answers them as the full load does too, and counts the
  same papers, tags and statuses (after another process wrote, the TUI's poll
  reloads it before the next step, or every other time a TUI step comes first).

Where no saved index can be used (the command would load the library whole) a step
compares nothing for it; the test counts how often, so that it cannot pass by always
falling back.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import random
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from readinglist.core import importing as importing_module
from readinglist.core.bibtex import export_bibtex, export_library
from readinglist.core.bibupdate import write_export
from readinglist.core.changes import Change
from readinglist.core.errors import ReadinglistError
from readinglist.core.importers import parse_file
from readinglist.core.library import Library
from readinglist.core.library import base as library_module
from readinglist.core.model import Paper, now_iso
from readinglist.core.search import Hit

from .conftest import Result, mixed_library, shortened

Answers = dict[str, list[str]]
Cli = Callable[..., Result]

# -- the three ways of answering a query, and the TUI's way of holding a library ------------
# (Only these helpers know where the index is saved and how it is read back.)


def _keys(hits: Sequence[Hit]) -> list[str]:
    """The keys of the papers found, in rank order (read as ``list`` reads them, but
    without the hits' highlighting)."""
    from readinglist.core.results import SearchResults

    papers = hits.papers if isinstance(hits, SearchResults) else [hit.paper for hit in hits]
    return [paper.key for paper in papers]


def saved_answers(path: Path, queries: Sequence[str]) -> Answers | None:
    """What one-shot queries (``list QUERY``, ``export QUERY``) answer from the index
    saved beside the library, read back from disk as such a command reads it; None
    when there is none or it cannot be used (the command then loads the library)."""
    from readinglist.core.library.catchup import StaleIndex, open_view

    view = open_view(path)
    if view is None:
        return None
    with view:
        try:
            return {query: _keys(view.search(query)) for query in queries}
        except StaleIndex:  # (a line not where the index has it: the command loads)
            return None


def saved_index_files(path: Path) -> list[Path]:
    """The files that make the saved index: the index, and the log of writes since."""
    from readinglist.core.library.changelog import log_path
    from readinglist.core.library.savedindex import index_path

    return [index_path(path), log_path(path)]


def full_load(path: Path) -> Library:
    """The reference: the library read whole from the file, its index built afresh."""
    library = Library.open(path)
    assert not library.lazy
    return library


def held_answers(library: Library, queries: Sequence[str]) -> Answers:
    """What a library answers (the one the TUI holds, or a full load)."""
    return {query: _keys(library.search(query)) for query in queries}


@dataclass(frozen=True)
class Counts:
    papers: int
    tags: dict[str, int]
    statuses: dict[str, int]


def counts(library: Library) -> Counts:
    """What the TUI's sidebar shows (a lazily read library counts from its index)."""
    return Counts(len(library), library.tag_counts(), library.status_counts())


def open_like_tui(path: Path) -> Library:
    """The library as the TUI holds it: opened from the saved index where it can be
    (papers read as they are needed), its index installed after the first screen."""
    library = Library.open(path, lazy=True)
    install_index_like_tui(library)
    return library


def install_index_like_tui(library: Library) -> None:
    """What ``MainScreen.warm_up_index`` does (in its worker; here, in this thread)."""
    library.warm_index()


def tui_notices_changes(library: Library) -> None:
    """``MainScreen.check_disk``: another process wrote the file, the TUI reloads."""
    if library.changed_on_disk():
        library.reload()


# -- the library and the files imported -----------------------------------------------------

PAPERS = 6000  # one bulk change, one import, one undo can touch more than 5,000 papers
ABSTRACT = 300  # characters of each synthetic abstract: a smaller file, indexed sooner
SEED = 11

# The ten query forms compared after every step: words with typos, a prefix, tag:,
# status:, key:, a year range, has:, an exclusion, a phrase, sort:.
QUERIES = [
    "atention distilation",
    "graph neural netw",
    "tag:bulk",
    "status:read",
    "key:s",
    "year:2015..2021 learning",
    "has:notes",
    "model -graph",
    '"neural network"',
    "sort:title attention",
]
# Selections of thousands of papers (typed in the TUI's search box, then all marked;
# or a command's query): every paper, or thousands.
MANY = ["-tag:nothing", "year:2000..", "learning"]
# What a change does to papers: tags (+ adds, - removes) or an export to a .bib
# (which stamps their keys used); or a status.
TAGGING = ["+bulk", "-bulk", "-to-read", "export"]
STATUSES = ["read", "reading", "unread"]
# What a change does to a few papers: those, and more.
FEW = [*TAGGING, *STATUSES, "rm", "rekey", "merge"]
# Removals of a thousand papers or more.
REMOVALS = ["-tag:nothing", "year:2000..", "status:reading"]
OUTSIDE_EDITS = ["retitle", "remove", "add", "append", "reformat"]
# Files to import: how many new papers, and how many the library has already.
IMPORTS = {
    "listing-30.txt": (25, 5),
    "refs-700.bib": (600, 100),
    "listing-5400.txt": (5200, 200),
}

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class _Ids:
    """Paper ids as random as the library's own, but the same on every run of the
    same steps (so that a failing sequence fails again when it is replayed)."""

    def __init__(self) -> None:
        self.rng = random.Random(0)

    def restart(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def __call__(self) -> str:
        value = self.rng.getrandbits(128)
        return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(26))


_ids = _Ids()


@pytest.fixture(autouse=True)
def _steady_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(library_module, "new_id", _ids)
    monkeypatch.setattr(importing_module, "new_id", _ids)


@dataclass(frozen=True)
class Prepared:
    """Made once per run: a library with its index saved, and files to import."""

    library: Path  # library.json and its saved index, in a folder of their own
    imports: dict[str, Path]


def _listing(papers: Sequence[Paper]) -> str:
    """A Daily Papers listing: title and abstract lines."""
    return "".join(f"{p.title}\n{p.abstract}\n" for p in papers)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prepared]:
    from tests.synthetic import synthetic_papers

    base = tmp_path_factory.mktemp("differential")
    folder = base / "library"
    folder.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(library_module, "new_id", _ids)
        patch.setattr(importing_module, "new_id", _ids)
        _ids.restart(SEED)
        library = mixed_library(
            folder / "library.json", PAPERS, seed=SEED, tagged=300, read=60, abstracts=ABSTRACT
        )
    library.index  # noqa: B018 (built, to be saved)
    assert library.save_index()
    library.history.path.unlink()  # undo takes back only what a sequence did
    # Files to import: new papers, and some the library has (merged, or unchanged).
    known = sorted(library, key=lambda p: p.id)
    imports: dict[str, Path] = {}
    for name, (new, old) in IMPORTS.items():
        fresh = synthetic_papers(new, seed=SEED + len(imports) + 1)
        papers = fresh[: new // 2] + known[-old:] + fresh[new // 2 :]
        papers = [replace(p, abstract=shortened(p.abstract, ABSTRACT)) for p in papers]
        text = _listing(papers) if name.endswith(".txt") else export_bibtex(papers)
        imports[name] = base / name
        imports[name].write_text(text, encoding="utf-8")
    yield Prepared(folder, imports)


# -- another program edits the file -----------------------------------------------------------


def _line(doc: dict[str, object]) -> bytes:
    """A paper's line in the layout the library writes."""
    return b"  " + orjson.dumps(doc["id"]) + b": " + orjson.dumps(doc) + b","


def _outsider(serial: int) -> dict[str, object]:
    paper = Paper(
        title=f"Neural Network Attention Distillation Added Outside {serial}",
        id=f"7ZZZZZ{serial:020d}",
        key=f"soutside{serial}",
        authors=("Outside, Otto",),
        year=2020,
        tags=("bulk",),
        status="read",
        added=now_iso(),
        updated=now_iso(),
    )
    return paper.to_doc()


def edit_outside(path: Path, kind: str, pick: int, serial: int) -> str:
    """Another program (an editor, a sync tool, a script) rewrites the library file
    without the library: a title changed, a paper's line removed, a paper added in id
    order or at the end of its table, all in the one-line-per-paper layout; or the file
    formatted its own way. Returns what it did."""
    data = path.read_bytes()
    lines = data.split(b"\n")
    try:
        start = lines.index(b'"papers": {') + 1
        end = lines.index(b'  "~": {}', start)
    except ValueError:
        start = end = -1
    if kind == "reformat" or end < 0:
        whole = json.loads(data)
        papers: dict[str, dict[str, object]] = whole["papers"]
        ids = sorted(pid for pid in papers if pid != "~")  # ("~": the end of a table)
        victim = ids[pick % len(ids)] if ids else ""
        if kind == "retitle" and victim:
            papers[victim]["title"] = f"Neural Network Attention Distillation Outside {serial}"
        elif kind == "remove" and victim:
            del papers[victim]
        elif kind in ("add", "append"):
            added = _outsider(serial)
            papers[str(added["id"])] = added
        _write_as_another_program(path, json.dumps(whole, indent=4).encode())
        return f"{kind} {victim} in a file formatted by hand"
    rows = lines[start:end]
    if not rows and kind in ("retitle", "remove"):
        return f"{kind}: no paper to {kind}"
    at = pick % max(len(rows), 1)
    if kind == "retitle":
        doc = orjson.loads(rows[at][rows[at].index(b": ") + 2 : -1])
        doc["title"] = f"Neural Network Attention Distillation Outside {serial}"
        rows[at] = _line(doc)
    elif kind == "remove":
        del rows[at]
    elif kind == "add":
        added = _outsider(serial)
        line = _line(added)
        rows.append(line)
        rows.sort(key=lambda row: row[3 : row.index(b'"', 3)])
    else:  # append: at the end of the papers, out of id order
        rows.append(_line(_outsider(serial)))
    _write_as_another_program(path, b"\n".join(lines[:start] + rows + lines[end:]))
    return f"{kind} (line {at})"


def _write_as_another_program(path: Path, data: bytes) -> None:
    """Replace the file (a new inode), its time later than the file replaced."""
    before = path.stat()
    temp = path.with_name(path.name + ".outside")
    temp.write_bytes(data)
    os.replace(temp, path)
    after = path.stat()
    if after.st_mtime_ns <= before.st_mtime_ns:
        os.utime(path, ns=(after.st_atime_ns, before.st_mtime_ns + 1_000_000))


# -- the state machine ----------------------------------------------------------------------


class Failure(AssertionError):
    """A way of answering disagrees with a full load, or a step failed. Raised as a
    subclass of its own for each kind of failure, so that hypothesis tells them apart
    and shrinks and reports each (the steps to one failure are not hidden by another)."""


_KINDS: dict[str, type[Failure]] = {}


def failure(kind: str) -> type[Failure]:
    """The subclass for one kind of failure: a way of answering that disagrees, or an
    error (its words, without the paper ids, keys and numbers it names)."""
    kind = re.sub(r"'[^']*'|\d+", "…", kind)
    if kind not in _KINDS:
        _KINDS[kind] = type(f"Failure{len(_KINDS)}", (Failure,), {"kind": kind})
    return _KINDS[kind]


def _told_apart(method: Callable[..., None]) -> Callable[..., None]:
    """A library error in a step is raised as a failure of its kind (and each step is
    counted)."""

    @functools.wraps(method)
    def step(self: IndexMachine, **kwargs: Any) -> None:
        self.tally.seen[f"step {method.__name__} {kwargs.get('via', '')}".rstrip()] += 1
        try:
            method(self, **kwargs)
        except ReadinglistError as exc:
            how = ", ".join(f"{name}={value!r}" for name, value in kwargs.items())
            raise failure(str(exc))(f"{method.__name__}({how}): {exc}") from exc

    return step


@dataclass(frozen=True)
class Reference:
    """What a full load of one version of the file answers."""

    answers: Answers
    counts: Counts
    papers: list[tuple[str, str]]  # (id, key) of every paper, in id order


# What each step's comparisons came to.
SAVED_COMPARED = "saved index: compared"
SAVED_MISSING = "saved index: none usable, a command would load the library"
SAVED_SAME = "saved index: neither it nor the file changed since compared"
HELD_COMPARED = "TUI's library: compared"
HELD_BEHIND = "TUI's library: not yet reloaded after another process wrote"
HELD_SAME = "TUI's library: did nothing, the file is the same"


@dataclass
class Tally:
    """How often each comparison was made, over all examples of a run; and the full
    loads' answers by file content (a step that wrote nothing is not loaded again)."""

    examples: int = 0
    seen: Counter[str] = field(default_factory=Counter)
    loaded: dict[bytes, Reference] = field(default_factory=dict, repr=False)

    def note(self, what: str) -> None:
        self.seen[what] += 1

    def reference(self, digest: bytes, path: Path) -> Reference:
        known = self.loaded.get(digest)
        if known is None:
            full = full_load(path)
            papers = sorted((p.id, p.key) for p in full)
            known = Reference(held_answers(full, QUERIES), counts(full), papers)
            if len(self.loaded) > 16:
                self.loaded.clear()
            self.loaded[digest] = known
        return known


Versions = tuple[bytes, list[tuple[int, int, int] | None]]


def _files(path: Path) -> Versions:
    """The library file's content, and the versions of the saved index and its log."""

    def version(file: Path) -> tuple[int, int, int] | None:
        try:
            st = file.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    digest = hashlib.blake2b(path.read_bytes(), digest_size=16).digest()
    return digest, [version(file) for file in saved_index_files(path)]


def _mismatch(who: str, query: str, got: list[str], want: list[str]) -> str:
    have, expected = set(got), set(want)
    missing = [k for k in want if k not in have]
    extra = [k for k in got if k not in expected]
    how = (
        f"{len(missing)} missing (e.g. {missing[:3]}), {len(extra)} extra (e.g. {extra[:3]})"
        if missing or extra
        else "the same papers in another order"
    )
    return f"{who} answers {query!r} with {len(got)} papers, a full load {len(want)}: {how}"


def _compare(who: str, found: Answers, expected: Answers) -> None:
    """Raise when a query form is answered otherwise (naming every one that is)."""
    wrong = [q for q in QUERIES if found[q] != expected[q]]
    if wrong:
        problem = "\n".join(_mismatch(who, q, found[q], expected[q]) for q in wrong)
        raise failure(who)(problem)


def _change(change: str) -> Change:
    if change[0] == "+":
        return Change(add_tags=(change[1:],))
    if change[0] == "-":
        return Change(remove_tags=(change[1:],))
    return Change(fields={"status": change})


def _command_change(change: str) -> list[str]:
    """The command and its operands that make ``change`` (the papers go between)."""
    return ["tag", change] if change[0] in "+-" else ["status", change]


VIA = st.sampled_from(["tui", "cli"])
PICKS = st.lists(st.integers(0, 1 << 16), min_size=1, max_size=3)


class IndexMachine(RuleBasedStateMachine):
    """One library file, changed step by step by the TUI, commands and other programs."""

    def __init__(self, prepared: Prepared, workdir: Path, cli: Cli, tally: Tally) -> None:
        super().__init__()
        self.prepared = prepared
        self.cli = cli
        self.tally = tally
        tally.examples += 1
        self.folder = workdir / f"example{tally.examples}"
        self.path = self.folder / "library.json"
        self.papers: list[tuple[str, str]] = []  # (id, key) of every paper, in id order
        self.serial = 0  # numbers new keys and titles
        self.held: Library
        self.held_used = True  # the TUI's library did something since it was compared
        self.behind = 0  # how often the TUI's library found the file written by another
        self.held_checked = b""  # the file's content when it was compared
        self.saved_checked: Versions | None = None  # the files when the index was compared

    @initialize()
    def start(self) -> None:
        shutil.copytree(self.prepared.library, self.folder)
        _ids.restart(SEED + 1)
        self.held = open_like_tui(self.path)

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- helpers ------------------------------------------------------------------------------
    def _command(self, *args: str | Path, ok: Sequence[int] = (0,)) -> Result:
        """A command run as its own process would run it (opening the library anew)."""
        result = self.cli("--db", self.path, *args)
        if result.code not in ok or result.out.startswith("Usage:"):
            command = " ".join(map(str, args)).replace(str(self.folder), ".")
            problem = f"readinglist {command}: exit {result.code}: {result.err.strip()}"
            raise failure(result.err.removeprefix("readinglist: ") or "usage shown")(problem)
        return result

    def _tui(self, via: str) -> bool:
        """Whether this step goes through the TUI (its library then compared again)."""
        self.held_used = self.held_used or via == "tui"
        return via == "tui"

    def _marked(self, query: str) -> list[str]:
        """The papers the TUI marks after ``query`` is typed: all it shows."""
        return [hit.paper.id for hit in self.held.search(query)]

    def _picked(self, picks: Sequence[int]) -> list[tuple[str, str]]:
        return list(dict.fromkeys(self.papers[p % len(self.papers)] for p in picks))

    def _tui_export(self, papers: Sequence[Paper]) -> None:
        """``PaperActions._export``: write the .bib, then stamp the keys used."""
        if papers:
            text = export_library(self.held, papers)
            out = self.folder / "export.bib"
            write_export(self.held, out, text, papers=len(papers), update=False)
            self.held.mark_used(p.id for p in papers)

    def _change_many(self, via: str, selection: str, change: str) -> None:
        """Change what a query finds: all marked in the TUI, or a command's query."""
        if change == "export":
            if self._tui(via):
                self._tui_export([hit.paper for hit in self.held.search(selection)])
            else:
                out = self.folder / "export.bib"
                self._command("export", "-o", out, "--", *selection.split(), ok=(0, 1))
        elif self._tui(via):
            self.held.edit(self._marked(selection), _change(change))
        else:
            command, operand = _command_change(change)
            self._command(command, "--", *selection.split(), operand, ok=(0, 1))

    # -- rules --------------------------------------------------------------------------------
    @rule(via=VIA, selection=st.sampled_from(MANY), change=st.sampled_from(TAGGING))
    @_told_apart
    def tag_many(self, via: str, selection: str, change: str) -> None:
        """Tag, untag or export thousands of papers."""
        self._change_many(via, selection, change)

    @rule(via=VIA, selection=st.sampled_from(MANY), status=st.sampled_from(STATUSES))
    @_told_apart
    def status_many(self, via: str, selection: str, status: str) -> None:
        """Set the status of thousands of papers."""
        self._change_many(via, selection, status)

    @precondition(lambda self: len(self.papers) >= 2)
    @rule(via=VIA, picks=PICKS, change=st.sampled_from(FEW))
    @_told_apart
    def change_few(self, via: str, picks: list[int], change: str) -> None:
        """Change a few papers: tags, status, rm, rekey, merge, export (keys used)."""
        chosen = self._picked(picks)
        ids = [paper_id for paper_id, _key in chosen]
        keys = [arg for _id, key in chosen for arg in ("--key", key)]
        self.serial += 1
        if change == "rekey":
            new = f"srk{self.serial}"
            if self._tui(via):
                self.held.rekey(ids[0], new)
            else:
                self._command("rekey", chosen[0][1], new)
        elif change == "merge":
            if len(chosen) < 2:
                chosen.append(self.papers[(picks[0] + 1) % len(self.papers)])
            if self._tui(via):
                self.held.merge(chosen[0][0], [chosen[1][0]])
            else:
                self._command("merge", chosen[0][1], chosen[1][1])
        elif change == "rm":
            if self._tui(via):
                self.held.delete(ids)
            else:
                self._command("rm", "--yes", *keys)
        elif change == "export":
            if self._tui(via):
                self._tui_export([p for p in map(self.held.get, ids) if p is not None])
            else:
                self._command("export", *keys, "-o", self.folder / "export.bib")
        elif self._tui(via):
            self.held.edit(ids, _change(change))
        else:
            command, operand = _command_change(change)
            self._command(command, *keys, operand)

    @rule(via=VIA, selection=st.sampled_from(REMOVALS))
    @_told_apart
    def remove_many(self, via: str, selection: str) -> None:
        """Remove a thousand papers or more (what a query finds)."""
        if self._tui(via):
            self.held.delete(self._marked(selection))
        else:
            self._command("rm", "--yes", "--", *selection.split(), ok=(0, 1))

    @rule(via=VIA)
    @_told_apart
    def undo(self, via: str) -> None:
        """Take back the newest change, whoever made it."""
        if self._tui(via):
            self.held.undo()
        else:
            self._command("undo", ok=(0, 1))

    @rule(via=VIA, name=st.sampled_from(list(IMPORTS)))
    @_told_apart
    def import_file(self, via: str, name: str) -> None:
        """Import a listing or a .bib: new papers, and some the library has."""
        source = self.prepared.imports[name]
        if self._tui(via):
            self.held.import_parsed(parse_file(source))
        else:
            self._command("import", source)

    @rule(kind=st.sampled_from(OUTSIDE_EDITS), pick=st.integers(0, 1 << 16))
    @_told_apart
    def outside_edit(self, kind: str, pick: int) -> None:
        """Another program rewrites the file (see :func:`edit_outside`)."""
        self.serial += 1
        edit_outside(self.path, kind, pick, self.serial)

    @rule(query=st.sampled_from(QUERIES))
    @_told_apart
    def cli_query(self, query: str) -> None:
        """``list QUERY``: answered from the saved index, which it may save again."""
        self._command("list", "--", *query.split(), ok=(0, 1))

    @rule(kind=st.sampled_from(["reload", "restart"]))
    @_told_apart
    def tui(self, kind: str) -> None:
        """The TUI sees that another process wrote the file (and reloads), or is
        started again (from the index saved now)."""
        self.held_used = True
        if kind == "reload":
            tui_notices_changes(self.held)
        else:
            self.held = open_like_tui(self.path)

    # -- after every step ---------------------------------------------------------------------
    @invariant()
    def answers_as_a_full_load(self) -> None:
        files = _files(self.path)
        reference = self.tally.reference(files[0], self.path)
        self.papers = reference.papers
        if files == self.saved_checked:
            self.tally.note(SAVED_SAME)
        else:
            saved = saved_answers(self.path, QUERIES)
            if saved is None:
                self.tally.note(SAVED_MISSING)
            else:
                self.tally.note(SAVED_COMPARED)
                _compare("the saved index", saved, reference.answers)
            self.saved_checked = files
        if self.held.changed_on_disk():
            # Another process wrote. The TUI's poll (every second) notices before the
            # next step, or, every other time, a TUI step comes first (and reloads).
            self.behind += 1
            if self.behind % 2:
                try:
                    tui_notices_changes(self.held)
                except ReadinglistError as exc:
                    raise failure(str(exc))(f"the TUI reloading: {exc}") from exc
                self.held_used = True
        if self.held.changed_on_disk():
            self.tally.note(HELD_BEHIND)  # (compared once it reloads or writes)
        elif not self.held_used and files[0] == self.held_checked:
            self.tally.note(HELD_SAME)
        else:
            self.tally.note(HELD_COMPARED)
            held = held_answers(self.held, QUERIES)
            _compare("the library the TUI holds", held, reference.answers)
            found = counts(self.held)
            if found != reference.counts:
                problem = (
                    f"the library the TUI holds counts {found}, a full load {reference.counts}"
                )
                raise failure("the library the TUI holds")(problem)
            self.held_checked, self.held_used = files[0], False


@pytest.mark.slow
def test_the_saved_index_and_a_lazy_library_answer_as_a_full_load(
    prepared: Prepared,
    tmp_path: Path,
    cli: Cli,
) -> None:
    """Random sequences of changes to a library of thousands of papers: after each
    step the saved index and the TUI's library answer every query form as a full load."""
    tally = Tally()

    class Machine(IndexMachine):
        def __init__(self) -> None:
            super().__init__(prepared, tmp_path, cli, tally)

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=10,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            # (no explain phase: each of its replays costs seconds)
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        ),
    )
    # Most steps compared something: the test does not pass by always falling back.
    seen = tally.seen
    steps = seen[SAVED_COMPARED] + seen[SAVED_SAME] + seen[SAVED_MISSING]
    assert seen[SAVED_COMPARED] + seen[SAVED_SAME] >= 2 * seen[SAVED_MISSING], seen
    assert seen[HELD_COMPARED] + seen[HELD_SAME] >= steps // 3, seen
