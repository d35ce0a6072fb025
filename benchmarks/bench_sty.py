"""Benchmark what pith.sty costs a LaTeX run, against the same paper without it.

The peer is the paper itself: an article with hyperref, natbib and a plainnat
bibliography, compiled once without pith and once with \\usepackage{pith},
\\pithnumber and a refs.pith file (badge after the title, PDF metadata and
bibliography badges).  Each engine run is a whole process; the two variants
alternate, --repeat times each, and the best and median wall times are
printed with the difference.

Usage: python benchmarks/bench_sty.py [--repeat 7] [--engine pdflatex]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.tex import Paper, _tex_env, compile_latex, write_paper  # noqa: E402


def _time_run(workdir: Path, engine: str) -> float:
    cmd = [engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "main.tex"]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=workdir, env=_tex_env(), stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--engine", default="pdflatex")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sty-") as tmp:
        dirs = {}
        for name, paper in (
            ("without pith", Paper(bib="plainnat", pith=False, number=None, numbers_in="none")),
            ("with pith", Paper(bib="plainnat")),
        ):
            work = Path(tmp) / name.replace(" ", "-")
            write_paper(work, paper)
            compile_latex(work, "main.tex", engine=args.engine, bib="bibtex")  # warm: .aux, .bbl
            dirs[name] = work
        times: dict[str, list[float]] = {name: [] for name in dirs}
        for _ in range(args.repeat):
            for name, work in dirs.items():
                times[name].append(_time_run(work, args.engine))
    for name, values in times.items():
        print(f"    {args.engine:9} {name:13} best {min(values) * 1000:7.1f} ms   median {statistics.median(values) * 1000:7.1f} ms")
    diff = min(times["with pith"]) - min(times["without pith"])
    print(f"    pith.sty adds {diff * 1000:.1f} ms to the best run ({args.repeat} runs each)")


if __name__ == "__main__":
    main()
