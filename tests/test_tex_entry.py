"""The .tex as the entry point: annotate, check, scan and resolve follow main.tex to its .bib files."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from tests.support.cli import run_cli as run
from tests.support.example import copy_example, offline_paper


REPO = Path(__file__).resolve().parent.parent
PN_A = "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"  # 2511.00066
SOURCES = ("main.tex", "refs.bib", "pith.lock", "pithtex.toml")


@pytest.fixture
def paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return offline_paper(tmp_path, monkeypatch, SOURCES, cwd=tmp_path)


def test_annotate_then_check_main_tex_alone(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "check", "paper/main.tex")
    assert code == 1
    assert "paper/refs.bib:5: vanngo2025sharpness: no pithnumber for arXiv:2511.00066" in err
    assert "pith.sty is missing" in err

    code, out, err = run(capsys, "annotate", "paper/main.tex")
    assert code == 0, err
    assert f"paper/refs.bib:5: vanngo2025sharpness: add pithnumber {PN_A}" in out
    assert (paper / "refs.bib").read_text().count("pithnumber") == 3
    assert (paper / "pith.sty").is_file() and (paper / "refs.pith").is_file()

    assert run(capsys, "check", "paper/main.tex") == (0, "", "")
    assert run(capsys, "annotate", "--check", "paper/main.tex")[0] == 0
    code, out, _ = run(capsys, "scan", "paper/main.tex", "--json")
    found = json.loads(out)
    assert {f["file"] for f in found["findings"]} == {"paper/refs.bib"}
    assert len(found["pithnumbers"]) == 4  # three in refs.bib, and main.tex's own (the example's self_id)


def test_check_stamp_covers_the_bib_files_main_tex_names(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "annotate", "paper/main.tex")[0] == 0
    assert run(capsys, "check", "paper/main.tex") == (0, "", "")  # a clean pass: stamped
    assert run(capsys, "check", "paper/main.tex") == (0, "", "")  # from the stamp
    bib = paper / "refs.bib"
    bib.write_text(bib.read_text().replace(PN_A, PN_A[:-1] + "E"))
    code, _out, err = run(capsys, "check", "paper/main.tex")
    assert code == 1 and "vanngo2025sharpness: pithnumber" in err and "is wrong" in err
    # annotate's stamp too
    code, out, _ = run(capsys, "annotate", "paper/main.tex")
    assert code == 0 and "correct pithnumber" in out


def test_check_stamp_sees_a_changed_input(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tex = paper / "main.tex"
    tex.write_text(tex.read_text().replace("\\bibliography{refs}", "\\input{sections/bib}"))
    (paper / "sections").mkdir()
    (paper / "sections" / "bib.tex").write_text("\\bibliography{refs}\n")  # refs.bib: beside main.tex
    assert run(capsys, "annotate", "paper/main.tex")[0] == 0
    assert run(capsys, "check", "paper/main.tex") == (0, "", "")
    (paper / "other.bib").write_text("@misc{x, eprint = {1706.03762}, archivePrefix = {arXiv}}\n")
    time.sleep(0.01)
    (paper / "sections" / "bib.tex").write_text("\\bibliography{refs,other}\n")
    code, _out, err = run(capsys, "check", "paper/main.tex")
    assert code == 1 and "paper/other.bib:1: x: arXiv:1706.03762 is not in pith.lock" in err


def test_a_missing_bib_is_one_line_with_file_and_line(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tex = paper / "main.tex"
    text = tex.read_text()
    tex.write_text(text.replace("\\bibliography{refs}", "\\bibliography{refs,gone}\n\\input{absent}"))
    line = text[: text.index("\\bibliography{refs}")].count("\n") + 1
    assert run(capsys, "annotate", "paper/main.tex")[0] == 1
    now = tex.read_text()  # annotate added the paper's own \pithnumber above it (the example's self_id)
    line = now[: now.index("\\bibliography{refs,gone}")].count("\n") + 1
    code, _out, err = run(capsys, "check", "paper/main.tex")
    assert code == 1
    assert f"paper/main.tex:{line}: \\bibliography{{refs,gone}}: paper/gone.bib: no such file\n" in err
    assert f"paper/main.tex:{line + 1}: \\input{{absent}}: no such file (tried " in err and "(warning)" in err
    assert "paper/refs.bib" not in err  # refs.bib was annotated all the same
    code, out, err = run(capsys, "scan", "paper/main.tex")
    assert code == 0 and "gone.bib: no such file" in err and "paper/refs.bib:9:" in out


def test_a_bib_named_and_followed_is_acted_on_once(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "annotate", "paper/refs.bib", "paper/main.tex")
    assert code == 0, err
    assert out.count("add pithnumber") == 3
    code, out, err = run(capsys, "resolve", "paper/main.tex")
    assert code == 0, err
    assert f"arXiv:2511.00066 -> {PN_A} (verified)" in out and out.count("(verified)") == 3


def test_biblatex_resources_and_the_tex_tree(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (paper / "bib").mkdir()
    shutil.move(paper / "refs.bib", paper / "bib" / "refs.bib")
    (paper / "main.tex").write_text(
        "\\documentclass{article}\n\\usepackage{biblatex}\n"
        "\\addbibresource{bib/refs.bib}\n\\addbibresource[location=remote]{https://example.org/x.bib}\n"
        "\\begin{document}\n\\nocite{*}\n\\printbibliography\n\\end{document}\n"
    )
    code, out, err = run(capsys, "annotate", "paper/main.tex")
    assert code == 0, err
    assert out.count("paper/bib/refs.bib:") == 3
    assert (paper / "bib" / "refs.pith").is_file()
    assert run(capsys, "check", "paper/main.tex") == (0, "", "")


def test_after_the_readme_first_command_check_main_tex_passes(tmp_path: Path) -> None:
    """The README's first command (its pithtex part; the install is this checkout), then check."""
    import os
    import re
    import shlex
    import subprocess
    import sys

    readme = (REPO / "README.md").read_text()
    first = re.search(r"```sh\n(.*?)\n", readme).group(1)
    steps = [shlex.split(part) for part in first.split("&&")]
    assert steps[0][:4] == ["python3", "-m", "pip", "install"]
    commands = [step for step in steps[1:] if step[:3] == ["python3", "-m", "pithtex"]]
    assert commands and commands[0][3:] == ["annotate", "examples/paper/main.tex"]
    repo = tmp_path / "repo"
    (repo / "examples" / "paper").mkdir(parents=True)
    (repo / ".git").mkdir()
    copy_example(repo / "examples" / "paper", (*SOURCES, "latexmkrc", "README.md"))
    env = dict(os.environ, PITHTEX_REGISTRY="http://127.0.0.1:9", XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("PITHTEX_TRUST_KEYS", None)
    env.pop("PITHTEX_CACHE_DIR", None)
    for step in commands:
        done = subprocess.run([sys.executable, *step[1:]], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    check = subprocess.run(
        [sys.executable, "-m", "pithtex", "check", "examples/paper/main.tex"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=120,
    )
    assert (check.returncode, check.stdout, check.stderr) == (0, "", "")


def test_a_chapter_passed_alone_is_not_followed(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """pre-commit passes every staged .tex: a chapter's \\bibliography{refs} means refs.bib beside the
    ROOT file, so only a file with \\documentclass is followed."""
    tex = paper / "main.tex"
    tex.write_text(tex.read_text().replace("\\bibliography{refs}", "\\input{sections/bib}"))
    (paper / "sections").mkdir()
    (paper / "sections" / "bib.tex").write_text("% \\documentclass{article}\n\\bibliography{refs}\n\\input{sections/x}\n")
    (paper / "sections" / "x.tex").write_text("")  # sections/x: relative to the root, as LaTeX reads it
    assert run(capsys, "annotate", "paper/main.tex")[0] == 0
    assert run(capsys, "check", "paper/sections/bib.tex") == (0, "", "")
    assert run(capsys, "check", "paper/sections/bib.tex", "paper/main.tex") == (0, "", "")
