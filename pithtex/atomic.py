"""Crash-safe file replacement: readers see the old file or the new one, never a mix.

The one mechanism behind every write pithtex makes (pith.lock, the cache,
mirrors, and through :mod:`pithtex.write.atomic` the user's own files): write
to a temporary file in the same directory, flush and fsync it, give it the
target's permission bits (and group/owner where allowed), ``os.replace`` it
over the target (atomic on POSIX and Windows), and fsync the directory so the
rename itself survives a power cut. On any failure the temporary file is
removed and the target is untouched; errors propagate as ``OSError``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["replace_file"]


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":  # pragma: no cover - directories cannot be opened on Windows
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def replace_file(
    path: Path, data: bytes, *, mode: int | None = None, durable: bool = True, make_parents: bool = False
) -> None:
    """Replace ``path`` with ``data`` atomically (the temporary file never lingers).

    ``durable=False`` skips the fsyncs: the rename is still atomic for other
    processes, but a power cut may lose the write. The cache uses it (it
    verifies what it reads, so a lost or empty object is only a miss);
    pith.lock never does. ``make_parents`` creates missing directories (the
    cache and mirrors do; a user's file never gets a directory made for it).
    """
    path = Path(path)
    directory = path.parent
    if make_parents:
        directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        try:
            existing = path.stat()
        except FileNotFoundError:
            existing = None
        if mode is None:
            if existing is not None:
                mode = existing.st_mode & 0o7777
            else:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
        if mode != 0o600:  # mkstemp already created it 0600
            os.chmod(tmp, mode)
        if existing is not None:
            with contextlib.suppress(OSError):  # keep the group (and the owner, where we may)
                os.chown(tmp, existing.st_uid, existing.st_gid)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        _fsync_directory(directory)
