"""What verification costs: per document in-process, and `pithtex verify` as a whole process.

In-process: the two real records and the real bundle, each verified N times
from bytes (strict parse + every check + Ed25519), plus loading a trust store
with one extra key (the curve checks on the key are pure Python).
Whole process: `pithtex verify` on the three fixtures, best of 5 (start-up
included). No peer verifies Pith material, so there is no ratio.

    /opt/pithvenv/bin/python benchmarks/bench_verify.py [N]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pithtex.verify.document import verify_json_bytes
from pithtex.verify.keys import TrustStore, trust_store_from

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pith"
FILES = [
    FIXTURES / "record-SPDDBVRNS36U3W2AYSQMMOTDSD.json",
    FIXTURES / "record-3VRARFE3CFBERUCMJGDAWSCMAE.json",
    FIXTURES / "bundle-C7HZCGQ4XG57XBILJLQGM22JGT.json",
]


def per_call(fn, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main(n: int) -> None:
    trust = TrustStore.pinned()
    for path in FILES:
        data = path.read_bytes()
        assert verify_json_bytes(data, trust).ok
        seconds = per_call(lambda: verify_json_bytes(data, trust), n)
        print(f"verify {path.name:<45} {seconds * 1000:7.3f} ms/document ({len(data)} bytes)")
    key = '{"key_id": "k", "algorithm": "ed25519", "public_key_b64": "stVStoiQhXFxp4s2pdzPNoqVNBMojDU/fJ2db5S3CbM="}'
    with tempfile.TemporaryDirectory() as tmp:
        key_file = Path(tmp) / "key.json"
        key_file.write_text(key)
        seconds = per_call(lambda: trust_store_from([str(key_file)]), max(1, n // 10))
    print(f"trust store with one key file              {seconds * 1000:7.3f} ms")
    command = [sys.executable, "-m", "pithtex", "verify", *map(str, FILES)]
    walls = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
    print(f"pithtex verify (3 fixtures), whole process {min(walls) * 1000:7.1f} ms (best of 5)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
