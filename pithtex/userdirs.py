"""The per-user folders: the cache (``$PITHTEX_CACHE_DIR``: records, check stamps, lock-file
locks; may be lost or shared) and the state (``$PITHTEX_STATE_DIR``: the per-user secret and the
memo of verified lock lines, never shared). Else the platform's, as platformdirs names them (on
Linux computed here, without importing it: ``pithtex check``'s start-up).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["cache_dir", "state_dir"]


def cache_dir() -> Path:
    return _user_dir("CACHE", Path(".cache"))


def state_dir() -> Path:
    return _user_dir("STATE", Path(".local", "state"))


def _user_dir(kind: str, under_home: Path) -> Path:
    override = os.environ.get(f"PITHTEX_{kind}_DIR")
    if override:
        return Path(override)
    if sys.platform.startswith("linux"):
        base = os.environ.get(f"XDG_{kind}_HOME", "").strip()
        return (Path(base) if base else Path.home() / under_home) / "pithtex"
    import platformdirs

    where = platformdirs.user_cache_dir if kind == "CACHE" else platformdirs.user_state_dir
    return Path(where("pithtex", appauthor=False))
