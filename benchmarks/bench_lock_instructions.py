"""The strict read of pith.lock (issue 17) against json.loads, counted in instructions.

    python benchmarks/bench_lock_instructions.py [N]      (default 20000; needs valgrind)

On the shared 2-core machine the wall-clock ratio of bench_lock.py moves by a fifth from one
run to the next; `valgrind --tool=callgrind` counts the same instructions whatever else runs.
Three processes, each counted whole: one that only starts up and reads the lock's bytes, one
that then does what bench_lock.py's `json.loads` side does, one that calls `Lockfile.load`.
The ratio is of what each adds to the first. Instructions are not time: a read that touches
more memory pays for it in cache misses the count does not see (bench_lock.py's wall clock).
The lock is bench_lock.py's (run it once first to generate it).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def child(mode: str, path: Path) -> None:
    import gc

    sys.path.insert(0, str(REPO))
    gc.set_threshold(1_000_000, 30, 30)  # as pithtex's command line does (pithtex/cli.py)
    from pithtex.resolve.lockfile import Lockfile

    data = path.read_bytes()
    if mode == "plain":
        body = data.decode("utf-8").partition("\n")[2]
        json.loads("[" + body[:-1].replace("\n", ",") + "]")
    elif mode == "strict":
        Lockfile.load(path)


def count(mode: str, path: Path) -> int:
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
         "--child", mode, str(path)],
        capture_output=True, text=True, check=True,
    )
    return int(re.search(r"Collected : (\d+)", run.stderr)[1])


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], Path(sys.argv[3]))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    path = HERE / "out" / f"bench-lock-{n}" / "pith.lock"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run benchmarks/bench_lock.py {n} first")
    base, plain, strict = (count(mode, path) for mode in ("none", "plain", "strict"))
    print(f"instructions: json.loads {(plain - base) / 1e6:.0f} M  strict Lockfile.load {(strict - base) / 1e6:.0f} M  "
          f"ratio {(strict - base) / (plain - base):.3f} (target <= 1.5)")


if __name__ == "__main__":
    main()
