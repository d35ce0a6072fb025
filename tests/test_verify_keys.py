"""The trust store: the pinned registry key, explicit extra keys, malformed and unsafe keys."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import pytest

from pithtex.errors import UsageError
from pithtex.verify import ed25519_points as ed
from pithtex.verify.keys import (
    ENV_TRUST_KEYS,
    REGISTRY_KEY_ID,
    InvalidKey,
    TrustedKey,
    TrustStore,
    load_key_file,
    parse_key_document,
    trust_store_from,
)
from tests.support.signing import REAL_BUNDLE, TestKey, load_fixture

REGISTRY_HEX = "b2d552b68890857171a78b36a5dccf368a953413288c353f7c9d9d6f94b709b3"

# The eight canonical encodings of points of order dividing 8 (as blocklisted by
# libsodium's crypto_sign_ed25519 / ed25519-dalek), written out independently.
SMALL_ORDER_CANONICAL = [
    "0100000000000000000000000000000000000000000000000000000000000000",  # identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
]
# Non-canonical encodings of small-order points: y + p for y in {0, 1}, either
# sign, and x = 0 with the sign bit set.
SMALL_ORDER_NON_CANONICAL = [
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p   (= 0)
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p+1 (= 1, identity)
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "0100000000000000000000000000000000000000000000000000000000000080",  # identity, x = 0 with sign
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  # order 2, x = 0 with sign
]


def key_doc(raw: bytes, key_id: str = "k1") -> dict:
    return {"key_id": key_id, "algorithm": "ed25519", "public_key_b64": base64.b64encode(raw).decode()}


def write(tmp_path: Path, doc: object, name: str = "key.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_pinned_store_holds_only_the_registry_key() -> None:
    store = TrustStore.pinned()
    assert len(store) == 1
    key = store.get(REGISTRY_KEY_ID)
    assert key is not None and key.public_bytes.hex() == REGISTRY_HEX
    assert key.fingerprint_hex == "8d4b5ee74e4693bcd1df2446408b0d54"
    assert key.fingerprint_b32 == "RVFV5Z2OI2J3ZUO7ERDEBCYNKS"
    assert store.get("other") is None and store.get(None) is None and store.get(["x"]) is None


def test_the_pinned_key_matches_the_bundles_published_key_document() -> None:
    published = load_fixture(REAL_BUNDLE)["public_keys"][0]
    assert parse_key_document(published) == TrustStore.pinned().get(REGISTRY_KEY_ID)


def test_fingerprint_is_first_16_bytes_of_sha256() -> None:
    raw = bytes.fromhex(REGISTRY_HEX)
    assert TrustedKey("x", raw).fingerprint_hex == hashlib.sha256(raw).digest()[:16].hex()


def test_key_file_round_trip(tmp_path: Path, test_key: TestKey) -> None:
    path = test_key.write_key_file(tmp_path / "k.json")
    (key,) = load_key_file(path)
    assert key.key_id == test_key.key_id and key.public_bytes == test_key.public_bytes
    store = trust_store_from([str(path)])
    assert store.get(test_key.key_id) == key and store.get(REGISTRY_KEY_ID) is not None


def test_key_file_with_a_list_of_keys(tmp_path: Path) -> None:
    a, b = TestKey(key_id="a"), TestKey(key_id="b")
    path = write(tmp_path, [a.key_document(), b.key_document()])
    assert [k.key_id for k in load_key_file(path)] == ["a", "b"]


def test_hex_only_key_document(test_key: TestKey) -> None:
    doc = {"key_id": "h", "algorithm": "ed25519", "public_key_hex": test_key.public_bytes.hex()}
    assert parse_key_document(doc).public_bytes == test_key.public_bytes


def test_env_var_adds_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = TestKey(key_id="a"), TestKey(key_id="b")
    paths = [a.write_key_file(tmp_path / "a.json"), b.write_key_file(tmp_path / "b.json")]
    monkeypatch.setenv(ENV_TRUST_KEYS, os.pathsep.join(map(str, paths)))
    store = trust_store_from()
    assert {k.key_id for k in store} == {REGISTRY_KEY_ID, "a", "b"}


def test_env_var_unset_means_only_the_pinned_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_TRUST_KEYS, raising=False)
    assert len(trust_store_from()) == 1


def test_a_different_key_under_the_registry_key_id_is_refused(tmp_path: Path) -> None:
    impostor = TestKey(key_id=REGISTRY_KEY_ID)
    path = impostor.write_key_file(tmp_path / "impostor.json")
    with pytest.raises(UsageError, match="two different keys"):
        trust_store_from([str(path)])


def test_the_registry_key_itself_can_be_given_again(tmp_path: Path) -> None:
    path = write(tmp_path, load_fixture(REAL_BUNDLE)["public_keys"][0])
    assert len(trust_store_from([str(path)])) == 1


def test_signature_check(test_key: TestKey) -> None:
    key = parse_key_document(test_key.key_document())
    digest = hashlib.sha256(b"x").hexdigest()
    signature = base64.b64decode(test_key.sign_hex_digest(digest))
    assert key.verify(signature, bytes.fromhex(digest))
    assert not key.verify(signature, bytes.fromhex(digest)[::-1])
    assert not key.verify(signature[:63], bytes.fromhex(digest))


@pytest.mark.parametrize("hex_key", SMALL_ORDER_CANONICAL)
def test_small_order_points_are_refused(hex_key: str) -> None:
    with pytest.raises(InvalidKey, match="small-order|non-canonical"):
        parse_key_document(key_doc(bytes.fromhex(hex_key)))


@pytest.mark.parametrize("hex_key", SMALL_ORDER_NON_CANONICAL)
def test_non_canonical_small_order_encodings_are_refused(hex_key: str) -> None:
    with pytest.raises(InvalidKey, match="non-canonical"):
        parse_key_document(key_doc(bytes.fromhex(hex_key)))


def test_small_order_list_really_is_small_order() -> None:
    """Independent check of the hard-coded list: 8 * P is the identity for each."""
    for hex_key in SMALL_ORDER_CANONICAL:
        point = ed._decode(bytes.fromhex(hex_key))
        assert not isinstance(point, str), hex_key
        assert ed._is_identity(ed._multiply(point, 8)), hex_key


def test_every_non_canonical_y_is_refused() -> None:
    for y in range(ed.P, 2**255):
        for sign in (0, 1):
            raw = (y | (sign << 255)).to_bytes(32, "little")
            assert ed.why_unsafe_public_key(raw) is not None


def _encode(point) -> bytes:
    x, y, z, _ = point
    zi = pow(z, ed.P - 2, ed.P)
    x, y = x * zi % ed.P, y * zi % ed.P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def test_mixed_order_key_is_refused(test_key: TestKey) -> None:
    """A valid key plus a point of order 8: verifies some forgeries under cofactored checks."""
    point = ed._decode(test_key.public_bytes)
    torsion = ed._decode(bytes.fromhex(SMALL_ORDER_CANONICAL[4]))
    mixed = _encode(ed._add(point, torsion))
    assert ed.why_unsafe_public_key(test_key.public_bytes) is None
    with pytest.raises(InvalidKey, match="prime-order subgroup"):
        parse_key_document(key_doc(mixed))


def test_point_not_on_the_curve_is_refused() -> None:
    # y = 2 has no x on edwards25519.
    raw = (2).to_bytes(32, "little")
    assert ed.why_unsafe_public_key(raw) == "not a point on the Ed25519 curve"
    with pytest.raises(InvalidKey, match="not a point"):
        parse_key_document(key_doc(raw))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(public_key_b64=base64.b64encode(bytes(31)).decode(), public_key_hex=None), "32 bytes, not 31"),
        (lambda d: d.update(public_key_b64=base64.b64encode(bytes(33)).decode(), public_key_hex=None), "32 bytes, not 33"),
        (lambda d: d.update(public_key_b64="***", public_key_hex=None), "not canonical base64"),
        (lambda d: d.update(public_key_b64=d["public_key_b64"].rstrip("="), public_key_hex=None), "not canonical base64"),
        (lambda d: d.update(public_key_b64=d["public_key_b64"][:-2] + "B="), "not canonical base64"),
        (lambda d: d.update(public_key_hex="zz" * 32), "not hex"),
        (lambda d: d.update(public_key_hex=d["public_key_hex"][:-2]), "different keys"),
        # another first byte (a generated key's may be 00 already: then 01)
        (lambda d: d.update(public_key_hex=("01" if d["public_key_hex"][:2] == "00" else "00") + d["public_key_hex"][2:]),
         "different keys"),
        (lambda d: d.update(public_key_hex=None, public_key_b64=None), "no public_key_b64"),
        (lambda d: d.update(public_key_b64=12), "not canonical base64"),
        (lambda d: d.update(algorithm="rsa"), "algorithm must be 'ed25519'"),
        (lambda d: d.update(format="pem"), "format must be 'raw'"),
        (lambda d: d.update(key_id=""), "key_id"),
        (lambda d: d.update(key_id=5), "key_id"),
        (lambda d: d.update(key_id="a b\n"), "key_id"),
        (lambda d: d.update(fingerprint_sha256_hex="00" * 16), "fingerprint_sha256_hex"),
        (lambda d: d.update(fingerprint_sha256_b32_first128bits="A" * 26), "fingerprint_sha256_b32"),
    ],
)
def test_malformed_key_documents(tmp_path: Path, test_key: TestKey, mutate, message: str) -> None:
    doc = test_key.key_document()
    mutate(doc)
    doc = {k: v for k, v in doc.items() if v is not None}
    path = write(tmp_path, doc)
    with pytest.raises(InvalidKey) as info:
        load_key_file(path)
    assert message in info.value.message
    assert str(path) in info.value.message  # names the file
    assert "\n" not in info.value.message


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b'{"key_id": "a", "key_id": "b"}', b"[]", b"42", b'"text"', b"\xff\xfe", b"{" * 200],
)
def test_unreadable_key_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "key.json"
    path.write_bytes(content)
    with pytest.raises(InvalidKey) as info:
        trust_store_from([str(path)])
    assert str(path) in info.value.message
    assert info.value.exit_code == 2


def test_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidKey, match="cannot read key file"):
        trust_store_from([str(tmp_path / "nope.json")])


def test_keys_inside_a_document_are_never_added_to_the_store() -> None:
    """Verifying a bundle never changes the store, whatever public_keys it ships."""
    from pithtex.verify.document import verify_document
    from tests.support.signing import make_bundle

    attacker = TestKey(key_id="attacker")
    store = TrustStore.pinned()
    result = verify_document(make_bundle(attacker, "2401.01234", 1, "T"), store)
    assert result.status == "invalid"
    assert [k.key_id for k in store] == [REGISTRY_KEY_ID]


def test_bad_env_key_file_says_where_it_was_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_TRUST_KEYS, str(tmp_path / "gone.json"))
    with pytest.raises(InvalidKey) as info:
        trust_store_from()
    assert info.value.message.endswith(f"(named in {ENV_TRUST_KEYS})")
    assert str(tmp_path / "gone.json") in info.value.message
