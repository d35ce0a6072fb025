"""``pithtex init [DIR]``: set a paper repository up, idempotently and losslessly.

What it writes in DIR (default: the current directory) for the main .tex
(``--main``, else the one .tex with ``\\documentclass``, ``main.tex`` first) is
the table in README.md ("Setting a paper up"); the text edits are
:mod:`pithtex.write.tomlconfig`'s and :mod:`pithtex.write.precommit`'s. A first
resolve that cannot reach the registry is a warning (``pithtex resolve
main.tex`` finishes the job later); a security error (the registry
contradicting pith.lock) is exit 1, as in ``pithtex resolve``. A file that
already holds what init would write is not touched. One line per file says
what happened.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pithtex.errors import InputError, PithtexError, UsageError

__all__ = ["configure", "run"]

DEFAULT_HOOK_REPO = "https://github.com/pith-science/pithtex"
HOOK_ID = "pithtex-check"
LATEXMKRC_NAMES = ("latexmkrc", ".latexmkrc")


def configure(parser: argparse.ArgumentParser) -> None:
    import pithtex

    parser.add_argument(
        "directory", nargs="?", type=Path, default=Path("."), metavar="DIR",
        help="the paper's directory (default: the current directory)",
    )
    parser.add_argument("--main", type=Path, metavar="FILE", help="the main .tex (default: the one with \\documentclass)")
    parser.add_argument(
        "--no-field", action="store_true", help="the .bib is generated (Zotero): configure write_field = false"
    )
    parser.add_argument("--hook-repo", default=DEFAULT_HOOK_REPO, metavar="URL", help="the pre-commit hook's repository")
    parser.add_argument("--hook-rev", default=f"v{pithtex.__version__}", metavar="REV", help="the hook's revision")
    parser.add_argument("--registry", metavar="URL|DIR", help="registry for the first resolve")
    parser.add_argument("--offline", action="store_true", help="no network: the first resolve uses pith.lock and the cache")
    parser.add_argument(
        "--trust-key", action="append", default=[], metavar="FILE", type=Path,
        help="also trust this Ed25519 key file (repeatable)",
    )


def _say(path: Path, what: str) -> None:
    print(f"{path}: {what}")


def _write(path: Path, text: str, what: str) -> None:
    from pithtex.write.atomic import write_if_changed

    write_if_changed(path, text.encode("utf-8"))
    _say(path, what)


#: a configuration file init edits as text (pyproject.toml, .pre-commit-config.yaml, latexmkrc)
MAX_CONFIG_BYTES = 16 * 1024 * 1024


def _read(path: Path) -> str | None:
    """The text of ``path``, None when it is missing; a FIFO is refused at once (exit 2)."""
    from pithtex.readfile import read_input

    try:
        return read_input(path, MAX_CONFIG_BYTES).decode("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; left alone") from None


def find_main(directory: Path) -> Path:
    """The directory's root .tex: ``main.tex`` if it is one, else the only one."""
    from pithtex.commands.inputs import is_root

    roots = []
    for path in sorted(directory.glob("*.tex")):
        try:
            if is_root(path):  # bounded; a FIFO is passed over at once, never waited on
                roots.append(path)
        except InputError:
            continue
    if not roots:
        raise UsageError(f"{directory}: no .tex file with \\documentclass here", hint="give --main FILE")
    for path in roots:
        if path.name == "main.tex":
            return path
    if len(roots) > 1:
        names = ", ".join(p.name for p in roots)
        raise UsageError(f"{directory}: several root .tex files ({names})", hint="give --main FILE")
    return roots[0]


def _config(directory: Path, write_field: bool, lock: str = "pith.lock") -> None:
    from pithtex.write.tomlconfig import add_tool_table, settings_lines

    lines = settings_lines(write_field=write_field, lock=lock)
    own = directory / "pithtex.toml"
    pyproject = directory / "pyproject.toml"
    if own.exists() or _has_tool_table(pyproject):
        kept = own if own.exists() else pyproject
        _say(kept, "up to date (kept as it is)")
        if not write_field:
            from pithtex.config import load_config

            if load_config([kept]).write_field:
                print(f"pithtex: note: {kept}: add 'write_field = false' to it (init does not edit settings)",
                      file=sys.stderr)
        return
    text = _read(pyproject)
    if text is None:
        _write(own, "\n".join(lines) + "\n", "create")
        return
    edit = add_tool_table(text, lines)
    if edit.text is None and edit.what == "up to date":
        _say(pyproject, "up to date ([tool.pithtex] kept as it is)")
    elif edit.text is None:
        print(f"pithtex: warning: {pyproject}: left alone: {edit.what}; add this table yourself:", file=sys.stderr)
        print("\n".join(["[tool.pithtex]", *lines]), file=sys.stderr)
    else:
        _write(pyproject, edit.text, edit.what)


def _precommit(directory: Path, repo: str, rev: str) -> None:
    from pithtex.write.precommit import hook_block, merge_hook

    path = directory / ".pre-commit-config.yaml"
    merged = merge_hook(_read(path), repo, rev, HOOK_ID)
    if merged.text is not None:
        _write(path, merged.text, f"{merged.what} the {HOOK_ID} hook" if merged.what != "create" else "create")
    elif merged.what == "up to date":
        _say(path, "up to date")
    else:
        print(f"pithtex: warning: {path}: left alone: {merged.what}; add this entry to its repos list:", file=sys.stderr)
        print(hook_block(repo, rev, HOOK_ID), end="", file=sys.stderr)


#: Before each build (not a clean-up: ``latexmk -c`` compiles nothing, so a paper pithtex cannot annotate
#: can still be cleaned), annotate offline; a failure stops the build. A coauthor without pithtex
#: installed builds with the committed pith.sty and refs.pith, warned, instead of not at all.
LATEXMK_ANNOTATE = (
    "unless (grep { /^--?(c|C|CA)$/ } @ARGV) {"
    " require File::Glob;"  # bsd_glob: a name with a space stays one name (glob splits it)
    " my $status = system('pithtex', 'annotate', '--offline', '--quiet',"
    " map { File::Glob::bsd_glob($_) } @default_files);"
    " if ($status == -1) { warn \"latexmkrc: pithtex is not installed (pip install pithtex):"
    " building without checking the Pith Numbers\\n\" }"
    " elsif ($status != 0) { die \"latexmkrc: 'pithtex annotate' failed (see the message above)\\n\" } }"
)


def latexmk_lines(main: str) -> list[str]:
    """The two lines a latexmkrc needs: the main file, and annotate before each build."""
    quoted = "'" + main.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return [f"@default_files = ({quoted});", LATEXMK_ANNOTATE]


def _latexmkrc(directory: Path, main: str) -> None:
    for name in LATEXMKRC_NAMES:
        path = directory / name
        text = _read(path)
        if text is None:
            continue
        if "pithtex" in text:
            _say(path, "up to date (it runs pithtex already)")
        else:
            print(f"{path}: left alone; add these two lines to it:")
            for line in latexmk_lines(main):
                print(f"    {line}")
        return
    body = [
        "# latexmkrc written by `pithtex init`: before each build, pithtex follows the main file",
        "# to its .bib files and adds or corrects their Pith Numbers, offline, from pith.lock.",
        "$pdf_mode = 1;",
        *latexmk_lines(main),
    ]
    _write(directory / "latexmkrc", "\n".join(body) + "\n", "create")


def _sty(directory: Path) -> None:
    import pithtex
    from pithtex.write.sty import STY_NAME, compare_versions, installed_version, write_sty

    target = directory / STY_NAME
    theirs = installed_version(target)
    if theirs is not None and compare_versions(theirs, pithtex.__version__) == 1:
        _say(target, f"kept (written by pithtex {theirs}, newer than this {pithtex.__version__})")
        return
    if theirs is not None and compare_versions(theirs, pithtex.__version__) == 0:
        from pithtex.write.sty import render_sty

        try:
            edited = target.read_bytes() != render_sty().encode("utf-8")
        except OSError:
            edited = False
        if edited:  # the same release wrote it, so a difference is someone's edit (annotate keeps it too)
            _say(target, f"kept (differs from the pith.sty of pithtex {theirs}, edited locally?; "
                         f"'pithtex sty {directory}' replaces it)")
            return
    existed = target.exists()
    written = write_sty(directory)
    _say(target, ("update" if existed else "create") if written else "up to date")


def _shown(path: Path) -> Path:
    """``path`` relative to the current directory when it is below it (for messages)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _first_resolve(main: Path, args: argparse.Namespace) -> int:
    from pithtex.commands.inputs import scan_paths_with_bibs
    from pithtex.commands.options import load_settings
    from pithtex.resolve.resolver import resolve_ids

    # the resolution flags init has; load_settings reads the others' absence as their defaults
    ns = argparse.Namespace(registry=args.registry, offline=args.offline, trust_key=args.trust_key, quiet=True)
    loaded = load_settings(ns, [main])
    scan = scan_paths_with_bibs([main], field_name=loaded.config.field)
    for problem in scan.errors:
        print(f"pithtex: warning: {problem}", file=sys.stderr)
    ids = list(dict.fromkeys(f.arxiv for f in scan.findings))
    own = loaded.config.self_id
    if own is not None:
        from pithtex.commands.options import self_in_lock
        from pithtex.resolve.lockfile import Lockfile

        own = self_in_lock(own, Lockfile.load(loaded.settings.lock_path))  # '2602.19327' names the lock's v3
        if own not in ids:
            ids.append(own)
    lock = _shown(loaded.settings.lock_path)
    if not ids:
        _say(main, "cites no arXiv paper yet: nothing to resolve")
        return 0
    done, unreachable = 0, None
    try:
        report = resolve_ids(ids, loaded.settings)
    except OSError as exc:  # pragma: no cover - the resolver reports network failures itself
        reason = str(exc)
    else:
        if report.security:
            for r in report.resolutions:
                if r.status == "rejected":
                    print(f"pithtex: {r.line()}", file=sys.stderr)
            return 1
        failed = [r for r in report.resolutions if not r.ok]
        if not failed:
            _say(lock, f"{len(report.resolutions)} arXiv id(s) resolved and verified")
            return 0
        done, reason = len(report.resolutions) - len(failed), failed[0].line()
        unreachable = report.unreachable
    print(
        f"pithtex: warning: {lock}: the first resolve did not finish ({done} of {len(ids)} verified; {reason}); "
        f"everything else is set up: run 'pithtex resolve {main}' when the registry can be reached",
        file=sys.stderr,
    )
    if unreachable:  # the why and what to do next ('see the message below')
        print(f"pithtex: {unreachable}", file=sys.stderr)
    return 0


def _generated_bib(main: Path) -> bool:
    """Whether a .bib ``main`` uses says a tool writes it (:mod:`pithtex.scan.generated`): then
    init configures write_field = false, and says so."""
    from pithtex.commands.inputs import tex_bib_files
    from pithtex.scan.generated import generator_line
    from pithtex.scan.source import read_source

    try:
        bibs = tex_bib_files([], [main], skip_unreadable=True).bibs
    except PithtexError:
        return False
    for bib in bibs:
        try:
            found = generator_line(read_source(bib).text)
        except PithtexError:
            continue
        if found is not None:
            print(f"pithtex: note: {bib}:{found[0]}: a tool writes this file ({found[1][:80]!r}): "
                  "configuring write_field = false, so that its next export loses nothing (the numbers "
                  "go to pith.lock and refs.pith)", file=sys.stderr)
            return True
    return False


def _refuse_before_writing(directory: Path, main: Path) -> None:
    """What init would otherwise meet only after writing other files (an invalid pithtex.toml it
    called 'up to date', a merge-conflicted pith.lock, a read-only .pre-commit-config.yaml): refused
    first, so that a failed init leaves the folder as it was."""
    from pithtex.config import load_config
    from pithtex.resolve.lockfile import Lockfile
    from pithtex.write.atomic import check_writable
    from pithtex.write.precommit import has_hook
    from pithtex.write.sty import STY_NAME, render_sty

    Lockfile.load(load_config([main]).lock)  # the configuration and the lock, read as every command will
    kept = {  # what init leaves as it is, writable or not
        "pithtex.toml": (directory / "pithtex.toml").exists(),
        "pyproject.toml": _has_tool_table(directory / "pyproject.toml"),
        ".pre-commit-config.yaml": has_hook(_read(directory / ".pre-commit-config.yaml") or "", HOOK_ID),
        "latexmkrc": any("pithtex" in (_read(directory / name) or "") for name in LATEXMKRC_NAMES),
    }
    for name, leaves in kept.items():
        if not leaves:
            check_writable(directory / name)
    sty = main.parent / STY_NAME
    if _read(sty) != render_sty():
        check_writable(sty)


def _has_tool_table(pyproject: Path) -> bool:
    """Whether pyproject.toml has a [tool.pithtex] table (parsed: a comment that names it is not one)."""
    from pithtex.config import _load_toml, _table_of

    return pyproject.is_file() and _table_of(pyproject, _load_toml(pyproject)) is not None


def run(args: argparse.Namespace) -> int:
    directory: Path = args.directory
    if not directory.is_dir():
        raise UsageError(f"{directory}: {'not a directory' if directory.exists() else 'no such directory'}")
    main = args.main if args.main is not None else find_main(directory)
    if args.main is not None:
        main = main if main.is_absolute() or main.exists() else directory / main
        if not main.exists():
            raise InputError(f"{args.main}: no such file")
    try:
        rel = main.resolve().relative_to(directory.resolve()).as_posix()
    except ValueError:
        raise UsageError(f"{main}: not inside {directory}") from None

    from pithtex.commands.inputs import loads_pith

    # main.tex read (a FIFO refused) before anything is written; None: not a preamble pithtex can read, say nothing
    uses_pith = loads_pith(main) is not False
    for name in ("pyproject.toml", ".pre-commit-config.yaml", *LATEXMKRC_NAMES):
        _read(directory / name)  # and so is each file init edits
    _refuse_before_writing(directory, main)
    # the lock beside the main file, as every command finds it without a configuration (a main file in
    # sub/ had its sub/pith.lock hidden by 'lock = "pith.lock"', and check failed every reference)
    lock = Path(os.path.relpath(main.resolve().parent, directory.resolve())) / "pith.lock"
    _config(directory, write_field=not args.no_field and not _generated_bib(main), lock=lock.as_posix())
    _precommit(directory, args.hook_repo, args.hook_rev)
    _latexmkrc(directory, rel)
    _sty(main.parent)
    if not uses_pith:
        print(f"pithtex: note: {main}: add \\usepackage{{pith}} to its preamble for the badges "
              "(or run 'pithtex annotate --self ARXIV_ID' once the paper has an id)", file=sys.stderr)
    return _first_resolve(main, args)
