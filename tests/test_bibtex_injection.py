"""Nothing written can break out of its entry: text readinglist puts into BibTeX
(listing text, notes, tags, typed fields) keeps its braces paired, ``@`` and stray
``$`` are escaped, and citation keys are checked before they reach a ``.bib``, the
clipboard or an editor. Checked with bibtexparser, biber and classic bibtex."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.model import Entry, ImplicitComment
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readinglist.core.bibtex import export_bibtex
from readinglist.core.changes import Change
from readinglist.core.errors import ReadinglistError
from readinglist.core.importers.bibtex import parse_bibtex
from readinglist.core.keys import InvalidKeyError, valid_key
from readinglist.core.library import Library
from readinglist.core.model import Paper, Source
from readinglist.pick import format_choice

from .test_bibtex_export import biber_errors, bibtex_run

HOSTILE_TITLE = 'Attention $}}@preamble{"\\input{/etc/hostname}"}@comment{$ Is All You Need'

PAIRS = [
    (
        HOSTILE_TITLE,
        "We study what happens when a title closes its field early: a lone $ sign, a } "
        "brace that closes nothing, and an { that opens forever. The entry must stay one "
        "entry. We also write \\input{/etc/passwd} and $\\input{/etc/hostname}$ in math, "
        "which must stay text, while $O(n \\log n)$ stays math.",
    ),
    (
        "Second Paper: Costs of $5 and } Unpaired { Braces in Titles",
        'Prices of $5 and $10 are not math, and @preamble{"x"} is not an entry either, '
        "not even in a long abstract about the many ways of writing BibTeX by hand. A "
        "sentence that ends the abstract with a dollar $.",
    ),
    (
        "Third Paper About Emails like user@example.org and 100% of Cases",
        "An abstract that mentions user@example.org, 100% of cases, C# and F# code, and "
        "the file ~/.bashrc, with a backslash \\ and a caret ^ for good measure.",
    ),
]
LISTING = "Get trending papers in your email inbox!\nMar 11\n\n" + "\n\n".join(
    f"{title}\n\n{abstract}" for title, abstract in PAIRS
)


def _blocks_are_entries(bib: str) -> list[Entry]:
    library = bibtexparser.parse_string(bib)
    assert library.failed_blocks == []
    extra = [
        b for b in library.blocks if not isinstance(b, Entry | ImplicitComment) or
        (isinstance(b, ImplicitComment) and b.comment.strip())
    ]  # fmt: skip
    assert extra == []
    return list(library.entries)


@pytest.mark.process
def test_hostile_listing_exports_well_formed_entries_and_no_preamble(
    cli,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    listing = tmp_path / "today.txt"
    listing.write_text(LISTING, encoding="utf-8")
    db = tmp_path / "library.json"
    imported = cli("--db", db, "import", listing)
    assert imported.code == 0 and "3 added" in imported.out, imported.err
    assert cli("--db", db, "tag", "status:unread", "+$}{$", "+@string{x}", "+a%b").code == 0
    library = Library.open(db)
    papers = library.newest_first()
    note = "Note with $}} and\n@preamble{x} on a line of its own"
    library.edit([p.id for p in papers], Change(fields={"notes": note}))
    stored = {p.key: p for p in Library.open(db)}
    assert HOSTILE_TITLE in {p.title for p in stored.values()}

    out = tmp_path / "refs.bib"
    exported = cli("--db", db, "export", "--notes", "-o", out)
    assert exported.code == 0, exported.err
    bib = out.read_text(encoding="utf-8")
    assert "@preamble" not in bib.lower() and "@comment" not in bib.lower()
    assert "@string" not in bib.lower()
    entries = _blocks_are_entries(bib)
    assert sorted(e.key for e in entries) == sorted(stored)
    assert biber_errors(bib, tmp_path) == []
    done = bibtex_run(bib, tmp_path)
    assert done.returncode < 2 and "error message" not in done.stdout, done.stdout
    bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8", errors="replace")
    assert bbl.count("\\bibitem") == 3
    assert "\\input{" not in bbl  # written as text, never as a command
    # and it reads back as the same text
    back = {p.key: p for p in parse_bibtex(bib).papers}
    for key, paper in stored.items():
        assert back[key].title == paper.title
        assert back[key].abstract == " ".join(paper.abstract.split())
        assert back[key].tags == paper.tags


# -- keys --------------------------------------------------------------------------


BAD_KEYS = ["bad key", "a,b", "x{y}", "p(1)", 'q"', "h#1", "50%", "a~b", "a\\b", "t\tab"]


@pytest.mark.unit
@pytest.mark.parametrize("key", BAD_KEYS)
def test_unusable_keys_never_reach_a_bib_or_an_editor(key: str) -> None:
    paper = Paper(title="A Paper", key=key)
    for fmt in ("key", "cite", "pandoc", "bibtex", "json"):
        with pytest.raises(InvalidKeyError, match="cannot be used: it contains"):
            format_choice([paper], fmt)
    bib = export_bibtex([paper])
    (entry,) = _blocks_are_entries(bib)
    assert valid_key(entry.key) and entry.key != key


@pytest.mark.unit
def test_a_hand_typed_unusable_key_is_refused_before_it_reaches_a_bib(
    cli,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    """A key someone typed into the library file by hand: the library is refused with
    one line naming the paper and the field (exit 2), so neither pick nor export ever
    sees it, and nothing renames it."""
    db = tmp_path / "library.json"
    assert cli("--db", db, "add", "--title", "Hand Edited Key").code == 0
    data = json.loads(db.read_text(encoding="utf-8"))
    (doc,) = [d for d in data["papers"].values() if d.get("key") == "handeditedkey"]
    doc["key"] = "smith 2020}"
    db.write_text(json.dumps(data), encoding="utf-8")
    before = db.read_bytes()
    for args in (["pick", "hand edited", "--format", "cite"], ["export"], ["list"]):
        result = cli("--db", db, *args)
        assert (result.code, result.out) == (2, ""), args
        assert "paper 'smith 2020}'" in result.err and "holds a key with a space" in result.err
    assert db.read_bytes() == before


# -- arbitrary text in every field ----------------------------------------------------

_TEXT = st.text(max_size=30)
_KEY = st.one_of(st.just(""), st.from_regex(r"[A-Za-z0-9_:./+-]{1,12}", fullmatch=True))
_FIELD = st.one_of(
    st.sampled_from(["pages", "note", "publisher", "month", "edition", "series", "howpublished"]),
    st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True),
)
_PAPER = st.builds(
    Paper,
    title=_TEXT,
    key=_KEY,
    entry_type=st.one_of(st.sampled_from(["article", "inproceedings", "misc"]), _TEXT),
    authors=st.lists(_TEXT, max_size=3).map(tuple),
    abstract=_TEXT,
    year=st.one_of(st.none(), st.integers(min_value=1000, max_value=2100)),
    venue=_TEXT,
    doi=_TEXT,
    arxiv=_TEXT,
    url=_TEXT,
    code_url=_TEXT,
    tags=st.lists(_TEXT, max_size=3).map(tuple),
    notes=_TEXT,
    sources=st.one_of(
        st.just(()),
        st.tuples(st.builds(Source, kind=st.just("dailypapers"), file=_TEXT, date=_TEXT)),
    ),
    extra=st.dictionaries(_FIELD, _TEXT, max_size=3),
)


@pytest.mark.process
def test_arbitrary_text_in_every_field_exports_parseable_bibtex(tmp_path: Path) -> None:
    """Every example must parse back (bibtexparser and our importer) to exactly its
    entries and keys; then biber validates all examples' entries in one file."""
    exports: list[str] = []

    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(papers=st.lists(_PAPER, min_size=1, max_size=3), unicode=st.booleans())
    def check(papers: list[Paper], unicode: bool) -> None:
        bib = export_bibtex(papers, unicode=unicode, include_notes=True)
        entries = _blocks_are_entries(bib)
        keys = [e.key for e in entries]
        assert len(keys) == len(papers)
        assert len(set(keys)) == len(keys)
        seen: set[str] = set()
        for paper, key in zip(papers, keys, strict=True):
            if paper.key and paper.key not in seen:
                assert key == paper.key  # the user's own, as written
            else:  # made here: unlike every other key, even in case
                assert key.casefold() not in [k.casefold() for k in keys if k != key]
            seen.add(key)
        again = parse_bibtex(bib)
        assert again.failures == []
        assert [p.key for p in again.papers] == keys
        exports.append(bib)

    check()
    # One biber run for every example (biber takes a second to start): keys made
    # unique across examples (a prefix of one width: "x1" + "1a" is not "x11" + "a"),
    # each entry's head being the only line starting with @.
    counter = iter(range(1_000_000))
    heads = re.compile(r"^@(\w+)\{([^,\n]*),$", re.MULTILINE)
    combined = "\n".join(
        heads.sub(lambda m: f"@{m[1]}{{x{next(counter):07d}{m[2]},", bib) for bib in exports
    )
    assert len(_blocks_are_entries(combined)) == next(counter)
    errors = biber_errors(combined, tmp_path)
    lines = combined.splitlines()

    def entry_at(error: str) -> str:
        found = re.search(r"line (\d+)", error)
        return "\n".join(lines[max(int(found[1]) - 8, 0) : int(found[1]) + 2]) if found else ""

    assert errors == [], "\n\n".join(f"{e}\n{entry_at(e)}" for e in errors[:5])


@pytest.mark.unit
def test_key_errors_are_one_line() -> None:
    with pytest.raises(ReadinglistError) as caught:
        format_choice([Paper(title="T", key="a\nb")], "cite")
    assert "\n" not in str(caught.value) and "a line break" in str(caught.value)
