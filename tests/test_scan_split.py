"""A large .bib scanned in two parts (pithtex.scan.bibsplit) gives exactly what one scan gives.

The join is tested in one process (``fork=False``: the tail is scanned
separately all the same, packed to plain values and joined) on generated
files cut at every allowed place, and with a real child on a file with
everything that crosses the cut: macros, duplicate keys, unusual blocks.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pithtex.parallel import fork_allowed
from pithtex.scan.bib import prepare, scan_bib
from pithtex.scan.bibsplit import scan_bib_beside
from pithtex.scan.model import ScanResult
from pithtex.scan.source import SourceText, decode_source

PIECES = st.sampled_from([
    "@article{k1, eprint = {2101.00001}}\n",
    "@misc{k2, title = {T}, journal = {arXiv preprint arXiv:1706.03762v2}, year = 2020}\n",
    "@article{k1, title = {Again}, url = {https://arxiv.org/abs/hep-th/9901001}}\n",
    "@string{corr = {CoRR}}\n", "@STRING{ corr = \"arXiv\" }\n", "@string{other = corr # { e-prints}}\n",
    "@article{d1, journal = corr, volume = {abs/1810.04805}}\n",
    "@article{d2, journal = other, volume = {abs/1810.04806}}\n",
    "@comment{x}\n", "@preamble{\"x\"}\n", "% a comment\n",
    "@misc{bad, title = {unclosed\n", "@misc{dup, note = {a}, note = {b}}\n",
    "@misc{p1, pithnumber = {pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT}, eprint = {2101.00002}}\n",
    "@misc{q, title = {x \\{ y}, eprint = {2101.00003}}\n", "@misc{lat, title = {Schr\u00f6dinger}, eprint = {0704.0001}}\n",
    "@misc{k3, eprint = {0612.0001}, archivePrefix = {arXiv}}\n", "\n", "junk text\n",
])


def _source(text: str, name: str = "split.bib") -> SourceText:
    return decode_source(Path(name), text.encode("utf-8"))


def _every_split(source: SourceText, entries_only: bool = False) -> list[ScanResult]:
    n = len(prepare(source).chunks)
    results = []
    for i in range(1, n):
        pending = scan_bib_beside(source, min_blocks=0, head_share=i / n, fork=False, entries_only=entries_only)
        results.append(pending.result())
    return results


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=24))
def test_split_scans_equal_one_scan(pieces: list[str]) -> None:
    source = _source("".join(pieces))
    whole = scan_bib(source)
    for part in _every_split(source):
        assert part == whole
    # the entries alone (what annotate and check read), packed without the findings
    for part in _every_split(source, entries_only=True):
        assert part == whole.entries_only()
        assert [e.pithnumber for e in part.entries] == [e.pithnumber for e in whole.entries]
    assert scan_bib_beside(source, entries_only=True).result() == whole.entries_only()  # not split


def test_duplicate_keys_across_the_cut_are_noted_in_place() -> None:
    text = (
        "@misc{a, eprint = {2101.00001}}\n"  # line 1
        "@misc{b, eprint = {2101.00002}}\n"
        "@misc{c, eprint = {2101.00003}}\n"
        "@misc{a, eprint = {2101.00004}, note = {arXiv:1111.11111}}\n"  # line 4: a again, and a bad id
        "@misc{d, eprint = {2101.00005}}\n"
        "@misc{d, eprint = {2101.00006}}\n"
        "@misc{a, eprint = {2101.00007}}\n"
    )
    source = _source(text)
    whole = scan_bib(source)
    assert [n for n in whole.notes if "duplicate" in n] == [
        "split.bib:4: duplicate entry key 'a' (first at line 1)",
        "split.bib:6: duplicate entry key 'd' (first at line 5)",
        "split.bib:7: duplicate entry key 'a' (first at line 1)",
    ]
    for part in _every_split(source):
        assert part.notes == whole.notes


def test_macros_defined_before_the_cut_are_used_after_it() -> None:
    text = "@string{corr = {CoRR}}\n" + "".join(
        f"@article{{e{i}, journal = corr, volume = {{abs/1810.{4800 + i:05d}}}}}\n" for i in range(1, 40)
    )
    source = _source(text)
    whole = scan_bib(source)
    assert len(whole.findings) == 39
    for part in _every_split(source):
        assert part == whole


def test_small_files_are_scanned_in_one_process() -> None:
    pending = scan_bib_beside(_source("@misc{a, eprint = {2101.00001}}\n"))
    assert not pending.forked
    assert pending.result() == scan_bib(_source("@misc{a, eprint = {2101.00001}}\n"))


def _large(n: int) -> str:
    parts = ["@string{corr = {CoRR}}\n", "@misc{broken, title = {never closed\n"]
    for i in range(n):
        if i % 7 == 0:
            parts.append(f"@article{{e{i}, journal = corr, volume = {{abs/1810.{(i % 9999) + 1:05d}}}}}\n")
        elif i % 11 == 0:
            parts.append(f"@misc{{e{i // 2}, note = {{arXiv:2101.{(i % 9999) + 1:05d}v2}}}}\n")  # some keys twice
        elif i % 13 == 0:
            parts.append(f"@misc{{u{i}, title = {{x \\{{ y}}, eprint = {{2102.{(i % 9999) + 1:05d}}}}}\n")
        else:
            parts.append(f"@misc{{e{i}, title = {{Paper {i}}}, eprint = {{2103.{(i % 9999) + 1:05d}}}}}\n")
    return "".join(parts)


@pytest.mark.skipif(not fork_allowed() and not os.environ.get("CI"), reason="forking is not allowed here")
def test_a_real_child_gives_the_same_result() -> None:
    source = _source(_large(3000))
    pending = scan_bib_beside(source)
    assert pending.forked
    result = pending.result()
    whole = scan_bib(source)
    assert result == whole
    assert any("duplicate entry key" in n for n in whole.notes)
    assert len(whole.entries) > 3000 - 10


@pytest.mark.skipif(not fork_allowed() and not os.environ.get("CI"), reason="forking is not allowed here")
def test_a_scan_given_up_leaves_no_child_behind() -> None:
    pending = scan_bib_beside(_source(_large(3000)))
    assert pending.forked
    pid = pending._task._pid  # type: ignore[union-attr]
    pending.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: not a zombie
