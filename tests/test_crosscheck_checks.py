"""The cross-checks on .bib entries, with facts built from really verified records.

Real records (tests/fixtures/pith) are verified with the pinned registry key;
generated records are signed by a test key the trust store is told about.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pithtex.crosscheck import (
    CODES,
    CrossFinding,
    RecordFacts,
    check_title,
    check_version_drift,
    crosscheck,
    find_duplicates,
    has_errors,
    mismatched_entries,
    mismatched_keys,
    unused_allowances,
)
from pithtex.ids.arxiv import ArxivId, parse_arxiv_id
from pithtex.scan import BibEntry, PithAnnotation, scan_paths
from pithtex.verify.document import verify_document
from pithtex.verify.keys import TrustStore, parse_key_document
from tests.support.signing import REAL_BUNDLE, REAL_RECORDS, TestKey, load_fixture, make_record

SHARP_TITLE = "Sharpness-Guided Group Relative Policy Optimization via Probability Shaping"
TRUST_TITLE = "Trust Region On-Policy Distillation"
SOFT_TITLE = "Soft Sequence Policy Optimization"


def entry(key: str | None, title: str | None, *ids: str, line: int = 1, file: str = "refs.bib",
          pith: str | None = None) -> BibEntry:
    annotation = None if pith is None else PithAnnotation(file, line + 1, key, "pithnumber", pith)
    return BibEntry(file, line, line + 5, key, "article", title, tuple(parse_arxiv_id(i) for i in ids), annotation)


def verified_facts(doc: dict, trust: TrustStore, latest=None) -> RecordFacts:
    result = verify_document(doc, trust)
    assert result.status == "verified", result.summary()
    return RecordFacts.from_canonical_record(result.canonical_record, result.pith_number, title=result.title,
                                             latest=latest)


@pytest.fixture(scope="module")
def real() -> dict[str, RecordFacts]:
    trust = TrustStore.pinned()
    return {
        "2511.00066": verified_facts(load_fixture(REAL_RECORDS["2511.00066"]), trust),
        "2606.01249": verified_facts(load_fixture(REAL_RECORDS["2606.01249"]), trust),
        "2602.19327": verified_facts(load_fixture(REAL_BUNDLE), trust),
    }


@pytest.fixture(scope="module")
def signer() -> tuple[TestKey, TrustStore]:
    key = TestKey()
    return key, TrustStore.pinned().with_keys(parse_key_document(key.key_document()))


def lookup(facts: dict[str, RecordFacts]):
    return lambda arxiv: facts.get(arxiv.id)


def by_key(findings: list[CrossFinding], code: str | None = None) -> dict[str, CrossFinding]:
    return {f.key: f for f in findings if code is None or f.code == code}


# --- facts --------------------------------------------------------------------------


def test_facts_come_from_the_signed_records(real):
    sharp = real["2511.00066"]
    assert sharp.source == ArxivId("2511.00066", 4)
    assert sharp.pith_number.full == "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"
    assert sharp.title == SHARP_TITLE
    assert real["2602.19327"].pith_number.full == "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"
    assert real["2602.19327"].title == SOFT_TITLE


@pytest.mark.parametrize("requested, signed", [
    (ArxivId("2511.00066"), ("2511.00066", 4, "ab" * 32)),          # the common case: the id as cited
    (ArxivId("2511.00066", 4), ("2511.00066", 4, "AB" * 32)),
    (ArxivId("math/0601001"), ("math.AG/0601001", 2, "ab" * 32)),   # a subject class: normalised
    (ArxivId("2511.00066"), ("2511.00066", None, "ab" * 32)),
    (ArxivId("2511.00066"), ("2511.00066", "4", "ab" * 32)),
])
def test_facts_from_a_lock_entry_are_those_of_its_signed_facts(requested, signed):
    from types import SimpleNamespace

    from pithtex.ids.pith_number import parse_pith_number

    number = parse_pith_number("pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD")
    entry = SimpleNamespace(requested=requested, signed_facts=signed, pith_number=number, title="T")
    assert RecordFacts.from_lock_entry(entry, latest=None) == RecordFacts.from_signed_facts(signed, number, title="T")
    bad = SimpleNamespace(requested=requested, signed_facts=(signed[0], signed[1], 7), pith_number=number, title=None)
    with pytest.raises(TypeError):
        RecordFacts.from_lock_entry(bad)


# --- titles -------------------------------------------------------------------------


def test_a_bibliography_with_the_right_ids_verifies_quietly(real):
    entries = [
        entry("sharp", "{Sharpness-Guided} {G}roup {R}elative {P}olicy {O}ptimization via {P}robability {S}haping",
              "2511.00066v4", line=1),
        entry("trust", r"\textit{Trust Region} On-Policy Distillation", "2606.01249", line=9),
        entry("soft", "{{Soft Sequence Policy Optimization}}", "arXiv:2602.19327v3", line=17),
    ]
    findings = crosscheck(entries, lookup(real))
    assert [(f.key, f.code, f.severity) for f in findings] == [
        ("sharp", "title-verified", "info"),
        ("trust", "title-verified", "info"),
        ("soft", "title-verified", "info"),
    ]
    assert not has_errors(findings)
    assert findings[0].details["candidate"] == "plain"
    assert findings[0].details["pith_number"] == "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"


def test_a_wrong_id_is_an_error_with_both_titles_file_and_line(real):
    e = entry("vaswani2017", "Attention Is All You Need", "2511.00066", line=12)
    [finding] = crosscheck([e], lookup(real))
    assert finding.code == "title-mismatch" and finding.severity == "error"
    assert str(finding) == (
        'refs.bib:12: vaswani2017: the title does not match arXiv:2511.00066v4 (signed record). '
        'Your entry: "Attention Is All You Need"; '
        'arXiv: "Sharpness-Guided Group Relative Policy Optimization via Probability Shaping". '
        "The arXiv id is probably wrong."
    )
    assert finding.details["your_title"] == "Attention Is All You Need"
    assert finding.details["registry_title"] == SHARP_TITLE
    assert has_errors([finding])
    assert mismatched_keys([finding]) == {"vaswani2017"}


def test_ids_swapped_between_two_entries_are_caught_naming_both(real):
    entries = [
        entry("sharp2025", SHARP_TITLE, "2606.01249", line=3),   # has trust's id
        entry("trust2026", TRUST_TITLE, "2511.00066", line=10),  # has sharp's id
        entry("soft2026", SOFT_TITLE, "2602.19327", line=20),
    ]
    findings = crosscheck(entries, lookup(real))
    errors = [f for f in findings if f.severity == "error"]
    assert {f.key for f in errors} == {"sharp2025", "trust2026"}
    assert mismatched_keys(findings) == {"sharp2025", "trust2026"}
    mism = by_key(findings, "title-mismatch")
    assert "trust2026 (refs.bib:10)" in mism["sharp2025"].message
    assert "sharp2025 (refs.bib:3)" in mism["trust2026"].message
    for f in errors:
        assert "look swapped" in f.message
        assert f.details["title_matches"]["mutual"] is True
    assert str(mism["sharp2025"]).startswith("refs.bib:3: sharp2025: the title does not match arXiv:2606.01249v1")
    assert by_key(findings)["soft2026"].code == "title-verified"


def test_an_id_pasted_from_the_neighbouring_entry(real):
    entries = [
        entry("sharp", SHARP_TITLE, "2511.00066", line=1),
        entry("trust", TRUST_TITLE, "2511.00066", line=8),  # pasted from the entry above
    ]
    findings = crosscheck(entries, lookup(real))
    mism = by_key(findings, "title-mismatch")["trust"]
    assert mism.severity == "error"
    # trust's title is no other entry's paper: nothing to point at.
    assert "title_matches" not in mism.details
    dup = by_key(findings, "duplicate-reference")["trust"]
    assert "sharp (refs.bib:1)" in dup.message


def test_a_differently_worded_published_title_is_a_warning_not_an_error(real):
    e = entry("sharp", "Sharpness-Guided Group Relative Policy Optimisation with Probability Shaping", "2511.00066")
    [finding] = crosscheck([e], lookup(real))
    assert (finding.code, finding.severity) == ("title-differs", "warning")
    assert finding.details["comparison"] == "reworded"
    assert "worded differently" in finding.message
    assert SHARP_TITLE in finding.message
    assert not has_errors([finding])


def test_a_subtitle_added_on_publication_is_a_warning(real):
    e = entry("trust", "Trust Region On-Policy Distillation for Large Language Models", "2606.01249")
    [finding] = crosscheck([e], lookup(real))
    assert (finding.code, finding.severity) == ("title-differs", "warning")


def test_case_and_punctuation_are_a_harmless_difference(real):
    e = entry("soft", "Soft sequence policy-optimization.", "2602.19327")
    [finding] = crosscheck([e], lookup(real))
    assert (finding.code, finding.severity) == ("title-differs", "warning")
    assert finding.details["comparison"] == "same-words"
    assert "only in case, punctuation or markup" in finding.message


def test_a_template_title_one_word_apart_is_an_error(real):
    e = entry("gspo", "Group Sequence Policy Optimization", "2602.19327")
    [finding] = crosscheck([e], lookup(real))
    assert (finding.code, finding.severity) == ("title-mismatch", "error")


def test_allow_title_mismatch_accepts_one_on_purpose(real):
    entries = [
        entry("vaswani2017", "Attention Is All You Need", "2511.00066", line=12),
        entry("other", "Something Else Entirely", "2606.01249", line=20),
    ]
    findings = crosscheck(entries, lookup(real), allow_title_mismatch=["vaswani2017", "stale-key"])
    allowed = by_key(findings)["vaswani2017"]
    assert (allowed.code, allowed.severity) == ("title-mismatch", "warning")
    assert "Accepted on purpose" in allowed.message
    assert allowed.details["accepted"] is True
    assert by_key(findings)["other"].severity == "error"
    assert mismatched_keys(findings) == {"other"}
    assert unused_allowances(findings, ["vaswani2017", "stale-key"]) == ["stale-key"]


def test_signed_accented_titles_in_tex(signer):
    key, trust = signer
    facts = verified_facts(make_record(key, "2401.00001", 1, "Schrödinger Bridges for Gödel Machines"), trust)
    e = entry("schr", r"{Schr\"{o}dinger} Bridges for G{\"o}del Machines", "2401.00001")
    [finding] = crosscheck([e], lambda a: facts)
    assert finding.code == "title-verified"
    e2 = entry("schr", "Schrodinger Bridges for Godel Machines", "2401.00001")
    [finding2] = crosscheck([e2], lambda a: facts)
    assert (finding2.code, finding2.details["comparison"]) == ("title-differs", "same-words")


# --- when the title cannot be checked ----------------------------------------------------


def test_no_title_or_no_record_is_unchecked(real):
    findings = crosscheck(
        [entry("notitle", None, "2511.00066", line=1), entry("unknown", "Some Paper", "2401.00002", line=5)],
        lookup(real),
    )
    assert [(f.key, f.code, f.severity, f.details["reason"]) for f in findings] == [
        ("notitle", "title-unchecked", "info", "no-title"),
        ("unknown", "title-unchecked", "info", "no-record"),
    ]


def test_a_record_without_a_usable_hash_is_unchecked(real):
    facts = real["2511.00066"]._replace(title_canon_sha256="")
    finding = check_title(entry("k", SHARP_TITLE, "2511.00066"), parse_arxiv_id("2511.00066"), facts)
    assert (finding.code, finding.details["reason"]) == ("title-unchecked", "no-signed-hash")


def test_without_a_plain_registry_title_a_hash_mismatch_is_still_an_error(real):
    """Issue 13: a missing unsigned hint cannot downgrade a signed mismatch."""
    facts = real["2511.00066"]._replace(title=None)
    finding = check_title(entry("k", "Attention Is All You Need", "2511.00066"), parse_arxiv_id("2511.00066"), facts)
    assert (finding.code, finding.severity) == ("title-mismatch", "error")
    assert finding.details["comparison"] == "unavailable"
    assert finding.message == (
        "the title does not match arXiv:2511.00066v4 (signed record), and the registry sent no plain title to "
        'compare with. Your entry: "Attention Is All You Need". The arXiv id is probably wrong.'
    )
    # ...and it never stops a right title from verifying
    ok = check_title(entry("k", SHARP_TITLE, "2511.00066"), parse_arxiv_id("2511.00066"), facts)
    assert ok.code == "title-verified"


@pytest.mark.parametrize("hint", [
    "Attention Is All You Need",  # the entry's own title, as a hostile registry or lock edit would send
    "Attention Is All You Need\u00a0",  # ...with a non-ASCII character, which the verifier cannot judge
    "Attention Is Àll You Need",
])
def test_the_unsigned_registry_title_never_decides(real, hint):
    """Issue 13: a plain title that agrees with the entry but not with the signed hash changes nothing."""
    facts = real["2511.00066"]._replace(title=hint)
    finding = check_title(entry("k", "Attention Is All You Need", "2511.00066"), parse_arxiv_id("2511.00066"), facts)
    assert (finding.code, finding.severity) == ("title-mismatch", "error")
    assert finding.details["registry_title_signed"] is False
    assert finding.details["comparison"] == "unsigned-hint"
    assert "does not match the signed hash either, so it is not used. The arXiv id is probably wrong." in finding.message
    assert mismatched_keys([finding]) == {"k"}
    # A different unsigned title does not hide a wrong id either.
    facts2 = real["2511.00066"]._replace(title="Completely Unrelated Words Here")
    wrong = check_title(entry("k", "Attention Is All You Need", "2511.00066"), parse_arxiv_id("2511.00066"), facts2)
    assert wrong.severity == "error"


def test_a_signed_plain_title_still_tells_a_harmless_difference(real):
    """The hint counts when it is the signed title: then it is as good as signed."""
    finding = check_title(entry("k", "Sharpness-guided group relative policy optimisation via probability shaping",
                                "2511.00066"), parse_arxiv_id("2511.00066"), real["2511.00066"])
    assert (finding.code, finding.severity) == ("title-differs", "warning")
    assert finding.details["registry_title_signed"] is True


# --- version drift ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def versions(signer):
    key, trust = signer
    v1 = verified_facts(make_record(key, "2402.00007", 1, "A Paper in Three Versions"), trust)
    v3 = verified_facts(make_record(key, "2402.00007", 3, "A Paper in Three Versions"), trust)
    assert v1.pith_number != v3.pith_number
    return v1, v3


def test_citing_an_older_version_is_reported_with_the_later_pith_number(versions):
    v1, v3 = versions
    facts = v1._replace(latest=(3, v3.pith_number))
    e = entry("three", "A Paper in Three Versions", "2402.00007v1", line=4)
    findings = crosscheck([e], lambda a: facts)
    assert [f.code for f in findings] == ["title-verified", "version-drift"]
    drift = findings[1]
    assert drift.severity == "info"
    assert drift.details["latest_pith_number"] == v3.pith_number.full
    assert drift.details["latest_version"] == 3
    assert str(drift) == (
        f"refs.bib:4: three: cites arXiv:2402.00007v1; arXiv has a later version, arXiv:2402.00007v3 "
        f"({v3.pith_number.full}). Cite arXiv:2402.00007v3 if you mean the latest."
    )


def test_no_drift_at_the_latest_version_or_when_unknown(versions):
    v1, v3 = versions
    latest = v3._replace(latest=(3, v3.pith_number))
    assert check_version_drift(entry("k", None, "2402.00007v3"), parse_arxiv_id("2402.00007v3"), latest) is None
    assert check_version_drift(entry("k", None, "2402.00007v1"), parse_arxiv_id("2402.00007v1"), v1) is None
    assert check_version_drift(entry("k", None, "2402.00007v1"), parse_arxiv_id("2402.00007v1"), None) is None


def test_an_unversioned_citation_pinned_to_an_old_version_drifts(versions):
    v1, v3 = versions
    facts = v1._replace(latest=(3, v3.pith_number))
    drift = check_version_drift(entry("k", None, "2402.00007"), parse_arxiv_id("2402.00007"), facts)
    assert drift is not None and drift.message.startswith("resolved to arXiv:2402.00007v1;")


# --- duplicates ---------------------------------------------------------------------------


def test_two_keys_citing_one_paper_are_reported_naming_both(real):
    entries = [
        entry("sspo", SOFT_TITLE, "2602.19327", line=2),
        entry("trust", TRUST_TITLE, "2606.01249", line=8),
        entry("soft-v3", SOFT_TITLE, "2602.19327v3", line=15, file="more.bib"),
    ]
    findings = crosscheck(entries, lookup(real))
    dups = [f for f in findings if f.code == "duplicate-reference"]
    assert len(dups) == 1
    [dup] = dups
    assert (dup.severity, dup.file, dup.line, dup.key) == ("warning", "more.bib", 15, "soft-v3")
    assert str(dup) == (
        "more.bib:15: soft-v3: cites the same paper (arXiv:2602.19327) as sspo (refs.bib:2). "
        "Keep one key, or the bibliography lists the paper twice."
    )
    assert dup.details["keys"] == ["sspo", "soft-v3"]
    assert [(e["key"], e["file"], e["line"]) for e in dup.details["entries"]] == [
        ("sspo", "refs.bib", 2),
        ("soft-v3", "more.bib", 15),
    ]
    # findings come in file order, then line order
    assert [(f.file, f.line) for f in findings] == sorted(
        [(f.file, f.line) for f in findings], key=lambda fl: (fl[0] != "refs.bib", fl[1])
    )


def test_duplicates_by_pith_number_and_in_threes():
    pith = "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"
    entries = [
        entry("a", None, "2602.19327", line=1, pith=pith),
        entry("b", None, line=5, pith="C7HZCGQ4XG57XBILJLQGM22JGT"),
        entry("c", None, line=9, pith=pith),
        entry("d", None, "2606.01249", line=13),
    ]
    findings = find_duplicates(entries)
    assert [(f.key, f.line) for f in findings] == [("b", 5), ("c", 9)]
    assert all("as a (refs.bib:1)" in f.message for f in findings)
    assert findings[0].details["keys"] == ["a", "b", "c"]


def test_the_same_key_twice_is_not_a_duplicate_reference():
    entries = [entry("same", None, "2602.19327", line=1), entry("same", None, "2602.19327", line=9, file="b.bib")]
    assert find_duplicates(entries) == []


def test_an_unparsable_pithnumber_field_is_ignored():
    entries = [entry("a", None, line=1, pith="not a number"), entry("b", None, line=2, pith="not a number")]
    assert find_duplicates(entries) == []


# --- the API for the commands -----------------------------------------------------------------


def test_facts_for_is_asked_once_per_distinct_id(real):
    asked: list[ArxivId] = []

    def facts_for(a: ArxivId):
        asked.append(a)
        return real.get(a.id)

    entries = [entry("a", SOFT_TITLE, "2602.19327", line=1), entry("b", SOFT_TITLE, "2602.19327", line=5),
               entry("c", TRUST_TITLE, "2606.01249v1", "2606.01249v1", line=9)]
    crosscheck(entries, facts_for)
    assert asked == [ArxivId("2602.19327"), ArxivId("2606.01249", 1)]


def test_findings_serialise_with_stable_codes(real):
    entries = [entry("vaswani2017", "Attention Is All You Need", "2511.00066", line=12),
               entry("dup", SHARP_TITLE, "2511.00066v4", line=20)]
    findings = crosscheck(entries, lookup(real))
    payload = json.loads(json.dumps([f.to_json() for f in findings]))
    assert [(p["code"], p["severity"], p["key"], p["line"]) for p in payload] == [
        ("title-mismatch", "error", "vaswani2017", 12),
        ("title-verified", "info", "dup", 20),
        ("duplicate-reference", "warning", "dup", 20),
    ]
    assert set(payload[0]) == {"code", "severity", "file", "line", "key", "message", "details"}
    assert all(p["code"] in CODES for p in payload)
    assert CODES == ("title-verified", "title-differs", "title-mismatch", "title-unchecked",
                     "version-drift", "duplicate-reference")


def test_unnamed_bibitems_are_told_apart_by_place(real):
    entries = [entry(None, SHARP_TITLE, "2606.01249", line=3, file="paper.bbl"),
               entry(None, TRUST_TITLE, "2511.00066", line=7, file="paper.bbl")]
    findings = crosscheck(entries, lookup(real), allow_title_mismatch=["None", ""])
    errors = [f for f in findings if f.severity == "error"]
    assert len(errors) == 2
    assert "which the entry at paper.bbl:7 cites" in errors[0].message
    assert str(errors[0]).startswith("paper.bbl:3: the title does not match")
    [dup] = find_duplicates(entries + [entry(None, None, "2606.01249", line=11, file="paper.bbl")])
    assert "as the entry at paper.bbl:3" in dup.message and dup.key is None
    assert mismatched_entries(findings) == {("paper.bbl", 3), ("paper.bbl", 7)}


BIB = r"""% a bibliography as people write it
@article{sharp2025,
  title   = {{Sharpness-Guided} {G}roup {R}elative {P}olicy {O}ptimization via {P}robability {S}haping},
  author  = {Somebody, A.},
  eprint  = {2606.01249},
  archivePrefix = {arXiv},
}

@misc{trust2026,
  title = "Trust Region On-Policy Distillation",
  note  = {arXiv:2511.00066v4},
}

@inproceedings{soft,
  title = {{Soft Sequence Policy Optimization}},
  url   = {https://arxiv.org/abs/2602.19327v3},
  pithnumber = {C7HZCGQ4XG57XBILJLQGM22JGT},
}

@article{soft-again,
  title = {Soft Sequence Policy-Optimization},
  journal = {arXiv preprint arXiv:2602.19327},
}
"""


def test_scanned_bib_file_end_to_end(real, tmp_path):
    """Entries from the real scanner: the swap is caught naming both, with the lines of the entries."""
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    scan = scan_paths([bib])
    assert not scan.errors
    findings = crosscheck(scan.entries, lookup(real))
    got = [(f.line, f.key, f.code, f.severity) for f in findings]
    assert got == [
        (2, "sharp2025", "title-mismatch", "error"),
        (9, "trust2026", "title-mismatch", "error"),
        (14, "soft", "title-verified", "info"),
        (20, "soft-again", "title-differs", "warning"),
        (20, "soft-again", "duplicate-reference", "warning"),
    ]
    sharp = findings[0]
    assert str(sharp).startswith(f"{bib}:2: sharp2025: the title does not match arXiv:2606.01249v1 (signed record).")
    assert f"trust2026 ({bib}:9)" in sharp.message and "look swapped" in sharp.message
    assert f"sharp2025 ({bib}:2)" in findings[1].message
    assert f"as soft ({bib}:14)" in findings[4].message
    assert has_errors(findings)


def test_drift_is_found_between_two_citations_of_one_paper(versions):
    """Without `latest` from the caller, a later version cited elsewhere in the bibliography is used."""
    v1, v3 = versions
    facts = {ArxivId("2402.00007", 1): v1, ArxivId("2402.00007", 3): v3}
    entries = [entry("old", None, "2402.00007v1", line=1), entry("new", None, "2402.00007v3", line=9)]
    findings = crosscheck(entries, facts.get)
    drift = [f for f in findings if f.code == "version-drift"]
    assert [(f.key, f.details["latest_pith_number"]) for f in drift] == [("old", v3.pith_number.full)]


_TEXISH = st.lists(
    st.sampled_from(list("ab ZÖ{}\\$%&~^_#-'`\"\n") + ["\\\"o", "\\textit{", "$\\alpha$", "--"]), max_size=30
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=_TEXISH, hint=st.one_of(st.none(), _TEXISH))
def test_no_title_ever_makes_the_check_raise(real, title, hint):
    facts = real["2511.00066"]._replace(title=hint)
    finding = check_title(entry("k", title, "2511.00066"), parse_arxiv_id("2511.00066"), facts)
    assert finding.code in CODES and finding.severity in ("error", "warning", "info")
    assert str(finding).startswith("refs.bib:1: k: ")
    json.dumps(finding.to_json())


_TITLES = [SHARP_TITLE, TRUST_TITLE, SOFT_TITLE, "Attention Is All You Need", "", None,
           "{Sharpness-Guided} Group Relative Policy Optimization via Probability Shaping"]
_IDS = ["2511.00066", "2511.00066v4", "2606.01249", "2602.19327v3", "2101.00001"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", None]), st.sampled_from(_TITLES),
                               st.lists(st.sampled_from(_IDS), min_size=1, max_size=2)), max_size=8),
       unusable=st.booleans(), allow=st.lists(st.sampled_from(["a", "b", "zzz"]), max_size=2))
def test_leaving_out_the_title_information_leaves_every_other_finding(real, rows, unusable, allow):
    facts = dict(real)
    if unusable:  # a record without a usable title hash: title-unchecked
        facts["2606.01249"] = facts["2606.01249"]._replace(title_canon_sha256="none")
    entries = [entry(key, title, *ids, line=10 * i + 1) for i, (key, title, ids) in enumerate(rows)]
    every = crosscheck(entries, lookup(facts), allow_title_mismatch=allow)
    fewer = crosscheck(entries, lookup(facts), allow_title_mismatch=allow, title_info=False)
    assert fewer == [f for f in every if f.code not in ("title-verified", "title-unchecked")]


def _groups_by_search(entries) -> list[list[int]]:  # type: ignore[no-untyped-def]
    """The groups of entries that cite one paper, by a plain search: the specification."""
    from pithtex.crosscheck.checks import _pith_suffix

    def idents(e):  # type: ignore[no-untyped-def]
        s = _pith_suffix(e.pithnumber)
        return {("arxiv", a.id) for a in e.arxiv} | ({("pith", s)} if s else set())

    seen: set[int] = set()
    groups = []
    for i in range(len(entries)):
        if i in seen:
            continue
        group, todo = {i}, [i]
        while todo:
            j = todo.pop()
            for k in range(len(entries)):
                if k not in group and idents(entries[j]) & idents(entries[k]):
                    group.add(k)
                    todo.append(k)
        seen |= group
        groups.append(sorted(group))
    return groups


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", "e", None]),
                          st.lists(st.sampled_from(["2511.00066", "2606.01249v2", "2602.19327", "2101.00001"]),
                                   max_size=2),
                          st.sampled_from([None, "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT", "C7HZCGQ4XG57XBILJLQGM22JGT",
                                           "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD", "junk"])), max_size=9))
def test_duplicates_are_the_groups_a_plain_search_finds(rows):  # type: ignore[no-untyped-def]
    entries = [entry(key, None, *ids, line=3 * i + 1, pith=pith) for i, (key, ids, pith) in enumerate(rows)]
    expected = []
    for group in _groups_by_search(entries):
        firsts = {}
        for i in group:
            firsts.setdefault(entries[i].key or f"refs.bib:{entries[i].line}", i)
        if len(firsts) > 1:  # the group's entries that are not the first entry again
            head = entries[group[0]].key or f"refs.bib:{entries[group[0]].line}"
            expected += [entries[i].line for i in group[1:] if (entries[i].key or f"refs.bib:{entries[i].line}") != head]
    assert sorted(f.line for f in find_duplicates(entries)) == sorted(expected)


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"\A(\d{4}\.\d{4,6}|[a-zA-Z.\-]{1,12}/\d{7}|arXiv:\d{4}\.\d{5}| ?\d{4}\.\d{5}v?\d?)\Z"))
def test_a_signed_source_id_is_normalised_as_parse_arxiv_id_does(text):  # type: ignore[no-untyped-def]
    from pithtex.ids.arxiv import InvalidArxivId, normal_id

    try:
        expected = parse_arxiv_id(text).id
    except InvalidArxivId:
        with pytest.raises(InvalidArxivId):
            normal_id(text)
        return
    assert normal_id(text) == expected
