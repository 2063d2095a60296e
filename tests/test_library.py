"""The library on real TinyDB files: atomic writes, merging, schema, undo support."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from readinglist.core.changes import Change
from readinglist.core.errors import LibraryError
from readinglist.core.library import SCHEMA_VERSION, Library
from readinglist.core.library.fileformat import dump_library, parse_library_bytes
from readinglist.core.model import Paper, Source

pytestmark = pytest.mark.unit


def _paper(title: str, **kw: object) -> Paper:
    return Paper(title=title, **kw)  # type: ignore[arg-type]


def test_new_library_has_schema_and_papers(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    lib = Library.open(db)
    assert not db.exists()  # nothing written until something changes
    lib.add(_paper("Attention Is All You Need", authors=("Vaswani, Ashish",), year=2017))
    data = parse_library_bytes(db.read_bytes(), db)
    assert data["_meta"]["1"]["schema"] == SCHEMA_VERSION
    (doc,) = data["papers"].values()
    assert list(data["papers"]) == [doc["id"]]  # filed under the paper's own id
    assert doc["key"] == "vaswani2017attention"
    assert doc["status"] == "unread"
    assert len(doc["id"]) == 26 and doc["added"].endswith("Z")


def test_new_file_mode_follows_umask_and_lock_is_hidden(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    old = os.umask(0o022)
    try:
        Library.open(db).add(_paper("One"))
    finally:
        os.umask(old)
    assert db.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".lib.json.history",
        ".lib.json.lock",
        "lib.json",
    ]


def test_file_is_one_paper_per_line(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    lib = Library.open(db)
    lib.import_papers([_paper(f"Paper about topic {i}") for i in range(3)])
    lines = db.read_text().splitlines()
    assert sum(1 for line in lines if '"title"' in line) == 3
    assert json.loads(db.read_text())  # and still plain JSON


def test_dump_reuses_cached_lines_until_forgotten(tmp_path: Path) -> None:
    from readinglist.core.library.tinystore import AtomicJSONStorage

    storage = AtomicJSONStorage(tmp_path / "x.json")
    storage.write({"papers": {"b": {"title": "b"}, "a": {"title": "a"}}})
    data = storage.read()
    assert data is not None
    data["papers"]["a"]["title"] = "changed in place"
    storage.forget("papers", ["a"])
    storage.write(data)
    assert parse_library_bytes((tmp_path / "x.json").read_bytes(), Path("x")) == {
        "papers": {"a": {"title": "changed in place"}, "b": {"title": "b"}}
    }
    # The contract: an in-place change that is not forgotten is not re-encoded.
    assert b"".join(dump_library({"t": {"1": {"v": 2}}}, {"t": {"1": b'\n  "1": {"v":1},'}})) == (
        b'{\n"t": {\n  "1": {"v":1},\n  "~": {}\n}\n}\n'
    )
    assert parse_library_bytes(b"".join(dump_library({"t": {}, "u": {"1": {}}})), Path("x")) == {
        "t": {},
        "u": {"1": {}},
    }


def test_a_storage_keeps_encoded_lines_only_from_its_second_write_on(tmp_path: Path) -> None:
    """A process that writes once (an import) holds no copy of the file's lines."""
    from readinglist.core.library.tinystore import AtomicJSONStorage

    path = tmp_path / "x.json"
    storage = AtomicJSONStorage(path)
    data = {"notes": {"b": {"title": "b"}, "a": {"title": "a"}}, "_meta": {"1": {}}}
    storage.write(data)
    assert path.read_bytes() == b"".join(dump_library(data))
    # Nothing was kept by the first write: even a change nobody announced is written.
    data["notes"]["a"]["title"] = "a2"
    storage.write(data)
    assert path.read_bytes() == b"".join(dump_library(data))
    # The second write kept its lines: a change is encoded once forgotten, and a kept
    # line is reused as it is.
    data["notes"]["b"]["title"] = "b2"
    storage.forget("notes", ["b"])
    data["notes"]["a"]["title"] = "a3"
    storage.write(data)
    assert parse_library_bytes(path.read_bytes(), Path("x")) == {
        "notes": {"a": {"title": "a2"}, "b": {"title": "b2"}},
        "_meta": {"1": {}},
    }


def test_the_papers_written_are_read_back_from_the_file_not_held(tmp_path: Path) -> None:
    """Once written, the papers table is read from the file as it is needed (each
    line checked): an import of 150k papers does not keep its 150k documents, and
    the next write copies the unchanged lines instead of encoding them again."""
    from readinglist.core.library.fileformat import LineTable
    from readinglist.core.library.tinystore import AtomicJSONStorage

    path = tmp_path / "x.json"
    storage = AtomicJSONStorage(path)
    data = {"_meta": {"1": {}}, "papers": {"b": {"title": "b"}, "a": {"title": "a"}}}
    storage.write(data)
    held = storage.read()
    assert held is not None and isinstance(held["papers"], LineTable)
    assert held["papers"].where("a") is not None  # a line in the file, not a document
    held["papers"]["a"]["title"] = "a2"  # (decoded when asked for, then written anew)
    storage.write(held)
    assert parse_library_bytes(path.read_bytes(), Path("x")) == {
        "_meta": {"1": {}},
        "papers": {"a": {"title": "a2"}, "b": {"title": "b"}},
    }


def test_a_write_that_fails_while_encoding_leaves_the_file_whole(tmp_path: Path) -> None:
    """The file is written as it is encoded: a document that cannot be encoded, late in
    the file, leaves the old file as it was and no temp file behind."""
    from readinglist.core.library.tinystore import AtomicJSONStorage

    path = tmp_path / "x.json"
    storage = AtomicJSONStorage(path)
    docs: dict[str, Any] = {f"p{i:05}": {"title": "x" * 100} for i in range(20_000)}
    storage.write({"papers": docs})
    before = path.read_bytes()
    docs["p19999"] = {"title": {1, 2}}  # a set: not JSON
    with pytest.raises(TypeError):
        storage.write({"papers": docs})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert len(parse_library_bytes(path.read_bytes(), Path("x")) or {}) == 1


def test_lines_are_in_id_order_and_end_with_a_fixed_line(tmp_path: Path) -> None:
    """Adding a paper adds one line and edits none: what lets git merge branches."""
    db = tmp_path / "lib.json"
    lib = Library.open(db)
    lib.import_papers([_paper(f"Paper number {i}") for i in range(5)])
    before = db.read_text().splitlines()
    lib.add(_paper("One more paper"))
    after = db.read_text().splitlines()
    assert len(after) == len(before) + 1 and set(before) <= set(after)
    ids = [json.loads("{" + line.rstrip(",") + "}") for line in after if '"title"' in line]
    assert [next(iter(d)) for d in ids] == sorted(next(iter(d)) for d in ids)


def test_reopen_sees_every_field(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    paper = _paper(
        "Müller's ELA",
        authors=("Müller, Jürgen", "Ng, A"),
        year=2024,
        tags=("kd", "vision"),
        doi="10.1/X",
        code_url="https://github.com/a/b",
        notes="read §3",
        sources=(Source("dailypapers", "today.txt", "Mar 11"),),
        extra={"month": "mar", "publisher": "ACM"},
    )
    stored = Library.open(db).add(paper)
    again = Library.open(db).get(stored.id)
    assert again == stored


def test_import_merges_duplicates_by_doi_arxiv_and_title(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib.json")
    lib.import_papers(
        [
            _paper("First", doi="10.5555/ABC"),
            _paper("Second", arxiv="2401.00001"),
            _paper("{ELA}: Efficient Local Attention for Deep CNNs"),
        ]
    )
    report = lib.import_papers(
        [
            _paper("First (journal version)", doi="https://doi.org/10.5555/abc", year=2020),
            _paper("Second, renamed", arxiv="arXiv:2401.00001v3", tags=("x",)),
            _paper("ELA - efficient local attention for deep CNNs!", abstract="abs"),
            _paper("ELA: Efficient Local Atention for Deep CNNs", tags=("typo",)),
        ]
    )
    assert len(report.added) == 0
    assert len(lib) == 3
    first = next(p for p in lib if p.title == "First")
    assert first.year == 2020
    ela = next(p for p in lib if p.title.startswith("{ELA}"))
    assert ela.abstract == "abs" and "typo" in ela.tags
    assert {p.title for p in report.before} <= {p.title for p in lib}


def test_numbers_keep_versions_apart(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib.json")
    report = lib.import_papers(
        [_paper("Llama 2: Open Foundation and Fine-Tuned Chat Models"),
         _paper("Llama 3: Open Foundation and Fine-Tuned Chat Models")]
    )  # fmt: skip
    assert len(report.added) == 2


def test_second_import_is_all_skipped_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    lib = Library.open(db)
    papers = [_paper(f"Distinct title number {i} on graphs", tags=("a",)) for i in range(50)]
    lib.import_papers(papers)
    before = db.stat().st_mtime_ns, db.read_bytes()
    report = lib.import_papers(papers)
    assert report.skipped == 50 and not report.added and not report.merged
    assert (db.stat().st_mtime_ns, db.read_bytes()) == before


def test_import_tags_and_progress(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib.json")
    seen: list[tuple[int, int]] = []
    report = lib.import_papers(
        [_paper(f"Some paper {i} about vision") for i in range(1200)],
        tags=["to-triage"],
        progress=lambda done, total: seen.append((done, total)),
    )
    assert len(report.added) == 1200
    assert all(p.tags == ("to-triage",) for p in lib)
    assert seen[-1] == (1200, 1200) and len(seen) >= 3


def test_keys_are_unique_and_pinned(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib.json")
    report = lib.import_papers(
        [_paper(f"Attention {word}", authors=("Vaswani, A",), year=2017) for word in "abc"]
    )
    keys = [p.key for p in report.added]
    assert keys == ["vaswani2017attention", "vaswani2017attentiona", "vaswani2017attentionb"]
    (stored,) = lib.edit([report.added[0].id], Change(fields={"title": "Totally different"}))
    assert stored.key == "vaswani2017attention"
    with pytest.raises(ValueError, match="'key' cannot be set"):
        Change(fields={"key": "hacked"})
    assert Library.open(tmp_path / "lib.json").get(stored.id).key == "vaswani2017attention"  # type: ignore[union-attr]


def test_delete_then_undo_keeps_id_and_key(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    lib = Library.open(db)
    added = lib.import_papers([_paper("One paper"), _paper("Another paper")]).added
    gone = lib.delete([added[0].id])
    assert gone == [added[0]] and len(lib) == 1
    assert len(Library.open(db)) == 1
    report = Library.open(db).undo()  # another process: the history is shared
    assert report is not None and report.reverted == 1 and not report.left_alone
    lib.reload()
    assert lib.get(added[0].id) == added[0]
    reopened = Library.open(db)
    assert reopened.get(added[0].id) == added[0]
    assert reopened.by_key(added[0].key) == added[0]


def test_corrupt_file_is_refused_and_untouched(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    db.write_bytes(b'{"papers": {"1": {"title": "half')
    before = db.read_bytes()
    with pytest.raises(LibraryError, match="not valid JSON"):
        Library.open(db)
    assert db.read_bytes() == before


@pytest.mark.parametrize("payload", [b"[1, 2, 3]", b'{"users": {"1": {"name": "x"}}}', b'"text"'])
def test_foreign_json_is_refused(tmp_path: Path, payload: bytes) -> None:
    db = tmp_path / "lib.json"
    db.write_bytes(payload)
    with pytest.raises(LibraryError, match="not a readinglist library"):
        Library.open(db)
    assert db.read_bytes() == payload


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    db.write_text(json.dumps({"_meta": {"1": {"schema": SCHEMA_VERSION + 1}}, "papers": {}}))
    before = db.read_bytes()
    with pytest.raises(LibraryError, match="newer readinglist"):
        Library.open(db)
    assert db.read_bytes() == before


@pytest.mark.parametrize("meta", [{}, {"_meta": {"1": {"schema": 1}}}])
def test_numbered_documents_of_schema_0_and_1_are_migrated_on_write(
    tmp_path: Path, meta: dict[str, object]
) -> None:
    db = tmp_path / "lib.json"
    doc = {"id": "X1", "key": "old2020paper", "title": "Old paper", "tags": ["a"]}
    db.write_text(json.dumps({**meta, "papers": {"1": doc}}))
    lib = Library.open(db)
    assert lib.by_key("old2020paper") is not None
    lib.add(_paper("New paper"))
    data = parse_library_bytes(db.read_bytes(), db)
    assert data["_meta"]["1"]["schema"] == SCHEMA_VERSION
    assert len(data["papers"]) == 2 and data["papers"]["X1"]["title"] == "Old paper"


def test_external_change_is_seen_and_merged_into_next_write(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    first = Library.open(db)
    first.add(_paper("From the first process"))
    second = Library.open(db)
    second.add(_paper("From the second process"))
    assert first.changed_on_disk()
    first.add(_paper("First again"))  # must not lose the second's paper
    assert not first.changed_on_disk()
    titles = {p.title for p in Library.open(db)}
    assert titles == {"From the first process", "From the second process", "First again"}


def test_failed_write_leaves_old_file_and_memory_consistent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fails mid-write (ENOSPC at fsync) costs the change, never the file."""
    import errno

    db = tmp_path / "lib.json"
    lib = Library.open(db)
    lib.add(_paper("Kept"))
    before = db.read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(LibraryError, match="No space left"):
        lib.add(_paper("Lost"))
    monkeypatch.undo()
    assert db.read_bytes() == before
    assert [p.title for p in lib] == ["Kept"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    lib.add(_paper("Next"))  # the library still works afterwards
    assert sorted(p.title for p in Library.open(db)) == ["Kept", "Next"]


def test_search_index_follows_edits_and_external_changes(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    lib = Library.open(db)
    lib.import_papers([_paper("Efficient Local Attention"), _paper("Graph Transformers")])
    assert [h.paper.title for h in lib.search("atention")] == ["Efficient Local Attention"]
    index = lib.index
    other = Library.open(db)
    other.add(_paper("Sparse Attention Everywhere"))
    (graph,) = [p for p in other if p.title == "Graph Transformers"]
    other.edit([graph.id], Change(fields={"title": "Graph Attention Networks"}))
    lib.reload()
    assert lib.index is index  # patched, not rebuilt
    titles = {h.paper.title for h in lib.search("attention")}
    assert titles == {"Efficient Local Attention", "Sparse Attention Everywhere",
                      "Graph Attention Networks"}  # fmt: skip
    assert not lib.search("transformers")


def test_index_warmed_up_in_a_worker_catches_up_on_changes_made_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI's warm-up builds the index from a snapshot without holding the
    library: edits made by other threads meanwhile reach it when it is installed."""
    import threading

    from readinglist.core.search import SearchIndex

    lib = Library.open(tmp_path / "lib.json")
    first, second = lib.import_papers([_paper("Alpha Networks"), _paper("Beta Networks")]).added
    built, go = threading.Event(), threading.Event()
    build = SearchIndex.__init__

    def slow_build(self: SearchIndex, *args: Any, **kwargs: Any) -> None:
        build(self, *args, **kwargs)
        built.set()
        assert go.wait(10)

    monkeypatch.setattr(SearchIndex, "__init__", slow_build)
    worker = threading.Thread(target=lib.warm_index)
    worker.start()
    assert built.wait(10)  # built from the snapshot; not yet installed
    lib.delete([first.id])
    lib.edit([second.id], Change(fields={"title": "Gamma Networks"}))
    lib.add(_paper("Delta Networks"))
    go.set()
    worker.join(10)
    assert lib.index_ready
    assert sorted(h.paper.title for h in lib.search("networks")) == [
        "Delta Networks",
        "Gamma Networks",
    ]
    assert not lib.search("alpha")  # (Beta keeps its key, betanetworks)


def test_duplicates_within_one_import_merge_and_stay_findable(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib.json")
    report = lib.import_papers(
        [
            _paper("Efficient Local Attention for Deep CNNs"),
            _paper("Efficient local attention for deep CNNs", doi="10.1/ela", tags=("kd",)),
            _paper("Efficient Local Attention for Deep CNNs"),
        ]
    )
    assert (len(report.added), report.merged_within, report.skipped) == (1, 1, 1)
    (paper,) = lib.papers
    assert paper.doi == "10.1/ela" and paper.tags == ("kd",)
    again = lib.import_papers([_paper("A renamed journal version", doi="10.1/ELA", year=2024)])
    assert not again.added and again.merged[0].id == paper.id
