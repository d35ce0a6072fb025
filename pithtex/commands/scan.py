"""``pithtex scan FILE...``: list the arXiv references in .bib/.tex/.bbl files.

stdout: one line per finding, ``file:line: key  arXiv:<id>[vN]  (field)``,
then the mentions (other papers an entry names in fields of lower priority),
the existing Pith Numbers and a one-line summary; or, with ``--json``,
one JSON object (see :mod:`pithtex.scan.model`). stderr: conflicts, blocks
that could not be parsed, missing inputs and notes (encoding fallbacks,
ignored invalid identifiers). Exit 0 when every file was read, 2 when one
could not be (the others are still scanned and reported).
"""

from __future__ import annotations

import argparse
import json
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help=".bib, .tex or .bbl files (\\input files and the .bib files a .tex names are followed)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    parser.add_argument(
        "--field",
        default="pithnumber",
        metavar="NAME",
        help="the .bib field that holds Pith Numbers (default: pithnumber)",
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + 's'}"


def run(args: argparse.Namespace) -> int:
    import re

    from pithtex.commands.inputs import scan_paths_with_bibs
    from pithtex.errors import UsageError

    if not re.fullmatch(r"[A-Za-z][\w:.+-]*", args.field):
        raise UsageError(f"--field {args.field!r} is not a BibTeX field name", hint="e.g. --field pithnumber")
    result = scan_paths_with_bibs(args.files, field_name=args.field)
    err = sys.stderr
    for problem in result.errors:
        label = "" if problem.fatal else "warning: "
        print(f"pithtex: {label}{problem}", file=err)
    for c in result.conflicts:
        ids = ", ".join(str(i) for i in c.ids)
        print(f"pithtex: warning: {c.file}:{c.line}: {c.key} names different arXiv papers: {ids}", file=err)
    for note in result.notes:
        print(f"pithtex: note: {note}", file=err)

    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        out = [f"{f.file}:{f.line}: {f.key or '-'}  {f.arxiv}  ({f.field})\n" for f in result.findings]
        # other papers an entry names in lower fields (issue 14)
        out += [f"{m.file}:{m.line}: {m.key or '-'}  {m.arxiv}  ({m.field}; mention)\n" for m in result.mentions]
        out += [f"{p.file}:{p.line}: {p.key or '-'}  {p.value}  ({p.field})\n" for p in result.pithnumbers]
        papers = len(result.distinct_ids())
        summary = (
            f"{_plural(len(result.findings), 'arXiv reference')} to {_plural(papers, 'paper')}"
            f", {_plural(len(result.pithnumbers), 'Pith Number')}"
        )
        if result.mentions:
            summary += f", {_plural(len(result.mentions), 'mention')}"
        if result.conflicts:
            summary += f", {_plural(len(result.conflicts), 'conflict')}"
        problems = [e for e in result.errors if not e.fatal]
        if problems:
            summary += f", {_plural(len(problems), 'warning')}"
        unread = [e for e in result.errors if e.fatal]
        if unread:
            summary += f"; {_plural(len(unread), 'file')} not read"
        out.append(summary + "\n")
        sys.stdout.write("".join(out))
    return 2 if result.fatal else 0
