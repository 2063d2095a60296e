"""The search index saved beside the library: a one-shot query answers from it
without loading the library, and always answers as a full load would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readinglist.core.changes import Change
from readinglist.core.library import Library, Reader
from readinglist.core.library.catchup import open_view
from readinglist.core.library.changelog import log_path
from readinglist.core.library.savedindex import index_path
from readinglist.core.model import Paper

from .conftest import mixed_library

DATA = Path(__file__).parent / "data"

# Typos, prefixes, phrases, exclusions and every filter form.
QUERIES = [
    "atention",
    "distilation knowledge",
    "transf",
    "graph neural netw",
    '"neural network"',
    "learning -graph",
    "tag:to-read",
    "tag:to-read attention",
    "year:2019..2021 model",
    "status:read",
    "key:smith",
    "has:doi",
    "rating:3..",
    "sort:year learning",
    "author:garcia",
    "added:2021",
    "vision sort:title",
]


def _library(tmp_path: Path, n: int = 600) -> Library:
    library: Library = mixed_library(tmp_path / "library.json", n, seed=5, tagged=40, read=10)
    return library


def _full(path: Path, query: str) -> list[str]:
    """What a full load answers (the reference)."""
    return [hit.paper.key for hit in Library.open(path).search(query)]


def _saved(path: Path, query: str) -> tuple[list[str], int]:
    view = open_view(path)
    assert view is not None, "the saved index was not used"
    with view:
        return [hit.paper.key for hit in view.search(query)], view.changed


@pytest.mark.slow
def test_a_saved_index_answers_every_query_form_as_a_full_load(tmp_path: Path) -> None:
    library = _library(tmp_path)
    library.index  # noqa: B018 (built)
    assert library.save_index()
    for query in QUERIES:
        found, changed = _saved(library.path, query)
        assert found == _full(library.path, query), query
        assert changed == 0
    assert sum(bool(_full(library.path, q)) for q in QUERIES) >= len(QUERIES) - 2


@pytest.mark.slow
def test_a_query_reads_only_the_papers_it_ranks(tmp_path: Path) -> None:
    library = _library(tmp_path, n=2000)
    library.index  # noqa: B018
    assert library.save_index()
    view = open_view(library.path)
    assert view is not None
    read: list[str] = []
    paper = view.paper

    def counting(paper_id: str) -> Paper:
        read.append(paper_id)
        return paper(paper_id)

    view.paper = counting  # type: ignore[method-assign]
    with view:
        hits = view.search("atention", limit=20)
    assert len(hits) == 20
    assert 20 <= len(read) <= 300 < len(library.papers)


def _change_elsewhere(library: Library) -> list[Paper]:
    """Another process changes the file: tags, a title, a removal, a new paper
    (5 papers' lines). Returns the papers as they were."""
    papers = library.papers
    other = Library.open(library.path)
    other.edit([papers[100].id, papers[101].id], Change(add_tags=("to-read", "fresh")))
    other.edit([papers[102].id], Change(fields={"title": "Attention Distillation Revisited"}))
    other.delete([papers[103].id])
    other.add(Paper(title="Graph Attention Distillation", key="newcomer2024", year=2024))
    return papers


@pytest.mark.slow
@pytest.mark.parametrize("how", ["log", "scan"])
def test_the_saved_index_catches_up_with_changes_made_since(tmp_path: Path, how: str) -> None:
    library = _library(tmp_path)
    library.index  # noqa: B018
    assert library.save_index()
    papers = _change_elsewhere(library)
    if how == "scan":  # written by a tool that keeps no log (or an older version)
        log_path(library.path).unlink()
    for query in [*QUERIES, "fresh", "revisited", "newcomer", "distillation"]:
        view = open_view(library.path)
        assert view is not None
        with view:
            found = [hit.paper.key for hit in view.search(query)]
            assert (view.caught_up, view.changed) == (how, 5)
        assert found == _full(library.path, query), query
    assert "newcomer2024" in _saved(library.path, "graph attention distil")[0]
    assert papers[103].key not in _saved(library.path, papers[103].title)[0]


@pytest.mark.unit
def test_a_log_that_does_not_match_the_file_is_caught_on_reading(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    library = _library(tmp_path)
    library.index  # noqa: B018
    assert library.save_index()
    _change_elsewhere(library)
    # A log whose lengths are off by one: every line after the first change is
    # looked for in the wrong place.
    log = log_path(library.path)
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    for entry in entries:
        for line in entry["papers"].values():
            if line:
                line[0] += 1
    log.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    for query in ("attention", "fresh", "graph"):
        result = cli("--db", library.path, "list", query)
        assert result.code == 0, result.err
        assert [line.split()[0] for line in result.out.splitlines()] == _full(library.path, query)
    view = open_view(library.path)  # the full load saved the index anew
    assert view is not None and view.caught_up == ""
    view.close()
    assert not log.exists()


@pytest.mark.unit
def test_a_library_written_by_hand_is_left_to_the_full_load(tmp_path: Path) -> None:
    library = _library(tmp_path)
    library.index  # noqa: B018
    assert library.save_index()
    # Same papers, formatted by another program: not the layout the index follows.
    data = json.loads(library.path.read_text(encoding="utf-8"))
    library.path.write_text(json.dumps(data, indent=4), encoding="utf-8")
    assert open_view(library.path) is None
    assert _full(library.path, "attention")


@pytest.mark.unit
def test_a_hand_edit_the_load_refuses_is_refused_by_a_query_too(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    library = _library(tmp_path)
    library.index  # noqa: B018
    assert library.save_index()
    first, second = library.papers[0], library.papers[1]
    text = library.path.read_text(encoding="utf-8")
    # A paper's key hand-edited to another paper's key: the load names both.
    line = next(ln for ln in text.splitlines() if f'"{second.id}": ' in ln)
    edited = line.replace(f'"key":"{second.key}"', f'"key":"{first.key}"')
    assert edited != line
    library.path.write_text(text.replace(line, edited), encoding="utf-8")
    assert open_view(library.path) is None
    full = cli("--db", library.path, "list", "attention")
    assert full.code == 2
    assert first.key in full.err and "\n" not in full.err.strip()


@pytest.mark.unit
def test_a_damaged_index_is_ignored_and_made_again(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    library = _library(tmp_path)
    target = index_path(library.path)
    expected = _full(library.path, "attention")
    for damage in (b"", b"readinglist search index\n" + b"\xff" * 50, b"not an index"):
        target.write_bytes(damage)
        assert open_view(library.path) is None
        result = cli("--db", library.path, "list", "attention")
        assert result.code == 0
        assert [line.split()[0] for line in result.out.splitlines()] == expected
        assert target.read_bytes()[:25] == b"readinglist search index\n"
        assert _saved(library.path, "attention")[0] == expected
    # Cut short: a truncated body is damage too.
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    assert open_view(library.path) is None


@pytest.mark.unit
def test_a_query_never_writes_the_library(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    library = _library(tmp_path)
    before = library.path.read_bytes()
    stamp = library.path.stat().st_mtime_ns
    for _ in range(2):  # the first builds and saves the index, the second reads it
        assert cli("--db", library.path, "list", "attention").code == 0
    assert library.path.read_bytes() == before
    assert library.path.stat().st_mtime_ns == stamp
    assert index_path(library.path).exists()


@pytest.mark.unit
def test_export_from_the_saved_index_is_byte_identical(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    library = _library(tmp_path)
    query = ("--", "year:..2020")
    full = cli("--db", library.path, "export", *query)  # loads the library, marks keys used
    assert full.code == 0 and full.out.count("@") > 5
    assert "@string" in full.out.lower()  # rich.bib's macros travel with its papers
    assert cli("--db", library.path, "list", "attention").code == 0  # saves the index
    stamp = library.path.stat().st_mtime_ns
    quick = cli("--db", library.path, "export", *query)
    assert quick.out == full.out
    assert library.path.stat().st_mtime_ns == stamp  # keys already marked: no write


@pytest.mark.unit
def test_export_still_marks_keys_used_when_answered_from_the_saved_index(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    library = _library(tmp_path)
    assert cli("--db", library.path, "list", "attention").code == 0  # saves the index
    before = library.path.read_bytes().splitlines()
    result = cli("--db", library.path, "export", "attention")
    assert result.code == 0
    exported = {line.split("{")[1].rstrip(",") for line in result.out.splitlines() if "@" in line}
    reloaded = Library.open(library.path)  # (a full load: the file is valid)
    marked = [reloaded.by_key(key) for key in exported]
    assert exported and all(p is not None and p.key_used for p in marked)
    # Only the exported papers' lines changed, and only by the stamp.
    after = library.path.read_bytes().splitlines()
    assert len(after) == len(before)
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert len(changed) == len(exported)
    for old, new in changed:
        doc_old = json.loads(old.decode().split(": ", 1)[1].rstrip(","))
        doc_new = json.loads(new.decode().split(": ", 1)[1].rstrip(","))
        assert doc_new.pop("key_used") and doc_new == doc_old
    # The index follows from the writers' log, re-indexing nothing (search cannot see
    # a key marked used); a second export writes nothing.
    view = open_view(library.path)
    assert view is not None and (view.caught_up, view.changed) == ("log", 0)
    assert [h.paper.key for h in view.search("attention")] == _full(library.path, "attention")
    view.close()
    stamp = library.path.stat().st_mtime_ns
    assert cli("--db", library.path, "export", "attention").out == result.out
    assert library.path.stat().st_mtime_ns == stamp


@pytest.mark.unit
def test_an_index_made_for_other_search_fields_is_not_used(tmp_path: Path) -> None:
    library = _library(tmp_path)
    library.index  # noqa: B018
    assert library.save_index()
    assert open_view(library.path, ["title", "authors"]) is None
    assert open_view(library.path) is not None


@pytest.mark.unit
def test_an_index_path_that_is_not_a_plain_file_is_left_alone(tmp_path: Path) -> None:
    library = _library(tmp_path)
    library.index  # noqa: B018
    elsewhere = tmp_path / "someone-elses-file"
    elsewhere.write_text("keep me", encoding="utf-8")
    index_path(library.path).unlink(missing_ok=True)  # (the import saved one)
    index_path(library.path).symlink_to(elsewhere)
    assert not library.save_index()
    assert elsewhere.read_text(encoding="utf-8") == "keep me"
    assert index_path(library.path).is_symlink()


@pytest.mark.unit
def test_an_index_that_cannot_be_saved_only_costs_the_saving(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    library = _library(tmp_path)
    index_path(library.path).unlink(missing_ok=True)  # (the import saved one)
    index_path(library.path).mkdir()  # something that is not ours sits there
    result = cli("--db", library.path, "list", "attention")
    assert result.code == 0 and result.out
    assert index_path(library.path).is_dir()
    assert open_view(library.path) is None


@pytest.mark.slow
def test_an_index_caught_up_and_saved_again_answers_as_a_full_load(tmp_path: Path) -> None:
    from readinglist.core.search import _pack_postings

    library = _library(tmp_path)
    library.index  # noqa: B018
    assert library.save_index()
    _change_elsewhere(library)
    log_path(library.path).unlink()
    view = open_view(library.path)
    assert view is not None and view.caught_up == "scan"
    with view:
        view.search("attention distillation")  # makes some terms' arrays
        # Packing the saved arrays with the few made since equals packing them all.
        for postings in view.index._postings:
            quick = _pack_postings(postings)
            assert quick == _pack_postings({t: a for t, a in postings.items()})
        assert view.save()
    again = open_view(library.path)
    assert again is not None and again.caught_up == ""
    again.close()
    for query in [*QUERIES, "fresh", "newcomer"]:
        assert _saved(library.path, query)[0] == _full(library.path, query), query


@pytest.mark.unit
def test_marking_keys_after_a_query_keeps_what_another_process_wrote_meanwhile(
    tmp_path: Path,
) -> None:
    """An export answered from the saved index marks its papers' keys used through
    the library, on the file as it is then: a tag another process added after the
    query read the file is kept."""
    library = _library(tmp_path)
    library.index  # noqa: B018
    assert library.save_index()
    reader = Reader(library.path)
    papers = reader.search("attention", limit=3)
    assert papers and not any(p.key_used for p in papers)
    # Another process writes after the query read the file.
    Library.open(library.path).edit([papers[0].id], Change(add_tags=("meanwhile",)))
    reader.mark_used(papers)
    reloaded = Library.open(library.path)
    assert "meanwhile" in reloaded.get(papers[0].id).tags  # type: ignore[union-attr]
    assert all(reloaded.get(p.id).key_used for p in papers)  # type: ignore[union-attr]


@pytest.mark.unit
def test_the_log_tells_which_changes_search_can_see(tmp_path: Path) -> None:
    library = _library(tmp_path)
    library.index  # noqa: B018
    assert library.save_index()
    first, second = library.papers[0], library.papers[1]
    library.mark_used([first.id])  # only the key's use: nothing to re-index
    with library.transaction():  # a new paper, then marked, in one write: re-indexed
        added = library.add(Paper(title="Marked Newcomer", key="marked2025"))
        library.mark_used([added.id, second.id])
    entries = [json.loads(line) for line in log_path(library.path).read_text().splitlines()]
    assert entries[0]["papers"][first.id][2] == 0
    assert entries[1]["papers"][added.id][2] == 1 and entries[1]["papers"][second.id][2] == 0
    view = open_view(library.path)
    assert view is not None and (view.caught_up, view.changed) == ("log", 1)
    with view:
        assert [h.paper.key for h in view.search("marked newcomer")][:1] == ["marked2025"]
        assert view.paper(first.id).key_used and view.paper(second.id).key_used
