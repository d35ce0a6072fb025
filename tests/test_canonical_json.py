"""Canonical JSON and the strict loader for signed material."""

from __future__ import annotations

import hashlib
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pithtex.verify.canonical import (
    MAX_DEPTH,
    MAX_SAFE_INTEGER,
    StrictJSONError,
    canonical_json,
    canonical_sha256,
    load_signed_json,
    validate_json_value,
)
from pithtex.verify.document import verify_json_bytes
from pithtex.verify.keys import TrustStore
from tests.support.signing import REAL_BUNDLE, REAL_RECORDS, load_fixture

# JSON values the registry can sign: no floats, safe integers, no lone surrogates.
safe_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | safe_text,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(safe_text, children, max_size=5),
    max_leaves=30,
)


def shuffled(value, rng: random.Random):
    """The same JSON value with every object's keys in another insertion order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


@settings(max_examples=150, deadline=None)
@given(json_values, st.randoms(use_true_random=False))
def test_key_order_is_irrelevant(value, rng: random.Random) -> None:
    assert canonical_json(shuffled(value, rng)) == canonical_json(value)
    assert canonical_sha256(shuffled(value, rng)) == canonical_sha256(value)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_strict_loader_round_trips_canonical_output(value) -> None:
    data = canonical_json(value)
    loaded = load_signed_json(data)
    assert loaded == value
    assert canonical_json(loaded) == data
    validate_json_value(loaded)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_loader_accepts_any_formatting_of_the_same_value(value) -> None:
    pretty = json.dumps(value, indent=2, ensure_ascii=True)
    assert canonical_json(load_signed_json(pretty.encode())) == canonical_json(value)


def test_canonical_form_is_the_registry_form() -> None:
    assert canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    record = load_fixture(REAL_RECORDS["2511.00066"])
    assert canonical_sha256(record["canonical_record"]) == record["canonical_sha256"]
    bundle = load_fixture(REAL_BUNDLE)
    assert canonical_sha256(bundle["canonical_record"]) == bundle["canonical_sha256"]


def test_digest_is_sha256_of_utf8() -> None:
    value = {"title": "Schrödinger — ∞"}
    expected = hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
    assert canonical_sha256(value) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
        (b'{"a": {"b": 1, "b": 1}}', "duplicate key 'b'"),
        (b'{"a": NaN}', "NaN is not allowed"),
        (b'{"a": Infinity}', "Infinity is not allowed"),
        (b'{"a": -Infinity}', "-Infinity is not allowed"),
        (b'{"a": 1.0}', "floating-point number 1.0"),
        (b'{"a": 1e3}', "floating-point number 1e3"),
        (b'{"a": 9007199254740992}', "outside +-(2^53-1)"),
        (b'{"a": -9007199254740992}', "outside +-(2^53-1)"),
        (b'{"a": 1' + b"0" * 5000 + b"}", "outside +-(2^53-1)"),
        (b'{"a": "\\ud800"}', "lone surrogate"),
        (b'{"\\udfff": 1}', "lone surrogate"),
        (b'{"a": "\\udc00\\ud800"}', "lone surrogate"),
        (b"[" * (MAX_DEPTH + 2) + b"]" * (MAX_DEPTH + 2), "nested deeper"),
        (b"[" * 100000 + b"]" * 100000, "nested deeper"),
        (b'{"a": "\xff"}', "not UTF-8"),
        (b"", "not JSON"),
        (b"{", "not JSON"),
        (b'{"a": 1} trailing', "not JSON"),
    ],
)
def test_strict_rejections(data: bytes, reason: str) -> None:
    with pytest.raises(StrictJSONError) as info:
        load_signed_json(data)
    assert reason in str(info.value)
    assert "\n" not in str(info.value)
    result = verify_json_bytes(data, TrustStore.pinned())
    assert result.status == "invalid"
    assert reason in result.problems[0]


def test_safe_integers_at_the_edges_are_accepted() -> None:
    assert load_signed_json(b"[9007199254740991, -9007199254740991, 0, -0]") == [MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 0, 0]


def test_surrogate_pairs_are_fine() -> None:
    assert load_signed_json(b'"\\ud83d\\ude00"') == "\U0001f600"


def test_byte_order_mark_is_skipped() -> None:
    assert load_signed_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}


def test_oversized_input_is_rejected() -> None:
    with pytest.raises(StrictJSONError, match="larger than"):
        load_signed_json(b" " * 100 + b"{}", max_bytes=50)


def test_a_duplicate_key_inside_a_real_record_makes_it_invalid() -> None:
    data = REAL_RECORDS["2511.00066"].read_bytes()
    forged = data.replace(b'"pith_number":', b'"pith_number": "pith:2025:AAAAAAAAAAAAAAAAAAAAAAAAAA", "pith_number":', 1)
    assert forged != data
    result = verify_json_bytes(forged, TrustStore.pinned())
    assert result.status == "invalid" and "duplicate key 'pith_number'" in result.problems[0]


@pytest.mark.parametrize("value", [1.5, float("nan"), 2**53, -(2**53), {1: 2}, (1, 2), b"x", "\udc00", {"a": {"b": [set()]}}])
def test_validate_json_value_rejects_non_json_python(value) -> None:
    with pytest.raises(StrictJSONError):
        validate_json_value(value)


def test_validate_json_value_depth() -> None:
    deep: list = []
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(StrictJSONError, match="nested deeper"):
        validate_json_value(deep)
