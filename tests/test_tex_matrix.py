"""pith.sty in real documents: every engine, every class, every hyperref order
and every bibliography path, compiled with TeX Live and read back from the PDF.

The matrix is chosen, not a full product: each engine, class, hyperref order
(absent, before, after, loaded by the class) and bibliography route (BibTeX
with plain/plainnat/unsrt/abbrvnat/IEEEtran/ACM/REVTeX styles, biblatex with
biber, both load orders, and the BibTeX backend) appears at least once, the
arXiv routes (pdflatex, latex+dvips+ps2pdf) more than once, latex+dvipdfmx once, and a few more
classes common on arXiv (scrartcl, memoir, elsarticle, llncs) ride along.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tex import (
    CLASSES,
    ENGINES,
    REFERENCES,
    Paper,
    check_paper,
    compile_latex,
    write_paper,
)

pytestmark = pytest.mark.tex


# (class, engine, hyperref, bibliography, where reference numbers live)
CASES = [
    ("article", "pdflatex", "after", "plainnat", "pith"),
    ("article", "pdflatex", "before", "plain", "pith"),
    ("article", "pdflatex", "none", "unsrt", "pith"),
    ("article", "lualatex", "after", "biblatex", "bib"),
    ("article", "lualatex", "none", "plain", "pith"),
    ("article", "xelatex", "before", "abbrvnat", "pith"),
    ("article", "xelatex", "none", "biblatex", "bib"),
    ("article", "latex", "after", "plainnat", "pith"),
    ("article", "latex", "none", "plain", "pith"),
    ("article", "latex", "before", "biblatex", "bib"),
    ("article", "dvipdfmx", "after", "plainnat", "pith"),
    ("report", "pdflatex", "after", "plain", "pith"),
    ("amsart", "pdflatex", "before", "plain", "pith"),
    ("revtex4-2", "pdflatex", "after", "apsrev4-2", "pith"),
    ("IEEEtran", "pdflatex", "after", "IEEEtran", "pith"),
    ("IEEEtran", "latex", "none", "IEEEtran", "pith"),
    ("acmart", "pdflatex", "class", "ACM-Reference-Format", "pith"),
    ("beamer", "pdflatex", "class", "plain", "pith"),
    ("twocolumn", "pdflatex", "after", "biblatex", "bib"),
    ("twocolumn", "xelatex", "before", "plainnat", "pith"),
    # More classes common on arXiv.
    ("scrartcl", "pdflatex", "after", "plainnat", "pith"),
    ("memoir", "lualatex", "before", "plain", "pith"),
    ("elsarticle", "pdflatex", "after", "elsarticle-num", "pith"),
    ("llncs", "latex", "after", "splncs04", "pith"),
]


def _case_id(case: tuple[str, ...]) -> str:
    return "-".join(case[:4])


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_paper_compiles_with_badges_links_and_metadata(tmp_path: Path, case: tuple[str, ...]) -> None:
    cls, engine, hyperref, bib, numbers_in = case
    options = "dvipdfmx" if engine == "dvipdfmx" else ""
    paper = Paper(cls=cls, hyperref=hyperref, bib=bib, numbers_in=numbers_in, class_options=options)
    write_paper(tmp_path, paper)
    result = compile_latex(tmp_path, "main.tex", engine=engine, bib=paper.bib_tool)
    check_paper(result, paper, engine)


def test_biblatex_loaded_before_pith_reads_the_pith_file(tmp_path: Path) -> None:
    """biblatex first: its data model is closed, so the numbers come from refs.pith."""
    paper = Paper(bib="biblatex", numbers_in="pith", biblatex_first=True)
    write_paper(tmp_path, paper)
    result = compile_latex(tmp_path, "main.tex", engine="pdflatex", bib="biber")
    check_paper(result, paper, "pdflatex")


def test_biblatex_field_survives_biber(tmp_path: Path) -> None:
    """The pithnumber field is in the data model: biber passes it to the .bbl."""
    paper = Paper(bib="biblatex", numbers_in="bib")
    write_paper(tmp_path, paper)
    compile_latex(tmp_path, "main.tex", engine="pdflatex", bib="biber", runs=2)
    bbl = (tmp_path / "main.bbl").read_text("utf-8")
    for ref in REFERENCES:
        if ref.number:
            assert f"\\field{{pithnumber}}{{{ref.number}}}" in bbl


def test_matrix_covers_every_engine_class_and_hyperref_order() -> None:
    assert {c[1] for c in CASES} == set(ENGINES)
    assert {c[0] for c in CASES} >= set(CLASSES)
    assert {c[2] for c in CASES} == {"none", "before", "after", "class"}
    assert {"biblatex", "plain", "plainnat", "unsrt", "abbrvnat", "IEEEtran"} <= {c[3] for c in CASES}


def test_biblatex_with_the_bibtex_backend_reads_the_pith_file(tmp_path: Path) -> None:
    """backend=bibtex has no data model for extra fields: refs.pith carries the numbers."""
    paper = Paper(bib="biblatex", numbers_in="pith")
    main = write_paper(tmp_path, paper)
    main.write_text(main.read_text("utf-8").replace("backend=biber", "backend=bibtex"), "utf-8")
    result = compile_latex(tmp_path, "main.tex", engine="pdflatex", bib="bibtex")
    check_paper(result, paper, "pdflatex")
