"""`pithtex arxiv`: the upload holds what the build reads, and compiles alone with pdflatex."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from pithtex.errors import InputError
from pithtex.submit.fls import read_fls
from pithtex.submit.tarball import DEFAULT_MTIME, build_tar_gz
from tests.support.example import copy_example
from tests.support.tex import (
    _tex_env,
    compile_latex,
    package_messages,
    pdf_info_custom,
    pdf_text,
    require_tex,
)

REPO = Path(__file__).resolve().parent.parent
SELF_SUFFIX = "C7HZCGQ4XG57XBILJLQGM22JGT"  # the example's self_id, 2602.19327 (its lock entry is v3)
BADGES = ("pith:SPDDBVRN", "pith:3VRARFE3", "pith:C7HZCGQ4")
NEVER = ("pith.lock", "refs.bib", "pithtex.toml", "latexmkrc", "main.aux", "main.log", "main.fls", "main.pdf",
         "main.blg", "main.out", "main.fdb_latexmk", "notes.txt", "unused.tex")


def env_for(tmp_path: Path) -> dict[str, str]:
    env = _tex_env()
    env.update(
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        PITHTEX_REGISTRY="http://127.0.0.1:9",  # a closed port: the lock must be enough
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        TEXMFHOME=str(tmp_path / "texmf-home"),
    )
    return env


def pithtex(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pithtex", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)


def example(tmp_path: Path, *, latexmkrc: bool = True) -> Path:
    """The example paper, with its own \\pithnumber, an \\input from a subdirectory and files it never reads."""
    require_tex("latexmk", "pdflatex", "bibtex", "pdftotext", "pdfinfo")
    (tmp_path / ".git").mkdir()
    root = tmp_path / "paper"
    root.mkdir()
    copy_example(root, ("main.tex", "refs.bib", "pith.lock", "pithtex.toml", *(("latexmkrc",) if latexmkrc else ())))
    main = root / "main.tex"
    text = main.read_text()
    main.write_text(text.replace("\\bibliographystyle{plainnat}", "\\input{sections/outlook}\n\n\\bibliographystyle{plainnat}"))
    (root / "sections").mkdir()
    (root / "sections" / "outlook.tex").write_text("\\section{Outlook}\nOutlookmark closes the paper.\n")
    (root / "notes.txt").write_text("not part of the paper\n")
    (root / "unused.tex").write_text("\\section{Never input}\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def annotate(root: Path, env: dict[str, str]) -> None:
    # the paper's own id is the example's self_id (2602.19327, whose record is in its pith.lock)
    proc = pithtex("annotate", "refs.bib", "main.tex", cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr


def members(tarball: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(tarball) as tar:
        return {m.name: m for m in tar.getmembers()}


@pytest.mark.tex
@pytest.mark.slow
def test_upload_compiles_alone_with_pdflatex(tmp_path: Path) -> None:
    root = example(tmp_path)
    env = env_for(tmp_path)
    annotate(root, env)
    proc = pithtex("arxiv", "main.tex", "-o", str(tmp_path / "upload.tar.gz"), cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    expected = ["00README.json", "main.bbl", "main.tex", "pith.sty", "refs.pith", "sections", "sections/outlook.tex"]
    listed = members(tmp_path / "upload.tar.gz")
    assert sorted(listed) == expected
    assert proc.stdout.split() == [n for n in expected if n != "sections"]
    for name in NEVER:
        assert name not in listed
    assert not any(n.startswith(".") for n in listed)
    for info in listed.values():
        # _tex_env sets SOURCE_DATE_EPOCH, which the archive honours (else DEFAULT_MTIME)
        assert (info.mtime, info.uid, info.gid, info.uname, info.gname) == (int(env["SOURCE_DATE_EPOCH"]), 0, 0, "", "")
        assert info.mode == (0o755 if info.isdir() else 0o644)
    with tarfile.open(tmp_path / "upload.tar.gz") as tar:
        readme = json.loads(tar.extractfile("00README.json").read())  # type: ignore[union-attr]
    assert readme == {
        "process": {"compiler": "pdflatex"},
        "sources": [{"filename": "main.tex", "usage": "toplevel"}, {"filename": "refs.pith", "usage": "include"}],
    }

    # An empty directory, pdflatex alone: no pithtex, no .bib, no bibtex, no network.
    clean = tmp_path / "arxiv"
    clean.mkdir()
    with tarfile.open(tmp_path / "upload.tar.gz") as tar:
        tar.extractall(clean)
    assert not list(clean.glob("*.bib")) and not (clean / "pith.lock").exists()
    result = compile_latex(clean, "main.tex", engine="pdflatex", runs=2, bib=None)
    assert all(cmd[0] == "pdflatex" for cmd in result.commands)
    text = pdf_text(result.pdf)
    for badge in BADGES:
        assert badge in text, text
    assert "Outlookmark" in text
    assert pdf_info_custom(result.pdf).get("PithNumber") == SELF_SUFFIX
    assert not (clean / "main.blg").exists()  # bibtex never ran
    assert package_messages(result.log) == []  # pith.sty found everything it reads

    # The same upload again, from the recorded build: the same bytes; and as a directory.
    again = pithtex("arxiv", "main.tex", "--no-build", "-o", str(tmp_path / "again.tgz"), cwd=root, env=env)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again.tgz").read_bytes() == (tmp_path / "upload.tar.gz").read_bytes()
    beside = pithtex("arxiv", "paper/main.tex", "--no-build", "-o", "beside.tar.gz", cwd=tmp_path, env=env)
    assert beside.returncode == 0, beside.stderr  # from another directory: the same upload
    assert (tmp_path / "beside.tar.gz").read_bytes() == (tmp_path / "upload.tar.gz").read_bytes()
    folder = pithtex("arxiv", "main.tex", "--no-build", "-o", str(tmp_path / "folder"), cwd=root, env=env)
    assert folder.returncode == 0, folder.stderr
    files = sorted(p.relative_to(tmp_path / "folder").as_posix() for p in (tmp_path / "folder").rglob("*"))
    assert files == expected
    assert (tmp_path / "folder" / "refs.pith").read_bytes() == (root / "refs.pith").read_bytes()
    refused = pithtex("arxiv", "main.tex", "--no-build", "-o", str(tmp_path / "folder"), cwd=root, env=env)
    assert refused.returncode == 2 and "not an empty directory" in refused.stderr
    fls = root / "main.fls"
    os.utime(root / "main.tex", ns=(fls.stat().st_mtime_ns + 10**9,) * 2)
    stale = pithtex("arxiv", "main.tex", "--no-build", "-o", str(tmp_path / "stale.tgz"), cwd=root, env=env)
    assert stale.returncode == 1 and not (tmp_path / "stale.tgz").exists()
    assert stale.stderr.splitlines()[0] == (
        "main.fls: older than main.tex: the last build is out of date (build again with 'latexmk -g', or leave out "
        "--no-build)"
    )


@pytest.mark.tex
@pytest.mark.slow
def test_a_bib_changed_since_the_build_is_out_of_date_and_a_touched_one_is_rebuilt(tmp_path: Path) -> None:
    """The .bbl comes from refs.bib, which is not in the upload: --no-build compared only the upload's files
    and took a .bbl older than the .bib. A build after a file is saved again unchanged (latexmk: nothing to
    do) is forced, so the .fls is not refused as stale."""
    env = env_for(tmp_path)
    root = _paper_without_latexmkrc(tmp_path, env)
    first = pithtex("arxiv", "main.tex", "-o", str(tmp_path / "first.tgz"), cwd=root, env=env)
    assert first.returncode == 0, first.stderr
    fls = root / "main.fls"
    built = fls.stat().st_mtime_ns - 10 * 10**9  # as if the build were ten seconds old, and refs.bib saved since
    for path in root.rglob("*"):
        os.utime(path, ns=(built - 10**9,) * 2)
    os.utime(fls, ns=(built, built))
    os.utime(root / "refs.bib", ns=(built + 10**9,) * 2)
    stale = pithtex("arxiv", "main.tex", "--no-build", "-o", str(tmp_path / "stale.tgz"), cwd=root, env=env)
    assert stale.returncode == 1 and not (tmp_path / "stale.tgz").exists()
    assert stale.stderr.splitlines()[0].startswith("main.fls: older than refs.bib: the last build is out of date")
    again = pithtex("arxiv", "main.tex", "-o", str(tmp_path / "again.tgz"), cwd=root, env=env)
    assert again.returncode == 0, again.stderr
    assert fls.stat().st_mtime_ns > built + 10**9  # latexmk -g ran: the bytes of refs.bib had not changed
    assert sorted(members(tmp_path / "again.tgz")) == sorted(members(tmp_path / "first.tgz"))


@pytest.mark.tex
@pytest.mark.slow
def test_a_build_whose_fls_is_not_found_leaves_no_upload_from_an_older_one(tmp_path: Path) -> None:
    """An $aux_dir three folders down is past where arxiv looks: the main.fls beside main.tex, from a build
    before the paper changed, was taken as this build's (exit 0, an upload of the old inputs)."""
    env = env_for(tmp_path)
    root = _paper_without_latexmkrc(tmp_path, env)
    assert pithtex("arxiv", "main.tex", "-o", str(tmp_path / "first.tgz"), cwd=root, env=env).returncode == 0
    (root / "latexmkrc").write_text("$aux_dir = 'build/a/b';\n")
    main = root / "main.tex"
    main.write_text(main.read_text().replace("\\input{sections/outlook}", "\\input{sections/outlook}\n\\input{more}"))
    (root / "more.tex").write_text("Moremark.\n")
    proc = pithtex("arxiv", "main.tex", "-o", str(tmp_path / "upload.tgz"), cwd=root, env=env)
    assert proc.returncode == 1 and not (tmp_path / "upload.tgz").exists()
    assert (root / "build" / "a" / "b" / "main.fls").is_file()
    first_line = proc.stderr.splitlines()[0]
    assert re.fullmatch(
        r"main\.fls: older than (.*) even after 'latexmk -g': that build wrote its \.fls where pithtex does not "
        r"look \(an \$aux_dir more than two folders below the paper\?\), or a file's time is in the future",
        first_line,
    ), first_line
    assert "main.tex" in first_line.split(" even after")[0]


def _paper_without_latexmkrc(tmp_path: Path, env: dict[str, str]) -> Path:
    root = example(tmp_path, latexmkrc=False)
    annotate(root, env)
    return root


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@pytest.mark.tex
@pytest.mark.slow
def test_refuses_when_the_bibliography_badges_have_no_pith_file(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    root = _paper_without_latexmkrc(tmp_path, env)
    (root / "refs.pith").unlink()  # the .bib has its pithnumber fields; BibTeX drops them
    out = tmp_path / "upload.tar.gz"
    proc = pithtex("arxiv", "main.tex", "-o", str(out), cwd=root, env=env)
    assert proc.returncode == 1
    line = _line(root / "main.tex", "\\bibliography{refs}")
    assert proc.stderr.splitlines()[0] == (
        f"main.tex:{line}: \\bibliography{{refs}}: refs.pith is missing, so 3 badges would not print "
        "(run 'pithtex annotate refs.bib')"
    )
    assert len(proc.stderr.splitlines()) == 2 and "no upload was written" in proc.stderr
    assert not out.exists()


@pytest.mark.tex
@pytest.mark.slow
def test_refuses_numbers_and_badges_that_pith_lock_does_not_confirm(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    root = _paper_without_latexmkrc(tmp_path, env)  # no latexmkrc hook to run pithtex before the build
    pith, tex = root / "refs.pith", root / "main.tex"
    own, other = "SPDDBVRNS36U3W2AYSQMMOTDSD", "3VRARFE3CFBERUCMJGDAWSCMAE"  # vanngo2025sharpness, gao2026trust
    good = pith.read_text()
    assert own in good and other in good
    pith.write_text(good.replace(f"2025:{own}", f"2026:{other}", 1))  # another paper's badge, by hand
    out = tmp_path / "upload.tar.gz"
    proc = pithtex("arxiv", "main.tex", "-o", str(out), cwd=root, env=env)
    assert proc.returncode == 1 and not out.exists()
    first = proc.stderr.splitlines()[0]
    assert first.startswith("refs.pith:") and "vanngo2025sharpness" in first, proc.stderr
    assert "no upload was written: it would carry numbers or badges that 'pithtex check main.tex' does not " \
        "confirm" in proc.stderr
    pith.write_text(good)
    number = tex.read_text().split("\\pithnumber{", 1)[1].split("}", 1)[0]
    tex.write_text(tex.read_text().replace(f"\\pithnumber{{{number}}}", f"\\pithnumber{{{other}}}"))
    proc = pithtex("arxiv", "main.tex", "-o", str(out), cwd=root, env=env)
    assert proc.returncode == 1 and not out.exists()
    assert proc.stderr.splitlines()[0].startswith("main.tex:"), proc.stderr
    tex.write_text(tex.read_text().replace(f"\\pithnumber{{{other}}}", f"\\pithnumber{{{number}}}"))
    assert pithtex("arxiv", "main.tex", "-o", str(out), cwd=root, env=env).returncode == 0 and out.exists()


@pytest.mark.tex
@pytest.mark.slow
@pytest.mark.parametrize("how", ["macro", "pithreadrefs"])
def test_refuses_a_pith_file_that_check_does_not_read(tmp_path: Path, how: str) -> None:
    """A \\bibliography named by a macro (check cannot follow it: a warning at its line; arxiv checks the
    .bib beside the refs.pith the build read), or a .pith file loaded with \\pithreadrefs that no .bib
    stands beside: their badges reached arXiv unchecked (exit 0, a wrong number printed)."""
    env = env_for(tmp_path)
    root = _paper_without_latexmkrc(tmp_path, env)
    tex, out = root / "main.tex", tmp_path / "upload.tar.gz"
    if how == "macro":
        tex.write_text(tex.read_text().replace("\\bibliography{refs}", "\\newcommand\\mybib{refs}\\bibliography{\\mybib}"))
        check = pithtex("check", "main.tex", cwd=root, env=env)
        assert "\\bibliography{\\mybib}: a name made by a macro, which pithtex does not expand: that .bib is not " \
               "checked" in check.stderr
        proc = pithtex("arxiv", "main.tex", "-o", str(out), cwd=root, env=env)
        assert proc.returncode == 0 and out.exists(), proc.stderr  # refs.pith, checked with refs.bib beside it
        out.unlink()
        pith = root / "refs.pith"
        own, other = "SPDDBVRNS36U3W2AYSQMMOTDSD", "3VRARFE3CFBERUCMJGDAWSCMAE"  # vanngo2025sharpness, gao2026trust
        pith.write_text(pith.read_text().replace(f"2025:{own}", f"2026:{other}", 1))  # another paper's badge
        proc = pithtex("arxiv", "main.tex", "-o", str(out), cwd=root, env=env)
        assert proc.returncode == 1 and not out.exists(), proc.stderr
        assert proc.stderr.splitlines()[0].startswith("refs.pith:") and "vanngo2025sharpness" in proc.stderr
        assert "no upload was written: it would carry numbers or badges that 'pithtex check" in proc.stderr
    else:
        tex.write_text(tex.read_text().replace("\\usepackage{pith}", "\\usepackage{pith}\n\\pithreadrefs{extra}"))
        (root / "extra.pith").write_text("\\pithref{knuth}{pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE}\n")
        proc = pithtex("arxiv", "main.tex", "-o", str(out), cwd=root, env=env)
        assert proc.returncode == 1 and not out.exists(), proc.stderr
        assert proc.stderr.splitlines() == [
            "extra.pith: in the upload, but there is no extra.bib beside it, so nothing has checked its badges",
            "pithtex: no upload was written: it would carry badges nothing has checked",
        ]


@pytest.mark.tex
@pytest.mark.slow
def test_a_paper_reached_through_a_symlink(tmp_path: Path) -> None:
    """TeX records the real folder; arxiv compared the name as given and found no build ('main.fls: no such
    file', exit 2, right after its own build)."""
    env = env_for(tmp_path)
    root = _paper_without_latexmkrc(tmp_path, env)
    (tmp_path / "plink").symlink_to(root)
    out = tmp_path / "upload.tar.gz"
    proc = pithtex("arxiv", "plink/main.tex", "-o", str(out), cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert {"main.tex", "refs.pith", "pith.sty", "main.bbl"} <= set(members(out))


@pytest.mark.tex
@pytest.mark.slow
def test_refuses_pith_sty_from_texmfhome_and_files_outside_the_paper(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    root = _paper_without_latexmkrc(tmp_path, env)
    home = Path(env["TEXMFHOME"]) / "tex" / "latex" / "pith"
    home.mkdir(parents=True)
    shutil.move(str(root / "pith.sty"), home / "pith.sty")
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "macros.tex").write_text("\\newcommand\\sharedmacro{Sharedmark}\n")
    main = root / "main.tex"
    main.write_text(main.read_text().replace("\\begin{document}", "\\input{../common/macros}\n\\begin{document}"))
    out = tmp_path / "upload.tar.gz"
    proc = pithtex("arxiv", "main.tex", "-o", str(out), cwd=root, env=env)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    pith_line = _line(main, "\\usepackage{pith}")
    assert f"main.tex: the build reads {tmp_path / 'common' / 'macros.tex'}, outside the paper's directory" in lines[0]
    assert lines[1].startswith(f"main.tex:{pith_line}: \\usepackage{{pith}} loads {home / 'pith.sty'}, "
                               "which is not in the upload (run 'pithtex sty ")
    assert len(lines) == 3 and not out.exists()
    # What the hint says works: pith.sty beside the paper, a forced build, and the upload is written.
    main.write_text(main.read_text().replace("\\input{../common/macros}\n", ""))
    hint = lines[1].split("(run ", 1)[1].rstrip(")")
    assert hint.startswith("'pithtex sty ") and "then 'latexmk -g -pdf -recorder main.tex'" in hint
    assert pithtex("arxiv", "main.tex", "-o", str(out), cwd=root, env=env).returncode == 1  # (rebuilt: still home's)
    assert pithtex("sty", str(root), cwd=root, env=env).returncode == 0
    stuck = pithtex("arxiv", "main.tex", "-o", str(out), cwd=root, env=env)  # latexmk: up to date, so the same
    assert stuck.returncode == 1 and "loads " + str(home / "pith.sty") in stuck.stderr  # build: what -g is for
    subprocess.run(["latexmk", "-g", "-pdf", "-recorder", "-interaction=nonstopmode", "main.tex"], cwd=root, env=env,
                   capture_output=True, check=True)
    again = pithtex("arxiv", "main.tex", "-o", str(out), cwd=root, env=env)
    assert again.returncode == 0, again.stderr
    assert "pith.sty" in members(out)


@pytest.mark.tex
@pytest.mark.slow
def test_refuses_without_the_bbl_and_after_a_failed_build(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    root = _paper_without_latexmkrc(tmp_path, env)
    # built by hand, without bibtex: the .fls is there, the .bbl is not
    subprocess.run(["pdflatex", "-recorder", "-interaction=nonstopmode", "main.tex"], cwd=root, env=env,
                   capture_output=True, timeout=300, check=True)
    proc = pithtex("arxiv", "main.tex", "--no-build", cwd=root, env=env)
    assert proc.returncode == 1
    line = _line(root / "main.tex", "\\bibliography{refs}")
    assert proc.stderr.splitlines()[0].startswith(f"main.tex:{line}: main.bbl is not in the build (run bibtex")
    assert not (root / "main-arxiv.tar.gz").exists()

    main = root / "main.tex"
    main.write_text(main.read_text().replace("\\section{Related work}", "\\section{Related work}\\undefinedthing"))
    proc = pithtex("arxiv", "main.tex", cwd=root, env=env)
    assert proc.returncode == 1
    assert "Undefined control sequence" in proc.stderr
    assert proc.stderr.splitlines()[-1] == "pithtex: main.tex: the build failed (latexmk exited 12); no upload was written"
    assert not (root / "main-arxiv.tar.gz").exists()


@pytest.mark.tex
@pytest.mark.slow
def test_upload_from_a_build_into_an_aux_dir_has_the_bbl_beside_main(tmp_path: Path) -> None:
    """latexmk's $aux_dir and $out_dir: TeX wrote and read main.fls, main.aux and main.bbl in
    build/aux; arXiv builds in one folder, so main.bbl goes beside main.tex. A main.fls and a
    main.aux beside main.tex from an earlier build without them are stale: the newest build counts."""
    root = example(tmp_path)
    env = env_for(tmp_path)
    annotate(root, env)
    first = pithtex("arxiv", "main.tex", "-o", str(tmp_path / "first.tgz"), cwd=root, env=env)
    assert first.returncode == 0, first.stderr
    stale = (root / "main.fls").read_bytes()
    with (root / "latexmkrc").open("a") as rc:
        rc.write("$aux_dir = 'build/aux';\n$out_dir = 'build';\n")
    # the main.bbl beside main.tex is found first while build/aux has none: TeX reads it, latexmk
    # sees nothing to do for BibTeX, and the upload would carry it, so the run says so
    kept = pithtex("arxiv", "main.tex", "-o", str(tmp_path / "kept.tgz"), cwd=root, env=env)
    assert kept.returncode == 0, kept.stderr
    assert ("pithtex: warning: main.bbl: the build read the one beside main.tex, not one in build/aux, where this "
            "build's BibTeX or biber writes: it may be left from an earlier build (delete it and build again)") in kept.stderr
    (root / "main.bbl").unlink()
    shutil.rmtree(root / "build")
    proc = pithtex("arxiv", "main.tex", "-o", str(tmp_path / "upload.tgz"), cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "main.bbl" not in proc.stderr
    assert (root / "build" / "aux" / "main.fls").is_file() and (root / "build" / "main.pdf").is_file()
    assert (root / "main.fls").read_bytes() == stale
    expected = ["00README.json", "main.bbl", "main.tex", "pith.sty", "refs.pith", "sections", "sections/outlook.tex"]
    assert sorted(members(tmp_path / "upload.tgz")) == expected
    clean = tmp_path / "arxiv"
    clean.mkdir()
    with tarfile.open(tmp_path / "upload.tgz") as tar:
        tar.extractall(clean)
    assert (clean / "main.bbl").read_bytes() == (root / "build" / "aux" / "main.bbl").read_bytes()
    result = compile_latex(clean, "main.tex", engine="pdflatex", runs=2, bib=None)
    text = pdf_text(result.pdf)
    for badge in BADGES:
        assert badge in text, text
    again = pithtex("arxiv", "main.tex", "--no-build", "-o", str(tmp_path / "again.tgz"), cwd=root, env=env)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again.tgz").read_bytes() == (tmp_path / "upload.tgz").read_bytes()


@pytest.mark.tex
@pytest.mark.slow
def test_a_biblatex_bbl_arxivs_default_tex_live_cannot_read_is_a_warning(tmp_path: Path) -> None:
    """biber here (TeX Live 2022) writes bbl format 3.2, which arXiv's TeX Live 2023 reads and
    its default, 2025, does not: the upload is written, with a warning that says what to do."""
    require_tex("biber")
    root = example(tmp_path)
    main = root / "main.tex"
    text = main.read_text().replace("\\usepackage{natbib}", "\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}")
    main.write_text(text.replace("\\bibliographystyle{plainnat}\n\\bibliography{refs}", "\\printbibliography").replace(
        "\\citep", "\\cite"))
    env = env_for(tmp_path)
    annotate(root, env)
    proc = pithtex("arxiv", "main.tex", "-o", str(tmp_path / "upload.tgz"), cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "main.bbl" in members(tmp_path / "upload.tgz")
    head = re.search(r"bbl format version (\S+) ", (root / "main.bbl").read_text())
    assert head is not None
    warning = (f"pithtex: warning: main.bbl: biblatex bbl format version {head[1]}; arXiv's default, TeX Live 2025, "
               "reads 3.3 and would print no bibliography")
    if head[1] == "3.3":  # a newer TeX Live than this test was written on: nothing to say
        assert "bbl format" not in proc.stderr
    else:
        assert warning in proc.stderr, proc.stderr
        assert ("choose TeX Live 2023 when you submit" in proc.stderr) == (head[1] == "3.2")
    quiet = pithtex("arxiv", "main.tex", "--no-build", "-q", "-o", str(tmp_path / "quiet.tgz"), cwd=root, env=env)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_the_bbl_format_warning_names_the_tex_live_that_reads_it(tmp_path: Path) -> None:
    from pithtex.submit.plan import Upload, _check_bbl_format

    for version, says in (("3.3", None), ("3.2", "choose TeX Live 2023 when you submit, or build the .bbl with a "
                                                   "biblatex that writes 3.3"),
                          ("3.1", "(build the .bbl with a biblatex that writes 3.3)")):
        bbl = tmp_path / "main.bbl"
        bbl.write_text(f"% $ biblatex auxiliary file $\n% $ biblatex bbl format version {version} $\n% Do not modify\n")
        upload = Upload(tmp_path, "main.tex", "pdflatex")
        _check_bbl_format(bbl, "main.bbl", upload)
        assert (upload.warnings == []) if says is None else (says in upload.warnings[0]), upload.warnings
    bbl.write_text("\\begin{thebibliography}{1}\n")  # BibTeX's: no format version
    upload = Upload(tmp_path, "main.tex", "pdflatex")
    _check_bbl_format(bbl, "main.bbl", upload)
    assert upload.warnings == []


@pytest.mark.tex
@pytest.mark.slow
def test_an_include_from_a_subfolder_is_a_problem(tmp_path: Path) -> None:
    """arXiv's TeX may write in the upload's top folder only: \\include{sections/outlook} needs
    sections/outlook.aux, so the build there fails; \\input is fine (the example's own)."""
    root = example(tmp_path)
    main = root / "main.tex"
    main.write_text(main.read_text().replace("\\input{sections/outlook}", "\\include{sections/outlook}"))
    env = env_for(tmp_path)
    annotate(root, env)
    proc = pithtex("arxiv", "main.tex", "-o", str(tmp_path / "upload.tgz"), cwd=root, env=env)
    assert proc.returncode == 1
    line = _line(main, "\\include{sections/outlook}")
    assert proc.stderr.splitlines()[0] == (
        f"main.tex:{line}: \\include{{sections/outlook}} writes sections/outlook.aux in a subfolder, which arXiv's "
        "TeX may not write (use \\input there, or move the file beside the main file)"
    )
    assert not (tmp_path / "upload.tgz").exists()


def test_a_file_name_arxiv_would_rename_is_a_problem(tmp_path: Path) -> None:
    from pithtex.submit.fls import Recorded
    from pithtex.submit.plan import TexTrees, plan_upload

    root = tmp_path / "paper"
    (root / "figs").mkdir(parents=True)
    names = ("main.tex", "figs/my plot.pdf", "figs/a&b.png", "figs/fine-name_2.pdf")
    for name in names:
        (root / name).write_text("x\n")
    upload = plan_upload(root / "main.tex", Recorded(tuple(root / n for n in names), frozenset(), "pdflatex"), [],
                         badges_in=lambda bib: 0, lock=None, trees=TexTrees((), ()))
    assert [p.split(":")[0] for p in upload.problems] == ["figs/my plot.pdf", "figs/a&b.png"]
    assert "arXiv turns spaces, '&', ':' and '\\' in file names into '_'" in upload.problems[0]


def test_two_files_of_one_name_in_the_upload_are_a_problem(tmp_path: Path) -> None:
    from pithtex.submit.fls import Recorded
    from pithtex.submit.plan import TexTrees, plan_upload

    root = tmp_path / "paper"
    (root / "build").mkdir(parents=True)
    for name in ("main.tex", "main.bbl", "build/main.bbl", "build/fig.pdf"):
        (root / name).write_text("x\n")
    recorded = Recorded(tuple(root / n for n in ("main.tex", "main.bbl", "build/main.bbl", "build/fig.pdf")),
                        frozenset(), "pdflatex")
    upload = plan_upload(root / "main.tex", recorded, [], badges_in=lambda bib: 0, lock=None,
                         trees=TexTrees((), ()), build_dir=root / "build")
    assert sorted(upload.files) == ["fig.pdf", "main.bbl", "main.tex"]
    assert upload.problems == [
        f"main.bbl: the build read both {root / 'main.bbl'} and {root / 'build' / 'main.bbl'}, and arXiv has one "
        "folder (delete the one the build should not read, and build again)"
    ]
    plain = plan_upload(root / "main.tex", recorded, [], badges_in=lambda bib: 0, lock=None, trees=TexTrees((), ()))
    assert sorted(plain.files) == ["build/fig.pdf", "build/main.bbl", "main.bbl", "main.tex"] and not plain.problems


def test_usage_errors_are_exit_2(tmp_path: Path) -> None:
    env = dict(os.environ)
    (tmp_path / "refs.bib").write_text("")
    for args, message in (
        (["missing.tex"], "pithtex: missing.tex: no such file"),
        (["refs.bib"], "pithtex: refs.bib: not a .tex file"),
    ):
        proc = pithtex("arxiv", *args, cwd=tmp_path, env=env)
        assert proc.returncode == 2 and proc.stderr.splitlines()[0] == message
    (tmp_path / "main.tex").write_text("\\documentclass{article}\\begin{document}x\\end{document}\n")
    proc = pithtex("arxiv", "main.tex", "--no-build", cwd=tmp_path, env=env)
    assert proc.returncode == 2 and proc.stderr.splitlines()[0] == (
        "pithtex: main.fls: no such file (nor one in a folder below that records a build of main.tex)"
    )
    assert "an $out_dir or $aux_dir inside the paper's directory" in proc.stderr


def test_fls_is_read_relative_to_pwd_once_per_file(tmp_path: Path) -> None:
    fls = tmp_path / "main.fls"
    fls.write_text(
        "PWD /paper\n"
        "INPUT /usr/share/texlive/texmf-dist/web2c/pdftex/pdflatex.fmt\n"
        "INPUT main.tex\nOUTPUT main.log\nINPUT ./pith.sty\nINPUT pith.sty\n"
        "INPUT ./main.aux\nOUTPUT main.aux\nINPUT sub/../figs/a.pdf\nINPUT /abs/macros.tex\n"
    )
    rec = read_fls(fls)
    assert rec.engine == "pdflatex"
    assert rec.read_only() == [
        Path("/usr/share/texlive/texmf-dist/web2c/pdftex/pdflatex.fmt"), Path("/paper/main.tex"),
        Path("/paper/pith.sty"), Path("/paper/figs/a.pdf"), Path("/abs/macros.tex"),
    ]
    fls.write_text("PWD /paper\nINPUT main.tex\nGARBAGE here\n")
    with pytest.raises(InputError, match=r"main\.fls:3: not a TeX recorder line"):
        read_fls(fls)
    fls.write_text("INPUT main.tex\n")
    with pytest.raises(InputError, match=r"main\.fls:1: a relative name before any PWD line"):
        read_fls(fls)


def test_tarball_is_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    files = {"b.tex": b"b\n", "a/z.pdf": b"%PDF", "a.tex": b"a\n", "00README.json": b"{}\n"}
    first = build_tar_gz(files)
    assert build_tar_gz(dict(reversed(list(files.items())))) == first
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        assert tar.getnames() == ["00README.json", "a.tex", "a", "a/z.pdf", "b.tex"]  # "a.tex" < "a/"
        assert tar.extractfile("a/z.pdf").read() == b"%PDF"  # type: ignore[union-attr]
        assert {m.mtime for m in tar.getmembers()} == {DEFAULT_MTIME}
    assert first[4:8] == b"\0\0\0\0"  # gzip header mtime 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    later = build_tar_gz(files)
    with tarfile.open(fileobj=io.BytesIO(later)) as tar:
        assert {m.mtime for m in tar.getmembers()} == {1700000000}
