"""Find arXiv references in .tex sources and .bbl files.

What counts (after blanking comments, verbatim environments, ``\\verb`` and
``\\iffalse`` blocks, see :mod:`pithtex.scan.texclean`):

- anywhere: the explicit contexts of :func:`pithtex.scan.patterns.find_explicit`:
  ``arXiv:<id>``, ``\\arxiv{<id>}``-style macros, links to arxiv.org (so
  ``\\url`` and ``\\href``), ``10.48550/arXiv.<id>`` DOIs;
- inside a ``\\bibitem`` body (``thebibliography`` in a .tex, or a .bbl) and a
  biblatex ``\\entry ... \\endentry`` in a .bbl: also bare old-style
  identifiers (``hep-th/9901001``), and biblatex's ``\\verb{eprint}`` field
  when the entry's ``eprinttype`` is arXiv. Findings there carry the bibitem
  key; an item naming two different papers is a :class:`Conflict`, except
  that in a biblatex ``\\entry`` the fields have the priorities they have in
  a .bib (:func:`pithtex.scan.bib.rank`): another paper in a lower field
  (``\\field{note}``...) is a mention, as in :mod:`pithtex.scan.bib`;
- ``\\pithnumber{...}``: the paper's own Pith Number annotations
  (:class:`PithAnnotation` with field ``\\pithnumber``); a biblatex .bbl's
  ``\\field{pithnumber}{...}`` too. Arguments holding ``#`` (macro
  definitions) and ``\\string\\pithnumber{...}`` / ``\\noexpand\\pithnumber{...}``
  (the command's name in messages and definitions) are not annotations.

The same paper (and version) twice on one line is one finding
(``\\href{https://arxiv.org/abs/X}{arXiv:X}``). ``field`` of a finding is the macro it sits in (``\\url``, ``\\href``,
``\\arxiv``, ``\\eprint``...), else ``\\bibitem``/``\\entry`` inside a
bibliography item, else ``text``.

Inputs: ``\\input{f}`` (and the primitive ``\\input f``), ``\\include{f}``,
``\\subfile{f}``, ``\\import{dir}{f}``, ``\\subimport{dir}{f}`` (also the
``*from`` variants) are followed. Paths are tried relative to the including
file's directory, then to the directory of the file named on the command
line (LaTeX's own rule); ``.tex`` is added when the name has no such file.
Each file is scanned once (cycles and repeated inputs stop there), and inputs
nested more than :data:`MAX_INPUT_DEPTH` deep are not followed. A missing
or unreadable input is a non-fatal :class:`ScanProblem` at the ``\\input``'s
file:line. Arguments with ``#`` or ``|`` (macro parameters, shell escapes) are
not followed.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from pithtex.errors import InputError
from pithtex.ids.arxiv import ArxivId
from pithtex.scan.bib import OTHER_RANK, SKIPPED_FIELDS, by_priority, entry_ids, rank
from pithtex.scan.model import BibEntry, Conflict, Finding, PithAnnotation, ScanProblem, ScanResult
from pithtex.scan.patterns import IdMatch, find_bare_old_style, find_explicit, parse_id_value
from pithtex.scan.source import SourceText, read_source
from pithtex.scan.texclean import blank_non_text

__all__ = ["scan_tex", "TEX_SUFFIXES"]

TEX_SUFFIXES = frozenset({".tex", ".ltx", ".latex", ".sty", ".cls", ".bbl"})
#: Inputs nested deeper than this are not followed (one problem at the \\input): TeX Live
#: itself allows 15 open files (``max_in_open``), and following without a bound let a
#: 600-deep chain exhaust Python's stack.
MAX_INPUT_DEPTH = 64

_INPUT_RE = re.compile(
    r"\\(?P<cmd>input|include|subfile|import|subimport|inputfrom|subinputfrom|includefrom|subincludefrom)"
    r"(?![a-zA-Z@])\*?"
    r"(?:\s*\{(?P<a>[^{}\n]*)\}(?:\s*\{(?P<b>[^{}\n]*)\})?|[ \t]+(?P<bare>[^\s{}\\%]+))"
)
_TWO_ARGS = frozenset({"import", "subimport", "inputfrom", "subinputfrom", "includefrom", "subincludefrom"})
_BIBITEM_RE = re.compile(r"\\bibitem\s*(?:\[[^\]]*\]\s*)?\{(?P<key>[^{}]*)\}")
_ENTRY_RE = re.compile(r"\\entry\s*\{(?P<key>[^{}]*)\}\s*\{(?P<type>[^{}]*)\}")
_ITEM_END_RE = re.compile(r"\\end\s*\{thebibliography\}|\\endentry(?![a-zA-Z])")
_PITH_RE = re.compile(r"(?<!\\string)(?<!\\noexpand)\\pithnumber\s*\{(?P<v>[^{}]*)\}")
_BBL_PITH_RE = re.compile(r"\\field\s*\{pithnumber\}\s*\{(?P<v>[^{}]*)\}", re.IGNORECASE)
_BBL_EPRINT_RE = re.compile(
    r"\\(?:verb\s*\{eprint\}\s*\\verb[ \t]+(?P<v>[^\n]*?)\s*\\endverb|field\s*\{eprint\}\s*\{(?P<f>[^{}]*)\})"
)
_BBL_ARXIV_TYPE_RE = re.compile(r"\\field\s*\{eprinttype\}\s*\{\s*arxiv\s*\}", re.IGNORECASE)
_LINK_MACRO_RE = re.compile(r"\\(url|href)\s*\{\s*$")
_MACRO_NAME_RE = re.compile(r"\\([a-zA-Z]+)")


class _Lines:
    """Offset -> 1-based line, by bisection over newline offsets."""

    def __init__(self, text: str) -> None:
        self._nl = [i for i, ch in enumerate(text) if ch == "\n"] if "\n" in text else []

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self._nl, offset - 1) + 1 if self._nl else 1


class _Item:
    """A bibliography item: ``\\bibitem{key}`` or a biblatex ``\\entry``."""

    __slots__ = ("start", "end", "key", "kind", "findings", "ranks", "offsets", "pith")

    def __init__(self, start: int, end: int, key: str, kind: str) -> None:
        self.start, self.end, self.key, self.kind = start, end, key, kind
        self.findings: list[Finding] = []
        self.ranks: list[int] = []  # each finding's field priority (see pithtex.scan.bib.rank)
        self.offsets: list[int] = []  # and where it starts
        self.pith: PithAnnotation | None = None


def _items(clean: str) -> list[_Item]:
    heads = [(m.start(), m.end(), m["key"].strip(), "\\bibitem") for m in _BIBITEM_RE.finditer(clean)]
    heads += [(m.start(), m.end(), m["key"].strip(), "\\entry") for m in _ENTRY_RE.finditer(clean)]
    heads.sort()
    items = []
    for i, (start, head_end, key, kind) in enumerate(heads):
        limit = heads[i + 1][0] if i + 1 < len(heads) else len(clean)
        stop = _ITEM_END_RE.search(clean, head_end, limit)
        items.append(_Item(start, stop.start() if stop else limit, key, kind))
    return items


def _item_at(items: list[_Item], starts: list[int], offset: int) -> _Item | None:
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and items[i].start <= offset < items[i].end:
        return items[i]
    return None


def _field_for(clean: str, m: IdMatch, item: _Item | None) -> str:
    if m.context == "macro":
        name = _MACRO_NAME_RE.match(m.raw)
        return "\\" + name.group(1) if name else "text"
    if m.context == "url":
        link = _LINK_MACRO_RE.search(clean, max(0, m.start - 12), m.start)
        if link is not None:
            return "\\" + link.group(1)
    return item.kind if item is not None else "text"


_BBL_FIELD_RE = re.compile(r"\\(?:field|verb|list|name|strng|range)\s*\{(?P<n>[^{}]*)\}")


def _bbl_field(clean: str, item: _Item, offset: int) -> str | None:
    """The biblatex field (``eprint``, ``url``, ``note``...) of ``\\entry`` ``item`` at ``offset``."""
    if item.kind != "\\entry":
        return None
    last = None
    for last in _BBL_FIELD_RE.finditer(clean, item.start, offset):
        pass
    return last["n"].strip().lower() if last is not None else None


def _rank_in(clean: str, item: _Item, m: IdMatch) -> int:
    """The field priority of match ``m`` in ``item``: by field in a biblatex ``\\entry`` (as in
    a .bib), the same for all of a ``\\bibitem`` (its text has no fields)."""
    name = _bbl_field(clean, item, m.start) if item.kind == "\\entry" else None
    if name is None or name in SKIPPED_FIELDS:
        return OTHER_RANK
    return rank(name, m.context)


def _candidates(base: Path, root: Path, rel: str) -> list[Path]:
    out = []
    for d in (base, root):
        p = d / rel
        if p.suffix == "" or not p.is_file():
            out.append(p.with_name(p.name + ".tex"))
        out.append(p)
    return out


def _resolve_inputs(
    source: SourceText, clean: str, lines: _Lines, root: Path
) -> list[tuple[int, str, list[Path]]]:
    """(line, as written, candidate paths) for each input, in order."""
    base = source.path.parent
    out = []
    for m in _INPUT_RE.finditer(clean):
        cmd = m["cmd"]
        if cmd in _TWO_ARGS:
            if m["a"] is None or m["b"] is None:
                continue
            d, f = m["a"].strip(), m["b"].strip()
            rel = str(Path(d) / f) if d else f
            shown = f"\\{cmd}{{{m['a']}}}{{{m['b']}}}"
            sub = cmd.startswith("sub")
            cands = _candidates(base, base if sub else root, rel)
        else:
            f = (m["a"] if m["a"] is not None else m["bare"] or "").strip()
            shown = f"\\{cmd}{{{f}}}" if m["a"] is not None else f"\\{cmd} {f}"
            cands = _candidates(base, root, f)
            rel = f
        if not rel or "#" in rel or rel.startswith("|") or "\\" in rel:
            continue
        out.append((lines(m.start()), shown, cands))
    return out


def scan_tex(
    source: SourceText,
    *,
    visited: set[Path] | None = None,
    root: Path | None = None,
    follow_inputs: bool = True,
    depth: int = 0,
) -> ScanResult:
    """Scan one .tex (or .bbl) file and, unless ``follow_inputs`` is False,
    the files it inputs. ``visited`` (resolved paths) is shared across a scan
    so each file is read once; ``root`` is the directory of the file named on
    the command line (defaults to this file's); ``depth`` is how many inputs
    deep this file is (inputs past :data:`MAX_INPUT_DEPTH` are not followed)."""
    result = ScanResult()
    if visited is None:
        visited = set()
    try:
        visited.add(source.path.resolve())
    except OSError:  # pragma: no cover - unresolvable path
        pass
    root = source.path.parent if root is None else root
    if source.note:
        result.notes.append(source.note)
    name = source.name
    is_bbl = source.path.suffix.lower() == ".bbl"
    clean = blank_non_text(source.text, inline_verb=not is_bbl)
    lines = _Lines(clean)
    items = _items(clean)
    starts = [it.start for it in items]

    explicit, rejected = find_explicit(clean)
    matches = list(explicit)
    for it in items:
        for m in find_bare_old_style(clean[it.start:it.end]):
            matches.append(IdMatch(m.start + it.start, m.end + it.start, m.arxiv, m.raw, m.context))
        if it.kind == "\\entry" and _BBL_ARXIV_TYPE_RE.search(clean, it.start, it.end):
            for e in _BBL_EPRINT_RE.finditer(clean, it.start, it.end):
                group = "v" if e["v"] is not None else "f"
                got, _ = parse_id_value(e[group])
                if got is not None:
                    s = e.start(group) + got.start
                    matches.append(IdMatch(s, e.end(group), got.arxiv, e[group].strip(), "eprint"))
    matches.sort(key=lambda x: (x.start, -x.end))
    kept: list[IdMatch] = []
    for m in matches:
        if kept and m.start < kept[-1].end:
            continue
        kept.append(m)

    seen: set[tuple[int, ArxivId]] = set()
    for m in kept:
        item = _item_at(items, starts, m.start)
        line = lines(m.start)
        if (line, m.arxiv) in seen:
            continue  # \href{https://arxiv.org/abs/X}{arXiv:X}: one reference
        seen.add((line, m.arxiv))
        field = "eprint" if m.context == "eprint" else _field_for(clean, m, item)
        f = Finding(name, line, item.key if item else None, field, m.arxiv, m.raw)
        result.findings.append(f)
        if item is not None:
            item.findings.append(f)
            item.ranks.append(_rank_in(clean, item, m))
            item.offsets.append(m.start)
    for r in rejected:
        result.notes.append(f"{name}:{lines(r.start)}: ignored {r.raw!r}: not a valid arXiv identifier ({r.reason})")

    piths = [(m.start(), m.group("v"), "\\pithnumber") for m in _PITH_RE.finditer(clean)]
    if is_bbl:
        piths += [(m.start(), m.group("v"), "pithnumber") for m in _BBL_PITH_RE.finditer(clean)]
    for start, value, field in sorted(piths):
        if "#" in value:
            continue
        item = _item_at(items, starts, start)
        ann = PithAnnotation(name, lines(start), item.key if item else None, field, value.strip())
        result.pithnumbers.append(ann)
        if item is not None and item.pith is None:
            item.pith = ann

    mentioned: set[int] = set()
    for it in items:
        ids, _kept, mentions = by_priority(it.findings, it.ranks)
        for f, _ in mentions:  # another paper in a lower field of a biblatex entry (issue 14)
            mentioned.add(id(f))
            at = it.offsets[next(i for i, g in enumerate(it.findings) if g is f)]
            result.mentions.append(Finding(f.file, f.line, f.key, _bbl_field(clean, it, at) or f.field, f.arxiv, f.raw))
        if len(ids) > 1:
            result.conflicts.append(Conflict(name, lines(it.start), it.key, ids))
        result.entries.append(
            BibEntry(
                file=name,
                line=lines(it.start),
                end_line=lines(max(it.start, it.end - 1)),
                key=it.key,
                entry_type=it.kind.lstrip("\\"),
                title=None,
                arxiv=ids,
                pithnumber=it.pith,
                mentions=entry_ids([f for f, _ in mentions]) if mentions else (),
            )
        )
    if mentioned:
        result.findings = [f for f in result.findings if id(f) not in mentioned]

    if follow_inputs:
        for line, shown, cands in _resolve_inputs(source, clean, lines, root):
            if depth >= MAX_INPUT_DEPTH:
                result.errors.append(ScanProblem(
                    name, line,
                    f"{shown}: not followed: inputs nested more than {MAX_INPUT_DEPTH} deep "
                    f"(TeX itself stops at 15)",
                    fatal=False,
                ))
                break
            _follow(source, line, shown, cands, visited, root, result, depth)
    return result


def _follow(
    parent: SourceText,
    line: int,
    shown: str,
    cands: list[Path],
    visited: set[Path],
    root: Path,
    result: ScanResult,
    depth: int = 0,
) -> None:
    target = next((c for c in cands if c.is_file()), None)
    if target is None:
        tried = ", ".join(dict.fromkeys(str(c) for c in cands))
        result.errors.append(ScanProblem(parent.name, line, f"{shown}: no such file (tried {tried})", fatal=False))
        return
    try:
        resolved = target.resolve()
    except OSError:  # pragma: no cover
        resolved = target
    if resolved in visited:
        return
    try:
        child = read_source(target)
    except InputError as exc:
        visited.add(resolved)
        result.errors.append(ScanProblem(parent.name, line, f"{shown}: {exc.message}", fatal=False))
        return
    if target.suffix.lower() == ".bib":
        from pithtex.scan.bib import scan_bib

        visited.add(resolved)
        result.extend(scan_bib(child))
        return
    result.extend(scan_tex(child, visited=visited, root=root, depth=depth + 1))
