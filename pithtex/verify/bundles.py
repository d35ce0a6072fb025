"""Open-graph bundles (spec section 7): events, bundle signature, merged state.

A bundle is ``verified`` when: its canonical record is well formed and its
digest and Pith Number are recomputed; a ``record_created`` event, signed by
a trusted key, carries a receipt that verifies over that digest; every event
of a known type verifies (hash, id, signature, payload rules); the bundle
signature verifies over ``bundle_sha256`` (the canonical JSON of the bundle
without ``bundle_signature``, so it covers every other field, including
``public_keys``, ``mirror_hints``, ``links`` and ``built_at``); and the
merged state recomputed from the events equals the stored one. Only
``bundle_signature.signed_at`` is covered by no signature.

Events of unknown types make the state unconfirmed (``ok=None``): the bundle
can still be ``verified`` for its Pith Number, with those events listed as
unverified, never as evidence.
"""

from __future__ import annotations

from typing import Any

from pithtex.verify.checks import (
    Checks,
    check_aliases,
    check_canonical_record,
    check_claimed_digest,
    check_pith_number_fields,
    check_signature_block,
    check_source_field,
    safe_sha256,
    short,
)
from pithtex.verify.events import check_event
from pithtex.verify.keys import TrustStore
from pithtex.verify.result import VerificationResult
from pithtex.verify.state import check_state

__all__ = ["BUNDLE_SIGNATURE_ONLY_FIELDS", "BUNDLE_TYPE", "BUNDLE_VERSION", "bundle_sha256", "verify_bundle"]

BUNDLE_TYPE = "pith_open_graph_bundle"
BUNDLE_VERSION = "1.0"

#: Bundle fields that only the bundle signature protects: no event, receipt or
#: recomputation covers them, and pithtex uses none of them for a decision
#: (``public_keys`` are never trusted; ``merge_version`` only selects whether
#: the state can be recomputed). ``bundle_signature.signed_at`` is covered by
#: no signature at all.
BUNDLE_SIGNATURE_ONLY_FIELDS = (
    "public_keys.*",
    "mirror_hints.*",
    "links.*",
    "built_at",
    "timestamp_proofs.*",
    "merge_version",
    "events[].signature.signed_at",
)


def bundle_sha256(bundle: dict[str, Any]) -> str | None:
    """SHA-256 of the canonical JSON of the bundle without ``bundle_signature``."""
    return safe_sha256({k: v for k, v in bundle.items() if k != "bundle_signature"})


def verify_bundle(doc: Any, trust: TrustStore) -> VerificationResult:
    checks = Checks()
    if not isinstance(doc, dict):
        checks.failed("bundle.shape", "bundle is not an object")
        return VerificationResult.from_checks("bundle", checks)
    kind_problems = [
        f"{name} is {short(doc.get(name))}, not {want!r}"
        for name, want in (("bundle_type", BUNDLE_TYPE), ("bundle_version", BUNDLE_VERSION))
        if doc.get(name) != want
    ]
    if kind_problems:
        checks.failed("bundle_type", "bundle: " + "; ".join(kind_problems))

    # The bundle signature first: it says whether anything below came from a trusted key.
    digest = bundle_sha256(doc)
    block = doc.get("bundle_signature")
    signature_key: str | None = None
    if digest is None:
        checks.failed("bundle_signature.bundle_sha256", "bundle is not serialisable as canonical JSON")
    else:
        claimed = block.get("bundle_sha256") if isinstance(block, dict) else None
        checks.expect(
            "bundle_signature.bundle_sha256",
            claimed == digest,
            "bundle_signature.bundle_sha256 recomputed",
            f"bundle_signature.bundle_sha256 {short(claimed, 24)} is not the digest of the bundle ({digest[:16]}...)",
        )
        outcome = check_signature_block(
            checks, "bundle_signature", block, digest, trust, signed_message="bundle_sha256_bytes"
        )
        signature_key = outcome.key.key_id if outcome.key else None

    facts = check_canonical_record(checks, doc.get("canonical_record"))
    if facts is None:
        return VerificationResult.from_checks("bundle", checks)
    check_claimed_digest(checks, "canonical_sha256", doc.get("canonical_sha256"), facts.digest)
    check_pith_number_fields(checks, "", doc, facts.pith_number)
    check_source_field(checks, "source", doc.get("source"), facts.record)
    check_aliases(checks, "source_aliases", doc.get("source_aliases"), facts)

    events = doc.get("events")
    outcomes = []
    if not isinstance(events, list) or not events:
        checks.failed("events", "events is missing, empty or not a list")
    else:
        outcomes = [check_event(checks, index, event, trust, facts) for index, event in enumerate(events)]
    created = [o for o in outcomes if o.event_type == "record_created" and o.valid and o.receipt_key_id]
    checks.expect(
        "record_created",
        bool(created),
        "a record_created event carries a receipt that verifies over the canonical digest",
        "no valid record_created event with a verified receipt: nothing signs this canonical record",
    )
    proofs = doc.get("timestamp_proofs")
    if proofs:
        checks.unknown("timestamp_proofs", f"{len(proofs) if isinstance(proofs, list) else 'some'} timestamp proofs not verified (format unknown)")

    state_hash = check_state(checks, doc, outcomes) if outcomes else None
    titles = [o.title for o in outcomes if o.title and o.valid]
    return VerificationResult.from_checks(
        "bundle",
        checks,
        pith_number=facts.pith_number,
        canonical_sha256=facts.digest,
        canonical_record=facts.record,
        receipt=_receipt_of(created[0].event) if created else None,
        source=facts.source,
        title=titles[-1] if titles else None,
        state_sha256=state_hash,
        event_count=sum(o.valid is True for o in outcomes),
        key_id=created[0].receipt_key_id if created else signature_key,
    )


def _receipt_of(event: dict[str, Any]) -> dict[str, Any] | None:
    receipt = event.get("payload", {}).get("receipt")
    return receipt if isinstance(receipt, dict) else None
