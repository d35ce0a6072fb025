"""``pithtex annotate FILE...``: write verified Pith Numbers into .bib and .tex files.

The daily command and a pre-commit hook, so it must never damage a file and
never churn: every edit is lossless (:mod:`pithtex.write.bibedit`,
:mod:`pithtex.write.texedit`), a file whose bytes would not change is not
touched (its mtime stays, so latexmk and editors see nothing), and writes
are atomic. Nothing at all is written when the resolver met a security
error (the registry contradicting pith.lock) or when an entry's title says
its arXiv id is probably wrong: writing the number would certify the mistake.

Exit status: 0 all is well (changes written), 1 problems (an id that did not
resolve, an entry that cannot be edited safely, a wrong ``\\pithnumber``,
or with ``--check``: anything would change), 2 usage or unreadable input.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pithtex.commands.inputs import split_inputs, tex_bib_files
from pithtex.errors import InputError, PithtexError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from pithtex.ids.arxiv import ArxivId
    from pithtex.resolve.resolver import Resolution, ResolveReport
    from pithtex.scan.model import BibEntry
    from pithtex.scan.source import SourceText
    from pithtex.write.report import FilePlan, Reporter

_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def configure(parser: argparse.ArgumentParser) -> None:
    from pithtex.commands.options import add_resolution_options

    parser.description = (
        "Add (or correct) a verified pithnumber field in every .bib entry that cites arXiv, "
        "and \\usepackage{pith} + \\pithnumber{...} in a root .tex file (--self). Only the "
        "changed lines differ; unchanged files are not touched."
    )
    parser.add_argument(
        "files", nargs="+", type=Path, metavar="FILE",
        help=".bib and .tex files (a .tex brings the .bib files it names: \\bibliography, \\addbibresource)",
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything would change")
    parser.add_argument("--diff", action="store_true", help="print the unified diff; write nothing")
    parser.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    parser.add_argument(
        "--prune", action="store_true", help="remove annotations from entries that no longer cite arXiv"
    )
    parser.add_argument(
        "--self", dest="self_id", metavar="ARXIV_ID",
        help="the paper's own arXiv id: put its \\pithnumber into the root .tex (default: config self_id)",
    )
    parser.add_argument("--fix", action="store_true", help="correct a wrong \\pithnumber in the .tex")
    parser.add_argument("--field", metavar="NAME", help="BibTeX field name (default: config, pithnumber)")
    parser.add_argument(
        "--no-field", action="store_true",
        help="never edit .bib files: keep the numbers in pith.lock and refs.pith (config write_field = false)",
    )
    parser.add_argument(
        "--allow-title-mismatch", action="append", default=[], metavar="KEY",
        help="annotate KEY although its title does not match the signed title (repeatable)",
    )
    add_resolution_options(parser)


def run(args: argparse.Namespace) -> int:
    from pithtex.commands import options
    from pithtex.scan.source import read_source
    from pithtex.write.report import FilePlan, Reporter

    args.files = list(dict.fromkeys(args.files))  # a file named twice is edited once
    bibs, texs = split_inputs(list(args.files))
    stamp = None
    if not (args.json or args.update) and all(p.is_file() for p in args.files):
        from pithtex.write.checkstamp import CheckStamp

        stamp_options = [f"{k}={v!r}" for k, v in sorted(vars(args).items()) if k != "files"]
        stamp = CheckStamp(["annotate", *stamp_options], list(args.files), texs)
        if stamp.passed_before():
            return 0  # the same run found nothing to do on these exact bytes
    found = tex_bib_files(bibs, texs)  # main.tex brings the .bib files it uses
    bibs = found.bibs
    config = options.load_checked_config(args, list(args.files))
    write_field = config.write_field and not args.no_field
    field = args.field or config.field
    if not _FIELD.fullmatch(field):
        raise UsageError(f"--field {field!r} is not a BibTeX field name")
    self_id = options.self_id(args.self_id, config.self_id)
    writing = not (args.check or args.diff or args.dry_run)
    # lines this run will never show are not kept (see Reporter): info without --json, changes with --quiet
    reporter = Reporter(keep_info=args.json, keep_changes=args.json or not (args.quiet or args.diff))
    found.report(reporter)

    sources = {path: read_source(path) for path in [*bibs, *texs]}
    for source in sources.values():
        if source.note:
            reporter.warning(source.name, None, None, source.note.split(": ", 1)[-1])
    entries = _scan(bibs, sources, field, reporter)
    settings = options.settings_from(args, config)
    if not writing:  # --check/--diff/--dry-run write nothing: not pith.lock, not the record cache
        import dataclasses

        settings = dataclasses.replace(settings, write=False)

    wanted: list[ArxivId] = [e.arxiv[0] for e in entries if len(e.arxiv) == 1]
    if self_id is not None and texs:
        wanted.append(self_id)
    report = _resolve(wanted, settings) if wanted else None
    if report is not None and report.security:
        for r in report.resolutions:
            if r.status == "rejected":
                reporter.problem(str(settings.lock_path), None, None, f"{r.requested}: {r.problem}")
        _emit(reporter, args)
        print("pithtex: nothing was written (security error)", file=sys.stderr)
        return 1

    mismatched = _crosscheck(entries, report, args.allow_title_mismatch, reporter)
    plans = []
    for path in bibs:
        name = str(path)
        mine = [e for e in entries if e.file == name]
        if write_field:
            plans.append(FilePlan(sources[path], _plan_bib(sources[path], mine, report, field, args.prune, reporter)))
        else:  # the .bib is left alone: only its problems are said
            _check_without_field(mine, report, field, reporter)
    extra: dict[Path, bytes] = {}
    loads_pith = False
    for path in texs:
        plan, sty_dir = _plan_tex(sources[path], self_id, report, args.fix, settings.lock_path, reporter)
        if plan is not None:
            plans.append(plan)
        if sty_dir is not None:
            loads_pith = True
            _plan_sty(sty_dir, extra, reporter)
    if config.bibrefs or not write_field:
        extra.update(_bibrefs(bibs, entries, report, args.prune, always=loads_pith))

    if mismatched:
        _emit(reporter, args, quiet=args.quiet)
        keys = ", ".join(sorted(mismatched))
        print(
            f"pithtex: nothing was written: {keys}: the title does not match the signed title, so the "
            "arXiv id is probably wrong (fix it, or pass --allow-title-mismatch KEY)",
            file=sys.stderr,
        )
        return 1

    changed_plans = [p for p in plans if p.changed]
    before = {path: _snapshot(path) for path in extra}  # what each generated file holds now
    changed_extra = {p: d for p, d in extra.items() if before[p].data != d}
    for path in changed_extra:
        reporter.change(str(path), None, None, "update" if path.exists() else "create")
    if args.diff:
        for plan in changed_plans:
            sys.stdout.write(plan.diff())
    _emit(reporter, args, quiet=args.quiet or args.diff, change_prefix="" if writing else "would ")
    if writing:
        _write(changed_plans, changed_extra, before)
    if reporter.problems:
        return 1
    if (
        stamp is not None
        and reporter.clean
        and not changed_plans
        and not changed_extra
        and not config.warnings
        and (report is None or all(r.origin == "lock" for r in report.resolutions))
    ):
        env_keys = [Path(p) for p in os.environ.get("PITHTEX_TRUST_KEYS", "").split(os.pathsep) if p.strip()]
        stamp.record_pass(
            [settings.lock_path, *config.trust_keys, *args.trust_key, *env_keys, *extra, *found.consulted]
        )
    if args.check and (changed_plans or changed_extra):
        if not args.quiet:
            n = len(changed_plans) + len(changed_extra)
            print(f"pithtex: {n} file{'s' if n != 1 else ''} would change (run 'pithtex annotate')", file=sys.stderr)
        return 1
    return 0


def _snapshot(path: Path) -> Any:
    """A generated file (refs.pith, pith.sty) as it is now, to write it only if it stays so."""
    from pithtex.write.atomic import Snapshot

    try:
        return Snapshot.take(path)
    except PithtexError as exc:  # names the file already
        raise InputError(exc.message) from None


def _write(plans: list[FilePlan], extra: dict[Path, bytes], before: dict[Path, Any]) -> None:
    """Write the planned files, each only if it still holds what its plan was made from.

    A file saved (from an editor, say) while this run resolved is never
    overwritten: if any file changed, nothing at all is written and the run
    stops with one line naming it (exit 1); the same check is repeated just
    before each rename. A read-only file is refused before the first write,
    so the set is never left half-updated by a foreseeable failure.
    """
    from pithtex.write.atomic import FileChanged, Snapshot, check_writable, write_if_changed

    planned = [(plan.source.path, plan.new_bytes(), Snapshot(plan.source.path, plan.source.raw, plan.source.identity))
               for plan in plans]
    planned += [(path, data, before[path]) for path, data in extra.items()]
    for path, _data, snapshot in planned:
        check_writable(path)
        if snapshot.changed():
            raise FileChanged.at(path, "nothing was written")
    for path, data, snapshot in planned:
        write_if_changed(path, data, expected=snapshot)


def _scan(bibs: list[Path], sources: dict[Path, SourceText], field: str, reporter: Reporter) -> list[BibEntry]:
    """The entries of the .bib files; a fatal problem raises, the others are warnings."""
    if not bibs:
        return []
    from pithtex.scan.bib import scan_bib

    entries: list[BibEntry] = []
    for path in bibs:
        result = scan_bib(sources[path], field_name=field, entries_only=True)
        for problem in result.errors:
            if problem.fatal:
                raise InputError(str(problem))
            reporter.warning(problem.file, problem.line, None, problem.message)
        entries.extend(result.entries)
    return entries


def _resolve(wanted: list[ArxivId], settings: Any) -> ResolveReport:
    from pithtex.resolve.resolver import resolve_ids

    return resolve_ids(wanted, settings)


def _emit(reporter: Reporter, args: argparse.Namespace, *, quiet: bool = False, change_prefix: str = "") -> None:
    """Print what the run has to say: one JSON object with ``--json``, else one line per thing."""
    if getattr(args, "json", False):
        import json

        print(json.dumps({"lines": [line.to_json() for line in reporter.lines]}, indent=2))
    else:
        reporter.print(quiet=quiet, change_prefix=change_prefix)


def _resolution(report: ResolveReport | None, arxiv: ArxivId) -> Resolution | None:
    return None if report is None else report.get(arxiv)


def _crosscheck(
    entries: list[BibEntry], report: ResolveReport | None, allowed: list[str], reporter: Reporter
) -> set[str]:
    """Title, duplicate and version checks; returns the keys that must not be annotated."""
    if report is None:
        return set()
    from pithtex.crosscheck import RecordFacts, crosscheck, mismatched_keys

    def facts_for(arxiv: ArxivId) -> RecordFacts | None:
        r = _resolution(report, arxiv)
        if r is None or not r.ok or r.entry is None or r.pith_number is None:
            return None
        try:
            return RecordFacts.from_lock_entry(r.entry)
        except (KeyError, TypeError, ValueError):
            return None

    findings = crosscheck(
        [e for e in entries if e.arxiv], facts_for, allow_title_mismatch=allowed, title_info=reporter.keep_info
    )
    for f in findings:
        reporter.finding(f)
    return mismatched_keys(findings)


def _plan_bib(
    source: SourceText,
    entries: list[BibEntry],
    report: ResolveReport | None,
    field: str,
    prune: bool,
    reporter: Reporter,
) -> str:
    """The new text of ``source``: the edits of its ``entries``, with what is wrong and what changes reported."""
    from pithtex.write.bibedit import BibEditError, RemoveField, SetField, edit_bib
    from pithtex.write.texedit import same_number

    name = source.name
    edits: dict[tuple[str, int], Any] = {}
    messages: dict[tuple[str, int], tuple[str, int, str]] = {}
    for entry in entries:
        if entry.key is None:
            continue
        current = entry.pithnumber.value.strip() if entry.pithnumber is not None else None
        where = (entry.key, entry.line)
        if len(entry.arxiv) > 1:
            ids = ", ".join(str(a) for a in entry.arxiv)
            reporter.problem(name, entry.line, entry.key, f"names several arXiv papers ({ids}); not annotated")
            continue
        if not entry.arxiv:
            if current is not None:
                line = entry.pithnumber.line if entry.pithnumber is not None else entry.line
                if prune:
                    edits[where] = RemoveField(entry.key, entry.pithnumber.field, entry.line)  # type: ignore[union-attr]
                    messages[where] = (name, line, f"remove {field} {current} (no arXiv reference)")
                else:
                    reporter.warning(
                        name, line, entry.key, f"has {field} {current} but no arXiv reference (--prune removes it)"
                    )
            continue
        arxiv = entry.arxiv[0]
        r = _resolution(report, arxiv)
        if r is None or not r.ok or r.pith_number is None:
            problem = r.problem if r is not None else "not resolved"
            reporter.problem(name, entry.line, entry.key, f"{arxiv}: {problem}")
            continue
        want = r.pith_number.full
        if current is not None and same_number(current, want):
            continue  # right (a bare suffix is accepted, as check accepts it)
        existing_field = entry.pithnumber.field if entry.pithnumber is not None else field
        edits[where] = SetField(entry.key, existing_field, want, entry.line)
        if current is None:
            messages[where] = (name, entry.line, f"add {field} {want} ({arxiv})")
        else:
            messages[where] = (name, entry.pithnumber.line, f"correct {field} {current} -> {want} ({arxiv})")  # type: ignore[union-attr]
    text = source.text
    while edits:
        try:
            text = edit_bib(source.text, edits.values(), newline=_newline(source))
            break
        except BibEditError as exc:
            bad = [w for w in edits if w[0] == exc.key and (exc.line is None or w[1] == exc.line)] or [
                w for w in edits if w[0] == exc.key
            ]
            if not bad:
                reporter.problem(name, exc.line, exc.key, exc.message)
                return source.text
            for w in bad:
                edits.pop(w)
                messages.pop(w, None)
                reporter.problem(name, w[1], w[0], _strip_location(exc.message, w[0]))
    for (key, _line), (file, line, text_) in messages.items():
        reporter.change(file, line, key, text_)
    return text


def _check_without_field(
    entries: list[BibEntry], report: ResolveReport | None, field: str, reporter: Reporter
) -> None:
    """write_field = false: what is wrong with the entries, the .bib untouched (pithtex.commands.nofield)."""
    from pithtex.commands.nofield import check_entries

    def lookup(arxiv: ArxivId) -> tuple[Any, str | None]:
        r = _resolution(report, arxiv)
        if r is None or not r.ok or r.pith_number is None:
            return None, f"{arxiv}: {r.problem if r is not None else 'not resolved'}"
        return r.pith_number, None

    check_entries(entries, lookup, field, reporter)


def _strip_location(message: str, key: str) -> str:
    return re.sub(r"^line \d+: " + re.escape(key) + r": ", "", message)


def _newline(source: SourceText) -> str:
    return source.newline if source.newline in ("\n", "\r\n") else "\n"


def _plan_tex(
    source: SourceText,
    self_id: ArxivId | None,
    report: ResolveReport | None,
    fix: bool,
    lock_path: Path,
    reporter: Reporter,
) -> tuple[FilePlan | None, Path | None]:
    """The planned .tex and the directory that needs pith.sty (None when it does not use pith)."""
    from pithtex.write.report import FilePlan
    from pithtex.write.texedit import TexEditError, analyse_preamble, ensure_pith_preamble, same_number

    name = source.name
    try:
        preamble = analyse_preamble(source.text)
    except TexEditError as exc:
        if self_id is not None:
            reporter.warning(name, exc.line, None, f"{exc.message}; --self applies to the root file only")
        return None, None
    sty_dir = source.path.parent
    if self_id is None:
        for command in preamble.pithnumbers:
            reporter.warning(
                name, command.line, None,
                f"\\pithnumber{{{command.value}}} is not checked: give --self ARXIV_ID (or self_id in the config)",
            )
        return None, (sty_dir if preamble.pith_package_end is not None else None)
    r = _resolution(report, self_id)
    if r is None or not r.ok or r.pith_number is None:
        problem = r.problem if r is not None else "not resolved"
        reporter.problem(name, None, None, f"--self {self_id}: {problem}")
        return None, (sty_dir if preamble.pith_package_end is not None else None)
    try:
        edit = ensure_pith_preamble(source.text, r.pith_number.suffix, replace=fix)
    except TexEditError as exc:
        reporter.problem(name, exc.line, None, exc.message)
        return None, None
    if edit.added_package:
        reporter.change(name, None, None, "add \\usepackage{pith}")
    if edit.added_number:
        reporter.change(name, None, None, f"add \\pithnumber{{{r.pith_number.suffix}}} ({self_id})")
    if edit.existing is not None and not same_number(edit.existing.value, r.pith_number.suffix):
        if edit.replaced_number:
            reporter.change(
                name, edit.existing.line, None,
                f"correct \\pithnumber{{{edit.existing.value}}} -> {r.pith_number.suffix} ({self_id})",
            )
        else:
            reporter.problem(
                name, edit.existing.line, None,
                f"\\pithnumber{{{edit.existing.value}}} is not the Pith Number of {self_id} "
                f"({r.pith_number.full}); --fix corrects it",
            )
    return FilePlan(source, edit.text), sty_dir


def _plan_sty(directory: Path, extra: dict[Path, bytes], reporter: Reporter) -> None:
    """pith.sty beside a root .tex: written when missing or different, never downgraded.

    Coauthors may run different pithtex releases on one repository: a copy
    written by a newer release is left as it is (with a warning), so that
    the file does not flip between versions with every commit.
    """
    import pithtex
    from pithtex.write.sty import STY_NAME, compare_versions, installed_version, render_sty

    target = directory / STY_NAME
    theirs = installed_version(target)
    if theirs is not None and compare_versions(theirs, pithtex.__version__) == 1:
        reporter.warning(
            str(target), None, None,
            f"written by pithtex {theirs}, newer than this pithtex {pithtex.__version__}: left as it is "
            "(upgrade pithtex)",
            code="newer-sty",
        )
        return
    extra[target] = render_sty().encode("utf-8")


def _bibrefs(
    bibs: list[Path], entries: list[BibEntry], report: ResolveReport | None, prune: bool = False,
    *, always: bool = False,
) -> dict[Path, bytes]:
    """The file pith.sty reads for bibliography badges, beside each .bib (key -> number).

    Without a line to write, the file is written (header only) when it exists
    already or when ``always`` (a .tex among the inputs loads pith): pith.sty
    warns on every compile of a bibliography without a .pith file read, and
    an empty one says truthfully that no reference has a number.

    A line is never lost to a failure: an id that did not resolve this time
    keeps the line the file already has for its key, and so does an entry
    that no longer cites arXiv but keeps its pithnumber field (``--prune``
    removes both the field and the line). Only keys gone from the .bib lose
    their line (no badge can show for them).
    """
    from pithtex.write.bibrefs import bibrefs_path, is_safe_bib_key, render_bibrefs

    out: dict[Path, bytes] = {}
    for path in bibs:
        target = bibrefs_path(path)
        previous = _previous_bibrefs(target)
        pairs = []
        keys: set[str] = set()
        name = str(path)
        for entry in entries:
            if entry.file != name or entry.key is None:
                continue
            if entry.key in keys:
                continue  # BibTeX and biber use the first entry of a key, and so does the badge
            keys.add(entry.key)
            if not is_safe_bib_key(entry.key):
                continue
            r = _resolution(report, entry.arxiv[0]) if len(entry.arxiv) == 1 else None
            if r is not None and r.ok and r.pith_number is not None:
                pairs.append((entry.key, r.pith_number))
            elif entry.key in previous and (entry.arxiv or (entry.pithnumber is not None and not prune)):
                pairs.append((entry.key, previous[entry.key]))  # the last verified line stays
        if not pairs and not always and not target.exists():
            continue
        out[target] = render_bibrefs(pairs, bib_name=path.name, name=target.name).encode("utf-8")
    return out


def _previous_bibrefs(target: Path) -> dict[str, str]:
    """key -> number of the lines the .pith file has now (none when it is missing or unreadable)."""
    from pithtex.readfile import Unreadable
    from pithtex.write.bibrefs import last_verified, load_bibrefs

    try:
        text = load_bibrefs(target)
    except Unreadable:
        return {}
    return last_verified(text) if text is not None else {}
