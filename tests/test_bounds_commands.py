"""A FIFO in the place of an input of the newer commands (arxiv, init, report) is refused
at once (issue 13's bound, carried to them): exit 2, one line naming the file, nothing written.

Real FIFOs (``os.mkfifo``) and a real ``python -m pithtex`` process with a timeout: a
command that waited on the FIFO would hang until the timeout and fail the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.registry import bib_citing, snapshot
from tests.test_bounds import paper, run  # noqa: F401  (paper: the fixture, an isolated empty directory)

FIFO = "is a FIFO (named pipe), not a file"
MAIN = "\\documentclass{article}\n\\usepackage{pith}\n\\begin{document}\nx\n\\end{document}\n"


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize("build", [True, False])
def test_arxiv_refuses_a_fifo_as_the_main_file(paper: Path, build: bool) -> None:
    """Before latexmk runs (it would wait on the FIFO too)."""
    os.mkfifo(paper / "main.tex")
    code, out, err, _ = run(["arxiv", "main.tex", *([] if build else ["--no-build"])], paper)
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == f"pithtex: main.tex: {FIFO}"
    assert names(paper) == ["main.tex"]


def test_arxiv_refuses_a_fifo_as_the_recorder_file(paper: Path) -> None:
    (paper / "main.tex").write_text(MAIN)
    os.mkfifo(paper / "main.fls")
    before = snapshot(paper)
    code, out, err, _ = run(["arxiv", "main.tex", "--no-build"], paper)
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == f"pithtex: main.fls: {FIFO}"
    assert snapshot(paper) == before and names(paper) == ["main.fls", "main.tex"]


@pytest.mark.parametrize("name", ["main.tex", "pyproject.toml", ".pre-commit-config.yaml", "latexmkrc"])
def test_init_refuses_a_fifo_among_its_inputs_before_writing_anything(paper: Path, name: str) -> None:
    if name != "main.tex":
        (paper / "main.tex").write_text(MAIN)
    os.mkfifo(paper / name)
    before = snapshot(paper)
    code, out, err, _ = run(["init", "--main", "main.tex", "--offline"], paper)
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == f"pithtex: {name}: {FIFO}"
    assert snapshot(paper) == before and names(paper) == sorted({"main.tex", name})


def test_init_passes_over_a_fifo_tex_when_looking_for_the_main_file(paper: Path) -> None:
    """Without --main, each .tex is read to find the one with \\documentclass: a FIFO is not waited on."""
    os.mkfifo(paper / "a.tex")
    code, out, err, _ = run(["init", "--offline"], paper)
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == "pithtex: .: no .tex file with \\documentclass here"
    assert names(paper) == ["a.tex"]


@pytest.mark.parametrize("fifo", ["refs.bib", "pith.lock"])
def test_report_refuses_a_fifo_as_its_input(paper: Path, fifo: str) -> None:
    if fifo != "refs.bib":
        (paper / "refs.bib").write_text(bib_citing("2511.00066"))
    os.mkfifo(paper / fifo)
    before = snapshot(paper)
    code, out, err, _ = run(["report", "refs.bib", "-o", "report.html"], paper)
    assert (code, out) == (2, "")
    where = fifo if fifo == "refs.bib" else str(paper.resolve() / fifo)  # the lock is named by its full path
    assert err.splitlines()[0] == f"pithtex: {where}: {FIFO}"
    assert snapshot(paper) == before and "report.html" not in names(paper)
