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

from collections import namedtuple

from pithtex.ids.arxiv import ArxivId

TYPE_CHECKING = False  # `pithtex check` imports neither typing nor dataclasses (~7 ms of its start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = [
    "BibEntry",
    "Conflict",
    "Finding",
    "InvalidId",
    "PithAnnotation",
    "ScanProblem",
    "ScanResult",
]


class Finding(namedtuple("Finding", "file line key field arxiv raw")):
    """One arXiv reference at one place: ``file``, ``line``, ``key`` (or None), ``field``, ``arxiv``
    (an :class:`~pithtex.ids.arxiv.ArxivId`), ``raw``.

    ``field`` is the .bib field name as written (``eprint``, ``url``, ...) or,
    in .tex, the macro it was found in (``\\url``, ``\\arxiv``, ``\\bibitem``)
    or ``text``. ``raw`` is the exact text that matched (e.g.
    ``https://arxiv.org/abs/2511.00066v2`` or ``arXiv:2511.00066``).

    The records here are named tuples, not dataclasses: immutable, equal and hashed by value,
    built by position or keyword alike, and free of the dataclasses import (and of ~0.3 ms of
    class creation each) on `pithtex check`'s start-up.
    """

    __slots__ = ()

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


class PithAnnotation(namedtuple("PithAnnotation", "file line key field value")):
    """An existing Pith Number: a ``pithnumber`` field or a ``\\pithnumber{...}``.

    ``value`` is the text as written (braces/quotes removed, not validated:
    checking it is ``pithtex check``'s job). ``field`` is the .bib field name
    as written, or ``\\pithnumber`` in .tex.
    """

    __slots__ = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "key": self.key,
            "field": self.field,
            "value": self.value,
        }


class Conflict(namedtuple("Conflict", "file line key ids")):
    """One entry (or ``\\bibitem``) that names two or more different arXiv papers (``ids``, a tuple)."""

    __slots__ = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "key": self.key,
            "ids": [str(i) for i in self.ids],
        }


class ScanProblem(namedtuple("ScanProblem", "file line message fatal key mentions_arxiv", defaults=(None, False))):
    """Something the scanner could not read, at ``file`` and ``line`` (or None).

    ``fatal`` problems mean an input could not be read at all (missing file,
    directory, binary): the command exits 2. Non-fatal ones (a block
    bibtexparser could not parse, a missing ``\\input`` file) are warnings:
    the rest was scanned. ``key`` is the entry's key, for a .bib block that could not be parsed
    (when its head names one); ``mentions_arxiv`` whether that block mentions arXiv (or holds
    something shaped like an id): then an arXiv reference may be lost, which check and annotate
    call a problem.
    """

    __slots__ = ()

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        who = f"{self.key}: " if self.key else ""
        return f"{where}: {who}{self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message, "fatal": self.fatal}


class InvalidId(namedtuple("InvalidId", "line field raw reason")):
    """Something in an entry written as an arXiv id that cannot be one (``2606.1249``,
    ``arXiv:2613.01249``): most likely a typo, at ``line`` of field ``field``."""

    __slots__ = ()

    def message(self) -> str:
        return f"{self.raw!r} in {self.field} is not a valid arXiv identifier ({self.reason})"


class BibEntry(namedtuple("BibEntry", "file line end_line key entry_type title arxiv pithnumber mentions invalid",
                          defaults=((), ()))):
    """One .bib entry (or ``\\bibitem``), whether or not it cites arXiv.

    ``file``, ``line``, ``end_line``, ``key`` (or None), ``entry_type``: ``line`` is the line of
    the ``@`` (or ``\\bibitem``), ``end_line`` the line of its closing delimiter. ``title`` is
    the raw field value with TeX markup kept (outer braces/quotes removed), or None. ``arxiv``
    holds each distinct paper the entry names once, in order of first appearance, with the
    highest version named for it (None when none was named): one paper, unless the entry is a
    :class:`Conflict`. ``mentions`` holds the other papers it names in fields of lower priority,
    the same way. ``pithnumber`` is its :class:`PithAnnotation` or None; ``invalid`` holds the
    :class:`InvalidId` it writes as an arXiv id but cannot be one (ignored by the scan).
    """

    __slots__ = ()


class ScanResult:
    """Everything a scan found, in file order: lists of :class:`Finding` (``findings``, ``mentions``),
    :class:`Conflict`, :class:`PithAnnotation` (``pithnumbers``), :class:`ScanProblem` (``errors``),
    :class:`BibEntry` and notes (str). Each list given is kept (not copied), each left out is new."""

    __slots__ = _FIELDS = ("findings", "conflicts", "pithnumbers", "errors", "entries", "notes", "mentions")

    def __init__(self, findings=None, conflicts=None, pithnumbers=None, errors=None, entries=None, notes=None,
                 mentions=None) -> None:  # type: ignore[no-untyped-def]
        for name, value in zip(self._FIELDS, (findings, conflicts, pithnumbers, errors, entries, notes, mentions)):
            setattr(self, name, [] if value is None else value)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._FIELDS)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "ScanResult(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self._FIELDS) + ")"

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
