"""pith.lock in tests: its entries as the JSON objects of a v1 lock, and v1 files for migration tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pithtex.resolve.lockfile import Lockfile


def v1_doc(path: Path) -> dict[str, Any]:
    """The lock at ``path`` (any version) as a v1 document: ``{"entries": {key: {...}}, "lock_version": 1}``."""
    lock = Lockfile.load(path)
    return {"entries": {key: lock.entries[key].to_json() for key in sorted(lock.entries)}, "lock_version": 1}


def v1_bytes(doc: dict[str, Any]) -> bytes:
    """A v1 document as pithtex 0.x wrote it (sorted keys, two-space indent, trailing newline)."""
    return (json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
