"""The example paper's latexmkrc with the real latexmk: annotate offline, compile, then nothing to do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.tex import _tex_env, pdf_text, require_tex

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "paper"
SOURCES = ("main.tex", "refs.bib", "pith.lock", "pithtex.toml", "latexmkrc")

pytestmark = [pytest.mark.tex, pytest.mark.slow]


def latexmk(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["latexmk", "-pdf", "-interaction=nonstopmode", "main.tex"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )


def test_latexmk_annotates_compiles_and_does_not_loop(tmp_path: Path) -> None:
    require_tex("latexmk", "pdflatex", "bibtex", "pdftotext")
    paper = tmp_path / "paper"
    paper.mkdir()
    (tmp_path / ".git").mkdir()  # the paper's repository root: config search stops here
    for name in SOURCES:
        shutil.copy2(EXAMPLE / name, paper / name)
    env = _tex_env()
    env.update(
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        PITHTEX_REGISTRY="http://127.0.0.1:9",  # a closed port: the lock must be enough
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    assert "pithnumber" not in (paper / "refs.bib").read_text()

    first = latexmk(paper, env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    bib = (paper / "refs.bib").read_text()
    assert bib.count("pithnumber") == 3
    assert (paper / "pith.sty").exists() and (paper / "refs.pith").exists()
    text = pdf_text(paper / "main.pdf")
    for short in ("pith:SPDDBVRN", "pith:3VRARFE3", "pith:C7HZCGQ4"):
        assert short in text

    stamps = {p.name: p.stat().st_mtime_ns for p in paper.iterdir()}
    second = latexmk(paper, env)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    log = second.stdout + second.stderr
    assert "Nothing to do" in log or "All targets" in log and "up-to-date" in log
    assert "Run number" not in log  # no engine run at all
    assert {p.name: p.stat().st_mtime_ns for p in paper.iterdir()} == stamps


@pytest.mark.parametrize("default_files", [True, False], ids=["names-main", "latexmk-default"])
def test_latexmk_alone_builds_the_main_file(tmp_path: Path, default_files: bool) -> None:
    """`latexmk` with no file: the latexmkrc names main.tex once (@default_files), or not at all
    (latexmk's own default, every .tex here); pithtex follows main.tex to refs.bib either way."""
    require_tex("latexmk", "pdflatex", "bibtex", "pdftotext")
    paper = tmp_path / "paper"
    paper.mkdir()
    (tmp_path / ".git").mkdir()
    for name in SOURCES:
        shutil.copy2(EXAMPLE / name, paper / name)
    rc = (paper / "latexmkrc").read_text()
    assert "@default_files = ('main.tex');\n" in rc and "'refs.bib'" not in rc
    if not default_files:
        (paper / "latexmkrc").write_text(rc.replace("@default_files = ('main.tex');\n", ""))
    env = _tex_env()
    env.update(
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        PITHTEX_REGISTRY="http://127.0.0.1:9",
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    done = subprocess.run(
        ["latexmk", "-interaction=nonstopmode"], cwd=paper, env=env, capture_output=True, text=True,
        timeout=300, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (paper / "refs.bib").read_text().count("pithnumber") == 3
    assert "pith:SPDDBVRN" in pdf_text(paper / "main.pdf")
