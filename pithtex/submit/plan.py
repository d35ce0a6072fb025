"""Which files go into a paper's arXiv upload, and what a badge would miss there.

The upload holds exactly the files of the paper's directory that the build
read (:class:`~pithtex.submit.fls.Recorded`), without what the build wrote
itself (``.aux``, ``.out``, ``.toc``) and without build logs: the ``.tex``
files, figures, ``pith.sty``, each ``.pith`` file pith.sty read, and the
``.bbl`` named after the main file (BibTeX's output, read by LaTeX, so it is
in the list). Never the ``.bib`` (the ``.bbl`` replaces it), ``pith.lock``,
caches, hidden files (``.git``) or files the build did not read.

A problem is something that would make the PDF arXiv builds differ from the
one built here: a file from outside the paper's directory (TEXMFHOME,
``../macros.tex``), ``pith.sty`` not in the upload, a bibliography without
its ``.bbl``, a bibliography with Pith Numbers but no ``.pith`` file beside
it (its badges would not print), a file name arXiv renames, an ``\\include``
of a file in a subfolder (its ``.aux`` cannot be written there on arXiv).
Each is one line, ``file:line: ...`` where the line is known.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pithtex.errors import InputError
from pithtex.submit.fls import Recorded

__all__ = ["AUX_SUFFIXES", "ARXIV_COMPILERS", "BibUse", "TexTrees", "Upload", "plan_upload"]

#: What a build writes for itself or for the author, never needed to build again on arXiv.
AUX_SUFFIXES = frozenset({
    ".aux", ".log", ".out", ".toc", ".lof", ".lot", ".fls", ".fdb_latexmk", ".blg", ".bcf", ".run.xml",
    ".synctex.gz", ".synctex", ".nav", ".snm", ".vrb", ".xdv", ".dvi", ".brf", ".idx", ".ilg", ".glg",
})
#: The compilers arXiv's 00README names for LaTeX (pdfLaTeX, or LaTeX + dvips).
ARXIV_COMPILERS = ("pdflatex", "latex")

#: The biblatex ``.bbl`` format each TeX Live arXiv offers reads (its default first): a ``.bbl``
#: of another format prints no bibliography there ("wrong format version"). arXiv's help
#: (faq/mistakes.md, ".bbl version mismatch") gives TeX Live 2023's as 3.2; biblatex 3.20 and
#: later, TeX Live 2024 and 2025's, write 3.3. Known, not asked: a warning, never a refusal.
ARXIV_BBL_FORMATS = (("TeX Live 2025", "3.3"), ("TeX Live 2023", "3.2"))
#: What arXiv renames in an uploaded file's name (to ``_``): help/faq/mistakes.md, "Spaces and
#: other inappropriate characters in filenames".
_RENAMED_ON_ARXIV = re.compile(r"[\s&:\\]")
_BBL_FORMAT = re.compile(r"^% \$ biblatex bbl format version (\S+) \$", re.MULTILINE)
_USEPACKAGE_PITH = re.compile(r"\\(?:usepackage|RequirePackage)\s*(?:\[[^\]]*\]\s*)?\{[^}]*\bpith\b[^}]*\}")


@dataclass(frozen=True)
class BibUse:
    """A .bib the paper's bibliography uses, and where it is named (for messages)."""

    path: Path
    where: str  # "main.tex:31" or "main.tex"
    command: str  # "\\bibliography{refs}"
    bibtex: bool  # BibTeX (\\bibliography): badges come from the .pith file alone


@dataclass(frozen=True)
class TexTrees:
    """The TeX trees this TeX Live reads: the personal one (not on arXiv) and the rest."""

    home: tuple[Path, ...]
    system: tuple[Path, ...]

    @classmethod
    def from_kpsewhich(cls) -> TexTrees:
        """Ask kpsewhich (TEXMFHOME, TEXMF, TEXMFCNF); no trees when it is not installed."""
        program = shutil.which("kpsewhich")
        if program is None:
            return cls((), ())

        def value(name: str) -> str:
            try:
                proc = subprocess.run([program, f"-var-value={name}"], capture_output=True, text=True, timeout=30,
                                      stdin=subprocess.DEVNULL)
            except (OSError, subprocess.SubprocessError):
                return ""
            return proc.stdout.strip()

        def paths(text: str, seps: str) -> list[Path]:
            parts = re.split(f"[{re.escape(seps)}]", text.replace("{", ",").replace("}", ","))
            return [Path(os.path.normpath(p.lstrip("!"))) for p in parts if p.strip("!").strip()]

        home = paths(value("TEXMFHOME"), ",:")
        system = [p for p in paths(value("TEXMF"), ",") + paths(value("TEXMFCNF"), ":;") if p not in home]
        return cls(tuple(home), tuple(system))


@dataclass
class Upload:
    """The files of the upload (name in the upload -> file on disk) and what is wrong."""

    root: Path
    main: str
    compiler: str
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _under(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


def _line_of(text: str, pattern: re.Pattern[str]) -> int | None:
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _text(path: Path) -> str | None:
    """The text of ``path``, None when it is missing (a FIFO is refused at once)."""
    from pithtex.readfile import read_input
    from pithtex.scan.source import MAX_SOURCE_BYTES

    try:
        return read_input(path, MAX_SOURCE_BYTES).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None


def plan_upload(
    main: Path,
    recorded: Recorded,
    bibs: Sequence[BibUse],
    *,
    badges_in: Callable[[Path], int],
    lock: Path | None,
    trees: TexTrees,
    build_dir: Path | None = None,
) -> Upload:
    """The upload of ``main`` built as ``recorded`` says. ``bibs`` are the .bib files its
    bibliography uses; ``badges_in(bib)`` counts the entries of a .bib that would get a
    badge (a Pith Number in pith.lock or a pithnumber field). ``build_dir`` is where the build
    wrote (latexmk's ``$aux_dir``; the .fls is there): TeX found a file it read there (the
    ``.bbl``) before looking beside ``main``, and on arXiv, which builds in one folder, the file
    must be beside ``main``."""
    root = main.parent.resolve()
    build = build_dir.resolve() if build_dir is not None and build_dir.resolve() != root else None

    def base(path: Path) -> Path:  # the folder a file's name in the upload is relative to
        return build if build is not None and path.is_relative_to(build) else root
    name = main.name
    upload = Upload(root, name, recorded.engine or "pdflatex")
    from pithtex.scan.texclean import blank_non_text

    raw = _text(main)
    if raw is None:
        raise InputError(f"{main}: no such file")
    pith_line = _line_of(blank_non_text(raw), _USEPACKAGE_PITH)  # same offsets, no comments
    pith_at = f"{name}:{pith_line}" if pith_line else name
    lock_real = lock.resolve() if lock is not None else None
    seen_sty: list[Path] = []

    for path in recorded.read_only():
        if path.suffix == ".fmt" or path.name == "texmf.cnf" or _under(path, (Path("/dev"), Path("/proc"))):
            continue
        if path.name == "pith.sty":
            seen_sty.append(path)
        if not path.is_relative_to(root):
            if path.name == "pith.sty":
                continue  # said below, once
            if _under(path, trees.home):
                upload.problems.append(
                    f"{name}: the build reads {path} from your TEXMFHOME, which arXiv does not have "
                    f"(copy it beside {name})"
                )
            elif not _under(path, trees.system):
                upload.problems.append(
                    f"{name}: the build reads {path}, outside the paper's directory {root}; "
                    "arXiv will not have it (copy it into the paper's directory)"
                )
            continue
        rel = path.relative_to(base(path))
        arcname = rel.as_posix()
        if any(part.startswith(".") for part in rel.parts):
            upload.warnings.append(f"{arcname}: a hidden file the build read; left out of the upload")
            continue
        if lock_real is not None and path.resolve() == lock_real:
            upload.warnings.append(f"{arcname}: the lock file is never uploaded")
            continue
        if "".join(rel.suffixes[-2:]) in AUX_SUFFIXES or rel.suffix in AUX_SUFFIXES:
            continue
        if not path.is_file():
            upload.problems.append(f"{arcname}: the build read it, but it is no longer there (build again)")
            continue
        if upload.files.setdefault(arcname, path) != path:
            upload.problems.append(
                f"{arcname}: the build read both {upload.files[arcname]} and {path}, and arXiv has one folder "
                "(delete the one the build should not read, and build again)"
            )
        elif _RENAMED_ON_ARXIV.search(arcname):
            upload.problems.append(
                f"{arcname}: arXiv turns spaces, '&', ':' and '\\' in file names into '_', so its build would not "
                "find this file (rename it, and where the paper names it)"
            )
    for path in sorted(recorded.outputs):  # arXiv's TeX may write in the top folder only
        folder = base(path)
        if path.suffix == ".aux" and path.is_relative_to(folder) and len(path.relative_to(folder).parts) > 1:
            rel = path.relative_to(folder).with_suffix("").as_posix()
            upload.problems.append(
                f"{_include_at(upload, rel) or name}: \\include{{{rel}}} writes {rel}.aux in a subfolder, which "
                "arXiv's TeX may not write (use \\input there, or move the file beside the main file)"
            )

    if seen_sty and "pith.sty" not in upload.files:
        upload.problems.append(
            f"{pith_at}: \\usepackage{{pith}} loads {seen_sty[0]}, which is not in the upload "
            f"(run 'pithtex sty {main.parent}', then 'latexmk -g -pdf -recorder {main.name}': latexmk alone "
            "does not see that a new pith.sty comes first)"
        )
    _check_bibliography(main, recorded, bibs, badges_in, upload, build or root)
    if upload.compiler not in ARXIV_COMPILERS:
        upload.warnings.append(
            f"{name}: built with {upload.compiler}; arXiv's LaTeX compilers are {' and '.join(ARXIV_COMPILERS)}"
        )
    return upload


def _check_bibliography(
    main: Path, recorded: Recorded, bibs: Sequence[BibUse], badges_in: Callable[[Path], int], upload: Upload,
    build: Path,
) -> None:
    stem = main.stem
    aux_text = _text(build / f"{stem}.aux") or ""
    biblatex = any(p.suffix == ".bcf" for p in recorded.outputs)
    if ("\\bibdata{" in aux_text or biblatex) and f"{stem}.bbl" not in upload.files:
        where = bibs[0].where if bibs else main.name
        upload.problems.append(
            f"{where}: {stem}.bbl is not in the build (run {'biber' if biblatex else 'bibtex'}, "
            "or latexmk, and build again); arXiv needs it for the bibliography and its badges"
        )
    bbl = upload.files.get(f"{stem}.bbl")
    if bbl is not None and build != upload.root and not bbl.is_relative_to(build):
        upload.warnings.append(
            f"{stem}.bbl: the build read the one beside {main.name}, not one in "
            f"{build.relative_to(upload.root) if build.is_relative_to(upload.root) else build}, "
            "where this build's BibTeX or biber writes: it may be left from an earlier build (delete it and build again)"
        )
    if biblatex and bbl is not None:
        _check_bbl_format(bbl, f"{stem}.bbl", upload)
    from pithtex.write.bibrefs import bibrefs_path

    for bib in bibs:
        pith = bibrefs_path(bib.path)
        real = pith.resolve()
        if real.is_relative_to(upload.root) and real.relative_to(upload.root).as_posix() in upload.files:
            continue
        if pith.exists():
            upload.problems.append(
                f"{bib.where}: {bib.command}: {pith.name} exists but the build did not read it "
                "(build again), so its badges would not print on arXiv"
            )
            continue
        if not bib.bibtex or not bib.path.is_file():
            continue  # biblatex takes the numbers from the pithnumber fields in the .bbl
        count = badges_in(bib.path)
        if count:
            upload.problems.append(
                f"{bib.where}: {bib.command}: {pith.name} is missing, so {count} badge{'s' if count != 1 else ''} "
                f"would not print (run 'pithtex annotate {bib.path.name}')"
            )


def _check_bbl_format(path: Path, name: str, upload: Upload) -> None:
    """A warning when arXiv's default TeX Live would not read this biblatex ``.bbl`` (see
    :data:`ARXIV_BBL_FORMATS`), and which TeX Live to choose there instead."""
    m = _BBL_FORMAT.search((_text(path) or "")[:2000])
    (default, expected), *others = ARXIV_BBL_FORMATS
    if m is None or m[1] == expected:
        return
    instead = [tl for tl, version in others if version == m[1]]
    then = (f"choose {instead[0]} when you submit, or " if instead else "") + (
        f"build the .bbl with a biblatex that writes {expected}")
    upload.warnings.append(
        f"{name}: biblatex bbl format version {m[1]}; arXiv's default, {default}, reads {expected} and would "
        f"print no bibliography ({then})"
    )


def _include_at(upload: Upload, rel: str) -> str | None:
    """``file:line`` of the ``\\include{rel}`` in the upload's .tex files, outside comments."""
    from pithtex.scan.texclean import blank_non_text

    pattern = re.compile(r"\\include\s*\{\s*" + re.escape(rel) + r"(?:\.tex)?\s*\}")
    for arcname, path in upload.files.items():
        text = _text(path) if path.suffix == ".tex" else None
        line = _line_of(blank_non_text(text), pattern) if text else None
        if line is not None:
            return f"{arcname}:{line}"
    return None
