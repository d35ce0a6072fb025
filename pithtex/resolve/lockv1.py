"""Reading a ``lock_version`` 1 ``pith.lock`` (pretty-printed JSON), so that it can be rewritten as v2.

A v1 lock is one JSON object, ``{"entries": {id as cited: {...}}, "lock_version": 1}``,
each entry holding ``arxiv_id``, ``cited_version``, ``source_version``,
``pith_number``, ``canonical_sha256``, ``canonical_record``, ``receipt``,
``key_id``, ``title`` and, after ``--deep``, ``state_sha256`` and
``event_count``. It is read strictly (:func:`pithtex.verify.canonical.load_signed_json`:
no duplicate keys, floats or lone surrogates) and its entries verify like any
other; the next time the lock is written, it is written as v2
(:mod:`pithtex.resolve.lockfile`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pithtex.errors import InputError
from pithtex.ids.arxiv import InvalidArxivId, parse_arxiv_id
from pithtex.ids.pith_number import InvalidPithNumber, parse_pith_number

if TYPE_CHECKING:  # pragma: no cover
    from pithtex.resolve.lockfile import LockEntry

__all__ = ["read_v1"]

_HEX64 = re.compile(r"[0-9a-f]{64}")


def line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def read_v1(path: Path, data: bytes, max_bytes: int) -> dict[str, LockEntry]:
    """The entries of a v1 lock's bytes; a malformed one is an :class:`InputError` with file and line."""
    from pithtex.verify.canonical import StrictJSONError, load_signed_json

    text = data.decode("utf-8", errors="replace")
    try:
        doc = load_signed_json(data, max_bytes=max_bytes)
    except StrictJSONError as exc:
        message = str(exc)
        match = re.search(r"\(line (\d+) column \d+\)", message)
        line = match.group(1) if match else "1"
        raise InputError(f"{path}:{line}: malformed pith.lock: {message}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), dict):
        raise InputError(f"{path}:1: malformed pith.lock: expected an object with \"entries\"")
    version = doc.get("lock_version")
    if version is None or isinstance(version, bool) or not isinstance(version, int):
        raise InputError(  # not a newer format: a file pithtex did not write (or a damaged one)
            f"{path}:1: malformed pith.lock: no lock_version (pithtex writes one in every lock); "
            "restore it from version control, or delete it and run 'pithtex resolve'"
        )
    if version != 1:
        line = line_of(text, '"lock_version"')
        raise InputError(
            f"{path}:{line}: unsupported lock_version {version!r} (this pithtex reads 1 and 2)",
            hint="upgrade pithtex",
        )
    from pithtex.resolve.lockfile import lock_key

    entries: dict[str, LockEntry] = {}
    for key, raw in doc["entries"].items():
        entry = _parse_entry(path, text, key, raw)
        # keyed as v2 writes it: "arXiv:2511.00066" beside "2511.00066" became two lines v2 refuses
        normal = lock_key(entry.requested)
        if normal in entries:
            raise InputError(
                f"{path}:{line_of(text, json.dumps(key) + ':')}: malformed pith.lock: entry {key!r} is "
                f"{normal}, which the lock has already",
                hint="delete one of the two entries, or delete both and run 'pithtex resolve'",
            )
        entries[normal] = entry
    return entries


def _parse_entry(path: Path, text: str, key: str, raw: Any) -> LockEntry:
    from pithtex.resolve.lockfile import LockEntry

    def bad(reason: str) -> InputError:
        line = line_of(text, json.dumps(key) + ":")  # only on error: searching is O(size)
        return InputError(
            f"{path}:{line}: entry {key!r}: {reason}",
            hint="fix the entry, or delete it and run 'pithtex resolve --update'",
        )

    if not isinstance(raw, dict):
        raise bad("not an object")
    try:
        requested = parse_arxiv_id(key)
    except InvalidArxivId as exc:
        raise bad(exc.reason) from None
    if raw.get("arxiv_id") != requested.id or raw.get("cited_version") != requested.version:
        raise bad("arxiv_id/cited_version do not match the entry's key")
    version = raw.get("source_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise bad("source_version must be a positive integer")
    if requested.version is not None and version != requested.version:
        raise bad(f"cited as v{requested.version} but locked to v{version}")
    try:
        number = parse_pith_number(raw.get("pith_number"))
    except InvalidPithNumber as exc:
        raise bad(f"pith_number: {exc.reason}") from None
    digest = raw.get("canonical_sha256")
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        raise bad("canonical_sha256 must be 64 lower-case hex characters")
    record, receipt = raw.get("canonical_record"), raw.get("receipt")
    if not isinstance(record, dict) or not isinstance(receipt, dict):
        raise bad("canonical_record and receipt must be objects")
    for name in ("key_id", "title", "state_sha256"):
        if raw.get(name) is not None and not isinstance(raw.get(name), str):
            raise bad(f"{name} must be a string")
    count, state = raw.get("event_count"), raw.get("state_sha256")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
        raise bad("event_count must be a non-negative integer")
    if (count is None) != (state is None) or (state is not None and not _HEX64.fullmatch(state)):
        # as strict as v2's reader, which would refuse the line this entry is rewritten as
        raise bad("the --deep state needs both event_count and state_sha256 (64 lower-case hex characters)")
    return LockEntry(
        requested=requested,
        source_version=version,
        pith_number=number,
        canonical_sha256=digest,
        canonical_record=record,
        receipt=receipt,
        key_id=raw.get("key_id"),
        title=raw.get("title"),
        state_sha256=raw.get("state_sha256"),
        event_count=count,
    )
