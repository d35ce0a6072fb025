"""An exclusive lock between processes on a lock file: ``fcntl.flock`` on POSIX.

Writers of ``pith.lock`` and of the record cache serialise on such locks.
The ``filelock`` package does the same job (and is used where there is no
``fcntl``, e.g. on Windows), but importing it costs about 20 ms, a sixth of
the start-up of a small ``pithtex annotate`` run in a pre-commit hook, and
this needs a few lines of the standard library. Both take ``flock`` locks,
so they exclude each other.

Not re-entrant: acquire once, release once (or use ``with``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

__all__ = ["FileLock"]

_POLL = 0.05  # seconds between attempts while another process holds the lock


class FileLock:
    """An exclusive lock on the file at ``path`` (created if missing), held by one process at a time.

    :meth:`acquire` raises :class:`TimeoutError` (an ``OSError``) after ``timeout`` seconds.
    """

    def __init__(self, path: str | os.PathLike[str], timeout: float = 120.0, *, directory: bool = False,
                 or_file: Callable[[], str | None] | None = None) -> None:
        self.path = os.fspath(path)
        self.timeout = timeout
        #: Lock an existing directory itself (``flock`` works on a directory's descriptor):
        #: nothing is created, so nothing is left behind.
        self.directory = directory
        #: Where a directory cannot be locked (NFS emulates flock with fcntl locks, which a read-only
        #: descriptor cannot take), lock the file this names instead (asked only then: None, no file).
        self.or_file = or_file
        self._fd: int | None = None
        self._fallback: Any = None  # a filelock.FileLock where there is no fcntl

    @property
    def is_locked(self) -> bool:
        return self._fd is not None or (self._fallback is not None and self._fallback.is_locked)

    def acquire(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            import filelock

            target = os.path.join(self.path, ".pithtex.lock") if self.directory else self.path
            self._fallback = filelock.FileLock(target, timeout=self.timeout)
            self._fallback.acquire()
            return
        if self._fd is not None:
            raise RuntimeError(f"{self.path}: already locked by this object")
        if self.directory:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        else:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise TimeoutError(f"{self.path}: still locked by another process after {self.timeout:g} s") from None
                    time.sleep(_POLL)
                except OSError:
                    instead = self.or_file() if self.directory and self.or_file is not None else None
                    if instead is None:
                        raise
                    file_fd = os.open(instead, os.O_RDWR | os.O_CREAT, 0o644)
                    os.close(fd)
                    fd, self.directory, self.path = file_fd, False, instead
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fallback is not None:  # pragma: no cover - not POSIX
            self._fallback.release()
            self._fallback = None
            return
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
