"""A library opened from its saved search index (``Library.open(lazy=True)``, as the
TUI opens it) reads papers from the file only when they are needed, and in every
other respect is the library a full load gives: the same answers, the same checks,
and the same bytes written for the same changes."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from readinglist.core import changes as changes_module
from readinglist.core import model as model_module
from readinglist.core.changes import Change
from readinglist.core.errors import LibraryError
from readinglist.core.importers import parse_file
from readinglist.core.library import Library
from readinglist.core.library import base as library_module
from readinglist.core.library import edits as edits_module
from readinglist.core.library import imports as imports_module
from readinglist.core.library.catchup import RESAVE_AFTER, open_view
from readinglist.core.library.savedindex import index_path
from readinglist.core.model import Paper

from .conftest import mixed_library

DATA = Path(__file__).parent / "data"
QUERIES = ["atention", "graph neural netw", "tag:to-read", "status:read", "key:smith", "fresh"]


def _library(path: Path, n: int = 400) -> Library:
    library: Library = mixed_library(path, n, seed=7, tagged=30, read=8)
    library.index  # noqa: B018 (built, so that it can be saved)
    assert library.save_index()
    return library


def _state(library: Library) -> tuple[object, ...]:
    """Everything a reader can ask of a library."""
    papers = {p.id: p for p in library}
    keys = {key: p.id for p in papers.values() for key in (p.key, *p.aliases)}
    found = {q: [h.paper.id for h in library.search(q)] for q in QUERIES}
    return (
        papers,
        {key: library.by_key(key).id for key in keys},  # type: ignore[union-attr]
        library.tag_counts(),
        library.status_counts(),
        {name: b.to_doc() for name, b in library.bibfiles.items()},
        found,
    )


@pytest.fixture
def steady(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Ids and times made in order (from the start again on each call), so that two
    runs of the same changes write the same bytes."""

    def restart() -> None:
        counter = itertools.count(1)
        seconds = itertools.count(1)
        monkeypatch.setattr(library_module, "new_id", lambda: f"ZZ{next(counter):024d}")

        def now() -> str:
            return f"2030-01-01T00:00:{next(seconds) % 60:02d}Z"

        for module in (edits_module, imports_module, changes_module, model_module):
            monkeypatch.setattr(module, "now_iso", now)

    restart()
    return restart


@pytest.mark.unit
def test_a_lazy_library_reads_only_the_papers_it_is_asked_for(tmp_path: Path) -> None:
    _library(tmp_path / "library.json")
    library = Library.open(tmp_path / "library.json", lazy=True)
    assert library.lazy
    assert len(library) == 400 + len(parse_file(DATA / "rich.bib").papers)
    read = library._store.papers._read  # type: ignore[attr-defined]
    assert read == {}
    hits = library.search("graph neural netw", limit=10)
    assert 0 < len(read) <= 60, len(read)
    assert hits[0].paper == Library.open(library.path).get(hits[0].paper.id)


@pytest.mark.unit
def test_a_lazy_library_answers_as_a_full_load(tmp_path: Path) -> None:
    path = tmp_path / "library.json"
    _library(path)
    eager, lazy = Library.open(path), Library.open(path, lazy=True)
    assert lazy.lazy
    assert _state(lazy) == _state(eager)
    assert lazy.tag_counts()["to-read"] == 30


@pytest.mark.unit
def test_without_a_saved_index_the_library_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "library.json"
    _library(path)
    index_path(path).unlink()
    library = Library.open(path, lazy=True)
    assert not library.lazy
    assert len(library) > 400


def _changes(library: Library) -> None:
    """Every kind of change, one after another."""
    papers = sorted(library, key=lambda p: p.id)
    library.edit([papers[3].id, papers[4].id], Change(add_tags=("fresh",)))
    library.edit([papers[5].id], Change(fields={"title": "A Title Changed Here"}))
    library.delete([papers[6].id])
    library.add(Paper(title="Graph Attention Distillation", year=2024, authors=("Lee, Ann",)))
    library.import_parsed(parse_file(DATA / "rich.bib"), tags=("again",), tag_existing=True)
    library.rekey(papers[7].id, "renamed2024")
    library.merge(papers[8].id, [papers[9].id])
    library.mark_used([papers[10].id, papers[11].id])
    library.undo()
    library.undo()


@pytest.mark.unit
def test_changes_made_lazily_write_the_bytes_a_full_load_writes(
    tmp_path: Path, steady: Callable[[], None]
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    _library(one / "library.json")
    shutil.copytree(one, two, dirs_exist_ok=True)
    eager = Library.open(one / "library.json")
    steady()
    _changes(eager)
    steady()
    lazy = Library.open(two / "library.json", lazy=True)
    assert lazy.lazy
    _changes(lazy)
    assert lazy.lazy  # never fell back to reading everything
    assert (two / "library.json").read_bytes() == (one / "library.json").read_bytes()
    assert _state(lazy) == _state(Library.open(two / "library.json"))


@pytest.mark.unit
def test_a_lazy_library_catches_up_with_another_process(tmp_path: Path) -> None:
    path = tmp_path / "library.json"
    _library(path)
    lazy = Library.open(path, lazy=True)
    papers = sorted(lazy, key=lambda p: p.id)
    lazy.search("graph")  # some papers read, the rest not
    other = Library.open(path)
    other.edit([papers[20].id, papers[21].id], Change(add_tags=("fresh",)))
    other.edit([papers[22].id], Change(fields={"title": "Fresh Attention Revisited"}))
    other.delete([papers[23].id])
    other.add(Paper(title="Fresh Graph Distillation", key="newcomer2024", year=2024))
    # its own change, made to the file as it is now, under the lock
    lazy.edit([papers[20].id], Change(fields={"status": "read"}))
    assert lazy.lazy
    assert "fresh" in lazy.get(papers[20].id).tags  # type: ignore[union-attr]
    assert lazy.get(papers[23].id) is None
    assert lazy.by_key("newcomer2024") is not None
    assert _state(lazy) == _state(Library.open(path))
    assert "newcomer2024" in [h.paper.key for h in lazy.search("fresh graph distil")]
    assert papers[22].id in [h.paper.id for h in lazy.search("fresh revisited")]
    reference = Library.open(path)
    for query in (papers[22].title, papers[23].title, "fresh"):
        found = [h.paper.id for h in lazy.search(query)]
        assert found == [h.paper.id for h in reference.search(query)], query


@pytest.mark.unit
def test_a_bad_paper_written_by_another_program_is_refused_lazily_too(tmp_path: Path) -> None:
    path = tmp_path / "library.json"
    _library(path)
    lazy = Library.open(path, lazy=True)
    victim = sorted(lazy, key=lambda p: p.id)[50]
    data = path.read_bytes()
    start = data.index(f'"{victim.id}": {{'.encode())
    end = data.index(b"\n", start)
    line = data[start:end].replace(b'"entry_type":', b'"entry_type":7,"was":')
    assert line != data[start:end]
    path.write_bytes(data[:start] + line + data[end:])
    with pytest.raises(LibraryError, match=r"entry_type.*left untouched"):
        lazy.edit([victim.id], Change(add_tags=("x",)))
    assert path.read_bytes() == data[:start] + line + data[end:]


@pytest.mark.unit
def test_a_key_two_papers_hold_after_another_program_is_refused_lazily(tmp_path: Path) -> None:
    path = tmp_path / "library.json"
    _library(path)
    lazy = Library.open(path, lazy=True)
    first, second = sorted(lazy, key=lambda p: p.id)[60:62]
    data = path.read_bytes()
    start = data.index(f'"{second.id}": {{'.encode())
    end = data.index(b"\n", start)
    line = data[start:end].replace(
        f'"key":"{second.key}"'.encode(), f'"key":"{first.key}"'.encode()
    )
    assert line != data[start:end]
    path.write_bytes(data[:start] + line + data[end:])
    with pytest.raises(LibraryError, match="belongs to two papers"):
        lazy.edit([first.id], Change(add_tags=("x",)))
    with pytest.raises(LibraryError, match="belongs to two papers"):
        Library.open(path)


@pytest.mark.unit
def test_a_line_changed_in_place_is_never_copied_into_a_write(tmp_path: Path) -> None:
    """A program that rewrites the file in place (same inode) while the library is
    open: the lines read are checked before they are copied."""
    path = tmp_path / "library.json"
    _library(path)
    lazy = Library.open(path, lazy=True)
    papers = sorted(lazy, key=lambda p: p.id)
    before = path.stat()
    with open(path, "r+b") as handle:
        data = handle.read()
        handle.seek(data.index(papers[90].title.encode()))
        handle.write(b"X")
    # the same size and time: a change the library's signature cannot see
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert not lazy.changed_on_disk()
    written = path.read_bytes()
    with pytest.raises(LibraryError, match="cannot write"):
        lazy.edit([papers[1].id], Change(add_tags=("x",)))
    assert path.read_bytes() == written


@pytest.mark.unit
def test_a_restored_index_keeps_finding_keys_after_edits(tmp_path: Path) -> None:
    """An index read back from disk forgets a key only once, and never brings back
    its old postings (``key:`` found nothing after any edit of the paper)."""
    path = tmp_path / "library.json"
    _library(path)
    lazy = Library.open(path, lazy=True)
    first, second = sorted(lazy, key=lambda p: p.id)[:2]
    lazy.edit([first.id], Change(fields={"doi": "10.1/x"}))
    assert [h.paper.id for h in lazy.search(f"key:{first.key}")] == [first.id]
    lazy.rekey(second.id, "zzrenamed2024")
    assert [h.paper.id for h in lazy.search("key:zzrenamed")] == [second.id]
    assert second.id not in [h.paper.id for h in lazy.search(f"key:{second.key}")]
    # and so does the index saved from it
    assert lazy.save_index()
    again = Library.open(path, lazy=True)
    assert [h.paper.id for h in again.search(f"key:{first.key}")] == [first.id]
    assert [h.paper.id for h in again.search("key:zzrenamed")] == [second.id]
    reference = Library.open(path)
    for query in (f"key:{first.key}", f"key:{second.key}", "key:zz"):
        found = [h.paper.id for h in again.search(query)]
        assert found == [h.paper.id for h in reference.search(query)], query


@pytest.mark.unit
def test_a_change_to_many_papers_leaves_the_saved_index_current(tmp_path: Path) -> None:
    """A change to more papers than are worth catching up one by one saves the
    index again, also from a library read whole that had not built it."""
    path = tmp_path / "library.json"
    _library(path)
    other = Library.open(path)
    assert not other.index_ready
    many = [p.id for p in sorted(other, key=lambda p: p.id)[: RESAVE_AFTER + 5]]
    other.edit(many, Change(add_tags=("batch",)))
    view = open_view(path)
    assert view is not None
    with view:
        assert (view.caught_up, view.changed) == ("", 0)
        assert [h.paper.id for h in view.search("tag:batch")] == [
            h.paper.id for h in Library.open(path).search("tag:batch")
        ]


@pytest.mark.unit
def test_an_index_far_behind_the_file_is_saved_again_without_reading_papers(
    tmp_path: Path,
) -> None:
    """Another program rewrote many papers' lines (no log): a library opened lazily
    catches up by scanning the file, and its warm-up saves the index again from the
    index and the keys alone."""
    path = tmp_path / "library.json"
    _library(path)
    lines = path.read_bytes().split(b"\n")
    edited = 0
    for i, line in enumerate(lines):
        if line.startswith(b'  "') and b'"status":"unread"' in line and edited <= RESAVE_AFTER:
            lines[i] = line.replace(b'"status":"unread"', b'"status":"skipped"')
            edited += 1
    path.write_bytes(b"\n".join(lines))
    lazy = Library.open(path, lazy=True)
    assert lazy.lazy
    read = lazy._store.papers._read  # type: ignore[attr-defined]
    lazy.warm_index()
    assert read == {}  # saved from the index and the keys alone
    view = open_view(path)
    assert view is not None
    with view:
        assert (view.caught_up, view.changed) == ("", 0)
        assert [h.paper.id for h in view.search("status:skipped")] == [
            h.paper.id for h in Library.open(path).search("status:skipped")
        ]


WRITER = """
import sys
from readinglist.core.changes import Change
from readinglist.core.library import Library
db, tag, how, ids = sys.argv[1:5]
library = Library.open(db, lazy=how == "lazy")
assert library.lazy == (how == "lazy")
for paper_id in ids.split(","):
    library.edit([paper_id], Change(add_tags=(tag,)))
"""


@pytest.mark.process
def test_lazy_and_full_writers_in_several_processes_lose_no_change(tmp_path: Path) -> None:
    path = tmp_path / "library.json"
    _library(path)
    ids = sorted(p.id for p in Library.open(path))
    groups = [ids[n::4][:40] for n in range(4)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), f"p{n}", how, ",".join(groups[n])],
            stderr=subprocess.PIPE,
        )
        for n, how in enumerate(["full", "lazy", "lazy"])
    ]
    lazy = Library.open(path, lazy=True)
    deadline = time.monotonic() + 60
    while not lazy.changed_on_disk() and time.monotonic() < deadline:
        time.sleep(0.005)  # (from the first write of another process on)
    for paper_id in groups[3]:
        lazy.edit([paper_id], Change(add_tags=("p3",)))
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err.decode()
    final = Library.open(path)
    for n, group in enumerate(groups):
        assert all(f"p{n}" in final.get(pid).tags for pid in group)  # type: ignore[union-attr]
        assert final.tag_counts()[f"p{n}"] == 40
    lazy.reload()
    assert lazy.lazy
    assert _state(lazy) == _state(final)


@pytest.mark.unit
def test_commands_on_a_library_with_a_saved_index_write_what_a_full_load_writes(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
    steady: Callable[[], None],
) -> None:
    """A command opens the library from its saved index (reading only the papers it
    changes) and writes exactly what it writes after reading the library whole."""
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    _library(one / "library.json")
    shutil.copytree(one, two, dirs_exist_ok=True)
    index_path(one / "library.json").unlink()  # read whole there
    keys = sorted(p.key for p in Library.open(one / "library.json"))
    commands = [
        ["tag", "--key", keys[1], "--key", keys[2], "+fresh", "-to-read"],
        ["status", "--key", keys[3], "read"],
        ["note", keys[4], "read", "again"],
        ["rekey", keys[5], "renamed2024"],
        ["rm", "--yes", "--key", keys[6]],
        ["merge", keys[7], keys[8]],
        ["undo"],
        ["tag", "graph neural", "+gnn"],
        ["export", "--key", keys[9]],
    ]
    outputs = {}
    for where in (one, two):
        steady()
        db = where / "library.json"
        outputs[where] = [cli("--db", db, *command) for command in commands]
        assert all(result.code == 0 for result in outputs[where]), outputs[where]
    assert outputs[one] == outputs[two]
    assert (two / "library.json").read_bytes() == (one / "library.json").read_bytes()
    assert index_path(two / "library.json").exists()


@pytest.mark.unit
def test_a_key_marked_used_is_not_indexed_again_but_searches_give_the_new_version(
    tmp_path: Path,
) -> None:
    path = tmp_path / "library.json"
    _library(path)
    lazy = Library.open(path, lazy=True)
    index = lazy.index
    hits = lazy.search("graph neural netw", limit=5)
    ids = [h.paper.id for h in hits]
    assert ids and not any(h.paper.key_used for h in hits)
    terms_before = index.state()[14:23]  # postings, tags, sources, letters, keys
    lazy.mark_used(ids)
    assert index.state()[14:23] == terms_before  # nothing posted or unposted
    again = lazy.search("graph neural netw", limit=5)
    assert [h.paper.id for h in again] == ids
    assert all(h.paper.key_used for h in again)
    assert _state(lazy) == _state(Library.open(path))


@pytest.mark.unit
def test_a_library_reached_through_a_symlink_is_written_through_it_lazily(tmp_path: Path) -> None:
    real = tmp_path / "data" / "library.json"
    real.parent.mkdir()
    _library(real)
    link = tmp_path / "library.json"
    link.symlink_to(real)
    lazy = Library.open(link, lazy=True)
    assert lazy.lazy
    paper = sorted(lazy, key=lambda p: p.id)[5]
    lazy.edit([paper.id], Change(add_tags=("through-link",)))
    lazy.edit([paper.id], Change(fields={"status": "read"}))  # (read from the file written)
    assert link.is_symlink() and link.resolve() == real
    stored = Library.open(real).get(paper.id)
    assert stored is not None and "through-link" in stored.tags and stored.status == "read"
    assert _state(lazy) == _state(Library.open(real))
