"""``write_field = false`` (``--no-field``): Pith Numbers live in pith.lock and refs.pith only.

For generated bibliographies (Zotero + Better BibTeX auto-export rewrites the
.bib on every change and drops fields it does not know): ``pithtex annotate``
never edits the .bib and writes ``refs.pith`` beside it (pith.sty reads the
badges from there, for BibTeX and biblatex alike); ``pithtex check`` checks
that every entry citing arXiv has a verified pith.lock entry and that
``refs.pith`` holds exactly those numbers. A ``pithnumber`` field the .bib
does carry (a Better BibTeX postscript may add it) must still be right:
biblatex prints the field's number before refs.pith's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from pithtex.ids.arxiv import ArxivId
    from pithtex.ids.pith_number import PithNumber
    from pithtex.scan.model import BibEntry
    from pithtex.write.report import Reporter

__all__ = ["check_entries", "check_refs_pith", "expected_refs", "read_refs_pith"]

_PITHREF = re.compile(r"^\s*\\pithref\{(?P<key>[^{}]*)\}\{(?P<number>[^{}]*)\}")
#: arXiv id -> (verified number or None, problem or None)
Lookup = Callable[["ArxivId"], "tuple[PithNumber | None, str | None]"]


def check_entries(entries: Iterable[BibEntry], lookup: Lookup, field: str, reporter: Reporter) -> None:
    """Every entry citing one arXiv paper has a verified number; a field the .bib carries is right
    (annotate and check alike: annotate leaves the .bib alone)."""
    from pithtex.write.texedit import same_number

    for entry in entries:
        if entry.key is None or not entry.arxiv:
            continue
        if len(entry.arxiv) > 1:
            ids = ", ".join(str(a) for a in entry.arxiv)
            reporter.problem(entry.file, entry.line, entry.key, f"names several arXiv papers ({ids})", code="several-papers")
            continue
        arxiv = entry.arxiv[0]
        number, problem = lookup(arxiv)
        if number is None:
            reporter.problem(entry.file, entry.line, entry.key, problem or f"{arxiv}: not verified", code="unverified")
            continue
        annotation = entry.pithnumber
        if annotation is not None and not same_number(annotation.value, number.full):
            reporter.problem(
                entry.file, annotation.line, entry.key,
                f"{field} {annotation.value.strip()} is wrong: {arxiv} is {number.full} (write_field = false: "
                "pithtex leaves the .bib alone; fix it where the .bib is made)",
                code="wrong-annotation",
            )


def expected_refs(entries: Iterable[BibEntry], bib: Path, lookup: Lookup) -> dict[str, PithNumber]:
    """key -> number that refs.pith beside ``bib`` must hold (the first entry of a key, as BibTeX)."""
    from pithtex.write.bibrefs import is_safe_bib_key

    name = str(bib)
    out: dict[str, PithNumber] = {}
    seen: set[str] = set()
    for entry in entries:
        if entry.file != name or entry.key is None or entry.key in seen:
            continue
        seen.add(entry.key)
        if len(entry.arxiv) != 1 or not is_safe_bib_key(entry.key):
            continue
        number, _problem = lookup(entry.arxiv[0])
        if number is not None:
            out[entry.key] = number
    return out


def read_refs_pith(path: Path) -> dict[str, tuple[str, int]] | None:
    """key -> (number as written, line) of a refs.pith file, or None when there is none."""
    from pithtex.readfile import Unreadable, read_bounded

    try:  # bounded, and a FIFO is refused at once (issue 13)
        text = read_bounded(path, 64 * 1024 * 1024)[0].decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except Unreadable as exc:
        from pithtex.errors import InputError

        raise InputError(f"{path}: {exc.reason}") from None
    out: dict[str, tuple[str, int]] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        m = _PITHREF.match(line)
        if m is not None:
            out.setdefault(m["key"], (m["number"].strip(), lineno))
    return out


def check_refs_pith(bib: Path, expected: dict[str, PithNumber], reporter: Reporter) -> None:
    """refs.pith beside ``bib`` holds exactly ``expected``: it is all the badges have."""
    from pithtex.write.bibrefs import bibrefs_path
    from pithtex.write.texedit import same_number

    target = bibrefs_path(bib)
    have = read_refs_pith(target)
    if have is None:
        if expected:
            reporter.problem(
                str(target), None, None,
                f"missing: with write_field = false it holds the Pith Numbers of {bib.name} "
                f"({len(expected)}; run 'pithtex annotate')",
                code="stale-refs-pith",
            )
        return
    for key, number in expected.items():
        got = have.get(key)
        if got is None:
            reporter.problem(str(target), None, key, f"missing, should be {number.full} (run 'pithtex annotate')",
                             code="stale-refs-pith")
        elif not same_number(got[0], number.full):
            reporter.problem(str(target), got[1], key, f"{got[0]} is wrong, should be {number.full} (run 'pithtex annotate')",
                             code="stale-refs-pith")
    for key, (value, line) in have.items():
        if key not in expected:
            reporter.problem(str(target), line, key, f"{value}: no verified arXiv entry {key!r} in {bib.name} "
                             "(run 'pithtex annotate')", code="stale-refs-pith")
