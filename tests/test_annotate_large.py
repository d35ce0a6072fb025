"""`pithtex annotate` and `pithtex check` on a large bibliography with every kind of entry.

The run must say and write the same thing every time, and what it writes must
be what a later ``check`` accepts, for a file with every kind of entry annotate
treats differently.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pithtex.cli import main
from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import derive_pith_number
from pithtex.resolve.lockfile import LockEntry, Lockfile
from pithtex.verify.canonical import canonical_sha256
from tests.support.registry import isolate
from tests.support.signing import TestKey, make_canonical_record, make_receipt

N = 2400


def _arxiv(i: int) -> str:
    return f"2401.{i + 1:05d}"


def _title(i: int) -> str:
    return f"Generated Study Number {i} of Policy Optimization"


def _make_paper(root: Path, key: TestKey, *, mismatch: bool) -> None:
    """refs.bib with N entries of every kind, and a pith.lock holding most of their ids."""
    lock = Lockfile(root / "pith.lock")
    numbers = {}
    for i in range(N):
        if i % 97 == 5:
            continue  # not in the lock: "not in pith.lock or the cache"
        canonical = make_canonical_record(_arxiv(i), 1, _title(i))
        digest = canonical_sha256(canonical)
        numbers[i] = derive_pith_number(digest, canonical["metadata"]["submitted_at"])
        lock.put(LockEntry(ArxivId(_arxiv(i)), 1, numbers[i], digest, canonical, make_receipt(key, digest),
                           key.key_id, _title(i)))
    lock.save()
    parts = ["% a large generated bibliography\n@string{corr = {CoRR}}\n\n"]
    for i in range(N):
        title = _title(i) if not (mismatch and i == N - 3) else "A Completely Different Paper About Cooking"
        if i % 11 == 0:  # DBLP style, the journal a macro from the top of the file
            body = f"  title = {{{title}}},\n  journal = corr,\n  volume = {{abs/{_arxiv(i)}}},\n  year = 2024\n"
        elif i % 13 == 0 and i in numbers:  # annotated already, rightly
            body = f"  title = {{{title}}},\n  eprint = {{{_arxiv(i)}}},\n  pithnumber = {{{numbers[i].full}}}\n"
        elif i % 17 == 0:  # annotated wrongly
            body = f"  title = {{{title}}},\n  eprint = {{{_arxiv(i)}}},\n  pithnumber = {{pith:2024:AAAAAAAAAAAAAAAAAAAAAAAAAA}}\n"
        elif i % 19 == 0:  # an annotation without an arXiv reference
            body = f"  title = {{{title}}},\n  pithnumber = {{pith:2024:AAAAAAAAAAAAAAAAAAAAAAAAAA}}\n"
        elif i % 23 == 0:  # two papers
            body = f"  title = {{{title}}},\n  eprint = {{{_arxiv(i)}}},\n  note = {{arXiv:{_arxiv(i + 1)}}}\n"
        elif i % 29 == 0:  # unusual: read by bibtexparser, not the fast path
            body = f"  title = {{{title} \\{{x}},\n  eprint = {{{_arxiv(i)}}}\n"
        else:
            body = f"  title = {{{title}}},\n  journal = {{arXiv preprint arXiv:{_arxiv(i)}}},\n  year = {{2024}}\n"
        key_name = f"k{i}" if i % 31 else f"k{i - 1}"  # some keys used twice
        parts.append(f"@article{{{key_name},\n{body}}}\n\n")
    (root / "refs.bib").write_text("".join(parts), encoding="utf-8")


def _run(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str, bytes]:
    code = main(["annotate", "--offline", "--json", *args, "refs.bib"])
    out, err = capsys.readouterr()
    return code, out, err, (root / "refs.bib").read_bytes()


@pytest.mark.parametrize("mismatch", [False, True], ids=["writes", "title-mismatch"])
def test_a_large_bibliography_says_and_writes_the_same_every_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], mismatch: bool
) -> None:
    isolate(tmp_path, monkeypatch)
    key = TestKey(key_id="large-key")
    key.write_key_file(tmp_path / "key.json")
    monkeypatch.setenv("PITHTEX_TRUST_KEYS", str(tmp_path / "key.json"))
    root = tmp_path / "paper"
    root.mkdir()
    _make_paper(root, key, mismatch=mismatch)
    original = (root / "refs.bib").read_bytes()
    monkeypatch.chdir(root)

    outcomes = []
    for _ in range(2):  # the same run twice: the same lines, the same bytes
        (root / "refs.bib").write_bytes(original)
        (root / "refs.pith").unlink(missing_ok=True)
        code, out, err, written = _run(root, capsys)
        assert out, (code, err[-2000:])
        refs = (root / "refs.pith").read_bytes() if (root / "refs.pith").exists() else None
        outcomes.append((code, json.loads(out), err, written, refs))
    assert outcomes[0] == outcomes[1]
    code, report, _err, written, _refs = outcomes[0]
    kinds = {line["kind"] for line in report["lines"]}
    assert {"problem", "warning", "info"} <= kinds
    if mismatch:
        assert code == 1 and written == original
    else:
        assert code == 1  # the ids not in the lock and the entries naming two papers
        assert written != original and "change" in kinds
        assert written.count(b"pithnumber") > N // 2
        code = main(["check", "--json", "refs.bib"])
        out, _err = capsys.readouterr()
        problems = json.loads(out)["problems"]
        assert code == 1 and problems
        assert not any("is wrong" in p.get("message", "") for p in problems)  # every number it wrote is right
