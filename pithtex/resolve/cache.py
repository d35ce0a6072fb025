"""The per-user cache of verified registry documents.

Why: resolving the same citation for a second paper (or after deleting
``pith.lock``) should not cost a round trip to a rate-limited registry.

Layout (under ``$PITHTEX_CACHE_DIR`` or the platform cache directory)::

    objects/<sha256[:2]>/<sha256>.json     documents, keyed by the SHA-256 of their bytes
    refs/arxiv/<arXiv id as cited>.ref     the sha256 of the record last verified for it
    refs/bundle/<suffix>.ref               the sha256 of the bundle last verified for it

Nothing read from here is trusted: an object whose bytes do not hash to its
name is ignored, and the resolver re-verifies every document (signature,
Pith Number, the arXiv id asked for) each time it reads one. Every write is
atomic (a rename), and objects are immutable, so concurrent runs cannot
corrupt it. Writes are not fsynced: after a power cut an object may be
missing or empty, which is a miss, never a wrong answer.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import parse_suffix
from pithtex.resolve.atomic import atomic_write_bytes

__all__ = ["CACHE_ENV", "Cache", "CacheInfo", "default_cache_dir"]

CACHE_ENV = "PITHTEX_CACHE_DIR"
MAX_OBJECT_BYTES = 16 * 1024 * 1024


def default_cache_dir() -> Path:
    """``$PITHTEX_CACHE_DIR``, else the platform's per-user cache directory."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("pithtex", appauthor=False))


@dataclass(frozen=True)
class CacheInfo:
    root: Path
    objects: int
    bytes: int
    refs: int


class Cache:
    """A content-keyed store of documents the resolver has verified."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def _object(self, digest: str) -> Path:
        return self.root / "objects" / digest[:2] / f"{digest}.json"

    def _ref(self, kind: str, name: str) -> Path:
        return self.root / "refs" / kind / f"{name}.ref"

    def _read_ref(self, ref: Path) -> bytes | None:
        try:
            digest = ref.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            return None
        try:
            with self._object(digest).open("rb") as handle:
                data = handle.read(MAX_OBJECT_BYTES + 1)
        except OSError:
            return None
        if len(data) > MAX_OBJECT_BYTES or hashlib.sha256(data).hexdigest() != digest:
            return None  # damaged: treat as a miss; a later write replaces it
        return data

    def _write(self, ref: Path, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        target = self._object(digest)
        if not target.exists():
            atomic_write_bytes(target, data, durable=False)
        atomic_write_bytes(ref, (digest + "\n").encode("ascii"), durable=False)

    # -- the resolver's view ----------------------------------------------
    def record_for(self, arxiv: ArxivId) -> bytes | None:
        """The document last verified for an id as cited (unverified bytes: verify them)."""
        return self._read_ref(self._ref("arxiv", arxiv.versioned))

    def bundle_for(self, suffix: str) -> bytes | None:
        return self._read_ref(self._ref("bundle", parse_suffix(suffix)))

    def put_record(self, arxiv: ArxivId, data: bytes) -> None:
        self._write(self._ref("arxiv", arxiv.versioned), data)

    def put_bundle(self, suffix: str, data: bytes) -> None:
        self._write(self._ref("bundle", parse_suffix(suffix)), data)

    # -- pithtex cache info|clear -----------------------------------------
    def info(self) -> CacheInfo:
        objects = size = refs = 0
        for path in (self.root / "objects").rglob("*.json") if (self.root / "objects").is_dir() else ():
            objects += 1
            size += path.stat().st_size
        if (self.root / "refs").is_dir():
            refs = sum(1 for _ in (self.root / "refs").rglob("*.ref"))
        return CacheInfo(self.root, objects, size, refs)

    def clear(self) -> int:
        """Remove everything pithtex cached; returns the number of objects removed."""
        count = self.info().objects
        for name in ("refs", "objects"):  # refs first: a concurrent reader then sees a miss
            shutil.rmtree(self.root / name, ignore_errors=True)
        return count
