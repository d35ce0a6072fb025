"""Scan the files named on the command line: dispatch by extension.

``.bib``/``.bibtex`` go to :func:`pithtex.scan.bib.scan_bib`; ``.tex``,
``.ltx``, ``.latex``, ``.sty``, ``.cls`` and ``.bbl`` to
:func:`pithtex.scan.tex.scan_tex` (which follows ``\\input`` and friends).
Any other name is sniffed: a line starting with ``@type{`` makes it BibTeX,
otherwise it is read as TeX, and a note says which.

A file that cannot be read (missing, a directory, binary) is a fatal
:class:`ScanProblem` for that file; the other files are still scanned. Each
file is scanned once, however many times it is named or input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pithtex.scan.model import ScanProblem, ScanResult
from pithtex.scan.source import UnreadableSource, read_source

__all__ = ["BIB_SUFFIXES", "scan_paths"]

BIB_SUFFIXES = frozenset({".bib", ".bibtex"})
_LOOKS_LIKE_BIB = re.compile(r"^[ \t]*@[a-zA-Z]+[ \t]*[{(]", re.MULTILINE)


def scan_paths(paths: Iterable[str | Path], *, field_name: str = "pithnumber") -> ScanResult:
    """Scan .bib, .tex and .bbl files; never raises for bad input (see ``errors``)."""
    from pithtex.scan.bib import scan_bib
    from pithtex.scan.tex import TEX_SUFFIXES, scan_tex

    result = ScanResult()
    visited: set[Path] = set()
    for given in paths:
        path = Path(given)
        try:
            source = read_source(path)
        except UnreadableSource as exc:
            result.errors.append(ScanProblem(exc.file, exc.line, exc.reason, fatal=True))
            continue
        resolved = path.resolve()
        if resolved in visited:
            continue
        suffix = path.suffix.lower()
        if suffix not in BIB_SUFFIXES and suffix not in TEX_SUFFIXES:
            as_bib = _LOOKS_LIKE_BIB.search(source.text) is not None
            result.notes.append(f"{path}: unknown extension; read as {'BibTeX' if as_bib else 'TeX'}")
            suffix = ".bib" if as_bib else ".tex"
        if suffix in BIB_SUFFIXES:
            visited.add(resolved)
            result.extend(scan_bib(source, field_name=field_name))
        else:
            result.extend(scan_tex(source, visited=visited))
    return result
