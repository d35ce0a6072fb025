"""benchmarks/bench_resolve.py still runs against the package's API (a rename there broke it once,
unnoticed: benchmarks are not otherwise run by the suite). 16 ids, 1 ms latency, into a tmp dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_bench_resolve_runs_small(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PITHTEX_")}
    env["PITHTEX_BENCH_OUT"] = str(tmp_path)
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_resolve.py"), "--ids", "16", "--delay", "0.001",
         "--repeat", "1"], capture_output=True, text=True, timeout=300, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "cold  concurrency  8:" in proc.stdout and "whole process" in proc.stdout
    assert (tmp_path / "resolve" / "mirror").is_dir()
