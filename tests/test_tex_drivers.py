"""The PDF metadata entry PithNumber on every route to a PDF, found the way
hyperref finds its driver: pdfTeX and LuaTeX in PDF mode (\\pdfinfo), XeTeX
and DVI meant for dvipdfmx (the ``pdf:docinfo`` special), DVI for dvips (the
DOCINFO pdfmark, through ps2pdf).  Each route is one compile, read back with
``pdfinfo``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tex import (
    PAPER_BADGE,
    PAPER_FULL,
    Paper,
    compile_latex,
    flat_text,
    package_messages,
    write_paper,
)

pytestmark = pytest.mark.tex

# (engine, class options, extra preamble, hyperref)
ROUTES = {
    "pdflatex": ("pdflatex", "", "", "after"),
    "lualatex": ("lualatex", "", "", "none"),
    "xelatex": ("xelatex", "", "", "none"),
    "dvips": ("latex", "", "", "none"),
    # dvipdfmx: the class option, as hyperref and graphicx want it ...
    "dvipdfmx-class-option": ("dvipdfmx", "dvipdfmx", "", "after"),
    "dvipdfmx-no-hyperref": ("dvipdfmx", "dvipdfmx", "", "none"),
    # ... or only the driver option of graphicx.
    "dvipdfmx-graphicx": ("dvipdfmx", "", r"\usepackage[dvipdfmx]{graphicx}", "none"),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_pithnumber_in_the_pdf_info(tmp_path: Path, route: str) -> None:
    engine, options, preamble, hyperref = ROUTES[route]
    paper = Paper(class_options=options, preamble=preamble, hyperref=hyperref)
    write_paper(tmp_path, paper)
    result = compile_latex(tmp_path, "main.tex", engine=engine)
    assert result.info.get("PithNumber") == PAPER_FULL, (route, result.info)
    assert PAPER_BADGE.lower() in flat_text(result.text)
    assert package_messages(result.log) == []
