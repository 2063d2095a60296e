"""Reading an import source in bounded memory.

Every import reads its input here: a file, a FIFO, a device, standard input, a
shell's process substitution (``<(...)``, opened as ``/dev/fd/N``). The input is
read in chunks and refused with one line, before anything is parsed, when it cannot
be a listing or a ``.bib`` file or would not fit:

* its first 64 KiB look binary (``/dev/zero``, an image, an executable). This is
  the check :func:`~.sniff.refuse_binary` makes on the whole input, which looks at
  no more than that: the answer is the same, only given before the rest is read;
* 64 MiB go by with no place where an entry could start: a BibTeX entry starts at
  an ``@``, a listing's paper at a line break (``auto`` takes either), looked for
  as each chunk comes. No listing has a line, and no ``.bib`` file an entry, that
  long; ``yes | tr -d '\\n'`` has;
* it holds more than :data:`DEFAULT_LIMIT` bytes (2 GiB; the environment variable
  ``READINGLIST_MAX_IMPORT_BYTES`` sets another limit). The largest real ``.bib``
  files (158k entries) are about 250 MB; ``yes '@misc{a, title={t}}'`` never ends.

What is kept is the input read so far, so memory grows with the input only up to
the limit; a regular file larger than the limit is refused from its size, unread.
Running out of memory on the way is one line too.
"""

from __future__ import annotations

import io
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO

from ..errors import ImportFormatError, ReadinglistError
from .sniff import BINARY_SAMPLE_BYTES, fail, refuse_binary

LIMIT_VARIABLE = "READINGLIST_MAX_IMPORT_BYTES"
DEFAULT_LIMIT = 2 << 30
GAP_BYTES = 64 << 20
CHUNK_BYTES = 1 << 20

# Where an entry can start, by format (an unknown format is refused later, by name).
_STARTS: dict[str, tuple[bytes, ...]] = {
    "bibtex": (b"@",),
    "dailypapers": (b"\n", b"\r"),
    "auto": (b"@", b"\n", b"\r"),
}
_STARTS_SAID = {
    "bibtex": "no '@' {where}, so no BibTeX entry starts there",
    "dailypapers": "no line break {where}, so no paper of a Daily Papers listing starts there",
    "auto": "no line break or '@' {where}, so neither a listing's paper nor a BibTeX entry "
    "starts there",
}
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"\s*(\d+)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)


def import_limit() -> int:
    """The most bytes one import source may hold: ``READINGLIST_MAX_IMPORT_BYTES``
    (bytes, or a number with K, M, G or T: powers of 1024), else 2 GiB."""
    raw = os.environ.get(LIMIT_VARIABLE, "")
    if not raw.strip():
        return DEFAULT_LIMIT
    match = _SIZE.fullmatch(raw)
    limit = int(match.group(1)) * _UNITS[match.group(2).lower()] if match else 0
    if limit <= 0:
        raise ReadinglistError(
            f"{LIMIT_VARIABLE}={raw!r} is not a size: give a number of bytes, "
            "or a number with K, M or G (e.g. 4G)"
        )
    return limit


def size_text(count: int) -> str:
    """``2 GiB``, ``64 MiB``, ``1536 KiB``, ``1000 bytes``: exact, in the largest unit
    that divides it."""
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"


def _too_large(label: str, limit: int) -> ImportFormatError:
    return fail(
        label,
        f"it holds more than {size_text(limit)}, the most one import reads "
        f"({LIMIT_VARIABLE} sets that limit); nothing was imported",
    )


def read_stream(
    stream: BinaryIO,
    fmt: str,
    label: str,
    *,
    limit: int | None = None,
    gap: int = GAP_BYTES,
) -> bytes:
    """All of ``stream``, read in chunks under the rules above (``ImportFormatError``
    otherwise); ``limit`` defaults to :func:`import_limit`."""
    limit = import_limit() if limit is None else limit
    starts = _STARTS.get(fmt, _STARTS["auto"])
    kept = io.BytesIO()  # (grows in place; getvalue() hands over its buffer uncopied)
    total = 0
    after_start = 0  # the offset just past the last byte where an entry can start
    head = b""  # the first bytes, until refuse_binary has seen as many as it looks at
    sniffed = False
    try:
        while True:
            chunk = stream.read(CHUNK_BYTES)
            if chunk is None:  # a non-blocking input with nothing ready: not its end
                raise fail(label, "no input is ready to be read; nothing was imported")
            if not chunk:
                break
            if not sniffed:
                head += chunk[: BINARY_SAMPLE_BYTES - len(head)]
                if len(head) >= BINARY_SAMPLE_BYTES:
                    refuse_binary(head, label)
                    sniffed = True
            last = max(chunk.rfind(start) for start in starts)
            if last >= 0:
                after_start = total + last + 1
            total += len(chunk)
            if total > limit:
                raise _too_large(label, limit)
            if total - after_start > gap:
                where = (
                    f"in the first {size_text(gap)}"
                    if after_start == 0
                    else f"in the {size_text(gap)} from offset {after_start}"
                )
                said = _STARTS_SAID.get(fmt, _STARTS_SAID["auto"]).format(where=where)
                raise fail(label, f"{said}; nothing was imported")
            kept.write(chunk)
    except MemoryError:
        kept.close()  # (frees what was read, for the message and what comes after)
        raise fail(
            label, f"out of memory after reading {total >> 20} MiB of it; nothing was imported"
        ) from None
    except OSError as exc:  # (standard input can be a directory, or fail with EIO)
        raise fail(label, exc.strerror or type(exc).__name__) from None
    return kept.getvalue()


def read_path(path: Path, fmt: str, label: str, *, limit: int | None = None) -> bytes:
    """The bytes of the file, FIFO or device at ``path`` (see :func:`read_stream`);
    a path that cannot be read is an ``ImportFormatError`` naming why."""
    limit = import_limit() if limit is None else limit
    try:
        with open(path, "rb", buffering=0) as raw:
            status = os.fstat(raw.fileno())
            if stat.S_ISREG(status.st_mode) and status.st_size > limit:
                raise _too_large(label, limit)
            return read_stream(raw, fmt, label, limit=limit)
    except FileNotFoundError:
        raise fail(label, "no such file") from None
    except IsADirectoryError:
        raise fail(label, "it is a directory, not a file") from None
    except PermissionError:
        raise fail(label, "permission denied") from None
    except OSError as exc:
        raise fail(label, exc.strerror or type(exc).__name__) from None
