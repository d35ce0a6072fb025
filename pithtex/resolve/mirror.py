"""Build a mirror directory: verified records and bundles in the registry's layout.

``pithtex mirror add DIR FILE...`` verifies every file first (all or
nothing: one invalid file and nothing is written), then files each one
under the registry's own paths (:mod:`pithtex.resolve.layout`) plus the
static alias files the resolve endpoint needs. Any static web server can
host the result; ``pithtex serve`` adds the resolve endpoint itself.

The alias index (``pith/alias/index.json``) remembers which Pith Number each
arXiv id points to, so that the unversioned alias follows the newest version
and a *different* record for an id and version already mirrored is refused
(a mirror must never equivocate).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pithtex.errors import InputError, PithtexError, UsageError
from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import parse_pith_number
from pithtex.resolve import layout
from pithtex.write.atomic import replace_file

if TYPE_CHECKING:  # pragma: no cover
    from pithtex.verify.keys import TrustStore
    from pithtex.verify.result import VerificationResult

__all__ = ["MirrorAdded", "add_to_mirror"]

MAX_INPUT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class MirrorAdded:
    path: Path
    kind: str
    source: ArxivId
    pith_number: str


def _load_index(root: Path) -> dict[str, dict[str, Any]]:
    path = root / layout.ALIAS_INDEX
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: unreadable alias index ({exc})") from None
    aliases = doc.get("arxiv") if isinstance(doc, dict) else None
    if not isinstance(aliases, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("suffix"), str) and type(v.get("version")) is int for v in aliases.values()
    ):  # (an entry of another shape was an internal error, exit 3)
        raise InputError(f"{path}: malformed alias index (expected {{\"arxiv\": {{id: {{\"suffix\", \"version\", ...}}}}}})",
                         hint="delete it and run 'pithtex mirror add' with the mirror's records again")
    return aliases


def _alias_on_disk(root: Path, arxiv: Any) -> dict[str, Any] | None:
    """What an alias file says when the index does not: a run that stopped half way (interrupted, a
    full disk) wrote alias files but not the index, which is written last; the next run then filed a
    second record for one version."""
    try:
        doc = json.loads((root / layout.alias_path(arxiv)).read_bytes())
        number = parse_pith_number(doc["pith_number"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    return {"suffix": number.suffix, "pith_number": number.full}


def _read_input(path: Path) -> bytes:
    from pithtex.readfile import Unreadable, read_bounded

    try:
        return read_bounded(path, MAX_INPUT_BYTES)[0]
    except FileNotFoundError:
        raise InputError(f"{path}: cannot read: no such file") from None
    except Unreadable as exc:
        if "directory" in exc.reason:
            raise InputError(f"{path}: is a directory") from None
        if "larger than" in exc.reason:
            raise InputError(f"{path}: larger than {MAX_INPUT_BYTES} bytes; not a Pith document") from None
        raise InputError(f"{path}: cannot read: {exc.reason}") from None


def _is_manifest(data: bytes) -> bool:
    """Whether ``data`` is a mirror manifest (``pith-mirrors.json``): it lists mirrors, it is not one."""
    if b"pith_mirror_manifest" not in data[:4096]:
        return False
    try:
        doc = json.loads(data)
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("manifest_type") == "pith_mirror_manifest"


def add_to_mirror(root: Path, files: list[Path], trust: TrustStore, skipped: list[str]) -> list[MirrorAdded]:
    """Verify ``files`` and file them into the mirror at ``root`` (created if needed).

    A mirror manifest among them (``mirror add DIR *.json`` in a directory that holds one) is
    skipped, with a note appended to ``skipped``, not refused."""
    from pithtex.resolve.flock import FileLock

    from pithtex.verify.document import verify_json_bytes

    if root.exists() and not root.is_dir():
        raise UsageError(f"{root}: exists and is not a directory")
    checked: list[tuple[Path, bytes, VerificationResult]] = []
    problems: list[str] = []
    for path in files:
        data = _read_input(path)
        if _is_manifest(data):
            skipped.append(f"{path}: a mirror manifest (pith_mirror_manifest), not a record or bundle: skipped")
            continue
        result = verify_json_bytes(data, trust)
        if result.kind not in ("record", "bundle"):
            problems.append(f"{path}: not a Pith record or bundle ({result.kind}); only those can be mirrored")
        elif not result.ok:
            problems.append(f"{path}: does not verify: " + "; ".join(result.problems))
        elif result.source is None or result.source.version is None or result.pith_number is None:
            problems.append(f"{path}: names no versioned arXiv source")
        else:
            checked.append((path, data, result))
    if problems:
        raise PithtexError(
            problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
            hint="nothing was written to the mirror",
        )
    _refuse_escapes(root, checked)  # before the lock file is made, and again under the lock
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / ".pithtex-mirror.lock"), timeout=120):
        return _file_all(root, checked)


def _outside(root: Path, relative: str) -> Path | None:
    """The first existing directory on the way to ``root/relative`` that leads out of ``root``
    (a symbolic link to elsewhere), or None: writing there would write outside the mirror."""
    real_root = Path(os.path.realpath(root))
    here = root
    for part in Path(relative).parent.parts:
        here = here / part
        if not os.path.lexists(here):
            return None  # made by us, inside
        if not Path(os.path.realpath(here)).is_relative_to(real_root):
            return here
    return None


def _planned_paths(checked: list[tuple[Path, bytes, VerificationResult]]) -> list[str]:
    """Every path the mirror may write for ``checked`` (the layout is fixed by the ids and numbers)."""
    paths = [layout.ALIAS_INDEX]
    for _path, _data, result in checked:
        assert result.source is not None and result.pith_number is not None
        suffix = result.pith_number.suffix
        paths += [layout.record_path(suffix), layout.bundle_path(suffix), layout.well_known_bundle_path(suffix),
                  layout.state_path(suffix), layout.alias_path(result.source),
                  layout.alias_path(result.source.without_version())]
    return paths


def _refuse_escapes(root: Path, checked: list[tuple[Path, bytes, VerificationResult]]) -> None:
    """Refuse, before anything is written, any path the mirror would write through a symbolic
    link that leads out of ``root`` (all or nothing)."""
    for relative in _planned_paths(checked):
        escape = _outside(root, relative)
        if escape is not None:
            raise PithtexError(
                f"{escape}: a symbolic link out of the mirror {root}; refusing to write {relative} through it",
                hint="nothing was written to the mirror",
            )


def _file_all(root: Path, checked: list[tuple[Path, bytes, VerificationResult]]) -> list[MirrorAdded]:
    _refuse_escapes(root, checked)
    index = _load_index(root)
    # Check every alias before writing anything: a conflict leaves the mirror as it was.
    for path, _, result in checked:
        assert result.source is not None and result.pith_number is not None
        known = index.get(result.source.versioned) or _alias_on_disk(root, result.source)
        if known and known.get("suffix") != result.pith_number.suffix:
            raise PithtexError(
                f"{path}: the mirror already holds {known.get('pith_number')} for {result.source}, "
                f"not {result.pith_number.full}; a mirror never holds two records for one version",
                hint="nothing was written to the mirror",
            )
    try:
        return _write_all(root, checked, index)
    except OSError as exc:  # (a raw OSError, exit 2, named a temporary file)
        where = Path(exc.filename).parent if exc.filename else root
        raise PithtexError(
            f"{where}: cannot write the mirror: {exc.strerror or exc}",
            hint="fix that, then run the same 'pithtex mirror add' again: it finishes the mirror",
        ) from None


def _write_all(root: Path, checked: list[tuple[Path, bytes, VerificationResult]], index: dict[str, Any]) -> list[MirrorAdded]:
    from pithtex.write.atomic import files_replaced

    files_replaced.append(f"part of {root} (its alias index last)")  # what an interruption says was written
    added: list[MirrorAdded] = []
    for path, data, result in sorted(checked, key=lambda item: item[2].kind != "record"):
        assert result.source is not None and result.pith_number is not None
        suffix = result.pith_number.suffix
        if result.kind == "record":
            copies = [layout.record_path(suffix)]
        else:
            copies = [layout.bundle_path(suffix), layout.well_known_bundle_path(suffix)]
            doc = json.loads(data)
            if isinstance(doc.get("state"), dict):
                state = json.dumps(doc["state"], indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
                replace_file(root / layout.state_path(suffix), state, make_parents=True)
        for relative in copies:
            replace_file(root / relative, data, make_parents=True)
        # Alias files carry the record itself (or the bundle when no record is mirrored).
        has_record = (root / layout.record_path(suffix)).is_file()
        alias_body = data if result.kind == "record" or not has_record else (root / layout.record_path(suffix)).read_bytes()
        versioned = result.source
        unversioned = versioned.without_version()
        targets = [versioned]
        current = index.get(unversioned.versioned)
        if current is None or current.get("version", 0) <= versioned.version or current.get("suffix") == suffix:
            targets.append(unversioned)
        for alias in targets:
            entry = {"suffix": suffix, "pith_number": result.pith_number.full, "version": versioned.version}
            if result.kind == "record" or index.get(alias.versioned, {}).get("kind") != "record":
                entry["kind"] = "record" if has_record else "bundle"
                index[alias.versioned] = entry
                replace_file(root / layout.alias_path(alias), alias_body, make_parents=True)
        added.append(MirrorAdded(path, result.kind, versioned, result.pith_number.full))
    body = json.dumps({"arxiv": index}, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    replace_file(root / layout.ALIAS_INDEX, body.encode("utf-8"), make_parents=True)
    return added
