"""Flip every leaf of the real records and bundle; flip single bits of signatures and digests.

Every variant must be ``invalid`` for the right reason, unless the field is
one that no signature covers (``UNSIGNED_RECORD_FIELDS``) or only the bundle
signature covers (``BUNDLE_SIGNATURE_ONLY_FIELDS``): those are listed in the
verifier, never used for a decision, and a flip there must leave the verdict
(and the Pith Number, source and digest) unchanged.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from pithtex.verify.bundles import BUNDLE_SIGNATURE_ONLY_FIELDS
from pithtex.verify.document import verify_document
from pithtex.verify.keys import TrustStore, parse_key_document
from pithtex.verify.records import UNSIGNED_RECORD_FIELDS
from tests.support.signing import REAL_BUNDLE, REAL_RECORDS, TestKey, load_fixture, sign_bundle, with_leaf

PINNED = TrustStore.pinned()
Path_ = tuple[Any, ...]


def leaves(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every leaf (scalar, or empty list/object) of a JSON value, with its path."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def flipped(value: Any) -> Any:
    """A different value of a plausible kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        if not value:
            return "x"
        return value[:-1] + ("A" if value[-1] != "A" else "B")
    if value is None:
        return "x"
    if isinstance(value, list):
        return ["x"]
    return {"x": "x"}


def dotted(path: Path_) -> str:
    """``("aliases", 0, "created_at")`` -> ``aliases[].created_at``; ``events[1].x`` keeps the index."""
    out = ""
    for key in path:
        out += "[]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def indexed(path: Path_) -> str:
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def listed(path: Path_, patterns: tuple[str, ...]) -> bool:
    name = dotted(path)
    for pattern in patterns:
        if pattern.endswith(".*"):
            prefix = pattern[:-2]
            if name == prefix or name.startswith(prefix + ".") or name.startswith(prefix + "["):
                return True
        elif name == pattern:
            return True
    return False


def failed(result) -> list[str]:
    return [c.name for c in result.checks if c.ok is False]


# Which check must fail when a record field is flipped (first matching prefix wins).
RECORD_REASONS = [
    ("canonical_record", ("canonical_sha256", "canonical_record")),
    ("canonical_sha256", ("canonical_sha256",)),
    ("pith_number", ("pith_number",)),
    ("short_pith_number", ("short_pith_number",)),
    ("source", ("source",)),
    ("aliases", ("aliases",)),
    ("receipt", ("receipt",)),
    ("paper.title", ("paper.title",)),
    ("paper", ("paper",)),
    ("graph_snapshot.source", ("graph_snapshot.source",)),
    ("graph_snapshot.paper.title", ("graph_snapshot.paper.title",)),
    ("graph_snapshot.paper", ("graph_snapshot.paper",)),
    ("record_type", ("record_type",)),
    ("events", ("events[0]",)),
]


def record_cases() -> list[tuple[str, Path_]]:
    return [
        (arxiv_id, path)
        for arxiv_id, file in sorted(REAL_RECORDS.items())
        for path, _ in leaves(load_fixture(file))
    ]


@pytest.mark.parametrize(("arxiv_id", "path"), record_cases(), ids=lambda v: indexed(v) if isinstance(v, tuple) else v)
def test_every_record_field_flip(arxiv_id: str, path: Path_) -> None:
    record = load_fixture(REAL_RECORDS[arxiv_id])
    original = verify_document(record, PINNED)
    value = record
    for key in path:
        value = value[key]
    result = verify_document(with_leaf(record, path, flipped(value)), PINNED)
    if listed(path, UNSIGNED_RECORD_FIELDS):
        # Not covered by any signature: must change nothing that pithtex relies on.
        assert result.status == "verified", (indexed(path), result.problems)
        assert (result.pith_number, result.source, result.canonical_sha256, result.title) == (
            original.pith_number, original.source, original.canonical_sha256, original.title
        )
        return
    assert result.status == "invalid", f"flipping {indexed(path)} went unnoticed"
    name = indexed(path)
    wanted = next(reasons for prefix, reasons in RECORD_REASONS if name == prefix or name.startswith((prefix + ".", prefix + "[")))
    assert any(n.startswith(wanted) for n in failed(result)), (name, failed(result))


def test_the_unsigned_record_fields_are_real_fields() -> None:
    """The list must name fields that exist (a typo would silently excuse nothing)."""
    names = {dotted(path) for file in REAL_RECORDS.values() for path, _ in leaves(load_fixture(file))}
    for pattern in UNSIGNED_RECORD_FIELDS:
        prefix = pattern[:-2] if pattern.endswith(".*") else pattern
        assert any(n == prefix or n.startswith((prefix + ".", prefix + "[")) for n in names), pattern


BUNDLE = load_fixture(REAL_BUNDLE)
BUNDLE_LEAVES = [path for path, _ in leaves(BUNDLE)]
RESIGNER = TestKey(key_id="pithtex-resigner")
RESIGNER_TRUST = PINNED.with_keys(parse_key_document(RESIGNER.key_document()))


def leaf_value(doc: Any, path: Path_) -> Any:
    for key in path:
        doc = doc[key]
    return doc


@pytest.mark.parametrize("path", BUNDLE_LEAVES, ids=indexed)
def test_every_bundle_field_flip_breaks_the_bundle_signature(path: Path_) -> None:
    result = verify_document(with_leaf(BUNDLE, path, flipped(leaf_value(BUNDLE, path))), PINNED)
    if path == ("bundle_signature", "signed_at"):
        assert result.status == "verified"  # the one field no signature covers
        return
    assert result.status == "invalid", indexed(path)
    assert any(n.startswith("bundle_signature") for n in failed(result)), failed(result)


# Which check must fail when a bundle field is flipped and the bundle re-signed
# by a trusted key (so only the inner checks can catch it).
BUNDLE_REASONS = [
    ("canonical_record", ("canonical_sha256", "canonical_record")),
    ("canonical_sha256", ("canonical_sha256",)),
    ("pith_number", ("pith_number",)),
    ("short_pith_number", ("short_pith_number",)),
    ("source_aliases", ("source_aliases", "state")),
    ("source", ("source",)),
    ("state", ("state",)),
    ("bundle_type", ("bundle_type",)),
    ("bundle_version", ("bundle_type",)),
]


@pytest.mark.parametrize("path", [p for p in BUNDLE_LEAVES if p[0] != "bundle_signature"], ids=indexed)
def test_every_bundle_field_flip_is_caught_by_its_own_check_when_resigned(path: Path_) -> None:
    variant = sign_bundle(RESIGNER, with_leaf(BUNDLE, path, flipped(leaf_value(BUNDLE, path))))
    result = verify_document(variant, RESIGNER_TRUST)
    if listed(path, BUNDLE_SIGNATURE_ONLY_FIELDS):
        assert result.status == "verified", (indexed(path), result.problems)
        assert result.pith_number.full == BUNDLE["pith_number"]
        return
    assert result.status == "invalid", f"flipping {indexed(path)} went unnoticed"
    name = indexed(path)
    if name.startswith("events["):
        wanted: tuple[str, ...] = (name.split(".")[0],)
    else:
        wanted = next(r for prefix, r in BUNDLE_REASONS if name == prefix or name.startswith((prefix + ".", prefix + "[")))
    assert any(n.startswith(wanted) for n in failed(result)), (name, failed(result))


def test_the_control_resigned_bundle_verifies() -> None:
    result = verify_document(sign_bundle(RESIGNER, BUNDLE), RESIGNER_TRUST)
    assert result.status == "verified" and result.state_sha256


# --- single-bit flips ----------------------------------------------------------------


def flip_b64_bit(text: str, bit: int) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[bit // 8] ^= 1 << (bit % 8)
    return base64.b64encode(bytes(raw)).decode()


def flip_hex_bit(text: str, bit: int) -> str:
    prefix, _, digits = text.rpartition(":")
    raw = bytearray(bytes.fromhex(digits))
    raw[bit // 8] ^= 1 << (bit % 8)
    return (prefix + ":" if prefix else "") + raw.hex()


def test_every_bit_of_a_record_signature_and_digests() -> None:
    record = load_fixture(REAL_RECORDS["2511.00066"])
    targets = [
        (("receipt", "signature_b64"), flip_b64_bit, 512, "receipt.signature"),
        (("canonical_sha256",), flip_hex_bit, 256, "canonical_sha256"),
        (("receipt", "canonical_sha256"), flip_hex_bit, 256, "receipt.canonical_sha256"),
    ]
    for path, flip, bits, reason in targets:
        text = leaf_value(record, path)
        for bit in range(bits):
            result = verify_document(with_leaf(record, path, flip(text, bit)), PINNED)
            assert result.status == "invalid", (path, bit)
            assert reason in failed(result), (path, bit, failed(result))


BUNDLE_BIT_TARGETS = [
    (("bundle_signature", "signature_b64"), flip_b64_bit, 512, "bundle_signature.signature"),
    (("events", 0, "signature", "signature_b64"), flip_b64_bit, 512, "events[0].signature.signature"),
    (("events", 1, "signature", "signature_b64"), flip_b64_bit, 512, "events[1].signature.signature"),
    (("events", 0, "payload", "receipt", "signature_b64"), flip_b64_bit, 512, "events[0].payload.receipt.signature"),
    (("bundle_signature", "bundle_sha256"), flip_hex_bit, 256, "bundle_signature.bundle_sha256"),
    (("events", 0, "content_sha256"), flip_hex_bit, 256, "events[0].content_sha256"),
    (("events", 1, "event_id"), flip_hex_bit, 256, "events[1].event_id"),
    (("canonical_sha256",), flip_hex_bit, 256, "canonical_sha256"),
    (("state", "state_sha256"), flip_hex_bit, 256, "state.state_sha256"),
]


@pytest.mark.parametrize(("path", "flip", "bits", "reason"), BUNDLE_BIT_TARGETS, ids=lambda v: indexed(v) if isinstance(v, tuple) else None)
def test_bits_of_bundle_signatures_and_digests(path: Path_, flip, bits: int, reason: str) -> None:
    """Every 3rd bit plus the first and last byte's bits (the bundle is slower to verify)."""
    text = leaf_value(BUNDLE, path)
    chosen = sorted(set(range(0, bits, 3)) | set(range(8)) | set(range(bits - 8, bits)))
    for bit in chosen:
        result = verify_document(with_leaf(BUNDLE, path, flip(text, bit)), PINNED)
        assert result.status == "invalid", (path, bit)
        assert reason in failed(result), (path, bit, failed(result))


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "not base64!",
        "zoBZxa80/PVr6s/gMwALgqRurcjDHBdTpf7nCPmGu3wLEg8U2MVv6tLcDbCy/GB/55vjKO//0bgl2iFkLyItCQ",  # no padding
        "zoBZxa80/PVr6s/gMwALgqRurcjDHBdTpf7nCPmGu3wLEg8U2MVv6tLcDbCy/GB/55vjKO//0bgl2iFkLyItCR==",  # stray bits
        " zoBZxa80/PVr6s/gMwALgqRurcjDHBdTpf7nCPmGu3wLEg8U2MVv6tLcDbCy/GB/55vjKO//0bgl2iFkLyItCQ==",
        "zoBZxa80-PVr6s_gMwALgqRurcjDHBdTpf7nCPmGu3wLEg8U2MVv6tLcDbCy_GB_55vjKO__0bgl2iFkLyItCQ==",  # urlsafe
        base64.b64encode(bytes(63)).decode(),
        base64.b64encode(bytes(65)).decode(),
    ],
)
def test_signature_encodings_are_strict(bad: str) -> None:
    record = load_fixture(REAL_RECORDS["2511.00066"])
    record["receipt"]["signature_b64"] = bad
    result = verify_document(record, PINNED)
    assert result.status == "invalid"
    assert any("strict base64 of 64 bytes" in p for p in result.problems)


def test_non_canonical_signature_scalar_is_rejected() -> None:
    """S + L (the group order) is the same signature to a lax verifier: it must fail."""
    from pithtex.verify.ed25519_points import L

    record = load_fixture(REAL_RECORDS["2511.00066"])
    raw = base64.b64decode(record["receipt"]["signature_b64"])
    s = int.from_bytes(raw[32:], "little") + L
    assert s < 2**256
    record["receipt"]["signature_b64"] = base64.b64encode(raw[:32] + s.to_bytes(32, "little")).decode()
    assert verify_document(record, PINNED).status == "invalid"
