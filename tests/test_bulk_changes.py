"""Changes to thousands of papers at once keep the library, its history and its saved
search index right: a heavy user's normal day (mark all and tag, undo a big import,
edits while another process removes papers)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from readinglist.core.changes import Change
from readinglist.core.errors import LibraryError
from readinglist.core.library import Library
from readinglist.core.library.catchup import open_view
from tests.synthetic import synthetic_papers

BULK = 6000  # past every batch size inside (papers kept read, dead index slots)


def _saved_keys(path: Path, query: str) -> list[str]:
    view = open_view(path)
    assert view is not None, "the saved index was not used"
    with view:
        return [hit.paper.key for hit in view.search(query)]


def _full_keys(path: Path, query: str) -> list[str]:
    return [hit.paper.key for hit in Library.open(path).search(query)]


def _indexed_library(path: Path, n: int, seed: int = 11) -> Library:
    library = Library.open(path)
    library.import_papers(synthetic_papers(n, seed=seed), label="synthetic")
    library.index  # noqa: B018 (built, to be saved)
    assert library.save_index()
    return library


@pytest.mark.slow
def test_tagging_thousands_of_papers_lazily_keeps_the_saved_index_right(tmp_path: Path) -> None:
    """The TUI's library (opened from its saved index, index installed) tags every
    paper in one change: the saved index then finds every one of them by the tag,
    and keeps finding them after a query catches up and saves it again."""
    path = tmp_path / "library.json"
    _indexed_library(path, BULK)
    lazy = Library.open(path, lazy=True)
    assert lazy.lazy
    ids = [hit.paper.id for hit in lazy.search("")]
    assert len(ids) == len(lazy) > 5000
    changed = lazy.edit(ids, Change(add_tags=("bulk",)))
    assert len(changed) == len(ids)
    assert len(_full_keys(path, "tag:bulk")) == len(ids)
    assert sorted(_saved_keys(path, "tag:bulk")) == sorted(_full_keys(path, "tag:bulk"))
    assert len(lazy.search("tag:bulk")) == len(ids)
    assert Library.open(path, lazy=True).tag_counts().get("bulk") == len(ids)


@pytest.mark.slow
def test_tagging_thousands_of_papers_from_the_command_line_keeps_the_index_right(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "library.json"
    _indexed_library(path, BULK)
    assert cli("--db", path, "tag", "year:1900..2100", "+bulk").code == 0
    listed = cli("--db", path, "list", "tag:bulk")
    assert listed.code == 0
    assert (
        len(listed.out.splitlines()) == len(_full_keys(path, "tag:bulk")) == len(Library.open(path))
    )


@pytest.mark.slow
def test_undo_of_a_big_import_after_a_query_takes_it_all_back(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """Import thousands of papers, run a query (which saves the index), undo: every
    imported paper goes, the history moves back one entry, and queries answer as a
    full load does."""
    path = tmp_path / "library.json"
    _indexed_library(path, 300, seed=2)
    bib = tmp_path / "big.bib"
    bib.write_text(
        "".join(
            f"@article{{big{i},\n  title = {{Bulk paper number {i} on zorbulated retrieval}},\n"
            f"  author = {{Doe, Jane and Roe, Rick}},\n  year = {{2020}}\n}}\n"
            for i in range(BULK)
        )
    )
    assert cli("--db", path, "import", bib).code == 0
    assert cli("--db", path, "list", "zorbulated").code == 0  # the index is saved
    history = cli("--db", path, "undo", "--list").out
    undone = cli("--db", path, "undo")
    assert undone.code == 0, undone.err
    assert "import of big.bib" in undone.out
    assert len(Library.open(path)) == 300
    after = cli("--db", path, "undo", "--list").out
    assert after.splitlines() == history.splitlines()[1:]
    assert cli("--db", path, "list", "zorbulated").code == 1  # nothing matches
    for query in ("", "tag:to-read", "learning"):
        assert sorted(_saved_keys(path, query or "year:0..3000")) == sorted(
            _full_keys(path, query or "year:0..3000")
        )


@pytest.mark.process
def test_an_undo_that_cannot_be_written_keeps_its_history_entry(
    tmp_path: Path, tmpfs: Callable[..., Path]
) -> None:
    """An undo whose library write fails (a full disk) leaves the library and the
    history as they were: the change can be undone once there is room again."""
    built = tmp_path / "built"
    built.mkdir()
    library = _indexed_library(built / "library.json", 2000)
    library.edit([p.id for p in library.papers[:3]], Change(add_tags=("x",)))
    size = (built / "library.json").stat().st_size
    disk = tmpfs(size=f"{size * 3 // 2 // 1024}k")  # room for the library once, not twice
    path = disk / "library.json"
    for name in ("library.json", ".library.json.history"):
        shutil.copyfile(built / name, disk / name)
    labels = Library.open(path).history.labels()
    before = path.read_bytes()
    with pytest.raises(LibraryError, match="cannot write library"):
        Library.open(path, lazy=True).undo()
    assert path.read_bytes() == before
    assert Library.open(path).history.labels() == labels
    moved = tmp_path / "library.json"  # room again: the library moves off the full disk
    for name in ("library.json", ".library.json.history"):
        shutil.copyfile(disk / name, tmp_path / name)
    report = Library.open(moved).undo()
    assert report is not None and report.label == labels[0]
    assert len(Library.open(moved).search("tag:x")) == 0


_WRITER = """
import sys
from readinglist.core.changes import Change
from readinglist.core.errors import LibraryError
from readinglist.core.library import Library
from readinglist.core.errors import LibraryError
path, key, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
failures = []
for i in range(rounds):
    library = Library.open(path, lazy=True)
    paper = library.by_key(key)
    try:
        library.edit([paper.id], Change(add_tags=(f"w{i}",)))
    except LibraryError as exc:
        failures.append(str(exc))
print("\\n".join(failures))
"""

_REMOVER = """
import sys
from readinglist.core.errors import LibraryError
from readinglist.core.library import Library
path, keep = sys.argv[1], set(sys.argv[2:])
library = Library.open(path)
victims = [p for p in library.papers if p.key not in keep]
for i, paper in enumerate(victims[:60]):
    library = Library.open(path, lazy=True)
    other = library.by_key(paper.key)
    if other is None:
        continue
    if i % 2:
        library.delete([other.id])
    else:
        survivor = next(p for p in victims[60 + i :] if library.by_key(p.key))
        library.merge(library.by_key(survivor.key).id, [other.id])
"""


@pytest.mark.process
def test_a_write_while_another_process_removes_and_merges_papers_never_fails(
    tmp_path: Path,
) -> None:
    """Tagging one paper, again and again, while another process removes and merges
    other papers: every tag is kept and no write fails naming a vanished paper."""
    path = tmp_path / "library.json"
    library = _indexed_library(path, 400, seed=4)
    target = library.papers[0].key
    rounds = 60
    remover = subprocess.Popen([sys.executable, "-c", _REMOVER, str(path), target])
    writer = subprocess.run(
        [sys.executable, "-c", _WRITER, str(path), target, str(rounds)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert remover.wait(timeout=300) == 0
    assert writer.returncode == 0, writer.stderr
    assert writer.stdout.strip() == ""
    tags = Library.open(path).by_key(target).tags  # type: ignore[union-attr]
    assert {f"w{i}" for i in range(rounds)} <= set(tags)
    assert len(Library.open(path)) < 400


@pytest.mark.slow
def test_catching_up_with_thousands_of_papers_removed_elsewhere_never_fails(
    tmp_path: Path,
) -> None:
    """A library opened from its saved index (the TUI's, a command's) catches up with
    another process's removal of thousands of papers, then writes: no paper it no
    longer has is read back, and the saved index answers as a full load."""
    path = tmp_path / "library.json"
    _indexed_library(path, BULK)
    held = Library.open(path, lazy=True)
    target = held.papers[0]
    other = Library.open(path)
    gone = [p.id for p in other if p.year is not None and p.year <= 2008 and p.id != target.id]
    assert len(gone) > 1500
    other.delete(gone)
    held.reload()
    assert len(held) == len(Library.open(path))
    held.edit([target.id], Change(add_tags=("after",)))
    assert [h.paper.id for h in held.search("tag:after")] == [target.id]
    assert sorted(_saved_keys(path, "year:1900..2100")) == sorted(
        _full_keys(path, "year:1900..2100")
    )
