"""Signed open-graph events (spec section 6).

Each event carries ``content_sha256`` (SHA-256 of the canonical JSON of the
event without ``signature``, ``content_sha256`` and ``event_id``),
``event_id`` = ``"sha256:" + content_sha256``, and an Ed25519 signature over
the 32 raw bytes of ``content_sha256``. Only two event types have known
payload rules, ``record_created`` and ``graph_snapshot``; every other type is
reported as "could not be verified" (``ok=None``) and never counts as valid.
The signature's own ``signed_at`` is outside the signed content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pithtex.verify.checks import (
    CanonicalFacts,
    Checks,
    check_claimed_digest,
    check_paper,
    check_signature_block,
    is_timestamp,
    safe_sha256,
    same_json,
    short,
)
from pithtex.verify.keys import TrustStore
from pithtex.verify.receipts import check_receipt

__all__ = ["KNOWN_EVENT_TYPES", "EventOutcome", "check_event", "event_content_sha256"]

KNOWN_EVENT_TYPES = ("record_created", "graph_snapshot")
_UNSIGNED_EVENT_KEYS = ("signature", "content_sha256", "event_id")


def event_content_sha256(event: dict[str, Any]) -> str | None:
    """The digest an event's signature covers (``None`` if not serialisable)."""
    return safe_sha256({k: v for k, v in event.items() if k not in _UNSIGNED_EVENT_KEYS})


@dataclass
class EventOutcome:
    """What one event established.

    ``valid`` is True when every check on it passed (hash, id, signature
    under a trusted key, and the payload rules of a known type), False when
    any failed, None when its type (or signer) is unknown.
    """

    index: int
    event: Any
    event_type: str | None
    event_id: str | None
    valid: bool | None
    key_id: str | None = None
    title: str | None = None
    #: The receipt's verifying key id, for a valid ``record_created`` event.
    receipt_key_id: str | None = None

    def state_entry(self) -> dict[str, Any]:
        """The event as it appears in merged state (``state.current``)."""
        return {name: self.event.get(name) for name in ("event_id", "target", "created_at", "signer", "payload")}


def check_event(checks: Checks, index: int, event: Any, trust: TrustStore, facts: CanonicalFacts) -> EventOutcome:
    """Check one event of the document whose canonical record is ``facts``."""
    at = f"events[{index}]"
    mine = Checks()
    if not isinstance(event, dict):
        mine.failed(f"{at}.shape", f"{at} is not an object")
        checks.extend(mine)
        return EventOutcome(index, event, None, None, False)
    event_type = event.get("event_type")
    known = event_type in KNOWN_EVENT_TYPES
    label = f"{at} ({event_type})" if isinstance(event_type, str) else at
    shape: list[str] = []
    if not isinstance(event_type, str):
        shape.append("event_type is missing or not a string")
    for name, kind in (("target", str), ("payload", dict), ("signer", dict), ("supersedes", list)):
        if not isinstance(event.get(name), kind):
            shape.append(f"{name} is missing or not a {kind.__name__ if kind is not dict else 'object'}")
    if not is_timestamp(event.get("created_at")):
        shape.append(f"created_at {short(event.get('created_at'))} is not a timestamp")
    if shape:
        mine.failed(f"{at}.shape", f"{label}: " + "; ".join(shape))

    content = event_content_sha256(event)
    event_id = event.get("event_id") if isinstance(event.get("event_id"), str) else None
    if content is None:
        mine.failed(f"{at}.content_sha256", f"{label}: not serialisable as canonical JSON")
        checks.extend(mine)
        return EventOutcome(index, event, event_type, event_id, False)
    mine.expect(
        f"{at}.content_sha256",
        event.get("content_sha256") == content,
        f"{label}: content_sha256 recomputed",
        f"{label}: content_sha256 {short(event.get('content_sha256'), 24)} is not the digest of the event ({content[:16]}...)",
    )
    mine.expect(
        f"{at}.event_id",
        event.get("event_id") == f"sha256:{content}",
        f"{label}: event_id recomputed",
        f"{label}: event_id {short(event.get('event_id'), 30)} is not sha256:{content[:16]}...",
    )
    mine.expect(
        f"{at}.subject",
        event.get("subject_pith_number") == facts.pith_number.full,
        f"{label}: subject is {facts.pith_number.full}",
        f"{label}: subject_pith_number {short(event.get('subject_pith_number'))} is not {facts.pith_number.full}",
    )
    signature = event.get("signature")
    outcome = check_signature_block(
        mine,
        f"{at}.signature",
        signature,
        content,
        trust,
        signed_message="open_graph_event_sha256_bytes",
        untrusted_is_unknown=not known,
    )
    signer = event.get("signer")
    if isinstance(signer, dict) and isinstance(signature, dict):
        same_signer = all(signer.get(k) == signature.get(k) for k in ("key_id", "public_key_fingerprint"))
        mine.expect(
            f"{at}.signer",
            same_signer,
            f"{label}: signer names the signing key",
            f"{label}: signer {short(signer.get('key_id'))} is not the key that signed ({short(signature.get('key_id'))})",
        )

    result = EventOutcome(index, event, event_type, event_id, None, outcome.key_id if outcome.key else None)
    if known:
        _check_known_payload(mine, label, event, trust, facts, result)
    else:
        mine.unknown(
            f"{at}.type",
            f"{label}: event type {short(event_type)} has no known rules; not verified and not counted as evidence",
        )
    checks.extend(mine)
    if mine.any_failed:
        result.valid = False
    elif known and outcome.key is not None:
        result.valid = True
    return result


def _check_known_payload(
    checks: Checks, label: str, event: dict[str, Any], trust: TrustStore, facts: CanonicalFacts, result: EventOutcome
) -> None:
    payload = event.get("payload")
    if not isinstance(payload, dict):
        return  # already reported by the shape check
    at = label.split(" ")[0]
    target = "record" if event["event_type"] == "record_created" else "graph"
    checks.expect(
        f"{at}.target",
        event.get("target") == target,
        f"{label}: target is {target}",
        f"{label}: target {short(event.get('target'))} is not {target!r}",
    )
    if target == "record":
        checks.expect(
            f"{at}.canonical_record",
            same_json(payload.get("canonical_record"), facts.record),
            f"{label}: payload.canonical_record is the document's canonical record",
            f"{label}: payload.canonical_record is not the document's canonical record",
        )
        check_claimed_digest(checks, f"{at}.payload.canonical_sha256", payload.get("canonical_sha256"), facts.digest)
        source = facts.record["source"]
        mismatched = [
            f"{name} {short(payload.get(name))} is not {source[key]!r}"
            for name, key in (("source_kind", "kind"), ("source_id", "id"), ("source_version", "version"))
            if not same_json(payload.get(name), source[key])
        ]
        if mismatched:
            checks.failed(f"{at}.payload.source", f"{label}: payload " + "; ".join(mismatched))
        else:
            checks.passed(f"{at}.payload.source", f"{label}: payload source fields match")
        receipt = check_receipt(checks, f"{at}.payload.receipt", payload.get("receipt"), facts.digest, trust)
        result.receipt_key_id = receipt.key_id if receipt.key else None
    else:  # graph_snapshot
        snapshot = payload.get("graph_snapshot")
        if not isinstance(snapshot, dict):
            checks.failed(f"{at}.payload", f"{label}: payload.graph_snapshot is missing or not an object")
            return
        if "source" in snapshot:
            checks.expect(
                f"{at}.payload.source",
                same_json(snapshot["source"], facts.record["source"]),
                f"{label}: snapshot source is the canonical source",
                f"{label}: snapshot source {short(snapshot['source'], 80)} is not the canonical source",
            )
        result.title = check_paper(checks, f"{at}.payload.graph_snapshot.paper", snapshot.get("paper"), facts)
