"""\\usepackage{pith} and \\pithnumber{...} go into the preamble once, in the right place."""

from __future__ import annotations

import difflib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pithtex.scan.texclean import blank_non_text
from pithtex.write.texedit import TexEditError, analyse_preamble, ensure_pith_preamble, same_number

SUFFIX = "C7HZCGQ4XG57XBILJLQGM22JGT"
OTHER = "SPDDBVRNS36U3W2AYSQMMOTDSD"

PAPER = r"""\documentclass[11pt]{article}
% \usepackage{pith}   <- commented out: does not count
\usepackage{amsmath}
\iffalse
\usepackage{pith}
\pithnumber{AAAA}
\fi
\usepackage[colorlinks]{hyperref} % links
\title{X}
\begin{document}
\usepackage{notpreamble}
\maketitle
\end{document}
"""


def test_adds_both_lines_after_the_last_usepackage() -> None:
    edit = ensure_pith_preamble(PAPER, SUFFIX)
    assert edit.added_package and edit.added_number and edit.existing is None
    assert edit.text == PAPER.replace(
        "% links\n", f"% links\n\\usepackage{{pith}}\n\\pithnumber{{{SUFFIX}}}\n"
    )
    again = ensure_pith_preamble(edit.text, SUFFIX)
    assert again.text == edit.text and not again.added_package and not again.added_number


def test_without_usepackage_goes_after_documentclass_with_crlf() -> None:
    text = "\\documentclass{article}\r\n\\begin{document}\r\nx\r\n\\end{document}"
    edit = ensure_pith_preamble(text, SUFFIX)
    assert edit.text == (
        f"\\documentclass{{article}}\r\n\\usepackage{{pith}}\r\n\\pithnumber{{{SUFFIX}}}\r\n"
        "\\begin{document}\r\nx\r\n\\end{document}"
    )


def test_existing_package_in_a_list_gets_only_the_number() -> None:
    text = "\\documentclass{article}\n\\usepackage{amsmath, pith}\n\\usepackage{xcolor}\n\\begin{document}\n\\end{document}\n"
    edit = ensure_pith_preamble(text, SUFFIX)
    assert not edit.added_package and edit.added_number
    assert edit.text.splitlines()[2] == f"\\pithnumber{{{SUFFIX}}}"


def test_wrong_number_is_reported_and_fixed_only_on_request() -> None:
    text = f"\\documentclass{{article}}\n\\usepackage{{pith}}\n\\pithnumber{{pith:2025:{OTHER}}}\n\\begin{{document}}\n\\end{{document}}\n"
    edit = ensure_pith_preamble(text, SUFFIX)
    assert edit.text == text and edit.existing is not None and edit.existing.line == 3
    assert edit.existing.value == f"pith:2025:{OTHER}"
    fixed = ensure_pith_preamble(text, SUFFIX, replace=True)
    assert fixed.replaced_number
    assert fixed.text == text.replace(f"pith:2025:{OTHER}", SUFFIX)


def test_right_number_in_full_form_is_accepted() -> None:
    text = f"\\documentclass{{article}}\n\\usepackage{{pith}}\n\\pithnumber{{pith:2026:{SUFFIX}}}\n\\begin{{document}}\n\\end{{document}}\n"
    edit = ensure_pith_preamble(text, SUFFIX, replace=True)
    assert edit.text == text and not edit.replaced_number


def test_not_a_root_file() -> None:
    with pytest.raises(TexEditError, match="documentclass"):
        ensure_pith_preamble("\\section{Intro}\n", SUFFIX)
    with pytest.raises(TexEditError, match="begin\\{document\\}"):
        ensure_pith_preamble("\\documentclass{article}\n", SUFFIX)


def test_two_numbers_are_an_error() -> None:
    text = f"\\documentclass{{article}}\n\\usepackage{{pith}}\n\\pithnumber{{{SUFFIX}}}\n\\pithnumber{{{OTHER}}}\n\\begin{{document}}\n"
    with pytest.raises(TexEditError, match="2 times"):
        ensure_pith_preamble(text, SUFFIX)


def test_mask_keeps_escaped_percent_and_length() -> None:
    text = "a\\%b % c\n\\\\% d\n\\iffalse x \\ifx y\\fi z\\fi w\n\\begin{comment}\nq\n\\end{comment}\nend"
    masked = blank_non_text(text)  # what analyse_preamble looks through
    assert len(masked) == len(text)
    assert masked.splitlines()[0] == "a\\%b    "
    assert masked.splitlines()[1] == "\\\\   "
    assert masked.splitlines()[2].strip() == "w"
    assert "q" not in masked and masked.endswith("end")


def test_preamble_masking_is_the_scans() -> None:
    """analyse_preamble looks through scan.texclean's masking: \\newif\\iffoo in a skipped \\iffalse opens
    nothing, \\iff is not a conditional, and a verbatim \\usepackage{pith} is not live."""
    head, tail = "\\documentclass{article}\n", "\\usepackage{pith}\n\\begin{document}\n"
    assert analyse_preamble(head + "\\iffalse\n\\newif\\iffoo\n\\fi\n" + tail).pith_package_end is not None
    assert analyse_preamble(head + "\\iffalse $a \\iff b$ \\fi\n" + tail).pith_package_end is not None
    verbatim = head + "\\begin{verbatim}\n\\usepackage{pith}\n\\end{verbatim}\n\\begin{document}\n"
    assert analyse_preamble(verbatim).pith_package_end is None


def test_same_number() -> None:
    assert same_number(f"pith:2026:{SUFFIX}", SUFFIX)
    assert not same_number(f"pith:2025:{SUFFIX}", f"pith:2026:{SUFFIX}")
    assert not same_number("garbage", SUFFIX)


def test_analyse_multiline_documentclass() -> None:
    text = "\\documentclass[\n  a4paper,\n]{article}\n\\begin{document}\n"
    pre = analyse_preamble(text)
    assert text[pre.documentclass_end - 1] == "}" and pre.last_usepackage_end is None


PREAMBLE_LINES = [
    "\\usepackage{amsmath}", "% \\usepackage{pith}", "\\usepackage[utf8]{inputenc}", "\\title{Caf\u00e9}",
    "\\newcommand{\\x}{y} % 50\\% off", "", "\\iffalse \\pithnumber{X} \\fi", "\\author{\u00c9mile}",
    "\\usepackage{hyperref}",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(PREAMBLE_LINES), max_size=8),
    st.lists(st.sampled_from(PREAMBLE_LINES), max_size=4),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_round_trip(before: list[str], after: list[str], newline: str, final_newline: bool) -> None:
    lines = ["\\documentclass{article}", *before, "\\begin{document}", *after, "\\end{document}"]
    text = newline.join(lines) + (newline if final_newline else "")
    edit = ensure_pith_preamble(text, SUFFIX)
    out = edit.text
    # removing the inserted lines gives back the original exactly
    new_lines = out.splitlines(keepends=True)
    old_lines = text.splitlines(keepends=True)
    inserted = [
        new_lines[j1:j2]
        for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes()
        if tag != "equal"
    ]
    assert all(tag_lines for tag_lines in inserted)
    assert sum(len(chunk) for chunk in inserted) == len(new_lines) - len(old_lines) == 2
    assert {line.rstrip("\r\n") for chunk in inserted for line in chunk} == {"\\usepackage{pith}", f"\\pithnumber{{{SUFFIX}}}"}
    assert "".join(l for l in new_lines if l.rstrip("\r\n") not in ("\\usepackage{pith}", f"\\pithnumber{{{SUFFIX}}}")) == text
    assert ensure_pith_preamble(out, SUFFIX).text == out
    if newline == "\r\n":
        assert out.count("\n") == out.count("\r\n")
    out.encode("latin-1")
    # inserted before \begin{document}, after the last active \usepackage
    added = out.index(newline + "\\usepackage{pith}" + newline)
    assert added < out.index("\\begin{document}")
    if "\\usepackage{hyperref}" in before:
        assert out.index("\\usepackage{hyperref}") < added
