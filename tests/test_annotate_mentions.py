"""Issue 14 in the commands: an entry's paper is its highest-priority id. Another paper
named in commentary (a mention) neither blocks ``annotate`` nor fails ``check``; two
different ids at the top priority still do ("names several arXiv papers")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_annotate import PN_A, PN_B, paper, pithtex  # noqa: F401  (paper is a fixture)


def _bibtool_and_commentary(bib: Path) -> None:
    """The example's refs.bib with a webnote naming another paper, and arXiv braced the bibtool way."""
    text = bib.read_text(encoding="utf-8")
    text = text.replace(
        "      url={https://arxiv.org/abs/2511.00066}, \n",
        "      url={https://arxiv.org/abs/2511.00066}, \n"
        "      webnote={Previously known as ``Sharpness Shaping'' (arXiv:2111.11387)},\n",
    )
    text = text.replace("journal={arXiv preprint arXiv:2606.01249}", "journal={{A}r{X}iv preprint Ar{X}iv:2606.01249}")
    assert "webnote" in text and "Ar{X}iv:2606.01249" in text
    bib.write_text(text, encoding="utf-8")


def test_a_mention_does_not_block_annotation(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bib = paper / "refs.bib"
    _bibtool_and_commentary(bib)
    code, out, err = pithtex(capsys, "annotate", "refs.bib")
    assert code == 0, err
    assert f"vanngo2025sharpness: add pithnumber {PN_A}" in out
    assert f"gao2026trust: add pithnumber {PN_B}" in out  # found through the braces
    assert "several" not in err
    code, out, err = pithtex(capsys, "check", "refs.bib")
    assert (code, err) == (0, ""), err


def test_two_papers_at_the_top_priority_still_block(paper: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bib = paper / "refs.bib"
    text = bib.read_text(encoding="utf-8").replace(
        "      eprint={2511.00066},\n", "      eprint={2511.00066},\n      arxivId={2606.01249},\n"
    )
    bib.write_text(text, encoding="utf-8")
    code, out, err = pithtex(capsys, "annotate", "refs.bib")
    assert "vanngo2025sharpness" in err and "names several arXiv papers" in err
    assert "vanngo2025sharpness: add" not in out
    code, _, err = pithtex(capsys, "check", "refs.bib")
    assert code == 1 and "names several arXiv papers (arXiv:2511.00066, arXiv:2606.01249)" in err
