"""``pith.lock``: what a paper's citations resolved to, re-verifiable offline.

Why a lock: builds must be reproducible without the network (arXiv, CI, a
train), and the registry must not be able to change a citation silently
later (trust on first use, like Go's checksum database). Each entry holds
the canonical record and the signed receipt, so it can be re-verified with
the trust store alone; the Pith Number is recomputed, never believed.

The file is deterministic, diff-friendly JSON: sorted keys, two-space
indent, UTF-8, a trailing newline, one entry per arXiv id *as cited*
(``"2511.00066"`` or ``"2511.00066v4"``)::

    {
      "entries": {
        "2511.00066": {"arxiv_id": "2511.00066", "cited_version": null,
                       "source_version": 4, "pith_number": "pith:2025:...",
                       "canonical_sha256": "...", "canonical_record": {...},
                       "receipt": {...}, "key_id": "pith-v1-2026-05",
                       "title": "...", "state_sha256": "...", "event_count": 2}
      },
      "lock_version": 1
    }

``title`` is the registry's plain ``paper.title`` (unsigned: a hint for the
title cross-check). ``state_sha256`` and ``event_count`` appear only after a
``--deep`` resolution.

Writes are atomic (:mod:`pithtex.atomic`) and serialised across
processes by a lock file in the per-user cache directory (:mod:`pithtex.resolve.flock`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pithtex.errors import InputError
from pithtex.ids.arxiv import ArxivId, InvalidArxivId, parse_arxiv_id
from pithtex.ids.pith_number import InvalidPithNumber, PithNumber, parse_pith_number
from pithtex.atomic import replace_file

if TYPE_CHECKING:  # pragma: no cover
    from pithtex.resolve.flock import FileLock
    from pithtex.verify.keys import TrustStore
    from pithtex.verify.result import VerificationResult

__all__ = ["LOCK_VERSION", "LockEntry", "Lockfile", "lock_key"]

LOCK_VERSION = 1
MAX_LOCK_BYTES = 256 * 1024 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")


def lock_key(arxiv: ArxivId) -> str:
    """The entry key for an id as cited: ``2511.00066`` or ``2511.00066v4``."""
    return arxiv.versioned


@dataclass(frozen=True)
class LockEntry:
    """One resolved citation. ``requested`` is the id as cited (version or not)."""

    requested: ArxivId
    source_version: int
    pith_number: PithNumber
    canonical_sha256: str
    canonical_record: dict[str, Any]
    receipt: dict[str, Any]
    key_id: str | None = None
    title: str | None = None
    state_sha256: str | None = None
    event_count: int | None = None

    @property
    def key(self) -> str:
        return lock_key(self.requested)

    @property
    def source(self) -> ArxivId:
        """The resolved record's id, with its version."""
        return ArxivId(self.requested.id, self.source_version)

    @property
    def signed_facts(self) -> tuple[Any, Any, Any]:
        """``(source id, source version, title_canon_sha256)`` as the signed canonical record
        gives them, for the cross-checks; raises ``KeyError``/``TypeError`` like reading
        the record does when it lacks them."""
        facts = _signed_facts(self.canonical_record)
        if facts is None:
            raise KeyError("the canonical record lacks source.id or metadata.title_canon_sha256")
        return facts

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "arxiv_id": self.requested.id,
            "cited_version": self.requested.version,
            "source_version": self.source_version,
            "pith_number": self.pith_number.full,
            "canonical_sha256": self.canonical_sha256,
            "canonical_record": self.canonical_record,
            "receipt": self.receipt,
            "key_id": self.key_id,
            "title": self.title,
        }
        if self.state_sha256 is not None:
            data["state_sha256"] = self.state_sha256
        if self.event_count is not None:
            data["event_count"] = self.event_count
        return data

    def as_record_document(self) -> dict[str, Any]:
        """The entry as a minimal ``pith_number_record``, for the verifier.

        The title hint rides along as ``paper.title`` so that the verifier
        checks it against the signed ``title_canon_sha256``.
        """
        doc: dict[str, Any] = {
            "record_type": "pith_number_record",
            "pith_number": self.pith_number.full,
            "short_pith_number": self.pith_number.short,
            "canonical_sha256": self.canonical_sha256,
            # The signed spelling of the id (old-style ids may carry a subject
            # class); the verifier compares it with the canonical record.
            "source": dict(self.canonical_record["source"])
            if isinstance(self.canonical_record.get("source"), dict)
            else {"kind": "arxiv", "id": self.requested.id, "version": self.source_version},
            "canonical_record": self.canonical_record,
            "receipt": self.receipt,
        }
        if self.title is not None:
            doc["paper"] = {"title": self.title}
        return doc

    @classmethod
    def from_result(
        cls, requested: ArxivId, result: VerificationResult, *, deep: VerificationResult | None = None
    ) -> LockEntry:
        """An entry from a *verified* record (and, with ``--deep``, its verified bundle)."""
        if not result.ok or result.pith_number is None or result.source is None or result.source.version is None:
            raise ValueError("only a verified record with a versioned source can be locked")
        assert result.canonical_sha256 and result.canonical_record is not None and result.receipt is not None
        return cls(
            requested=requested,
            source_version=result.source.version,
            pith_number=result.pith_number,
            canonical_sha256=result.canonical_sha256,
            canonical_record=result.canonical_record,
            receipt=result.receipt,
            key_id=result.key_id or (result.receipt or {}).get("key_id"),
            title=result.title,
            state_sha256=deep.state_sha256 if deep else None,
            event_count=deep.event_count if deep else None,
        )


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def _parse_entry(path: Path, text: str, key: str, raw: Any) -> LockEntry:
    def bad(reason: str) -> InputError:
        line = _line_of(text, json.dumps(key) + ":")  # only on error: searching is O(size)
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
    count = raw.get("event_count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
        raise bad("event_count must be a non-negative integer")
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


def _signed_facts(record: Mapping[str, Any]) -> tuple[Any, Any, Any] | None:
    """See :attr:`LockEntry.signed_facts`; None when the record lacks them."""
    source, metadata = record.get("source"), record.get("metadata")
    if not isinstance(source, dict) or "id" not in source:
        return None
    if not isinstance(metadata, dict) or "title_canon_sha256" not in metadata:
        return None
    return source["id"], source.get("version"), metadata["title_canon_sha256"]


@dataclass
class Lockfile:
    """The entries of one ``pith.lock`` (an empty lock when the file does not exist)."""

    path: Path
    entries: dict[str, LockEntry] = field(default_factory=dict)
    #: The exact bytes read (``None`` when the file did not exist): lets a
    #: writer tell whether anything changed, and tests that nothing did.
    original: bytes | None = None
    _dirty: bool = field(default=False, repr=False, compare=False)

    # -- reading ---------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> Lockfile:
        """Read and check ``path``; a malformed lock is an :class:`InputError` with file and line."""
        from pithtex.verify.canonical import StrictJSONError, load_signed_json

        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return cls(path)
        except IsADirectoryError:
            raise InputError(f"{path}: is a directory, not a lock file") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
        text = data.decode("utf-8", errors="replace")
        if not data.strip():
            raise InputError(f"{path}:1: empty lock file", hint="delete it to start afresh")
        try:
            doc = load_signed_json(data, max_bytes=MAX_LOCK_BYTES)
        except StrictJSONError as exc:
            message = str(exc)
            match = re.search(r"at line (\d+) column \d+", message)
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
        if version != LOCK_VERSION:
            line = _line_of(text, '"lock_version"')
            raise InputError(
                f"{path}:{line}: unsupported lock_version {version!r} "
                f"(this pithtex reads {LOCK_VERSION})",
                hint="upgrade pithtex",
            )
        entries = {key: _parse_entry(path, text, key, raw) for key, raw in doc["entries"].items()}
        return cls(path, entries, data)

    def get(self, arxiv: ArxivId) -> LockEntry | None:
        """The entry for an id exactly as cited (``2511.00066`` and ``2511.00066v4`` differ)."""
        return self.entries.get(lock_key(arxiv))

    def __iter__(self) -> Iterator[LockEntry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def conflicts(self, entry: LockEntry) -> list[LockEntry]:
        """Entries for the same arXiv id and version with a *different* digest (TOFU)."""
        return [
            other
            for other in self.entries.values()
            if other.requested.id == entry.requested.id
            and other.source_version == entry.source_version
            and other.canonical_sha256 != entry.canonical_sha256
        ]

    def verify_entry(self, entry: LockEntry, trust: TrustStore) -> VerificationResult:
        """Re-verify an entry offline: digest, signature (trusted keys only), Pith Number, id."""
        return self._verify_entry(entry, trust)

    def _verify_entry(self, entry: LockEntry, trust: TrustStore) -> VerificationResult:
        # verify_record rather than verify_document: the lock was parsed with
        # load_signed_json already, so re-validating the JSON values per entry
        # would only cost time (a third of a warm run).
        from pithtex.verify.records import verify_record
        from pithtex.verify.result import Check

        result = verify_record(entry.as_record_document(), trust)
        source, wanted = result.source, entry.requested
        if source is None or source.id != wanted.id or (wanted.version is not None and source.version != wanted.version):
            result.add(Check("expected", False, f"record is for {source}, not {wanted}"))
        elif source.version != entry.source_version:
            result.add(Check("expected", False, f"record is {source}, but the entry says v{entry.source_version}"))
        else:
            result.add(Check("expected", True, f"the canonical record is for {wanted}"))
        if result.pith_number != entry.pith_number:  # verify_record compares the claimed number too
            result.add(Check("lock_pith_number", False, f"the entry says {entry.pith_number.full}, the record gives {result.pith_number}"))
        return result

    # -- writing ---------------------------------------------------------
    def put(self, entry: LockEntry) -> None:
        """Add or replace the entry for its id as cited (marks the lock changed if it differs)."""
        known = self.entries.get(entry.key)
        if known is None or known.to_json() != entry.to_json():
            self._dirty = True
        self.entries[entry.key] = entry

    def dumps(self) -> bytes:
        doc = {
            "lock_version": LOCK_VERSION,
            "entries": {key: self.entries[key].to_json() for key in sorted(self.entries)},
        }
        return (json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @property
    def changed(self) -> bool:
        """Whether an entry was added or changed since loading (formatting alone never is)."""
        return self._dirty

    def file_lock(self, timeout: float = 120.0) -> FileLock:
        """A cross-process lock serialising writers of this lock file.

        The lock file lives in the per-user cache directory (named by a hash
        of this lock's absolute path), not beside the sources: a run must
        leave nothing behind in the paper's directory.
        """
        import hashlib

        from pithtex.resolve.cache import default_cache_dir
        from pithtex.resolve.flock import FileLock

        name = hashlib.sha256(str(self.path.resolve()).encode("utf-8")).hexdigest()[:32]
        directory = default_cache_dir() / "locks"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            usable = os.access(directory, os.W_OK)
        except OSError:
            usable = False
        if usable:
            return FileLock(str(directory / f"{name}.lock"), timeout=timeout)
        # A read-only cache (some CI set-ups): a hidden lock file beside pith.lock.
        return FileLock(str(self.path.with_name(f".{self.path.name}.lock")), timeout=timeout)

    def save(self) -> bool:
        """Write the lock atomically if it changed; returns whether it wrote.

        Callers that read, resolve and write should hold :meth:`file_lock`
        for the whole sequence so that concurrent runs serialise.
        """
        if not self.changed:
            return False
        data = self.dumps()
        replace_file(self.path, data, make_parents=True)
        self.original = data
        self._dirty = False
        return True
