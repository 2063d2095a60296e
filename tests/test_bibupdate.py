"""Export onto an existing .bib: Update keeps every other entry byte for byte; undo
restores the previous file (README "Exporting onto an existing file")."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.core.bibtex import export_bibtex
from readinglist.core.bibupdate import existing_bib, update_bibtex, write_export
from readinglist.core.importers.bibtex import parse_bibtex
from readinglist.core.library import Library
from readinglist.core.library.history import BACKUPS_KEPT
from readinglist.core.model import Paper

from .conftest import DATA

pytestmark = pytest.mark.unit

FOREIGN = DATA / "foreign.bib"

VASWANI = Paper(
    title="Attention Is All You Need",
    key="vaswani2017attention",
    authors=("Vaswani, Ashish", "Shazeer, Noam", "Parmar, Niki"),
    year=2017,
    tags=("transformers",),
)
HINTON = Paper(  # the file spells the key Hinton2015Distilling: BibTeX keys ignore case
    title="Distilling the Knowledge in a Neural Network",
    key="hinton2015distilling",
    authors=("Hinton, Geoffrey",),
    year=2015,
)
TOUVRON = Paper(title="Training Data-Efficient Image Transformers", key="touvron2021training")
SUN = Paper(
    title="Patient Knowledge Distillation for BERT Model Compression",
    key="sun2019patient",
    authors=("Sun, Siqi",),
    year=2019,
)


def _without(text: str, spans: list[str]) -> str:
    """``text`` with each of ``spans`` (found in order) cut out and marked."""
    out, cursor = [], 0
    for span in spans:
        start = text.index(span, cursor)
        out.append(text[cursor:start] + "<entry>")
        cursor = start + len(span)
    return "".join(out) + text[cursor:]


def _raw_entries(text: str) -> dict[str, str]:
    from bibtexparser.entrypoint import parse_string

    blocks = parse_string(text, parse_stack=[]).blocks
    return {
        (getattr(b, "key", None) or b.ignore_error_block.key).casefold(): b.raw  # type: ignore[attr-defined]
        for b in blocks
        if type(b).__name__ in ("Entry", "DuplicateFieldKeyBlock")
    }


def test_update_onto_a_foreign_bib_keeps_every_other_entry_byte_identical() -> None:
    original = FOREIGN.read_text(encoding="utf-8")
    exported = export_bibtex([VASWANI, HINTON, TOUVRON, SUN])
    result = update_bibtex(original, exported)

    replaced_keys = ("Hinton2015Distilling", "vaswani2017attention", "touvron2021training")
    assert result.replaced == replaced_keys
    assert result.added == ("sun2019patient",)
    new = _raw_entries(exported)
    old = _raw_entries(original)
    replaced = ["hinton2015distilling", "vaswani2017attention", "touvron2021training"]
    # Cut the replaced entries out of both files: what remains is identical, except
    # for the appended entry at the end of the updated file.
    before = _without(original, [old[k] for k in replaced])
    after = _without(result.text, [new[k] for k in replaced])
    assert after == before + "\n" + new["sun2019patient"] + "\n"
    # The untouched entries, comments, macros and prose are there byte for byte.
    for kept in ("muller2020", "knuth1984"):
        assert old[kept] in result.text
    for line in ("% Encoding: UTF-8 (Müller, Škoda)", "A line of prose between entries"):
        assert line in result.text
    # And the file still reads as BibTeX: one more entry, the replaced ones updated.
    parsed = parse_bibtex(result.text)
    assert parsed.failures == []
    assert len(parsed.papers) == len(parse_bibtex(original).papers) + 1
    vaswani = next(p for p in parsed.papers if p.key == "vaswani2017attention")
    assert vaswani.authors[-1] == "Parmar, Niki" and vaswani.tags == ("transformers",)


def test_update_is_byte_exact_for_a_latin1_file_with_crlf_lines(tmp_path: Path) -> None:
    latin1 = (
        b"@article{caf\xe9,\r\n  title = {Caf\xe9 culture},\r\n  year = 1999\r\n}\r\n\r\n"
        b"@misc{vaswani2017attention,\r\n  title = {Old title}\r\n}\r\n"
    )
    target = tmp_path / "refs.bib"
    target.write_bytes(latin1)
    library = Library.open(tmp_path / "lib.json")
    done = write_export(library, target, export_bibtex([VASWANI]), papers=1, update=True)
    data = target.read_bytes()
    assert data.startswith(latin1.split(b"@misc")[0])  # the Latin-1 entry, as it was
    assert b"\r\n  title = {Attention Is All You Need}," in data  # the file's line endings
    assert b"Old title" not in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert done.update is not None and done.update.replaced == ("vaswani2017attention",)
    assert "1 replaced, 0 added" in done.summary()


def test_an_unreadable_entry_with_an_exported_key_is_left_alone_not_repeated() -> None:
    original = "@misc{vaswani2017attention, title = {Unclosed\n\n@misc{other, title={x}}\n"
    result = update_bibtex(original, export_bibtex([VASWANI]))
    assert result.text == original
    assert result.unreadable == ("vaswani2017attention",)
    assert result.replaced == () and result.added == ()


def test_repeated_key_replaces_the_first_entry_only() -> None:
    original = "@misc{a, title={first}}\n\n@misc{A, title={second}}\n"
    exported = "@misc{a,\n  title = {new}\n}\n"
    result = update_bibtex(original, exported)
    assert result.text == "@misc{a,\n  title = {new}\n}\n\n@misc{A, title={second}}\n"


def test_missing_macros_go_before_the_first_entry() -> None:
    original = "% refs\n@misc{x, title={x}}\n"
    exported = '@string{acl = "Proceedings of ACL"}\n\n@inproceedings{y,\n  booktitle = acl\n}\n'
    result = update_bibtex(original, exported)
    assert result.macros == ("acl",)
    assert result.text == (
        '% refs\n@string{acl = "Proceedings of ACL"}\n\n@misc{x, title={x}}\n\n'
        "@inproceedings{y,\n  booktitle = acl\n}\n"
    )
    assert update_bibtex(result.text, exported).text == result.text  # nothing new twice


def test_update_of_an_empty_file_is_the_export() -> None:
    exported = export_bibtex([SUN])
    assert update_bibtex("", exported).text == exported


def test_existing_bib_counts_entries_and_shared_keys(tmp_path: Path) -> None:
    found = existing_bib(FOREIGN, ["HINTON2015DISTILLING", "sun2019patient", "knuth1984"])
    assert found.data == FOREIGN.read_bytes()
    assert found.entries == 5
    assert found.same_keys == ("HINTON2015DISTILLING", "knuth1984")
    assert existing_bib(tmp_path / "new.bib").data is None


# -- undo of an export ---------------------------------------------------------------


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library.open(tmp_path / "lib.json")


def test_undo_of_an_update_restores_the_previous_file(library: Library, tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_bytes(FOREIGN.read_bytes())
    write_export(library, target, export_bibtex([VASWANI, SUN]), papers=2, update=True)
    assert target.read_bytes() != FOREIGN.read_bytes()
    report = Library.open(library.path).undo()  # another process: the history is shared
    assert report is not None and report.left_alone == []
    assert report.summary() == "undid: export to refs.bib (update)"
    assert target.read_bytes() == FOREIGN.read_bytes()


def test_undo_of_an_overwrite_restores_and_of_a_new_file_removes_it(
    library: Library, tmp_path: Path
) -> None:
    target = tmp_path / "refs.bib"
    target.write_bytes(FOREIGN.read_bytes())
    write_export(library, target, export_bibtex([SUN]), papers=1, update=False)
    assert target.read_text() == export_bibtex([SUN])
    fresh = tmp_path / "new.bib"
    write_export(library, fresh, export_bibtex([SUN]), papers=1, update=False)
    assert fresh.exists()
    library.undo()
    assert not fresh.exists()
    library.undo()
    assert target.read_bytes() == FOREIGN.read_bytes()
    assert list(library.history.backups.iterdir()) == []  # the backup went with its entry


def test_undo_leaves_a_file_changed_since_the_export(library: Library, tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("@misc{x, title={x}}\n")
    write_export(library, target, export_bibtex([SUN]), papers=1, update=True)
    target.write_text(target.read_text() + "% my own edit\n")
    report = library.undo()
    assert report is not None and report.reverted == 0
    assert report.left_alone == [f"{target} (changed since the export)"]
    assert target.read_text().endswith("% my own edit\n")


def test_only_the_newest_backups_are_kept(library: Library, tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    for n in range(BACKUPS_KEPT + 3):
        target.write_text(f"% version {n}\n")
        write_export(library, target, export_bibtex([SUN]), papers=1, update=True)
    assert len(list(library.history.backups.iterdir())) == BACKUPS_KEPT
    library.undo()
    assert target.read_text() == f"% version {BACKUPS_KEPT + 2}\n"


def test_the_real_file_check_passes_on_the_foreign_fixture(tmp_path: Path) -> None:
    """``python -m benchmarks.updatecheck`` (run by .ci/run on real .bib files)."""
    from benchmarks.updatecheck import check_file, main

    entries, replaced, added, same, _ = check_file(FOREIGN, every=1)
    assert (entries, replaced, added, same) == (5, 5, 1, True)
    (tmp_path / "a.bib").write_bytes(FOREIGN.read_bytes())
    assert main([str(tmp_path), "--check"]) == 0
