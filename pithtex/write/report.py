"""What annotate and check say, and how a planned file is turned back into bytes.

One line per thing, ``file:line: key: what``, so editors and CI can jump to
it. Changes go to stdout (they are the command's result), problems and
warnings to stderr. A planned file keeps its encoding, BOM and line endings:
the bytes written are the original's except for the edited lines.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Literal

from pithtex.scan.source import SourceText

__all__ = ["FilePlan", "Line", "Reporter", "encode_like"]

Kind = Literal["change", "problem", "warning"]


@dataclass(frozen=True)
class Line:
    """One reportable thing at one place."""

    kind: Kind
    file: str
    line: int | None
    key: str | None
    text: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        who = f"{self.key}: " if self.key else ""
        return f"{where}: {who}{self.text}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "file": self.file, "line": self.line, "key": self.key, "message": self.text}


@dataclass
class Reporter:
    """Collects lines; prints them in order at the end (or as JSON)."""

    lines: list[Line] = field(default_factory=list)

    def change(self, file: str, line: int | None, key: str | None, text: str) -> None:
        self.lines.append(Line("change", file, line, key, text))

    def problem(self, file: str, line: int | None, key: str | None, text: str) -> None:
        self.lines.append(Line("problem", file, line, key, text))

    def warning(self, file: str, line: int | None, key: str | None, text: str) -> None:
        self.lines.append(Line("warning", file, line, key, text))

    @property
    def problems(self) -> list[Line]:
        return [line for line in self.lines if line.kind == "problem"]

    @property
    def changes(self) -> list[Line]:
        return [line for line in self.lines if line.kind == "change"]

    def print(self, *, quiet: bool = False, change_prefix: str = "") -> None:
        for line in self.lines:
            if line.kind == "change":
                if not quiet:
                    print(_prefixed(line, change_prefix))
            elif line.kind == "warning":
                if not quiet:
                    print(f"{line} (warning)", file=sys.stderr)
            else:
                print(str(line), file=sys.stderr)


def _prefixed(line: Line, prefix: str) -> str:
    where = line.file if line.line is None else f"{line.file}:{line.line}"
    who = f"{line.key}: " if line.key else ""
    return f"{where}: {who}{prefix}{line.text}"


def encode_like(source: SourceText, text: str) -> bytes:
    """``text`` encoded the way ``source`` was (encoding and BOM)."""
    try:
        data = text.encode(source.encoding)
    except UnicodeEncodeError as exc:  # pragma: no cover - we only insert ASCII
        from pithtex.errors import PithtexError

        raise PithtexError(f"{source.name}: the new text cannot be written as {source.encoding}: {exc}") from None
    return (b"\xef\xbb\xbf" + data) if source.bom else data


@dataclass
class FilePlan:
    """A file and the text it should have."""

    source: SourceText
    new_text: str

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
