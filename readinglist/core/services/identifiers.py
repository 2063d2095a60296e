"""Recognising arXiv ids, DOIs and Hugging Face URLs, locally and strictly.

:func:`parse_identifier` turns what a user pastes into an :class:`Identifier`
without any network call. URLs are dispatched on their host first, so a DOI URL is
never tried as an arXiv id, and an arXiv id is only accepted where the whole text
(or the whole URL path segment) is one: ``10.1145/3184558.3186235`` is a DOI, not
the arXiv id ``3184.5583``. Zero-width and control characters that copying from web
pages leaves behind are removed first.

Anything that is not recognised raises :class:`IdentifierError` with one line that
names the input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from ..errors import ReadinglistError

__all__ = [
    "Identifier",
    "IdentifierError",
    "arxiv_key",
    "is_arxiv_id",
    "parse_day",
    "parse_identifier",
]

Kind = Literal["arxiv", "doi", "hf_day"]


class IdentifierError(ReadinglistError):
    """Text that is not an arXiv id, a DOI or a supported URL."""


@dataclass(frozen=True, slots=True)
class Identifier:
    """A recognised identifier.

    ``kind`` is ``"arxiv"`` (``value`` without version, ``version`` e.g. ``"v2"``),
    ``"doi"`` (``value`` lower-cased, DOIs being case-insensitive) or ``"hf_day"``
    (``value`` an ISO date: a Daily Papers day).
    """

    kind: Kind
    value: str
    version: str = ""

    def __str__(self) -> str:
        if self.kind == "arxiv":
            return f"arXiv:{self.value}{self.version}"
        if self.kind == "doi":
            return f"doi:{self.value}"
        return f"Daily Papers {self.value}"


# The archives of arXiv's old scheme (1991-2007); new archives never used it.
_OLD_ARCHIVE_NAMES = """acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn
    chem-ph cmp-lg comp-gas cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat hep-ph hep-th math
    math-ph mtrl-th nlin nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio quant-ph
    solv-int supr-con"""
_OLD_ARCHIVES = frozenset(_OLD_ARCHIVE_NAMES.split())
_NEW_ID = re.compile(r"(\d{2})(\d{2})\.(\d{4,5})(v[1-9]\d*)?")
_OLD_ID = re.compile(r"([a-z]+(?:-[a-z]+)?)(\.[A-Za-z]{2})?/(\d{2})(\d{2})(\d{3})(v[1-9]\d*)?")
_DOI = re.compile(r"10\.\d{4,9}(?:\.\d+)*/\S+")
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(.+)", re.IGNORECASE)
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff")
_TRAILING = ".,;:"
_PAIRS = {")": "(", "]": "[", ">": "<", "}": "{"}

_ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
_HF_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co"})
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org", "doi.acm.org"})


def _clean(text: str) -> str:
    """Drop invisible and control characters, surrounding quotes and trailing punctuation."""
    text = "".join(
        ch
        for ch in text
        if ch not in _INVISIBLE and unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")
    )
    previous = None
    while text != previous:
        previous = text
        text = text.strip().strip("\"'“”‘’`")
        if text[:1] + text[-1:] in ("()", "[]", "<>"):
            text = text[1:-1]
        while text and text[-1] in _TRAILING:
            text = text[:-1]
        last = text[-1:]
        if last in _PAIRS and text.count(_PAIRS[last]) < text.count(last):
            text = text[:-1]  # a closing bracket the text did not open: "see arXiv:…)"
    return text.rstrip()


def _split_arxiv(text: str) -> tuple[str, str] | None:
    """``(id without version, version)`` if ``text`` is exactly one arXiv id."""
    match = _NEW_ID.fullmatch(text)
    if match:
        year, month, number, version = match.groups()
        if not 1 <= int(month) <= 12 or (year, month) < ("07", "04"):
            return None
        # Four-digit numbers until 2014, five from 1501 on.
        if (len(number) == 5) != ((year, month) >= ("15", "01")):
            return None
        return f"{year}{month}.{number}", version or ""
    match = _OLD_ID.fullmatch(text)
    if match:
        archive, subject, year, month, number, version = match.groups()
        if archive not in _OLD_ARCHIVES or not 1 <= int(month) <= 12:
            return None
        if not ("91" <= year <= "99" or "00" <= year <= "07"):
            return None
        return f"{archive}{subject or ''}/{year}{month}{number}", version or ""
    return None


def is_arxiv_id(text: str) -> bool:
    """Whether ``text`` is exactly one arXiv id (new or old scheme, version allowed)."""
    return _split_arxiv(text) is not None


def arxiv_key(arxiv_id: str) -> str:
    """The id arXiv reports back for ``arxiv_id``: no version, no old-scheme subject class.

    ``math.CA/0611800v2`` is answered as ``math/0611800``; results are matched to the
    request by this key, never by position.
    """
    split = _split_arxiv(arxiv_id)
    base = split[0] if split else arxiv_id
    if "/" in base:
        archive, number = base.split("/", 1)
        base = archive.split(".", 1)[0] + "/" + number
    return base


def _arxiv(text: str, original: str) -> Identifier:
    split = _split_arxiv(text)
    if split is None:
        raise IdentifierError(f"not a valid arXiv id: {original!r}")
    return Identifier("arxiv", split[0], split[1])


def _doi(text: str, original: str) -> Identifier:
    text = text.strip()
    if not _DOI.fullmatch(text):
        raise IdentifierError(f"not a valid DOI: {original!r}")
    arxiv = _ARXIV_DOI.fullmatch(text)
    if arxiv:  # arXiv's own DataCite DOI names an arXiv paper
        return _arxiv(arxiv.group(1), original)
    return Identifier("doi", text.lower())


def _iso_day(text: str, original: str) -> Identifier:
    match = _ISO_DAY.fullmatch(text)
    if match:
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
        else:
            return Identifier("hf_day", day.isoformat())
    raise IdentifierError(f"not a valid Daily Papers date (YYYY-MM-DD): {original!r}")


def _from_url(text: str, original: str) -> Identifier:
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path).strip("/")
    if host in _ARXIV_HOSTS:
        match = re.fullmatch(r"(?:abs|pdf|html|format)/(.+?)(?:\.pdf)?", path)
        if match is None:
            raise IdentifierError(f"not an arXiv paper URL: {original!r}")
        return _arxiv(match.group(1), original)
    if host in _HF_HOSTS:
        if path == "papers" and "date" in parse_qs(parts.query):
            return _iso_day(parse_qs(parts.query)["date"][0], original)
        match = re.fullmatch(r"papers/date/(.+)", path)
        if match:
            return _iso_day(match.group(1), original)
        if re.fullmatch(r"papers/(?:week|month)/.+", path):
            raise IdentifierError(f"only single Daily Papers days are supported: {original!r}")
        match = re.fullmatch(r"papers/(.+?)(?:\.md)?", path)
        if match is None:
            raise IdentifierError(f"not a Hugging Face paper URL: {original!r}")
        return _arxiv(match.group(1), original)
    if host in _DOI_HOSTS:
        return _doi(path, original)
    raise IdentifierError(
        f"unsupported URL (expected arxiv.org, huggingface.co or doi.org): {original!r}"
    )


_URL_START = re.compile(
    r"(?:https?://|(?:www\.|export\.)?arxiv\.org/|(?:www\.)?(?:huggingface|hf)\.co/"
    r"|(?:dx\.|www\.)?doi\.org/|doi\.acm\.org/)",
    re.IGNORECASE,
)


def parse_identifier(text: str) -> Identifier:
    """Recognise one pasted identifier (see the module docstring for the forms).

    Raises :class:`IdentifierError` with a one-line message when ``text`` is none.
    """
    original = text.strip()
    cleaned = _clean(text)
    if not cleaned:
        raise IdentifierError("empty identifier")
    if _URL_START.match(cleaned):
        return _from_url(cleaned, original)
    lowered = cleaned.lower()
    if lowered.startswith("arxiv:"):
        return _arxiv(cleaned[6:].strip(), original)
    if lowered.startswith("doi:"):
        return _doi(cleaned[4:].strip(), original)
    if lowered.startswith("info:doi/"):  # the URI form some reference managers store
        return _doi(cleaned[9:].strip(), original)
    if cleaned.startswith("10."):
        return _doi(cleaned, original)
    split = _split_arxiv(cleaned)
    if split is not None:
        return Identifier("arxiv", split[0], split[1])
    raise IdentifierError(f"not an arXiv id, DOI or arXiv/Hugging Face/doi.org URL: {original!r}")


def parse_day(text: str) -> date:
    """A Daily Papers day from ``YYYY-MM-DD`` or a ``huggingface.co/papers/date/…`` URL."""
    cleaned = _clean(text)
    if _URL_START.match(cleaned):
        ident = _from_url(cleaned, text.strip())
        if ident.kind != "hf_day":
            raise IdentifierError(f"not a Daily Papers day URL: {text.strip()!r}")
    else:
        ident = _iso_day(cleaned, text.strip())
    return date.fromisoformat(ident.value)
