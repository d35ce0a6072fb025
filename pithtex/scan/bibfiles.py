"""The .bib files a root .tex uses, and where each is named.

``find_bib_files(main.tex)`` reads the root file and everything it inputs
(``\\input``, ``\\include``, ``\\subfile``, ``\\import``..., followed as
:mod:`pithtex.scan.tex` follows them, comments and verbatim blanked by
:mod:`pithtex.scan.texclean`) and lists, in the order LaTeX meets them, the
files named by

- ``\\bibliography{a,b}`` and ``\\nobibliography{a,b}`` (BibTeX; natbib,
  bibentry): ``.bib`` is added to a name without it;
- ``\\addbibresource[opts]{x.bib}``, ``\\addglobalbib``, ``\\addsectionbib``
  (biblatex): the name as written; ``location=remote`` (or a URL) is skipped,
  ``glob=true`` expands the pattern.

Paths are relative to the root file's directory wherever the command sits:
BibTeX and biber run there (latexmk runs them in the root file's directory)
and open the names LaTeX wrote into the .aux/.bcf as given. A name that is
not there is looked up with ``kpsewhich`` the way BibTeX and biber do (TeX's
tree, ``BIBINPUTS``): found there it is ``external`` (``IEEEabrv.bib``: not
the paper's to edit), found nowhere it is a problem. Each .bib is listed once
(the first place that names it).

Problems are records, never exceptions: a named .bib that does not exist, an
``\\input`` that cannot be found or read (``kind="input"``), inputs nested
deeper than :data:`MAX_DEPTH`. Only an unreadable root file raises
:class:`~pithtex.errors.InputError` (from :func:`~pithtex.scan.source.read_source`).
"""

from __future__ import annotations

import os
import re
from collections import namedtuple
from pathlib import Path

from pithtex.errors import InputError
from pithtex.scan.source import SourceText, read_source
from pithtex.scan.tex import _Lines, _resolve_inputs
from pithtex.scan.texclean import blank_non_text

__all__ = ["BibFile", "MAX_DEPTH", "find_bib_files"]

#: Input nesting deeper than this is not followed (TeX itself opens at most 15 files at once).
MAX_DEPTH = 64

_BIBTEX_RE = re.compile(r"\\(?P<cmd>bibliography|nobibliography)(?![a-zA-Z@])\s*\{(?P<arg>[^{}]*)\}")
_BIBLATEX_RE = re.compile(
    r"\\(?P<cmd>addbibresource|addglobalbib|addsectionbib)(?![a-zA-Z@])\s*"
    r"(?:\[(?P<opt>[^\[\]]*)\]\s*)?\{(?P<arg>[^{}]*)\}"
)
_INPUT_KIND = "input"


class BibFile(namedtuple("BibFile", "path file line command problem external kind", defaults=(None, False, "bib"))):
    """One .bib a root .tex uses (or an input problem met on the way, ``kind="input"``).

    ``path`` is where BibTeX/biber open it: the root file's directory joined
    with the name as written (absolute names stay absolute), or, when
    ``external``, the file kpsewhich found. ``file`` and ``line`` say which
    .tex line named it; ``command`` is that command as written, for messages.
    ``problem`` is None when the file is there. A named tuple: `pithtex check` imports no dataclasses.
    """

    __slots__ = ()

    @property
    def usable(self) -> bool:
        """A .bib of the paper's own that exists: what annotate, check and scan act on."""
        return self.kind == "bib" and self.problem is None and not self.external

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.command}: {self.problem}" if self.problem else f"{self.where}: {self.path}"


def _options(text: str | None) -> dict[str, str]:
    out = {}
    for part in (text or "").split(","):
        key, _, value = part.partition("=")
        if key.strip():
            out[key.strip().lower()] = value.strip().strip("{}").strip().lower() or "true"
    return out


def _kpsewhich(name: str, cwd: Path) -> Path | None:
    """Where BibTeX/biber would find ``name`` outside ``cwd`` (TeX's tree, BIBINPUTS), if anywhere."""
    import shutil  # here, not at the top: subprocess and shutil cost every `pithtex check` ~5 ms of imports
    import subprocess

    exe = shutil.which("kpsewhich")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "-format=bib", name], cwd=cwd, capture_output=True, text=True, timeout=10,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = done.stdout.strip().splitlines()
    return Path(found[0]) if done.returncode == 0 and found else None


_JOBNAME_RE = re.compile(r"\\jobname(?![a-zA-Z@])\s*(?:\{\})?")


class _Walk:
    def __init__(self, root: Path, consulted: list[Path], jobname: str = "") -> None:
        self.root = root
        self.consulted = consulted
        self.jobname = jobname  # the root file's name without .tex: what \jobname expands to
        self.visited: set[Path] = set()
        self.seen_bibs: set[Path] = set()
        self.out: list[BibFile] = []

    def add(self, source: SourceText, line: int, command: str, name: str, bibtex: bool) -> None:
        rel = name if not bibtex or name.lower().endswith(".bib") else name + ".bib"
        path = self.root / rel
        problem, external = None, False
        if not path.is_file():
            self.consulted.append(path)  # creating it changes the answer
            found = _kpsewhich(rel, self.root)
            if found is not None and found.name == Path(rel).name:  # biber adds no .bib (kpsewhich would)
                path, external = found, True
            elif path.exists():
                problem = f"{path} is not a file"
            elif path.is_symlink():  # a loop, or a shared folder that is not mounted
                problem = f"{path}: a symbolic link that leads to no file ({os.readlink(path)})"
            else:
                hint = "" if bibtex or Path(name).suffix else " (biblatex needs the extension: .bib)"
                problem = f"{path}: no such file{hint}"
        key = path_key(path)
        if key in self.seen_bibs:
            return
        self.seen_bibs.add(key)
        self.out.append(BibFile(path, source.name, line, command, problem, external))

    def walk(self, source: SourceText, depth: int) -> None:
        self.visited.add(path_key(source.path))
        self.consulted.append(source.path)
        clean = blank_non_text(source.text)
        lines = _Lines(clean)
        events: list[tuple[int, int, object]] = []
        for m in _BIBTEX_RE.finditer(clean):
            events.append((m.start(), 0, m))
        for m in _BIBLATEX_RE.finditer(clean):
            events.append((m.start(), 0, m))
        inputs = _resolve_inputs(source, clean, lines, self.root)
        # _resolve_inputs gives lines, not offsets: an input sorts after the bibliography
        # commands of its line's start and before those of the next line
        line_starts = [0] + [i + 1 for i, ch in enumerate(clean) if ch == "\n"]
        for line, shown, cands in inputs:
            events.append((line_starts[line - 1], 1, (line, shown, cands)))
        events.sort(key=lambda e: (e[0], e[1]))
        for _offset, tag, item in events:
            if tag == 1:
                self.follow(source, *item, depth=depth)  # type: ignore[misc]
            else:
                self.command(source, lines, item)  # type: ignore[arg-type]

    def command(self, source: SourceText, lines: _Lines, m: re.Match[str]) -> None:
        arg = m["arg"]
        if "#" in arg:
            return  # in a macro definition: not a file name
        line = lines(m.start())
        shown = re.sub(r"\s+", " ", m.group(0))
        if "\\" in arg:  # a computed name: \jobname is the root file's, any other macro is unknown here
            arg = _JOBNAME_RE.sub(lambda _m: self.jobname, arg)
            if "\\" in arg:
                self.out.append(BibFile(
                    self.root / arg, source.name, line, shown,
                    "a name made by a macro, which pithtex does not expand: that .bib is not checked "
                    "(write its name out, or name the .bib to pithtex as well)", kind=_INPUT_KIND,
                ))
                return
        if m["cmd"] in ("bibliography", "nobibliography"):
            for name in arg.split(","):
                if name.strip():
                    self.add(source, line, shown, name.strip(), bibtex=True)
            return
        name = arg.strip()
        opts = _options(m["opt"])
        if not name or opts.get("location") == "remote" or "://" in name:
            return
        if opts.get("glob") in ("true", "1", "yes") and any(ch in name for ch in "*?["):
            matches = sorted(self.root.glob(name))
            if not matches:
                self.out.append(BibFile(self.root / name, source.name, line, shown, "the pattern matches no file"))
            for path in matches:
                self.add(source, line, shown, str(path.relative_to(self.root)), bibtex=False)
            return
        self.add(source, line, shown, name, bibtex=False)

    def follow(self, parent: SourceText, line: int, shown: str, cands: list[Path], *, depth: int) -> None:
        target = next((c for c in cands if c.is_file()), None)
        self.consulted.extend(cands[: cands.index(target)] if target is not None else cands)
        if target is None:
            tried = ", ".join(dict.fromkeys(str(c) for c in cands))
            self.out.append(
                BibFile(cands[0], parent.name, line, shown, f"no such file (tried {tried})", kind=_INPUT_KIND)
            )
            return
        if path_key(target) in self.visited or target.suffix.lower() in (".bib", ".bbl"):
            return
        if depth >= MAX_DEPTH:
            self.out.append(
                BibFile(target, parent.name, line, shown, f"inputs nested deeper than {MAX_DEPTH}: not followed",
                        kind=_INPUT_KIND)
            )
            return
        try:
            child = read_source(target)
        except InputError as exc:
            self.visited.add(path_key(target))
            self.out.append(BibFile(target, parent.name, line, shown, exc.message, kind=_INPUT_KIND))
            return
        self.walk(child, depth + 1)


def path_key(path: Path) -> Path:
    """``path`` resolved, to tell whether two names are one file; as given when it cannot be
    (a symbolic link loop: ``RuntimeError`` before Python 3.13; reading it then says what is wrong)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def find_bib_files(tex: Path, *, consulted: list[Path] | None = None) -> list[BibFile]:
    """The .bib files ``tex`` (a root file) and its inputs use, in order, each once, with the
    problems met (see the module docstring). Raises ``InputError`` if ``tex`` cannot be read.

    ``consulted``, when given, gets every file whose bytes or absence decided the answer
    (the .tex files read, the input and .bib names looked for and not found), so that a
    caller can tell when the answer may have changed."""
    tex = Path(tex)
    source = read_source(tex)
    walk = _Walk(tex.parent, [] if consulted is None else consulted, tex.stem)
    walk.walk(source, 0)
    return walk.out
