"""Users' files under real conditions: an editor saving mid-run, symbolic links, failed resolutions.

Real processes (``python -m pithtex``), real files and a real loopback registry
that holds its answer until the test has changed the file. Every test checks
the exit code, the message and the exact bytes of every file afterwards.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.support.registry import FaultRegistry, bib_citing, isolate, json_doc, status
from tests.support.signing import REAL_RECORDS, load_fixture

REAL = load_fixture(REAL_RECORDS["2511.00066"])
OTHER = load_fixture(REAL_RECORDS["2606.01249"])
PN_A = "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"  # 2511.00066
PN_B = "pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE"  # 2606.01249
PN_X = "pith:2026:" + "A" * 26  # well-formed, no such record


class Gate:
    """A registry answer held back until the test says go (the test edits files meanwhile)."""

    def __init__(self, then: object) -> None:
        self.arrived = threading.Event()
        self.go = threading.Event()
        self.then = then

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        self.arrived.set()
        self.go.wait(30)
        self.then(handler)  # type: ignore[operator]


def start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pithtex", *args], cwd=cwd, env=dict(os.environ),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    return proc.returncode, out, err


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    return finish(start(args, cwd))


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative name -> bytes); links are listed by what they point to."""
    out: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            out[str(path.relative_to(root))] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            out[str(path.relative_to(root))] = path.read_bytes()
    return out


def with_number(bib: bytes, number: str = PN_A) -> bytes:
    """``bib_citing``'s one entry as annotate writes it: the field after ``archivePrefix``."""
    assert bib.count(b"  year = {") == 1
    return bib.replace(b"  year = {", f"  pithnumber = {{{number}}},\n  year = {{".encode())


@pytest.fixture
def paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate(tmp_path, monkeypatch)
    root = tmp_path / "paper"
    root.mkdir()
    (root / "refs.bib").write_text(bib_citing("2511.00066"))
    return root


def reference_lock(tmp_path: Path, registry: FaultRegistry, bib: str) -> bytes:
    """The pith.lock an undisturbed run writes for ``bib`` (to compare exact bytes with)."""
    other = tmp_path / "reference"
    other.mkdir()
    (other / "refs.bib").write_text(bib)
    code, _out, err = run(["resolve", "refs.bib", "--registry", registry.url], other)
    assert code == 0, err
    return (other / "pith.lock").read_bytes()


# -- item 1: an edit saved while annotate runs is never lost -------------------------------
@pytest.mark.parametrize("how", ["rewrite", "same-size-same-mtime"])
def test_an_edit_saved_during_resolution_is_kept(paper: Path, tmp_path: Path, how: str) -> None:
    bib = paper / "refs.bib"
    original = bib.read_bytes()
    with FaultRegistry() as registry:
        gate = Gate(json_doc({"pith_number": PN_A, "arxiv": "2511.00066"}))
        registry.route("resolve:2511.00066", gate)
        registry.route(f"/pith/{PN_A.rsplit(':', 1)[1]}.json", json_doc(REAL))
        proc = start(["annotate", "refs.bib", "--registry", registry.url], paper)
        assert gate.arrived.wait(30), proc.communicate(timeout=5)
        if how == "rewrite":  # an editor's save: a new, longer file
            saved = original.replace(b"year = {2024}", b"year = {2024},\n  note = {saved mid-run}")
            bib.write_bytes(saved)
        else:  # a quick save of the same length, mtime restored: only the bytes tell
            st = bib.stat()
            saved = original.replace(b"A. Author", b"B. Author")
            with open(bib, "r+b") as handle:
                handle.write(saved)
            os.utime(bib, ns=(st.st_atime_ns, st.st_mtime_ns))
            assert bib.stat().st_mtime_ns == st.st_mtime_ns and bib.stat().st_ino == st.st_ino
        gate.go.set()
        code, out, err = finish(proc)
    assert code == 1, (out, err)
    assert err == (
        f"pithtex: refs.bib: changed on disk while pithtex was running (saved from an editor?); "
        "left as it is now, nothing was written\n  hint: run the command again\n"
    )
    # the user's version, no refs.pith, and no pith.lock either: nothing was written, as it says (issue 18)
    assert files(paper) == {"refs.bib": saved}


def test_the_next_run_annotates_the_saved_version(paper: Path) -> None:
    """After the refusal, a plain rerun works on what the user saved (from pith.lock, offline)."""
    bib = paper / "refs.bib"
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        code, _, err = run(["resolve", "refs.bib", "--registry", registry.url], paper)
    assert code == 0, err
    saved = bib.read_bytes().replace(b"year = {2024}", b"year = {2025}")
    bib.write_bytes(saved)
    code, out, err = run(["annotate", "refs.bib", "--offline"], paper)
    assert code == 0, err
    assert out == f"refs.bib:1: ref0: add pithnumber {PN_A} (arXiv:2511.00066)\nrefs.pith: create\n"
    assert bib.read_bytes() == with_number(saved)
    assert (paper / "refs.pith").read_bytes().endswith(f"\\pithref{{ref0}}{{{PN_A}}}\n".encode())


# -- item 2: a symbolic link is edited through -----------------------------------------------
def test_a_symlinked_bib_is_annotated_through_the_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(tmp_path, monkeypatch)
    common = tmp_path / "common"
    common.mkdir()
    master = common / "master.bib"
    master.write_text(bib_citing("2511.00066"))
    os.chmod(master, 0o640)
    os.setxattr(master, "user.origin", b"shared-bibliography")
    if os.geteuid() == 0:
        os.chown(master, 65534, 65534)  # another owner and group (as a shared file often has)
    owner = (master.stat().st_uid, master.stat().st_gid)
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "refs.bib").symlink_to("../common/master.bib")
    original = master.read_bytes()
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        code, out, err = run(["annotate", "refs.bib", "--registry", registry.url], paper)
        lock = reference_lock(tmp_path, registry, original.decode())
    assert code == 0, err
    assert out == f"refs.bib:1: ref0: add pithnumber {PN_A} (arXiv:2511.00066)\nrefs.pith: create\n"
    annotated = with_number(original)
    assert os.readlink(paper / "refs.bib") == "../common/master.bib"  # still the link
    assert files(common) == {"master.bib": annotated}  # the target edited, no temp file beside it
    assert stat.S_IMODE(master.stat().st_mode) == 0o640
    assert (master.stat().st_uid, master.stat().st_gid) == owner
    assert os.getxattr(master, "user.origin") == b"shared-bibliography"
    refs_pith = (paper / "refs.pith").read_bytes()
    assert refs_pith.endswith(f"\\pithref{{ref0}}{{{PN_A}}}\n".encode())
    assert files(paper) == {"pith.lock": lock, "refs.bib": b"-> ../common/master.bib", "refs.pith": refs_pith}


def test_a_hard_linked_bib_is_replaced_and_the_other_link_keeps_the_old_bytes(
    paper: Path, tmp_path: Path
) -> None:
    """As documented in pithtex/write/atomic.py and the README: replace, never write in place."""
    bib = paper / "refs.bib"
    other = tmp_path / "elsewhere.bib"
    os.link(bib, other)
    original = bib.read_bytes()
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL)
        code, _out, err = run(["annotate", "refs.bib", "--registry", registry.url], paper)
    assert code == 0, err
    assert bib.read_bytes() == with_number(original)
    assert other.read_bytes() == original
    assert bib.stat().st_nlink == 1 and other.stat().st_nlink == 1


# -- item 3: a failed resolution never removes what was verified -----------------------------
def annotated_paper(paper: Path, registry: FaultRegistry) -> dict[str, bytes]:
    (paper / "refs.bib").write_text(bib_citing("2511.00066", "2606.01249"))
    registry.serve_record("2511.00066", REAL).serve_record("2606.01249", OTHER)
    code, _out, err = run(["annotate", "refs.bib", "--registry", registry.url], paper)
    assert code == 0, err
    before = files(paper)
    assert f"\\pithref{{ref0}}{{{PN_A}}}\n\\pithref{{ref1}}{{{PN_B}}}\n".encode() in before["refs.pith"]
    return before


def test_update_against_a_503_registry_keeps_every_badge(paper: Path) -> None:
    with FaultRegistry() as registry:
        before = annotated_paper(paper, registry)
        registry.route("resolve:2606.01249", status(503))
        code, out, err = run(["annotate", "--update", "refs.bib", "--registry", registry.url], paper)
    assert code == 1
    assert out == ""
    assert err.startswith(
        "refs.bib:9: ref1: arXiv:2606.01249: " + registry.url + ": HTTP 503 (gave up after 3 attempts)\n"
    ), err
    assert files(paper) == before  # refs.pith keeps ref1's line; nothing else changed
    code, out, err = run(["check", "refs.bib"], paper)
    assert (code, out, err) == (0, "", "")


@pytest.mark.parametrize("command", ["resolve", "annotate"])
def test_a_read_only_lock_is_refused_when_it_would_change(paper: Path, tmp_path: Path, command: str) -> None:
    """A pith.lock frozen (chmod a-w) for a submission: 'resolve' used to replace it (exit 0, mode kept)."""
    with FaultRegistry() as registry:
        registry.serve_record("2511.00066", REAL).serve_record("2606.01249", OTHER)
        code, _out, err = run(["resolve", "refs.bib", "--registry", registry.url], paper)
        assert code == 0, err
        lock = paper / "pith.lock"
        os.chmod(lock, 0o444)
        code, out, err = run([command, "refs.bib", "--registry", registry.url], paper)
        assert (code, out, err) == (0, "", "") or code == 0 and "pith.lock" not in out + err  # nothing to add: fine
        (paper / "refs.bib").write_text(bib_citing("2511.00066", "2606.01249"))  # a new reference
        before, cache = files(paper), files(tmp_path / "cache")
        code, out, err = run([command, "refs.bib", "--registry", registry.url], paper)
    assert code == 1
    assert "pithtex: pith.lock: cannot write: the file is read-only; nothing was written" in err.replace(str(paper) + "/", "")
    assert "hint: make it writable (chmod u+w) if pithtex should change it" in err
    assert files(paper) == before and files(tmp_path / "cache") == cache  # nor the record cache
    assert stat.S_IMODE(lock.stat().st_mode) == 0o444


def test_offline_with_a_tampered_lock_keeps_the_badges_and_check_fails(paper: Path) -> None:
    with FaultRegistry() as registry:
        before = annotated_paper(paper, registry)
    lock = paper / "pith.lock"
    lines = lock.read_text(encoding="utf-8").split("\n")
    [at] = [i for i, line in enumerate(lines) if line.startswith('["2606.01249",')]  # the v2 line format
    signature = re.search(r"[A-Za-z0-9+/]{86}==", lines[at])
    assert signature is not None
    flipped = ("B" if signature.group(0)[0] == "A" else "A") + signature.group(0)[1:]
    lines[at] = lines[at].replace(signature.group(0), flipped)
    lock.write_text("\n".join(lines), encoding="utf-8")
    before["pith.lock"] = lock.read_bytes()
    code, out, err = run(["annotate", "--offline", "refs.bib"], paper)
    assert code == 1
    # where it is cited, and the lock's line to fix or delete
    assert f"refs.bib:9: ref1: arXiv:2606.01249: pith.lock:{at + 1}: entry '2606.01249' does not verify" in err
    assert files(paper) == before
    code, out, err = run(["check", "refs.bib"], paper)
    assert code == 1
    assert f"refs.bib:9: ref1: pith.lock:{at + 1}: entry '2606.01249' does not verify" in err


def test_a_coauthor_without_the_trust_key_keeps_every_badge(paper: Path, tmp_path: Path) -> None:
    """Records signed by a key only the first author trusts: the coauthor's run fails, loses nothing."""
    from tests.support.signing import TestKey, make_record

    key = TestKey()
    key_file = key.write_key_file(tmp_path / "key.json")
    record = make_record(key, "2401.00001", 1, "A Private Registry Paper")
    (paper / "refs.bib").write_text(bib_citing("2401.00001"))
    with FaultRegistry() as registry:
        registry.serve_record("2401.00001", record)
        code, out, err = run(["annotate", "refs.bib", "--registry", registry.url, "--trust-key", str(key_file)], paper)
    assert code == 0, err
    before = files(paper)
    assert f"\\pithref{{ref0}}{{{record['pith_number']}}}\n".encode() in before["refs.pith"]
    code, out, err = run(["annotate", "refs.bib", "--offline"], paper)  # no --trust-key
    assert code == 1
    assert out == ""
    assert "refs.bib:1: ref0: arXiv:2401.00001: pith.lock:2: entry '2401.00001' does not verify" in err.splitlines()[0]
    assert files(paper) == before


def test_prune_drops_the_line_of_an_entry_that_no_longer_cites_arxiv(paper: Path) -> None:
    with FaultRegistry() as registry:
        before = annotated_paper(paper, registry)
    bib = paper / "refs.bib"
    text = before["refs.bib"].replace(b"  eprint = {2606.01249},\n  archivePrefix = {arXiv},\n", b"")
    bib.write_bytes(text)
    code, out, err = run(["annotate", "refs.bib", "--offline"], paper)
    assert code == 0, err
    assert out == ""
    warning = f"refs.bib:11: ref1: has pithnumber {PN_B} but no arXiv reference (--prune removes it) (warning)"
    assert warning in err.splitlines()
    assert files(paper) == {**before, "refs.bib": text}  # the line stays, as the field does
    code, out, err = run(["annotate", "--prune", "refs.bib", "--offline"], paper)
    assert code == 0, err
    assert out == f"refs.bib:11: ref1: remove pithnumber {PN_B} (no arXiv reference)\nrefs.pith: update\n"
    line = f"\\pithref{{ref1}}{{{PN_B}}}\n".encode()
    assert files(paper) == {
        **before,
        "refs.bib": text.replace(f"  pithnumber = {{{PN_B}}},\n".encode(), b""),
        "refs.pith": before["refs.pith"].replace(line, b""),
    }
    code, out, err = run(["check", "refs.bib"], paper)
    assert (code, out, err) == (0, "", "")


# -- item 3 (and issue 18): check fails when refs.pith disagrees, is stale or missing ---------
@pytest.fixture
def annotated(paper: Path) -> dict[str, bytes]:
    with FaultRegistry() as registry:
        return annotated_paper(paper, registry)


def check_fails(paper: Path, before: dict[str, bytes], *args: str) -> list[str]:
    code, out, err = run(["check", "refs.bib", *args], paper)
    assert code == 1, err
    assert out == ""
    assert files(paper) == before  # check never writes
    return [line for line in err.splitlines() if not line.startswith("pithtex: ")]


def test_check_fails_when_refs_pith_disagrees_with_the_bib(paper: Path, annotated: dict[str, bytes]) -> None:
    refs = paper / "refs.pith"
    refs.write_bytes(annotated["refs.pith"].replace(f"{{ref1}}{{{PN_B}}}".encode(), f"{{ref1}}{{{PN_A}}}".encode()))
    before = files(paper)
    assert check_fails(paper, before) == [
        f"refs.pith:5: ref1: {PN_A}, but refs.bib:13 gives {PN_B} (run 'pithtex annotate refs.bib')"
    ]


def test_check_given_only_the_files_pithtex_writes_checks_the_sources_behind_them(
    paper: Path, annotated: dict[str, bytes]
) -> None:
    """What the pre-commit hook passes for a commit that touches only refs.pith, pith.lock or pith.sty:
    the .bib beside a .pith, the folder's root .tex (else its .bib files) for the other two."""
    assert run(["check", "refs.pith", "pith.lock"], paper)[0::2] == (0, "")
    refs = paper / "refs.pith"
    refs.write_bytes(annotated["refs.pith"].replace(f"{{ref1}}{{{PN_B}}}".encode(), f"{{ref1}}{{{PN_A}}}".encode()))
    wrong = f"refs.pith:5: ref1: {PN_A}, but refs.bib:13 gives {PN_B} (run 'pithtex annotate refs.bib')"
    for given in ("refs.pith", "pith.lock"):
        code, _out, err = run(["check", given], paper)
        assert (code, err.splitlines()[0]) == (1, wrong)
    (paper / "extra.pith").write_text(f"\\pithref{{book}}{{{PN_A}}}\n")  # no extra.bib: nothing checks it
    code, _out, err = run(["check", "extra.pith"], paper)
    assert (code, err.splitlines()[0]) == (1, "extra.pith: no extra.bib beside it, so nothing checks its badges")


def test_check_fails_when_refs_pith_disagrees_with_pith_lock(paper: Path, annotated: dict[str, bytes]) -> None:
    bib = paper / "refs.bib"
    bib.write_bytes(annotated["refs.bib"].replace(f"pithnumber = {{{PN_B}}}".encode(), f"pithnumber = {{{PN_X}}}".encode()))
    (paper / "refs.pith").write_bytes(
        annotated["refs.pith"].replace(f"{{ref1}}{{{PN_B}}}".encode(), f"{{ref1}}{{{PN_X}}}".encode())
    )
    before = files(paper)
    assert check_fails(paper, before) == [
        f"refs.bib:13: ref1: pithnumber {PN_X} is wrong: arXiv:2606.01249 is {PN_B} in pith.lock (run 'pithtex annotate')",
        f"refs.pith:5: ref1: {PN_X}, but arXiv:2606.01249 is {PN_B} in pith.lock (run 'pithtex annotate refs.bib')",
    ]


def test_check_fails_when_refs_pith_is_stale(paper: Path, annotated: dict[str, bytes]) -> None:
    """A line lost (the badge vanishes) and a line for a key the .bib no longer has."""
    stale = annotated["refs.pith"].replace(f"\\pithref{{ref1}}{{{PN_B}}}\n".encode(), f"\\pithref{{gone}}{{{PN_B}}}\n".encode())
    (paper / "refs.pith").write_bytes(stale)
    before = files(paper)
    assert check_fails(paper, before) == [
        f"refs.pith:5: gone: {PN_B}, but refs.bib has no entry gone (run 'pithtex annotate refs.bib')",
        f"refs.bib:13: ref1: pithnumber {PN_B} has no line in refs.pith, so its badge is missing from the "
        "bibliography (run 'pithtex annotate refs.bib')",
    ]


def test_check_fails_when_refs_pith_is_missing_and_the_tex_loads_pith(paper: Path, annotated: dict[str, bytes]) -> None:
    (paper / "refs.pith").unlink()
    (paper / "main.tex").write_text(
        "\\documentclass{article}\n\\usepackage{pith}\n\\begin{document}\n\\cite{ref0}\n"
        "\\bibliographystyle{plain}\n\\bibliography{refs}\n\\end{document}\n"
    )
    from pithtex.write.sty import render_sty

    (paper / "pith.sty").write_text(render_sty())
    before = files(paper)
    code, out, err = run(["check", "refs.bib"], paper)  # without the .tex: nothing says badges are wanted
    assert (code, out, err) == (0, "", "")
    assert check_fails(paper, before, "main.tex") == [
        "refs.bib:1: ref0: refs.pith is missing, so the bibliography of main.tex shows none of the badges of "
        "2 annotated entries (run 'pithtex annotate refs.bib')"
    ]
    code, out, err = run(["annotate", "refs.bib", "main.tex", "--offline"], paper)
    assert (code, out) == (0, "refs.pith: create\n"), err
    assert files(paper) == {**before, "refs.pith": annotated["refs.pith"]}
    code, out, err = run(["check", "refs.bib", "main.tex"], paper)
    assert (code, out, err) == (0, "", "")


# -- item 4: unsigned fields never decide a security question ---------------------------------
@pytest.mark.parametrize("hint", ["Attention Is All You Need\u00a0", "Attention Is \u00c0ll You Need", None])
def test_an_unsigned_title_hint_never_downgrades_a_wrong_id(
    paper: Path, tmp_path: Path, hint: str | None
) -> None:
    """The signed title hash names another paper: exit 1 and nothing written, whatever paper.title says."""
    from tests.support.signing import TestKey, make_record

    key = TestKey()
    key_file = key.write_key_file(tmp_path / "key.json")
    record = make_record(key, "2401.00001", 1, "Deep Residual Learning for Image Recognition")
    if hint is None:
        del record["paper"]["title"]
    else:
        record["paper"]["title"] = hint  # unsigned: outside the canonical record
    bib = paper / "refs.bib"
    bib.write_text(bib_citing("2401.00001", titles={"2401.00001": "Attention Is All You Need"}))
    before = files(paper)
    with FaultRegistry() as registry:
        registry.serve_record("2401.00001", record)
        code, out, err = run(["annotate", "refs.bib", "--registry", registry.url, "--trust-key", str(key_file)], paper)
        after = files(paper)
        # resolve locks the verified record (it is genuine: the id is wrong); annotate wrote nothing (issue 18)
        resolved = run(["resolve", "refs.bib", "--registry", registry.url, "--trust-key", str(key_file)], paper)
    assert resolved[0] == 0, resolved
    assert code == 1, (out, err)
    assert "refs.bib:1: ref0: the title does not match arXiv:2401.00001v1 (signed record)" in err
    assert "The arXiv id is probably wrong." in err
    assert err.splitlines()[-1] == (
        "pithtex: nothing was written: ref0: the title does not match the signed title, so the arXiv id is "
        "probably wrong (fix it, or pass --allow-title-mismatch KEY)"
    )
    assert after == before  # refs.bib untouched, no refs.pith, no pith.lock
    code, out, err = run(["check", "refs.bib", "--trust-key", str(key_file)], paper)
    assert code == 1 and "refs.bib:1: ref0: the title does not match" in err
    # The lock's own (unsigned) title field, edited to agree with the entry, changes nothing either.
    lock = paper / "pith.lock"
    text = lock.read_text(encoding="utf-8")
    signed_title = json.dumps(record["paper"].get("title", "Deep Residual Learning for Image Recognition"), ensure_ascii=False)
    if signed_title not in text:  # no hint was locked: put the title where the v2 line keeps it
        assert '"Deep Residual Learning' not in text and ',null,"' in text
        text = text.replace(',null,"', ',"Attention Is All You Need\u00a0","', 1)
    else:
        text = text.replace(signed_title, '"Attention Is All You Need\u00a0"')
    lock.write_text(text, encoding="utf-8")
    before = files(paper)
    code, out, err = run(["annotate", "refs.bib", "--offline", "--trust-key", str(key_file)], paper)
    assert code == 1 and "The arXiv id is probably wrong." in err, err
    assert err.splitlines()[-1].startswith("pithtex: nothing was written: ref0: the title does not match")
    assert files(paper) == before
