"""Verify any Pith document: classify it, dispatch, and check the arXiv id asked for.

A document carrying ``canonical_record`` without any receipt (the JSON-LD view)
is a ``canonical_record``: ``unsigned`` at best. Nothing here raises on bad
content: wrong shapes and types become failed checks, and unreadable bytes an
``invalid`` result naming the reason.
"""

from __future__ import annotations

from typing import Any

from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import PithNumber
from pithtex.verify.bundles import verify_bundle
from pithtex.verify.canonical import StrictJSONError, load_signed_json, validate_json_value
from pithtex.verify.checks import Checks
from pithtex.verify.keys import TrustStore
from pithtex.verify.receipts import verify_receipt
from pithtex.verify.records import verify_canonical_record, verify_record, verify_wrapped_canonical_record
from pithtex.verify.result import Check, Kind, VerificationResult

__all__ = ["classify", "verify_document", "verify_json_bytes"]


def classify(doc: object) -> Kind:
    """Which kind of Pith document ``doc`` is (``"unknown"`` when none)."""
    if not isinstance(doc, dict):
        return "unknown"
    if doc.get("bundle_type") == "pith_open_graph_bundle" or {"events", "state", "bundle_signature"} <= doc.keys():
        return "bundle"
    if doc.get("kind") == "pith_receipt":
        return "receipt"
    if doc.get("record_type") == "pith_number_record" or {"canonical_record", "receipt"} <= doc.keys():
        return "record"
    if "canonical_record" in doc or {"source", "metadata", "schema_version"} <= doc.keys():
        return "canonical_record"
    return "unknown"


def verify_document(
    doc: object,
    trust: TrustStore,
    *,
    expected: ArxivId | None = None,
    expected_pith: PithNumber | str | None = None,
) -> VerificationResult:
    """Verify one parsed document.

    ``expected`` is the arXiv id the caller asked for (its version too, when
    it names one); ``expected_pith`` the Pith Number (full form, or the bare
    suffix) the caller asked for, e.g. the suffix in the URL it fetched. A
    valid document for anything else is ``invalid``.
    """
    try:
        validate_json_value(doc)
    except StrictJSONError as exc:
        return _invalid("json", f"not strict JSON: {exc}", classify(doc) if isinstance(doc, dict) else "unknown")
    kind = classify(doc)
    if kind == "unknown":
        what = "an object" if isinstance(doc, dict) else f"a JSON {_json_type(doc)}"
        return _invalid(
            "kind", f"not a Pith document: {what} that is not a record, bundle, canonical record or receipt"
        )
    assert isinstance(doc, dict)
    if kind == "bundle":
        result = verify_bundle(doc, trust)
    elif kind == "receipt":
        result = verify_receipt(doc, trust)
    elif kind == "record":
        result = verify_record(doc, trust)
    elif "canonical_record" in doc:
        result = verify_wrapped_canonical_record(doc, trust)
    else:
        result = verify_canonical_record(doc, trust)
    if expected is not None:
        result.add(_expected_check(result, expected))
    if expected_pith is not None:
        result.add(_expected_pith_check(result, expected_pith))
    return result


def _expected_pith_check(result: VerificationResult, expected: PithNumber | str) -> Check:
    wanted = expected.full if isinstance(expected, PithNumber) else expected
    if result.pith_number is None:
        return Check("expected_pith", False, f"cannot confirm the document is for {wanted}: no Pith Number computed")
    if wanted in (result.pith_number.full, result.pith_number.suffix):  # a full number is never a suffix
        return Check("expected_pith", True, f"the document is for {wanted}")
    return Check("expected_pith", False, f"document is for {result.pith_number.full}, not {wanted}")


def _expected_check(result: VerificationResult, expected: ArxivId) -> Check:
    if result.source is None:
        if result.kind == "receipt":
            return Check("expected", False, f"a bare receipt does not name its paper; cannot confirm it is for {expected}")
        return Check("expected", False, f"cannot confirm the document is for {expected}: no valid canonical record")
    if result.source.id == expected.id and expected.version in (None, result.source.version):
        return Check("expected", True, f"the canonical record is for {expected}")
    return Check("expected", False, f"record is for {result.source}, not {expected}")


def verify_json_bytes(
    data: bytes,
    trust: TrustStore,
    expected: ArxivId | None = None,
    *,
    expected_pith: PithNumber | str | None = None,
) -> VerificationResult:
    """Parse strictly (:func:`load_signed_json`) and verify; bad JSON is ``invalid`` with the reason."""
    try:
        doc = load_signed_json(data)
    except StrictJSONError as exc:
        return _invalid("json", str(exc))
    return verify_document(doc, trust, expected=expected, expected_pith=expected_pith)


def _invalid(name: str, detail: str, kind: Kind = "unknown") -> VerificationResult:
    checks = Checks()
    checks.failed(name, detail)
    return VerificationResult.from_checks(kind, checks)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", str: "string", list: "array"}.get(type(value), type(value).__name__)
