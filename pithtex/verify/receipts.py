"""Receipts: the registry's Ed25519 signature over a canonical record's digest.

A receipt signs exactly one thing, the 32 raw bytes of ``canonical_sha256``.
Its timestamps (``signed_at``, ``first_computed_at``, ``last_reissued_at``)
and ``builder_version`` are covered by no signature: they are shown, never
trusted.
"""

from __future__ import annotations

from typing import Any

from pithtex.verify.checks import Checks, SignatureOutcome, check_signature_block, is_sha256_hex, short
from pithtex.verify.keys import TrustStore
from pithtex.verify.result import VerificationResult

__all__ = ["RECEIPT_VERSION", "check_receipt", "verify_receipt"]

RECEIPT_VERSION = "0.3"


def check_receipt(checks: Checks, where: str, receipt: Any, digest: str, trust: TrustStore) -> SignatureOutcome:
    """Check a receipt against the digest recomputed from its canonical record."""
    if not isinstance(receipt, dict):
        checks.failed(f"{where}.shape", f"{where} is missing or not an object")
        return SignatureOutcome(None, None)
    bad: list[str] = []
    if receipt.get("kind") != "pith_receipt":
        bad.append(f"kind is {short(receipt.get('kind'))}, not 'pith_receipt'")
    if receipt.get("receipt_version") != RECEIPT_VERSION:
        bad.append(f"receipt_version {short(receipt.get('receipt_version'))} is not supported (expected '0.3')")
    if bad:
        checks.failed(f"{where}.kind", f"{where}: " + "; ".join(bad))
    claimed = receipt.get("canonical_sha256")
    checks.expect(
        f"{where}.canonical_sha256",
        claimed == digest,
        f"{where}.canonical_sha256 matches the recomputed digest",
        f"{where}.canonical_sha256 {short(claimed, 24)} is not the digest of the canonical record ({digest[:16]}...)",
    )
    return check_signature_block(
        checks, where, receipt, digest, trust, signed_message="canonical_sha256_bytes"
    )


def verify_receipt(doc: Any, trust: TrustStore) -> VerificationResult:
    """A bare receipt: ``signature-only`` when its signature verifies over its own digest.

    Nothing ties the digest to a paper: the record itself was not given.
    """
    checks = Checks()
    digest = doc.get("canonical_sha256") if isinstance(doc, dict) else None
    if not is_sha256_hex(digest):
        checks.failed("receipt.canonical_sha256", f"receipt.canonical_sha256 {short(digest, 24)} is not a SHA-256 hex digest")
        return VerificationResult.from_checks("receipt", checks, receipt=doc if isinstance(doc, dict) else None)
    outcome = check_receipt(checks, "receipt", doc, digest, trust)
    return VerificationResult.from_checks(
        "receipt", checks, canonical_sha256=digest, receipt=doc, key_id=outcome.key_id if outcome.key else None
    )
