"""Benchmark `pithtex scan` on a generated 20,000-entry .bib against bibtex-tidy.

Issue 3's target: scanning is no slower than bibtex-tidy formatting the same
file, whole process against whole process. This script

1. writes a realistic .bib (the styles of arXiv, Google Scholar, DBLP,
   Semantic Scholar, Zotero/Better BibTeX, ADS, INSPIRE and hand-written
   entries, ~30% citing arXiv, @string macros and comments) to
   benchmarks/out/ (git-ignored), deterministically;
2. installs bibtex-tidy from npm into benchmarks/out/node if it is missing;
3. runs `pithtex scan FILE` and `bibtex-tidy FILE --output OUT` as whole
   processes, alternately, --repeat times each, measuring wall-clock time and
   peak RSS with /usr/bin/time (or getrusage when it is missing);
4. prints entries/s, peak memory and the ratio.

Usage: python benchmarks/bench_scan.py [--entries 20000] [--repeat 3]
       python benchmarks/bench_scan.py --no-arxiv [--repeat 5]

``--no-arxiv`` writes a 3.8 MB .bib in the same styles without a single arXiv
reference instead (tugboat.bib's size; tugboat.bib itself is not available
offline). Issue 17's target: scan takes at most 0.2 of bibtex-tidy's time there.

``--lean [FILE] [--against ROOT]`` times the scan alone, as ``pithtex annotate``
calls it (``scan_bib(..., entries_only=True)``, CPU of that call in a fresh
process per round; FILE defaults to bench_annotate's 20,000-entry
original.bib), alternating with the pithtex under ROOT (e.g. an export of main).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
NODE = OUT / "node"
TIDY = NODE / "node_modules" / ".bin" / "bibtex-tidy"

WORDS = (
    "learning deep neural networks attention transformer policy optimization graph "
    "quantum field theory gravity galaxies cosmology dark matter inference bayesian "
    "stochastic gradient descent convex analysis sparse representations language "
    "models reinforcement vision segmentation detection robust adversarial kernel "
    "methods scattering amplitudes lattice spectral clustering manifold"
).split()
SURNAMES = "Smith Doe Wang Li Zhang Garcia Müller Dupont Rossi Tanaka Kim Nguyen Ivanov Silva Cohen".split()


def _title(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(4, 9))
    return " ".join(words).capitalize()


def _authors(rng: random.Random, sep: str = " and ") -> str:
    return sep.join(f"{rng.choice(SURNAMES)}, {chr(65 + rng.randint(0, 25))}." for _ in range(rng.randint(1, 6)))


def _new_id(rng: random.Random) -> str:
    if rng.random() < 0.15:  # 4-digit era: 0704 to 1412
        return f"{rng.randint(8, 14):02d}{rng.randint(1, 12):02d}.{rng.randint(1, 9999):04d}"
    return f"{rng.randint(15, 26):02d}{rng.randint(1, 12):02d}.{rng.randint(1, 29999):05d}"


def _old_id(rng: random.Random) -> str:
    archive = rng.choice(["hep-th", "hep-ph", "astro-ph", "cond-mat", "math", "quant-ph", "gr-qc"])
    return f"{archive}/{rng.randint(92, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 999):03d}"


def _entry(rng: random.Random, i: int, arxiv: bool) -> str:
    style = rng.choice(["arxiv", "scholar", "dblp", "s2", "zotero", "ads", "inspire", "hand"])
    t, a, y = _title(rng), _authors(rng), rng.randint(1995, 2025)
    ident = _old_id(rng) if rng.random() < 0.1 else _new_id(rng)
    v = f"v{rng.randint(1, 4)}" if rng.random() < 0.3 else ""
    pages = f"{rng.randint(1, 900)}--{rng.randint(901, 2000)}"
    if style == "arxiv" and arxiv:
        return (f"@misc{{k{i},\n      title={{{t}}}, \n      author={{{a}}},\n      year={{{y}}},\n"
                f"      eprint={{{ident}}},\n      archivePrefix={{arXiv}},\n      primaryClass={{cs.LG}},\n"
                f"      url={{https://arxiv.org/abs/{ident}}}, \n}}\n")
    if style == "scholar":
        journal = f"arXiv preprint arXiv:{ident}" if arxiv else "Journal of Machine Learning Research"
        return (f"@article{{k{i},\n  title={{{t}}},\n  author={{{a}}},\n  journal={{{journal}}},\n"
                f"  volume={{{rng.randint(1, 60)}}},\n  pages={{{pages}}},\n  year={{{y}}}\n}}\n")
    if style == "dblp":
        if arxiv:
            body = (f"  journal      = {{CoRR}},\n  volume       = {{abs/{ident}}},\n"
                    f"  url          = {{http://arxiv.org/abs/{ident}}},\n  eprinttype    = {{arXiv}},\n"
                    f"  eprint       = {{{ident}}},\n")
        else:
            body = (f"  booktitle    = {{Proceedings of the {rng.randint(1, 40)}th Conference}},\n"
                    f"  pages        = {{{pages}}},\n  doi          = {{10.1145/{rng.randint(1000000, 9999999)}.{rng.randint(1000000, 9999999)}}},\n")
        return (f"@article{{DBLP:journals/x/K{i},\n  author       = {{{_authors(rng, ' and' + chr(10) + '                  ')}}},\n"
                f"  title        = {{{t}}},\n{body}  year         = {{{y}}},\n"
                f"  timestamp    = {{Sat, 23 Jan 2021 01:20:40 +0100}},\n"
                f"  biburl       = {{https://dblp.org/rec/journals/x/K{i}.bib}},\n"
                f"  bibsource    = {{dblp computer science bibliography, https://dblp.org}}\n}}\n")
    if style == "s2":
        journal, volume = ("ArXiv", f"abs/{ident}") if arxiv else ("Physical Review D", str(rng.randint(1, 110)))
        return (f"@article{{S2_{i},\n  title={{{t}}},\n  author={{{a}}},\n  journal={{{journal}}},\n  year={{{y}}},\n"
                f"  volume={{{volume}}},\n  url={{https://api.semanticscholar.org/CorpusID:{rng.randint(1, 99999999)}}}\n}}\n")
    if style == "zotero":
        extra = (f"  eprint = {{{ident}}},\n  eprinttype = {{arXiv}},\n  doi = {{10.48550/arXiv.{ident}}},\n"
                 f"  url = {{http://arxiv.org/abs/{ident}{v}}},\n") if arxiv else f"  doi = {{10.1000/j.x.{y}.{i}}},\n"
        return (f"@online{{zot{i},\n  title = {{{t}}},\n  author = {{{a}}},\n  date = {{{y}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}}},\n"
                f"{extra}  abstract = {{{_title(rng)}. {_title(rng)}. {_title(rng)}.}},\n  keywords = {{{rng.choice(WORDS)}}},\n"
                f"  file = {{/home/me/Zotero/storage/ABC{i}/paper.pdf:application/pdf}}\n}}\n")
    if style == "ads":
        extra = (f"          eid = {{arXiv:{ident}}},\n        pages = {{arXiv:{ident}}},\narchivePrefix = {{arXiv}},\n"
                 f"       eprint = {{{ident}}},\n primaryClass = {{astro-ph.GA}},\n") if arxiv else f"        pages = {{{rng.randint(1, 999)}}},\n"
        return (f"@ARTICLE{{{y}ApJ...{i}S,\n       author = {{{{{rng.choice(SURNAMES)}}}, J.}},\n        title = \"{{{t}}}\",\n"
                f"      journal = {{\\apj}},\n         year = {y},\n        month = jan,\n{extra}"
                f"       adsurl = {{https://ui.adsabs.harvard.edu/abs/{y}ApJ...{i}S}},\n"
                f"      adsnote = {{Provided by the SAO/NASA Astrophysics Data System}}\n}}\n")
    if style == "inspire":
        extra = f"    eprint = \"{ident}\",\n    archivePrefix = \"arXiv\",\n" if arxiv else ""
        return (f"@article{{Author:{y}{i}ab,\n    author = \"{a}\",\n    title = \"{{{t}}}\",\n{extra}"
                f"    reportNumber = \"CERN-TH-{y}-{rng.randint(1, 300)}\",\n    doi = \"10.1016/j.physletb.{y}.{rng.randint(1, 12):02d}.{rng.randint(1, 99):03d}\",\n"
                f"    journal = \"Phys. Lett. B\",\n    volume = \"{rng.randint(1, 900)}\",\n    pages = \"{pages}\",\n    year = \"{y}\"\n}}\n")
    note = f"arXiv:{ident}{v} [hep-ph]" if arxiv else f"Report {rng.randint(1000, 9999)}.{rng.randint(1000, 9999)}"
    return (f"@Article{{ hand{i} ,\n\tAuthor = {{{a}}},\n\tTitle = \"{t}\",\n\tJournal = prl,\n\tYear = {y},\n"
            f"\tNote = {{{note}}}\n}}\n")


def generate(path: Path, entries: int, arxiv_share: float = 0.3, seed: int = 3) -> None:
    rng = random.Random(seed)
    parts = [
        "% Generated by benchmarks/bench_scan.py\n",
        "@string{prl = {Phys. Rev. Lett.}}\n@string{corr = \"CoRR\"}\n",
        "@preamble{\"\\newcommand{\\noopsort}[1]{}\"}\n\n",
    ]
    for i in range(entries):
        parts.append(_entry(rng, i, rng.random() < arxiv_share))
        parts.append("\n")
        if i % 1000 == 999:
            parts.append(f"@comment{{ block {i // 1000}: checked against arXiv }}\n\n")
    path.write_text("".join(parts), encoding="utf-8")


def ensure_tidy() -> Path:
    if not TIDY.exists():
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("bench_scan: npm is needed to install bibtex-tidy")
        subprocess.run([npm, "install", "--prefix", str(NODE), "bibtex-tidy"], check=True,
                       stdout=subprocess.DEVNULL)
    return TIDY


def measure(cmd: list[str]) -> tuple[float, int, str, float]:
    """(wall seconds, peak RSS in kB, stdout, CPU seconds) of one whole process."""
    gnu_time = Path("/usr/bin/time")
    if gnu_time.exists():
        with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
            start = time.perf_counter()
            proc = subprocess.run([str(gnu_time), "-f", "%M %U %S", "-o", tf.name, *cmd],
                                  capture_output=True, text=True)
            wall = time.perf_counter() - start
            peak_s, user_s, sys_s = Path(tf.name).read_text().split()[-3:]
            peak, cpu = int(peak_s), float(user_s) + float(sys_s)
    else:  # pragma: no cover
        import resource

        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime  # cumulative: rough
    if proc.returncode != 0:
        sys.exit(f"bench_scan: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, peak, proc.stdout, cpu


_LEAN = """import sys, time
sys.path.insert(0, sys.argv[1])
from pithtex.scan.bib import scan_bib
from pithtex.scan.source import read_source
source = read_source(sys.argv[2])
start = time.process_time()
scan_bib(source, entries_only=True)
print(time.process_time() - start)
"""


def lean(bib: Path, roots: list[Path], repeat: int) -> None:
    times: dict[Path, list[float]] = {root: [] for root in roots}
    for _ in range(repeat):
        for root in roots:
            cmd = [sys.executable, "-c", _LEAN, str(root), str(bib)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True)
            times[root].append(float(out.stdout))
    first = statistics.median(times[roots[0]])
    for root in roots:
        cpu = statistics.median(times[root])
        print(f"scan_bib(entries_only=True) of {bib.name}, {root}: CPU median {cpu * 1000:6.0f} ms "
              f"best {min(times[root]) * 1000:6.0f} ms ({first / cpu:.2f}x of the first)")
    print(f"load average {os.getloadavg()[0]:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-arxiv", action="store_true", help="a 3.8 MB .bib that cites no arXiv paper")
    parser.add_argument("--lean", nargs="?", type=Path, const=OUT / "bench-annotate-20000" / "original.bib",
                        help="time the scan annotate makes of FILE, in-process")
    parser.add_argument("--against", type=Path, action="append", default=[], help="another checkout's root (--lean)")
    args = parser.parse_args()
    if args.lean:
        lean(args.lean, [*args.against, HERE.parent], args.repeat)
        return 0

    OUT.mkdir(parents=True, exist_ok=True)
    if args.no_arxiv:
        bib = OUT / "bench_scan_noarxiv.bib"
        args.entries = 8000
        while True:  # as many entries as make 3.8 MB
            generate(bib, args.entries, arxiv_share=0.0)
            size = bib.stat().st_size
            if size >= 3.8e6:
                break
            args.entries = int(args.entries * 3.85e6 / size) + 1
    else:
        bib = OUT / f"bench_scan_{args.entries}.bib"
        generate(bib, args.entries)
    tidy = ensure_tidy()
    pithtex = Path(sys.executable).with_name("pithtex")
    scan_cmd = [str(pithtex) if pithtex.exists() else sys.executable] + ([] if pithtex.exists() else ["-m", "pithtex"])
    scan_cmd += ["scan", str(bib)]
    tidy_cmd = [str(tidy), str(bib), "--output", str(OUT / "bench_scan_tidied.bib")]

    scans, tidies = [], []
    summary = ""
    for _ in range(args.repeat):
        wall, peak, stdout, cpu = measure(scan_cmd)
        scans.append((wall, peak, cpu))
        summary = stdout.strip().splitlines()[-1]
        wall, peak, _, cpu = measure(tidy_cmd)
        tidies.append((wall, peak, cpu))

    size_mb = bib.stat().st_size / 1e6
    scan_t = statistics.median(w for w, _, _ in scans)
    tidy_t = statistics.median(w for w, _, _ in tidies)
    print(f"input: {bib.relative_to(HERE.parent)} ({args.entries} entries, {size_mb:.1f} MB)")
    print(f"pithtex scan: {summary}")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}")
    for label, runs, t in (("pithtex scan", scans, scan_t), ("bibtex-tidy", tidies, tidy_t)):
        print(f"{label:<14} wall median {t:6.2f} s  best {min(r[0] for r in runs):6.2f} s  "
              f"{args.entries / t:7.0f} entries/s  CPU median {statistics.median(r[2] for r in runs):6.2f} s  "
              f"peak RSS {max(r[1] for r in runs) / 1024:5.0f} MB")
    scan_cpu = statistics.median(r[2] for r in scans)
    tidy_cpu = statistics.median(r[2] for r in tidies)
    print(f"CPU ratio: bibtex-tidy / pithtex scan = {tidy_cpu / scan_cpu:.2f}")
    print(f"ratio: bibtex-tidy time / pithtex scan time = {tidy_t / scan_t:.2f} "
          f"({'target met' if scan_t <= tidy_t else 'target NOT met'}: scan no slower than bibtex-tidy)")
    print(f"ratio: pithtex scan time / bibtex-tidy time = {scan_t / tidy_t:.2f} (CPU {scan_cpu / tidy_cpu:.2f})"
          + ("; issue 17's target for a .bib without arXiv: <= 0.20" if args.no_arxiv else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
