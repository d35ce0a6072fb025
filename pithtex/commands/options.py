"""Options shared by the commands that resolve (resolve, annotate, check).

``self_id(flag, configured)`` reads the paper's own arXiv id the same way
for annotate and check.

``add_resolution_options(parser)`` declares them once so that every command
spells them the same; ``resolution_settings(args, inputs)`` combines them
with the configuration file and the environment (flags > environment >
configuration > defaults) into a :class:`~pithtex.resolve.resolver.ResolveSettings`.
"""

from __future__ import annotations

import argparse
from collections import namedtuple
from pathlib import Path

from pithtex.commands.inputs import add_trust_key_option
from pithtex.errors import UsageError

TYPE_CHECKING = False  # `pithtex check` imports neither typing nor dataclasses (~7 ms of its start-up)
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

    from pithtex.config import Config
    from pithtex.ids.arxiv import ArxivId
    from pithtex.resolve.lockfile import LockEntry
    from pithtex.resolve.resolver import ResolveSettings

__all__ = [
    "LoadedSettings",
    "add_resolution_options",
    "load_checked_config",
    "load_settings",
    "resolution_settings",
    "self_id",
    "self_in_lock",
    "settings_from",
]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def add_resolution_options(parser: argparse.ArgumentParser, *, json_option: bool = True) -> None:
    """Declare --registry, --lock, --offline, --locked, --update, --deep, --concurrency,
    --quiet, --trust-key (repeatable) and --json."""
    group = parser.add_argument_group("resolution")
    group.add_argument(
        "--registry", metavar="URL|DIR",
        help="registry URL or mirror directory (default: $PITHTEX_REGISTRY, then the config file, then https://pith.science)",
    )
    group.add_argument("--lock", metavar="PATH", type=Path, help="lock file (default: pith.lock beside the sources)")
    group.add_argument("--offline", action="store_true", help="use only pith.lock and the cache; no network")
    group.add_argument(
        "--locked", action="store_true", help="fail when an id is missing from pith.lock; never write it"
    )
    group.add_argument("--update", action="store_true", help="refresh entries from the registry on purpose")
    group.add_argument("--deep", action="store_true", help="also fetch and verify each open-graph bundle")
    group.add_argument("--concurrency", type=_positive_int, metavar="N", help="parallel requests (default 8)")
    group.add_argument("-q", "--quiet", action="store_true", help="no progress bar; print only problems")
    add_trust_key_option(group)
    if json_option:
        group.add_argument("--json", action="store_true", help="machine-readable output")


class LoadedSettings(namedtuple("LoadedSettings", "config settings")):
    """The configuration (a Config) and the resolver settings (ResolveSettings), for commands that need both."""

    __slots__ = ()


def load_settings(args: argparse.Namespace, inputs: list[Path] | tuple[Path, ...]) -> LoadedSettings:
    """Config (file + environment) with the flags applied, and the resolver settings."""
    config = load_checked_config(args, inputs)
    return LoadedSettings(config, settings_from(args, config))


def load_checked_config(args: argparse.Namespace, inputs: list[Path] | tuple[Path, ...]) -> Config:
    """The configuration (file + environment), its warnings printed, and the resolution flags
    checked: the cheap half of :func:`load_settings` (no resolver, cache or keys imported)."""
    import sys

    from pithtex.config import load_config

    config = load_config(list(inputs))
    for warning in config.warnings:
        print(f"pithtex: warning: {warning}", file=sys.stderr)
    if getattr(args, "update", False) and (getattr(args, "offline", False) or getattr(args, "locked", False)):
        raise UsageError("--update cannot be combined with --offline or --locked")
    return config


def settings_from(args: argparse.Namespace, config: Config) -> ResolveSettings:
    """The resolver settings from the flags and :func:`load_checked_config`'s configuration."""
    from pithtex.resolve.cache import Cache
    from pithtex.resolve.resolver import ResolveSettings
    from pithtex.verify.keys import trust_store_from

    offline = bool(getattr(args, "offline", False))
    locked = bool(getattr(args, "locked", False))
    update = bool(getattr(args, "update", False))
    lock_path = getattr(args, "lock", None)
    return ResolveSettings(
        registry=getattr(args, "registry", None) or config.registry,
        lock_path=Path(lock_path).resolve() if lock_path else config.lock,
        trust=trust_store_from([*config.trust_keys, *getattr(args, "trust_key", [])]),
        offline=offline,
        locked=locked,
        update=update,
        deep=bool(getattr(args, "deep", False)),
        concurrency=getattr(args, "concurrency", None) or config.concurrency,
        quiet=bool(getattr(args, "quiet", False)),
        cache=Cache(),
    )


def resolution_settings(args: argparse.Namespace, inputs: list[Path] | tuple[Path, ...]) -> ResolveSettings:
    """The resolver settings from flags + environment + configuration file."""
    return load_settings(args, inputs).settings


def self_id(flag: str | None, configured: ArxivId | None) -> ArxivId | None:
    """The paper's own arXiv id: ``--self`` when given (a usage error if it is not an id), else the config's."""
    if not flag:
        return configured
    from pithtex.ids.arxiv import InvalidArxivId, parse_arxiv_id

    try:
        return parse_arxiv_id(flag)
    except InvalidArxivId as exc:
        raise UsageError(f"--self {flag!r}: {exc.reason}") from None


def self_in_lock(self_id: ArxivId, entries: Iterable[LockEntry]) -> ArxivId:
    """The lock's spelling of the paper's own id: ``--self 2606.01249`` names the lock's
    ``2606.01249v1`` (its latest version there) when the lock holds no unversioned entry, and
    ``--self 2606.01249v1`` the lock's ``2606.01249`` when that entry is version 1. Otherwise
    ``self_id`` as given."""
    same = [e for e in entries if e.requested.id == self_id.id]
    if any(e.requested == self_id for e in same):
        return self_id
    if self_id.version is None:
        versioned = [e for e in same if e.requested.version is not None]
        if versioned:
            return max(versioned, key=lambda e: e.requested.version or 0).requested
        return self_id
    for e in same:
        if e.requested.version is None and e.source_version == self_id.version:
            return e.requested
    return self_id
