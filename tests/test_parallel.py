"""pithtex.parallel: a task in a forked child, and every way back to one process.

These fork real children; on a platform or machine where forking is not
allowed (not Linux, one CPU), the tests that need a child skip and say why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from pithtex.parallel import ENV_PROCESSES, Task, beside, fork_allowed

# CI (Linux, two cores) must run them: there, a refused fork is a failure, not a skip.
needs_fork = pytest.mark.skipif(
    not fork_allowed() and not os.environ.get("CI"),
    reason="forking is not allowed here (not Linux, one CPU, or PITHTEX_PROCESSES=1)",
)


@needs_fork
def test_the_result_comes_from_the_child() -> None:
    parent = os.getpid()
    with beside(lambda: (os.getpid(), [1, "two", None, (3.5,)], {"k": b"v"})) as task:
        assert task.ran_in == "child"
        pid, values, mapping = task.result()
    assert pid != parent
    assert values == [1, "two", None, (3.5,)] and mapping == {"k": b"v"}
    assert task.ran_in == "child"


@needs_fork
def test_a_large_result_crosses_the_pipe() -> None:
    text = "x" * (5 << 20)  # far beyond a pipe's buffer
    with beside(lambda: text + "y") as task:
        assert task.result() == text + "y"


@needs_fork
def test_a_child_that_dies_is_replaced_by_the_parent() -> None:
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            os._exit(7)  # a crash in the child
        return 42

    with beside(work) as task:
        assert task.result() == 42
    assert task.ran_in == "fallback"


@needs_fork
def test_a_child_killed_by_a_signal_is_replaced_by_the_parent() -> None:
    parent = os.getpid()

    def work() -> str:
        if os.getpid() != parent:
            import signal

            os.kill(os.getpid(), signal.SIGKILL)
        return "here"

    with beside(work) as task:
        assert task.result() == "here"
    assert task.ran_in == "fallback"


@needs_fork
def test_a_result_that_is_not_plain_values_is_computed_in_the_parent() -> None:
    class Thing:
        pass

    with beside(Thing) as task:
        assert isinstance(task.result(), Thing)  # marshal refused it in the child
    assert task.ran_in == "fallback"


@needs_fork
def test_an_exception_in_the_task_is_raised_by_the_parent_too() -> None:
    def work() -> None:
        raise ValueError("bad input")

    with beside(work) as task, pytest.raises(ValueError, match="bad input"):
        task.result()


@needs_fork
def test_a_child_whose_result_is_not_wanted_is_stopped_and_reaped() -> None:
    with beside(lambda: time.sleep(60)) as task:
        pid = task._pid
        assert pid is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left behind


def test_not_worth_it_runs_in_the_parent() -> None:
    task = beside(os.getpid, worth_it=False)
    assert task.ran_in == "parent" and task.result() == os.getpid()


def test_the_environment_can_keep_everything_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_PROCESSES, "1")
    assert not fork_allowed()
    task = beside(os.getpid)
    assert task.ran_in == "parent" and task.result() == os.getpid()


def test_no_fork_while_other_threads_run() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not fork_allowed()
        assert beside(os.getpid).ran_in == "parent"
    finally:
        stop.set()
        thread.join()


def test_a_task_without_a_child_is_computed_on_demand_and_once() -> None:
    calls = []
    task = Task(lambda: calls.append(1) or len(calls))
    assert calls == []
    assert task.result() == 1 and task.result() == 1


@needs_fork
def test_asking_a_child_twice_gives_its_result_twice() -> None:
    parent = os.getpid()
    with beside(os.getpid) as task:
        first = task.result()
        assert first != parent and task.result() == first


@needs_fork
def test_buffered_output_is_written_once(tmp_path) -> None:
    """The child must not flush a copy of the parent's buffered output."""
    script = (
        "import sys\n"
        "from pithtex.parallel import beside\n"
        "sys.stdout.write('before\\n')\n"  # buffered: stdout is a pipe
        "with beside(lambda: 1) as t:\n"
        "    assert t.ran_in == 'child', t.ran_in\n"
        "    t.result()\n"
        "print('after')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != ENV_PROCESSES}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "before\nafter\n"


@needs_fork
def test_a_child_that_sent_its_result_is_reaped_later_never_left_behind() -> None:
    from pithtex import parallel

    with beside(lambda: os.getpid()) as task:
        pid = task.result()
    assert task.ran_in == "child"
    deadline = time.monotonic() + 10
    while pid in parallel._UNREAPED and time.monotonic() < deadline:
        time.sleep(0.01)
        parallel._reap_finished()
    assert pid not in parallel._UNREAPED
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie


@needs_fork
def test_a_result_cut_short_is_not_taken() -> None:
    """Only a result that reads back whole counts: a child that stops while writing (here
    after ten bytes, exiting 0) is replaced by the parent."""
    import marshal

    data = marshal.dumps(["x" * 1000, 2, 3])
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write_fd, data[:10])
        os._exit(0)
    os.close(write_fd)
    with Task(lambda: "here", pid, read_fd) as task:
        assert task.result() == "here"
    assert task.ran_in == "fallback"
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped at once
