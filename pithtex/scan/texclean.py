"""Blank out the parts of a TeX source that are not text: comments, verbatim
environments, ``\\verb|...|`` and ``\\iffalse ... \\fi`` blocks.

The result has exactly the same length and the same newlines as the input
(removed characters become spaces), so an offset found in the cleaned text is
the offset, and the line, in the original file.

- ``%`` starts a comment to the end of the line; ``\\%`` is a percent sign and
  ``\\\\%`` (a line break, then a comment) is a comment.
- ``verbatim``, ``verbatim*``, ``Verbatim``, ``BVerbatim``, ``LVerbatim``,
  ``lstlisting``, ``minted`` and ``comment`` environments are skipped up to
  their ``\\end{...}`` (to the end of the file if there is none, as TeX would).
- ``\\iffalse`` skips to its matching ``\\fi``, counting nested ``\\if...``
  conditionals as TeX does (not ``\\newif\\iffoo``, a definition) and ignoring
  comments; an ``\\else`` at the outer level ends the skipped part (what follows
  is live text).
"""

from __future__ import annotations

import re

__all__ = ["blank_non_text", "VERBATIM_ENVIRONMENTS"]

VERBATIM_ENVIRONMENTS = (
    "verbatim", "verbatim*", "Verbatim", "Verbatim*", "BVerbatim", "LVerbatim",
    "lstlisting", "minted", "comment",
)
_ENV_ALT = "|".join(re.escape(e) for e in sorted(VERBATIM_ENVIRONMENTS, key=len, reverse=True))
_TOKEN_RE = re.compile(
    r"\\\\|\\%|%"
    r"|\\begin\s*\{(?P<env>" + _ENV_ALT + r")\}"
    r"|(?P<iffalse>\\iffalse)(?![a-zA-Z@])"
    r"|\\verb\*?(?P<delim>[^a-zA-Z\s*])"
)
#: ``\newif\iffoo`` defines a conditional, it opens none (in a skipped branch, \iffoo is not yet defined)
_COND_RE = re.compile(r"\\\\|\\%|%|\\newif\s*\\if[a-zA-Z@]*|\\(?P<name>if[a-zA-Z@]*|fi|else)(?![a-zA-Z@])")
_NOT_CONDITIONALS = frozenset({"iff"})  # \iff is the symbol "if and only if"
_NON_NEWLINE = re.compile(r"[^\n]")


def _blank(segment: str) -> str:
    return _NON_NEWLINE.sub(" ", segment)


def _end_of_false_branch(text: str, pos: int) -> int:
    """Offset just after the ``\\fi`` (or outer ``\\else``) closing an ``\\iffalse``."""
    depth = 1
    while True:
        m = _COND_RE.search(text, pos)
        if m is None:
            return len(text)
        tok = m.group(0)
        if tok == "%":
            eol = text.find("\n", m.end())
            if eol < 0:
                return len(text)
            pos = eol
            continue
        pos = m.end()
        name = m["name"]
        if name is None or name in _NOT_CONDITIONALS:
            continue
        if name == "fi":
            depth -= 1
            if depth == 0:
                return pos
        elif name == "else":
            if depth == 1:
                return pos
        else:
            depth += 1


def blank_non_text(text: str, *, inline_verb: bool = True) -> str:
    """``text`` with comments, verbatim and ``\\iffalse`` blocks blanked.

    ``inline_verb=False`` leaves ``\\verb`` alone (biblatex .bbl files use
    ``\\verb`` lines for field values).
    """
    if "%" not in text and "\\" not in text:
        return text
    out: list[str] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN_RE.search(text, pos)
        if m is None:
            break
        tok = m.group(0)
        start = m.start()
        if tok in ("\\\\", "\\%"):
            out.append(text[pos:m.end()])
            pos = m.end()
            continue
        if tok == "%":
            end = text.find("\n", start)
            end = n if end < 0 else end
        elif m["env"] is not None:
            close = re.compile(r"\\end\s*\{" + re.escape(m["env"]) + r"\}").search(text, m.end())
            end = n if close is None else close.end()
        elif m["iffalse"] is not None:
            end = _end_of_false_branch(text, m.end())
        else:  # \verb<delim>...<delim>
            if not inline_verb:
                out.append(text[pos:m.end()])
                pos = m.end()
                continue
            close_at = text.find(m["delim"], m.end())
            newline = text.find("\n", m.end())
            if close_at < 0 or (0 <= newline < close_at):
                end = m.end()
            else:
                end = close_at + 1
        out.append(text[pos:start])
        out.append(_blank(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)
