"""The TeX helpers themselves: loud skips, CI failures, no shell escape."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tex import TexError, compile_latex, package_messages, require_tex

MISSING = "pithtex-no-such-tex-program"


def test_missing_program_skips_loudly_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.warns(UserWarning, match=MISSING), pytest.raises(pytest.skip.Exception, match="SKIPPED LOUDLY"):
        require_tex(MISSING)


def test_missing_program_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=MISSING):
        require_tex(MISSING)


def test_present_programs_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    require_tex("sh")


@pytest.mark.tex
def test_no_shell_escape(tmp_path: Path) -> None:
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\\begin{document}\n\\immediate\\write18{touch shell-escaped}\nHello.\\end{document}\n",
        "utf-8",
    )
    result = compile_latex(tmp_path, "main.tex")
    assert not (tmp_path / "shell-escaped").exists()
    assert "Hello." in result.text


@pytest.mark.tex
def test_no_writing_outside_the_paper(tmp_path: Path) -> None:
    work = tmp_path / "paper"
    work.mkdir()
    (work / "main.tex").write_text(
        "\\documentclass{article}\\begin{document}\n"
        "\\newwrite\\w\\immediate\\openout\\w=../outside.txt \\immediate\\write\\w{x}\\immediate\\closeout\\w\n"
        "Hello.\\end{document}\n",
        "utf-8",
    )
    with pytest.raises(TexError, match="openout_any"):
        compile_latex(work, "main.tex")
    assert not (tmp_path / "outside.txt").exists()


@pytest.mark.tex
def test_failures_raise_with_the_log_tail(tmp_path: Path) -> None:
    (tmp_path / "main.tex").write_text("\\documentclass{article}\\begin{document}\\undefinedmacro\\end{document}\n")
    with pytest.raises(TexError, match="Undefined control sequence"):
        compile_latex(tmp_path, "main.tex")


def test_package_messages_reads_file_line_errors() -> None:
    log = (
        "./main.tex:4: Package pith Error: Invalid Pith Number `X' in \\pithnumber.\n"
        "Package pith Warning: something\n(pith)                on two lines.\n"
        "Package other Warning: not ours\n"
        "./refs.pith:1:  ==> Fatal error occurred, no output PDF file produced!\n"
    )
    found = package_messages(log)
    assert found == [
        "./main.tex:4: Package pith Error: Invalid Pith Number `X' in \\pithnumber.",
        "Package pith Warning: something\n(pith)                on two lines.",
    ]
