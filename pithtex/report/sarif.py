"""The report as SARIF 2.1.0, for code-scanning tools (GitHub code scanning and the like).

One result per problem reference (``title mismatch``, ``unresolved`` and
``not annotated`` are errors, ``duplicate`` a warning), located at the entry's ``file:line``
(``physicalLocation``: ``artifactLocation.uri`` relative to the working
directory when the file is below it, a ``file:`` URI otherwise, and
``region.startLine``). References without a problem give no result.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pithtex
from pithtex.report.model import DUPLICATE, NOT_ANNOTATED, TITLE_MISMATCH, UNRESOLVED, Report

__all__ = ["RULES", "to_sarif"]

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

#: status -> (rule id, level, short description)
RULES: dict[str, tuple[str, str, str]] = {
    TITLE_MISMATCH: ("title-mismatch", "error", "The entry's title is not the signed title of the arXiv paper it cites"),
    UNRESOLVED: ("unresolved", "error", "The arXiv reference has no verified Pith Number in pith.lock"),
    DUPLICATE: ("duplicate", "warning", "Another entry cites the same paper"),
    NOT_ANNOTATED: ("not-annotated", "error",
                    "The entry's pithnumber field or refs.pith line is missing or not its verified Pith Number"),
}


def _uri(file: str) -> tuple[str, bool]:
    """(uri, relative?): a percent-encoded path relative to the working directory, with /
    separators, when the file really is below it; a ``file:`` URI otherwise. The folder's
    symlinks are resolved (``link/../refs.bib`` named another file when collapsed as text), the
    file's own are not: a refs.bib linked to a shared bibliography is the file the repository has."""
    from urllib.parse import quote

    path = Path(file)
    absolute = path.parent.resolve() / path.name
    try:
        rel = Path(os.path.relpath(absolute, Path.cwd().resolve()))
    except ValueError:  # another drive (Windows)
        return absolute.as_uri(), False
    if rel.parts and rel.parts[0] == "..":
        return absolute.as_uri(), False
    return quote(rel.as_posix()), True


def to_sarif(report: Report) -> dict[str, Any]:
    rules = list(RULES.values())
    index = {rule_id: i for i, (rule_id, _, _) in enumerate(rules)}
    results = []
    for ref in report.problems:
        rule_id, level, _ = RULES[ref.status]
        uri, relative = _uri(ref.file)
        artifact: dict[str, Any] = {"uri": uri}
        if relative:
            artifact["uriBaseId"] = "%SRCROOT%"
        results.append({
            "ruleId": rule_id,
            "ruleIndex": index[rule_id],
            "level": level,
            "message": {"text": ref.message},
            "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": {"startLine": ref.line}}}],
            "partialFingerprints": {"pithtexReference/v1": f"{ref.key}:{rule_id}"},
            "properties": {"status": ref.status, "key": ref.key,
                           "arxiv_id": ref.arxiv.id if ref.arxiv else None, "notes": list(ref.notes)},
        })
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "pithtex",
                "version": pithtex.__version__,
                "informationUri": "https://github.com/pith-science/pithtex",
                "rules": [
                    {"id": rule_id, "name": rule_id.replace("-", " ").title().replace(" ", ""),
                     "shortDescription": {"text": text}, "defaultConfiguration": {"level": level}}
                    for rule_id, level, text in rules
                ],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}},
            "results": results,
        }],
    }
