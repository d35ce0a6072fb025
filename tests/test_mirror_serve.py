"""`pithtex mirror add` and `pithtex serve`: a registry layout on disk, served on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from pithtex.cli import main
from pithtex.ids.arxiv import parse_arxiv_id
from pithtex.resolve.resolver import ResolveSettings, resolve_ids
from pithtex.verify.keys import trust_store_from
from tests.support.registry import isolate, running_mirror, snapshot
from tests.support.signing import REAL_BUNDLE, REAL_RECORDS, TestKey, make_bundle, make_record

SPDD = "SPDDBVRNS36U3W2AYSQMMOTDSD"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolate(tmp_path, monkeypatch)


def write(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_mirror_add_files_real_material_into_the_registry_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mirror = tmp_path / "mirror"
    assert main(["mirror", "add", str(mirror), *map(str, REAL_RECORDS.values()), str(REAL_BUNDLE)]) == 0
    out = capsys.readouterr().out
    assert f"record pith:2025:{SPDD} for arXiv:2511.00066v4" in out and "added 3 documents" in out
    assert (mirror / f"pith/{SPDD}.json").read_bytes() == REAL_RECORDS["2511.00066"].read_bytes()
    bundle = REAL_BUNDLE.read_bytes()
    assert (mirror / "pith/C7HZCGQ4XG57XBILJLQGM22JGT/bundle.json").read_bytes() == bundle
    assert (mirror / ".well-known/pith/C7HZCGQ4XG57XBILJLQGM22JGT/bundle.json").read_bytes() == bundle
    state = json.loads((mirror / "pith/C7HZCGQ4XG57XBILJLQGM22JGT/state.json").read_text())
    assert state["state_sha256"] == json.loads(bundle)["state"]["state_sha256"]
    for alias in ("2511.00066", "2511.00066v4"):
        assert (mirror / f"pith/alias/arxiv/{alias}.json").read_bytes() == REAL_RECORDS["2511.00066"].read_bytes()
    index = json.loads((mirror / "pith/alias/index.json").read_text())["arxiv"]
    assert index["2602.19327v3"]["kind"] == "bundle" and index["2606.01249"]["version"] == 1


def test_mirror_add_is_all_or_nothing(tmp_path: Path, test_key: TestKey, capsys: pytest.CaptureFixture[str]) -> None:
    mirror = tmp_path / "mirror"
    untrusted = write(tmp_path / "untrusted.json", make_record(test_key, "2401.00001", 1, "Untrusted"))
    tampered = json.loads(REAL_RECORDS["2511.00066"].read_text())
    tampered["canonical_record"]["metadata"]["primary_cat"] = "cs.AI"
    bad = write(tmp_path / "tampered.json", tampered)
    for inputs in ([untrusted], [REAL_RECORDS["2606.01249"], bad], [tmp_path / "missing.json"]):
        code = main(["mirror", "add", str(mirror), *map(str, inputs)])
        assert code in (1, 2)
        assert not mirror.exists() or not any(mirror.rglob("*.json"))
    err = capsys.readouterr().err
    assert f"pithtex: {untrusted}: does not verify:" in err and "nothing was written" in err
    assert f"pithtex: {bad}: does not verify:" in err
    assert "missing.json: cannot read" in err


def test_mirror_add_trusts_a_test_key_only_when_told(tmp_path: Path, test_key: TestKey) -> None:
    mirror = tmp_path / "mirror"
    record = write(tmp_path / "r.json", make_record(test_key, "2401.00001", 2, "A Loopback Paper"))
    key = test_key.write_key_file(tmp_path / "key.json")
    assert main(["mirror", "add", "-q", str(mirror), str(record)]) == 1
    assert main(["mirror", "add", "-q", str(mirror), str(record), "--trust-key", str(key)]) == 0
    assert (mirror / "pith/alias/arxiv/2401.00001v2.json").is_file()


def test_a_mirror_never_holds_two_records_for_one_version(tmp_path: Path, test_key: TestKey, capsys: pytest.CaptureFixture[str]) -> None:
    mirror = tmp_path / "mirror"
    key = str(test_key.write_key_file(tmp_path / "key.json"))
    first = write(tmp_path / "a.json", make_record(test_key, "2401.00001", 1, "First Title"))
    second = write(tmp_path / "b.json", make_record(test_key, "2401.00001", 1, "Second Title"))
    assert main(["mirror", "add", "-q", str(mirror), str(first), "--trust-key", key]) == 0
    before = snapshot(mirror)
    assert main(["mirror", "add", "-q", str(mirror), str(second), "--trust-key", key]) == 1
    assert "never holds two records for one version" in capsys.readouterr().err
    assert snapshot(mirror) == before


def test_a_mirror_a_run_left_half_written_still_refuses_a_second_record(
    tmp_path: Path, test_key: TestKey, capsys: pytest.CaptureFixture[str]
) -> None:
    """The index is written last: a run stopped before it (interrupted, a full disk) left alias files
    it does not list, and the next run filed a second record for the same version."""
    mirror = tmp_path / "mirror"
    key = str(test_key.write_key_file(tmp_path / "key.json"))
    first = write(tmp_path / "a.json", make_record(test_key, "2401.00001", 1, "First Title"))
    second = write(tmp_path / "b.json", make_record(test_key, "2401.00001", 1, "Second Title"))
    assert main(["mirror", "add", "-q", str(mirror), str(first), "--trust-key", key]) == 0
    (mirror / "pith" / "alias" / "index.json").write_text('{"arxiv": {}}\n')  # as if the run had stopped there
    assert main(["mirror", "add", "-q", str(mirror), str(second), "--trust-key", key]) == 1
    assert "never holds two records for one version" in capsys.readouterr().err


@pytest.mark.parametrize("index", ['{"arxiv": {"2511.00066v4": "x"}}', '{"arxiv": {"2511.00066": {"version": "4"}}}',
                                   '{"arxiv": {"2511.00066v4": {"suffix": null}}}'])
def test_an_alias_index_damaged_inside_is_exit_2(tmp_path: Path, index: str, capsys: pytest.CaptureFixture[str]) -> None:
    """(an internal error, exit 3, or 'the mirror already holds None')"""
    mirror = tmp_path / "mirror"
    (mirror / "pith" / "alias").mkdir(parents=True)
    (mirror / "pith" / "alias" / "index.json").write_text(index)
    assert main(["mirror", "add", "-q", str(mirror), str(REAL_RECORDS["2511.00066"])]) == 2
    assert "malformed alias index" in capsys.readouterr().err


def test_the_unversioned_alias_follows_the_newest_version(tmp_path: Path, test_key: TestKey) -> None:
    mirror = tmp_path / "mirror"
    key = str(test_key.write_key_file(tmp_path / "key.json"))
    v2 = write(tmp_path / "v2.json", make_record(test_key, "2401.00001", 2, "Title"))
    v1 = write(tmp_path / "v1.json", make_record(test_key, "2401.00001", 1, "Title"))
    assert main(["mirror", "add", "-q", str(mirror), str(v2), "--trust-key", key]) == 0
    assert main(["mirror", "add", "-q", str(mirror), str(v1), "--trust-key", key]) == 0
    assert json.loads((mirror / "pith/alias/arxiv/2401.00001.json").read_text())["source"]["version"] == 2
    assert json.loads((mirror / "pith/alias/arxiv/2401.00001v1.json").read_text())["source"]["version"] == 1


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    directory = tmp_path / "mirror"
    assert main(["mirror", "add", "-q", str(directory), *map(str, REAL_RECORDS.values()), str(REAL_BUNDLE)]) == 0
    return directory


def test_serve_answers_the_registry_endpoints(mirror: Path) -> None:
    with running_mirror(mirror) as server, httpx.Client(base_url=server.url, trust_env=False) as client:
        resolved = client.get("/api/pith-number/resolve", params={"arxiv": "2511.00066", "json": "true"})
        assert resolved.status_code == 200 and resolved.json()["pith_number"] == f"pith:2025:{SPDD}"
        assert client.get("/api/pith-number/resolve", params={"arxiv": "arXiv:2511.00066v4"}).status_code == 200
        assert client.get(f"/pith/{SPDD}.json").content == REAL_RECORDS["2511.00066"].read_bytes()
        assert client.get(f"/pith/{SPDD}", headers={"Accept": "application/ld+json"}).json()["canonical_record"]
        assert client.get("/pith/C7HZCGQ4XG57XBILJLQGM22JGT/bundle.json").content == REAL_BUNDLE.read_bytes()
        assert client.get("/.well-known/pith/C7HZCGQ4XG57XBILJLQGM22JGT/bundle.json").status_code == 200
        missing = client.get("/api/pith-number/resolve", params={"arxiv": "2511.00067"})
        assert missing.status_code == 404 and missing.json()["error"] == "not found"
        assert client.get("/api/pith-number/resolve", params={"arxiv": "../../etc/passwd"}).status_code == 400
        assert client.get("/api/pith-number/resolve").status_code == 400
        assert client.get("/pith/../../../etc/passwd").status_code == 404
        assert client.get("/%2e%2e/%2e%2e/etc/passwd").status_code == 404


def test_pithtex_serve_prints_its_url_and_serves(mirror: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pithtex", "serve", str(mirror), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith(f"serving {mirror} at http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        settings = ResolveSettings(registry=url, lock_path=tmp_path / "pith.lock", trust=trust_store_from(), cache=None)
        report = resolve_ids([parse_arxiv_id("2606.01249")], settings)
        assert report.ok and report.resolutions[0].origin == "registry"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_refuses_a_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_a_static_web_server_is_a_mirror_too(mirror: Path, tmp_path: Path) -> None:
    """No resolve endpoint (404): the client falls back to the alias files."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(mirror))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        settings = ResolveSettings(registry=url, lock_path=tmp_path / "pith.lock", trust=trust_store_from(), cache=None)
        report = resolve_ids([parse_arxiv_id("2511.00066v4"), parse_arxiv_id("2602.19327")], settings)
        assert [r.status for r in report.resolutions] == ["verified", "verified"], [r.problem for r in report.resolutions]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("form", ["path", "file-url"])
def test_registry_may_be_a_mirror_directory(mirror: Path, tmp_path: Path, form: str, test_key: TestKey) -> None:
    key = test_key.write_key_file(tmp_path / "key.json")
    bundle = write(tmp_path / "b.json", make_bundle(test_key, "2403.00003", 1, "A Bundled Paper"))
    assert main(["mirror", "add", "-q", str(mirror), str(bundle), "--trust-key", str(key)]) == 0
    registry = str(mirror) if form == "path" else mirror.as_uri()
    settings = ResolveSettings(
        registry=registry, lock_path=tmp_path / "pith.lock", trust=trust_store_from([key]), cache=None, deep=True
    )
    report = resolve_ids([parse_arxiv_id("2403.00003"), parse_arxiv_id("2602.19327v3")], settings)
    assert report.ok, [r.problem for r in report.resolutions]
    assert {r.origin for r in report.resolutions} == {"mirror"}
    entry = report.resolutions[0].entry
    assert entry is not None and entry.event_count == 2 and entry.state_sha256


def test_serve_answers_a_bad_name_with_a_404(mirror: Path) -> None:
    """A name longer than NAME_MAX (or a file that cannot be read) dropped the connection unanswered."""
    (mirror / "pith" / "private.json").mkdir()  # is_file() is False: a 404 like any other missing file
    with running_mirror(mirror) as server, httpx.Client(base_url=server.url, trust_env=False) as client:
        for path in ("/pith/" + "A" * 300 + ".json", "/pith/private.json"):
            response = client.get(path)
            assert response.status_code == 404 and response.json()["error"] == "not found"


def test_idle_connections_do_not_shut_everyone_else_out(mirror: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Connections that send nothing are closed after a while and hold at most max_connections threads:
    1,100 of them under ulimit -n 1024 held 1,021 threads and left other clients unanswered."""
    import socket

    from pithtex.resolve import server as server_module

    monkeypatch.setattr(server_module._Handler, "timeout", 1)
    monkeypatch.setattr(server_module.MirrorServer, "max_connections", 20)
    before = threading.active_count()
    with running_mirror(mirror) as server:
        host, port = server.server_address[:2]
        idle = [socket.create_connection((host, port), timeout=10) for _ in range(60)]
        try:
            with httpx.Client(base_url=server.url, trust_env=False, timeout=20) as client:
                assert client.get("/pith/alias/index.json").status_code == 200  # after the idle ones time out
            assert threading.active_count() <= before + 1 + 20  # the serving thread, and 20 connections at most
            closed = 0
            for s in idle:
                s.settimeout(10)
                closed += s.recv(1) == b""  # the server hung up on each in the end
            assert closed == len(idle)
        finally:
            for s in idle:
                s.close()
