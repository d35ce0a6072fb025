"""last_verified's one regex a line keeps exactly the lines that read_bibrefs and parse_pith_number accept."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pithtex.ids.pith_number import InvalidPithNumber, parse_pith_number
from pithtex.write.bibrefs import is_safe_bib_key, last_verified, read_bibrefs

S = "C7HZCGQ4XG57XBILJLQGM22JGT"
LINES = [f"\\pithref{{a}}{{pith:2026:{S}}}", f"\\pithref{{a}}{{pith:2025:{S}}}", f"\\pithref{{b}}{{pith:1990:{S}}}",
         f"\\pithref{{c}}{{pith:3000:{S}}}", f"\\pithref{{d}}{{ pith:2026:{S}}}", f"  \\pithref{{e}}{{pith:2026:{S}}}  ",
         f"\\pithref{{f g}}{{pith:2026:{S}}}", f"\\pithref{{h}}{{pith:2026:{S.lower()}}}", f"%\\pithref{{i}}{{pith:2026:{S}}}",
         f"\\pithref{{j}}{{pith:２０２６:{S}}}", f"\\pithref{{k}}{{pith:2026:{S}X}}", f"x\x0c\\pithref{{l}}{{pith:2026:{S}}}",
         f"\\pithref{{m\x85}}{{pith:2026:{S}}}", f"\\pithref{{n}}{{pith:2026:{S}}}\u2028junk", f"\\pithref{{o%}}{{pith:2026:{S}}}",
         f"\\pithref{{é}}{{pith:2026:{S}}}", f"\\pithref{{}}{{pith:2026:{S}}}", f"\\pithref{{p}}{{pith:0999:{S}}}", S, ""]


def reference(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for ref in read_bibrefs(text)[0]:
        try:
            number = parse_pith_number(ref.number)
        except InvalidPithNumber:
            continue
        if number.full == ref.number and is_safe_bib_key(ref.key):
            out.setdefault(ref.key, number.full)
    return out


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LINES), st.sampled_from(["\n", "\r\n", "\r", "", "\x0b", " "])), max_size=8))
def test_last_verified_is_read_bibrefs_and_parse_pith_number(lines: list[tuple[str, str]]) -> None:
    text = "".join(line + end for line, end in lines)
    assert last_verified(text) == reference(text)
