"""`pithtex scan` as users run it: a subprocess, real files, exit codes, messages."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"
LINE_RE = re.compile(r"^(?P<file>.+):(?P<line>\d+): (?P<key>\S+)  (?P<id>arXiv:\S+)  \((?P<field>[^)]+)\)$")


def scan(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "pithtex", "scan", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_human_output_and_summary() -> None:
    proc = scan(CORPUS / "arxiv.bib")
    assert proc.returncode == 0
    assert proc.stderr == ""  # quiet when all is well
    lines = proc.stdout.splitlines()
    first = LINE_RE.match(lines[0])
    assert first is not None
    assert first.group("line", "key", "id", "field") == ("5", "vaswani2023attentionneed", "arXiv:1706.03762", "eprint")
    assert lines[-1] == "6 arXiv references to 3 papers, 0 Pith Numbers"


def test_json_contract() -> None:
    proc = scan("--json", CORPUS / "handwritten.bib")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert set(data) >= {"findings", "conflicts", "pithnumbers", "errors"}
    f = data["findings"][0]
    assert f == {
        "file": str(CORPUS / "handwritten.bib"),
        "line": 19,
        "key": "cited-note",
        "field": "Note",
        "arxiv_id": "0704.0001",
        "version": None,
        "raw": "arXiv:0704.0001 [hep-ph]",
    }
    versions = {(x["key"], x["arxiv_id"], x["version"]) for x in data["findings"]}
    assert ("paren-entry", "1501.00001", 2) in versions
    assert data["conflicts"] == [
        {"file": str(CORPUS / "handwritten.bib"), "line": 102, "key": "two-at-one-rank",
         "ids": ["arXiv:1706.03762", "arXiv:1810.04805"]}
    ]
    # issue 14: another paper named in a field of lower priority is a mention, not a conflict
    assert data["mentions"][0] == {
        "file": str(CORPUS / "handwritten.bib"),
        "line": 66,
        "key": "two-papers",
        "field": "url",
        "arxiv_id": "1810.04805",
        "version": None,
        "raw": "https://arxiv.org/abs/1810.04805",
    }
    assert {(p["key"], p["value"]) for p in data["pithnumbers"]} == {
        ("mendeley", "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"),
        ("same-paper-twice", "pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE"),
    }
    assert data["errors"] == []
    assert "warning: " in proc.stderr and "two-at-one-rank names different arXiv papers" in proc.stderr


def test_field_option() -> None:
    proc = scan("--json", "--field", "PithNumber", CORPUS / "handwritten.bib")
    assert [p["field"] for p in json.loads(proc.stdout)["pithnumbers"]] == ["pithnumber", "pithnumber"]
    proc = scan("--json", "--field", "year", CORPUS / "handwritten.bib")
    assert len(json.loads(proc.stdout)["pithnumbers"]) == 5  # the entries with a year


def test_latin1_is_read_and_said() -> None:
    proc = scan(CORPUS / "latin1.bib")
    assert proc.returncode == 0
    assert "latin1.bib:1: not valid UTF-8; read as Latin-1" in proc.stderr
    assert "arXiv:quant-ph/0101001" in proc.stdout


def test_bom_and_crlf_lines() -> None:
    proc = scan(CORPUS / "bom_crlf.bib", CORPUS / "mixed_newlines.bib")
    assert proc.returncode == 0 and proc.stderr == ""
    got = [LINE_RE.match(x).group("line", "id") for x in proc.stdout.splitlines()[:-1]]  # type: ignore[union-attr]
    assert got == [("3", "arXiv:2511.00066v4"), ("9", "arXiv:2602.19327v1"),
                   ("3", "arXiv:1706.03762"), ("8", "arXiv:1810.04805")]


def test_unbalanced_block_reported_rest_scanned() -> None:
    proc = scan(CORPUS / "unbalanced.bib")
    assert proc.returncode == 0
    # the line of the fault (the brace that never closes), not the entry's @ line (issue 18)
    assert re.search(r"^pithtex: warning: .*unbalanced\.bib:7: broken: cannot parse this @article entry: the \{ on "
                     r"this line is never closed", proc.stderr, re.M)
    assert re.search(r"^pithtex: warning: .*unbalanced\.bib:16: cannot parse", proc.stderr, re.M)
    assert "last-one  arXiv:2602.19327" in proc.stdout
    assert "Parsing of" not in proc.stderr  # bibtexparser's own log lines are silenced
    assert len(proc.stderr.splitlines()) == 2


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.bib"
    empty.write_bytes(b"")
    proc = scan(empty)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == "0 arXiv references to 0 papers, 0 Pith Numbers\n"


def test_binary_file(tmp_path: Path) -> None:
    blob = tmp_path / "refs.bib"
    blob.write_bytes(b"@article{a,\n title={x}}\n\x00\x01\x02\xff")
    proc = scan(blob)
    assert proc.returncode == 2
    assert f"pithtex: {blob}:3: binary file (NUL byte), not a .bib or .tex source" in proc.stderr


def test_utf16_file(tmp_path: Path) -> None:
    f = tmp_path / "refs.bib"
    f.write_bytes("@article{a, eprint={1706.03762}}".encode("utf-16"))
    proc = scan(f)
    assert proc.returncode == 2
    assert "UTF-16/UTF-32 text is not supported" in proc.stderr


def test_missing_file_and_directory_others_still_scanned(tmp_path: Path) -> None:
    proc = scan(tmp_path / "nope.bib", tmp_path, CORPUS / "google_scholar.bib")
    assert proc.returncode == 2
    assert f"pithtex: {tmp_path / 'nope.bib'}: no such file" in proc.stderr
    assert f"pithtex: {tmp_path}: is a directory, not a file" in proc.stderr
    assert "devlin2018bert  arXiv:1810.04805  (journal)" in proc.stdout
    assert proc.stdout.splitlines()[-1].endswith("; 2 files not read")


def test_missing_file_json_still_printed(tmp_path: Path) -> None:
    proc = scan("--json", tmp_path / "nope.tex")
    assert proc.returncode == 2
    data = json.loads(proc.stdout)
    assert data["errors"] == [
        {"file": str(tmp_path / "nope.tex"), "line": None, "message": "no such file", "fatal": True}
    ]


def test_very_long_lines(tmp_path: Path) -> None:
    long = tmp_path / "long.bib"
    filler = "1234.5678 arXiv " * 50_000  # 800 kB of near-misses on one line
    long.write_text(
        "@article{long,\n  note = {" + filler + "},\n  url = {" + "x" * 1_000_000
        + " https://arxiv.org/abs/2511.00066v1},\n}\n"
    )
    proc = scan(long)
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0] == f"{long}:3: long  arXiv:2511.00066v1  (url)"
    tex = tmp_path / "long.tex"
    tex.write_text("%" * 1_000_000 + "\n" + "\\iffalse " * 10 + "x" * 1_000_000 + "\narXiv:1706.03762\n")
    proc = scan(tex)
    assert proc.returncode == 0
    assert "arXiv:1706.03762" not in proc.stdout  # inside unterminated \iffalse


def test_tex_missing_input_is_a_warning() -> None:
    proc = scan(CORPUS / "tex" / "main.tex")
    assert proc.returncode == 0
    assert re.search(r"^pithtex: warning: .*main\.tex:20: \\input\{missing-file\}: no such file", proc.stderr, re.M)
    assert "leaf.tex:1: -  arXiv:1207.7214v2  (text)" in proc.stdout


def test_unknown_extension_is_sniffed(tmp_path: Path) -> None:
    f = tmp_path / "refs.txt"
    f.write_text("@misc{k,\n  eprint = {1706.03762},\n}\n")
    proc = scan(f)
    assert proc.returncode == 0
    assert "unknown extension; read as BibTeX" in proc.stderr
    assert "k  arXiv:1706.03762  (eprint)" in proc.stdout


@pytest.mark.parametrize("args", [[], ["--json"]])
def test_no_files_is_a_usage_error(args: list[str]) -> None:
    proc = scan(*args)
    assert proc.returncode == 2


def test_bad_field_name_is_a_usage_error() -> None:
    proc = scan("--field", "pith number", CORPUS / "arxiv.bib")
    assert proc.returncode == 2
    assert proc.stderr.startswith("pithtex: --field 'pith number' is not a BibTeX field name")
    assert proc.stdout == ""


def test_mentions_are_listed_apart_and_counted() -> None:
    """Issue 14: an entry's paper comes from its highest-priority field; another paper named
    in a lower field is a mention, listed (and counted) apart from the references."""
    proc = scan(CORPUS / "priority.bib")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert f"{CORPUS / 'priority.bib'}:9: renamed  arXiv:2204.09033  (eprint)" in lines
    assert f"{CORPUS / 'priority.bib'}:10: renamed  arXiv:2111.11387  (webnote; mention)" in lines
    assert lines[-1] == "12 arXiv references to 10 papers, 0 Pith Numbers, 9 mentions, 2 conflicts"
    assert "renamed names different" not in proc.stderr
    assert "mendeley-disagrees names different arXiv papers" in proc.stderr
