"""Add the pithtex hook to a ``.pre-commit-config.yaml`` as text, leaving the rest byte for byte.

A user's YAML has comments, anchors, quoting and an indentation style that a
YAML round trip would lose, so nothing is parsed and re-emitted: the repo
entry is inserted as lines, first in the top-level ``repos:`` block list,
indented like the entries already there, with the file's line endings.
``repos: []`` becomes a block list holding it; a file with no ``repos`` key
gets one at its end. Anything else (a flow list with entries, ``repos`` not
at the top level) is not edited: :func:`merge_hook` says why and the caller
prints the lines to add. When PyYAML is importable, the result is parsed and
must be the old document with exactly this entry added, or nothing is written.
"""

from __future__ import annotations

import re

from pithtex.write.tomlconfig import ConfigEdit

__all__ = ["has_hook", "hook_block", "merge_hook"]

_REPOS = re.compile(r"^repos[ \t]*:[ \t]*(?P<rest>[^\r\n]*)(?=\r?$)", re.MULTILINE)
_ITEM = re.compile(r"^(?P<indent>[ \t]*)-(?:[ \t]|$)")


def hook_block(repo: str, rev: str, hook_id: str, indent: str = "  ", newline: str = "\n") -> str:
    """The lines of one ``repos`` entry, the dash at ``indent``."""
    inner = indent + "  "
    lines = [
        f"{indent}- repo: {_scalar(repo)}",
        f"{inner}rev: {_scalar(rev)}",
        f"{inner}hooks:",
        f"{inner}  - id: {hook_id}",
    ]
    return newline.join(lines) + newline


#: Plain words YAML reads as something other than a string (pre-commit wants ``rev`` a string).
_NOT_STRINGS = frozenset("y n yes no true false on off null".split())


def _scalar(value: str) -> str:
    """``value`` as a YAML string: plain when it reads back as itself, else quoted (``rev: 1.0``
    or ``rev: 2024`` were a float and an int, which pre-commit rejects)."""
    if (re.fullmatch(r"[A-Za-z0-9_./:@+~-]+", value) and value[0] not in "-:@~+." and not value[0].isdigit()
            and value.lower() not in _NOT_STRINGS):
        return value
    return "'" + value.replace("'", "''") + "'"


def has_hook(text: str, hook_id: str) -> bool:
    """Whether a (not commented-out) ``id: hook_id`` is in the file already."""
    pattern = r"^[ \t]*(?:-[ \t]+)?id[ \t]*:[ \t]*['\"]?" + re.escape(hook_id) + r"['\"]?[ \t]*(?:#[^\r\n]*)?\r?$"
    return re.search(pattern, text, re.MULTILINE) is not None


def _parsed_has_hook(text: str, hook_id: str) -> bool:
    """The flow styles ``has_hook`` does not read (``{id: pithtex-check}``), when PyYAML is there."""
    try:
        import yaml

        doc = yaml.safe_load(text)
    except Exception:  # ImportError, YAMLError: the text check stands
        return False
    repos = doc.get("repos") if isinstance(doc, dict) else None
    return any(
        isinstance(h, dict) and h.get("id") == hook_id
        for r in (repos if isinstance(repos, list) else []) if isinstance(r, dict)
        for h in (r.get("hooks") if isinstance(r.get("hooks"), list) else [])
    )


def _insert(text: str, repo: str, rev: str, hook_id: str) -> ConfigEdit:
    nl = "\r\n" if "\r\n" in text else "\n"
    m = _REPOS.search(text)
    if m is None:
        if re.search(r"^[ \t]+repos[ \t]*:", text, re.MULTILINE):
            return ConfigEdit(None, "its repos key is not at the top level")
        sep = "" if not text or text.endswith(("\n", "\r")) else nl
        return ConfigEdit(text + sep + "repos:" + nl + hook_block(repo, rev, hook_id, newline=nl), "add repos")
    rest = m["rest"].split("#", 1)[0].strip()
    line_end = text.find("\n", m.end())
    after = len(text) if line_end < 0 else line_end + 1
    if rest == "[]":
        head = text[: m.start()] + "repos:" + text[m.end():after]
        if line_end < 0:
            head += nl
        return ConfigEdit(head + hook_block(repo, rev, hook_id, newline=nl) + text[after:], "add")
    if rest:
        return ConfigEdit(None, "its repos list is written inline")
    indent = "  "
    for line in text[after:].splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _ITEM.match(line)
        if item is None:
            return ConfigEdit(None, "its repos key holds no list")
        indent = item["indent"]
        break
    prefix = text[:after] if line_end >= 0 else text + nl
    return ConfigEdit(prefix + hook_block(repo, rev, hook_id, indent, nl) + text[after:], "add")


def _same_but_added(old: str, new: str, repo: str, rev: str, hook_id: str) -> bool:
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML comes with pre-commit
        return True
    try:
        before = yaml.safe_load(old) if old.strip() else {}
        after = yaml.safe_load(new)
    except yaml.YAMLError:
        return False
    if before is None:
        before = {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return False
    wanted = dict(before)
    wanted["repos"] = [{"repo": repo, "rev": rev, "hooks": [{"id": hook_id}]}, *(before.get("repos") or [])]
    return after == wanted


def merge_hook(text: str | None, repo: str, rev: str, hook_id: str) -> ConfigEdit:
    """The file's new text with the hook entry, or why it is left alone (``text`` None: no file yet)."""
    if text is None:
        header = "# pre-commit hooks (https://pre-commit.com); `pre-commit install` runs them on every commit.\n"
        return ConfigEdit(header + "repos:\n" + hook_block(repo, rev, hook_id), "create")
    if has_hook(text, hook_id) or _parsed_has_hook(text, hook_id):
        return ConfigEdit(None, "up to date")
    merged = _insert(text, repo, rev, hook_id)
    if merged.text is not None and not _same_but_added(text, merged.text, repo, rev, hook_id):
        return ConfigEdit(None, "it is not YAML that pithtex can add to safely")
    return merged
