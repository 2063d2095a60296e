"""Every command and option of the click CLI, in process (click's CliRunner): parsing by
shell conventions, one-line errors, exit codes, and the commands that edit papers."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from readinglist import __version__
from readinglist.core.importers.bibtex import parse_bibtex
from readinglist.core.library import Library
from readinglist.core.model import Paper

from .conftest import Result

Cli = Callable[..., Result]

VASWANI = Paper(
    "Attention Is All You Need",
    key="vaswani2017",
    entry_type="article",
    authors=("Vaswani, Ashish", "Shazeer, Noam"),
    year=2017,
    venue="NeurIPS",
    arxiv="1706.03762",
    url="https://papers.example/attention",
    tags=("nlp", "transformers"),
    abstract="The dominant sequence transduction models are recurrent.",
    extra={"pages": "5998--6008"},
    # as the .bib spelled them: export writes these for the fields nobody edits
    raw={"title": "{Attention} Is All You Need", "pages": "5998--6008"},
)
HE = Paper(
    "Deep Residual Learning for Image Recognition",
    key="he2016",
    entry_type="inproceedings",
    authors=("He, Kaiming",),
    year=2016,
    venue="CVPR",
    doi="10.1109/cvpr.2016.90",
    code_url="https://github.com/example/resnet",
    tags=("vision",),
)
# Two more records of He et al. (added without duplicate detection, as a hand-merged
# library or another tool would leave them).
HE_AGAIN = Paper("Deep residual learning for image recognition!", key="he2016b", year=2016,
                 authors=("He, K.",), tags=("cnn",), notes="read section 4")  # fmt: skip
HE_DOI = Paper("ResNet", key="resnet", doi="https://doi.org/10.1109/CVPR.2016.90")
TAGGED = Paper("Tag Recommendation with Graphs", key="tagrec2020", year=2020)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "lib.json"
    library = Library.open(path)
    for paper in (VASWANI, HE, HE_AGAIN, HE_DOI, TAGGED):
        library.add(paper)
    library.history.path.unlink()  # start with an empty undo history
    return path


def paper(db: Path, key: str) -> Paper:
    found = Library.open(db).by_key(key)
    assert found is not None, key
    return found


def keys_of(result: Result) -> list[str]:
    return [json.loads(line)["key"] for line in result.out.splitlines()]


def one_error_line(result: Result, code: int = 2) -> str:
    assert result.code == code, result
    assert result.err.count("\n") == 1 and result.err.count("readinglist:") == 1, result.err
    assert "Traceback" not in result.err and "Usage:" not in result.err
    return result.err


def editor(tmp_path: Path, name: str, body: str) -> str:
    """An executable that edits the file named by its argument with Python ``body``."""
    script = tmp_path / name
    script.write_text(
        f"#!{sys.executable}\nimport sys, pathlib\npath = pathlib.Path(sys.argv[1])\n"
        f"text = path.read_text()\n{body}\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return str(script)


# -- the command line's conventions ---------------------------------------------------------
@pytest.mark.unit
def test_version_and_help(cli: Cli) -> None:
    assert cli("--version").out == f"readinglist {__version__}\n"
    top = cli("--help")
    assert top.code == 0
    for name in ("import", "show", "edit", "rm", "note", "rekey", "open", "duplicates", "merge",
                 "completion", "undo", "merge-driver"):  # fmt: skip
        assert f"\n  {name} " in top.out
    assert cli("list", "-h").out.startswith("Usage: readinglist list [OPTIONS] [QUERY]...")
    assert "[+TAG]... [-TAG]..." in cli("tag", "--help").out


@pytest.mark.unit
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--jsn"], "list: no such option '--jsn' (did you mean '--json'?)"),
        (["frobnicate"], "no such command 'frobnicate'"),
        (["list", "--limit", "x"], "list: invalid value for '--limit': 'x' is not a valid integer"),
        (["list", "--limit", "-1"], "-1 is not in the range x>=0"),
        (["show"], "show: missing argument 'KEY'"),
        (["completion", "tcsh"], "'tcsh' is not one of 'bash', 'zsh', 'fish'"),
        (["pick", "--format", "xml"], "invalid value for '--format'"),
        (["show", "vaswani2017", "--json", "--bibtex"], "--json and --bibtex exclude each other"),
        (["--demo", "list"], "--demo and --db exclude each other"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    cli: Cli, db: Path, args: list[str], message: str
) -> None:
    assert message in one_error_line(cli("--db", db, *args))


@pytest.mark.unit
def test_options_and_query_words_mix_in_any_order(cli: Cli, db: Path) -> None:
    before = cli("--db", db, "list", "--json", "deep", "residual")
    assert before.code == 0 and len(keys_of(before)) >= 2
    assert cli("--db", db, "list", "deep", "--json", "residual").out == before.out
    assert cli("--db", db, "list", "deep", "residual", "--json").out == before.out
    assert keys_of(cli("--db", db, "list", "--limit", "1", "deep", "--json")) == keys_of(before)[:1]
    # -tag:x is a negated filter, not an option; after --, even --json is a query word.
    assert "he2016" not in keys_of(cli("--db", db, "list", "-tag:vision", "--json"))
    assert cli("--db", db, "list", "--json", "--", "--json").code == 1


@pytest.mark.unit
def test_export_tag_dash_o_exports_the_papers_matching_tag(
    cli: Cli, db: Path, tmp_path: Path
) -> None:
    """The issue's case: ``-o`` is export's output, not "remove the tag o"."""
    out = tmp_path / "out.bib"
    result = cli("--db", db, "export", "tag", "-o", out)
    assert result.code == 0, result.err
    assert [p.key for p in parse_bibtex(out.read_text()).papers] == ["tagrec2020"]


@pytest.mark.unit
def test_tag_parses_its_own_operands(cli: Cli, db: Path) -> None:
    cli("--db", db, "tag", "--key", "he2016", "+hard")
    # -hard removes "hard" (-h is not help here); -tag:x stays a query filter.
    assert cli("--db", db, "tag", "--key", "he2016", "-hard", "+easy").code == 0
    assert paper(db, "he2016").tags == ("vision", "easy")
    result = cli("--db", db, "tag", "deep", "-tag:easy", "+checked")
    assert result.out == "tagged 1 of 1 matching papers\n"
    assert "checked" in paper(db, "he2016b").tags and "checked" not in paper(db, "he2016").tags
    assert "needs at least one +TAG or -TAG" in one_error_line(cli("--db", db, "tag", "deep"))
    assert "needs a QUERY or --key" in one_error_line(cli("--db", db, "tag", "+x"))


@pytest.mark.unit
def test_status_and_list_by_key(cli: Cli, db: Path) -> None:
    assert cli("--db", db, "status", "--key", "he2016", "reading").code == 0
    result = cli("--db", db, "list", "--key", "he2016", "--key", "vaswani2017", "--json")
    assert keys_of(result) == ["he2016", "vaswani2017"]
    assert json.loads(result.out.splitlines()[0])["status"] == "reading"
    assert "status needs a status last" in one_error_line(cli("--db", db, "status", "deep"))


@pytest.mark.unit
def test_config_problems_are_warnings(cli: Cli, db: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('key_pattern = "{nope}"\n')
    result = cli("--db", db, "--config", config, "stats")
    assert result.code == 0 and "papers: 5" in result.out
    assert result.err.startswith("readinglist: warning: ") and "config.toml" in result.err


@pytest.mark.unit
def test_demo_library(cli: Cli) -> None:
    result = cli("--demo", "stats")
    assert result.code == 0 and result.out.startswith("papers: 317\n")


# -- import, add, export, merge-driver: the options the older tests do not reach -----------
@pytest.mark.unit
def test_add_with_every_field_option(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "new.json"
    result = cli("--db", db, "add", "--title", "Relational Inductive Biases", "--author",
                 "Battaglia, Peter", "--year", "2018", "--tag", "gnn", "--doi", "10.1/gn",
                 "--arxiv", "1806.01261", "--url", "https://x.example/gn", "--abstract",
                 "Graph networks.", "--type", "Article")  # fmt: skip
    assert (result.code, result.out) == (0, "battaglia2018relational\n")
    added = paper(db, "battaglia2018relational")
    assert (added.entry_type, added.doi, added.arxiv, added.url, added.abstract, added.tags) == (
        "article",
        "10.1/gn",
        "1806.01261",
        "https://x.example/gn",
        "Graph networks.",
        ("gnn",),
    )
    piped = cli(
        "--db",
        db,
        "add",
        "--bibtex",
        "-",
        "--tag",
        "piped",
        input="@misc{grossmann2020, title={Stra{\\ss}e}, author={Gro{\\ss}mann, J}}\n",
    )
    assert (piped.code, piped.out) == (0, "grossmann2020\n")
    assert paper(db, "grossmann2020").tags == ("piped",)


@pytest.mark.unit
def test_import_with_a_forced_format(cli: Cli, tmp_path: Path) -> None:
    from .conftest import DATA

    db = tmp_path / "new.json"
    listing = DATA / "daily-papers-blank-lines.txt"
    assert cli("--db", db, "import", "--format", "dailypapers", listing).code == 0
    forced = cli("--db", db, "import", "--format", "bibtex", listing)
    assert forced.code == 2 and forced.err.count("\n") == 1


@pytest.mark.unit
def test_export_unicode_and_notes(cli: Cli, db: Path) -> None:
    cli("--db", db, "edit", "he2016b", "--set", "author=Müller, Jörg")
    plain = cli("--db", db, "export", "--key", "he2016b").out
    assert 'M{\\"u}ller' in plain and "annote" not in plain
    rich = cli("--db", db, "export", "--key", "he2016b", "--unicode", "--notes").out
    assert "Müller, Jörg" in rich and "annote = {read section 4}" in rich


@pytest.mark.unit
def test_merge_driver_in_process(cli: Cli, tmp_path: Path) -> None:
    from readinglist.core.changes import Change

    base, ours, theirs = (tmp_path / n for n in ("base.json", "ours.json", "theirs.json"))
    (alpha,) = Library.open(base).import_papers([Paper("Alpha")]).added
    for path in (ours, theirs):
        path.write_bytes(base.read_bytes())
    Library.open(ours).edit([alpha.id], Change(add_tags=("a",), fields={"title": "Ours"}))
    Library.open(theirs).edit([alpha.id], Change(add_tags=("b",), fields={"title": "Theirs"}))
    result = cli("merge-driver", base, ours, theirs)
    assert result.code == 1 and "title changed both ways" in result.err
    merged = Library.open(ours).get(alpha.id)
    assert merged is not None and (merged.title, merged.tags) == ("Ours", ("a", "b"))


# -- show ----------------------------------------------------------------------------------------
@pytest.mark.unit
def test_show_text_json_and_bibtex(cli: Cli, db: Path) -> None:
    text = cli("--db", db, "show", "vaswani2017").out
    for line in ("key:     vaswani2017", "authors: Vaswani, Ashish; Shazeer, Noam",
                 "arxiv:   1706.03762", "tags:    nlp, transformers"):  # fmt: skip
        assert line in text
    assert "abstract:\nThe dominant sequence" in text
    shown = json.loads(cli("--db", db, "show", "vaswani2017", "--json").out)
    listed = json.loads(cli("--db", db, "list", "--key", "vaswani2017", "--json").out)
    assert shown == listed
    bib = cli("--db", db, "show", "he2016", "--bibtex").out
    assert bib.startswith("@inproceedings{he2016,")
    assert parse_bibtex(bib).papers[0].title == HE.title


@pytest.mark.unit
def test_show_an_unknown_key_names_close_ones(cli: Cli, db: Path) -> None:
    err = one_error_line(cli("--db", db, "show", "vaswani"))
    assert err == "readinglist: no paper with key 'vaswani' (did you mean vaswani2017?)\n"


# -- note ----------------------------------------------------------------------------------------
@pytest.mark.unit
def test_note_print_set_stdin_and_clear(cli: Cli, db: Path) -> None:
    assert cli("--db", db, "note", "he2016").code == 1
    assert cli("--db", db, "note", "he2016b").out == "read section 4\n"
    assert cli("--db", db, "note", "he2016", "skim", "the", "appendix").code == 0
    assert paper(db, "he2016").notes == "skim the appendix"
    assert cli("--db", db, "note", "he2016", "-", input="line one\nline two\n").code == 0
    assert paper(db, "he2016").notes == "line one\nline two"
    cleared = cli("--db", db, "note", "he2016", "")
    assert cleared.err == "note of he2016 cleared\n" and paper(db, "he2016").notes == ""
    assert "not both" in one_error_line(cli("--db", db, "note", "he2016", "x", "--edit"))


@pytest.mark.process
def test_note_edit_opens_the_editor(cli: Cli, db: Path, tmp_path: Path) -> None:
    append = editor(tmp_path, "ed", "path.write_text(text + 'and the ablations\\n')")
    assert cli("--db", db, "note", "he2016b", "--edit", env={"EDITOR": append}).code == 0
    assert paper(db, "he2016b").notes == "read section 4\nand the ablations"
    assert Library.open(db).history.labels()[0] == "note of he2016b"
    failing = cli("--db", db, "note", "he2016b", "--edit", env={"VISUAL": "false"})
    assert failing.code == 1 and paper(db, "he2016b").notes.endswith("ablations")


# -- edit ----------------------------------------------------------------------------------------
@pytest.mark.unit
def test_edit_set_changes_only_the_fields_named(cli: Cli, db: Path) -> None:
    result = cli("--db", db, "edit", "vaswani2017", "--set", "year=2018", "--set",
                 "note=Oral", "--set", "pages=", "--set", "author=Vaswani, A. and Parmar, N.",
                 "--set", "status=read", "--set", "rating=5")  # fmt: skip
    assert result.code == 0, result.err
    edited = paper(db, "vaswani2017")
    assert (edited.year, edited.authors, edited.status, edited.rating) == (
        2018, ("Vaswani, A.", "Parmar, N."), "read", 5)  # fmt: skip
    assert edited.extra == {"note": "Oral"}
    assert edited.raw == {"title": "{Attention} Is All You Need"}  # untouched: kept verbatim
    assert cli("--db", db, "undo").out == "undid: edit vaswani2017\n"
    back = paper(db, "vaswani2017")
    assert (back.year, back.authors, back.status, back.rating) == (2017, VASWANI.authors,
                                                                   "unread", None)  # fmt: skip
    assert (back.extra, back.raw) == (VASWANI.extra, VASWANI.raw)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("year=20x7", "year must be a whole number"),
        ("key=new2017", "readinglist rekey"),
        ("tags=a", "readinglist tag"),
        ("status=done", "unknown status 'done'"),
        ("rating=9", "rating must be 0 to 5"),
        ("ti tle=x", "not a BibTeX field name"),
        ("title", "wants FIELD=VALUE"),
    ],
)
def test_edit_set_refuses_bad_assignments(
    cli: Cli, db: Path, assignment: str, message: str
) -> None:
    before = db.read_bytes()
    assert message in one_error_line(cli("--db", db, "edit", "he2016", "--set", assignment))
    assert db.read_bytes() == before


@pytest.mark.process
def test_edit_in_an_editor_saves_only_what_changed(cli: Cli, db: Path, tmp_path: Path) -> None:
    script = editor(
        tmp_path,
        "ed",
        "text = text.replace('year = {2017}', 'year = {2018}')\n"
        "text = text.replace('nlp, transformers', 'nlp, attention')\n"
        "path.write_text(text.replace('  title', '  note = {Oral},\\n  title'))",
    )
    result = cli("--db", db, "edit", "vaswani2017", env={"EDITOR": script, "VISUAL": None})
    assert result.code == 0, result.err
    assert result.err == "vaswani2017: changed +attention, -transformers, year, note\n"
    edited = paper(db, "vaswani2017")
    assert (edited.year, edited.tags, edited.extra["note"]) == (2018, ("nlp", "attention"), "Oral")
    assert edited.title == VASWANI.title and edited.raw == VASWANI.raw  # untouched fields
    assert Library.open(db).history.labels()[0] == "edit vaswani2017"


@pytest.mark.process
@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ("path.write_text('@article{vaswani2017,\\n  title = {Broken\\n')", 2, "does not parse"),
        ("path.write_text(text + text.replace('vaswani2017', 'other'))", 2, "expected one entry"),
        ("path.write_text(text.replace('{vaswani2017,', '{vaswani17,'))", 2, "rekey"),
        ("path.write_text(text.replace('{2017}', '{soon}'))", 2, "'soon' is not a year"),
        ("path.write_text('')", 1, "cancelled"),
        ("sys.exit(1)", 1, "cancelled"),
    ],
)
def test_edit_without_a_terminal_changes_nothing_when_the_entry_is_bad(
    cli: Cli, db: Path, tmp_path: Path, body: str, code: int, message: str
) -> None:
    before = db.read_bytes()
    result = cli("--db", db, "edit", "vaswani2017", env={"EDITOR": editor(tmp_path, "e", body)})
    assert message in one_error_line(result, code)
    assert db.read_bytes() == before


@pytest.mark.process
def test_edit_unchanged_entry_saves_nothing(cli: Cli, db: Path) -> None:
    before = db.read_bytes()
    result = cli("--db", db, "edit", "he2016", env={"EDITOR": "true", "VISUAL": None})
    assert (result.code, result.err) == (0, "he2016: nothing changed\n")
    assert db.read_bytes() == before


# -- rekey, rm, undo ------------------------------------------------------------------------------
@pytest.mark.unit
def test_rekey_keeps_the_old_key_and_undo_reverts(cli: Cli, db: Path) -> None:
    result = cli("--db", db, "rekey", "vaswani2017", "vaswani2017attention")
    assert result.out == "vaswani2017 is now vaswani2017attention (vaswani2017 stays an alias)\n"
    assert paper(db, "vaswani2017").key == "vaswani2017attention"
    assert "@article{vaswani2017attention," in cli("--db", db, "export", "--key", "vaswani2017").out
    assert cli("--db", db, "undo").out == "undid: rekey vaswani2017 → vaswani2017attention\n"
    assert paper(db, "vaswani2017").key == "vaswani2017"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("new", "message"),
    [("he2016", "taken by 'he2016'"), ("HE2016", "taken by 'he2016'"), ("a b", "not a usable")],
)
def test_rekey_refuses_a_taken_or_invalid_key(cli: Cli, db: Path, new: str, message: str) -> None:
    before = db.read_bytes()
    assert message in one_error_line(cli("--db", db, "rekey", "vaswani2017", new))
    assert db.read_bytes() == before


@pytest.mark.unit
def test_rm_with_yes_prints_what_it_removed_and_undo_restores(cli: Cli, db: Path) -> None:
    result = cli("--db", db, "rm", "--key", "he2016b", "--key", "resnet", "--yes", "--json")
    assert result.code == 0 and keys_of(result) == ["he2016b", "resnet"]
    assert result.err == "removed 2 papers ('readinglist undo' brings them back)\n"
    assert len(Library.open(db)) == 3
    text = cli("--db", db, "rm", "tag:nlp", "-y")
    assert text.out.startswith("vaswani2017  2017  Vaswani")
    assert cli("--db", db, "undo", "--list").out == "delete vaswani2017\ndelete 2 papers\n"
    assert cli("--db", db, "undo").code == 0 and cli("--db", db, "undo").code == 0
    assert len(Library.open(db)) == 5 and paper(db, "he2016b").notes == HE_AGAIN.notes


@pytest.mark.unit
def test_rm_refuses_without_a_terminal_or_a_selection(cli: Cli, db: Path) -> None:
    before = db.read_bytes()
    assert "add --yes" in one_error_line(cli("--db", db, "rm", "--key", "he2016"))
    assert "needs a QUERY or --key" in one_error_line(cli("--db", db, "rm", "--yes"))
    assert cli("--db", db, "rm", "tag:nosuchtag", "--yes").code == 1
    assert db.read_bytes() == before


@pytest.mark.unit
def test_undo_with_nothing_to_undo(cli: Cli, db: Path) -> None:
    assert one_error_line(cli("--db", db, "undo"), 1) == "readinglist: nothing to undo\n"
    assert cli("--db", db, "undo", "--list").code == 1


# -- open -----------------------------------------------------------------------------------------
@pytest.mark.unit
@pytest.mark.parametrize(
    ("key", "option", "link"),
    [
        ("vaswani2017", None, "https://papers.example/attention"),
        ("he2016", None, "https://doi.org/10.1109/cvpr.2016.90"),
        ("vaswani2017", "--pdf", "https://arxiv.org/pdf/1706.03762"),
        ("vaswani2017", "--url", "https://papers.example/attention"),
        ("he2016", "--doi", "https://doi.org/10.1109/cvpr.2016.90"),
        ("he2016", "--code", "https://github.com/example/resnet"),
    ],
)
def test_open_print_each_link(cli: Cli, db: Path, key: str, option: str | None, link: str) -> None:
    result = cli("--db", db, "open", key, *([option] if option else []), "--print")
    assert (result.code, result.out) == (0, link + "\n")


@pytest.mark.unit
@pytest.mark.parametrize(
    ("key", "option", "message"),
    [
        ("he2016", "--pdf", "he2016 has no PDF link"),
        ("vaswani2017", "--code", "vaswani2017 has no code link"),
        ("tagrec2020", "--url", "tagrec2020 has no URL"),
        ("tagrec2020", "--doi", "tagrec2020 has no DOI"),
    ],
)
def test_open_a_missing_link_is_an_error(
    cli: Cli, db: Path, key: str, option: str, message: str
) -> None:
    assert message in one_error_line(cli("--db", db, "open", key, option, "--print"))


# -- duplicates and merge ------------------------------------------------------------------------
@pytest.mark.unit
def test_duplicates_lists_groups_with_reasons(cli: Cli, db: Path) -> None:
    result = cli("--db", db, "duplicates")
    assert result.code == 0
    head, *rows = result.out.splitlines()
    assert head == "same title, first author and year; same DOI, different title:"
    assert [row.split()[0] for row in rows] == ["he2016", "he2016b", "resnet"]
    groups = [json.loads(line) for line in cli("--db", db, "duplicates", "--json").out.splitlines()]
    assert groups == [{"reasons": ["same title, first author and year",
                                   "same DOI, different title"],
                       "keys": ["he2016", "he2016b", "resnet"]}]  # fmt: skip
    assert cli("--db", db, "duplicates", "attention").code == 1  # only among matches


@pytest.mark.unit
def test_merge_makes_one_paper_and_undo_splits_it_again(cli: Cli, db: Path) -> None:
    result = cli("--db", db, "merge", "he2016", "he2016b", "resnet")
    assert (
        result.out == "merged he2016b, resnet into he2016 (their keys are now aliases of he2016)\n"
    )
    merged = paper(db, "resnet")
    assert merged.key == "he2016" and merged.aliases == ("he2016b", "resnet")
    assert merged.tags == ("vision", "cnn") and merged.notes == "read section 4"
    assert len(Library.open(db)) == 3
    assert cli("--db", db, "duplicates").code == 1
    assert cli("--db", db, "undo").out == "undid: merge he2016b, resnet into he2016\n"
    assert {p.key for p in Library.open(db)} == {p.key for p in (VASWANI, HE, HE_AGAIN,
                                                                HE_DOI, TAGGED)}  # fmt: skip


@pytest.mark.unit
def test_merge_refuses_a_paper_into_itself_or_an_unknown_key(cli: Cli, db: Path) -> None:
    before = db.read_bytes()
    assert "is he2016 itself" in one_error_line(cli("--db", db, "merge", "he2016", "he2016"))
    assert "no paper with key 'nope'" in one_error_line(cli("--db", db, "merge", "he2016", "nope"))
    assert "missing argument" in one_error_line(cli("--db", db, "merge", "he2016"))
    assert db.read_bytes() == before


# -- completion -----------------------------------------------------------------------------------
@pytest.mark.process
@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o nosort -F _readinglist_completion readinglist"),
     ("zsh", "#compdef readinglist"), ("fish", "complete --no-files --command readinglist")],
)  # fmt: skip
def test_completion_prints_each_shells_script(cli: Cli, shell: str, marker: str) -> None:
    result = cli("completion", shell)
    assert result.code == 0 and marker in result.out
    assert "_READINGLIST_COMPLETE" in result.out


@pytest.mark.unit
@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("show va", ["vaswani2017"]),
        ("edit he", ["he2016", "he2016b"]),
        ("rekey res", ["resnet"]),
        ("export --key tag", ["tagrec2020"]),
        ("list tag:vi", ["tag:vision"]),
        ("list -tag:n", ["-tag:nlp"]),
        ("list key:he2016", ["key:he2016", "key:he2016b"]),
        ("list status:re", ["status:reading", "status:read"]),
        ("tag --key he2016 +c", ["+cnn"]),
        ("tag --key he2016 -v", ["-vision"]),
        ("status --key he2016 re", ["reading", "read"]),
        ("rm --y", ["--yes"]),
        ("dup", ["duplicates"]),
    ],
)
def test_zsh_completion_offers_keys_tags_commands_and_options(
    db: Path, words: str, offered: list[str]
) -> None:
    from click.shell_completion import ZshComplete

    from readinglist.cli.app import cli as command

    args = ["--db", str(db), *words.split()]
    complete = ZshComplete(command, {}, "readinglist", "_READINGLIST_COMPLETE")
    values = [item.value for item in complete.get_completions(args[:-1], args[-1])]
    assert values == offered


@pytest.mark.unit
def test_edit_check_passes_on_the_fixture_bib_files(capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m benchmarks.editcheck`` (run by CI on real .bib files): a year,
    a field and a keyword typed into each fixture entry change that alone."""
    from benchmarks.editcheck import main

    from .conftest import DATA

    assert main([str(DATA)]) == 0
    assert "rich.bib" in capsys.readouterr().out
