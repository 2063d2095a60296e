"""LaTeX text ↔ Unicode, as BibTeX fields need it (SPEC §4, §7).

The library stores plain Unicode; BibTeX files carry LaTeX. Both directions are
table driven and take a fast path for the common field that has nothing special
in it, so a 10k-entry import or export stays well under a second of work here.

The two directions are designed as a pair: ``decode_latex(encode_latex(s)) == s``
for any stored text ``s``, which is what makes import → export → import lossless.
Math (``$...$``) is carried through untouched in both directions.

Most of the length of this module is the character tables themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# -- tables ------------------------------------------------------------------

# Accent commands → combining marks. Letter-named accents (\v, \u, ...) need an
# argument in braces or a following space, symbol accents (\", \') take one char.
_ACCENT_MARKS: dict[str, str] = {
    "`": "\u0300",
    "'": "\u0301",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    "u": "\u0306",
    ".": "\u0307",
    '"': "\u0308",
    "r": "\u030a",
    "H": "\u030b",
    "v": "\u030c",
    "d": "\u0323",
    "c": "\u0327",
    "k": "\u0328",
    "b": "\u0331",
}
_MARK_ACCENTS: dict[str, str] = {mark: cmd for cmd, mark in _ACCENT_MARKS.items()}

# Control words that stand for one character (or nothing, for font switches).
_WORD_CHARS: dict[str, str] = {
    "ss": "ß",
    "SS": "SS",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "ng": "ŋ",
    "NG": "Ŋ",
    "textbackslash": "\\",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textunderscore": "_",
    "textbraceleft": "{",
    "textbraceright": "}",
    "textdollar": "$",
    "textpercent": "%",
    "textampersand": "&",
    "textendash": "–",
    "textemdash": "—",
    "textquoteleft": "‘",
    "textquoteright": "’",
    "textquotedblleft": "“",
    "textquotedblright": "”",
    "textellipsis": "…",
    "ldots": "…",
    "dots": "…",
    "textcopyright": "©",
    "copyright": "©",
    "textregistered": "®",
    "texttrademark": "™",
    "S": "§",
    "P": "¶",
    "dag": "†",
    "ddag": "‡",
    "pounds": "£",
    "texteuro": "€",
    "euro": "€",
    "textdegree": "°",
    "textpm": "±",
    "texttimes": "×",
    "textmu": "µ",
    "textquestiondown": "¿",
    "textexclamdown": "¡",
    "guillemotleft": "«",
    "guillemotright": "»",
    "textbullet": "•",
    "LaTeX": "LaTeX",
    "TeX": "TeX",
    "BibTeX": "BibTeX",
    "relax": "",
    "protect": "",
    "noopsort": "",
}

# Font and emphasis switches and wrappers: their argument braces go with the rest.
_WORD_CHARS.update(
    dict.fromkeys(
        [
            "emph",
            "textit",
            "textbf",
            "textsc",
            "texttt",
            "textrm",
            "textsf",
            "textsl",
            "textup",
            "textnormal",
            "mbox",
            "hbox",
            "em",
            "it",
            "bf",
            "sc",
            "tt",
            "rm",
            "sf",
            "sl",
            "url",
            "nolinkurl",
        ],
        "",
    )
)

# Control symbols (backslash + one non-letter).
_SYMBOL_CHARS: dict[str, str] = {
    "&": "&",
    "%": "%",
    "$": "$",
    "#": "#",
    "_": "_",
    "{": "{",
    "}": "}",
    " ": " ",
    "\\": " ",
    ",": "\u2009",
    "-": "",
    "/": "",
    "@": "",
}

# Export: characters that must be escaped in BibTeX text fields.
_ESCAPES: dict[str, str] = {
    "\\": "\\textbackslash{}",
    "{": "\\{",
    "}": "\\}",
    "&": "\\&",
    "%": "\\%",
    "$": "\\$",
    "#": "\\#",
    "_": "\\_",
    "~": "\\textasciitilde{}",
    "^": "\\textasciicircum{}",
    # Harmless to BibTeX inside braces, but parsers that recover from broken files
    # (bibtexparser) take an ``@`` at the start of a line for a new entry.
    "@": "\\symbol{64}",
}

# Export of non-ASCII characters that are not a letter + accents.
_CHAR_WORDS: dict[str, str] = {
    "ß": "{\\ss}",
    "ø": "{\\o}",
    "Ø": "{\\O}",
    "æ": "{\\ae}",
    "Æ": "{\\AE}",
    "œ": "{\\oe}",
    "Œ": "{\\OE}",
    "å": "{\\aa}",
    "Å": "{\\AA}",
    "ł": "{\\l}",
    "Ł": "{\\L}",
    "ı": "{\\i}",
    "ȷ": "{\\j}",
    "\u00a0": "~",
    "–": "\\textendash{}",
    "—": "\\textemdash{}",
    "‘": "\\textquoteleft{}",
    "’": "\\textquoteright{}",
    "“": "\\textquotedblleft{}",
    "”": "\\textquotedblright{}",
    "…": "\\ldots{}",
    "©": "\\textcopyright{}",
    "®": "\\textregistered{}",
    "™": "\\texttrademark{}",
    "§": "\\S{}",
    "¶": "\\P{}",
    "†": "\\dag{}",
    "‡": "\\ddag{}",
    "£": "\\pounds{}",
    "€": "\\texteuro{}",
    "°": "\\textdegree{}",
    "±": "\\textpm{}",
    "×": "\\texttimes{}",
    "µ": "\\textmu{}",
    "¿": "\\textquestiondown{}",
    "¡": "\\textexclamdown{}",
    "«": "\\guillemotleft{}",
    "»": "\\guillemotright{}",
    "•": "\\textbullet{}",
}

# -- decoding ----------------------------------------------------------------

_NEEDS_DECODING = re.compile(r"[\\{}~$]")
# Inline math: `$` followed by non-space, closed by a `$` after non-space (pandoc's rule).
_MATH = re.compile(r"(?<!\\)\$(?=[^\s$])(?:[^$\\]|\\.)*?(?<=[^\s\\])\$(?!\d)|(?<!\\)\$\$.+?\$\$")
_ACCENT = re.compile(
    r"\\([`'^\"~=.]|[uvHckrdb](?![A-Za-z]))\s*"
    r"(?:\{\s*(\\[ij](?![A-Za-z])|(?:[^\W\d_][\u0300-\u036f]*)?)\s*\}"
    r"|(\\[ij](?![A-Za-z])|[^\W\d_][\u0300-\u036f]*))"
)
_BRACE_ARG = r"(?:\{(?:[^{}]|\{[^{}]*\})*\})*"
_COMMAND = re.compile(r"\\([A-Za-z]+)(" + _BRACE_ARG + r")(\s*)|\\(.)|\\$", re.DOTALL)
_SPACES = re.compile(r"[ \t\r\n]+")
_OTHER_ASCII_SPACE = re.compile(r"[\t\n\r\x0b\x0c\x1c-\x1f]")  # str.split's, but " "
# Private-use stand-ins for characters that must survive brace stripping.
_KEEP = {"{": "\ue000", "}": "\ue001", "\\": "\ue002", "~": "\ue003"}
_UNKEEP = str.maketrans({v: k for k, v in _KEEP.items()})
_KEPT = re.compile("[" + "".join(_KEEP.values()) + "]")
_KEEP_TABLE = str.maketrans(_KEEP)


# An accent over nothing (``\\^{}``) is the accent sign itself.
_BARE_ACCENTS: dict[str, str] = {
    "`": "`",
    "'": "´",
    "^": "^",
    "~": "~",
    "=": "¯",
    '"': "¨",
    ".": "˙",
    "u": "˘",
    "v": "ˇ",
    "H": "˝",
    "c": "¸",
    "r": "˚",
    "k": "˛",
}


def _accent(match: re.Match[str]) -> str:
    letter = match.group(2) if match.group(2) is not None else match.group(3)
    if letter in ("\\i", "\\j"):
        letter = letter[1]
    if not letter:
        return _BARE_ACCENTS.get(match.group(1), "").translate(_KEEP_TABLE)
    mark = _ACCENT_MARKS[match.group(1)]
    return unicodedata.normalize("NFC", letter + mark)


_SYMBOL_ARG = re.compile(r"\{\s*(\d{1,3})\s*\}")


def _command(match: re.Match[str]) -> str:
    word, args, space = match.group(1, 2, 3)
    if word == "symbol" and (code := _SYMBOL_ARG.match(args)) and 32 <= int(code[1]) < 127:
        rest = args[code.end() :]  # brace groups that follow are not its argument
        if "\\" in rest:
            rest = _COMMAND.sub(_command, rest)
        return chr(int(code[1])).translate(_KEEP_TABLE) + rest + space  # \symbol{64} is @
    if word is not None:
        replacement = _WORD_CHARS.get(word)
        if replacement is None:
            # Unknown command: keep it, and its arguments, literally.
            return ("\\" + word + args).translate(_KEEP_TABLE) + space
        if (
            space
            and not args
            and (replacement == "" or (replacement.isalpha() and len(replacement) == 1))
        ):
            space = ""  # TeX swallows the space after a control word
        if args and "\\" in args:
            args = _COMMAND.sub(_command, args)  # commands inside the argument groups
        return replacement.translate(_KEEP_TABLE) + args + space
    symbol = match.group(4)
    if symbol is None:
        return ""
    replacement = _SYMBOL_CHARS.get(symbol)
    if replacement is None:
        return ("\\" + symbol).translate(_KEEP_TABLE)
    return replacement.translate(_KEEP_TABLE)


def _decode_plain(text: str) -> str:
    if "\\" in text:
        previous = None
        while previous != text and "\\" in text:
            previous = text
            text = _ACCENT.sub(_accent, text)
        text = _COMMAND.sub(_command, text)
    # Braces dropped, ``~`` a no-break space, then the kept characters back; by
    # replacements: str.translate with a dict costs ~20 ns a character on non-ASCII
    # text, which for abstracts was most of their decoding.
    if "{" in text:
        text = text.replace("{", "")
    if "}" in text:
        text = text.replace("}", "")
    if "~" in text:
        text = text.replace("~", "\u00a0")
    if _KEPT.search(text) is not None:
        text = text.translate(_UNKEEP)
    return text


def collapse_spaces(text: str) -> str:
    """Runs of ASCII whitespace (line breaks in a field) → one space; ends stripped.

    No-break and other Unicode spaces are kept: ``~`` decodes to one on purpose.
    """
    if text.isascii():
        if (
            "  " not in text
            and text[:1] != " "
            and text[-1:] != " "
            and _OTHER_ASCII_SPACE.search(text) is None
        ):
            return text  # most values: nothing to collapse (one C scan, no copies)
        return " ".join(text.split())
    return _SPACES.sub(" ", text).strip()


def decode_latex(text: str, *, collapse: bool = True) -> str:
    """LaTeX field text → Unicode: accents, escapes and symbols decoded, grouping braces
    dropped, ``~`` as a no-break space, math kept as written, whitespace collapsed."""
    if _NEEDS_DECODING.search(text) is None:
        return collapse_spaces(text) if collapse else text
    if "$" in text:
        pieces: list[str] = []
        start = 0
        for match in _MATH.finditer(text):
            pieces.append(_decode_plain(text[start : match.start()]))
            pieces.append(match.group(0))
            start = match.end()
        pieces.append(_decode_plain(text[start:]))
        out = "".join(pieces)
    else:
        out = _decode_plain(text)
    if not out.isascii():
        out = unicodedata.normalize("NFC", out)
    return collapse_spaces(out) if collapse else out


# -- encoding ----------------------------------------------------------------


def _encode_char(char: str) -> str:
    special = _CHAR_WORDS.get(char)
    if special is not None:
        return special
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if not marks or not base.isascii() or any(m not in _MARK_ACCENTS for m in marks):
        return char  # no LaTeX spelling worth the risk: keep the Unicode character
    out = base
    for mark in marks:
        command = _MARK_ACCENTS[mark]
        braced = command.isalpha() or len(out) > 1
        out = f"\\{command}{{{out}}}" if braced else f"\\{command}{out}"
    return "{" + out + "}"


class _LatexTable(dict[int, str]):
    """``str.translate`` table that spells each non-ASCII character once, then caches it."""

    def __init__(self, base: dict[str, str]) -> None:
        super().__init__({ord(k): v for k, v in base.items()})

    def __missing__(self, code: int) -> str:
        value = chr(code) if code < 128 else _encode_char(chr(code))
        self[code] = value
        return value


# Lone braces cannot be written as \{ or \}: BibTeX counts those braces too.
_BRACE_WORDS = {**_ESCAPES, "{": "\\textbraceleft{}", "}": "\\textbraceright{}"}
_TABLES: dict[tuple[bool, bool], dict[int, str]] = {
    (False, True): _LatexTable(_ESCAPES),
    (False, False): _LatexTable(_BRACE_WORDS),
    (True, True): str.maketrans(_ESCAPES),
    (True, False): str.maketrans(_BRACE_WORDS),
}
_PLAIN = re.compile(r"[\\{}&%$#_~^@\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u0080-\U0010ffff]")


def braces_balanced(text: str) -> bool:
    """True if braces pair up, counted as BibTeX counts them (``\\{`` included)."""
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


# A letter followed by combining marks that no precomposed character covers (P̄).
_COMBINING = re.compile("([A-Za-z])([\u0300-\u036f]+)")


def _combining(match: re.Match[str]) -> str:
    return _encode_char(match.group(0))


# Control characters (but tab and line breaks) and the Unicode noncharacters (U+FFFE,
# U+FDD0, ...) are not text, and not safe to write: biber aborts on a NUL, stops
# parsing at U+000E, U+000F, U+001E, U+001F, and refuses a file holding a
# noncharacter. Export writes a space for vertical tab and form feed, U+FFFD for
# the others.
NOT_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufdd0-\ufdef"
    + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17))
    + "]"
)


def _replace_not_text(match: re.Match[str]) -> str:
    return " " if match.group() in "\x0b\x0c" else "\ufffd"


def replace_not_text(text: str) -> str:
    """``text`` with what :data:`NOT_TEXT` matches replaced (see there)."""
    return NOT_TEXT.sub(_replace_not_text, text)


def _escape(text: str, unicode: bool) -> str:
    if _PLAIN.search(text) is None:
        return text
    if NOT_TEXT.search(text):
        text = replace_not_text(text)
    paired = ("{" not in text and "}" not in text) or braces_balanced(text)
    out = text.translate(_TABLES[unicode, paired])
    if not unicode and not out.isascii():
        out = _COMBINING.sub(_combining, out)
    return out


# Control words that read or write files, run programs, redefine commands or end the
# document: math that uses one is text, not something to hand to LaTeX as it is.
_UNSAFE_MATH_WORD_LIST = """
    input include includeonly InputIfFileExists endinput openin openout read readline
    write immediate newwrite newread special directlua latelua luaexec ShellEscape
    pdfshellescape catcode lccode uccode def edef gdef xdef let futurelet global long
    outer csname endcsname expandafter noexpand newcommand renewcommand providecommand
    DeclareRobustCommand usepackage RequirePackage documentclass makeatletter everypar
    everymath output scantokens bye dump batchmode nonstopmode scrollmode
"""
_UNSAFE_MATH_WORDS = frozenset(_UNSAFE_MATH_WORD_LIST.split())
# ``\\end{pmatrix}`` is math; a bare ``\\end`` or ``\\end{document}`` ends the document.
_END_DOCUMENT = re.compile(r"\\end(?![A-Za-z])(?!\s*\{(?!\s*document\s*\}))")
_CONTROL_WORD = re.compile(r"\\([A-Za-z]+)")
_ESCAPED = re.compile(r"\\.", re.DOTALL)


def _safe_math(piece: str) -> bool:
    """Math that may go into a BibTeX field verbatim: it cannot end the field or the
    entry early, comment out the rest of a line, or run commands on the reader's
    machine. Anything else is written as (escaped) text.

    Braces must pair up both as BibTeX counts them (every brace) and as parsers that
    skip ``\\{`` count them; ``@`` would look like a new entry to the latter.
    """
    if "@" in piece or NOT_TEXT.search(piece):
        return False
    inner = piece.strip("$")
    unescaped = _ESCAPED.sub("", inner)
    if "%" in unescaped or unescaped.endswith("\\"):
        return False
    if not braces_balanced(piece) or not braces_balanced(re.sub(r"\\[{}]", "", piece)):
        return False
    if _END_DOCUMENT.search(piece):
        return False
    return not any(word in _UNSAFE_MATH_WORDS for word in _CONTROL_WORD.findall(piece))


def iter_math(text: str, *, writable: bool = False) -> list[tuple[str, bool]]:
    """Split ``text`` into (piece, is_math) runs; math is ``$...$`` by pandoc's rule.
    With ``writable``, only math that is safe to write verbatim into BibTeX
    (:func:`_safe_math`) counts; the rest is text, to be escaped."""
    if "$" not in text:
        return [(text, False)]
    runs: list[tuple[str, bool]] = []
    start = 0
    for match in _MATH.finditer(text):
        if writable and not _safe_math(match.group(0)):
            continue
        if match.start() > start:
            runs.append((text[start : match.start()], False))
        runs.append((match.group(0), True))
        start = match.end()
    if start < len(text):
        runs.append((text[start:], False))
    return runs


def encode_latex(text: str, *, unicode: bool = False, math: bool = True) -> str:
    """Unicode → BibTeX field text: specials escaped, non-ASCII as LaTeX unless
    ``unicode``; ``$...$`` math passes through verbatim when ``math`` is set."""
    if math and "$" in text:
        runs = iter_math(text, writable=True)
        return "".join(p if is_math else _escape(p, unicode) for p, is_math in runs)
    return _escape(text, unicode)


# -- titles ------------------------------------------------------------------

_WORD = re.compile(r"\S+")
_EDGE_PUNCT = "\"'()[],.;:!?“”‘’«»"


_SEGMENT = re.compile(r"[-/]")


def _needs_protection(word: str) -> bool:
    """Acronyms, CamelCase and brand spellings: a capital after the first letter of a
    word or of a hyphenated part (``ELA``, ``ImageNet``, ``LLaVA-HD``, ``iPhone``,
    ``3D``, ``GPT-4``), and one-letter capitals in compounds (``Q-Value``).
    Title Case compounds such as ``Pre-Trained`` stay unprotected."""
    rest = word[1:]
    if rest == rest.lower() and rest[:1] not in ("-", "/"):
        return False  # the common case: no capital after the first character
    segments = _SEGMENT.split(word)
    for segment in segments:
        seen = False
        for char in segment:
            if char.isalpha():
                if seen and char.isupper():
                    return True
                seen = True
            elif char.isdigit():
                seen = True
        if len(segments) > 1 and len(segment) == 1 and segment.isupper():
            return True
    return False


def _protect_words(text: str, escape: Callable[[str], str]) -> str:
    def one(match: re.Match[str]) -> str:
        word = match.group(0)
        core = word.strip(_EDGE_PUNCT)
        if not core or not _needs_protection(core):
            return escape(word)
        lead = word[: word.index(core)]
        tail = word[len(lead) + len(core) :]
        return escape(lead) + "{" + escape(core) + "}" + escape(tail)

    return _WORD.sub(one, text)


def _balanced_groups(text: str) -> list[tuple[str, bool]]:
    """Split into (piece, is_braced_group) for balanced top-level ``{...}`` groups."""
    if "{" not in text:
        return [(text, False)]
    out: list[tuple[str, bool]] = []
    depth = 0
    start = 0
    group_start = 0
    for index, char in enumerate(text):
        if char == "{":
            if depth == 0:
                if index > start:
                    out.append((text[start:index], False))
                group_start = index
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                out.append((text[group_start : index + 1], True))
                start = index + 1
    if depth:
        return [(text, False)]  # unbalanced: everything is literal
    if start < len(text):
        out.append((text[start:], False))
    return out


def _is_protection(inner: str) -> bool:
    """``{ELA}`` or ``{Bayesian}`` in a stored title is case protection someone typed;
    ``{0,1}`` or ``{ }`` are literal braces."""
    return (
        bool(inner)
        and not any(c.isspace() for c in inner)
        and not inner.islower()
        and any(c.isupper() for c in inner)
    )


def protect_title(title: str, *, unicode: bool = False) -> str:
    """A stored title as a BibTeX title: escaped, with acronyms and mixed-case words
    braced (``{ELA}: Efficient Local Attention``) so styles cannot lowercase them.

    A balanced ``{Word}`` with capitals already in the stored title counts as existing
    protection and is kept rather than escaped or braced twice; other braces are
    literal text. Math with capitals is braced too.
    """

    def escape(piece: str) -> str:
        return _escape(piece, unicode)

    if NOT_TEXT.search(title):  # before words are split: some of it counts as spaces
        title = replace_not_text(title)
    out: list[str] = []
    for piece, is_math in iter_math(title, writable=True):
        if is_math:
            out.append("{" + piece + "}" if any(c.isupper() for c in piece) else piece)
            continue
        for chunk, braced in _balanced_groups(piece):
            if braced and _is_protection(chunk[1:-1]):
                out.append("{" + escape(chunk[1:-1]) + "}")
            else:
                out.append(_protect_words(chunk, escape))
    return "".join(out)
