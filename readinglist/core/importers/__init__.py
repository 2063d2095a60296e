"""The import front door: any file or text in, a :class:`ParseResult` out.

Whole-input problems (binary, empty, undecodable, unknown format, nothing
parsable) raise :class:`ImportFormatError` with one line naming the file, so the
CLI and the TUI can show it as is and leave the library untouched.  Problems with
single entries come back as ``ParseResult.failures``.
"""

from __future__ import annotations

import itertools
from pathlib import Path, PurePath
from typing import BinaryIO

from ..errors import ImportFormatError
from . import chunks
from .base import Emit, ImportFailure, ParseResult
from .dailypapers import parse_dailypapers
from .sniff import (
    EXPECTED,
    FORMATS,
    check_text,
    decode_input,
    fail,
    refuse_binary,
    sniff_format,
)
from .source import read_path, read_stream

FORMAT_BIBTEX = "bibtex"

__all__ = [
    "FORMATS",
    "ImportFailure",
    "ImportFormatError",
    "ParseResult",
    "parse_bytes",
    "parse_file",
    "parse_stream",
    "parse_text",
]


def _label(source_name: str) -> str:
    return PurePath(source_name).name if source_name else "input"


def parse_text(text: str, fmt: str = "auto", source_name: str = "") -> ParseResult:
    """Parse text in ``fmt`` ("auto", "dailypapers" or "bibtex")."""
    label = _label(source_name)
    if fmt != "auto" and fmt not in FORMATS:
        raise fail(label, f"unknown format {fmt!r} (expected auto, {', '.join(FORMATS)})")
    check_text(text, label)
    if fmt == "auto":
        fmt = sniff_format(text)
        if not fmt:
            raise fail(
                label,
                "unknown format: it is neither a Daily Papers listing (title/abstract "
                "pairs) nor BibTeX (@type{key, ...} entries)",
            )
    if fmt == "bibtex":
        result = _parse_bibtex(text, source_name, label)
    elif "\x00" in text:
        raise fail(label, f"it is a binary file, {EXPECTED}")
    else:
        result = parse_dailypapers(text, source_name)
    return _checked_result(result, fmt, label)


def _checked_result(result: ParseResult, fmt: str, label: str) -> ParseResult:
    _refuse_truncated(result, label)
    if not result.papers and not result.strings and not result.preambles:
        kind = "BibTeX entries" if fmt == "bibtex" else "papers"
        detail = f" ({result.failures[0]}" if result.failures else ""
        if result.failures:
            more = len(result.failures) - 1
            detail += f", and {more} more problem{'s' * (more != 1)})" if more else ")"
        raise fail(label, f"no {kind} found{detail}")
    return result


def _refuse_truncated(result: ParseResult, label: str) -> None:
    """A file whose last entry is cut off was not saved or copied whole: importing
    the part before the cut would hide that, so the whole file is refused. (A broken
    entry in the middle is the author's typo: the others still import.)"""
    cut = next((f for f in result.failures if f.cut_off), None)
    if cut is not None and result.papers:
        raise fail(label, f"the file looks truncated ({cut}); nothing was imported")


def _parse_bibtex(text: str, source_name: str, label: str) -> ParseResult:
    """The BibTeX parser reports bad entries itself; anything it raises is a whole-file error."""
    try:
        from .bibtex import parse_bibtex
    except ImportError:
        raise fail(label, "BibTeX import is not available in this installation") from None
    try:
        return parse_bibtex(text, source_name)
    except ImportFormatError:
        raise
    except Exception as exc:  # garbage input must never end in a traceback
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise fail(label, f"the BibTeX could not be read: {reason}") from exc


def _parse_pieces(
    data: bytes, label: str, size: int | None = None, *, emit: Emit | None = None
) -> ParseResult:
    """Large BibTeX read piece by piece, checked as :func:`parse_bytes` checks the
    whole text, in the same order, with the same errors (see :mod:`.chunks`).

    Pieces are decoded as they are parsed; whenever another error is found first,
    the rest is decoded before it is raised, since the whole text's undecodable byte
    would have been reported before anything else."""
    refuse_binary(data, label)
    hide = chunks.hides_escapes(data)
    pieces = chunks.text_pieces(data, label, size, hide_escapes=hide)

    def decode_rest() -> None:
        for _piece in pieces:
            pass

    first = next(pieces)
    name = _label(label)
    try:
        check_text(first[0], name)  # (hidden escapes change no character it counts)
        from .bibtex import parse_bibtex_pieces
    except ImportFormatError:
        decode_rest()
        raise
    except ImportError:
        decode_rest()
        raise fail(name, "BibTeX import is not available in this installation") from None
    try:
        result = parse_bibtex_pieces(
            itertools.chain([first], pieces), label, hide_escapes=hide, hidden=hide, emit=emit
        )
    except ImportFormatError:
        raise
    except Exception as exc:  # garbage input must never end in a traceback
        decode_rest()
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise fail(name, f"the BibTeX could not be read: {reason}") from exc
    return _checked_result(result, FORMAT_BIBTEX, name)


def parse_file(path: Path, fmt: str = "auto", *, emit: Emit | None = None) -> ParseResult:
    """Read ``path`` (a file, FIFO or device; any common text encoding) and parse it.

    It is read in bounded memory (see :mod:`.source`): an input that never ends, or
    in which no entry can start, is refused before it fills the memory. ``emit``
    sees the papers of a large ``.bib`` file as they are read, a piece at a time
    (they stay in the result too)."""
    path = Path(path)
    label = path.name or str(path)
    return parse_bytes(read_path(path, fmt, label), fmt, label, emit=emit)


def parse_stream(stream: BinaryIO, fmt: str = "auto", label: str = "stdin") -> ParseResult:
    """Read ``stream`` to its end (standard input, a pipe) and parse it, as
    :func:`parse_file` reads and parses a file."""
    return parse_bytes(read_stream(stream, fmt, label), fmt, label)


def parse_bytes(
    data: bytes, fmt: str = "auto", label: str = "input", *, emit: Emit | None = None
) -> ParseResult:
    """Decode (any common text encoding; binary refused) and parse raw input
    (``emit``: see :func:`parse_file`)."""
    if not data:
        raise fail(label, "the file is empty")
    if fmt in ("auto", FORMAT_BIBTEX) and chunks.can_split(data):
        return _parse_pieces(data, label, emit=emit)
    text, warning = decode_input(data, label)
    if warning:
        raise fail(label, f"the file looks truncated: {warning}; nothing was imported")
    return parse_text(text, fmt, label)
