"""Older LaTeX kernels, emulated with latexrelease: the fallbacks pith.sty uses
where the kernel has no hooks (before 2020-10) or no command and paragraph
hooks (before 2021-06) still give the badge, the links, the metadata and the
bibliography badges.  arXiv's TeX Live is newer, but papers pin old kernels."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tex import Paper, check_paper, compile_latex, write_paper

pytestmark = pytest.mark.tex


@pytest.mark.parametrize(
    "release,engine,cls,hooks",
    [
        ("2020-02-02", "pdflatex", "article", "hooks=no cmdhooks=no"),
        ("2020-02-02", "latex", "twocolumn", "hooks=no cmdhooks=no"),
        ("2020-10-01", "pdflatex", "IEEEtran", "hooks=yes cmdhooks=no"),
        ("2020-10-01", "latex", "article", "hooks=yes cmdhooks=no"),
    ],
)
def test_rolled_back_kernel(tmp_path: Path, release: str, engine: str, cls: str, hooks: str) -> None:
    bib = "IEEEtran" if cls == "IEEEtran" else "plain"
    probe = (
        "\\makeatletter\\typeout{PITHTEST hooks=\\ifpith@hooks yes\\else no\\fi\\space"
        " cmdhooks=\\ifpith@cmdhooks yes\\else no\\fi}\\makeatother"
    )
    paper = Paper(cls=cls, bib=bib, preamble=probe)
    main = write_paper(tmp_path, paper)
    main.write_text(f"\\RequirePackage[{release}]{{latexrelease}}\n" + main.read_text("utf-8"), "utf-8")
    result = compile_latex(tmp_path, "main.tex", engine=engine, bib="bibtex")
    assert f"PITHTEST {hooks}" in result.log
    check_paper(result, paper, engine)
