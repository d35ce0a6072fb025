"""``pithtex arxiv main.tex [-o DIR|FILE.tar.gz]``: the arXiv upload, exactly the files the build uses.

First the paper is built (``latexmk -pdf -recorder``: latexmk does nothing
when the PDF is up to date; ``--no-build`` uses the ``.fls`` as it is), then
the upload is taken from the files that build read (the ``.fls`` beside
MAIN.tex, or in latexmk's ``$aux_dir`` below it; :mod:`pithtex.submit.plan`
says which files), with an ``00README.json`` naming the compiler
(:mod:`pithtex.submit.readme`). An ``.fls`` older than a file of the upload or
a .bib it comes from is out of date: after its own build, arxiv builds once
more with ``latexmk -g`` (latexmk skips a file saved again unchanged) and
refuses if it still is (that build's ``.fls`` is somewhere it does not look).

Once the upload is planned, ``pithtex check`` runs on MAIN.tex as it would on
a commit: the upload carries the paper's numbers and badges, so a number that
pith.lock does not confirm (a hand-edited ``.pith`` file, a ``\\pithnumber``
of another paper) stops it.

Exit status: 0 the upload was written (and its files listed on stdout),
1 a problem (the build failed, pithtex check found a problem, or a badge or a
file would be missing on arXiv: one line each, nothing written), 2 usage or
unreadable input.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pithtex.errors import InputError, PithtexError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from pithtex.submit.fls import Recorded
    from pithtex.submit.plan import BibUse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Build the arXiv upload of a paper: the files its build reads (from latexmk's -recorder list), "
        "pith.sty, the .pith files, the .bbl and an 00README.json. Refuses when a badge would need a "
        "file that is not in the upload."
    )
    parser.add_argument("main", type=Path, metavar="MAIN.tex", help="the paper's root .tex file")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="DIR|FILE.tar.gz",
        help="a new (or empty) directory, or a .tar.gz / .tgz file (default: MAIN-arxiv.tar.gz beside MAIN.tex)",
    )
    parser.add_argument("--no-build", action="store_true",
                        help="do not run latexmk: use the MAIN.fls the last build left")
    parser.add_argument("--lock", type=Path, metavar="PATH", help="lock file (default: pith.lock beside the sources)")
    parser.add_argument("--field", metavar="NAME", help="BibTeX field name (default: config, pithnumber)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing when all is well")


def run(args: argparse.Namespace) -> int:
    from pithtex.config import load_config
    from pithtex.submit.plan import TexTrees, plan_upload

    main: Path = args.main
    if main.suffix.lower() not in (".tex", ".ltx"):
        raise UsageError(f"{main}: not a .tex file")
    _regular(main)  # a FIFO is refused before latexmk would wait on it
    output = args.output if args.output is not None else main.parent / f"{main.stem}-arxiv.tar.gz"
    tarball = output.name.endswith((".tar.gz", ".tgz"))
    if not tarball and output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise UsageError(f"{output}: exists and is not an empty directory")
    config = load_config([main])
    field = args.field or config.field
    lock_path = args.lock.resolve() if args.lock else config.lock

    def plan():  # type: ignore[no-untyped-def]
        fls, recorded = _last_build(main)
        uses = _bib_uses(main)
        upload = plan_upload(
            main, recorded, uses, badges_in=_badge_counter(lock_path, field), lock=lock_path,
            trees=TexTrees.from_kpsewhich(), build_dir=fls.parent,
        )
        return fls, uses, upload, _changed_since(fls, main, upload.files, uses)

    if not args.no_build:
        _build(main)
    fls, uses, upload, newer = plan()
    if newer and not args.no_build:
        # latexmk compares contents, not times: a file saved again unchanged (a git checkout) leaves the .fls
        # as it was; a forced build rewrites it, or shows that the .fls found is not the build's
        _build(main, force=True)
        fls, uses, upload, newer = plan()
    if newer:  # what changed since may cite or read what the upload lacks (its .bbl, a figure)
        where = fls.relative_to(main.parent) if fls.is_relative_to(main.parent) else fls
        upload.problems.append(
            f"{where}: older than {', '.join(newer)}: the last build is out of date "
            "(build again with 'latexmk -g', or leave out --no-build)" if args.no_build else
            f"{where}: older than {', '.join(newer)} even after 'latexmk -g': that build wrote its .fls "
            "where pithtex does not look (an $aux_dir more than two folders below the paper?), or a file's "
            "time is in the future"
        )
    for warning in upload.warnings:
        if not args.quiet:
            print(f"pithtex: warning: {warning}", file=sys.stderr)
    if upload.problems:
        for problem in upload.problems:
            print(problem, file=sys.stderr)
        print("pithtex: no upload was written: it would miss what the PDF built here uses", file=sys.stderr)
        return 1
    also, unchecked = _badge_sources(main, upload.files, uses)
    if unchecked:
        for problem in unchecked:
            print(problem, file=sys.stderr)
        print("pithtex: no upload was written: it would carry badges nothing has checked", file=sys.stderr)
        return 1
    checked = _check(main, args, also)
    if checked != 0:
        print(f"pithtex: no upload was written: it would carry numbers or badges that 'pithtex check "
              f"{main.name}' does not confirm (see above)", file=sys.stderr)
        return checked

    from pithtex.submit.readme import README_NAME, render_readme

    members = {name: _read(path) for name, path in sorted(upload.files.items())}
    members[README_NAME] = render_readme(upload.main, upload.compiler, [n for n in members if n.endswith(".pith")])
    if tarball:
        from pithtex.submit.tarball import build_tar_gz
        from pithtex.write.atomic import atomic_write_bytes

        atomic_write_bytes(output, build_tar_gz(members))
    else:
        _write_directory(output, members)
    if not args.quiet:
        for name in sorted(members):
            print(name)
        n = len(members)
        print(f"pithtex: {output}: {n} file{'s' if n != 1 else ''} for arXiv (compiler {upload.compiler})",
              file=sys.stderr)
    return 0


#: one file of the upload (arXiv takes 50 MB in all): the cap only keeps a wrong file from filling memory
MAX_MEMBER_BYTES = 256 * 1024 * 1024


def _read(path: Path) -> bytes:
    from pithtex.readfile import read_input

    try:
        return read_input(path, MAX_MEMBER_BYTES)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (build again)") from None


def _regular(path: Path, hint: str | None = None) -> None:
    """``path`` is a regular file: else ``InputError`` at once (a FIFO is never waited on)."""
    from pithtex.readfile import Unreadable, open_regular

    try:
        open_regular(path).close()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", hint=hint) from None
    except Unreadable as exc:
        raise InputError(f"{path}: {exc.reason}") from None


def _check(main: Path, args: argparse.Namespace, also: list[Path]) -> int:
    """``pithtex check --quiet MAIN.tex [ALSO.bib...]`` (offline; its .bib files, their .pith files and the
    paper's own number) with this run's ``--lock`` and ``--field``: its exit status, its problems on stderr."""
    from pithtex.cli import main as pithtex

    argv = ["check", "--quiet", str(main), *map(str, also)]
    if args.lock is not None:
        argv += ["--lock", str(args.lock)]
    if args.field is not None:
        argv += ["--field", args.field]
    return pithtex(argv)


def _badge_sources(main: Path, files: dict[str, Path], uses: list[BibUse]) -> tuple[list[Path], list[str]]:
    """The .bib files beside the upload's ``.pith`` files that MAIN.tex does not name (a pasted .bbl
    read with ``\\pithreadrefs{refs}``, a ``\\bibliography`` named by a macro): ``check`` is given them
    too. And a problem for each ``.pith`` with no .bib beside it: nothing can check its badges."""
    from pithtex.scan.bibfiles import path_key
    from pithtex.write.bibrefs import bibrefs_path

    named = {path_key(bibrefs_path(use.path)) for use in uses}
    also, unchecked = [], []
    for name, path in sorted(files.items()):
        if not name.endswith(".pith") or path_key(path) in named:
            continue
        bib = path.with_suffix(".bib")
        if bib.is_file():
            try:  # named as MAIN.tex is, for check's messages
                also.append(main.parent / path_key(bib).relative_to(path_key(main.parent)))
            except ValueError:
                also.append(bib)
        else:
            unchecked.append(f"{name}: in the upload, but there is no {bib.name} beside it, so nothing has "
                             "checked its badges")
    return also, unchecked


def _changed_since(fls: Path, main: Path, files: dict[str, Path], uses: list[BibUse]) -> list[str]:
    """The names of what changed after ``fls`` was written: the upload's files, and the .bib files its .bbl
    comes from, as MAIN.tex's folder names them. (pith.lock and the config file need no time: a badge they
    no longer confirm is check's problem.)"""
    built = fls.stat().st_mtime_ns
    root = Path(os.path.normpath(main.absolute().parent))
    named = dict(files)
    for path in (use.path for use in uses):
        absolute = Path(os.path.normpath(path.absolute()))
        named.setdefault(absolute.relative_to(root).as_posix() if absolute.is_relative_to(root) else str(path), path)
    newer = []
    for name, path in named.items():
        try:
            if path.stat().st_mtime_ns > built:
                newer.append(name)
        except OSError:  # a vanished file is refused when the upload reads it
            pass
    return sorted(newer)


def _last_build(main: Path) -> tuple[Path, Recorded]:
    """The recorder file of ``main``'s last build, read: ``MAIN.fls`` beside it, or where latexmk
    has an ``$out_dir`` or ``$aux_dir`` in the paper's directory, the one in a folder below it (two
    deep at most, not hidden); of several that record a run on ``main``, the newest."""
    from pithtex.submit.fls import read_fls

    name, root = main.with_suffix(".fls").name, main.parent
    candidates = []
    for folder, subfolders, files in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        subfolders[:] = [d for d in subfolders if not d.startswith(".")] if depth < 2 else []
        if name in files:
            candidates.append(Path(folder) / name)
    # as named, and as TeX names it: the fls has the real folder (a paper reached through a symlink)
    sources = {Path(os.path.normpath(main.absolute())), main.resolve()}
    builds = []
    for fls in candidates:
        recorded = read_fls(fls)  # (a FIFO or device is refused there, before reading)
        if not sources.isdisjoint(recorded.inputs):
            builds.append((fls.stat().st_mtime_ns, fls, recorded))
    if not builds:
        raise InputError(
            f"{main.with_suffix('.fls')}: no such file (nor one in a folder below that records a build of {main.name})",
            hint="build with 'latexmk -pdf -recorder' (an $out_dir or $aux_dir inside the paper's directory), "
                 "or leave out --no-build",
        )
    _, fls, recorded = max(builds, key=lambda b: b[0])
    return fls, recorded


_ERROR_LINE = re.compile(r"^(?:\S+:\d+: |! )")


def _build(main: Path, *, force: bool = False) -> None:
    """``latexmk -pdf -recorder`` (``-g`` with ``force``) in the paper's directory; a failed build is one
    problem (exit 1)."""
    program = shutil.which("latexmk")
    if program is None:
        raise InputError("latexmk is not installed", hint="build with '-recorder' yourself and pass --no-build")
    cmd = [program, "-pdf", "-recorder", *(["-g"] if force else []), "-interaction=nonstopmode", "-halt-on-error",
           "-file-line-error", main.name]
    try:
        proc = subprocess.run(cmd, cwd=main.parent, stdin=subprocess.DEVNULL, capture_output=True, timeout=3600)
    except (OSError, subprocess.SubprocessError) as exc:
        raise PithtexError(f"{main}: cannot run latexmk: {exc}") from None
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).decode("utf-8", "replace").splitlines()
        errors = [line for line in output if _ERROR_LINE.match(line)]
        for line in (errors or output[-15:])[:20]:
            print(line, file=sys.stderr)
        raise PithtexError(f"{main}: the build failed (latexmk exited {proc.returncode}); no upload was written")


def _bib_uses(main: Path) -> list[BibUse]:
    """The paper's own .bib files (:func:`pithtex.scan.bibfiles.find_bib_files`: ``\\bibliography``,
    ``\\addbibresource``, through ``\\input``), each with the ``file:line`` that names it."""
    from pithtex.scan.bibfiles import find_bib_files
    from pithtex.submit.plan import BibUse

    return [
        BibUse(bib.path, bib.where, bib.command, bibtex=bib.command.startswith(("\\bibliography", "\\nobibliography")))
        for bib in find_bib_files(main)
        if bib.usable
    ]


def _badge_counter(lock_path: Path, field: str):  # type: ignore[no-untyped-def]
    """``count(bib)``: the entries of a .bib that would carry a badge (a pithnumber field, or an
    arXiv id pith.lock holds)."""
    import functools

    from pithtex.resolve.lockfile import Lockfile
    from pithtex.scan.bib import scan_bib
    from pithtex.scan.source import read_source
    from pithtex.write.bibrefs import is_safe_bib_key

    load = functools.cache(lambda: Lockfile.load(lock_path))  # only once a .bib needs it

    def count(bib: Path) -> int:
        lock = load()
        n = 0
        for entry in scan_bib(read_source(bib), field_name=field).entries:
            if entry.key is None or not is_safe_bib_key(entry.key):
                continue
            if entry.pithnumber is not None or (len(entry.arxiv) == 1 and lock.get(entry.arxiv[0]) is not None):
                n += 1
        return n

    return count


def _write_directory(output: Path, members: dict[str, bytes]) -> None:
    """Fill a new directory beside ``output``, then rename it into place (all or nothing)."""
    import tempfile

    parent = output.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=parent))
    except OSError as exc:
        raise PithtexError(f"{output}: cannot write: {exc.strerror or exc}") from None
    try:
        for name, data in members.items():
            target = temp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            os.chmod(target, 0o644)
        os.chmod(temp, 0o755)
        os.replace(temp, output)  # onto an empty directory, or a new name
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise PithtexError(f"{output}: cannot write: {exc.strerror or exc}; nothing was written") from None
