"""The per-user cache of verified registry documents.

Why: resolving the same citation for a second paper (or after deleting
``pith.lock``) should not cost a round trip to a rate-limited registry.

Layout (under ``$PITHTEX_CACHE_DIR`` or the platform cache directory)::

    packs/<sha256>.pack    the documents one run stored, one after another; named by
                           the SHA-256 of the pack's bytes
    index.json             {"doc": {sha256 of a document: [pack, offset, length]},
                            "arxiv": {id as cited: sha256 of the record last verified
                            for it}, "bundle": {suffix: sha256}}

One pack a run, not a file a document: creating a file costs 0.2-0.6 ms in the
kernel here, so the 1,000 objects of a cold ``resolve`` of 1,000 ids took
0.23-0.6 s (bare ``os.open``/``write``/``rename``, load 1-3), 4-10% of the
6.25 s the registry's latency costs (benchmarks/bench_resolve.py, target 1.15x);
a pack and the index are two files whatever the count.
Nothing read from here is trusted: a document whose bytes do not hash to its
name is ignored, and the resolver re-verifies every document (signature,
Pith Number, the arXiv id asked for) each time it reads one. Every write is
atomic (a rename), and packs are immutable, so concurrent runs cannot
corrupt it. Writes are not fsynced: after a power cut a pack may be
missing or short, which is a miss, never a wrong answer. A cache in the
older layout (``objects/``) reads as empty; ``pithtex cache clear`` removes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import parse_suffix
from pithtex.userdirs import cache_dir
from pithtex.write.atomic import replace_file

__all__ = ["Cache", "CacheInfo"]

MAX_OBJECT_BYTES = 16 * 1024 * 1024  # a document longer than this is damage: never read
MAX_INDEX_BYTES = 256 * 1024 * 1024  # (an index is ~150 bytes a document; a sparse 1 GiB one took 1.3 GB)


@dataclass(frozen=True)
class CacheInfo:
    root: Path
    objects: int
    bytes: int
    refs: int


class Cache:
    """A content-keyed store of documents the resolver has verified."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else cache_dir()
        self._loaded: dict[str, dict[str, str]] | None = None

    def _pack(self, name: str) -> Path:
        return self.root / "packs" / f"{name}.pack"

    @property
    def _index_path(self) -> Path:
        return self.root / "index.json"

    def _read_index(self) -> dict[str, dict[str, Any]]:
        """``{"doc": {sha256: [pack, offset, length]}, "arxiv": {id as cited: sha256}, "bundle":
        {suffix: sha256}}``; damage reads as empty, a malformed entry as absent."""
        from pithtex.readfile import Unreadable, read_bounded

        try:  # (a FIFO hung resolve, check and 'cache clear'; 100,000 nested '[' was an internal error)
            doc = json.loads(read_bounded(self._index_path, MAX_INDEX_BYTES)[0])
        except (OSError, Unreadable, ValueError, RecursionError):
            doc = None
        index: dict[str, dict[str, Any]] = {"doc": {}, "arxiv": {}, "bundle": {}}
        if isinstance(doc, dict):
            for kind in index:
                table = doc.get(kind)
                if isinstance(table, dict):
                    keep = _is_location if kind == "doc" else _is_digest
                    index[kind] = {k: v for k, v in table.items() if isinstance(k, str) and keep(v)}
        return index

    def _index(self) -> dict[str, dict[str, Any]]:
        if self._loaded is None:
            self._loaded = self._read_index()
        return self._loaded

    def _read_object(self, digest: str | None) -> bytes | None:
        where = self._index()["doc"].get(digest) if digest is not None else None
        if where is None:
            return None
        pack, offset, length = where
        from pithtex.readfile import Unreadable, open_regular

        try:
            with open_regular(self._pack(pack)) as handle:  # (a FIFO for a pack hung every run)
                handle.seek(offset)
                data = handle.read(length)
        except (OSError, Unreadable):
            return None
        if len(data) != length or hashlib.sha256(data).hexdigest() != digest:
            return None  # damaged: treat as a miss; a later write replaces it
        return data

    # -- the resolver's view ----------------------------------------------
    def record_for(self, arxiv: ArxivId) -> bytes | None:
        """The document last verified for an id as cited (unverified bytes: verify them)."""
        return self._read_object(self._index()["arxiv"].get(arxiv.versioned))

    def bundle_for(self, suffix: str) -> bytes | None:
        return self._read_object(self._index()["bundle"].get(parse_suffix(suffix)))

    def put_many(self, records: list[tuple[ArxivId, bytes]], bundles: list[tuple[str, bytes]]) -> int:
        """Store documents in one new pack, then point the index at them in one locked, atomic
        update (merged with what concurrent runs wrote)."""
        from pithtex.resolve.flock import FileLock

        items = [("arxiv", arxiv.versioned, data) for arxiv, data in records]
        items += [("bundle", parse_suffix(suffix), data) for suffix, data in bundles]
        if not items:
            return 0
        digests = [hashlib.sha256(data).hexdigest() for _, _, data in items]
        parts: list[bytes] = []
        places: dict[str, tuple[int, int]] = {}
        offset = 0
        for (_, _, data), digest in zip(items, digests):
            if digest not in places and self._read_object(digest) is None:  # absent or damaged
                places[digest] = (offset, len(data))
                parts.append(data)
                offset += len(data)
        pack = b"".join(parts)
        name = hashlib.sha256(pack).hexdigest()
        if parts:
            replace_file(self._pack(name), pack, mode=0o600, durable=False, make_parents=True)
        self.root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.root / ".index.lock"), timeout=120):
            index = self._read_index()
            for digest, (at, length) in places.items():
                index["doc"][digest] = [name, at, length]
            for (kind, key, _), digest in zip(items, digests):
                index[kind][key] = digest
            for kind in ("arxiv", "bundle"):  # ids whose document is gone (an older layout's) are dropped
                index[kind] = {k: v for k, v in index[kind].items() if v in index["doc"]}
            body = json.dumps(index, sort_keys=True, separators=(",", ":")).encode("utf-8")
            replace_file(self._index_path, body, mode=0o600, durable=False, make_parents=True)
        self._loaded = index
        return len(items)

    # -- pithtex cache info|clear -----------------------------------------
    def info(self) -> CacheInfo:
        index = self._read_index()
        sizes = [where[2] for where in index["doc"].values()]
        return CacheInfo(self.root, len(sizes), sum(sizes), len(index["arxiv"]) + len(index["bundle"]))

    def clear(self) -> int:
        """Remove everything pithtex cached; returns the number of documents removed."""
        count = self.info().objects
        if self._index_path.is_dir() and not self._index_path.is_symlink():  # damage 'cache info' reads as empty
            shutil.rmtree(self._index_path)
        self._index_path.unlink(missing_ok=True)  # the index first: a concurrent reader then sees a miss
        for old in ("packs", "objects"):  # (objects/: the layout before packs)
            shutil.rmtree(self.root / old, ignore_errors=True)
        self._loaded = None
        return count


def _is_digest(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _is_location(value: object) -> bool:
    """``[pack, offset, length]``: a pack's name (a digest, so never a path) and two counts."""
    return (
        isinstance(value, list) and len(value) == 3 and _is_digest(value[0])
        and type(value[1]) is int and value[1] >= 0 and type(value[2]) is int and 0 <= value[2] <= MAX_OBJECT_BYTES
    )
