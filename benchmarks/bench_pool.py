"""Where a second verifying process starts to pay (pithtex.resolve.lockfile.POOL_ENTRIES, issue 17).

    python benchmarks/bench_pool.py [N ...]      (default 100 300 1000 2000)

`Lockfile.verify_many` on N entries of bench_lock.py's 20,000-entry lock (run it once first),
with no memo, in this process alone and with the forked second process, alternating, fresh
entries each round (no digest remembered between rounds): medians of 7 rounds in milliseconds.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pithtex.resolve import lockfile  # noqa: E402
from pithtex.verify.keys import trust_store_from  # noqa: E402


def main() -> None:
    gc.set_threshold(1_000_000, 30, 30)  # as pithtex's command line does (pithtex/cli.py)
    work = HERE / "out" / "bench-lock-20000"
    if not (work / "pith.lock").exists():
        raise SystemExit(f"{work / 'pith.lock'} is missing: run benchmarks/bench_lock.py 20000 first")
    trust = trust_store_from([work / "key.json"])
    lock = lockfile.Lockfile.load(work / "pith.lock")
    entries = list(lock)
    sizes = [int(a) for a in sys.argv[1:]] or [100, 300, 1000, 2000]
    at = 0
    for n in sizes:
        times: dict[str, list[float]] = {"one process": [], "two": []}
        for _ in range(7):
            for label, threshold in (("one process", 10**9), ("two", 0)):
                part, at = entries[at:at + n], (at + n) % (len(entries) - n)
                lockfile.POOL_ENTRIES = threshold
                t = time.perf_counter()
                assert all(r.ok for r in lock.verify_many(part, trust, memo="off"))
                times[label].append((time.perf_counter() - t) * 1000)
        print(f"{n} entries: " + "  ".join(f"{k} {statistics.median(v):.1f} ms" for k, v in times.items()))


if __name__ == "__main__":
    main()
