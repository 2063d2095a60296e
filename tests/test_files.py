"""Files stay what they are: symlinks, devices, FIFOs, inherited descriptors and
read-only files are never replaced, only our own temp files are cleaned up, and
output that cannot be written is an error, not a silent truncation.

Everything runs ``readinglist`` as a real process against real files. Device nodes,
size-limited and read-only filesystems come from a tmpfs mounted for the test
(never anything under ``/dev``); that needs root, which CI has.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from readinglist.core.files import is_our_temp, temp_name, write_bytes_safely
from readinglist.core.library import Library

from .conftest import DATA, Result, require_tool

LISTING = DATA / "daily-papers-blank-lines.txt"
BIG_LISTING = DATA / "daily-papers-compact.txt"


def readinglist(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "readinglist", *map(str, args)]


def run(
    *args: str | Path, prefix: tuple[str, ...] = (), **kwargs: object
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*prefix, *readinglist(*args)],
        capture_output=True,
        timeout=120,
        **kwargs,  # type: ignore[call-overload]
    )


def result(done: subprocess.CompletedProcess[bytes]) -> Result:
    return Result(done.returncode, done.stdout.decode(), done.stderr.decode())


def temps(*folders: Path) -> list[str]:
    return sorted(p.name for folder in folders for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def library_file(tmp_path: Path) -> Path:
    """A real library of 58 papers (one Daily Papers listing)."""
    db = tmp_path / "library.json"
    done = run("--db", db, "import", LISTING)
    assert done.returncode == 0, done.stderr
    return db


def make_device(folder: Path, name: str, major: int, minor: int) -> Path:
    """A character device node made with mknod on a test filesystem."""
    path = folder / name
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
    return path


def unprivileged() -> tuple[str, ...]:
    """A command prefix under which permission bits apply.

    As a normal user that is nothing; as root (CI) the process keeps uid 0 but loses
    the capabilities that bypass file permissions (``CAP_DAC_OVERRIDE``, ...), so a
    mode-0444 file or a mode-0555 folder stops it exactly as it stops any user.
    """
    if os.geteuid() != 0:
        return ()
    setpriv = require_tool("setpriv", "apt-get install -y util-linux")
    drop = "-dac_override,-dac_read_search,-fowner,-linux_immutable"
    return (setpriv, f"--bounding-set={drop}", "--")


# -- symlinks ------------------------------------------------------------------------


@pytest.mark.process
def test_symlinked_library_stays_a_link(tmp_path: Path) -> None:
    """dotfiles/Syncthing: the library is a link (here through a second, relative
    link); every write goes to the file at the end, and the links stay links."""
    real_dir = tmp_path / "sync"
    real_dir.mkdir()
    real = real_dir / "library.json"
    assert run("--db", real, "import", LISTING).returncode == 0
    hop = tmp_path / "hop.json"
    hop.symlink_to(real)
    link = tmp_path / "dotfiles" / "library.json"
    link.parent.mkdir()
    link.symlink_to(Path("..") / "hop.json")
    # Held open, the first version keeps its inode number (a freed one may be reused).
    first = open(real, "rb")  # noqa: SIM115
    try:
        for args in (
            ("add", "--title", "Written Through a Link"),
            ("tag", "written through", "+linked"),
            ("status", "written through", "read"),
        ):
            done = run("--db", link, *args)
            assert done.returncode == 0, done.stderr
        assert link.is_symlink() and os.readlink(link) == str(Path("..") / "hop.json")
        assert hop.is_symlink() and os.readlink(hop) == str(real)
        # The real file was replaced atomically, never rewritten in place...
        assert real.stat().st_ino != os.fstat(first.fileno()).st_ino
        assert b"Written Through a Link" not in first.read()
    finally:
        first.close()
    papers = {p.title: p for p in Library.open(real)}
    paper = papers["Written Through a Link"]  # ...and holds every change
    assert paper.tags == ("linked",) and paper.status == "read"
    assert len(papers) == 59
    assert temps(tmp_path, real_dir, link.parent) == []


@pytest.mark.process
def test_symlinked_export_target_stays_a_link(library_file: Path, tmp_path: Path) -> None:
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    real = thesis / "refs.bib"
    real.write_text("old\n")
    link = tmp_path / "refs.bib"
    link.symlink_to(real)
    dangling = tmp_path / "new.bib"
    dangling.symlink_to(thesis / "not-yet.bib")

    for target in (link, dangling):
        done = run("--db", library_file, "export", "-o", target)
        assert done.returncode == 0, done.stderr
        assert target.is_symlink()
    assert real.read_text().count("@misc{") == 58
    assert (thesis / "not-yet.bib").read_text() == real.read_text()
    assert temps(tmp_path, thesis) == []


# -- things that are not regular files: written in place, never replaced ----------------


@pytest.mark.process
def test_export_to_a_fifo_is_written_in_place(library_file: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "refs.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as handle:  # blocks until the export opens it
            received.append(handle.read())

    thread = threading.Thread(target=reader)
    thread.start()
    done = run("--db", library_file, "export", "-o", fifo)
    thread.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received and received[0].count(b"@misc{") == 58
    assert temps(tmp_path) == []


@pytest.mark.unit
def test_a_write_in_place_fails_before_its_first_byte(tmp_path: Path) -> None:
    """The library is written as it is encoded; a FIFO (no old file to keep) gets
    nothing at all if encoding fails half-way."""
    fifo = tmp_path / "library.fifo"
    os.mkfifo(fifo)

    def chunks() -> Iterator[bytes]:
        yield b'{\n"papers": {'
        raise TypeError("a value that is not JSON")

    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(TypeError):
            write_bytes_safely(fifo, chunks())
        assert os.read(reader, 100) == b""
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.process
def test_character_devices_are_written_in_place(
    library_file: Path, tmpfs: Callable[..., Path]
) -> None:
    """A null device (c 1 3) as export target and as the library itself, made with
    mknod on a tmpfs: it stays a device with the same numbers."""
    folder = tmpfs()
    null = make_device(folder, "null", 1, 3)

    done = run("--db", library_file, "export", "-o", null)
    assert done.returncode == 0, done.stderr
    done = run("--db", null, "add", "--title", "Into the Void")
    assert done.returncode == 0, done.stderr
    done = run("--db", null, "add", "--title", "And Again")
    assert done.returncode == 0, done.stderr
    info = os.lstat(null)
    assert stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 3)
    assert temps(folder) == []


@pytest.mark.process
def test_full_device_as_export_target_is_an_error(
    library_file: Path, tmpfs: Callable[..., Path]
) -> None:
    full = make_device(tmpfs(), "full", 1, 7)  # every write fails with ENOSPC
    done = result(run("--db", library_file, "export", "-o", full))
    assert done.code == 2
    assert done.err == f"readinglist: cannot write {full}: No space left on device\n"
    assert stat.S_ISCHR(os.lstat(full).st_mode)


@pytest.mark.process
def test_dev_stdout_is_the_shells_redirection(library_file: Path, tmp_path: Path) -> None:
    """``-o /dev/stdout >> log`` appends to the log: it writes through the inherited
    descriptor instead of replacing (or truncating) whatever stdout is."""
    log = tmp_path / "log.txt"
    log.write_text("kept line\n")
    inode = log.stat().st_ino
    with open(log, "ab") as out:
        done = subprocess.run(
            readinglist("--db", library_file, "export", "-o", "/dev/stdout"),
            stdout=out,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    text = log.read_text()
    assert text.startswith("kept line\n@misc{") and text.count("@misc{") == 58
    assert log.stat().st_ino == inode
    assert os.readlink("/dev/stdout") == "/proc/self/fd/1"  # untouched


@pytest.mark.process
def test_dev_fd_from_process_substitution(library_file: Path) -> None:
    """``-o >(gzip > refs.gz)`` hands the export a pipe as /dev/fd/N."""
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        readinglist("--db", library_file, "export", "-o", f"/dev/fd/{write_end}"),
        pass_fds=(write_end,),
        stderr=subprocess.PIPE,
    )
    os.close(write_end)  # the child holds its own copy
    with os.fdopen(read_end, "rb") as pipe:
        received = pipe.read()
    assert proc.wait(timeout=120) == 0
    assert received.count(b"@misc{") == 58


@pytest.mark.process
def test_process_substitution_in_bash(library_file: Path, tmp_path: Path) -> None:
    bash = require_tool("bash", "apt-get install -y bash")
    out = tmp_path / "through-cat.bib"
    command = " ".join(map(str, readinglist("--db", library_file, "export")))
    done = subprocess.run(
        [bash, "-c", f"{command} -o >(cat > {out}); wait"],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    for _ in range(100):  # the substituted process may finish just after bash
        if out.exists() and out.read_bytes().count(b"@misc{") == 58:
            break
        threading.Event().wait(0.05)
    assert out.read_bytes().count(b"@misc{") == 58


# -- libraries and targets the user may not write -------------------------------------


@pytest.mark.process
def test_read_only_library_is_refused_and_untouched(library_file: Path) -> None:
    library_file.chmod(0o444)
    before = library_file.read_bytes()
    history = library_file.with_name(".library.json.history")  # undo history, kept beside
    history_before = history.read_bytes()
    done = result(run("--db", library_file, "tag", "attention", "+x", prefix=unprivileged()))
    assert done.code == 2
    assert done.err == f"readinglist: cannot write library {library_file}: the file is read-only\n"
    assert library_file.read_bytes() == before
    assert history.read_bytes() == history_before  # no undo step for a change not made
    assert stat.S_IMODE(library_file.stat().st_mode) == 0o444
    assert temps(library_file.parent) == []
    # reading it is fine
    listed = run("--db", library_file, "list", "attention", prefix=unprivileged())
    assert listed.returncode == 0 and listed.stdout


@pytest.mark.process
def test_read_only_folder_is_refused_and_untouched(library_file: Path, tmp_path: Path) -> None:
    folder = library_file.parent
    (folder / ".library.json.lock").unlink(missing_ok=True)
    before = library_file.read_bytes()
    listing = sorted(p.name for p in folder.iterdir())
    folder.chmod(0o555)
    try:
        done = result(run("--db", library_file, "add", "--title", "T", prefix=unprivileged()))
        export = result(
            run("--db", library_file, "export", "-o", folder / "refs.bib", prefix=unprivileged())
        )
    finally:
        folder.chmod(0o755)
    assert done.code == 2
    assert (
        done.err == f"readinglist: cannot lock library {library_file}: "
        "its folder cannot be written (Permission denied)\n"
    )
    assert export.code == 2
    assert export.err == (
        f"readinglist: cannot write {folder / 'refs.bib'}: its folder {folder} is not writable\n"
    )
    assert library_file.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == listing


@pytest.mark.process
def test_read_only_export_target_is_refused(library_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("mine\n")
    target.chmod(0o444)
    done = result(run("--db", library_file, "export", "-o", target, prefix=unprivileged()))
    assert done.code == 2
    assert done.err == f"readinglist: cannot write {target}: the file is read-only\n"
    assert target.read_text() == "mine\n"


@pytest.mark.process
def test_library_on_a_read_only_filesystem(library_file: Path, tmpfs: Callable[..., Path]) -> None:
    folder = tmpfs()
    db = folder / "library.json"
    shutil.copy(library_file, db)
    before = db.read_bytes()
    remount = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True)
    assert remount.returncode == 0, remount.stderr
    done = result(run("--db", db, "status", "attention", "read"))
    assert done.code == 2
    assert (
        done.err == f"readinglist: cannot lock library {db}: "
        "its folder cannot be written (Read-only file system)\n"
    )
    assert db.read_bytes() == before
    assert run("--db", db, "list", "attention").returncode == 0


@pytest.mark.process
def test_library_on_a_full_disk_is_untouched(tmpfs: Callable[..., Path]) -> None:
    folder = tmpfs(size="256k")
    db = folder / "library.json"
    assert run("--db", db, "import", LISTING).returncode == 0  # ~130 KB
    before = db.read_bytes()
    (folder / "filler").write_bytes(b"x" * (256 * 1024 - 2 * len(before) + 8192))
    done = result(run("--db", db, "import", BIG_LISTING))
    assert done.code == 2
    assert done.err == f"readinglist: cannot write library {db}: No space left on device\n"
    assert db.read_bytes() == before
    assert temps(folder) == []


# -- temp files ----------------------------------------------------------------------------


@pytest.mark.process
def test_only_our_own_temp_files_are_cleaned_up(library_file: Path) -> None:
    folder = library_file.parent
    stale = folder / temp_name("library.json")  # a killed writer's: ours, stale
    stale.write_text("half a library")
    others = [
        folder / ".library.json.k2j4h5_1.tmp",  # an editor's or another tool's temp file
        folder / temp_name("library.json.bak"),  # another library in the same folder
        folder / ".library.json.readinglist-notreallyhex0.tmp",
        folder / "library.json.tmp",
    ]
    for path in others:
        path.write_text("not ours")
    link = folder / temp_name("library.json")  # our name, but a link: not our file
    link.symlink_to(folder / "library.json.tmp")
    assert is_our_temp(stale.name, "library.json")
    assert not any(is_our_temp(p.name, "library.json") for p in others)

    done = run("--db", library_file, "tag", "attention", "+cleaned")
    assert done.returncode == 0, done.stderr
    assert not stale.exists()
    assert all(p.read_text() == "not ours" for p in others)
    assert link.is_symlink()


# -- standard output ---------------------------------------------------------------------


@pytest.mark.process
@pytest.mark.parametrize("command", [("export",), ("list", "--json"), ("list",)])
def test_full_disk_on_stdout_is_one_line_and_exit_2(
    library_file: Path, tmpfs: Callable[..., Path], command: tuple[str, ...]
) -> None:
    """``export > file`` on a full disk, as a file on a small full tmpfs and as the
    ``/dev/full`` device (c 1 7, made on the tmpfs): exit 2, one line, no traceback."""
    folder = tmpfs(size="64k")
    (folder / "filler").write_bytes(b"x" * (60 * 1024))  # 4 KB left
    full = make_device(folder, "full", 1, 7)
    for target in (folder / "out", full):
        with open(target, "wb") as out:
            done = subprocess.run(
                readinglist("--db", library_file, *command),
                stdout=out,
                stderr=subprocess.PIPE,
                timeout=120,
            )
        assert done.returncode == 2, (target, done.stderr)
        message = b"readinglist: cannot write the output: No space left on device\n"
        assert done.stderr == message, target


@pytest.mark.process
@pytest.mark.parametrize("command", [("export",), ("list", "--json"), ("list",)])
def test_closed_pipe_is_quiet_and_exit_0(tmp_path: Path, command: tuple[str, ...]) -> None:
    """``| head -1``: the reader leaves after one line; the writer stops quietly."""
    db = tmp_path / "library.json"
    assert run("--db", db, "import", BIG_LISTING).returncode == 0  # output far above 64 KB
    proc = subprocess.Popen(
        readinglist("--db", db, *command), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert first and err == b""
