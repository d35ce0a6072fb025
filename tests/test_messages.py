"""Messages that lead somewhere, and small frictions (issue 18, items 4 and 5): each asserts the
exit code, the message and the files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pithtex.cli import main
from tests.support.cli import run_cli as run
from tests.support.example import offline_paper
from tests.support.signing import FIXTURES

SOURCES = ("main.tex", "refs.bib", "pith.lock", "pithtex.toml")
PN_A = "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"  # 2511.00066
PN_B = "pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE"  # 2606.01249
PN_C = "C7HZCGQ4XG57XBILJLQGM22JGT"  # 2602.19327v3


@pytest.fixture
def paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = offline_paper(tmp_path, monkeypatch, SOURCES)
    monkeypatch.setenv("PITHTEX_HTTP_RETRIES", "0")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}


def add_unknown_ids(paper: Path, n: int = 3) -> None:
    extra = "".join(f"\n@misc{{new{i},\n  title = {{New {i}}},\n  eprint = {{2101.0000{i}}},\n}}\n"
                    for i in range(1, n + 1))
    (paper / "refs.bib").write_text((paper / "refs.bib").read_text() + extra)


# --- item 4 -------------------------------------------------------------------------------------


def test_no_registry_reachable_is_said_once_naming_offline_and_registry(
    paper: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_unknown_ids(paper)
    code, out, err = run(capsys, "annotate", "refs.bib")
    assert code == 1
    assert err.count("cannot reach http://127.0.0.1:9") == 1
    said = next(line for line in err.splitlines() if "cannot reach" in line)
    assert said.startswith("pithtex: cannot reach http://127.0.0.1:9: connection failed")
    assert "--offline" in said and "--registry" in said
    for i in (1, 2, 3):
        assert f"new{i}: arXiv:2101.0000{i}: not resolved: no connection to http://127.0.0.1:9" in err
    assert "add pithnumber" in out  # the ids pith.lock holds are still written
    assert err.rstrip().splitlines()[-1] == "pithtex: 3 added, 0 corrected, 0 unchanged, 0 not arXiv, 3 problems"


def test_a_missing_lock_entry_offline_says_to_run_resolve(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_unknown_ids(paper, 1)
    code, _, err = run(capsys, "annotate", "--offline", "--quiet", "refs.bib", "main.tex")  # as latexmkrc runs it
    assert code == 1
    assert ("new1: arXiv:2101.00001: not in pith.lock or the cache (--offline; run 'pithtex resolve' online "
            "to add it)") in err
    code, _, err = run(capsys, "check", "refs.bib")
    assert code == 1 and "run 'pithtex annotate' or 'pithtex resolve'" in err


def test_a_lock_without_lock_version_is_not_upgrade_pithtex(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (paper / "pith.lock").write_text('{"entries": {}}\n')
    before = snapshot(paper)
    for command in (["check", "refs.bib"], ["annotate", "refs.bib"]):
        code, _, err = run(capsys, *command)
        assert code == 2
        assert "pith.lock:1: malformed pith.lock: no lock_version" in err and "'pithtex resolve'" in err
        assert "upgrade" not in err
    assert snapshot(paper) == before


@pytest.mark.parametrize("command", ["annotate", "check"])
def test_a_directory_argument_says_it_is_a_directory(
    paper: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code, _, err = run(capsys, command, ".")
    assert code == 2
    assert err.strip() == "pithtex: .: is a directory; name the .bib and .tex files in it: main.tex refs.bib"
    (paper / "empty").mkdir()
    code, _, err = run(capsys, command, "empty")
    assert code == 2 and err.strip() == "pithtex: empty: is a directory, not a .bib or .tex file"


def test_the_duplicate_paper_warning_names_the_entry_whose_field_is_wrong(
    paper: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """vanngo2025sharpness (the first entry) carries gao2026trust's number: the warning is about
    vanngo2025sharpness, not about gao2026trust, the later entry, whose field is right."""
    assert main(["annotate", "--quiet", "refs.bib"]) == 0
    bib = paper / "refs.bib"
    bib.write_text(bib.read_text().replace(PN_A, PN_B, 1))
    code, _, err = run(capsys, "check", "refs.bib")
    assert code == 1
    dup = [line for line in err.splitlines() if "Pith Number of" in line]
    assert len(dup) == 1, err
    assert dup[0].startswith("refs.bib:5: vanngo2025sharpness: its pithnumber 3VRARFE3CFBERUCMJGDAWSCMAE is the Pith "
                             "Number of gao2026trust (refs.bib:17), not of arXiv:2511.00066, which this entry cites")
    assert "gao2026trust: cites the same paper" not in err


def test_check_on_a_wrong_pithnumber_mentions_fix(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["annotate", "--quiet", "refs.bib", "main.tex"]) == 0
    tex = paper / "main.tex"
    tex.write_text(tex.read_text().replace(PN_C, "SPDDBVRNS36U3W2AYSQMMOTDSD"))
    code, _, err = run(capsys, "check", "main.tex")
    assert code == 1
    assert "main.tex:10: \\pithnumber{SPDDBVRNS36U3W2AYSQMMOTDSD} is not the Pith Number of arXiv:2602.19327v3" in err
    assert "'pithtex annotate --fix main.tex' corrects it" in err
    code, out, _ = run(capsys, "annotate", "--fix", "main.tex")
    assert code == 0 and f"correct \\pithnumber{{SPDDBVRNS36U3W2AYSQMMOTDSD}} -> {PN_C}" in out
    assert run(capsys, "check", "main.tex")[0] == 0


# --- item 5 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["2602.19327", "2602.19327v3"])
def test_self_without_a_version_finds_the_locks_versioned_entry(
    paper: Path, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    (paper / "pithtex.toml").write_text('lock = "pith.lock"\n')  # no self_id: the flag alone
    code, out, err = run(capsys, "annotate", "--offline", "--self", given, "main.tex")
    assert code == 0, err
    assert f"main.tex:10: add \\pithnumber{{{PN_C}}} (arXiv:2602.19327v3)" in out
    assert run(capsys, "check", "--self", given, "main.tex") == (0, "", "")


def test_self_without_a_version_finds_an_unversioned_entry_by_its_version(
    paper: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lock's 2606.01249 entry is version 1: --self 2606.01249v1 names it."""
    (paper / "pithtex.toml").write_text('lock = "pith.lock"\n')
    code, out, err = run(capsys, "annotate", "--offline", "--self", "2606.01249v1", "main.tex")
    assert code == 0, err
    assert "add \\pithnumber{3VRARFE3CFBERUCMJGDAWSCMAE} (arXiv:2606.01249)" in out


def test_a_locally_edited_sty_of_the_same_version_is_not_replaced(
    paper: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["annotate", "--quiet", "refs.bib", "main.tex"]) == 0
    sty = paper / "pith.sty"
    edited = sty.read_text() + "\n% my local tweak\n"
    sty.write_text(edited)
    code, out, err = run(capsys, "annotate", "refs.bib", "main.tex")
    assert code == 0 and "pith.sty" not in out
    assert "pith.sty: differs from the pith.sty of pithtex" in err and "(edited locally?): left as it is" in err
    assert "'pithtex sty .' replaces it" in err
    assert sty.read_text() == edited
    assert main(["sty", "--quiet", "."]) == 0 and sty.read_text() != edited  # on purpose it is replaced


def test_mirror_add_skips_the_mirror_manifest_with_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in FIXTURES.glob("*.json"))
    assert any(p.endswith("pith-mirrors.json") for p in files)
    code, out, err = run(capsys, "mirror", "add", str(tmp_path / "mirror"), *files)
    assert code == 0, err
    assert "pith-mirrors.json: a mirror manifest (pith_mirror_manifest), not a record or bundle: skipped" in err
    assert "added 3 documents" in out
    assert not any("mirrors" in p.name for p in (tmp_path / "mirror").rglob("*.json"))
    index = json.loads((tmp_path / "mirror" / "pith" / "alias" / "index.json").read_text())
    assert len(index["arxiv"]) >= 3
