"""The verifier on the real signed records and bundle, and on material the tests sign."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pithtex.ids.arxiv import ArxivId, parse_arxiv_id
from pithtex.ids.pith_number import parse_pith_number
from pithtex.verify.canonical import canonical_sha256
from pithtex.verify.document import classify, verify_document, verify_json_bytes
from pithtex.verify.keys import TrustStore, parse_key_document
from pithtex.verify.state import recompute_state
from tests.support.signing import (
    REAL_BUNDLE,
    REAL_RECORDS,
    TestKey,
    load_fixture,
    make_bundle,
    make_canonical_record,
    make_event,
    make_receipt,
    make_record,
    sign_bundle,
)

PINNED = TrustStore.pinned()
REAL = {
    "2511.00066": ("pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD", 4, "Sharpness-Guided Group Relative Policy Optimization via Probability Shaping"),
    "2606.01249": ("pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE", 1, "Trust Region On-Policy Distillation"),
}


def trusting(*keys: TestKey) -> TrustStore:
    return PINNED.with_keys(*(parse_key_document(k.key_document()) for k in keys))


def failed_names(result) -> list[str]:
    return [c.name for c in result.checks if c.ok is False]


@pytest.mark.parametrize("arxiv_id", sorted(REAL_RECORDS))
def test_real_records_verify(arxiv_id: str) -> None:
    number, version, title = REAL[arxiv_id]
    result = verify_json_bytes(REAL_RECORDS[arxiv_id].read_bytes(), PINNED)
    assert result.status == "verified", result.problems
    assert result.ok and result.kind == "record"
    assert result.problems == [] and result.unverified == []
    assert result.pith_number == parse_pith_number(number)
    assert result.source == ArxivId(arxiv_id, version)
    assert result.title == title
    assert result.key_id == "pith-v1-2026-05"
    assert result.canonical_sha256 == canonical_sha256(result.canonical_record)
    assert result.receipt is not None and result.receipt["kind"] == "pith_receipt"


def test_real_bundle_verifies_events_signature_and_state() -> None:
    result = verify_json_bytes(REAL_BUNDLE.read_bytes(), PINNED)
    assert result.status == "verified", result.problems
    assert result.kind == "bundle" and result.unverified == []
    assert result.pith_number.full == "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"
    assert result.source == ArxivId("2602.19327", 3)
    assert result.title == "Soft Sequence Policy Optimization"
    assert result.event_count == 2
    assert result.state_sha256 == "497c1e93c22c195dbd568a8d908591e773ea47dd036aa85686271c4da3ae41ae"
    passed = {c.name for c in result.checks if c.ok}
    for name in (
        "bundle_signature.signature",
        "bundle_signature.bundle_sha256",
        "events[0].content_sha256",
        "events[0].event_id",
        "events[0].signature.signature",
        "events[0].payload.receipt.signature",
        "events[1].signature.signature",
        "state.state_sha256",
        "state.merge",
        "record_created",
    ):
        assert name in passed, name


def test_recomputed_state_is_the_registry_state_byte_for_byte() -> None:
    from pithtex.verify.checks import Checks
    from pithtex.verify.events import check_event
    from pithtex.verify.checks import check_canonical_record

    bundle = load_fixture(REAL_BUNDLE)
    checks = Checks()
    facts = check_canonical_record(checks, bundle["canonical_record"])
    outcomes = [check_event(checks, i, e, PINNED, facts) for i, e in enumerate(bundle["events"])]
    assert canonical_sha256(recompute_state(bundle, outcomes)) == canonical_sha256(bundle["state"])


def test_classify() -> None:
    record = load_fixture(REAL_RECORDS["2511.00066"])
    assert classify(record) == "record"
    assert classify(load_fixture(REAL_BUNDLE)) == "bundle"
    assert classify(record["canonical_record"]) == "canonical_record"
    assert classify(record["receipt"]) == "receipt"
    assert classify({"hello": 1}) == "unknown"
    assert classify([1, 2]) == "unknown"


def test_bare_canonical_record_is_unsigned() -> None:
    record = load_fixture(REAL_RECORDS["2511.00066"])
    result = verify_document(record["canonical_record"], PINNED)
    assert result.status == "unsigned" and not result.ok
    assert result.pith_number.full == "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"
    assert result.canonical_sha256 == record["canonical_sha256"]
    assert result.key_id is None


def test_canonical_record_inside_a_receiptless_document_is_unsigned_and_checked() -> None:
    record = load_fixture(REAL_RECORDS["2511.00066"])
    view = {"canonical_record": record["canonical_record"], "pith_number": record["pith_number"]}
    assert verify_document(view, PINNED).status == "unsigned"
    view["pith_number"] = "pith:2025:AAAAAAAAAAAAAAAAAAAAAAAAAA"
    assert verify_document(view, PINNED).status == "invalid"


def test_bare_receipt_is_signature_only() -> None:
    receipt = load_fixture(REAL_RECORDS["2606.01249"])["receipt"]
    result = verify_document(receipt, PINNED)
    assert result.status == "signature-only", result.problems
    assert result.kind == "receipt" and result.pith_number is None and result.source is None
    assert result.key_id == "pith-v1-2026-05"
    forged = dict(receipt, canonical_sha256="0" * 64)
    result = verify_document(forged, PINNED)
    assert result.status == "invalid"
    assert "receipt.signature" in failed_names(result)


def test_receipt_from_one_record_does_not_sign_another() -> None:
    a = load_fixture(REAL_RECORDS["2511.00066"])
    b = load_fixture(REAL_RECORDS["2606.01249"])
    a["receipt"] = b["receipt"]
    result = verify_document(a, PINNED)
    assert result.status == "invalid"
    assert {"receipt.canonical_sha256", "receipt.signature"} <= set(failed_names(result))


def test_mix_and_match_canonical_record_with_another_records_envelope() -> None:
    a = load_fixture(REAL_RECORDS["2511.00066"])
    b = load_fixture(REAL_RECORDS["2606.01249"])
    for field in ("canonical_record", "source", "pith_number", "paper"):
        mixed = copy.deepcopy(a)
        mixed[field] = b[field]
        result = verify_document(mixed, PINNED)
        assert result.status == "invalid", field


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("2606.01249", "record is for arXiv:2511.00066v4, not arXiv:2606.01249"),
        ("2511.00066v3", "record is for arXiv:2511.00066v4, not arXiv:2511.00066v3"),
    ],
)
def test_valid_record_presented_as_another_id_is_caught(asked: str, message: str) -> None:
    data = REAL_RECORDS["2511.00066"].read_bytes()
    result = verify_json_bytes(data, PINNED, expected=parse_arxiv_id(asked))
    assert result.status == "invalid"
    assert result.problems == [message]


@pytest.mark.parametrize("asked", ["2511.00066", "arXiv:2511.00066v4"])
def test_expected_id_that_matches(asked: str) -> None:
    result = verify_json_bytes(REAL_RECORDS["2511.00066"].read_bytes(), PINNED, expected=parse_arxiv_id(asked))
    assert result.status == "verified"


def test_expected_id_on_bundle_and_receipt() -> None:
    result = verify_json_bytes(REAL_BUNDLE.read_bytes(), PINNED, expected=parse_arxiv_id("2511.00066"))
    assert result.problems == ["record is for arXiv:2602.19327v3, not arXiv:2511.00066"]
    receipt = load_fixture(REAL_RECORDS["2511.00066"])["receipt"]
    result = verify_document(receipt, PINNED, expected=parse_arxiv_id("2511.00066"))
    assert result.status == "invalid"


def test_generated_record_needs_its_key_to_be_trusted(test_key: TestKey) -> None:
    record = make_record(test_key, "2401.01234", 2, "A Generated Paper")
    result = verify_document(record, PINNED)
    assert result.status == "invalid"
    assert any("not trusted" in p for p in result.problems)
    result = verify_document(record, trusting(test_key))
    assert result.status == "verified", result.problems
    assert result.key_id == test_key.key_id


def test_old_style_ids_verify(test_key: TestKey) -> None:
    record = make_record(test_key, "hep-lat/0305021", 1, "Lattice", submitted_at="2003-05-20T00:00:00Z")
    result = verify_document(record, trusting(test_key), expected=parse_arxiv_id("hep-lat/0305021v1"))
    assert result.status == "verified", result.problems
    assert result.pith_number.year == 2003


def test_year_comes_from_submitted_at_not_the_id(test_key: TestKey) -> None:
    record = make_record(test_key, "1801.00004", 1, "Late December", submitted_at="2017-12-29T10:00:00Z")
    result = verify_document(record, trusting(test_key))
    assert result.ok and result.pith_number.year == 2017


def test_generated_bundle_verifies_only_when_trusted(test_key: TestKey) -> None:
    bundle = make_bundle(test_key, "2401.01234", 1, "A Bundled Paper")
    assert verify_document(bundle, PINNED).status == "invalid"
    result = verify_document(bundle, trusting(test_key))
    assert result.status == "verified", result.problems
    assert result.unverified == [] and result.event_count == 2 and result.state_sha256


def test_bundle_resigned_with_a_key_in_its_own_public_keys_is_invalid() -> None:
    """An attacker edits the real bundle, re-signs it, and ships the key alongside."""
    attacker = TestKey(key_id="mirror-key-2026")
    bundle = load_fixture(REAL_BUNDLE)
    bundle["mirror_hints"][0]["base_url"] = "https://evil.example"
    bundle["public_keys"] = [attacker.key_document(), *bundle["public_keys"]]
    resigned = sign_bundle(attacker, bundle)
    result = verify_document(resigned, PINNED)
    assert result.status == "invalid"
    assert "bundle_signature.key" in failed_names(result)
    assert verify_document(resigned, trusting(attacker)).status == "verified"


def test_whole_bundle_forged_under_the_registry_key_id_is_invalid() -> None:
    """Same key_id as the registry, different key, placed in public_keys."""
    impostor = TestKey(key_id="pith-v1-2026-05")
    bundle = make_bundle(impostor, "2602.19327", 3, "Soft Sequence Policy Optimization")
    assert bundle["public_keys"][0]["key_id"] == "pith-v1-2026-05"
    result = verify_document(bundle, PINNED)
    assert result.status == "invalid"
    names = failed_names(result)
    assert "bundle_signature.fingerprint" in names and "bundle_signature.signature" in names
    assert "events[0].payload.receipt.signature" in names


def test_unknown_event_type_is_unverified_never_evidence(test_key: TestKey) -> None:
    base = make_bundle(test_key, "2401.01234", 1, "A Bundled Paper")
    attestation = make_event(test_key, "author_attestation", base["pith_number"], "record", {"orcid": "0000"})
    bundle = make_bundle(test_key, "2401.01234", 1, "A Bundled Paper", extra_events=(attestation,))
    result = verify_document(bundle, trusting(test_key))
    assert result.status == "verified", result.problems
    assert result.event_count == 2  # the attestation is not counted
    assert result.state_sha256 is None  # unconfirmed
    assert any("author_attestation" in u and "not verified" in u for u in result.unverified)
    assert any("state could not be recomputed" in u for u in result.unverified)
    types = {c.name: c.ok for c in result.checks}
    assert types["events[2].type"] is None and types["state.merge"] is None


def test_unknown_event_by_an_unknown_signer_is_unverified(test_key: TestKey) -> None:
    stranger = TestKey(key_id="some-author")
    base = make_bundle(test_key, "2401.01234", 1, "A Bundled Paper")
    citation = make_event(stranger, "citation_signature", base["pith_number"], "record", {"cites": "x"})
    bundle = make_bundle(test_key, "2401.01234", 1, "A Bundled Paper", extra_events=(citation,))
    result = verify_document(bundle, trusting(test_key))
    assert result.status == "verified", result.problems
    assert any("some-author" in u for u in result.unverified)


def test_known_event_type_by_an_unknown_signer_is_invalid(test_key: TestKey) -> None:
    stranger = TestKey(key_id="some-author")
    base = make_bundle(test_key, "2401.01234", 1, "A Bundled Paper")
    snapshot = make_event(stranger, "graph_snapshot", base["pith_number"], "graph", {"graph_snapshot": {}})
    bundle = make_bundle(test_key, "2401.01234", 1, "A Bundled Paper", extra_events=(snapshot,))
    result = verify_document(bundle, trusting(test_key))
    assert result.status == "invalid"
    assert "events[2].signature.key" in failed_names(result)


def test_event_for_another_subject_is_invalid(test_key: TestKey) -> None:
    other = make_bundle(test_key, "2401.09999", 1, "Another Paper")
    stray = other["events"][1]
    bundle = make_bundle(test_key, "2401.01234", 1, "A Bundled Paper", extra_events=(stray,))
    result = verify_document(bundle, trusting(test_key))
    assert result.status == "invalid"
    assert "events[2].subject" in failed_names(result)


def test_bundle_without_record_created_is_invalid(test_key: TestKey) -> None:
    bundle = make_bundle(test_key, "2401.01234", 1, "A Bundled Paper")
    del bundle["events"][0]
    result = verify_document(sign_bundle(test_key, bundle), trusting(test_key))
    assert result.status == "invalid"
    assert "record_created" in failed_names(result)


def test_state_that_differs_from_the_merge_is_invalid(test_key: TestKey) -> None:
    bundle = make_bundle(test_key, "2401.01234", 1, "A Bundled Paper")
    state = bundle["state"]
    state["applied_event_ids"].reverse()
    state["state_sha256"] = canonical_sha256({k: v for k, v in state.items() if k != "state_sha256"})
    result = verify_document(sign_bundle(test_key, bundle), trusting(test_key))
    assert result.status == "invalid"
    assert any("state.applied_event_ids" in p for p in result.problems)


def test_record_with_events_checks_them(test_key: TestKey) -> None:
    record = make_record(test_key, "2401.01234", 1, "A Paper")
    record["events"] = [make_event(test_key, "graph_snapshot", record["pith_number"], "graph",
                                   {"graph_snapshot": {"source": record["canonical_record"]["source"]}})]
    result = verify_document(record, trusting(test_key))
    assert result.status == "verified" and result.event_count == 1
    record["events"][0]["payload"]["graph_snapshot"]["x"] = 1
    assert verify_document(record, trusting(test_key)).status == "invalid"


@pytest.mark.parametrize(
    "doc",
    [
        None,
        1,
        "text",
        [],
        {},
        {"record_type": "pith_number_record"},
        {"record_type": "pith_number_record", "canonical_record": [], "receipt": 1},
        {"record_type": "pith_number_record", "canonical_record": {"source": 1, "metadata": [], "schema_version": 1}},
        {"bundle_type": "pith_open_graph_bundle"},
        {"bundle_type": "pith_open_graph_bundle", "events": "x", "state": [], "bundle_signature": 5},
        {"kind": "pith_receipt"},
        {"kind": "pith_receipt", "canonical_sha256": "ab" * 32, "signature_b64": 7, "key_id": []},
        {"source": {}, "metadata": {}, "schema_version": "1.0"},
        {"source": {"id": "2401.01234", "kind": "arxiv", "version": True}, "metadata": {}, "schema_version": "1.0"},
    ],
)
def test_wrong_shapes_are_invalid_never_exceptions(doc: Any) -> None:
    result = verify_document(doc, PINNED)
    assert result.status == "invalid"
    assert result.problems


def test_wrong_types_inside_the_real_bundle_never_raise() -> None:
    bundle = load_fixture(REAL_BUNDLE)
    for path in (("events", 0), ("events", 0, "payload"), ("events", 0, "signature"), ("state", "current"),
                 ("events", 1, "payload", "graph_snapshot"), ("canonical_record", "metadata"), ("source_aliases",)):
        for value in (None, 1, "x", [], {}, [None], True):
            doc = copy.deepcopy(bundle)
            target = doc
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            result = verify_document(doc, PINNED)
            assert result.status == "invalid", (path, value)


def test_python_objects_that_are_not_json_are_invalid() -> None:
    record = load_fixture(REAL_RECORDS["2511.00066"])
    for bad in (1.5, float("nan"), 2**60, {1: "x"}, b"bytes", "\ud800"):
        doc = copy.deepcopy(record)
        doc["paper"]["headline"] = bad
        result = verify_document(doc, PINNED)
        assert result.status == "invalid", bad
        assert result.problems[0].startswith("not strict JSON")


def test_canonical_record_helper_matches_the_real_records_shape() -> None:
    mine = make_canonical_record("2401.01234", 1, "T")
    real = load_fixture(REAL_RECORDS["2511.00066"])["canonical_record"]
    assert mine.keys() == real.keys() and mine["metadata"].keys() == real["metadata"].keys()
    assert make_receipt(TestKey(), "ab" * 32).keys() == load_fixture(REAL_RECORDS["2511.00066"])["receipt"].keys()


def test_expected_pith_number() -> None:
    data = REAL_RECORDS["2511.00066"].read_bytes()
    for wanted in ("SPDDBVRNS36U3W2AYSQMMOTDSD", "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD",
                   parse_pith_number("pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD")):
        assert verify_json_bytes(data, PINNED, expected_pith=wanted).status == "verified"
    result = verify_json_bytes(data, PINNED, expected_pith="3VRARFE3CFBERUCMJGDAWSCMAE")
    assert result.problems == ["document is for pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD, not 3VRARFE3CFBERUCMJGDAWSCMAE"]
    result = verify_json_bytes(data, PINNED, expected_pith=parse_pith_number("pith:2026:SPDDBVRNS36U3W2AYSQMMOTDSD"))
    assert result.status == "invalid"


def test_title_matching_rules() -> None:
    from pithtex.verify.checks import title_canon_sha256, title_matches

    digest = title_canon_sha256("Trust Region On-Policy Distillation")
    assert title_matches("Trust  Region\n  On-Policy distillation", digest) is True
    assert title_matches("Trust Region On-Policy Distillations", digest) is False
    assert title_matches("Trust Region\nOn-Policy Distillations", digest) is False  # still plain ASCII
    assert title_matches("Trust Région On-Policy Distillation", digest) is None  # Unicode rule unknown
    assert title_matches("Trust $\\mathcal{R}$ On-Policy Distillation", digest) is None  # TeX rule unknown
    assert title_matches(None, digest) is False and title_matches("x", "not a digest") is False


def test_many_unknown_events_keep_the_summary_one_short_line(test_key: TestKey) -> None:
    base = make_bundle(test_key, "2401.01234", 1, "A Bundled Paper")
    extra = tuple(
        make_event(test_key, "citation_signature", base["pith_number"], "record", {"n": n}) for n in range(30)
    )
    result = verify_document(make_bundle(test_key, "2401.01234", 1, "A Bundled Paper", extra_events=extra), trusting(test_key))
    assert result.status == "verified" and len(result.unverified) == 31
    line = result.summary()
    assert "\n" not in line and len(line) < 400 and "31 unverified" in line
