"""write_field = false / --no-field: the .bib is never edited; pith.lock and refs.pith hold the numbers,
check checks those, and the badges come out of refs.pith with the real BibTeX and biber."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_cli as run
from tests.support.example import offline_paper

from tests.support.tex import compile_latex, pdf_text

REPO = Path(__file__).resolve().parent.parent
PN_A = "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"  # 2511.00066, key vanngo2025sharpness
PN_B = "pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE"  # 2606.01249, key gao2026trust
BADGES = ("pith:SPDDBVRN", "pith:3VRARFE3", "pith:C7HZCGQ4")


@pytest.fixture
def paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return offline_paper(tmp_path, monkeypatch, ("main.tex", "refs.bib", "pith.lock", "pithtex.toml"))


def test_no_field_leaves_the_bib_alone_and_check_reads_refs_pith(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = (paper / "refs.bib").read_bytes()
    code, out, err = run(capsys, "annotate", "--no-field", "main.tex")
    assert code == 0, err
    assert "refs.pith: create" in out and "add pithnumber" not in out
    assert (paper / "refs.bib").read_bytes() == original
    refs = (paper / "refs.pith").read_text()
    assert f"\\pithref{{vanngo2025sharpness}}{{{PN_A}}}" in refs
    assert run(capsys, "check", "--no-field", "main.tex") == (0, "", "")
    assert run(capsys, "annotate", "--no-field", "--check", "main.tex")[0] == 0
    assert run(capsys, "check", "main.tex")[0] == 1  # with the field: every entry lacks it

    # the same from the configuration file
    with (paper / "pithtex.toml").open("a") as handle:
        handle.write("write_field = false\n")
    assert run(capsys, "check", "main.tex") == (0, "", "")
    code, out, err = run(capsys, "annotate", "main.tex")
    assert (code, out) == (0, "") and err.startswith("pithtex: 0 added, 0 corrected")  # the summary line only
    assert (paper / "refs.bib").read_bytes() == original


def test_check_finds_a_stale_or_missing_refs_pith(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "annotate", "--no-field", "main.tex")[0] == 0
    assert run(capsys, "check", "--no-field", "main.tex")[0] == 0  # stamped: the edit below must still be seen
    refs = paper / "refs.pith"
    text = refs.read_text()
    refs.write_text(text.replace("gao2026trust", "gaoX").replace(PN_A, PN_A.replace("SPDD", "SPDE")))
    lines = refs.read_text().splitlines()
    gao = next(i for i, line in enumerate(lines, 1) if "gaoX" in line)
    van = next(i for i, line in enumerate(lines, 1) if "vanngo" in line)
    code, _out, err = run(capsys, "check", "--no-field", "main.tex")
    assert code == 1
    assert f"refs.pith: gao2026trust: missing, should be {PN_B} (run 'pithtex annotate')" in err
    assert f"refs.pith:{van}: vanngo2025sharpness: " in err and f"is wrong, should be {PN_A}" in err
    assert f"refs.pith:{gao}: gaoX: " in err and "no verified arXiv entry 'gaoX' in refs.bib" in err
    refs.unlink()
    code, _out, err = run(capsys, "check", "--no-field", "refs.bib")
    assert code == 1 and err.startswith("refs.pith: missing: with write_field = false")
    assert run(capsys, "annotate", "--no-field", "refs.bib")[0] == 0
    assert refs.read_text() == text


def test_a_field_the_generator_wrote_must_still_be_right(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bib = paper / "refs.bib"
    text = bib.read_text()
    # a Better BibTeX postscript added the field: right for one entry, wrong for another
    text = text.replace("@misc{vanngo2025sharpness,", f"@misc{{vanngo2025sharpness,\n  pithnumber = {{{PN_A}}},", 1)
    wrong = PN_B.replace("3VRA", "3VRB")
    text = text.replace("@article{gao2026trust,", f"@article{{gao2026trust,\n  pithnumber = {{{wrong}}},", 1)
    assert text.count("pithnumber") == 2, "the example's entry heads changed"
    bib.write_text(text)
    code, _out, err = run(capsys, "annotate", "--no-field", "main.tex")
    assert code == 1
    assert f"refs.bib:18: gao2026trust: pithnumber {wrong} is wrong: arXiv:2606.01249 is {PN_B}" in err
    assert "vanngo2025sharpness" not in err
    assert bib.read_text() == text  # still not edited
    code, _out, err = run(capsys, "check", "--no-field", "main.tex")
    assert code == 1 and err.count("is wrong") == 1


@pytest.mark.tex
@pytest.mark.slow
def test_badges_come_from_refs_pith_with_bibtex(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = (paper / "refs.bib").read_bytes()
    assert run(capsys, "annotate", "--no-field", "main.tex")[0] == 0
    result = compile_latex(paper, "main.tex", bib="bibtex")
    assert (paper / "refs.bib").read_bytes() == original and b"pithnumber" not in original
    text = pdf_text(result.pdf)
    for badge in BADGES:
        assert badge in text


@pytest.mark.tex
@pytest.mark.slow
def test_badges_come_from_refs_pith_with_biber(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (paper / "main.tex").write_text(
        "\\documentclass{article}\n\\usepackage{pith}\n\\usepackage[backend=biber]{biblatex}\n"
        "\\addbibresource{refs.bib}\n\\begin{document}\nx\\nocite{*}\n\\printbibliography\n\\end{document}\n"
    )
    original = (paper / "refs.bib").read_bytes()
    assert run(capsys, "annotate", "--no-field", "main.tex")[0] == 0
    assert (paper / "refs.pith").is_file() and (paper / "pith.sty").is_file()
    result = compile_latex(paper, "main.tex", bib="biber")
    assert (paper / "refs.bib").read_bytes() == original
    assert "pithnumber" not in (paper / "main.bbl").read_text()
    text = pdf_text(result.pdf)
    for badge in BADGES:
        assert badge in text
