"""Property tests: the scanner never crashes, and finds what is put in.

- arbitrary bytes (and bib/TeX-flavoured text) never raise anything but a
  clean UnreadableSource, in both the .bib and the .tex scanner;
- an arXiv reference inserted into any entry of a generated file, in any of
  the exporter spellings, with LF or CRLF and with or without a BOM, is found
  once, for that entry, at the line it was inserted, with its version.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pithtex.ids.arxiv import OLD_ARCHIVES, ArxivId
from pithtex.scan.bib import scan_bib
from pithtex.scan.source import UnreadableSource, decode_source
from pithtex.scan.tex import scan_tex

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _scan_everything(data: bytes) -> None:
    for name in ("fuzz.bib", "fuzz.tex", "fuzz.bbl"):
        try:
            source = decode_source(Path(name), data)
        except UnreadableSource:
            return
        if name.endswith(".bib"):
            result = scan_bib(source)
        else:
            result = scan_tex(source, follow_inputs=False)
        lines = source.text.count("\n") + 1
        for f in result.findings:
            assert 1 <= f.line <= lines
        for e in result.errors:
            assert e.line is None or 1 <= e.line <= lines


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    _scan_everything(data)


BIBBY = st.text(
    alphabet=st.sampled_from(list("@{}()=,\"#%\\\n\r \tarXiv:./0123456789abcdefhpst-[]") + ["\ufeff", "é"]),
    max_size=600,
)


@SETTINGS
@given(BIBBY)
def test_bib_flavoured_text_never_crashes(text: str) -> None:
    _scan_everything(text.encode("utf-8"))


@SETTINGS
@given(st.lists(st.sampled_from([
    "@article{k,", "@comment{", "@string{a = {b}}", "@preamble{", "}", "{", "\"", "=", ",",
    "eprint = {2101.00001}", "url = {https://arxiv.org/abs/1706.03762v2}", "note = arXiv:",
    "\\input{x}", "\\iffalse", "\\fi", "\\begin{verbatim}", "\\bibitem{a}", "%", "\\%", "\n", "\r\n",
    "\\pithnumber{", "\\entry{a}{b}{}", "\\endentry", "hep-th/9901001", "#",
]), max_size=60))
def test_token_soup_never_crashes(tokens: list[str]) -> None:
    _scan_everything(" ".join(tokens).encode("utf-8"))


# --- insertion -------------------------------------------------------------------


@st.composite
def arxiv_ids(draw: st.DrawFn) -> ArxivId:
    version = draw(st.none() | st.integers(1, 30))
    kind = draw(st.sampled_from(["new5", "new4", "old"]))
    if kind == "new5":
        ident = f"{draw(st.integers(15, 29)):02d}{draw(st.integers(1, 12)):02d}.{draw(st.integers(1, 99999)):05d}"
    elif kind == "new4":
        yymm = draw(st.sampled_from([y * 100 + m for y in range(7, 15) for m in range(1, 13) if 704 <= y * 100 + m <= 1412]))
        ident = f"{yymm:04d}.{draw(st.integers(1, 9999)):04d}"
    else:
        archive = draw(st.sampled_from(sorted(OLD_ARCHIVES)))
        year, month = draw(st.sampled_from([(y, m) for y in range(1992, 2007) for m in range(1, 13)]))
        ident = f"{archive}/{year % 100:02d}{month:02d}{draw(st.integers(1, 999)):03d}"
    return ArxivId(ident, version)


FORMS = [
    ("eprint", "{{{v}}}"),
    ("eprint", "\"arXiv:{v}\""),
    ("note", "{{arXiv:{v} [hep-th]}}"),
    ("journal", "{{arXiv preprint arXiv:{v}}}"),
    ("url", "{{https://arxiv.org/abs/{v}}}"),
    ("url", "{{http://export.arxiv.org/pdf/{v}.pdf}}"),
    ("howpublished", "{{\\url{{arxiv.org/abs/{v}}}}}"),
    ("doi", "{{10.48550/arXiv.{v}}}"),
    ("arxivid", "{{{v}}}"),
    # issue 14
    ("pages", "{{arXiv:{v}}}"),
    ("number", "{{arXiv:{v}}}"),
    ("eprint", "{{arXiv:{v}}}"),
    ("url", "{{https://arxiv.org/html/{v}#bib}}"),
    ("SLACcitation", "\"%%CITATION = ARXIV:{v};%%\""),
    ("webnote", "{{Formerly arXiv:{v}}}"),
    ("howpublished", "{{Ar{{X}}iv:{v}}}"),
]

# Filler text that cannot spell an identifier context: no 'x', no '/'.
FILLER = st.text(alphabet="abcdefghijklmnopqrstuvwyz ABCDEFG0123456789.-,;:", min_size=0, max_size=40)
FILLER_FIELDS = ["  title = {Layer {N}ormalisation}", "  author = {Bar, J. and {K}iros, A.}", "  year = 2016",
                 "  pages = {1607--1650}", "  note = {Accessed 2023.01.15}", "  doi = {10.1145/1607.06450}"]
FILLER_FIELDS = [f + "," for f in FILLER_FIELDS]
STYLES = st.sampled_from(["braces", "quotes", "bare"])


@st.composite
def entry_lines(draw: st.DrawFn, index: int) -> list[str]:
    indent = draw(st.sampled_from(["  ", "\t", "", "      "]))
    etype = draw(st.sampled_from(["article", "misc", "ARTICLE", "inproceedings", "online"]))
    lines = [f"@{etype}{{key{index},"]
    for name in draw(st.lists(st.sampled_from(["title", "author", "year", "pages", "note", "publisher", "volume"]),
                              unique=True, max_size=5)):
        style = draw(STYLES)
        value = draw(FILLER).replace("\\", "")
        if style == "braces":
            lines.append(f"{indent}{name} = {{{value}}},")
        elif style == "quotes":
            lines.append(f"{indent}{name} = \"{value}\",")
        else:
            lines.append(f"{indent}{name} = {draw(st.integers(0, 3000))},")
    lines.append("}")
    return lines


@SETTINGS
@given(
    st.integers(1, 6).flatmap(lambda n: st.tuples(*[entry_lines(i) for i in range(n)])),
    st.data(),
    arxiv_ids(),
    st.sampled_from(FORMS),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_inserted_reference_is_found_at_its_line(
    entries: tuple[list[str], ...],
    data: st.DataObject,
    arxiv: ArxivId,
    form: tuple[str, str],
    newline: str,
    bom: bool,
) -> None:
    field, template = form
    target = data.draw(st.integers(0, len(entries) - 1))
    at = data.draw(st.integers(1, len(entries[target]) - 1))  # after the '@' line, before '}'
    lines: list[str] = ["% generated"]
    expected_line = 0
    for i, entry in enumerate(entries):
        lines.append("")
        for j, text in enumerate(entry):
            if i == target and j == at:
                lines.append(f"  {field} = {template.format(v=arxiv.versioned)},")
                expected_line = len(lines)
            lines.append(text)
    raw = newline.join(lines).encode("utf-8")
    source = decode_source(Path("prop.bib"), (b"\xef\xbb\xbf" if bom else b"") + raw)
    result = scan_bib(source)
    assert result.errors == []
    assert [(f.line, f.key, f.arxiv) for f in result.findings] == [(expected_line, f"key{target}", arxiv)]
    assert [e.key for e in result.entries] == [f"key{i}" for i in range(len(entries))]
    assert result.entries[target].arxiv == (arxiv,)


# --- braces around the letters of "arXiv" (issue 14) ---------------------------------

_ARXIV_WORD_RE = re.compile("arxiv", re.IGNORECASE)


@st.composite
def braced(draw: st.DrawFn, word: str) -> str:
    """``word`` (five letters) with braces around any runs of its letters, and maybe around it all."""
    word = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in word) if draw(st.booleans()) else word
    cuts = sorted(draw(st.sets(st.integers(1, 4))))
    runs = [word[i:j] for i, j in zip([0, *cuts], [*cuts, 5])]
    out = "".join("{" + run + "}" if draw(st.booleans()) else run for run in runs)
    for _ in range(draw(st.integers(0, 2))):
        out = "{" + out + "}"
    return out


def _brace_every_arxiv(draw: st.DrawFn, text: str) -> str:
    out, pos = [], 0
    for m in _ARXIV_WORD_RE.finditer(text):
        out += [text[pos:m.start()], draw(braced(m.group(0)))]
        pos = m.end()
    return "".join(out) + text[pos:]


BRACEABLE = [f for f in FORMS if "arxiv" in f[1].lower() and "{{X}}" not in f[1]] + [
    ("adsurl", "{{https://ui.adsabs.harvard.edu/abs/{bibcode}}}"),
    ("journal", "{{arXiv e-prints {v}}}"),
]


@SETTINGS
@given(st.data(), arxiv_ids(), st.sampled_from(BRACEABLE), st.lists(st.sampled_from(FILLER_FIELDS), unique=True))
def test_braces_around_letters_of_arxiv_keep_a_reference(
    data: st.DataObject, arxiv: ArxivId, form: tuple[str, str], filler: list[str]
) -> None:
    """A reference that is found is still found, the same, with braces around any
    letters of "arXiv" in it (``Ar{X}iv:``, ``{A}r{X}iv``, ``{{arXiv}}``...): in a .bib and in a .bbl."""
    field, template = form
    if "{bibcode}" in template:
        if "/" in arxiv.id or arxiv.version is not None:
            arxiv = ArxivId("1607.06450")  # a bibcode names a new-style id, without version
        digits = arxiv.id if arxiv.id < "15" else arxiv.id.replace(".", "")
        template = template.replace("{bibcode}", f"20{arxiv.id[:2]}arXiv{digits}B")
    value = template.format(v=arxiv.versioned)
    lines = ["@article{plain,", *filler, f"  {field} = {value},", "}"]

    def found(text: str) -> list[tuple[int, str | None, ArxivId]]:
        result = scan_bib(decode_source(Path("braced.bib"), text.encode()))
        assert result.entries[0].arxiv == (arxiv,)
        assert result.conflicts == [] and result.mentions == []
        return [(f.line, f.key, f.arxiv) for f in result.findings]

    expected = found("\n".join(lines))
    assert expected == [(len(filler) + 2, "plain", arxiv)]  # found without braces
    lines[-2] = f"  {field} = {_brace_every_arxiv(data.draw, value)},"
    assert found("\n".join(lines)) == expected, lines[-2]
    if "{bibcode}" not in form[1] and field not in ("eprint", "arxivid", "SLACcitation"):
        inner = _brace_every_arxiv(data.draw, value[1:-1] if value[0] in "{\"" else value)
        bbl = f"\\begin{{thebibliography}}{{1}}\n\\bibitem{{k}} A. Author.\n\\newblock {inner}.\n\\end{{thebibliography}}\n"
        result = scan_tex(decode_source(Path("braced.bbl"), bbl.encode()), follow_inputs=False)
        assert [(f.line, f.key, f.arxiv) for f in result.findings] == [(3, "k", arxiv)], inner


@SETTINGS
@given(st.lists(FILLER, min_size=1, max_size=20), st.data(), arxiv_ids(),
       st.sampled_from(["arXiv:{v}", "\\url{{https://arxiv.org/abs/{v}}}", "\\arxiv{{{v}}}",
                        "\\href{{https://arxiv.org/pdf/{v}}}{{x}}"]))
def test_inserted_tex_reference_is_found_at_its_line(
    paragraphs: list[str], data: st.DataObject, arxiv: ArxivId, template: str
) -> None:
    at = data.draw(st.integers(0, len(paragraphs)))
    lines = list(paragraphs)
    lines.insert(at, "See " + template.format(v=arxiv.versioned) + ".")
    lines.insert(0, "% arXiv:1706.03762 in a comment")
    source = decode_source(Path("prop.tex"), "\n".join(lines).encode())
    result = scan_tex(source, follow_inputs=False)
    assert [(f.line, f.arxiv) for f in result.findings] == [(at + 2, arxiv)]


# --- the fast path agrees with bibtexparser -------------------------------------------

PIECES = st.sampled_from([
    "@article{k1,", "@misc{k2,\n", "@ARTICLE{k1,", "@Book (k3,", "@string{corr = {CoRR}}\n", "@comment{x}\n",
    "@comment{\n@article{c, eprint={1706.03762}}\n}\n", "@preamble{\"x\"}\n", " title = {A {B} c},", " note = \"q {x} r\",",
    "year = 2020,", "month = jan", "journal = corr,", "volume = {abs/1810.04805},", "eprint = {2101.00001v2},",
    "archivePrefix = {arXiv},", "eprinttype = {hal},", "url = {https://arxiv.org/abs/hep-th/9901001},",
    "pithnumber = {pith:2026:X},", "title = {x \\{ y},", "note = {a \\\" b},", "author = {M{\\\"u}ller},",
    "}", "}\n", ")", "{", "\"", ",", "=", "#", "\n", "\r\n", "  ", "% c\n", "@", "x@y{", "\n@inproceedings{k4, note={arXiv:0704.0001}}\n",
    "pages = {1234.5678},", "\ttitle = {{Nested {deeply {nested}}}},\n", "k = v # {w},", "dup = {1}, dup = {2},",
    # issue 14
    "journal = {Ar{X}iv:1607.06450},", "note = {{A}r{X}iv:1405.1234 [math.{RT}]},", "webnote = {arXiv:2111.11387},",
    "adsurl = {https://ui.adsabs.harvard.edu/abs/2016arXiv160706450B},", "abstract = {see arXiv:1409.0473},",
    "eprinttype = {{A}r{X}iv},", "journal = {{A}r{X}iv},",
    # @string, @comment and @preamble the fast path reads
    "@string{corr = \"Co{R}R\" # { } # x}\n", "@STRING{ Corr = {Nature} }", "@string{corr = \"a}b\"}\n",
    "@stringx{corr = {CoRR}}\n", "@strings{k5, title = {t}}\n", "@commentary{k6, eprint = {2101.00001}}\n",
    "@preamble{{\\noop{x}} # \"y\"}\n", "@preamble{x = {y}}", "@string{corr}", "journal = Corr,",
])


@SETTINGS
@given(st.lists(PIECES, max_size=40))
def test_fast_path_matches_bibtexparser(pieces: list[str]) -> None:
    text = "".join(pieces)
    source = decode_source(Path("eq.bib"), text.encode("utf-8"))
    fast = scan_bib(source)
    reference = scan_bib(source, fast=False)
    assert fast.findings == reference.findings
    assert fast.conflicts == reference.conflicts
    assert fast.pithnumbers == reference.pithnumbers
    assert fast.errors == reference.errors
    assert fast.entries == reference.entries
    assert fast.notes == reference.notes
    assert fast.mentions == reference.mentions


def test_fast_path_matches_bibtexparser_on_the_corpus() -> None:
    corpus = Path(__file__).parent / "corpus"
    for path in sorted(corpus.glob("*.bib")):
        source = decode_source(path, path.read_bytes())
        fast, reference = scan_bib(source), scan_bib(source, fast=False)
        assert (fast.findings, fast.entries, fast.errors, fast.notes, fast.mentions, fast.conflicts) == (
            reference.findings, reference.entries, reference.errors, reference.notes, reference.mentions,
            reference.conflicts,
        ), path.name


@SETTINGS
@given(st.lists(PIECES, max_size=40))
def test_entries_only_gives_the_entries_of_a_whole_scan(pieces: list[str]) -> None:
    """A lean scan (annotate's and check's) makes no findings or notes, but the same entries and errors."""
    source = decode_source(Path("lean.bib"), "".join(pieces).encode("utf-8"))
    whole, lean = scan_bib(source), scan_bib(source, entries_only=True)
    assert (lean.entries, lean.errors) == (whole.entries, whole.errors)


def test_plain_values_are_read_as_the_regexes_read_them() -> None:
    """bib._SIMPLE_RE's shortcut finds exactly what find_explicit and the field rules find."""
    import itertools
    import re

    from pithtex.scan import bib

    forms = ["", "https://arxiv.org/abs/", "http://arxiv.org/abs/", "arXiv preprint arXiv:", "arXiv:", "abs/"]
    ids = ["2101.00001", "0704.0001", "1412.9999v2", "2101.00001v0", "2413.00001", "0703.0001", "1501.0001"]
    names = ["eprint", "arxivid", "url", "journal", "note", "volume", "pages", "abstract", "number", "doi"]
    cases = [
        (name, quotes[0] + form + ident + quotes[1], *flags)
        for form, ident, quotes, name, flags in itertools.product(
            forms, ids, ["{}", '""'], names, itertools.product([False, True], repeat=3)
        )
    ]
    quick = [bib._field_matches(*case) for case in cases]
    saved, bib._SIMPLE_RE = bib._SIMPLE_RE, re.compile(r"(?!)")
    try:
        assert quick == [bib._field_matches(*case) for case in cases]
    finally:
        bib._SIMPLE_RE = saved


@SETTINGS
@given(st.lists(PIECES, max_size=40))
def test_possessive_and_plain_fast_patterns_read_the_same(pieces: list[str]) -> None:
    """Python 3.10 gets the fast-path regexes without possessive quantifiers: same matches."""
    import re

    from pithtex.scan.bib import _fast_patterns

    text = "".join(pieces)
    fast_head, fast_field, fast_other = (re.compile(p) for p in _fast_patterns(True))
    plain_head, plain_field, plain_other = (re.compile(p) for p in _fast_patterns(False))
    for start in [0, *(i for i, c in enumerate(text) if c == "@")]:
        for fast, plain in ((fast_head, plain_head), (fast_other, plain_other)):
            a, b = fast.match(text, start), plain.match(text, start)
            assert (a and a.span(), a and a.groupdict()) == (b and b.span(), b and b.groupdict())
    assert fast_field.findall(text) == plain_field.findall(text)
    assert fast_field.split(text) == plain_field.split(text)
