"""Under pre-commit (PRE_COMMIT=1), a file the run read that git does not track is a problem.

pre-commit stashes unstaged changes, not untracked files: a pith.lock never
``git add``-ed is still there when the hook runs, the hook passes, and the
commit reaches coauthors and CI without it. Real git, a real checkout; the
hook environment is what pre-commit gives it (tests/test_precommit.py runs
the real pre-commit).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.example import offline_paper
from tests.support.signing import TestKey

pytestmark = pytest.mark.skipif(
    subprocess.run(["git", "--version"], capture_output=True).returncode != 0, reason="needs git"
)

UNTRACKED = "git does not track this file, which this run read"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """The example paper, annotated, in a real git checkout where everything but pith.lock is tracked."""
    git(tmp_path, "init", "-q")
    paper = offline_paper(tmp_path, monkeypatch)
    assert run_cli(capsys, "annotate", "--quiet", "main.tex")[0] == 0
    git(tmp_path, "add", "-A")
    git(tmp_path, "rm", "-q", "--cached", "paper/pith.lock")
    monkeypatch.setenv("PRE_COMMIT", "1")
    return paper


def test_check_names_an_untracked_lock_and_passes_once_it_is_added(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run_cli(capsys, "check", "main.tex")
    assert code == 1
    assert err.splitlines() == [f"pith.lock: {UNTRACKED}: the commit would leave it out and coauthors, CI and "
                                "arXiv would not have it (run 'git add pith.lock')"]
    git(repo, "add", "pith.lock")
    assert run_cli(capsys, "check", "main.tex")[0::2] == (0, "")


def test_a_stamped_pass_still_names_the_untracked_lock(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PRE_COMMIT")
    assert run_cli(capsys, "check", "main.tex")[0] == 0  # outside pre-commit: work in progress, and stamped
    from pithtex.write import checkstamp

    hits = []
    real = checkstamp.CheckStamp.passed_before

    def spy(self: checkstamp.CheckStamp) -> bool:
        hits.append(real(self))
        return hits[-1]

    monkeypatch.setattr(checkstamp.CheckStamp, "passed_before", spy)
    monkeypatch.setenv("PRE_COMMIT", "1")
    code, _out, err = run_cli(capsys, "check", "main.tex")
    assert hits == [True]  # the stamp answered, and the untracked lock is still said
    assert (code, err.count(UNTRACKED), err.split(":")[0]) == (1, 1, "pith.lock")
    git(repo, "add", "pith.lock")
    assert run_cli(capsys, "check", "main.tex")[0::2] == (0, "")


def test_an_ignored_lock_says_git_add_f(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".gitignore").write_text("pith.lock\n")
    code, _out, out = run_cli(capsys, "check", "main.tex")
    assert code == 1
    assert "pith.lock: git ignores this file, which this run read" in out
    assert "(run 'git add -f pith.lock')" in out


def test_annotate_names_the_files_it_created_until_they_are_added(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "add", "pith.lock")
    git(repo, "rm", "-q", "--cached", "pith.sty", "refs.pith")
    code, _out, out = run_cli(capsys, "annotate", "--quiet", "main.tex")
    assert code == 1
    assert sorted(line.split(":")[0] for line in out.splitlines()) == ["pith.sty", "refs.pith"]
    assert all(UNTRACKED in line for line in out.splitlines())
    code, _out, out = run_cli(capsys, "check", "main.tex")
    assert (code, sorted(line.split(":")[0] for line in out.splitlines())) == (1, ["pith.sty", "refs.pith"])
    git(repo, "add", "pith.sty", "refs.pith")
    assert run_cli(capsys, "annotate", "--quiet", "main.tex")[0::2] == (0, "")
    assert run_cli(capsys, "check", "main.tex")[0::2] == (0, "")


def test_a_personal_trust_key_and_a_file_outside_the_checkout_are_not_asked_about(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "add", "pith.lock")
    # a symlinked shared bibliography: git tracks the link, not the file it points at (outside the checkout)
    shared = tmp_path.parent / f"{tmp_path.name}-shared"
    shared.mkdir()
    git(shared, "init", "-q")  # another checkout, which does not track it
    os.replace(repo / "refs.bib", shared / "refs.bib")
    (repo / "refs.bib").symlink_to(shared / "refs.bib")
    git(repo, "add", "refs.bib")
    key = repo / "my-key.json"  # untracked, and named only in this user's environment
    TestKey(key_id="my-own-key").write_key_file(key)
    monkeypatch.setenv("PITHTEX_TRUST_KEYS", str(key))
    for _run in ("full", "stamped"):
        code, out, err = run_cli(capsys, "check", "main.tex")
        assert UNTRACKED not in out + err
        assert code == 0, out + err


def test_outside_pre_commit_or_outside_git_nothing_is_said(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PRE_COMMIT")
    assert run_cli(capsys, "check", "main.tex")[0::2] == (0, "")
    monkeypatch.setenv("PRE_COMMIT", "1")
    subprocess.run(["rm", "-rf", str(tmp_path / ".git")], check=True)
    (tmp_path / ".git").mkdir()  # (the configuration search still stops there; git sees no checkout)
    assert run_cli(capsys, "check", "main.tex")[0::2] == (0, "")
