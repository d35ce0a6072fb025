"""The process on a bad day around it: stdout closed or on a full disk, a .bib link that loops, a file
name that is not UTF-8. One line and a documented exit code, never a traceback or "internal error"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.example import copy_example


@pytest.fixture
def paper(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = copy_example(tmp_path / "paper", ("main.tex", "refs.bib", "pith.lock", "pithtex.toml"))
    (tmp_path / ".git").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PITHTEX_")}
    env.update(PITHTEX_CACHE_DIR=str(tmp_path / "cache"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               PITHTEX_REGISTRY="http://127.0.0.1:9")
    return root, env


def pithtex(paper: tuple[Path, dict[str, str]], *args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    cwd, env = paper
    return subprocess.run([sys.executable, "-m", "pithtex", *args], cwd=cwd, env=env, stderr=subprocess.PIPE,
                          timeout=120, **kwargs)  # type: ignore[call-overload]


def clean(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "internal error" not in err, err
    return err


def test_stdout_closed(paper: tuple[Path, dict[str, str]]) -> None:
    cwd, env = paper
    proc = subprocess.run(["sh", "-c", 'exec "$0" -m pithtex annotate main.tex >&-', sys.executable], cwd=cwd,
                          env=env, stderr=subprocess.PIPE, timeout=120)
    clean(proc)
    assert proc.returncode == 0
    assert (cwd / "refs.bib").read_text().count("pithnumber") == 3


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_stdout_on_a_full_disk(paper: tuple[Path, dict[str, str]]) -> None:
    with open("/dev/full", "wb") as full:
        proc = pithtex(paper, "annotate", "main.tex", stdout=full)
    err = clean(proc)
    assert proc.returncode == 1
    assert "pithtex: cannot write the output: No space left on device (files already written are complete)" in err
    assert (paper[0] / "refs.bib").read_text().count("pithnumber") == 3


def test_a_bib_link_that_loops(paper: tuple[Path, dict[str, str]]) -> None:
    bib = paper[0] / "refs.bib"
    bib.unlink()
    bib.symlink_to("refs.bib")
    proc = pithtex(paper, "annotate", "main.tex", stdout=subprocess.PIPE)
    err = clean(proc)
    assert proc.returncode == 1
    assert err.startswith("main.tex:32: \\bibliography{refs}: refs.bib: a symbolic link that leads to no file (refs.bib)\n")


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file names are UTF-8")
def test_a_file_name_that_is_not_utf8(paper: tuple[Path, dict[str, str]]) -> None:
    cwd = paper[0]
    name = os.fsdecode(b"r\xe9fs.bib")
    os.replace(cwd / "refs.bib", cwd / name)
    proc = pithtex(paper, "annotate", name, stdout=subprocess.PIPE)
    clean(proc)
    assert proc.returncode == 0
    assert (cwd / name).read_text().count("pithnumber") == 3
    assert b"r\xe9fs.bib" in (cwd / os.fsdecode(b"r\xe9fs.pith")).read_bytes()  # the header names it, as bytes


@pytest.mark.parametrize(
    ("name", "value", "command"),
    [
        ("PITHTEX_HTTP_DEADLINE", "30s", "resolve"),  # a typo: was the 60 s default, silently
        ("PITHTEX_HTTP_DEADLINE", "nan", "resolve"),  # was "the nans deadline" for every id
        ("PITHTEX_HTTP_DEADLINE", "-1", "resolve"),
        ("PITHTEX_HTTP_RETRIES", "inf", "resolve"),  # was an internal error (OverflowError)
        ("PITHTEX_HTTP_MAX_BYTES", "inf", "resolve"),
        ("PITHTEX_HTTP_MAX_BYTES", "1.5", "resolve"),
        ("PITHTEX_MAX_SOURCE_BYTES", "-5", "check"),  # was "larger than the -5 bytes pithtex reads"
    ],
)
def test_a_bad_limit_in_the_environment_is_a_usage_error(
    paper: tuple[Path, dict[str, str]], name: str, value: str, command: str
) -> None:
    cwd, env = paper
    before = (cwd / "refs.bib").read_bytes(), (cwd / "pith.lock").read_bytes()
    proc = pithtex((cwd, dict(env, **{name: value})), command, "--offline" if command == "resolve" else "--no-cache",
                   "refs.bib", stdout=subprocess.PIPE)
    err = clean(proc)
    assert proc.returncode == 2
    assert err.splitlines()[0].startswith(f"pithtex: {name}={value!r}: not a ")
    assert err.splitlines()[1].startswith(f"  hint: unset {name} for the default (")
    default = err.splitlines()[1].rsplit("(", 1)[1].rstrip(")")
    assert "e+" not in default and (default.isdigit() or "BYTES" not in name and "RETRIES" not in name), default
    assert ((cwd / "refs.bib").read_bytes(), (cwd / "pith.lock").read_bytes()) == before


def test_good_limits_in_the_environment_are_taken(paper: tuple[Path, dict[str, str]]) -> None:
    cwd, env = paper
    proc = pithtex((cwd, dict(env, PITHTEX_MAX_SOURCE_BYTES="100")), "check", "--no-cache", "refs.bib",
                   stdout=subprocess.PIPE)
    assert proc.returncode == 2 and "larger than the 100 bytes pithtex reads" in clean(proc)
    proc = pithtex((cwd, dict(env, PITHTEX_HTTP_RETRIES="0", PITHTEX_HTTP_DEADLINE="2.5")), "resolve", "--offline",
                   "refs.bib", stdout=subprocess.PIPE)
    assert proc.returncode == 0, clean(proc)


# A run stopped in the middle of its writes, driven from inside: the real CLI in a child process whose
# replace_file stops (a signal, Ctrl-C, a full disk) when it reaches the file named, deterministically.
_STOP_AT = """
import errno, os, signal, sys
import pithtex.write.atomic as atomic
from pithtex.cli import main
how, at = sys.argv[1], sys.argv[2]
real = atomic.replace_file
def replace_file(path, data, **kw):
    if os.path.basename(path) == at:
        if how == "TERM":
            kw["before_rename"] = lambda: os.kill(os.getpid(), signal.SIGTERM)  # the temp file is on disk
        elif how == "INT":
            raise KeyboardInterrupt
        else:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return real(path, data, **kw)
atomic.replace_file = replace_file
sys.exit(main(["annotate", "main.tex"]))
"""


def _stopped_at(paper: tuple[Path, dict[str, str]], how: str, at: str) -> tuple[subprocess.CompletedProcess[bytes], str]:
    cwd, env = paper
    proc = subprocess.run([sys.executable, "-c", _STOP_AT, how, at], cwd=cwd, env=env, stderr=subprocess.PIPE,
                          timeout=120)
    return proc, clean(proc)


def test_sigterm_while_writing_leaves_no_temporary_file(paper: tuple[Path, dict[str, str]]) -> None:
    """SIGTERM (timeout, a cancelled CI job, an editor's stop button) ended the process on the spot:
    '.refs.bib.XXXX.tmp', a whole copy of the new .bib, stayed in the paper's folder, with no message."""
    cwd, _ = paper
    before = {p.name: p.read_bytes() for p in cwd.iterdir()}
    proc, err = _stopped_at(paper, "TERM", "refs.bib")
    assert proc.returncode == 128 + 15, err
    assert not [p.name for p in cwd.iterdir() if p.name.endswith(".tmp")]
    assert (cwd / "refs.bib").read_bytes() == before["refs.bib"]
    assert (cwd / "main.tex").read_bytes() == before["main.tex"]
    assert err.startswith("pithtex: interrupted after writing ") and "refs.pith" in err and "refs.bib" not in err


def test_ctrl_c_while_writing_names_what_was_written(paper: tuple[Path, dict[str, str]]) -> None:
    """It said 'interrupted; nothing was written' with refs.bib already rewritten."""
    cwd, _ = paper
    main_tex = (cwd / "main.tex").read_bytes()
    proc, err = _stopped_at(paper, "INT", "main.tex")
    assert proc.returncode == 130
    assert b"pithnumber" in (cwd / "refs.bib").read_bytes() and (cwd / "main.tex").read_bytes() == main_tex
    assert "nothing was written" not in err
    assert "interrupted after writing " in err and "refs.bib" in err and "main.tex" not in err.split("(")[0]


def test_a_full_disk_half_way_writes_pith_sty_first_and_says_what_was_written(
    paper: tuple[Path, dict[str, str]],
) -> None:
    """The .bib and main.tex were written first: main.tex loaded pith with no pith.sty beside it (the paper
    no longer built), and the one line blamed pith.sty, never naming the files already changed."""
    cwd, _ = paper
    (cwd / "pith.sty").unlink(missing_ok=True)
    proc, err = _stopped_at(paper, "ENOSPC", "refs.bib")
    assert proc.returncode == 1
    assert (cwd / "pith.sty").is_file() and (cwd / "refs.pith").is_file()
    assert b"pithnumber" not in (cwd / "refs.bib").read_bytes()
    lines = err.splitlines()
    assert lines[0] == "pithtex: refs.bib: cannot write: the disk is full; the file was left unchanged", err
    assert lines[-1].startswith("  written before that, each complete: ") and "refs.pith" in lines[-1], err


def test_main_called_in_process_leaves_the_signal_handlers_as_they_were(tmp_path: Path) -> None:
    """main() installs SIGTERM/SIGHUP handlers for its run only: a program (or test run) calling it keeps its own."""
    import signal

    from pithtex.cli import main

    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    (tmp_path / "refs.bib").write_text("@misc{a, title={T}}\n")
    main(["scan", str(tmp_path / "refs.bib")])
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before
