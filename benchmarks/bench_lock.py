"""pith.lock v2 (issue 17): its size, its strict read against json.loads on the same bytes, and
the verification of its entries against a minimal `cryptography` loop.

    /opt/pithvenv/bin/python benchmarks/bench_lock.py [N]      (default 20000 entries)

1. bytes per entry of an N-entry lock signed with a generated key (titles of 50 characters);
2. `Lockfile.load` (the strict read: every line checked, floats/NaN/big integers/lone
   surrogates/repeated ids refused) against `json.loads` of the same lines as one array,
   the cheapest plain decoding of those bytes. Target: within 1.5x;
3. `Lockfile.verify_entry` on 2,000 entries (canonical form, SHA-256, Pith Number, title hash,
   Ed25519 under the trust store) against a loop that only hashes each record's bytes and
   calls `Ed25519PublicKey.verify`. Target: within 1.3x.

The collector runs as under pithtex's command line (gc threshold 1,000,000, pithtex/cli.py).
Rounds alternate (A B A B ...), and CPU time of this process is reported alongside wall
time: on the shared 2-core machine CPU time is the steadier figure.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(REPO))

from pithtex.ids.arxiv import ArxivId  # noqa: E402
from pithtex.ids.pith_number import derive_pith_number  # noqa: E402
from pithtex.resolve.lockfile import LockEntry, Lockfile  # noqa: E402
from pithtex.verify.canonical import canonical_sha256  # noqa: E402
from pithtex.verify.keys import trust_store_from  # noqa: E402


def generate(n: int, work: Path) -> Path:
    from tests.support.signing import TestKey, make_canonical_record, make_receipt

    path = work / "pith.lock"
    if path.exists():
        return path
    work.mkdir(parents=True, exist_ok=True)
    key = TestKey(key_id="bench-key")
    key.write_key_file(work / "key.json")
    lock = Lockfile(path)
    for i in range(n):
        arxiv_id = f"24{(i // 99999) + 1:02d}.{(i % 99999) + 1:05d}"
        title = f"Generated Study Number {i:05d} of Policy Optimization"
        canonical = make_canonical_record(arxiv_id, 1, title)
        digest = canonical_sha256(canonical)
        number = derive_pith_number(digest, canonical["metadata"]["submitted_at"])
        lock.put(LockEntry(ArxivId(arxiv_id), 1, number, digest, canonical, make_receipt(key, digest), key.key_id, title))
    lock.save()
    return path


def timed(fn) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def alternate(jobs: dict[str, object], rounds: int) -> dict[str, tuple[float, float]]:
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, fn in jobs.items():
            times[name].append(timed(fn))
    return {name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t)) for name, t in times.items()}


def main() -> None:
    import gc

    gc.set_threshold(1_000_000, 30, 30)  # as pithtex's command line does (pithtex/cli.py)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    work = OUT / f"bench-lock-{n}"
    path = generate(n, work)
    data = path.read_bytes()
    body = data.decode("utf-8").partition("\n")[2]
    print(f"lock: {n} entries, {len(data)} bytes, {len(data) / n:.0f} bytes per entry "
          f"(of which title {statistics.mean(len(json.loads(l)[2]) for l in body.splitlines()[:200]):.0f})")

    def plain() -> None:
        json.loads("[" + body[:-1].replace("\n", ",") + "]")

    def strict() -> None:
        Lockfile.load(path)

    res = alternate({"json.loads": plain, "Lockfile.load": strict}, rounds=7)
    (pw, pc), (sw, sc) = res["json.loads"], res["Lockfile.load"]
    print(f"read: json.loads {pw:.3f} s (CPU {pc:.3f})  strict Lockfile.load {sw:.3f} s (CPU {sc:.3f})  "
          f"ratio {sw / pw:.2f} (CPU {sc / pc:.2f}; target <= 1.5)")

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    trust = trust_store_from([work / "key.json"])
    lock = Lockfile.load(path)
    entries = list(lock)[:2000]
    raw = trust.get("bench-key").public_bytes
    minimal_input = [(json.dumps(e.canonical_record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                      .encode("utf-8"), base64.b64decode(e.signature)) for e in entries]

    def minimal() -> None:
        key = Ed25519PublicKey.from_public_bytes(raw)
        for record, signature in minimal_input:
            key.verify(signature, hashlib.sha256(record).digest())

    def pithtex_verify() -> None:
        fresh = Lockfile.load(path)  # no verdict carried over between rounds
        for entry in list(fresh)[:2000]:
            assert fresh.verify_entry(entry, trust).ok

    def read_only() -> None:
        Lockfile.load(path)

    res = alternate({"minimal": minimal, "pithtex": pithtex_verify, "read": read_only}, rounds=5)
    (mw, mc), (vw, vc), (rw, rc) = res["minimal"], res["pithtex"], res["read"]
    vw, vc = vw - rw, vc - rc  # the read of the lock is not part of verifying 2,000 entries
    print(f"verify 2,000 entries: minimal cryptography loop {mw:.3f} s (CPU {mc:.3f})  pithtex {vw:.3f} s "
          f"(CPU {vc:.3f})  ratio {vw / mw:.2f} (CPU {vc / mc:.2f}; target <= 1.3)")
    print(json.dumps({"entries": n, "bytes_per_entry": len(data) / n, "read_ratio": sw / pw, "read_cpu_ratio": sc / pc,
                      "verify_ratio": vw / mw, "verify_cpu_ratio": vc / mc, "load_avg": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
