"""A per-user secret that authenticates what pithtex remembers between runs.

pithtex remembers two kinds of verdict so that repeated runs are fast: a clean
``pithtex check`` or ``annotate`` with nothing to do (``pithtex/write/checkstamp.py``;
it keeps the stamped ``check`` on the example paper at about a third of
bibtex-tidy's time, see benchmarks/RESULTS.md), and the pith.lock lines that
verified (``pithtex/resolve/verified_lines.py``; warm ``annotate`` on 20,000
entries). Each lets a run skip work, so it may not be forgeable by whoever can
write the cache or the state directory's files: CI caches are often shared
between branches, and a planted verdict would let a forged ``pith.lock`` pass.

The stamp is therefore tagged with HMAC-SHA256 under a 32-byte secret that
lives *outside* the cache, in the state directory (``$PITHTEX_STATE_DIR``,
else ``$XDG_STATE_HOME/pithtex`` or ``~/.local/state/pithtex``), created on
first use with mode 0600. A stamp that does not authenticate is ignored and
the full work is done: copying a cache to another machine only costs speed.
Keep the state directory out of shared CI caches.

Only the standard library, and little of it: this is on ``pithtex check``'s
start-up path.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

__all__ = ["SECRET_BYTES", "secret", "tag"]

SECRET_BYTES = 32


def secret(create: bool) -> bytes | None:
    """The per-user secret; ``None`` when it does not exist (and ``create`` is false) or cannot be had."""
    from pithtex.userdirs import state_dir

    path = state_dir() / "stamp.key"
    try:
        data = path.read_bytes()
        return data if len(data) == SECRET_BYTES else None
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another run created it first
        return secret(create=False)
    except OSError:
        return None
    with os.fdopen(fd, "wb") as handle:
        handle.write(os.urandom(SECRET_BYTES))
    return secret(create=False)


def tag(key: bytes, *parts: str) -> str:
    """HMAC-SHA256 (hex) of ``parts``, newline-separated."""
    message = "\n".join(parts).encode("utf-8", "surrogateescape")
    return hmac.new(key, message, hashlib.sha256).hexdigest()
