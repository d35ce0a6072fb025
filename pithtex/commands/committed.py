"""Under pre-commit: the files a passing run read must be in the commit.

pre-commit stashes the unstaged changes of tracked files, so a hook sees what
is staged. A file git does not track at all is not stashed: a new pith.lock,
refs.pith or pith.sty that was never ``git add``-ed is still there, the hook
passes, and coauthors, CI and arXiv get a commit whose Pith Numbers nothing
can check (``pithtex check`` fails on their clone, the badges are gone).
Hence: under pre-commit (which sets ``PRE_COMMIT=1`` in a hook's
environment), each such file is a problem for ``check`` and ``annotate``.
Anywhere else an untracked file is work in progress and nobody's business;
outside a git checkout, or without git, nothing is said. Trusted keys a user
names for their own runs (``--trust-key``, ``PITHTEX_TRUST_KEYS``) are theirs,
not the paper's, and are not asked about. The cost: one ``git ls-files`` (two when a
file is untracked), 7-10 ms on a stamped ``check`` of the example that takes 40 ms
without it (20 runs each, three alternating rounds, 2026-12-06); nothing outside pre-commit.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from pithtex.write.report import Reporter

__all__ = ["report_untracked", "untracked", "untracked_after_stamp"]


def _repo_root(path: Path) -> Path | None:
    for directory in path.parents:
        if (directory / ".git").exists():
            return directory
    return None


def _ls_others(root: Path, names: Iterable[str], *ignored: str) -> set[str] | None:
    """The untracked files among ``names`` (git's ``ls-files --others``), or None when git cannot say."""
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "--literal-pathspecs", "-C", str(root), "ls-files", "-z", "--others", *ignored, "--", *names],
            capture_output=True, timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None  # not a checkout git can read: say nothing
    return {os.fsdecode(name) for name in proc.stdout.split(b"\0") if name}


def untracked(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """The existing files among ``paths`` that git does not track, as given, each with whether
    git ignores it (an ignored pith.lock is left out of the commit too)."""
    by_root: dict[Path, dict[str, Path]] = {}
    for path in dict.fromkeys(paths):
        if not path.is_file():
            continue
        full = Path(os.path.abspath(path))  # not resolved: git tracks a symlink, not what it points at
        root = _repo_root(full)
        if root is not None:
            by_root.setdefault(root, {})[full.relative_to(root).as_posix()] = path
    found: list[tuple[Path, bool]] = []
    for root, names in by_root.items():
        others = _ls_others(root, names)
        if not others:
            continue
        ignored = _ls_others(root, sorted(others), "--ignored", "--exclude-standard") or set()
        found.extend((path, name in ignored) for name, path in names.items() if name in others)
    return found


def _shown(path: Path) -> str:
    """``path`` as a message names it: relative to the working directory when it is below it."""
    if path.is_absolute():
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            pass
    return str(path)


def report_untracked(paths: Iterable[Path], reporter: Reporter) -> None:
    """A problem for each of ``paths`` git does not track."""
    for path, ignored in untracked(paths):
        add = f"git add -f {_shown(path)}" if ignored else f"git add {_shown(path)}"
        reporter.problem(
            _shown(path), None, None,
            f"git {'ignores' if ignored else 'does not track'} this file, which this run read: the commit "
            f"would leave it out and coauthors, CI and arXiv would not have it (run '{add}')",
            code="untracked-input",
        )


def untracked_after_stamp(depends: Iterable[Path], args: argparse.Namespace) -> int:
    """A run that passed before on these bytes (a check stamp): 1, with a line for each file it
    depended on that git does not track, else 0."""
    from pithtex.write.report import Reporter

    env_keys = [Path(p) for p in os.environ.get("PITHTEX_TRUST_KEYS", "").split(os.pathsep) if p.strip()]
    personal = {path.absolute() for path in [*args.trust_key, *env_keys]}  # as the stamp lists them
    reporter = Reporter()
    report_untracked([path for path in depends if path not in personal], reporter)
    reporter.print(quiet=args.quiet)
    return 1 if reporter.problems else 0
