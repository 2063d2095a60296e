"""BibTeX import (SPEC §4): every entry type, ``@string`` macros, LaTeX decoded to Unicode.

bibtexparser v2 splits the file into blocks and reports broken ones with their line;
everything after the split is done here, in one pass over the blocks, because the
stock middlewares are the slow part of a large import and two of them do not do
what a reading list needs (string references inside ``#`` concatenations are not
expanded; names after an ``and`` that start with a backslash lose characters).

Known fields become :class:`Paper` attributes; every other field is kept in
``extra`` exactly as written (macros expanded, outer braces/quotes removed) so that
an export gives it back unchanged.
"""

from __future__ import annotations

import functools
import gc
import logging
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable

from bibtexparser.entrypoint import parse_string
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    Field,
    ImplicitComment,
    ParsingFailedBlock,
    Preamble,
    String,
)

from ..latex import decode_latex
from ..model import Paper, Source, clean_doi, merge_tags, normalise_arxiv
from .base import ImportFailure, ParseResult

FORMAT = "bibtex"

# Broken entries are reported as ImportFailure; the splitter's own log lines would
# otherwise reach the terminal through logging's last-resort handler.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

MONTHS: dict[str, str] = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}

# Entry types whose venue is the book or proceedings they appear in.
BOOKTITLE_TYPES = frozenset({"inproceedings", "conference", "incollection", "inbook"})

# Fields that are consumed into Paper attributes (everything else goes to extra).
_KNOWN = frozenset({"title", "author", "abstract", "keywords", "doi", "url"})

_VALUE_MARKS = re.compile(r'[{}"#]')
# (An escaped brace, ``Thi\{'ebaux``, does not open a group in a name.)
_AND = re.compile(r"(?<!\\)[{}]|\s+and\s+", re.IGNORECASE)
_NAME_MARKS = re.compile(r"(?<!\\)[{}]|[\s,~]+")
_URL_ESCAPE = re.compile(r"\\([_%&#~$])")
_YEAR = re.compile(r"\d{1,4}")
_TAG_SPLIT = re.compile(r"[,;]")
_ARXIV_NEW_STYLE = re.compile(r"\d{4}\.\d{4,5}(v\d+)?")


# -- field values ------------------------------------------------------------


def concatenation_parts(value: str, *, bibtex_braces: bool = False) -> list[str] | None:
    """Split a raw value on top-level ``#``; None if braces or quotes do not pair up.

    Braces after a backslash are escaped, as bibtexparser reads them; with
    ``bibtex_braces`` they count, as BibTeX counts them.
    """
    parts: list[str] = []
    depth = 0
    in_quotes = False
    start = 0
    for match in _VALUE_MARKS.finditer(value):
        char = match.group()
        index = match.start()
        if not bibtex_braces and index and value[index - 1] == "\\" and char != "#":
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return None
        elif char == '"' and depth == 0:
            in_quotes = not in_quotes
        elif char == "#" and depth == 0 and not in_quotes:
            parts.append(value[start:index].strip())
            start = index + 1
    if depth or in_quotes:
        return None
    parts.append(value[start:].strip())
    return parts


# A value built from @string macros may not grow past this (characters). Each macro
# can use the previous one twice, so a few hundred bytes of @strings would otherwise
# make gigabytes; the longest real field seen (158k entries) is 16k characters.
MAX_EXPANDED = 100_000


class ExpansionTooLarge(ValueError):
    """A value whose @string expansion passes :data:`MAX_EXPANDED` characters."""


def evaluate(
    value: str,
    macros: dict[str, str],
    *,
    keep_month: bool = False,
    oversize: frozenset[str] | set[str] = frozenset(),
) -> str:
    """A raw field value as BibTeX reads it: delimiters removed, macros expanded.

    An undefined macro stands for its own name (BibTeX would warn and use nothing,
    which loses more); a lone month macro is kept as written when ``keep_month``.
    An expansion longer than :data:`MAX_EXPANDED`, or one that uses a macro in
    ``oversize`` (refused earlier for that reason), raises ExpansionTooLarge.
    """
    value = value.strip()
    enclosed = len(value) >= 2 and (
        (value[0] == "{" and value[-1] == "}") or (value[0] == '"' and value[-1] == '"')
    )
    if enclosed and "#" not in value:
        return value[1:-1]
    parts = concatenation_parts(value)
    if parts is None:
        return value
    out: list[str] = []
    size = 0
    for part in parts:
        if len(part) >= 2 and ((part[0] == "{" and part[-1] == "}") or part[0] == part[-1] == '"'):
            piece = part[1:-1]
        elif part.isdigit():
            piece = part
        else:
            name = part.lower()
            if name in oversize:
                raise ExpansionTooLarge(
                    f"@string {part} is longer than {MAX_EXPANDED:,} characters"
                )
            if name in macros:
                piece = macros[name]
            elif name in MONTHS:
                piece = part if keep_month and len(parts) == 1 else MONTHS[name]
            else:
                piece = part
        size += len(piece)
        if size > MAX_EXPANDED and len(parts) > 1:
            raise ExpansionTooLarge(
                f"the value grows past {MAX_EXPANDED:,} characters through @string macros"
            )
        out.append(piece)
    return "".join(out)


# -- names -------------------------------------------------------------------


def split_names(value: str) -> list[str]:
    """Split an author/editor list on top-level ``and`` (never inside braces)."""
    names: list[str] = []
    depth = 0
    start = 0
    for match in _AND.finditer(value):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            names.append(value[start : match.start()])
            start = match.end()
    names.append(value[start:])
    return [n.strip() for n in names if n.strip()]


def _name_tokens(name: str) -> list[str]:
    """Top-level words of a name, with ``,`` kept as its own token."""
    tokens: list[str] = []
    depth = 0
    start = 0
    for match in _NAME_MARKS.finditer(name):
        mark = match.group()
        if mark == "{":
            depth += 1
        elif mark == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            if match.start() > start:
                tokens.append(name[start : match.start()])
            if "," in mark:
                tokens.extend("," for _ in range(mark.count(",")))
            start = match.end()
    if start < len(name):
        tokens.append(name[start:])
    return tokens


def _is_von(token: str) -> bool:
    if token.startswith("{") and not token.startswith("{\\"):
        return False  # a braced group has no case as far as BibTeX is concerned
    return _starts_lower(decode_latex(token))


def _decode_name_part(tokens: list[str]) -> str:
    return decode_latex(" ".join(tokens)).replace("\u00a0", " ")


def _whole_group(name: str) -> bool:
    if not (name.startswith("{") and name.endswith("}")) or name.startswith("{\\"):
        return False
    depth = 0
    for index, char in enumerate(name):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and index != len(name) - 1:
                return False
    return True


_PLAIN_NAME = re.compile(r"[{}\\~$]")


def _plain_name(name: str) -> str:
    """The common case (no braces, commands or ties) without the general machinery."""
    parts = [p.split() for p in name.split(",")]
    parts = [p for p in parts if p] or [[]]
    if len(parts) > 1:
        return ", ".join(" ".join(p) for p in parts)
    words = parts[0]
    if len(words) <= 1:
        return " ".join(words)
    lower = [i for i, w in enumerate(words[:-1]) if _starts_lower(w)]
    cut = lower[0] if lower else len(words) - 1
    return " ".join(words[cut:]) + ", " + " ".join(words[:cut])


def _starts_lower(word: str) -> bool:
    for char in word:
        if char.isalpha():
            return char.islower()
    return False


@functools.lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    """One BibTeX name → ``"von Last, Jr, First"`` (Unicode) as the library stores it.

    A name that is one brace group (``{ACME Corp}``) is an institution: it is kept
    in braces when it has several words, so export and the key maker still see one
    name rather than "Corp, ACME".
    """
    name = name.strip()
    if name.lower() == "others":
        return "others"
    if _PLAIN_NAME.search(name) is None:
        return _plain_name(name)
    if _whole_group(name):
        inner = _decode_name_part([name[1:-1]])
        if " " in inner or "," in inner:
            return "{" + inner + "}"
        return inner
    tokens = _name_tokens(name)
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    parts = [p for p in parts if p] or [[]]
    if len(parts) == 1:
        words = parts[0]
        if len(words) <= 1:
            return _decode_name_part(words)
        lower = [i for i, w in enumerate(words[:-1]) if _is_von(w)]
        if lower:
            first, last = words[: lower[0]], words[lower[0] :]
        else:
            first, last = words[:-1], words[-1:]
        return f"{_decode_name_part(last)}, {_decode_name_part(first)}"
    decoded = [_decode_name_part(p) for p in parts]
    return ", ".join(decoded)


def parse_names(value: str) -> tuple[str, ...]:
    """An ``author`` field → normalised names (``and others`` kept as ``others``)."""
    return tuple(n for n in (normalise_name(name) for name in split_names(value)) if n)


# -- entries -----------------------------------------------------------------


def _clean_link(value: str) -> str:
    value = value.strip()
    if value.startswith("\\url{") and value.endswith("}"):
        value = value[5:-1]
    return "".join(_URL_ESCAPE.sub(r"\1", value).split())


def _tags(value: str) -> tuple[str, ...]:
    return merge_tags((), [decode_latex(t) for t in _TAG_SPLIT.split(value)])


def _paper(
    entry: Entry, macros: dict[str, str], source: Source, oversize: set[str] | None = None
) -> Paper:
    entry_type = entry.entry_type.lower()
    fields: dict[str, str] = {}
    raw: dict[str, str | None] = {}
    for field in entry.fields:
        key = field.key.lower()
        if key not in fields:  # BibTeX keeps the first of repeated fields
            try:
                fields[key] = evaluate(
                    field.value, macros, keep_month=key == "month", oversize=oversize or set()
                )
            except ExpansionTooLarge as exc:
                raise ExpansionTooLarge(f"field {key}: {exc}") from None
            raw[key] = field.value.strip()
    extra: dict[str, str] = {}
    year: int | None = None
    raw_year = fields.get("year", "").strip()
    if _YEAR.fullmatch(raw_year):
        year = int(raw_year)
    venue_field = "booktitle" if entry_type in BOOKTITLE_TYPES else "journal"
    arxiv = ""
    if "arxiv" in fields:
        arxiv = normalise_arxiv(fields["arxiv"])
    eprint = fields.get("eprint", "")
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    if (
        not arxiv
        and eprint
        and (prefix == "arxiv" or (not prefix and _ARXIV_NEW_STYLE.fullmatch(eprint)))
    ):
        arxiv = normalise_arxiv(eprint)
    for key, value in fields.items():
        if key in _KNOWN or key == venue_field or (key == "year" and year is not None):
            continue
        if key == "arxiv" and arxiv:
            continue
        extra[key] = value
    title = decode_latex(fields.get("title", ""))
    abstract = decode_latex(fields.get("abstract", ""))
    venue = decode_latex(fields.get(venue_field, ""))
    doi = clean_doi(_clean_link(fields.get("doi", "")))
    url = _clean_link(fields.get("url", ""))
    plain = {"title": title, "abstract": abstract, venue_field: venue, "doi": doi, "url": url}
    if year is not None:
        plain["year"] = str(year)
    return Paper(
        title=title,
        key=entry.key.strip(),
        entry_type=entry_type,
        authors=parse_names(fields["author"]) if "author" in fields else (),
        abstract=abstract,
        year=year,
        venue=venue,
        doi=doi,
        arxiv=arxiv,
        url=url,
        tags=_tags(fields["keywords"]) if "keywords" in fields else (),
        sources=(source,),
        extra=extra,
        raw=_compact_raw(raw, plain, extra),
    )


def _compact_raw(
    raw: dict[str, str | None], plain: dict[str, str], extra: dict[str, str]
) -> dict[str, str | None]:
    """``raw`` with ``None`` for each value that is exactly the paper's own text for
    that field in braces (``{2017}``, ``{Plain title}``, a URL): the file need not hold
    it twice (a 150k-paper library would double in size); ``None`` says "write the
    attribute back in braces", which gives the same bytes. (A value BibTeX would not
    read whole keeps its text: export repairs it.)
    """
    for name, value in raw.items():
        text = plain.get(name) or extra.get(name)
        if (
            text
            and value is not None
            and len(value) == len(text) + 2
            and value[0] == "{"
            and value[-1] == "}"
            and value[1:-1] == text
            and well_formed(value)
        ):
            raw[name] = None
    return raw


def _line(block_start: int | None) -> int:
    return (block_start or 0) + 1


def _failure_reason(block: ParsingFailedBlock) -> str:
    error = block.error
    reason = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
    return " ".join(str(reason).split())


def parse_bibtex(text: str, source_name: str = "") -> ParseResult:
    """Parse BibTeX text into papers (no id; the entry's key in ``Paper.key``).

    Broken entries come back as failures with the line they start on; the rest of
    the file still imports. Repeated keys are reported as failures (BibTeX and biber
    ignore the second entry too); a repeated field keeps its first value.
    """
    return parse_bibtex_pieces([(text, "")], source_name)


def parse_bibtex_pieces(
    pieces: Iterable[tuple[str, str]],
    source_name: str = "",
    *,
    hide_escapes: bool = True,
    hidden: bool = False,
    emit: Callable[[list[Paper]], None] | None = None,
) -> ParseResult:
    """:func:`parse_bibtex` of the text the ``pieces`` make together, read piece by
    piece so that a large file is never one string (nor one list of blocks) in memory.

    Each piece is ``(text, next_start)``: the text must end where a line of the
    whole begins with ``@type{`` (or ``@type(``), which always starts a new block,
    and ``next_start`` is that ``@type{`` (empty for the last piece); see
    :mod:`.chunks`. ``hide_escapes`` must be false if any piece holds the private-use
    character :func:`_hide_brace_escapes` uses; ``hidden`` says the pieces come with
    their brace escapes hidden already. The result is the same as for the whole text
    at once. ``emit`` is handed the papers of each piece once it is read.
    """
    # Parsing builds several objects per field and nothing cyclic: the cyclic garbage
    # collector would only rescan them over and over (a third of a 10k-entry import).
    collecting = gc.isenabled()
    gc.disable()
    try:
        reader = _Reader(source_name, hide_escapes and not hidden, hidden=hidden)
        pending: tuple[str, str] | None = None
        papers = reader.result.papers
        sent = 0
        for piece in pieces:
            if pending is not None:
                reader.feed(*pending, last=False)
                if emit is not None and len(papers) > sent:
                    emit(papers[sent:])
                    sent = len(papers)
            pending = piece
        if pending is not None:
            reader.feed(*pending, last=True)
        return reader.finish()
    finally:
        if collecting:
            gc.enable()


# bibtexparser reads ``\\{`` as an escaped brace; BibTeX counts it as a brace. So a
# value such as ``\\\\{We}`` (a line break, then a group) or ``Waa\\}`` is split
# differently by the two, and bibtexparser loses the entry or the next one. Parsing
# with the backslash before a brace swapped for a private-use character makes
# bibtexparser count braces as BibTeX does; the backslash is put back afterwards.
_HIDDEN_BACKSLASH = "\ue000"


def _hide_brace_escapes(text: str) -> str:
    if _HIDDEN_BACKSLASH in text or ("\\{" not in text and "\\}" not in text):
        return text
    return text.replace("\\{", _HIDDEN_BACKSLASH + "{").replace("\\}", _HIDDEN_BACKSLASH + "}")


def _unhide(text: str) -> str:
    return text.replace(_HIDDEN_BACKSLASH, "\\") if _HIDDEN_BACKSLASH in text else text


def _unhide_block(block: Block) -> None:
    inner = getattr(block, "ignore_error_block", None)
    if inner is not None:
        _unhide_block(inner)
    if isinstance(block, Entry):
        block.key = _unhide(block.key)
        for field in block.fields:
            field.value = _unhide(field.value)
    elif isinstance(block, String | Preamble):
        block.value = _unhide(block.value)


class _Reader:
    """Turns the blocks of a BibTeX text into a :class:`ParseResult`, piece by piece
    (see :func:`parse_bibtex_pieces`); state that spans pieces lives here: macros,
    keys taken, keys bibtexparser has seen, line and character offsets."""

    def __init__(self, source_name: str, hide_escapes: bool, *, hidden: bool = False) -> None:
        self.hide_escapes = hide_escapes
        # The pieces come with their brace escapes hidden already (and held no
        # private-use character of their own: see ``parse_bibtex_pieces``).
        self.hidden = hidden
        self.result = ParseResult(format=FORMAT, source=source_name)
        self.nul_repairs: list[ImportFailure] = []
        self.source = Source(kind="bibtex", file=source_name)
        self.macros: dict[str, str] = {}
        self.keys: set[str] = set()  # of the entries taken
        self.oversize: set[str] = set()  # macros refused as too large: their users fail too
        # Keys of the entries and macros bibtexparser has registered in earlier pieces:
        # what it would have reported as a duplicate had it read the whole text.
        self.seen_entries: set[str] = set()
        self.seen_strings: set[str] = set()
        self.first_line = 0  # of the current piece, in the whole text
        self.first_char = 0

    def finish(self) -> ParseResult:
        self.result.repaired[:0] = self.nul_repairs
        return self.result

    def feed(self, text: str, next_start: str, *, last: bool) -> None:
        """Read one piece (see :func:`parse_bibtex_pieces`)."""
        result = self.result
        # NUL bytes (seen in real abstracts) are junk, not text: dropped, and the entries
        # that held them named.
        nul_lines = sorted({text.count("\n", 0, i) for i in _positions(text, "\x00")})
        if nul_lines:
            text = text.replace("\x00", "")
            self.nul_repairs.extend(
                ImportFailure(self.first_line + n + 1, "NUL bytes (binary junk) removed")
                for n in nul_lines
            )
        if self.hidden:
            hidden = text
            hide = _HIDDEN_BACKSLASH in text
        else:
            hidden = _hide_brace_escapes(text) if self.hide_escapes else text
            hide = hidden is not text
        if next_start:
            # The block the next piece starts with ends this piece's last block as it
            # does in the whole text; the block it opens here is dropped.
            hidden += next_start
        blocks = parse_string(hidden, parse_stack=[]).blocks
        del hidden
        lines = text.split("\n")
        if next_start:
            boundary = len(lines) - 1
            assert blocks and blocks[-1].start_line == boundary
            blocks.pop()
        else:
            boundary = len(lines)
        if hide:
            for block in blocks:
                _unhide_block(block)
        for index, block in enumerate(blocks):
            blocks[index] = self._registered(block)
        # Each block's text runs to the next block's first line: where an entry that
        # was cut short by a lone brace really ends.
        starts = sorted(
            {b.start_line or 0 for b in blocks if not isinstance(b, ImplicitComment)} | {boundary}
        )
        length = self.first_char + len(text) if last else None
        offset = self.first_line

        def line(block_start: int | None) -> int:
            return offset + _line(block_start)

        def segment(block: Block) -> str:
            first = block.start_line or 0
            found = "\n".join(lines[first : starts[bisect_right(starts, first)]])
            return _unhide(found) if self.hidden else found

        def take(entry: Entry, repaired: bool = False) -> None:
            if not repaired and not all(well_formed(f.value) for f in entry.fields):
                # Parsed, but a value's braces do not pair up: the entry was cut short
                # there (a lone ``\\}``), and fields after it may be lost. Read it by line.
                recovered = _recover(segment(entry), entry.start_line)
                if recovered is not None:
                    entry, repaired = recovered, True
                    note_repair(entry)
            try:
                result.papers.append(_paper(entry, self.macros, self.source, self.oversize))
                self.keys.add(entry.key)
            except Exception as exc:
                result.failures.append(ImportFailure(line(entry.start_line), str(exc)))

        def note_repair(entry: Entry) -> None:
            bad = [f.key for f in entry.fields if not well_formed(f.value)]
            result.repaired.append(
                ImportFailure(
                    line(entry.start_line),
                    f"entry {entry.key!r}: braces do not pair up in "
                    f"{', '.join(bad) or 'a field'}; read line by line",
                )
            )

        def define(string: String) -> None:
            name = string.key.strip().lower()
            try:
                self.macros[name] = evaluate(string.value, self.macros, oversize=self.oversize)
            except ExpansionTooLarge as exc:
                self.macros.pop(name, None)
                self.oversize.add(name)
                reason = f"@string {string.key.strip()} not defined: {exc}"
                result.failures.append(ImportFailure(line(string.start_line), reason))
                return
            self.oversize.discard(name)
            result.strings[string.key.strip()] = string.value.strip()

        for block in blocks:
            if isinstance(block, Entry | DuplicateBlockKeyBlock) and _commented_out(block, lines):
                continue  # "%@article{..." is how people switch an entry off
            if isinstance(block, Entry):
                take(block)
            elif isinstance(block, String):
                define(block)
            elif isinstance(block, Preamble):
                result.preambles.append(block.value.strip())
            elif isinstance(block, DuplicateBlockKeyBlock):
                inner = block.ignore_error_block
                if isinstance(inner, String):  # a redefined macro: the later one wins
                    define(inner)
                elif isinstance(inner, Entry) and (
                    inner.key not in self.keys or not inner.key.strip()
                ):
                    take(inner)  # the first one was commented out, or neither has a key
                else:
                    reason = f"duplicate entry key {block.key!r} (first entry kept)"
                    result.failures.append(ImportFailure(line(block.start_line), reason))
            elif isinstance(block, DuplicateFieldKeyBlock):
                inner = block.ignore_error_block
                if isinstance(inner, Entry):
                    take(inner)
            elif isinstance(block, ParsingFailedBlock):
                # bibtexparser: no end index, or one at/after the end = ran off the input.
                end = getattr(block.error, "end_index", -1)
                cut_off = end is None or (length is not None and self.first_char + end >= length)
                recovered = None if cut_off else _recover(segment(block), block.start_line)
                if recovered is not None and (not recovered.key or recovered.key not in self.keys):
                    note_repair(recovered)
                    take(recovered, repaired=True)
                    continue
                result.failures.append(
                    ImportFailure(line(block.start_line), _failure_reason(block), cut_off)
                )
        self.first_line += boundary
        self.first_char += len(text)

    def _registered(self, block: Block) -> Block:
        """The block as bibtexparser would have given it reading the whole text: an
        entry or macro whose key an earlier piece registered is a duplicate."""
        if isinstance(block, Entry):
            seen = self.seen_entries
        elif isinstance(block, String):
            seen = self.seen_strings
        else:
            return block
        if block.key not in seen:
            seen.add(block.key)
            return block
        return DuplicateBlockKeyBlock(
            key=block.key,
            previous_block=block,
            duplicate_block=block,
            start_line=block.start_line,
            raw=block.raw,
        )


_HEADER = re.compile(r"\s*@\s*([A-Za-z]+)\s*[{(]\s*([^,\s{}()]*)\s*,")
_FIELD_START = re.compile(r"^[ \t]*([A-Za-z][\w\-:.+]*)[ \t]*=[ \t]*", re.MULTILINE)


_BARE_VALUE = re.compile(r"[A-Za-z][\w\-:.+]*|\d+")


def well_formed(value: str) -> bool:
    """True for a value BibTeX reads whole, as its author meant: ``{...}`` whose first
    brace closes at its end, ``"..."`` with braces paired inside, a number, a macro
    name, or a ``#`` concatenation of those. Braces are counted as BibTeX counts them:
    ``\\{`` and ``\\}`` are braces too."""
    if value[:1] == "{" and value[-1:] == "}" and value.count("{") == 1 == value.count("}"):
        return True  # the common case, decided without a scan
    parts = concatenation_parts(value, bibtex_braces=True)
    return parts is not None and all(
        (_closes_at_end(p) if p[:1] == "{" else p[:1] == '"' or _BARE_VALUE.fullmatch(p))
        for p in parts
    )


def _closes_at_end(part: str) -> bool:
    """``{...}`` whose first brace closes at the end (not ``{a} b``: a value cut short)."""
    depth = 0
    for mark in _BRACES.finditer(part):
        depth += 1 if mark.group() == "{" else -1
        if depth == 0:
            return mark.end() == len(part)
    return False


_BRACES = re.compile(r"[{}]")


def _plausible_value(value: str) -> bool:
    """A value that is delimited (braces or quotes, paired or not), a number, a macro
    name, or a ``#`` concatenation of those."""
    if value[:1] in ("{", '"'):
        return True
    parts = [p.strip() for p in value.split("#")]
    return all(p[:1] in ("{", '"') or _BARE_VALUE.fullmatch(p) for p in parts if p) and any(parts)


def _recover(raw: str, start_line: int | None) -> Entry | None:
    """An entry whose value braces do not pair up (``publisher = {Taylor {{\\&}
    Francis Group},``), read the way people write entries: one field per line, each
    value ending where the next field begins. None if the block does not look like
    such an entry."""
    header = _HEADER.match(raw)
    if header is None or header.group(1).lower() in ("string", "preamble", "comment"):
        return None
    starts = list(_FIELD_START.finditer(raw, header.end()))
    if not starts:
        return None
    fields = []
    for match, following in zip(starts, [*starts[1:], None], strict=True):
        value = raw[match.end() : following.start() if following else len(raw)].rstrip()
        if following is None:  # the entry's own closing brace (or parenthesis)
            value = value[:-1].rstrip() if value.endswith(("}", ")")) else value
        value = value[:-1].rstrip() if value.endswith(",") else value
        if not _plausible_value(value):
            return None  # not just unpaired braces: the entry is broken otherwise too
        fields.append(Field(match.group(1), value))
    return Entry(header.group(1), header.group(2), fields, start_line=start_line, raw=raw)


def _positions(text: str, char: str) -> list[int]:
    found, at = [], text.find(char)
    while at >= 0:
        found.append(at)
        at = text.find(char, at + 1)
    return found


def _commented_out(block: Entry | DuplicateBlockKeyBlock, lines: list[str]) -> bool:
    """True for an entry whose line has a ``%`` before its ``@``."""
    line = lines[block.start_line or 0] if (block.start_line or 0) < len(lines) else ""
    at = line.find("@")
    return at > 0 and "%" in line[:at]
