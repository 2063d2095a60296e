"""Parser for plain-text dumps of a "Daily Papers" listing page (SPEC §4).

A dump is page chrome (``new``, ``Subscribe``, a date such as ``Mar 11`` …)
followed by title/abstract pairs, either separated by blank lines or packed one
per line with the first title glued to the chrome (``SubscribeDigi-Q: …``).

Lines are not paired by position: one stray chrome line would shift every pair
after it.  Each line instead gets a *title score* from its own shape (titles are
short, unpunctuated at the end, Title-ish; abstracts are long prose), and a
two-state Viterbi pass over the whole file picks the most likely
title/abstract labelling given that a title is normally followed by an
abstract and vice versa.  That is linear in the number of lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from ..latex import decode_latex, iter_math
from ..model import Paper, Source
from .base import ImportFailure, ParseResult

FORMAT = "dailypapers"

# -- page chrome -------------------------------------------------------------

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = re.compile(
    rf"(?:{_MONTH}\.?\s+(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|(?:[12]\d|3[01]|0?[1-9])\s+{_MONTH}(?:,?\s+\d{{4}})?"
    r"|\d{4}-\d{2}-\d{2})",
    re.IGNORECASE,
)
_DATE_LINE = re.compile(rf"({_DATE.pattern})\.?", re.IGNORECASE)

# Whole lines that are navigation, buttons or counters rather than papers.
_CHROME_WORD_LIST = """
    new subscribe subscribed submit unsubscribe upvote upvoted papers trending previous next
    prev more search home menu close share login signup models datasets spaces docs pricing
    posts collections community enterprise solutions today yesterday daily weekly monthly
    github code comments authors abstract loading
"""
_CHROME_WORDS = frozenset(_CHROME_WORD_LIST.split())
_CHROME_PHRASES = frozenset(
    {
        "daily papers",
        "trending papers",
        "submit paper",
        "submit a paper",
        "load more",
        "show more",
        "see all",
        "view all",
        "sign up",
        "sign in",
        "log in",
        "hugging face",
        "back to top",
        "copy link",
        "view pdf",
        "view arxiv page",
        "add to collection",
        "this week",
        "this month",
        "previous day",
        "next day",
        "previous page",
        "next page",
        "terms of service",
        "privacy policy",
    }
)
_CHROME_PATTERNS = re.compile(
    r"""(?:
        get\ trending\ papers\b.{0,60}
      | by\s*ak\ and\ the\ research\ community\.?
      | [▲△⬆↑👍♥❤★☆]?\s*\d[\d,.]*\s*k?
        (?:\s*(?:upvotes?|likes?|comments?|authors?|stars?|views?|papers?))?
      | (?:upvotes?|likes?)\s*[:(]?\s*\d*\)?
      | (?:page\s*)?\d+\s*(?:of|/)\s*\d+
      | page\s*\d+
      | submitted\ by\s+\S.{0,50}
      | published\ on\s+\S.{0,30}
      | arxiv:\s*\S{1,30}
      | [←→<>«»‹›]*\s*(?:previous|next|prev)(?:\s+(?:page|day|week|month))?\s*[←→<>«»‹›]*
      | ©.{0,80}
      | [^\w]*
    )""",
    re.IGNORECASE | re.VERBOSE,
)

# Chrome that a text dump glues onto the following title (``SubscribeDigi-Q: …``).
# Multi-word phrases are unmistakable anywhere; single words only in the header.
_GLUED_PHRASE = re.compile(
    r"(?:Get trending papers in your email inbox(?: once a day)?!"
    r"|by\s*AK and the research community|Daily Papers(?=[A-Z0-9\"'“(\[]))\s*"
)
_HEADER_START = re.compile(
    r"(?:Get trending papers|by\s*AK and the research community|Subscribe$|new$|Daily Papers$)"
)
_GLUED_HEADER_WORD = re.compile(r"(?:Subscribe|Submit|new)(?=[A-Z0-9\"'“(\[])")
_GLUED_DATE = re.compile(rf"({_MONTH}\s+(?:[12]\d|3[01]|0?[1-9]))(?=[A-Z])")


def _is_chrome(line: str) -> bool:
    folded = line.casefold().rstrip(".!:")
    if folded in _CHROME_WORDS or folded in _CHROME_PHRASES:
        return True
    return _CHROME_PATTERNS.fullmatch(line) is not None


def _listing_date(line: str) -> str:
    """The date if the whole line is a listing date, else ""."""
    match = _DATE_LINE.fullmatch(line)
    return match.group(1) if match else ""


# -- title / abstract scoring --------------------------------------------------

_SENTENCE_BREAK = re.compile(r"[a-z0-9)\]%][.!?][\"')\]]?\s+[A-Z(\"']")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_MARKUP_START = re.compile(r"(?:#|```|[-*+>|]\s|<\w|\{|def\s|class\s|import\s|from\s\S+\simport)")


def title_score(line: str) -> float:
    """How title-like a (stripped, non-empty) line is: > 0 title, < 0 abstract.

    Titles in real listings are 15–250 characters, rarely end in a period and
    contain no sentence break; abstracts are 500–2000 characters of sentences.
    """
    n = len(line)
    if n <= 100:
        score = 2.0
    elif n <= 200:
        score = 1.0
    elif n <= 300:
        score = -1.0
    else:
        score = -1.0 - n / 100.0
    if line.endswith("."):
        score -= 2.0
    elif line[-1].isalnum() or line[-1] in ")]?!":
        score += 1.0
    if n > 600:
        return score  # far too long for a title; the details below cannot change that
    breaks = len(_SENTENCE_BREAK.findall(line))
    score -= min(breaks, 4) * 1.5
    words = _WORD.findall(line)
    if len(words) > 35:
        score -= 2.0
    long_words = [w for w in words if len(w) >= 4]
    if long_words and sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.6:
        score += 1.0
    colon = line.find(": ")
    if 0 < colon <= 40:
        score += 1.0
    if _MARKUP_START.match(line):
        score -= 3.0
    return score


def _looks_like_prose(line: str) -> bool:
    """Abstracts are words and spaces, not CSV rows, code or base64."""
    if len(line) < 150:
        return False
    sample = line[:1000]
    letters = sum(c.isalpha() or c == " " for c in sample)
    return letters / len(sample) >= 0.8 and sample.count(" ") >= len(sample) / 12


# -- code links -------------------------------------------------------------

_CODE_HOST = re.compile(
    r"(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|gitee\.com|codeberg\.org"
    r"|sourceforge\.net/projects|(?:huggingface\.co|hf\.co)/spaces)/[\w.-]+",
    re.IGNORECASE,
)
# Where a link can start: a scheme, or a bare code-host name ("github.com/deel-ai/Craft").
_URL_MARKERS = (
    "http://",
    "https://",
    "github.com/",
    "gitlab.com/",
    "bitbucket.org/",
    "gitee.com/",
    "codeberg.org/",
    "huggingface.co/spaces/",
    "hf.co/spaces/",
)
_URL_BODY = re.compile(r"[^\s<>\"{}|\\^`\[\]]+")
_CODE_PHRASE = re.compile(
    r"\b(?:code|codes|codebase|source|implementation|implementations|repository|repo|software)\b",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'\")]}*"


def _clean_url(url: str) -> str:
    """Drop sentence punctuation glued to a URL, keeping a balanced closing paren."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _sentence_before(text: str, end: int) -> str:
    start = max(text.rfind(". ", 0, end), text.rfind("; ", 0, end), end - 120, 0)
    return text[start:end]


def _url_starts(abstract: str) -> list[int]:
    """Offsets where a link starts, found with plain substring search (fast on long text)."""
    low = abstract.lower()
    starts: set[int] = set()
    for marker in _URL_MARKERS:
        pos = low.find(marker)
        while pos >= 0:
            start = pos
            if not marker.startswith("http"):
                if low.startswith("www.", pos - 4):
                    start = pos - 4
                if start > 0 and (low[start - 1].isalnum() or low[start - 1] in "./-@_"):
                    start = -1  # inside a longer URL or host name
            if start >= 0:
                starts.add(start)
            pos = low.find(marker, pos + 1)
    return sorted(starts)


def find_code_url(abstract: str) -> str:
    """The code repository an abstract points to, as an https URL, or "".

    A link to a code host (GitHub, GitLab, Bitbucket, Gitee, Codeberg, Hugging
    Face Spaces) wins; otherwise the first link that its sentence introduces as
    code ("Code is available at …").  Project pages and dataset links are not code.
    """
    phrase_url = ""
    for start in _url_starts(abstract):
        match = _URL_BODY.match(abstract, start)
        if match is None:
            continue
        url = _clean_url(match.group())
        bare = re.sub(r"^https?://", "", url, flags=re.IGNORECASE)
        if _CODE_HOST.match(bare):
            return "https://" + bare
        if (
            not phrase_url
            and "://" in url
            and "." in bare
            and _CODE_PHRASE.search(_sentence_before(abstract, start))
        ):
            phrase_url = url
    return phrase_url


# -- the parse ---------------------------------------------------------------


@dataclass(slots=True)
class _Unit:
    """One content line after chrome removal."""

    line_no: int  # 1-based
    text: str
    score: float
    date: str  # listing date in force at this line
    blank_before: bool

    @property
    def can_be_abstract(self) -> bool:
        """Even the shortest real abstract is a few sentences; a short line never is."""
        return len(self.text) >= _MIN_ABSTRACT and self.text.count(" ") >= _MIN_ABSTRACT // 10


_SWITCH_PENALTY = 3.0  # cost of a title without abstract / abstract without title
_MIN_ABSTRACT = 100
_IMPOSSIBLE = -1e9


def _emit_abstract(unit: _Unit) -> float:
    return -unit.score if unit.can_be_abstract else _IMPOSSIBLE


def _label_titles(units: list[_Unit]) -> list[bool]:
    """Viterbi over two states (title / abstract); True where the unit is a title."""
    if not units:
        return []
    # best score ending in title / abstract, plus back-pointers (True = came from title)
    score_t = units[0].score
    score_a = _emit_abstract(units[0]) - _SWITCH_PENALTY
    back: list[tuple[bool, bool]] = [(False, False)]
    for unit in units[1:]:
        s = unit.score
        # into title: from abstract is natural, from title means an orphan title
        from_t_to_t = score_t - _SWITCH_PENALTY
        t_prev_is_t = from_t_to_t > score_a
        new_t = (from_t_to_t if t_prev_is_t else score_a) + s
        # into abstract: from title is natural, from abstract means an orphan abstract
        from_a_to_a = score_a - _SWITCH_PENALTY
        a_prev_is_t = score_t >= from_a_to_a
        new_a = (score_t if a_prev_is_t else from_a_to_a) + _emit_abstract(unit)
        back.append((t_prev_is_t, a_prev_is_t))
        score_t, score_a = new_t, new_a
    score_t -= _SWITCH_PENALTY  # a file should not end on a title
    is_title = score_t > score_a
    labels = [False] * len(units)
    for i in range(len(units) - 1, -1, -1):
        labels[i] = is_title
        prev_t, prev_a = back[i]
        is_title = prev_t if is_title else prev_a
    return labels


def _content_units(text: str) -> list[_Unit]:
    """Strip chrome, track the listing date, keep the rest as scored units."""
    units: list[_Unit] = []
    date = ""
    in_header = True
    blank_before = False
    for index, raw in enumerate(text.split("\n")):
        line = raw.strip()
        if not line:
            blank_before = True
            continue
        while True:  # peel chrome glued onto the front of a title
            match = _GLUED_PHRASE.match(line)
            in_header = in_header or match is not None
            if match is None and in_header:
                match = _GLUED_HEADER_WORD.match(line)
            if match is None and in_header:
                match = _GLUED_DATE.match(line)
                if match is not None:
                    date = match.group(1)
            if match is None or match.end() >= len(line):
                break
            line = line[match.end() :].lstrip()
        found_date = _listing_date(line)
        if found_date:
            date = found_date
            continue
        if _is_chrome(line):
            # a repeated page header (two dumps pasted together) starts a new header
            in_header = in_header or _HEADER_START.match(line) is not None
            continue
        score = title_score(line)
        if score < 0:
            in_header = False
        units.append(_Unit(index + 1, line, score, date, blank_before))
        blank_before = False
    return units


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tail(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else "…" + text[len(text) - limit + 1 :]


# An abstract ends a sentence (``results.``, ``(see Fig. 2).``, ``“…”.``) or with a
# link (``Code: https://github.com/a/b``): real listings end every abstract one of
# these two ways (323 of 325 in the samples; the other two are mid-listing).
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]»]*$")


_HOST = re.compile(r"[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?::\d+)?")
_REPO_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "gitee.com", "codeberg.org")


def _whole_link(token: str) -> bool:
    """A link that could be whole: a host with a real top-level domain, and on a code
    host an owner and a repository (``github.com/he-y`` was cut)."""
    bare = re.sub(r"^[a-z][a-z0-9+.-]*://", "", token)
    host, _, path = bare.partition("/")
    host = host.removeprefix("www.")
    if not _HOST.fullmatch(host):
        return False
    if host in _REPO_HOSTS:
        return len([part for part in path.split("/") if part]) >= 2
    return True


def looks_complete(abstract: str) -> bool:
    """False for an abstract that stops mid-sentence, as one cut by a truncated file.

    A cut inside a final link can only be caught where the link is visibly unfinished
    (no top-level domain, a code host without a repository).
    """
    text = abstract.rstrip()
    if not text:
        return False
    if _SENTENCE_END.search(text):
        return True
    last = text.rsplit(None, 1)[-1].lower()
    if "://" in last or last.startswith(("www.", *_URL_MARKERS)):
        return _whole_link(last)
    return False


def _continues(previous: str, unit: _Unit) -> bool:
    """A second abstract block is a continuation if the first stopped mid-sentence."""
    return unit.text[0].islower() or previous.rstrip()[-1:] not in ".!?\"')]"


# The LaTeX that listings carry from arXiv: a command with its argument (``\\emph{x}``),
# an escape or accent (``44\\%``, ``na\\"ive``, ``\\'{e}``), a ``{\\em x}`` group.
# Only these islands are decoded: the rest is plain text, where ``~`` means "about"
# and braces are braces.
_LATEX_ISLAND = re.compile(
    r"\{\\[A-Za-z]+\s+[^{}]*\}"
    r"|\\[A-Za-z]+(?:\{[^{}]*\})?"
    r"|\\[%&$#_{}]"
    r"|\\[\"'^`~=.](?:\{[^{}]*\}|[A-Za-z])"
)


def decode_listing_text(text: str) -> str:
    """Listing text with its LaTeX islands decoded (``44\\%`` → ``44%``), for display
    and search; an export encodes it again (``44\\%``). Math (``$...$``) is kept."""
    if "\\" not in text:
        return text

    def decode(match: re.Match[str]) -> str:
        return decode_latex(match.group(), collapse=False)

    return "".join(
        piece if is_math else _LATEX_ISLAND.sub(decode, piece) for piece, is_math in iter_math(text)
    )


def parse_dailypapers(text: str, source_name: str = "") -> ParseResult:
    """Parse a Daily Papers listing; bad stretches become failures, never exceptions."""
    result = ParseResult(format=FORMAT, source=source_name)
    file_name = PurePath(source_name).name if source_name else ""
    units = _content_units(text)
    labels = _label_titles(units)
    seen_paper = False
    pending_title: _Unit | None = None
    abstract_parts: list[str] = []
    abstract_unit: _Unit | None = None
    abstract_end = 0  # line number of the abstract's last line
    last_line = text.count("\n", 0, len(text.rstrip())) + 1  # the input's last non-blank line

    def flush(at_end: bool = False) -> None:
        nonlocal pending_title, abstract_parts, abstract_unit, seen_paper
        if pending_title is not None and abstract_parts:
            raw_abstract = "".join(abstract_parts)
            if at_end and abstract_end == last_line and not looks_complete(raw_abstract):
                # The input stops inside this abstract: the file was cut there.
                result.failures.append(
                    ImportFailure(
                        abstract_end,
                        f"the last abstract stops mid-sentence: {_tail(raw_abstract)!r}",
                        cut_off=True,
                    )
                )
                pending_title, abstract_parts, abstract_unit = None, [], None
                return
            abstract = decode_listing_text(raw_abstract)
            source = Source(kind=FORMAT, file=file_name, date=pending_title.date)
            result.papers.append(
                Paper(
                    title=decode_listing_text(pending_title.text),
                    abstract=abstract,
                    entry_type="misc",
                    code_url=find_code_url(abstract),
                    sources=(source,),
                )
            )
            seen_paper = True
        elif pending_title is not None and (seen_paper or not _header_noise(pending_title)):
            result.failures.append(
                ImportFailure(
                    pending_title.line_no,
                    f"title without an abstract: {_shorten(pending_title.text)!r}",
                    cut_off=at_end,
                )
            )
        pending_title, abstract_parts, abstract_unit = None, [], None

    for unit, is_title in zip(units, labels, strict=True):
        if is_title:
            flush()
            pending_title = unit
        elif pending_title is None:
            result.failures.append(
                ImportFailure(unit.line_no, f"text without a title: {_shorten(unit.text)!r}")
            )
        elif abstract_unit is None:
            abstract_parts, abstract_unit = [unit.text], unit
            abstract_end = unit.line_no
        elif _continues(abstract_parts[-1], unit):
            abstract_parts.append(("\n\n" if unit.blank_before else "\n") + unit.text)
            abstract_end = unit.line_no
        else:
            result.failures.append(
                ImportFailure(
                    unit.line_no,
                    f"second abstract for one title (missing title?): {_shorten(unit.text)!r}",
                )
            )
    flush(at_end=True)
    return result


def _header_noise(unit: _Unit) -> bool:
    """Before the first paper, a short orphan line is unrecognised chrome, not a lost paper."""
    return len(unit.text.split()) <= 4


def looks_like_dailypapers(text: str) -> bool:
    """Cheap test for "auto": listing chrome, or mostly title/abstract pairs of prose."""
    head = text[:3000]
    if re.search(r"Get trending papers|by\s*AK and the research community|^Subscribe", head, re.M):
        return True
    units = _content_units(text[:200_000])
    if not units:
        return False
    labels = _label_titles(units)
    pairs = sum(
        1
        for i in range(1, len(units))
        if labels[i - 1] and not labels[i] and _looks_like_prose(units[i].text)
    )
    return pairs >= 1 and 2 * pairs >= 0.6 * len(units)
