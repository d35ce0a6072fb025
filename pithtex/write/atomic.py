"""Write a file so that a crash, a full disk or a read-only file never damages it.

The one mechanism behind every write pithtex makes (pith.lock, the cache,
mirrors, the user's own files) is :func:`replace_file`: write to a temporary
file in the same directory (same file system, so the rename is atomic), flush
and fsync it, give it the target's permission bits (and group/owner where
allowed), ``os.replace`` it over the target, and fsync the directory so the
rename itself survives a power cut. On any failure the temporary file is
removed and the target is untouched; errors propagate as ``OSError``.

Researchers run ``pithtex annotate`` on the only copy of their bibliography,
often from an editor or latexmk that watches its mtime: for users' files,
:func:`atomic_write_bytes` and :func:`write_if_changed` add the policy. Any failure leaves the original
untouched and becomes one clear :class:`~pithtex.errors.PithtexError`. ``write_if_changed``
does not touch a file whose bytes are already right, so its mtime stays and
nothing downstream rebuilds.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from pithtex.errors import PithtexError

__all__ = ["atomic_write_bytes", "check_writable", "replace_file", "write_if_changed"]


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


def _explain(path: Path, exc: OSError) -> PithtexError:
    code = exc.errno
    if code == errno.ENOSPC:
        what = "the disk is full"
    elif code == errno.EDQUOT:
        what = "the disk quota is exceeded"
    elif code in (errno.EACCES, errno.EPERM):
        what = "permission denied"
    elif code == errno.EROFS:
        what = "the file system is read-only"
    else:
        what = exc.strerror or str(exc)
    return PithtexError(f"{path}: cannot write: {what}; the file was left unchanged")


def _refuse_unless_writable(target: Path, st: os.stat_result, outcome: str) -> None:
    """An existing ``target`` must be a regular file the user left writable."""
    if not stat.S_ISREG(st.st_mode):
        raise PithtexError(f"{target}: cannot write: not a regular file; {outcome}")
    # ``os.access`` alone says yes to root; no write bit at all means read-only by intent.
    if not os.access(target, os.W_OK) or not st.st_mode & 0o222:
        raise PithtexError(
            f"{target}: cannot write: the file is read-only; {outcome}",
            hint="make it writable (chmod u+w) or run with --check/--diff to see the changes",
        )


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise the error :func:`atomic_write_bytes` would raise for a read-only file or directory.

    Lets a command refuse before writing the first of several files.
    """
    target = Path(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        directory = target.parent if str(target.parent) else Path(".")
        if not os.access(directory, os.W_OK):
            raise PithtexError(f"{target}: cannot write: permission denied; nothing was written") from None
        return
    except OSError as exc:
        raise _explain(target, exc) from None
    _refuse_unless_writable(target, st, "nothing was written")


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, keeping its permission bits.

    A read-only file is refused (renaming over it would succeed on POSIX
    because only the directory's permissions matter, silently defeating the
    user's protection). A new file gets the permissions a plain ``open`` would
    give it (0o666 minus the umask).
    """
    target = Path(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _explain(target, exc) from None
    if st is not None:
        _refuse_unless_writable(target, st, "the file was left unchanged")

    try:
        replace_file(target, data)  # keeps an existing file's mode; a new one gets 0o666 minus the umask
    except OSError as exc:
        raise _explain(target, exc) from None


def write_if_changed(path: str | os.PathLike[str], data: bytes) -> bool:
    """Write ``data`` atomically unless the file already holds exactly these bytes.

    Returns True when the file was written. An unchanged file is not touched
    at all (its mtime stays), so latexmk and editors see no change.
    """
    target = Path(path)
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _explain(target, exc) from None
    atomic_write_bytes(target, data)
    return True
