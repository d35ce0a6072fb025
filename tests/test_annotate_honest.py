"""annotate's output never claims what did not happen (issue 18): when it stops, nothing at all
is written (pith.lock included) and no line says otherwise; otherwise it prints what it did and
one summary line (unless --quiet)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pithtex.ids.arxiv import parse_arxiv_id
from pithtex.resolve import layout
from tests.support.cli import run_cli as run
from tests.support.example import offline_paper
from tests.support.signing import TestKey, make_record

SOURCES = ("main.tex", "refs.bib", "pith.lock", "pithtex.toml")
NEW = "\n@misc{newpaper,\n  title = {A New Paper},\n  eprint = {2101.00001},\n}\n"


@pytest.fixture
def paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return offline_paper(tmp_path, monkeypatch, SOURCES)


@pytest.fixture
def mirror(tmp_path: Path) -> tuple[Path, Path]:
    """A mirror directory serving a record for 2101.00001 signed by a test key, and that key's file."""
    key = TestKey()
    directory = tmp_path / "mirror"
    target = directory / layout.alias_path(parse_arxiv_id("2101.00001"))
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(make_record(key, "2101.00001", 1, "A New Paper")))
    return directory, key.write_key_file(tmp_path / "key.json")


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}


def test_a_run_prints_what_it_did_and_one_summary_line(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (paper / "refs.bib").write_text((paper / "refs.bib").read_text() + "\n@book{knuth,\n  title = {The TeXbook},\n}\n")
    code, out, err = run(capsys, "annotate", "refs.bib", "main.tex")
    assert code == 0, err
    assert out.count("add pithnumber") == 3 and "main.tex:10: add \\pithnumber{C7HZCGQ4XG57XBILJLQGM22JGT}" in out
    assert "refs.pith: create" in out and "pith.sty: create" in out
    assert err.splitlines() == ["pithtex: 4 added, 0 corrected, 0 unchanged, 1 not arXiv, 0 problems"]
    code, out, err = run(capsys, "annotate", "--check", "refs.bib", "main.tex")
    assert (code, out) == (0, "")
    assert err == "pithtex: 0 to add, 0 to correct, 3 unchanged, 1 not arXiv, 0 problems\n"
    assert run(capsys, "annotate", "--quiet", "refs.bib", "main.tex") == (0, "", "")


def test_self_that_does_not_resolve_writes_nothing_and_claims_nothing(
    paper: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(paper)
    code, out, err = run(capsys, "annotate", "--offline", "--self", "2101.00002", "refs.bib", "main.tex")
    assert code == 1
    assert out == ""  # no "add pithnumber", no "refs.pith: create": none of it happened
    assert "main.tex: --self arXiv:2101.00002: not in pith.lock or the cache (--offline; run 'pithtex resolve' online to add it)" in err
    assert err.rstrip().splitlines()[-1].startswith("pithtex: nothing was written: --self arXiv:2101.00002")
    assert snapshot(paper) == before and not (paper / "refs.pith").exists() and not (paper / "pith.sty").exists()


def test_a_title_mismatch_writes_nothing_not_even_pith_lock(
    paper: Path, mirror: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    directory, key_file = mirror
    bib = paper / "refs.bib"
    bib.write_text(bib.read_text().replace("Trust Region On-Policy Distillation", "Deep Residual Learning") + NEW)
    before = snapshot(paper)
    code, out, err = run(capsys, "annotate", "--registry", str(directory), "--trust-key", str(key_file),
                         "refs.bib", "main.tex")
    assert code == 1
    assert out == ""
    assert "pithtex: nothing was written: gao2026trust: the title does not match the signed title" in err
    assert snapshot(paper) == before  # pith.lock did not gain 2101.00001

    # the same run without the mismatch: 2101.00001 goes into pith.lock with the files
    bib.write_text(bib.read_text().replace("Deep Residual Learning", "Trust Region On-Policy Distillation"))
    code, out, err = run(capsys, "annotate", "--registry", str(directory), "--trust-key", str(key_file),
                         "refs.bib", "main.tex")
    assert code == 0, err
    assert "newpaper: add pithnumber" in out
    from pithtex.resolve.lockfile import Lockfile

    assert Lockfile.load(paper / "pith.lock").get(parse_arxiv_id("2101.00001")) is not None


def test_a_read_only_file_means_no_change_lines(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sty = paper / "pith.sty"
    sty.write_text("% an old copy\n")
    os.chmod(sty, 0o444)
    before = snapshot(paper)
    code, out, err = run(capsys, "annotate", "refs.bib", "main.tex")
    assert code == 1 and out == ""
    assert err.rstrip().splitlines()[-2:] == [
        "pithtex: pith.sty: cannot write: the file is read-only; nothing was written",
        "  hint: make it writable (chmod u+w) if pithtex should change it, or run with --check/--diff to see the changes",
    ]
    assert snapshot(paper) == before
