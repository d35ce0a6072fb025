"""The manual, latex/pith-doc.tex, builds to PDF with the package it documents."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.support.tex import compile_latex, flat_text, package_messages, render_sty_into

pytestmark = pytest.mark.tex

REPO = Path(__file__).resolve().parent.parent
MANUAL = REPO / "latex" / "pith-doc.tex"


def _defined_keys() -> set[str]:
    sty = (REPO / "latex" / "pith.sty").read_text("utf-8")
    return set(re.findall(r"\\define@key\{pith\}\{([a-z]+)\}", sty))


def test_manual_builds_and_documents_every_option(tmp_path: Path) -> None:
    shutil.copy(MANUAL, tmp_path / "pith-doc.tex")
    render_sty_into(tmp_path)
    result = compile_latex(tmp_path, "pith-doc.tex", runs=2)
    assert package_messages(result.log) == []
    assert "LaTeX Warning" not in result.log.replace("LaTeX Warning: Unused global option", "")
    text = flat_text(result.text)
    assert "pith:c7hzcgq4" in text
    assert result.info["PithNumber"] == "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"
    documented = {k for k in _defined_keys() if k not in ("colour", "short", "full")}
    missing = [k for k in sorted(documented) if k not in text]
    assert missing == [], f"options missing from the manual: {missing}"
    for command in ("\\pithnumber", "\\pithbadge", "\\pithsetup", "\\pithref", "\\pithreadrefs"):
        assert command in result.text
