"""Find arXiv references (and existing Pith Numbers) in .bib and .tex sources.

Entry point: :func:`scan_paths`. Pieces: :func:`pithtex.scan.source.read_source`
(decoding that keeps encoding, BOM and line endings for the writer),
:func:`pithtex.scan.bib.scan_bib`, :func:`pithtex.scan.tex.scan_tex`, the
text recognisers in :mod:`pithtex.scan.patterns`, the records in
:mod:`pithtex.scan.model`.
"""

from pithtex.scan.model import BibEntry, Conflict, Finding, PithAnnotation, ScanProblem, ScanResult
from pithtex.scan.paths import scan_paths
from pithtex.scan.source import SourceText, read_source

__all__ = [
    "BibEntry",
    "Conflict",
    "Finding",
    "PithAnnotation",
    "ScanProblem",
    "ScanResult",
    "SourceText",
    "read_source",
    "scan_paths",
]
