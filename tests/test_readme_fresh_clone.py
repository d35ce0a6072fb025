"""The README's first command on a fresh clone, then the tests it used to break, in that clone.

A newcomer runs the README's two commands in order: the first annotates the
tracked example paper in place, the second runs the suite. This clones the
repository for real (``git clone``, committed state), runs the first command
there as the README spells it (the ``pip install .`` half is not repeated:
``python -m pithtex`` run from the clone's root imports the clone's pithtex),
checks what it promises (``pithtex check examples/paper/main.tex`` passes),
and runs the tests that copy the example inside the annotated clone.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.example import REPO

pytestmark = pytest.mark.slow

#: The tests that copy examples/paper (the pre-commit one too, but it pip-installs for ~90 s: it
#: uses the same helper, tests/support/example.py).
AFFECTED = ["tests/test_annotate.py", "tests/test_crosscheck_commands.py", "tests/test_latexmk.py",
            "tests/test_cli.py", "tests/test_lockfile.py", "tests/test_lock_tamper.py", "tests/test_report.py",
            "tests/test_annotate_honest.py", "tests/test_messages.py"]


def first_command() -> list[str]:
    """The README's first shell line, after its ``pip install . &&``, as argv for this Python."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.DOTALL)
    assert block is not None, "README.md starts with a sh block"
    line = block.group(1).splitlines()[0]
    install, sep, command = line.partition(" && ")
    assert sep and install == "python3 -m pip install .", line
    argv = shlex.split(command)
    assert argv[:3] == ["python3", "-m", "pithtex"], line
    return [sys.executable, *argv[1:]]


def test_readme_first_command_on_a_fresh_clone_then_the_tests(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    probe = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("needs a git checkout of pithtex")
    clone = tmp_path / "pithtex"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PITHTEX_")}
    env.update(
        PITHTEX_REGISTRY="http://127.0.0.1:9",  # a closed port: a fresh machine offline
        PITHTEX_CACHE_DIR=str(tmp_path / "cache"), XDG_CACHE_HOME=str(tmp_path / "cache"),
        PITHTEX_STATE_DIR=str(tmp_path / "state"), PYTHONPATH=str(clone), PYTHONDONTWRITEBYTECODE="1",
    )

    def run(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(argv), cwd=clone, env=env, capture_output=True, text=True, timeout=timeout)

    where = run(sys.executable, "-c", "import pithtex; print(pithtex.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(clone), where.stdout + where.stderr

    annotated = run(*first_command())
    assert annotated.returncode == 0, annotated.stdout + annotated.stderr
    assert annotated.stdout.count("add pithnumber") == 3
    assert "examples/paper/main.tex:10: add \\pithnumber{C7HZCGQ4XG57XBILJLQGM22JGT}" in annotated.stdout
    status = run("git", "status", "--porcelain").stdout
    for name in ("M examples/paper/refs.bib", "M examples/paper/main.tex"):
        assert name in status, status
    assert (clone / "examples/paper/refs.pith").is_file() and (clone / "examples/paper/pith.sty").is_file()

    for files in (["examples/paper/main.tex"], ["examples/paper/refs.bib", "examples/paper/main.tex"]):
        checked = run(sys.executable, "-m", "pithtex", "check", *files)
        assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", ""), files

    suite = run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *AFFECTED, timeout=1500)
    assert suite.returncode == 0, suite.stdout[-5000:] + suite.stderr[-3000:]
    assert " passed" in suite.stdout and "failed" not in suite.stdout
