"""The pieces of the registry client: Retry-After, bounded inflation, resolve-response reading."""

from __future__ import annotations

import email.utils
import json
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pithtex.resolve.http import FetchError, HttpLimits, _BoundedDecoder, parse_retry_after
from pithtex.resolve.sources import interpret_resolve, open_source
from pithtex.errors import UsageError

SUFFIX = "SPDDBVRNS36U3W2AYSQMMOTDSD"


def test_retry_after_in_both_forms() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0 ") == 0.0
    now = 1_800_000_000.0
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0  # in the past: now
    for junk in (None, "", "soon", "-5", "1.5e3", "Wed, 99 Foo 2026"):
        assert parse_retry_after(junk) is None


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "identity"])
def test_the_decoder_inflates_within_the_cap(encoding: str) -> None:
    data = json.dumps({"pad": "x" * 5000}).encode()
    if encoding == "gzip":
        wire = zlib.compress(data, wbits=zlib.MAX_WBITS | 16)
    elif encoding == "deflate":
        wire = zlib.compress(data)
    else:
        wire = data
    decoder = _BoundedDecoder(encoding, limit=len(data))
    for start in range(0, len(wire), 7):  # in small pieces, as a network delivers them
        decoder.feed(wire[start : start + 7])
    assert decoder.finish() == data
    small = _BoundedDecoder(encoding, limit=len(data) - 1)
    with pytest.raises(FetchError, match=f"larger than {len(data) - 1} bytes"):
        small.feed(wire)
        small.finish()


def test_the_decoder_never_holds_more_than_the_cap_of_a_bomb() -> None:
    bomb = zlib.compress(b"\0" * (16 * 1024 * 1024), wbits=zlib.MAX_WBITS | 16)
    decoder = _BoundedDecoder("gzip", limit=1024 * 1024)
    with pytest.raises(FetchError, match="larger than 1048576 bytes"):
        decoder.feed(bomb)
    assert decoder.size <= 1024 * 1024 + 1


def test_corrupt_and_truncated_compression() -> None:
    with pytest.raises(FetchError, match="corrupt compressed body"):
        _BoundedDecoder("gzip", 1000).feed(b"not gzip at all")
    wire = zlib.compress(b"{}" * 100, wbits=zlib.MAX_WBITS | 16)
    decoder = _BoundedDecoder("gzip", 1000)
    decoder.feed(wire[:-8])
    with pytest.raises(FetchError, match="truncated compressed body"):
        decoder.finish()
    with pytest.raises(FetchError, match="unsupported Content-Encoding 'br'"):
        _BoundedDecoder("br", 1000)


@pytest.mark.parametrize(
    "doc",
    [
        {"pith_number": f"pith:2025:{SUFFIX}"},
        {"suffix": SUFFIX},
        {"data": {"items": [{"pith": f"pith:2025:{SUFFIX}"}]}},
        {"url": f"https://pith.science/pith/{SUFFIX}.json"},
        [{"pith_number": f"pith:2025:{SUFFIX}"}],
    ],
)
def test_pointers_are_found(doc: object) -> None:
    answer = interpret_resolve(json.dumps(doc).encode())
    assert answer.suffixes == (SUFFIX,) and answer.document is None


def test_a_whole_record_is_a_document() -> None:
    record = {"canonical_record": {}, "receipt": {}, "pith_number": f"pith:2025:{SUFFIX}"}
    answer = interpret_resolve(json.dumps({"ok": True, "record": record}).encode())
    assert answer.document == record and answer.suffixes == (SUFFIX,)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html>", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b'{"pith_number": "pith:2025:short"}', "without a Pith Number"),
        (b'{"suffix": "spddbvrns36u3w2ayqmmotdsd"}', "without a Pith Number"),
        (b"[]", "without a Pith Number"),
        (b"[" * 100000 + b"]" * 100000, "not JSON"),
    ],
)
def test_useless_resolve_responses(data: bytes, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        interpret_resolve(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40)
    | st.sampled_from([SUFFIX, f"pith:2025:{SUFFIX}", f"/pith/{SUFFIX}.json"]),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_any_json_either_names_candidates_or_fails_cleanly(value: object) -> None:
    try:
        answer = interpret_resolve(json.dumps(value).encode())
    except FetchError:
        return
    assert answer.document is not None or answer.suffixes
    assert len(answer.suffixes) <= 3 and all(len(s) == 26 for s in answer.suffixes)


def test_registry_forms(tmp_path) -> None:
    limits = HttpLimits()
    assert open_source("https://pith.science", limits, 8).label == "https://pith.science"
    assert open_source(str(tmp_path), limits, 8).origin == "mirror"
    assert open_source(tmp_path.as_uri(), limits, 8).origin == "mirror"
    for bad in ("http://", "gopher://x", str(tmp_path / "missing")):
        with pytest.raises(UsageError):
            open_source(bad, limits, 8)
