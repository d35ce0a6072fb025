"""Recognise arXiv identifiers inside running text.

Precision first: a wrong match would write a wrong identifier into someone's
paper. So a number only counts as an arXiv identifier in a context that names
arXiv, and every candidate is validated by the strict grammar of
:func:`pithtex.ids.arxiv.parse_arxiv_id` (month 01-12, issued ranges, 4 digits
until 1412 and 5 from 1501, known old-style archives).

Contexts, in :func:`find_explicit` (usable in any text):

- the prefix ``arXiv:`` (any case, spaces allowed: ``arXiv: 2101.00001``,
  ``arXiv:hep-th/9901001v2``), or the word ``arXiv`` followed by white space
  and an id, optionally with ``preprint`` or ``e-print(s)`` between
  (``arXiv preprint 2101.00001``); a trailing ``[hep-ph]`` is allowed;
- links to arxiv.org or any of its subdomains (``export.arxiv.org``), with or
  without scheme, under ``abs/``, ``pdf/`` (with or without ``.pdf``), ``ps/``,
  ``format/`` and ``html/``;
- arXiv DOIs ``10.48550/arXiv.<id>`` in any case (also inside doi.org links);
- the macros ``\\arxiv{...}``, ``\\arXiv{...}``, ``\\eprint{...}`` and
  ``\\arxivlink{...}`` / ``\\arxivref{...}`` (an optional ``[...]`` argument
  is allowed), whose whole argument must be one identifier.

Braces around or between the letters of "arXiv" are allowed wherever the word
appears (``Ar{X}iv:1607.06450``, ``{arXiv} preprint {arXiv}:1607.06450``,
``{A}r{X}iv:...``, ``https://{a}rxiv.org/...``): bibtool and exporters protect
capitals that way, and BibTeX prints them away. So are braces inside a subject
class (``[math.{RT}]``).

Narrower contexts for callers that know more (the .bib field rules):

- :func:`parse_id_value`: a whole value that is one identifier (``eprint``,
  ``arxiv`` fields), optionally ``arXiv:``-prefixed and followed by
  ``[subject]``;
- :func:`find_bare_old_style`: old-style identifiers without prefix
  (``hep-th/9901001``); the archive must be one arXiv used and the preceding
  character must not make it part of a path (``/``, ``.``, a letter);
- :func:`find_bibcodes`: ADS bibcodes of e-prints (``2016arXiv160706450B``,
  ``2014arXiv1412.6980K``) whose year is the identifier's.

Bare new-style numbers (``2101.00001``) in running text are never matched:
they look like page ranges, version numbers and report numbers.

An identifier followed by more digits or letters (``2101.000012``,
``2101.00001x``) is not an identifier. Candidates in an explicit arXiv context
that fail validation (``arXiv:1111.11111``) are returned as :class:`Rejected`
so the caller can say why they were ignored (not for the weaker ``arXiv <id>``
form without a colon, and never more than :data:`MAX_REJECTED` per call).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from pithtex.ids.arxiv import OLD_ARCHIVES, ArxivId, InvalidArxivId, is_valid_new_style, parse_arxiv_id

__all__ = [
    "IdMatch",
    "Rejected",
    "could_contain_arxiv",
    "find_bare_old_style",
    "find_bibcodes",
    "find_explicit",
    "parse_id_value",
]

# A candidate identifier: new style (validated later, so "too many digits"
# can be reported) or old style with optional subject class, then a version.
# The trailing look-ahead stops "2101.00001x" and "2101.00001.5".
_ID = (
    r"(?P<id>\d{4}\.\d{4,6}"
    r"|[a-zA-Z]+(?:-[a-zA-Z]+)?(?:\.[a-zA-Z]{2,5}(?:-[a-zA-Z]{2,5})?)?/\d{7})"
    r"(?P<ver>[vV]\d{1,4})?(?![\w-]|\.\d)"
)

# The word "arXiv" with braces anywhere around or between its letters, as bibtool and
# exporters protect capitals (``Ar{X}iv``, ``{A}r{X}iv``, ``{arXiv}``): BibTeX drops them.
_ARXIV = r"[{}]*a[{}]*r[{}]*x[{}]*i[{}]*v[{}]*"
#: The recognisers' patterns (source, flags), compiled by :func:`_regex` when first used: a scan
#: whose every value matches ``scan.bib``'s one-id regex (the example paper's .bib) needs none of the
#: four largest (prefix, value, doi, bibcode), and compiling them is 2.5 ms of the 58 ms that
#: ``pithtex check --no-cache`` takes on the example (benchmarks/RESULTS.md, issue 17, fifth pass).
_SOURCES = {
    "prefix": (
        r"(?<![a-zA-Z\\])" + _ARXIV[5:]  # from the "a": a match never starts with a brace
        + r"(?:\s*:[{}\s]*|\s+(?:[{}]*(?:preprint|e-?prints?)[{}]*[\s:]+)?[{}]*)" + _ID
        + r"(?:\s*\[[a-zA-Z.\-{}]+\])?",
        re.IGNORECASE,
    ),
    "url": (
        r"(?<![\w-])(?:https?://)?(?:[a-z0-9-]+\.)*" + _ARXIV + r"\.org/+(?:abs|pdf|ps|format|html)/+(?:arxiv:)?"
        + _ID + r"(?:\.pdf)?",
        re.IGNORECASE,
    ),
    "doi": (r"(?<![\w.])10\.48550/" + _ARXIV + r"\.(?!\s)" + _ID, re.IGNORECASE),
    "macro": (
        r"\\(?:arxiv|eprint|arxivlink|arxivref)\s*(?:\[[^\]\n]*\])?\s*\{\s*(?:arxiv\s*:\s*)?" + _ID
        + r"\s*\}",
        re.IGNORECASE,
    ),
    "old-style": (
        r"(?<![\w./\\-])(?P<id>[a-zA-Z]+(?:-[a-zA-Z]+)?(?:\.[a-zA-Z]{2,5}(?:-[a-zA-Z]{2,5})?)?/\d{7})"
        r"(?P<ver>[vV]\d{1,4})?(?![\w-]|\.\d)",
        0,
    ),
    "value": (r"\s*(?:" + _ARXIV + r"\s*:[{}\s]*)?" + _ID + r"(?:\s*\[[a-zA-Z.\-{}]+\])?\s*", re.IGNORECASE),
    # An ADS bibcode of an arXiv e-print: year, "arXiv", the id (its dot dropped for
    # 5-digit numbers: 2016arXiv160706450B; kept for 4-digit ones: 2014arXiv1412.6980K),
    # then the first author's initial or a dot.
    "bibcode": (
        r"(?<![\w.&])(?P<year>(?:19|20)\d\d)" + _ARXIV + r"(?P<id>\d{4}\.\d{4}|\d{9})[a-z.](?![\w])",
        re.IGNORECASE,
    ),
}


@lru_cache(maxsize=None)
def _regex(name: str) -> re.Pattern[str]:
    """The compiled pattern ``name`` of :data:`_SOURCES`."""
    return re.compile(*_SOURCES[name])


_DIGIT_ARXIV_RE = re.compile(r"\darxiv")
#: At most this many rejected candidates are returned per text searched.
MAX_REJECTED = 5

# Non-ASCII letters that IGNORECASE matches with ASCII ones ("[a-z]" docs of `re`).
_ODD_CASE = ("\u0130", "\u0131", "\u017f", "\u212a")



class IdMatch(NamedTuple):
    """One identifier at ``[start, end)`` of the searched text."""

    start: int
    end: int
    arxiv: ArxivId
    raw: str
    context: str  # "prefix", "url", "doi", "macro", "old-style", "value", "bibcode"


class Rejected(NamedTuple):
    """A candidate in an arXiv context that is not a valid identifier."""

    start: int
    raw: str
    reason: str


# Cheap test before the regexes: text without these numbers cannot match (see could_contain_arxiv).
_MAYBE_NUMBER_RE = re.compile(r"/\d{7}|\d{4}\.\d{4}|[vV][{}]*\d{9}")


def could_contain_arxiv(text: str) -> bool:
    """False when ``text`` certainly holds no identifier (a fast pre-filter).

    Every candidate the recognisers report, found or rejected, holds four
    digits, a dot and four digits (new style), a slash and seven digits
    (old style) or, in an ADS bibcode, the ``v`` of ``arXiv`` and nine digits
    (braces allowed between them): a text without any of these holds none,
    whatever context it names.
    """
    return _MAYBE_NUMBER_RE.search(text) is not None


@lru_cache(maxsize=65536)
def _parse(text: str) -> ArxivId | str:
    """``parse_arxiv_id(text)``, or the reason it is not an id (cached: a .bib names each id 2-3 times)."""
    if len(text) in (9, 10) and text[4] == "." and text.isascii() and text.replace(".", "", 1).isdigit():
        if is_valid_new_style(int(text[:2]), int(text[2:4]), text[5:]):  # a plain new-style id is its
            return ArxivId(text)  # own normal form: 25 ms of a 20,000-id scan spared
    try:
        return parse_arxiv_id(text)
    except InvalidArxivId as exc:
        return exc.reason


def _validate(m: re.Match[str]) -> ArxivId | str:
    """The id in match ``m``, or the reason it is not one."""
    ver = m["ver"]
    return _parse(m["id"] + ver if ver else m["id"])


_CONTEXTS = (("url", "arxiv.org"), ("doi", "10.48550/arxiv."), ("macro", "\\"), ("prefix", "arxiv"))


def find_explicit(text: str, *, bibcodes: bool = False) -> tuple[list[IdMatch], list[Rejected]]:
    """Identifiers in explicit arXiv contexts (see the module docstring), and with
    ``bibcodes`` those of :func:`find_bibcodes` too.

    Overlapping matches (``\\href{https://arxiv.org/abs/X}`` inside
    ``\\arxiv{...}``) keep the earliest, longest one.
    """
    if not text.isascii() and any(c in text for c in _ODD_CASE):
        low = ""  # `re` folds these to ASCII letters, str.lower() does not: run every regex
    else:
        low = text.lower()
        if "{" in low or "}" in low:  # "Ar{X}iv": the needles are looked for without braces
            low = low.replace("{", "").replace("}", "")
        if "arxiv" not in low and "\\" not in text:  # every context names arXiv, or is a macro
            return [], []
    found: list[IdMatch] = []
    rejected: list[Rejected] = []
    for context, needle in _CONTEXTS:
        if low and (needle not in low or (context == "prefix" and low.count("arxiv") == low.count("arxiv."))):
            continue  # each context needs its literal (braces aside), a prefix "arXiv" without a dot after it
        for m in _regex(context).finditer(text):
            got = _validate(m)
            if isinstance(got, ArxivId):
                start, raw = m.start(), m.group(0).strip()
                while start and text[start - 1] == "{" and raw.count("}") > raw.count("{"):
                    start -= 1  # "{A}r{X}iv:...": the match began after the first brace
                    raw = "{" + raw
                found.append(IdMatch(start, m.end(), got, raw, context))
            else:
                if "/" in m["id"] and m["id"].split("/")[0].split(".")[0].lower() not in OLD_ARCHIVES:
                    continue  # "arXiv: foo/1234567" is not worth a warning
                if context == "prefix" and ":" not in text[m.start():m.start("id")]:
                    continue  # "arXiv 1234.5678" without the colon: too weak to warn about
                if len(rejected) < MAX_REJECTED:
                    rejected.append(Rejected(m.start(), m.group(0).strip(), got))
    if bibcodes and (not low or _DIGIT_ARXIV_RE.search(low)):  # a bibcode's year comes right before "arXiv"
        found.extend(_bibcodes(text))
    if len(found) > 1:
        found.sort(key=lambda x: (x.start, -x.end))
        kept: list[IdMatch] = []
        for f in found:
            if kept and f.start < kept[-1].end:
                continue
            kept.append(f)
        found = kept
    if rejected and found:
        rejected = [r for r in rejected if not any(f.start <= r.start < f.end for f in found)]
    return found, rejected


def find_bibcodes(text: str) -> list[IdMatch]:
    """arXiv e-prints named by their ADS bibcode (``2016arXiv160706450B``, ADS's ``adsurl``).

    The bibcode's year must be the identifier's: anything else is not an arXiv bibcode.
    """
    low = text.lower()
    if "arxiv" not in low and ("arxiv" not in low.replace("{", "").replace("}", "")):
        return []
    return _bibcodes(text)


def _bibcodes(text: str) -> list[IdMatch]:
    out = []
    for m in _regex("bibcode").finditer(text):
        digits = m["id"]
        got = _parse(digits if "." in digits else f"{digits[:4]}.{digits[4:]}")
        if isinstance(got, ArxivId) and got.id[:2] == m["year"][2:]:
            out.append(IdMatch(m.start(), m.end(), got, m.group(0), "bibcode"))
    return out


def find_bare_old_style(text: str) -> list[IdMatch]:
    """Old-style identifiers without any prefix, e.g. ``hep-th/9901001v2``."""
    if "/" not in text:
        return []
    out = []
    for m in _regex("old-style").finditer(text):
        if m["id"].split("/")[0].split(".")[0].lower() not in OLD_ARCHIVES:
            continue
        got = _validate(m)
        if isinstance(got, ArxivId):
            out.append(IdMatch(m.start(), m.end(), got, m.group(0), "old-style"))
    return out


def parse_id_value(text: str, pos: int = 0, endpos: int | None = None) -> tuple[IdMatch | None, Rejected | None]:
    """A whole value that is exactly one identifier (``eprint = {2101.00001v2}``): ``text[pos:endpos]``
    (offsets into ``text``)."""
    m = _regex("value").fullmatch(text, pos, len(text) if endpos is None else endpos)
    if m is None:
        return None, None
    got = _validate(m)
    raw = text[pos:m.end()].strip()
    if isinstance(got, ArxivId):
        return IdMatch(m.start("id"), m.end(), got, raw, "value"), None
    return None, Rejected(m.start("id"), raw, got)
