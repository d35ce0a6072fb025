"""``pithtex annotate FILE...``: write verified Pith Numbers into .bib and .tex files.

The daily command and a pre-commit hook, so it must never damage a file and
never churn: every edit is lossless (:mod:`pithtex.write.bibedit`,
:mod:`pithtex.write.texedit`), a file whose bytes would not change is not
touched (its mtime stays, so latexmk and editors see nothing), and writes
are atomic. Everything is decided before anything is written, and nothing at
all (pith.lock and the cache included) is written when the resolver met a
security error (the registry contradicting pith.lock), when an entry's title
says its arXiv id is probably wrong (writing the number would certify the
mistake), when ``--self`` does not resolve, or when a file to write is
read-only. Then no line claims a change: the run ends with ``nothing was
written: ...``. Otherwise it prints the changes it made and one summary line
(``--quiet``: neither).

Exit status: 0 all is well (changes written), 1 problems (an id that did not
resolve or cannot be an arXiv id, an entry that mentions arXiv but cannot be
parsed or cannot be edited safely, a wrong ``\\pithnumber``, or with
``--check``: anything would change), 2 usage or unreadable input.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pithtex.commands.inputs import (
    add_allow_title_mismatch_option,
    add_source_files_argument,
    split_inputs,
    tex_bib_files,
    warn_if_generated,
)
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
        "changed lines differ; unchanged files are not touched. Exit 1 on problems, including an "
        "id that cannot be an arXiv id and an entry that mentions arXiv but cannot be parsed "
        "(see --lenient); nothing is written when a title mismatch, --self or a read-only file stops it."
    )
    add_source_files_argument(parser)
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
    parser.add_argument(
        "--lenient", action="store_true",
        help="an id that cannot be an arXiv id (a typo) and an entry that mentions arXiv but cannot be "
        "parsed are warnings, not problems",
    )
    parser.add_argument("--field", metavar="NAME", help="BibTeX field name (default: config, pithnumber)")
    parser.add_argument(
        "--no-field", action="store_true",
        help="never edit .bib files: keep the numbers in pith.lock and refs.pith (config write_field = false)",
    )
    add_allow_title_mismatch_option(parser, "annotate")
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
            if stamp.summary and not args.quiet:
                print(f"pithtex: {stamp.summary}", file=sys.stderr)
            if os.environ.get("PRE_COMMIT") == "1":  # ...and the commit has all it needs
                from pithtex.commands.committed import untracked_after_stamp

                return untracked_after_stamp(stamp.depends, args)
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
    reporter = Reporter(keep_info=args.json, keep_changes=args.json or not args.quiet)
    found.report(reporter)

    sources = {path: read_source(path) for path in [*bibs, *texs]}
    for source in sources.values():
        if source.note:  # "NAME:LINE: message"
            line, _, message = source.note[len(source.name) + 1:].partition(": ")
            reporter.warning(source.name, int(line) if line.isdigit() else None, None, message)
    entries, unparsed = _scan(bibs, sources, field, reporter, lenient=args.lenient)
    # Nothing is written while resolving: not pith.lock, not the record cache. What resolved is
    # written with the files, once nothing stops the run (save_resolved); --check/--diff/--dry-run
    # never write it.
    settings = dataclasses.replace(options.settings_from(args, config), write=False, remember=writing)

    wanted: list[ArxivId] = [e.arxiv[0] for e in entries if len(e.arxiv) == 1]
    lock = None
    if self_id is not None and texs:
        self_id, lock = _self_in_lock(self_id, settings)
        wanted.append(self_id)
    report = _resolve(wanted, settings, lock) if wanted else None
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
    for plan in plans:
        if plan.changed:
            warn_if_generated(plan.source.name, plan.source.text, field, reporter)
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
        extra.update(_bibrefs(bibs, entries, report, args.prune, always=loads_pith, unparsed=unparsed))

    changed_plans = [p for p in plans if p.changed]
    before = {path: _snapshot(path) for path in extra}  # what each generated file holds now
    changed_extra = {p: d for p, d in extra.items() if before[p].data != d}
    stop = _stop_reason(mismatched, reporter)
    pending = report is not None and bool(report.pending)
    planned = _planned(changed_plans, changed_extra, before)
    hint = None
    if stop is None and writing:
        # refuse before writing anything, so a read-only or changed file never leaves the set half-updated
        try:
            _refuse_early(planned, settings.lock_path if pending else None)
        except PithtexError as exc:
            stop, hint = exc.message, exc.hint
    if stop is not None:
        # nothing is written, so no line may say otherwise: drop the changes, keep what is wrong
        reporter.lines = [line for line in reporter.lines if line.kind != "change"]
        _emit(reporter, args, quiet=args.quiet)
        _say_unreachable(report)
        print(f"pithtex: {stop}", file=sys.stderr)
        if hint:
            print(f"  hint: {hint}", file=sys.stderr)
        return 1

    for path in changed_extra:
        reporter.change(str(path), None, None, "update" if path.exists() else "create")
    if writing:
        from pithtex.resolve.resolver import save_resolved

        if report is not None and pending:
            save_resolved(report, dataclasses.replace(settings, write=True))
        _warn_hard_links(planned, reporter)
        _write(planned)
    if os.environ.get("PRE_COMMIT") == "1":
        from pithtex.commands.committed import report_untracked

        report_untracked([settings.lock_path, *config.trust_keys, *extra, *found.consulted], reporter)
    if args.diff:
        for plan in changed_plans:
            sys.stdout.write(plan.diff())
    _emit(reporter, args, quiet=args.quiet or args.diff, change_prefix="" if writing else "would ")
    _say_unreachable(report)
    n_files = len(changed_plans) + len(changed_extra)
    summary = _summary_line(entries, report, reporter, field, writing)
    if args.check and n_files:
        summary = f"{n_files} file{'s' if n_files != 1 else ''} would change (run 'pithtex annotate'): {summary}"
    if not args.quiet and not args.json:
        print(f"pithtex: {summary}", file=sys.stderr)
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
            [settings.lock_path, *config.trust_keys, *args.trust_key, *env_keys, *extra, *found.consulted], summary
        )
    if args.check and n_files:
        return 1
    return 0


def _say_unreachable(report: ResolveReport | None) -> None:
    """No connection to the registry: said once, after the ids it left unresolved."""
    if report is not None and report.unreachable:
        print(f"pithtex: {report.unreachable}", file=sys.stderr)


def _stop_reason(mismatched: set[str], reporter: Reporter) -> str | None:
    """Why nothing may be written (a probably wrong arXiv id, the paper's own id not resolved), or None."""
    if mismatched:
        keys = ", ".join(sorted(mismatched))
        return (
            f"nothing was written: {keys}: the title does not match the signed title, so the "
            "arXiv id is probably wrong (fix it, or pass --allow-title-mismatch KEY)"
        )
    for line in reporter.problems:
        if line.code == "self-unresolved":
            return f"nothing was written: {line.text} (the paper's own id must resolve before anything is written)"
    return None


def _summary_line(
    entries: list[BibEntry], report: ResolveReport | None, reporter: Reporter, field: str, writing: bool
) -> str:
    """``3 added, 1 corrected, 2 unchanged, 4 not arXiv, 0 problems`` (``to add``... when nothing is written)."""
    from pithtex.write.texedit import same_number

    added = corrected = unchanged = not_arxiv = 0
    for line in reporter.changes:
        if line.text.startswith((f"add {field} ", "add \\pithnumber")):
            added += 1
        elif line.text.startswith("correct "):
            corrected += 1
    for entry in entries:
        if entry.key is None:
            continue
        if not entry.arxiv:
            not_arxiv += 1
            continue
        if entry.pithnumber is None or len(entry.arxiv) != 1:
            continue
        r = _resolution(report, entry.arxiv[0])
        if r is not None and r.ok and r.pith_number is not None:
            current, wanted = entry.pithnumber.value.strip(), r.pith_number.full
            if current == wanted or same_number(current, wanted):
                unchanged += 1
    problems = len(reporter.problems)
    verbs = ("added", "corrected") if writing else ("to add", "to correct")
    return (
        f"{added} {verbs[0]}, {corrected} {verbs[1]}, {unchanged} unchanged, {not_arxiv} not arXiv, "
        f"{problems} problem{'s' if problems != 1 else ''}"
    )


def _snapshot(path: Path) -> Any:
    """A generated file (refs.pith, pith.sty) as it is now, to write it only if it stays so."""
    from pithtex.write.atomic import Snapshot

    try:
        return Snapshot.take(path)
    except PithtexError as exc:  # names the file already
        raise InputError(exc.message) from None


def _planned(plans: list[FilePlan], extra: dict[Path, bytes], before: dict[Path, Any]) -> list[tuple[Path, bytes, Any]]:
    """(path, new bytes, snapshot of what the plan was made from) for every file to write: pith.sty and the
    .pith files first, so a run stopped half way (a full disk, Ctrl-C) never leaves a ``\\usepackage{pith}``
    without its pith.sty: the paper still builds."""
    from pithtex.write.atomic import Snapshot

    planned = [(plan.source.path, plan.new_bytes(), Snapshot(plan.source.path, plan.source.raw, plan.source.identity))
               for plan in plans]
    return [(path, data, before[path]) for path, data in extra.items()] + planned


def _refuse_early(planned: list[tuple[Path, bytes, Any]], lock_path: Path | None) -> None:
    """Raise (naming the file) if a file to write is read-only or changed since it was read:
    checked before the first write, so the set is never left half-updated by a foreseeable failure."""
    from pithtex.write.atomic import READ_ONLY_HINT, FileChanged, check_writable

    try:
        for path, _data, snapshot in planned:
            check_writable(path)
            if snapshot.changed():
                raise FileChanged.at(path, "nothing was written")
        if lock_path is not None:
            check_writable(lock_path)
    except PithtexError as exc:
        if exc.hint == READ_ONLY_HINT:
            exc.hint = f"{READ_ONLY_HINT}, or run with --check/--diff to see the changes"
        raise


def _write(planned: list[tuple[Path, bytes, Any]]) -> None:
    """Write the planned files, each only if it still holds what its plan was made from.

    A file saved (from an editor, say) while this run resolved is never
    overwritten: if any file changed, nothing at all is written and the run
    stops with one line naming it (exit 1); the same check is repeated just
    before each rename.
    """
    from pithtex.write.atomic import write_if_changed

    _refuse_early(planned, None)
    for path, data, snapshot in planned:
        write_if_changed(path, data, expected=snapshot, new_mode=_mode_of_its_bib(path))


def _mode_of_its_bib(path: Path) -> int | None:
    """A new ``refs.pith`` gets the permissions of ``refs.bib`` beside it (its keys are the bibliography's:
    a ``chmod 600`` .bib had a world-readable .pith); anything else, the umask's."""
    if path.suffix != ".pith":
        return None
    try:
        return path.with_suffix(".bib").stat().st_mode & 0o777
    except OSError:
        return None


def _warn_hard_links(planned: list[tuple[Path, bytes, Any]], reporter: Reporter) -> None:
    """A file with other hard links is replaced under its name (atomically), so the other names keep the old
    bytes: a .bib shared between papers that way stops being shared, which the run used to leave unsaid."""
    for path, _data, _snapshot in planned:
        try:
            links = path.stat().st_nlink
        except OSError:
            continue
        if links > 1:
            reporter.warning(str(path), None, None, f"is hard-linked to {links - 1} other name{'s' if links > 2 else ''}, "
                             "which will keep the old bytes: pithtex writes a new file under this name (share a .bib "
                             "with a symbolic link, which pithtex writes through)")


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _scan(
    bibs: list[Path], sources: dict[Path, SourceText], field: str, reporter: Reporter, lenient: bool = False
) -> tuple[list[BibEntry], dict[str, set[str | None]]]:
    """The entries of the .bib files, and for each file the keys of the blocks that could not be parsed
    (None for a block whose head names none); a fatal problem raises, the others are reported (see
    :func:`~pithtex.write.report.report_scan_problems`)."""
    if not bibs:
        return [], {}
    from pithtex.scan.bib import scan_bib
    from pithtex.write.report import report_scan_problems

    entries: list[BibEntry] = []
    unparsed = []
    for path in bibs:
        result = scan_bib(sources[path], field_name=field, entries_only=True)
        for problem in result.errors:
            if problem.fatal:
                raise InputError(str(problem))
            unparsed.append(problem)
        entries.extend(result.entries)
    report_scan_problems(reporter, unparsed, entries, lenient=lenient)
    keys: dict[str, set[str | None]] = {}
    for problem in unparsed:
        keys.setdefault(problem.file, set()).add(problem.key)
    return entries, keys


def _self_in_lock(self_id: ArxivId, settings: Any) -> tuple[ArxivId, Any]:
    """``--self`` as the lock spells it (``2606.01249`` -> the lock's ``2606.01249v1``), and the
    lock as read, for :func:`_resolve` (read once: 0.13 s of 20,000 entries)."""
    from pithtex.commands.options import self_in_lock
    from pithtex.resolve.lockfile import Lockfile

    if not settings.lock_path.is_file():
        return self_id, None
    lock = Lockfile.load(settings.lock_path)
    return self_in_lock(self_id, lock), lock


def _resolve(wanted: list[ArxivId], settings: Any, lock: Any = None) -> ResolveReport:
    from pithtex.resolve.resolver import resolve_ids

    return resolve_ids(wanted, settings, lock=lock)


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
    from pithtex.crosscheck import crosscheck, mismatched_keys

    verified = {  # crosscheck builds facts from a lock entry only when a check needs more than its title hash
        r.requested: r.entry
        for r in report.resolutions
        if r.status == "verified" and r.entry is not None and r.pith_number is not None
    }
    findings = crosscheck(
        [e for e in entries if e.arxiv], verified.get, allow_title_mismatch=allowed, title_info=reporter.keep_info
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
    say = reporter.keep_changes  # with --quiet no change is worded, only counted (one per edit)
    get = {r.requested: r for r in report.resolutions}.get if report is not None else {}.get  # as report.get
    edits: dict[tuple[str, int], Any] = {}
    messages: dict[tuple[str, int], tuple[int, str]] = {}  # (line, what changes), when said
    for entry in entries:
        key, arxiv_ids, annotation, line = entry.key, entry.arxiv, entry.pithnumber, entry.line
        if key is None:
            continue
        if len(arxiv_ids) != 1:
            if arxiv_ids:
                ids = ", ".join(str(a) for a in arxiv_ids)
                reporter.problem(name, line, key, f"names several arXiv papers ({ids}); not annotated")
            elif annotation is not None:
                current = annotation.value.strip()
                if prune:
                    edits[key, line] = RemoveField(key, annotation.field, line)
                    if say:
                        messages[key, line] = (annotation.line, f"remove {field} {current} (no arXiv reference)")
                else:
                    reporter.warning(
                        name, annotation.line, key, f"has {field} {current} but no arXiv reference (--prune removes it)"
                    )
            continue
        arxiv = arxiv_ids[0]
        r = get(arxiv)
        number = r.pith_number if r is not None else None
        if number is None or r.status != "verified":  # r.ok without its property call
            reporter.problem(name, line, key, f"{arxiv}: {r.problem if r is not None else 'not resolved'}")
            continue
        want = number.full
        if annotation is None:
            edits[key, line] = SetField(key, field, want, line)
            if say:
                messages[key, line] = (line, f"add {field} {want} ({arxiv})")
        elif not same_number(current := annotation.value.strip(), want):  # a bare suffix is right too, as check accepts it
            edits[key, line] = SetField(key, annotation.field, want, line)
            if say:
                messages[key, line] = (annotation.line, f"correct {field} {current} -> {want} ({arxiv})")
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
    for (key, _line), (line, change) in messages.items():
        reporter.change(name, line, key, change)
    if not say:
        reporter.dropped_changes += len(edits)  # what reporter.change does when changes are not kept
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
        reporter.problem(name, None, None, f"--self {self_id}: {problem}", code="self-unresolved")
        return None, (sty_dir if preamble.pith_package_end is not None else None)
    try:
        edit = ensure_pith_preamble(source.text, r.pith_number.suffix, replace=fix)
    except TexEditError as exc:
        reporter.problem(name, exc.line, None, exc.message)
        return None, None
    if edit.added_package or edit.added_number:  # the lines they are on now, as for every other change
        added = analyse_preamble(edit.text)
        if edit.added_package and added.pith_package_end is not None:
            line = edit.text.count("\n", 0, added.pith_package_end) + 1
            reporter.change(name, line, None, "add \\usepackage{pith}")
        if edit.added_number and added.pithnumbers:
            reporter.change(name, added.pithnumbers[0].line, None,
                            f"add \\pithnumber{{{r.pith_number.suffix}}} ({self_id})")
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
    the file does not flip between versions with every commit. A copy that
    says it is this release's but differs from it was edited: it is left as
    it is too (with a warning); ``pithtex sty`` replaces it on purpose.
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
    ours = render_sty().encode("utf-8")
    if theirs is not None and compare_versions(theirs, pithtex.__version__) == 0 and _read_or_none(target) != ours:
        # the same release wrote it, so a difference is someone's edit: never replaced silently
        reporter.warning(
            str(target), None, None,
            f"differs from the pith.sty of pithtex {theirs} (edited locally?): left as it is "
            f"('pithtex sty {directory}' replaces it)",
            code="edited-sty",
        )
        return
    extra[target] = ours


def _bibrefs(
    bibs: list[Path], entries: list[BibEntry], report: ResolveReport | None, prune: bool = False,
    *, always: bool = False, unparsed: dict[str, set[str | None]] | None = None,
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
    their line (no badge can show for them): a key in a block that could not be
    parsed this time (a ``}`` missing half way through an edit; ``unparsed``), or
    any key when such a block names none, is not gone.
    """
    from pithtex.write.bibrefs import all_safe_bib_keys, bibrefs_path, is_safe_bib_key, render_bibrefs

    out: dict[Path, bytes] = {}
    get = {r.requested: r for r in report.resolutions}.get if report is not None else {}.get  # as report.get
    safe = all_safe_bib_keys(e.key for e in entries if e.key is not None)
    for path in bibs:
        target = bibrefs_path(path)
        previous = _previous_bibrefs(target)
        pairs = []
        keys: set[str] = set()
        name = str(path)
        for entry in entries:
            key = entry.key
            if key is None or key in keys or entry.file != name:
                continue  # BibTeX and biber use the first entry of a key, and so does the badge
            keys.add(key)
            if not (safe or is_safe_bib_key(key)):
                continue
            arxiv = entry.arxiv
            r = get(arxiv[0]) if len(arxiv) == 1 else None
            if r is not None and r.pith_number is not None and r.status == "verified":  # r.ok
                pairs.append((key, r.pith_number))
            elif key in previous and (arxiv or (entry.pithnumber is not None and not prune)):
                pairs.append((key, previous[key]))  # the last verified line stays
        broken = (unparsed or {}).get(name, set())
        pairs += [(key, number) for key, number in previous.items()
                  if key not in keys and (key in broken or None in broken)]
        if not pairs and not always and not target.exists():
            continue
        out[target] = render_bibrefs(pairs, bib_name=path.name, name=target.name).encode(
            "utf-8", "surrogateescape"  # (a file name that is not UTF-8 keeps its bytes in the header)
        )
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
