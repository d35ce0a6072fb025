"""The cross-check as the commands report it: stable codes in --json, swapped ids
caught by `resolve`, version drift from verified lock entries (issue 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pithtex.cli import main
from pithtex.ids.arxiv import ArxivId
from pithtex.resolve.lockfile import LockEntry, Lockfile
from pithtex.verify.document import verify_document
from pithtex.verify.keys import trust_store_from
from tests.support.example import copy_example
from tests.support.signing import TestKey, make_record



@pytest.fixture
def paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "paper"
    root.mkdir()
    (tmp_path / ".git").mkdir()
    copy_example(root, ("main.tex", "refs.bib", "pith.lock", "pithtex.toml"))
    monkeypatch.setenv("PITHTEX_REGISTRY", "http://127.0.0.1:9")  # closed: nothing may go online
    monkeypatch.setenv("PITHTEX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PITHTEX_TRUST_KEYS", raising=False)
    monkeypatch.chdir(root)
    return root


def swap_ids(bib: Path) -> None:
    text = bib.read_text()
    text = text.replace("2511.00066", "@@A@@").replace("2606.01249", "2511.00066").replace("@@A@@", "2606.01249")
    bib.write_text(text)


def test_resolve_reports_swapped_ids_with_both_titles(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    swap_ids(paper / "refs.bib")
    code = main(["resolve", "--offline", "refs.bib"])
    out, err = capsys.readouterr()
    assert code == 0  # every id resolved and verified: resolve's exit code says that, and no more
    assert "vanngo2025sharpness: the title does not match arXiv:2606.01249" in err
    assert "Trust Region On-Policy Distillation" in err and "gao2026trust" in err

    assert main(["resolve", "--offline", "--json", "refs.bib"]) == 0
    doc = json.loads(capsys.readouterr().out)
    codes = {(f["key"], f["code"]) for f in doc["findings"]}
    assert ("vanngo2025sharpness", "title-mismatch") in codes and ("gao2026trust", "title-mismatch") in codes
    assert ("softseq2026", "title-verified") in codes


def test_resolve_is_quiet_about_titles_that_match(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resolve", "--offline", "--quiet", "refs.bib"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_check_json_carries_stable_codes(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--json", "refs.bib"]) == 1
    lines = json.loads(capsys.readouterr().out)["problems"]
    missing = [l for l in lines if l["code"] == "missing-annotation"]
    assert {l["key"] for l in missing} == {"vanngo2025sharpness", "gao2026trust", "softseq2026"}
    assert all(l["kind"] == "problem" and l["line"] for l in missing)
    verified = {l["key"] for l in lines if l["code"] == "title-verified"}
    assert verified == {"vanngo2025sharpness", "gao2026trust", "softseq2026"}

    assert main(["annotate", "--quiet", "refs.bib"]) == 0
    capsys.readouterr()
    swap_ids(paper / "refs.bib")
    assert main(["check", "--json", "refs.bib"]) == 1
    lines = json.loads(capsys.readouterr().out)["problems"]
    mismatch = [l for l in lines if l["code"] == "title-mismatch"]
    assert {l["key"] for l in mismatch} == {"vanngo2025sharpness", "gao2026trust"}
    assert all(l["kind"] == "problem" and "details" in l for l in mismatch)
    assert main(["check", "--json", "--allow-title-mismatch", "vanngo2025sharpness",
                 "--allow-title-mismatch", "gao2026trust", "refs.bib"]) == 1  # still the wrong numbers
    lines = json.loads(capsys.readouterr().out)["problems"]
    assert {l["kind"] for l in lines if l["code"] == "title-mismatch"} == {"warning"}


def test_check_reports_version_drift_from_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = TestKey()
    key_file = key.write_key_file(tmp_path / "key.json")
    monkeypatch.setenv("PITHTEX_TRUST_KEYS", str(key_file))
    monkeypatch.setenv("PITHTEX_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    trust = trust_store_from()
    lock = Lockfile.load(tmp_path / "pith.lock")
    title = "Drifting Papers Considered Harmless"
    numbers = {}
    for cited, version in ((ArxivId("2403.01234", 1), 1), (ArxivId("2403.01234"), 3)):
        result = verify_document(make_record(key, "2403.01234", version, title), trust)
        assert result.ok, result.problems
        lock.put(LockEntry.from_result(cited, result))
        numbers[version] = result.pith_number.full
    lock.save()
    (tmp_path / "refs.bib").write_text(
        "@misc{drift2024,\n"
        f"  title = {{{title}}},\n"
        "  eprint = {2403.01234v1},\n"
        "  archivePrefix = {arXiv},\n"
        f"  pithnumber = {{{numbers[1]}}},\n"
        "}\n"
    )
    assert main(["check", "refs.bib"]) == 0  # information is not a problem
    _, err = capsys.readouterr()
    assert "refs.bib:1: drift2024:" in err and "v3" in err and numbers[3] in err and "(info)" in err
    assert main(["check", "--json", "refs.bib"]) == 0
    lines = json.loads(capsys.readouterr().out)["problems"]
    drift = [l for l in lines if l["code"] == "version-drift"]
    assert len(drift) == 1 and drift[0]["kind"] == "info"


def test_annotate_json_stays_json_when_it_refuses_to_write(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    swap_ids(paper / "refs.bib")
    before = (paper / "refs.bib").read_bytes()
    assert main(["annotate", "--offline", "--json", "refs.bib"]) == 1
    out, err = capsys.readouterr()
    lines = json.loads(out)["lines"]
    assert {l["key"] for l in lines if l["code"] == "title-mismatch"} == {"vanngo2025sharpness", "gao2026trust"}
    assert "nothing was written" in err and (paper / "refs.bib").read_bytes() == before
