"""_aligned_column reads each field's head (white space, name, white space up to '=') as one string, and
_PLAIN_HEAD finds the heads of a flat entry: both as the per-field reading of _PLAIN_FIELD had it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pithtex.write.bibedit import _PLAIN_FIELD, _PLAIN_HEAD, _aligned_column


def reference(pres: tuple[str, ...], names: tuple[str, ...], gaps: tuple[str, ...]) -> int | None:
    """_aligned_column as it was, a field at a time."""
    if max(map(len, gaps)) <= 1:
        return None
    columns, padded, own_line = set(), False, 0
    for pre, name, gap in zip(pres, names, gaps):
        if "\n" in pre:
            own_line += 1
            nl = gap.rfind("\n")
            columns.add(len(gap) - nl - 1 if nl >= 0 else len(pre) - pre.rfind("\n") - 1 + len(name) + len(gap))
            padded = padded or len(gap) > 1
    return columns.pop() if own_line >= 2 and len(columns) == 1 and padded else None


SPACE = st.text(st.sampled_from(" \t\n\r\x0b\x0c\u2028\u00a0"), max_size=5)
NAME = st.text(st.sampled_from("abAB_-1:"), min_size=1, max_size=6)
VALUE = st.sampled_from(["{x}", '"q"', "2024", "{a, b = c}", "{two\nlines = x}", '"x # y"', "{}", "bare"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(SPACE, NAME, SPACE, SPACE, VALUE, SPACE), min_size=1, max_size=7), st.booleans())
def test_heads_give_the_column_fields_gave(fields: list[tuple[str, ...]], trailing: bool) -> None:
    text = "@misc{k," + ",".join(pre + name + gap + "=" + post + value + after for pre, name, gap, post, value, after
                                 in fields) + ("," if trailing else "") + "}"
    parts = _PLAIN_FIELD.findall(text, 7, len(text) - 1)
    heads = _PLAIN_HEAD.findall(text, 7, len(text) - 1)
    pres, names, gaps = ([f[i] for f in fields] for i in range(3))
    assert [p[:3] for p in parts] == list(zip(pres, names, gaps))
    assert heads == [pre + name + gap if "\n" in pre else "" for pre, name, gap in zip(pres, names, gaps)]
    assert _aligned_column(heads) == reference(tuple(pres), tuple(names), tuple(gaps))
