"""The fast paths of reading and verifying pith.lock give what the slow ones give (issue 17):
integers read through the small-integer table or checked one by one, the head of a line
taken as the regex read it or serialised again, and a lock handed to the resolver or read by it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pithtex.errors import InputError
from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import derive_pith_number
from pithtex.resolve import lockfile
from pithtex.resolve.lockfile import LockEntry, Lockfile
from pithtex.verify.canonical import canonical_sha256
from pithtex.verify.keys import trust_store_from
from tests.support.signing import TestKey, make_canonical_record, make_receipt

REPO = Path(__file__).resolve().parent.parent


def _entry(key: TestKey, arxiv_id: str, title: str, **record: object) -> LockEntry:
    canonical = dict(make_canonical_record(arxiv_id, 1, title), **record)
    digest = canonical_sha256(canonical)
    number = derive_pith_number(digest, canonical["metadata"]["submitted_at"])
    return LockEntry(ArxivId(arxiv_id), 1, number, digest, canonical, make_receipt(key, digest), key.key_id, title)


@pytest.mark.parametrize("value", [1024, 1025, -1025, 5000, 2**53 - 1, -(2**53 - 1)])
def test_integers_outside_the_small_table_read_as_inside_it(tmp_path: Path, test_key: TestKey, value: int) -> None:
    key_file = test_key.write_key_file(tmp_path / "key.json")
    path = tmp_path / "pith.lock"
    lock = Lockfile(path)
    lock.put(_entry(test_key, "2401.00001", "A Plain Title", extra=value))
    lock.put(_entry(test_key, "2401.00002", "Another Plain Title", extra=7))
    lock.save()
    read = Lockfile.load(path)
    assert [e.canonical_record["extra"] for e in read] == [value, 7]
    assert all(read.verify_entry(e, trust_store_from([key_file])).ok for e in read)


def test_an_integer_too_large_is_refused_whichever_way_it_is_read(tmp_path: Path, test_key: TestKey) -> None:
    path = tmp_path / "pith.lock"
    lock = Lockfile(path)
    lock.put(_entry(test_key, "2401.00001", "A Plain Title", extra=5))
    lock.save()
    text = path.read_text(encoding="utf-8")
    for big in ("9007199254740992", "-9007199254740992", "123456789012345678901234"):
        path.write_text(text.replace('"extra":5', f'"extra":{big}'), encoding="utf-8")
        with pytest.raises(InputError, match=r"pith.lock:2: malformed pith.lock: integer .* is outside"):
            Lockfile.load(path)


@pytest.mark.parametrize("title", ['A "Quoted" Title', "A Title \\ With a Backslash", "Sch\u00f6n Title", None])
def test_the_head_of_a_line_with_or_without_escapes_verifies_as_in_full(
    tmp_path: Path, test_key: TestKey, title: str | None
) -> None:
    key_file = test_key.write_key_file(tmp_path / "key.json")
    trust = trust_store_from([key_file])
    path = tmp_path / "pith.lock"
    lock = Lockfile(path)
    entry = _entry(test_key, "2401.00001", title or "Untitled")
    entry.title = title
    lock.put(entry)
    lock.save()
    (read,) = Lockfile.load(path)
    assert read._head is not None
    assert lockfile._verify_line(read, read._line, trust) and Lockfile.load(path)._verify_in_full(read, trust).ok


def test_a_head_that_is_not_canonical_fails_the_one_pass_check_and_the_full_one(
    tmp_path: Path, test_key: TestKey
) -> None:
    key_file = test_key.write_key_file(tmp_path / "key.json")
    trust = trust_store_from([key_file])
    path = tmp_path / "pith.lock"
    lock = Lockfile(path)
    lock.put(_entry(test_key, "2401.00001", "A Plain Title"))
    lock.save()
    text = path.read_text(encoding="utf-8")
    for spelled in ('"A Pl\\u0061in Title"', '"A Plain Title"', '"A Plain\\/Title"'):
        path.write_text(text.replace('"A Plain Title"', spelled, 1), encoding="utf-8")
        read = Lockfile.load(path)
        (entry,) = read
        passed = lockfile._verify_line(entry, entry._line, trust)
        full = read._verify_in_full(entry, trust)
        assert passed == full.ok == (spelled == '"A Plain Title"'), spelled
        if not passed:
            assert any(c.name == "lock_line" and c.ok is False for c in full.checks)


def test_a_lock_handed_to_the_resolver_resolves_as_one_it_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pithtex.resolve.resolver import ResolveSettings, resolve_ids

    paper = tmp_path / "paper"
    shutil.copytree(REPO / "examples" / "paper", paper)
    monkeypatch.setenv("PITHTEX_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PITHTEX_CACHE_DIR", str(tmp_path / "cache"))
    lock = Lockfile.load(paper / "pith.lock")
    ids = [e.requested for e in lock] + [ArxivId("2401.99999")]
    settings = ResolveSettings("http://127.0.0.1:9", paper / "pith.lock", trust_store_from(), offline=True,
                               quiet=True, write=False)
    given, read = resolve_ids(ids, settings, lock=lock), resolve_ids(ids, settings)
    assert [r.to_json() for r in given.resolutions] == [r.to_json() for r in read.resolutions]
    assert [r.ok for r in given.resolutions] == [True] * len(lock) + [False]
    assert given.get(ids[0]) is given.resolutions[0] and given.get(ArxivId("2401.88888")) is None


def test_annotate_self_reads_the_lock_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pithtex.cli import main

    paper = tmp_path / "paper"
    shutil.copytree(REPO / "examples" / "paper", paper)
    (tmp_path / ".git").mkdir()
    for name, value in (("PITHTEX_REGISTRY", "http://127.0.0.1:9"), ("PITHTEX_STATE_DIR", str(tmp_path / "state")),
                        ("PITHTEX_CACHE_DIR", str(tmp_path / "cache"))):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PITHTEX_TRUST_KEYS", raising=False)
    monkeypatch.chdir(paper)
    reads: list[Path] = []
    real = Lockfile.load.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(Lockfile, "load", classmethod(lambda cls, p: (reads.append(Path(p)), real(cls, p))[1]))
    self_id = next(iter(Lockfile.load(paper / "pith.lock"))).requested
    reads.clear()
    code = main(["annotate", "--offline", "--quiet", "--dry-run", "--self", str(self_id), "refs.bib", "main.tex"])
    assert code in (0, 1) and reads == [paper / "pith.lock"]
