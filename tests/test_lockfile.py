"""pith.lock: deterministic JSON, clear errors, offline re-verification, crash safety, serialised writers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pithtex.errors import InputError
from pithtex.ids.arxiv import ArxivId, parse_arxiv_id
from pithtex.resolve.lockfile import LockEntry, Lockfile
from pithtex.verify.document import verify_json_bytes
from pithtex.verify.keys import trust_store_from
from tests.support.signing import REAL_RECORDS, TestKey, make_record
from tests.support.lock import v1_doc


def entry_for(arxiv: str, path: Path, trust=None) -> LockEntry:
    requested = parse_arxiv_id(arxiv)
    result = verify_json_bytes(path.read_bytes(), trust or trust_store_from(), expected=requested)
    assert result.ok, result.problems
    return LockEntry.from_result(requested, result)


def real_lock(path: Path) -> Lockfile:
    lock = Lockfile.load(path)
    lock.put(entry_for("2511.00066", REAL_RECORDS["2511.00066"]))
    lock.put(entry_for("2606.01249v1", REAL_RECORDS["2606.01249"]))
    return lock


def test_missing_file_is_an_empty_lock(tmp_path: Path) -> None:
    lock = Lockfile.load(tmp_path / "pith.lock")
    assert len(lock) == 0 and lock.get(ArxivId("2511.00066")) is None
    assert lock.save() is False  # nothing to write: no empty file appears
    assert not (tmp_path / "pith.lock").exists()


def test_one_canonical_line_per_reference_sorted_by_id(tmp_path: Path) -> None:
    path = tmp_path / "pith.lock"
    lock = real_lock(path)
    assert lock.save() is True
    data = path.read_bytes()
    header, *lines = data.decode("utf-8").splitlines()
    assert data.endswith(b"]\n") and json.loads(header)["lock_version"] == 2
    rows = [json.loads(line) for line in lines]
    assert [row[0] for row in rows] == ["2511.00066", "2606.01249v1"]
    for line, row in zip(lines, rows):  # canonical: what pithtex writes is what it reads back byte for byte
        assert json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False) == line
    cited, number, title, key_id, signature, deep, record = rows[0]
    assert number == "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD" and key_id == "pith-v1-2026-05" and deep is None
    assert title == "Sharpness-Guided Group Relative Policy Optimization via Probability Shaping"
    assert record["source"] == {"id": "2511.00066", "kind": "arxiv", "version": 4} and len(signature) == 88
    doc = v1_doc(path)  # every field of a v1 entry can still be had from it
    entry = doc["entries"]["2511.00066"]
    assert entry["cited_version"] is None and entry["source_version"] == 4 and "state_sha256" not in entry
    assert entry["receipt"]["signature_b64"] == signature
    # Same content in another order: byte-identical; saving again writes nothing.
    other = Lockfile(tmp_path / "other.lock")
    other.put(entry_for("2606.01249v1", REAL_RECORDS["2606.01249"]))
    other.put(entry_for("2511.00066", REAL_RECORDS["2511.00066"]))
    assert other.dumps() == data
    reread = Lockfile.load(path)
    assert reread.dumps() == data and reread.save() is False
    for entry in reread:  # read back, every entry verifies in one pass over its line
        result = reread.verify_entry(entry, trust_store_from())
        assert result.ok and [c.name for c in result.checks] == ["lock_entry"], result.problems


def test_entries_reverify_offline_with_the_trust_store_alone(tmp_path: Path) -> None:
    path = tmp_path / "pith.lock"
    real_lock(path).save()
    lock = Lockfile.load(path)
    trust = trust_store_from()
    for entry in lock:
        result = lock.verify_entry(entry, trust)
        assert result.ok, result.problems
        assert result.pith_number == entry.pith_number


def test_a_tampered_entry_does_not_verify(tmp_path: Path) -> None:
    path = tmp_path / "pith.lock"
    real_lock(path).save()
    doc = v1_doc(path)
    doc["entries"]["2511.00066"]["canonical_record"]["metadata"]["primary_cat"] = "cs.AI"
    path.write_text(json.dumps(doc))
    lock = Lockfile.load(path)
    result = lock.verify_entry(lock.get(ArxivId("2511.00066")), trust_store_from())
    assert not result.ok
    assert any("digest" in problem or "canonical_sha256" in problem for problem in result.problems)


def test_an_entry_signed_by_an_untrusted_key_does_not_verify(tmp_path: Path, test_key: TestKey) -> None:
    record = tmp_path / "r.json"
    record.write_text(json.dumps(make_record(test_key, "2401.00001", 1, "A Paper")))
    key_file = test_key.write_key_file(tmp_path / "key.json")
    lock = Lockfile(tmp_path / "pith.lock")
    lock.put(entry_for("2401.00001", record, trust_store_from([key_file])))
    assert lock.verify_entry(lock.get(ArxivId("2401.00001")), trust_store_from([key_file])).ok
    assert not lock.verify_entry(lock.get(ArxivId("2401.00001")), trust_store_from()).ok


def test_a_title_that_contradicts_the_signed_title_hash_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "pith.lock"
    real_lock(path).save()
    doc = v1_doc(path)
    doc["entries"]["2511.00066"]["title"] = "A Different Title Entirely"
    path.write_text(json.dumps(doc))
    lock = Lockfile.load(path)
    assert not lock.verify_entry(lock.get(ArxivId("2511.00066")), trust_store_from()).ok


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('{\n  "entries": {\n    "x": 1,,\n  }\n}\n', "3", "malformed pith.lock"),
        ("", "1", "empty lock file"),
        ('{"lock_version": 1}\n', "1", 'expected an object with "entries"'),
        ('{\n  "entries": {},\n  "lock_version": 9\n}\n', "3", "unsupported lock_version 9"),
        (
            '{\n  "entries": {\n    "2511.00066": {\n      "arxiv_id": "2511.00066"\n    }\n  },\n  "lock_version": 1\n}\n',
            "3",
            "entry '2511.00066'",
        ),
        ('{\n  "entries": {\n    "not-an-id": {}\n  },\n  "lock_version": 1\n}\n', "3", "entry 'not-an-id'"),
        ('{"entries": {}, "lock_version": 1.5}', "1", "floating-point"),
    ],
)
def test_malformed_lock_is_one_line_with_file_and_line(tmp_path: Path, text: str, line: str, fragment: str) -> None:
    path = tmp_path / "pith.lock"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        Lockfile.load(path)
    assert info.value.message.startswith(f"{path}:{line}: ")
    assert fragment in info.value.message
    assert "\n" not in info.value.message


def test_cited_version_must_agree_with_the_locked_version(tmp_path: Path) -> None:
    path = tmp_path / "pith.lock"
    real_lock(path).save()
    doc = v1_doc(path)
    doc["entries"]["2606.01249v1"]["source_version"] = 2
    path.write_text(json.dumps(doc, indent=2))
    with pytest.raises(InputError, match="cited as v1 but locked to v2"):
        Lockfile.load(path)


def test_a_failure_before_the_rename_leaves_the_old_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "pith.lock"
    lock = Lockfile(path)
    lock.put(entry_for("2511.00066", REAL_RECORDS["2511.00066"]))
    lock.save()
    before = path.read_bytes()
    lock = Lockfile.load(path)
    lock.put(entry_for("2606.01249", REAL_RECORDS["2606.01249"]))

    def boom(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        lock.save()
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pith.lock"]  # no temporary file left behind


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from pithtex.write.atomic import replace_file
    path, a, b = Path(sys.argv[1]), Path(sys.argv[2]).read_bytes(), Path(sys.argv[3]).read_bytes()
    replace_file(path, b)  # a lock exists before the first kill (else there is no "old" to keep)
    print("ready", flush=True)
    i = 1
    while True:
        replace_file(path, a if i % 2 else b)
        i += 1
    """
)


def test_killing_a_writer_leaves_the_old_or_the_new_lock(tmp_path: Path) -> None:
    lock_a = real_lock(tmp_path / "a.lock")
    lock_b = Lockfile(tmp_path / "b.lock")
    lock_b.put(entry_for("2511.00066v4", REAL_RECORDS["2511.00066"]))
    a, b = lock_a.dumps() * 1, lock_b.dumps()
    (tmp_path / "a").write_bytes(a)
    (tmp_path / "b").write_bytes(b)
    target = tmp_path / "pith.lock"
    for attempt in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target), str(tmp_path / "a"), str(tmp_path / "b")],
            stdout=subprocess.PIPE, text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(0.2 + 0.1 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert target.read_bytes() in (a, b)
        Lockfile.load(target)  # and it parses


CONCURRENT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from pithtex.ids.arxiv import parse_arxiv_id
    from pithtex.resolve.resolver import ResolveSettings, resolve_ids
    from pithtex.verify.keys import trust_store_from
    registry, lock, ids = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    settings = ResolveSettings(registry=registry, lock_path=lock, trust=trust_store_from(), cache=None)
    report = resolve_ids([parse_arxiv_id(i) for i in ids], settings)
    sys.exit(0 if report.ok else 1)
    """
)


def test_concurrent_runs_serialise_and_keep_each_others_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs that each read the lock, resolve (slowly) and write: neither loses the other's entries."""
    from pithtex.cli import main
    from tests.support.registry import isolate, running_mirror

    isolate(tmp_path, monkeypatch)
    mirror = tmp_path / "mirror"
    assert main(["mirror", "add", "-q", str(mirror), *map(str, REAL_RECORDS.values())]) == 0
    lock = tmp_path / "paper" / "pith.lock"
    lock.parent.mkdir()
    with running_mirror(mirror, delay=0.3) as server:
        procs = [
            subprocess.Popen([sys.executable, "-c", CONCURRENT, server.url, str(lock), *ids], env=dict(os.environ))
            for ids in (["2511.00066", "2511.00066v4"], ["2606.01249", "2606.01249v1"])
        ]
        assert [proc.wait(timeout=60) for proc in procs] == [0, 0]
    assert sorted(Lockfile.load(lock).entries) == ["2511.00066", "2511.00066v4", "2606.01249", "2606.01249v1"]
