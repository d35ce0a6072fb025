"""Run one task on a second core, in a forked child, while the parent does another.

A 20,000-entry bibliography costs seconds of pure-Python work, and some of its
stages do not depend on each other: ``annotate`` cross-checks titles and plans
the edit of the .bib from the same scan and resolution. :func:`beside` runs one
such task in a child process made by ``fork``, so the child inherits every
input as it is (nothing is serialised on the way in), and sends back a small
result of plain values (text, numbers, ``None``, tuples, lists, dicts) with
:mod:`marshal`.

It is an optimisation, never a requirement. The task runs in the parent
instead, with the same result, when:

- it is not worth a process (the caller says so: small inputs);
- ``fork`` is not safe here: not Linux (macOS frameworks are not fork-safe),
  other threads running, or one CPU only;
- ``PITHTEX_PROCESSES=1`` is set in the environment;
- the child fails in any way: an exception, a crash, a signal, a result that
  is not plain values or cannot be read.

So a task must be a pure computation: it must not write files or print, and
its result must not depend on which process computes it. The child leaves with
``os._exit``: it never flushes the parent's buffered output, runs ``atexit``
handlers or returns into the caller's stack.

The child closes the pipe as soon as its result is written, and the parent
takes a result that reads back whole (marshal data is self-delimiting) as
success, without waiting for the kernel to tear down the child's large address
space (tens of milliseconds). That child is reaped later, when the next task
starts or is collected.
"""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

__all__ = ["Task", "beside", "fork_allowed"]

T = TypeVar("T")

#: Environment variable: ``1`` keeps all work in one process.
ENV_PROCESSES = "PITHTEX_PROCESSES"
#: Children that sent a complete result and may still be exiting: reaped later.
_UNREAPED: list[int] = []


def _reap_finished() -> None:
    """Reap the children of :data:`_UNREAPED` that have exited (never waits)."""
    for pid in list(_UNREAPED):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # pragma: no cover - someone else reaped it
            done = pid
        if done:
            _UNREAPED.remove(pid)


def fork_allowed() -> bool:
    """Whether a task may run in a forked child here (see the module docstring)."""
    if os.environ.get(ENV_PROCESSES, "").strip() == "1":
        return False
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - Linux has it
        cpus = os.cpu_count() or 1
    if cpus < 2:
        return False
    import threading

    return threading.active_count() == 1


class Task(Generic[T]):
    """A task started by :func:`beside`; :meth:`result` waits for it.

    Use it as a context manager, so that a child whose result is never asked
    for (the parent failed first) is stopped and reaped.
    """

    def __init__(self, fn: Callable[[], T], pid: int | None = None, fd: int | None = None) -> None:
        self._fn = fn
        self._pid = pid
        self._fd = fd
        #: Where the result came from: "child", "parent" (not forked) or "fallback" (the child failed).
        self.ran_in = "child" if pid is not None else "parent"
        self._done = False
        self._value: T

    def result(self) -> T:
        """The task's result: the child's, or computed here if there is no child or it failed.

        Computed once: asking again gives the same value."""
        if not self._done:
            self._value = self._compute()
            self._done = True
        return self._value

    def _compute(self) -> T:
        if self._pid is None:
            return self._fn()
        pid, data = self._pid, self._collect()
        try:
            value = marshal.loads(data)
        except (EOFError, ValueError, TypeError):  # nothing, or cut short: the child failed
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:  # pragma: no cover - someone else reaped it
                pass
            self.ran_in = "fallback"
            return self._fn()
        _UNREAPED.append(pid)  # it may still be exiting
        _reap_finished()
        return value  # type: ignore[no-any-return]

    def _collect(self) -> bytes:
        """Read the child's output to the end (the child closes the pipe when it is written)."""
        assert self._pid is not None and self._fd is not None
        fd = self._fd
        self._pid = self._fd = None
        chunks = []
        try:
            with os.fdopen(fd, "rb") as pipe:
                while chunk := pipe.read(1 << 20):
                    chunks.append(chunk)
        except OSError:
            chunks = []
        return b"".join(chunks)

    def cancel(self) -> None:
        """Stop a child whose result is not wanted (no-op once the result was read)."""
        if self._pid is None:
            return
        import signal

        pid, fd = self._pid, self._fd
        self._pid = self._fd = None
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # pragma: no cover - it had exited
            pass
        if fd is not None:
            os.close(fd)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:  # pragma: no cover
            pass

    def __enter__(self) -> Task[T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.cancel()


def beside(fn: Callable[[], T], *, worth_it: bool = True) -> Task[T]:
    """Start ``fn()`` in a forked child (when worth it and allowed), and return at once.

    ``fn`` must be pure (see the module docstring); call ``result()`` on the
    returned task to get its value, from the child or, failing that, from
    ``fn()`` run here.
    """
    if not (worth_it and fork_allowed()):
        return Task(fn)
    _reap_finished()
    try:
        read_fd, write_fd = os.pipe()
    except OSError:  # pragma: no cover - out of descriptors: just run it here
        return Task(fn)
    for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        pid = os.fork()
    except OSError:  # pragma: no cover - out of processes or memory
        os.close(read_fd)
        os.close(write_fd)
        return Task(fn)
    if pid == 0:  # pragma: no cover - the child (coverage does not follow it)
        status = 1
        try:
            os.close(read_fd)
            data = marshal.dumps(fn())
            view = memoryview(data)
            while view:
                view = view[os.write(write_fd, view):]
            os.close(write_fd)  # the parent reads the end now, not when this process is torn down
            status = 0
        except BaseException:  # noqa: BLE001 - any failure: the parent runs fn itself
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    return Task(fn, pid, read_fd)
