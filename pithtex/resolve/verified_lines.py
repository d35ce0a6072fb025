"""The per-user memo of ``pith.lock`` lines that verified, so that a warm run does not re-check them.

The number it exists for: warm ``pithtex annotate --offline`` on 20,000 entries
(``benchmarks/bench_annotate.py 20000``). With nothing remembered, warm costs what cold
costs, 20,000 Ed25519 verifications: 1.53-1.60x bibtex-tidy's time (CPU 3.7 s, half of the
verifications in a second process); with this memo 0.63-0.66x (CPU 1.0 s), measured side by
side in one run (benchmarks/RESULTS.md, issue 17, "Fifth pass"; first measured in
"verified-line memo").

What is remembered is the SHA-256 of each v2 lock line that passed the one-pass
verification (:func:`pithtex.resolve.lockfile._verify_line`), nothing else. A line is the
whole entry (id as cited, Pith Number, title, key id, signature, ``--deep`` state, signed
record), and its verdict is a function of its bytes, the trusted keys and pithtex's code
alone; so a line whose hash is listed, under the same keys and the same pithtex, verifies
again. Any changed byte is another hash: verified in full, as if there were no memo. A line
that failed is never listed.

One file per lock (named by the SHA-256 of its absolute path) in ``verified-lines/`` of the
per-user state directory (:func:`pithtex.userdirs.state_dir`). Its first line is one
HMAC-SHA256, under :mod:`pithtex.localmac`'s per-user key, over its scope (pithtex's version,
:data:`RULES`, the trusted keys' ids and fingerprints), the lock's path and the hashes. A file
whose tag does not match (planted, shared through a CI cache, copied from another user) or
whose scope differs vouches for nothing: it is ignored, never an error. Writing is best effort
and never waits (atomic, no lock: two concurrent runs may lose each other's additions, which
costs speed only); a state directory that cannot be written means no memo.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from operator import methodcaller
from pathlib import Path
from typing import TYPE_CHECKING

from pithtex import localmac
from pithtex.userdirs import state_dir

if TYPE_CHECKING:  # pragma: no cover
    from pithtex.verify.keys import TrustStore

__all__ = ["RULES", "VerifiedLines"]

#: Part of the scope: bump it when what the one-pass line verification checks changes.
RULES = 1
_MAGIC = "pithtex-verified-lines-1"
_MAX_BYTES = 64 * 1024 * 1024


def _line_hashes(lines: Iterable[str]) -> Iterator[str]:
    """The hex SHA-256 of each line, without a Python call per line (10 of the 20 ms a warm
    20,000-entry run spent hashing went to calls)."""
    return map(methodcaller("hexdigest"), map(hashlib.sha256, map(methodcaller("encode", "utf-8", "surrogatepass"), lines)))


class VerifiedLines:
    """The memo for the lock at ``lock_path`` under the trust store ``trust``."""

    def __init__(self, lock_path: Path, trust: TrustStore) -> None:
        import pithtex

        self.lock_path = str(Path(lock_path).resolve())
        keys = sorted(f"{key.key_id} {key.fingerprint_hex}" for key in trust)
        self.scope = hashlib.sha256("\0".join([pithtex.__version__, str(RULES), *keys]).encode()).hexdigest()
        name = hashlib.sha256(self.lock_path.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        self.path = state_dir() / "verified-lines" / name
        self._known = self._read()

    def _tag(self, key: bytes, body: str) -> str:
        return localmac.tag(key, _MAGIC, self.scope, self.lock_path, body)

    def _read(self) -> frozenset[str]:
        from pithtex.readfile import Unreadable, read_bounded

        key = localmac.secret(create=False)
        if key is None:
            return frozenset()
        try:
            text = read_bounded(self.path, _MAX_BYTES)[0].decode("ascii")
        except (OSError, Unreadable, UnicodeDecodeError):
            return frozenset()
        head, _, body = text.partition("\n")
        if not hmac.compare_digest(head, f"{_MAGIC} {self.scope} {self._tag(key, body)}"):
            return frozenset()  # another user's, another pithtex's or trust set's, or forged: vouches for nothing
        return frozenset(body.split("\n"))

    def vouches(self, lines: list[str]) -> list[bool]:
        """For each of ``lines``, whether it verified before, under these keys and this pithtex."""
        if not self._known:
            return [False] * len(lines)
        return list(map(self._known.__contains__, _line_hashes(lines)))

    def save(self, lines: list[str], new: Iterable[str]) -> bool:
        """Write the memo if this run verified a line it did not list (``new``, the lines that
        passed the one-pass verification in this run): the lines it listed or that are new, of
        those in ``lines`` (the lock's now). Best effort; whether it wrote."""
        new = set(new)
        if not new:
            return False
        known = self._known
        body = "\n".join(sorted(h for line, h in zip(lines, _line_hashes(lines)) if line in new or h in known))
        key = localmac.secret(create=True)
        if key is None:
            return False
        from pithtex.write.atomic import replace_file

        data = f"{_MAGIC} {self.scope} {self._tag(key, body)}\n{body}".encode("ascii")
        try:
            replace_file(self.path, data, mode=0o600, durable=False, make_parents=True)
        except OSError:
            return False
        self._known = frozenset(body.split("\n"))
        return True
