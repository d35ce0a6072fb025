"""Project configuration: ``[tool.pithtex]`` in ``pyproject.toml`` or ``pithtex.toml``.

Why a file at all: a paper's build (its registry, lock path, the field name
used in .bib files, its own arXiv id) should be the same for every co-author
and for CI without repeating flags. Precedence is flags > environment
(``PITHTEX_REGISTRY``) > configuration file > defaults; the command modules
apply the flags, :func:`load_config` the rest.

The file is searched from the directory of the first input upward, stopping
at the directory holding ``.git`` or at the filesystem root. ``pithtex.toml``
(top-level keys, or a ``[tool.pithtex]`` table) wins over ``pyproject.toml``
in the same directory. Unknown keys are a warning; a key of the wrong type is
a :class:`~pithtex.errors.UsageError` naming the file and the key.
"""

from __future__ import annotations

import os
import sys
from collections import namedtuple
from pathlib import Path

from pithtex.errors import InputError, UsageError
from pithtex.ids.arxiv import InvalidArxivId, parse_arxiv_id

TYPE_CHECKING = False  # `pithtex check` imports neither typing nor dataclasses (~7 ms of its start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_FIELD",
    "DEFAULT_LOCK_NAME",
    "DEFAULT_REGISTRY",
    "Config",
    "env_number",
    "find_config_file",
    "load_config",
]

DEFAULT_REGISTRY = "https://pith.science"
DEFAULT_FIELD = "pithnumber"
DEFAULT_LOCK_NAME = "pith.lock"
DEFAULT_CONCURRENCY = 8
REGISTRY_ENV = "PITHTEX_REGISTRY"


_FIELDS = "registry field lock self_id concurrency trust_keys bibrefs write_field config_file warnings"
_DEFAULTS = (DEFAULT_REGISTRY, DEFAULT_FIELD, Path(DEFAULT_LOCK_NAME), None, DEFAULT_CONCURRENCY, (), True, True, None,
             ())


class Config(namedtuple("Config", _FIELDS, defaults=_DEFAULTS)):
    """Settings shared by resolve, annotate and check (before command-line flags).

    ``lock`` is an absolute path; ``self_id`` an ArxivId or None; ``trust_keys`` a tuple of
    paths; ``write_field`` False: Pith Numbers go to pith.lock and refs.pith only, the .bib
    is never edited (generated bibliographies: see pithtex.commands.nofield); ``config_file``
    is where the settings came from (``None`` when only defaults and the environment applied).
    ``warnings`` (a tuple of str) take no part in equality. A named tuple, not a dataclass:
    `pithtex check` imports no dataclasses.
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return self[:-1] == other[:-1] if other.__class__ is self.__class__ else NotImplemented  # type: ignore[index]

    def __ne__(self, other: object) -> bool:
        return not self == other if other.__class__ is self.__class__ else NotImplemented

    def __hash__(self) -> int:
        return hash(self[:-1])


# key -> (expected python type(s), description for messages)
_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "registry": (str, "a URL or a mirror directory"),
    "field": (str, "a BibTeX field name"),
    "lock": (str, "a path"),
    "self_id": (str, "an arXiv id"),
    "self-id": (str, "an arXiv id"),
    "concurrency": (int, "a positive integer"),
    "trust_keys": (list, "a list of key file paths"),
    "trust-keys": (list, "a list of key file paths"),
    "bibrefs": (bool, "true or false"),
    "write_field": (bool, "true or false"),
    "write-field": (bool, "true or false"),
}


def env_number(name: str, default: float, *, what: str, integer: bool = False, zero: bool = False) -> float:
    """The number in environment variable ``name`` (``default`` when unset or empty).

    A value that is not a finite number, is negative, or is zero when ``zero`` is
    False, is a usage error naming the variable: a typo (``30s``) silently
    meant the default, and ``inf`` or ``nan`` an internal error or a ``nans``
    deadline. ``what`` names the unit for the message (``seconds``, ``bytes``).
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = None
    if value is None or value != value or value in (float("inf"), float("-inf")) or value < 0 or (value == 0 and not zero):
        kind = "a whole number" if integer else "a number"
        bound = "0 or more" if zero else "more than 0"
        raise UsageError(f"{name}={raw!r}: not {kind} of {what} ({bound})",
                         hint=f"unset {name} for the default ({int(default) if integer else f'{default:g}'})")
    return value


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    from pithtex.readfile import Unreadable, open_regular

    try:
        with open_regular(path) as handle:  # never waits on a FIFO
            return tomllib.load(handle)
    except Unreadable as exc:
        raise UsageError(f"{path}: cannot read configuration: {exc.reason}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read configuration: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None


def _table_of(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    """The pithtex table of a parsed file, or ``None`` when it has none."""
    tool = data.get("tool")
    table = tool.get("pithtex") if isinstance(tool, dict) else None
    if table is None and path.name == "pithtex.toml":
        table = {k: v for k, v in data.items() if k != "tool"}
    if table is not None and not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.pithtex] must be a table")
    return table


def find_config_file(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration file at or above ``start`` with pithtex settings."""
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    while True:
        for name in ("pithtex.toml", "pyproject.toml"):
            candidate = directory / name
            if candidate.is_file():
                table = _table_of(candidate, _load_toml(candidate))
                if table is not None:
                    return candidate, table
        if (directory / ".git").exists() or directory.parent == directory:
            return None
        directory = directory.parent


def _check_type(path: Path, key: str, value: Any) -> None:
    expected, description = _KEYS[key]
    # bool is an int in Python: a concurrency of `true` is still wrong.
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if not ok:
        raise UsageError(
            f"{path}: [tool.pithtex] {key} must be {description}, not {type(value).__name__} {value!r}"
        )


def _apply_table(config: Config, path: Path, table: dict[str, Any]) -> Config:
    base = path.parent
    changes: dict[str, Any] = {}
    warnings: list[str] = []
    for key, value in table.items():
        if key not in _KEYS:
            warnings.append(f"{path}: unknown [tool.pithtex] key {key!r} ignored")
            continue
        _check_type(path, key, value)
        name = key.replace("-", "_")
        if name == "lock":
            changes["lock"] = _real(base / value)
        elif name == "self_id":
            try:
                changes["self_id"] = parse_arxiv_id(value)
            except InvalidArxivId as exc:
                raise UsageError(f"{path}: [tool.pithtex] self_id: {exc}") from None
        elif name == "concurrency":
            if value < 1:
                raise UsageError(f"{path}: [tool.pithtex] concurrency must be at least 1, not {value}")
            changes["concurrency"] = value
        elif name == "trust_keys":
            if not all(isinstance(item, str) for item in value):
                raise UsageError(f"{path}: [tool.pithtex] trust_keys must be a list of path strings")
            changes["trust_keys"] = tuple(_real(base / item) for item in value)
        elif name == "registry":
            changes["registry"] = _registry_relative_to(value, base)
        else:
            changes[name] = value
    return config._replace(config_file=path, warnings=tuple(warnings), **changes)


def _registry_relative_to(value: str, base: Path) -> str:
    """A mirror directory named in a config file is relative to that file."""
    if "://" in value or value.startswith("file:") or Path(value).is_absolute():
        return value
    return str((base / value).resolve())


def _real(path: Path) -> Path:
    """``path.resolve()``; a loop of symbolic links (``ln -s pith.lock pith.lock``) is exit 2, not an
    internal error."""
    try:
        real = path.resolve()
        if path.is_symlink() and not path.exists():  # dangling: kept, so that pith.lock's reader can say so
            return Path(os.path.abspath(path))
        return real
    except (RuntimeError, OSError):
        raise InputError(f"{path}: a loop of symbolic links", hint="point the link at a file, or delete it") from None


def load_config(inputs: list[Path] | tuple[Path, ...] = (), *, environ: dict[str, str] | None = None) -> Config:
    """Defaults, then the configuration file found from the first input, then the environment.

    The default lock is ``pith.lock`` beside the first input (or in the
    current directory when there is none).
    """
    env = os.environ if environ is None else environ
    first = Path(inputs[0]) if inputs else Path.cwd()
    start = first if first.is_dir() else (first.parent if str(first.parent) else Path.cwd())
    config = Config(lock=_real(start / DEFAULT_LOCK_NAME))
    found = find_config_file(start)
    if found is not None:
        config = _apply_table(config, *found)
    registry = env.get(REGISTRY_ENV)
    if registry:
        config = config._replace(registry=registry)
    return config
