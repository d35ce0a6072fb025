"""Remember that ``pithtex check`` passed on exactly these bytes, so the next run is instant.

``pithtex check`` runs on every commit and every build, nearly always on
inputs it has already passed. The verdict is a pure function of: the pithtex
version, the options, the configuration, the bytes of every input file, of
pith.lock and of every trusted key file, and whether ``pith.sty`` sits beside
each .tex. A stamp is an empty file named by the SHA-256 of all of that, in
the per-user cache; only a clean pass (no problem, no warning, every number
from pith.lock rather than the changeable per-user record cache) is stamped,
so a hit can only ever repeat "all is well". Any changed byte is a new key.
``--no-cache`` bypasses stamps, like it bypasses the record cache.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import pithtex

__all__ = ["check_stamp", "has_stamp", "write_stamp"]


def _stamp_dir() -> Path:
    override = os.environ.get("PITHTEX_CACHE_DIR")
    if override:
        return Path(override) / "check-ok"
    from pithtex.resolve.cache import default_cache_dir

    return default_cache_dir() / "check-ok"


def _feed_file(h: hashlib._Hash, path: Path) -> None:  # type: ignore[name-defined]
    h.update(str(path.resolve()).encode("utf-8", "surrogateescape") + b"\0")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        h.update(b"<missing>\0")
        return
    h.update(len(data).to_bytes(8, "big"))
    h.update(data)


def check_stamp(
    *,
    options: Iterable[str],
    inputs: Iterable[Path],
    lock: Path,
    key_files: Iterable[Path],
    config_file: Path | None,
    sty_dirs: Iterable[Path],
) -> str:
    """The stamp name for one check (hex SHA-256 of everything the verdict depends on)."""
    h = hashlib.sha256()
    h.update(f"pithtex {pithtex.__version__} {Path(pithtex.__file__).parent}\0".encode())
    for option in options:
        h.update(option.encode("utf-8", "surrogateescape") + b"\0")
    for group in (inputs, [lock], key_files, [config_file] if config_file else []):
        h.update(b"--\0")
        for path in group:
            _feed_file(h, Path(path))
    h.update(b"--sty\0")
    for directory in sty_dirs:
        h.update(str(directory.resolve()).encode("utf-8", "surrogateescape"))
        h.update(b"1\0" if (directory / "pith.sty").is_file() else b"0\0")
    return h.hexdigest()


def has_stamp(stamp: str) -> bool:
    try:
        return (_stamp_dir() / stamp).is_file()
    except OSError:
        return False


def write_stamp(stamp: str) -> None:
    """Best effort: a cache that cannot be written only costs speed."""
    try:
        directory = _stamp_dir()
        directory.mkdir(parents=True, exist_ok=True)
        (directory / stamp).touch()
    except OSError:
        pass
