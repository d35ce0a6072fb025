"""``pithtex check FILE...``: are the annotations complete and right? Offline.

Run on every commit (pre-commit) and in CI, so it is fast and never touches
the network: it reads pith.lock (and the per-user cache for ids the lock
lacks), re-verifies each entry against the pinned key, and checks that

- every .bib entry citing arXiv has a ``pithnumber`` equal to the verified
  number of the id it cites;
- every ``pithnumber`` and ``\\pithnumber{...}`` matches a verified lock entry
  (the paper's own id when ``--self``/``self_id`` is known);
- no entry's title says its arXiv id is probably wrong;
- the ``.pith`` file beside each .bib (what pith.sty shows as badges) has a
  line for every verified annotation and no line the .bib or pith.lock
  contradicts, and exists when a checked .tex loads pith.

One line per problem, ``file:line: key: what is wrong``; exit 1 on problems,
0 (and silence) when all is well. Lean start-up: no httpx, rich or jinja2.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pithtex.commands.inputs import (
    PAPER_FILES,
    add_allow_title_mismatch_option,
    add_source_files_argument,
    add_trust_key_option,
    paper_inputs,
    split_inputs,
    tex_bib_files,
)
from pithtex.errors import InputError

TYPE_CHECKING = False  # typing itself costs 5 ms of start-up, and check runs on every commit
if TYPE_CHECKING:  # pragma: no cover
    from pithtex.ids.arxiv import ArxivId
    from pithtex.ids.pith_number import PithNumber
    from pithtex.verify.keys import TrustStore
    from pithtex.write.report import Reporter


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Check, offline, that every arXiv reference carries a pithnumber and that every "
        "pithnumber and \\pithnumber matches a verified pith.lock entry. Exit 1 on problems "
        "(file:line: key: ...), including an id that cannot be an arXiv id and an entry that "
        "mentions arXiv but cannot be parsed (see --lenient); 2 on unreadable input."
    )
    add_source_files_argument(parser)
    parser.add_argument("--lock", type=Path, metavar="PATH", help="lock file (default: pith.lock beside the sources)")
    parser.add_argument("--self", dest="self_id", metavar="ARXIV_ID", help="the paper's own arXiv id")
    parser.add_argument("--field", metavar="NAME", help="BibTeX field name (default: config, pithnumber)")
    parser.add_argument(
        "--no-field", action="store_true",
        help="the .bib carries no numbers: check pith.lock and refs.pith instead (config write_field = false)",
    )
    add_allow_title_mismatch_option(parser)
    add_trust_key_option(parser)
    parser.add_argument(
        "--no-cache", action="store_true",
        help="use pith.lock only, not the per-user cache, check stamps or memo of verified lines",
    )
    parser.add_argument(
        "--lenient", action="store_true",
        help="an id that cannot be an arXiv id (a typo) and an entry that mentions arXiv but cannot be "
        "parsed are warnings, not problems (exit 0)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print problems only (no warnings)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


class Verified:
    """arXiv id as cited -> verified Pith Number, from the lock (then the cache), memoised."""

    def __init__(self, lock_path: Path, trust: TrustStore, use_cache: bool) -> None:
        from pithtex.resolve.lockfile import Lockfile

        self.trust = trust
        self.use_cache = use_cache
        self._numbers: dict[ArxivId, tuple[PithNumber | None, str | None, object]] = {}
        self._cache = None
        self.lock = Lockfile.load(lock_path)
        #: Whether a number came from the per-user record cache (then the verdict is not stamped).
        self.used_cache = False
        self._lock_numbers: dict[str, PithNumber] | None = None

    def get(self, arxiv: ArxivId) -> tuple[PithNumber | None, str | None, object]:
        """(number, problem, facts source): the source is the verified LockEntry, or the verified
        record (a VerificationResult) from the per-user cache."""
        if arxiv not in self._numbers:
            self._numbers[arxiv] = self._lookup(arxiv)
        return self._numbers[arxiv]

    def prime(self, ids: list[ArxivId]) -> None:
        """Verify the lock entries of ``ids`` at once (a large lock's in two processes)."""
        entries = {}
        for arxiv in ids:
            entry = self.lock.get(arxiv)
            if entry is not None and arxiv not in self._numbers:
                entries[arxiv] = entry
        # --no-cache trusts nothing remembered: not the record cache, not the memo of verified lines
        memo = "write" if self.use_cache else "off"
        results = self.lock.verify_many(list(entries.values()), self.trust, memo=memo)
        for (arxiv, entry), result in zip(entries.items(), results):
            self._numbers[arxiv] = self._lookup(arxiv, result)

    def _lookup(self, arxiv: ArxivId, result: object = None) -> tuple[PithNumber | None, str | None, object]:
        name = self.lock.path.name
        entry = self.lock.get(arxiv)
        if entry is not None:
            if result is None:
                result = self.lock.verify_entry(entry, self.trust)
            if result.ok:  # type: ignore[attr-defined]
                return entry.pith_number, None, entry
            reasons = "; ".join(result.problems) or result.status  # type: ignore[attr-defined]
            return None, f"{self.lock.where(entry)}: entry {entry.key!r} does not verify: {reasons}", None
        if self.use_cache:
            found = self._from_cache(arxiv)
            if found is not None:
                return found
        return None, f"{arxiv} is not in {name} (run 'pithtex annotate' or 'pithtex resolve')", None

    def _from_cache(self, arxiv: ArxivId) -> tuple[PithNumber | None, str | None, object] | None:
        from pithtex.resolve.cache import Cache
        from pithtex.verify.document import verify_json_bytes

        try:
            if self._cache is None:
                self._cache = Cache()
            data = self._cache.record_for(arxiv)
        except OSError:
            return None
        if data is None:
            return None
        result = verify_json_bytes(data, self.trust, expected=arxiv)
        if not result.ok or result.pith_number is None:
            return None
        self.used_cache = True
        return result.pith_number, None, result

    def latest(self, arxiv: ArxivId) -> tuple[int, PithNumber] | None:
        """A later version than ``arxiv`` cites, when a verified lock entry for the bare id holds one."""
        if arxiv.version is None:
            return None
        entry = self.lock.get(arxiv.without_version())
        if entry is None or entry.source_version <= arxiv.version:
            return None
        if self.get(entry.requested)[0] is None:  # verified once, whoever asks
            return None
        return entry.source_version, entry.pith_number

    def lock_numbers(self) -> dict[str, PithNumber]:
        """suffix -> number of every lock entry that verifies (computed once)."""
        if self._lock_numbers is None:
            out = {}
            for entry in self.lock:
                number, _problem, _ = self.get(entry.requested)
                if number is not None:
                    out[number.suffix] = number
            self._lock_numbers = out
        return self._lock_numbers


def run(args: argparse.Namespace) -> int:
    files = list(args.files)
    unchecked: list[str] = []
    if any(p.suffix.lower() == ".pith" or p.name in PAPER_FILES for p in files):  # from the pre-commit hook
        files, unchecked = paper_inputs(files)
        if not files and not unchecked:
            return 0  # (only a deleted pith.lock or pith.sty: nothing left here to check)
    bibs, texs = split_inputs(files)
    for path in files:
        if not path.exists():
            raise InputError(f"{path}: no such file")
    stamp = None
    if not args.no_cache and not args.json and not unchecked:
        from pithtex.write.checkstamp import CheckStamp

        stamp = CheckStamp(
            [
                f"field={args.field or ''}",
                f"self={args.self_id or ''}",
                f"lock={args.lock or ''}",
                f"lenient={args.lenient}",
                f"no-field={args.no_field}",
                *(f"allow={k}" for k in sorted(args.allow_title_mismatch)),
                *(f"trust={k}" for k in args.trust_key),
            ],
            files,
            texs,
        )
        if stamp.passed_before():  # these exact bytes passed before: nothing to say...
            if os.environ.get("PRE_COMMIT") == "1":  # ...unless the commit leaves out what they need
                from pithtex.commands.committed import untracked_after_stamp

                return untracked_after_stamp(stamp.depends, args)
            return 0

    from pithtex.config import load_config
    from pithtex.commands import options

    config = load_config(files)
    found = tex_bib_files(bibs, texs)  # main.tex brings the .bib files it uses
    bibs = found.bibs
    write_field = config.write_field and not args.no_field
    if not args.quiet:
        for warning in config.warnings:
            print(f"pithtex: warning: {warning}", file=sys.stderr)
    field = args.field or config.field
    self_id = options.self_id(args.self_id, config.self_id)
    lock_path = args.lock.resolve() if args.lock else config.lock
    env_keys = [Path(p) for p in os.environ.get("PITHTEX_TRUST_KEYS", "").split(os.pathsep) if p.strip()]
    key_files = [*config.trust_keys, *args.trust_key, *env_keys]
    from pithtex.verify.keys import trust_store_from
    from pithtex.write.report import Reporter

    trust = trust_store_from([*config.trust_keys, *args.trust_key])
    verified = Verified(lock_path, trust, use_cache=not args.no_cache)
    reporter = Reporter(keep_info=args.json)  # info lines human output never shows are not kept
    found.report(reporter)
    for problem in unchecked:
        file, _, text = problem.partition(": ")
        reporter.problem(file, None, None, text, code="unchecked-badges")

    entries = []
    unparsed = []
    texts: dict[str, str] = {}  # .bib name -> its text, for the generated-file warning
    if bibs:
        from pithtex.scan.bib import scan_bib
        from pithtex.scan.source import read_source

        for path in bibs:
            source = read_source(path)
            texts[source.name] = source.text
            result = scan_bib(source, field_name=field, entries_only=True)
            for problem in result.errors:
                if problem.fatal:
                    raise InputError(str(problem))
                unparsed.append(problem)
            entries.extend(e for e in result.entries if e.key is not None)
    verified.prime([e.arxiv[0] for e in entries if len(e.arxiv) == 1])
    from pithtex.write.report import report_scan_problems

    report_scan_problems(reporter, unparsed, entries, lenient=args.lenient)
    if write_field:
        check_fields(entries, verified, field, reporter)
        from pithtex.commands.inputs import warn_if_generated

        for name in dict.fromkeys(line.file for line in reporter.lines if line.code == "missing-annotation"):
            warn_if_generated(name, texts.get(name, ""), field, reporter)
    else:
        check_without_field(entries, verified, field, reporter)
    _crosscheck(entries, verified, args.allow_title_mismatch, reporter)
    if self_id is not None and texs:
        self_id = options.self_in_lock(self_id, verified.lock)
    loading = [path for path in texs if _check_tex(path, self_id, verified, reporter)]
    if config.bibrefs or not write_field:  # without the field, refs.pith is all the badges have
        check_bibrefs(bibs, entries, verified, loading, reporter, field=write_field)
    from pithtex.write.bibrefs import bibrefs_path

    commit_needs = [lock_path, *config.trust_keys, *found.consulted, *(bibrefs_path(path) for path in bibs)]
    commit_needs += [path.parent / "pith.sty" for path in loading]
    if os.environ.get("PRE_COMMIT") == "1":
        from pithtex.commands.committed import report_untracked

        report_untracked(commit_needs, reporter)

    if args.json:
        import json

        print(json.dumps({"problems": [line.to_json() for line in reporter.lines]}, indent=2))
    else:
        reporter.print(quiet=args.quiet)
    if stamp is not None and reporter.clean and not config.warnings and not verified.used_cache:
        stamp.record_pass([*commit_needs, *key_files])
    return 1 if reporter.problems else 0


def check_without_field(entries: list, verified: Verified, field: str, reporter: Reporter) -> None:
    """write_field = false: the numbers are in pith.lock and refs.pith (pithtex.commands.nofield)."""
    from pithtex.commands.nofield import check_entries

    def lookup(arxiv: ArxivId) -> tuple[PithNumber | None, str | None]:
        number, problem, _ = verified.get(arxiv)
        return number, problem

    check_entries(entries, lookup, field, reporter)


def check_fields(entries: list, verified: Verified, field: str, reporter: Reporter) -> None:
    from pithtex.write.texedit import same_number

    lock_name = verified.lock.path.name
    for entry in entries:
        annotation = entry.pithnumber
        value = annotation.value.strip() if annotation is not None else None
        line = annotation.line if annotation is not None else entry.line
        if len(entry.arxiv) > 1:
            ids = ", ".join(str(a) for a in entry.arxiv)
            reporter.problem(entry.file, entry.line, entry.key, f"names several arXiv papers ({ids})", code="several-papers")
            continue
        if not entry.arxiv:
            if value is not None and not any(same_number(value, n.full) for n in verified.lock_numbers().values()):
                reporter.problem(
                    entry.file, line, entry.key,
                    f"{field} {value} has no arXiv reference and matches no verified {lock_name} entry",
                    code="orphan-annotation",
                )
            continue
        arxiv = entry.arxiv[0]
        number, problem, _ = verified.get(arxiv)
        if number is None:
            reporter.problem(entry.file, entry.line, entry.key, problem or f"{arxiv}: not verified", code="unverified")
        elif value is None:
            reporter.problem(
                entry.file, entry.line, entry.key, f"no {field} for {arxiv} (run 'pithtex annotate')",
                code="missing-annotation",
            )
        elif not same_number(value, number.full):
            reporter.problem(
                entry.file, line, entry.key,
                f"{field} {value} is wrong: {arxiv} is {number.full} in {lock_name} (run 'pithtex annotate')",
                code="wrong-annotation",
            )


def _crosscheck(entries: list, verified: Verified, allowed: list[str], reporter: Reporter) -> None:
    cited = [e for e in entries if e.arxiv]
    if not cited:
        return
    from pithtex.crosscheck import RecordFacts, crosscheck
    from pithtex.resolve.lockfile import LockEntry

    def facts_for(arxiv: ArxivId) -> RecordFacts | None:
        number, _problem, source = verified.get(arxiv)
        if number is None or source is None:
            return None
        try:
            if isinstance(source, LockEntry):
                return RecordFacts.from_lock_entry(source, latest=verified.latest(arxiv))
            record = getattr(source, "canonical_record", None)  # a verified record from the cache
            if record is None:
                return None
            return RecordFacts.from_canonical_record(
                record, number, title=getattr(source, "title", None), latest=verified.latest(arxiv)
            )
        except (KeyError, TypeError, ValueError):
            return None

    for f in crosscheck(cited, facts_for, allow_title_mismatch=allowed, title_info=reporter.keep_info):
        reporter.finding(f)


def _check_sty(name: str, sty: Path, reporter: Reporter) -> None:
    """pith.sty must sit beside a root file that loads it; an older release's copy is worth a warning."""
    import pithtex
    from pithtex.write.sty import compare_versions, installed_version

    if not sty.exists():
        reporter.problem(name, None, None, "uses \\usepackage{pith} but pith.sty is missing beside it (run 'pithtex sty')", code="missing-sty")
        return
    theirs = installed_version(sty)
    if theirs is not None and compare_versions(theirs, pithtex.__version__) == -1:
        reporter.warning(
            str(sty), None, None,
            f"written by pithtex {theirs}; this pithtex is {pithtex.__version__} "
            "(run 'pithtex sty' or 'pithtex annotate' to update it)",
            code="stale-sty",
        )


def check_bibrefs(
    bibs: list[Path], entries: list, verified: Verified, loading: list[Path], reporter: Reporter, *, field: bool
) -> None:
    """Each .bib's refs.pith (what pith.sty shows as badges) must agree with the .bib and pith.lock
    (without the field: with pith.lock alone); with a .tex that loads pith among the inputs, or
    without the field, it must also exist."""
    from pithtex.readfile import Unreadable
    from pithtex.write.bibrefs import bibrefs_path, bibrefs_problems, load_bibrefs
    from pithtex.write.texedit import same_number

    def number_of(entry: object) -> object:
        arxiv = getattr(entry, "arxiv", ())
        return verified.get(arxiv[0])[0] if len(arxiv) == 1 else None

    def known(value: str) -> bool:
        return any(same_number(value, n.full) for n in verified.lock_numbers().values())

    for path in bibs:
        target = bibrefs_path(path)
        try:
            text = load_bibrefs(target)
        except Unreadable as exc:
            if not field:  # refs.pith is then all the badges have: unreadable input, exit 2
                raise InputError(f"{target}: {exc.reason}") from None
            reporter.problem(str(target), None, None, exc.reason, code="unreadable-bibrefs")
            continue
        name = str(path)
        mine = [e for e in entries if e.file == name]
        required = str(loading[0]) if loading else None
        for file, line, key, message, code in bibrefs_problems(
            name, str(target), text, mine, number_of, known,
            field=field, required=required, lock_name=verified.lock.path.name,
        ):
            reporter.problem(file, line, key, message, code=code)


def _check_tex(path: Path, self_id: ArxivId | None, verified: Verified, reporter: Reporter) -> bool:
    """Check a root .tex; returns whether it loads pith."""
    from pithtex.scan.source import read_source
    from pithtex.write.texedit import TexEditError, analyse_preamble, same_number

    source = read_source(path)
    name = source.name
    try:
        preamble = analyse_preamble(source.text)
    except TexEditError:
        return False  # not a root file: nothing to check here
    lock_name = verified.lock.path.name
    loads = preamble.pith_package_end is not None
    if loads:
        _check_sty(name, path.parent / "pith.sty", reporter)
    if len(preamble.pithnumbers) > 1:
        lines = ", ".join(str(c.line) for c in preamble.pithnumbers)
        reporter.problem(name, preamble.pithnumbers[1].line, None, f"\\pithnumber is set more than once (lines {lines})", code="repeated-pithnumber")
    if self_id is not None:
        number, problem, _ = verified.get(self_id)
        if number is None:
            reporter.problem(name, None, None, f"--self {self_id}: {problem}", code="unverified")
            return loads
        if not preamble.pithnumbers:
            reporter.problem(name, None, None, f"no \\pithnumber for {self_id} (run 'pithtex annotate {name} --self {self_id}')", code="missing-pithnumber")
        for command in preamble.pithnumbers:
            if not same_number(command.value, number.suffix):
                reporter.problem(
                    name, command.line, None,
                    f"\\pithnumber{{{command.value}}} is not the Pith Number of {self_id} ({number.full}); "
                    f"'pithtex annotate --fix {name}' corrects it",
                    code="wrong-pithnumber",
                )
        return loads
    known = verified.lock_numbers()
    for command in preamble.pithnumbers:
        if not any(same_number(command.value, n.full) for n in known.values()):
            reporter.problem(
                name, command.line, None,
                f"\\pithnumber{{{command.value}}} matches no verified {lock_name} entry "
                "(give --self ARXIV_ID and run 'pithtex annotate')",
                code="unknown-pithnumber",
            )
    return loads
