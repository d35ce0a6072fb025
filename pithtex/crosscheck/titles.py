"""Titles: from a .bib value with TeX markup to text a reader (and a hash) sees.

The registry signs ``title_canon_sha256`` = SHA-256 of
``" ".join(title.lower().split())`` of the *arXiv* title (protocol spec §2).
arXiv titles are plain text as the authors typed them into the submission
form: usually Unicode (``Schrödinger``), sometimes TeX (``Schr\\"odinger``),
math kept as TeX *with* its dollars (``$\\alpha$-divergence``), dashes often
typed as ``--``, and ``&`` usually unescaped. How the registry normalises
Unicode or markup before hashing is unknown, so a .bib title is turned into a
small, ordered set of candidate readings (:func:`title_candidates`) and the
title counts as verified when ANY candidate hashes to the signed value
(:func:`match_title_hash` says which reading matched).

Candidates, in the order they are tried (white space collapsed; NFC unless said otherwise):

``plain``
    :func:`plain_title`: pylatexenc's reading: accents and macros to Unicode
    (``\\"{o}`` -> ö, ``\\ss`` -> ß, ``\\&`` -> &), protection braces
    (``{GRPO}``, ``{{...}}``) removed, ``--``/``---`` to en/em dash, ``~`` to a
    space, math kept verbatim *with* its dollars (``$O(n^2)$``), because that
    is how arXiv's own metadata carries math.
``plain-dashes-kept``
    the same, but ``--`` and ``---`` left as typed (arXiv does not convert them).
``plain-math-rendered``
    the same as ``plain`` with math rendered as pylatexenc does
    (``$\\alpha$`` -> α, dollars dropped): for a registry that de-TeXes math.
``tex``
    the .bib source with only protection braces removed and ``\\& \\% \\_ \\#``
    unescaped; accents (``\\"o``), dashes and math kept as typed: matches arXiv
    titles that were typed in TeX (where ``&`` needs no escape).
``tex-no-braces``
    the same with every brace outside math removed (``\\"{o}`` -> ``\\"o``).
``tex-as-typed``
    like ``tex`` but ``\\&`` and friends left escaped, as some arXiv titles are.
``plain-nfd``, ``plain-nfkc``, ``plain-no-accents``
    the ``plain`` reading in other Unicode forms (decomposed; compatibility
    composed; accents dropped), in case the registry normalises Unicode
    before hashing: its rule for non-ASCII titles is unknown.
``plain-ascii-quotes``
    the ``plain`` reading with curly quotes made straight: TeX's
    ````` ``Quoted'' ````` against an arXiv title typed as ``"Quoted"``.

Similarity (:func:`similarity`, :func:`classify_titles`) uses only difflib on
folded word sequences (case, accents, punctuation and markup ignored); the
thresholds are documented on :func:`classify_titles`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from collections.abc import Iterator
from typing import Any, NamedTuple

__all__ = [
    "CANDIDATE_NAMES",
    "TitleComparison",
    "TitleMatch",
    "candidate_hashes",
    "classify_titles",
    "match_title_hash",
    "plain_title",
    "similarity",
    "title_canon",
    "title_candidates",
    "title_matches",
    "title_sha256",
    "title_words",
]

CANDIDATE_NAMES = (
    "plain",
    "plain-dashes-kept",
    "plain-math-rendered",
    "tex",
    "tex-no-braces",
    "tex-as-typed",
    "plain-nfd",
    "plain-nfkc",
    "plain-no-accents",
    "plain-ascii-quotes",
)

# A Private Use Area character stands in for '-' so pylatexenc leaves dashes alone.
_HYPHEN_STAND_IN = "\ue000"
_HEX64_RE = re.compile(r"[0-9a-f]{64}")


def title_canon(text: str) -> str:
    """The registry's canonical title: lower case, runs of white space collapsed."""
    return " ".join(text.lower().split())


def title_sha256(text: str) -> str:
    """Hex SHA-256 of the UTF-8 of :func:`title_canon` (``title_canon_sha256``)."""
    return hashlib.sha256(title_canon(text).encode("utf-8")).hexdigest()


@lru_cache(maxsize=2)
def _converter(math_mode: str) -> Any:
    # Imported here: pylatexenc costs start-up time that `pithtex check` without titles never pays.
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode=math_mode, strict_latex_spaces=False)


def _finish(text: str) -> str:
    return " ".join((text if text.isascii() else unicodedata.normalize("NFC", text)).split())


# Titles without these characters hold no macros, math, comments or TeX specials other
# than braces and dashes, so they are read without pylatexenc (about 2 ms a title).
_NEEDS_PARSER_RE = re.compile(r"[\\$%&~`#^_]|''")


def _simple_reading(tex: str, *, keep_dashes: bool) -> str:
    """pylatexenc's reading of a title with nothing but text, braces and dashes (tested equal)."""
    text = tex.replace("{", "").replace("}", "")
    if not keep_dashes:
        text = text.replace("---", "\u2014").replace("--", "\u2013")
    return _finish(text)


def _latex_to_text(tex: str, *, math_mode: str, keep_dashes: bool) -> str:
    if not _NEEDS_PARSER_RE.search(tex):
        return _simple_reading(tex, keep_dashes=keep_dashes)
    return _parsed_reading(tex, math_mode, keep_dashes)


@lru_cache(maxsize=8192)
def _parsed_reading(tex: str, math_mode: str, keep_dashes: bool) -> str:
    """pylatexenc's reading (cached: a title is read for several checks)."""
    source = tex.replace("-", _HYPHEN_STAND_IN) if keep_dashes else tex
    try:
        text = _converter(math_mode).latex_to_text(source)
    except Exception:  # pylatexenc is tolerant, but a title must never crash a check
        text = source
    if keep_dashes:
        text = text.replace(_HYPHEN_STAND_IN, "-")
    return _finish(text)


def plain_title(tex: str) -> str:
    """The title as a reader sees it (the ``plain`` candidate; see the module doc).

    Accents and macros become Unicode, protection braces go, ``--`` becomes an
    en dash, and math stays as its TeX source with the dollars, as on arXiv.
    """
    return _latex_to_text(tex, math_mode="verbatim", keep_dashes=False)


_UNESCAPE = {"&": "&", "%": "%", "_": "_", "#": "#"}


def _tex_source_form(tex: str, *, keep_argument_braces: bool, unescape: bool = True) -> str:
    """The .bib source with protection braces removed; math and accents kept as typed.

    A ``{`` directly after a macro (``\\textit{``, ``\\"{``) opens an argument
    and is kept when ``keep_argument_braces``; any other ``{`` (and its ``}``)
    only protects case from BibTeX and is dropped. Math (``$...$``, ``$$...$$``,
    ``\\(...\\)``, ``\\[...\\]``) is copied verbatim.
    """
    out: list[str] = []
    stack: list[bool] = []  # for each open brace: is it kept?
    i, n = 0, len(tex)
    after_macro = False
    while i < n:
        c = tex[i]
        if c == "\\" and i + 1 < n:
            nxt = tex[i + 1]
            if nxt in "([":
                close = "\\)" if nxt == "(" else "\\]"
                end = tex.find(close, i + 2)
                end = n if end < 0 else end + 2
                out.append(tex[i:end])
                i, after_macro = end, False
                continue
            if nxt.isalpha():
                j = i + 1
                while j < n and tex[j].isalpha():
                    j += 1
                out.append(tex[i:j])
                i, after_macro = j, True
                continue
            if unescape and nxt in _UNESCAPE:
                out.append(_UNESCAPE[nxt])
                i, after_macro = i + 2, False
                continue
            out.append(tex[i : i + 2])  # accents (\" \' \^ ...), \{ \} \$ \\ and friends
            i, after_macro = i + 2, nxt not in "{}$\\"
            continue
        if c == "$":
            delim = "$$" if tex.startswith("$$", i) else "$"
            j = i + len(delim)
            while j < n and not tex.startswith(delim, j):
                j += 2 if tex[j] == "\\" else 1
            end = min(n, j + len(delim))
            out.append(tex[i:end])
            i, after_macro = end, False
            continue
        if c == "{":
            keep = keep_argument_braces and after_macro
            stack.append(keep)
            if keep:
                out.append(c)
        elif c == "}":
            keep = stack.pop() if stack else True
            if keep:
                out.append(c)
        elif c == "~":
            out.append(" ")
        else:
            out.append(c)
        after_macro = False
        i += 1
    return _finish("".join(out))


class TitleMatch(NamedTuple):
    """Which reading of a .bib title hashed to the signed ``title_canon_sha256``.

    This and TitleComparison are named tuples: each takes 0.2 ms to define at import, a dataclass 1 ms."""

    candidate: str
    text: str


_ASCII_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_MATH_MARKS = ("$", "\\(", "\\[", "\\begin", "\\ensuremath")


def _readings(tex: str) -> Iterator[tuple[str, str]]:
    """All readings in order, computed lazily: the first usually matches."""
    plain = plain_title(tex)
    yield "plain", plain
    # Each parse costs ~2 ms: skip the ones that cannot differ from the plain reading.
    if "--" in tex:
        yield "plain-dashes-kept", _latex_to_text(tex, math_mode="verbatim", keep_dashes=True)
    if any(mark in tex for mark in _MATH_MARKS):
        yield "plain-math-rendered", _latex_to_text(tex, math_mode="text", keep_dashes=False)
    yield "tex", _tex_source_form(tex, keep_argument_braces=True)
    yield "tex-no-braces", _tex_source_form(tex, keep_argument_braces=False)
    yield "tex-as-typed", _tex_source_form(tex, keep_argument_braces=True, unescape=False)
    nfd = unicodedata.normalize("NFD", plain)
    yield "plain-nfd", nfd
    yield "plain-nfkc", unicodedata.normalize("NFKC", plain)
    yield "plain-no-accents", "".join(ch for ch in nfd if not unicodedata.combining(ch))
    yield "plain-ascii-quotes", plain.translate(_ASCII_QUOTES)


def _distinct_readings(tex: str) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for name, text in _readings(tex):
        canon = title_canon(text)
        if canon and canon not in seen:
            seen.add(canon)
            yield name, text


def title_candidates(tex: str) -> list[tuple[str, str]]:
    """The readings of a .bib title to try against the signed hash, in order.

    Returns ``(name, text)`` pairs with names from :data:`CANDIDATE_NAMES`;
    readings that give the same canonical text as an earlier one are left out.
    """
    return list(_distinct_readings(tex))


@lru_cache(maxsize=8192)
def candidate_hashes(tex: str) -> dict[str, TitleMatch]:
    """``title_sha256`` of every reading of ``tex`` -> the first reading giving it (cached).

    For matching one title against many signed hashes (e.g. looking for the
    entry whose paper a title belongs to). Treat the result as read-only.
    """
    out: dict[str, TitleMatch] = {}
    for name, text in _distinct_readings(tex):
        out.setdefault(title_sha256(text), TitleMatch(name, text))
    return out




def title_matches(tex: str, signed_sha256: str) -> bool:
    """``match_title_hash(tex, signed_sha256) is not None``, answered by the title's own hash
    when it is its own reading (the 20,000 titles of the annotate benchmark: 25 ms, not 68)."""
    # An ASCII title without braces, ``~`` or DEL is its own ``tex-as-typed`` reading (title_canon inline).
    own = tex.isascii() and "{" not in tex and "}" not in tex and "~" not in tex and "\x7f" not in tex
    canon = " ".join(tex.lower().split()) if own else ""
    if canon:
        digest = hashlib.sha256(canon.encode("ascii")).hexdigest()
        if digest == signed_sha256 or digest == signed_sha256.strip().lower():
            return True
    return match_title_hash(tex, signed_sha256) is not None


def match_title_hash(tex: str, signed_sha256: str) -> TitleMatch | None:
    """The first candidate reading of ``tex`` whose hash is ``signed_sha256``, or None."""
    want = signed_sha256.strip().lower()
    if not _HEX64_RE.fullmatch(want):
        return None
    plain = plain_title(tex)  # the first reading, and nearly always the one that matches
    if plain and hashlib.sha256(title_canon(plain).encode("utf-8")).hexdigest() == want:
        return TitleMatch("plain", plain)
    for name, text in _distinct_readings(tex):
        if title_sha256(text) == want:
            return TitleMatch(name, text)
    return None


# --- similarity ---------------------------------------------------------------

_MATH_RE = re.compile(r"\$+")
_NON_WORD_RE = re.compile(r"[^\w]+|_+")


#: Similarity looks at this many words at most: titles are short, and difflib is quadratic.
MAX_WORDS = 200


def title_words(text: str) -> list[str]:
    """Folded words of a (plain) title: lower case, no accents, no punctuation or markup."""
    decomposed = unicodedata.normalize("NFKD", text[: MAX_WORDS * 40])
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _MATH_RE.sub(" ", stripped.replace("\\", " "))
    return [w for w in _NON_WORD_RE.split(stripped.casefold()) if w][:MAX_WORDS]


def similarity(a: str, b: str) -> float:
    """How alike two titles are, 0.0 to 1.0: difflib ratio over folded word sequences."""
    from difflib import SequenceMatcher  # here: only a title that does not match compares words
    wa, wb = title_words(a), title_words(b)
    if not wa and not wb:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


class TitleComparison(NamedTuple):
    """The verdict of :func:`classify_titles`.

    ``kind`` is ``"same-words"`` (only case, accents, punctuation, hyphenation
    or markup differ), ``"reworded"`` (a few words added, dropped or changed,
    as between an arXiv title and its published version) or ``"different"``
    (probably another paper). ``ratio`` is :func:`similarity`.
    """

    kind: str
    ratio: float

    @property
    def similar(self) -> bool:
        return self.kind != "different"


def _spelling_variant(a: str, b: str) -> bool:
    """optimisation/optimization, toward/towards, model/models: one word, spelt differently."""
    from difflib import SequenceMatcher
    return min(len(a), len(b)) >= 4 and SequenceMatcher(None, a, b).ratio() >= 0.8


def classify_titles(a: str, b: str) -> TitleComparison:
    """Say whether two plain titles name the same paper, allowing for rewording.

    Rules (word sequences folded by :func:`title_words`):

    - same words (or the same letters once spaces and hyphens are ignored:
      ``On-Policy`` / ``OnPolicy``): ``same-words``;
    - otherwise words are aligned with difflib; a substituted word that is a
      spelling variant (character ratio >= 0.8, four letters or more) counts
      as shared. ``changed`` = words of the *shorter* title that the longer
      one lacks;
    - ``reworded`` when words were only added to the shorter title (a subtitle
      or qualifier: ``changed == 0``), it has at least 4 words or shares at
      least 60% of the longer one; or when at most 15% of the shorter title's
      words were changed and at least 6 are shared;
    - anything else is ``different``. Short template titles that differ in a
      content word ("Soft Sequence Policy Optimization" / "Group Sequence
      Policy Optimization") are deliberately ``different``.
    """
    from difflib import SequenceMatcher
    wa, wb = title_words(a), title_words(b)
    ratio = similarity(a, b)
    if wa == wb or ("".join(wa) == "".join(wb) and wa):
        return TitleComparison("same-words", ratio)
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    shared = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, short, long_, autojunk=False).get_opcodes():
        if tag == "equal":
            shared += i2 - i1
        elif tag == "replace":
            shared += sum(
                1 for x, y in zip(short[i1:i2], long_[j1:j2]) if _spelling_variant(x, y)
            )
    changed = len(short) - shared
    if not short:
        kind = "different"
    elif changed == 0 and (len(short) >= 4 or shared >= 0.6 * len(long_)):
        kind = "reworded"
    elif changed <= 0.15 * len(short) and shared >= 6:
        kind = "reworded"
    else:
        kind = "different"
    return TitleComparison(kind, ratio)
