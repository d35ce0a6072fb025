"""Merged state (spec section 7, ``docs/pith-protocol.md``): recompute ``state`` from the events.

Merge ``pith-open-graph-merge-v1``, as far as it is known (:func:`recompute_state`,
reproduced byte for byte on the real bundle in ``tests/fixtures/pith/``). The
state can only be recomputed when every event is valid and of a known type,
there is exactly one ``record_created``, and nothing uses ``supersedes`` or
``prev_event`` (their rules are unknown). Otherwise the result is "could not be
verified" (``ok=None``), never "valid", and only the parts that depend on known
events alone are compared.
"""

from __future__ import annotations

from typing import Any

from pithtex.verify.checks import Checks, safe_sha256, same_json
from pithtex.verify.events import EventOutcome

__all__ = ["MERGE_VERSION", "STATE_LISTS", "check_state", "recompute_state", "state_sha256"]

MERGE_VERSION = "pith-open-graph-merge-v1"
#: The lists in ``state.current`` for event types other than the two known ones.
STATE_LISTS = (
    "author_attestations",
    "timestamp_anchors",
    "storage_attestations",
    "citation_signatures",
    "replication_records",
    "corrections",
    "mirror_hints",
)


def state_sha256(state: dict[str, Any]) -> str | None:
    """SHA-256 of the canonical JSON of ``state`` without ``state_sha256``."""
    return safe_sha256({k: v for k, v in state.items() if k != "state_sha256"})


def why_not_recomputable(bundle: dict[str, Any], outcomes: list[EventOutcome]) -> str | None:
    if bundle.get("merge_version") != MERGE_VERSION:
        return f"merge_version {bundle.get('merge_version')!r} is unknown"
    unknown = sorted({str(o.event_type) for o in outcomes if o.valid is None})
    if unknown:
        return f"it depends on events whose rules are unknown ({', '.join(unknown)})"
    if any(o.valid is False for o in outcomes):
        return "some events are invalid (how the merge lists them is unknown)"
    if sum(o.event_type == "record_created" for o in outcomes) != 1:
        return "there is not exactly one record_created event"
    for o in outcomes:
        if o.event.get("supersedes") or o.event.get("prev_event") is not None:
            return "events use supersedes/prev_event, whose merge rules are unknown"
    return None


def recompute_state(bundle: dict[str, Any], outcomes: list[EventOutcome]) -> dict[str, Any]:
    """The state for valid events of known types (see the module doc for the rules)."""
    record_created = next(o for o in outcomes if o.event_type == "record_created")
    current: dict[str, Any] = {
        "canonical_record": record_created.event["payload"].get("canonical_record"),
        "source_aliases": bundle.get("source_aliases"),
        "record_created": record_created.state_entry(),
        "graph_snapshots": [o.state_entry() for o in outcomes if o.event_type == "graph_snapshot"],
        **{name: [] for name in STATE_LISTS},
    }
    state: dict[str, Any] = {
        "state_type": "pith_open_graph_state",
        "state_version": "1.0",
        "pith_number": bundle.get("pith_number"),
        "merge_version": bundle.get("merge_version"),
        "event_count": len(outcomes),
        "valid_event_count": len(outcomes),
        "invalid_event_count": 0,
        "equivocation_count": 0,
        "current": current,
        "equivocations": [],
        "invalid_events": [],
        "applied_event_ids": [o.event_id for o in outcomes],
    }
    state["state_sha256"] = state_sha256(state)
    return state


def _first_difference(a: Any, b: Any, path: str = "state") -> str:
    """Where two JSON values first differ, as a dotted path (for the message)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}"
            if not same_json(a[key], b[key]):
                return _first_difference(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b)):
            if not same_json(x, y):
                return _first_difference(x, y, f"{path}[{index}]")
    return path


def check_state(checks: Checks, bundle: dict[str, Any], outcomes: list[EventOutcome]) -> str | None:
    """Compare the bundle's ``state`` with the state recomputed from its events: its
    state_sha256 when the stored state was confirmed."""
    stored = bundle.get("state")
    if not isinstance(stored, dict):
        checks.failed("state.shape", "state is missing or not an object")
        return None
    own_hash = state_sha256(stored)
    if not checks.expect(
        "state.state_sha256",
        own_hash is not None and stored.get("state_sha256") == own_hash,
        "state.state_sha256 matches the stored state",
        f"state.state_sha256 {str(stored.get('state_sha256'))[:24]!r} is not the digest of the stored state",
    ):
        return None
    reason = why_not_recomputable(bundle, outcomes)
    if reason is None:
        mine = recompute_state(bundle, outcomes)
        if same_json(mine, stored):
            checks.passed("state.merge", f"state recomputed from {len(outcomes)} events: {own_hash}")
            return own_hash
        checks.failed(
            "state.merge",
            f"state does not match the state recomputed from the events (first difference at {_first_difference(stored, mine)})",
        )
        return None
    # Compare what depends only on known, valid events, and leave the rest unconfirmed.
    created = [o for o in outcomes if o.event_type == "record_created" and o.valid]
    current = stored.get("current")
    if len(created) == 1 and isinstance(current, dict):
        entry = created[0].state_entry()
        consistent = same_json(current.get("record_created"), entry) and same_json(
            current.get("canonical_record"), entry["payload"].get("canonical_record")
        )
        checks.expect(
            "state.record_created",
            consistent,
            "state.current.record_created is the record_created event",
            "state.current.record_created or canonical_record is not the record_created event's",
        )
    checks.unknown("state.merge", f"state could not be recomputed: {reason}; state_sha256 unconfirmed")
    return None
