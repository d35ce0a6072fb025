"""The exporter corpus in tests/corpus/: exactly these references, no others.

Each expectation is (line, key, field, arXiv id with version as named). The
near-miss entries (page ranges, dates, other DOIs, other archives, ids outside
the issued ranges, arXiv ids in titles/abstracts/@comment/@preamble) must
produce nothing, which the exact comparison checks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pithtex.ids.arxiv import ArxivId
from pithtex.scan import scan_paths
from pithtex.scan.bib import scan_bib
from pithtex.scan.source import read_source

CORPUS = Path(__file__).parent / "corpus"

EXPECTED: dict[str, list[tuple[int, str, str, str]]] = {
    "arxiv.bib": [
        (5, "vaswani2023attentionneed", "eprint", "1706.03762"),
        (8, "vaswani2023attentionneed", "url", "1706.03762"),
        (15, "maldacena1997largen", "eprint", "hep-th/9711200"),
        (18, "maldacena1997largen", "url", "hep-th/9711200"),
        (25, "tang2025sharpnessguided", "eprint", "2511.00066"),
        (28, "tang2025sharpnessguided", "url", "2511.00066"),
    ],
    "google_scholar.bib": [
        (12, "devlin2018bert", "journal", "1810.04805"),
        (27, "soft2026sspo", "journal", "2602.19327"),
        # not kingma2014adam: pages={1412.6980} is a number without arXiv context
    ],
    "dblp.bib": [
        (7, "DBLP:journals/corr/VaswaniSPUJGKP17", "volume", "1706.03762"),
        (9, "DBLP:journals/corr/VaswaniSPUJGKP17", "url", "1706.03762"),
        (11, "DBLP:journals/corr/VaswaniSPUJGKP17", "eprint", "1706.03762"),
        (38, "DBLP:journals/corr/cs-LG-0601001", "volume", "cs/0601001"),
        (40, "DBLP:journals/corr/cs-LG-0601001", "url", "cs/0601001"),
        (42, "DBLP:journals/corr/cs-LG-0601001", "eprint", "cs/0601001"),
    ],
    "semantic_scholar.bib": [
        (6, "Vaswani2017AttentionIA", "volume", "1706.03762"),
        (32, "Trust2026Region", "volume", "2606.01249"),
        # not Wang2024SomeJournal: volume 1205.1234 of Physical Review D
    ],
    "zotero_biblatex.bib": [
        (5, "vaswaniAttentionAllYou2017", "eprint", "1706.03762"),
        (8, "vaswaniAttentionAllYou2017", "doi", "1706.03762"),
        (9, "vaswaniAttentionAllYou2017", "url", "1706.03762"),
        (22, "softSequencePolicy2026", "eprint", "2602.19327"),
        (24, "softSequencePolicy2026", "url", "2602.19327v3"),
        # not the abstract's arXiv:1409.0473, not eprinttype pmid or hal
    ],
    "ads.bib": [
        (8, "2019arXiv190103456S", "eid", "1901.03456"),
        (9, "2019arXiv190103456S", "pages", "1901.03456"),
        (10, "2019arXiv190103456S", "doi", "1901.03456"),
        (12, "2019arXiv190103456S", "eprint", "1901.03456"),
        (14, "2019arXiv190103456S", "adsurl", "1901.03456"),  # the bibcode (issue 14)
        (31, "2020ApJ...900..123S", "eprint", "2007.01234"),
        (45, "2006astro.ph..1001O", "eprint", "astro-ph/0601001"),
    ],
    "inspire.bib": [
        (4, "Maldacena:1997re", "eprint", "hep-th/9711200"),
        (18, "ATLAS:2012yve", "eprint", "1207.7214"),
        (33, "Witten:1995ex", "eprint", "hep-th/9507121v2"),
    ],
    "handwritten.bib": [
        (19, "cited-note", "Note", "0704.0001"),
        (25, "paren-entry", "howpublished", "1501.00001v2"),
        (33, "macro-corr", "volume", "1810.04805"),
        (38, "no-scheme", "url", "hep-th/9901001v1"),
        (39, "no-scheme", "note", "hep-th/9901001"),
        (43, "mendeley", "arxivId", "2511.00066v2"),
        (52, "export-link", "url", "math/0601001"),
        (53, "export-link", "doi", "math/0601001"),
        (58, "same-paper-twice", "eprint", "2606.01249v1"),
        (59, "same-paper-twice", "url", "2606.01249v2"),
        (65, "two-papers", "eprint", "1706.03762"),  # the url's 1810.04805 is a mention (issue 14)
        (98, "indented", "journal", "1412.6980"),
        (104, "two-at-one-rank", "journal", "1706.03762"),
        (105, "two-at-one-rank", "pages", "1810.04805"),
    ],
    "latin1.bib": [(5, "schroedinger", "note", "quant-ph/0101001")],
    "bom_crlf.bib": [
        (3, "bom-entry", "eprint", "2511.00066v4"),
        (9, "second", "url", "2602.19327v1"),
    ],
    "mixed_newlines.bib": [
        (3, "mixed-a", "eprint", "1706.03762"),
        (8, "mixed-b", "note", "1810.04805"),
    ],
    "unbalanced.bib": [
        (3, "good-before", "eprint", "1706.03762"),
        (13, "good-after", "note", "2511.00066"),
        (21, "last-one", "url", "2602.19327"),
    ],
    "datacite.bib": [
        (2, "https://doi.org/10.48550/arxiv.1706.03762", "doi", "1706.03762"),
        (3, "https://doi.org/10.48550/arxiv.1706.03762", "url", "1706.03762"),
        (15, "scholar-old-style", "journal", "hep-th/9905111"),
        (24, "jabref2010", "Eprint", "1003.1234v3"),
        # not copyright = {arXiv.org perpetual...}, not Timestamp = {2010.03.08}
    ],
    "empty.bib": [],
    # issue 14: braces inside and around "arXiv" (bibtool, protected capitals)
    "bibtool.bib": [
        (7, "layer:norm", "Journal", "1607.06450"),
        (14, "layer:norm:v2", "Journal", "1607.06450v2"),
        (21, "protected:note", "Note", "1607.06450"),
        (28, "rep:theory", "HowPublished", "1405.1234"),
        (35, "every:letter", "Journal", "2101.00007v3"),
        (43, "dblp:protected", "Volume", "1810.04805"),  # journal = {{A}r{X}iv}
        (50, "prefix:protected", "Eprint", "1706.03762v5"),  # archivePrefix = {{A}r{X}iv}
        (58, "protected:links", "Doi", "2301.00234"),
        (59, "protected:links", "Url", "2301.00234v2"),
        # not nothing:here (a title, {Ar{X}iv} {P}reprint without an id, a DOI, a page range)
    ],
    # issue 14: one paper per entry by field priority; the mentions are in test_field_priority
    "priority.bib": [
        (9, "renamed", "eprint", "2204.09033"),
        (15, "doi-over-url", "doi", "2301.00001"),
        (22, "url-over-journal", "url", "1901.00010v2"),
        (27, "journal-over-note", "journal", "1810.04805"),
        (33, "note-only", "note", "0704.0001"),
        (46, "commentary", "eprint", "1207.7214"),
        (55, "same-paper-in-note", "eprint", "1207.7214"),
        (56, "same-paper-in-note", "note", "1207.7214v3"),
        (61, "mendeley-disagrees", "eprint", "1412.6980"),
        (62, "mendeley-disagrees", "arxivId", "1412.6981"),
        (68, "two-in-a-note", "note", "1406.2661"),
        (68, "two-in-a-note", "note", "1511.06434"),
    ],
    # issue 14, item 3: Zotero, Better BibTeX, arxiv.org html/pdf links, Mendeley, ADS
    # bibcodes, retired archives, INSPIRE's SLACcitation
    "exporters.bib": [
        (7, "zoteroNumber2022", "number", "2206.07690"),
        (18, "zoteroPages2019", "pages", "1905.01234"),
        (25, "betterBibtex2022", "eprint", "2206.07690v2"),
        (31, "htmlView2024", "url", "2401.00001v2"),
        (36, "pdfLink2023", "howpublished", "2312.00752v3"),
        (42, "mendeley2016", "arxivId", "1607.06450"),
        (53, "2016arXiv160706450E", "adsurl", "1607.06450"),
        (62, "2014arXiv1412.6980K", "adsurl", "1412.6980"),
        (68, "Geometer:1992aa", "eprint", "alg-geom/9202004"),
        (76, "Quantum:1995qa", "note", "q-alg/9503002"),
        (82, "funct-an", "note", "funct-an/9401001"),
        (87, "dg-ga", "url", "dg-ga/9601001v2"),
        (92, "chao-dyn", "eprint", "chao-dyn/9301001"),
        (98, "Solver:1999xx", "journal", "solv-int/9901001"),
        (110, "Spires:1997ab", "SLACcitation", "hep-th/9711200"),
        (116, "Spires:2012cd", "eprint", "1207.7214"),
        (120, "Spires:2012cd", "SLACcitation", "1207.7214"),
        # not Spires:1998ef (%%CITATION = PHLTA,B716,1;%%, a report number with a slash)
    ],
    # issue 14: DOIs, ISBNs, page ranges, report numbers, other bibcodes, braces that
    # do not spell arXiv: nothing
    "numbers.bib": [],
}


def _found(name: str) -> list[tuple[int, str | None, str, str]]:
    result = scan_paths([CORPUS / name])
    assert not result.fatal
    return [(f.line, f.key, f.field, f.arxiv.versioned) for f in result.findings]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_exactly_the_expected_references(name: str) -> None:
    assert _found(name) == EXPECTED[name]


def test_every_corpus_bib_has_expectations() -> None:
    assert {p.name for p in CORPUS.glob("*.bib")} == set(EXPECTED)


def test_near_misses_are_not_found() -> None:
    result = scan_paths(sorted(CORPUS.glob("*.bib")))
    keys = {f.key for f in result.findings}
    for key in (
        "vaswani2017attention", "he2016deep", "kingma2014adam", "DBLP:conf/kdd/ChenG16",
        "Devlin2019BERTPO", "Wang2024SomeJournal", "smithPubMedPaper2019", "halPaper2021",
        "Student:2010ab", "near-misses", "invalid-ids", "no-arxiv-context", "commented",
        "broken", "missing-comma", "nothing:here", "Spires:1998ef", "doi-numbers", "isbn-numbers",
        "page-ranges", "report-numbers", "other-bibcodes", "braced-words",
    ):
        assert key not in keys, key
    ids = {f.arxiv.id for f in result.findings}
    # in @comment, @preamble, text outside entries, abstracts, other archives
    for bad in ("1501.00002", "1501.00003", "1501.00004", "1501.00005", "1501.00006",
                "1409.0473", "1406.1078", "2101.00001", "1205.1234", "1234.5678"):
        assert bad not in ids, bad


def test_conflicts_and_versions() -> None:
    result = scan_paths([CORPUS / "handwritten.bib"])
    # two ids in fields of the same priority are a conflict; a lower field's id is a mention
    assert [(c.line, c.key, c.ids) for c in result.conflicts] == [
        (102, "two-at-one-rank", (ArxivId("1706.03762"), ArxivId("1810.04805")))
    ]
    by_key = {e.key: e for e in result.entries}
    assert (by_key["two-papers"].arxiv, by_key["two-papers"].mentions) == (
        (ArxivId("1706.03762"),), (ArxivId("1810.04805"),)
    )
    assert by_key["two-at-one-rank"].arxiv == (ArxivId("1706.03762"), ArxivId("1810.04805"))
    assert [(m.line, m.key, m.field, m.arxiv) for m in result.mentions] == [
        (66, "two-papers", "url", ArxivId("1810.04805")),
        (80, "near-misses", "abstract", ArxivId("1810.04805")),
        (80, "near-misses", "abstract", ArxivId("1706.03762")),
    ]
    assert any(":66: two-papers: url names arXiv:1810.04805, not the entry's arXiv:1706.03762" in n
               for n in result.notes)
    # the same paper in two versions is not a conflict; the highest version wins
    assert by_key["same-paper-twice"].arxiv == (ArxivId("2606.01249", 2),)
    assert by_key["export-link"].arxiv == (ArxivId("math/0601001"),)
    assert by_key["near-misses"].arxiv == ()
    zotero = {e.key: e for e in scan_paths([CORPUS / "zotero_biblatex.bib"]).entries}
    # an unversioned eprint does not lower the url's v3
    assert zotero["softSequencePolicy2026"].arxiv == (ArxivId("2602.19327", 3),)


def test_field_priority_decides_the_entry_and_lists_mentions() -> None:
    result = scan_paths([CORPUS / "priority.bib"])
    by_key = {e.key: e for e in result.entries}
    papers = {k: ([str(a) for a in e.arxiv], [str(a) for a in e.mentions]) for k, e in by_key.items()}
    assert papers == {
        "renamed": (["arXiv:2204.09033"], ["arXiv:2111.11387"]),  # the example
        "doi-over-url": (["arXiv:2301.00001"], ["arXiv:2301.00002"]),
        "url-over-journal": (["arXiv:1901.00010v2"], ["arXiv:1901.00011"]),
        "journal-over-note": (["arXiv:1810.04805"], ["arXiv:1706.03762"]),
        "note-only": (["arXiv:0704.0001"], []),
        "abstract-only": ([], ["arXiv:1607.06450"]),  # an abstract never names the entry's paper
        "commentary": (["arXiv:1207.7214"], ["arXiv:1208.0001", "arXiv:1208.0002", "arXiv:1208.0003"]),
        "same-paper-in-note": (["arXiv:1207.7214v3"], []),  # a lower field still raises the version
        "mendeley-disagrees": (["arXiv:1412.6980", "arXiv:1412.6981"], ["arXiv:1502.03167"]),
        "two-in-a-note": (["arXiv:1406.2661", "arXiv:1511.06434"], []),
    }
    # two different ids at the top priority are a conflict, and only those
    assert [(c.line, c.key, [str(i) for i in c.ids]) for c in result.conflicts] == [
        (59, "mendeley-disagrees", ["arXiv:1412.6980", "arXiv:1412.6981"]),
        (66, "two-in-a-note", ["arXiv:1406.2661", "arXiv:1511.06434"]),
    ]
    assert [(m.line, m.key, m.field, m.arxiv.versioned, m.raw) for m in result.mentions] == [
        (10, "renamed", "webnote", "2111.11387", "arXiv:2111.11387"),
        (16, "doi-over-url", "url", "2301.00002", "https://arxiv.org/abs/2301.00002"),
        (21, "url-over-journal", "journal", "1901.00011", "arXiv:1901.00011"),
        (28, "journal-over-note", "note", "1706.03762", "arXiv:1706.03762"),
        (41, "abstract-only", "abstract", "1607.06450", "arXiv:1607.06450"),
        (48, "commentary", "addendum", "1208.0001", "arXiv:1208.0001"),
        (49, "commentary", "annote", "1208.0002", "arXiv:1208.0002"),
        (50, "commentary", "comment", "1208.0003", "arXiv:1208.0003"),
        (63, "mendeley-disagrees", "note", "1502.03167", "arXiv:1502.03167"),
    ]
    # another paper in a field that locates the entry's own is worth a note; commentary is not
    located = [n for n in result.notes if "listed as a mention" in n]
    assert [n.split(": ", 2)[1] for n in located] == ["doi-over-url", "url-over-journal"]
    # the JSON names the mentions beside the findings, in the findings' shape
    data = result.to_json()
    assert data["mentions"][0] == {
        "file": str(CORPUS / "priority.bib"), "line": 10, "key": "renamed", "field": "webnote",
        "arxiv_id": "2111.11387", "version": None, "raw": "arXiv:2111.11387",
    }
    assert len(data["mentions"]) == 9 and len(data["findings"]) == 12


def test_entries_carry_title_lines_and_pithnumber() -> None:
    result = scan_paths([CORPUS / "handwritten.bib"])
    by_key = {e.key: e for e in result.entries}
    mendeley = by_key["mendeley"]
    assert (mendeley.line, mendeley.end_line, mendeley.entry_type) == (42, 48, "article")
    assert mendeley.title == "{Sharpness-Guided Group Relative Policy Optimization via Probability Shaping}"
    assert mendeley.pithnumber is not None
    assert mendeley.pithnumber.value == "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"
    assert [(p.line, p.key, p.field, p.value) for p in result.pithnumbers] == [
        (46, "mendeley", "pithnumber", "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"),
        (60, "same-paper-twice", "pithnumber", "pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE"),
    ]
    assert by_key["paren-entry"].title == "Parenthesised {entry}"
    assert by_key["cited-note"].title == "Neutrino masses"
    # @string, @preamble, @comment and the broken blocks are not entries
    assert "commented" not in by_key and "corr" not in by_key


def test_field_name_is_configurable() -> None:
    source = read_source(CORPUS / "handwritten.bib")
    assert scan_bib(source, field_name="arxivid").pithnumbers[0].value == "2511.00066v2"
    # the annotation field itself is not scanned for references
    assert "mendeley" not in {f.key for f in scan_bib(source, field_name="arxivid").findings}


def test_invalid_ids_in_arxiv_context_are_noted() -> None:
    notes = scan_paths([CORPUS / "handwritten.bib"]).notes
    assert any("handwritten.bib:85:" in n and "arXiv:1111.11111" in n for n in notes)
    assert any("handwritten.bib:86:" in n and "'0612.0001' in eprint" in n for n in notes)


def test_unparseable_blocks_are_reported_with_their_line() -> None:
    result = scan_paths([CORPUS / "unbalanced.bib"])
    # the first points at its unclosed brace (line 7), not at its @ (line 6): issue 18
    assert [(e.line, e.key, e.fatal, e.mentions_arxiv) for e in result.errors] == [
        (7, "broken", False, True), (16, None, False, False)
    ]
    assert "@article" in result.errors[0].message


def test_latin1_is_read_and_noted() -> None:
    result = scan_paths([CORPUS / "latin1.bib"])
    assert result.notes == [f"{CORPUS / 'latin1.bib'}:1: not valid UTF-8; read as Latin-1"]
    assert result.entries[0].title == "{Über} die Quantenmechanik"


TEX = CORPUS / "tex"

TEX_EXPECTED = [
    ("main.tex", 8, None, "text", "1706.03762"),
    ("main.tex", 8, None, "\\arxiv", "2511.00066v2"),
    ("main.tex", 9, None, "\\url", "1810.04805v2"),
    ("main.tex", 10, None, "\\href", "hep-th/9711200"),
    ("main.tex", 23, "vaswani", "\\bibitem", "1706.03762"),
    ("main.tex", 25, "maldacena", "\\bibitem", "hep-th/9711200"),
    ("main.tex", 26, "both", "\\bibitem", "1207.7214"),
    ("main.tex", 27, "both", "\\url", "1810.04805"),
    ("main.tex", 28, "pithed", "\\bibitem", "2511.00066"),
    ("sections/intro.tex", 2, None, "text", "2602.19327"),
    ("sections/more.tex", 1, None, "\\arXiv", "math/0601001"),
    ("chapter.tex", 5, None, "text", "2606.01249v1"),
    ("parts/sub/leaf.tex", 1, None, "text", "1207.7214v2"),
]


def test_tex_tree() -> None:
    result = scan_paths([TEX / "main.tex"])
    got = [
        (str(Path(f.file).relative_to(TEX)), f.line, f.key, f.field, f.arxiv.versioned)
        for f in result.findings
    ]
    assert got == TEX_EXPECTED
    # comments, verbatim, lstlisting and \iffalse blocks hide 1501.0000x
    assert not any(f.arxiv.id.startswith("1501.") for f in result.findings)
    assert [(e.line, e.fatal) for e in result.errors] == [(20, False)]
    assert "\\input{missing-file}: no such file" in result.errors[0].message
    assert [(c.key, [str(i) for i in c.ids]) for c in result.conflicts] == [
        ("both", ["arXiv:1207.7214", "arXiv:1810.04805"])
    ]
    assert [(p.line, p.key, p.field, p.value) for p in result.pithnumbers] == [
        (5, None, "\\pithnumber", "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"),
        (28, "pithed", "\\pithnumber", "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"),
    ]
    assert [e.key for e in result.entries] == ["vaswani", "maldacena", "both", "pithed"]


def test_each_file_once_even_when_named_and_included() -> None:
    result = scan_paths([TEX / "main.tex", TEX / "chapter.tex", TEX / "sections" / "intro.tex"])
    assert len(result.findings) == len(TEX_EXPECTED)


def test_bbl_files() -> None:
    natbib = scan_paths([TEX / "natbib.bbl"])
    assert [(f.line, f.key, f.field, f.arxiv.versioned) for f in natbib.findings] == [
        (12, "devlin2018bert", "\\bibitem", "1810.04805"),
        (23, "Maldacena:1997re", "\\eprint", "hep-th/9711200"),
    ]
    biblatex = scan_paths([TEX / "biblatex.bbl"])
    assert [(f.line, f.key, f.field, f.arxiv.versioned) for f in biblatex.findings] == [
        (17, "vaswaniAttentionAllYou2017", "eprint", "1706.03762"),
        (20, "vaswaniAttentionAllYou2017", "\\entry", "1706.03762v5"),
    ]
    assert [(p.line, p.key) for p in biblatex.pithnumbers] == [(15, "vaswaniAttentionAllYou2017")]
    assert biblatex.conflicts == []


def test_bbl_with_braces_around_arxiv() -> None:
    """BibTeX copies a protected ``Ar{X}iv:...`` into the .bbl as it is (issue 14)."""
    result = scan_paths([TEX / "bibtool.bbl"])
    assert [(f.line, f.key, f.field, f.arxiv.versioned) for f in result.findings] == [
        (6, "layer:norm", "\\bibitem", "1607.06450"),
        (11, "rep:theory", "\\bibitem", "1405.1234"),
    ]
    assert [e.key for e in result.entries if not e.arxiv] == ["plain"]


def test_bbl_entries_have_the_field_priority_of_a_bib() -> None:
    """A biblatex \\entry has fields: another paper in its note is a mention, not a conflict."""
    result = scan_paths([TEX / "priority.bbl"])
    assert [(f.line, f.key, f.field, f.arxiv.versioned) for f in result.findings] == [
        (8, "renamed", "eprint", "2204.09033"),
        (11, "renamed", "\\entry", "2204.09033v2"),
        (15, "noteonly", "\\entry", "0704.0001"),
    ]
    assert [(m.line, m.key, m.field, m.arxiv.versioned) for m in result.mentions] == [
        (6, "renamed", "note", "2111.11387")
    ]
    assert result.conflicts == []
    assert [(e.key, e.arxiv, e.mentions) for e in result.entries] == [
        ("renamed", (ArxivId("2204.09033", 2),), (ArxivId("2111.11387"),)),
        ("noteonly", (ArxivId("0704.0001"),), ()),
    ]
