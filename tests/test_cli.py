"""The CLI's contract: exit codes, lean start-up, no tracebacks."""

from __future__ import annotations

import json
import os
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


@pytest.mark.parametrize("columns", ["50", "100", "", "junk"])
@pytest.mark.parametrize("name", ["annotate", "check", "resolve"])
def test_help_is_laid_out_as_argparse_lays_it_out(name: str, columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """pithtex measures the terminal itself (argparse's way imports shutil): the same help."""
    import argparse
    import importlib

    from pithtex import cli

    monkeypatch.setenv("COLUMNS", columns)
    module = importlib.import_module(f"pithtex.commands.{name}")
    texts = []
    for formatter in (cli._HelpFormatter, argparse.HelpFormatter):
        parser = argparse.ArgumentParser(prog=f"pithtex {name}", description=COMMANDS[name], formatter_class=formatter)
        module.configure(parser)
        texts.append(parser.format_help())
    assert texts[0] == texts[1]


def test_a_stamped_check_imports_neither_typing_nor_shutil(tmp_path: Path) -> None:
    """The pre-commit hook's common case: `pithtex check` on files that passed before."""
    from tests.support.example import copy_example

    copy_example(tmp_path, ("main.tex", "refs.bib", "pith.lock", "pithtex.toml"))
    (tmp_path / ".git").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PITHTEX_")}
    env.update(PITHTEX_CACHE_DIR=str(tmp_path / "cache"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               PITHTEX_REGISTRY="http://127.0.0.1:9")
    probe = (
        "import sys\n"
        "from pithtex.cli import main\n"
        "code = main(['check', 'refs.bib', 'main.tex'])\n"
        "import json; print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    for args in (["annotate", "--quiet"], ["check"]):  # annotated, then checked (and stamped) once
        subprocess.run([sys.executable, "-m", "pithtex", *args, "refs.bib", "main.tex"], cwd=tmp_path, env=env,
                       check=True, timeout=120)
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env=env)
    code, modules = json.loads(proc.stdout.splitlines()[-1])
    assert code == 0
    assert "pithtex.write.checkstamp" in modules and "pithtex.scan.bib" not in modules  # the stamp answered
    assert "typing" not in modules and "shutil" not in modules


def test_a_full_check_verifies_but_imports_neither_subprocess_nor_shutil(tmp_path: Path) -> None:
    """`check --no-cache` (issue 17: import only what the run needs): every lock entry is verified with
    Ed25519 (:mod:`pithtex.verify.ed25519`), but the kpsewhich lookup's subprocess and shutil (~5 ms) are not imported
    when every .bib is found beside the paper."""
    from tests.support.example import copy_example

    copy_example(tmp_path, ("main.tex", "refs.bib", "pith.lock", "pithtex.toml"))
    (tmp_path / ".git").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PITHTEX_")}
    env.update(PITHTEX_CACHE_DIR=str(tmp_path / "cache"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               PITHTEX_REGISTRY="http://127.0.0.1:9")
    subprocess.run([sys.executable, "-m", "pithtex", "annotate", "--quiet", "refs.bib", "main.tex"], cwd=tmp_path,
                   env=env, check=True, timeout=120)
    probe = (
        "import sys\n"
        "from pithtex.cli import main\n"
        "code = main(['check', '--no-cache', 'refs.bib', 'main.tex'])\n"
        "import json; print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env=env)
    code, modules = json.loads(proc.stdout.splitlines()[-1])
    assert code == 0
    assert "pithtex.scan.bib" in modules and "pithtex.verify.ed25519" in modules
    assert "ctypes" in modules or "cryptography.hazmat.primitives.asymmetric.ed25519" in modules  # a backend ran
    assert "pithtex.write.checkstamp" not in modules  # --no-cache: no stamp was consulted
    assert "subprocess" not in modules and "shutil" not in modules
