"""Remember, per machine, the ``pith.lock`` entries that already verified.

Re-verifying a lock entry (canonical digest, Pith Number, Ed25519 receipt,
title hash, id) costs 0.3-0.8 ms; a paper's lock is re-verified on every
``resolve``, ``annotate`` and ``check``. Verification is a pure function of
the entry's bytes and of the trusted keys, so its verdict can be memoised
without weakening it, provided the memo cannot be forged.

The memo lives in the cache (``verified-lock-entries``), one line per entry:
``<digest> <tag>``, where *digest* is SHA-256 over the trust store's keys and
the entry's canonical JSON (every byte the verdict depends on: change one and
the entry is verified in full again), and *tag* is an HMAC of the digest
under the per-user secret of :mod:`pithtex.localmac`, which is kept outside
the cache. A line whose tag does not authenticate is ignored, so a shared or
poisoned cache cannot vouch for a forged entry. Only verified entries are
remembered, and only by runs that wrote nothing rejected.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pithtex import localmac

if TYPE_CHECKING:  # pragma: no cover
    from pithtex.resolve.lockfile import LockEntry
    from pithtex.verify.keys import TrustStore

__all__ = ["MEMO_FILE", "VerifiedMemo"]

MEMO_FILE = "verified-lock-entries"
#: Bound on the file (about 13 MB at this size); the newest lines are kept.
MAX_LINES = 100_000


def _trust_digest(trust: TrustStore) -> str:
    keys = sorted((key.key_id, key.public_bytes.hex()) for key in trust)
    return hashlib.sha256(json.dumps(keys).encode()).hexdigest()


class VerifiedMemo:
    """The set of lock entries verified on this machine under one trust store."""

    def __init__(self, path: Path, trust: TrustStore) -> None:
        self.path = path
        self._trust = _trust_digest(trust)
        self._secret = localmac.secret(create=False)
        self._known: set[str] = set()
        self._new: list[str] = []
        self._lines: list[str] = []
        if self._secret is not None:
            self._load()

    @classmethod
    def in_cache(cls, cache_root: Path, trust: TrustStore) -> VerifiedMemo:
        return cls(Path(cache_root) / MEMO_FILE, trust)

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            return
        assert self._secret is not None
        for line in text.splitlines():
            digest, _, tag = line.partition(" ")
            if len(digest) == 64 and hmac.compare_digest(tag, localmac.tag(self._secret, "lock-entry", digest)):
                self._known.add(digest)
                self._lines.append(line)

    def digest(self, entry: LockEntry) -> str:
        body = json.dumps(entry.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(f"{self._trust}\n{body}".encode("utf-8", "surrogateescape")).hexdigest()

    def __contains__(self, entry: LockEntry) -> bool:
        return bool(self._known) and self.digest(entry) in self._known

    def remember(self, entry: LockEntry) -> None:
        digest = self.digest(entry)
        if digest not in self._known:
            self._known.add(digest)
            self._new.append(digest)

    def save(self) -> bool:
        """Write the memo if it learnt anything; best effort (a failure only costs speed)."""
        if not self._new:
            return False
        from pithtex.atomic import replace_file

        secret = self._secret or localmac.secret(create=True)
        if secret is None:
            return False
        if secret != self._secret:  # a new secret: lines tagged under no secret are worthless
            self._lines = []
        lines = self._lines + [f"{d} {localmac.tag(secret, 'lock-entry', d)}" for d in self._new]
        data = ("\n".join(lines[-MAX_LINES:]) + "\n").encode("ascii")
        try:
            replace_file(self.path, data, durable=False, make_parents=True)
        except OSError:
            return False
        self._secret, self._lines, self._new = secret, lines[-MAX_LINES:], []
        return True
