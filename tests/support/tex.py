"""Compile real LaTeX documents with the real TeX Live engines, and read the result.

Shared by every test that needs TeX (``@pytest.mark.tex``).  Nothing here is
mocked: the engines, BibTeX/biber, dvips/ps2pdf and poppler's pdftotext and
pdfinfo run for real, each in the test's own directory, with shell escape off,
``openout_any`` paranoid, and a private ``TEXMFVAR`` so runs never write into
the user's home and parallel workers (pytest-xdist) never race on caches.

When a program is missing, :func:`require_tex` skips the test loudly (a
warning as well as the skip reason) on a developer's machine, and fails it
when ``CI=true``: CI installs TeX Live, so there a skip would hide a defect.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = [
    "BIBTEX_STYLES",
    "BODY_MARK",
    "CLASSES",
    "ENGINES",
    "HYPERREF_CLASSES",
    "PAPER_BADGE",
    "PAPER_FULL",
    "PAPER_SUFFIX",
    "PAPER_TITLE",
    "REFERENCES",
    "Paper",
    "Reference",
    "check_paper",
    "flat_text",
    "write_paper",
    "TexError",
    "TexResult",
    "compile_latex",
    "pdf_info_custom",
    "pdf_text",
    "pdf_urls",
    "pdf_words",
    "Word",
    "package_messages",
    "render_sty_into",
    "require_tex",
]

#: The engines :func:`compile_latex` knows.  ``latex`` means latex + dvips + ps2pdf,
#: ``dvipdfmx`` latex + dvipdfmx (the document says so with the ``dvipdfmx`` class
#: option, :attr:`Paper.class_options`).
ENGINES = ("pdflatex", "lualatex", "xelatex", "latex", "dvipdfmx")

_ENGINE_PROGRAMS = {
    "pdflatex": ("pdflatex",),
    "lualatex": ("lualatex",),
    "xelatex": ("xelatex",),
    "latex": ("latex", "dvips", "ps2pdf"),
    "dvipdfmx": ("latex", "dvipdfmx"),
}
_BIB_PROGRAMS = {"bibtex": ("bibtex",), "biber": ("biber",), None: ()}


class TexError(AssertionError):
    """A TeX run failed; the message carries the command and the log's tail."""


@dataclass(frozen=True)
class TexResult:
    """What a compilation left behind."""

    pdf: Path
    log: str
    workdir: Path
    commands: tuple[tuple[str, ...], ...]

    @property
    def text(self) -> str:
        return pdf_text(self.pdf)

    @property
    def info(self) -> dict[str, str]:
        return pdf_info_custom(self.pdf)

    @property
    def urls(self) -> list[str]:
        return pdf_urls(self.pdf)


def require_tex(*programs: str) -> None:
    """Skip (loudly) or, under ``CI=true``, fail unless every program is on PATH."""
    missing = [p for p in programs if shutil.which(p) is None]
    if not missing:
        return
    reason = (
        "TeX test needs " + ", ".join(missing) + " (not on PATH); install Debian's TeX Live "
        "as .ci/run does: texlive-latex-extra texlive-publishers texlive-science "
        "texlive-luatex texlive-xetex texlive-bibtex-extra biber poppler-utils ghostscript"
    )
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but " + reason, pytrace=False)
    warnings.warn(reason, stacklevel=2)
    pytest.skip("SKIPPED LOUDLY: " + reason)


def _shared_texmfvar() -> Path:
    """A private TEXMFVAR for this user's test runs.

    Per-run directories would make LuaLaTeX rebuild its font database (tens
    of seconds) in every test, so the cache is shared between tests, but it
    lives in the temporary directory, never in the user's home.  luaotfload
    writes its cache atomically, so xdist workers may share it.
    """
    base = Path(tempfile.gettempdir()) / f"pithtex-tests-texmfvar-{os.getuid()}"
    base.mkdir(mode=0o700, exist_ok=True)
    return base


def _tex_env() -> dict[str, str]:
    env = dict(os.environ)
    var = str(_shared_texmfvar())
    env.update(
        TEXMFVAR=var,
        TEXMFCACHE=var,
        shell_escape="f",
        openout_any="p",
        openin_any="a",
        SOURCE_DATE_EPOCH="1700000000",
        FORCE_SOURCE_DATE="1",
        LC_ALL="C.UTF-8",
        # One log line per message: no wrapping at 79 characters.
        max_print_line="10000",
        error_line="254",
        half_error_line="238",
    )
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float, log: Path | None) -> None:
    try:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise TexError(f"{' '.join(cmd)} timed out after {timeout}s in {cwd}") from exc
    if proc.returncode != 0:
        tail = ""
        if log is not None and log.exists():
            tail = "\n".join(log.read_text("latin-1").splitlines()[-40:])
        output = proc.stdout.decode("latin-1")[-3000:]
        raise TexError(f"{' '.join(cmd)} exited {proc.returncode} in {cwd}\n--- output ---\n{output}\n--- log tail ---\n{tail}")


def compile_latex(
    workdir: Path,
    main: str = "main.tex",
    engine: str = "pdflatex",
    runs: int | None = None,
    bib: str | None = None,
    timeout: float = 120.0,
) -> TexResult:
    """Compile ``workdir/main`` and return the PDF path and the final log text.

    ``engine`` is one of :data:`ENGINES` (``latex`` = latex, dvips, ps2pdf;
    ``dvipdfmx`` = latex, dvipdfmx).
    ``bib`` is ``"bibtex"``, ``"biber"`` or ``None``; with a bibliography tool
    the sequence is engine, bib tool, then engine again until ``runs`` engine
    runs are done (default 3 with a bibliography, 1 without).  Engines run
    with ``-interaction=nonstopmode -halt-on-error`` and no shell escape; any
    failure raises :class:`TexError` with the log's tail.
    """
    if engine not in _ENGINE_PROGRAMS:
        raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")
    if bib not in _BIB_PROGRAMS:
        raise ValueError(f"unknown bib tool {bib!r}")
    require_tex(*_ENGINE_PROGRAMS[engine], *_BIB_PROGRAMS[bib])
    workdir = Path(workdir)
    stem = Path(main).stem
    if runs is None:
        runs = 3 if bib else 1
    if bib and runs < 2:
        raise ValueError("a bibliography needs at least 2 engine runs")
    env = _tex_env()
    log = workdir / f"{stem}.log"
    tex_cmd = [_ENGINE_PROGRAMS[engine][0], "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "-file-line-error", main]
    commands: list[tuple[str, ...]] = []

    def tex() -> None:
        commands.append(tuple(tex_cmd))
        _run(tex_cmd, workdir, env, timeout, log)

    tex()
    if bib:
        bib_cmd = [bib, stem] if bib == "bibtex" else ["biber", "--quiet", stem]
        commands.append(tuple(bib_cmd))
        _run(bib_cmd, workdir, env, timeout, None)
    for _ in range(runs - 1):
        tex()
    drivers = {
        "latex": [["dvips", "-q", "-o", f"{stem}.ps", f"{stem}.dvi"], ["ps2pdf", f"{stem}.ps", f"{stem}.pdf"]],
        "dvipdfmx": [["dvipdfmx", "-q", "-o", f"{stem}.pdf", f"{stem}.dvi"]],
    }
    for cmd in drivers.get(engine, []):
        commands.append(tuple(cmd))
        _run(cmd, workdir, env, timeout, None)
    pdf = workdir / f"{stem}.pdf"
    if not pdf.exists():
        raise TexError(f"no PDF after {commands}")
    return TexResult(pdf=pdf, log=log.read_text("latin-1"), workdir=workdir, commands=tuple(commands))


def _poppler(args: list[str], timeout: float = 60.0) -> str:
    require_tex(args[0])
    proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise TexError(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr.decode('utf-8', 'replace')}")
    return proc.stdout.decode("utf-8", "replace")


def pdf_text(pdf: Path, mode: str = "reading") -> str:
    """The PDF's text as pdftotext gives it.

    ``mode`` is ``"reading"`` (pdftotext's default reading order: columns one
    after the other, what the order checks want), ``"layout"`` (``-layout``:
    the page as laid out) or ``"raw"`` (content stream order).
    """
    flags = {"reading": [], "layout": ["-layout"], "raw": ["-raw"]}[mode]
    return _poppler(["pdftotext", *flags, "-enc", "UTF-8", str(pdf), "-"])


def pdf_info_custom(pdf: Path) -> dict[str, str]:
    """The document information dictionary, custom entries included (``pdfinfo -custom``)."""
    info: dict[str, str] = {}
    for line in _poppler(["pdfinfo", "-custom", str(pdf)]).splitlines():
        key, sep, value = line.partition(":")
        if sep and key and not key.startswith(" "):
            info.setdefault(key.strip(), value.strip())
    return info


@dataclass(frozen=True)
class Word:
    """A word on a page, as ``pdftotext -bbox`` gives it (points, y downwards)."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def xmid(self) -> float:
        return (self.x0 + self.x1) / 2


_WORD_RE = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)</word>')


def pdf_words(pdf: Path) -> tuple[list[Word], float]:
    """Every word of the PDF with its box (``pdftotext -bbox``), and the page width."""
    import html

    out = _poppler(["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"])
    words: list[Word] = []
    width = 0.0
    for page, chunk in enumerate(out.split("<page ")[1:], start=1):
        width = float(re.search(r'width="([\d.]+)"', chunk).group(1))
        for m in _WORD_RE.finditer(chunk):
            x0, y0, x1, y1 = (float(v) for v in m.groups()[:4])
            words.append(Word(page, x0, y0, x1, y1, html.unescape(m.group(5))))
    return words, width


def pdf_urls(pdf: Path) -> list[str]:
    """Every URL link annotation in the PDF, in page order (``pdfinfo -url``)."""
    urls = []
    for line in _poppler(["pdfinfo", "-url", str(pdf)]).splitlines()[1:]:
        parts = line.split(None, 2)
        if len(parts) == 3:
            urls.append(parts[2].strip())
    return urls


_MESSAGE_START = re.compile(r"^(?:Package|Class) (?P<pkg>\S+) (?P<kind>Warning|Error|Info)(?::| )")
_FILE_LINE = re.compile(r"^\S+:\d+: ")


def package_messages(log: str, package: str = "pith", kinds: tuple[str, ...] = ("Warning", "Error")) -> list[str]:
    """Warnings and errors that ``package`` wrote into a LaTeX log (with continuation lines).

    Understands ``-file-line-error`` prefixes (``./main.tex:4: Package pith
    Error: ...``).  Also reports TeX errors raised inside ``<package>.sty``
    (an undefined control sequence there, say), so a crash is never missed.
    """
    found: list[str] = []
    lines = log.splitlines()
    for i, line in enumerate(lines):
        bare = _FILE_LINE.sub("", line, count=1)
        m = _MESSAGE_START.match(bare)
        if m and m.group("pkg") == package and m.group("kind") in kinds:
            block = [line]
            prefix = f"({package})"
            for nxt in lines[i + 1 :]:
                if nxt.startswith(prefix):
                    block.append(nxt)
                else:
                    break
            found.append("\n".join(block))
        elif "Error" in kinds and line.startswith(f"./{package}.sty:") or (
            line.startswith("!") and f"{package}.sty" in line
        ):
            found.append(line)
    return found


def render_sty_into(directory: Path) -> Path:
    """Write the rendered ``pith.sty`` into ``directory`` (where the paper is)."""
    from pithtex.write.sty import write_sty

    write_sty(Path(directory))
    return Path(directory) / "pith.sty"


# ---------------------------------------------------------------------------
# Papers: small but real documents for the classes, bibliography set-ups and
# hyperref orders the tests cover.

#: The paper's own Pith Number (arXiv 2511.00066) and what its badge reads.
PAPER_TITLE = "Sharpness-Guided Group Relative Policy Optimization via Probability Shaping"
PAPER_SUFFIX = "SPDDBVRNS36U3W2AYSQMMOTDSD"
PAPER_FULL = f"pith:2025:{PAPER_SUFFIX}"
PAPER_BADGE = f"pith:{PAPER_SUFFIX[:8]}"
#: Text that starts the body, right after \maketitle.
BODY_MARK = "Bodystart"


@dataclass(frozen=True)
class Reference:
    key: str
    author: str  # "Surname, Given"; the surname is the marker found in the text
    title: str
    number: str | None  # full Pith Number, or None for a reference without one

    @property
    def surname(self) -> str:
        return self.author.split(",")[0]

    @property
    def badge(self) -> str | None:
        return None if self.number is None else "pith:" + self.number.rsplit(":", 1)[1][:8]

    @property
    def suffix(self) -> str | None:
        return None if self.number is None else self.number.rsplit(":", 1)[1]


#: Keys use the characters bib keys really contain: _ : - . /
REFERENCES = (
    Reference("Zarkov_2026:sspo-v3", "Zarkov, Ivana", "Soft Sequence Policy Optimization", "pith:2026:C7HZCGQ4XG57XBILJLQGM22JGT"),
    Reference("quimby.opd/2606-01249", "Quimby, Oren", "Trust Region On-Policy Distillation", "pith:2026:3VRARFE3CFBERUCMJGDAWSCMAE"),
    Reference("ulmwood-plain", "Ulmwood, Tess", "A Reference Without a Number", None),
)

CLASSES = ("article", "report", "amsart", "revtex4-2", "IEEEtran", "acmart", "beamer", "twocolumn")
#: Classes that load hyperref themselves.
HYPERREF_CLASSES = ("acmart", "beamer")
BIBTEX_STYLES = ("plain", "plainnat", "unsrt", "abbrvnat", "IEEEtran", "ACM-Reference-Format", "apsrev4-2")


@dataclass(frozen=True)
class Paper:
    """What to put in a test paper.

    ``hyperref`` is ``none``, ``before`` or ``after`` pith (``class`` for
    classes that load it themselves); ``bib`` is a BibTeX style name,
    ``biblatex``, or None.  ``numbers_in`` says where reference numbers go:
    ``pith`` (the refs.pith file pithtex annotate writes), ``bib`` (a
    ``pithnumber`` field, for biblatex), or ``none``.  ``class_options``
    replaces the options the test papers give the class (``aps,pra`` for
    REVTeX, ``sigconf`` for acmart ...).
    """

    cls: str = "article"
    hyperref: str = "after"
    bib: str | None = None
    number: str | None = PAPER_FULL
    pith: bool = True
    pith_options: str = ""
    preamble: str = ""
    numbers_in: str = "pith"
    biblatex_first: bool = False
    class_options: str = ""

    @property
    def bib_tool(self) -> str | None:
        if self.bib is None:
            return None
        return "biber" if self.bib == "biblatex" else "bibtex"


def _bib_entries(paper: Paper) -> str:
    out = []
    for ref in REFERENCES:
        extra = ""
        if paper.numbers_in == "bib" and ref.number:
            extra = f"  pithnumber = {{{ref.number}}},\n"
        out.append(
            f"@article{{{ref.key},\n  author = {{{ref.author}}},\n  title = {{{ref.title}}},\n"
            f"  journal = {{Journal of Examples}},\n  volume = {{7}},\n  pages = {{1--9}},\n  year = {{2026}},\n{extra}}}\n"
        )
    return "\n".join(out)


def write_paper(workdir: Path, paper: Paper, main: str = "main.tex") -> Path:
    """Write ``main.tex`` (and refs.bib, refs.pith, pith.sty as needed) into ``workdir``."""
    from pithtex.write.bibrefs import bibrefs_path, render_bibrefs

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    cls = paper.cls
    if paper.pith:
        render_sty_into(workdir)
    if paper.bib:
        (workdir / "refs.bib").write_text(_bib_entries(paper), encoding="utf-8")
        if paper.numbers_in == "pith":
            pairs = [(r.key, r.number) for r in REFERENCES if r.number]
            bibrefs_path(workdir / "refs.bib").write_text(
                render_bibrefs(pairs, bib_name="refs.bib", name="refs.pith"), encoding="utf-8"
            )

    name, options = {
        "twocolumn": ("article", "twocolumn"),
        "revtex4-2": ("revtex4-2", "aps,pra"),
        "IEEEtran": ("IEEEtran", "conference"),
        "acmart": ("acmart", "sigconf"),
    }.get(cls, (cls, ""))
    options = paper.class_options or options
    docclass = rf"\documentclass[{options}]{{{name}}}" if options else rf"\documentclass{{{name}}}"
    pre: list[str] = [docclass, r"\usepackage[T1]{fontenc}" if cls not in ("acmart",) else ""]
    natbib = paper.bib in ("plainnat", "abbrvnat") and cls not in ("revtex4-2", "acmart")
    if natbib:
        pre.append(r"\usepackage[numbers]{natbib}")
    biblatex = r"\usepackage[backend=biber,style=numeric]{biblatex}" + "\n" + r"\addbibresource{refs.bib}"
    if paper.bib == "biblatex" and paper.biblatex_first:
        pre.append(biblatex)
    if paper.hyperref == "before":
        pre.append(r"\usepackage{hyperref}")
    if paper.pith:
        opts = f"[{paper.pith_options}]" if paper.pith_options else ""
        pre.append(rf"\usepackage{opts}{{pith}}")
    if paper.bib == "biblatex" and not paper.biblatex_first:
        pre.append(biblatex)
    if paper.hyperref == "after":
        pre.append(r"\usepackage{hyperref}")
    pre.append(paper.preamble)
    if paper.pith and paper.number is not None:
        pre.append(rf"\pithnumber{{{paper.number}}}")
    front = [rf"\title{{{PAPER_TITLE}}}"]
    if cls == "IEEEtran":
        front.append(r"\author{\IEEEauthorblockN{Ada Yarrow}\IEEEauthorblockA{Pith Institute}}")
    else:
        front.append(r"\author{Ada Yarrow}")
    if cls == "revtex4-2":
        # REVTeX wants its front matter after \begin{document}.
        front.append(r"\affiliation{Pith Institute}")
    else:
        pre += front
    if cls == "acmart":
        pre.append(r"\affiliation{\institution{Pith Institute}\city{Anytown}\country{Nowhere}}")
        pre.append(r"\setcopyright{none}\settopmatter{printacmref=false}\acmConference{Conf}{2026}{Anytown}")
    if cls not in ("revtex4-2", "acmart", "IEEEtran"):
        pre.append(r"\date{1 January 2026}")

    cites = ",".join(r.key for r in REFERENCES)
    body_text = f"{BODY_MARK} of the paper, citing \\cite{{{cites}}}. " + "Some words of text here. " * 3
    if paper.bib is None:
        bib_part = ""
    elif paper.bib == "biblatex":
        bib_part = r"\printbibliography"
    else:
        bib_part = rf"\bibliographystyle{{{paper.bib}}}" + "\n" + r"\bibliography{refs}"

    doc: list[str] = [r"\begin{document}"]
    if cls == "beamer":
        doc += [r"\begin{frame}\titlepage\end{frame}", r"\begin{frame}", body_text, r"\end{frame}"]
        if bib_part:
            doc += [r"\begin{frame}", bib_part, r"\end{frame}"]
    else:
        if cls == "revtex4-2":
            doc += front
        if cls in ("amsart", "revtex4-2", "acmart"):
            doc.append(r"\begin{abstract}An abstract of the paper.\end{abstract}")
        doc += [r"\maketitle", "", body_text, "", bib_part]
    doc.append(r"\end{document}")
    path = workdir / main
    path.write_text("\n".join(x for x in pre if x) + "\n" + "\n".join(doc) + "\n", encoding="utf-8")
    return path


def flat_text(text: str) -> str:
    """pdftotext output with hyphenation joined and white space collapsed, lower case."""
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return " ".join(text.split()).lower()


TITLE_MARK = "group relative policy"
PITH_BASE = "https://pith.science/pith/"


def check_paper(result: TexResult, paper: Paper, engine: str) -> None:
    """Everything the issue asks of a compiled paper."""
    text = flat_text(result.text)
    where = f"{paper.cls}/{engine}/{paper.hyperref}/{paper.bib}"

    # The badge right after the title block, once, before the body.
    title_at = text.find(TITLE_MARK)
    badge_at = text.find(PAPER_BADGE.lower())
    body_at = text.find(BODY_MARK.lower())
    assert title_at >= 0, f"{where}: title missing from\n{text}"
    assert 0 <= badge_at, f"{where}: no title badge in\n{text}"
    if paper.cls == "acmart":
        # sigconf: above the title, in the top margin (the columns keep their flow).
        assert badge_at < title_at < body_at, f"{where}: badge not above the title:\n{text}"
    else:
        assert title_at < badge_at < body_at, f"{where}: badge not between title and body:\n{text}"
    assert text.count(PAPER_BADGE.lower()) == 1, f"{where}: title badge more than once:\n{text}"

    # Badges in the bibliography, each in its own entry, none for the
    # reference without a number.
    # (pdftotext's reading order may put a column of references before the
    # body text, as with acmart: entries are cut at the next entry or body.)
    if paper.bib:
        starts = sorted((text.find(r.surname.lower(), badge_at + 1), i, r) for i, r in enumerate(REFERENCES))
        for pos, _, ref in starts:
            assert pos > badge_at, f"{where}: {ref.surname} not in the bibliography:\n{text}"
            ends = [p for p, _, _ in starts if p > pos] + [body_at if body_at > pos else len(text), len(text)]
            entry = text[pos : min(ends)]
            if ref.badge:
                assert ref.badge.lower() in entry, f"{where}: no badge {ref.badge} in entry {entry!r}"
                assert text.count(ref.badge.lower()) == 1
            else:
                assert "pith:" not in entry, f"{where}: reference without a number has a badge: {entry!r}"

    # Links.
    pith_urls = {u for u in result.urls if "pith" in u}
    if paper.hyperref == "none":
        assert pith_urls == set(), f"{where}: links without hyperref: {pith_urls}"
    else:
        expected = {PITH_BASE + PAPER_SUFFIX}
        if paper.bib:
            expected |= {PITH_BASE + r.suffix for r in REFERENCES if r.suffix}
        assert pith_urls == expected, f"{where}: links {pith_urls}"

    # Metadata and a clean log.
    assert result.info.get("PithNumber") == PAPER_FULL, f"{where}: info {result.info}"
    assert package_messages(result.log) == [], f"{where}: pith complained"
    about_pith = [line for line in result.log.splitlines() if "Warning" in line and "pith" in line.lower()]
    assert about_pith == [], f"{where}: warnings about pith: {about_pith}"
