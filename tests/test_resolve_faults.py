"""`pithtex resolve` against a hostile or broken registry (a real server on 127.0.0.1).

Every failure is one line naming the id and the reason, exit 1, and leaves
pith.lock, the cache and the user's files exactly as they were.
"""

from __future__ import annotations

import copy
import email.utils
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pithtex.cli import main
from tests.support.lock import v1_doc
from tests.support.registry import (
    FaultRegistry,
    bib_citing,
    body,
    drip,
    endless,
    gzip_bomb,
    isolate,
    json_doc,
    lying_length,
    redirect,
    reset_mid_body,
    snapshot,
    status,
)
from tests.support.signing import (
    REAL_RECORDS,
    TestKey,
    load_fixture,
    make_bundle,
    make_event,
    make_record,
    merged_state,
    sign_bundle,
)

REAL = load_fixture(REAL_RECORDS["2511.00066"])
OTHER = load_fixture(REAL_RECORDS["2606.01249"])
SPDD = "SPDDBVRNS36U3W2AYSQMMOTDSD"
RECORD_PATH = f"/pith/{SPDD}.json"
RECORD_BYTES = json.dumps(REAL).encode()


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float


@dataclass
class Paper:
    dir: Path
    bib: Path
    cache: Path
    key_file: Path

    @property
    def lock(self) -> Path:
        return self.dir / "pith.lock"

    def state(self) -> dict[str, tuple[bytes, int]]:
        return snapshot(self.dir, self.cache)


@pytest.fixture
def paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_key: TestKey) -> Paper:
    cache = isolate(tmp_path, monkeypatch)
    directory = tmp_path / "paper"
    directory.mkdir()
    bib = directory / "refs.bib"
    bib.write_text(bib_citing("2511.00066"))
    return Paper(directory, bib, cache, test_key.write_key_file(tmp_path / "test-key.json"))


def resolve(capsys: pytest.CaptureFixture[str], paper: Paper, registry: str, *extra: str) -> Run:
    capsys.readouterr()
    started = time.monotonic()
    code = main(["resolve", str(paper.bib), "--registry", registry, "--trust-key", str(paper.key_file), *extra])
    seconds = time.monotonic() - started
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return Run(code, captured.out, captured.err, seconds)


def assert_failed_cleanly(run: Run, paper: Paper, before: dict[str, Any], *fragments: str) -> None:
    """Exit 1, one line naming the file, line, id and reason; nothing written anywhere."""
    assert run.code == 1, (run.out, run.err)
    lines = [line for line in run.out.splitlines() if "arXiv:2511.00066" in line]
    assert len(lines) == 1, run.out
    assert lines[0].startswith(f"{paper.bib}:") and ": arXiv:2511.00066: failed: " in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "1 failed" in run.err
    assert paper.state() == before


# -- success ----------------------------------------------------------------
def test_success_through_a_pointer_then_the_record(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        run = resolve(capsys, paper, registry.url)
        assert registry.requests == ["resolve:2511.00066", RECORD_PATH]
    assert run.code == 0, run.out
    assert run.out == f"arXiv:2511.00066 -> pith:2025:{SPDD} (verified)\n"
    assert "1 id: 1 verified; updated pith.lock" in run.err
    lock = v1_doc(paper.lock)
    assert lock["entries"]["2511.00066"]["pith_number"] == f"pith:2025:{SPDD}"
    assert any(paper.cache.rglob("*.json"))  # verified material cached


def test_other_ids_still_resolve_when_one_fails(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    paper.bib.write_text(bib_citing("2511.00066", "2606.01249"))
    with FaultRegistry() as registry:
        registry.serve_record("2606.01249", OTHER).route("resolve:2511.00066", status(500))
        run = resolve(capsys, paper, registry.url, "--json")
    assert run.code == 1
    results = {r["arxiv_id"]: r for r in json.loads(run.out)["results"]}
    assert results["2606.01249"]["status"] == "verified"
    assert results["2606.01249"]["pith_number"] == "pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE"
    assert results["2511.00066"]["status"] == "failed" and "HTTP 500" in results["2511.00066"]["problem"]
    assert set(results["2511.00066"]) >= {"arxiv_id", "version", "pith_number", "status", "problem"}
    assert list(v1_doc(paper.lock)["entries"]) == ["2606.01249"]


def test_a_lock_another_program_wrote_during_the_fetch_keeps_its_entries(
    paper: Paper, capsys: pytest.CaptureFixture[str]
) -> None:
    """git pull (an editor, a sync) replaced pith.lock while the registry answered: the save dropped
    the coauthor's entries. They are read again and kept, the fetched entry added to them."""
    from tests.support.example import example_bytes

    lines = example_bytes("pith.lock").decode().splitlines(keepends=True)
    theirs = [line for line in lines if '["2511.00066"' not in line]
    assert len(theirs) == 3  # the header and two references

    def pull_then_answer(handler: Any) -> None:
        paper.lock.write_text("".join(theirs))
        json_doc({"pith_number": REAL["pith_number"], "arxiv": "2511.00066"})(handler)

    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL).route("resolve:2511.00066", pull_then_answer)
        run = resolve(capsys, paper, registry.url)
    assert run.code == 0, run.err
    ids = [json.loads(line)[0] for line in paper.lock.read_text().splitlines()[1:]]
    assert ids == ["2511.00066", "2602.19327v3", "2606.01249"]


# -- HTTP failures ----------------------------------------------------------
def test_unknown_id_is_a_404(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    before = paper.state()
    with FaultRegistry() as registry:
        run = resolve(capsys, paper, registry.url)
        assert_failed_cleanly(run, paper, before, f"unknown to {registry.url} (HTTP 404)")


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_429_with_retry_after_is_honoured(paper: Paper, capsys: pytest.CaptureFixture[str], form: str) -> None:
    after = "1" if form == "seconds" else email.utils.formatdate(time.time() + 2, usegmt=True)
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        pointer = registry.routes["resolve:2511.00066"][0]
        registry.route("resolve:2511.00066", status(429, {"Retry-After": after}), pointer)
        run = resolve(capsys, paper, registry.url)
        assert registry.requests == ["resolve:2511.00066", "resolve:2511.00066", RECORD_PATH]
    assert run.code == 0, run.out
    assert run.seconds >= 0.9  # it waited as told, not the tiny test back-off


def test_a_retry_after_past_the_deadline_fails_at_once(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    before = paper.state()
    with FaultRegistry() as registry:
        registry.route("resolve:2511.00066", status(429, {"Retry-After": "3600"}))
        run = resolve(capsys, paper, registry.url)
    assert_failed_cleanly(run, paper, before, "HTTP 429 (rate limited); Retry-After 3600s is past the 5s deadline")
    assert run.seconds < 3


def test_503_then_success(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        registry.route(RECORD_PATH, status(503), status(502), json_doc(REAL))
        run = resolve(capsys, paper, registry.url)
        assert registry.requests.count(RECORD_PATH) == 3
    assert run.code == 0, run.out


def test_503_forever_gives_up_after_the_retries(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    before = paper.state()
    with FaultRegistry() as registry:
        registry.route("resolve:2511.00066", status(503))
        run = resolve(capsys, paper, registry.url)
        assert registry.requests.count("resolve:2511.00066") == 3
    assert_failed_cleanly(run, paper, before, "HTTP 503 (gave up after 3 attempts)")


def test_a_server_dripping_one_byte_at_a_time_trips_the_deadline(
    paper: Paper, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PITHTEX_HTTP_DEADLINE", "1")
    before = paper.state()
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        registry.route(RECORD_PATH, drip(RECORD_BYTES, interval=0.02))  # ~200 s in all, a byte per 20 ms
        run = resolve(capsys, paper, registry.url)
    assert_failed_cleanly(run, paper, before, "no complete response within the 1s deadline")
    assert run.seconds < 4


@pytest.mark.parametrize("behaviour", ["endless", "gzip-bomb"])
def test_bodies_past_the_size_cap_are_refused(
    paper: Paper, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, behaviour: str
) -> None:
    monkeypatch.setenv("PITHTEX_HTTP_MAX_BYTES", str(1024 * 1024))
    before = paper.state()
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        registry.route(RECORD_PATH, endless() if behaviour == "endless" else gzip_bomb())
        run = resolve(capsys, paper, registry.url)
    assert_failed_cleanly(run, paper, before, "response larger than 1048576 bytes (decoded)")


def test_a_lying_content_length(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    before = paper.state()
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        registry.route(RECORD_PATH, lying_length(RECORD_BYTES[:100], len(RECORD_BYTES)))
        run = resolve(capsys, paper, registry.url)
    assert_failed_cleanly(run, paper, before, "connection broken", "gave up after 3 attempts")


def test_a_connection_reset_mid_body(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    before = paper.state()
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        registry.route(RECORD_PATH, reset_mid_body(RECORD_BYTES))
        run = resolve(capsys, paper, registry.url)
    assert_failed_cleanly(run, paper, before, "connection failed: connection reset or closed while reading", "gave up after 3 attempts")


def test_a_reset_then_success_is_retried(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        registry.route(RECORD_PATH, reset_mid_body(RECORD_BYTES), json_doc(REAL))
        run = resolve(capsys, paper, registry.url)
    assert run.code == 0, run.out


def test_a_truncated_record(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    before = paper.state()
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        registry.route(RECORD_PATH, body(RECORD_BYTES[: len(RECORD_BYTES) // 2]))
        run = resolve(capsys, paper, registry.url)
    assert_failed_cleanly(run, paper, before, f"record pith/{SPDD}.json does not verify: not JSON")


def test_a_non_json_resolve_response(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    before = paper.state()
    with FaultRegistry() as registry:
        registry.route("resolve:2511.00066", body(b"<html><body>Bad gateway</body></html>"))
        run = resolve(capsys, paper, registry.url)
    assert_failed_cleanly(run, paper, before, "resolve endpoint returned a body that is not JSON ('<html>")


def test_json_without_a_pith_number(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    before = paper.state()
    with FaultRegistry() as registry:
        registry.route("resolve:2511.00066", json_doc({"status": "ok", "results": []}))
        run = resolve(capsys, paper, registry.url)
    assert_failed_cleanly(run, paper, before, "resolve endpoint returned JSON without a Pith Number")


@pytest.mark.parametrize(
    "shape",
    [
        lambda r: {"pith_number": r["pith_number"]},
        lambda r: {"suffix": r["pith_number"].rsplit(":", 1)[1]},
        lambda r: {"result": {"data": [{"pithNumber": r["pith_number"]}]}},
        lambda r: {"links": {"json": f"https://pith.science/pith/{r['pith_number'].rsplit(':', 1)[1]}.json"}},
        lambda r: r,
        lambda r: {"record": r},
    ],
    ids=["pith_number", "suffix", "nested", "link", "whole-record", "wrapped-record"],
)
def test_plausible_resolve_shapes(paper: Paper, capsys: pytest.CaptureFixture[str], shape: Any) -> None:
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        registry.route("resolve:2511.00066", json_doc(shape(REAL)))
        run = resolve(capsys, paper, registry.url)
    assert run.code == 0, run.out
    assert f"pith:2025:{SPDD} (verified)" in run.out


# -- material that does not verify -----------------------------------------
def test_a_valid_record_for_the_wrong_id(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    before = paper.state()
    with FaultRegistry() as registry:
        registry.route("resolve:2511.00066", json_doc({"pith_number": OTHER["pith_number"]}))
        registry.route("/pith/3VRARFE3CFBERUCMJGDAWSCMAE.json", json_doc(OTHER))
        run = resolve(capsys, paper, registry.url)
    assert_failed_cleanly(run, paper, before, "record is for arXiv:2606.01249v1, not arXiv:2511.00066")


def test_a_whole_record_for_the_wrong_version(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    paper.bib.write_text(bib_citing("2511.00066v3"))
    before = paper.state()
    with FaultRegistry() as registry:
        registry.route("resolve:2511.00066v3", json_doc(REAL))
        run = resolve(capsys, paper, registry.url)
    assert run.code == 1 and "record is for arXiv:2511.00066v4, not arXiv:2511.00066v3" in run.out
    assert paper.state() == before


def test_a_tampered_record(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    tampered = copy.deepcopy(REAL)
    tampered["canonical_record"]["metadata"]["submitted_at"] = "2024-10-29T08:07:47Z"
    before = paper.state()
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", tampered)
        run = resolve(capsys, paper, registry.url)
    assert_failed_cleanly(run, paper, before, "does not verify: canonical_sha256", "is not the digest of the canonical record", "more)")


def test_a_record_signed_by_an_unknown_key_that_carries_its_own_key(
    paper: Paper, capsys: pytest.CaptureFixture[str]
) -> None:
    stranger = TestKey(key_id="stranger-key")
    record = make_record(stranger, "2511.00066", 4, "Sharpness-Guided Group Relative Policy Optimization via Probability Shaping")
    record["public_keys"] = [stranger.key_document()]
    record["receipt"]["public_key"] = stranger.key_document()
    before = paper.state()
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", record)
        run = resolve(capsys, paper, registry.url)
    assert_failed_cleanly(run, paper, before, "does not verify", "key 'stranger-key' is not trusted")


def test_a_redirect_to_another_host_is_not_followed(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    before = paper.state()
    with FaultRegistry() as registry, FaultRegistry() as elsewhere:
        elsewhere.serve_record("2511.00066", REAL)
        target = elsewhere.url.replace("127.0.0.1", "localhost") + RECORD_PATH
        registry.route("resolve:2511.00066", redirect(target))
        run = resolve(capsys, paper, registry.url)
        assert elsewhere.requests == []
    assert_failed_cleanly(run, paper, before, f"HTTP 302: redirect to another host ({target}) not followed")


def test_a_redirect_on_the_same_host_is_followed(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        registry.route("/moved.json", json_doc({"pith_number": REAL["pith_number"]}))
        registry.route("resolve:2511.00066", redirect("/moved.json", 301))
        run = resolve(capsys, paper, registry.url)
    assert run.code == 0, run.out


# -- trust on first use -------------------------------------------------------
TITLE = "A Paper About Locks"


def test_a_different_digest_for_a_locked_version_is_a_security_error(
    paper: Paper, capsys: pytest.CaptureFixture[str], test_key: TestKey
) -> None:
    paper.bib.write_text(bib_citing("2401.00001"))
    first = make_record(test_key, "2401.00001", 1, TITLE)
    other = make_record(test_key, "2401.00001", 1, TITLE, abstract="A quietly rewritten abstract.")
    assert first["canonical_sha256"] != other["canonical_sha256"]
    with FaultRegistry() as registry:
        registry.serve_record("2401.00001", first)
        assert resolve(capsys, paper, registry.url).code == 0
    before = paper.state()
    time.sleep(0.01)
    with FaultRegistry() as registry:
        registry.serve_record("2401.00001", other)
        run = resolve(capsys, paper, registry.url, "--update")
    assert run.code == 1
    assert "arXiv:2401.00001: rejected: SECURITY: the registry gave digest" in run.out
    assert "for arXiv:2401.00001v1, but pith.lock pins" in run.out
    assert "REJECTED (nothing was written)" in run.err and "pithtex: SECURITY:" in run.err
    assert paper.state() == before


def test_a_conflicting_digest_under_another_citation_form_is_rejected_without_update(
    paper: Paper, capsys: pytest.CaptureFixture[str], test_key: TestKey
) -> None:
    paper.bib.write_text(bib_citing("2401.00001v1"))
    first = make_record(test_key, "2401.00001", 1, TITLE)
    other = make_record(test_key, "2401.00001", 1, TITLE, primary_cat="cs.CL")
    with FaultRegistry() as registry:
        registry.serve_record("2401.00001v1", first)
        assert resolve(capsys, paper, registry.url).code == 0
    paper.bib.write_text(bib_citing("2401.00001v1", "2401.00001"))
    before = paper.state()
    with FaultRegistry() as registry:
        registry.serve_record("2401.00001", other)
        run = resolve(capsys, paper, registry.url)
    assert run.code == 1 and "arXiv:2401.00001: rejected: SECURITY:" in run.out
    assert "arXiv:2401.00001v1 -> " in run.out  # the locked citation itself is still fine
    assert paper.state() == before


def test_fewer_events_than_the_lock_recorded_is_a_rollback(
    paper: Paper, capsys: pytest.CaptureFixture[str], test_key: TestKey
) -> None:
    paper.bib.write_text(bib_citing("2401.00001"))
    record = make_record(test_key, "2401.00001", 1, TITLE)
    number = record["pith_number"]
    suffix = number.rsplit(":", 1)[1]
    later = make_event(
        test_key, "graph_snapshot", number, "graph",
        {"graph_snapshot": {"paper": record["paper"], "source": record["source"], "builder_version": "t"}, "verdict_id": None},
        "2024-04-01T00:00:00Z",
    )
    longer = make_bundle(test_key, "2401.00001", 1, TITLE, extra_events=(later,))
    longer = sign_bundle(test_key, {**longer, "state": merged_state(longer)})  # all three events merged
    shorter = make_bundle(test_key, "2401.00001", 1, TITLE)
    with FaultRegistry() as registry:
        registry.serve_record("2401.00001", record).route(f"/pith/{suffix}/bundle.json", json_doc(longer))
        assert resolve(capsys, paper, registry.url, "--deep").code == 0
    entry = v1_doc(paper.lock)["entries"]["2401.00001"]
    assert entry["event_count"] == 3 and entry["state_sha256"]
    before = paper.state()
    with FaultRegistry() as registry:
        registry.serve_record("2401.00001", record).route(f"/pith/{suffix}/bundle.json", json_doc(shorter))
        run = resolve(capsys, paper, registry.url, "--deep", "--update")
    assert run.code == 1
    assert f"SECURITY: rollback: the registry gave a bundle for {number} with 2 events, but pith.lock recorded 3" in run.out
    assert paper.state() == before
    # A refresh without --deep of the same record keeps what --deep recorded, so the rollback
    # is still refused after it (it used to set the deep state to null, and then take 2 events).
    with FaultRegistry() as registry:
        registry.serve_record("2401.00001", record).route(f"/pith/{suffix}/bundle.json", json_doc(shorter))
        assert resolve(capsys, paper, registry.url, "--update").code == 0
        assert v1_doc(paper.lock)["entries"]["2401.00001"]["event_count"] == 3
        run = resolve(capsys, paper, registry.url, "--deep", "--update")
    assert run.code == 1 and "SECURITY: rollback:" in run.out
    assert v1_doc(paper.lock)["entries"]["2401.00001"]["event_count"] == 3


def test_an_older_version_than_the_lock_pinned_is_a_rollback(
    paper: Paper, capsys: pytest.CaptureFixture[str], test_key: TestKey
) -> None:
    paper.bib.write_text(bib_citing("2401.00001"))
    with FaultRegistry() as registry:
        registry.serve_record("2401.00001", make_record(test_key, "2401.00001", 2, TITLE))
        assert resolve(capsys, paper, registry.url).code == 0
    before = paper.state()
    with FaultRegistry() as registry:
        registry.serve_record("2401.00001", make_record(test_key, "2401.00001", 1, TITLE))
        run = resolve(capsys, paper, registry.url, "--update")
    assert run.code == 1
    assert "SECURITY: rollback: the registry gave arXiv:2401.00001v1 but pith.lock already pins v2" in run.out
    assert paper.state() == before


def test_update_accepts_a_genuinely_new_version(paper: Paper, capsys: pytest.CaptureFixture[str], test_key: TestKey) -> None:
    paper.bib.write_text(bib_citing("2401.00001"))
    with FaultRegistry() as registry:
        registry.serve_record("2401.00001", make_record(test_key, "2401.00001", 1, TITLE))
        assert resolve(capsys, paper, registry.url).code == 0
    v2 = make_record(test_key, "2401.00001", 2, TITLE)
    with FaultRegistry() as registry:
        registry.serve_record("2401.00001", v2)
        assert resolve(capsys, paper, registry.url).code == 0  # without --update the lock holds
        assert registry.requests == []
        run = resolve(capsys, paper, registry.url, "--update")
    assert run.code == 0 and f"-> {v2['pith_number']} (verified)" in run.out
    assert v1_doc(paper.lock)["entries"]["2401.00001"]["source_version"] == 2


def test_nothing_listening_is_retried_then_one_line(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    before = paper.state()
    run = resolve(capsys, paper, f"http://127.0.0.1:{port}")
    # the id's line says it was not resolved; why, and what to do, is said once (issue 18)
    assert_failed_cleanly(run, paper, before, f"not resolved: no connection to http://127.0.0.1:{port}")
    assert run.err.count("cannot reach") == 1
    said = next(line for line in run.err.splitlines() if "cannot reach" in line)
    assert said.startswith(f"pithtex: cannot reach http://127.0.0.1:{port}: connection failed:")
    assert "gave up after 3 attempts" in said and "--offline" in said and "--registry" in said


def test_an_unreachable_registry_ends_with_the_first_id_that_gives_up(
    paper: Paper, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import socket

    import pithtex.resolve.http as http

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ids = ["2401.00001", "2401.00002", "2401.00003", "2401.00004"]
    paper.bib.write_text(bib_citing(*ids))
    monkeypatch.setenv("PITHTEX_HTTP_RETRIES", "4")
    monkeypatch.setenv("PITHTEX_HTTP_BACKOFF", "1")
    monkeypatch.setenv("PITHTEX_HTTP_BACKOFF_CAP", "1")
    first: list[object] = []

    def uniform(low: float, high: float) -> float:  # the first id retries at once, the others wait 1 s each time
        if not first:
            first.append(asyncio.current_task())
        return low if asyncio.current_task() is first[0] else high

    monkeypatch.setattr(http.random, "uniform", uniform)
    before = paper.state()
    run = resolve(capsys, paper, f"http://127.0.0.1:{port}")
    assert run.code == 1 and run.seconds < 2.5, run.seconds  # not 4 retries x 1 s for the ids in flight
    for arxiv in ids:
        assert f"arXiv:{arxiv}: failed: not resolved: no connection to http://127.0.0.1:{port}" in run.out
    said = [line for line in run.err.splitlines() if "cannot reach" in line]
    assert len(said) == 1 and "gave up after 5 attempts" in said[0]
    assert paper.state() == before


# -- credentials --------------------------------------------------------------
def test_credentials_in_the_registry_url_are_sent_as_basic_auth(paper: Paper, capsys: pytest.CaptureFixture[str]) -> None:
    """A private mirror at ``http://user:token@host/``: every request (pointer, then record)
    carries the credentials; the output never shows them."""
    seen: list[str | None] = []

    def with_auth(behaviour: Any) -> Any:
        def behave(handler: Any) -> None:
            seen.append(handler.headers.get("Authorization"))
            behaviour(handler)

        return behave

    with FaultRegistry() as registry:
        registry.route("resolve:2511.00066", with_auth(json_doc({"pith_number": REAL["pith_number"], "arxiv": "2511.00066"})))
        registry.route(RECORD_PATH, with_auth(json_doc(REAL)))
        url = registry.url.replace("http://", "http://reader:s%40cret@")
        run = resolve(capsys, paper, url)
    assert run.code == 0, (run.out, run.err)
    expected = "Basic " + __import__("base64").b64encode(b"reader:s@cret").decode()
    assert seen == [expected, expected]
    assert "s%40cret" not in run.out + run.err and "s@cret" not in run.out + run.err
