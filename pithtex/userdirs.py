"""The two per-user folders pithtex keeps things in between runs.

The cache (``$PITHTEX_CACHE_DIR``): verified records, check stamps, the lock files that
serialise writes of a ``pith.lock``; anything in it may be lost or shared (a CI cache).
The state (``$PITHTEX_STATE_DIR``): the per-user secret (:mod:`pithtex.localmac`) and the memo
of verified lock lines, which must not travel with a shared cache.

Else the platform's folders, as platformdirs names them; on Linux that is
``$XDG_CACHE_HOME`` or ``~/.cache``, ``$XDG_STATE_HOME`` or ``~/.local/state``, then
``pithtex``, computed here without importing platformdirs (``pithtex check``'s start-up).
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
