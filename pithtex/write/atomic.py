"""Write a file so that a crash, a full disk or a read-only file never damages it.

Researchers run ``pithtex annotate`` on the only copy of their bibliography,
often from an editor or latexmk that watches its mtime. So every write goes to
a temporary file in the same directory (same file system, so the rename is
atomic), is flushed and fsynced, gets the original's permission bits, and is
then renamed over the original (the mechanism is :mod:`pithtex.atomic`; this
module adds the policy for users' files). Any failure leaves the original
untouched and becomes one clear :class:`~pithtex.errors.PithtexError`. ``write_if_changed``
does not touch a file whose bytes are already right, so its mtime stays and
nothing downstream rebuilds.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from pithtex.atomic import replace_file
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
