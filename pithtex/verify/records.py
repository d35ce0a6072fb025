"""Pith Number records (``/pith/<suffix>.json``) and bare canonical records.

What a record's signature covers: only the canonical record (through its
digest, signed by the receipt). Everything else in a record is a copy that
pithtex checks against the canonical record where it can (``pith_number``,
``short_pith_number``, ``canonical_sha256``, ``source``, ``aliases``,
``paper.submitted_at/primary_cat/license/cross_cats``, ``paper.title``
against ``title_canon_sha256``, ``graph_snapshot.source`` and
``graph_snapshot.paper``), and otherwise never trusts. The fields that no
signature covers and that nothing can check are listed in
:data:`UNSIGNED_RECORD_FIELDS`; pithtex never uses them for a decision.
"""

from __future__ import annotations

from typing import Any

from pithtex.verify.checks import (
    Checks,
    check_aliases,
    check_canonical_record,
    check_claimed_digest,
    check_paper,
    check_pith_number_fields,
    check_source_field,
    same_json,
    short,
)
from pithtex.verify.events import check_event
from pithtex.verify.keys import TrustStore
from pithtex.verify.receipts import check_receipt
from pithtex.verify.result import VerificationResult

__all__ = ["UNSIGNED_RECORD_FIELDS", "verify_canonical_record", "verify_record"]

#: Record fields covered by no signature and checked against nothing: shown
#: at most, never trusted. (``paper.title`` is a hint confirmed through
#: ``title_canon_sha256``; it is not in this list.) Paths use ``[]`` for
#: "any list element" and a trailing ``.*`` for "anything below".
UNSIGNED_RECORD_FIELDS = (
    "schema_url",
    "schema_version",
    "attestation_state",
    "paper.headline",
    "paper.authors_text",
    "paper.abstract_excerpt",
    "verification_status.*",
    "receipt.signed_at",
    "receipt.first_computed_at",
    "receipt.last_reissued_at",
    "receipt.builder_version",
    "aliases[].created_at",
    "graph_snapshot.paper.headline",
    "graph_snapshot.paper.authors_text",
    "graph_snapshot.paper.abstract_excerpt",
    "graph_snapshot.claims.*",
    "graph_snapshot.verdict.*",
    "graph_snapshot.integrity.*",
    "graph_snapshot.references.*",
    "graph_snapshot.formal_canon.*",
    "graph_snapshot.author_claims.*",
    "graph_snapshot.builder_version",
    "event_summary.*",
    "paper_claims.*",
    "inbound_citations.*",
    "formal_canon.*",
    "links.*",
    "agent_actions.*",
    "created_at",
    "updated_at",
)


def verify_record(doc: Any, trust: TrustStore) -> VerificationResult:
    """A ``pith_number_record``: the canonical record, its receipt, and every checkable copy."""
    checks = Checks()
    if not isinstance(doc, dict):
        checks.failed("record.shape", "record is not an object")
        return VerificationResult.from_checks("record", checks)
    if doc.get("record_type", "pith_number_record") != "pith_number_record":
        checks.failed("record_type", f"record_type {short(doc.get('record_type'))} is not 'pith_number_record'")
    facts = check_canonical_record(checks, doc.get("canonical_record"))
    if facts is None:
        return VerificationResult.from_checks("record", checks, receipt=_dict_or_none(doc.get("receipt")))
    check_claimed_digest(checks, "canonical_sha256", doc.get("canonical_sha256"), facts.digest)
    check_pith_number_fields(checks, "", doc, facts.pith_number)
    check_source_field(checks, "source", doc.get("source"), facts.record)
    check_aliases(checks, "aliases", doc.get("aliases"), facts, required=False)
    receipt = check_receipt(checks, "receipt", doc.get("receipt"), facts.digest, trust)
    title = check_paper(checks, "paper", doc.get("paper"), facts)
    snapshot = doc.get("graph_snapshot")
    if snapshot is not None:
        if not isinstance(snapshot, dict):
            checks.failed("graph_snapshot", "graph_snapshot is not an object")
        else:
            if "source" in snapshot:
                check_source_field(checks, "graph_snapshot.source", snapshot["source"], facts.record)
            check_paper(checks, "graph_snapshot.paper", snapshot.get("paper"), facts)
    events = doc.get("events")
    valid_events = 0
    if events is not None and not isinstance(events, list):
        checks.failed("events", "events is not a list")
    elif events:
        for index, event in enumerate(events):
            outcome = check_event(checks, index, event, trust, facts)
            valid_events += outcome.valid is True
    return VerificationResult.from_checks(
        "record",
        checks,
        pith_number=facts.pith_number,
        canonical_sha256=facts.digest,
        canonical_record=facts.record,
        receipt=_dict_or_none(doc.get("receipt")),
        source=facts.source,
        title=title,
        event_count=valid_events,
        key_id=receipt.key.key_id if receipt.key else None,
    )


def verify_canonical_record(doc: Any, trust: TrustStore | None = None) -> VerificationResult:
    """A bare canonical record: digest and Pith Number computed, nothing signed (``unsigned``)."""
    checks = Checks()
    facts = check_canonical_record(checks, doc)
    if facts is None:
        return VerificationResult.from_checks("canonical_record", checks)
    return VerificationResult.from_checks(
        "canonical_record",
        checks,
        pith_number=facts.pith_number,
        canonical_sha256=facts.digest,
        canonical_record=facts.record,
        source=facts.source,
    )


def verify_wrapped_canonical_record(doc: dict[str, Any], trust: TrustStore | None = None) -> VerificationResult:
    """A document that carries ``canonical_record`` but no receipt (e.g. the JSON-LD view).

    It is ``unsigned``; any ``pith_number``/``canonical_sha256``/``source``
    it claims must still agree with the canonical record.
    """
    result = verify_canonical_record(doc.get("canonical_record"), trust)
    if result.pith_number is None or result.canonical_record is None:
        return result
    checks = Checks(result.checks)
    if "canonical_sha256" in doc:
        check_claimed_digest(checks, "canonical_sha256", doc["canonical_sha256"], result.canonical_sha256 or "")
    if "pith_number" in doc:
        checks.expect(
            "pith_number",
            doc["pith_number"] == result.pith_number.full,
            "pith_number recomputed",
            f"pith_number {short(doc['pith_number'])} is not the recomputed {result.pith_number.full}",
        )
    if "source" in doc and not same_json(doc["source"], result.canonical_record["source"]):
        checks.failed("source", "source is not the canonical record's source")
    result.checks = list(checks)
    result.status = VerificationResult.from_checks("canonical_record", result.checks).status
    return result


def _dict_or_none(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None
