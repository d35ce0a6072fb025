"""Loading pith without \\pithnumber changes nothing a reader sees.

A paper that says \\usepackage{pith} but has no number yet (or references
without numbers) must give exactly the PDF text it gives without the package:
same words, same line breaks, same pages, and the same log, but for the one
warning that a bibliography has no refs.pith to take its badges from.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.tex import (
    CLASSES,
    HYPERREF_CLASSES,
    PAPER_FULL,
    Paper,
    compile_latex,
    package_messages,
    pdf_text,
    pdf_urls,
    write_paper,
)

pytestmark = pytest.mark.tex

NO_PITH_FILE = (
    "Package pith Warning: No bibliography badges: refs.pith not found.\n"
    "(pith)                It holds the references' Pith Numbers and belongs next to\n"
    "(pith)                the .bbl (on arXiv: upload it with the sources);\n"
    "(pith)                `pithtex annotate' writes it. If no reference has a\n"
    "(pith)                number, load pith with the nobib option."
)

# Every class with pdflatex; every other engine with article; bibliographies
# (without numbers) through BibTeX and biblatex.
CASES = [(cls, "pdflatex", None) for cls in CLASSES] + [
    ("article", "lualatex", None),
    ("article", "xelatex", None),
    ("article", "latex", None),
    ("article", "pdflatex", "plainnat"),
    ("IEEEtran", "pdflatex", "IEEEtran"),
    ("article", "pdflatex", "biblatex"),
]


@pytest.mark.parametrize("cls,engine,bib", CASES, ids=lambda v: str(v))
def test_pith_without_a_number_leaves_the_text_alone(tmp_path: Path, cls: str, engine: str, bib: str | None) -> None:
    hyperref = "class" if cls in HYPERREF_CLASSES else "after"
    texts = {}
    warnings = {}
    for with_pith in (False, True):
        workdir = tmp_path / ("with" if with_pith else "without")
        paper = Paper(cls=cls, hyperref=hyperref, bib=bib, number=None, pith=with_pith, numbers_in="none")
        write_paper(workdir, paper)
        result = compile_latex(workdir, "main.tex", engine=engine, bib=paper.bib_tool, runs=2 if bib else 1)
        log = result.log
        if with_pith:
            # A bibliography without refs.pith is the one thing pith speaks up
            # about (issue 16: never silent); nothing else in the log changes.
            said = package_messages(log)
            assert said == ([] if bib is None else [NO_PITH_FILE]), said
            log = log.replace(NO_PITH_FILE, "")
            assert "PithNumber" not in result.info
            assert not [u for u in pdf_urls(result.pdf) if "pith" in u]
        texts[with_pith] = pdf_text(result.pdf, mode="layout")
        warnings[with_pith] = _warnings(log)
    assert texts[True].strip(), "empty PDF text"
    assert texts[True] == texts[False]
    assert warnings[True] == warnings[False], "pith added or removed warnings"


def _warnings(log: str) -> list[str]:
    """Every warning line of a log, without line numbers and file paths."""
    lines = [line for line in log.splitlines() if "Warning" in line]
    return sorted(re.sub(r"(on input line|line) \d+|\S+\.(tex|sty|cls):\d+:", "", line) for line in lines)


def _bad_boxes(log: str) -> list[str]:
    return sorted(re.sub(r"lines? \d+(--\d+)?", "", line) for line in log.splitlines() if line.startswith(("Overfull", "Underfull")))


@pytest.mark.parametrize("cls,bib", [("acmart", "ACM-Reference-Format"), ("IEEEtran", "IEEEtran"), ("twocolumn", "plainnat"), ("revtex4-2", "apsrev4-2")])
def test_badges_add_no_bad_boxes_and_no_pages(tmp_path: Path, cls: str, bib: str) -> None:
    """The badges take no vertical room: tight two-column first pages and
    bibliographies keep their line spacing (no new over/underfull boxes)."""
    hyperref = "class" if cls in HYPERREF_CLASSES else "after"
    found = {}
    for with_pith in (False, True):
        workdir = tmp_path / ("with" if with_pith else "without")
        paper = Paper(cls=cls, hyperref=hyperref, bib=bib, pith=with_pith, number=None if not with_pith else PAPER_FULL)
        write_paper(workdir, paper)
        result = compile_latex(workdir, "main.tex", bib="bibtex")
        found[with_pith] = (_bad_boxes(result.log), result.text.count("\f"))
    assert found[True] == found[False]
