"""Pith Numbers: grammar, parsing, formatting and derivation from a digest.

::

    pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT   full form (year of submission + suffix)
    C7HZCGQ4XG57XBILJLQGM22JGT             the 26-character suffix
    pith:C7HZCGQ4                          short form (first 8 characters)

The suffix is the first 26 characters of the RFC 4648 base32 encoding (upper
case, no padding) of the full 32-byte ``canonical_sha256``; the year is the
year of ``metadata.submitted_at`` of the canonical record.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache, total_ordering

__all__ = [
    "SUFFIX_LENGTH",
    "InvalidPithNumber",
    "PithNumber",
    "derive_pith_number",
    "derive_suffix",
    "parse_pith_number",
    "parse_pith_reference",
    "parse_suffix",
]

SUFFIX_LENGTH = 26
MIN_YEAR, MAX_YEAR = 1991, 2999

_SUFFIX_RE = re.compile(r"[A-Z2-7]{26}")
_FULL_RE = re.compile(r"pith:(?P<year>\d{4}):(?P<suffix>.*)", re.DOTALL | re.ASCII)
_SUBMITTED_AT_RE = re.compile(r"(?P<year>\d{4})-\d\d-\d\dT", re.ASCII)


class InvalidPithNumber(ValueError):
    """Raised for text that is not a Pith Number; the message names the input."""

    def __init__(self, text: object, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"not a Pith Number: {text!r} ({reason})")


@total_ordering
class PithNumber:
    """A full Pith Number: ``year`` of submission (an int) and 26-character ``suffix``.

    Immutable; equal, hashed and ordered as ``(year, suffix)``, as the frozen, ordered dataclass it
    was. A plain class (`pithtex check` imports no dataclasses, ~5 ms of its start-up) that keeps its
    ``__dict__``: pithtex.resolve.lockfile fills one in for numbers its line regex checked.
    """

    year: int
    suffix: str

    def __init__(self, year: int, suffix: str) -> None:
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise InvalidPithNumber(year, f"year outside {MIN_YEAR}-{MAX_YEAR}")
        parse_suffix(suffix)
        self.__dict__.update(year=year, suffix=suffix)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        return f"PithNumber(year={self.year!r}, suffix={self.suffix!r})"

    def __hash__(self) -> int:
        return hash((self.year, self.suffix))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.year, self.suffix) == (other.year, other.suffix)  # type: ignore[attr-defined]

    def __lt__(self, other: PithNumber) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.year, self.suffix) < (other.year, other.suffix)

    @property
    def full(self) -> str:
        return f"pith:{self.year}:{self.suffix}"

    @property
    def short(self) -> str:
        return f"pith:{self.suffix[:8]}"

    def __str__(self) -> str:
        return self.full


def _why_not_suffix(text: str) -> str:
    if len(text) != SUFFIX_LENGTH:
        return f"the suffix has {len(text)} characters, not {SUFFIX_LENGTH}"
    if text.upper() != text and _SUFFIX_RE.fullmatch(text.upper()):
        return "Pith Numbers are upper case"
    bad = sorted({c for c in text if c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"})
    return f"characters outside the base32 alphabet A-Z2-7: {''.join(bad)!r}"


def parse_suffix(text: str) -> str:
    """Check and return a bare 26-character suffix."""
    if not isinstance(text, str):
        raise InvalidPithNumber(text, "not a string")
    if _SUFFIX_RE.fullmatch(text):
        return text
    raise InvalidPithNumber(text, _why_not_suffix(text))


def parse_pith_number(text: str) -> PithNumber:
    """Parse the full form ``pith:YYYY:SUFFIX`` (surrounding white space allowed)."""
    if not isinstance(text, str):
        raise InvalidPithNumber(text, "not a string")
    return _parse_full(text)


@lru_cache(maxsize=65536)
def _parse_full(text: str) -> PithNumber:
    """:func:`parse_pith_number` of a string (cached: a check reads each number two or three
    times; the result is immutable, and a failure is raised again each time, never cached)."""
    m = _FULL_RE.fullmatch(text.strip())
    if not m:
        raise InvalidPithNumber(text, "expected pith:YYYY:SUFFIX")
    year = int(m["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidPithNumber(text, f"year {year} outside {MIN_YEAR}-{MAX_YEAR}")
    suffix = m["suffix"]
    if not _SUFFIX_RE.fullmatch(suffix):
        raise InvalidPithNumber(text, _why_not_suffix(suffix))
    return PithNumber(year, suffix)


def parse_pith_reference(text: str) -> PithNumber | str:
    """Parse what ``\\pithnumber{}`` or a ``pithnumber`` field may hold.

    Returns a :class:`PithNumber` for the full form, or the bare suffix
    (a ``str``) when only the 26-character suffix was given.
    """
    if not isinstance(text, str):
        raise InvalidPithNumber(text, "not a string")
    stripped = text.strip()
    if stripped.startswith("pith:"):
        return parse_pith_number(stripped)
    return parse_suffix(stripped)


def derive_suffix(digest: bytes | str) -> str:
    """The suffix for a SHA-256 digest (32 raw bytes or 64 hex characters)."""
    raw = bytes.fromhex(digest) if isinstance(digest, str) else digest
    if len(raw) != 32:
        raise ValueError(f"a SHA-256 digest has 32 bytes, not {len(raw)}")
    # The first 26 characters encode the first 130 bits: 20 bytes are enough, and
    # base64.b32encode is pure Python, so encoding fewer bytes halves its cost.
    return base64.b32encode(raw[:20]).decode("ascii")[:SUFFIX_LENGTH]


def derive_pith_number(digest: bytes | str, submitted_at: str) -> PithNumber:
    """The Pith Number of a canonical record, from its digest and the year of its RFC 3339
    ``submitted_at`` (``2026-02-22T20:21:00Z``)."""
    m = _SUBMITTED_AT_RE.match(submitted_at) if isinstance(submitted_at, str) else None
    if not m:
        raise ValueError(f"submitted_at is not an RFC 3339 timestamp: {submitted_at!r}")
    return PithNumber(int(m["year"]), derive_suffix(digest))
