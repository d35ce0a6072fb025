"""Run ``pithtex`` in-process, as the command tests do."""

from __future__ import annotations

import pytest

from pithtex.cli import main

__all__ = ["run_cli"]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``pithtex ARGS...``."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
