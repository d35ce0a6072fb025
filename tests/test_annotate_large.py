"""`pithtex annotate` on a bibliography large enough to use a second process.

From ``PARALLEL_ENTRIES`` entries on, annotate scans the .bib's tail in a
forked child while it reads pith.lock, and plans the .bib edits in a child
while it runs the cross-checks (pithtex.parallel). Everything it says and
writes must be what one process says and writes: the same file bytes, the
same lines in the same order, the same exit status, for a file with every
kind of entry annotate treats differently.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from pithtex import parallel
from pithtex.cli import main
from pithtex.commands.annotate import PARALLEL_ENTRIES
from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import derive_pith_number
from pithtex.resolve.lockfile import LockEntry, Lockfile, _Records
from pithtex.scan.bibsplit import MIN_BLOCKS
from pithtex.verify.canonical import canonical_sha256
from tests.support.registry import isolate
from tests.support.signing import TestKey, make_canonical_record, make_receipt

pytestmark = pytest.mark.skipif(
    not parallel.fork_allowed() and not os.environ.get("CI"), reason="forking is not allowed here"
)

N = max(PARALLEL_ENTRIES, MIN_BLOCKS) + 400


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
def test_two_processes_say_and_write_what_one_does(
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

    where: list[str] = []
    real_beside = parallel.beside

    def watched(fn, **kw):  # the real beside; notes where each task ran
        task = real_beside(fn, **kw)
        where.append(task.ran_in)
        return task

    monkeypatch.setattr(parallel, "beside", watched)
    monkeypatch.setattr("pithtex.scan.bibsplit.beside", watched)
    decoded: list[str] = []  # signed records decoded from a lock read through its summary
    real_raw = _Records.raw

    def watched_raw(self, key):  # type: ignore[no-untyped-def]
        decoded.append(key)
        return real_raw(self, key)

    monkeypatch.setattr(_Records, "raw", watched_raw)

    outcomes = {}
    for processes in ("1", "2", "1"):  # the second one-process run sees the memo the others filled
        monkeypatch.setenv("PITHTEX_PROCESSES", processes)
        (root / "refs.bib").write_bytes(original)
        (root / "refs.pith").unlink(missing_ok=True)
        where.clear()
        summarized = list((tmp_path / "cache" / "lock-summaries").glob("*"))
        assert bool(summarized) == bool(outcomes)
        code, out, err, written = _run(root, capsys)
        assert out, (code, err[-2000:])
        # Later runs read the lock's summary and, warm, need no signed record at all.
        assert decoded == [], decoded[:5]
        if not outcomes:  # the first run needs only some entries; check verifies them all and
            (root / "refs.bib").write_bytes(original)  # keeps the lock's summary
            main(["check", "--quiet", "refs.bib"])
            capsys.readouterr()
        refs = (root / "refs.pith").read_bytes() if (root / "refs.pith").exists() else None
        outcomes.setdefault(processes, []).append((code, json.loads(out), err, written, refs))
        if processes == "2":
            assert where == ["child", "child"], where  # the tail's scan, then the edit plan
        else:
            assert set(where) <= {"parent"}

    one, two = outcomes["1"][1], outcomes["2"][0]
    assert two == one
    assert outcomes["1"][0] == one  # read in full, or from the summary: the same run
    # the edits of a large .bib are planned in two parts; planned whole, the file is the same
    # and so are the lines, though the parts' lines come part by part
    monkeypatch.setattr("pithtex.commands.annotate._edit_cut", lambda source, entries: None)
    (root / "refs.bib").write_bytes(original)
    (root / "refs.pith").unlink(missing_ok=True)
    whole = _run(root, capsys)
    assert whole[0] == one[0] and whole[3] == one[3]
    a, b = (Counter(json.dumps(line, sort_keys=True) for line in lines) for lines in (json.loads(whole[1])["lines"], one[1]["lines"]))
    assert a == b, (list((a - b).items())[:3], list((b - a).items())[:3])
    code, report, _err, written, _refs = two
    kinds = {line["kind"] for line in report["lines"]}
    assert {"problem", "warning", "info"} <= kinds
    if mismatch:
        assert code == 1 and written == original
    else:
        assert code == 1  # the ids not in the lock and the entries naming two papers
        assert written != original and "change" in kinds
        assert written.count(b"pithnumber") > N // 2
        # check reads the .bib's tail in a second process too: it says the same as one process
        checks = []
        for processes in ("1", "2"):
            monkeypatch.setenv("PITHTEX_PROCESSES", processes)
            where.clear()
            code = main(["check", "--json", "refs.bib"])
            out, err = capsys.readouterr()
            checks.append((code, json.loads(out), err))
            assert where == (["child"] if processes == "2" else ["parent"]), where
        assert checks[0] == checks[1]
        assert checks[0][0] == 1 and checks[0][1]["problems"]
