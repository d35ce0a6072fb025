"""``pithtex resolve FILE... [--json]``: scan, resolve to verified Pith Numbers, update pith.lock.

Prints one line per arXiv id as cited (``arXiv:<id> -> pith:YYYY:SUFFIX
(verified)``, or ``file:line: arXiv:<id>: failed: <reason>``) and a summary.
With ``--json``: one object with ``results`` (per id ``arxiv_id``,
``version``, ``pith_number``, ``status``, ``problem``, plus ``origin`` and
``locations``) and ``summary``.

Exit codes: 0 when every id resolved and verified; 1 when any failed or was
rejected (a ``SECURITY:`` rejection writes nothing at all); 2 for usage
errors and unreadable inputs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pithtex.commands.options import add_resolution_options, load_settings
from pithtex.errors import InputError

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help=".bib or .tex files to scan (a .tex brings the .bib files it names)")
    parser.add_argument("--field", help="BibTeX field holding Pith Numbers (default: config or 'pithnumber')")
    add_resolution_options(parser)


def run(args: argparse.Namespace) -> int:
    from pithtex.ids.arxiv import ArxivId
    from pithtex.resolve.resolver import resolve_ids
    from pithtex.commands.inputs import scan_paths_with_bibs

    loaded = load_settings(args, args.files)
    config, settings = loaded.config, loaded.settings
    scan = scan_paths_with_bibs(list(args.files), field_name=args.field or config.field)
    for problem in scan.errors:
        if not problem.fatal:
            print(f"pithtex: warning: {problem}", file=sys.stderr)
    if scan.fatal:
        fatal = [str(problem) for problem in scan.errors if problem.fatal]
        raise InputError(fatal[0] + (f" (and {len(fatal) - 1} more)" if len(fatal) > 1 else ""))

    locations: dict[ArxivId, list[str]] = {}
    for finding in scan.findings:
        locations.setdefault(finding.arxiv, []).append(f"{finding.file}:{finding.line}")
    ids = list(locations)
    own = config.self_id
    if own is not None and settings.lock_path.is_file():
        from pithtex.commands.options import self_in_lock
        from pithtex.resolve.lockfile import Lockfile

        own = self_in_lock(own, Lockfile.load(settings.lock_path))
    if own is not None and own not in locations:
        ids.append(own)
        locations[own] = [f"{config.config_file}: self_id" if config.config_file else "self_id"]

    report = resolve_ids(ids, settings)
    findings = [] if report.security else _crosscheck(scan.entries, report)

    if args.json:
        results = [{**r.to_json(), "locations": locations.get(r.requested, [])} for r in report.resolutions]
        summary = dict(report.counts(), total=len(report.resolutions), lock=str(report.lock_path),
                       lock_changed=report.lock_changed)
        print(json.dumps(
            {"results": results, "findings": [f.to_json() for f in findings], "summary": summary}, indent=2
        ))
    else:
        for resolution in report.resolutions:
            if resolution.ok:
                if not settings.quiet:
                    print(resolution.line())
            else:
                where = locations.get(resolution.requested, ["?"])[0]
                print(f"{where}: {resolution.line()}", file=sys.stdout)
        if report.unreachable:
            print(f"pithtex: {report.unreachable}", file=sys.stderr)
        for finding in findings:
            if finding.severity != "info" or (finding.code == "version-drift" and not settings.quiet):
                print(f"{finding} ({finding.severity})", file=sys.stderr)
        if not ids:
            print("no arXiv references found", file=sys.stderr)
        elif not settings.quiet or not report.ok:
            print(report.summary(), file=sys.stderr)
    if report.security:
        print(
            "pithtex: SECURITY: the registry contradicted pith.lock; nothing was written "
            "(pith.lock, the cache and your files are unchanged)",
            file=sys.stderr,
        )
    return 0 if report.ok else 1


def _crosscheck(entries: list, report: object) -> list:
    """Titles against the signed title hash, duplicates and version drift (pithtex/crosscheck).

    ``resolve`` reports them and keeps its exit-code contract (1 only when an id
    failed or was rejected): the lock holds the verified record of the id *as
    cited*, which is right even when the citation is wrong. ``check`` fails on a
    probable wrong id and ``annotate`` refuses to write it.
    """
    from pithtex.crosscheck import RecordFacts, crosscheck

    def facts_for(arxiv):  # type: ignore[no-untyped-def]
        resolution = report.get(arxiv)  # type: ignore[attr-defined]
        if resolution is None or not resolution.ok or resolution.entry is None or resolution.pith_number is None:
            return None
        try:
            return RecordFacts.from_lock_entry(resolution.entry)
        except (KeyError, TypeError, ValueError):
            return None

    return crosscheck([e for e in entries if e.arxiv], facts_for)
