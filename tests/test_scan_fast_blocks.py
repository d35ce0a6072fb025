"""The fast .bib path reads @string, @comment and @preamble blocks, and block types bibtexparser
reads by their prefix, exactly as bibtexparser does (scan_bib(..., fast=False))."""

from __future__ import annotations

from pathlib import Path

import pytest

from pithtex.scan.bib import scan_bib
from pithtex.scan.source import decode_source

CASES = [
    "@misc{k,}\n@misc{k2, }\n",  # no fields
    # a later @string of the same key is ignored, also when an unusual entry splits the runs
    "@string{a = {CoRR}}\n@misc{x, note = {#}}\n@misc{y, title={t}}\n@string{a = {Nature}}\n"
    "@article{z, journal = a, volume = {abs/1810.04805}}\n",
    "@string{a = {CoRR}}\n@string{A = {Nature}}\n@article{z, journal = a, volume = {abs/1810.04805}}\n",
    # a type that starts with "string" or "comment" is that kind of block
    "@stringfoo{k, title = {t}}\n@misc{y, eprint={2101.00001}}\n",
    "@commentary{k, eprint = {2101.00001}}\n",
    # bibtexparser ends an @string at the first } outside braces, in quotes too
    "@string{a = \"x}y\"}\n@misc{z, journal = a, volume = {abs/1810.04805}}\n",
    "@string{a = \"Co\" # {R} # \"R\"}\n@string{b = a}\n@misc{z, journal = b, volume = {abs/1810.04805}}\n",
    "@string{ = {x}}\n@string{a b = {CoRR}}\n@string{c = {C} # \"o{R}R\" # {}}\n@string{d = \"x\" y = {z}}\n"
    "@misc{z, journal = c, volume = {abs/1810.04805}}\n@misc{y, journal = {a b}}\n",
    "@preamble{\"\\newcommand{\\noopsort}[1]{}\"}\n@comment{ @misc{c, eprint={2101.00001}} }\n@misc{d, eprint={2101.00002}}\n",
]


@pytest.mark.parametrize("text", CASES)
def test_fast_path_reads_blocks_as_bibtexparser_does(text: str) -> None:
    source = decode_source(Path("blocks.bib"), text.encode())
    fast, slow = scan_bib(source), scan_bib(source, fast=False)
    assert (fast.entries, fast.findings, fast.errors, fast.notes, fast.mentions) == (
        slow.entries, slow.findings, slow.errors, slow.notes, slow.mentions
    )


def test_plain_strings_comments_and_preambles_do_not_need_bibtexparser() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from pithtex.scan.bib import scan_bib;"
        "from pithtex.scan.source import decode_source;"
        f"scan_bib(decode_source(Path('x.bib'), {CASES[-1].encode()!r}));"
        "print('bibtexparser' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
