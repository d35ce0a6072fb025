"""Make real signed Pith material with keys the tests generate.

Nothing here is a mock: records are built exactly as the registry builds them
(canonical JSON, SHA-256, Ed25519 over the 32 raw digest bytes), so the
verifier under test checks them the same way it checks the real fixtures.
A test that wants pithtex to accept them must trust the key explicitly
(``TestKey.write_key_file`` + ``--trust-key`` / ``PITHTEX_TRUST_KEYS``).
"""

from __future__ import annotations

import base64
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
