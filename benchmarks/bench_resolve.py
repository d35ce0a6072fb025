"""Benchmark: resolve 1,000 arXiv ids against the loopback registry (issue 4).

Setup (not timed): 1,000 records signed by a generated test key, filed with
``pithtex mirror add`` into ``benchmarks/out/resolve/mirror``, served by
``pithtex serve --delay 0.05`` (50 ms added to every response) in its own
process on 127.0.0.1; a .bib file citing all 1,000 ids.

Measured:

- cold: ``resolve_ids`` with an empty lock and an empty cache, concurrency 8
  (and, for context, 16 and 32). Requests per id are counted from the
  server's side of things: ``pithtex serve`` answers the resolve endpoint
  with the record itself, so one request per id; the theoretical floor is
  ``1000 * 50 ms / concurrency``. Target: within 1.5x of that floor (issue 4),
  1.15x (issue 17).
- warm: ``resolve_ids`` again with the lock written by the cold run (every
  entry re-verified offline; no network). Target: under 0.3 s.
- and, for context, the whole ``pithtex resolve refs.bib --offline``
  process (interpreter start, scan of the .bib, resolution, output).

Run from the repository root::

    /opt/pithvenv/bin/python benchmarks/bench_resolve.py [--ids 1000] [--delay 0.05]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pithtex.ids.arxiv import ArxivId  # noqa: E402
from pithtex.resolve.cache import Cache  # noqa: E402
from pithtex.resolve.mirror import add_to_mirror  # noqa: E402
from pithtex.resolve.resolver import ResolveSettings, resolve_ids  # noqa: E402
from pithtex.verify.keys import trust_store_from  # noqa: E402
from tests.support.registry import bib_citing  # noqa: E402
from tests.support.signing import TestKey, make_record  # noqa: E402

OUT = Path(os.environ.get("PITHTEX_BENCH_OUT") or REPO / "benchmarks" / "out") / "resolve"  # (the smoke test: a tmp dir)


def arxiv_ids(count: int) -> list[str]:
    return [f"2401.{index + 1:05d}" for index in range(count)]


def build(count: int, reuse: bool) -> tuple[Path, Path, Path]:
    """Mirror directory, key file and .bib for ``count`` ids (rebuilt unless ``reuse``)."""
    mirror, key_file, bib = OUT / "mirror", OUT / "bench-key.json", OUT / "paper" / "refs.bib"
    if reuse and key_file.exists() and bib.exists() and len(list((mirror / "pith").glob("*.json"))) == count:
        for stale in [*OUT.glob("pith-c*.lock"), *OUT.glob("cache-c*"), OUT / "paper" / "pith.lock"]:
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink(missing_ok=True)
        return mirror, key_file, bib
    shutil.rmtree(OUT, ignore_errors=True)
    docs = OUT / "docs"
    docs.mkdir(parents=True)
    key = TestKey(key_id="bench-key")
    key_file = key.write_key_file(OUT / "bench-key.json")
    files = []
    for arxiv in arxiv_ids(count):
        path = docs / f"{arxiv}.json"
        path.write_text(json.dumps(make_record(key, arxiv, 1, f"Benchmark Paper {arxiv}")))
        files.append(path)
    mirror = OUT / "mirror"
    add_to_mirror(mirror, files, trust_store_from([key_file]), [])
    bib = OUT / "paper" / "refs.bib"
    bib.parent.mkdir()
    bib.write_text(bib_citing(*arxiv_ids(count)))
    return mirror, key_file, bib


def start_server(mirror: Path, delay: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pithtex", "serve", str(mirror), "--port", "0", "--delay", str(delay)],
        stdout=subprocess.PIPE, text=True, cwd=REPO,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    return proc, line.rsplit(" ", 1)[1]


def settings(url: str, lock: Path, key_file: Path, concurrency: int, cache: Path) -> ResolveSettings:
    return ResolveSettings(
        registry=url, lock_path=lock, trust=trust_store_from([key_file]),
        concurrency=concurrency, quiet=True, cache=Cache(cache),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=5, help="warm repetitions")
    parser.add_argument("--reuse", action="store_true", help="reuse the mirror from the last run")
    args = parser.parse_args()

    started = time.perf_counter()
    mirror, key_file, bib = build(args.ids, args.reuse)
    print(f"setup: {args.ids} signed records, mirror ready in {time.perf_counter() - started:.1f} s")
    print(f"load average before the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    os.environ["PITHTEX_CACHE_DIR"] = str(OUT / "cache-env")  # the filelock directory
    ids = [ArxivId(arxiv) for arxiv in arxiv_ids(args.ids)]
    proc, url = start_server(mirror, args.delay)
    try:
        rows = []
        for concurrency in (8, 16, 32):
            lock = OUT / f"pith-c{concurrency}.lock"
            cache = OUT / f"cache-c{concurrency}"
            lock.unlink(missing_ok=True)  # cold: no lock, no cache
            shutil.rmtree(cache, ignore_errors=True)
            t0, c0 = time.perf_counter(), time.process_time()
            report = resolve_ids(ids, settings(url, lock, key_file, concurrency, cache))
            cold, cpu = time.perf_counter() - t0, time.process_time() - c0
            assert report.ok, [r.problem for r in report.resolutions if not r.ok][:3]
            requests_per_id = 1  # serve answers the resolve endpoint with the record itself
            floor = args.ids * requests_per_id * args.delay / concurrency
            rows.append((concurrency, cold, floor))
            print(
                f"cold  concurrency {concurrency:>2}: {cold:6.2f} s   floor {floor:5.2f} s "
                f"({args.ids} ids x {requests_per_id} request x {args.delay * 1000:.0f} ms / {concurrency})   "
                f"ratio {cold / floor:.2f}x   (target 1.15x at concurrency 8)   client CPU {cpu:.2f} s"
            )
        lock = OUT / "pith-c8.lock"
        print(f"pith.lock: {lock.stat().st_size / 1e6:.1f} MB, {args.ids} entries")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    server_cpu = os.times().children_user + os.times().children_system
    print(f"server CPU for all cold runs ({3 * args.ids} requests): {server_cpu:.2f} s")

    warm = []
    for _ in range(args.repeat + 1):
        t0 = time.perf_counter()
        report = resolve_ids(ids, settings("http://127.0.0.1:9", lock, key_file, 8, OUT / "cache-c8"))
        warm.append(time.perf_counter() - t0)
        assert report.ok and {r.origin for r in report.resolutions} == {"lock"} and not report.lock_changed
    print(
        f"warm  from pith.lock (registry down, every entry re-verified): median {statistics.median(warm):.3f} s, "
        f"min {min(warm):.3f} s over {args.repeat + 1} runs   (target < 0.3 s)"
    )

    shutil.copy(lock, bib.parent / "pith.lock")
    whole = []
    for _ in range(3):
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pithtex", "resolve", str(bib), "--offline", "--quiet", "--trust-key", str(key_file)],
            capture_output=True, text=True, cwd=REPO, env={**os.environ, "PITHTEX_CACHE_DIR": str(OUT / "cache-c8")},
        )
        whole.append(time.perf_counter() - t0)
        assert done.returncode == 0, done.stderr
    print(f"whole process 'pithtex resolve refs.bib --offline' ({args.ids} ids): median {statistics.median(whole):.2f} s")
    print(f"load average after the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
