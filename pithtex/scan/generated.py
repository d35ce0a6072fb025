"""Whether a .bib says that a tool writes it (Mendeley, Paperpile, bib2bib ...).

Such a file is rewritten on the tool's next export, and the ``pithnumber``
fields pithtex added go with it: ``check`` then fails and says to run
``annotate``, which adds them again, until the next export. What breaks the
loop is ``write_field = false`` (the numbers live in pith.lock and refs.pith;
README "Generated bibliographies"), so ``annotate`` and ``check`` name it
when they are about to edit, or find fields missing from, such a file.
Only the text before the first entry is read; a file that is merely edited
with a tool that keeps unknown fields (JabRef's "created with", BibDesk's
"created using") is not generated in this sense.
"""

from __future__ import annotations

import re

__all__ = ["generated_note", "generator_line"]

_FIRST_ENTRY = re.compile(r"^[ \t]*@(?!comment\b)", re.IGNORECASE | re.MULTILINE)
_SAYS_GENERATED = re.compile(
    r"automatically generated|auto-?generated|generated (?:by|with|using|from)\b"
    r"|changes (?:to|in|made to) this file will be lost|\bdo not edit\b",
    re.IGNORECASE,
)


def generator_line(text: str) -> tuple[int, str] | None:
    """(1-based line, the line as written) of the first line before the first entry (within its first
    4 KB) that says a tool generates the file; None when none does."""
    first = _FIRST_ENTRY.search(text, 0, 4096)
    head = text[: first.start() if first else min(len(text), 4096)]
    for number, line in enumerate(head.splitlines(), 1):
        if _SAYS_GENERATED.search(line):
            return number, line.strip(" \t%{}@").strip()
    return None


def generated_note(said: str, field: str) -> str:
    """The warning for a generated .bib whose ``field`` fields are added or missing."""
    return (
        f"a tool writes this file ({said[:80]!r}): its next export drops the {field} fields again; "
        "set write_field = false in pithtex.toml (or pass --no-field) to leave it alone and keep the "
        "numbers in pith.lock and refs.pith (README: Generated bibliographies)"
    )
