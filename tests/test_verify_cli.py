"""`pithtex verify` end to end, as a subprocess: output, JSON fields, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pithtex.verify.keys import ENV_TRUST_KEYS
from tests.support.signing import REAL_BUNDLE, REAL_RECORDS, TestKey, load_fixture, make_bundle, make_record

RECORD = REAL_RECORDS["2511.00066"]
RECORD_2 = REAL_RECORDS["2606.01249"]


def verify(*args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != ENV_TRUST_KEYS}
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "pithtex", "verify", *args],
        input=input,
        capture_output=True,
        timeout=60,
        env=full_env,
    )
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def write_json(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_real_fixtures_verify_with_one_line_each() -> None:
    proc = verify(str(RECORD), str(RECORD_2), str(REAL_BUNDLE))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        f"{RECORD}: verified pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD (record, key pith-v1-2026-05)",
        f"{RECORD_2}: verified pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE (record, key pith-v1-2026-05)",
        f"{REAL_BUNDLE}: verified pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT (bundle, key pith-v1-2026-05)",
    ]
    assert proc.stderr == ""


def test_json_fields() -> None:
    proc = verify("--json", str(RECORD), str(REAL_BUNDLE))
    assert proc.returncode == 0
    record, bundle = json_lines(proc.stdout)
    assert record["path"] == str(RECORD)
    assert record["kind"] == "record" and record["status"] == "verified"
    assert record["pith_number"] == "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"
    assert record["canonical_sha256"] == "93c630d62d96fd4ddb40c4a0c63a6390d1fe33a219909cc0a01d9a8d3f0f1d3d"
    assert record["problems"] == [] and record["unverified"] == []
    assert record["source"] == "arXiv:2511.00066v4"
    assert record["key_id"] == "pith-v1-2026-05"
    assert all(check["ok"] is True for check in record["checks"])
    assert bundle["kind"] == "bundle"
    assert bundle["state_sha256"] == "497c1e93c22c195dbd568a8d908591e773ea47dd036aa85686271c4da3ae41ae"
    assert bundle["event_count"] == 2


def test_unsigned_and_signature_only_exit_0(tmp_path: Path) -> None:
    record = load_fixture(RECORD)
    canonical = write_json(tmp_path / "canonical.json", record["canonical_record"])
    receipt = write_json(tmp_path / "receipt.json", record["receipt"])
    proc = verify("--json", str(canonical), str(receipt))
    assert proc.returncode == 0, proc.stdout
    first, second = json_lines(proc.stdout)
    assert (first["kind"], first["status"], first["pith_number"]) == (
        "canonical_record", "unsigned", "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD",
    )
    assert (second["kind"], second["status"], second["pith_number"]) == ("receipt", "signature-only", None)
    assert second["canonical_sha256"] == record["canonical_sha256"]
    human = verify(str(canonical), str(receipt)).stdout.splitlines()
    assert human[0] == f"{canonical}: unsigned pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD (canonical_record)"
    assert human[1] == f"{receipt}: signature-only sha256:{record['canonical_sha256']} (receipt, key pith-v1-2026-05)"


def test_invalid_record_names_every_failed_check(tmp_path: Path) -> None:
    record = load_fixture(RECORD)
    record["pith_number"] = "pith:2025:AAAAAAAAAAAAAAAAAAAAAAAAAA"
    record["source"]["version"] = 3
    path = write_json(tmp_path / "bad.json", record)
    proc = verify(str(path), str(RECORD))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"{path}: invalid: ")
    assert "pith_number 'pith:2025:AAAAAAAAAAAAAAAAAAAAAAAAAA' is not the recomputed" in lines[0]
    assert "source {" in lines[0]
    assert lines[1].startswith(f"{RECORD}: verified")
    data = json_lines(verify("--json", str(path)).stdout)[0]
    assert data["status"] == "invalid" and len(data["problems"]) == 2
    assert data["pith_number"] == "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"  # computed, not the claim


def test_stdin() -> None:
    proc = verify("-", input=RECORD.read_bytes())
    assert proc.returncode == 0
    assert proc.stdout.startswith("<stdin>: verified pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD")
    proc = verify("--json", "-", input=b"{}")
    assert proc.returncode == 1
    assert json_lines(proc.stdout)[0]["path"] == "<stdin>"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json at all", "not JSON: Expecting value (line 1 column 1)"),
        (b'{"a": "cut', "not JSON: Unterminated string starting at (line 1 column 7)"),  # not "at at"
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
        (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
        (b"[1, 2, 3]", "not a Pith document"),
        (b'{"kind": "pith_receipt", "canonical_sha256": 5}', "is not a SHA-256 hex digest"),
        (b'{"record_type": "pith_number_record", "canonical_record": "x", "receipt": {}}', "canonical_record is missing or not an object"),
    ],
)
def test_malformed_input_is_one_clear_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(content)
    proc = verify(str(path))
    assert proc.returncode == 1
    assert proc.stdout.count("\n") == 1 and message in proc.stdout
    assert proc.stdout.startswith(f"{path}: invalid: ")
    assert "Traceback" not in proc.stderr and proc.stderr == ""


def test_huge_input_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.write(b'{"a": "')
        handle.write(b"x" * (17 * 1024 * 1024))
        handle.write(b'"}')
    proc = verify(str(path))
    assert proc.returncode == 1
    assert "larger than" in proc.stdout and proc.stdout.count("\n") == 1


def test_unreadable_inputs_exit_2_and_the_rest_are_still_reported(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    proc = verify("--json", str(missing), str(tmp_path), str(RECORD))
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"pithtex: {missing}: cannot read: no such file",
        f"pithtex: {tmp_path}: cannot read: is a directory",
    ]
    (only,) = json_lines(proc.stdout)
    assert only["status"] == "verified"


def test_invalid_and_unreadable_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"{}")
    assert verify(str(bad), str(tmp_path / "missing")).returncode == 2


def test_usage_errors_exit_2() -> None:
    assert verify().returncode == 2
    proc = verify("-", "-", input=b"{}")
    assert proc.returncode == 2 and "stdin" in proc.stderr
    assert verify("--no-such-flag", str(RECORD)).returncode == 2


def test_generated_material_needs_trust_key(tmp_path: Path, test_key: TestKey) -> None:
    record = write_json(tmp_path / "record.json", make_record(test_key, "2401.01234", 1, "A Paper"))
    bundle = write_json(tmp_path / "bundle.json", make_bundle(test_key, "2401.01234", 1, "A Paper"))
    key_file = test_key.write_key_file(tmp_path / "key.json")
    untrusted = verify(str(record), str(bundle))
    assert untrusted.returncode == 1
    assert "not trusted" in untrusted.stdout
    for line in untrusted.stdout.splitlines():  # the explanation once per line, however many signatures
        assert line.count("never trusted; add one with --trust-key") == 1, line
    trusted = verify("--trust-key", str(key_file), str(record), str(bundle))
    assert trusted.returncode == 0, trusted.stdout
    assert f"(record, key {test_key.key_id})" in trusted.stdout
    via_env = verify(str(record), str(bundle), env={ENV_TRUST_KEYS: str(key_file)})
    assert via_env.returncode == 0


def test_repeatable_trust_key(tmp_path: Path) -> None:
    a, b = TestKey(key_id="a"), TestKey(key_id="b")
    ra = write_json(tmp_path / "a.json", make_record(a, "2401.01234", 1, "A"))
    rb = write_json(tmp_path / "b.json", make_record(b, "2401.05678", 1, "B"))
    ka, kb = a.write_key_file(tmp_path / "ka.json"), b.write_key_file(tmp_path / "kb.json")
    assert verify("--trust-key", str(ka), str(ra), str(rb)).returncode == 1
    assert verify("--trust-key", str(ka), "--trust-key", str(kb), str(ra), str(rb)).returncode == 0


def test_bad_trust_key_file_is_a_usage_error(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"key_id": "k", "algorithm": "ed25519", "public_key_hex": "01" + "00" * 31}))
    proc = verify("--trust-key", str(key), str(RECORD))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"pithtex: {key}: unsafe Ed25519 public key: a small-order point")
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_bundle_resigned_by_its_own_shipped_key_is_invalid(tmp_path: Path) -> None:
    attacker = TestKey(key_id="attacker")
    path = write_json(tmp_path / "bundle.json", make_bundle(attacker, "2602.19327", 3, "Soft Sequence Policy Optimization"))
    proc = verify("--json", str(path))
    assert proc.returncode == 1
    result = json_lines(proc.stdout)[0]
    assert result["status"] == "invalid"
    assert any("keys shipped inside a document are never trusted" in p for p in result["problems"])
