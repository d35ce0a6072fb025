"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit through `try-repo`, offline from pith.lock.

pre-commit builds a virtualenv and pip-installs this repository into it
(that needs the package index, as CI has); pithtex itself runs offline: the
registry is a closed loopback port and every cited id is in the paper's lock.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.example import copy_example

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=60
    ).stdout.strip()


def test_hooks_fail_then_annotate_then_pass(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of pithtex")
    head = git(REPO, "rev-parse", "HEAD")
    if ".pre-commit-hooks.yaml" not in git(REPO, "ls-tree", "--name-only", head):
        pytest.skip(".pre-commit-hooks.yaml is not committed yet")

    paper = tmp_path / "paper"
    paper.mkdir()
    copy_example(paper, ("main.tex", "refs.bib", "pith.lock"))
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org",
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PITHTEX_REGISTRY="http://127.0.0.1:9",  # closed: only pith.lock may answer
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    env.pop("PITHTEX_TRUST_KEYS", None)
    git(paper, "init", "-q")
    git(paper, "add", "main.tex", "refs.bib", "pith.lock")
    subprocess.run(["git", "commit", "-q", "-m", "paper"], cwd=paper, env=env, check=True, timeout=60)

    def hook(name: str, *files: str) -> subprocess.CompletedProcess[str]:
        which = ["--files", *files] if files else ["--all-files"]
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), name, "--ref", head,
             *which, "--color", "never"],
            cwd=paper, env=env, capture_output=True, text=True, timeout=900,
        )

    first = hook("pithtex-check")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "refs.bib:5: vanngo2025sharpness: no pithnumber for arXiv:2511.00066" in first.stdout

    fixed = hook("pithtex-annotate")
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in fixed.stdout
    assert (paper / "refs.bib").read_text().count("pithnumber") == 3
    assert (paper / "pith.sty").exists()

    git(paper, "add", "-u")  # the edited .bib and .tex, not the new pith.sty and refs.pith
    partial = hook("pithtex-check")
    assert partial.returncode == 1, partial.stdout + partial.stderr
    for name in ("pith.sty", "refs.pith"):  # pre-commit leaves untracked files in place: said, not missed
        assert f"{name}: git does not track this file, which this run read" in partial.stdout
    git(paper, "add", "-A")
    again = hook("pithtex-check")
    assert again.returncode == 0, again.stdout + again.stderr
    assert hook("pithtex-annotate").returncode == 0  # nothing left to change

    # a commit that changes only refs.pith (another paper's badge, by hand) is checked too
    pith = paper / "refs.pith"
    own, other = "SPDDBVRNS36U3W2AYSQMMOTDSD", "3VRARFE3CFBERUCMJGDAWSCMAE"
    pith.write_text(pith.read_text().replace(f"2025:{own}", f"2026:{other}", 1))
    git(paper, "add", "refs.pith")
    tampered = hook("pithtex-check", "refs.pith")
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert "refs.pith:" in tampered.stdout and "vanngo2025sharpness" in tampered.stdout
