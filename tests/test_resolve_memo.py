"""The memo of verified lock entries (pithtex/resolve/memo.py): fast, and never forgeable
by whoever can write the cache."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from pithtex.resolve.lockfile import Lockfile
from pithtex.resolve.memo import MEMO_FILE, VerifiedMemo
from pithtex.verify.keys import TrustStore, trust_store_from
from tests.support.signing import TestKey

EXAMPLE_LOCK = Path(__file__).resolve().parent.parent / "examples" / "paper" / "pith.lock"


@pytest.fixture
def lock(tmp_path: Path) -> Lockfile:
    shutil.copy2(EXAMPLE_LOCK, tmp_path / "pith.lock")
    return Lockfile.load(tmp_path / "pith.lock")


def remembered(result) -> bool:  # type: ignore[no-untyped-def]
    return [c.name for c in result.checks] == ["memo"]


def test_a_verified_entry_is_remembered_across_runs(lock: Lockfile, tmp_path: Path) -> None:
    trust = TrustStore.pinned()
    memo = VerifiedMemo.in_cache(tmp_path / "cache", trust)
    first = [lock.verify_entry(e, trust, memo) for e in lock]
    assert all(r.ok and not remembered(r) for r in first)
    assert memo.save() and (tmp_path / "cache" / MEMO_FILE).exists()

    again = VerifiedMemo.in_cache(tmp_path / "cache", trust)
    second = [lock.verify_entry(e, trust, again) for e in lock]
    assert all(r.ok and remembered(r) for r in second)
    for full, fast in zip(first, second):  # the same verdict, field by field
        for name in ("status", "pith_number", "canonical_sha256", "canonical_record", "receipt", "source", "key_id"):
            assert getattr(full, name) == getattr(fast, name), name
    assert not again.save()  # nothing new learnt: nothing written


def test_any_changed_byte_is_verified_in_full(lock: Lockfile, tmp_path: Path) -> None:
    trust = TrustStore.pinned()
    memo = VerifiedMemo.in_cache(tmp_path / "cache", trust)
    for entry in lock:
        lock.verify_entry(entry, trust, memo)
    memo.save()
    memo = VerifiedMemo.in_cache(tmp_path / "cache", trust)
    entry = next(iter(lock))
    sig = entry.receipt["signature_b64"]
    forged = dataclasses.replace(
        entry, receipt=dict(entry.receipt, signature_b64=("B" if sig[0] == "A" else "A") + sig[1:])
    )
    result = lock.verify_entry(forged, trust, memo)
    assert not result.ok and not remembered(result)
    retitled = dataclasses.replace(entry, title="Another Title Entirely")
    assert not remembered(lock.verify_entry(retitled, trust, memo))


def test_a_planted_memo_line_cannot_vouch_for_a_forged_entry(
    lock: Lockfile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trust = TrustStore.pinned()
    cache = tmp_path / "cache"
    memo = VerifiedMemo.in_cache(cache, trust)
    entry = next(iter(lock))
    lock.verify_entry(entry, trust, memo)
    memo.save()
    sig = entry.receipt["signature_b64"]
    forged = dataclasses.replace(
        entry, receipt=dict(entry.receipt, signature_b64=("B" if sig[0] == "A" else "A") + sig[1:])
    )
    digest = memo.digest(forged)  # anyone can compute this: the trust store and the entry are public
    genuine = (cache / MEMO_FILE).read_text()
    _, tag = genuine.split()[0:2]
    for planted in (f"{digest} {tag}\n", f"{digest} {'0' * 64}\n", f"{digest}\n"):
        (cache / MEMO_FILE).write_text(genuine + planted)
        result = lock.verify_entry(forged, trust, VerifiedMemo.in_cache(cache, trust))
        assert not result.ok and not remembered(result)

    # A memo copied from another machine (another secret) is worth nothing, never harmful.
    monkeypatch.setenv("PITHTEX_STATE_DIR", str(tmp_path / "other-machine"))
    result = lock.verify_entry(entry, trust, VerifiedMemo.in_cache(cache, trust))
    assert result.ok and not remembered(result)


def test_the_memo_is_per_trust_store(lock: Lockfile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = TestKey().write_key_file(tmp_path / "extra.json")
    wide = trust_store_from([str(extra)])
    memo = VerifiedMemo.in_cache(tmp_path / "cache", wide)
    for entry in lock:
        assert lock.verify_entry(entry, wide, memo).ok
    memo.save()
    narrow = TrustStore.pinned()
    for entry in lock:
        result = lock.verify_entry(entry, narrow, VerifiedMemo.in_cache(tmp_path / "cache", narrow))
        assert result.ok and not remembered(result)


# -- whole lock files ---------------------------------------------------------


def _example_lock(tmp_path: Path) -> tuple[Path, TrustStore, Path]:
    """A copy of the example paper's pith.lock, the pinned trust store and a fresh cache folder."""
    path = tmp_path / "pith.lock"
    shutil.copy2(EXAMPLE_LOCK, path)
    return path, TrustStore.pinned(), tmp_path / "cache"


def _remember_file(path: Path, cache: Path, trust: TrustStore) -> None:
    memo = VerifiedMemo.in_cache(cache, trust)
    lock = Lockfile.load(path, memo)
    for entry in lock:
        assert lock.verify_entry(entry, trust, memo).ok
    assert lock.remember_if_verified(trust, memo)
    assert memo.save()


def test_a_lock_file_that_verified_in_full_is_read_without_verifying_again(tmp_path: Path) -> None:
    path, trust, cache = _example_lock(tmp_path)
    full = Lockfile.load(path)
    _remember_file(path, cache, trust)

    memo = VerifiedMemo.in_cache(cache, trust)
    assert memo.knows_file(path.read_bytes())
    fast = Lockfile.load(path, memo)
    assert [e.to_json() for e in fast] == [e.to_json() for e in full]  # the same entries, field by field
    assert all(remembered(fast.verify_entry(e, trust, memo)) for e in fast)
    # an entry that is not the one read from the file is verified on its own merits
    entry = next(iter(fast))
    retitled = dataclasses.replace(entry, title="Another Title Entirely")
    assert not remembered(fast.verify_entry(retitled, trust, memo))


def test_any_changed_byte_of_the_lock_file_is_read_strictly_again(tmp_path: Path) -> None:
    path, trust, cache = _example_lock(tmp_path)
    _remember_file(path, cache, trust)
    text = path.read_text(encoding="utf-8")

    path.write_text(text.replace("\n", "\n ", 1), encoding="utf-8")  # formatting only
    lock = Lockfile.load(path, VerifiedMemo.in_cache(cache, trust))
    assert lock._known_under is None  # strict reading, entries verified (from the entry memo)

    key = next(iter(Lockfile.load(path)))
    sig = key.receipt["signature_b64"]
    path.write_text(text.replace(sig, ("B" if sig[0] == "A" else "A") + sig[1:]), encoding="utf-8")
    memo = VerifiedMemo.in_cache(cache, trust)
    lock = Lockfile.load(path, memo)
    results = [lock.verify_entry(e, trust, memo) for e in lock]
    assert sum(not r.ok for r in results) == 1
    assert not lock.remember_if_verified(trust, memo)  # one bad entry: the file is not remembered
    assert not memo.knows_file(path.read_bytes())

    # a strictly invalid file (duplicate key) is refused, whatever the memo holds
    path.write_text(text.replace('"lock_version": 1', '"lock_version": 1, "lock_version": 1'), encoding="utf-8")
    from pithtex.errors import InputError

    with pytest.raises(InputError, match="malformed pith.lock"):
        Lockfile.load(path, VerifiedMemo.in_cache(cache, trust))


def test_a_planted_lock_file_line_is_worthless(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, trust, cache = _example_lock(tmp_path)
    _remember_file(path, cache, trust)  # creates the secret and a genuine memo
    genuine = (cache / MEMO_FILE).read_text()
    text = path.read_text(encoding="utf-8")
    entry = next(iter(Lockfile.load(path)))
    sig = entry.receipt["signature_b64"]
    path.write_text(text.replace(sig, ("B" if sig[0] == "A" else "A") + sig[1:]), encoding="utf-8")
    memo = VerifiedMemo.in_cache(cache, trust)
    digest = memo.file_digest(path.read_bytes())  # public inputs: anyone can compute it
    tag = genuine.split()[1]
    for planted in (f"{digest} {tag}\n", f"{digest} {'0' * 64}\n", f"{digest}\n"):
        (cache / MEMO_FILE).write_text(genuine + planted)
        memo = VerifiedMemo.in_cache(cache, trust)
        assert not memo.knows_file(path.read_bytes())
        lock = Lockfile.load(path, memo)
        assert lock._known_under is None
        assert not all(lock.verify_entry(e, trust, memo).ok for e in lock)

    # the genuine file under another machine's secret, or under other keys: read strictly
    path.write_text(text, encoding="utf-8")
    (cache / MEMO_FILE).write_text(genuine)
    assert VerifiedMemo.in_cache(cache, trust).knows_file(path.read_bytes())
    extra = TestKey().write_key_file(tmp_path / "extra.json")
    assert not VerifiedMemo.in_cache(cache, trust_store_from([str(extra)])).knows_file(path.read_bytes())
    monkeypatch.setenv("PITHTEX_STATE_DIR", str(tmp_path / "other-machine"))
    assert not VerifiedMemo.in_cache(cache, trust).knows_file(path.read_bytes())


def test_a_memo_under_other_keys_is_not_consulted(tmp_path: Path) -> None:
    path, trust, cache = _example_lock(tmp_path)
    _remember_file(path, cache, trust)
    memo = VerifiedMemo.in_cache(cache, trust)
    lock = Lockfile.load(path, memo)
    extra = TestKey().write_key_file(tmp_path / "extra.json")
    other = trust_store_from([str(extra)])
    assert not memo.covers(other)
    assert all(not remembered(lock.verify_entry(e, other, memo)) for e in lock)


def test_remembering_a_lock_file_verifies_nothing_the_run_did_not_need(tmp_path: Path) -> None:
    path, trust, cache = _example_lock(tmp_path)
    memo = VerifiedMemo.in_cache(cache, trust)
    lock = Lockfile.load(path, memo)
    first, *rest = list(lock)
    assert rest, "the example lock holds several entries"
    assert lock.verify_entry(first, trust, memo).ok
    assert not lock.remember_if_verified(trust, memo)  # the others were neither verified nor remembered
    assert not memo.knows_file(path.read_bytes())
    for entry in rest:  # a later run needs them all: now the file is known
        assert lock.verify_entry(entry, trust, memo).ok
    assert lock.remember_if_verified(trust, memo)
    memo.save()
    assert VerifiedMemo.in_cache(cache, trust).knows_file(path.read_bytes())


def test_another_pithtex_release_does_not_inherit_the_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later release may verify more strictly: it re-verifies what an earlier one memoised."""
    import pithtex

    path, trust, cache = _example_lock(tmp_path)
    _remember_file(path, cache, trust)
    assert VerifiedMemo.in_cache(cache, trust).knows_file(path.read_bytes())
    monkeypatch.setattr(pithtex, "__version__", "99.0.0")
    memo = VerifiedMemo.in_cache(cache, trust)
    assert not memo.knows_file(path.read_bytes())
    lock = Lockfile.load(path, memo)
    results = [lock.verify_entry(e, trust, memo) for e in lock]
    assert all(r.ok and not remembered(r) for r in results)  # verified in full again


# -- summaries of whole lock files ----------------------------------------------


def _summarized(path: Path, cache: Path, trust: TrustStore) -> Lockfile:
    """Remember the file (which keeps its summary), then read it as a later run does."""
    _remember_file(path, cache, trust)
    lock = Lockfile.load(path, VerifiedMemo.in_cache(cache, trust))
    assert all(type(e).__name__ == "_Summarized" for e in lock), "read from the summary"
    return lock


def test_a_lock_known_to_verify_is_read_from_its_summary_with_the_same_entries(tmp_path: Path) -> None:
    from pithtex.crosscheck import RecordFacts

    path, trust, cache = _example_lock(tmp_path)
    full = Lockfile.load(path)
    lock = _summarized(path, cache, trust)
    assert (cache / "lock-summaries").is_dir()
    assert list(lock.entries) == list(full.entries)  # the file's order
    for fast, slow in zip(lock, full):
        assert fast.key == slow.key and fast.signed_facts == slow.signed_facts
        assert RecordFacts.from_lock_entry(fast) == RecordFacts.from_lock_entry(slow)
    memo = VerifiedMemo.in_cache(cache, trust)
    assert all(lock.verifies(e, trust, memo) for e in lock)
    records = next(iter(lock))._records  # type: ignore[attr-defined]
    assert records._entries is None  # nothing above needed a signed record: none was decoded
    assert [e.to_json() for e in lock] == [e.to_json() for e in full]  # now they are, field by field
    assert records._entries is not None
    assert all(remembered(lock.verify_entry(e, trust, memo)) for e in lock)
    # replace() or copy gives an ordinary entry with the same fields
    entry = next(iter(lock))
    for other in (dataclasses.replace(entry), copy.copy(entry)):
        assert type(other).__name__ == "LockEntry" and other.to_json() == entry.to_json()
    retitled = dataclasses.replace(entry, title="Another Title Entirely")
    assert type(retitled).__name__ == "LockEntry" and not lock.verify_entry(retitled, trust, memo).ok


@dataclasses.dataclass
class _Summary:
    """A copy of the example lock, remembered with its summary, and that summary with the
    first entry's Pith Number swapped for another entry's."""

    path: Path
    trust: TrustStore
    cache: Path
    full: Lockfile  # the lock as read from the file alone
    file: Path  # the summary
    head: bytes
    body: bytes
    swapped: bytes


def _summary(tmp_path: Path) -> _Summary:
    path, trust, cache = _example_lock(tmp_path)
    full = Lockfile.load(path)
    _summarized(path, cache, trust)
    file = next((cache / "lock-summaries").iterdir())
    head, _, body = file.read_bytes().partition(b"\n")
    first = next(iter(full))
    other = next(e for e in full if e.pith_number != first.pith_number)
    swapped = body.replace(first.pith_number.full.encode(), other.pith_number.full.encode(), 1)
    assert swapped != body
    return _Summary(path, trust, cache, full, file, head, body, swapped)


def test_a_forged_or_stale_summary_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = _summary(tmp_path)
    path, trust, cache, full, summary, head, body, swapped = (
        s.path, s.trust, s.cache, s.full, s.file, s.head, s.body, s.swapped
    )
    genuine = summary.read_bytes()
    tag_changed = head[:-1] + (b"1" if head.endswith(b"0") else b"0")  # always a different tag
    for planted in (head + b"\n" + swapped, tag_changed + b"\n" + body, head[:-1] + "é".encode() + b"\n" + body,
                    b"garbage", b""):
        summary.write_bytes(planted)
        lock = Lockfile.load(path, VerifiedMemo.in_cache(cache, trust))
        assert all(type(e).__name__ == "LockEntry" for e in lock)  # read from the file itself
        assert [e.to_json() for e in lock] == [e.to_json() for e in full]
    # under another machine's secret the genuine summary authenticates nothing either
    summary.write_bytes(genuine)
    monkeypatch.setenv("PITHTEX_STATE_DIR", str(tmp_path / "other-machine"))
    memo = VerifiedMemo.in_cache(cache, trust)
    assert memo.summary(path, path.read_bytes()) is None
    monkeypatch.delenv("PITHTEX_STATE_DIR")
    # the summary of an earlier version of the file does not describe the new one
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n", "\n ", 1), encoding="utf-8")
    _remember_file(path, cache, trust)
    summary.write_bytes(genuine)  # put the old version's summary back
    memo = VerifiedMemo.in_cache(cache, trust)
    assert memo.knows_file(path.read_bytes()) and memo.summary(path, path.read_bytes()) is None
    lock = Lockfile.load(path, memo)
    assert all(type(e).__name__ == "LockEntry" for e in lock)


def test_a_summary_that_does_not_describe_its_file_is_an_error_not_an_answer(tmp_path: Path) -> None:
    """An authentic summary that disagrees with the lock can only come from a bug; the
    records are checked against the summary when first decoded, and the run stops."""
    from pithtex.errors import InputError

    s = _summary(tmp_path)
    memo = VerifiedMemo.in_cache(s.cache, s.trust)
    memo.keep_summary(s.path, s.path.read_bytes(), s.swapped)  # vouched for, wrongly
    memo.save()
    lock = Lockfile.load(s.path, VerifiedMemo.in_cache(s.cache, s.trust))
    first = next(iter(s.full))
    other = next(e for e in s.full if e.pith_number != first.pith_number)
    entry = lock.get(first.requested)
    assert entry is not None and entry.pith_number == other.pith_number
    with pytest.raises(InputError, match="summary of this lock does not match it"):
        entry.canonical_record  # noqa: B018


def test_summaries_keep_every_field_and_a_record_without_the_signed_facts(tmp_path: Path) -> None:
    from pithtex.resolve import lockfile as lf

    full = Lockfile.load(EXAMPLE_LOCK)
    first, second, *_ = list(full)
    no_metadata = {k: v for k, v in second.canonical_record.items() if k != "metadata"}
    odd = {
        first.key: dataclasses.replace(first, state_sha256="ab" * 32, event_count=3, key_id=None, title=None),
        second.key: dataclasses.replace(second, canonical_record=no_metadata),
    }
    data = json.dumps({"entries": {key: e.to_json() for key, e in odd.items()}}).encode()
    entries = lf._from_summary(lf._summary_body(odd), lf._Records(tmp_path / "x", data))
    assert entries is not None
    for name in lf._SCALARS:
        assert [getattr(e, name) for e in entries.values()] == [getattr(e, name) for e in odd.values()], name
    assert entries[first.key].signed_facts == odd[first.key].signed_facts
    assert entries[first.key].canonical_record == first.canonical_record
    with pytest.raises(KeyError, match="lacks"):
        odd[second.key].signed_facts  # noqa: B018
    with pytest.raises(KeyError, match="lacks"):  # the summary says so too, by reading the record
        entries[second.key].signed_facts  # noqa: B018
    assert entries[second.key].canonical_record == no_metadata


def test_a_lock_read_from_its_summary_is_written_back_whole(tmp_path: Path) -> None:
    """A new entry in a lock read through its summary: the file written holds every old
    entry's signed records, decoded from the lock's own bytes."""
    from tests.test_lockfile import entry_for
    from tests.support.signing import REAL_RECORDS

    path = tmp_path / "pith.lock"
    full = Lockfile.load(EXAMPLE_LOCK)
    lock = Lockfile(path)
    for key, entry in full.entries.items():
        if key != "2606.01249":
            lock.put(entry)
    assert lock.save()
    trust, cache = TrustStore.pinned(), tmp_path / "cache"
    summarized = _summarized(path, cache, trust)
    summarized.put(entry_for("2606.01249", REAL_RECORDS["2606.01249"]))
    assert summarized.save()
    again = Lockfile.load(path)  # strictly, from the file alone
    assert [e.to_json() for e in again] == [full.entries[k].to_json() for k in sorted(full.entries)]
    assert all(again.verify_entry(e, trust).ok for e in again)
