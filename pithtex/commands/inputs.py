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
        if path.is_dir():
            raise UsageError(_directory_message(path))
        suffix = path.suffix.lower()
        if suffix == ".bib":
            bibs.append(path)
        elif suffix in TEX_SUFFIXES:
            texs.append(path)
        else:
            raise UsageError(f"{path}: not a .bib or .tex file")
    return bibs, texs


def _directory_message(path: Path) -> str:
    """``DIR: is a directory``, with the .bib and .tex files in it to name instead."""
    try:
        inside = sorted(p for p in path.iterdir() if p.suffix.lower() in (".bib", *TEX_SUFFIXES) and p.is_file())
    except OSError:
        inside = []
    if not inside:
        return f"{path}: is a directory, not a .bib or .tex file"
    names = " ".join(str(p) for p in inside[:6]) + (" ..." if len(inside) > 6 else "")
    return f"{path}: is a directory; name the .bib and .tex files in it: {names}"
