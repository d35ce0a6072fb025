"""``pithtex report FILE... [-o OUT] [--format html|json|sarif]``: every reference and its status.

Offline: the statuses come from ``pith.lock`` alone, each entry re-verified
against the trusted keys (:mod:`pithtex.report.model`); the network and the
per-user cache are never used (run ``pithtex resolve`` first to fill the lock).
HTML is one self-contained page (:mod:`pithtex.report.html`), JSON the
:meth:`~pithtex.report.model.Report.to_json` object, SARIF 2.1.0 one result per
problem for code-scanning tools (:mod:`pithtex.report.sarif`).

Exit status: 0 no problems, 1 some reference is a problem (title mismatch,
unresolved, duplicate; the report is written all the same, so that CI can
publish it and still fail), 2 usage or unreadable input (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pithtex.commands.inputs import add_allow_title_mismatch_option, add_trust_key_option, split_inputs
from pithtex.errors import InputError, UsageError

FORMATS = ("html", "json", "sarif")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Write a report of every reference (key, title, arXiv id and version, Pith Number, status), "
        "offline from pith.lock. Exit 1 when some reference is a problem."
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="the root .tex file, or .bib files")
    parser.add_argument("-o", "--output", type=Path, metavar="PATH", help="write here (default, or -: stdout)")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="html, json or sarif (default: from the -o suffix, else html)")
    parser.add_argument("--lock", type=Path, metavar="PATH", help="lock file (default: pith.lock beside the sources)")
    parser.add_argument("--field", metavar="NAME", help="BibTeX field name (default: config, pithnumber)")
    parser.add_argument("--base", metavar="URL", default=None,
                        help="where Pith Number pages are (default: https://pith.science, as pith.sty links)")
    add_allow_title_mismatch_option(parser)
    add_trust_key_option(parser)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    suffix = args.output.suffix.lower() if args.output is not None else ""
    return {".json": "json", ".sarif": "sarif"}.get(suffix, "html")


def run(args: argparse.Namespace) -> int:
    from pithtex.commands.check import Verified
    from pithtex.config import load_config
    from pithtex.report.model import DEFAULT_BASE, build_report
    from pithtex.scan.bib import scan_bib
    from pithtex.scan.source import read_source
    from pithtex.verify.keys import trust_store_from

    files = list(dict.fromkeys(args.files))
    for path in files:
        if not path.exists():
            raise InputError(f"{path}: no such file")
    bibs, texs = split_inputs(files)
    bibs = [*bibs, *_bibs_of(texs)]
    if not bibs:
        raise UsageError("no .bib file to report on", hint="name the .bib files, or a .tex that uses them")
    config = load_config(files)
    for warning in config.warnings:
        print(f"pithtex: warning: {warning}", file=sys.stderr)
    field = args.field or config.field
    lock_path = args.lock.resolve() if args.lock else config.lock
    trust = trust_store_from([*config.trust_keys, *args.trust_key])

    entries = []
    for path in dict.fromkeys(bibs):
        result = scan_bib(read_source(path), field_name=field)
        for problem in result.errors:
            if problem.fatal:
                raise InputError(str(problem))
            print(f"pithtex: warning: {problem}", file=sys.stderr)
        entries.extend(result.entries)
    bibs = list(dict.fromkeys(bibs))
    if args.output is not None and str(args.output) != "-":
        _refuse_a_source_as_output(args.output, [*files, *bibs, lock_path, config.config_file])
    entries = [e for e in entries if e.key is not None]
    verified = Verified(lock_path, trust, use_cache=False)  # pith.lock alone, as the report says
    verified.prime([e.arxiv[0] for e in entries if len(e.arxiv) == 1])
    report = build_report(
        entries, verified, annotations=_annotation_problems(bibs, texs, entries, verified, field, config),
        allow_title_mismatch=args.allow_title_mismatch,
        base=args.base or DEFAULT_BASE, sources=[str(p) for p in bibs],
    )

    fmt = _format(args)
    if fmt == "html":
        from pithtex.report.html import render_html

        title = str(texs[0]) if texs else ", ".join(str(p) for p in bibs)
        text = render_html(report, title=title)
    else:
        import json

        if fmt == "json":
            payload = report.to_json()
        else:
            from pithtex.report.sarif import to_sarif

            payload = to_sarif(report)
        text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if args.output is None or str(args.output) == "-":
        sys.stdout.write(text)
    else:
        from pithtex.errors import PithtexError
        from pithtex.write.atomic import write_if_changed

        try:
            write_if_changed(args.output, text.encode("utf-8"))
        except PithtexError as exc:  # exit 2, not 1: CI reads 1 as "the report is written, with problems"
            raise UsageError(exc.message, hint=exc.hint) from None
    print(f"pithtex: {report.summary()}", file=sys.stderr)
    for ref in report.problems:
        print(f"{ref.location}: {ref.message}", file=sys.stderr)
    return 1 if report.problems else 0


#: What a paper's own files end in: ``-o`` naming one would replace a source with the report.
_SOURCE_SUFFIXES = frozenset((".bib", ".tex", ".ltx", ".sty", ".cls", ".bbl", ".pith", ".lock", ".toml", ".cfg"))


def _refuse_a_source_as_output(output: Path, sources: list) -> None:
    """``-o refs.bib`` (or main.tex, pith.lock) wrote the HTML over the user's file and exited as
    usual; such a name is refused before anything is written."""
    from pithtex.write.bibrefs import bibrefs_path

    sources = [Path(p) for p in sources if p is not None]
    sources += [bibrefs_path(p) for p in sources if p.suffix.lower() == ".bib"]

    def same(path: Path) -> bool:
        try:
            return output.samefile(path)
        except OSError:  # either is missing
            return False

    if output.suffix.lower() in _SOURCE_SUFFIXES or any(map(same, sources)):
        raise UsageError(f"{output}: -o names one of the paper's own files, which the report would replace",
                         hint="name a new file for the report, e.g. -o refs.html (or refs.json, refs.sarif)")


def _annotation_problems(
    bibs: list[Path], texs: list[Path], entries: list, verified: object, field: str, config: object
) -> dict[tuple[str, str], tuple[str, int | None, str]]:
    """(.bib, key) -> (file, line, text) of the first thing ``pithtex check`` says is wrong with that reference's
    ``pithnumber`` field or refs.pith line (the report used to call such a reference verified,
    and pass, while check failed the commit: a wrong or missing field is a problem in both)."""
    from pithtex.commands.check import check_bibrefs, check_fields, check_without_field
    from pithtex.commands.inputs import loads_pith
    from pithtex.write.bibrefs import bibrefs_path
    from pithtex.write.report import Reporter

    reporter = Reporter(keep_info=False)
    write_field = config.write_field  # type: ignore[attr-defined]
    (check_fields if write_field else check_without_field)(entries, verified, field, reporter)
    if config.bibrefs or not write_field:  # type: ignore[attr-defined]
        check_bibrefs(bibs, entries, verified, [t for t in texs if loads_pith(t)], reporter, field=write_field)
    bib_of = {str(bibrefs_path(bib)): str(bib) for bib in bibs}
    out: dict[tuple[str, str], tuple[str, int | None, str]] = {}
    for line in reporter.problems:
        if line.code in ("several-papers", "unverified"):  # the report's own statuses say these
            continue
        bib = bib_of.get(line.file, line.file)
        keys = [line.key] if line.key else [e.key for e in entries if e.file == bib and len(e.arxiv) == 1]
        for key in keys:
            out.setdefault((bib, key), (line.file, line.line, line.text))
    return out


def _bibs_of(texs: list[Path]) -> list[Path]:
    """The .bib files the .tex files use (\\bibliography, \\addbibresource, through \\input)."""
    if not texs:
        return []
    from pithtex.scan.bibfiles import find_bib_files

    out: list[Path] = []
    for tex in texs:
        for bib in find_bib_files(tex):
            if bib.problem is not None and bib.kind == "bib" and not bib.external:
                raise InputError(str(bib))
            if bib.problem is not None:
                print(f"pithtex: warning: {bib}", file=sys.stderr)
            if bib.usable:
                out.append(bib.path)
    return out
