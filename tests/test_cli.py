"""The CLI (SPEC §8): every command, exit codes, and the library's safety at the edges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readinglist.core.changes import Change
from readinglist.core.library import Library

from .conftest import DATA, run_process

BLANK = DATA / "daily-papers-blank-lines.txt"
COMPACT = DATA / "daily-papers-compact.txt"
# Counted by hand in the two listings: 58 and 267 papers, 8 titles in both.
DISTINCT_IN_SAMPLES = 58 + 267 - 8


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "lib.json"


@pytest.mark.unit
def test_import_samples_then_again_adds_nothing(cli, db: Path) -> None:  # type: ignore[no-untyped-def]
    first = cli("--db", db, "import", BLANK, COMPACT, "--tag", "to-triage")
    assert first.code == 0
    assert "58 added" in first.out and "259 added, 8 merged" in first.out
    assert len(Library.open(db)) == DISTINCT_IN_SAMPLES
    before = db.read_bytes()
    again = cli("--db", db, "import", COMPACT, BLANK)
    assert again.code == 0
    assert "0 added, 0 merged, 267 skipped" in again.out
    assert db.read_bytes() == before
    lib = Library.open(db)
    assert lib.tag_counts() == {"to-triage": DISTINCT_IN_SAMPLES}
    ela = next(p for p in lib if p.title.startswith("ELA:"))
    assert ela.sources[0].date == "Mar 11" and ela.sources[0].kind == "dailypapers"


@pytest.mark.unit
def test_list_json_has_the_documented_fields(cli, db: Path) -> None:  # type: ignore[no-untyped-def]
    cli("--db", db, "import", BLANK)
    result = cli("--db", db, "list", "--json", "--limit", "3")
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert len(rows) == 3
    required = {"id", "key", "title", "authors", "year", "tags", "status", "abstract", "url",
                "code_url", "doi", "arxiv", "notes", "added"}  # fmt: skip
    assert required <= rows[0].keys()
    assert rows[0]["title"].startswith("ELA: Efficient Local Attention")


@pytest.mark.unit
def test_list_text_and_empty_library(cli, db: Path) -> None:  # type: ignore[no-untyped-def]
    empty = cli("--db", db, "list")
    assert empty.code == 1 and "no paper matched" in empty.err
    cli("--db", db, "add", "--title", "Attention Is All You Need", "--author", "Vaswani, Ashish",
        "--year", "2017", "--tag", "nlp")  # fmt: skip
    result = cli("--db", db, "list")
    assert result.code == 0
    assert result.out.split() == ["vaswani2017attention", "2017", "Vaswani", "unread",
                                  "Attention", "Is", "All", "You", "Need", "[nlp]"]  # fmt: skip


@pytest.mark.unit
def test_add_prints_key_and_env_var_selects_library(
    cli,
    db: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("READINGLIST_DB", str(db))
    result = cli(
        "add", "--title", "Deep Residual Learning", "--author", "He, Kaiming", "--year", "2016"
    )
    assert (result.code, result.out.strip()) == (0, "he2016deep")
    duplicate = cli("add", "--title", "Deep residual learning!")
    assert duplicate.out.strip() == "he2016deep" and "already in the library" in duplicate.err
    assert len(Library.open(db)) == 1


@pytest.mark.unit
def test_add_without_title_is_usage_error(cli, db: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("--db", db, "add", "--author", "X")
    assert result.code == 2 and "--title" in result.err
    assert not db.exists()


@pytest.mark.unit
def test_tag_and_status_by_key(cli, db: Path) -> None:  # type: ignore[no-untyped-def]
    cli("--db", db, "add", "--title", "Paper One", "--tag", "old", "--year", "2020")
    key = Library.open(db).papers[0].key
    assert cli("--db", db, "tag", "--key", key, "+kd", "+Vision", "-old").code == 0
    assert Library.open(db).papers[0].tags == ("kd", "Vision")
    assert cli("--db", db, "tag", "--key", key, "+VISION").out.startswith("tagged 0 of 1")
    assert cli("--db", db, "status", "--key", key, "read").code == 0
    paper = Library.open(db).papers[0]
    assert paper.status == "read" and paper.read_at


@pytest.mark.unit
def test_tag_and_status_usage_errors(cli, db: Path) -> None:  # type: ignore[no-untyped-def]
    cli("--db", db, "add", "--title", "Paper One")
    assert cli("--db", db, "tag", "--key", "nope", "+x").code == 2
    assert cli("--db", db, "tag", "--key", "one").code == 2  # no +TAG/-TAG
    assert cli("--db", db, "status", "--key", "x", "finished").code == 2
    assert cli("--db", db, "frobnicate").code == 2


@pytest.mark.unit
def test_stats(cli, db: Path) -> None:  # type: ignore[no-untyped-def]
    cli("--db", db, "import", BLANK, "--tag", "mar11")
    out = cli("--db", db, "stats").out
    assert "papers: 58" in out and "unread 58" in out and "mar11 58" in out


@pytest.mark.process
def test_bibtex_from_stdin_via_real_process(db: Path) -> None:
    bib = b"@article{smith2020, title={A {BERT} Study}, author={Smith, John}, year=2020}\n"
    result = run_process("--db", db, "add", "--bibtex", "-", stdin=bib)
    assert result.code == 0, result.err
    assert result.out.strip() == "smith2020"


# -- safety at the edges ---------------------------------------------------------------
BAD_INPUTS = sorted((DATA / "bad").iterdir())


@pytest.mark.unit
@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[p.name for p in BAD_INPUTS])
def test_bad_input_exits_2_and_leaves_library_unchanged(cli, db: Path, bad: Path) -> None:  # type: ignore[no-untyped-def]
    cli("--db", db, "import", BLANK)
    before = db.read_bytes()
    result = cli("--db", db, "import", bad)
    assert result.code == 2, result.err
    assert result.err.count("\n") == 1 and bad.name in result.err
    assert "Traceback" not in result.err
    assert db.read_bytes() == before


@pytest.mark.unit
def test_bad_file_among_good_ones_imports_nothing(cli, db: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("--db", db, "import", BLANK, DATA / "bad" / "image.png")
    assert result.code == 2
    assert not db.exists()


@pytest.mark.unit
def test_missing_file_is_one_line_error(cli, db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("--db", db, "import", tmp_path / "nope.txt")
    assert result.code == 2 and result.err.count("\n") == 1


@pytest.mark.process
def test_corrupt_library_exit_2_untouched_no_traceback(tmp_path: Path) -> None:
    db = tmp_path / "lib.json"
    db.write_bytes(b'{"_meta": {"1": {"schema": 1}}, "papers": {"1": {"title": "torn')
    before = db.read_bytes()
    for args in (["list"], ["import", str(BLANK)], ["add", "--title", "X"], ["stats"]):
        result = run_process("--db", db, *args)
        assert result.code == 2, args
        assert "Traceback" not in result.err
        assert result.err.count("\n") == 1 and "left untouched" in result.err
        assert db.read_bytes() == before


@pytest.mark.unit
def test_library_path_that_is_a_directory(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("--db", tmp_path, "list")
    assert result.code == 2 and "directory" in result.err


@pytest.mark.unit
def test_broken_entries_mid_file_import_the_good_ones(cli, db: Path) -> None:  # type: ignore[no-untyped-def]
    """Unlike a truncated file, a .bib with a broken entry in the middle imports the rest."""
    result = cli("--db", db, "import", DATA / "broken-middle.bib")
    assert result.code == 0, result.err
    assert "2 added" in result.out and "1 failed" in result.out
    assert "line 7" in result.err
    assert {p.key for p in Library.open(db)} == {"good2019first", "good2021third"}


# -- export ------------------------------------------------------------------------------
@pytest.mark.unit
def test_export_to_stdout_file_and_by_key(cli, db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("--db", db, "import", BLANK)
    everything = cli("--db", db, "export")
    assert everything.code == 0 and everything.out.count("@misc{") == 58
    assert "usera = {Daily Papers listing, Mar 11}" in everything.out
    key = Library.open(db).papers[0].key
    one = cli("--db", db, "export", "--key", key)
    assert one.out.count("@misc{") == 1 and f"@misc{{{key}," in one.out
    target = tmp_path / "out.bib"
    written = cli("--db", db, "export", "--key", key, "-o", target)
    assert written.code == 0 and written.out == ""
    assert target.read_text(encoding="utf-8") == one.out
    assert "exported 1 papers" in written.err


@pytest.mark.unit
def test_export_cited_keys_of_a_manuscript(cli, db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("--db", db, "import", BLANK)
    first, second = (p.key for p in Library.open(db).papers[:2])
    tex = tmp_path / "paper.tex"
    tex.write_text(f"As shown \\citep[p.~3]{{{first}}} and \\cite{{{second},nothere2020}}.\n")
    result = cli("--db", db, "export", "--cited", tex)
    assert result.code == 0
    assert result.out.count("@misc{") == 2
    assert "'nothere2020', which is not in the library" in result.err


@pytest.mark.unit
def test_export_nothing_matched(cli, db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("--db", db, "import", BLANK)
    tex = tmp_path / "empty.tex"
    tex.write_text("No citations here.\n")
    assert cli("--db", db, "export", "--cited", tex).code == 1
    assert cli("--db", db, "export", "--key", "missing").code == 2


@pytest.mark.process
def test_import_from_stdin_uses_the_same_checks(db: Path) -> None:
    piped = run_process("--db", db, "import", "-", "--tag", "piped", stdin=BLANK.read_bytes())
    assert piped.code == 0, piped.err
    assert piped.out.startswith("stdin: 58 added")
    before = db.read_bytes()
    binary = run_process("--db", db, "import", "-", stdin=b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert binary.code == 2 and "stdin" in binary.err and binary.err.count("\n") == 1
    assert db.read_bytes() == before


@pytest.mark.unit
def test_every_query_form_through_the_cli(cli, db: Path) -> None:  # type: ignore[no-untyped-def]
    def add(title: str, *extra: str) -> str:
        result = cli("--db", db, "add", "--title", title, *extra)
        assert result.code == 0, result.err
        return result.out.strip()

    vit = add("Vision Transformers at Scale", "--author", "Dosovitskiy, Alexey", "--year", "2021",
              "--tag", "vision", "--tag", "kd")  # fmt: skip
    kd = add("Knowledge Distillation Revisited", "--author", "Müller, Jürgen", "--year", "2019",
             "--tag", "kd", "--url", "https://github.com/x/kd")  # fmt: skip
    old = add("Neural Networks for Pattern Recognition", "--author", "Bishop, C", "--year", "1995")
    cli("--db", db, "status", "--key", kd, "read")
    lib = Library.open(db)
    paper = lib.by_key(old)
    assert paper is not None
    lib.edit([paper.id], Change(fields={"notes": "classic", "code_url": "https://github.com/x/nn"}))

    def keys(query: str) -> set[str]:
        result = cli("--db", db, "list", "--json", query)
        return {json.loads(line)["key"] for line in result.out.splitlines()}

    assert keys("knowlege distilation") == {kd}  # typos
    assert keys('"pattern recognition"') == {old}  # phrase
    assert keys("tag:kd") == {vit, kd}
    assert keys("tag:kd -tag:vision") == {kd}  # AND with a negation
    assert keys("status:read") == {kd}
    assert keys("status:unread") == {vit, old}
    assert keys("year:2021") == {vit}
    assert keys("year:>=2019") == {vit, kd}
    assert keys("year:1990..2019") == {kd, old}
    assert keys("author:muller") == {kd}  # accents optional
    assert keys(f"key:{old[:5]}") == {old}
    assert keys("has:notes") == {old}
    assert keys("has:code") == {old}  # --url is a url, not a code link
    assert keys("tag:kd year:>=2020 vision") == {vit}
    bad = cli("--db", db, "list", "year:abc")
    assert bad.code == 2 and bad.err.count("\n") == 1
    assert cli("--db", db, "list", "tag:nothing").code == 1


@pytest.mark.unit
def test_export_to_an_unwritable_place_is_one_line_error(cli, db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("--db", db, "import", BLANK)
    target = tmp_path / "no-such-dir" / "refs.bib"
    result = cli("--db", db, "export", "-o", target)
    assert result.code == 2 and result.err.count("\n") == 1 and "cannot write" in result.err
    assert not target.parent.exists()
