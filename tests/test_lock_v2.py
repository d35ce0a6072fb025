"""pith.lock v2: one line per reference (issue 17). Migration from v1, strict reading,
verification of the canonical form, and real-git merges of two coauthors' additions."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.example import copy_example, example_bytes

from pithtex.cli import main
from pithtex.errors import InputError
from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import MAX_YEAR, MIN_YEAR, derive_pith_number
from pithtex.resolve.lockfile import HEADER, LockEntry, Lockfile
from pithtex.verify.canonical import canonical_sha256
from pithtex.verify.keys import trust_store_from
from tests.support.lock import v1_bytes, v1_doc
from tests.support.signing import TestKey, make_canonical_record, make_receipt

REPO = Path(__file__).resolve().parent.parent


def _entry(key: TestKey, arxiv_id: str, title: str) -> LockEntry:
    canonical = make_canonical_record(arxiv_id, 1, title)
    digest = canonical_sha256(canonical)
    number = derive_pith_number(digest, canonical["metadata"]["submitted_at"])
    return LockEntry(ArxivId(arxiv_id), 1, number, digest, canonical, make_receipt(key, digest), key.key_id, title)


def _lock(path: Path, key: TestKey, ids: list[str]) -> None:
    lock = Lockfile.load(path)
    for i in ids:
        lock.put(_entry(key, i, f"A Study Numbered {i}"))
    lock.save()


def _all_verify(path: Path, key_file: Path) -> list[str]:
    lock = Lockfile.load(path)
    trust = trust_store_from([key_file])
    assert all(lock.verify_entry(e, trust).ok for e in lock)
    return list(lock.entries)


# -- v1 -> v2 -------------------------------------------------------------------
def _v1_paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "paper"
    root.mkdir()
    (tmp_path / ".git").mkdir()
    copy_example(root, ("main.tex", "refs.bib", "pith.lock", "pithtex.toml"))
    doc = v1_doc(root / "pith.lock")
    (root / "pith.lock").write_bytes(v1_bytes(doc))
    monkeypatch.setenv("PITHTEX_REGISTRY", "http://127.0.0.1:9")
    monkeypatch.setenv("PITHTEX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PITHTEX_TRUST_KEYS", raising=False)
    monkeypatch.chdir(root)
    return root


def test_a_v1_lock_is_read_verified_and_written_as_v2_on_the_next_write_saying_so_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], test_key: TestKey
) -> None:
    root = _v1_paper(tmp_path, monkeypatch)
    v1 = (root / "pith.lock").read_bytes()
    assert v1.startswith(b'{\n  "entries": {') and Lockfile.load(root / "pith.lock").converted == 1
    assert main(["annotate", "--offline", "refs.bib", "main.tex"]) == 0  # reads v1; nothing new to write
    assert main(["check", "refs.bib", "main.tex"]) == 0
    capsys.readouterr()
    assert (root / "pith.lock").read_bytes() == v1

    lock = Lockfile.load(root / "pith.lock")  # a new reference: the lock is written, as v2
    before = {key: entry.to_json() for key, entry in lock.entries.items()}
    lock.put(_entry(test_key, "2401.00001", "A New Reference"))
    lock.save()
    data = (root / "pith.lock").read_bytes()
    assert data.startswith(HEADER.encode()) and data.count(b"\n") == 1 + 4
    after = Lockfile.load(root / "pith.lock")
    assert after.converted is None
    for key, old in before.items():  # every field of every old entry kept
        new = after.entries[key].to_json()
        assert {k: v for k, v in new.items() if k != "receipt"} == {k: v for k, v in old.items() if k != "receipt"}
        assert new["receipt"]["signature_b64"] == old["receipt"]["signature_b64"]
        assert after.verify_entry(after.entries[key], trust_store_from()).ok
    assert len(data) / 4 < len(v1) / 3 / 2  # per entry, less than half


@pytest.mark.parametrize("command", ["resolve", "annotate"])  # (annotate said nothing)
def test_resolve_and_annotate_say_once_that_they_rewrote_a_v1_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    from tests.support.signing import REAL_RECORDS

    root = _v1_paper(tmp_path, monkeypatch)
    doc = v1_doc(root / "pith.lock")
    del doc["entries"]["2606.01249"]  # the cache has it: resolving adds it back, so the lock is written
    (root / "pith.lock").write_bytes(v1_bytes(doc))
    assert main(["mirror", "add", "-q", str(tmp_path / "mirror"), str(REAL_RECORDS["2606.01249"])]) == 0
    from tests.support.registry import running_mirror

    with running_mirror(tmp_path / "mirror") as server:
        monkeypatch.setenv("PITHTEX_REGISTRY", server.url)
        assert main([command, "--quiet", "refs.bib"]) == 0
        _out, err = capsys.readouterr()
        assert err.count("rewrote this lock_version 1 lock as lock_version 2") == 1
        assert (root / "pith.lock").read_bytes().startswith(b'{"lock_version":2')
        assert main(["resolve", "--quiet", "refs.bib"]) == 0
        _out, err = capsys.readouterr()
        assert "lock_version" not in err  # once


# -- reading strictly -------------------------------------------------------------
def _real_v2(path: Path) -> list[str]:
    path.write_bytes(example_bytes("pith.lock"))
    lock = Lockfile.load(path)
    lock._dirty = True  # write it in the current format whatever the example's is
    lock.save()
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("change", "line", "fragment"),
    [
        (lambda ls: [ls[0], ls[1] + ",", *ls[2:]], "2", "not JSON"),
        (lambda ls: [ls[0], ls[1].replace(',"schema_version"', ',"x":1.5,"schema_version"'), *ls[2:]], "2", "floating-point"),
        (lambda ls: [ls[0], ls[1].replace(',"schema_version"', ',"x":NaN,"schema_version"'), *ls[2:]], "2", "NaN"),
        (lambda ls: [ls[0], ls[1].replace(',"schema_version"', ',"x":9007199254740993,"schema_version"'), *ls[2:]], "2", "outside"),
        (lambda ls: [ls[0], ls[1].replace("Sharpness", "\\ud800harpness"), *ls[2:]], "2", "lone surrogate"),
        (lambda ls: [ls[0], ls[1], "", *ls[2:]], "3", "empty line"),
        (lambda ls: [*ls, ls[1].replace("Sharpness", "Sharpnesz")], "5", "on line 2 already"),  # (the same line twice is one)
        (lambda ls: [ls[0], ls[1].replace('["2511.00066"', '["2511.00066v04"'), *ls[2:]], "2", "normal form"),
        (lambda ls: [ls[0], ls[1].replace("pith:2025:", "pith:25:"), *ls[2:]], "2", "not a Pith Number"),
        (lambda ls: [ls[0], '["2511.00066"]', *ls[2:]], "2", "expected [id"),
        (lambda ls: [ls[0].replace(":2,", ":7,"), *ls[1:]], "1", "unsupported lock_version 7"),
        (lambda ls: [ls[0], ls[2].replace('"version":3', '"version":2'), *ls[3:]], "2", "cited as v3 but locked to v2"),
        # the lines are read as one array: what the newlines keep apart is told by line
        (lambda ls: [ls[0], "", *ls[1:]], "2", "empty line"),
        (lambda ls: [*ls, ""], "5", "empty line"),
        (lambda ls: [ls[0], f"{ls[1]},{ls[2]}", *ls[3:]], "2", "not JSON: Extra data"),
        (lambda ls: [ls[0], ls[1][:300], ls[1][300:], *ls[2:]], "2", "not JSON"),
        (lambda ls: [ls[0], ls[1], ls[2].replace(",null,{", ",null,[],{"), *ls[3:]], "3", "expected [id"),
        (lambda ls: [ls[0], ls[1].replace('"pith-v1-2026-05"', "7"), *ls[2:]], "2", "is not a string"),
        (lambda ls: [ls[0], ls[1].replace(",null,{", ',{"x":1},{'), *ls[2:]], "2", "--deep state is malformed"),
        (lambda ls: [ls[0], ls[1][:ls[1].index("Sharpness") + 5]], "2", "not JSON: Unterminated string starting at (column "),
        (lambda ls: [ls[0], "<<<<<<< HEAD", ls[1], "=======", ls[2], ">>>>>>> theirs", *ls[3:]], "2",
         "pith.lock has a git merge conflict marker"),
        (lambda ls: ["<<<<<<< HEAD", *ls, "=======", ">>>>>>> theirs"], "1", "pith.lock has a git merge conflict marker"),
    ],
    ids=["json", "float", "nan", "integer", "surrogate", "empty", "repeated", "id", "number", "shape", "version",
         "cited-version", "empty-first", "empty-last", "two-on-one-line", "one-on-two-lines", "eight-values",
         "key-id-type", "deep", "truncated", "conflict", "conflict-first"],
)
def test_a_malformed_v2_lock_is_one_line_with_file_and_line(tmp_path: Path, change, line: str, fragment: str) -> None:
    path = tmp_path / "pith.lock"
    lines = _real_v2(path)
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        Lockfile.load(path)
    assert info.value.message.startswith(f"{path}:{line}: "), info.value.message
    assert fragment in info.value.message and "\n" not in info.value.message


@pytest.mark.parametrize(
    "change",
    [
        lambda line: line.replace('"cs.LG"', '"cs.CL"'),  # a signed byte
        lambda line: line.replace('{"metadata":{', '{"metadata": {'),  # a space: not the signed bytes
        lambda line: line.replace('"kind":"arxiv"', '"kind":"arxiv","kind":"arxiv"'),  # a repeated key
        lambda line: line.replace('"license":"http', '"license":"\\u0068ttp'),  # an escape it need not have
        lambda line: line.replace("Sharpness-Guided", "Sharpness-Free"),  # a title the signed hash refutes
        lambda line: line.replace("pith:2025:SPDD", "pith:2025:ABCD"),  # a number the record does not give
        lambda line: line.replace('"pith-v1-2026-05"', '"another-key"'),  # a key nobody trusts
        # a signature that is not base64 of 64 bytes: read as a string, refused where it counts
        lambda line: re.sub(r'","[A-Za-z0-9+/]{86}==",', '","not base64!",', line),
        lambda line: re.sub(r'","([A-Za-z0-9+/]{86})==",', '","\\1",', line),  # no padding
    ],
    ids=["record", "space", "repeated-key", "escape", "title", "number", "key", "signature", "unpadded"],
)
def test_a_line_that_is_not_exactly_what_was_signed_does_not_verify(tmp_path: Path, change) -> None:
    path = tmp_path / "pith.lock"
    lines = _real_v2(path)
    changed = change(lines[1])
    assert changed != lines[1]
    path.write_text("\n".join([lines[0], changed, *lines[2:]]) + "\n", encoding="utf-8")
    lock = Lockfile.load(path)
    entry = lock.entries["2511.00066"]
    result = lock.verify_entry(entry, trust_store_from())
    assert not result.ok and result.problems
    others = [lock.verify_entry(e, trust_store_from()).ok for k, e in lock.entries.items() if k != "2511.00066"]
    assert others == [True, True]


def test_an_entry_is_at_most_600_bytes_besides_its_title(tmp_path: Path, test_key: TestKey) -> None:
    """Issue 17's target is 600 bytes per entry for id, cited version, Pith Number, record,
    signature and key id; the plain title (what a reader of a diff needs, and what the title
    cross-check compares) comes on top."""
    path = tmp_path / "pith.lock"
    _lock(path, test_key, [f"2401.{i:05d}" for i in range(1, 201)])
    lines = path.read_bytes().split(b"\n")[1:-1]
    sizes = [len(line) + 1 for line in lines]
    titles = [len(json.loads(line)[2]) for line in lines]
    assert max(s - t for s, t in zip(sizes, titles)) <= 600


# -- merging with real git ------------------------------------------------------------
def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "user.name=Coauthor", "-c", "user.email=c@example.org", "-c", "init.defaultBranch=main",
         "-c", "commit.gpgsign=false", *args],
        cwd=cwd, capture_output=True, text=True, check=False,
    )


def _repo(tmp_path: Path, key: TestKey, ids: list[str], attributes: bool) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    assert _git(repo, "init", "-q").returncode == 0
    if attributes:
        (repo / ".gitattributes").write_text("pith.lock merge=union\n")
    _lock(repo / "pith.lock", key, ids)
    assert _git(repo, "add", "-A").returncode == 0
    assert _git(repo, "commit", "-qm", "lock").returncode == 0
    return repo


def _coauthors(repo: Path, key: TestKey, mine: list[str], theirs: list[str]) -> subprocess.CompletedProcess[str]:
    assert _git(repo, "checkout", "-qb", "theirs").returncode == 0
    _lock(repo / "pith.lock", key, theirs)
    assert _git(repo, "commit", "-qam", "their references").returncode == 0
    assert _git(repo, "checkout", "-q", "main").returncode == 0
    _lock(repo / "pith.lock", key, mine)
    assert _git(repo, "commit", "-qam", "my references").returncode == 0
    return _git(repo, "merge", "-q", "--no-edit", "theirs")


def test_two_coauthors_adding_different_references_merge_cleanly(tmp_path: Path, test_key: TestKey) -> None:
    key_file = test_key.write_key_file(tmp_path / "key.json")
    base = ["2401.00010", "2401.00020", "2401.00030", "2401.00040"]
    repo = _repo(tmp_path, test_key, base, attributes=False)
    merged = _coauthors(repo, test_key, mine=["2401.00015"], theirs=["2401.00035", "2401.00050"])
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert _all_verify(repo / "pith.lock", key_file) == sorted([*base, "2401.00015", "2401.00035", "2401.00050"])
    assert Lockfile.load(repo / "pith.lock").changed is False  # in order: nothing to rewrite


def test_neighbouring_additions_merge_with_the_union_driver_and_are_sorted_on_the_next_write(
    tmp_path: Path, test_key: TestKey
) -> None:
    key_file = test_key.write_key_file(tmp_path / "key.json")
    base = ["2401.00010", "2401.00040"]
    repo = _repo(tmp_path, test_key, base, attributes=True)
    merged = _coauthors(repo, test_key, mine=["2401.00030"], theirs=["2401.00020"])  # both between the same lines
    assert merged.returncode == 0, merged.stdout + merged.stderr
    ids = _all_verify(repo / "pith.lock", key_file)
    assert sorted(ids) == sorted([*base, "2401.00020", "2401.00030"])
    lock = Lockfile.load(repo / "pith.lock")
    if ids != sorted(ids):  # the union driver keeps ours, then theirs: written back in order
        assert lock.changed and lock.save()
    assert [json.loads(line)[0] for line in (repo / "pith.lock").read_text().splitlines()[1:]] == sorted(ids)


def test_a_reference_both_coauthors_added_is_one_entry_after_a_union_merge(tmp_path: Path, test_key: TestKey) -> None:
    """The union driver keeps a line both sides added twice: every command refused the lock (exit 2),
    and its hint said to delete both verified lines and go online."""
    key_file = test_key.write_key_file(tmp_path / "key.json")
    repo = _repo(tmp_path, test_key, ["2401.00010"], attributes=True)
    merged = _coauthors(repo, test_key, mine=["2401.00020", "2401.00030"], theirs=["2401.00030", "2401.00040"])
    assert merged.returncode == 0, merged.stdout + merged.stderr
    lines = (repo / "pith.lock").read_text().splitlines()[1:]
    assert len(lines) == 5 and len(set(lines)) == 4  # 2401.00030 twice, the same bytes
    assert _all_verify(repo / "pith.lock", key_file) == ["2401.00010", "2401.00020", "2401.00030", "2401.00040"]
    lock = Lockfile.load(repo / "pith.lock")
    assert lock.changed and lock.save()  # written back with each line once
    assert (repo / "pith.lock").read_text().splitlines()[1:] == sorted(set(lines))


def test_an_id_twice_with_different_lines_is_still_refused(tmp_path: Path, test_key: TestKey) -> None:
    _lock(tmp_path / "a.lock", test_key, ["2401.00010"])
    other = Lockfile.load(tmp_path / "b.lock")
    other.put(_entry(test_key, "2401.00010", "Another Title Altogether"))
    other.save()
    head, mine = (tmp_path / "a.lock").read_text().splitlines()
    theirs = (tmp_path / "b.lock").read_text().splitlines()[1]
    assert mine != theirs
    (tmp_path / "pith.lock").write_text(f"{head}\n{mine}\n{theirs}\n")
    with pytest.raises(InputError, match=r"pith.lock:3: malformed pith.lock: 2401.00010 is on line 2 already"):
        Lockfile.load(tmp_path / "pith.lock")


def test_without_the_union_driver_neighbouring_additions_conflict_loudly(tmp_path: Path, test_key: TestKey) -> None:
    """What the README's advice is for: git cannot tell two insertions at one place apart."""
    repo = _repo(tmp_path, test_key, ["2401.00010", "2401.00040"], attributes=False)
    merged = _coauthors(repo, test_key, mine=["2401.00030"], theirs=["2401.00020"])
    assert merged.returncode != 0 and "CONFLICT" in merged.stdout + merged.stderr
    with pytest.raises(InputError) as info:  # conflict markers are not a lock, and the message says what they are
        Lockfile.load(repo / "pith.lock")
    assert "git merge conflict marker" in info.value.message and "both sides" in (info.value.hint or "")


def test_a_byte_order_mark_is_read_past_and_not_written_back(tmp_path: Path) -> None:
    path = tmp_path / "pith.lock"
    lines = _real_v2(path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as an editor on Windows saves it
    lock = Lockfile.load(path)
    assert len(lock.entries) == len(lines) - 1 and not lock.changed
    lock._dirty = True  # the next write: the same lines, without the mark
    assert lock.save() and path.read_text(encoding="utf-8").splitlines() == lines


# -- many entries: a second process ------------------------------------------------------
def test_verifying_many_entries_in_two_processes_says_what_one_does(
    tmp_path: Path, test_key: TestKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pithtex.resolve import lockfile

    key_file = test_key.write_key_file(tmp_path / "key.json")
    path = tmp_path / "pith.lock"
    n = lockfile.POOL_ENTRIES + 100
    _lock(path, test_key, [f"2401.{i:05d}" for i in range(1, n + 1)])
    lines = path.read_text(encoding="utf-8").splitlines()
    for at in (5, n - 5):  # one changed record in each half
        lines[at] = lines[at].replace('"primary_cat":"cs.LG"', '"primary_cat":"cs.CL"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    trust = trust_store_from([key_file])
    lock = Lockfile.load(path)
    entries = list(lock)
    by_child: list[int] = []  # entries the second process passed (the parent builds their results)
    real = lockfile._verified
    monkeypatch.setattr(lockfile, "_verified", lambda *a: (by_child.append(1), real(*a))[1])
    two = [r.ok for r in lock.verify_many(entries, trust, memo="off")]  # (the memo: tests/test_verified_lines.py)
    if lockfile._second_process_allowed():
        assert len(by_child) == n - n // 2 - 1  # its half, but the changed entry
    monkeypatch.setattr(lockfile, "POOL_ENTRIES", 10**9)
    one = [r.ok for r in lock.verify_many(entries, trust, memo="off")]
    assert two == one and one.count(False) == 2 and not one[4] and not one[n - 6]
    # with the memo: the lines either process passed are remembered, the two changed ones are not
    first = [r.ok for r in lock.verify_many(entries, trust)]
    again = Lockfile.load(path)
    warm_results = again.verify_many(list(again), trust)
    warm = [r.ok for r in warm_results]
    assert first == warm == one and sum("(remembered:" in r.checks[-1].detail for r in warm_results) == n - 2


def _many(tmp_path: Path, key: TestKey) -> tuple[Lockfile, object]:
    from pithtex.resolve import lockfile

    key_file = key.write_key_file(tmp_path / "key.json")
    path = tmp_path / "pith.lock"
    _lock(path, key, [f"2401.{i:05d}" for i in range(1, lockfile.POOL_ENTRIES + 11)])
    return Lockfile.load(path), trust_store_from([key_file])


def test_a_second_process_that_fails_costs_time_not_verdicts(
    tmp_path: Path, test_key: TestKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child dies half way (an exception in it): the parent trusts none of what it may have
    written, and verifies the second half itself."""
    from pithtex.resolve import lockfile

    if not lockfile._second_process_allowed():
        pytest.skip("one CPU here: no second process")
    lock, trust = _many(tmp_path, test_key)
    parent, real = os.getpid(), lockfile._verify_line
    calls: list[int] = []

    def dies_in_the_child(entry, line, trust):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise RuntimeError("the second process fails")
        calls.append(1)
        return real(entry, line, trust)

    monkeypatch.setattr(lockfile, "_verify_line", dies_in_the_child)
    results = lock.verify_many(list(lock), trust, memo="off")
    assert all(r.ok for r in results) and len(calls) == len(results)  # every entry verified here
    assert not any("second process" in r.checks[-1].detail for r in results)


def test_an_interrupted_parent_leaves_no_second_process_behind(
    tmp_path: Path, test_key: TestKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pithtex.resolve import lockfile

    if not lockfile._second_process_allowed():
        pytest.skip("one CPU here: no second process")
    lock, trust = _many(tmp_path, test_key)
    forked: list[int] = []
    real_fork = lockfile._fork_verifier
    monkeypatch.setattr(lockfile, "_fork_verifier", lambda *a: (c := real_fork(*a), forked.append(c[0]), c)[0])
    monkeypatch.setattr(Lockfile, "_verify_one", lambda self, e, t: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        lock.verify_many(list(lock), trust, memo="off")
    (pid,) = forked
    with pytest.raises(ChildProcessError):  # killed and reaped: no zombie, nothing running on
        os.waitpid(pid, os.WNOHANG)


def test_a_lock_checked_out_with_crlf_line_ends_reads_and_verifies(tmp_path: Path) -> None:
    path = tmp_path / "pith.lock"
    lines = _real_v2(path)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    lock = Lockfile.load(path)
    assert all(lock.verify_entry(e, trust_store_from()).ok for e in lock) and len(lock) == 3


# -- the fast paths give what the slow ones give ------------------------------------------
def test_the_pith_number_comparison_of_a_line_is_derive_pith_numbers(tmp_path: Path) -> None:
    import hashlib

    from pithtex.ids.pith_number import derive_suffix
    from pithtex.resolve.lockfile import _digest_bits, _suffix_bits

    for i in range(300):
        digest = hashlib.sha256(str(i).encode()).digest()
        other = hashlib.sha256(str(i + 1).encode()).digest()
        assert _suffix_bits(derive_suffix(digest)) == _digest_bits(digest) != _digest_bits(other)
        flipped = bytes([digest[16] ^ 0x40]) if i % 2 else bytes([digest[16] ^ 0x20])  # bits 130 and 131
        assert (_digest_bits(digest[:16] + flipped + digest[17:]) == _digest_bits(digest)) == (i % 2 == 0)


def test_a_verified_line_says_what_the_full_verifier_says(tmp_path: Path, test_key: TestKey) -> None:
    key_file = test_key.write_key_file(tmp_path / "key.json")
    path = tmp_path / "pith.lock"
    _lock(path, test_key, ["2401.00001", "2401.00002"])
    trust = trust_store_from([key_file])
    lock = Lockfile.load(path)
    for entry in lock:
        fast, full = lock.verify_entry(entry, trust), lock._verify_in_full(entry, trust)
        assert type(fast).__name__ == "VerifiedLine" and fast.ok and full.ok and fast.status == full.status
        for name in ("kind", "pith_number", "canonical_sha256", "canonical_record", "source", "title", "key_id"):
            assert getattr(fast, name) == getattr(full, name), name
        assert fast.problems == [] and fast.unverified == [] and fast.summary() == full.summary()
        assert fast.to_json("x")["checks"][0]["name"] == "lock_entry"
        assert LockEntry.from_result(entry.requested, fast).line() == entry.line()


def test_the_fast_read_of_a_line_gives_what_the_field_by_field_read_gives(tmp_path: Path, test_key: TestKey) -> None:
    from pithtex.resolve.lockfile import _checked_entry

    path = tmp_path / "pith.lock"
    _lock(path, test_key, ["2401.00001", "2401.00002", "hep-th/9901001"])
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(lines[1].replace('["2401.00001"', '["2401.00003v1"').replace('"id":"2401.00001"', '"id":"2401.00003"'))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for number, (key, fast) in enumerate(Lockfile.load(path).entries.items(), 2):
        slow = _checked_entry(path, number, json.loads(lines[number - 1]), lines[number - 1])
        assert fast._head is not None and slow._head is None and key == fast.key == slow.key
        for name in ("requested", "source_version", "pith_number", "title", "key_id", "signature", "canonical_record",
                     "state_sha256", "event_count", "canonical_sha256", "receipt", "signed_facts", "source"):
            assert getattr(fast, name) == getattr(slow, name), name
        assert fast == slow and fast.line() == slow.line() == lines[number - 1]


def test_a_pith_number_of_a_year_out_of_range_is_a_malformed_line(tmp_path: Path, test_key: TestKey) -> None:
    path = tmp_path / "pith.lock"
    _lock(path, test_key, ["2401.00001"])
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('","pith:2024:', '","pith:1990:'), encoding="utf-8")
    with pytest.raises(InputError, match=r"pith.lock:2: malformed pith.lock: entry 2401.00001: year outside 1991-2999"):
        Lockfile.load(path)


@pytest.mark.parametrize("year", [MIN_YEAR - 1, MIN_YEAR, 2026, MAX_YEAR, MAX_YEAR + 1])
def test_the_fast_read_knows_the_year_range_of_a_pith_number(tmp_path: Path, test_key: TestKey, year: int) -> None:
    """The regex of a line's start spells out MIN_YEAR-MAX_YEAR: a year outside is the slow
    path's error, one inside reads as it would field by field."""
    path = tmp_path / "pith.lock"
    _lock(path, test_key, ["2401.00001"])
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('","pith:2024:', f'","pith:{year}:'), encoding="utf-8")
    if MIN_YEAR <= year <= MAX_YEAR:
        (entry,) = Lockfile.load(path)
        assert entry._head is not None and entry.pith_number.year == year
    else:
        with pytest.raises(InputError, match=rf"pith.lock:2: .*: year outside {MIN_YEAR}-{MAX_YEAR}"):
            Lockfile.load(path)


def test_a_v1_lock_is_read_only_as_far_as_its_v2_rewrite_can_be(tmp_path: Path) -> None:
    """Found by an audit: the v1 reader took what the v2 reader refuses, so a lock pithtex had verified was
    rewritten on the next write as one no command could read (exit 2 for every run on that paper)."""
    example = copy_example(tmp_path / "example", ("pith.lock",)) / "pith.lock"
    path = tmp_path / "pith.lock"
    doc = v1_doc(example)
    # an id spelled as an exporter spells it: read under the key v2 writes, and written back readable
    doc["entries"] = {f"arXiv:{k}" if k == "2511.00066" else k: v for k, v in doc["entries"].items()}
    path.write_bytes(v1_bytes(doc))
    lock = Lockfile.load(path)
    assert lock.get(ArxivId("2511.00066")) is not None
    path.write_bytes(lock.dumps())  # what the next write (Lockfile.save) writes
    assert Lockfile.load(path).entries.keys() == lock.entries.keys()

    doc = v1_doc(example)
    doc["entries"]["arXiv:2511.00066"] = dict(doc["entries"]["2511.00066"])  # the same id twice
    path.write_bytes(v1_bytes(doc))
    with pytest.raises(InputError, match=r"pith\.lock:\d+: malformed pith\.lock: entry 'arXiv:2511\.00066' is "
                                         r"2511\.00066, which the lock has already"):
        Lockfile.load(path)

    doc = v1_doc(example)
    doc["entries"]["2511.00066"]["state_sha256"] = "abc"  # no event_count, and not a digest
    path.write_bytes(v1_bytes(doc))
    with pytest.raises(InputError, match=r"entry '2511\.00066': the --deep state needs both"):
        Lockfile.load(path)


def test_an_entry_that_does_not_verify_is_named_at_its_line_in_either_format(tmp_path: Path) -> None:
    """The message named the citing .bib entry and 'pith.lock entry ...', never the lock's line to fix."""
    example = copy_example(tmp_path / "example", ("pith.lock",)) / "pith.lock"
    lines = example.read_text().splitlines()
    lock = Lockfile.load(example)
    assert [lock.where(e) for e in lock] == [f"pith.lock:{i}" for i in range(2, len(lines) + 1)]
    v1 = tmp_path / "v1" / "pith.lock"
    v1.parent.mkdir()
    v1.write_bytes(v1_bytes(v1_doc(example)))
    text = v1.read_text()
    old = Lockfile.load(v1)
    assert [old.where(e) for e in old] == [
        f"pith.lock:{text[:text.index(json.dumps(k) + ': {')].count(chr(10)) + 1}" for k in old.entries
    ]


def test_a_pith_lock_shared_through_a_symbolic_link_is_written_through_it(tmp_path: Path) -> None:
    """Several papers of a group linking one pith.lock: the first write replaced the link by a file of its
    own, so the papers silently stopped sharing it (the .bib files were already written through links)."""
    shared = copy_example(tmp_path / "shared", ("pith.lock",)) / "pith.lock"
    lines = shared.read_text().splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]  # out of order (a merge): the next load writes it back sorted
    shared.write_text("".join(lines))
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "pith.lock").symlink_to(Path("..") / "shared" / "pith.lock")
    lock = Lockfile.load(paper / "pith.lock")
    assert lock.changed and lock.save()
    assert (paper / "pith.lock").is_symlink()
    assert not Lockfile.load(shared).changed  # the shared file itself was written, sorted
    assert sorted(os.listdir(paper)) == ["pith.lock"]


def test_two_signed_records_for_one_version_in_one_lock_fail_both_lines(tmp_path: Path, test_key: TestKey) -> None:
    """2401.00001 locked to v1 beside 2401.00001v1 with another record (a merge of two coauthors' locks
    whose registry answers differed): both verified, and annotate wrote two numbers for one paper."""
    key_file = test_key.write_key_file(tmp_path / "key.json")
    lock = Lockfile(tmp_path / "pith.lock")
    lock.put(_entry(test_key, "2401.00001", "A Study"))
    versioned = _entry(test_key, "2401.00001", "A Study, Signed Again")
    lock.put(LockEntry(ArxivId("2401.00001", 1), *(getattr(versioned, f) for f in (
        "source_version", "pith_number", "canonical_sha256", "canonical_record", "receipt", "key_id", "title"))))
    lock.put(_entry(test_key, "2401.00002", "Another Study"))
    lock.save()
    lock = Lockfile.load(tmp_path / "pith.lock")
    trust = trust_store_from([key_file])
    entries = list(lock)
    assert [e.key for e in entries] == ["2401.00001", "2401.00001v1", "2401.00002"]
    for results in ([lock.verify_entry(e, trust) for e in entries], lock.verify_many(entries, trust, memo="off")):
        assert [r.ok for r in results] == [False, False, True]
        assert "SECURITY: pith.lock:3 holds another signed record for 2401.00001 v1" in results[0].problems[0]
        assert "SECURITY: pith.lock:2 holds another signed record" in results[1].problems[0]


@pytest.mark.parametrize("command", ["check", "annotate", "resolve", "report"])
@pytest.mark.parametrize("link", ["dangling", "loop"])
def test_a_pith_lock_link_to_nothing_is_exit_2_naming_the_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str, link: str
) -> None:
    """A dangling link read as an empty lock ('not in pith.lock' for every id, and resolve made the
    folder it names); a loop was an internal error (exit 3)."""
    from pithtex.cli import main

    paper = _v1_paper(tmp_path, monkeypatch)
    (paper / "pith.lock").unlink()
    (paper / "pith.lock").symlink_to("../common/pith.lock" if link == "dangling" else "pith.lock")
    capsys.readouterr()
    assert main([command, "--offline", "refs.bib"] if command in ("annotate", "resolve") else [command, "refs.bib"]) == 2
    err = capsys.readouterr().err
    why = "a symbolic link to ../common/pith.lock, which does not exist" if link == "dangling" else "symbolic links"
    assert why in err and "internal error" not in err, err
    assert not (tmp_path / "common").exists()
