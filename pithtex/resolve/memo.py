"""Remember, per machine, the ``pith.lock`` contents that already verified.

Re-verifying a lock entry (canonical digest, Pith Number, Ed25519 receipt,
title hash, id) costs 0.3-0.8 ms, and strictly re-parsing a large lock costs
more than that; a paper's lock is re-read on every ``resolve``, ``annotate``
and ``check``. Verification is a pure function of the bytes and of the
trusted keys, so its verdict can be memoised without weakening it, provided
the memo cannot be forged.

The memo lives in the cache (``verified-lock-entries``), one line per verdict,
``<digest> <tag>``, of two kinds:

- an *entry*: *digest* is SHA-256 over the trust store's keys (and the
  pithtex release, which may verify more strictly than an earlier one) and the entry's
  canonical JSON (every byte the verdict depends on: change one and the entry
  is verified in full again);
- a whole *lock file*, ``lock:<digest>``: SHA-256 over the trust store's keys
  and the file's exact bytes, remembered only when the file passed the strict
  JSON reading and every one of its entries verified
  (:meth:`pithtex.resolve.lockfile.Lockfile.remember_if_verified`). A run
  that finds its lock's bytes here reads them with the plain JSON parser and
  verifies nothing again: the same bytes gave the same verdict before.

Beside the memo, in ``lock-summaries/``, each verified lock file may have a
*summary*: its entries without the signed records (numbers, digests, ids,
titles and the two signed values the cross-checks read), one file per lock
path, bound by an HMAC to the lock-file digest above. A warm run of a large
bibliography then decodes a few megabytes of numbers instead of every signed
record (a 20,000-entry lock is 34 MB); the records themselves are decoded
from the lock's own bytes only when something asks for them
(:class:`pithtex.resolve.lockfile.Lockfile`).

*tag* is an HMAC of the line's digest (and kind) under the per-user secret of
:mod:`pithtex.localmac`, which is kept outside the cache. A line whose tag
does not authenticate is ignored (and dropped when the memo is next saved),
so a shared or poisoned cache cannot vouch for a forged entry or file. Tags
are checked when a line is looked up, so reading a large memo costs a split,
not an HMAC per line. Only verified material is remembered, and only by runs
that wrote nothing rejected.
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
SUMMARY_DIR = "lock-summaries"
_SUMMARY_MAGIC = "pithtex-lock-summary 1"
_SUMMARY = "lock-summary"
#: Bound on the file (about 13 MB at this size); the newest lines are kept.
MAX_LINES = 100_000
_ENTRY, _FILE = "lock-entry", "lock-file"
_FILE_PREFIX = "lock:"


def trust_digest(trust: TrustStore) -> str:
    """SHA-256 (hex) naming the set of trusted keys and the pithtex release that judged.

    The release is part of it: a later pithtex may verify more strictly, so
    it does not inherit an earlier release's verdicts.
    """
    import pithtex

    keys = sorted((key.key_id, key.public_bytes.hex()) for key in trust)
    return hashlib.sha256(json.dumps([pithtex.__version__, keys]).encode()).hexdigest()


class VerifiedMemo:
    """The lock entries and lock files verified on this machine under one trust store."""

    def __init__(self, path: Path, trust: TrustStore) -> None:
        self.path = path
        self.trust = trust
        #: Names the trust store: verdicts under other keys are not these.
        self.trust_digest = trust_digest(trust)
        self._secret = localmac.secret(create=False)
        self._known: set[str] = set()  # authenticated
        self._unchecked: dict[str, str] = {}  # digest -> tag, not authenticated yet
        self._loaded: list[tuple[str, str]] = []  # (digest, tag) in file order, oldest first
        self._new: list[str] = []
        self._text: str | None = None  # the file, until its lines are needed
        self._last_file: tuple[bytes, str] | None = None  # (lock bytes, their file digest)
        self._summaries: dict[Path, tuple[str, bytes]] = {}  # to write: lock path -> (file digest, body)
        if self._secret is not None:
            try:
                self._text = self.path.read_text(encoding="ascii")
            except (OSError, UnicodeDecodeError):
                self._text = None

    def covers(self, trust: TrustStore) -> bool:
        """Whether this memo's verdicts are about ``trust`` (the same keys)."""
        return trust is self.trust or trust_digest(trust) == self.trust_digest

    @classmethod
    def in_cache(cls, cache_root: Path, trust: TrustStore) -> VerifiedMemo:
        return cls(Path(cache_root) / MEMO_FILE, trust)

    def _split(self) -> None:
        """Read the lines of the file (once; a lock-file lookup needs none of them)."""
        text, self._text = self._text, None
        if text is None:
            return
        for line in text.splitlines():
            digest, _, tag = line.partition(" ")
            if len(digest) >= 64 and len(tag) == 64:
                self._unchecked[digest] = tag
                self._loaded.append((digest, tag))

    def _authentic(self, digest: str) -> bool:
        if digest in self._known:
            return True
        if self._text is not None:
            self._split()
        tag = self._unchecked.pop(digest, None)
        if tag is None or self._secret is None:
            return False
        if hmac.compare_digest(tag, self._tag(self._secret, digest)):
            self._known.add(digest)
            return True
        return False

    @staticmethod
    def _tag(secret: bytes, digest: str) -> str:
        return localmac.tag(secret, _FILE if digest.startswith(_FILE_PREFIX) else _ENTRY, digest)

    # -- entries ----------------------------------------------------------
    def digest(self, entry: LockEntry) -> str:
        body = json.dumps(entry.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(f"{self.trust_digest}\n{body}".encode("utf-8", "surrogateescape")).hexdigest()

    def _empty(self) -> bool:
        return not (self._known or self._unchecked or self._text)

    def __contains__(self, entry: LockEntry) -> bool:
        return not self._empty() and self._authentic(self.digest(entry))

    def remember(self, entry: LockEntry) -> None:
        self._learn(self.digest(entry))

    # -- whole lock files -------------------------------------------------
    def file_digest(self, data: bytes) -> str:
        if self._last_file is not None and self._last_file[0] is data:  # a large lock is hashed once
            return self._last_file[1]
        digest = _FILE_PREFIX + hashlib.sha256(f"{self.trust_digest}\n".encode() + data).hexdigest()
        self._last_file = (data, digest)
        return digest

    def knows_file(self, data: bytes) -> bool:
        """Whether these exact lock bytes were read strictly and verified in full before."""
        if self._empty():
            return False
        digest = self.file_digest(data)
        if self._text is not None:  # one line to find: no need to split the file
            at = self._text.find(f"{digest} ")
            if at < 0 or (at > 0 and self._text[at - 1] != "\n") or self._secret is None:
                return False
            tag = self._text[at + len(digest) + 1:at + len(digest) + 65]
            return hmac.compare_digest(tag, self._tag(self._secret, digest))
        return self._authentic(digest)

    def remember_file(self, data: bytes) -> None:
        self._learn(self.file_digest(data))

    # -- summaries of whole lock files -----------------------------------------
    def summary_path(self, lock_path: Path) -> Path:
        """Where the summary of the lock at ``lock_path`` lives (one per lock path)."""
        name = hashlib.sha256(str(Path(lock_path).resolve()).encode("utf-8", "surrogateescape")).hexdigest()
        return self.path.parent / SUMMARY_DIR / name[:32]

    def summary(self, lock_path: Path, data: bytes) -> bytes | None:
        """The summary kept for these exact lock bytes, if it authenticates; else None.

        Only meaningful for bytes that :meth:`knows_file`: the summary says
        what the file holds, the memo says that it verified.
        """
        if self._secret is None:
            return None
        try:
            blob = self.summary_path(lock_path).read_bytes()
        except OSError:
            return None
        head, newline, body = blob.partition(b"\n")
        try:
            fields = head.decode("ascii").rsplit(" ", 2)
        except UnicodeDecodeError:  # (compare_digest takes ASCII text only)
            return None
        if not newline or len(fields) != 3 or fields[0] != _SUMMARY_MAGIC:
            return None
        digest, tag = fields[1], fields[2]
        if digest != self.file_digest(data):
            return None  # the summary of another version of the file
        if not hmac.compare_digest(tag, self._summary_tag(self._secret, digest, body)):
            return None
        return body

    def keep_summary(self, lock_path: Path, data: bytes, body: bytes) -> None:
        """Keep ``body`` as the summary of these lock bytes (written by :meth:`save`).

        The caller vouches that ``body`` was made from exactly ``data``, and
        that ``data`` verified in full (:meth:`remember_file` or :meth:`knows_file`).
        """
        self._summaries[Path(lock_path)] = (self.file_digest(data), body)

    @staticmethod
    def _summary_tag(secret: bytes, digest: str, body: bytes) -> str:
        return localmac.tag(secret, _SUMMARY, digest, hashlib.sha256(body).hexdigest())

    def _save_summaries(self, secret: bytes) -> None:
        from pithtex.atomic import replace_file

        for lock_path, (digest, body) in self._summaries.items():
            head = f"{_SUMMARY_MAGIC} {digest} {self._summary_tag(secret, digest, body)}\n"
            try:
                replace_file(self.summary_path(lock_path), head.encode("ascii") + body, durable=False, make_parents=True)
            except OSError:
                pass  # a summary only saves time
        self._summaries = {}

    def _learn(self, digest: str) -> None:
        if self._text is not None:
            self._split()
        if digest not in self._known:
            self._unchecked.pop(digest, None)
            self._known.add(digest)
            self._new.append(digest)

    def save(self) -> bool:
        """Write the memo (and kept summaries) if it learnt anything; best effort (a failure only
        costs speed). Returns whether the memo file was written."""
        if self._summaries:
            secret = self._secret or localmac.secret(create=True)
            if secret is not None:
                self._save_summaries(secret)
        if not self._new:
            return False
        from pithtex.atomic import replace_file

        if self._text is not None:
            self._split()
        secret = self._secret or localmac.secret(create=True)
        if secret is None:
            return False
        lines: list[str] = []
        if secret == self._secret:  # keep the old lines that authenticate (none under a new secret)
            new = set(self._new)
            lines = [
                f"{d} {tag}\n"
                for d, tag in self._loaded
                if d not in new and hmac.compare_digest(tag, self._tag(secret, d))
            ]
        lines += [f"{d} {self._tag(secret, d)}\n" for d in self._new]
        lines = lines[-MAX_LINES:]
        data = "".join(lines).encode("ascii")
        try:
            replace_file(self.path, data, durable=False, make_parents=True)
        except OSError:
            return False
        self._secret, self._new, self._unchecked = secret, [], {}
        self._loaded = [tuple(line.split()) for line in lines]  # type: ignore[misc]
        self._known = {d for d, _ in self._loaded}
        return True
