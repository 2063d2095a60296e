"""The library on real data nobody here wrote: a slice of the ML Anthology's public
bibliography (``../shared/realworld``, beside a checkout; the tests skip, saying so,
where it is not). An import leaves the saved index current, and after bulk changes
through the TUI's path and the command line's, the index answers as a full load."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from readinglist.core.changes import Change
from readinglist.core.library import Library
from readinglist.core.library.catchup import open_view

pytestmark = pytest.mark.realworld

CORPUS = (
    Path(__file__).resolve().parent.parent.parent / "shared/realworld/mlanthology-corpus.bib.gz"
)
ENTRIES = 20_000


@pytest.fixture(scope="module")
def real_bib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first entries of the real corpus, cut at an entry's start."""
    if not CORPUS.is_file():
        pytest.skip(f"the real corpus is not beside this checkout ({CORPUS})")
    out = tmp_path_factory.mktemp("real") / "anthology.bib"
    with gzip.open(CORPUS, "rb") as packed:
        data = packed.read(60 << 20)
    starts, at = 0, 0
    while starts <= ENTRIES:
        at = data.find(b"\n@", at + 1)
        assert at > 0, "the corpus is shorter than expected"
        starts += 1
    out.write_bytes(data[: at + 1])
    return out


def _queries(library: Library) -> list[str]:
    """Query forms built from the library's own titles, keys and tags."""
    papers = sorted(library, key=lambda p: p.id)[:: max(1, len(library) // 5)][:5]
    words = [w.strip(":,.").lower() for p in papers for w in p.title.split() if len(w) > 5]
    typo = words[0][:2] + words[0][3:]
    return [
        typo,
        f"{words[1]} {words[2]}",
        words[3][:4],
        f"key:{papers[0].key[:3]}",
        "tag:real",
        "status:read",
        "year:2015..2019 learning",
        f"learning -{words[4]}",
        '"neural network"',
        "sort:year attention",
    ]


def _answers(path: Path, queries: list[str]) -> dict[str, list[str]]:
    view = open_view(path)
    assert view is not None, "no usable saved index"
    with view:
        assert view.caught_up == "", "the saved index is behind the file"
        return {q: [h.paper.key for h in view.search(q)] for q in queries}


def _full(path: Path, queries: list[str]) -> dict[str, list[str]]:
    library = Library.open(path)
    return {q: [h.paper.key for h in library.search(q)] for q in queries}


def test_a_real_library_stays_searchable_through_bulk_changes(
    real_bib: Path,
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    db = tmp_path / "library.json"
    done = cli("--db", db, "import", real_bib)
    assert done.code == 0, done.err
    library = Library.open(db)
    assert len(library) > 19_000
    queries = _queries(library)
    assert _answers(db, queries) == _full(db, queries)  # ready when the import returned
    # The TUI's path: the library opened from its index, thousands of papers tagged.
    lazy = Library.open(db, lazy=True)
    assert lazy.lazy
    many = [h.paper.id for h in lazy.search("learning")][:6000]
    assert len(many) > 4000
    lazy.edit(many, Change(add_tags=("real",)))
    lazy.edit(many[:2500], Change(fields={"status": "read"}))
    assert _answers(db, queries) == _full(db, queries)
    # The command line's: a bulk removal, then its undo.
    assert cli("--db", db, "rm", "--yes", "--", "tag:real", "year:..2012").code == 0
    assert _answers(db, queries) == _full(db, queries)
    assert cli("--db", db, "undo").code == 0
    assert _answers(db, queries) == _full(db, queries)
    assert len(Library.open(db).search("tag:real")) == len(many)
