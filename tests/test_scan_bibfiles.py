"""find_bib_files: the .bib files a root .tex uses, by LaTeX's rules (and, once, by the real BibTeX/biber)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pithtex.errors import InputError
from pithtex.scan.bibfiles import MAX_DEPTH, find_bib_files
from tests.support.tex import _tex_env, require_tex


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_absolute() and root in path.parents else path.as_posix()


def test_bibtex_names_relative_to_the_root_through_inputs(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tex": "\\documentclass{article}\n\\begin{document}\n\\input{ch/one}\n\\include{two}\n"
                    "\\bibliographystyle{plain}\n\\bibliography{refs, more.bib ,ch/local}\n\\end{document}\n",
        "ch/one.tex": "\\subfile{three}\n",          # three.tex sits in ch/ (relative to the including file)
        "ch/three.tex": "\\nobibliography{extra}\n",  # extra.bib: relative to the ROOT, not to ch/
        "two.tex": "\\bibliography{refs}\n",          # named twice: listed once, at its first place (here)
        "refs.bib": "", "more.bib": "", "ch/local.bib": "", "extra.bib": "", "ch/extra.bib": "",
    })
    found = find_bib_files(tmp_path / "main.tex")
    assert [(_rel(tmp_path, b.path), Path(b.file).name, b.line, b.usable) for b in found] == [
        ("extra.bib", "three.tex", 1, True),
        ("refs.bib", "two.tex", 1, True),
        ("more.bib", "main.tex", 6, True),
        ("ch/local.bib", "main.tex", 6, True),
    ]
    assert found[2].command == "\\bibliography{refs, more.bib ,ch/local}"


def test_paths_stay_as_the_user_wrote_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"paper/main.tex": "\\bibliography{refs}\n", "paper/refs.bib": ""})
    monkeypatch.chdir(tmp_path)
    [bib] = find_bib_files(Path("paper/main.tex"))
    assert (bib.path, bib.file, bib.where) == (Path("paper/refs.bib"), "paper/main.tex", "paper/main.tex:1")


def test_biblatex_resources_options_remote_and_glob(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tex": (
            "\\usepackage{biblatex}\n"
            "\\addbibresource{a.bib}\n"                                       # 2
            "\\addbibresource[location=remote]{http://example.org/r.bib}\n"   # 3 skipped
            "\\addbibresource{https://example.org/s.bib}\n"                   # 4 skipped
            "\\addbibresource[datatype=bibtex, location = local]{sub/b.bib}\n"  # 5
            "\\addglobalbib{c.bib}\n"                                          # 6
            "\\addsectionbib [label=x]{d.bib}\n"                               # 7
            "\\addbibresource[glob=true]{parts/*.bib}\n"                      # 8
            "\\addbibresource{noext}\n"                                        # 9 biblatex adds no extension
        ),
        "a.bib": "", "sub/b.bib": "", "c.bib": "", "d.bib": "", "parts/y.bib": "", "parts/x.bib": "", "noext.bib": "",
    })
    found = find_bib_files(tmp_path / "main.tex")
    assert [(_rel(tmp_path, b.path), b.line, b.problem is None) for b in found] == [
        ("a.bib", 2, True), ("sub/b.bib", 5, True), ("c.bib", 6, True), ("d.bib", 7, True),
        ("parts/x.bib", 8, True), ("parts/y.bib", 8, True), ("noext", 9, False),
    ]
    assert found[-1].problem.endswith("no such file (biblatex needs the extension: .bib)")


def test_comments_verbatim_macros_and_computed_names_are_not_files(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tex": (
        "% \\bibliography{commented}\n"
        "\\begin{verbatim}\n\\bibliography{verbatim}\n\\end{verbatim}\n"
        "\\iffalse \\addbibresource{off.bib} \\fi\n"
        "\\newcommand\\mybib[1]{\\bibliography{#1}}\n"
        "\\bibliography{\\jobname}\n"
        "\\bibliographystyle{plain}\n"
        "\\bibliography{real}\n"
        "\\bibliography{\\mine}\n"
    ), "real.bib": "", "main.bib": ""})
    found = find_bib_files(tmp_path / "main.tex")
    # \jobname is the root file's name; another macro cannot be expanded here: said at its line, not followed
    assert [(b.path.name, b.line, b.kind) for b in found] == [("main.bib", 7, "bib"), ("real.bib", 9, "bib"),
                                                              ("\\mine", 10, "input")]
    assert found[2].problem.startswith("a name made by a macro, which pithtex does not expand")


def test_problems_are_records_with_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tex": "\\input{nope}\n\\input{bin}\n\\bibliography{gone}\n\\addbibresource{dir.bib}\n\\input{main}\n",
    })
    (tmp_path / "bin.tex").write_bytes(b"\x00")
    (tmp_path / "dir.bib").mkdir()
    found = find_bib_files(tmp_path / "main.tex")
    assert [(b.kind, b.line, b.usable) for b in found] == [
        ("input", 1, False), ("input", 2, False), ("bib", 3, False), ("bib", 4, False),
    ]
    assert found[0].problem.startswith("no such file (tried ")
    assert "binary file" in found[1].problem
    assert str(found[2]) == f"{tmp_path}/main.tex:3: \\bibliography{{gone}}: {tmp_path}/gone.bib: no such file"
    assert found[3].problem.endswith("is not a file")
    with pytest.raises(InputError):
        find_bib_files(tmp_path / "absent.tex")


def test_deep_nesting_stops_with_a_problem(tmp_path: Path) -> None:
    files = {f"f{i}.tex": f"\\input{{f{i + 1}}}\n" for i in range(MAX_DEPTH + 5)}
    files["f0.tex"] = "\\bibliography{top}\n\\input{f1}\n"
    _write(tmp_path, {**files, "top.bib": ""})
    found = find_bib_files(tmp_path / "f0.tex")
    assert found[0].usable and found[0].path.name == "top.bib"
    assert [b.kind for b in found[1:]] == ["input"] and "nested deeper" in found[1].problem


def test_a_bib_in_the_tex_tree_is_external(tmp_path: Path) -> None:
    if shutil.which("kpsewhich") is None:
        pytest.skip("needs kpsewhich (TeX Live)")
    _write(tmp_path, {"main.tex": "\\bibliography{IEEEabrv,refs}\n", "refs.bib": ""})
    found = find_bib_files(tmp_path / "main.tex")
    if not found[0].external:
        pytest.skip("IEEEtran's IEEEabrv.bib is not installed")
    assert found[0].problem is None and not found[0].usable and found[0].path.is_absolute()
    assert found[1].usable


@pytest.mark.tex
@pytest.mark.parametrize("tool", ["bibtex", "biber"])
def test_the_rule_is_the_one_bibtex_and_biber_follow(tmp_path: Path, tool: str) -> None:
    """A \\bibliography (or \\addbibresource) in ch/part.tex opens refs.bib beside main.tex, not ch/refs.bib."""
    require_tex("pdflatex", tool)
    entry = "@misc{k, title = {%s}, author = {A. Author}, year = 2020}\n"
    if tool == "bibtex":
        preamble, cite = "", "\\nocite{*}\\bibliographystyle{plain}\\bibliography{refs}\n"
    else:
        preamble, cite = "\\usepackage[backend=biber]{biblatex}\n\\input{ch/res}\n", "\\nocite{*}\\printbibliography\n"
    _write(tmp_path, {
        "main.tex": f"\\documentclass{{article}}\n{preamble}\\begin{{document}}\n\\input{{ch/part}}\n\\end{{document}}\n",
        "ch/part.tex": cite,
        "ch/res.tex": "\\addbibresource{refs.bib}\n",
        "refs.bib": entry % "Rootward",
        "ch/refs.bib": entry % "Subdirward",
    })
    env = _tex_env()
    for cmd in (["pdflatex", "-interaction=nonstopmode", "main"], [tool, "main"]):
        subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, timeout=120, check=True)
    bbl = (tmp_path / "main.bbl").read_text()
    assert "Rootward" in bbl and "Subdirward" not in bbl
    [bib] = find_bib_files(tmp_path / "main.tex")
    assert bib.path == tmp_path / "refs.bib" and bib.usable
    assert os.path.samefile(bib.path, tmp_path / "refs.bib")


def test_consulted_lists_what_decided_the_answer(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tex": "\\input{one}\n\\input{nope}\n\\bibliography{refs,gone}\n",
        "one.tex": "x\n", "refs.bib": "",
    })
    consulted: list[Path] = []
    found = find_bib_files(tmp_path / "main.tex", consulted=consulted)
    names = [p.relative_to(tmp_path).as_posix() for p in consulted]
    assert names[:2] == ["main.tex", "one.tex"]
    assert {"nope.tex", "nope", "gone.bib"} <= set(names)
    assert "refs.bib" not in names  # found: its bytes are the caller's business
    assert [b.path.name for b in found if b.usable] == ["refs.bib"]
