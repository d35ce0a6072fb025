"""Give a paper a pithtex configuration without touching anything else: a new
``pithtex.toml``, or a ``[tool.pithtex]`` table appended to an existing ``pyproject.toml``.

Appending is lossless by construction (the old bytes are a prefix of the new
ones), and checked: the new file must parse to the old document plus exactly
this table (a ``tool`` key written inline, or dotted ``tool.pithtex`` keys,
would make the append invalid or different), otherwise nothing is written.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

__all__ = ["ConfigEdit", "add_tool_table", "settings_lines"]


@dataclass(frozen=True)
class ConfigEdit:
    """The new text of a configuration file (None: leave it alone) and what happened, for one message line."""

    text: str | None
    what: str


def settings_lines(*, write_field: bool, lock: str = "pith.lock") -> list[str]:
    """The settings ``pithtex init`` writes (TOML lines, comments included); ``lock`` is relative to
    the file's folder (``sub/pith.lock`` for a main file in sub/, beside which the lock already is)."""
    lock_line = f'lock = "{lock}"'
    lines = [
        "# pithtex settings for this paper (https://pith.science); command-line flags win.",
        f"{lock_line:<28}# commit it: builds and checks then need no network",
        'field = "pithnumber"        # the .bib field annotate writes',
        '# self_id = "2601.00001"    # the paper\'s own arXiv id, once it has one',
    ]
    if not write_field:
        lines.append("write_field = false        # a generated .bib: numbers in pith.lock and refs.pith only")
    return lines


def _parse(text: str) -> dict[str, Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def add_tool_table(text: str, lines: list[str]) -> ConfigEdit:
    """``pyproject.toml``'s text with ``[tool.pithtex]`` holding ``lines`` appended."""
    before = _parse(text)
    if before is None:
        return ConfigEdit(None, "it is not valid TOML")
    tool = before.get("tool")
    if isinstance(tool, dict) and "pithtex" in tool:
        return ConfigEdit(None, "up to date")
    nl = "\r\n" if "\r\n" in text else "\n"
    sep = "" if not text or text.endswith("\n") else nl
    table = nl.join(["[tool.pithtex]", *lines]) + nl
    new = text + sep + (nl if text.strip() else "") + table
    after = _parse(new)
    wanted = _parse(table)
    expected = dict(before)
    expected["tool"] = {**(tool if isinstance(tool, dict) else {}), **(wanted or {}).get("tool", {})}
    if after is None or after != expected:
        return ConfigEdit(None, "a [tool.pithtex] table cannot be appended to it safely")
    return ConfigEdit(new, "add [tool.pithtex]")
