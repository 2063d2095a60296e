"""The import front door: reading, decoding, sniffing and whole-file errors."""

from __future__ import annotations

import codecs
import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readinglist.cli import EXIT_BAD_INPUT
from readinglist.core.errors import ImportFormatError
from readinglist.core.importers import parse_file, parse_text
from readinglist.core.importers.dailypapers import decode_listing_text
from readinglist.core.importers.sniff import sniff_format

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
BLANK = DATA / "daily-papers-blank-lines.txt"
COMPACT = DATA / "daily-papers-compact.txt"


def import_error(path: Path, fmt: str = "auto") -> str:
    with pytest.raises(ImportFormatError) as info:
        parse_file(path, fmt)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"cannot import {path.name}: ")
    return message


# -- good input ------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(("path", "count"), [(BLANK, 58), (COMPACT, 267)])
@pytest.mark.parametrize("fmt", ["auto", "dailypapers"])
def test_samples_import(path: Path, count: int, fmt: str) -> None:
    result = parse_file(path, fmt)
    assert result.format == "dailypapers"
    assert len(result.papers) == count
    assert result.failures == []
    assert result.papers[0].sources[0].file == path.name


@pytest.mark.unit
@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),  # with BOM, native order
        lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        lambda text: text.encode("utf-32"),
    ],
    ids=["utf-8-bom", "utf-16", "utf-16-be", "utf-32"],
)
def test_other_unicode_encodings_with_bom(tmp_path: Path, encode: object) -> None:
    text = BLANK.read_text(encoding="utf-8")
    path = tmp_path / "listing.txt"
    assert callable(encode)
    path.write_bytes(encode(text))
    result = parse_file(path)
    assert [p.title for p in result.papers] == [p.title for p in parse_file(BLANK).papers]
    assert result.papers[0].title.startswith("ELA:")  # no BOM glued to anything


@pytest.mark.unit
def test_parse_text_names_source(tmp_path: Path) -> None:
    result = parse_text(COMPACT.read_text(encoding="utf-8"), source_name="/x/today.txt")
    assert result.papers[0].sources[0].file == "today.txt"


# -- bad input -------------------------------------------------------------------


@pytest.mark.unit
def test_binary_png() -> None:
    assert "PNG image" in import_error(BAD / "image.png")


@pytest.mark.unit
def test_binary_nul_bytes() -> None:
    assert import_error(BAD / "nul-bytes.txt") == (
        "cannot import nul-bytes.txt: it is a binary file, not a Daily Papers listing or BibTeX"
    )


@pytest.mark.unit
def test_binary_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "noise.dat"
    path.write_bytes(bytes(range(1, 32)) * 20 + b"some words")
    assert "binary file" in import_error(path)


@pytest.mark.unit
def test_pdf_is_named(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    assert "PDF document" in import_error(path)


@pytest.mark.unit
def test_empty() -> None:
    assert import_error(BAD / "empty.txt").endswith("the file is empty")


@pytest.mark.unit
def test_whitespace_only() -> None:
    assert import_error(BAD / "whitespace.txt").endswith("only whitespace")


@pytest.mark.unit
def test_latin1_names_byte_offset() -> None:
    data = (BAD / "latin1.txt").read_bytes()
    message = import_error(BAD / "latin1.txt")
    assert "not valid UTF-8" in message
    offset = data.index(bytes([0xE9]))
    assert f"byte 0xe9 at offset {offset}" in message


@pytest.mark.unit
@pytest.mark.parametrize("name", ["papers.csv", "script.py"])
def test_unknown_format(name: str) -> None:
    assert "unknown format" in import_error(BAD / name)


@pytest.mark.unit
def test_unknown_format_name() -> None:
    with pytest.raises(ImportFormatError, match="unknown format 'ris'"):
        parse_file(BLANK, "ris")


@pytest.mark.unit
def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert import_error(tmp_path / "nope.txt").endswith("no such file")
    (tmp_path / "folder").mkdir()
    assert import_error(tmp_path / "folder").endswith("a directory, not a file")


@pytest.mark.unit
def test_listing_forced_as_dailypapers_with_no_papers() -> None:
    message = import_error(BAD / "script.py", "dailypapers")
    assert "no papers found" in message


@pytest.mark.unit
def test_only_header_chrome(tmp_path: Path) -> None:
    path = tmp_path / "header.txt"
    path.write_text("new\n\nSubscribe\n\nbyAK and the research community\n\nMar 11\n")
    assert import_error(path).endswith("no papers found")


@pytest.mark.unit
def test_truncated_listing_is_refused_whole() -> None:
    """The last title lost its abstract: the file was cut, so nothing is imported."""
    message = import_error(BAD / "truncated-listing.txt")
    assert "looks truncated (line 19: title without an abstract" in message
    assert "nothing was imported" in message


@pytest.mark.unit
def test_a_stray_title_mid_listing_is_not_truncation() -> None:
    text = BLANK.read_text(encoding="utf-8").replace(
        "\nOutRank:", "\nA Stray Title Line\n\nOutRank:", 1
    )
    result = parse_text(text, source_name="x.txt")
    assert len(result.papers) == 58
    assert [f.reason.startswith("title without") for f in result.failures] == [True]


@pytest.mark.unit
def test_truncated_inside_a_character() -> None:
    message = import_error(BAD / "truncated-mid-char.txt")
    assert "truncated" in message and "middle of a character" in message


# -- sniffing --------------------------------------------------------------------


@pytest.mark.unit
def test_sniff() -> None:
    assert sniff_format("% refs\n@Article{a,\n title={X}}\n") == "bibtex"
    assert sniff_format("  @inproceedings ( b, title = {Y} )") == "bibtex"
    assert sniff_format(BLANK.read_text(encoding="utf-8")) == "dailypapers"
    assert sniff_format(COMPACT.read_text(encoding="utf-8")) == "dailypapers"
    # the bare title/abstract shape, without any header chrome
    body = COMPACT.read_text(encoding="utf-8").split("\n", 3)[3]
    assert sniff_format(body) == "dailypapers"
    assert sniff_format("email me at me@example.org {soon}\nthanks") == ""
    assert sniff_format("a,b,c\n1,2,3\n") == ""


@pytest.mark.unit
def test_markdown_notes_are_not_a_listing() -> None:
    prose = "This is a long paragraph of notes about papers, " * 8
    text = f"# Reading notes\n\n- item one\n- item two\n\n```python\nx = 1\n```\n\n{prose}\n"
    assert sniff_format(text) == ""


# -- fuzzing: nothing but ImportFormatError escapes -------------------------------

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.unit
@FUZZ
@given(text=st.text(max_size=3000), fmt=st.sampled_from(["auto", "dailypapers", "bibtex"]))
def test_fuzz_text(text: str, fmt: str) -> None:
    try:
        result = parse_text(text, fmt, "fuzz.txt")
    except ImportFormatError as exc:
        assert "\n" not in str(exc)
    else:
        assert result.papers


_LINES = st.sampled_from(
    [
        "new",
        "Subscribe",
        "Mar 11",
        "42",
        "Upvote",
        "Get trending papers in your email inbox!",
        "byAK and the research community",
        "Deep Things: A Study of Shallow Things",
        "Transformer in Transformer",
        "We study things. " * 40,
        "Code is available at https://github.com/a/b. " * 3 + "It works. " * 30,
        "",
        "   ",
        "@misc{x,",
        "}",
    ]
)


@pytest.mark.unit
@FUZZ
@given(lines=st.lists(st.one_of(_LINES, st.text(max_size=200)), max_size=60))
def test_fuzz_listing_shapes(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        result = parse_text(text, "dailypapers", "fuzz.txt")
    except ImportFormatError:
        return
    stripped = {line.strip() for line in text.split("\n")}
    chrome = {"new", "Subscribe", "Mar 11", "42", "Upvote", "byAK and the research community"}
    for paper in result.papers:
        assert paper.title and paper.abstract
        assert paper.title not in chrome
        # titles are stored with their LaTeX decoded (a line "\\O" is the title "Ø")
        assert any(paper.title in decode_listing_text(line) for line in stripped)


@pytest.mark.unit
@FUZZ
@given(data=st.binary(max_size=3000))
def test_fuzz_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.bin"
        path.write_bytes(data)
        try:
            parse_file(path)
        except ImportFormatError as exc:
            assert str(exc).startswith("cannot import fuzz.bin: ")


@pytest.mark.unit
@FUZZ
@given(cut=st.integers(min_value=1, max_value=20_000))
def test_fuzz_truncated_sample(cut: int) -> None:
    data = BLANK.read_bytes()[:cut]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cut.txt"
        path.write_bytes(data)
        try:
            result = parse_file(path)
        except ImportFormatError:
            return
        assert all(len(p.abstract) > 0 for p in result.papers)


# -- speed -----------------------------------------------------------------------


@pytest.mark.unit
def test_ten_thousand_paper_file_parses_completely(tmp_path: Path) -> None:
    full = COMPACT.read_text(encoding="utf-8")
    body = full.split("\n", 2)[2].removeprefix("Subscribe")
    path = tmp_path / "big.txt"
    path.write_text(full + ("\n" + body) * 37, encoding="utf-8")
    result = parse_file(path)
    assert len(result.papers) == 38 * 267


# -- the BibTeX route ------------------------------------------------------------


@pytest.mark.unit
def test_truncated_bibtex_is_refused_whole() -> None:
    message = import_error(BAD / "truncated.bib")
    assert "looks truncated (line 7" in message and "nothing was imported" in message


@pytest.mark.unit
def test_bibtex_with_a_broken_entry_mid_file_keeps_the_others() -> None:
    result = parse_file(DATA / "broken-middle.bib")
    assert [p.key for p in result.papers] == ["good2019first", "good2021third"]
    assert [f.line for f in result.failures] == [7]


@pytest.mark.unit
def test_bibtex_where_nothing_parses(tmp_path: Path) -> None:
    path = tmp_path / "broken.bib"
    path.write_text("@article{a,\n  title = {Never closed\n")
    assert "no BibTeX entries found" in import_error(path)


@pytest.mark.unit
def test_listing_forced_as_bibtex() -> None:
    assert "no BibTeX entries found" in import_error(BLANK, "bibtex")


@pytest.mark.unit
def test_parsers_flag_entries_cut_off_by_the_end_of_input() -> None:
    from readinglist.core.importers.bibtex import parse_bibtex
    from readinglist.core.importers.dailypapers import parse_dailypapers

    truncated = parse_bibtex((BAD / "truncated.bib").read_text(encoding="utf-8"))
    assert [f.cut_off for f in truncated.failures] == [True]
    middle = parse_bibtex((DATA / "broken-middle.bib").read_text(encoding="utf-8"))
    assert [f.cut_off for f in middle.failures] == [False]
    listing = parse_dailypapers((BAD / "truncated-listing.txt").read_text(encoding="utf-8"))
    assert [f.cut_off for f in listing.failures] == [True]
    stray = BLANK.read_text(encoding="utf-8").replace("\nOutRank:", "\nStray Title\n\nOutRank:", 1)
    assert [f.cut_off for f in parse_dailypapers(stray).failures] == [False]


# -- sources that never end ------------------------------------------------------
#
# Every import source is read in bounded memory (readinglist/core/importers/source.py).
# The processes below run with their address space limited to 1 GiB: an input read
# whole would end in a MemoryError traceback, or in the kernel's OOM killer without
# the limit.

MEMORY_CAP = 1 << 30
BINARY_ZERO = "it is a binary file, not a Daily Papers listing or BibTeX"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_bounded(
    *args: str | Path,
    stdin: int | IO[bytes] | None = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
    pass_fds: tuple[int, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """``python -m readinglist ARGS`` in 1 GiB of address space, stopped after 120 s."""
    return subprocess.run(
        [sys.executable, "-m", "readinglist", *map(str, args)],
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
        env={**os.environ, **(env or {})},
        pass_fds=pass_fds,
    )


def assert_refused(proc: subprocess.CompletedProcess[str], why: str) -> str:
    """Exit code 2 (bad input), one line on stderr naming why, nothing on stdout."""
    assert proc.returncode == EXIT_BAD_INPUT, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.endswith("\n"), proc.stderr[-2000:]
    assert why in proc.stderr
    assert proc.stdout == ""
    return proc.stderr.removesuffix("\n")


def _feed(target: int | str, block: bytes, times: int | None = None) -> threading.Thread:
    """A thread writing ``block`` into a pipe descriptor or a FIFO path ``times`` times
    (forever with None: until the reader leaves), then closing it."""

    def write() -> None:
        with (
            contextlib.suppress(BrokenPipeError, ConnectionResetError),
            open(target, "wb", buffering=0) as pipe,
        ):
            count = 0
            while times is None or count < times:
                view = memoryview(block)
                while view:
                    view = view[pipe.write(view) or 0 :]
                count += 1

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.process
@pytest.mark.parametrize("existing", [False, True], ids=["new-library", "existing-library"])
@pytest.mark.parametrize(
    "command",
    [("import", "/dev/zero"), ("add", "--bibtex", "/dev/zero"), ("import", "-")],
    ids=["import", "add-bibtex", "stdin"],
)
def test_dev_zero_is_refused_in_bounded_memory(
    tmp_path: Path, command: tuple[str, ...], existing: bool
) -> None:
    """``import /dev/zero`` (or ``cat /dev/zero |``) says what it is, as a file of a few
    NUL bytes is told, after reading 64 KiB; the library is untouched."""
    db = tmp_path / "library.json"
    if existing:
        run_bounded("--db", db, "import", COMPACT).check_returncode()
    before = db.read_bytes() if existing else None
    with open("/dev/zero", "rb") as zero:
        proc = run_bounded("--db", db, *command, stdin=zero)
    label = "stdin" if command[-1] == "-" else "zero"
    assert assert_refused(proc, BINARY_ZERO) == f"readinglist: cannot import {label}: {BINARY_ZERO}"
    assert (db.read_bytes() if db.exists() else None) == before


@pytest.mark.process
def test_endless_entries_on_stdin_are_refused_at_the_limit(tmp_path: Path) -> None:
    """``yes '@misc{a, title={t}}' | readinglist import -`` is refused once it holds more
    than READINGLIST_MAX_IMPORT_BYTES, with the limit named; nothing is written."""
    db = tmp_path / "library.json"
    yes = subprocess.Popen(["yes", "@misc{a, title={t}}"], stdout=subprocess.PIPE)
    try:
        assert yes.stdout is not None
        env = {"READINGLIST_MAX_IMPORT_BYTES": "4M"}
        proc = run_bounded("--db", db, "import", "-", stdin=yes.stdout, env=env)
    finally:
        yes.kill()
        yes.wait()
    line = assert_refused(proc, "it holds more than 4 MiB, the most one import reads")
    assert "READINGLIST_MAX_IMPORT_BYTES" in line and line.endswith("nothing was imported")
    assert not db.exists()


@pytest.mark.process
@pytest.mark.parametrize(
    ("fmt", "why"),
    [
        ("auto", "no line break or '@' in the first 64 MiB"),
        ("bibtex", "no '@' in the first 64 MiB, so no BibTeX entry starts there"),
        ("dailypapers", "no line break in the first 64 MiB"),
    ],
)
def test_a_source_where_no_entry_starts_is_refused_after_64_mib(
    tmp_path: Path, fmt: str, why: str
) -> None:
    """``yes | tr -d '\\n' | readinglist import -``: text without end and without a place
    where a paper or an entry could start is refused after 64 MiB, not 2 GiB."""
    db = tmp_path / "library.json"
    read, write = os.pipe()
    block = b"y" * 65536 if fmt != "dailypapers" else b"y@" * 32768
    with os.fdopen(read, "rb") as stdin:
        _feed(write, block)
        proc = run_bounded("--db", db, "import", "--format", fmt, "-", stdin=stdin)
    assert assert_refused(proc, why).endswith("nothing was imported")
    assert not db.exists()


@pytest.mark.process
def test_a_fifo_that_ends_is_imported(tmp_path: Path) -> None:
    fifo = tmp_path / "refs.fifo"
    os.mkfifo(fifo)
    db = tmp_path / "library.json"
    writer = _feed(str(fifo), (DATA / "rich.bib").read_bytes(), times=1)
    proc = run_bounded("--db", db, "import", fifo)
    writer.join(10)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{fifo}: 14 added, 0 merged, 0 skipped, 0 failed\n"


@pytest.mark.process
def test_process_substitution_dev_fd_is_imported(tmp_path: Path) -> None:
    """``readinglist import <(zcat refs.bib.gz)``: the shell passes ``/dev/fd/N``."""
    db = tmp_path / "library.json"
    read, write = os.pipe()
    try:
        writer = _feed(write, COMPACT.read_bytes(), times=1)
        proc = run_bounded("--db", db, "import", f"/dev/fd/{read}", pass_fds=(read,))
    finally:
        os.close(read)
    writer.join(10)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"/dev/fd/{read}: 267 added, 0 merged, 0 skipped, 0 failed\n"


@pytest.mark.unit
def test_a_fifo_is_read_whole_across_many_chunks(tmp_path: Path) -> None:
    """A pipe hands its bytes over a little at a time: all of them, in order, are read."""
    from readinglist.core.importers.source import CHUNK_BYTES, read_path

    fifo = tmp_path / "big.fifo"
    os.mkfifo(fifo)
    entry = "@misc{k{n},\n  title = {Entry {n}: Åström and the ∞ of {{n}}},\n}\n\n"
    data = "".join(entry.replace("{n}", str(n)) for n in range(60_000)).encode()
    assert len(data) > 3 * CHUNK_BYTES
    writer = _feed(str(fifo), data, times=1)
    assert read_path(fifo, "auto", "big.fifo") == data
    writer.join(10)


# -- the limits, in process ------------------------------------------------------


class Trickle:
    """A pipe's way of reading: at most ``step`` bytes a read."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.at = data, step, 0

    def read(self, size: int) -> bytes:
        piece = self.data[self.at : self.at + min(size, self.step)]
        self.at += len(piece)
        return piece


def _read(data: bytes, fmt: str = "auto", step: int = 1 << 30, **limits: int) -> bytes:
    from readinglist.core.importers.source import read_stream

    return read_stream(Trickle(data, step), fmt, "in.txt", **limits)  # type: ignore[arg-type]


@pytest.mark.unit
def test_a_file_larger_than_the_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default limit (2 GiB) holds the largest real libraries (a 158k-entry .bib
    is about 250 MB); a larger regular file is refused from its size."""
    from readinglist.core.importers.source import DEFAULT_LIMIT

    assert DEFAULT_LIMIT == 2 << 30
    huge = tmp_path / "huge.bib"
    with open(huge, "wb") as out:
        out.write(b"@misc{a, title={t}}\n")
        out.truncate(DEFAULT_LIMIT + 1)  # (sparse: nothing to read but the size)
    message = import_error(huge)
    assert message == (
        "cannot import huge.bib: it holds more than 2 GiB, the most one import reads "
        "(READINGLIST_MAX_IMPORT_BYTES sets that limit); nothing was imported"
    )
    entries = b"".join(b"@misc{a%d, title={Title %d}}\n" % (n, n) for n in range(1000))
    monkeypatch.setenv("READINGLIST_MAX_IMPORT_BYTES", str(len(entries)))
    (tmp_path / "fits.bib").write_bytes(entries)
    assert len(parse_file(tmp_path / "fits.bib").papers) == 1000
    (tmp_path / "over.bib").write_bytes(entries + b"\n")
    assert f"holds more than {len(entries)} bytes" in import_error(tmp_path / "over.bib")


@pytest.mark.unit
@pytest.mark.parametrize(
    ("raw", "limit"),
    [("", 2 << 30), ("1000", 1000), ("64k", 64 << 10), ("4G", 4 << 30), (" 3 GiB ", 3 << 30)],
)
def test_the_limit_is_set_by_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str, limit: int
) -> None:
    from readinglist.core.importers.source import import_limit

    monkeypatch.setenv("READINGLIST_MAX_IMPORT_BYTES", raw)
    assert import_limit() == limit


@pytest.mark.unit
@pytest.mark.parametrize("raw", ["lots", "0", "-5", "1.5G", "4X"])
def test_a_limit_that_is_not_a_size_is_one_line(cli: Any, tmp_path: Path, raw: str) -> None:
    result = cli(
        "--db", tmp_path / "library.json", "import", COMPACT,
        env={"READINGLIST_MAX_IMPORT_BYTES": raw},
    )  # fmt: skip
    assert result.code == EXIT_BAD_INPUT
    assert result.err == (
        f"readinglist: READINGLIST_MAX_IMPORT_BYTES={raw!r} is not a size: give a number "
        "of bytes, or a number with K, M or G (e.g. 4G)\n"
    )
    assert not (tmp_path / "library.json").exists()


@pytest.mark.unit
@pytest.mark.parametrize("step", [100, 1 << 30], ids=["trickled", "at-once"])
def test_an_entry_start_is_looked_for_in_every_stretch_of_the_input(step: int) -> None:
    """No entry can start in a long stretch without an '@' (BibTeX) or a line break (a
    listing), wherever it is; the offset is where the stretch begins."""
    with pytest.raises(ImportFormatError) as info:
        _read(b"@misc{a,\n title={" + b"x" * 5000, "bibtex", step, gap=1000)
    assert str(info.value) == (
        "cannot import in.txt: no '@' in the 1000 bytes from offset 1, so no BibTeX "
        "entry starts there; nothing was imported"
    )
    with pytest.raises(ImportFormatError, match="no line break in the first 1000 bytes"):
        _read(b"@" * 5000, "dailypapers", step, gap=1000)
    if step < 1000:  # (read at once, only the stretch after the last start is seen)
        with pytest.raises(ImportFormatError) as info:
            _read(b"@a\n" * 10 + b"x" * 3000 + b"@b\n" * 10, "auto", step, gap=1000)
        assert str(info.value) == (
            "cannot import in.txt: no line break or '@' in the 1000 bytes from offset 30, "
            "so neither a listing's paper nor a BibTeX entry starts there; nothing was imported"
        )
    lines = b"A title\n\n" + b"An abstract. " * 50 + b"\n"
    assert _read(lines * 100, "dailypapers", step, gap=1000) == lines * 100
    one_line = b"@misc{a, title={t}}" * 500
    assert _read(one_line, "bibtex", step, gap=1000) == one_line
    assert _read(b"x" * 999 + b"\n" + b"x" * 999, "auto", step, gap=1000)


@pytest.mark.unit
def test_the_binary_check_is_the_same_whether_read_whole_or_not() -> None:
    """A source is refused as binary from its first 64 KiB, which is all the check of
    the whole input looks at: text with NUL bytes after them is still text."""
    with pytest.raises(ImportFormatError, match=BINARY_ZERO):
        _read(b"\x00" * 65536 + b"@misc{a, title={t}}\n")
    text = (b"@misc{a, title={t}}\n" * 4000)[:65536]
    assert _read(text + b"\x00" * 4096) == text + b"\x00" * 4096
