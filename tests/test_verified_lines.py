"""The per-user memo of verified pith.lock lines (pithtex/resolve/verified_lines.py).

A warm run skips the lines that verified before; nothing else is ever vouched for: not a
changed line, not a memo this user's pithtex did not write (forged, another user's), not a
memo from another set of trusted keys or another pithtex; and a state directory that cannot
be written only means no memo. The tampering cases through the CLI: tests/test_lock_tamper.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pithtex
from pithtex import localmac
from pithtex.cli import main
from pithtex.resolve import verified_lines
from pithtex.resolve.lockfile import Lockfile
from pithtex.resolve.verified_lines import VerifiedLines
from pithtex.verify.keys import TrustStore, trust_store_from
from pithtex.verify.result import VerificationResult
from tests.support.signing import TestKey

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "paper"


@pytest.fixture
def paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "paper"
    root.mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("main.tex", "refs.bib", "pith.lock", "pithtex.toml"):
        shutil.copy2(EXAMPLE / name, root / name)
    monkeypatch.setenv("PITHTEX_REGISTRY", "http://127.0.0.1:9")
    monkeypatch.setenv("PITHTEX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PITHTEX_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("PITHTEX_TRUST_KEYS", raising=False)
    monkeypatch.chdir(root)
    return root


def line_hashes(lock: Path) -> list[str]:
    lines = lock.read_text(encoding="utf-8").splitlines()[1:]
    return sorted(hashlib.sha256(line.encode("utf-8")).hexdigest() for line in lines)


def memo_files(state: Path) -> list[Path]:
    directory = state / "verified-lines"
    return sorted(directory.iterdir()) if directory.is_dir() else []


def memo_body(state: Path) -> list[str]:
    (path,) = memo_files(state)
    return path.read_text(encoding="ascii").split("\n")[1:]


def remembered(results: list[VerificationResult]) -> int:
    """How many of ``results`` the memo vouched for (their check says so)."""
    return sum("(remembered: this line verified before)" in r.checks[-1].detail for r in results)


def verify(lock_path: Path, trust: TrustStore | None = None) -> tuple[list[bool], int]:
    """(each entry's verdict, how many the memo vouched for), as resolve/annotate/check do it."""
    lock = Lockfile.load(lock_path)
    results = lock.verify_many(list(lock), trust if trust is not None else trust_store_from())
    return [r.ok for r in results], remembered(results)


def test_a_warm_run_skips_the_lines_that_verified_before(paper: Path) -> None:
    lock_path = paper / "pith.lock"
    cold = Lockfile.load(lock_path)
    cold_results = cold.verify_many(list(cold), trust_store_from())
    assert [r.ok for r in cold_results] == [True] * 3 and remembered(cold_results) == 0
    assert memo_body(paper.parent / "state") == line_hashes(lock_path)  # every line, nothing else

    warm = Lockfile.load(lock_path)
    warm_results = warm.verify_many(list(warm), trust_store_from())
    assert remembered(warm_results) == 3
    for before, after in zip(cold_results, warm_results):
        assert after.ok and "remembered" in after.checks[-1].detail
        assert (after.pith_number, after.canonical_sha256, after.title, after.key_id) == (
            before.pith_number, before.canonical_sha256, before.title, before.key_id)


def test_runs_as_processes_fill_the_memo_and_dry_runs_add_nothing(paper: Path) -> None:
    state = paper.parent / "state"
    env = dict(os.environ)

    def pithtex_run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pithtex", *args], cwd=paper, env=env,
                              capture_output=True, text=True, timeout=120)

    for dry in ("--check", "--dry-run", "--diff"):
        proc = pithtex_run("annotate", "--offline", dry, "refs.bib", "main.tex")
        assert proc.returncode in (0, 1), proc.stderr
        assert memo_files(state) == [], dry  # a run that writes nothing adds nothing
    proc = pithtex_run("check", "--no-cache", "refs.bib", "main.tex")
    assert proc.returncode in (0, 1) and "does not verify" not in proc.stderr, proc.stderr
    assert memo_files(state) == []  # --no-cache trusts nothing remembered, and remembers nothing
    proc = pithtex_run("resolve", "--offline", "refs.bib")  # (annotate may be stamped: nothing to verify)
    assert proc.returncode == 0, proc.stderr
    assert memo_body(state) == line_hashes(paper / "pith.lock")
    assert verify(paper / "pith.lock") == ([True] * 3, 3)  # what the processes remembered is used
    for memo in memo_files(state):
        memo.unlink()
    proc = pithtex_run("annotate", "--offline", "--quiet", "refs.bib", "main.tex")
    assert proc.returncode == 0, proc.stderr
    # annotate resolves without writing and writes once nothing stops it; its real run remembers
    assert memo_body(state) == line_hashes(paper / "pith.lock")


def _plant(state: Path, lock_path: Path, hashes: list[str], key: bytes, trust: TrustStore) -> None:
    """A memo for ``lock_path`` listing ``hashes``, in the file's format, tagged under ``key``."""
    memo = VerifiedLines(lock_path, trust)
    body = "\n".join(sorted(hashes))
    memo.path.parent.mkdir(parents=True, exist_ok=True)
    tag = localmac.tag(key, verified_lines._MAGIC, memo.scope, memo.lock_path, body)
    memo.path.write_text(f"{verified_lines._MAGIC} {memo.scope} {tag}\n{body}", encoding="ascii")


def test_a_forged_memo_vouches_for_nothing(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state, lock_path = paper.parent / "state", paper / "pith.lock"
    assert run(capsys, "check", "refs.bib", "main.tex")[0] == 1  # (not annotated yet) creates the key
    assert localmac.secret(create=False) is not None
    text = lock_path.read_text(encoding="utf-8")
    lock_path.write_text(text.replace('"cs.LG"', '"cs.CL"', 1), encoding="utf-8")
    # well-formed, the right scope, every line of the tampered lock: but not tagged with this user's key
    _plant(state, lock_path, line_hashes(lock_path), os.urandom(32), trust_store_from())
    planted = memo_files(state)[0].read_bytes()
    lock = Lockfile.load(lock_path)
    results = lock.verify_many(list(lock), trust_store_from(), memo="read")
    assert [r.ok for r in results] == [False, True, True] and remembered(results) == 0
    code, err = run(capsys, "check", "--quiet", "refs.bib", "main.tex")
    assert code == 1 and "does not verify" in err, err
    assert memo_files(state)[0].read_bytes() != planted  # replaced by what did verify
    assert len(memo_body(state)) == 2  # the two untouched lines, never the changed one


def test_a_memo_copied_from_another_user_vouches_for_nothing(
    paper: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock_path = paper / "pith.lock"
    assert verify(lock_path) == ([True] * 3, 0)
    other = tmp_path / "other-user-state"
    other.mkdir()
    (other / "stamp.key").write_bytes(os.urandom(localmac.SECRET_BYTES))  # another user, another key
    shutil.copytree(tmp_path / "state" / "verified-lines", other / "verified-lines")
    monkeypatch.setenv("PITHTEX_STATE_DIR", str(other))
    assert verify(lock_path) == ([True] * 3, 0)
    shutil.rmtree(other)
    other.mkdir()  # no key at all there: the copied memo cannot be checked, so it is not used
    shutil.copytree(tmp_path / "state" / "verified-lines", other / "verified-lines")
    assert verify(lock_path) == ([True] * 3, 0)


def test_a_memo_from_another_key_set_or_pithtex_is_not_used(
    paper: Path, tmp_path: Path, test_key: TestKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock_path = paper / "pith.lock"
    assert verify(lock_path) == ([True] * 3, 0)
    assert verify(lock_path) == ([True] * 3, 3)
    more = trust_store_from([test_key.write_key_file(tmp_path / "key.json")])
    assert verify(lock_path, more) == ([True] * 3, 0)  # another set of trusted keys (and it is now its memo)
    assert verify(lock_path, more) == ([True] * 3, 3)
    assert verify(lock_path) == ([True] * 3, 0)
    monkeypatch.setattr(pithtex, "__version__", pithtex.__version__ + ".post1")
    assert verify(lock_path) == ([True] * 3, 0)
    monkeypatch.setattr(verified_lines, "RULES", verified_lines.RULES + 1)
    assert verify(lock_path) == ([True] * 3, 0)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


@pytest.mark.parametrize("where", ["state dir under a file", "verified-lines is a file"])
def test_a_state_dir_that_cannot_be_written_means_no_memo(
    paper: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    if where == "state dir under a file":
        (tmp_path / "plain-file").write_text("x")
        monkeypatch.setenv("PITHTEX_STATE_DIR", str(tmp_path / "plain-file" / "state"))
    else:
        (tmp_path / "state").mkdir()
        (tmp_path / "state" / "verified-lines").write_text("not a directory")
    lock_path = paper / "pith.lock"
    for _ in range(2):
        code, out = run(capsys, "annotate", "--offline", "--quiet", "refs.bib", "main.tex")
        assert code == 0 and out == "", out
        assert verify(lock_path) == ([True] * 3, 0)
        code, out = run(capsys, "check", "--quiet", "refs.bib", "main.tex")
        assert code == 0 and out == "", out
    lock_path.write_text(lock_path.read_text(encoding="utf-8").replace('"cs.LG"', '"cs.CL"', 1), encoding="utf-8")
    code, out = run(capsys, "check", "refs.bib", "main.tex")
    assert code == 1 and "does not verify" in out, out
