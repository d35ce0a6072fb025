"""The arXiv-in-text recognisers: what counts as arXiv context, and what never does."""

from __future__ import annotations

import pytest

from pithtex.ids.arxiv import ArxivId
from pithtex.scan.patterns import find_bare_old_style, find_explicit, parse_id_value

FOUND = [
    ("arXiv:2511.00066", "2511.00066", None),
    ("ARXIV: 2511.00066v12", "2511.00066", 12),
    ("arXiv preprint arXiv:1706.03762", "1706.03762", None),
    ("arXiv preprint 1706.03762", "1706.03762", None),
    ("arXiv e-prints 1706.03762", "1706.03762", None),
    ("arXiv:0704.0001 [hep-ph]", "0704.0001", None),
    ("arXiv:hep-th/9901001v2", "hep-th/9901001", 2),
    ("arXiv:math.AG/0601001", "math/0601001", None),
    ("https://arxiv.org/abs/1706.03762v5", "1706.03762", 5),
    ("http://arxiv.org/pdf/1706.03762.pdf", "1706.03762", None),
    ("https://arxiv.org/pdf/1706.03762v2.pdf", "1706.03762", 2),
    ("arxiv.org/abs/hep-th/9901001", "hep-th/9901001", None),
    ("http://export.arxiv.org/abs/1501.00001", "1501.00001", None),
    ("https://www.arxiv.org/abs/1501.00001", "1501.00001", None),
    ("https://arxiv.org/html/2511.00066v1", "2511.00066", 1),
    ("\\url{https://arxiv.org/abs/2511.00066}", "2511.00066", None),
    ("10.48550/arXiv.2511.00066", "2511.00066", None),
    ("https://doi.org/10.48550/ARXIV.1706.03762", "1706.03762", None),
    ("\\arxiv{2511.00066}", "2511.00066", None),
    ("\\arXiv[x]{ arXiv:2511.00066v3 }", "2511.00066", 3),
    ("\\eprint{hep-th/9711200}", "hep-th/9711200", None),
    # issue 14: braces inside and around "arXiv" (bibtool, protected capitals)
    ("Ar{X}iv:1607.06450", "1607.06450", None),
    ("{arXiv} preprint {arXiv}:1607.06450v2", "1607.06450", 2),
    ("{A}r{X}iv:1607.06450", "1607.06450", None),
    ("{{arXiv}:1405.1234 [math.{RT}]}", "1405.1234", None),
    ("{ARXIV}: {1405.1234}", "1405.1234", None),
    ("{arXiv} {e-print} hep-th/9901001v3", "hep-th/9901001", 3),
    ("https://{a}r{X}iv.org/abs/2301.00234v2", "2301.00234", 2),
    ("10.48550/{arXiv}.2301.00234", "2301.00234", None),
    ("https://arxiv.org/html/2401.00001v2#bib", "2401.00001", 2),
]


@pytest.mark.parametrize("text,ident,version", FOUND)
def test_found(text: str, ident: str, version: int | None) -> None:
    found, rejected = find_explicit(f"see {text}, and more")
    assert [m.arxiv for m in found] == [ArxivId(ident, version)]
    assert rejected == []


NOT_FOUND = [
    "1706.03762",  # no context
    "pages 1234.5678",
    "2023.01.15",
    "doi 10.1000/1706.03762",
    "https://example.org/abs/1706.03762",
    "https://notarxiv.org/abs/1706.03762",
    "https://arxiv.org/list/hep-th/9901001",
    "arXiv:2511.00066x",  # followed by a letter
    "arXiv:2511.000661",  # too many digits
    "arXiv:2511.00066.5",
    "myarXiv:2511.00066",
    "arXiv 1706 03762",
    "2019arXiv190103456S",  # an ADS bibcode
    "arXiv:foo/9901001",  # not an archive
    "arXiv:1111.11111",  # outside the issued ranges
    "arXiv:0612.0001",
    "arXiv:1413.0001",
    "arXiv:1501.0001",  # 4 digits after 2014
    "arXiv:0704.00001",  # 5 digits before 2015
    "arXiv:2513.00001",  # month 13
    "arXiv:hep-th/9013001",  # before August 1991
    "arXiv:hep-th/0704001",  # old style after March 2007
    "\\arxiv{#1}",
    # issue 14: braces that do not spell arXiv, or spell another word
    "{arX}{ival} 1405.1234",
    "ar-{X}iv:1607.06450",
    "\\ar{X}iv:1607.06450",
    "my{A}rXiv1607.06450",
    "https://notar{X}iv.org/abs/1706.03762",
    "10.48550/zenodo.1412698",
    "ISBN 1607.0645-0",
]


@pytest.mark.parametrize("text", NOT_FOUND)
def test_not_found(text: str) -> None:
    assert find_explicit(text)[0] == []


def test_rejected_are_explained_only_with_the_colon() -> None:
    found, rejected = find_explicit("arXiv:1111.11111 and arXiv 1111.11111 and arXiv:2101.000012")
    assert found == []
    assert [(r.raw, r.reason) for r in rejected] == [
        ("arXiv:1111.11111", "outside the ranges arXiv has issued"),
        ("arXiv:2101.000012", "too many digits"),
    ]


def test_overlaps_keep_one() -> None:
    found, _ = find_explicit("\\href{https://arxiv.org/abs/arXiv:1706.03762}{x} \\arxiv{https://arxiv.org/abs/1810.04805}")
    # the "arXiv:" inside the link is part of the link, not a second reference
    assert [(m.context, m.arxiv.id) for m in found] == [("url", "1706.03762"), ("url", "1810.04805")]
    found, _ = find_explicit("https://arxiv.org/abs/1706.03762 arXiv:1706.03762")
    assert [(m.context, m.arxiv.id) for m in found] == [("url", "1706.03762"), ("prefix", "1706.03762")]


def test_offsets_point_at_the_match() -> None:
    text = "xx arXiv:1706.03762v2 yy"
    (m,), _ = find_explicit(text)
    assert text[m.start:m.end] == "arXiv:1706.03762v2" == m.raw


@pytest.mark.parametrize(
    "text,expected",
    [
        ("E-print hep-th/9901001.", [ArxivId("hep-th/9901001")]),
        ("[quant-ph/0101001v3]", [ArxivId("quant-ph/0101001", 3)]),
        ("cond-mat.str-el/0601001", [ArxivId("cond-mat/0601001")]),
        ("http://example.org/hep-th/9901001", []),
        ("files/math/0601001", []),
        ("foo/9901001", []),
        ("hep-th/99010012", []),
        ("xhep-th/9901001", []),
    ],
)
def test_bare_old_style(text: str, expected: list[ArxivId]) -> None:
    assert [m.arxiv for m in find_bare_old_style(text)] == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2511.00066", ArxivId("2511.00066")),
        (" arXiv:2511.00066v2 ", ArxivId("2511.00066", 2)),
        ("math.AG/0601001 [math.AG]", ArxivId("math/0601001")),
        ("hep-th/9711200", ArxivId("hep-th/9711200")),
        ("2511.00066 and more", None),
        ("hal-01234567", None),
        ("30804557", None),
        ("", None),
    ],
)
def test_parse_id_value(value: str, expected: ArxivId | None) -> None:
    got, _ = parse_id_value(value)
    assert (got.arxiv if got else None) == expected


# --- the pre-filter never hides a candidate ------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pithtex.scan.patterns import could_contain_arxiv, find_bibcodes  # noqa: E402

_PIECES = ["arXiv", "ARXIV", "arxiv", ":", " ", ".", "/", "v", "V", "2", "0", "7", "1", "٢", "٠", "１", "hep-th",
           "math.AG", "cs", "[hep-ph]", "\\arxiv{", "\\eprint[x]{", "}", "{", "10.48550/", "arxiv.org/abs/",
           "https://", "preprint", "e-print", "\u212a", "\u0130", ".pdf", "-", "2101", "00001", "1234567", "9901001",
           "hep-th/9901001", "math.AG/0601001", "foo/9901001", "2101.00001", "1111.11111", "2101.0001", "٢١٠١.٠٠٠٠١",
           "/990100", "hep-th/990100", "0704.0001v2",
           # issue 14: braces between the letters of arXiv, ADS bibcodes
           "Ar{X}iv", "{A}r{X}iv", "{arXiv}", "a{r}x{i}v", "{", "}", "A", "r", "X", "i", "v", "iv", "i{v}",
           "2016", "2014", "160706450", "1412.6980", "B", "K", ".", "2016arXiv160706450B", "[math.{RT}]"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join))
def test_the_pre_filter_passes_every_text_with_a_candidate(text: str) -> None:
    found, rejected = find_explicit(text)
    match, reject = parse_id_value(text)
    if found or rejected or match or reject or find_bare_old_style(text) or find_bibcodes(text):
        assert could_contain_arxiv(text), text


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2016arXiv160706450B", ArxivId("1607.06450")),
        ("https://ui.adsabs.harvard.edu/abs/2016arXiv160706450B/abstract", ArxivId("1607.06450")),
        ("2014arXiv1412.6980K", ArxivId("1412.6980")),
        ("2019arXiv190103456.", ArxivId("1901.03456")),
        ("2016{arXiv}160706450B", ArxivId("1607.06450")),
        ("2017arXiv160706450B", None),  # the year is not the identifier's
        ("2016arXiv1607.06450B", None),  # not a bibcode
        ("2016arXiv160706450", None),
        ("x2016arXiv160706450B", None),
        ("2016arXiv160706450BB", None),
        ("2016ApJ...821...32S", None),
        ("2015arXiv151312345B", None),  # month 13
    ],
)
def test_ads_bibcodes(text: str, expected: ArxivId | None) -> None:
    assert [m.arxiv for m in find_bibcodes(text)] == ([expected] if expected else [])
