"""Bad Pith Numbers stop the run with a LaTeX error that names the bad value;
good ones in all their accepted spellings pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tex import (
    PAPER_FULL,
    PAPER_SUFFIX,
    TexError,
    compile_latex,
    package_messages,
    pdf_info_custom,
    render_sty_into,
)

pytestmark = pytest.mark.tex


def _doc(preamble: str, body: str = r"\maketitle Text.") -> str:
    return (
        "\\documentclass{article}\n\\usepackage{hyperref}\n\\usepackage{pith}\n"
        f"{preamble}\n\\title{{A Title}}\\author{{Ada}}\\date{{}}\n"
        f"\\begin{{document}}\n{body}\n\\end{{document}}\n"
    )


def _compile_expecting_error(tmp_path: Path, source: str) -> str:
    render_sty_into(tmp_path)
    (tmp_path / "main.tex").write_text(source, encoding="utf-8")
    with pytest.raises(TexError):
        compile_latex(tmp_path, "main.tex")
    return (tmp_path / "main.log").read_text("latin-1")


BAD_NUMBERS = [
    "C7HZCGQ4",  # the short form's prefix, not a number
    "pith:C7HZCGQ4",  # the short form
    "c7hzcgq4xg57xbiljlqgm22jgt",  # lower case
    "C7HZCGQ4XG57XBILJLQGM22JG1",  # 1 is not base32
    "C7HZCGQ4XG57XBILJLQGM22JGTA",  # 27 characters
    "pith:26:C7HZCGQ4XG57XBILJLQGM22JGT",  # two-digit year
    "pith:2026-C7HZCGQ4XG57XBILJLQGM22JGT",
    "arXiv:2602.19327",
    "C7HZ CGQ4XG57XBILJLQGM22JGT",  # inner space
]

#: Full forms whose year cannot be a year of submission (pithtex: 1991-2999).
BAD_YEARS = ["pith:0000:C7HZCGQ4XG57XBILJLQGM22JGT", "pith:1990:C7HZCGQ4XG57XBILJLQGM22JGT", "pith:3000:C7HZCGQ4XG57XBILJLQGM22JGT"]


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_invalid_pithnumber_is_an_error_naming_the_value(tmp_path: Path, bad: str) -> None:
    log = _compile_expecting_error(tmp_path, _doc(rf"\pithnumber{{{bad}}}"))
    errors = package_messages(log, kinds=("Error",))
    assert errors, log[-2000:]
    assert f"Invalid Pith Number `{bad}' in \\pithnumber" in errors[0]


@pytest.mark.parametrize("bad", BAD_YEARS)
def test_a_year_that_cannot_be_a_pith_year_is_an_error(tmp_path: Path, bad: str) -> None:
    log = _compile_expecting_error(tmp_path, _doc(rf"\pithnumber{{{bad}}}"))
    errors = package_messages(log, kinds=("Error",))
    assert errors, log[-2000:]
    year = bad.split(":")[1]
    assert f"Invalid Pith Number `{bad}' in \\pithnumber: the year {year} is not a year of submission (1991-2999)" in errors[0]


def test_invalid_number_in_the_body_is_reported_too(tmp_path: Path) -> None:
    log = _compile_expecting_error(tmp_path, _doc("", r"\pithnumber{NOPE}\maketitle Text."))
    assert "Invalid Pith Number `NOPE'" in "\n".join(package_messages(log))


def test_invalid_number_in_a_pith_file_names_the_reference(tmp_path: Path) -> None:
    (tmp_path / "refs.pith").write_text("\\pithref{my_key:1}{pith:2026:TOOSHORT}\n", encoding="utf-8")
    log = _compile_expecting_error(tmp_path, _doc(r"\pithreadrefs{refs}"))
    assert "Invalid Pith Number `pith:2026:TOOSHORT' for reference `my_key:1'" in "\n".join(package_messages(log))


def test_pithbadge_without_a_number_is_an_error(tmp_path: Path) -> None:
    log = _compile_expecting_error(tmp_path, _doc("", r"\pithbadge"))
    assert "\\pithbadge needs a Pith Number" in "\n".join(package_messages(log))


@pytest.mark.parametrize("option,message", [("display=long", "takes short or full"), ("link=maybe", "takes true or false")])
def test_bad_option_values_are_errors(tmp_path: Path, option: str, message: str) -> None:
    source = _doc("").replace(r"\usepackage{pith}", rf"\usepackage[{option}]{{pith}}")
    log = _compile_expecting_error(tmp_path, source)
    assert message in "\n".join(package_messages(log))


@pytest.mark.parametrize(
    "given,info",
    [
        (PAPER_FULL, PAPER_FULL),
        (PAPER_SUFFIX, PAPER_SUFFIX),  # the suffix alone carries no year
        (f"  {PAPER_FULL} ", PAPER_FULL),  # surrounding spaces are fine
        (f"pith:1991:{PAPER_SUFFIX}", f"pith:1991:{PAPER_SUFFIX}"),  # the first and last Pith years
        (f"pith:2999:{PAPER_SUFFIX}", f"pith:2999:{PAPER_SUFFIX}"),
        (r"\mynumber", PAPER_FULL),  # a macro holding the number
    ],
)
def test_accepted_spellings(tmp_path: Path, given: str, info: str) -> None:
    render_sty_into(tmp_path)
    preamble = rf"\newcommand\mynumber{{{PAPER_FULL}}}" + "\n" + rf"\pithnumber{{{given}}}"
    (tmp_path / "main.tex").write_text(_doc(preamble), encoding="utf-8")
    result = compile_latex(tmp_path, "main.tex")
    assert pdf_info_custom(result.pdf)["PithNumber"] == info
    assert package_messages(result.log) == []
    assert f"pith:{PAPER_SUFFIX[:8]}" in result.text
