"""The example paper's latexmkrc with the real latexmk: annotate offline, compile, then nothing to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.example import copy_example
from tests.support.tex import _tex_env, pdf_info_custom, pdf_text, require_tex

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("main.tex", "refs.bib", "pith.lock", "pithtex.toml", "latexmkrc")

pytestmark = [pytest.mark.tex, pytest.mark.slow]


def latexmk(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["latexmk", "-pdf", "-interaction=nonstopmode", "main.tex"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )


def test_latexmk_annotates_compiles_and_does_not_loop(tmp_path: Path) -> None:
    require_tex("latexmk", "pdflatex", "bibtex", "pdftotext")
    paper = tmp_path / "paper"
    paper.mkdir()
    (tmp_path / ".git").mkdir()  # the paper's repository root: config search stops here
    copy_example(paper, SOURCES)
    env = _tex_env()
    env.update(
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        PITHTEX_REGISTRY="http://127.0.0.1:9",  # a closed port: the lock must be enough
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    assert "pithnumber" not in (paper / "refs.bib").read_text()

    first = latexmk(paper, env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    bib = (paper / "refs.bib").read_text()
    assert bib.count("pithnumber") == 3
    assert (paper / "pith.sty").exists() and (paper / "refs.pith").exists()
    text = pdf_text(paper / "main.pdf")
    for short in ("pith:SPDDBVRN", "pith:3VRARFE3", "pith:C7HZCGQ4"):
        assert short in text
    # every feature a reader looks for: the title badge (self_id), the bibliography badges, the metadata
    assert "\\pithnumber{C7HZCGQ4XG57XBILJLQGM22JGT}" in (paper / "main.tex").read_text()
    assert text.count("pith:C7HZCGQ4") == 2  # after the title, and in the bibliography
    assert pdf_info_custom(paper / "main.pdf")["PithNumber"] == "C7HZCGQ4XG57XBILJLQGM22JGT"
    check = subprocess.run([sys.executable, "-m", "pithtex", "check", "main.tex", "refs.bib"], cwd=paper, env=env,
                           capture_output=True, text=True, timeout=120)
    assert (check.returncode, check.stderr) == (0, "")

    stamps = {p.name: p.stat().st_mtime_ns for p in paper.iterdir()}
    second = latexmk(paper, env)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    log = second.stdout + second.stderr
    assert "Nothing to do" in log or "All targets" in log and "up-to-date" in log
    assert "Run number" not in log  # no engine run at all
    assert {p.name: p.stat().st_mtime_ns for p in paper.iterdir()} == stamps


def test_latexmk_cleans_up_a_paper_pithtex_cannot_annotate(tmp_path: Path) -> None:
    """`latexmk -c` compiles nothing, so the latexmkrc does not annotate (nor fail) first."""
    require_tex("latexmk")
    paper = tmp_path / "paper"
    (tmp_path / ".git").mkdir()
    copy_example(paper, SOURCES)
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
               PITHTEX_REGISTRY="http://127.0.0.1:9", XDG_CACHE_HOME=str(tmp_path / "cache"),
               PITHTEX_CACHE_DIR=str(tmp_path / "cache"))
    (paper / "pith.lock").unlink()  # annotate --offline cannot resolve anything now
    (paper / "main.aux").write_text("\\relax\n")
    built = latexmk(paper, env)
    assert built.returncode != 0 and "latexmkrc: 'pithtex annotate' failed" in built.stdout + built.stderr
    for flag in ("-c", "--c", "-C"):
        (paper / "main.aux").write_text("\\relax\n")
        cleaned = subprocess.run(["latexmk", flag, "main.tex"], cwd=paper, env=env, capture_output=True, text=True,
                                 timeout=120, stdin=subprocess.DEVNULL)
        assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
        assert "pithtex annotate" not in cleaned.stdout + cleaned.stderr
        assert not (paper / "main.aux").exists()
    assert "pithnumber" not in (paper / "refs.bib").read_text()


@pytest.mark.parametrize("default_files", [True, False], ids=["names-main", "latexmk-default"])
def test_latexmk_alone_builds_the_main_file(tmp_path: Path, default_files: bool) -> None:
    """`latexmk` with no file: the latexmkrc names main.tex once (@default_files), or not at all
    (latexmk's own default, every .tex here); pithtex follows main.tex to refs.bib either way."""
    require_tex("latexmk", "pdflatex", "bibtex", "pdftotext")
    paper = tmp_path / "paper"
    paper.mkdir()
    (tmp_path / ".git").mkdir()
    copy_example(paper, SOURCES)
    rc = (paper / "latexmkrc").read_text()
    assert "@default_files = ('main.tex');\n" in rc and "'refs.bib'" not in rc
    if not default_files:
        (paper / "latexmkrc").write_text(rc.replace("@default_files = ('main.tex');\n", ""))
    env = _tex_env()
    env.update(
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        PITHTEX_REGISTRY="http://127.0.0.1:9",
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    done = subprocess.run(
        ["latexmk", "-interaction=nonstopmode"], cwd=paper, env=env, capture_output=True, text=True,
        timeout=300, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (paper / "refs.bib").read_text().count("pithnumber") == 3
    assert "pith:SPDDBVRN" in pdf_text(paper / "main.pdf")


@pytest.mark.parametrize("rc", ["example", "init"])
def test_a_coauthor_without_pithtex_builds_from_the_committed_files_with_a_warning(tmp_path: Path, rc: str) -> None:
    """pithtex not on PATH: the latexmkrc warns and latexmk builds with the committed pith.sty and
    refs.pith (the badges are there), where it used to stop before compiling anything."""
    require_tex("latexmk", "pdflatex", "bibtex", "pdftotext")
    from pithtex.commands.init import latexmk_lines

    paper = tmp_path / "paper"
    paper.mkdir()
    (tmp_path / ".git").mkdir()
    copy_example(paper, SOURCES)
    env = _tex_env()
    env.update(PITHTEX_REGISTRY="http://127.0.0.1:9", XDG_CACHE_HOME=str(tmp_path / "cache"))
    with_pithtex = dict(env, PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""))
    done = subprocess.run([sys.executable, "-m", "pithtex", "annotate", "--quiet", "main.tex"], cwd=paper,
                          env=with_pithtex, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr  # the author's run: what the coauthor's clone then holds
    if rc == "init":
        (paper / "latexmkrc").write_text("$pdf_mode = 1;\n" + "\n".join(latexmk_lines("main.tex")) + "\n")
    dirs = [d for d in env.get("PATH", "").split(os.pathsep) if d and not os.path.exists(os.path.join(d, "pithtex"))]
    env["PATH"] = os.pathsep.join(dirs)
    before = {p.name: p.read_bytes() for p in paper.iterdir()}
    built = subprocess.run(["latexmk", "-interaction=nonstopmode"], cwd=paper, env=env, capture_output=True,
                           text=True, timeout=300, stdin=subprocess.DEVNULL)
    log = built.stdout + built.stderr
    assert built.returncode == 0, log[-3000:]
    assert "latexmkrc: pithtex is not installed (pip install pithtex): building without checking" in log
    assert "pith:SPDDBVRN" in pdf_text(paper / "main.pdf")
    assert all((paper / name).read_bytes() == data for name, data in before.items())
    (paper / "refs.pith").unlink()  # with pithtex, a failed annotate still stops the build
    (paper / "pith.lock").unlink()
    (paper / "main.pdf").unlink()
    failed = subprocess.run(["latexmk", "-interaction=nonstopmode"], cwd=paper, env=with_pithtex,
                            capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert failed.returncode != 0 and "latexmkrc: 'pithtex annotate' failed" in failed.stdout + failed.stderr
    assert not (paper / "main.pdf").exists()


@pytest.mark.parametrize("rc", ["example", "init"])
def test_a_main_file_with_a_space_in_its_name_builds(tmp_path: Path, rc: str) -> None:
    """Perl's glob split "my paper.tex" into "my" and "paper.tex" ("pithtex: my: not a .bib or .tex
    file"), so the latexmkrc stopped every build of such a paper."""
    require_tex("latexmk", "pdflatex", "bibtex", "pdftotext")
    from pithtex.commands.init import latexmk_lines

    paper = tmp_path / "paper"
    paper.mkdir()
    (tmp_path / ".git").mkdir()
    copy_example(paper, SOURCES)
    os.replace(paper / "main.tex", paper / "my paper.tex")
    text = (paper / "latexmkrc").read_text()
    if rc == "init":
        text = "$pdf_mode = 1;\n" + "\n".join(latexmk_lines("my paper.tex")) + "\n"
    else:
        assert "@default_files = ('main.tex');" in text
        text = text.replace("@default_files = ('main.tex');", "@default_files = ('my paper.tex');")
    (paper / "latexmkrc").write_text(text)
    env = _tex_env()
    env.update(PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
               PITHTEX_REGISTRY="http://127.0.0.1:9", XDG_CACHE_HOME=str(tmp_path / "cache"))
    done = subprocess.run(["latexmk", "-interaction=nonstopmode"], cwd=paper, env=env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (paper / "refs.bib").read_text().count("pithnumber") == 3
    assert "pith:SPDDBVRN" in pdf_text(paper / "my paper.pdf")
