"""The verifier never raises, whatever JSON it is given, and never calls a damaged bundle verified."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pithtex.verify.canonical import MAX_SAFE_INTEGER, canonical_json
from pithtex.verify.document import verify_document, verify_json_bytes
from pithtex.verify.keys import TrustStore
from tests.support.signing import REAL_BUNDLE, REAL_RECORDS, load_fixture, with_leaf

PINNED = TrustStore.pinned()
BUNDLE = load_fixture(REAL_BUNDLE)
RECORD = load_fixture(REAL_RECORDS["2511.00066"])
STATUSES = {"verified", "unsigned", "signature-only", "invalid"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=15,
)


def containers(value: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every object/list member of a JSON value."""
    out: list[tuple] = []
    if isinstance(value, dict):
        for key, item in value.items():
            out.append((*path, key))
            out.extend(containers(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.append((*path, index))
            out.extend(containers(item, (*path, index)))
    return out


BUNDLE_PATHS = containers(BUNDLE)
RECORD_PATHS = containers(RECORD)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_any_json_value_gives_a_result(value: Any) -> None:
    result = verify_document(value, PINNED)
    assert result.status in STATUSES
    assert result.status == "invalid"  # random JSON is never a signed Pith document
    assert result.problems


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(BUNDLE_PATHS), json_values)
def test_replacing_any_part_of_the_bundle_is_invalid(path: tuple, value: Any) -> None:
    doc = with_leaf(BUNDLE, path, value)
    result = verify_document(doc, PINNED)
    if canonical_json(doc) == canonical_json(BUNDLE) or path == ("bundle_signature", "signed_at"):
        return
    assert result.status == "invalid", (path, value)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(RECORD_PATHS), json_values)
def test_replacing_any_part_of_a_record_never_raises(path: tuple, value: Any) -> None:
    result = verify_document(with_leaf(RECORD, path, value), PINNED)
    assert result.status in {"verified", "invalid"}
    if result.status == "verified":  # only unsigned fields may change: the facts may not
        assert result.pith_number.full == RECORD["pith_number"]
        assert result.canonical_sha256 == RECORD["canonical_sha256"]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_a_result(data: bytes) -> None:
    assert verify_json_bytes(data, PINNED).status == "invalid"
