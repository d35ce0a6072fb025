"""Compile real LaTeX documents with the real TeX Live engines, and read the result.

Shared by every test that needs TeX (``@pytest.mark.tex``).  Nothing here is
mocked: the engines, BibTeX/biber, dvips/ps2pdf and poppler's pdftotext and
pdfinfo run for real, each in the test's own directory, with shell escape off,
``openout_any`` paranoid, and a private ``TEXMFVAR`` so runs never write into
the user's home and parallel workers (pytest-xdist) never race on caches.

When a program is missing, :func:`require_tex` skips the test loudly (a
warning as well as the skip reason) on a developer's machine, and fails it
when ``CI=true``: CI installs TeX Live, so there a skip would hide a defect.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = [
    "ENGINES",
    "TexError",
    "TexResult",
    "compile_latex",
    "pdf_info_custom",
    "pdf_text",
    "pdf_urls",
    "package_messages",
    "render_sty_into",
    "require_tex",
]

#: The engines :func:`compile_latex` knows.  ``latex`` means latex + dvips + ps2pdf.
ENGINES = ("pdflatex", "lualatex", "xelatex", "latex")

_ENGINE_PROGRAMS = {
    "pdflatex": ("pdflatex",),
    "lualatex": ("lualatex",),
    "xelatex": ("xelatex",),
    "latex": ("latex", "dvips", "ps2pdf"),
}
_BIB_PROGRAMS = {"bibtex": ("bibtex",), "biber": ("biber",), None: ()}


class TexError(AssertionError):
    """A TeX run failed; the message carries the command and the log's tail."""


@dataclass(frozen=True)
class TexResult:
    """What a compilation left behind."""

    pdf: Path
    log: str
    workdir: Path
    commands: tuple[tuple[str, ...], ...]

    @property
    def text(self) -> str:
        return pdf_text(self.pdf)


def require_tex(*programs: str) -> None:
    """Skip (loudly) or, under ``CI=true``, fail unless every program is on PATH."""
    missing = [p for p in programs if shutil.which(p) is None]
    if not missing:
        return
    reason = (
        "TeX test needs " + ", ".join(missing) + " (not on PATH); install Debian's TeX Live "
        "as .ci/run does: texlive-latex-extra texlive-publishers texlive-science "
        "texlive-luatex texlive-xetex texlive-bibtex-extra biber poppler-utils ghostscript"
    )
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but " + reason, pytrace=False)
    warnings.warn(reason, stacklevel=2)
    pytest.skip("SKIPPED LOUDLY: " + reason)


def _shared_texmfvar() -> Path:
    """A private TEXMFVAR for this user's test runs.

    Per-run directories would make LuaLaTeX rebuild its font database (tens
    of seconds) in every test, so the cache is shared between tests, but it
    lives in the temporary directory, never in the user's home.  luaotfload
    writes its cache atomically, so xdist workers may share it.
    """
    base = Path(tempfile.gettempdir()) / f"pithtex-tests-texmfvar-{os.getuid()}"
    base.mkdir(mode=0o700, exist_ok=True)
    return base


def _tex_env() -> dict[str, str]:
    env = dict(os.environ)
    var = str(_shared_texmfvar())
    env.update(
        TEXMFVAR=var,
        TEXMFCACHE=var,
        shell_escape="f",
        openout_any="p",
        openin_any="a",
        SOURCE_DATE_EPOCH="1700000000",
        FORCE_SOURCE_DATE="1",
        LC_ALL="C.UTF-8",
    )
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float, log: Path | None) -> None:
    try:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise TexError(f"{' '.join(cmd)} timed out after {timeout}s in {cwd}") from exc
    if proc.returncode != 0:
        tail = ""
        if log is not None and log.exists():
            tail = "\n".join(log.read_text("latin-1").splitlines()[-40:])
        output = proc.stdout.decode("latin-1")[-3000:]
        raise TexError(f"{' '.join(cmd)} exited {proc.returncode} in {cwd}\n--- output ---\n{output}\n--- log tail ---\n{tail}")


def compile_latex(
    workdir: Path,
    main: str = "main.tex",
    engine: str = "pdflatex",
    runs: int | None = None,
    bib: str | None = None,
    timeout: float = 120.0,
) -> TexResult:
    """Compile ``workdir/main`` and return the PDF path and the final log text.

    ``engine`` is one of :data:`ENGINES` (``latex`` = latex, dvips, ps2pdf).
    ``bib`` is ``"bibtex"``, ``"biber"`` or ``None``; with a bibliography tool
    the sequence is engine, bib tool, then engine again until ``runs`` engine
    runs are done (default 3 with a bibliography, 1 without).  Engines run
    with ``-interaction=nonstopmode -halt-on-error`` and no shell escape; any
    failure raises :class:`TexError` with the log's tail.
    """
    if engine not in _ENGINE_PROGRAMS:
        raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")
    if bib not in _BIB_PROGRAMS:
        raise ValueError(f"unknown bib tool {bib!r}")
    require_tex(*_ENGINE_PROGRAMS[engine], *_BIB_PROGRAMS[bib])
    workdir = Path(workdir)
    stem = Path(main).stem
    if runs is None:
        runs = 3 if bib else 1
    if bib and runs < 2:
        raise ValueError("a bibliography needs at least 2 engine runs")
    env = _tex_env()
    log = workdir / f"{stem}.log"
    tex_cmd = [engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "-file-line-error", main]
    commands: list[tuple[str, ...]] = []

    def tex() -> None:
        commands.append(tuple(tex_cmd))
        _run(tex_cmd, workdir, env, timeout, log)

    tex()
    if bib:
        bib_cmd = [bib, stem] if bib == "bibtex" else ["biber", "--quiet", stem]
        commands.append(tuple(bib_cmd))
        _run(bib_cmd, workdir, env, timeout, None)
    for _ in range(runs - 1):
        tex()
    if engine == "latex":
        for cmd in (["dvips", "-q", "-o", f"{stem}.ps", f"{stem}.dvi"], ["ps2pdf", f"{stem}.ps", f"{stem}.pdf"]):
            commands.append(tuple(cmd))
            _run(cmd, workdir, env, timeout, None)
    pdf = workdir / f"{stem}.pdf"
    if not pdf.exists():
        raise TexError(f"no PDF after {commands}")
    return TexResult(pdf=pdf, log=log.read_text("latin-1"), workdir=workdir, commands=tuple(commands))


def _poppler(args: list[str], timeout: float = 60.0) -> str:
    require_tex(args[0])
    proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise TexError(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr.decode('utf-8', 'replace')}")
    return proc.stdout.decode("utf-8", "replace")


def pdf_text(pdf: Path, layout: bool = True) -> str:
    """The PDF's text as pdftotext gives it (``-layout`` by default, else raw order)."""
    return _poppler(["pdftotext", "-layout" if layout else "-raw", "-enc", "UTF-8", str(pdf), "-"])


def pdf_info_custom(pdf: Path) -> dict[str, str]:
    """The document information dictionary, custom entries included (``pdfinfo -custom``)."""
    info: dict[str, str] = {}
    for line in _poppler(["pdfinfo", "-custom", str(pdf)]).splitlines():
        key, sep, value = line.partition(":")
        if sep and key and not key.startswith(" "):
            info.setdefault(key.strip(), value.strip())
    return info


def pdf_urls(pdf: Path) -> list[str]:
    """Every URL link annotation in the PDF, in page order (``pdfinfo -url``)."""
    urls = []
    for line in _poppler(["pdfinfo", "-url", str(pdf)]).splitlines()[1:]:
        parts = line.split(None, 2)
        if len(parts) == 3:
            urls.append(parts[2].strip())
    return urls


_MESSAGE_START = re.compile(r"^(?:Package|Class) (?P<pkg>\S+) (?P<kind>Warning|Error|Info)(?::| )")


def package_messages(log: str, package: str = "pith", kinds: tuple[str, ...] = ("Warning", "Error")) -> list[str]:
    """Warnings and errors that ``package`` wrote into a LaTeX log (with continuation lines).

    Also reports TeX errors (lines starting with ``!`` or ``file:line:``) whose
    text mentions the package, so a crash inside pith.sty is never missed.
    """
    found: list[str] = []
    lines = log.splitlines()
    for i, line in enumerate(lines):
        m = _MESSAGE_START.match(line)
        if m and m.group("pkg") == package and m.group("kind") in kinds:
            block = [line]
            prefix = f"({package})"
            for nxt in lines[i + 1 :]:
                if nxt.startswith(prefix):
                    block.append(nxt)
                else:
                    break
            found.append("\n".join(block))
        elif (line.startswith("!") or re.match(r"^\S+:\d+: ", line)) and package in line and "Error" in kinds:
            found.append(line)
    return found


def render_sty_into(directory: Path) -> Path:
    """Write the rendered ``pith.sty`` into ``directory`` (where the paper is)."""
    from pithtex.write.sty import write_sty

    write_sty(Path(directory))
    return Path(directory) / "pith.sty"
