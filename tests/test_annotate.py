"""`pithtex annotate` and `pithtex check` on a copy of the example paper, offline from its pith.lock."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pithtex.cli import main
from pithtex.resolve import layout
from pithtex.ids.arxiv import parse_arxiv_id
from tests.support.cli import run_cli as pithtex
from tests.support.example import copy_example, offline_paper
from tests.support.signing import TestKey, make_record
from tests.support.lock import v1_doc

REPO = Path(__file__).resolve().parent.parent
PN_A = "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"  # 2511.00066
PN_B = "pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE"  # 2606.01249
PN_C = "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"  # 2602.19327v3
SOURCES = ("main.tex", "refs.bib", "pith.lock", "pithtex.toml", "latexmkrc")


@pytest.fixture
def paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of examples/paper; the registry is a closed loopback port, the cache is private."""
    return offline_paper(tmp_path, monkeypatch, SOURCES)


def without_lines(text: bytes, needle: bytes) -> bytes:
    return b"".join(line for line in text.splitlines(keepends=True) if needle not in line)


def test_annotate_adds_only_field_lines_then_is_idempotent(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = (paper / "refs.bib").read_bytes()
    code, out, err = pithtex(capsys, "check", "refs.bib")
    assert code == 1
    assert err.count("no pithnumber for") == 3 and "refs.bib:5: vanngo2025sharpness:" in err

    code, out, err = pithtex(capsys, "annotate", "refs.bib", "main.tex")
    assert code == 0, err
    assert f"refs.bib:5: vanngo2025sharpness: add pithnumber {PN_A}" in out
    new = (paper / "refs.bib").read_bytes()
    for number in (PN_A, PN_B, PN_C):
        assert new.count(number.encode()) == 1
    assert without_lines(new, b"pithnumber") == original
    assert (paper / "pith.sty").exists() and (paper / "refs.pith").exists()

    stamps = {p.name: p.stat().st_mtime_ns for p in paper.iterdir()}
    time.sleep(0.01)
    code, out, err = pithtex(capsys, "annotate", "refs.bib", "main.tex")
    assert code == 0 and out == ""
    assert {p.name: p.stat().st_mtime_ns for p in paper.iterdir() if p.name in stamps} == stamps
    assert pithtex(capsys, "annotate", "--check", "refs.bib", "main.tex")[0] == 0
    code, out, err = pithtex(capsys, "check", "refs.bib", "main.tex")
    assert (code, out, err) == (0, "", "")


def test_check_diff_and_dry_run_write_nothing(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {p.name: p.read_bytes() for p in paper.iterdir()}
    code, out, err = pithtex(capsys, "annotate", "--check", "refs.bib")
    assert code == 1 and "would add pithnumber" in out and "would change" in err
    code, out, _ = pithtex(capsys, "annotate", "--diff", "refs.bib")
    assert code == 0
    assert out.startswith("--- a/refs.bib\n+++ b/refs.bib\n")
    assert f"+  pithnumber={{{PN_B}}},\n" in out
    code, out, _ = pithtex(capsys, "annotate", "--dry-run", "refs.bib")
    assert code == 0 and "would add" in out
    assert {p.name: p.read_bytes() for p in paper.iterdir()} == before


def test_crlf_and_latin1_stay_crlf_and_latin1(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (paper / "refs.bib").read_text(encoding="utf-8")
    text = "% Bibliographie de J. M\u00fcller, r\u00e9sum\u00e9\n" + text
    data = text.replace("\n", "\r\n").encode("latin-1")
    (paper / "refs.bib").write_bytes(data)
    assert pithtex(capsys, "annotate", "refs.bib")[0] == 0
    new = (paper / "refs.bib").read_bytes()
    assert new.count(b"\r\n") == new.count(b"\n")
    assert b"M\xfcller" in new  # still Latin-1, not re-encoded as UTF-8
    assert without_lines(new, b"pithnumber") == data
    assert pithtex(capsys, "check", "refs.bib")[0] == 0


def test_wrong_annotation_is_corrected_and_orphans_reported(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bib = paper / "refs.bib"
    assert pithtex(capsys, "annotate", "refs.bib")[0] == 0
    bib.write_text(
        bib.read_text().replace(PN_B, PN_A)
        + "\n@book{knuth,\n  title = {The TeXbook},\n  pithnumber = {pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT},\n}\n"
    )
    code, _, err = pithtex(capsys, "check", "refs.bib")
    assert code == 1 and f"gao2026trust: pithnumber {PN_A} is wrong: arXiv:2606.01249 is {PN_B}" in err
    code, out, err = pithtex(capsys, "annotate", "refs.bib")
    assert code == 0
    assert f"gao2026trust: correct pithnumber {PN_A} -> {PN_B}" in out
    assert "knuth: has pithnumber" in err and "--prune" in err
    assert "knuth" in bib.read_text()
    code, out, _ = pithtex(capsys, "annotate", "--prune", "refs.bib")
    assert code == 0 and "knuth: remove pithnumber" in out
    assert "@book{knuth,\n  title = {The TeXbook},\n}\n" in bib.read_text()


def test_probable_wrong_id_writes_nothing(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bib = paper / "refs.bib"
    bib.write_text(bib.read_text().replace("Trust Region On-Policy Distillation", "Deep Residual Learning for Image Recognition"))
    before = bib.read_bytes()
    code, out, err = pithtex(capsys, "annotate", "refs.bib", "main.tex")
    assert code == 1
    assert "gao2026trust" in err and "nothing was written" in err
    assert bib.read_bytes() == before
    assert not (paper / "refs.pith").exists() and not (paper / "pith.sty").exists()
    code, _, err = pithtex(capsys, "check", "refs.bib")
    assert code == 1 and "gao2026trust" in err
    code, out, _ = pithtex(capsys, "annotate", "--allow-title-mismatch", "gao2026trust", "refs.bib")
    assert code == 0 and f"gao2026trust: add pithnumber {PN_B}" in out


def test_security_error_writes_nothing(paper: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A mirror serving another digest for an id and version the lock pins: rejected, nothing written."""
    key = TestKey()
    key_file = key.write_key_file(tmp_path / "key.json")
    mirror = tmp_path / "mirror"
    forged = make_record(key, "2511.00066", 4, "Sharpness-Guided Group Relative Policy Optimization via Probability Shaping")
    target = mirror / layout.alias_path(parse_arxiv_id("2511.00066v4"))
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(forged))
    bib = paper / "refs.bib"
    bib.write_text(bib.read_text().replace("eprint={2511.00066}", "eprint={2511.00066v4}"))
    before = {p.name: p.read_bytes() for p in paper.iterdir()}
    code, out, err = pithtex(
        capsys, "annotate", "--registry", str(mirror), "--trust-key", str(key_file), "refs.bib", "main.tex"
    )
    assert code == 1
    assert "SECURITY" in err and "nothing was written" in err
    assert {p.name: p.read_bytes() for p in paper.iterdir() if not p.name.startswith(".")} == before


def test_offline_missing_id_is_a_problem_but_others_are_written(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bib = paper / "refs.bib"
    bib.write_text(bib.read_text() + "\n@misc{other, title = {Other}, eprint = {2101.00001}}\n")
    code, out, err = pithtex(capsys, "annotate", "--offline", "refs.bib")
    assert code == 1
    assert "refs.bib:32: other: arXiv:2101.00001: not in pith.lock" in err
    assert bib.read_text().count("pithnumber") == 3
    code, _, err = pithtex(capsys, "check", "refs.bib")
    assert code == 1 and "other: arXiv:2101.00001 is not in pith.lock" in err


def test_self_adds_pithnumber_and_fix_corrects(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tex = paper / "main.tex"
    original = tex.read_bytes()
    code, out, err = pithtex(capsys, "annotate", "main.tex", "--self", "2602.19327v3")
    assert code == 0, err
    assert "add \\pithnumber{C7HZCGQ4XG57XBILJLQGM22JGT}" in out
    new = tex.read_bytes()
    assert without_lines(new, b"\\pithnumber{C7HZ") == original
    assert new.index(b"\\usepackage{pith}\n\\pithnumber{C7HZCGQ4XG57XBILJLQGM22JGT}\n") < new.index(b"\\begin{document}")
    assert pithtex(capsys, "check", "main.tex", "--self", "2602.19327v3")[0] == 0
    tex.write_bytes(new.replace(b"C7HZCGQ4XG57XBILJLQGM22JGT", b"SPDDBVRNS36U3W2AYSQMMOTDSD"))
    code, _, err = pithtex(capsys, "check", "main.tex", "--self", "2602.19327v3")
    assert code == 1 and "main.tex:10: \\pithnumber{SPDDBVRNS36U3W2AYSQMMOTDSD} is not the Pith Number" in err
    code, _, err = pithtex(capsys, "annotate", "main.tex", "--self", "2602.19327v3")
    assert code == 1 and "--fix" in err
    code, out, _ = pithtex(capsys, "annotate", "main.tex", "--self", "2602.19327v3", "--fix")
    assert code == 0 and "correct \\pithnumber{SPDDBVRNS36U3W2AYSQMMOTDSD}" in out
    assert tex.read_bytes() == new


def test_read_only_bib_is_a_clear_error(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bib = paper / "refs.bib"
    before = bib.read_bytes()
    os.chmod(bib, 0o444)
    code, _, err = pithtex(capsys, "annotate", "refs.bib")
    assert code == 1 and "refs.bib: cannot write: the file is read-only" in err
    assert bib.read_bytes() == before


def test_usage_errors(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert pithtex(capsys, "annotate", "notes.txt")[0] == 2
    assert pithtex(capsys, "annotate", "missing.bib")[0] == 2
    assert pithtex(capsys, "annotate", "refs.bib", "--field", "bad field")[0] == 2
    assert pithtex(capsys, "check", "missing.bib")[0] == 2
    code, _, err = pithtex(capsys, "annotate", "main.tex", "--self", "not-an-id")
    assert code == 2 and "--self 'not-an-id'" in err


def test_sty_command_writes_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = pithtex(capsys, "sty", str(tmp_path))
    assert code == 0 and "written" in out
    sty = tmp_path / "pith.sty"
    stamp = sty.stat().st_mtime_ns
    assert b"\\ProvidesPackage{pith}" in sty.read_bytes()
    code, out, _ = pithtex(capsys, "sty", str(tmp_path))
    assert code == 0 and "up to date" in out and sty.stat().st_mtime_ns == stamp
    assert pithtex(capsys, "sty", str(tmp_path / "nope"))[0] == 2


def test_readme_command_works_from_the_repository_root(tmp_path: Path) -> None:
    """`pithtex annotate examples/paper/refs.bib` from the root: finds the paper's lock, no network."""
    root = tmp_path / "repo"
    (root / "examples" / "paper").mkdir(parents=True)
    (root / ".git").mkdir()
    copy_example(root / "examples" / "paper", SOURCES)
    env = dict(os.environ, PITHTEX_REGISTRY="http://127.0.0.1:9", XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "pithtex", "annotate", "examples/paper/refs.bib"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("add pithnumber") == 3
    assert "examples/paper/refs.bib:5:" in proc.stdout


def test_check_stamp_never_hides_a_changed_byte(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A clean pass is remembered by the hash of its inputs; tampering with the lock is still caught."""
    assert pithtex(capsys, "annotate", "refs.bib", "main.tex")[0] == 0
    assert pithtex(capsys, "check", "refs.bib", "main.tex") == (0, "", "")
    assert pithtex(capsys, "check", "refs.bib", "main.tex") == (0, "", "")  # from the stamp
    lock = paper / "pith.lock"
    doc = v1_doc(lock)
    receipt = doc["entries"]["2606.01249"]["receipt"]
    sig = receipt["signature_b64"]
    receipt["signature_b64"] = ("B" if sig[0] == "A" else "A") + sig[1:]
    lock.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    code, _, err = pithtex(capsys, "check", "refs.bib", "main.tex")
    assert code == 1 and "gao2026trust" in err and "does not verify" in err
    code, _, err = pithtex(capsys, "annotate", "refs.bib")
    assert code == 1 and "does not verify" in err


def test_check_imports_no_network_stack(paper: Path) -> None:
    """`pithtex check` on a real paper: no httpx, rich or jinja2 in the process."""
    assert main(["annotate", "--quiet", "refs.bib", "main.tex"]) == 0
    probe = (
        "import sys\n"
        "from pithtex.cli import main\n"
        "code = main(['check', '--no-cache', 'refs.bib', 'main.tex'])\n"
        "assert code == 0, code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'rich', 'jinja2')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=paper)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_check_stamp_follows_the_configuration(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert pithtex(capsys, "annotate", "refs.bib")[0] == 0
    assert pithtex(capsys, "check", "refs.bib") == (0, "", "")
    (paper / "pithtex.toml").write_text('lock = "elsewhere.lock"\n')
    code, _, err = pithtex(capsys, "check", "refs.bib")
    assert code == 1 and "not in elsewhere.lock" in err
    shutil.copy2(paper / "pith.lock", paper / "elsewhere.lock")
    assert pithtex(capsys, "check", "refs.bib") == (0, "", "")
    (paper / "elsewhere.lock").write_text('{"entries": {}, "lock_version": 1}\n')  # the dependency changed
    code, _, err = pithtex(capsys, "check", "refs.bib")
    assert code == 1 and "not in elsewhere.lock" in err


def test_annotate_stamp_never_skips_real_work(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A no-op run is remembered; a deleted pith.sty or an edited .bib is still handled."""
    assert pithtex(capsys, "annotate", "refs.bib", "main.tex")[0] == 0
    summary = "pithtex: 0 added, 0 corrected, 3 unchanged, 0 not arXiv, 0 problems\n"  # one line, unless --quiet
    assert pithtex(capsys, "annotate", "refs.bib", "main.tex") == (0, "", summary)  # full run, nothing to do: stamped
    assert pithtex(capsys, "annotate", "refs.bib", "main.tex") == (0, "", summary)  # from the stamp
    assert pithtex(capsys, "annotate", "--quiet", "refs.bib", "main.tex") == (0, "", "")
    (paper / "pith.sty").unlink()
    code, out, _ = pithtex(capsys, "annotate", "refs.bib", "main.tex")
    assert code == 0 and "pith.sty: create" in out and (paper / "pith.sty").exists()
    bib = paper / "refs.bib"
    bib.write_text(bib.read_text().replace(f"  pithnumber={{{PN_B}}},\n", ""))
    code, out, _ = pithtex(capsys, "annotate", "refs.bib", "main.tex")
    assert code == 0 and f"gao2026trust: add pithnumber {PN_B}" in out


def test_one_read_only_output_means_nothing_is_written(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sty = paper / "pith.sty"
    sty.write_text("% an old copy\n")
    os.chmod(sty, 0o444)
    before = (paper / "refs.bib").read_bytes()
    code, _, err = pithtex(capsys, "annotate", "refs.bib", "main.tex")
    assert code == 1 and "pith.sty: cannot write: the file is read-only; nothing was written" in err
    assert (paper / "refs.bib").read_bytes() == before and not (paper / "refs.pith").exists()


def test_a_planted_check_stamp_cannot_vouch_for_a_forged_lock(
    paper: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Whoever can write the cache (a shared CI cache) cannot plant a passing verdict:
    stamps are authenticated with a per-user key that lives outside the cache."""
    import hashlib

    assert pithtex(capsys, "annotate", "refs.bib", "main.tex")[0] == 0
    assert pithtex(capsys, "check", "refs.bib", "main.tex") == (0, "", "")
    stamps = list((tmp_path / "cache" / "check-ok").iterdir())
    assert len(stamps) == 1
    lock = paper / "pith.lock"
    old_digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    doc = v1_doc(lock)
    receipt = doc["entries"]["2606.01249"]["receipt"]
    receipt["signature_b64"] = ("B" if receipt["signature_b64"][0] == "A" else "A") + receipt["signature_b64"][1:]
    lock.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    new_digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    genuine = stamps[0].read_text()
    assert genuine.startswith("hmac-sha256 ") and old_digest in genuine
    forgeries = [
        genuine.replace(old_digest, new_digest),  # the old tag no longer authenticates
        genuine.split("\n", 1)[1].replace(old_digest, new_digest),  # no tag at all
        "hmac-sha256 " + "0" * 64 + "\n" + genuine.split("\n", 1)[1].replace(old_digest, new_digest),
    ]
    for forged in forgeries:
        stamps[0].write_text(forged)
        code, _, err = pithtex(capsys, "check", "refs.bib", "main.tex")
        assert code == 1 and "gao2026trust" in err and "does not verify" in err
    key = Path(os.environ["PITHTEX_STATE_DIR"]) / "stamp.key"
    assert key.stat().st_mode & 0o077 == 0 and not str(key).startswith(str(tmp_path / "cache"))


def _stamp_sty(path: Path, version: str) -> None:
    from pithtex.write.sty import render_sty

    path.write_text(render_sty(version), encoding="utf-8")


def test_annotate_never_downgrades_a_newer_pith_sty(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Coauthors on different releases: a newer pith.sty stays, so the file does not flip-flop."""
    assert pithtex(capsys, "annotate", "refs.bib", "main.tex")[0] == 0
    sty = paper / "pith.sty"
    _stamp_sty(sty, "99.0.0")
    newer = sty.read_bytes()
    code, _, err = pithtex(capsys, "annotate", "refs.bib", "main.tex")
    assert code == 0
    assert sty.read_bytes() == newer
    assert "newer than this pithtex" in err and "pith.sty" in err
    code, out, _ = pithtex(capsys, "annotate", "--json", "refs.bib", "main.tex")
    assert "newer-sty" in {line["code"] for line in json.loads(out)["lines"]}

    _stamp_sty(sty, "0.0.1")  # an older release's copy is brought up to date
    assert pithtex(capsys, "annotate", "refs.bib", "main.tex")[0] == 0
    from pithtex.write.sty import installed_version

    import pithtex as package

    assert installed_version(sty) == package.__version__


def test_check_warns_about_an_older_pith_sty(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert pithtex(capsys, "annotate", "refs.bib", "main.tex")[0] == 0
    assert pithtex(capsys, "check", "refs.bib", "main.tex") == (0, "", "")
    _stamp_sty(paper / "pith.sty", "0.0.1")
    code, _, err = pithtex(capsys, "check", "refs.bib", "main.tex")
    assert code == 0  # a warning: the paper still compiles
    assert "written by pithtex 0.0.1" in err and "pithtex sty" in err
    _stamp_sty(paper / "pith.sty", "99.0.0")  # newer than this pithtex: nothing to say
    assert pithtex(capsys, "check", "refs.bib", "main.tex") == (0, "", "")


def test_a_key_used_twice_gets_the_badge_of_its_first_entry(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """BibTeX and biber use the first entry of a repeated key; refs.pith must not fail on the second."""
    with (paper / "refs.bib").open("a", encoding="utf-8") as bib:
        bib.write("\n@misc{vanngo2025sharpness,\n  eprint = {2606.01249},\n  archivePrefix = {arXiv}\n}\n")
    code, out, err = pithtex(capsys, "annotate", "refs.bib")
    assert code == 0, err
    assert out.count(f"add pithnumber {PN_B}") == 2  # both entries are annotated
    refs = (paper / "refs.pith").read_text()
    assert "{vanngo2025sharpness}" in refs and PN_A.split(":")[2] in refs
    assert refs.count("vanngo2025sharpness") == 1


def test_a_reporter_that_keeps_less_prints_the_same(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs that never show information lines (no --json) or changes (--quiet) do not keep them."""
    from pithtex.crosscheck import CrossFinding
    from pithtex.write.report import Reporter

    def feed(reporter: Reporter) -> Reporter:
        reporter.change("refs.bib", 3, "a", "add pithnumber pith:2025:X")
        reporter.finding(CrossFinding("title-verified", "info", "refs.bib", 3, "a", "title verified."))
        reporter.finding(CrossFinding("version-drift", "info", "refs.bib", 9, "b", "cites v1; v2 exists."))
        reporter.finding(CrossFinding("title-differs", "warning", "refs.bib", 12, "c", "worded differently."))
        reporter.problem("refs.bib", 20, "d", "2101.00001: not in pith.lock")
        return reporter

    everything = feed(Reporter())
    for quiet in (False, True):
        for keep_changes in (True, quiet is False):
            lean = feed(Reporter(keep_info=False, keep_changes=keep_changes))
            everything.print(quiet=quiet)
            full = capsys.readouterr()
            lean.print(quiet=quiet)
            assert capsys.readouterr() == full
    lean = feed(Reporter(keep_info=False, keep_changes=False))
    assert [line.code or line.kind for line in lean.lines] == ["version-drift", "title-differs", "problem"]
    assert lean.dropped_changes == 1 and not lean.clean and len(lean.problems) == 1
    quiet_only = Reporter(keep_changes=False)
    quiet_only.finding(CrossFinding("title-verified", "info", "refs.bib", 3, "a", "title verified."))
    assert quiet_only.clean


@pytest.mark.parametrize("lenient", [False, True])
def test_a_block_broken_half_way_through_an_edit_keeps_its_badge(
    paper: Path, capsys: pytest.CaptureFixture[str], lenient: bool,
) -> None:
    """A '}' missing while editing one entry: the block is skipped, and refs.pith was rewritten without its
    verified line, so the next build (latexmk goes on with --lenient) lost the badge. Its key is not gone."""
    assert pithtex(capsys, "annotate", "refs.bib")[0] == 0
    badges = (paper / "refs.pith").read_bytes()
    assert badges.count(b"\\pithref{") == 3
    bib = paper / "refs.bib"
    text = bib.read_text()
    broken = text.replace("  year={2026}\n}", "  year={2026}\n", 1)
    assert broken != text
    bib.write_text(broken)
    code, _, err = pithtex(capsys, "annotate", *(["--lenient"] if lenient else []), "refs.bib")
    assert code == (0 if lenient else 1) and "cannot parse this @article block" in err
    assert (paper / "refs.pith").read_bytes() == badges
    bib.write_text(text.replace("@article{gao2026trust", "@article{gao2026gone", 1))  # a key really gone
    assert pithtex(capsys, "annotate", "refs.bib")[0] == 0
    assert b"{gao2026trust}" not in (paper / "refs.pith").read_bytes()


def test_a_bib_left_with_a_merge_conflict_is_refused_at_its_marker(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """annotate gave both sides of an unfinished merge their fields, wrote refs.pith from them and said
    '1 problem'; a pith.lock with markers was already refused."""
    bib = paper / "refs.bib"
    text = bib.read_text()
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("@"))
    conflicted = "".join(lines[:at] + ["<<<<<<< HEAD\n"] + lines[at:] + ["=======\n"] + lines[at:] + [">>>>>>> theirs\n"])
    bib.write_text(conflicted)
    before = {p.name: p.read_bytes() for p in paper.iterdir()}
    for command in ("annotate", "check"):
        code, _, err = pithtex(capsys, command, "main.tex")
        assert code == 2
        assert err.splitlines()[0] == (
            f"pithtex: refs.bib:{at + 1}: a git merge conflict is not resolved here (the '<<<<<<<' line)"
        )
        assert {p.name: p.read_bytes() for p in paper.iterdir()} == before
    bib.write_text(text.replace("\n", "\n<<<<<<<< not a marker\n", 1))  # eight, or mid-line: not git's
    assert pithtex(capsys, "annotate", "refs.bib")[0] == 0


def test_a_latin_1_bib_is_warned_about_at_its_first_such_line(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The scanner computes the line; annotate printed 'refs.bib: not valid UTF-8' without it."""
    bib = paper / "refs.bib"
    data = bib.read_bytes()
    bib.write_bytes(data + b"@misc{cafe, title={Caf\xe9}}\n")
    code, _, err = pithtex(capsys, "annotate", "refs.bib")
    assert code == 0
    line = data.count(b"\n") + 1
    assert f"refs.bib:{line}: not valid UTF-8; read as Latin-1 (warning)" in err.splitlines()


def test_a_tex_file_with_cr_line_ends_is_refused_not_passed(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """TeX builds a main.tex whose lines end in CR alone; pithtex read it as one comment line, found no
    \\bibliography, annotated nothing and 'check' passed (exit 0) with a bibliography it never scanned."""
    tex = paper / "main.tex"
    tex.write_bytes(tex.read_bytes().replace(b"\n", b"\r"))
    before = {p.name: p.read_bytes() for p in paper.iterdir()}
    for command in ("check", "annotate"):
        code, _, err = pithtex(capsys, command, "main.tex")
        assert code == 2
        assert err.splitlines()[0] == ("pithtex: main.tex:1: its lines end in CR alone (classic Mac OS), which "
                                       "pithtex does not read")
    assert {p.name: p.read_bytes() for p in paper.iterdir()} == before


def test_a_hard_linked_bib_is_split_with_a_warning(paper: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Documented (a hard link is replaced, as editors' safe-save does), but the run said nothing, so a .bib
    shared between two papers by a hard link silently stopped being shared."""
    other = tmp_path / "other.bib"
    os.link(paper / "refs.bib", other)
    code, _, err = pithtex(capsys, "annotate", "refs.bib")
    assert code == 0
    assert ("refs.bib: is hard-linked to 1 other name, which will keep the old bytes: pithtex writes a new file "
            "under this name (share a .bib with a symbolic link, which pithtex writes through) (warning)"
            ) in err.splitlines()
    assert b"pithnumber" in (paper / "refs.bib").read_bytes() and b"pithnumber" not in other.read_bytes()
    assert "hard-linked" not in pithtex(capsys, "annotate", "refs.bib")[2]  # one name now: nothing to say


def test_a_new_refs_pith_is_as_private_as_its_bib(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """refs.pith holds the bibliography's keys; beside a chmod 600 refs.bib it was created 644 (the umask's)."""
    os.chmod(paper / "refs.bib", 0o600)
    (paper / "refs.pith").unlink(missing_ok=True)
    assert pithtex(capsys, "annotate", "refs.bib")[0] == 0
    assert (paper / "refs.pith").stat().st_mode & 0o777 == 0o600
    assert (paper / "refs.bib").stat().st_mode & 0o777 == 0o600


def test_a_check_stamp_that_is_a_fifo_is_a_miss(paper: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A FIFO in a stamp's place hung check, and with it every commit."""
    assert pithtex(capsys, "annotate", "refs.bib", "main.tex")[0] == 0
    assert pithtex(capsys, "check", "refs.bib", "main.tex") == (0, "", "")
    (stamp,) = (tmp_path / "cache" / "check-ok").iterdir()
    stamp.unlink()
    os.mkfifo(stamp)
    assert pithtex(capsys, "check", "refs.bib", "main.tex") == (0, "", "")  # the full check ran, and passed
