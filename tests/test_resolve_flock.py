"""The lock writers of pith.lock and of the cache serialise on (pithtex/resolve/flock.py),
held by real processes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import filelock
import pytest

from pithtex.resolve.flock import FileLock

HOLD = """
import sys, time
from {module} import FileLock
lock = FileLock(sys.argv[1], timeout=5)
lock.acquire()
print("held", flush=True)
sys.stdin.readline()
lock.release()
"""


def _holder(path: Path, module: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD.format(module=module), str(path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "held\n"
    return proc


@pytest.mark.parametrize("module", ["pithtex.resolve.flock", "filelock"])
def test_a_lock_held_by_another_process_is_waited_for_then_taken(tmp_path: Path, module: str) -> None:
    """Also against the filelock package, which non-POSIX systems use: both take flock locks."""
    path = tmp_path / "x.lock"
    holder = _holder(path, module)
    try:
        lock = FileLock(path, timeout=0.3)
        started = time.monotonic()
        with pytest.raises(TimeoutError, match="still locked by another process"):
            lock.acquire()
        assert time.monotonic() - started >= 0.3 and not lock.is_locked
        waiting = FileLock(path, timeout=10)
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        with waiting:  # taken as soon as the holder lets go
            assert waiting.is_locked
            with pytest.raises(filelock.Timeout):
                filelock.FileLock(str(path), timeout=0.1).acquire()
        assert not waiting.is_locked
    finally:
        holder.kill()
        holder.wait()
    with FileLock(path, timeout=0.1):  # and free again
        pass


def test_a_lock_is_not_taken_twice_by_one_object(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / "x.lock")
    with lock:
        with pytest.raises(RuntimeError, match="already locked"):
            lock.acquire()
    lock.release()  # releasing twice is harmless


HOLD_LOCK = """
import sys
from pithtex.resolve.lockfile import Lockfile
guard = Lockfile(sys.argv[1]).file_lock(timeout=5)
guard.acquire()
print("held", flush=True)
sys.stdin.readline()
"""


def test_writers_of_one_pith_lock_exclude_each_other_whatever_their_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The writers' lock was a file in the per-user cache: two runs with different caches (two users, two
    shells, a CI job beside a laptop on one shared folder) both wrote pith.lock, and one's entries were lost
    (10 of 20 in the audit's run, both exiting 0). It is the folder of pith.lock itself, and creates nothing."""
    import os

    from pithtex.resolve.lockfile import Lockfile

    paper = tmp_path / "paper"
    paper.mkdir()
    lock = paper / "pith.lock"
    env = dict(os.environ, PITHTEX_CACHE_DIR=str(tmp_path / "cache-a"))
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(lock)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        monkeypatch.setenv("PITHTEX_CACHE_DIR", str(tmp_path / "cache-b"))
        (tmp_path / "shared").symlink_to(paper)
        for name in (lock, tmp_path / "shared" / "pith.lock"):  # the same file, however it is reached
            with pytest.raises(TimeoutError, match="still locked by another process"):
                Lockfile(name).file_lock(timeout=0.2).acquire()
    finally:
        holder.kill()
        holder.wait()
    with Lockfile(lock).file_lock(timeout=1):
        pass
    assert os.listdir(paper) == []


def test_where_a_folder_cannot_be_locked_the_cache_file_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NFS emulates flock with fcntl locks, and an exclusive one needs a descriptor open for writing, which a
    directory's never is (EBADF): there the writers of a pith.lock lock a file in the cache, as they once
    all did, rather than fail every resolve."""
    import errno
    import fcntl
    import os
    import stat

    real = fcntl.flock

    def nfs_like(fd: int, operation: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        real(fd, operation)

    from pithtex.resolve.lockfile import Lockfile

    monkeypatch.setattr(fcntl, "flock", nfs_like)
    monkeypatch.setenv("PITHTEX_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "paper").mkdir()
    guard = Lockfile(tmp_path / "paper" / "pith.lock").file_lock(timeout=1)
    with guard:
        held = guard.path
        assert Path(held).parent == tmp_path / "cache" / "locks"
        with pytest.raises(TimeoutError, match="still locked"):  # another taker of that file waits
            FileLock(held, timeout=0.2).acquire()
