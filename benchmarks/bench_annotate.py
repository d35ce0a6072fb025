"""`pithtex check` and `pithtex annotate` as whole processes, side by side with bibtex-tidy.

1. `pithtex check refs.bib main.tex` on the example paper (annotated, warm)
   vs `bibtex-tidy --modify` on a copy of the same .bib.
   Target: pithtex check takes at most half bibtex-tidy's time.
2. `pithtex annotate --offline refs.bib` (warm, and cold: a fresh cache and state
   directory before each run) on a generated 20,000-entry .bib whose
   ids are all in a warm pith.lock (signed with a generated key, trusted via
   PITHTEX_TRUST_KEYS) vs `bibtex-tidy --modify` formatting the same file.
   Target: pithtex annotate is faster.

Medians of several rounds, each a fresh process; the commands take turns
(pithtex, bibtex-tidy, pithtex, ...) so that the shared machine's changing
load hits both alike. Generated inputs and the npm
peer live in benchmarks/out/ (git-ignored):

    npm install --prefix benchmarks/out/node bibtex-tidy
    /opt/pithvenv/bin/python benchmarks/bench_annotate.py [N]

pithtex runs from benchmarks/out/venv, a regular (non-editable) `pip install .`
of this checkout, reinstalled on every run.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
TIDY = OUT / "node" / "node_modules" / ".bin" / "bibtex-tidy"
VENV = OUT / "venv"
PITHTEX = [str(VENV / "bin" / "pithtex")]
STYLES = [
    # arXiv export
    "@misc{{{key},\n      title={{{title}}}, \n      author={{A. Author and B. Author}},\n      year={{2024}},\n"
    "      eprint={{{id}}},\n      archivePrefix={{arXiv}},\n      primaryClass={{cs.LG}},\n"
    "      url={{https://arxiv.org/abs/{id}}}, \n}}\n",
    # Google Scholar
    "@article{{{key},\n  title={{{title}}},\n  author={{Author, A. and Author, B.}},\n"
    "  journal={{arXiv preprint arXiv:{id}}},\n  year={{2024}}\n}}\n",
    # DBLP
    "@article{{{key},\n  author    = {{A. Author and B. Author}},\n  title     = {{{title}}},\n"
    "  journal   = {{CoRR}},\n  volume    = {{abs/{id}}},\n  year      = {{2024}},\n  eprinttype = {{arXiv}},\n"
    "  eprint    = {{{id}}},\n}}\n",
    # one line, by hand
    '@misc{{{key}, title = "{title}", note = "arXiv:{id}", year = 2024}}\n',
]


CPU: dict[str, float] = {}  # label -> median CPU seconds (user+sys) of the runs
RATIOS: dict[str, list[float]] = {}


class Job:
    """One command to time: how to run it and how to reset its input before each run."""

    def __init__(self, label: str, cmd: list[str], cwd: Path, env: dict[str, str], prepare=None) -> None:
        self.label, self.cmd, self.cwd, self.env, self.prepare = label, cmd, cwd, env, prepare
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def run_once(self) -> None:
        import resource

        if self.prepare is not None:
            self.prepare()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(self.cmd, cwd=self.cwd, env=self.env, capture_output=True, text=True)
        self.wall.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(map(str, self.cmd))} exited {proc.returncode}:\n"
                             f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")

    @property
    def median(self) -> float:
        return statistics.median(self.wall)


def side_by_side(jobs: list[Job], runs: int) -> None:
    """Run the jobs in turn, ``runs`` rounds (A B C A B C ...), so that a change of load
    on this shared machine hits every job alike; medians into each job, CPU into CPU."""
    for _ in range(runs):
        for job in jobs:
            job.run_once()
    for job in jobs:
        CPU[job.label] = statistics.median(job.cpu)


def base_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ, PITHTEX_REGISTRY="http://127.0.0.1:9", XDG_CACHE_HOME=str(tmp / "cache"),
               PITHTEX_STATE_DIR=str(tmp / "state"))
    env.pop("PITHTEX_CACHE_DIR", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode, as after pip install
    return env


def install() -> None:
    """pithtex as users get it (`pip install .`, not an editable install) in benchmarks/out/venv."""
    if not (VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", str(REPO)], check=True)
    else:
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "--no-deps", "--force-reinstall", str(REPO)],
                       check=True)


def bench_check(runs: int) -> tuple[float, float, float]:
    work = OUT / "bench-check"
    shutil.rmtree(work, ignore_errors=True)
    (work / ".git").mkdir(parents=True)
    paper = work / "paper"
    paper.mkdir()
    for name in ("main.tex", "refs.bib", "pith.lock", "pithtex.toml"):
        shutil.copy2(REPO / "examples" / "paper" / name, paper / name)
    env = base_env(work)
    subprocess.run([*PITHTEX, "annotate", "--quiet", "refs.bib", "main.tex"], cwd=paper, env=env, check=True)
    subprocess.run([*PITHTEX, "check", "refs.bib", "main.tex"], cwd=paper, env=env, check=True)  # warm

    def fresh_copy() -> None:
        shutil.copy2(paper / "refs.bib", work / "tidy.bib")

    fresh_copy()
    subprocess.run([str(TIDY), "tidy.bib", "--modify"], cwd=work, capture_output=True, check=True)  # warm
    check = Job("check", [*PITHTEX, "check", "refs.bib", "main.tex"], paper, env)
    cold = Job("check_no_cache", [*PITHTEX, "check", "--no-cache", "refs.bib", "main.tex"], paper, env)
    tidy = Job("tidy_small", [str(TIDY), "tidy.bib", "--modify"], work, env, prepare=fresh_copy)
    side_by_side([check, cold, tidy], runs)
    return check.median, cold.median, tidy.median


def generate(n: int, work: Path) -> None:
    """refs.bib with n entries in four exporter styles, and a pith.lock holding all n (signed)."""
    sys.path.insert(0, str(REPO))
    from pithtex.ids.arxiv import ArxivId
    from pithtex.resolve.lockfile import LockEntry, Lockfile
    from pithtex.verify.canonical import canonical_sha256
    from pithtex.ids.pith_number import derive_pith_number
    from tests.support.signing import TestKey, make_canonical_record, make_receipt

    key = TestKey(key_id="bench-key")
    key.write_key_file(work / "key.json")
    lock = Lockfile(work / "pith.lock")
    parts = ["% generated for benchmarks/bench_annotate.py\n\n"]
    for i in range(n):
        arxiv_id = f"24{(i // 99999) + 1:02d}.{(i % 99999) + 1:05d}"
        title = f"Generated Study Number {i} of Policy Optimization"
        parts.append(STYLES[i % len(STYLES)].format(key=f"key{i}", title=title, id=arxiv_id) + "\n")
        canonical = make_canonical_record(arxiv_id, 1, title)
        digest = canonical_sha256(canonical)
        number = derive_pith_number(digest, canonical["metadata"]["submitted_at"])
        receipt = make_receipt(key, digest)
        lock.put(LockEntry(ArxivId(arxiv_id), 1, number, digest, canonical, receipt, key.key_id, title))
    (work / "refs.bib").write_text("".join(parts), encoding="utf-8")
    lock.save()


def bench_annotate(n: int, runs: int) -> tuple[float, float, float]:
    work = OUT / f"bench-annotate-{n}"
    if not (work / "pith.lock").exists():
        shutil.rmtree(work, ignore_errors=True)
        (work / ".git").mkdir(parents=True)
        generate(n, work)
        shutil.copy2(work / "refs.bib", work / "original.bib")
    env = dict(base_env(work), PITHTEX_TRUST_KEYS=str(work / "key.json"))

    def fresh() -> None:
        shutil.copy2(work / "original.bib", work / "refs.bib")

    fresh()
    proc = subprocess.run([*PITHTEX, "annotate", "--offline", "--quiet", "refs.bib"], cwd=work, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"annotate failed:\n{proc.stderr[-3000:]}")
    assert (work / "refs.bib").read_text().count("pithnumber") == n

    def fresh_tidy() -> None:
        shutil.copy2(work / "original.bib", work / "tidy.bib")

    def cold() -> None:  # a fresh cache and state: nothing this machine remembered from earlier runs
        fresh()
        shutil.rmtree(work / "cache", ignore_errors=True)
        shutil.rmtree(work / "state", ignore_errors=True)

    cmd = [*PITHTEX, "annotate", "--offline", "--quiet", "refs.bib"]
    annotate = Job("annotate", cmd, work, env, prepare=fresh)
    annotate_cold = Job("annotate_cold", cmd, work, env, prepare=cold)
    tidy = Job("tidy_big", [str(TIDY), "tidy.bib", "--modify"], work, env, prepare=fresh_tidy)
    side_by_side([annotate, annotate_cold, tidy], runs)
    for job in (annotate, annotate_cold):
        ratios = sorted(a / t for a, t in zip(job.wall, tidy.wall))
        RATIOS[f"{job.label}/tidy per round"] = [round(r, 2) for r in ratios]
    return annotate.median, annotate_cold.median, tidy.median


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    if not TIDY.exists():
        raise SystemExit(f"{TIDY} is missing: npm install --prefix benchmarks/out/node bibtex-tidy")
    install()
    tidy_version = subprocess.run([str(TIDY), "--version"], capture_output=True, text=True).stdout.strip()
    check, no_cache, tidy_small = bench_check(runs=7)
    print(f"example paper: pithtex check {check:.3f}s (stamped pass)  check --no-cache {no_cache:.3f}s (full "
          f"verification)  bibtex-tidy --modify {tidy_small:.3f}s  ratio {check / tidy_small:.2f} / "
          f"{no_cache / tidy_small:.2f} (target <= 0.50)")
    annotate, cold, tidy_big = bench_annotate(n, runs=5)
    print(f"{n} entries: pithtex annotate warm {annotate:.2f}s  cold {cold:.2f}s  bibtex-tidy --modify "
          f"{tidy_big:.2f}s  ratio warm {annotate / tidy_big:.2f} (target <= 0.50)  cold {cold / tidy_big:.2f} "
          "(target <= 1.00)")
    print(json.dumps({"bibtex_tidy": tidy_version, "check_s": check, "check_no_cache_s": no_cache,
                      "tidy_small_s": tidy_small,
                      "annotate_s": annotate, "annotate_cold_s": cold, "tidy_big_s": tidy_big, "entries": n,
                      "cpu_s": CPU, "ratios": RATIOS, "load_avg": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
