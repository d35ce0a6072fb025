"""Render and install ``pith.sty``, the LaTeX package that prints Pith badges.

The package source lives in ``latex/pith.sty`` and is shipped as package data
(``pithtex/data/pith.sty`` is a symlink to it).  It is a jinja2 template whose
delimiters (``<<@ @>>``, ``<%@ @%>``, ``<#@ @#>``) cannot clash with TeX; its
only variable is ``version``, so a paper's copy of ``pith.sty`` says which
pithtex wrote it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pithtex

__all__ = ["STY_NAME", "render_sty", "sty_template_text", "write_sty"]

STY_NAME = "pith.sty"


def sty_template_text() -> str:
    """The unrendered template, read from the package data."""
    return (resources.files("pithtex") / "data" / STY_NAME).read_text(encoding="utf-8")


def render_sty(version: str = pithtex.__version__) -> str:
    """Return the text of ``pith.sty`` for ``version`` (jinja2 is imported lazily,
    so commands that never render the package start fast)."""
    import jinja2

    env = jinja2.Environment(
        variable_start_string="<<@",
        variable_end_string="@>>",
        block_start_string="<%@",
        block_end_string="@%>",
        comment_start_string="<#@",
        comment_end_string="@#>",
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    text = env.from_string(sty_template_text()).render(version=version)
    # The template's leading comment leaves a blank first line: drop it.
    return text.lstrip("\n")


def write_sty(directory: Path, *, version: str = pithtex.__version__) -> bool:
    """Write ``pith.sty`` into ``directory`` if its content differs.

    The write is atomic (:func:`pithtex.write.atomic.write_if_changed`), so an
    interrupted run never leaves a half-written package in a paper's sources,
    and an up-to-date file is not touched.  Returns whether the file was written.
    """
    from pithtex.write.atomic import write_if_changed

    return write_if_changed(Path(directory) / STY_NAME, render_sty(version).encode("utf-8"))
