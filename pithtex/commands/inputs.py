"""Sort a command's FILE arguments into .bib and .tex inputs (shared by annotate and check).

Kept apart from ``options.py`` so that ``pithtex check`` imports nothing more
than it needs on every commit.
"""

from __future__ import annotations

from pathlib import Path

from pithtex.errors import UsageError

__all__ = ["split_inputs"]

TEX_SUFFIXES = (".tex", ".ltx")


def split_inputs(files: list[Path]) -> tuple[list[Path], list[Path]]:
    """(.bib files, .tex files), in the order given; anything else is a usage error."""
    bibs, texs = [], []
    for path in files:
        suffix = path.suffix.lower()
        if suffix == ".bib":
            bibs.append(path)
        elif suffix in TEX_SUFFIXES:
            texs.append(path)
        else:
            raise UsageError(f"{path}: not a .bib or .tex file")
    return bibs, texs
