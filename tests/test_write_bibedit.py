"""Lossless BibTeX edits: only the field line we touch may differ."""

from __future__ import annotations

import difflib

import bibtexparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pithtex.write.bibedit import BibEditError, RemoveField, SetField, edit_bib, parse_entry

PN = "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"
PN2 = "pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE"


def test_multiline_entry_with_trailing_comma_gets_a_line_after_the_last_field() -> None:
    text = "@article{a,\n  author = {A},\n  title  = {T},\n  year   = 2020,\n}\n"
    out = edit_bib(text, [SetField("a", "pithnumber", PN)])
    assert out == (
        "@article{a,\n  author = {A},\n  title  = {T},\n  year   = 2020,\n"
        f"  pithnumber = {{{PN}}},\n}}\n"
    )


def test_aligned_equals_are_kept_aligned() -> None:
    text = "@article{a,\n  author        = {A},\n  title         = {T},\n}\n"
    out = edit_bib(text, [SetField("a", "pithnumber", PN)])
    assert f"  pithnumber    = {{{PN}}},\n" in out


def test_no_trailing_comma_inserts_before_last_field_and_keeps_crlf_and_quotes() -> None:
    text = '@article{b,\r\n\tauthor="A",\r\n\ttitle="T"\r\n}'
    out = edit_bib(text, [SetField("b", "pithnumber", PN)])
    assert out == f'@article{{b,\r\n\tauthor="A",\r\n\tpithnumber="{PN}",\r\n\ttitle="T"\r\n}}'


def test_one_line_entry_stays_one_line() -> None:
    text = "@misc{c, title={One line}, eprint={2511.00066}}\n"
    out = edit_bib(text, [SetField("c", "pithnumber", PN)])
    assert out == f"@misc{{c, title={{One line}}, eprint={{2511.00066}}, pithnumber={{{PN}}}}}\n"


def test_upper_case_field_names_are_followed() -> None:
    text = "@ARTICLE{g,\n  AUTHOR = {A},\n  EPRINT = {1},\n}"
    assert f"  PITHNUMBER = {{{PN}}},\n" in edit_bib(text, [SetField("g", "pithnumber", PN)])


def test_existing_value_is_replaced_in_place_keeping_its_delimiter() -> None:
    text = f'@misc{{k,\n  PithNumber = "{PN2}",\n  note = {{x}},\n}}\n'
    out = edit_bib(text, [SetField("k", "pithnumber", PN)])
    assert out == text.replace(PN2, PN)
    assert edit_bib(out, [SetField("k", "pithnumber", PN)]) == out


def test_everything_outside_the_entry_is_untouched() -> None:
    text = (
        "% my refs\n@string{jmlr = {Journal of ML}}\n@preamble{\"\\newcommand{\\x}{y}\"}\n"
        "junk text between blocks\n"
        "@article{broken,\n  title = {unclosed\n\n"
        "@article{ok,\n  journal = jmlr,\n  year = 2020,\n}\n% end, no final newline"
    )
    out = edit_bib(text, [SetField("ok", "pithnumber", PN)])
    assert out == text.replace("  year = 2020,\n", f"  year = 2020,\n  pithnumber = {{{PN}}},\n")


def test_remove_field_lines() -> None:
    text = f"@misc{{k,\n  title = {{T}},\n  pithnumber = {{{PN}}},\n  year = 2020\n}}\n"
    assert edit_bib(text, [RemoveField("k", "pithnumber")]) == "@misc{k,\n  title = {T},\n  year = 2020\n}\n"
    assert edit_bib(text, [RemoveField("k", "absent")]) == text


def test_unknown_and_duplicate_keys_are_errors() -> None:
    text = "@misc{a, title={x}}\n@misc{a, title={y}}\n"
    with pytest.raises(BibEditError, match="no such entry"):
        edit_bib(text, [SetField("zz", "pithnumber", PN)])
    with pytest.raises(BibEditError, match="2 entries"):
        edit_bib(text, [SetField("a", "pithnumber", PN)])
    # with a line, the second one can be edited
    out = edit_bib(text, [SetField("a", "pithnumber", PN, line=2)])
    assert out.splitlines()[0] == "@misc{a, title={x}}"
    assert PN in out.splitlines()[1]


def test_entry_we_cannot_read_is_refused_not_damaged() -> None:
    text = "@misc{a, title={x} junk}\n"
    with pytest.raises(BibEditError, match="line 1: a: cannot edit"):
        edit_bib(text, [SetField("a", "pithnumber", PN, line=1)])


def test_values_with_unbalanced_braces_are_refused() -> None:
    with pytest.raises(BibEditError, match="unbalanced"):
        edit_bib("@misc{a, title={x}}", [SetField("a", "note", "a}b")])


def test_parse_entry_spans() -> None:
    text = '@article{key,\n  title = {A {nested} title},\n  note = "q {"} x" # jan,\n  year = 2020\n}'
    entry = parse_entry(text)
    assert entry.key == "key"
    assert [f.name for f in entry.fields] == ["title", "note", "year"]
    assert [f.delimiter for f in entry.fields] == ["{", "", ""]
    note = entry.fields[1]
    assert text[note.value_start : note.value_end] == '"q {"} x" # jan'
    assert entry.fields[2].comma is None
    assert text[entry.close] == "}"


# --- generated bibliographies ---------------------------------------------

NAMES = ["author", "title", "journal", "year", "eprint", "archivePrefix", "doi", "note", "url"]
words = st.text(alphabet="abcXYZ éüß-:.0123456789", min_size=0, max_size=12).map(str.strip)
values = st.one_of(words.map(lambda w: "{" + w + "}"), words.map(lambda w: '"' + w + '"'),
                   words.map(lambda w: "{a {" + w + "} b}"), st.integers(0, 3000).map(str))


@st.composite
def entry_text(draw: st.DrawFn, key: str, newline: str) -> tuple[str, bool]:
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=5))
    one_line = draw(st.booleans())
    indent = draw(st.sampled_from(["  ", "\t", "    ", " "]))
    eq = draw(st.sampled_from([" = ", "=", " =  ", "= "]))
    aligned = draw(st.booleans())
    trailing = draw(st.booleans())
    close_own_line = draw(st.booleans())
    kind = draw(st.sampled_from(["article", "misc", "ARTICLE", "inproceedings"]))
    width = max((len(n) for n in names), default=0) + 1
    fields = []
    for name in names:
        value = draw(values)
        if one_line:
            fields.append(f"{name}{eq}{value}")
        elif aligned:
            fields.append(f"{indent}{name.ljust(width)}= {value}")
        else:
            fields.append(f"{indent}{name}{eq}{value}")
    if one_line or not fields:
        body = ", ".join(fields)
        text = f"@{kind}{{{key}" + (", " + body if body else "") + ("," if trailing and fields else "") + "}"
        return text, bool(fields) is False or one_line
    text = f"@{kind}{{{key},{newline}" + f",{newline}".join(fields) + ("," if trailing else "")
    text += (newline + "}") if close_own_line else "}"
    return text, False


JUNK = ["% a comment", "", "@string{jmlr = {JMLR}}", '@preamble{"\\relax"}', "free text, ignored",
        "@comment{whatever}", "%% éü latin-1 comment"]


@st.composite
def bibliography(draw: st.DrawFn) -> tuple[str, list[str], set[str]]:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    count = draw(st.integers(1, 6))
    keys = [f"k{i}" for i in range(count)]
    parts, one_liners = [], set()
    for key in keys:
        parts.extend(draw(st.lists(st.sampled_from(JUNK), max_size=2)))
        text, compact = draw(entry_text(key, newline))
        if compact:
            one_liners.add(key)
        parts.append(text)
    parts.extend(draw(st.lists(st.sampled_from(JUNK), max_size=2)))
    text = newline.join(parts) + (newline if draw(st.booleans()) else "")
    return text, keys, one_liners


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bibliography(), st.data())
def test_round_trip_and_only_field_lines_differ(bib: tuple[str, list[str], set[str]], data: st.DataObject) -> None:
    text, keys, one_liners = bib
    chosen = data.draw(st.lists(st.sampled_from(keys), unique=True, min_size=1))
    out = edit_bib(text, [SetField(k, "pithnumber", PN) for k in chosen])

    # removing what we inserted gives back the original, exactly
    assert edit_bib(out, [RemoveField(k, "pithnumber") for k in chosen]) == text
    # a second run changes nothing
    assert edit_bib(out, [SetField(k, "pithnumber", PN) for k in chosen]) == out
    # line endings and encodability are kept
    if "\r\n" in text:
        assert out.count("\n") == out.count("\r\n")
    else:
        assert "\r" not in out
    out.encode("latin-1")
    # only inserted lines, or the one line of a one-line entry, differ
    old_lines = text.splitlines(keepends=True)
    new_lines = out.splitlines(keepends=True)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        assert tag in ("insert", "replace"), (tag, old_lines[i1:i2], new_lines[j1:j2])
        assert all("pithnumber" in line.lower() for line in new_lines[j1:j2])
        if tag == "replace":
            assert i2 - i1 == j2 - j1
    # a real parser sees the new field and the old values unchanged
    before = {e.key: {f.key: f.value for f in e.fields} for e in bibtexparser.parse_string(text).entries}
    after = {e.key: {f.key: f.value for f in e.fields} for e in bibtexparser.parse_string(out).entries}
    for key in keys:
        fields = {k: v for k, v in after[key].items() if k.lower() != "pithnumber"}
        assert fields == before[key]
        if key in chosen:
            assert [v for k, v in after[key].items() if k.lower() == "pithnumber"] == [PN]


@settings(max_examples=100, deadline=None)
@given(bibliography())
def test_changing_a_value_changes_one_line(bib: tuple[str, list[str], set[str]]) -> None:
    text, keys, _ = bib
    first = edit_bib(text, [SetField(k, "pithnumber", PN) for k in keys])
    second = edit_bib(first, [SetField(keys[0], "pithnumber", PN2)])
    diff = [(a, b) for a, b in zip(first.splitlines(), second.splitlines()) if a != b]
    assert len(first.splitlines()) == len(second.splitlines())
    assert len(diff) == 1 and diff[0][1] == diff[0][0].replace(PN, PN2)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bibliography(), st.sampled_from(["utf-8", "utf-8-bom", "latin-1"]))
def test_file_bytes_round_trip_in_every_encoding(bib: tuple[str, list[str], set[str]], encoding: str) -> None:
    """From bytes to bytes, as annotate does: encoding, BOM and line endings survive; only our lines are new."""
    from pathlib import Path

    from pithtex.scan.source import decode_source
    from pithtex.write.report import encode_like

    text, keys, one_liners = bib
    raw = text.encode("utf-8" if encoding != "latin-1" else "latin-1")
    if encoding == "utf-8-bom":
        raw = b"\xef\xbb\xbf" + raw
    source = decode_source(Path("refs.bib"), raw)
    if encoding == "latin-1" and any(ord(c) > 127 for c in text):
        assert source.encoding == "latin-1"
    out = encode_like(source, edit_bib(source.text, [SetField(k, "pithnumber", PN) for k in keys]))
    assert out.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-bom")
    multi = [k for k in keys if k not in one_liners]
    if len(multi) == len(keys):  # every entry got a line of its own: drop those lines, get the input back
        kept = b"".join(line for line in out.splitlines(keepends=True) if PN.encode() not in line)
        assert kept == raw
    if b"\r\n" in raw:
        assert out.count(b"\r\n") == out.count(b"\n")
