"""The triage query forms through ``readinglist list``: the CLI speaks the TUI's language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readinglist.core.changes import Change
from readinglist.core.library import Library
from readinglist.core.model import Paper

from .conftest import DATA
from .tui.conftest import write_library

pytestmark = pytest.mark.unit

BLANK = DATA / "daily-papers-blank-lines.txt"


def test_triage_query_forms_through_the_cli(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "lib.json"
    older = Paper(
        title="Quokka Graph Attention",
        id="01J0000000000000000000000A",
        key="quokka2018graph",
        year=2018,
        added="2025-01-10T12:00:00Z",
        updated="2025-01-10T12:00:00Z",
    )
    write_library(db, [older])
    assert cli("--db", db, "import", BLANK).code == 0  # a "Mar 11" listing, added today
    added = cli("--db", db, "add", "--title", "Quokka Graph Networks: A Survey", "--year", "2020")
    assert added.code == 0, added.err
    survey, gat = added.out.strip(), older.key
    lib = Library.open(db)
    lib.edit([older.id], Change(fields={"rating": 4, "priority": 1}))
    rated = lib.by_key(survey)
    assert rated is not None
    lib.edit([rated.id], Change(fields={"rating": 2}))

    def keys(query: str) -> list[str]:
        result = cli("--db", db, "list", "--json", query)
        assert result.code in (0, 1), result.err
        return [json.loads(line)["key"] for line in result.out.splitlines()]

    listed = keys('source:"Mar 11"')
    assert len(listed) == 58 and survey not in listed  # every paper of that listing
    assert len(keys("source:daily-papers-blank-lines.txt")) == 58
    assert keys("quokka -survey") == [gat]
    assert keys("rating:>=4") == [gat]
    assert keys("rating:2..3") == [survey]
    assert keys("priority:1") == [gat]
    assert len(keys("added:today")) == 59  # the listing and the survey
    assert keys("added:<2025-02") == [gat]
    assert keys("added:2025-01-10") == [gat]
    assert keys("quokka sort:-year") == [survey, gat]
    assert keys("quokka sort:year") == [gat, survey]
    assert keys("quokka sort:-rating") == [gat, survey]
    assert keys("is:marked") == []  # nothing is marked outside the TUI
    assert len(keys("-is:marked quokka")) == 2
    bad = cli("--db", db, "list", "sort:colour")
    assert bad.code == 2 and bad.err.count("\n") == 1 and "sort:colour" in bad.err
