"""Turning raw input into text and guessing its format, with one-line errors.

Everything here fails with :class:`ImportFormatError` whose message names the
file and says what is wrong with it as a whole (binary, empty, wrong encoding,
unknown format); per-entry problems are the parsers' business.
"""

from __future__ import annotations

import codecs
import re

from ..errors import ImportFormatError
from .dailypapers import looks_like_dailypapers

FORMATS: tuple[str, ...] = ("dailypapers", "bibtex")
EXPECTED = "not a Daily Papers listing or BibTeX"

# Magic numbers of files people plausibly pick by mistake.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.xlsx/.epub document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"{\\rtf", "an RTF document"),
)

# Control characters that never occur in a text listing (tab, newlines, form feed allowed).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27)) + b"\x7f"
_ALL_BYTES = bytes(range(256))
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_BINARY_SHARE = 0.05
BINARY_SAMPLE_BYTES = 65536  # the input's first bytes, all refuse_binary looks at

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_BIBTEX_ENTRY = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)


def fail(label: str, why: str) -> ImportFormatError:
    """The one error shape: ``cannot import NAME: WHY``."""
    return ImportFormatError(f"cannot import {label}: {why}")


def decode_input(data: bytes, label: str) -> tuple[str, str]:
    """Bytes → text, or ImportFormatError; returns (text, warning) where warning is
    non-empty when a truncated last character had to be dropped."""
    encoding = refuse_binary(data, label) or "utf-8"
    try:
        return codecs.decode(data, encoding), ""
    except UnicodeDecodeError as exc:
        if encoding == "utf-8" and exc.reason == "unexpected end of data":
            # The file was cut inside its last character: keep what is whole.
            return data[: exc.start].decode("utf-8"), "file ends in the middle of a character"
        byte = data[exc.start : exc.start + 1].hex()
        name = "UTF-8" if encoding == "utf-8" else encoding.upper()
        raise fail(
            label,
            f"it is not valid {name} (byte 0x{byte} at offset {exc.start}); "
            "save it as UTF-8 and try again",
        ) from None


def refuse_binary(data: bytes, label: str) -> str:
    """Refuse files of a known binary kind, or with many control bytes and no
    byte-order mark; returns the encoding a byte-order mark names ("" for none)."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise fail(label, f"it is {kind}, {EXPECTED}")
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "")
    if not encoding:
        # A few NUL bytes in a large text file are junk in an entry (the BibTeX
        # importer reports that entry); a binary file has many control bytes.
        sample = data[:BINARY_SAMPLE_BYTES]
        controls = len(sample) - len(sample.translate(_ALL_BYTES, _CONTROL_BYTES))
        if sample and controls / len(sample) > _BINARY_SHARE:
            raise fail(label, f"it is a binary file, {EXPECTED}")
    return encoding


def check_text(text: str, label: str) -> None:
    """Reject text that is empty, blank or clearly binary once decoded."""
    if not text:
        raise fail(label, "the file is empty")
    if not text.strip():
        raise fail(label, "the file contains only whitespace")
    sample = text[:65536]
    controls = len(_CONTROL_CHARS.findall(sample))
    if controls / len(sample) > _BINARY_SHARE:
        raise fail(label, f"it is a binary file, {EXPECTED}")


def sniff_format(text: str) -> str:
    """ "bibtex", "dailypapers" or "" (unknown)."""
    if _BIBTEX_ENTRY.search(text):
        return "bibtex"
    if looks_like_dailypapers(text):
        return "dailypapers"
    return ""
