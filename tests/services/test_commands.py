"""The commands that ask the services, in process (click's runner) against the local
server in the services' formats: ``add ID...`` in every input form, ``resolve``
(a match, no match, an ambiguous pair, ``--dry-run``, ``--offline``, unreachable),
``import --daily`` and the export of a resolved listing paper."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from readinglist.core.bibtex import export_library
from readinglist.core.changes import Change
from readinglist.core.identify import needs_resolving
from readinglist.core.library import Library
from readinglist.core.model import Paper, Source

from ..conftest import require_tool
from .conftest import ARXIV_PATH, arxiv_answers
from .formats import (
    OLD,
    SPEECH,
    VISION,
    crossref_work,
    daily_papers,
    hf_item,
)
from .server import LocalServer, Reply, closed_port

DAY_PATH = "/hf/api/daily_papers"
DOI = "10.1371/journal.pone.0000001"
DOI_PATH = "/crossref/works/10.1371%2Fjournal.pone.0000001"
VISION_DOI_PATH = "/crossref/works/10.1109%2Ftpami.2024.1234567"
VISION_PHRASE = 'ti:"lattice attention sparse token mixing for dense prediction"'
VISION_TITLE = "Lattice Attention: Sparse Token Mixing for Dense Prediction"
# How a pasted listing has it: other punctuation, the abstract cut off.
LISTED_TITLE = "Lattice attention - sparse token mixing for dense prediction"
LISTED_ABSTRACT = (
    "Dense prediction needs long-range context, but full attention over every pixel is too "
    "costly for high-resolution inputs. We propose lattice attention, which mixes tokens "
    "along a sparse lattice of strided rows and columns and recovers global…"
)


def point_services_at(monkeypatch: pytest.MonkeyPatch, base: str) -> None:
    monkeypatch.setenv("READINGLIST_ARXIV_API", base + "/arxiv/api")
    monkeypatch.setenv("READINGLIST_CROSSREF_API", base + "/crossref")
    monkeypatch.setenv("READINGLIST_HF_API", base + "/hf/api")
    monkeypatch.setenv("READINGLIST_ARXIV_INTERVAL", "0")  # loopback only


@pytest.fixture
def online(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    """The local server answering as arXiv (three papers; one title search),
    Crossref (one DOI, and the DOI arXiv lists for VISION) and Hugging Face."""
    point_services_at(monkeypatch, server.url)
    server.route(ARXIV_PATH, arxiv_answers([VISION, SPEECH, OLD], {VISION_PHRASE: [VISION]}))
    server.route(
        DOI_PATH,
        Reply(
            200,
            crossref_work(
                DOI, "Counting Reef Fish", [("Ana", "Souza")], year=2006, container="PLoS ONE"
            ),
            "application/json",
        ),
    )
    server.route(
        VISION_DOI_PATH,
        Reply(
            200,
            crossref_work(
                VISION.doi,
                VISION_TITLE,
                [("Mira", "Okonkwo-Hale"), ("Jun-seo", "Park")],
                container="IEEE Transactions on Pattern Analysis and Machine Intelligence",
            ),
            "application/json",
        ),
    )
    return server


@pytest.fixture
def offline_services(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every service on a loopback port nothing listens on."""
    point_services_at(monkeypatch, f"http://127.0.0.1:{closed_port()}")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "lib.json"


def listing_paper(
    db: Path, *, title: str = LISTED_TITLE, date_text: str = "", **fields: object
) -> Paper:
    """A paper as a pasted Daily Papers listing leaves it: title, abstract, no authors."""
    paper = Paper(
        title=title,
        abstract=LISTED_ABSTRACT,
        sources=(Source("dailypapers", "today.txt", date_text),),
    )
    library = Library.open(db)
    (added,) = library.import_papers([replace(paper, **fields)]).added  # type: ignore[arg-type]
    return added


# -- add ID... ---------------------------------------------------------------------------

ARXIV_FORMS = [
    "arXiv:2403.01123",
    "2403.01123v2",
    "https://arxiv.org/abs/2403.01123v2",
    "https://arxiv.org/pdf/2403.01123v2.pdf",
    "arxiv.org/abs/2403.01123",
    "https://huggingface.co/papers/2403.01123",
    "10.48550/arXiv.2403.01123",
    "https://doi.org/10.48550/arXiv.2403.01123",
    "\u200barXiv:2403.01123\u200b",  # zero-width spaces copied from a web page
]


@pytest.mark.unit
@pytest.mark.parametrize("form", ARXIV_FORMS)
def test_add_an_arxiv_paper_in_every_form(cli, online: LocalServer, db: Path, form: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("--db", db, "add", form)
    assert result.code == 0, result.err
    assert result.out == "okonkwohale2024lattice\n"
    (paper,) = Library.open(db)
    assert paper.title == VISION_TITLE
    assert paper.authors == (
        "Okonkwo-Hale, Mira",
        "Park, Jun-seo",
        "van der Berg, Pieter",
        "Ruiz, Jr., Tomás",
    )
    assert paper.year == 2024
    assert paper.arxiv == "2403.01123"
    assert paper.doi == "10.1109/tpami.2024.1234567"
    assert paper.abstract.startswith("Dense prediction needs long-range context")
    assert paper.venue == "IEEE Trans. Pattern Anal. Mach. Intell."  # from the journal ref
    assert paper.entry_type == "article"
    assert paper.extra["eprint"] == "2403.01123"
    assert paper.extra["archiveprefix"] == "arXiv"
    assert paper.extra["primaryclass"] == "cs.CV"
    (request,) = online.hits(ARXIV_PATH)
    assert request.arg("id_list") == "2403.01123"
    assert request.headers["user-agent"].startswith("readinglist/")


@pytest.mark.unit
@pytest.mark.parametrize("form", [DOI, f"https://doi.org/{DOI}", f"doi:{DOI}", f"dx.doi.org/{DOI}"])
def test_add_a_doi_in_every_form(cli, online: LocalServer, db: Path, form: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("--db", db, "add", form)
    assert result.code == 0, result.err
    assert result.out == "souza2006counting\n"
    (paper,) = Library.open(db)
    assert (paper.title, paper.authors, paper.year) == ("Counting Reef Fish", ("Souza, Ana",), 2006)
    assert (paper.doi, paper.venue, paper.entry_type) == (DOI, "PLoS ONE", "article")
    assert online.hits(ARXIV_PATH) == []  # a DOI is never tried as an arXiv id


@pytest.mark.unit
def test_add_an_old_scheme_arxiv_id(cli, online: LocalServer, db: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("--db", db, "add", "hep-th/9901001")
    assert result.code == 0, result.err
    (paper,) = Library.open(db)
    assert (paper.arxiv, paper.year, paper.extra["primaryclass"]) == (
        "hep-th/9901001",
        1999,
        "hep-th",
    )


@pytest.mark.unit
def test_add_several_ids_is_one_batched_request_and_keys_in_order(
    cli, online: LocalServer, db: Path
) -> None:  # type: ignore[no-untyped-def]
    result = cli("--db", db, "add", "2403.04567", "arXiv:2403.01123", DOI, "--tag", "new")
    assert result.code == 0, result.err
    assert result.out.split() == [
        "duarte2024whisper",
        "okonkwohale2024lattice",
        "souza2006counting",
    ]
    (request,) = online.hits(ARXIV_PATH)
    assert request.arg("id_list") == "2403.04567,2403.01123"
    library = Library.open(db)
    assert all(p.tags == ("new",) for p in library)
    assert library.history.labels()[0] == "add 3 papers"


@pytest.mark.unit
def test_add_bad_ids_one_line_each(cli, online: LocalServer, db: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("--db", db, "add", "abc", "2403.01123", "arXiv:2403.09999", "10.1000/nope")
    assert result.code == 0, result.err
    assert result.out == "okonkwohale2024lattice\n"
    lines = result.err.splitlines()
    assert lines == [
        "readinglist: not an arXiv id, DOI or arXiv/Hugging Face/doi.org URL: 'abc'",
        "readinglist: arXiv has no arXiv:2403.09999",
        "readinglist: Crossref has no doi:10.1000/nope",
    ]
    assert len(Library.open(db)) == 1


@pytest.mark.unit
def test_add_nothing_found_exits_2_and_writes_nothing(cli, online: LocalServer, db: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("--db", db, "add", "abc", "arXiv:2403.09999")
    assert result.code == 2
    assert result.out == ""
    assert len(result.err.splitlines()) == 2
    assert not db.exists()
    asked = len(online.log)  # one id lookup (asked twice: arXiv's empty answers can be wrong)
    only_bad = cli("--db", db, "add", "abc", "https://example.org/paper")
    assert only_bad.code == 2 and len(only_bad.err.splitlines()) == 2
    assert len(online.log) == asked  # the bad ones cost no request


@pytest.mark.unit
def test_add_merges_into_the_listing_paper_and_its_key_follows(
    cli, online: LocalServer, db: Path
) -> None:  # type: ignore[no-untyped-def]
    listed = listing_paper(db, title=VISION_TITLE, arxiv="2403.01123")
    assert listed.key == "latticeattentionsparse"
    used = listing_paper(db, title=SPEECH.title, arxiv="2403.04567")
    Library.open(db).mark_used([used.id])  # exported once: its key is pinned
    result = cli("--db", db, "add", "2403.01123", "2403.04567")
    assert result.code == 0, result.err
    assert result.out.split() == ["okonkwohale2024lattice", used.key]
    library = Library.open(db)
    assert len(library) == 2
    merged = library.get(listed.id)
    assert merged is not None and merged.key == "okonkwohale2024lattice"
    assert merged.authors[0] == "Okonkwo-Hale, Mira" and merged.year == 2024
    assert {s.kind for s in merged.sources} == {"dailypapers", "add"}
    pinned = library.get(used.id)
    assert pinned is not None and pinned.key == used.key and pinned.year == 2024
    assert cli("--db", db, "undo").code == 0
    back = Library.open(db).get(listed.id)
    assert back is not None and back.key == listed.key and back.authors == ()


@pytest.mark.unit
def test_add_the_same_id_twice_changes_nothing(cli, online: LocalServer, db: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("--db", db, "add", "2403.01123").code == 0
    again = cli("--db", db, "add", "https://arxiv.org/abs/2403.01123")
    assert again.code == 0 and again.out == "okonkwohale2024lattice\n"
    assert "already in the library" in again.err
    assert len(Library.open(db)) == 1
    assert len(online.hits(ARXIV_PATH)) == 1  # the second answer came from the cache


@pytest.mark.unit
def test_add_unreachable_is_one_line_exit_3_nothing_written(
    cli, offline_services: None, db: Path
) -> None:  # type: ignore[no-untyped-def]
    result = cli("--db", db, "add", "2403.01123", DOI)
    assert result.code == 3
    (line,) = result.err.splitlines()
    assert line.startswith("readinglist: cannot reach 127.0.0.1:") and "connection refused" in line
    assert line.endswith("; nothing added")
    assert not db.exists()


@pytest.mark.unit
def test_add_by_title_and_bibtex_still_work(
    cli, online: LocalServer, db: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    by_title = cli(
        "--db", db, "add", "--title", "A Paper", "--author", "Doe, Jane", "--year", "2020"
    )
    assert by_title.code == 0 and by_title.out == "doe2020paper\n"
    bib = tmp_path / "one.bib"
    bib.write_text("@article{mine, title={Mine}, year={2001}}\n", encoding="utf-8")
    assert cli("--db", db, "add", "--bibtex", bib).out == "mine\n"
    both = cli("--db", db, "add", "2403.01123", "--title", "x")
    assert both.code == 2 and "not both" in both.err
    assert online.log == []


# -- resolve -------------------------------------------------------------------------------


@pytest.mark.unit
def test_resolve_applies_a_verified_match_and_undo_takes_it_back(
    cli, online: LocalServer, db: Path
) -> None:  # type: ignore[no-untyped-def]
    listed = listing_paper(db)
    complete = Library.open(db).add(Paper("Known", authors=("Doe, Jane",), year=2020))
    result = cli("--db", db, "resolve")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == (
        f"{listed.key} → okonkwohale2024lattice: arXiv 2403.01123 (via arXiv title search)"
    )
    assert "    year: 2024" in result.out
    assert "    primaryclass: cs.CV" in result.out
    assert result.out.splitlines()[-1] == "resolved 1 of 1 paper"
    paper = Library.open(db).get(listed.id)
    assert paper is not None
    assert paper.title == LISTED_TITLE and paper.abstract == LISTED_ABSTRACT  # kept
    assert paper.authors[0] == "Okonkwo-Hale, Mira" and paper.year == 2024
    assert (paper.arxiv, paper.doi) == ("2403.01123", "10.1109/tpami.2024.1234567")
    assert (
        paper.extra.items()
        >= {"eprint": "2403.01123", "archiveprefix": "arXiv", "primaryclass": "cs.CV"}.items()
    )
    assert paper.venue == "IEEE Trans. Pattern Anal. Mach. Intell."  # from the journal ref
    assert paper.key == "okonkwohale2024lattice"
    assert Library.open(db).get(complete.id) == complete  # complete papers are left alone
    searches = [r for r in online.hits(ARXIV_PATH) if "search_query" in r.query]
    assert [r.arg("search_query") for r in searches] == [VISION_PHRASE]
    assert cli("--db", db, "undo", "--list").out.splitlines()[0] == "resolve 1 paper"
    assert cli("--db", db, "undo").code == 0
    undone = Library.open(db).get(listed.id)
    assert undone is not None  # as it was, but for the time of the change (the undo's)
    assert replace(undone, updated=listed.updated) == listed and undone.updated >= listed.updated


@pytest.mark.unit
def test_resolve_never_overwrites_a_field_the_paper_has(cli, online: LocalServer, db: Path) -> None:  # type: ignore[no-untyped-def]
    listed = listing_paper(db, year=2023, url="https://example.org/mine")
    result = cli("--db", db, "resolve", "--key", listed.key)
    assert result.code == 0, result.err
    paper = Library.open(db).get(listed.id)
    assert paper is not None
    assert paper.year == 2023 and paper.url == "https://example.org/mine"
    assert paper.authors[0] == "Okonkwo-Hale, Mira"
    assert "    year:" not in result.out


@pytest.mark.unit
def test_resolve_keeps_what_another_process_wrote_during_the_lookup(
    cli,
    online: LocalServer,
    db: Path,  # type: ignore[no-untyped-def]
) -> None:
    listed = listing_paper(db)
    answer = arxiv_answers([VISION], {VISION_PHRASE: [VISION]})

    def meanwhile(request):  # type: ignore[no-untyped-def]
        if "search_query" in request.query:  # another process edits while we wait
            other = Library.open(db)
            other.edit([listed.id], Change(fields={"authors": ("Someone, Else",)}))
        return answer(request)

    online.route(ARXIV_PATH, meanwhile)
    assert cli("--db", db, "resolve").code == 0
    paper = Library.open(db).get(listed.id)
    assert paper is not None
    assert paper.authors == ("Someone, Else",)  # recomputed under the lock: not overwritten
    assert paper.year == 2024 and paper.arxiv == "2403.01123"


@pytest.mark.unit
def test_resolve_no_match_names_the_paper(cli, online: LocalServer, db: Path) -> None:  # type: ignore[no-untyped-def]
    listed = listing_paper(db, title="Nothing Like It Exists Anywhere", abstract="")
    before = db.read_bytes()
    result = cli("--db", db, "resolve")
    assert result.code == 1
    assert result.out.splitlines() == [
        "resolved 0 of 1 paper, 1 not resolved",
        "not resolved:",
        f'  {listed.key}  "Nothing Like It Exists Anywhere": no arXiv paper with this title',
    ]
    assert db.read_bytes() == before


@pytest.mark.unit
def test_resolve_lists_an_ambiguous_pair_for_review_and_applies_nothing(
    cli,
    online: LocalServer,
    db: Path,  # type: ignore[no-untyped-def]
) -> None:
    twin = replace(VISION, id="2405.00001", abstract=SPEECH.abstract, doi="", journal_ref="")
    online.route(ARXIV_PATH, arxiv_answers([VISION, SPEECH, twin], {VISION_PHRASE: [twin, VISION]}))
    listed = listing_paper(db, abstract="")
    sure = listing_paper(db, title=SPEECH.title, arxiv="2403.04567")
    before = Library.open(db).get(listed.id)
    result = cli("--db", db, "resolve")
    assert result.code == 1
    lines = result.out.splitlines()
    assert "resolved 1 of 2 papers, 1 for review" in lines
    review = lines[lines.index("for review (not applied):") + 1]
    assert review.startswith(f'  {listed.key}  "{LISTED_TITLE}": several arXiv papers fit: ')
    assert "2405.00001" in review and "2403.01123" in review
    library = Library.open(db)
    assert library.get(listed.id) == before
    resolved = library.get(sure.id)
    assert resolved is not None and resolved.authors == ("Duarte, Ines", "Lindqvist, Karl")


@pytest.mark.unit
def test_dry_run_prints_the_changes_and_writes_nothing(cli, online: LocalServer, db: Path) -> None:  # type: ignore[no-untyped-def]
    listed = listing_paper(db)
    before = db.read_bytes()
    result = cli("--db", db, "resolve", "--dry-run")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"{listed.key}: arXiv 2403.01123 (via arXiv title search)"
    assert (
        "    authors: Okonkwo-Hale, Mira; Park, Jun-seo; van der Berg, Pieter; Ruiz, Jr., Tomás"
        in lines
    )
    assert "    arxiv: 2403.01123" in lines and "    eprint: 2403.01123" in lines
    assert lines[-1] == "dry run, nothing written: resolved 1 of 1 paper"
    assert db.read_bytes() == before
    assert (
        not Path(str(db) + ".history").exists()
        or "resolve" not in Path(str(db) + ".history").read_text()
    )


@pytest.mark.unit
def test_offline_reads_only_the_cache(cli, online: LocalServer, db: Path) -> None:  # type: ignore[no-untyped-def]
    listed = listing_paper(db)
    assert cli("--db", db, "resolve", "--dry-run").code == 0
    asked = len(online.log)
    assert asked > 0
    result = cli("--db", db, "resolve", "--offline")
    assert result.code == 0, result.err
    assert len(online.log) == asked  # nothing was sent
    paper = Library.open(db).get(listed.id)
    assert paper is not None and paper.arxiv == "2403.01123"


@pytest.mark.unit
def test_offline_without_a_cache_is_one_line_and_writes_nothing(
    cli, online: LocalServer, db: Path
) -> None:  # type: ignore[no-untyped-def]
    listing_paper(db)
    before = db.read_bytes()
    result = cli("--db", db, "resolve", "--offline")
    assert result.code == 3
    (line,) = result.err.splitlines()
    assert line.startswith("readinglist: offline: no cached answer from 127.0.0.1:")
    assert db.read_bytes() == before
    assert online.log == []


@pytest.mark.unit
def test_offline_resolves_what_is_cached_and_names_the_rest(
    cli, online: LocalServer, db: Path
) -> None:  # type: ignore[no-untyped-def]
    cached = listing_paper(db, title=SPEECH.title, arxiv="2403.04567")
    assert cli("--db", db, "resolve", "--dry-run").code == 0
    other = listing_paper(db)
    result = cli("--db", db, "resolve", "--offline")
    assert result.code == 1
    assert "resolved 1 of 2 papers, 1 not resolved" in result.out
    assert f'  {other.key}  "{LISTED_TITLE}": offline: no cached answer from' in result.out
    paper = Library.open(db).get(cached.id)
    assert paper is not None and paper.authors == ("Duarte, Ines", "Lindqvist, Karl")


@pytest.mark.unit
def test_resolve_unreachable_is_one_line_exit_3_nothing_written(
    cli, offline_services: None, db: Path
) -> None:  # type: ignore[no-untyped-def]
    listing_paper(db)
    listing_paper(db, title=SPEECH.title)
    before = db.read_bytes()
    result = cli("--db", db, "resolve")
    assert result.code == 3
    (line,) = result.err.splitlines()
    assert "connection refused" in line and line.endswith(
        "nothing changed (2 of 2 papers not looked up)"
    )
    assert result.out == ""
    assert db.read_bytes() == before


@pytest.mark.unit
def test_resolve_uses_the_listing_day(cli, online: LocalServer, db: Path) -> None:  # type: ignore[no-untyped-def]
    """A pasted listing's date ("Mar 11") names a Daily Papers day: the paper is found
    there (no title search), this year's day or last year's."""
    year = date.today().year - 1  # last year's Mar 11 is always in the past
    online.route(
        DAY_PATH,
        lambda request: Reply(
            200,
            daily_papers(
                [hf_item(SPEECH, day=request.arg("date"))]
                + (
                    [hf_item(VISION, day=request.arg("date"))]
                    if request.arg("date") == f"{year}-03-11"
                    else []
                )
            ),
            "application/json",
        ),
    )
    listed = listing_paper(db, date_text="Mar 11")
    result = cli("--db", db, "resolve")
    assert result.code == 0, result.err
    assert f"(via Daily Papers {year}-03-11)" in result.out.splitlines()[0]
    assert not [r for r in online.hits(ARXIV_PATH) if "search_query" in r.query]
    paper = Library.open(db).get(listed.id)
    assert paper is not None and paper.extra["primaryclass"] == "cs.CV"


@pytest.mark.unit
def test_resolve_nothing_to_do(cli, online: LocalServer, db: Path) -> None:  # type: ignore[no-untyped-def]
    Library.open(db).add(Paper("Known", authors=("Doe, Jane",), year=2020))
    result = cli("--db", db, "resolve")
    assert result.code == 0 and "nothing to resolve" in result.err
    assert cli("--db", db, "resolve", "no-such-words").code == 1
    assert online.log == []


@pytest.mark.unit
def test_papers_from_a_bib_are_resolved_only_when_named(  # type: ignore[no-untyped-def]
    cli, online: LocalServer, db: Path, tmp_path: Path
) -> None:
    """A plain resolve is for listing papers: a .bib entry's gaps are the user's (a
    biblatex date is a year); naming the entry resolves it, keeping its own text."""
    bib = tmp_path / "mine.bib"
    bib.write_text(
        "@misc{lattice,\n  title = {Lattice Attention: Sparse Token Mixing for Dense Prediction},\n"
        "  author = {Okonkwo-Hale, Mira},\n}\n"
        "@online{dated,\n  title = {A Web Page},\n  author = {Doe, Jane},\n"
        "  date = {2020-05-01},\n}\n",
        encoding="utf-8",
    )
    assert cli("--db", db, "import", bib).code == 0
    plain = cli("--db", db, "resolve")
    assert plain.code == 0
    assert plain.err == (
        "left alone: 1 papers from .bib files without authors or a year "
        "(a QUERY or --key includes them)\nnothing to resolve\n"
    )
    assert online.log == []
    assert cli("--db", db, "resolve", "--key", "dated").err == "nothing to resolve\n"
    named = cli("--db", db, "resolve", "--key", "lattice")
    assert named.code == 0, named.err
    paper = Library.open(db).by_key("lattice")
    assert paper is not None
    assert paper.year == 2024 and paper.arxiv == "2403.01123"
    assert paper.authors == ("Okonkwo-Hale, Mira",)  # the entry's own, not arXiv's four
    assert paper.entry_type == "misc"  # a .bib @misc gains no journal
    exported = cli("--db", db, "export", "--key", "lattice").out
    assert exported.startswith("@misc{lattice,") and "year = {2024}" in exported


@pytest.mark.unit
def test_what_needs_resolving() -> None:
    assert needs_resolving(Paper("Listed"))
    assert needs_resolving(Paper("No year", authors=("Doe, J",)))
    assert needs_resolving(Paper("No authors", year=2020))
    assert not needs_resolving(Paper("Complete", authors=("Doe, J",), year=2020))
    assert not needs_resolving(Paper("Dated", authors=("Doe, J",), extra={"date": "2020-05"}))
    assert not needs_resolving(Paper("Edited", year=2020, extra={"editor": "Roe, R"}))


# -- import --daily ---------------------------------------------------------------------------


def day_reply(day: str) -> Reply:
    items = [
        hf_item(VISION, day=day, github="https://github.com/example/lattice"),
        hf_item(SPEECH, day=day),
    ]
    return Reply(200, daily_papers(items), "application/json")


@pytest.mark.unit
@pytest.mark.parametrize(
    "args",
    [
        ("--daily", "2024-03-11"),
        ("https://huggingface.co/papers/date/2024-03-11",),
        ("huggingface.co/papers?date=2024-03-11",),
    ],
)
def test_import_a_daily_papers_day(
    cli, online: LocalServer, db: Path, args: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    online.route(DAY_PATH, day_reply("2024-03-11"))
    result = cli("--db", db, "import", *args, "--tag", "daily")
    assert result.code == 0, result.err
    assert result.out == "Daily Papers 2024-03-11: 2 added, 0 merged, 0 skipped, 0 failed\n"
    library = Library.open(db)
    by_arxiv = {p.arxiv: p for p in library}
    vision, speech = by_arxiv["2403.01123"], by_arxiv["2403.04567"]
    assert vision.authors[0] == "Okonkwo-Hale, Mira" and vision.year == 2024
    assert vision.code_url == "https://github.com/example/lattice"
    assert vision.extra["primaryclass"] == "cs.CV"  # completed from arXiv
    assert speech.extra["primaryclass"] == "eess.AS"
    assert vision.sources == (
        Source("dailypapers", "huggingface.co/papers/date/2024-03-11", "2024-03-11"),
    )
    assert vision.tags == ("daily",)
    (day_request,) = online.hits(DAY_PATH)
    assert day_request.arg("date") == "2024-03-11"
    (arxiv_request,) = online.hits(ARXIV_PATH)
    assert arxiv_request.arg("id_list") == "2403.01123,2403.04567"


@pytest.mark.unit
def test_import_daily_merges_the_pasted_listing(cli, online: LocalServer, db: Path) -> None:  # type: ignore[no-untyped-def]
    online.route(DAY_PATH, day_reply("2024-03-11"))
    listed = listing_paper(db, title=VISION_TITLE, date_text="Mar 11")
    result = cli("--db", db, "import", "--daily", "2024-03-11")
    assert result.code == 0, result.err
    assert "1 added, 1 merged" in result.out
    paper = Library.open(db).get(listed.id)
    assert paper is not None
    assert paper.arxiv == "2403.01123" and paper.key == "okonkwohale2024lattice"
    assert len(Library.open(db)) == 2


@pytest.mark.unit
def test_import_daily_bad_input_and_unreachable(
    cli, online: LocalServer, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    bad = cli("--db", db, "import", "--daily", "2024-02-30")
    assert bad.code == 2 and "not a valid Daily Papers date" in bad.err
    week = cli("--db", db, "import", "https://huggingface.co/papers/week/2024-W10")
    assert week.code == 2 and "only single Daily Papers days" in week.err
    nothing = cli("--db", db, "import")
    assert nothing.code == 2 and "--daily DATE" in nothing.err
    assert online.log == [] and not db.exists()
    point_services_at(monkeypatch, f"http://127.0.0.1:{closed_port()}")
    down = cli("--db", db, "import", "--daily", "2024-03-11")
    assert down.code == 3
    (line,) = down.err.splitlines()
    assert "connection refused" in line and line.endswith("; nothing imported")
    assert not db.exists()


@pytest.mark.unit
def test_import_daily_and_a_file_together(cli, online: LocalServer, db: Path) -> None:  # type: ignore[no-untyped-def]
    online.route(DAY_PATH, day_reply("2024-03-11"))
    listing = Path(__file__).parent.parent / "data" / "daily-papers-compact.txt"
    result = cli("--db", db, "import", listing, "--daily", "2024-03-11")
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1].startswith("Daily Papers 2024-03-11: 2 added")


# -- export ----------------------------------------------------------------------------------


def biber_warnings(bib: str, tmp_path: Path) -> list[str]:
    """``biber --tool --validate-datamodel`` on ``bib``: its WARN and ERROR lines."""
    biber = require_tool("biber", "apt-get install -y biber")
    source = tmp_path / "export.bib"
    source.write_text(bib, encoding="utf-8")
    done = subprocess.run(
        [
            biber,
            "--tool",
            "--validate-datamodel",
            "--output-file",
            str(tmp_path / "out.bib"),
            str(source),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert "INFO - Found BibTeX data source" in output, output
    assert done.returncode == 0, output
    return [line for line in output.splitlines() if line.startswith(("WARN", "ERROR"))]


@pytest.mark.process
def test_export_of_a_resolved_listing_paper_validates_with_biber(
    cli,
    online: LocalServer,
    db: Path,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    listed = listing_paper(db, date_text="Mar 11")
    before = export_library(Library.open(db), [listed])
    warnings = biber_warnings(before, tmp_path)
    assert any("Missing mandatory field" in w for w in warnings)  # the problem: no year
    assert cli("--db", db, "resolve").code == 0
    result = cli("--db", db, "export")
    assert result.code == 0
    bib = result.out
    assert bib.startswith("@article{okonkwohale2024lattice,")
    for line in (
        "author = {Okonkwo-Hale, Mira and Park, Jun-seo and van der Berg, Pieter and "
        "Ruiz, Jr., Tom{\\'a}s},",
        "year = {2024},",
        "eprint = {2403.01123},",
        "archiveprefix = {arXiv},",
        "primaryclass = {cs.CV},",
        "doi = {10.1109/tpami.2024.1234567},",
        "usera = {Daily Papers listing, Mar 11}",
    ):
        assert f"  {line}" in bib, line  # (the last field has no comma)
    assert "note = " not in bib and "howpublished" not in bib
    assert biber_warnings(bib, tmp_path) == []
    tool = (tmp_path / "out.bib").read_text(encoding="utf-8")  # as biber understood it
    assert "EPRINTCLASS = {cs.CV}" in tool and "EPRINTTYPE = {arXiv}" in tool
