"""A tampered pith.lock is caught on every run, however many clean runs came before.

Nothing a run remembers may let a changed lock pass. The stamp of a clean ``check``
(pithtex/write/checkstamp.py) lists the lock's SHA-256 among its dependencies, so any
changed byte is a full run; the per-user memo of verified lock lines
(pithtex/resolve/verified_lines.py) lists the SHA-256 of each line that verified, so a
changed line is verified in full, and it is never remembered (tests/test_verified_lines.py
for forged and foreign memos).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from tests.support.example import offline_paper

from pithtex.cli import main

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("main.tex", "refs.bib", "pith.lock", "pithtex.toml")


@pytest.fixture
def paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return offline_paper(tmp_path, monkeypatch, SOURCES)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def _flip_signature(lock: Path) -> None:
    """Change one base64 character of the first signature in the file (any lock format)."""
    text = lock.read_text(encoding="utf-8")
    match = re.search(r"[A-Za-z0-9+/]{80,86}==", text)
    assert match, "no signature in the lock"
    at = match.start() + 10
    text = text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1:]
    lock.write_text(text, encoding="utf-8")


def _change_record(lock: Path) -> None:
    """Change a byte of a signed canonical record (its primary category)."""
    text = lock.read_text(encoding="utf-8")
    assert '"cs.LG"' in text
    lock.write_text(text.replace('"cs.LG"', '"cs.CL"', 1), encoding="utf-8")


@pytest.mark.parametrize("tamper", [_flip_signature, _change_record], ids=["signature", "record"])
def test_a_tampered_lock_fails_every_run_after_clean_ones(
    paper: Path, capsys: pytest.CaptureFixture[str], tamper: object
) -> None:
    assert run(capsys, "annotate", "--offline", "--quiet", "refs.bib", "main.tex")[0] == 0
    for _ in range(3):  # clean, clean again (stamped), and once more
        code, err = run(capsys, "check", "refs.bib", "main.tex")
        assert code == 0, err
    assert run(capsys, "annotate", "--offline", "--quiet", "refs.bib", "main.tex")[0] == 0  # stamped: nothing to do

    tamper(paper / "pith.lock")  # type: ignore[operator]
    bib, lock = (paper / "refs.bib").read_bytes(), (paper / "pith.lock").read_bytes()
    for _ in range(3):  # every run, not only the first after the change
        code, err = run(capsys, "check", "refs.bib", "main.tex")
        assert code == 1 and "does not verify" in err, err
        code, err = run(capsys, "check", "--no-cache", "refs.bib", "main.tex")
        assert code == 1 and "does not verify" in err, err
        code, err = run(capsys, "annotate", "--offline", "refs.bib", "main.tex")
        assert code == 1 and "does not verify" in err, err
        code, err = run(capsys, "resolve", "--offline", "refs.bib")
        assert code != 0 and "does not verify" in err, err
    assert (paper / "refs.bib").read_bytes() == bib and (paper / "pith.lock").read_bytes() == lock


def test_a_lock_entry_restored_to_its_bytes_passes_again(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "annotate", "--offline", "--quiet", "refs.bib", "main.tex")[0] == 0
    good = (paper / "pith.lock").read_bytes()
    _flip_signature(paper / "pith.lock")
    assert run(capsys, "check", "refs.bib", "main.tex")[0] == 1
    (paper / "pith.lock").write_bytes(good)
    code, err = run(capsys, "check", "refs.bib", "main.tex")
    assert code == 0, err


@pytest.mark.parametrize("tamper", [_flip_signature, _change_record], ids=["signature", "record"])
def test_a_memo_of_verified_lines_never_lets_a_tampered_line_pass(
    paper: Path, capsys: pytest.CaptureFixture[str], tamper: object
) -> None:
    def memo() -> set[str]:
        directory = Path(os.environ["PITHTEX_STATE_DIR"]) / "verified-lines"
        (path,) = directory.iterdir()
        return set(path.read_text(encoding="ascii").split("\n")[1:])

    def hashes() -> list[str]:
        lines = (paper / "pith.lock").read_text(encoding="utf-8").splitlines()[1:]
        return [hashlib.sha256(line.encode("utf-8")).hexdigest() for line in lines]

    assert run(capsys, "annotate", "--offline", "--quiet", "refs.bib", "main.tex")[0] == 0
    assert run(capsys, "check", "--quiet", "refs.bib", "main.tex")[0] == 0
    assert memo() == set(hashes())  # warm: every line is remembered

    tamper(paper / "pith.lock")  # type: ignore[operator]
    changed = set(hashes()) - memo()
    assert len(changed) == 1
    for _ in range(3):
        code, err = run(capsys, "check", "refs.bib", "main.tex")
        assert code == 1 and "does not verify" in err, err
        code, err = run(capsys, "annotate", "--offline", "refs.bib", "main.tex")
        assert code == 1 and "does not verify" in err, err
        code, err = run(capsys, "resolve", "--offline", "refs.bib")
        assert code != 0 and "does not verify" in err, err
        assert not changed & memo()  # a line that failed is never remembered
