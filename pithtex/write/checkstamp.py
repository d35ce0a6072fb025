"""Remember that ``pithtex check`` passed on exactly these bytes, so the next run is instant.

``pithtex check`` runs on every commit and every build, nearly always on
inputs it has already passed. Its verdict is a pure function of: the pithtex
version, the options and environment, the bytes of every input file and of
every configuration file it could read, whether ``pith.sty`` sits beside each
.tex, and the bytes of the files the configuration points at (pith.lock and
trusted key files).

So a stamp works like a make dependency file. Its *name* is the SHA-256 of
everything that can be known without parsing the configuration (options,
environment, inputs, the configuration files on the search path); its
*content* lists the SHA-256 of each file the full run then depended on (the
lock and key files it resolved). A hit needs the name to exist and every
listed file to hash the same. Only a clean pass is stamped (no problem, no
warning, every number from pith.lock rather than the changeable per-user
record cache), so a hit can only ever repeat "all is well"; any changed byte
is a miss. ``--no-cache`` bypasses stamps, like it bypasses the record cache.

A stamp skips verification, so it must not be forgeable by whoever can
write the cache: each carries an HMAC under the per-user secret of
``pithtex/localmac.py``, kept outside the cache. A stamp that does not
authenticate is a miss, never an error: the full check runs.

The hit path imports nothing but hashlib, hmac and the bounded read of
:mod:`pithtex.readfile` (a FIFO in a stamp's place hung check): no configuration parser, no
verifier, no BibTeX parser. ``pithtex annotate`` uses the same stamps for a
run that found nothing to do (latexmk runs it before every build), listing
the files it would write (pith.sty, .pith) among the dependencies.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import pithtex
from pithtex import localmac

__all__ = ["CheckStamp"]

_ENV = ("PITHTEX_TRUST_KEYS", "PITHTEX_REGISTRY", "PITHTEX_CACHE_DIR")
_CONFIG_NAMES = ("pithtex.toml", "pyproject.toml")


def _stamp_dir() -> Path:
    from pithtex.userdirs import cache_dir

    return cache_dir() / "check-ok"


def _file_digest(path: Path) -> str:
    from pithtex.readfile import Unreadable, read_bounded

    try:  # bounded, and never blocking on a FIFO
        return hashlib.sha256(read_bounded(path, 1 << 30)[0]).hexdigest()
    except FileNotFoundError:
        return "missing"
    except (Unreadable, OSError):
        return "unreadable"


def _config_candidates(first_input: Path) -> list[Path]:
    """Every file the configuration search (pithtex.config) could read, nearest first."""
    directory = first_input.resolve().parent
    found = []
    while True:
        for name in _CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                found.append(candidate)
        if (directory / ".git").exists() or directory.parent == directory:
            return found
        directory = directory.parent


class CheckStamp:
    """The stamp of one ``pithtex check`` invocation."""

    def __init__(self, options: Sequence[str], inputs: Sequence[Path], tex_inputs: Iterable[Path]) -> None:
        h = hashlib.sha256()
        h.update(f"pithtex {pithtex.__version__} {Path(pithtex.__file__).parent}\0{os.getcwd()}\0".encode())
        for option in options:
            h.update(option.encode("utf-8", "surrogateescape") + b"\0")
        for name in _ENV:
            h.update(f"{name}={os.environ.get(name, '')}\0".encode("utf-8", "surrogateescape"))
        configs = _config_candidates(inputs[0]) if inputs else []
        for path in [*inputs, *configs]:
            h.update(str(path.resolve()).encode("utf-8", "surrogateescape") + b"\0")
            h.update(_file_digest(path).encode() + b"\0")
        for tex in tex_inputs:  # pith.sty beside a root file: its presence and its version are checked
            h.update(f"sty:{_file_digest(tex.parent / 'pith.sty')}\0".encode())
        self.name = h.hexdigest()
        #: The summary line the stamped run printed (annotate prints it again), once passed_before().
        self.summary: str | None = None
        #: The files the stamped run depended on (absolute paths, as recorded), once passed_before().
        self.depends: list[Path] = []

    def passed_before(self) -> bool:
        """Whether this exact check passed, and the files it depended on are unchanged."""
        from pithtex.readfile import Unreadable, read_bounded

        try:  # (a FIFO in its place hung every commit's check)
            content = read_bounded(_stamp_dir() / self.name, 16 * 1024 * 1024)[0].decode("utf-8")
        except (OSError, Unreadable, UnicodeDecodeError):
            return False
        tag, _, body = content.partition("\n")
        secret = localmac.secret(create=False)
        if secret is None or not hmac.compare_digest(tag, "hmac-sha256 " + localmac.tag(secret, self.name, body)):
            return False  # not made by this user's pithtex: run the full check
        for line in body.splitlines():
            if line.startswith("= "):
                self.summary = line[2:]
                continue
            digest, _, path = line.partition(" ")
            if not path or _file_digest(Path(path)) != digest:
                return False
            self.depends.append(Path(path))
        return True

    def record_pass(self, depends_on: Iterable[Path], summary: str | None = None) -> None:
        """Stamp a clean pass (with the one-line ``summary`` it printed, if any); best effort (a
        cache that cannot be written only costs speed)."""
        # absolute, not resolved: a symlinked .bib stays the name git tracks (pithtex.commands.committed)
        lines = "".join(f"{_file_digest(Path(p))} {Path(p).absolute()}\n" for p in depends_on)
        if summary is not None and "\n" not in summary:
            lines = f"= {summary}\n{lines}"
        secret = localmac.secret(create=True)
        if secret is None:
            return
        lines = f"hmac-sha256 {localmac.tag(secret, self.name, lines)}\n{lines}"
        try:
            directory = _stamp_dir()
            directory.mkdir(parents=True, exist_ok=True)
            target = directory / self.name
            tmp = directory / f".{self.name}.{os.getpid()}.tmp"
            tmp.write_text(lines, encoding="utf-8")
            os.replace(tmp, target)
        except OSError:
            pass
