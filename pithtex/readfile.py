"""Read one input file, bounded: regular files only, the size checked before a byte is read.

Every file pithtex reads on a user's behalf (.bib, .tex, pith.lock, records
to verify or mirror) comes through :func:`read_bounded`, so that

- a FIFO, socket or device is refused at once (opening uses ``O_NONBLOCK``,
  so even opening a FIFO with no writer does not block, and the kind is
  judged on the opened descriptor, not on a name that may change);
- a file larger than the caller's cap is refused from its size alone (a 4 GB
  sparse pith.lock costs nothing), and the read itself stops at the cap in
  case the file grows meanwhile.
"""

from __future__ import annotations

import errno
import os
import stat

TYPE_CHECKING = False  # typing costs `pithtex check` start-up time
if TYPE_CHECKING:  # pragma: no cover
    from typing import BinaryIO

__all__ = ["Unreadable", "open_regular", "read_bounded", "read_input"]


class Unreadable(Exception):
    """Why a file cannot be read: ``reason`` (one line, no file name) and a ``hint`` or None."""

    def __init__(self, reason: str, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


def _kind(mode: int) -> str | None:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return None if stat.S_ISREG(mode) else "not a regular file"


def _size(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.0f} {unit}"
        count /= 1024  # type: ignore[assignment]
    return f"{count} bytes"  # pragma: no cover


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """``path`` opened for reading in binary, refused at once unless it is a regular file.

    Raises :class:`FileNotFoundError` for a missing file (callers treat that
    their own way) and :class:`Unreadable` for everything else.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise Unreadable("is a directory, not a file") from None
    except PermissionError:
        raise Unreadable("permission denied") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO on some systems
            raise Unreadable("is a socket or FIFO, not a file") from None
        raise Unreadable(f"cannot read ({exc.strerror or exc})") from None
    try:
        kind = _kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise Unreadable(f"is {kind}, not a file" if kind.startswith("a") else kind)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: str | os.PathLike[str], max_bytes: int) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file ``path`` (at most ``max_bytes``) and its ``fstat``.

    Raises :class:`FileNotFoundError` for a missing file (callers treat that
    their own way) and :class:`Unreadable` for everything else.
    """
    with open_regular(path) as handle:
        st = os.fstat(handle.fileno())
        if st.st_size > max_bytes:
            raise Unreadable(f"is {_size(st.st_size)}, larger than the {_size(max_bytes)} pithtex reads")
        try:
            want = min(max_bytes, st.st_size) + 1  # the size as stated (a buffer of the cap would be wasted)
            data = handle.read(want)
            if len(data) == want and want <= max_bytes:  # it grew meanwhile
                data += handle.read(max_bytes + 1 - len(data))
        except OSError as exc:
            raise Unreadable(f"cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise Unreadable(f"grew past the {_size(max_bytes)} pithtex reads while being read")
    return data, st


def read_input(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """:func:`read_bounded` for a command's input: refused as ``InputError("path: reason")`` (exit 2).

    A missing file still raises :class:`FileNotFoundError` (callers treat that their own way).
    """
    try:
        return read_bounded(path, max_bytes)[0]
    except Unreadable as exc:
        from pithtex.errors import InputError

        raise InputError(f"{os.fspath(path)}: {exc.reason}", hint=exc.hint) from None
