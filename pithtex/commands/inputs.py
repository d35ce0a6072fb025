"""A command's inputs: the arguments that name them (declared once here for every command
that takes them), the FILE arguments sorted into .bib and .tex inputs, and the .bib files
each .tex uses (shared by annotate, check, scan and resolve).

Kept apart from ``options.py`` so that ``pithtex check`` imports nothing more
than it needs on every commit.
"""

from __future__ import annotations

from pathlib import Path

from pithtex.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from pithtex.scan.bibfiles import BibFile
    from pithtex.scan.model import ScanResult

__all__ = [
    "TexBibs",
    "add_allow_title_mismatch_option",
    "add_source_files_argument",
    "add_trust_key_option",
    "loads_pith",
    "paper_inputs",
    "scan_paths_with_bibs",
    "split_inputs",
    "tex_bib_files",
]

TEX_SUFFIXES = (".tex", ".ltx")


def add_source_files_argument(parser: object) -> None:
    """FILE...: the .bib and .tex files of annotate and check."""
    parser.add_argument(  # type: ignore[attr-defined]
        "files", nargs="+", type=Path, metavar="FILE",
        help=".bib and .tex files (a .tex brings the .bib files it names: \\bibliography, \\addbibresource)",
    )


def add_trust_key_option(parser: object) -> None:
    """--trust-key FILE (repeatable), read beside $PITHTEX_TRUST_KEYS; ``parser`` may be a group."""
    parser.add_argument(  # type: ignore[attr-defined]
        "--trust-key", action="append", default=[], metavar="FILE", type=Path,
        help="also trust this Ed25519 key file (repeatable; also $PITHTEX_TRUST_KEYS)",
    )


def add_allow_title_mismatch_option(parser: object, verb: str = "accept") -> None:
    """--allow-title-mismatch KEY (repeatable); ``verb`` says what the command then does with KEY."""
    parser.add_argument(  # type: ignore[attr-defined]
        "--allow-title-mismatch", action="append", default=[], metavar="KEY",
        help=f"{verb} KEY although its title does not match the signed title (repeatable)",
    )


def split_inputs(files: list[Path]) -> tuple[list[Path], list[Path]]:
    """(.bib files, .tex files), in the order given; anything else is a usage error."""
    bibs, texs = [], []
    for path in files:
        if path.is_dir():
            raise UsageError(_directory_message(path))
        suffix = path.suffix.lower()
        if suffix == ".bib":
            bibs.append(path)
        elif suffix in TEX_SUFFIXES:
            texs.append(path)
        else:
            raise UsageError(f"{path}: not a .bib or .tex file")
    return bibs, texs


#: What pithtex writes beside a paper and ``check`` checks: named by pre-commit when a commit touches only them.
PAPER_FILES = ("pith.lock", "pith.sty")


def paper_inputs(files: list[Path]) -> tuple[list[Path], list[str]]:
    """``files`` with each pith.lock, pith.sty and ``X.pith`` replaced by the sources that check it: the
    ``X.bib`` beside a ``.pith``; the root .tex files of the folder of a pith.lock or pith.sty (else its
    .bib files). The check hook gets those names when a commit changes only them (a hand-edited
    refs.pith). Also the problems of names that nothing checks (a ``.pith`` with no .bib beside it)."""
    out: list[Path] = []
    problems: list[str] = []
    for path in files:
        if path.suffix.lower() == ".pith":
            bib = path.with_suffix(".bib")
            if bib.is_file():
                out.append(bib)
            elif path.exists():
                problems.append(f"{path}: no {bib.name} beside it, so nothing checks its badges")
        elif path.name in PAPER_FILES:
            if not path.exists():
                continue  # (deleted in this commit: the .tex and .bib files say what is missing)
            folder = path.parent
            texs = [t for t in sorted(folder.glob("*.tex")) if t.is_file() and _root_or_false(t)]
            out.extend(texs or sorted(b for b in folder.glob("*.bib") if b.is_file()))
        else:
            out.append(path)
    return list(dict.fromkeys(out)), problems


def _root_or_false(tex: Path) -> bool:
    from pithtex.errors import InputError

    try:
        return is_root(tex)
    except InputError:
        return False


def _directory_message(path: Path) -> str:
    """``DIR: is a directory``, with the .bib and .tex files in it to name instead."""
    try:
        inside = sorted(p for p in path.iterdir() if p.suffix.lower() in (".bib", *TEX_SUFFIXES) and p.is_file())
    except OSError:
        inside = []
    if not inside:
        return f"{path}: is a directory, not a .bib or .tex file"
    names = " ".join(str(p) for p in inside[:6]) + (" ..." if len(inside) > 6 else "")
    return f"{path}: is a directory; name the .bib and .tex files in it: {names}"


class TexBibs:
    """The .bib files to act on and what was met finding them (see :func:`tex_bib_files`).

    ``missing`` are .bib files a .tex names that are not there (problems);
    ``warnings`` are inputs that could not be followed; ``consulted`` is every
    file whose bytes or absence decided the answer (for the check stamps).
    A plain class: importing dataclasses costs ``pithtex check``'s stamp hit ~35 ms.
    """

    def __init__(self, bibs: list[Path] | None = None) -> None:
        self.bibs: list[Path] = list(bibs or [])
        self.missing: list[BibFile] = []
        self.warnings: list[BibFile] = []
        self.consulted: list[Path] = []

    def report(self, reporter: object) -> None:
        """Tell a :class:`~pithtex.write.report.Reporter`: missing .bib files are problems."""
        for b in self.missing:
            reporter.problem(b.file, b.line, None, f"{b.command}: {b.problem}", code="missing-bib")  # type: ignore[attr-defined]
        for b in self.warnings:
            reporter.warning(b.file, b.line, None, f"{b.command}: {b.problem}", code="missing-input")  # type: ignore[attr-defined]


def tex_bib_files(bibs: list[Path], texs: list[Path], *, skip_unreadable: bool = False) -> TexBibs:
    """``bibs``, then the .bib files each of ``texs`` uses (``\\bibliography``, ``\\addbibresource``...,
    through its inputs: :func:`pithtex.scan.bibfiles.find_bib_files`), each once. A .bib from
    TeX's own tree (``IEEEabrv.bib``) is not the paper's and is left out. Only a root file (one
    with ``\\documentclass``) is followed: BibTeX and biber open names relative to the root's
    directory, so from a chapter (pre-commit passes every staged .tex) the names would be
    looked for in the wrong place. An unreadable .tex
    raises ``InputError``, or is passed over with ``skip_unreadable`` (its reader reports it)."""
    out = TexBibs(bibs)
    if not texs:
        return out
    from pithtex.errors import InputError
    from pithtex.scan.bibfiles import find_bib_files, path_key

    seen = {path_key(p) for p in bibs}
    for tex in texs:
        try:
            if not is_root(tex):
                continue
            found = find_bib_files(tex, consulted=out.consulted)
        except InputError:
            if skip_unreadable:
                continue
            raise
        for b in found:
            if b.kind != "bib":
                out.warnings.append(b)
            elif b.problem is not None:
                out.missing.append(b)
            elif not b.external and path_key(b.path) not in seen:
                seen.add(path_key(b.path))
                out.bibs.append(b.path)
    out.consulted.extend(out.bibs[len(bibs):])
    return out


def scan_paths_with_bibs(paths: list[Path], *, field_name: str = "pithnumber") -> ScanResult:
    """:func:`pithtex.scan.scan_paths` over ``paths`` and the .bib files their .tex files use
    (scan and resolve). A .bib a .tex names that is not there is a warning, as a missing
    ``\\input`` is (which the .tex scan itself reports)."""
    from pithtex.scan import scan_paths
    from pithtex.scan.model import ScanProblem

    paths = [Path(p) for p in paths]
    found = tex_bib_files([], [p for p in paths if p.suffix.lower() in TEX_SUFFIXES], skip_unreadable=True)
    result = scan_paths([*paths, *found.bibs], field_name=field_name)
    for b in found.missing:
        result.errors.append(ScanProblem(b.file, b.line, f"{b.command}: {b.problem}", fatal=False))
    return result


def loads_pith(tex: Path) -> bool | None:
    """Whether the root ``tex`` loads pith (its title and bibliography then show the badges); None
    when its preamble is not one pithtex can read."""
    from pithtex.scan.source import read_source
    from pithtex.write.texedit import TexEditError, analyse_preamble

    try:
        return analyse_preamble(read_source(tex).text).pith_package_end is not None
    except TexEditError:
        return None


def is_root(tex: Path) -> bool:
    """Whether ``tex`` has a (live, not commented-out) ``\\documentclass``."""
    from pithtex.scan.source import read_source
    from pithtex.scan.texclean import blank_non_text

    text = read_source(tex).text
    return "\\documentclass" in text and "\\documentclass" in blank_non_text(text)


def warn_if_generated(name: str, text: str, field: str, reporter: object) -> None:
    """A warning at its line when the .bib ``name`` says a tool writes it (:mod:`pithtex.scan.generated`)."""
    from pithtex.scan.generated import generated_note, generator_line

    found = generator_line(text)
    if found is not None:
        reporter.warning(name, found[0], None, generated_note(found[1], field), code="generated-bib")  # type: ignore[attr-defined]
