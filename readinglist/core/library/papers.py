"""The papers of one library file as the program holds them: every paper decoded
(a full load), or each read from its line of the file when first asked for (a
library opened from its saved search index), and every one checked as a load checks
it before anything uses it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from ..errors import LibraryError
from ..keys import valid_key
from ..model import BibFile, Paper, PaperFormatError
from .fileformat import BIBFILES_TABLE, LineTable, document_of_line


def checked_paper(path: Path, doc_id: str, doc: dict[str, Any]) -> Paper:
    """One stored document of the library at ``path`` as a paper, or a LibraryError
    naming paper and field (the file is never written after one)."""
    try:
        paper = Paper.from_doc(doc)
    except PaperFormatError as exc:
        name = doc.get("key") if isinstance(doc.get("key"), str) else doc_id
        raise LibraryError(
            f"cannot read library {path}: paper {name!r}: {exc}; the file was left untouched"
        ) from None
    problem = ""
    if not paper.id:
        problem = "field 'id' is empty"
    elif paper.id != doc_id:
        problem = f"is filed under {doc_id!r} but its id is {paper.id!r}"
    elif not paper.key:
        problem = "field 'key' is empty"
    elif not valid_key(paper.key) or not all(map(valid_key, paper.aliases)):
        # (never made here; a hand edit: written out, it would break the .bib)
        problem = "field 'key' or 'aliases' holds a key with a space or one of ,{}()\"#%~\\"
    if problem:
        raise LibraryError(
            f"cannot read library {path}: paper {paper.key or doc_id!r}: {problem}; "
            "the file was left untouched"
        )
    return paper


def bibfiles_of(path: Path, tables: Mapping[str, Mapping[str, Any]]) -> dict[str, BibFile]:
    """The library's ``.bib`` file records (a LibraryError naming a bad one)."""
    bibfiles: dict[str, BibFile] = {}
    for name, doc in (tables.get(BIBFILES_TABLE) or {}).items():
        try:
            bibfiles[name] = BibFile.from_doc(doc)
        except PaperFormatError as exc:
            raise LibraryError(
                f"cannot read library {path}: .bib file record {name!r}: {exc}; "
                "the file was left untouched"
            ) from None
    return bibfiles


class LazyPapers(MutableMapping[str, Paper]):
    """The papers of a :class:`~.fileformat.LineTable`, each read and checked when
    first asked for; those set here (changed since the file was read) are held."""

    _KEEP = 4096  # papers read and kept for the next time they are asked for

    def __init__(self, path: Path, table: LineTable) -> None:
        self._path = path
        self._table = table
        self._set: dict[str, Paper] = {}
        self._read: dict[str, Paper] = {}

    @property
    def read_count(self) -> int:
        """How many papers are held as read from the file (not changed here)."""
        return len(self._read)

    def __getitem__(self, paper_id: str) -> Paper:
        paper = self._set.get(paper_id) or self._read.get(paper_id)
        if paper is not None:
            return paper
        try:
            line = self._table.line(paper_id)
        except KeyError:
            # Not in the file read: changed here (or being changed, by another thread).
            paper = self._set.get(paper_id)
            if paper is not None:
                return paper
            return checked_paper(self._path, paper_id, self._table[paper_id])
        except OSError as exc:
            raise LibraryError(
                f"cannot read library {self._path}: {exc}; the file was left untouched"
            ) from None
        paper = checked_paper(self._path, paper_id, document_of_line(line, str(self._path)))
        if len(self._read) >= self._KEEP:
            self._read.clear()
        self._read[paper_id] = paper
        return paper

    def __setitem__(self, paper_id: str, paper: Paper) -> None:
        self._set[paper_id] = paper
        self._read.pop(paper_id, None)

    def __delitem__(self, paper_id: str) -> None:
        self._set.pop(paper_id, None)
        self._read.pop(paper_id, None)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._table

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)
