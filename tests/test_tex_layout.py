"""The badge's typography and its (lack of) side effects on the layout.

The box is measured by TeX itself (one probe document, several fonts): 1.5pt
of room inside a 0.4pt frame, no vertical room at all, and the sans serif of
the surrounding size, one standard size smaller where that sans is bigger
than the text (Helvetica beside Times).  A biblatex-apa bibliography (DOIs
and hanging indents in narrow columns) gets no new over/underfull box."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.tex import Paper, TexResult, compile_latex, package_messages, render_sty_into, write_paper

pytestmark = pytest.mark.tex

FRAME = 2 * (1.5 + 0.4)  # padding and rule on either side, in pt

PROBE = r"""\documentclass{article}
%(fonts)s
\usepackage{pith}
\newcommand\probe[2]{%% name, font set-up
  \setbox0\hbox{#2\pithbadgeformat{pith:C7HZCGQ4}}%%
  \setbox2\hbox{#2\sffamily pith:C7HZCGQ4}%%
  \setbox4\hbox{#2\sffamily\fontsize{\pithsmaller}{1pt}\selectfont pith:C7HZCGQ4}%%
  \typeout{PROBE #1 |wd=\the\wd0|ht=\the\ht0|dp=\the\dp0|same=\the\wd2|smaller=\the\wd4
    |sht=\the\ht2|sdp=\the\dp2|smht=\the\ht4|smdp=\the\dp4|}}
\begin{document}
\def\pithsmaller{9}\probe{normal}{\normalsize}
\def\pithsmaller{8}\probe{small}{\small}
\def\pithsmaller{9}\probe{italic}{\normalsize\itshape}
x
\end{document}
"""

# times.sty: Times with Helvetica, as IEEEtran and REVTeX papers set them.
FONTS = {"cm": "", "times": "\\usepackage{times}"}


@pytest.fixture(scope="module")
def probes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, float]]]:
    out = {}
    for name, fonts in FONTS.items():
        workdir = tmp_path_factory.mktemp(f"probe-{name}")
        render_sty_into(workdir)
        (workdir / "main.tex").write_text(PROBE % {"fonts": fonts}, "utf-8")
        result = compile_latex(workdir, "main.tex")
        assert package_messages(result.log) == []
        assert "LaTeX Font Warning" not in result.log, "the badge asked for a font size that does not exist"
        out[name] = {
            m.group(1): {k: float(v) for k, v in re.findall(r"\|(\w+)=([\d.]+)pt", m.group(2))}
            for m in re.finditer(r"^PROBE (\w+) (.*)$", result.log, re.M)
        }
    return out


@pytest.mark.parametrize("size", ["normal", "small", "italic"])
def test_computer_modern_sans_keeps_the_text_size(probes, size: str) -> None:
    p = probes["cm"][size]
    assert p["wd"] == pytest.approx(p["same"] + FRAME, abs=0.01)
    assert (p["ht"], p["dp"]) == (p["sht"], p["sdp"])  # the frame takes no vertical room


@pytest.mark.parametrize("size", ["normal", "small", "italic"])
def test_helvetica_beside_times_is_one_size_smaller(probes, size: str) -> None:
    p = probes["times"][size]
    assert p["wd"] == pytest.approx(p["smaller"] + FRAME, abs=0.01)
    assert (p["ht"], p["dp"]) == (p["smht"], p["smdp"])
    assert p["smaller"] < p["same"]


def _bad_boxes(log: str) -> list[str]:
    return [re.sub(r"lines? \d+(--\d+)?", "", line) for line in log.splitlines() if line.startswith(("Overfull", "Underfull"))]


@pytest.fixture(scope="module")
def apa(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, TexResult]:
    out = {}
    for with_pith in (False, True):
        workdir = tmp_path_factory.mktemp("apa-with" if with_pith else "apa-without")
        paper = Paper(cls="twocolumn", bib="biblatex", numbers_in="bib", pith=with_pith, number=None)
        main = write_paper(workdir, paper)
        main.write_text(main.read_text("utf-8").replace("style=numeric", "style=apa"), "utf-8")
        bib = workdir / "refs.bib"
        bib.write_text(bib.read_text("utf-8").replace("pages = {1--9},", "pages = {1--9},\n  doi = {10.1234/abcd.2026.12345},"), "utf-8")
        out[with_pith] = compile_latex(workdir, "main.tex", bib="biber")
    return out


def test_biblatex_apa_badges_add_no_bad_boxes(apa: dict[bool, TexResult]) -> None:
    text = apa[True].text
    assert "pith:C7HZCGQ4" in text and "pith:3VRARFE3" in text
    assert "10.1234/abcd.2026.12345" in text
    assert package_messages(apa[True].log) == []
    assert _bad_boxes(apa[True].log) == _bad_boxes(apa[False].log)
    assert apa[True].text.count("\f") == apa[False].text.count("\f")


def _positions(result: TexResult) -> list[tuple[int, float, float, str]]:
    from tests.support.tex import pdf_words

    return [(w.page, round(w.x0, 2), round(w.y0, 2), w.text) for w in pdf_words(result.pdf)[0]]


def _pair(tmp_path: Path, paper: Paper, **kwargs) -> dict[bool, TexResult]:
    """The paper with pith and a number, and with neither."""
    out = {}
    for with_pith in (False, True):
        workdir = tmp_path / ("with" if with_pith else "without")
        p = Paper(**{**paper.__dict__, "pith": with_pith, "number": paper.number if with_pith else None})
        write_paper(workdir, p)
        out[with_pith] = compile_latex(workdir, "main.tex", bib=p.bib_tool, **kwargs)
    return out


def test_bibliography_badges_take_no_vertical_room(tmp_path: Path) -> None:
    """IEEEtran's bibliography (badges at the ends of entries): with the title
    badge off, every word is exactly where it is without pith."""
    both = _pair(tmp_path, Paper(cls="IEEEtran", bib="IEEEtran", pith_options="nobadge"))
    badged = [p for p in _positions(both[True]) if not p[3].startswith("pith:")]
    assert len(badged) < len(_positions(both[True])), "no bibliography badges"
    assert badged == _positions(both[False])


def test_title_badge_moves_what_follows_by_its_own_height(tmp_path: Path) -> None:
    """article: everything above the badge stays, everything below it moves
    down by one and the same amount, the height of one small line and a
    medskip (a little under 20pt), and nothing else changes."""
    both = _pair(tmp_path, Paper())
    plain = _positions(both[False])
    badged = [p for p in _positions(both[True]) if not p[3].startswith("pith:")]
    assert [(p[0], p[1], p[3]) for p in badged] == [(p[0], p[1], p[3]) for p in plain]
    shifts = sorted({round(b[2] - a[2], 1) for a, b in zip(plain, badged)})
    assert shifts[0] == 0.0 and len(shifts) == 2 and 10 < shifts[1] < 20, shifts
