"""edit_bib's one-regex path for a new field in a flat entry gives exactly what parse_entry and _set_field give."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pithtex.write.bibedit import BibEditError, SetField, _edit_entry, _plain_entry, edit_bib, parse_entry

PN = "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"
FLAT = ["{x}", '"q"', "2024", "{a, b = c}", "{two\nlines}", '"x # y"', "{}", '""', "{pithnumber = 1}", '{"}', "{x) y}"]
NOT_FLAT = ["{n{e}st}", "jan # feb", "{\\'e}", "a(b"]


@st.composite
def entries(draw: st.DrawFn) -> str:
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    names = draw(st.lists(st.sampled_from(["title", "Author", "eprint", "note", "u", "ab", "PithNumber", "pithnumberx"]),
                          unique_by=str.lower, max_size=5))
    if not draw(st.integers(0, 3)):  # all upper case, or some
        names = [n.upper() if draw(st.booleans()) else n for n in names] if draw(st.booleans()) else [n.upper() for n in names]
    aligned = not draw(st.integers(0, 2))
    width = max(map(len, names), default=0) + draw(st.sampled_from([0, 1, 2]))
    fields = []
    for name in names:
        pre = draw(st.sampled_from([" ", "", nl + "  ", nl + "\t", " " + nl + "    ", nl + nl + "  ", nl + "  " + " " * len(name)]))
        gap = " " * (width - len(name)) + draw(st.sampled_from(["", " "])) if aligned else draw(
            st.sampled_from(["", " ", "  ", "     ", "\t", nl + " "]))
        post = draw(st.sampled_from(["", " ", "  ", nl + "  "]))
        value = draw(st.sampled_from(FLAT if draw(st.integers(0, 5)) else NOT_FLAT)).replace("\n", nl)
        fields.append(pre + name + gap + "=" + post + value + draw(st.sampled_from(["", " ", "  "])))
    head = "@" + draw(st.sampled_from(["misc", "ARTICLE", " book "])) + "{" + draw(st.sampled_from(["k", " k ", "k" + nl]))
    tail = draw(st.sampled_from(["", ",", ", ", "," + nl, nl, "," + nl + "  "])) + draw(st.sampled_from(["", nl, " "]))
    return head + "," + ",".join(fields) + tail + "}" + draw(st.sampled_from(["", nl, nl + "@misc{j, a = 1}" + nl]))


def slow(text: str, edit: SetField) -> str:
    entry = parse_entry(text)
    end = entry.close + 1
    return _edit_entry(text[:end], [edit], "\n", entry) + text[end:]


@settings(max_examples=1500, deadline=None)
@given(entries(), st.sampled_from(["pithnumber", "PithNumber", "note", "x"]))
def test_the_one_regex_path_is_the_general_path(text: str, field: str) -> None:
    edit = SetField("k", field, PN, 1)
    try:
        want = slow(text, edit)
    except BibEditError:
        with pytest.raises(BibEditError):
            edit_bib(text, [edit], newline="\n")
        return
    assert edit_bib(text, [edit], newline="\n") == want


@pytest.mark.parametrize("text", [
    "@misc{k,\n      title={T}, \n      year={2024},\n      url={https://a.b/c?d=e}, \n}\n",
    "@article{k,\n  title={T},\n  author={Author, A. and Author, B.},\n  year={2024}\n}\n",
    "@article{k,\n  author    = {A},\n  eprinttype = {arXiv},\n  eprint    = {2401.00003},\n}\n",
    '@misc{k, title = "T", note = "arXiv:2401.00004", year = 2024}\n',
])
def test_the_benchmark_layouts_take_the_one_regex_path(text: str) -> None:
    m = _plain_entry("pithnumber").match(text)
    assert m is not None and m[1] == "k"
    assert edit_bib(text, [SetField("k", "pithnumber", PN, 1)]) == slow(text, SetField("k", "pithnumber", PN, 1))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    "@misc{a, title = {T}}", "@misc{b,\n  note = {mail x@y.z},\n  year = 1\n}", "% @misc{c, x = 1}", "@string{s = {S}}",
    "@misc{d, x = 1} @misc{e, y = 2}", "@misc{f,\n  x = {a\n@misc{g, y = 1}}\n}", "junk @ text", "@comment{h, z = 1}",
]), min_size=1, max_size=8), st.randoms())
def test_edits_in_any_order_and_at_signs_anywhere_give_one_result(blocks: list[str], rnd: object) -> None:
    """The walk from '@' to '@' that locates entries in line order gives what the line offsets give."""
    text = "\n".join(blocks) + "\n"
    import bibtexparser

    places = [(e.key, e.start_line + 1) for e in bibtexparser.parse_string(text).entries]
    edits = [SetField(k, "pithnumber", PN, line) for k, line in dict.fromkeys(places)]
    shuffled = list(edits)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    try:
        want = edit_bib(text, list(reversed(edits)))  # reversed: every entry but the first from the line offsets
    except BibEditError as exc:
        with pytest.raises(BibEditError, match=re.escape(exc.message)):
            edit_bib(text, edits)
        return
    assert edit_bib(text, edits) == want == edit_bib(text, shuffled)
