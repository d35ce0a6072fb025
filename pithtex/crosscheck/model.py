"""What the cross-checks take in (:class:`RecordFacts`) and give out (:class:`CrossFinding`).

Codes are stable: CI and editors act on them through ``--json``.

=====================  ========  ===============================================
code                   severity  meaning
=====================  ========  ===============================================
``title-verified``     info      the entry's title hashes to the signed title
``title-differs``      warning   hash differs, titles are alike (case,
                                 punctuation, a reworded published title)
``title-mismatch``     error     probably the wrong arXiv id (both titles shown);
                                 a warning when the key is allowed on purpose
``title-unchecked``    info      no title in the entry, or no signed hash
``version-drift``      info      cites vN, the registry holds a later version
``duplicate-reference``warning   two keys cite the same arXiv paper
=====================  ========  ===============================================
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping

from pithtex.ids.arxiv import ArxivId, normal_id
from pithtex.ids.pith_number import PithNumber

__all__ = [
    "CODES",
    "DUPLICATE_REFERENCE",
    "TITLE_DIFFERS",
    "TITLE_MISMATCH",
    "TITLE_UNCHECKED",
    "TITLE_VERIFIED",
    "VERSION_DRIFT",
    "CrossFinding",
    "RecordFacts",
    "Severity",
]

TYPE_CHECKING = False  # (no typing or dataclasses import on `pithtex check`'s start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Literal

    Severity = Literal["error", "warning", "info"]
else:
    Severity = str

TITLE_VERIFIED = "title-verified"
TITLE_DIFFERS = "title-differs"
TITLE_MISMATCH = "title-mismatch"
TITLE_UNCHECKED = "title-unchecked"
VERSION_DRIFT = "version-drift"
DUPLICATE_REFERENCE = "duplicate-reference"
CODES = (TITLE_VERIFIED, TITLE_DIFFERS, TITLE_MISMATCH, TITLE_UNCHECKED, VERSION_DRIFT, DUPLICATE_REFERENCE)


class RecordFacts(namedtuple("RecordFacts", "source pith_number title_canon_sha256 title latest", defaults=(None, None))):
    """Facts about one paper from a *verified* Pith record, as the callers build them.

    ``source``, ``pith_number`` and ``title_canon_sha256`` come from the signed
    canonical record and are what the checks rely on. ``title`` is the
    registry's plain ``paper.title``: unsigned, so it words the message, and it
    tells a harmless difference from a wrong id only when it hashes to the
    signed ``title_canon_sha256`` (then it is the signed title); it never
    passes a title and never turns a mismatch into a warning.
    ``latest`` is ``(version, pith_number)`` of the latest version the registry
    holds, when known. A named tuple (slotted: the facts of 20,000 lock entries are built in
    38 ms, not 51; and no dataclasses import on `pithtex check`'s start-up).
    """

    __slots__ = ()

    @classmethod
    def from_canonical_record(
        cls,
        canonical_record: Mapping[str, Any],
        pith_number: PithNumber,
        *,
        title: str | None = None,
        latest: tuple[int, PithNumber] | None = None,
    ) -> RecordFacts:
        """Build facts from a canonical record the caller has already verified.

        Raises ``KeyError``/``TypeError``/``ValueError`` on a record without the
        schema 1.0 fields (a verified record always has them).
        """
        src = canonical_record["source"]
        signed = (src["id"], src.get("version"), canonical_record["metadata"]["title_canon_sha256"])
        return cls.from_signed_facts(signed, pith_number, title=title, latest=latest)

    @classmethod
    def from_lock_entry(cls, entry: Any, *, latest: tuple[int, PithNumber] | None = None) -> RecordFacts:
        """Build facts from a ``pith.lock`` entry (:class:`pithtex.resolve.lockfile.LockEntry`)
        that the caller has verified: its ``signed_facts``, ``pith_number`` and hint ``title``."""
        signed = entry.signed_facts
        source_id, version, digest = signed
        if source_id == entry.requested.id and type(version) is int and type(digest) is str:
            # The signed id is the normal id as cited, as from_signed_facts would make it (20 ms less
            # for 20,000 entries).
            return cls(ArxivId(source_id, version), entry.pith_number, digest, entry.title, latest)
        return cls.from_signed_facts(signed, entry.pith_number, title=entry.title, latest=latest)

    @classmethod
    def from_signed_facts(
        cls,
        signed: tuple[Any, Any, Any],
        pith_number: PithNumber,
        *,
        title: str | None = None,
        latest: tuple[int, PithNumber] | None = None,
    ) -> RecordFacts:
        """Build facts from ``(source.id, source.version, metadata.title_canon_sha256)`` of a
        canonical record the caller has already verified (a lock entry's ``signed_facts``).

        Raises ``TypeError``/``ValueError`` when they are not what schema 1.0 says.
        """
        source_id, version, digest = signed
        source = ArxivId(normal_id(str(source_id)), int(version) if version is not None else None)
        if not isinstance(digest, str):
            raise TypeError("metadata.title_canon_sha256 is not a string")
        return cls(source, pith_number, digest, title, latest)


class CrossFinding(namedtuple("CrossFinding", "code severity file line key message details")):
    """One finding about one .bib entry, located at the entry's file and line: ``code``,
    ``severity``, ``file``, ``line``, ``key``, ``message``, ``details`` (a dict).

    ``message`` is a sentence for a researcher without the location;
    ``str(finding)`` gives the full line ``refs.bib:12: key: message``.
    """

    __slots__ = ()

    def __new__(
        cls, code: str, severity: Severity, file: str, line: int, key: str | None, message: str,
        details: dict[str, Any] | None = None,
    ) -> CrossFinding:
        return super().__new__(cls, code, severity, file, line, key, message, {} if details is None else details)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        who = f"{self.key}: " if self.key else ""
        return f"{self.location}: {who}{self.message}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: ``code, severity, file, line, key, message, details``."""
        return {
            "code": self.code,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "key": self.key,
            "message": self.message,
            "details": dict(self.details),
        }
