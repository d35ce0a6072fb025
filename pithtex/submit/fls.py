"""Read a ``.fls`` file: what one TeX run opened (``-recorder``, which latexmk passes).

Each line is ``PWD <dir>``, ``INPUT <file>`` or ``OUTPUT <file>``; relative
names are relative to the ``PWD`` line before them. A file TeX read is
listed every time it was opened; the list here names it once, in the order
of its first opening. The format file (``pdflatex.fmt``, ``lualatex.fmt``,
...) says which engine ran.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pithtex.errors import InputError

#: a recorder file lists each file a run opened, a line each: a few hundred KB for a large paper
MAX_FLS_BYTES = 64 * 1024 * 1024

__all__ = ["Recorded", "read_fls"]

#: format file stems that are not the engine's name as arXiv's 00README spells compilers
#: (``latex.fmt`` is pdfTeX in DVI mode: latex + dvips)
_ENGINES = {"luahblatex": "lualatex"}


@dataclass(frozen=True)
class Recorded:
    """What one TeX run opened: absolute, normalised paths (symlinks not followed)."""

    inputs: tuple[Path, ...]
    outputs: frozenset[Path]
    engine: str | None  # from the format file the run loaded

    def read_only(self) -> list[Path]:
        """The files the run read and did not write itself (its .aux, .out, .toc are left out)."""
        return [p for p in self.inputs if p not in self.outputs]


def read_fls(path: Path) -> Recorded:
    """Parse ``path``; an unreadable or malformed file is an :class:`InputError` naming file:line."""
    from pithtex.readfile import read_input

    try:  # a FIFO is refused at once, the size checked before reading
        text = read_input(path, MAX_FLS_BYTES).decode("utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    pwd: Path | None = None
    inputs: dict[Path, None] = {}
    outputs: set[Path] = set()
    for number, line in enumerate(text.splitlines(), 1):
        kind, _, name = line.partition(" ")
        if not line.strip():
            continue
        if kind == "PWD":
            pwd = Path(name)
            continue
        if kind not in ("INPUT", "OUTPUT") or not name:
            raise InputError(f"{path}:{number}: not a TeX recorder line: {line[:80]!r}")
        target = Path(name)
        if not target.is_absolute():
            if pwd is None:
                raise InputError(f"{path}:{number}: a relative name before any PWD line")
            target = pwd / target
        target = Path(os.path.normpath(target))
        if kind == "INPUT":
            inputs.setdefault(target, None)
        else:
            outputs.add(target)
    if pwd is None:
        raise InputError(f"{path}: not a TeX recorder file (no PWD line)")
    ordered = list(inputs)
    engine = next((_ENGINES.get(p.stem, p.stem) for p in ordered if p.suffix == ".fmt"), None)
    return Recorded(tuple(ordered), frozenset(outputs), engine)
