"""``write_field = false`` (``--no-field``): Pith Numbers live in pith.lock and refs.pith only.

For generated bibliographies (Zotero + Better BibTeX auto-export rewrites the
.bib on every change and drops fields it does not know): ``pithtex annotate``
never edits the .bib and writes ``refs.pith`` beside it (pith.sty reads the
badges from there, for BibTeX and biblatex alike); ``pithtex check`` checks
that every entry citing arXiv has a verified pith.lock entry and that
``refs.pith`` holds exactly those numbers
(:func:`pithtex.write.bibrefs.bibrefs_problems` with ``field=False``). A ``pithnumber`` field the .bib
does carry (a Better BibTeX postscript may add it) must still be right:
biblatex prints the field's number before refs.pith's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from pithtex.ids.arxiv import ArxivId
    from pithtex.ids.pith_number import PithNumber
    from pithtex.scan.model import BibEntry
    from pithtex.write.report import Reporter

__all__ = ["check_entries"]

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
