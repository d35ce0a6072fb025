"""render_sty / write_sty: the template renders, and writing is atomic and idempotent."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import pithtex
from pithtex.write.sty import STY_NAME, render_sty, sty_template_text, write_sty

REPO = Path(__file__).resolve().parent.parent


def test_package_data_is_the_latex_source() -> None:
    assert sty_template_text() == (REPO / "latex" / "pith.sty").read_text("utf-8")
    link = REPO / "pithtex" / "data" / "pith.sty"
    assert link.is_symlink() and os.readlink(link) == "../../latex/pith.sty"


def test_render_fills_in_the_version_and_leaves_no_template_syntax() -> None:
    text = render_sty("9.8.7")
    m = re.search(r"\\ProvidesPackage\{pith\}\[(\d{4}/\d{2}/\d{2}) v9\.8\.7 [^\]]+\]", text)
    assert m, text[:500]
    for delimiter in ("<<@", "@>>", "<%@", "@%>", "<#@", "@#>"):
        assert delimiter not in text
    assert text.startswith("%% pith.sty")
    assert text.endswith("\\endinput\n")
    assert "\\NeedsTeXFormat{LaTeX2e}" in text


def test_render_defaults_to_the_installed_version() -> None:
    assert f" v{pithtex.__version__} " in render_sty()


def test_render_keeps_tex_braces_and_hashes() -> None:
    text = render_sty()
    # Things jinja's default delimiters would have eaten.
    assert "\\def\\pith@badge#1#2{" in text
    assert "{#1}" in text
    assert text == sty_template_text().split("@#>\n", 1)[1].replace("<<@ version @>>", pithtex.__version__)


def test_write_sty_writes_then_skips(tmp_path: Path) -> None:
    assert write_sty(tmp_path) is True
    target = tmp_path / STY_NAME
    assert target.read_text("utf-8") == render_sty()
    mtime = target.stat().st_mtime_ns
    assert write_sty(tmp_path) is False
    assert target.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == [STY_NAME]


def test_write_sty_replaces_a_stale_copy_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / STY_NAME
    target.write_text("% an old pith.sty\n", "utf-8")
    target.chmod(0o640)
    assert write_sty(tmp_path, version="0.0.1") is True
    assert " v0.0.1 " in target.read_text("utf-8")
    assert target.stat().st_mode & 0o777 == 0o640
    assert write_sty(tmp_path) is True  # another version: content differs
    assert sorted(p.name for p in tmp_path.iterdir()) == [STY_NAME]


def test_write_sty_into_a_missing_directory_fails_cleanly(tmp_path: Path) -> None:
    from pithtex.errors import PithtexError

    with pytest.raises(PithtexError, match="nope/pith.sty: cannot write"):
        write_sty(tmp_path / "nope")
    assert list(tmp_path.iterdir()) == []
