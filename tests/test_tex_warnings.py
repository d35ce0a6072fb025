"""Never silent: each way a badge can go missing or a number be overridden
gives exactly one ``Package pith Warning`` that says what to do, and the
normal cases give none.  (No \\maketitle at all is in test_tex_titleblock.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.tex import (
    PAPER_BADGE,
    PAPER_FULL,
    REFERENCES,
    Paper,
    TexResult,
    compile_latex,
    flat_text,
    package_messages,
    render_sty_into,
    write_paper,
)

pytestmark = pytest.mark.tex

OTHER = "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"
NUMBERED = [r for r in REFERENCES if r.badge]


def _compile(workdir: Path, paper: Paper, edit=None, **kwargs) -> TexResult:
    main = write_paper(workdir, paper)
    if edit is not None:
        main.write_text(edit(main.read_text("utf-8")), "utf-8")
    return compile_latex(workdir, "main.tex", bib=paper.bib_tool, **kwargs)


def _line_of(source: str, text: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), start=1) if text in line)


def test_pithnumber_after_maketitle(tmp_path: Path) -> None:
    late = f"\\maketitle\n\\pithnumber{{{PAPER_FULL}}}"
    result = _compile(tmp_path, Paper(number=None), lambda s: s.replace("\\maketitle", late))
    messages = package_messages(result.log)
    assert len(messages) == 1, messages
    line = _line_of((tmp_path / "main.tex").read_text("utf-8"), "\\pithnumber")
    assert f"No badge under the title: \\pithnumber (line {line})" in messages[0]
    assert "comes after \\maketitle" in messages[0]
    assert "Move it before \\maketitle" in messages[0] and "\\pithbadge" in messages[0]
    assert PAPER_BADGE.lower() not in flat_text(result.text)
    assert result.info["PithNumber"] == PAPER_FULL  # the metadata does not need the title


def test_pithnumber_after_maketitle_then_pithbadge_is_fine(tmp_path: Path) -> None:
    late = f"\\maketitle\n\\pithnumber{{{PAPER_FULL}}}\\pithbadge"
    result = _compile(tmp_path, Paper(number=None), lambda s: s.replace("\\maketitle", late))
    assert package_messages(result.log) == []
    assert PAPER_BADGE.lower() in flat_text(result.text)


def test_pithnumber_given_twice(tmp_path: Path) -> None:
    paper = Paper(preamble=f"\\pithnumber{{{OTHER}}}")  # and then PAPER_FULL
    result = _compile(tmp_path, paper)
    messages = package_messages(result.log)
    assert len(messages) == 1, messages
    source = (tmp_path / "main.tex").read_text("utf-8")
    first = _line_of(source, OTHER)
    assert f"\\pithnumber is given twice, with {OTHER}" in messages[0]
    assert f"on line {first} and {PAPER_FULL} here; the second one is used" in messages[0]
    assert f"on input line {first + 1}." in messages[0]
    assert "Keep only the right \\pithnumber" in messages[0]
    assert result.info["PithNumber"] == PAPER_FULL
    text = flat_text(result.text)
    assert PAPER_BADGE.lower() in text and "pith:c7hzcgq4" not in text


def test_the_same_pithnumber_twice_is_fine(tmp_path: Path) -> None:
    result = _compile(tmp_path, Paper(preamble=f"\\pithnumber{{{PAPER_FULL}}}"))
    assert package_messages(result.log) == []


@pytest.fixture(scope="module")
def arxiv(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TexResult]:
    """A BibTeX paper built with refs.pith; then, as on arXiv, its sources
    with the .bbl but without refs.bib and refs.pith, compiled once more."""
    built = tmp_path_factory.mktemp("built")
    paper = Paper(bib="plainnat")
    full = _compile(built, paper)
    upload = tmp_path_factory.mktemp("upload")
    for name in ("main.tex", "main.bbl", "pith.sty"):
        shutil.copy(built / name, upload / name)
    bare = compile_latex(upload, "main.tex", runs=2)
    nobib = tmp_path_factory.mktemp("nobib")
    for name in ("main.tex", "main.bbl", "pith.sty"):
        shutil.copy(built / name, nobib / name)
    source = (nobib / "main.tex").read_text("utf-8").replace("\\usepackage{pith}", "\\usepackage[nobib]{pith}")
    (nobib / "main.tex").write_text(source, "utf-8")
    return {"full": full, "bare": bare, "nobib": compile_latex(nobib, "main.tex", runs=2)}


def test_bbl_without_refs_pith_says_so(arxiv: dict[str, TexResult]) -> None:
    full, bare = flat_text(arxiv["full"].text), flat_text(arxiv["bare"].text)
    assert all(r.badge.lower() in full for r in NUMBERED)
    assert not any(r.badge.lower() in bare for r in NUMBERED)
    assert package_messages(arxiv["full"].log) == []
    messages = package_messages(arxiv["bare"].log)
    assert len(messages) == 1, messages
    assert "No bibliography badges: refs.pith not found" in messages[0]
    assert "upload it with the sources" in messages[0] and "nobib" in messages[0]
    assert PAPER_BADGE.lower() in bare  # the title badge does not need refs.pith


def test_nobib_asks_for_no_pith_file(arxiv: dict[str, TexResult]) -> None:
    assert package_messages(arxiv["nobib"].log) == []


def test_pasted_bibliography_without_pithreadrefs_says_so(tmp_path: Path) -> None:
    render_sty_into(tmp_path)
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\n\\usepackage{pith}\n\\begin{document}\nText \\cite{a}.\n"
        "\\begin{thebibliography}{9}\n\\bibitem{a} A. Author. A title, 2026.\n\\end{thebibliography}\n"
        "\\end{document}\n",
        "utf-8",
    )
    messages = package_messages(compile_latex(tmp_path, "main.tex").log)
    assert len(messages) == 1, messages
    assert "No bibliography badges: no .pith file was read" in messages[0]
    assert "\\pithreadrefs{refs}" in messages[0]


def test_no_bibliography_no_number_no_warning(tmp_path: Path) -> None:
    result = _compile(tmp_path, Paper(number=None))
    assert package_messages(result.log) == []


def test_a_second_pithnumber_after_the_title_badge(tmp_path: Path) -> None:
    late = f"\\maketitle\n\\pithnumber{{{OTHER}}}"
    result = _compile(tmp_path, Paper(), lambda s: s.replace("\\maketitle", late))
    messages = package_messages(result.log)
    assert len(messages) == 1, messages
    assert "the title badge shows the first," in messages[0] and "the PDF metadata the second" in messages[0]
    assert result.info["PithNumber"] == OTHER
    assert PAPER_BADGE.lower() in flat_text(result.text)


def test_missing_pith_files_are_named_once_each(tmp_path: Path) -> None:
    render_sty_into(tmp_path)
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\n\\usepackage{pith}\n\\pithreadrefs{refs,more}\n\\pithreadrefs{refs}\n"
        "\\begin{document}\nText \\cite{a}.\n"
        "\\begin{thebibliography}{9}\n\\bibitem{a} A. Author. A title, 2026.\n\\end{thebibliography}\n"
        "\\end{document}\n",
        "utf-8",
    )
    messages = package_messages(compile_latex(tmp_path, "main.tex").log)
    assert len(messages) == 1, messages
    assert "No bibliography badges: refs.pith, more.pith not found" in messages[0]


def test_a_bib_without_arxiv_references_gets_an_empty_pith_file(tmp_path: Path) -> None:
    """No reference has a Pith Number: annotate writes refs.pith with its header only, so pith.sty
    has a .pith file to read and says nothing on each compile (before: 'refs.pith not found')."""
    import os
    import subprocess
    import sys

    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\n\\usepackage{pith}\n\\begin{document}\nText \\cite{knuth}.\n"
        "\\bibliographystyle{plain}\n\\bibliography{refs}\n\\end{document}\n",
        "utf-8",
    )
    (tmp_path / "refs.bib").write_text(
        "@book{knuth,\n  author = {Donald E. Knuth},\n  title = {The {\\TeX}book},\n  year = {1984},\n}\n", "utf-8"
    )
    render_sty_into(tmp_path)
    before = package_messages(compile_latex(tmp_path, "main.tex", bib="bibtex").log)
    assert len(before) == 1 and "No bibliography badges: refs.pith not found" in before[0], before

    env = {**os.environ, "PITHTEX_CACHE_DIR": str(tmp_path / "cache"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    pithtex = [sys.executable, "-m", "pithtex"]
    done = subprocess.run([*pithtex, "annotate", "main.tex", "--offline"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "refs.pith: create\n"), done.stderr
    lines = (tmp_path / "refs.pith").read_text("utf-8").splitlines()
    assert lines and all(line.startswith("% ") for line in lines)  # the header, no \pithref
    done = subprocess.run([*pithtex, "check", "main.tex"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert package_messages(compile_latex(tmp_path, "main.tex", bib="bibtex").log) == []
