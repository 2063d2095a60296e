"""Export onto an existing ``.bib``: update it in place, keeping everything else as written.

"Update" replaces the entries whose keys the export also has, appends the entries the
file does not have yet, and leaves every other byte of the file alone: other entries,
comments, ``@string``\\ s, blank lines, even entries bibtexparser could not read. The
file is split with bibtexparser; each block's exact text (``Block.raw``) is found in
the file at its position, and only the spans of replaced entries change.

The file is decoded with ``surrogateescape``, so a Latin-1 ``.bib`` comes back byte
for byte too; what is written here is UTF-8 (ASCII unless the export asked for
Unicode). New text takes the file's line endings.

:func:`write_export` writes an export (updated, or a plain overwrite) and records it
in the library's history, so undo puts the previous file back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bibtexparser.entrypoint import parse_string
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
    String,
)

from .errors import ReadinglistError
from .files import write_bytes_safely
from .importers import bibtex as _bibtex_reader  # noqa: F401  (keeps bibtexparser's log quiet)
from .library import Library

__all__ = ["BibUpdate", "ExistingBib", "ExportWritten", "existing_bib", "update_bibtex",
           "write_export"]  # fmt: skip

_FAILED_KEY = re.compile(r"@\s*[A-Za-z]+\s*[{(]\s*([^,\s{}()]+)\s*,")


@dataclass(frozen=True, slots=True)
class BibUpdate:
    """The updated file text and what changed: keys replaced (as the file spelled
    them), keys appended, macros added, and keys left alone because the file's entry
    for them could not be read (replacing a span the parser did not understand could
    cut into its neighbours; appending would repeat the key)."""

    text: str
    replaced: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    macros: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    block: Block
    key: str | None  # an entry's citation key, as written
    replaceable: bool  # an entry we may swap for the export's


def _classify(block: Block) -> tuple[str | None, bool]:
    if isinstance(block, Entry):
        return block.key.strip(), True
    if isinstance(block, DuplicateFieldKeyBlock) and isinstance(block.ignore_error_block, Entry):
        return block.ignore_error_block.key.strip(), True  # a field given twice
    if isinstance(block, DuplicateBlockKeyBlock) and not isinstance(
        block.ignore_error_block, String
    ):
        return str(block.key).strip(), False  # a later entry with a key used before
    if isinstance(block, ParsingFailedBlock):
        match = _FAILED_KEY.match(block.raw or "")
        return (match.group(1), False) if match else (None, False)
    return None, False


def _spans(text: str) -> list[_Span]:
    """Every block of ``text`` with the character span it occupies in ``text``."""
    library = parse_string(text, parse_stack=[])
    spans: list[_Span] = []
    cursor = 0
    for block in library.blocks:
        raw = block.raw
        if not raw:
            continue
        start = text.find(raw, cursor)
        if start < 0:  # the splitter saw the text differently: leave this block alone
            continue
        key, replaceable = _classify(block)
        spans.append(_Span(start, start + len(raw), block, key, replaceable))
        cursor = start + len(raw)
    return spans


def _macro_name(block: Block) -> str | None:
    if isinstance(block, String):
        return block.key.strip().casefold()
    if isinstance(block, DuplicateBlockKeyBlock) and isinstance(block.ignore_error_block, String):
        return block.ignore_error_block.key.strip().casefold()
    return None


def _newline(text: str) -> str:
    return "\r\n" if text.count("\r\n") * 2 > text.count("\n") else "\n"


def update_bibtex(existing: str, exported: str) -> BibUpdate:
    """``existing`` with the entries of ``exported`` put in by key (see module doc).

    BibTeX keys are compared without case, as BibTeX does. Where the file repeats a
    key, the first entry (the one BibTeX and biber use) is replaced and the others
    stay. ``@string`` macros of the export that the file lacks go before its first
    entry, so every entry after them can use them.
    """
    newline = _newline(existing)
    entries: dict[str, tuple[str, str]] = {}  # folded key -> (key, text)
    macros: dict[str, str] = {}
    for span in _spans(exported):
        raw = exported[span.start : span.end].replace("\r\n", "\n").replace("\n", newline)
        if span.key is not None and span.replaceable:
            entries.setdefault(span.key.casefold(), (span.key, raw))
        elif (name := _macro_name(span.block)) is not None:
            macros.setdefault(name, raw)

    pieces: list[str] = []
    cursor = 0
    replaced: list[str] = []
    unreadable: list[str] = []
    seen: set[str] = set()
    macros_in_file: set[str] = set()
    macro_slot: int | None = None  # index in ``pieces`` where missing macros go
    for span in _spans(existing):
        if (name := _macro_name(span.block)) is not None:
            macros_in_file.add(name)
        if span.key is None:
            continue
        if macro_slot is None:
            pieces.append(existing[cursor : span.start])
            macro_slot = len(pieces)
            pieces.append("")
            cursor = span.start
        folded = span.key.casefold()
        if folded in entries and folded not in seen:
            if span.replaceable:
                pieces.append(existing[cursor : span.start])
                pieces.append(entries[folded][1])
                replaced.append(span.key)
                cursor = span.end
            else:
                unreadable.append(span.key)
        seen.add(folded)
    pieces.append(existing[cursor:])

    added_macros = [name for name in macros if name not in macros_in_file]
    if added_macros:
        text = newline.join(macros[name] for name in added_macros) + newline * 2
        if macro_slot is None:
            pieces.append(_separator("".join(pieces), newline) + text)
        else:
            pieces[macro_slot] = text

    added = [folded for folded in entries if folded not in seen]
    if added:
        tail = (newline * 2).join(entries[folded][1] for folded in added) + newline
        pieces.append(_separator("".join(pieces), newline) + tail)
    return BibUpdate(
        "".join(pieces),
        replaced=tuple(replaced),
        added=tuple(entries[folded][0] for folded in added),
        macros=tuple(added_macros),
        unreadable=tuple(unreadable),
    )


def _separator(text: str, newline: str) -> str:
    """What goes between the file's text and what is appended: a blank line."""
    if not text.strip() or text.endswith(newline * 2):
        return ""
    return newline if text.endswith(newline) else newline * 2


@dataclass(frozen=True, slots=True)
class ExistingBib:
    """What is at an export path now: a regular file's bytes (None when there is
    nothing to ask about: no file, a FIFO, a device), how many entries it holds, and
    which of the exported keys it has."""

    path: Path
    data: bytes | None
    entries: int = 0
    same_keys: tuple[str, ...] = field(default=())


def existing_bib(path: Path, keys: Sequence[str] = ()) -> ExistingBib:
    """Look at ``path`` before an export (see :class:`ExistingBib`)."""
    path = Path(path).expanduser()
    if not path.is_file():
        return ExistingBib(path, None)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadinglistError(f"cannot read {path}: {exc.strerror or exc}") from None
    present = {
        span.key.casefold()
        for span in _spans(data.decode("utf-8", "surrogateescape"))
        if span.key is not None
    }
    same = tuple(k for k in keys if k.casefold() in present)
    return ExistingBib(path, data, len(present), same)


@dataclass(frozen=True, slots=True)
class ExportWritten:
    """An export that reached its file, and what it did there."""

    path: Path
    papers: int
    update: BibUpdate | None = None

    def summary(self) -> str:
        what = f"{self.papers} paper" if self.papers == 1 else f"{self.papers} papers"
        if self.update is None:
            return f"Exported {what} to {self.path}"
        done = self.update
        text = f"Updated {self.path}: {len(done.replaced)} replaced, {len(done.added)} added"
        if done.unreadable:
            text += f"; left alone (the file's entry is unreadable): {', '.join(done.unreadable)}"
        return text + "; every other entry kept as it was"


def write_export(
    library: Library, path: Path, text: str, *, papers: int, update: bool
) -> ExportWritten:
    """Write ``text`` (an export of ``papers`` papers) to ``path``: spliced into the
    file there when ``update`` (see :func:`update_bibtex`), else replacing it. The
    write is recorded in the library's history, so undo restores the previous file
    (or removes the file the export created) while it still holds what was written.
    """
    path = Path(path).expanduser().absolute()
    with library.transaction():  # one writer at a time, and the history in order
        regular = path.is_file()
        try:
            before = path.read_bytes() if regular else None
        except OSError as exc:
            raise ReadinglistError(f"cannot read {path}: {exc.strerror or exc}") from None
        result: BibUpdate | None = None
        if update and before is not None:
            result = update_bibtex(before.decode("utf-8", "surrogateescape"), text)
            after = result.text.encode("utf-8", "surrogateescape")
        else:
            after = text.encode("utf-8")
        existed = path.exists()
        try:
            write_bytes_safely(path, after)
        except OSError as exc:
            raise ReadinglistError(f"cannot write {path}: {exc.strerror or exc}") from None
        if regular or not existed:  # not a FIFO or device: there is a file to restore
            label = f"export to {path.name}" + (" (update)" if result is not None else "")
            library.record_file_write(path, before, after, label=label)
    return ExportWritten(path, papers, result)
