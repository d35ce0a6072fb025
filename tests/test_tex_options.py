"""The options authors will want, and the odd places a number may come from.

Each test compiles a real paper (pdfLaTeX unless the point is another engine)
and checks what changed in the PDF: text, links, metadata.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.tex import (
    BODY_MARK,
    PAPER_BADGE,
    PAPER_FULL,
    PAPER_SUFFIX,
    REFERENCES,
    Paper,
    compile_latex,
    flat_text,
    package_messages,
    require_tex,
    write_paper,
)

pytestmark = pytest.mark.tex

NUMBERED = [r for r in REFERENCES if r.number]


def _compile(tmp_path: Path, paper: Paper, engine: str = "pdflatex"):
    write_paper(tmp_path, paper)
    result = compile_latex(tmp_path, "main.tex", engine=engine, bib=paper.bib_tool)
    assert package_messages(result.log) == []
    return result


def test_nobadge_keeps_metadata_and_bibliography(tmp_path: Path) -> None:
    result = _compile(tmp_path, Paper(bib="plain", pith_options="nobadge"))
    text = flat_text(result.text)
    assert PAPER_BADGE.lower() not in text
    assert all(r.badge.lower() in text for r in NUMBERED)
    assert result.info["PithNumber"] == PAPER_FULL


def test_nolink_prints_badges_without_links(tmp_path: Path) -> None:
    result = _compile(tmp_path, Paper(bib="plain", pith_options="link=false"))
    assert PAPER_BADGE.lower() in flat_text(result.text)
    assert [u for u in result.urls if "pith" in u] == []


def test_display_full_and_base_url(tmp_path: Path) -> None:
    paper = Paper(bib="plain", pith_options="display=full,base=https://mirror.example.org/")
    result = _compile(tmp_path, paper)
    text = flat_text(result.text)
    assert PAPER_FULL.lower() in text
    assert all(r.number.lower() in text for r in NUMBERED)
    pith_urls = {u for u in result.urls if "/pith/" in u}
    assert pith_urls == {f"https://mirror.example.org/pith/{s}" for s in [PAPER_SUFFIX, *(r.suffix for r in NUMBERED)]}


def test_nobib_leaves_the_bibliography_alone(tmp_path: Path) -> None:
    result = _compile(tmp_path, Paper(bib="plainnat", pith_options="bib=false"))
    text = flat_text(result.text)
    assert PAPER_BADGE.lower() in text
    assert not any(r.badge.lower() in text for r in NUMBERED)


def test_metadata_false(tmp_path: Path) -> None:
    result = _compile(tmp_path, Paper(pith_options="metadata=false"))
    assert "PithNumber" not in result.info
    assert PAPER_BADGE.lower() in flat_text(result.text)


def test_color_none_loads_no_colour_package(tmp_path: Path) -> None:
    result = _compile(tmp_path, Paper(hyperref="none", pith_options="color=none"))
    assert "color.sty" not in result.log
    assert PAPER_BADGE.lower() in flat_text(result.text)


def test_xcolor_colour_name_and_pithsetup(tmp_path: Path) -> None:
    paper = Paper(preamble="\\usepackage[dvipsnames]{xcolor}\n\\pithsetup{color=OliveGreen, display=full}")
    result = _compile(tmp_path, paper)
    assert PAPER_FULL.lower() in flat_text(result.text)


def test_pithbadge_by_hand_replaces_the_automatic_badge(tmp_path: Path) -> None:
    paper = Paper(preamble=r"\AtBeginDocument{\pithbadge\par}")
    result = _compile(tmp_path, paper)
    text = flat_text(result.text)
    assert text.count(PAPER_BADGE.lower()) == 1
    assert text.find(PAPER_BADGE.lower()) < text.find("group relative policy")


def test_number_in_the_body_with_an_active_colon(tmp_path: Path) -> None:
    """babel-french makes ':' active in the body; the number still parses (dvips route:
    the metadata goes into the first page shipped after \\pithnumber)."""
    paper = Paper(number=None, hyperref="after")
    write_paper(tmp_path, paper)
    main = tmp_path / "main.tex"
    source = main.read_text("utf-8").replace(
        "\\maketitle",
        "\\catcode`\\:=\\active \\def:{\\string:}\n" + rf"\pithnumber{{{PAPER_FULL}}}" + "\n\\maketitle",
    )
    main.write_text(source, "utf-8")
    for engine in ("pdflatex", "latex"):
        result = compile_latex(tmp_path, "main.tex", engine=engine)
        assert result.info["PithNumber"] == PAPER_FULL, engine
        assert PAPER_BADGE.lower() in flat_text(result.text)


def test_hyperxmp_carries_the_number_in_xmp(tmp_path: Path) -> None:
    require_tex("pdfinfo")
    paper = Paper(hyperref="after", preamble=r"\usepackage{hyperxmp}")
    result = _compile(tmp_path, paper)
    xmp = subprocess.run(["pdfinfo", "-meta", str(result.pdf)], capture_output=True, text=True, check=True).stdout
    assert "dc:identifier" in xmp and PAPER_FULL in xmp
    assert result.info["PithNumber"] == PAPER_FULL


def test_pdfmanagement_document_metadata(tmp_path: Path) -> None:
    """\\DocumentMetadata (the LaTeX PDF management): the entry goes through its Info API."""
    paper = Paper(hyperref="after")
    write_paper(tmp_path, paper)
    main = tmp_path / "main.tex"
    main.write_text("\\DocumentMetadata{}\n" + main.read_text("utf-8"), "utf-8")
    result = compile_latex(tmp_path, "main.tex")
    assert result.info["PithNumber"] == PAPER_FULL
    assert package_messages(result.log) == []
    text = flat_text(result.text)
    assert text.find(PAPER_BADGE.lower()) < text.find(BODY_MARK.lower())


def test_pithbadge_in_a_section_title_keeps_bookmarks_clean(tmp_path: Path) -> None:
    """hyperref turns section titles into bookmarks: \\pithbadge drops out there, silently."""
    paper = Paper(hyperref="after", pith_options="nobadge")
    main = write_paper(tmp_path, paper)
    main.write_text(main.read_text("utf-8").replace("\\maketitle", "\\maketitle\n\\section{Results \\pithbadge}"), "utf-8")
    result = compile_latex(tmp_path, "main.tex", runs=2)
    assert [line for line in result.log.splitlines() if "Warning" in line and "Citation" not in line and "undefined references" not in line] == []
    assert "results " + PAPER_BADGE.lower() in flat_text(result.text)
