"""Bounded everywhere (issue 13, item 5): FIFOs, deep \\input chains, huge files, slow registries.

Real processes, real files (a real FIFO, a real sparse file), a real loopback
registry. Each test checks the exit code, the message and the bytes of every
file afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.support.registry import FaultRegistry, bib_citing, isolate, snapshot, status

TIMEOUT = 30  # a process still running after this is the bug under test: it would block forever


def run(args: list[str], cwd: Path, **env: str) -> tuple[int, str, str, float]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pithtex", *args], cwd=cwd, env={**os.environ, **env},
        capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started


@pytest.fixture
def paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(tmp_path, monkeypatch)
    root = tmp_path / "paper"
    root.mkdir()
    return root


# -- a FIFO is refused at once ----------------------------------------------------------------
@pytest.mark.parametrize("command", ["scan", "check", "annotate", "verify"])
def test_a_fifo_given_as_input_is_refused_at_once(paper: Path, command: str) -> None:
    fifo = paper / "refs.bib"
    os.mkfifo(fifo)
    code, out, err, _ = run([command, "refs.bib"], paper)
    assert code == 2
    if command == "verify":
        assert (out, err) == ("", "pithtex: refs.bib: cannot read: is a FIFO (named pipe), not a file\n")
    else:
        assert out == ("0 arXiv references to 0 papers, 0 Pith Numbers; 1 file not read\n" if command == "scan" else "")
        assert err.splitlines()[0] == "pithtex: refs.bib: is a FIFO (named pipe), not a file"
    assert [p.name for p in paper.iterdir()] == ["refs.bib"]  # nothing written beside it


def test_a_fifo_as_pith_lock_is_refused_at_once(paper: Path) -> None:
    (paper / "refs.bib").write_text(bib_citing("2511.00066"))
    os.mkfifo(paper / "pith.lock")
    before = {p.name: p.read_bytes() for p in paper.iterdir() if p.is_file()}
    for command in (["check", "refs.bib"], ["annotate", "refs.bib", "--offline"]):
        code, out, err, _ = run(command, paper)
        assert (code, out) == (2, "")
        assert err.splitlines()[0] == f"pithtex: {paper / 'pith.lock'}: is a FIFO (named pipe), not a file"
    assert {p.name: p.read_bytes() for p in paper.iterdir() if p.is_file()} == before


# -- a 600-deep \input chain --------------------------------------------------------------------
def test_a_600_deep_input_chain_is_refused_past_64_levels_with_one_line(paper: Path) -> None:
    for n in range(600):
        (paper / f"f{n}.tex").write_text(f"\\input{{f{n + 1}}}\n" if n < 599 else "arXiv:2511.00066\n")
    before = snapshot(paper)
    code, out, err, _ = run(["scan", "f0.tex"], paper)
    assert code == 0, err
    assert out == "0 arXiv references to 0 papers, 0 Pith Numbers, 1 warning\n"  # the id is in f599.tex, past the bound
    assert err.splitlines() == [
        "pithtex: warning: f64.tex:1: \\input{f65}: not followed: inputs nested more than 64 deep "
        "(TeX itself stops at 15)"
    ], err
    assert snapshot(paper) == before


def test_a_chain_within_the_bound_is_followed(paper: Path) -> None:
    for n in range(64):
        (paper / f"f{n}.tex").write_text(f"\\input{{f{n + 1}}}\n")
    (paper / "f64.tex").write_text("arXiv:2511.00066\n")
    code, out, err, _ = run(["scan", "f0.tex"], paper)
    assert (code, err) == (0, "")
    assert out == "f64.tex:1: -  arXiv:2511.00066  (text)\n1 arXiv reference to 1 paper, 0 Pith Numbers\n"


# -- sizes are checked before reading -------------------------------------------------------------
def test_a_4_gb_sparse_pith_lock_is_refused_before_it_is_read(paper: Path) -> None:
    (paper / "refs.bib").write_text(bib_citing("2511.00066"))
    lock = paper / "pith.lock"
    with open(lock, "wb") as handle:
        handle.truncate(4 * 1024**3)  # sparse: no disk, but reading it would take 4 GB of memory
    for command in (["check", "refs.bib"], ["annotate", "refs.bib", "--offline"], ["resolve", "refs.bib", "--offline"]):
        code, out, err, _ = run(command, paper)
        assert (code, out) == (2, ""), err
        assert err.splitlines()[0] == f"pithtex: {lock}: is 4 GiB, larger than the 256 MiB pithtex reads"
    assert lock.stat().st_size == 4 * 1024**3 and lock.stat().st_blocks == 0  # untouched
    assert (paper / "refs.bib").read_text() == bib_citing("2511.00066")


def test_a_huge_bib_is_refused_before_it_is_read(paper: Path) -> None:
    bib = paper / "refs.bib"
    with open(bib, "wb") as handle:
        handle.truncate(300 * 1024**2)
    for command in ("scan", "check", "annotate"):
        code, out, err, _ = run([command, "refs.bib"], paper)
        assert code == 2, err
        assert out == ("0 arXiv references to 0 papers, 0 Pith Numbers; 1 file not read\n" if command == "scan" else "")
        assert err.splitlines()[0] == "pithtex: refs.bib: is 300 MiB, larger than the 256 MiB pithtex reads"
    assert [p.name for p in paper.iterdir()] == ["refs.bib"] and bib.stat().st_blocks == 0


# -- one deadline for a whole run ------------------------------------------------------------------
def slow_503(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(1.5)  # longer than the whole run may take, per request
    status(503)(handler)


def test_a_whole_run_against_a_slow_registry_has_one_deadline(paper: Path) -> None:
    """32 new ids, 2 s deadline: before, each request had its own 2 s and the run took about 30 s."""
    ids = [f"2401.{n:05d}" for n in range(1, 33)]
    (paper / "refs.bib").write_text(bib_citing(*ids))
    before = snapshot(paper)
    with FaultRegistry() as registry:
        for arxiv in ids:
            registry.route(f"resolve:{arxiv}", slow_503)
        code, out, err, seconds = run(
            ["resolve", "refs.bib", "--registry", registry.url, "--concurrency", "4"], paper,
            PITHTEX_HTTP_DEADLINE="2", PITHTEX_HTTP_RETRIES="4",
        )
    assert code == 1
    failed = [line for line in out.splitlines() if ": failed: " in line]
    assert len(failed) == 32, out
    assert all(
        "no complete response within the 2s deadline" in line
        or "(no time left to retry)" in line
        or "not asked: the 2s deadline for the whole run had passed" in line
        for line in failed
    ), out
    assert "32 ids: 0 verified, 32 failed" in err
    assert seconds < 2 + 6, seconds  # the deadline plus process start-up; about 30 s before the fix
    assert snapshot(paper) == before


def test_a_fifo_where_annotate_writes_refs_pith_is_refused_at_once(paper: Path) -> None:
    from tests.support.signing import REAL_RECORDS, load_fixture

    bib = paper / "refs.bib"
    bib.write_text(bib_citing("2511.00066"))
    os.mkfifo(paper / "refs.pith")
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", load_fixture(REAL_RECORDS["2511.00066"]))
        code, out, err, _ = run(["annotate", "refs.bib", "--registry", registry.url], paper)
    assert code == 2
    assert err.splitlines()[-1] == "pithtex: refs.pith: is a FIFO (named pipe), not a file"
    assert bib.read_text() == bib_citing("2511.00066")  # nothing written
    assert sorted(p.name for p in paper.iterdir()) == ["pith.lock", "refs.bib", "refs.pith"]


def test_a_fifo_in_a_mirror_directory_or_as_pith_sty_is_not_waited_on(paper: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "pith" / "alias" / "arxiv").mkdir(parents=True)
    os.mkfifo(mirror / "pith" / "alias" / "arxiv" / "2511.00066.json")
    (paper / "refs.bib").write_text(bib_citing("2511.00066"))
    before = snapshot(paper)
    code, out, err, _ = run(["resolve", "refs.bib", "--registry", str(mirror)], paper)
    assert code == 1
    assert "is a FIFO (named pipe), not a file" in out, out
    assert snapshot(paper) == before
    (paper / "main.tex").write_text("\\documentclass{article}\n\\usepackage{pith}\n\\begin{document}\n\\end{document}\n")
    os.mkfifo(paper / "pith.sty")
    code, out, err, _ = run(["check", "main.tex"], paper)
    assert code == 0, err  # an unreadable copy carries no version to warn about; check does not hang
