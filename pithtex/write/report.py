"""What annotate and check say, and how a planned file is turned back into bytes.

One line per thing, ``file:line: key: what``, so editors and CI can jump to
it. Changes go to stdout (they are the command's result), problems and
warnings to stderr. A planned file keeps its encoding, BOM and line endings:
the bytes written are the original's except for the edited lines.
"""

from __future__ import annotations

import sys
from collections import namedtuple

TYPE_CHECKING = False  # `pithtex check` imports neither typing nor dataclasses (~7 ms of its start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Literal

    from pithtex.crosscheck.model import CrossFinding
    from pithtex.scan.source import SourceText

    Kind = Literal["change", "problem", "warning", "info"]

__all__ = ["FilePlan", "Line", "Reporter", "encode_like"]

#: Information worth a line in human output; other info (``title-verified``,
#: ``title-unchecked``: one per entry) is for ``--json`` consumers only.
SHOWN_INFO = frozenset({"version-drift"})


class Line(namedtuple("Line", "kind file line key text code details", defaults=(None, None))):
    """One reportable thing at one place, with a stable ``code`` for CI and editors: ``kind``
    (change, problem, warning or info), ``file``, ``line`` and ``key`` (or None), ``text``, and
    optional ``details`` (a dict). A named tuple: `pithtex check` imports no dataclasses."""

    __slots__ = ()

    def __str__(self) -> str:
        return self.with_prefix("")

    def with_prefix(self, prefix: str) -> str:
        """``file:line: key: <prefix>text`` (annotate --check prefixes its changes with ``would ``)."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        who = f"{self.key}: " if self.key else ""
        return f"{where}: {who}{prefix}{self.text}"

    def to_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "kind": self.kind,
            "code": self.code or self.kind,
            "file": self.file,
            "line": self.line,
            "key": self.key,
            "message": self.text,
        }
        if self.details:
            item["details"] = self.details
        return item


class Reporter:
    """Collects lines; prints them in order at the end (or as JSON).

    A run that will never show some lines need not keep them: ``keep_info``
    False drops the information lines human output does not show (all but
    :data:`SHOWN_INFO`; ``--json`` keeps them), ``keep_changes`` False drops
    change lines (``--quiet``), still counted in :attr:`dropped_changes`
    (callers may look at ``keep_changes`` before wording a change).
    """

    def __init__(self, keep_info: bool = True, keep_changes: bool = True) -> None:
        self.lines: list[Line] = []
        self.keep_info, self.keep_changes, self.dropped_changes = keep_info, keep_changes, 0

    def change(self, file: str, line: int | None, key: str | None, text: str, *, code: str | None = None) -> None:
        if not self.keep_changes:
            self.dropped_changes += 1
            return
        self.lines.append(Line("change", file, line, key, text, code))

    def problem(self, file: str, line: int | None, key: str | None, text: str, *, code: str | None = None) -> None:
        self.lines.append(Line("problem", file, line, key, text, code))

    def warning(self, file: str, line: int | None, key: str | None, text: str, *, code: str | None = None) -> None:
        self.lines.append(Line("warning", file, line, key, text, code))

    def finding(self, found: CrossFinding) -> None:
        """A cross-check finding: errors are problems, warnings warnings, the rest info."""
        kind: Kind = {"error": "problem", "warning": "warning"}.get(found.severity, "info")  # type: ignore[assignment]
        if kind == "info" and not self.keep_info and found.code not in SHOWN_INFO:
            return
        self.lines.append(Line(kind, found.file, found.line, found.key, found.message, found.code, found.details))

    @property
    def problems(self) -> list[Line]:
        return [line for line in self.lines if line.kind == "problem"]

    @property
    def clean(self) -> bool:
        """Nothing to change and nothing to say but information."""
        return not self.dropped_changes and all(line.kind == "info" for line in self.lines)

    @property
    def changes(self) -> list[Line]:
        return [line for line in self.lines if line.kind == "change"]

    def print(self, *, quiet: bool = False, change_prefix: str = "") -> None:
        for line in self.lines:
            if line.kind == "change":
                if not quiet:
                    print(line.with_prefix(change_prefix))
            elif line.kind == "warning":
                if not quiet:
                    print(f"{line} (warning)", file=sys.stderr)
            elif line.kind == "info":
                if not quiet and line.code in SHOWN_INFO:
                    print(f"{line} (info)", file=sys.stderr)
            else:
                print(str(line), file=sys.stderr)


def encode_like(source: SourceText, text: str) -> bytes:
    """``text`` encoded the way ``source`` was (encoding and BOM)."""
    try:
        data = text.encode(source.encoding)
    except UnicodeEncodeError as exc:  # pragma: no cover - we only insert ASCII
        from pithtex.errors import PithtexError

        raise PithtexError(f"{source.name}: the new text cannot be written as {source.encoding}: {exc}") from None
    return (b"\xef\xbb\xbf" + data) if source.bom else data


class FilePlan(namedtuple("FilePlan", "source new_text")):
    """A file (its SourceText) and the text it should have."""

    __slots__ = ()

    @property
    def changed(self) -> bool:
        return self.new_text != self.source.text

    def new_bytes(self) -> bytes:
        return encode_like(self.source, self.new_text)

    def diff(self) -> str:
        import difflib

        name = self.source.name
        old = self.source.text.splitlines(keepends=True)
        new = self.new_text.splitlines(keepends=True)
        out = []
        for line in difflib.unified_diff(old, new, f"a/{name}", f"b/{name}"):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)


def report_scan_problems(reporter: Reporter, problems: list[Any], entries: list[Any], *, lenient: bool) -> None:
    """What the scan could not read, for check and annotate, in line order: an id that cannot be
    an arXiv id (a typo: ``2606.1249``) and a block that mentions arXiv but cannot be parsed (its
    reference is lost) are problems, or warnings with ``--lenient``; other blocks that cannot be
    parsed are warnings. ``problems`` are the scan's non-fatal :class:`~pithtex.scan.model.ScanProblem`."""
    found: list[tuple[str, int, Line]] = []
    for p in problems:
        kind: Kind = "problem" if p.mentions_arxiv and not lenient else "warning"
        code = "unparsed-entry" if kind == "problem" else "unparsed-block"
        found.append((p.file, p.line or 0, Line(kind, p.file, p.line, p.key, p.message, code)))
    for entry in entries:
        for bad in getattr(entry, "invalid", ()):
            text = bad.message() if lenient else f"{bad.message()}; a typo?"
            found.append((entry.file, bad.line, Line("warning" if lenient else "problem", entry.file, bad.line,
                                                     entry.key, text, "invalid-id")))
    found.sort(key=lambda item: (item[0], item[1]))
    reporter.lines.extend(item[2] for item in found)
