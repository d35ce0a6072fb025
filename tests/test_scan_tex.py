"""The .tex scanner's rules, one by one, on small files written by each test."""

from __future__ import annotations

from pathlib import Path

from pithtex.scan import scan_paths
from pithtex.scan.texclean import blank_non_text


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def _ids(path: Path) -> list[tuple[str, int, str]]:
    result = scan_paths([path])
    return [(Path(f.file).name, f.line, f.arxiv.versioned) for f in result.findings]


def test_blanking_keeps_offsets_and_lines() -> None:
    text = "a % c\n\\% b \\\\% c\n\\begin{verbatim}\nx\n\\end{verbatim}\\verb|y| \\verb\n"
    clean = blank_non_text(text)
    assert len(clean) == len(text) and clean.count("\n") == text.count("\n")
    assert clean.splitlines()[0].rstrip() == "a"
    assert clean.splitlines()[1].rstrip() == "\\% b \\\\"


def test_a_newif_in_a_skipped_branch_opens_no_conditional() -> None:
    clean = blank_non_text("\\iffalse \\newif\\ifdraft arXiv:1501.00006 \\fi arXiv:1810.04805\n")
    assert "1501" not in clean and clean.rstrip().endswith("arXiv:1810.04805")


def test_comments_verbatim_and_conditionals(tmp_path: Path) -> None:
    _write(tmp_path, {"a.tex": (
        "50\\% of arXiv:1706.03762\n"                 # 1 found: \% is not a comment
        "% arXiv:1501.00001\n"                         # 2 comment
        "line\\\\% arXiv:1501.00002\n"                 # 3 \\ then a comment
        "\\begin{comment}\narXiv:1501.00003\n\\end{comment}\n"  # 4-6
        "\\begin{minted}{tex}\narXiv:1501.00004\n\\end{minted}\n"  # 7-9
        "\\verb|arXiv:1501.00005| \\begin{Verbatim*}x\\end{Verbatim*}\n"  # 10
        "\\iffalse arXiv:1501.00006 \\if x arXiv:1501.00007 \\fi arXiv:1501.00008 \\else arXiv:1810.04805 \\fi\n"  # 11
        "\\iffalse % \\fi in a comment does not end it\narXiv:1501.00009\n\\fi arXiv:2511.00066\n"  # 12-14
        "\\iff arXiv:1207.7214\n"                      # 15: \iff is a symbol
    )})
    assert _ids(tmp_path / "a.tex") == [
        ("a.tex", 1, "1706.03762"), ("a.tex", 11, "1810.04805"), ("a.tex", 14, "2511.00066"),
        ("a.tex", 15, "1207.7214"),
    ]


def test_inputs_relative_implicit_tex_and_cycles(tmp_path: Path) -> None:
    _write(tmp_path, {
        "main.tex": "\\input{ch/one}\n\\include{two}\n\\subfile{ch/three.tex}\n\\input{main}\n\\input{two}\n",
        "ch/one.tex": "\\input{sibling}\narXiv:1706.03762\n",   # sibling: relative to ch/
        "ch/sibling.tex": "arXiv:1810.04805\n\\input{../main}\n",  # a cycle
        "two.tex": "arXiv:2511.00066\n",
        "ch/three.tex": "\\import{deep/}{four}\n",
        "ch/deep/four.tex": "\\subimport{x/}{five}\n",
        "ch/deep/x/five.tex": "arXiv:1207.7214\n",
    })
    result = scan_paths([tmp_path / "main.tex"])
    assert [(Path(f.file).relative_to(tmp_path).as_posix(), f.line, f.arxiv.id) for f in result.findings] == [
        ("ch/one.tex", 2, "1706.03762"),
        ("ch/sibling.tex", 1, "1810.04805"),
        ("two.tex", 1, "2511.00066"),
        ("ch/deep/x/five.tex", 1, "1207.7214"),
    ]
    assert result.errors == []


def test_missing_and_unreadable_inputs_are_warnings(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tex": "x\n\\input{nope}\n\\input{bin}\n\\newcommand\\inp[1]{\\input{#1}}\narXiv:1706.03762\n"})
    (tmp_path / "bin.tex").write_bytes(b"\x00\x01")
    result = scan_paths([tmp_path / "main.tex"])
    assert [(e.line, e.fatal) for e in result.errors] == [(2, False), (3, False)]
    assert result.errors[0].message.startswith("\\input{nope}: no such file (tried ")
    assert "binary file" in result.errors[1].message
    assert [f.arxiv.id for f in result.findings] == ["1706.03762"]


def test_bibitems_keys_conflicts_and_pithnumbers(tmp_path: Path) -> None:
    _write(tmp_path, {"p.tex": (
        "\\providecommand{\\pithnumber}[1]{#1}\\pithnumber{#1}\n"
        "\\begin{thebibliography}{9}\n"
        "\\bibitem[A(2020)]{a} A. arXiv:1706.03762v2, hep-th/9901001\n"
        "\\bibitem{b} B. \\url{https://arxiv.org/abs/1810.04805} \\pithnumber{ pith:2026:ABC }\n"
        "\\end{thebibliography}\n"
        "after: hep-th/9711200 arXiv:2511.00066\n"
    )})
    result = scan_paths([tmp_path / "p.tex"])
    assert [(f.line, f.key, f.field, f.arxiv.versioned) for f in result.findings] == [
        (3, "a", "\\bibitem", "1706.03762v2"),
        (3, "a", "\\bibitem", "hep-th/9901001"),
        (4, "b", "\\url", "1810.04805"),
        (6, None, "text", "2511.00066"),  # bare old style only inside bibitems
    ]
    assert [(c.key, len(c.ids)) for c in result.conflicts] == [("a", 2)]
    assert [(p.line, p.key, p.value) for p in result.pithnumbers] == [(4, "b", "pith:2026:ABC")]
    assert [(e.key, e.entry_type, e.line) for e in result.entries] == [("a", "bibitem", 3), ("b", "bibitem", 4)]


def test_crlf_tex_lines(tmp_path: Path) -> None:
    (tmp_path / "c.tex").write_bytes(b"\xef\xbb\xbfa\r\n% arXiv:1501.00001\r\nb arXiv:1706.03762\r\n")
    assert _ids(tmp_path / "c.tex") == [("c.tex", 3, "1706.03762")]


def test_link_and_its_text_are_one_reference(tmp_path: Path) -> None:
    _write(tmp_path, {"h.tex": "\\href{https://arxiv.org/abs/1706.03762}{arXiv:1706.03762}\n"
                               "\\href{https://arxiv.org/abs/1706.03762v2}{arXiv:1706.03762}\n"})
    result = scan_paths([tmp_path / "h.tex"])
    assert [(f.line, f.field, f.arxiv.versioned) for f in result.findings] == [
        (1, "\\href", "1706.03762"), (2, "\\href", "1706.03762v2"), (2, "text", "1706.03762"),
    ]


def test_pithnumber_named_not_used(tmp_path: Path) -> None:
    _write(tmp_path, {"s.sty": (
        "\\PackageError{pith}{x}{Give it first with \\string\\pithnumber{SUFFIX}.}\n"
        "\\edef\\x{\\noexpand\\pithnumber{\\y}}\n"
        "\\protect\\pithnumber{pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT}\n"
    )})
    result = scan_paths([tmp_path / "s.sty"])
    assert [(p.line, p.value) for p in result.pithnumbers] == [(3, "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT")]
