"""Verification results: values with reasons, never bare booleans.

Every verifier returns a :class:`VerificationResult` holding the list of
:class:`Check` it made. A check is ``ok=True`` (holds), ``ok=False`` (fails:
the document is not what it claims) or ``ok=None`` (could not be verified,
e.g. an event of a type whose rules are unknown, or merged state that
depends on such events).

How the status is derived (:func:`derive_status`):

- any check with ``ok=False``                    -> ``invalid``;
- otherwise, by kind: a ``record`` or ``bundle`` -> ``verified``; a bare
  ``canonical_record`` -> ``unsigned``; a bare ``receipt`` -> ``signature-only``.

Every record or bundle verifier always emits the checks that establish the
Pith Number (digest, Pith Number, a receipt signature under a trusted key)
and fails when any of them is missing, so ``verified`` always means those
passed. Checks with ``ok=None`` never make anything ``verified`` on their own:
they are listed in :attr:`VerificationResult.unverified` and in the JSON
output, and whatever they cover (e.g. an unknown event) is not evidence.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from operator import attrgetter

from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import PithNumber

__all__ = ["UNTRUSTED_NOTE", "Check", "Kind", "Status", "VerificationResult", "VerifiedLine", "derive_status"]

TYPE_CHECKING = False  # (no typing or dataclasses import on `pithtex check`'s start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Literal

    Kind = Literal["record", "bundle", "canonical_record", "receipt", "unknown"]
    Status = Literal["verified", "unsigned", "signature-only", "invalid"]
else:
    Kind = Status = str

#: Why a key named by a document is refused (said once per human line).
UNTRUSTED_NOTE = " (keys shipped inside a document are never trusted; add one with --trust-key)"

#: Problems shown on the one human line; ``--json`` has them all.
_SUMMARY_PROBLEMS = 4

_STATUS_BY_KIND: dict[str, Status] = {
    "record": "verified",
    "bundle": "verified",
    "canonical_record": "unsigned",
    "receipt": "signature-only",
}


class Check(namedtuple("Check", "name ok detail")):
    """One thing that was checked: ``name``, ``ok`` (True, False, or None: could not be
    verified) and ``detail``."""

    __slots__ = ()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def derive_status(kind: str, checks: Iterable[Check]) -> Status:
    """The status a set of checks earns for a document of ``kind`` (see module doc)."""
    if kind not in _STATUS_BY_KIND or any(check.ok is False for check in checks):
        return "invalid"
    return _STATUS_BY_KIND[kind]


class VerificationResult:
    """What holds about one document, and why.

    ``source`` is from the verified canonical record, with its version; ``title`` is
    ``paper.title`` (record) or the graph snapshot's title (bundle): a hint, confirmed only
    when a check named ``title`` passed; ``event_count`` is the number of events whose
    content hash and signature verified. (A plain class: no dataclasses import on
    `pithtex check`'s start-up. The class-level Nones are the defaults
    :class:`VerifiedLine` reads.)
    """

    pith_number: PithNumber | None = None
    canonical_sha256: str | None = None
    canonical_record: dict[str, Any] | None = None
    receipt: dict[str, Any] | None = None
    source: ArxivId | None = None
    title: str | None = None
    state_sha256: str | None = None
    event_count: int | None = None
    key_id: str | None = None

    def __init__(
        self,
        kind: Kind,
        status: Status,
        pith_number: PithNumber | None = None,
        canonical_sha256: str | None = None,
        canonical_record: dict[str, Any] | None = None,
        receipt: dict[str, Any] | None = None,
        source: ArxivId | None = None,
        title: str | None = None,
        state_sha256: str | None = None,
        event_count: int | None = None,
        key_id: str | None = None,
        checks: list[Check] | None = None,
    ) -> None:
        self.kind, self.status, self.pith_number, self.canonical_sha256 = kind, status, pith_number, canonical_sha256
        self.canonical_record, self.receipt, self.source, self.title = canonical_record, receipt, source, title
        self.state_sha256, self.event_count, self.key_id = state_sha256, event_count, key_id
        self.checks = [] if checks is None else checks

    def __repr__(self) -> str:
        return f"<VerificationResult {self.summary()}>"

    @classmethod
    def from_checks(cls, kind: Kind, checks: list[Check], **fields: Any) -> VerificationResult:
        return cls(kind=kind, status=derive_status(kind, checks), checks=checks, **fields)

    def add(self, check: Check) -> None:
        """Add a check and re-derive the status."""
        self.checks.append(check)
        self.status = derive_status(self.kind, self.checks)

    @property
    def ok(self) -> bool:
        return self.status == "verified"

    @property
    def acceptable(self) -> bool:
        """Not invalid (``verified``, ``unsigned`` or ``signature-only``): exit 0."""
        return self.status != "invalid"

    @property
    def problems(self) -> list[str]:
        return [check.detail for check in self.checks if check.ok is False]

    @property
    def unverified(self) -> list[str]:
        return [check.detail for check in self.checks if check.ok is None]

    def summary(self) -> str:
        """One line for humans: ``verified pith:... (record, key ...)`` or ``invalid: a; b``."""
        if self.status == "invalid":
            problems = list(dict.fromkeys(self.problems)) or ["not a Pith document"]
            noted = [p for p in problems if p.endswith(UNTRUSTED_NOTE)]
            problems = [p[: -len(UNTRUSTED_NOTE)] if p in noted[1:] else p for p in problems]
            if len(problems) > _SUMMARY_PROBLEMS:
                more = len(problems) - _SUMMARY_PROBLEMS
                problems = [*problems[:_SUMMARY_PROBLEMS], f"and {more} more (--json lists them all)"]
            return "invalid: " + "; ".join(problems)
        what = [self.kind]
        if self.key_id:
            what.append(f"key {self.key_id}")
        unverified = list(dict.fromkeys(self.unverified))
        if len(unverified) > _SUMMARY_PROBLEMS:
            what.append(f"{len(unverified)} unverified, e.g. {unverified[0]} (--json lists them all)")
        elif unverified:
            what.append(f"{len(unverified)} unverified: " + "; ".join(unverified))
        if self.pith_number:
            number = self.pith_number.full
        else:  # a bare receipt names only the digest it signs
            number = f"sha256:{self.canonical_sha256}" if self.canonical_sha256 else "?"
        return f"{self.status} {number} ({', '.join(what)})"

    def to_json(self, path: str) -> dict[str, Any]:
        """The ``pithtex verify --json`` object for this document."""
        return {
            "path": path,
            "kind": self.kind,
            "status": self.status,
            "pith_number": self.pith_number.full if self.pith_number else None,
            "canonical_sha256": self.canonical_sha256,
            "source": str(self.source) if self.source else None,
            "title": self.title,
            "key_id": self.key_id,
            "state_sha256": self.state_sha256,
            "event_count": self.event_count,
            "problems": self.problems,
            "unverified": self.unverified,
            "checks": [check.to_json() for check in self.checks],
        }


class VerifiedLine(VerificationResult):
    """The result for a ``pith.lock`` entry whose line verified in one pass
    (:func:`pithtex.resolve.lockfile._verify_line`): its fields are the entry's, read when asked
    for. What it is kept for: warm ``annotate`` on 20,000 entries built 20,000 full results,
    0.455 s of its 5.8 s under cProfile (benchmarks/RESULTS.md, issue 17)."""

    kind = "record"
    status = "verified"

    def __init__(self, entry: Any, how: str | None = None) -> None:  # (not the base class's __init__)
        self._entry, self._how, self._checks = entry, how, None

    pith_number, canonical_sha256, canonical_record, receipt, source, title, key_id = (  # type: ignore[assignment]
        property(attrgetter(f"_entry.{name}")) for name in
        ("pith_number", "canonical_sha256", "canonical_record", "receipt", "source", "title", "key_id"))

    @property  # type: ignore[override]
    def checks(self) -> list[Check]:
        if self._checks is None:
            entry, how = self._entry, f" ({self._how})" if self._how else ""
            self._checks = [Check("lock_entry", True, f"digest, Pith Number {entry.pith_number.full}, title hash and "
                                                      f"Ed25519 signature under {entry.key_id} verified for {entry.source}{how}")]
        return self._checks
