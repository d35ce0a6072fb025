"""`pithtex annotate` in one process and in two, side by side with bibtex-tidy.

For each size N given (default 2000 5000 20000), in benchmarks/out/bench-annotate-N
(made by bench_annotate.py N: a generated .bib and a warm pith.lock), five rounds of

    PITHTEX_PROCESSES=1 pithtex annotate --offline --quiet refs.bib
    PITHTEX_PROCESSES=2 pithtex annotate --offline --quiet refs.bib
    bibtex-tidy tidy.bib --modify

in turn, each on a fresh copy of the generated .bib, with the pithtex that
bench_annotate.py installed in benchmarks/out/venv. Prints the sorted wall
times, the medians and the ratios to bibtex-tidy.

    /opt/pithvenv/bin/python benchmarks/bench_annotate.py 20000   # first: install, generate
    /opt/pithvenv/bin/python benchmarks/bench_annotate_processes.py 2000 5000 20000
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
PITHTEX = OUT / "venv" / "bin" / "pithtex"
TIDY = OUT / "node" / "node_modules" / ".bin" / "bibtex-tidy"


def main() -> None:
    for n in map(int, sys.argv[1:] or ["2000", "5000", "20000"]):
        work = OUT / f"bench-annotate-{n}"
        if not (work / "original.bib").exists():
            raise SystemExit(f"{work}: missing; run benchmarks/bench_annotate.py {n} first")
        env = dict(os.environ, PITHTEX_REGISTRY="http://127.0.0.1:9", XDG_CACHE_HOME=str(work / "cache"),
                   PITHTEX_TRUST_KEYS=str(work / "key.json"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("PITHTEX_CACHE_DIR", None)
        times: dict[str, list[float]] = {"one": [], "two": [], "tidy": []}
        for _ in range(5):
            for label in times:
                if label == "tidy":
                    shutil.copy2(work / "original.bib", work / "tidy.bib")
                    cmd, run_env = [str(TIDY), "tidy.bib", "--modify"], env
                else:
                    shutil.copy2(work / "original.bib", work / "refs.bib")
                    cmd = [str(PITHTEX), "annotate", "--offline", "--quiet", "refs.bib"]
                    run_env = dict(env, PITHTEX_PROCESSES="1" if label == "one" else "2")
                started = time.perf_counter()
                proc = subprocess.run(cmd, cwd=work, env=run_env, capture_output=True)
                times[label].append(time.perf_counter() - started)
                if proc.returncode != 0:
                    raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()[-2000:]}")
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"{n:>6}  " + "   ".join(" ".join(f"{x:.2f}" for x in sorted(times[k])) for k in times)
              + f"   medians {med['one']:.2f} {med['two']:.2f} {med['tidy']:.2f}"
              + f"  ratios {med['one'] / med['tidy']:.2f} {med['two'] / med['tidy']:.2f}", flush=True)


if __name__ == "__main__":
    main()
