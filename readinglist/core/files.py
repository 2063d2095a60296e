"""Writing a file without replacing what we did not create (SPEC §3).

A regular file is replaced atomically: a temp file beside it is fsync'ed and renamed
over it, so readers and a crash see the old or the new file, never a torn one. What
is *not* ours to replace is written differently:

* a symlink (dotfiles, Syncthing) is followed: the temp file is made beside the
  file it points to and renamed over that file, so the link stays a link;
* a device, FIFO or an inherited descriptor (``/dev/stdout``, ``/dev/fd/N`` from a
  shell's process substitution) is written in place, never replaced;
* a file or folder the user may not write is refused before anything changes
  (renaming over a read-only file would succeed and break the user's intent).

Temp files are named ``.NAME.readinglist-<16 hex>.tmp``: only names of exactly that
shape are ever cleaned up, so another program's temp files (or another library's
in the same folder) are never touched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_TEMP_MARK = ".readinglist-"
_TEMP_SUFFIX = ".tmp"
_MAX_LINKS = 40  # as the kernel's ELOOP limit
_FD_PATH = re.compile(r"/(?:dev/fd|proc/(?:self|thread-self|(\d+))/fd)/(\d+)")
_STD_STREAMS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


class WriteRefused(PermissionError):
    """The target may not be written; ``strerror`` says why in words for the user."""


@dataclass(frozen=True, slots=True)
class WriteTarget:
    """Where a write to a path really goes: an inherited descriptor, or a path (after
    symlinks) that is either replaced (regular or new file) or written in place."""

    path: Path
    fd: int | None = None

    @property
    def temp_dir(self) -> Path:
        return self.path.parent


def _inherited_fd(path: str) -> int | None:
    """``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/3`` name one of our own open
    descriptors: writing to it in place keeps the shell's redirection (``>>`` too)."""
    if path in _STD_STREAMS:
        return _STD_STREAMS[path]
    match = _FD_PATH.fullmatch(path)
    if match is None or (match.group(1) is not None and int(match.group(1)) != os.getpid()):
        return None
    return int(match.group(2))


def resolve_target(path: Path) -> WriteTarget:
    """Follow symlinks one at a time (stopping at descriptor paths, whose "targets"
    such as ``pipe:[123]`` are not paths) to where the bytes must go."""
    current = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        fd = _inherited_fd(current)
        if fd is not None:
            return WriteTarget(Path(current), fd)
        try:
            link = os.readlink(current)
        except OSError:  # not a symlink, or nothing there yet
            return WriteTarget(Path(current))
        current = os.path.join(os.path.dirname(current), link)
    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))


def _writable(path: Path | str) -> bool:
    effective = os.access in os.supports_effective_ids
    return os.access(path, os.W_OK, effective_ids=effective)


def _refuse(why: str, path: Path) -> WriteRefused:
    return WriteRefused(errno.EACCES, why, str(path))


def temp_name(name: str) -> str:
    return f".{name}{_TEMP_MARK}{secrets.token_hex(8)}{_TEMP_SUFFIX}"


def is_our_temp(entry: str, name: str) -> bool:
    """True only for a temp name this module makes for the file ``name``."""
    prefix = f".{name}{_TEMP_MARK}"
    if not (entry.startswith(prefix) and entry.endswith(_TEMP_SUFFIX)):
        return False
    token = entry[len(prefix) : -len(_TEMP_SUFFIX)]
    return len(token) == 16 and all(c in "0123456789abcdef" for c in token)


def _write_all(fd: int, payload: bytes | Iterable[bytes | memoryview]) -> None:
    with os.fdopen(fd, "wb", buffering=1 << 20, closefd=False) as handle:
        if isinstance(payload, bytes):
            handle.write(payload)
        else:
            handle.writelines(payload)
        handle.flush()


def _whole(payload: bytes | Iterable[bytes | memoryview]) -> bytes | list[bytes | memoryview]:
    """Every chunk made before a byte is written in place: chunks made as they are
    written (see ``storage.dump_library``) could fail half-way, with no old file to
    keep."""
    return payload if isinstance(payload, bytes) else list(payload)


def write_bytes_safely(path: Path, payload: bytes | Iterable[bytes | memoryview]) -> None:
    """Write ``payload`` (bytes, or chunks in order) to ``path`` as described above.

    Raises :class:`WriteRefused` (a ``PermissionError``) when the target may not be
    written, other ``OSError``\\ s as they come; nothing has changed in either case
    unless the target is one written in place (a device or pipe).
    """
    target = resolve_target(Path(path))
    if target.fd is not None:
        payload = _whole(payload)
        fd = os.dup(target.fd)
        try:
            _write_all(fd, payload)
        finally:
            os.close(fd)
        return
    try:
        st: os.stat_result | None = os.stat(target.path)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        _write_in_place(target.path, payload)
        return
    if st is not None and not _writable(target.path):
        raise _refuse("the file is read-only", target.path)
    if target.temp_dir.is_dir() and not _writable(target.temp_dir):
        raise _refuse(f"its folder {target.temp_dir} is not writable", target.path)
    _replace(target.path, payload, st)


def _write_in_place(path: Path, payload: bytes | Iterable[bytes | memoryview]) -> None:
    """A device or FIFO: open it for writing (a FIFO waits for its reader) and write."""
    payload = _whole(payload)
    fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    try:
        _write_all(fd, payload)
    finally:
        os.close(fd)


def _replace(
    path: Path, payload: bytes | Iterable[bytes | memoryview], old: os.stat_result | None
) -> None:
    directory = path.parent
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        temp = directory / temp_name(path.name)
        try:
            fd = os.open(temp, flags, 0o600)
            break
        except FileExistsError:  # 64 random bits: practically never
            continue
    try:
        try:
            _write_all(fd, payload)
            os.fsync(fd)
            if old is not None:
                os.fchmod(fd, old.st_mode & 0o777)
                if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                    with contextlib.suppress(OSError):  # only root may give files away
                        os.fchown(fd, old.st_uid, old.st_gid)
            else:  # a new file gets the usual umask mode, not mkstemp's 0600
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(fd, 0o666 & ~umask)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    # Make the rename itself durable.
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def remove_stale_temps(path: Path) -> list[Path]:
    """Delete the temp files a killed writer of ``path`` left behind (and nothing
    else: only our exact temp names, regular files owned by us). Returns them.

    Call only while no other writer of ``path`` can be half-way through its own
    temp file, i.e. under the library lock.
    """
    target = resolve_target(path)
    if target.fd is not None:
        return []
    name = target.path.name
    removed: list[Path] = []
    try:
        entries = os.scandir(target.temp_dir)
    except OSError:
        return removed
    with entries:
        for entry in entries:
            if not is_our_temp(entry.name, name):
                continue
            with contextlib.suppress(OSError):
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid():
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed
