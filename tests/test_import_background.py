"""A large file is parsed in a child process while the import plans and indexes the
papers read so far: it gives the library, the history and the saved index the plain
import gives, refuses what the plain import refuses, and yields to another process
that wrote meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from readinglist.core.changes import Change
from readinglist.core.errors import ImportFormatError
from readinglist.core.importers import background, parse_file
from readinglist.core.importers.background import BackgroundParse
from readinglist.core.library import Library
from readinglist.core.library.catchup import open_view
from readinglist.core.model import Paper
from tests.synthetic import synthetic_papers, write_bib

pytestmark = pytest.mark.process  # (the parse runs in a child process)

DATA = Path(__file__).parent / "data"
QUERIES = ["atention", "graph neural netw", "tag:batch", "tag:to-read", "year:2019..2021 model"]


def _bib(path: Path, n: int, seed: int = 3) -> Path:
    papers = synthetic_papers(n, seed=seed)
    # Duplicates inside the file (the same paper twice, the second with a tag) and a
    # paper in both the file and the library: merges the import must get right.
    write_bib([*papers, papers[5], papers[n // 2]], path)
    return path


def _background(path: Path) -> BackgroundParse:
    return BackgroundParse(lambda emit: parse_file(path, emit=emit))


def _content(library: Library) -> list[tuple[object, ...]]:
    """The papers as a reader sees them, without what each import makes afresh."""
    return sorted(
        (p.key, p.title, p.authors, p.year, p.tags, p.abstract, p.aliases, tuple(p.raw.items()))
        for p in library
    )


def _answers(path: Path) -> dict[str, list[str]]:
    view = open_view(path)
    assert view is not None, "the import left no saved index"
    with view:
        assert view.caught_up == "", "the saved index is behind the file"
        return {q: [h.paper.key for h in view.search(q)] for q in QUERIES}


def _existing(path: Path) -> Library:
    library = Library.open(path)
    library.import_papers(synthetic_papers(40, seed=3)[:40], label="earlier")
    first = library.by_key(synthetic_papers(40, seed=3)[0].key)
    assert first is not None
    library.edit([first.id], Change(add_tags=("to-read",)))
    return library


def test_a_file_parsed_in_the_background_imports_as_the_plain_import_does(tmp_path: Path) -> None:
    bib = _bib(tmp_path / "big.bib", 3000)
    plain = _existing(tmp_path / "plain" / "library.json")
    report = plain.import_parsed(parse_file(bib), tags=("batch",))
    staged = _existing(tmp_path / "staged" / "library.json")
    report2, result = staged.import_background(_background(bib), tags=("batch",))
    assert (report2.summary(), report2.notes) == (report.summary(), report.notes)
    assert report.merged  # (the papers the library had)
    parsed = parse_file(bib)
    assert result.source == "big.bib" and result.failures == parsed.failures
    assert result.papers == parsed.papers
    assert _content(Library.open(staged.path)) == _content(Library.open(plain.path))
    labels = Library.open(staged.path).history.labels()
    assert labels[0] == "import of big.bib"
    assert labels == Library.open(plain.path).history.labels()
    # (ranked answers are compared within one library: ties follow ids and times)
    for query in QUERIES:
        full = [h.paper.key for h in Library.open(staged.path).search(query)]
        assert _answers(staged.path)[query] == full, query
    undone = Library.open(staged.path).undo()
    assert undone is not None and undone.label == "import of big.bib"
    assert len(Library.open(staged.path)) == 40


def test_a_paper_a_later_duplicate_completes_is_indexed_as_completed(tmp_path: Path) -> None:
    """A listing whose first paper comes first with its abstract cut short and later
    whole: the paper indexed as it was first read is indexed again, whole."""
    text = (DATA / "daily-papers-compact.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    lines[3] = lines[3].split(". ")[0] + "."
    listing = tmp_path / "two-days.txt"
    listing.write_text("\n".join(lines) + "\n" + text, encoding="utf-8")
    library = Library.open(tmp_path / "library.json")
    report, _result = library.import_background(_background(listing))
    assert report.merged_within == 1
    fresh = Library.open(library.path)
    found = [h.paper.title for h in fresh.search("frozen intermediate")]
    # (words of its abstract's later sentences, which only the second copy had)
    assert "Digi-Q: Learning Q-Value Functions for Training Device-Control Agents" in found
    assert library.index_ready  # (the index made while the file was read)
    for query in ("frozen intermediate", "atention", "speculativ sampling", "digi-q"):
        held = [h.paper.id for h in library.search(query)]
        assert held == [h.paper.id for h in fresh.search(query)], query
    assert library.save_index()
    view = open_view(library.path)
    assert view is not None
    with view:
        assert [h.paper.title for h in view.search("frozen intermediate")] == found


def test_a_truncated_file_parsed_in_the_background_writes_nothing(tmp_path: Path) -> None:
    bib = _bib(tmp_path / "big.bib", 600)
    data = bib.read_bytes()
    bib.write_bytes(data[: data.rindex(b"title")])  # cut inside the last entry
    library = _existing(tmp_path / "library.json")
    before = library.path.read_bytes()
    with pytest.raises(ImportFormatError, match="truncated"):
        library.import_background(_background(bib))
    assert library.path.read_bytes() == before
    assert len(Library.open(library.path)) == 40


class _Meanwhile(BackgroundParse):
    """A parse during which another process changes the library."""

    def __init__(self, path: Path, library: Path, paper_id: str) -> None:
        super().__init__(lambda emit: parse_file(path, emit=emit))
        self.library, self.paper_id = library, paper_id

    def batches(self) -> Iterator[list[Paper]]:
        yield from super().batches()
        Library.open(self.library).edit([self.paper_id], Change(add_tags=("meanwhile",)))


def test_a_write_by_another_process_during_the_parse_is_kept(tmp_path: Path) -> None:
    """The import was planned against the library as it was; the file changed, so it
    is planned again under the lock: the other process's tag stays, and every paper
    of the file is imported once."""
    bib = _bib(tmp_path / "big.bib", 800)
    library = _existing(tmp_path / "library.json")
    first = library.papers[0]
    report, _result = library.import_background(_Meanwhile(bib, library.path, first.id))
    reread = Library.open(library.path)
    assert "meanwhile" in reread.get(first.id).tags  # type: ignore[union-attr]
    plain = _existing(tmp_path / "plain" / "library.json")
    assert report.summary() == plain.import_parsed(parse_file(bib)).summary()
    assert len(reread) == len(Library.open(plain.path))
    assert _answers(library.path)["atention"] == [
        h.paper.key for h in Library.open(library.path).search("atention")
    ]


def test_without_fork_the_file_is_parsed_in_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(background, "can_fork", lambda: False)
    bib = _bib(tmp_path / "big.bib", 300)
    library = _existing(tmp_path / "library.json")
    report, result = library.import_background(_background(bib))
    plain = _existing(tmp_path / "plain" / "library.json")
    assert report.summary() == plain.import_parsed(parse_file(bib)).summary()
    assert result.papers == parse_file(bib).papers
    assert _content(Library.open(library.path)) == _content(Library.open(plain.path))


def test_the_command_line_parses_a_large_file_in_the_background(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    """``import`` of a file of 4 MB or more takes the background path, and its saved
    index is current when the command returns."""
    from readinglist.cli import importing

    bib = _bib(tmp_path / "big.bib", 6000)
    assert bib.stat().st_size >= importing.BACKGROUND_AFTER
    db = tmp_path / "library.json"
    done = cli("--db", db, "import", bib)
    assert done.code == 0, done.err
    assert done.out.endswith("big.bib: 6000 added, 0 merged, 0 skipped, 2 failed\n")
    answers = _answers(db)
    assert answers["atention"] and answers["graph neural netw"]
