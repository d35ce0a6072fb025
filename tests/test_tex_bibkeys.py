"""Bib keys with the characters real keys contain (_ : - . / + & $ non-ASCII ...)
travel from render_bibrefs through the .pith file to the right \\bibitem.

The bibliography is written by hand (no BibTeX run), so each example is a
single, fast compile; the badges must land at the end of their own entry.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pithtex.write.bibrefs import render_bibrefs
from tests.support.tex import compile_latex, flat_text, package_messages, render_sty_into

pytestmark = pytest.mark.tex

KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:-./+"
FIXED_KEYS = ["a_b", "x:y", "p-q", "r.s", "t/u", "v+w", "Müller2020", "a&b", "e$f", "g^h", "Chen_2026:sspo-v3.1/x"]


def _suffix(i: int, salt: str) -> str:
    """A well-formed 26-character suffix, different for each entry."""
    raw = f"{salt}:{i}".encode().ljust(20, b"#")[:20]
    return base64.b32encode(raw).decode()[:26]


def _check(workdir: Path, keys: list[str], engine: str = "pdflatex", salt: str = "k") -> None:
    numbers = {key: f"pith:2026:{_suffix(i, salt)}" for i, key in enumerate(keys)}
    with_badge = keys[::2]  # every other entry has a number
    (workdir / "refs.pith").write_text(
        render_bibrefs([(k, numbers[k]) for k in with_badge], bib_name="refs.bib", name="refs.pith"), "utf-8"
    )
    render_sty_into(workdir)
    items = "\n\n".join(f"\\bibitem{{{k}}} Entryword{i} by Someone. A title, 2026." for i, k in enumerate(keys))
    fontenc = "\\usepackage[T1]{fontenc}\n" if engine == "pdflatex" else ""
    (workdir / "main.tex").write_text(
        f"\\documentclass{{article}}\n{fontenc}\\usepackage{{pith}}\n\\usepackage{{hyperref}}\n"
        "\\pithreadrefs{refs}\n\\begin{document}\nText.\n"
        f"\\begin{{thebibliography}}{{99}}\n{items}\n\\end{{thebibliography}}\n\\end{{document}}\n",
        "utf-8",
    )
    result = compile_latex(workdir, "main.tex", engine=engine)
    assert package_messages(result.log) == []
    text = flat_text(result.text)
    for i, key in enumerate(keys):
        start = text.index(f"entryword{i} ")
        end = text.find(f"entryword{i + 1} ") if i + 1 < len(keys) else len(text)
        entry = text[start:end]
        badge = "pith:" + numbers[key].rsplit(":", 1)[1][:8].lower()
        if key in with_badge:
            assert badge in entry, f"{key!r}: {entry!r}"
        else:
            assert "pith:" not in entry, f"{key!r}: {entry!r}"
    links = {u.rsplit("/", 1)[1] for u in result.urls}
    assert links == {numbers[k].rsplit(":", 1)[1] for k in with_badge}


@pytest.mark.parametrize("engine", ["pdflatex", "xelatex"])
def test_tricky_keys(tmp_path: Path, engine: str) -> None:
    _check(tmp_path, FIXED_KEYS, engine)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    keys=st.lists(st.text(KEY_ALPHABET, min_size=1, max_size=24), min_size=1, max_size=6, unique=True),
    salt=st.text("abcdefgh", min_size=1, max_size=4),
)
def test_generated_keys(keys: list[str], salt: str) -> None:
    with tempfile.TemporaryDirectory(prefix="pith-bibkeys-") as tmp:
        _check(Path(tmp), keys, salt=salt)
