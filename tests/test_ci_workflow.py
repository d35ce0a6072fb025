"""examples/ci/github-workflow.yml: its run steps, executed as GitHub would (bash -e), in a copy of the example.

The `uses:` steps (checkout, setup-python) are what the copy and this Python
are; the install step is replaced by this checkout (its `pithtex` script is put
first on PATH). Everything else runs as written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.example import copy_example
import yaml  # PyYAML: in the test extras (pre-commit needs it too)

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / "examples" / "ci" / "github-workflow.yml"


def _steps() -> list[dict]:
    doc = yaml.safe_load(WORKFLOW.read_text())
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "push" in on
    [job] = doc["jobs"].values()
    return job["steps"]


def _run_steps(checkout: Path, env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    done = []
    for step in _steps():
        if "uses" in step:
            assert step["uses"].split("@")[0] in ("actions/checkout", "actions/setup-python")
            continue
        script = step["run"]
        if "pip install" in script:
            assert "pithtex" in script
            continue  # this checkout is installed already
        proc = subprocess.run(
            ["bash", "-e", "-c", script], cwd=checkout, env=env, capture_output=True, text=True, timeout=120,
        )
        done.append(proc)
        if proc.returncode != 0:
            break
    return done


def test_the_workflow_passes_on_an_annotated_paper_and_fails_on_a_broken_one(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / ".git").mkdir()
    copy_example(checkout, ("main.tex", "refs.bib", "pith.lock", "pithtex.toml", "latexmkrc"))
    env = dict(
        os.environ,
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        PITHTEX_REGISTRY="http://127.0.0.1:9",  # closed: check must not need it
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        CI="true",
    )
    env.pop("PITHTEX_CACHE_DIR", None)
    env.pop("PITHTEX_TRUST_KEYS", None)
    assert shutil.which("pithtex", path=env["PATH"]) is not None

    # the paper as pushed before anyone ran pithtex: the workflow fails, with file:line
    runs = _run_steps(checkout, env)
    assert runs and runs[-1].returncode == 1
    assert "refs.bib:5: vanngo2025sharpness: no pithnumber for arXiv:2511.00066" in runs[-1].stderr

    # annotated (as the author's latexmk or pre-commit hook leaves it): it passes
    subprocess.run([sys.executable, "-m", "pithtex", "annotate", "main.tex"], cwd=checkout, env=env, check=True,
                   capture_output=True, timeout=120)
    runs = _run_steps(checkout, env)
    assert [r.returncode for r in runs] == [0] * len(runs) and runs
    assert any("pithtex check" in step.get("run", "") for step in _steps())
