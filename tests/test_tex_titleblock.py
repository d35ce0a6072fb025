"""Where the title badge lands, read from the page with ``pdftotext -bbox``:
inside REVTeX's two-column title block, above the title in acmart sigconf
(where it takes no room, so the columns flow exactly as without pith), and
where the author puts \\pithbadge in an ICML-style \\twocolumn[...] title
block, which has no \\maketitle (without \\pithbadge, pith says so)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.tex import (
    BODY_MARK,
    PAPER_BADGE,
    PAPER_FULL,
    Paper,
    TexResult,
    Word,
    compile_latex,
    package_messages,
    pdf_words,
    render_sty_into,
    write_paper,
)

pytestmark = pytest.mark.tex

LONG_BODY = r"\lipsum[1-6] "


def _with_long_body(main: Path) -> None:
    """Enough text to fill both columns of the first page."""
    source = main.read_text("utf-8")
    source = source.replace(r"\begin{document}", "\\usepackage{lipsum}\n\\begin{document}", 1)
    main.write_text(source.replace("Some words of text here. ", LONG_BODY, 1), "utf-8")


def _one(words: list[Word], text: str, page: int = 1) -> Word:
    found = [w for w in words if w.page == page and w.text == text]
    assert len(found) == 1, f"{text!r} on page {page}: {found}"
    return found[0]


def _lines_of(words: list[Word], *texts: str) -> float:
    """The bottom of the lowest of the given words (page 1)."""
    return max(_one(words, t).y1 for t in texts)


@pytest.mark.parametrize("options", ["aps,reprint", "aps,prl,twocolumn"])
def test_revtex_two_column_badge_is_in_the_title_block(tmp_path: Path, options: str) -> None:
    paper = Paper(cls="revtex4-2", class_options=options)
    _with_long_body(write_paper(tmp_path, paper))
    result = compile_latex(tmp_path, "main.tex")
    assert package_messages(result.log) == []
    assert result.info["PithNumber"] == PAPER_FULL
    words, width = pdf_words(result.pdf)
    badge = _one(words, PAPER_BADGE)
    # Centred on the page (the title block spans both columns) ...
    assert abs(badge.xmid - width / 2) < 3, (badge, width)
    # ... under the title and the author, above the abstract ...
    assert badge.y0 > _lines_of(words, "Shaping", "Yarrow", "Institute")
    abstract = _one(words, "abstract")
    assert badge.y1 < abstract.y0
    # ... and above both columns.
    body = _one(words, BODY_MARK)
    right = [w for w in words if w.page == 1 and w.x0 > width / 2 + 5 and w.y0 > abstract.y1]
    assert right, "the right column is empty: the test text is too short"
    assert badge.y1 < body.y0 and badge.y1 < min(w.y0 for w in right)
    assert body.x1 < width / 2 < min(w.x0 for w in right)


def _bad_boxes(log: str) -> list[str]:
    return [re.sub(r"lines? \d+(--\d+)?", "", line) for line in log.splitlines() if line.startswith(("Overfull", "Underfull"))]


def test_acmart_sigconf_badge_takes_no_room(tmp_path: Path) -> None:
    """Two pages of sigconf, with and without the badge: every word where it
    was, the same over/underfull boxes (acmart's column balancing included)."""
    results: dict[bool, TexResult] = {}
    for with_pith in (False, True):
        workdir = tmp_path / ("with" if with_pith else "without")
        paper = Paper(cls="acmart", hyperref="class", pith=with_pith, number=PAPER_FULL if with_pith else None)
        main = write_paper(workdir, paper)
        source = main.read_text("utf-8").replace("Some words of text here. ", r"\lipsum[1-9] ", 1)
        main.write_text(source.replace(r"\begin{document}", "\\usepackage{lipsum}\n\\begin{document}", 1), "utf-8")
        results[with_pith] = compile_latex(workdir, "main.tex")
    plain, badged = (pdf_words(results[k].pdf)[0] for k in (False, True))
    assert max(w.page for w in plain) >= 2, "the test text should run to a second page"
    assert [w for w in badged if w.text != PAPER_BADGE] == plain
    assert _bad_boxes(results[True].log) == _bad_boxes(results[False].log)
    assert package_messages(results[True].log) == []
    assert results[True].info["PithNumber"] == PAPER_FULL
    words, width = pdf_words(results[True].pdf)
    badge = _one(words, PAPER_BADGE)
    assert abs(badge.xmid - width / 2) < 3
    assert 0 < badge.y1 < _one(words, "Sharpness-Guided").y0


ICML = r"""\documentclass{article}
\usepackage{lipsum}
\usepackage{pith}
\usepackage{hyperref}
\pithnumber{%(number)s}
\begin{document}
\twocolumn[{\centering
  {\LARGE An ICML-Style Title Block\par}\vskip 1ex
  Ada Yarrow\par
  %(badge)s
  \vskip 2ex}]
Bodystart of the paper. \lipsum[1-4]
\end{document}
"""


@pytest.fixture(scope="module")
def icml(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TexResult]:
    """The same ICML-style paper with \\pithbadge in its title block, and without."""
    out = {}
    for name, badge in (("placed", r"\pithbadge\par"), ("unplaced", "")):
        workdir = tmp_path_factory.mktemp(f"icml-{name}")
        render_sty_into(workdir)
        (workdir / "main.tex").write_text(ICML % {"number": PAPER_FULL, "badge": badge}, "utf-8")
        out[name] = compile_latex(workdir, "main.tex")
    return out


def test_no_maketitle_and_no_pithbadge_is_said(icml: dict[str, TexResult]) -> None:
    result = icml["unplaced"]
    messages = package_messages(result.log)
    assert len(messages) == 1, messages
    assert "No badge under the title: the document has no" in messages[0]
    assert "\\maketitle" in messages[0] and "Put \\pithbadge" in messages[0]
    assert PAPER_BADGE not in result.text
    assert result.info["PithNumber"] == PAPER_FULL


def test_pithbadge_in_a_twocolumn_title_block(icml: dict[str, TexResult]) -> None:
    result = icml["placed"]
    assert package_messages(result.log) == []
    words, width = pdf_words(result.pdf)
    badge = _one(words, PAPER_BADGE)
    assert abs(badge.xmid - width / 2) < 3
    assert badge.y0 > _lines_of(words, "Title", "Yarrow")
    body = [w for w in words if w.page == 1 and w.y0 > badge.y1]
    assert _one(words, BODY_MARK) in body
    assert any(w.x0 > width / 2 for w in body), "the right column should start under the badge"
    assert [w for w in words if w.page == 1 and w.y1 > badge.y0 and w.y0 < badge.y1] == [badge]
    assert "https://pith.science/pith/" + PAPER_FULL.rsplit(":", 1)[1] in result.urls


@pytest.mark.parametrize("options", ["acmsmall", "sigchi-a"])
def test_acmart_one_column_formats_badge_after_the_authors(tmp_path: Path, options: str) -> None:
    """acmsmall: under the authors, above the abstract; sigchi-a (whose top
    matter is set apart from \\mktitle@bx): after \\maketitle.  Never lost."""
    from tests.support.tex import flat_text

    paper = Paper(cls="acmart", hyperref="class", class_options=options)
    write_paper(tmp_path, paper)
    result = compile_latex(tmp_path, "main.tex")
    assert package_messages(result.log) == []
    text = flat_text(result.text)
    assert text.count(PAPER_BADGE.lower()) == 1
    assert text.find("yarrow") < text.find(PAPER_BADGE.lower()) < text.find(BODY_MARK.lower())
    if options == "acmsmall":
        assert text.find(PAPER_BADGE.lower()) < text.find("an abstract of the paper")
