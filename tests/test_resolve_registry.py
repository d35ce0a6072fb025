"""`pithtex resolve` against the real loopback registry: `pithtex mirror add` + `pithtex serve`.

The mirror holds the real signed fixtures (pinned registry key) next to
records and a bundle signed by a key the test generates and trusts
explicitly with ``--trust-key``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pithtex.cli import main
from tests.support.registry import bib_citing, isolate, running_mirror, snapshot
from tests.support.lock import v1_doc
from tests.support.signing import REAL_BUNDLE, REAL_RECORDS, TestKey, make_bundle, make_record

SPDD = "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"
TRPO = "pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE"
SSPO = "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"


@dataclass
class World:
    url: str
    mirror: Path
    paper: Path
    bib: Path
    cache: Path
    key_file: Path
    test_record: dict
    test_bundle: dict

    @property
    def lock(self) -> Path:
        return self.paper / "pith.lock"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_key: TestKey) -> Iterator[World]:
    cache = isolate(tmp_path, monkeypatch)
    key_file = test_key.write_key_file(tmp_path / "test-key.json")
    docs = tmp_path / "docs"
    docs.mkdir()
    record = make_record(test_key, "2401.00001", 2, "A Loopback Paper")
    bundle = make_bundle(test_key, "hep-th/9901001", 1, "An Old Style Paper", submitted_at="1999-01-04T00:00:00Z")
    (docs / "record.json").write_text(json.dumps(record))
    (docs / "bundle.json").write_text(json.dumps(bundle))
    mirror = tmp_path / "mirror"
    inputs = [*map(str, REAL_RECORDS.values()), str(REAL_BUNDLE), str(docs / "record.json"), str(docs / "bundle.json")]
    assert main(["mirror", "add", "-q", str(mirror), *inputs, "--trust-key", str(key_file)]) == 0
    paper = tmp_path / "paper"
    paper.mkdir()
    bib = paper / "refs.bib"
    bib.write_text(bib_citing("2511.00066", "2606.01249v1", "2602.19327v3", "2401.00001", "hep-th/9901001"))
    with running_mirror(mirror) as server:
        yield World(server.url, mirror, paper, bib, cache, key_file, record, bundle)


def resolve(capsys: pytest.CaptureFixture[str], world: World, *extra: str, registry: str | None = None) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["resolve", str(world.bib), "--registry", registry or world.url, *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_resolves_real_and_test_key_material(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = resolve(capsys, world, "--trust-key", str(world.key_file))
    assert code == 0, out
    assert out.splitlines() == [
        f"arXiv:2511.00066 -> {SPDD} (verified)",
        f"arXiv:2606.01249v1 -> {TRPO} (verified)",
        f"arXiv:2602.19327v3 -> {SSPO} (verified)",
        f"arXiv:2401.00001 -> {world.test_record['pith_number']} (verified)",
        f"arXiv:hep-th/9901001 -> {world.test_bundle['pith_number']} (verified)",
    ]
    assert err == "5 ids: 5 verified; updated pith.lock\n"
    entries = v1_doc(world.lock)["entries"]
    assert sorted(entries) == ["2401.00001", "2511.00066", "2602.19327v3", "2606.01249v1", "hep-th/9901001"]
    assert entries["2401.00001"]["source_version"] == 2 and entries["2401.00001"]["cited_version"] is None
    assert entries["2602.19327v3"]["title"] == "Soft Sequence Policy Optimization"


def test_a_test_key_is_not_trusted_unless_asked(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = resolve(capsys, world)
    assert code == 1
    assert f"arXiv:2511.00066 -> {SPDD} (verified)" in out
    assert ": arXiv:2401.00001: failed: " in out and "key 'pithtex-test-key' is not trusted" in out
    assert "5 ids: 3 verified, 2 failed; updated pith.lock (a rerun asks only for the 2 failed)" in err
    assert sorted(v1_doc(world.lock)["entries"]) == ["2511.00066", "2602.19327v3", "2606.01249v1"]


def test_trust_keys_from_the_environment(world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PITHTEX_TRUST_KEYS", str(world.key_file))
    assert resolve(capsys, world)[0] == 0


def test_json_output(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = resolve(capsys, world, "--json", "--trust-key", str(world.key_file))
    assert code == 0
    doc = json.loads(out)
    first = doc["results"][0]
    assert first == {
        "arxiv_id": "2511.00066", "version": None, "pith_number": SPDD, "status": "verified", "problem": None,
        "origin": "registry", "source_version": 4, "locations": [f"{world.bib}:3"],
    }
    assert doc["results"][1]["version"] == 1
    assert doc["summary"]["verified"] == 5 and doc["summary"]["lock_changed"] is True


def test_warm_runs_come_from_the_lock_without_the_network(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert resolve(capsys, world, "--trust-key", str(world.key_file))[0] == 0
    lock_before = snapshot(world.lock)
    dead = "http://127.0.0.1:9"  # discard port: nothing listens
    for flags in ([], ["--offline"], ["--locked"]):
        code, out, err = resolve(capsys, world, "--trust-key", str(world.key_file), *flags, registry=dead)
        assert code == 0, out
        assert f"arXiv:2511.00066 -> {SPDD} (verified)" in out and "updated" not in err
    code, out, _ = resolve(capsys, world, "--trust-key", str(world.key_file), "--json", registry=dead)
    assert {r["origin"] for r in json.loads(out)["results"]} == {"lock"}
    assert snapshot(world.lock) == lock_before


def test_locked_fails_for_ids_missing_from_the_lock_and_never_writes(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(world.paper, world.cache)
    code, out, err = resolve(capsys, world, "--locked", "--trust-key", str(world.key_file))
    assert code == 1
    assert f"{world.bib}:3: arXiv:2511.00066: failed: not in pith.lock (--locked never adds entries; run 'pithtex resolve' to add it)" in out
    assert snapshot(world.paper, world.cache) == before and not world.lock.exists()


def test_offline_uses_the_cache_and_reverifies_it(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    key = ["--trust-key", str(world.key_file)]
    assert resolve(capsys, world, *key)[0] == 0
    world.lock.unlink()
    code, out, err = resolve(capsys, world, "--offline", "--json", *key)
    assert code == 0
    assert {r["origin"] for r in json.loads(out)["results"]} == {"cache"}
    assert world.lock.exists()  # rebuilt from verified cache material
    # Without the test key, the cached test-key records are not answers any more.
    world.lock.unlink()
    code, out, _ = resolve(capsys, world, "--offline")
    assert code == 1 and "arXiv:2401.00001: failed: not in pith.lock or the cache (--offline; run 'pithtex resolve' online to add it)" in out


def test_a_damaged_cache_is_a_miss_never_an_answer(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    key = ["--trust-key", str(world.key_file)]
    assert resolve(capsys, world, *key)[0] == 0
    world.lock.unlink()
    index = json.loads((world.cache / "index.json").read_text())
    assert len(index["doc"]) == 5
    for pack, offset, length in index["doc"].values():  # flip a byte in every cached document
        path = world.cache / "packs" / f"{pack}.pack"
        data = bytearray(path.read_bytes())
        data[offset + length // 2] ^= 0x01
        path.write_bytes(bytes(data))
    code, out, _ = resolve(capsys, world, "--offline", *key)
    assert code == 1 and out.count("not in pith.lock or the cache (--offline; run 'pithtex resolve' online to add it)") == 5
    # A cached record that hashes fine but is for another paper is also refused.
    from pithtex.ids.arxiv import ArxivId
    from pithtex.resolve.cache import Cache

    cache = Cache(world.cache)
    cache.put_many([(ArxivId("2511.00066"), REAL_RECORDS["2606.01249"].read_bytes())], [])
    code, out, _ = resolve(capsys, world, "--offline", *key)
    assert code == 1 and "arXiv:2511.00066: failed: not in pith.lock or the cache" in out
    code, out, _ = resolve(capsys, world, *key)  # online: the registry answers again
    assert code == 0 and f"arXiv:2511.00066 -> {SPDD}" in out


def test_a_tampered_lock_entry_fails_and_is_not_overwritten(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    key = ["--trust-key", str(world.key_file)]
    assert resolve(capsys, world, *key)[0] == 0
    doc = v1_doc(world.lock)
    doc["entries"]["2511.00066"]["canonical_record"]["metadata"]["license"] = "CC0"
    world.lock.write_text(json.dumps(doc, indent=2))
    before = snapshot(world.lock)
    code, out, _ = resolve(capsys, world, *key)
    assert code == 1
    text = world.lock.read_text()
    line = text[:text.index('"2511.00066": {')].count("\n") + 1  # a v1 lock: the entry's first line
    assert f"arXiv:2511.00066: failed: pith.lock:{line}: entry '2511.00066' does not verify:" in out
    assert snapshot(world.lock) == before


def test_deep_records_state_and_event_count(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.bib.write_text(bib_citing("2602.19327v3", "hep-th/9901001"))
    code, out, _ = resolve(capsys, world, "--deep", "--trust-key", str(world.key_file))
    assert code == 0, out
    entries = v1_doc(world.lock)["entries"]
    assert entries["2602.19327v3"]["event_count"] == 2
    assert entries["2602.19327v3"]["state_sha256"] == json.loads(REAL_BUNDLE.read_text())["state"]["state_sha256"]
    assert entries["hep-th/9901001"]["event_count"] == 2


def test_deep_needs_a_bundle(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.bib.write_text(bib_citing("2511.00066"))
    code, out, _ = resolve(capsys, world, "--deep")
    assert code == 1 and "--deep: pith/SPDDBVRNS36U3W2AYSQMMOTDSD/bundle.json is not found" in out


def test_the_registry_may_be_the_mirror_directory(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = resolve(capsys, world, "--json", "--trust-key", str(world.key_file), registry=str(world.mirror))
    assert code == 0
    assert {r["origin"] for r in json.loads(out)["results"]} == {"mirror"}


def test_usage_errors_exit_2(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(world.paper, world.cache)
    code, _, err = resolve(capsys, world, registry=str(world.paper / "no-such-dir"))
    assert code == 2 and "is neither an http(s):// URL nor a mirror directory" in err
    code, _, err = resolve(capsys, world, registry="ftp://example.org")
    assert code == 2 and "only http(s):// URLs and mirror directories" in err
    code, _, err = resolve(capsys, world, "--trust-key", str(world.paper / "missing-key.json"))
    assert code == 2 and "missing-key.json: cannot read key file" in err
    code, _, err = resolve(capsys, world, "--update", "--locked")
    assert code == 2 and "--update cannot be combined" in err
    assert main(["resolve", str(world.paper / "missing.bib"), "--registry", world.url]) == 2
    with pytest.raises(SystemExit) as info:
        main(["resolve", str(world.bib), "--concurrency", "0"])
    assert info.value.code == 2
    assert snapshot(world.paper, world.cache) == before


def test_a_malformed_lock_is_exit_2_and_untouched(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.lock.write_text('{\n  "entries": {\n    oops\n  }\n}\n')
    before = snapshot(world.paper)
    code, _, err = resolve(capsys, world)
    assert code == 2 and err.startswith(f"pithtex: {world.lock}:3: malformed pith.lock")
    assert snapshot(world.paper) == before


def test_self_id_from_the_configuration_is_resolved_too(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    (world.paper / "pithtex.toml").write_text('self_id = "2606.01249"\n')
    world.bib.write_text(bib_citing("2511.00066"))
    code, out, _ = resolve(capsys, world)
    assert code == 0 and f"arXiv:2606.01249 -> {TRPO} (verified)" in out


def test_no_references_is_fine(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.bib.write_text("@book{x, title={No arXiv here}}\n")
    code, out, err = resolve(capsys, world)
    assert code == 0 and out == "" and "no arXiv references found" in err
    assert not world.lock.exists()


def test_quiet_prints_only_problems(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = resolve(capsys, world, "--quiet", "--trust-key", str(world.key_file))
    assert code == 0 and out == "" and err == ""


def test_resolve_runs_as_a_process(world: World) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pithtex", "resolve", str(world.bib), "--registry", world.url,
         "--trust-key", str(world.key_file)],
        capture_output=True, text=True, timeout=60, env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("(verified)") == 5 and "\x1b[" not in proc.stderr  # no progress bar off a TTY


def test_a_progress_bar_only_on_a_terminal(world: World) -> None:
    """Whenever a run waits on the network for more than a second, even for one id (issue 18)."""
    import pty
    import select

    one = world.paper / "one.bib"
    one.write_text(bib_citing("2401.00001"))
    for extra, expect_bar in (([], True), (["--quiet"], False)):
        world.lock.unlink(missing_ok=True)
        for path in world.cache.glob("*"):
            if path.is_file():
                path.unlink()
        with running_mirror(world.mirror, delay=1.5) as slow:  # every answer takes 1.5 s
            command = [sys.executable, "-m", "pithtex", "resolve", str(one), "--registry", slow.url,
                       "--trust-key", str(world.key_file)]
            primary, secondary = pty.openpty()
            proc = subprocess.Popen([*command, *extra], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=secondary, env=dict(os.environ, COLUMNS="100"))
            os.close(secondary)
            seen = b""
            while True:
                ready, _, _ = select.select([primary], [], [], 30)
                if not ready:
                    break
                try:
                    chunk = os.read(primary, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            out, _ = proc.communicate(timeout=60)
            os.close(primary)
        assert proc.returncode == 0
        assert (b"resolving" in seen) is expect_bar, seen[-400:]
        assert out.count(b"(verified)") == (1 if not extra else 0)


def test_concurrency_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import threading
    import time as _time

    from tests.support.registry import FaultRegistry, json_doc
    from tests.support.signing import load_fixture

    isolate(tmp_path, monkeypatch)
    record = load_fixture(REAL_RECORDS["2511.00066"])
    state = {"now": 0, "max": 0}
    guard = threading.Lock()
    answer = json_doc(record)

    def slow(handler) -> None:
        with guard:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        _time.sleep(0.15)
        with guard:
            state["now"] -= 1
        answer(handler)

    ids = [f"2511.0006{n}" for n in range(6)]
    bib = tmp_path / "refs.bib"
    bib.write_text(bib_citing(*ids))
    with FaultRegistry() as registry:
        for arxiv in ids:
            registry.route(f"resolve:{arxiv}", slow)
        code = main(["resolve", str(bib), "--registry", registry.url, "--concurrency", "2", "--quiet"])
    assert code == 1  # every answer is the record of 2511.00066, right only for that id
    assert "arXiv:2511.00061: failed: the record served for it does not verify: record is for arXiv:2511.00066v4" in capsys.readouterr().out
    assert state["max"] == 2
