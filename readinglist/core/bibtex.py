"""BibTeX export (SPEC §7) and the citation keys a manuscript uses.

Entries are built as bibtexparser v2 blocks and written with ``write_string``;
the unparse stack may modify the blocks in place because they are built here for
this one write, which keeps a 10k-paper export far below the one-second target.

Text fields are escaped for LaTeX (and, unless ``unicode``, spelled in ASCII);
URL and DOI fields are written verbatim because biber reads them verbatim and the
``url`` package typesets them verbatim (``\\%`` there would print a backslash).
Fields kept in ``extra`` go back out exactly as they came in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bibtexparser.entrypoint import write_string
from bibtexparser.library import Library
from bibtexparser.model import Entry, Field
from bibtexparser.writer import BibtexFormat

from .errors import ReadinglistError
from .importers.bibtex import BOOKTITLE_TYPES, MONTHS
from .keys import assign_key, clean_key
from .latex import braces_balanced, encode_latex, protect_title
from .model import Paper
from .storage import atomic_write_bytes, gc_paused

if TYPE_CHECKING:
    from .library import Library as LibraryView

__all__ = ["cited_keys", "export_bibtex", "format_name", "write_bibtex"]

_FORMAT = BibtexFormat()  # type: ignore[no-untyped-call]
_FORMAT.indent = "  "
_FORMAT.block_separator = "\n"

_FIELD_NAME = re.compile(r"[A-Za-z][\w\-:.+]*")
_AND_WORD = re.compile(r"(?<!\S)and(?!\S)", re.IGNORECASE)
_ENTRY_TYPE = re.compile(r"[a-z][a-z0-9_\-]*")


@functools.lru_cache(maxsize=65536)
def format_name(name: str, *, unicode: bool = False) -> str:
    """A stored name (``"Last, First"``, ``"{ACME Corp}"``, ``"others"``) for BibTeX.

    Institutions stay in one brace group, and a part that contains the word "and"
    is braced so BibTeX does not split the name there.
    """
    name = name.strip()
    if name == "others":
        return name
    if len(name) > 2 and name[0] == "{" and name[-1] == "}":
        return "{" + encode_latex(name[1:-1], unicode=unicode, math=False) + "}"
    parts = []
    for part in name.split(","):
        text = encode_latex(part.strip(), unicode=unicode, math=False)
        parts.append("{" + text + "}" if _AND_WORD.search(part) else text)
    return ", ".join(p for p in parts if p)


def _verbatim(value: str) -> str:
    """URL/DOI text: verbatim, with braces percent-encoded if they would not pair up."""
    if ("{" in value or "}" in value) and not braces_balanced(value):
        return value.replace("{", "%7B").replace("}", "%7D")
    return value


def _safe_extra(value: str, unicode: bool) -> str:
    """An ``extra`` value as stored, unless its braces cannot be written as they are."""
    if ("{" in value or "}" in value) and not (
        braces_balanced(value) and braces_balanced(re.sub(r"\\[{}]", "", value))
    ):
        return encode_latex(value, unicode=unicode, math=False)
    return value


def _listing_note(paper: Paper) -> str | None:
    """The note for papers that only come from listings: "Daily Papers listing, Mar 11"."""
    kinds = {source.kind for source in paper.sources}
    if "dailypapers" not in kinds or "bibtex" in kinds:
        return None
    dates = [s.date for s in paper.sources if s.kind == "dailypapers" and s.date]
    return "Daily Papers listing" + (f", {dates[0]}" if dates else "")


def _entry(paper: Paper, key: str, unicode: bool, include_notes: bool) -> Entry:
    note = _listing_note(paper)
    entry_type = "misc" if note is not None else paper.entry_type.strip().lower() or "misc"
    if not _ENTRY_TYPE.fullmatch(entry_type):
        entry_type = "misc"
    values: dict[str, str] = {}
    if paper.authors:
        values["author"] = " and ".join(format_name(a, unicode=unicode) for a in paper.authors)
    if paper.title:
        values["title"] = protect_title(paper.title, unicode=unicode)
    if paper.venue:
        venue_field = "booktitle" if entry_type in BOOKTITLE_TYPES else "journal"
        values[venue_field] = encode_latex(paper.venue, unicode=unicode)
    if paper.year is not None:
        values["year"] = str(paper.year)
    generated = {"doi", "url", "abstract", "keywords"}
    if include_notes and paper.notes:
        generated.add("annote")
    month: str | None = None
    for name, value in paper.extra.items():
        name = name.lower()
        if name in values or name in generated or not _FIELD_NAME.fullmatch(name):
            continue
        if name == "month" and value.strip().lower() in MONTHS:
            month = values[name] = value.strip()  # a month macro: written without braces
            continue
        values[name] = _safe_extra(value, unicode)
    if paper.doi:
        values["doi"] = _verbatim(paper.doi)
    if paper.arxiv and "eprint" not in values:
        values["eprint"] = paper.arxiv
        values["archiveprefix"] = "arXiv"
    link = paper.url or paper.code_url
    if link:
        values["url"] = _verbatim(link)
    if paper.abstract:
        values["abstract"] = encode_latex(paper.abstract, unicode=unicode)
    if paper.tags:
        values["keywords"] = ", ".join(encode_latex(t, unicode=unicode) for t in paper.tags)
    if include_notes and paper.notes:
        values["annote"] = encode_latex(paper.notes, unicode=unicode)
    if note is not None:
        values.setdefault("howpublished" if "note" in values else "note", note)
    # Values are enclosed here rather than by bibtexparser's enclosing middleware:
    # the same output, a tenth of the export time saved.
    fields = [
        Field(name, value if name == "month" and month else "{" + value + "}")
        for name, value in values.items()
    ]
    return Entry(entry_type, key, fields)


class _CaselessKeys(set[str]):
    """BibTeX compares keys without case: ``Smith2020`` and ``smith2020`` clash."""

    def add(self, key: str) -> None:
        super().add(key.casefold())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.casefold())


def export_bibtex(
    papers: Sequence[Paper], *, unicode: bool = False, include_notes: bool = False
) -> str:
    """The papers as one BibTeX string that bibtex and biber accept.

    Each paper keeps its citation key; a paper without one (or whose key is already
    used earlier in this export) gets a generated key, unique within the output.
    """
    # Millions of short-lived, acyclic objects: the cyclic GC would only rescan them
    # (a third of the time at 100k papers); reference counting frees them anyway.
    with gc_paused():
        taken = _CaselessKeys()
        entries: list[Entry] = []
        for paper in papers:
            key = clean_key(paper.key)
            if not key or key in taken:
                key = assign_key(paper, taken)
            taken.add(key)
            entries.append(_entry(paper, key, unicode, include_notes))
        library = Library()
        library.add(list(entries), fail_on_duplicate_key=False)
        return str(write_string(library, unparse_stack=[], bibtex_format=_FORMAT))


def export_library(
    library: LibraryView,
    papers: Sequence[Paper],
    *,
    unicode: bool = False,
    include_notes: bool = False,
) -> str:
    """``papers`` of ``library`` as BibTeX."""
    return export_bibtex(papers, unicode=unicode, include_notes=include_notes)


# -- keys cited in a manuscript ------------------------------------------------

_TEX_CITE = re.compile(
    r"\\(?:[A-Za-z]*[Cc]ite[A-Za-z]*|nocite)\*?"
    r"((?:\s*(?:\[[^\]]*\]|\([^)]*\)))*\s*\{[^}]*\}(?:\s*(?:\[[^\]]*\])*\s*\{[^}]*\})*)"
)
_BRACE_GROUP = re.compile(r"\{([^}]*)\}")
_TEX_COMMENT = re.compile(r"(?<!\\)%.*")
_AUX_CITATION = re.compile(r"\\citation\{([^}]*)\}")
_AUX_BIBLATEX = re.compile(r"\\abx@aux@cite\{([^}]*)\}(?:\{([^}]*)\})?")
# pandoc: @key or @{key}, not inside e-mail addresses or URLs (``user@host``, ``/@name``).
_PANDOC_CITE = re.compile(r"(?<![\w@./:+\-])-?@(?:\{([^{}\s]+)\}|(\w(?:[\w:.#$%&+?<>~/\-]*\w)?))")


def _split_keys(text: str) -> list[str]:
    return [k.strip() for k in text.split(",") if k.strip() and k.strip() != "*"]


def _tex_keys(text: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for match in _TEX_CITE.finditer(text):
        for group in _BRACE_GROUP.findall(match.group(1)):
            found.extend((match.start(), k) for k in _split_keys(group))
    return found


def _aux_keys(text: str) -> list[str]:
    found: list[tuple[int, str]] = []
    for match in _AUX_CITATION.finditer(text):
        found.extend((match.start(), k) for k in _split_keys(match.group(1)))
    for match in _AUX_BIBLATEX.finditer(text):
        key = match.group(2) if match.group(2) is not None else match.group(1)
        found.extend((match.start(), k) for k in _split_keys(key))
    return [k for _, k in sorted(found, key=lambda item: item[0])]


def _pandoc_keys(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(1) or m.group(2)) for m in _PANDOC_CITE.finditer(text)]


def write_bibtex(path: Path, text: str) -> None:
    """Replace ``path`` atomically: a failed export never leaves half a ``.bib``
    where the user's references were."""
    try:
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        raise ReadinglistError(f"cannot write {path}: {exc.strerror or exc}") from None


def cited_keys(path: Path) -> list[str]:
    """Citation keys used in a ``.tex``, ``.aux`` or Markdown file, first use first.

    ``.tex`` files are read for ``\\cite``-family commands (natbib, biblatex, with
    optional ``[...]`` arguments and comma lists), ``.aux`` files for ``\\citation``
    and biblatex's ``\\abx@aux@cite``, anything else for pandoc ``[@key]``/``@key``
    as well as LaTeX commands.
    """
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    suffix = Path(path).suffix.lower()
    if suffix == ".aux":
        keys = _aux_keys(text)
    elif suffix in (".tex", ".ltx", ".latex", ".sty", ".cls", ".bbx", ".cbx"):
        keys = [k for _, k in _tex_keys(_TEX_COMMENT.sub("", text))]
    else:  # Markdown and friends: pandoc citations, and raw LaTeX ones pandoc passes on
        keys = [k for _, k in sorted(_tex_keys(text) + _pandoc_keys(text), key=lambda f: f[0])]
    return list(dict.fromkeys(keys))
