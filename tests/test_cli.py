"""The CLI's contract: exit codes, lean start-up, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pithtex import __version__
from pithtex.cli import COMMANDS


def run(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pithtex", *args], capture_output=True, text=True, timeout=60, **kwargs
    )


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"pithtex {__version__}"


def test_no_command_is_a_usage_error_listing_commands() -> None:
    proc = run()
    assert proc.returncode == 2
    for name in COMMANDS:
        assert name in proc.stdout


def test_help_lists_commands() -> None:
    proc = run("--help")
    assert proc.returncode == 0
    assert "annotate" in proc.stdout and "check" in proc.stdout


def test_unknown_command() -> None:
    proc = run("frobnicate")
    assert proc.returncode == 2
    assert proc.stderr.startswith("pithtex: unknown command 'frobnicate'")
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name: str) -> None:
    proc = run(name, "--help")
    assert proc.returncode == 0, proc.stderr
    assert f"pithtex {name}" in proc.stdout


def test_bad_option_is_exit_2() -> None:
    proc = run("scan", "--no-such-option")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


HEAVY = ("httpx", "rich", "jinja2", "cryptography.hazmat.bindings")


def _imported_by(code: str) -> set[str]:
    probe = (
        "import sys\n"
        "from pithtex.cli import main\n"
        "try:\n"
        f"    main([{code}])\n"
        "except SystemExit:  # --help\n"
        "    pass\n"
        "import json; print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("command", ["check", "scan"])
def test_lean_start_up(command: str) -> None:
    """`pithtex check` runs on every commit: it must not import httpx, rich or jinja2."""
    modules = _imported_by(f"{command!r}, '--help'")
    assert f"pithtex.commands.{command}" in modules
    heavy = sorted(m for m in modules if m.split(".")[0] in {h.split(".")[0] for h in HEAVY[:3]})
    assert heavy == []


def test_the_program_flushes_its_output_before_leaving(tmp_path: Path) -> None:
    """`pithtex` exits without tearing the heap down: everything printed must still arrive, with the code."""
    bib = tmp_path / "refs.bib"
    bib.write_text("".join(f"@misc{{k{i}, note = {{arXiv:2101.{i + 1:05d}}}}}\n" for i in range(400)))
    proc = subprocess.run([sys.executable, "-m", "pithtex", "scan", str(bib)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 401 and "2101.00400" in lines[-2] and lines[-1].startswith("400 arXiv references")
    proc = subprocess.run([sys.executable, "-m", "pithtex", "scan", str(tmp_path / "missing.bib")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "missing.bib" in proc.stderr
