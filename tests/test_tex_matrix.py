"""pith.sty in real documents: every engine, every class, every hyperref order
and every bibliography path, compiled with TeX Live and read back from the PDF.

The matrix is chosen, not a full product: each engine, class, hyperref order
(absent, before, after, loaded by the class) and bibliography route (BibTeX
with plain/plainnat/unsrt/abbrvnat/IEEEtran/ACM/REVTeX styles, biblatex with
biber, both load orders) appears at least once, and the arXiv routes
(pdflatex, latex+dvips+ps2pdf) more than once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tex import (
    BODY_MARK,
    CLASSES,
    ENGINES,
    PAPER_BADGE,
    PAPER_FULL,
    PAPER_SUFFIX,
    REFERENCES,
    Paper,
    TexResult,
    compile_latex,
    flat_text,
    package_messages,
    write_paper,
)

pytestmark = pytest.mark.tex

TITLE_MARK = "group relative policy"
BASE = "https://pith.science/pith/"

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
    ("report", "pdflatex", "after", "plain", "pith"),
    ("amsart", "pdflatex", "before", "plain", "pith"),
    ("revtex4-2", "pdflatex", "after", "apsrev4-2", "pith"),
    ("IEEEtran", "pdflatex", "after", "IEEEtran", "pith"),
    ("IEEEtran", "latex", "none", "IEEEtran", "pith"),
    ("acmart", "pdflatex", "class", "ACM-Reference-Format", "pith"),
    ("beamer", "pdflatex", "class", "plain", "pith"),
    ("twocolumn", "pdflatex", "after", "biblatex", "bib"),
    ("twocolumn", "xelatex", "before", "plainnat", "pith"),
]


def _case_id(case: tuple[str, ...]) -> str:
    return "-".join(case[:4])


def check_paper(result: TexResult, paper: Paper, engine: str) -> None:
    """Everything the issue asks of a compiled paper."""
    text = flat_text(result.text)
    where = f"{paper.cls}/{engine}/{paper.hyperref}/{paper.bib}"

    # The badge right after the title block, once, before the body.
    title_at = text.find(TITLE_MARK)
    badge_at = text.find(PAPER_BADGE.lower())
    body_at = text.find(BODY_MARK.lower())
    assert title_at >= 0, f"{where}: title missing from\n{text}"
    assert 0 <= badge_at, f"{where}: no title badge in\n{text}"
    assert title_at < badge_at < body_at, f"{where}: badge not between title and body:\n{text}"
    assert text.count(PAPER_BADGE.lower()) == 1, f"{where}: title badge more than once:\n{text}"

    # Badges in the bibliography, each in its own entry, none for the
    # reference without a number.
    if paper.bib:
        starts = sorted((text.find(r.surname.lower(), body_at + 1), r) for r in REFERENCES)
        for (pos, ref), nxt in zip(starts, [*starts[1:], (len(text), None)]):
            assert pos > body_at, f"{where}: {ref.surname} not in the bibliography:\n{text}"
            entry = text[pos : nxt[0]]
            if ref.badge:
                assert ref.badge.lower() in entry, f"{where}: no badge {ref.badge} in entry {entry!r}"
                assert text.count(ref.badge.lower()) == 1
            else:
                assert "pith:" not in entry, f"{where}: reference without a number has a badge: {entry!r}"

    # Links.
    pith_urls = {u for u in result.urls if "pith" in u}
    if paper.hyperref == "none":
        assert pith_urls == set(), f"{where}: links without hyperref: {pith_urls}"
    else:
        expected = {BASE + PAPER_SUFFIX}
        if paper.bib:
            expected |= {BASE + r.suffix for r in REFERENCES if r.suffix}
        assert pith_urls == expected, f"{where}: links {pith_urls}"

    # Metadata and a clean log.
    assert result.info.get("PithNumber") == PAPER_FULL, f"{where}: info {result.info}"
    assert package_messages(result.log) == [], f"{where}: pith complained"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_paper_compiles_with_badges_links_and_metadata(tmp_path: Path, case: tuple[str, ...]) -> None:
    cls, engine, hyperref, bib, numbers_in = case
    paper = Paper(cls=cls, hyperref=hyperref, bib=bib, numbers_in=numbers_in)
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
    assert {c[0] for c in CASES} == set(CLASSES)
    assert {c[2] for c in CASES} == {"none", "before", "after", "class"}
    assert {"biblatex", "plain", "plainnat", "unsrt", "abbrvnat", "IEEEtran"} <= {c[3] for c in CASES}
