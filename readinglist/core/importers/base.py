"""Shared shapes for importers: per-entry results instead of mid-file exceptions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..model import Paper

# Hands over papers as a parser reads them (a large file's, a piece at a time).
Emit = Callable[[list[Paper]], None]


@dataclass(frozen=True, slots=True)
class ImportFailure:
    """One entry that could not be imported, with the 1-based line it starts on."""

    line: int
    reason: str
    cut_off: bool = False  # the entry runs into the end of the input: a truncated file

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(slots=True)
class ParseResult:
    """What a parser made of one file: papers (no id yet) and failed entries."""

    format: str
    source: str = ""  # the name papers carry in their Source (a file name)
    papers: list[Paper] = field(default_factory=list)
    failures: list[ImportFailure] = field(default_factory=list)
    # Entries imported only after a repair (read line by line): named, not failed.
    repaired: list[ImportFailure] = field(default_factory=list)
    # BibTeX only: the file's @preamble values and @string macros (name as written →
    # value as written), kept so an export can write what its entries use.
    preambles: list[str] = field(default_factory=list)
    strings: dict[str, str] = field(default_factory=dict)
