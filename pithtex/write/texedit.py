"""Put ``\\usepackage{pith}`` and ``\\pithnumber{...}`` into a LaTeX preamble, once.

A root ``.tex`` file is the author's own prose: pithtex adds at most two whole
lines to it and changes nothing else. To know what is really there it masks
what TeX never sees (``%`` comments, ``\\iffalse ... \\fi``, ``comment`` and
verbatim environments: :func:`pithtex.scan.texclean.blank_non_text`, the masking
the scan itself uses) and then looks for the commands in what is left: a
``\\usepackage{pith}`` that is commented out does not count, and a
``\\pithnumber`` inside ``\\iffalse`` is not "the" number.

Placement: ``\\usepackage{pith}`` goes on its own line after the last active
``\\usepackage`` of the preamble (so it loads after hyperref), or after
``\\documentclass`` when there is none; ``\\pithnumber{...}`` goes on the line
right after the ``\\usepackage`` that loads pith. Line endings are the file's own.
"""

from __future__ import annotations

import re
from collections import namedtuple

from pithtex.errors import PithtexError

__all__ = [
    "PithnumberCommand",
    "Preamble",
    "TexEdit",
    "TexEditError",
    "analyse_preamble",
    "ensure_pith_preamble",
    "same_number",
]


class TexEditError(PithtexError):
    """The file is not a root LaTeX file we can edit safely."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


# Named tuples, not dataclasses: `pithtex check` imports no dataclasses (~5 ms of its start-up).
class PithnumberCommand(namedtuple("PithnumberCommand", "line arg_start arg_end value")):
    """One active ``\\pithnumber{arg}`` at ``line`` (1-based); offsets of ``arg`` in the text."""

    __slots__ = ()


class Preamble(
    namedtuple("Preamble", "documentclass_end begin_document last_usepackage_end pith_package_end pithnumbers")
):
    """What the active preamble holds (offsets into the original text, or None for the
    ``\\usepackage`` ones), and its list of :class:`PithnumberCommand`."""

    __slots__ = ()


class TexEdit(namedtuple("TexEdit", "text added_package added_number replaced_number existing")):
    """The result of :func:`ensure_pith_preamble`; ``existing`` is the :class:`PithnumberCommand`
    that was there (right or wrong), or None."""

    __slots__ = ()


def _skip_group(text: str, pos: int, opener: str, closer: str) -> int:
    """Offset after the group opened at ``text[pos]``, or -1."""
    depth = 0
    for i in range(pos, len(text)):
        ch = text[i]
        if ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


_WS = re.compile(r"\s*")


def _command_args(masked: str, pos: int) -> tuple[int, int, int] | None:
    """After a command name at ``pos``: (arg_start, arg_end, end) of ``[..]{..}`` (options skipped)."""
    p = _WS.match(masked, pos).end()  # type: ignore[union-attr]
    if p < len(masked) and masked[p] == "[":
        q = _skip_group(masked, p, "[", "]")
        if q < 0:
            return None
        p = _WS.match(masked, q).end()  # type: ignore[union-attr]
    if p >= len(masked) or masked[p] != "{":
        return None
    q = _skip_group(masked, p, "{", "}")
    if q < 0:
        return None
    return p + 1, q - 1, q


_COMMANDS = re.compile(r"\\(documentclass|usepackage|RequirePackage|pithnumber|begin\s*\{document\})(?![A-Za-z@])")


def analyse_preamble(text: str) -> Preamble:
    """Find ``\\documentclass``, the ``\\usepackage`` lines, pith and ``\\pithnumber``."""
    from pithtex.scan.texclean import blank_non_text

    masked = blank_non_text(text)
    documentclass_end = None
    begin_document = None
    last_usepackage_end = None
    pith_package_end = None
    numbers: list[PithnumberCommand] = []
    for m in _COMMANDS.finditer(masked):
        name = m.group(1)
        if name.startswith("begin"):
            begin_document = m.start()
            break
        args = _command_args(masked, m.end())
        if args is None:
            continue
        arg_start, arg_end, end = args
        if name == "documentclass":
            if documentclass_end is None:
                documentclass_end = end
        elif name in ("usepackage", "RequirePackage"):
            last_usepackage_end = end
            packages = [p.strip() for p in masked[arg_start:arg_end].split(",")]
            if "pith" in packages and pith_package_end is None:
                pith_package_end = end
        else:  # pithnumber
            numbers.append(
                PithnumberCommand(
                    text.count("\n", 0, m.start()) + 1, arg_start, arg_end, text[arg_start:arg_end].strip()
                )
            )
    if documentclass_end is None:
        raise TexEditError("no \\documentclass: not a root LaTeX file (give the file that has one)")
    if begin_document is None:
        raise TexEditError("no \\begin{document}: not a root LaTeX file (give the file that has one)")
    return Preamble(documentclass_end, begin_document, last_usepackage_end, pith_package_end, numbers)


def _newline(text: str) -> str:
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def _insert_lines(text: str, after: int, limit: int, lines: list[str], newline: str) -> str:
    """Insert whole ``lines`` at the start of the line following offset ``after``."""
    end = text.find("\n", after)
    at = len(text) if end < 0 else end + 1
    block = "".join(line + newline for line in lines)
    if at > limit:  # the statement shares its line with \begin{document}: split before it
        return text[:limit] + block + text[limit:]
    if at == len(text) and not text.endswith("\n"):
        return text + newline + block
    return text[:at] + block + text[at:]


def ensure_pith_preamble(text: str, number: str | None, *, replace: bool = False) -> TexEdit:
    """Make sure ``\\usepackage{pith}`` and (when ``number`` is given) ``\\pithnumber{number}`` are there.

    ``number`` is what to write (the 26-character suffix, or the full form).
    An existing active ``\\pithnumber`` is compared with :func:`same_number`;
    a different one is replaced only when ``replace`` is true (``--fix``),
    otherwise it is left alone and returned in ``existing`` for the caller
    to report. More than one active ``\\pithnumber`` is an error.
    """
    preamble = analyse_preamble(text)
    newline = _newline(text)
    if len(preamble.pithnumbers) > 1:
        lines = ", ".join(str(c.line) for c in preamble.pithnumbers)
        raise TexEditError(
            f"\\pithnumber is set {len(preamble.pithnumbers)} times (lines {lines}); keep one",
            line=preamble.pithnumbers[1].line,
        )
    existing = preamble.pithnumbers[0] if preamble.pithnumbers else None
    added_package = added_number = replaced = False
    new = text
    if existing is not None and number is not None and not same_number(existing.value, number) and replace:
        new = new[: existing.arg_start] + number + new[existing.arg_end :]
        replaced = True
    if preamble.pith_package_end is None:
        after = preamble.last_usepackage_end or preamble.documentclass_end
        lines = ["\\usepackage{pith}"]
        if number is not None and existing is None:
            lines.append(f"\\pithnumber{{{number}}}")
            added_number = True
        new = _insert_lines(new, after, preamble.begin_document, lines, newline)
        added_package = True
    elif number is not None and existing is None:
        new = _insert_lines(
            new, preamble.pith_package_end, preamble.begin_document, [f"\\pithnumber{{{number}}}"], newline
        )
        added_number = True
    return TexEdit(new, added_package, added_number, replaced, existing)


def same_number(written: str, wanted: str) -> bool:
    """Do two spellings (suffix or full form) name the same Pith Number?

    A bare suffix matches any year; two full forms must agree on the year too.
    """
    from pithtex.ids.pith_number import InvalidPithNumber, PithNumber, parse_pith_reference

    try:
        a = parse_pith_reference(written.strip())
        b = parse_pith_reference(wanted.strip())
    except InvalidPithNumber:
        return False
    sa = a.suffix if isinstance(a, PithNumber) else a
    sb = b.suffix if isinstance(b, PithNumber) else b
    if sa != sb:
        return False
    if isinstance(a, PithNumber) and isinstance(b, PithNumber):
        return a.year == b.year
    return True
