"""The example paper (examples/paper) as committed, for tests: never as a user's commands left it.

The README's first command annotates ``examples/paper`` in place, so a test
that copied the working tree would see an annotated paper (and ``refs.pith``,
``pith.sty``) after a newcomer followed the README. :func:`copy_example` copies
the files as ``HEAD`` has them (``git archive``); outside a git checkout (an
unpacked sdist) it copies the working tree and takes out what ``pithtex
annotate`` adds (``pithnumber`` lines, ``\\pithnumber{...}``), which gives the
same bytes, since annotate only ever adds those lines.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

__all__ = ["EXAMPLE", "EXAMPLE_FILES", "REPO", "copy_example", "example_bytes", "offline_paper"]

REPO = Path(__file__).resolve().parent.parent.parent
EXAMPLE = REPO / "examples" / "paper"
#: The example's own files (annotate writes refs.pith and pith.sty beside them).
EXAMPLE_FILES = ("main.tex", "refs.bib", "pith.lock", "pithtex.toml", "latexmkrc", "README.md")

_ADDED_BIB_LINE = re.compile(rb"^[ \t]*pithnumber[ \t]*=[^\n]*\n", re.MULTILINE)
_ADDED_TEX_LINE = re.compile(rb"^\\pithnumber\{[^}\n]*\}[^\n]*\n", re.MULTILINE)


@functools.lru_cache(maxsize=1)
def _committed() -> dict[str, bytes] | None:
    """name -> bytes of examples/paper at HEAD, or None outside a git checkout."""
    if shutil.which("git") is None:
        return None
    try:
        proc = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", "HEAD:examples/paper"],
            capture_output=True, timeout=60, check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        for member in tar.getmembers():
            if member.isfile() and "/" not in member.name:
                handle = tar.extractfile(member)
                assert handle is not None
                out[member.name] = handle.read()
    return out


def _unannotated(name: str, data: bytes) -> bytes:
    if name.endswith(".bib"):
        return _ADDED_BIB_LINE.sub(b"", data)
    if name.endswith(".tex"):
        return _ADDED_TEX_LINE.sub(b"", data)
    return data


def example_bytes(name: str) -> bytes:
    """One file of the example paper as committed."""
    committed = _committed()
    if committed is not None:
        return committed[name]
    return _unannotated(name, (EXAMPLE / name).read_bytes())


def copy_example(dest: Path, names: tuple[str, ...] | list[str] = EXAMPLE_FILES) -> Path:
    """Write the example's ``names`` (as committed) into ``dest`` (created); returns ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        (dest / name).write_bytes(example_bytes(name))
    return dest


def offline_paper(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    names: tuple[str, ...] | list[str] = EXAMPLE_FILES,
    *,
    cwd: Path | None = None,
) -> Path:
    """The example's ``names`` copied into ``tmp_path/paper``, set up as every command test wants it:
    the configuration search stops at ``tmp_path`` (a ``.git`` there), the registry is a closed
    loopback port (the lock must answer), the cache is private, no extra trusted keys, and the
    working directory is the paper's (or ``cwd``). Returns the paper's directory."""
    root = copy_example(tmp_path / "paper", names)
    (tmp_path / ".git").mkdir(exist_ok=True)
    monkeypatch.setenv("PITHTEX_REGISTRY", "http://127.0.0.1:9")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PITHTEX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PITHTEX_TRUST_KEYS", raising=False)
    monkeypatch.chdir(root if cwd is None else cwd)
    return root
