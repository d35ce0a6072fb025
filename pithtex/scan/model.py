"""What a scan finds: plain frozen records, and the JSON shape of a scan.

Every location is ``file`` (the path as the user or the including file named
it, as a string) and ``line`` (1-based, counted in ``\\n`` characters of the
original file, so a BOM or CRLF line endings do not shift it).

The JSON contract (``pithtex scan --json``, issue 3)::

    {"findings":    [{"file", "line", "key", "field", "arxiv_id", "version", "raw"}],
     "conflicts":   [{"file", "line", "key", "ids": ["arXiv:...", ...]}],
     "pithnumbers": [{"file", "line", "key", "field", "value"}],
     "errors":      [{"file", "line", "message", "fatal"}],
     "entries":     <number of .bib entries and bibitems read>,
     "notes":       ["..."],
     "mentions":    [{"file", "line", "key", "field", "arxiv_id", "version", "raw"}]}

``findings`` name each entry's own paper (the highest-priority id of the
entry, see :mod:`pithtex.scan.bib`); ``mentions`` (issue 14) are the other
papers an entry names in fields of lower priority (``note``, ``webnote``,
``abstract``...): not references to annotate, and not conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pithtex.ids.arxiv import ArxivId

__all__ = [
    "BibEntry",
    "Conflict",
    "Finding",
    "InvalidId",
    "PithAnnotation",
    "ScanProblem",
    "ScanResult",
]


@dataclass(frozen=True)
class Finding:
    """One arXiv reference at one place.

    ``field`` is the .bib field name as written (``eprint``, ``url``, ...) or,
    in .tex, the macro it was found in (``\\url``, ``\\arxiv``, ``\\bibitem``)
    or ``text``. ``raw`` is the exact text that matched (e.g.
    ``https://arxiv.org/abs/2511.00066v2`` or ``arXiv:2511.00066``).
    """

    file: str
    line: int
    key: str | None
    field: str
    arxiv: ArxivId
    raw: str

    @property
    def version(self) -> int | None:
        return self.arxiv.version

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "key": self.key,
            "field": self.field,
            "arxiv_id": self.arxiv.id,
            "version": self.arxiv.version,
            "raw": self.raw,
        }


@dataclass(frozen=True)
class PithAnnotation:
    """An existing Pith Number: a ``pithnumber`` field or a ``\\pithnumber{...}``.

    ``value`` is the text as written (braces/quotes removed, not validated:
    checking it is ``pithtex check``'s job). ``field`` is the .bib field name
    as written, or ``\\pithnumber`` in .tex.
    """

    file: str
    line: int
    key: str | None
    field: str
    value: str

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "key": self.key,
            "field": self.field,
            "value": self.value,
        }


@dataclass(frozen=True)
class Conflict:
    """One entry (or ``\\bibitem``) that names two or more different arXiv papers."""

    file: str
    line: int
    key: str | None
    ids: tuple[ArxivId, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "key": self.key,
            "ids": [str(i) for i in self.ids],
        }


@dataclass(frozen=True)
class ScanProblem:
    """Something the scanner could not read.

    ``fatal`` problems mean an input could not be read at all (missing file,
    directory, binary): the command exits 2. Non-fatal ones (a block
    bibtexparser could not parse, a missing ``\\input`` file) are warnings:
    the rest was scanned.
    """

    file: str
    line: int | None
    message: str
    fatal: bool
    #: The entry's key, for a .bib block that could not be parsed (when its head names one).
    key: str | None = None
    #: Whether the block that could not be parsed mentions arXiv (or holds something shaped like
    #: an id): then an arXiv reference may be lost, which check and annotate call a problem.
    mentions_arxiv: bool = False

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        who = f"{self.key}: " if self.key else ""
        return f"{where}: {who}{self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message, "fatal": self.fatal}


@dataclass(frozen=True)
class InvalidId:
    """Something in an entry written as an arXiv id that cannot be one (``2606.1249``,
    ``arXiv:2613.01249``): most likely a typo, at ``line`` of field ``field``."""

    line: int
    field: str
    raw: str
    reason: str

    def message(self) -> str:
        return f"{self.raw!r} in {self.field} is not a valid arXiv identifier ({self.reason})"


@dataclass(frozen=True)
class BibEntry:
    """One .bib entry (or ``\\bibitem``), whether or not it cites arXiv.

    ``line`` is the line of the ``@`` (or ``\\bibitem``), ``end_line`` the
    line of its closing delimiter. ``title`` is the raw field value with TeX
    markup kept (outer braces/quotes removed), or None. ``arxiv`` holds each
    distinct paper the entry names once, in order of first appearance, with
    the highest version named for it (None when none was named): one paper,
    unless the entry is a :class:`Conflict`. ``mentions`` holds the other
    papers it names in fields of lower priority, the same way.
    """

    file: str
    line: int
    end_line: int
    key: str | None
    entry_type: str
    title: str | None
    arxiv: tuple[ArxivId, ...]
    pithnumber: PithAnnotation | None
    mentions: tuple[ArxivId, ...] = ()
    #: What the entry writes as an arXiv id but cannot be one (ignored by the scan).
    invalid: tuple[InvalidId, ...] = ()


@dataclass
class ScanResult:
    """Everything a scan found, in file order."""

    findings: list[Finding] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    pithnumbers: list[PithAnnotation] = field(default_factory=list)
    errors: list[ScanProblem] = field(default_factory=list)
    entries: list[BibEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    mentions: list[Finding] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        """Whether some input could not be read at all."""
        return any(p.fatal for p in self.errors)

    def distinct_ids(self) -> list[ArxivId]:
        """Each paper found once (no version), in order of first appearance."""
        seen: dict[str, None] = {}
        for f in self.findings:
            seen.setdefault(f.arxiv.id, None)
        return [ArxivId(i) for i in seen]

    def entries_only(self) -> ScanResult:
        """This result's entries and errors alone (the entries keep their arXiv ids and Pith
        annotations; findings, conflicts, Pith Numbers and notes are left out): what
        ``annotate`` and ``check`` read, cheaper to make and to pack."""
        return ScanResult(errors=self.errors, entries=self.entries)

    def extend(self, other: ScanResult) -> None:
        self.findings.extend(other.findings)
        self.conflicts.extend(other.conflicts)
        self.pithnumbers.extend(other.pithnumbers)
        self.errors.extend(other.errors)
        self.entries.extend(other.entries)
        self.notes.extend(other.notes)
        self.mentions.extend(other.mentions)

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [f.to_json() for f in self.findings],
            "conflicts": [c.to_json() for c in self.conflicts],
            "pithnumbers": [p.to_json() for p in self.pithnumbers],
            "errors": [e.to_json() for e in self.errors],
            "entries": len(self.entries),
            "notes": list(self.notes),
            "mentions": [m.to_json() for m in self.mentions],
        }
