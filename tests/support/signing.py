"""Make real signed Pith material with keys the tests generate.

Nothing here is a mock: records are built exactly as the registry builds them
(canonical JSON, SHA-256, Ed25519 over the 32 raw digest bytes), so the
verifier under test checks them the same way it checks the real fixtures.
A test that wants pithtex to accept them must trust the key explicitly
(``TestKey.write_key_file`` + ``--trust-key`` / ``PITHTEX_TRUST_KEYS``).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pithtex.ids.pith_number import derive_pith_number
from pithtex.verify.canonical import canonical_sha256

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pith"
REAL_RECORDS = {
    "2511.00066": FIXTURES / "record-SPDDBVRNS36U3W2AYSQMMOTDSD.json",
    "2606.01249": FIXTURES / "record-3VRARFE3CFBERUCMJGDAWSCMAE.json",
}
REAL_BUNDLE = FIXTURES / "bundle-C7HZCGQ4XG57XBILJLQGM22JGT.json"  # arXiv 2602.19327v3


def load_fixture(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def title_canon_sha256(title: str) -> str:
    return hashlib.sha256(" ".join(title.lower().split()).encode("utf-8")).hexdigest()


@dataclass
class TestKey:
    """An Ed25519 key pair generated for a test."""

    key_id: str = "pithtex-test-key"
    private_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    __test__ = False  # not a pytest test class

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def fingerprint_hex(self) -> str:
        return hashlib.sha256(self.public_bytes).digest()[:16].hex()

    def key_document(self) -> dict[str, Any]:
        """The key in the registry's ``pith-signing-key.json`` / ``public_keys`` shape."""
        digest = hashlib.sha256(self.public_bytes).digest()
        return {
            "key_id": self.key_id,
            "algorithm": "ed25519",
            "format": "raw",
            "public_key_b64": base64.b64encode(self.public_bytes).decode(),
            "public_key_hex": self.public_bytes.hex(),
            "fingerprint_sha256_hex": digest[:16].hex(),
            "fingerprint_sha256_b32_first128bits": base64.b32encode(digest).decode()[:26],
            "rotates_at": None,
        }

    def write_key_file(self, path: Path) -> Path:
        path.write_text(json.dumps(self.key_document(), indent=2), encoding="utf-8")
        return path

    def sign_hex_digest(self, hex_digest: str) -> str:
        return base64.b64encode(self.private_key.sign(bytes.fromhex(hex_digest))).decode()

    def signer(self) -> dict[str, Any]:
        return {
            "signer_id": "pithtex-tests",
            "signer_type": "pith_registry",
            "key_id": self.key_id,
            "public_key_fingerprint": self.fingerprint_hex,
        }


def make_canonical_record(
    arxiv_id: str,
    version: int,
    title: str,
    *,
    submitted_at: str = "2024-03-01T12:00:00Z",
    primary_cat: str = "cs.LG",
    cross_cats: tuple[str, ...] = (),
    license: str = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
    abstract: str = "An abstract.",
) -> dict[str, Any]:
    return {
        "source": {"id": arxiv_id, "kind": "arxiv", "version": version},
        "metadata": {
            "license": license,
            "primary_cat": primary_cat,
            "cross_cats_sorted": sorted(cross_cats),
            "submitted_at": submitted_at,
            "title_canon_sha256": title_canon_sha256(title),
            "abstract_canon_sha256": hashlib.sha256(abstract.encode()).hexdigest(),
        },
        "schema_version": "1.0",
    }


def make_receipt(key: TestKey, digest: str, *, when: str = "2024-03-02T00:00:00.000000Z") -> dict[str, Any]:
    return {
        "kind": "pith_receipt",
        "key_id": key.key_id,
        "algorithm": "ed25519",
        "signed_at": when,
        "signature_b64": key.sign_hex_digest(digest),
        "signed_message": "canonical_sha256_bytes",
        "builder_version": "pithtex-tests",
        "receipt_version": "0.3",
        "canonical_sha256": digest,
        "last_reissued_at": when,
        "signature_status": "signed_v1",
        "first_computed_at": when,
        "public_key_fingerprint": key.fingerprint_hex,
    }


def make_record(
    key: TestKey,
    arxiv_id: str,
    version: int,
    title: str,
    *,
    authors: str = "A. Author, B. Author",
    **canonical_kwargs: Any,
) -> dict[str, Any]:
    """A complete ``pith_number_record``, as served at ``/pith/<suffix>.json``."""
    canonical = make_canonical_record(arxiv_id, version, title, **canonical_kwargs)
    digest = canonical_sha256(canonical)
    number = derive_pith_number(digest, canonical["metadata"]["submitted_at"])
    when = "2024-03-02T00:00:00.000000+00:00"
    aliases = [
        {"alias_kind": "arxiv", "alias_value": arxiv_id, "created_at": when},
        {"alias_kind": "arxiv_version", "alias_value": f"{arxiv_id}v{version}", "created_at": when},
        {"alias_kind": "doi", "alias_value": f"10.48550/arxiv.{arxiv_id}", "created_at": when},
    ] + [
        {"alias_kind": f"pith_short_{n}", "alias_value": number.suffix[:n], "created_at": when}
        for n in (8, 12, 16)
    ]
    meta = canonical["metadata"]
    return {
        "record_type": "pith_number_record",
        "schema_url": "https://pith.science/schemas/pith-number/v1.json",
        "pith_number": number.full,
        "short_pith_number": number.short,
        "schema_version": "1.0",
        "canonical_sha256": digest,
        "source": {"kind": "arxiv", "id": arxiv_id, "version": version},
        "attestation_state": "computed",
        "paper": {
            "title": title,
            "license": meta["license"],
            "headline": "",
            "cross_cats": list(meta["cross_cats_sorted"]),
            "primary_cat": meta["primary_cat"],
            "authors_text": authors,
            "submitted_at": meta["submitted_at"],
            "abstract_excerpt": "",
        },
        "verification_status": {"content_addressed": True, "pith_receipt": True},
        "canonical_record": canonical,
        "receipt": make_receipt(key, digest),
        "aliases": aliases,
        "events": [],
        "inbound_citations": {"count": 0, "sample": []},
        "links": {},
        "agent_actions": {},
        "created_at": when,
        "updated_at": when,
    }


def sign_event(key: TestKey, event: dict[str, Any]) -> dict[str, Any]:
    """Add ``content_sha256``, ``event_id`` and ``signature`` to an unsigned event."""
    unsigned = {k: v for k, v in event.items() if k not in ("signature", "content_sha256", "event_id")}
    content = canonical_sha256(unsigned)
    return {
        **unsigned,
        "signature": {
            "signature_status": "signed_v1",
            "algorithm": "ed25519",
            "key_id": key.key_id,
            "public_key_fingerprint": key.fingerprint_hex,
            "signature_b64": key.sign_hex_digest(content),
            "signed_message": "open_graph_event_sha256_bytes",
            "signed_at": "2024-03-03T00:00:00.000000Z",
        },
        "content_sha256": content,
        "event_id": f"sha256:{content}",
    }


def make_event(
    key: TestKey,
    event_type: str,
    subject: str,
    target: str,
    payload: dict[str, Any],
    created_at: str = "2024-03-02T00:00:00Z",
) -> dict[str, Any]:
    """A signed open-graph event (spec section 6), in the real bundle's shape."""
    return sign_event(
        key,
        {
            "event_type": event_type,
            "subject_pith_number": subject,
            "target": target,
            "payload": payload,
            "signer": key.signer(),
            "created_at": created_at,
            "supersedes": [],
            "prev_event": None,
            "schema_version": "1.0",
        },
    )


def _state_entry(event: dict[str, Any]) -> dict[str, Any]:
    return {name: event[name] for name in ("event_id", "target", "created_at", "signer", "payload")}


def merged_state(bundle: dict[str, Any]) -> dict[str, Any]:
    """The ``pith-open-graph-merge-v1`` state for a bundle whose events are all
    ``record_created``/``graph_snapshot`` (written out independently of pithtex's
    merge, from the real bundle's state)."""
    events = bundle["events"]
    record = next(e for e in events if e["event_type"] == "record_created")
    lists = ("author_attestations", "timestamp_anchors", "storage_attestations", "citation_signatures",
             "replication_records", "corrections", "mirror_hints")
    state: dict[str, Any] = {
        "state_type": "pith_open_graph_state",
        "state_version": "1.0",
        "pith_number": bundle["pith_number"],
        "merge_version": bundle["merge_version"],
        "event_count": len(events),
        "valid_event_count": len(events),
        "invalid_event_count": 0,
        "equivocation_count": 0,
        "current": {
            "canonical_record": record["payload"]["canonical_record"],
            "source_aliases": bundle["source_aliases"],
            "graph_snapshots": [_state_entry(e) for e in events if e["event_type"] == "graph_snapshot"],
            **{name: [] for name in lists},
            "record_created": _state_entry(record),
        },
        "equivocations": [],
        "invalid_events": [],
        "applied_event_ids": [e["event_id"] for e in events],
    }
    state["state_sha256"] = canonical_sha256(state)
    return state


def sign_bundle(key: TestKey, bundle: dict[str, Any]) -> dict[str, Any]:
    """(Re-)sign a bundle: ``bundle_sha256`` over everything but ``bundle_signature``."""
    unsigned = {k: v for k, v in bundle.items() if k != "bundle_signature"}
    digest = canonical_sha256(unsigned)
    return {
        **unsigned,
        "bundle_signature": {
            "signature_status": "signed_v1",
            "algorithm": "ed25519",
            "key_id": key.key_id,
            "public_key_fingerprint": key.fingerprint_hex,
            "signature_b64": key.sign_hex_digest(digest),
            "signed_message": "bundle_sha256_bytes",
            "signed_at": "2024-03-03T00:00:00.000000Z",
            "bundle_sha256": digest,
        },
    }


def make_bundle(
    key: TestKey,
    arxiv_id: str,
    version: int,
    title: str,
    *,
    extra_events: tuple[dict[str, Any], ...] = (),
    authors: str = "A. Author, B. Author",
    **canonical_kwargs: Any,
) -> dict[str, Any]:
    """A complete signed ``pith_open_graph_bundle`` in the real bundle's shape.

    Events: ``record_created`` (with a receipt by ``key``), ``graph_snapshot``,
    then ``extra_events`` (already signed, e.g. by :func:`make_event`). The
    state is merged only when every event is of a known type; otherwise the
    state covers the known events and the verifier must report it unconfirmed.
    """
    record = make_record(key, arxiv_id, version, title, authors=authors, **canonical_kwargs)
    canonical, digest = record["canonical_record"], record["canonical_sha256"]
    number = record["pith_number"]
    when = "2024-03-02T00:00:00Z"
    created = make_event(
        key,
        "record_created",
        number,
        "record",
        {
            "canonical_record": canonical,
            "canonical_sha256": digest,
            "receipt": record["receipt"],
            "source_kind": "arxiv",
            "source_id": arxiv_id,
            "source_version": version,
            "attestation_state": "computed",
        },
        when,
    )
    snapshot = make_event(
        key,
        "graph_snapshot",
        number,
        "graph",
        {"graph_snapshot": {"paper": record["paper"], "source": canonical["source"], "builder_version": "pithtex-tests"},
         "verdict_id": None},
        when,
    )
    suffix = number.rsplit(":", 1)[1]
    aliases = [{**alias, "created_at": when} for alias in record["aliases"]]
    bundle: dict[str, Any] = {
        "bundle_type": "pith_open_graph_bundle",
        "bundle_version": "1.0",
        "pith_number": number,
        "short_pith_number": record["short_pith_number"],
        "canonical_record": canonical,
        "canonical_sha256": digest,
        "source": {"kind": "arxiv", "id": arxiv_id, "version": version},
        "source_aliases": aliases,
        "events": [created, snapshot, *extra_events],
        "timestamp_proofs": [],
        "mirror_hints": [],
        "public_keys": [key.key_document()],
        "merge_version": "pith-open-graph-merge-v1",
        "built_at": "2024-03-03T00:00:00Z",
        "links": {"bundle": f"https://pith.example/pith/{suffix}/bundle.json"},
    }
    known = {**bundle, "events": [created, snapshot]}
    bundle["state"] = merged_state(known if extra_events else bundle)
    return sign_bundle(key, bundle)


def with_leaf(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A deep copy of ``doc`` with the value at ``path`` (keys and indexes) replaced."""
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc
