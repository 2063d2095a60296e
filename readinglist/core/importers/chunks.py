"""A large UTF-8 ``.bib`` file read in pieces, never as one string.

A 250 MB file with a single character outside the Basic Multilingual Plane (a
mathematical letter, an emoji) decodes to a 1 GB string; the parser then made a
second one, and a list of blocks for the whole file. Read piece by piece (see
:func:`~.bibtex.parse_bibtex_pieces`) only one piece is text at a time.

A piece ends where a line begins with ``@type{`` (or ``@type(``): bibtexparser
starts a new block there whatever came before (an open brace, a quote, a
comment), so each piece is read as it would have been within the whole file.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from .sniff import fail

PIECE_BYTES = 8 << 20
# Where a block surely starts: ``@``, ASCII word characters, spaces or tabs, then the
# opening delimiter, at the very start of a line (a subset of what bibtexparser sees
# as a block start at a line start, which is all a cut needs).
_BLOCK_LINE = re.compile(rb"\n(@[A-Za-z0-9_]*[ \t]*[{(])")
_PRIVATE = "\ue000".encode()  # the character brace escapes are hidden behind


_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_BIBTEX_ENTRY = re.compile(rb"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)


def can_split(data: bytes, size: int | None = None) -> bool:
    """True for BibTeX worth reading in pieces: larger than one piece, no byte-order
    mark (UTF-8 is then the only encoding tried), and an entry in it (as
    ``sniff_format`` finds one in the text)."""
    return (
        len(data) > (PIECE_BYTES if size is None else size)
        and not data.startswith(_BOMS)
        and _BIBTEX_ENTRY.search(data) is not None
    )


def hides_escapes(data: bytes) -> bool:
    """Whether brace escapes may be hidden while parsing (see ``_hide_brace_escapes``)."""
    return _PRIVATE not in data


def text_pieces(
    data: bytes, label: str, size: int | None = None, *, hide_escapes: bool = False
) -> Iterator[tuple[str, str]]:
    """``(text, next_start)`` pieces of UTF-8 ``data``, decoded one at a time.

    With ``hide_escapes`` each ``\\{``/``\\}`` is written with the private-use
    character instead of the backslash (see ``_hide_brace_escapes``), done on the
    bytes before decoding. Undecodable bytes raise the same one-line error as
    decoding the whole file would (with the offset in the whole file); a file cut
    inside its last character is refused as truncated.
    """
    size = PIECE_BYTES if size is None else size
    start = 0
    total = len(data)
    while start < total:
        end = total
        next_start = b""
        if total - start > size:
            found = _BLOCK_LINE.search(data, start + size)
            if found is not None:
                end = found.start() + 1
                next_start = found.group(1)
        raw = data[start:end]
        if hide_escapes and (b"\\{" in raw or b"\\}" in raw):
            # (on the bytes: cheaper than on a wide string, and no second copy)
            hidden = raw.replace(b"\\{", _PRIVATE + b"{").replace(b"\\}", _PRIVATE + b"}")
        else:
            hidden = raw
        try:
            try:
                text = hidden.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("utf-8")  # where the file's own bytes fail
                raise
        except UnicodeDecodeError as exc:
            at = start + exc.start
            if end == total and exc.reason == "unexpected end of data":
                raise fail(
                    label,
                    "the file looks truncated: file ends in the middle of a character; "
                    "nothing was imported",
                ) from None
            byte = data[at : at + 1].hex()
            raise fail(
                label,
                f"it is not valid UTF-8 (byte 0x{byte} at offset {at}); "
                "save it as UTF-8 and try again",
            ) from None
        yield text, next_start.decode("ascii")
        start = end
