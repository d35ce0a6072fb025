"""`pithtex check --no-cache` on the annotated example, before and after a change, side by side with bibtex-tidy.

    python benchmarks/bench_check_imports.py BEFORE_PYTHON AFTER_PYTHON [ROUNDS]

Each PYTHON is a venv's interpreter with pithtex installed by `pip install .` (with bytecode, as users get
it). Rounds alternate (before, after, bibtex-tidy --modify on a fresh copy of refs.bib) so the shared
machine's load falls on all three alike; medians of wall and CPU time, ratios to bibtex-tidy.
bibtex-tidy is the one benchmarks/bench_annotate.py installs in benchmarks/out/node.

A third command is the floor no change to pithtex's own modules can go below: AFTER_PYTHON importing
just the standard-library modules that the after run loads (listed by running it once in-process).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TIDY = REPO / "benchmarks" / "out" / "node" / "node_modules" / ".bin" / "bibtex-tidy"


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    before = os.times()
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def stdlib_modules(python: str, paper: Path, env: dict[str, str]) -> list[str]:
    """The standard-library modules (public names) that ``python``'s pithtex check --no-cache loads."""
    script = ("import sys; before = set(sys.modules); from pithtex.cli import main; "
              "main(['check', '--no-cache', 'refs.bib', 'main.tex']); "
              "names = [m for m in set(sys.modules) - before if m.split('.')[0] in sys.stdlib_module_names]; "
              "print(' '.join(sorted(n for n in names if not any(p.startswith('_') for p in n.split('.')))), "
              "file=sys.stderr)")
    proc = subprocess.run([python, "-c", script], cwd=paper, env=env, capture_output=True, text=True, check=True)
    return proc.stderr.split()


def main() -> None:
    before_py, after_py = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        paper = tmp / "paper"
        paper.mkdir()
        (tmp / ".git").mkdir()
        for name in ("main.tex", "refs.bib", "pith.lock", "pithtex.toml"):
            shutil.copy2(REPO / "examples" / "paper" / name, paper / name)
        env = dict(os.environ, PITHTEX_REGISTRY="http://127.0.0.1:9", XDG_CACHE_HOME=str(tmp / "cache"),
                   PITHTEX_STATE_DIR=str(tmp / "state"))
        env.pop("PITHTEX_CACHE_DIR", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([before_py, "-m", "pithtex", "annotate", "--quiet", "refs.bib", "main.tex"], cwd=paper,
                       env=env, check=True)
        jobs = {
            "floor": [after_py, "-c", "import " + ", ".join(stdlib_modules(after_py, paper, env))],
            "before": [before_py, "-m", "pithtex", "check", "--no-cache", "refs.bib", "main.tex"],
            "after": [after_py, "-m", "pithtex", "check", "--no-cache", "refs.bib", "main.tex"],
            "tidy": [str(TIDY), "tidy.bib", "--modify"],
        }
        for cmd in jobs.values():  # warm the page cache and bytecode
            shutil.copy2(paper / "refs.bib", tmp / "tidy.bib")
            timed(cmd, tmp if cmd[0] == str(TIDY) else paper, env)
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in jobs}
        for _ in range(rounds):
            for label, cmd in jobs.items():
                shutil.copy2(paper / "refs.bib", tmp / "tidy.bib")
                results[label].append(timed(cmd, tmp if label == "tidy" else paper, env))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in results.items()}
    print(f"stdlib floor            {med['floor'][0]:.3f} s (CPU {med['floor'][1]:.3f})  ratio to bibtex-tidy "
          f"{med['floor'][0] / med['tidy'][0]:.2f}: {' '.join(jobs['floor'][2].split()[1:])}")
    for label in ("before", "after"):
        ratios = sorted(a[0] / t[0] for a, t in zip(results[label], results["tidy"]))
        print(f"check --no-cache {label:6s} {med[label][0]:.3f} s (CPU {med[label][1]:.3f})  ratio to bibtex-tidy "
              f"{med[label][0] / med['tidy'][0]:.2f} (per round {ratios[0]:.2f}-{ratios[-1]:.2f})")
    print(f"bibtex-tidy --modify    {med['tidy'][0]:.3f} s (CPU {med['tidy'][1]:.3f})  load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
