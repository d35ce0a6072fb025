"""Write a file so that a crash, a full disk or a read-only file never damages it.

Researchers run ``pithtex annotate`` on the only copy of their bibliography,
often from an editor or latexmk that watches its mtime. So every write goes to
a temporary file in the same directory (same file system, so the rename is
atomic), is flushed and fsynced, gets the original's permission bits, and is
then renamed over the original. Any failure leaves the original untouched and
becomes one clear :class:`~pithtex.errors.PithtexError`. ``write_if_changed``
does not touch a file whose bytes are already right, so its mtime stays and
nothing downstream rebuilds.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from pithtex.errors import PithtexError

__all__ = ["atomic_write_bytes", "check_writable", "write_if_changed"]


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
    if not stat.S_ISREG(st.st_mode):
        raise PithtexError(f"{target}: cannot write: not a regular file; nothing was written")
    if not os.access(target, os.W_OK) or not st.st_mode & 0o222:
        raise PithtexError(
            f"{target}: cannot write: the file is read-only; nothing was written",
            hint="make it writable (chmod u+w) or run with --check/--diff to see the changes",
        )


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
        if not stat.S_ISREG(st.st_mode):
            raise PithtexError(f"{target}: cannot write: not a regular file")
        # ``os.access`` alone says yes to root; no write bit at all means read-only by intent.
        if not os.access(target, os.W_OK) or not st.st_mode & 0o222:
            raise PithtexError(
                f"{target}: cannot write: the file is read-only; the file was left unchanged",
                hint="make it writable (chmod u+w) or run with --check/--diff to see the changes",
            )
        mode = stat.S_IMODE(st.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask

    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".pithtex-tmp", dir=directory)
    except OSError as exc:
        raise _explain(target, exc) from None
    try:
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp_name, mode)
            if st is not None:
                try:  # keep the group (and the owner, where we may)
                    os.chown(tmp_name, st.st_uid, st.st_gid)
                except OSError:
                    pass
            os.replace(tmp_name, target)
        except OSError as exc:
            raise _explain(target, exc) from None
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable; best effort (not every platform allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
