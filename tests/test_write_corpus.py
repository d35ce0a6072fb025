"""Round trips on every file of the scanning corpus (tests/corpus/): real exporters' bytes, kept."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from pithtex.scan.bib import scan_bib
from pithtex.scan.source import decode_source, read_source
from pithtex.write.bibedit import BibEditError, RemoveField, SetField, edit_bib
from pithtex.write.report import encode_like
from pithtex.write.texedit import TexEditError, ensure_pith_preamble

CORPUS = Path(__file__).parent / "corpus"
PN = "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"
BIBS = sorted(CORPUS.glob("*.bib"))
TEXS = sorted(CORPUS.rglob("*.tex"))


def test_corpus_is_there() -> None:
    assert len(BIBS) >= 10 and TEXS


@pytest.mark.parametrize("path", BIBS, ids=lambda p: p.name)
def test_bib_round_trip(path: Path) -> None:
    source = read_source(path)
    entries = [e for e in scan_bib(source).entries if e.key and e.pithnumber is None]
    edits = {(e.key, e.line): SetField(e.key, "pithnumber", PN, e.line) for e in entries}
    refused = set()
    while True:
        try:
            out = edit_bib(source.text, edits.values())
            break
        except BibEditError as exc:  # an entry we cannot read exactly is refused, never damaged
            bad = [w for w in edits if w[0] == exc.key]
            assert bad, exc.message
            for w in bad:
                refused.add(w)
                edits.pop(w)
    if not edits:
        assert out == source.text
        return
    data = encode_like(source, out)
    # the bytes outside the inserted/changed lines are the original's
    rescanned = scan_bib(decode_source(path, data)).entries
    assert len(rescanned) == len(scan_bib(source).entries)
    ours = [e for e in rescanned if e.pithnumber is not None and e.pithnumber.value == PN]
    assert len(ours) == len(edits)
    back = edit_bib(out, [RemoveField(e.key, "pithnumber", e.line) for e in ours])
    assert encode_like(source, back) == source.raw
    assert edit_bib(out, [SetField(e.key, "pithnumber", PN, e.line) for e in ours]) == out  # idempotent
    old = source.text.splitlines(keepends=True)
    new = out.splitlines(keepends=True)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            assert tag in ("insert", "replace") and all("pithnumber" in line for line in new[j1:j2])
            if tag == "replace":
                assert i2 - i1 == j2 - j1
    if source.newline == "\r\n":
        assert data.count(b"\r\n") == data.count(b"\n")
    if source.bom:
        assert data.startswith(b"\xef\xbb\xbf")
    if source.encoding == "latin-1":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")


@pytest.mark.parametrize("path", TEXS, ids=lambda p: str(p.relative_to(CORPUS)))
def test_tex_round_trip(path: Path) -> None:
    source = read_source(path)
    try:
        edit = ensure_pith_preamble(source.text, "C7HZCGQ4XG57XBILJLQGM22JGT")
    except TexEditError:
        return  # not a root file: nothing to add
    out = edit.text
    kept = "".join(
        line for line in out.splitlines(keepends=True)
        if line.rstrip("\r\n") not in ("\\usepackage{pith}", "\\pithnumber{C7HZCGQ4XG57XBILJLQGM22JGT}")
    )
    if edit.added_package or edit.added_number:
        assert encode_like(source, kept) == source.raw
    assert ensure_pith_preamble(out, "C7HZCGQ4XG57XBILJLQGM22JGT").text == out
