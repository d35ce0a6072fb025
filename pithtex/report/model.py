"""Each reference's status, decided offline from ``pith.lock``.

Statuses (the ``status`` field of ``--format json``, exactly these strings):

==================  =======  ====================================================
status              problem  meaning
==================  =======  ====================================================
``verified``        no       cites one arXiv paper whose pith.lock entry verifies
                             against a trusted key, and the title does not say the
                             id is wrong
``title mismatch``  yes      the entry's title is not the signed title of the paper
                             its arXiv id names: the id is probably wrong
``unresolved``      yes      cites arXiv, but pith.lock holds no entry for the id
                             that verifies (or the entry names several papers)
``not arXiv``       no       cites no arXiv paper (a journal article, a book)
``duplicate``       yes      another key cites the same paper (the bibliography
                             would list it twice)
``not annotated``   yes      pith.lock verifies it, but its ``pithnumber`` field or
                             its refs.pith line is missing or another number: what
                             ``pithtex check`` says of it (the note), so the two
                             never disagree on a reference
==================  =======  ====================================================

When several apply, the first in the order title mismatch, unresolved,
duplicate, not annotated wins. Everything else worth saying (a title that
differs only in case, a later arXiv version) is a note on the reference, not a
status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import PithNumber

__all__ = [
    "DEFAULT_BASE",
    "NOT_ANNOTATED",
    "PROBLEM_STATUSES",
    "STATUSES",
    "RefStatus",
    "Report",
    "build_report",
]

VERIFIED = "verified"
TITLE_MISMATCH = "title mismatch"
UNRESOLVED = "unresolved"
NOT_ARXIV = "not arXiv"
DUPLICATE = "duplicate"
NOT_ANNOTATED = "not annotated"
#: In the order the summary line names them.
STATUSES = (VERIFIED, TITLE_MISMATCH, UNRESOLVED, NOT_ARXIV, DUPLICATE, NOT_ANNOTATED)
#: Statuses that make ``pithtex report`` exit 1.
PROBLEM_STATUSES = (TITLE_MISMATCH, UNRESOLVED, DUPLICATE, NOT_ANNOTATED)
#: Where a Pith Number's page is: ``<base>/pith/<suffix>`` (docs/pith-protocol.md section 9,
#: and the link pith.sty puts on a badge).
DEFAULT_BASE = "https://pith.science"


@dataclass(frozen=True)
class RefStatus:
    """One .bib entry and what pithtex can say about it."""

    file: str
    line: int
    key: str | None
    title: str | None  # the entry's title as plain text
    arxiv: ArxivId | None  # as cited (None: not arXiv, or several papers)
    version: int | None  # the version pith.lock resolved it to
    pith_number: PithNumber | None
    status: str
    notes: tuple[str, ...] = ()
    url: str | None = None

    @property
    def problem(self) -> bool:
        return self.status in PROBLEM_STATUSES

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def message(self) -> str:
        """``key: status: first note``, as stderr and SARIF give a problem."""
        return (f"{self.key}: " if self.key else "") + self.status + (f": {self.notes[0]}" if self.notes else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "file": self.file,
            "line": self.line,
            "title": self.title,
            "arxiv_id": self.arxiv.id if self.arxiv is not None else None,
            "cited_version": self.arxiv.version if self.arxiv is not None else None,
            "version": self.version,
            "pith_number": self.pith_number.full if self.pith_number is not None else None,
            "url": self.url,
            "status": self.status,
            "problem": self.problem,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Report:
    """Every reference, in file order, with the counts the summary line gives."""

    references: tuple[RefStatus, ...]
    sources: tuple[str, ...]  # the .bib files, as named
    lock: str

    @property
    def counts(self) -> dict[str, int]:
        counts = {status: 0 for status in STATUSES}
        for ref in self.references:
            counts[ref.status] += 1
        return counts

    @property
    def problems(self) -> list[RefStatus]:
        return [r for r in self.references if r.problem]

    def problems_first(self) -> list[RefStatus]:
        """Problems (in file order), then the rest (in file order)."""
        return [*self.problems, *(r for r in self.references if not r.problem)]

    def summary(self) -> str:
        """``5 references: 2 verified, 1 title mismatch, ...; 2 problems``."""
        n = len(self.references)
        parts = ", ".join(f"{count} {status}" for status, count in self.counts.items())
        p = len(self.problems)
        tail = "no problems" if p == 0 else f"{p} problem{'s' if p != 1 else ''}"
        return f"{n} reference{'s' if n != 1 else ''}: {parts}; {tail}"

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": {"text": self.summary(), "references": len(self.references),
                        "problems": len(self.problems), "counts": self.counts},
            "sources": list(self.sources),
            "lock": self.lock,
            "references": [r.to_json() for r in self.problems_first()],
        }


def build_report(
    entries: Sequence[Any],
    verified: Any,
    *,
    annotations: Mapping[tuple[str, str], tuple[str, int | None, str]] | None = None,
    allow_title_mismatch: Iterable[str] = (),
    base: str = DEFAULT_BASE,
    sources: Sequence[str] = (),
) -> Report:
    """The report on scanned ``entries`` (:class:`pithtex.scan.model.BibEntry`), from ``verified``
    (:class:`pithtex.commands.check.Verified` without the cache: pith.lock alone, each entry
    verified against the trusted keys). ``annotations``: (file, key) -> (file, line, text) of what
    check says is wrong with that reference's field or refs.pith line. Reads nothing else: no network, no cache."""
    from pithtex.crosscheck import RecordFacts, crosscheck

    base = base.rstrip("/")

    def lookup(arxiv: ArxivId) -> tuple[Any, str | None]:
        number, why, entry = verified.get(arxiv)
        return (entry, None) if number is not None else (None, why)

    def facts_for(arxiv: ArxivId) -> RecordFacts | None:
        entry, _ = lookup(arxiv)
        if entry is None:
            return None
        try:
            return RecordFacts.from_lock_entry(entry)
        except (KeyError, TypeError, ValueError):
            return None

    entries = [e for e in entries if e.key is not None]
    findings = crosscheck(entries, facts_for, allow_title_mismatch=list(allow_title_mismatch), title_info=False)
    by_place: dict[tuple[str, int], list[Any]] = {}
    also: dict[tuple[str, int], list[str]] = {}  # the first entry of a duplicate group: who else cites it
    for f in findings:
        by_place.setdefault((f.file, f.line), []).append(f)
        first = (f.details.get("entries") or [None])[0] if f.code == "duplicate-reference" else None
        if first is not None:
            also.setdefault((first["file"], first["line"]), []).append(
                f"{f.key or 'an entry'} ({f.file}:{f.line}) cites the same paper"
            )
    annotations = annotations or {}

    def status_of(e: Any) -> RefStatus:
        place = (str(e.file), int(e.line))
        ref = _status(e, lookup, by_place.get(place, []), base, also.get(place, []))
        wrong = annotations.get((str(e.file), e.key))
        if wrong is not None and ref.status in (VERIFIED, NOT_ARXIV):
            file, line, text = wrong
            note = text if (file, line) == place else f"{file}:{line}: {text}" if line else f"{file}: {text}"
            ref = replace(ref, status=NOT_ANNOTATED, notes=(note, *ref.notes))
        return ref

    return Report(
        tuple(status_of(e) for e in entries),
        tuple(sources),
        str(verified.lock.path),
    )


def _plain(title: str | None) -> str | None:
    if not title or not title.strip():
        return None
    from pithtex.crosscheck import plain_title

    return plain_title(title)


def _status(entry: Any, lookup: Any, findings: list[Any], base: str, also: list[str]) -> RefStatus:
    notes: list[str] = []
    status = NOT_ARXIV
    arxiv = number = version = None
    if len(entry.arxiv) > 1:
        status = UNRESOLVED
        notes.append("names several arXiv papers (" + ", ".join(str(a) for a in entry.arxiv) + "): cite one")
    elif entry.arxiv:
        arxiv = entry.arxiv[0]
        lock_entry, why = lookup(arxiv)
        if lock_entry is None:
            status = UNRESOLVED
            notes.append(why)
        else:
            status = VERIFIED
            number, version = lock_entry.pith_number, lock_entry.source_version
    for f in findings:
        if f.code == "title-mismatch" and f.severity == "error":
            status = TITLE_MISMATCH
        elif f.code == "duplicate-reference" and status in (VERIFIED, NOT_ARXIV):
            status = DUPLICATE
        notes.append(f.message)
    notes.extend(also)
    url = f"{base}/pith/{number.suffix}" if number is not None else None
    return RefStatus(str(entry.file), int(entry.line), entry.key, _plain(entry.title), arxiv, version, number,
                     status, tuple(notes), url)
