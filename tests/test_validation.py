"""Hand-edited libraries: every field has a type, and a wrong one is one line naming the
paper and the field (exit 2, file untouched) — never a traceback, never mangled data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from readinglist.core.errors import LibraryError
from readinglist.core.library import SCHEMA_VERSION, Library

from .conftest import run_process

GOOD = {
    "id": "AAAAAAAAAAAAAAAAAAAAAAAAAA",
    "key": "good2020paper",
    "entry_type": "article",
    "title": "A good paper",
    "authors": ["Good, Ann"],
    "abstract": "",
    "year": 2020,
    "venue": "",
    "doi": "",
    "arxiv": "",
    "url": "",
    "code_url": "",
    "tags": ["to-read"],
    "status": "unread",
    "priority": None,
    "rating": None,
    "notes": "",
    "added": "2026-01-01T00:00:00Z",
    "updated": "2026-01-01T00:00:00Z",
    "read_at": "",
    "sources": [{"kind": "bibtex", "file": "refs.bib"}],
    "extra": {"pages": "1--2"},
    "raw": {"title": "{A} good paper"},
    "aliases": ["old2020key"],
    "key_used": "",
}

TEXT_FIELDS = ["id", "key", "entry_type", "title", "abstract", "venue", "doi", "arxiv", "url",
               "code_url", "status", "notes", "added", "updated", "read_at",
               "key_used"]  # fmt: skip
LIST_FIELDS = ["authors", "tags", "aliases"]
NUMBER_FIELDS = ["year", "priority", "rating"]
MAP_FIELDS = ["extra", "raw"]

WRONG: list[tuple[str, Any]] = (
    [(name, value) for name in TEXT_FIELDS for value in (3, ["x"], {"x": "y"}, True)]
    + [(name, value) for name in LIST_FIELDS for value in ("to-read", 3, {"a": "b"}, [1], [None])]
    + [(name, value) for name in NUMBER_FIELDS for value in ("2020", 2020.5, True, [2020])]
    + [(name, value) for name in MAP_FIELDS for value in ("x", ["x"], {"k": 1}, {"k": []})]
    + [("extra", {"k": None})]  # (raw may hold null: "the text in plain braces")
    + [("sources", value) for value in ("refs.bib", ["refs.bib"], [{"kind": 1}], {"kind": "x"})]
    + [("status", "done")]
)


def _filed(doc: dict[str, Any]) -> str:
    return doc["id"] if isinstance(doc["id"], str) else GOOD["id"]


def _write(path: Path, *docs: dict[str, Any], schema: int = SCHEMA_VERSION) -> bytes:
    data = {"_meta": {"1": {"schema": schema}}, "papers": {_filed(d): d for d in docs}}
    payload = json.dumps(data, indent=1).encode()
    path.write_bytes(payload)
    return payload


@pytest.mark.unit
def test_a_well_formed_hand_written_library_loads(tmp_path: Path) -> None:
    _write(tmp_path / "lib.json", GOOD)
    paper = Library.open(tmp_path / "lib.json").by_key("old2020key")  # an alias finds it
    assert (
        paper is not None and paper.tags == ("to-read",) and paper.raw["title"] == "{A} good paper"
    )


@pytest.mark.unit
@pytest.mark.parametrize(("field", "value"), WRONG, ids=[f"{f}={v!r}" for f, v in WRONG])
def test_every_wrong_type_is_one_line_naming_paper_and_field(
    tmp_path: Path, field: str, value: Any
) -> None:
    db = tmp_path / "lib.json"
    before = _write(db, {**GOOD, field: value})
    with pytest.raises(LibraryError) as caught:
        Library.open(db)
    message = str(caught.value)
    assert "\n" not in message and f"'{field}'" in message
    if field != "key":
        assert "good2020paper" in message
    assert db.read_bytes() == before


@pytest.mark.process
@pytest.mark.parametrize("command", [["list"], ["stats"], ["tag", "--key", "good2020paper", "+x"],
                                     ["add", "--title", "New"], []])  # fmt: skip
def test_cli_and_tui_refuse_a_wrong_type_with_exit_2(tmp_path: Path, command: list[str]) -> None:
    """``[]`` is the TUI: it refuses before it draws anything."""
    db = tmp_path / "lib.json"
    before = _write(db, {**GOOD, "tags": "to-read"})
    result = run_process("--db", db, *command)
    assert result.code == 2
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert "'tags' must be a list of text" in result.err and "good2020paper" in result.err
    assert db.read_bytes() == before


@pytest.mark.unit
def test_two_papers_under_one_id_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    line = json.dumps(GOOD)
    other = json.dumps({**GOOD, "key": "other2021paper"})
    payload = (
        f'{{"_meta": {{"1": {{"schema": {SCHEMA_VERSION}}}}},\n"papers": {{\n'
        f'  "{GOOD["id"]}": {line},\n  "{GOOD["id"]}": {other}\n}}}}\n'
    ).encode()
    db.write_bytes(payload)
    with pytest.raises(LibraryError, match="appears twice"):
        Library.open(db)
    assert db.read_bytes() == payload


@pytest.mark.unit
def test_two_numbered_documents_with_one_paper_id_are_refused(tmp_path: Path) -> None:
    """A schema-1 file whose git conflict was resolved by keeping both lines."""
    db = tmp_path / "lib.json"
    data = {"_meta": {"1": {"schema": 1}}, "papers": {"1": GOOD, "2": {**GOOD, "title": "B"}}}
    db.write_text(json.dumps(data))
    with pytest.raises(LibraryError, match="belongs to two papers"):
        Library.open(db)


@pytest.mark.unit
@pytest.mark.parametrize("clash", ["key", "alias"])
def test_one_key_on_two_papers_is_refused(tmp_path: Path, clash: str) -> None:
    db = tmp_path / "lib.json"
    second = {**GOOD, "id": "BBBBBBBBBBBBBBBBBBBBBBBBBB", "aliases": []}
    second["key"] = GOOD["key"] if clash == "key" else "old2020key"
    before = _write(db, GOOD, second)
    with pytest.raises(LibraryError, match="belongs to two papers") as caught:
        Library.open(db)
    assert "good2020paper" in str(caught.value)
    assert db.read_bytes() == before


@pytest.mark.unit
def test_a_paper_filed_under_another_id_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    data = {"_meta": {"1": {"schema": SCHEMA_VERSION}}, "papers": {"OTHER": GOOD}}
    db.write_text(json.dumps(data))
    with pytest.raises(LibraryError, match="filed under 'OTHER'"):
        Library.open(db)


@pytest.mark.unit
def test_an_unreadable_change_is_never_written_over(tmp_path: Path) -> None:
    """A process holding a good view must not write over a file that became bad."""
    db = tmp_path / "lib.json"
    _write(db, GOOD)
    lib = Library.open(db)
    bad = _write(db, {**GOOD, "year": "2020"})
    for _ in range(2):
        with pytest.raises(LibraryError, match="'year' must be a whole number"):
            lib.add(lib.get(GOOD["id"]) or lib.papers[0])  # type: ignore[arg-type]
        assert db.read_bytes() == bad


@pytest.mark.unit
@pytest.mark.parametrize("field", ["key", "aliases"])
def test_a_key_that_would_break_a_bib_is_refused(tmp_path: Path, field: str) -> None:
    """No readinglist command makes such a key; a hand edit can. It is refused on load,
    so no export ever has to rename it."""
    db = tmp_path / "lib.json"
    before = _write(db, {**GOOD, field: "bad key" if field == "key" else ["a,b"]})
    with pytest.raises(LibraryError, match="holds a key with a space"):
        Library.open(db)
    assert db.read_bytes() == before
