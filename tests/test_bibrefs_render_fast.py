"""render_bibrefs checks all keys at once; it must give what checking each pair in order gives, errors included."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pithtex.ids.pith_number import PithNumber, parse_pith_number
from pithtex.write.bibrefs import HEADER, all_safe_bib_keys, is_safe_bib_key, render_bibrefs

A = "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"
B = "pith:2025:SPDDBVRNS36U3W2AYSQMMOTDSD"


def reference(pairs: list[tuple[str, object]]) -> str:
    """render_bibrefs as it was: each pair checked in turn."""
    numbers: dict[str, str] = {}
    for key, number in pairs:
        if not is_safe_bib_key(key):
            raise ValueError(f"bib key {key!r} cannot carry a Pith badge (braces, backslash, %, #, comma or white space)")
        full = number.full if isinstance(number, PithNumber) else parse_pith_number(number).full  # type: ignore[arg-type]
        previous = numbers.setdefault(key, full)
        if previous != full:
            raise ValueError(f"bib key {key!r} has two Pith Numbers: {previous} and {full}")
    return HEADER.format(name="this file", bib="the .bib file") + "".join(
        f"\\pithref{{{k}}}{{{numbers[k]}}}\n" for k in sorted(numbers))


KEYS = ["a", "b", "Müller", "", "a b", "a{b", "c%", "d,e", "f#", "g\\h", "i\tj", "k\x7f", "l\u00a0m", "n\u2028", "é", "x"]
NUMBERS = [A, B, parse_pith_number(A), f" {A} ", "pith:2026:short", "C7HZCGQ4XG57XBILJLQGM22JGT", 7]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(NUMBERS)), max_size=6))
def test_render_is_the_pair_by_pair_check(pairs: list[tuple[str, object]]) -> None:
    try:
        want = reference(pairs)
    except Exception as exc:  # noqa: BLE001 - the same error, type and message
        with pytest.raises(type(exc)) as got:
            render_bibrefs(pairs)  # type: ignore[arg-type]
        assert str(got.value) == str(exc)
        return
    assert render_bibrefs(pairs) == want  # type: ignore[arg-type]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(KEYS), st.text(max_size=4), st.none(), st.integers()), max_size=6))
def test_all_safe_bib_keys_is_each_key_safe(keys: list[object]) -> None:
    assert all_safe_bib_keys(keys) == all(map(is_safe_bib_key, keys))  # type: ignore[arg-type]
