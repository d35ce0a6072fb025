"""``pith.lock``: what a paper's citations resolved to, re-verifiable offline.

Why a lock: builds must be reproducible without the network (arXiv, CI, a
train), and the registry must not be able to change a citation silently
later (trust on first use, like Go's checksum database). Each entry holds the
signed canonical record and the registry's signature over its digest, so it
can be re-verified with the trust store alone; the Pith Number is recomputed,
never believed.

Format (``lock_version`` 2): a header line, then one line per reference,
sorted by arXiv id as cited, each a JSON array in canonical form (sorted
keys, no spaces, UTF-8)::

    {"lock_version":2,"note":"..."}
    ["2511.00066","pith:2025:SPDD...","Sharpness-Guided Group ...","pith-v1-2026-05","zoBZ...==",null,{"metadata":{...},"schema_version":"1.0","source":{...}}]
    ["2602.19327v3",...]

The fields: the id as cited (``2511.00066`` or ``2511.00066v4``), the Pith
Number, the registry's plain title, the signing key's id, the Ed25519
signature (base64) over the SHA-256 of the canonical record, ``null`` or
``{"event_count":n,"state_sha256":"..."}`` after a ``--deep`` resolution, and
the compact canonical record itself, last. The signature covers the record;
the Pith Number and the title are the two things a reader of a diff needs,
and both are checked against it (the number is recomputed; the title must
hash to the signed ``title_canon_sha256``). The receipt's other fields are
constants or unsigned timestamps and are not kept. One line per reference
means that two coauthors who add different references change different
lines: git merges them (with ``pith.lock merge=union`` in
``.gitattributes`` even when the new lines are neighbours; a merged lock that
is out of order is read and written back sorted).

Reading is one ``json.loads`` over the lines and a few checks per entry, and
refuses floats, NaN, integers outside +-(2**53-1), lone surrogates and
repeated ids (a ``file:line:`` message). What makes an entry trustworthy is
checked when it is verified, in one pass over its bytes: the line must be
exactly the canonical serialisation of its values (so a record with repeated
keys, escapes or spaces fails), the signature strict base64 of 64 bytes over
the SHA-256 of the record's bytes, and the Pith Number must derive from it.

A ``lock_version`` 1 lock (pretty-printed JSON, :mod:`pithtex.resolve.lockv1`)
is read and verified the same way, and written as v2 the next time the lock
is written (an entry added or changed; :attr:`Lockfile.converted` says so).

Writes are atomic (:mod:`pithtex.write.atomic`) and serialised across
processes by a lock file in the per-user cache directory (:mod:`pithtex.resolve.flock`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from pithtex.errors import InputError
from pithtex.ids.arxiv import ArxivId, InvalidArxivId, parse_arxiv_id
from pithtex.ids.pith_number import MAX_YEAR, MIN_YEAR, InvalidPithNumber, PithNumber

TYPE_CHECKING = False  # (no typing import on `pithtex check`'s start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, NoReturn

    from pithtex.resolve.flock import FileLock
    from pithtex.verify.keys import TrustStore
    from pithtex.verify.result import VerificationResult

__all__ = ["LOCK_VERSION", "POOL_ENTRIES", "LockEntry", "Lockfile", "lock_key"]

#: From this many entries to verify at once, a second process verifies half of them
#: (:meth:`Lockfile.verify_many`): Ed25519 is most of a cold run's time, and on two cores
#: this halves it. The number it is kept for: cold ``annotate`` on 20,000 entries
#: (benchmarks/RESULTS.md, issue 17). Where it starts (benchmarks/bench_pool.py): 100 entries
#: 9 ms in one process, 16 in two; 300: 25 -> 20; 500: 42 -> 28; 1,000: 85 -> 52. So from 500,
#: clear of where a fork of a larger process costs more than it saves.
POOL_ENTRIES = 500

LOCK_VERSION = 2
MAX_LOCK_BYTES = 256 * 1024 * 1024
HEADER = (
    '{"lock_version":2,"note":"pith.lock: one line per reference, sorted by arXiv id: [id as cited, '
    'Pith Number, title, key id, signature, --deep state, signed canonical record]; written by pithtex"}'
)
_MAX_SAFE_INTEGER = 2**53 - 1
_CITED_RE = re.compile(r"(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v([1-9]\d*))?", re.ASCII)
_NUMBER_RE = re.compile(r"pith:(\d{4}):([A-Z2-7]{26})", re.ASCII)
_SHAPE = "expected [id, Pith Number, title, key id, signature, deep, record]"
_HEX64 = re.compile(r"[0-9a-f]{64}", re.ASCII)
#: The start of a plain v2 line: the id as cited and the Pith Number (its year in range), read in
#: one match. The other values' types are checked as Python types: a regex over them too cost a
#: ninth of a 20,000-entry read's instructions (callgrind; benchmarks/RESULTS.md, issue 17).
_LINE_RE = re.compile(
    r'\["((\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v([1-9]\d*))?)","pith:(199[1-9]|2\d{3}):([A-Z2-7]{26})",',
    re.ASCII,
)
_LONE_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<![0-9a-fA-F]{4})\\u[dD][c-fC-F]")


def read_lock_bytes(path: Path) -> bytes:
    """The bytes of the lock file at ``path``, refused before reading when it is larger than
    :data:`MAX_LOCK_BYTES` or not a regular file (a FIFO, a device); ``FileNotFoundError``
    when there is none. Whatever the format, the lock is read through here."""
    from pithtex.readfile import Unreadable, read_bounded

    try:
        return read_bounded(path, MAX_LOCK_BYTES)[0]
    except Unreadable as exc:
        reason = "is a directory, not a lock file" if "directory" in exc.reason else exc.reason
        raise InputError(f"{path}: {reason}", hint=exc.hint) from None


def lock_key(arxiv: ArxivId) -> str:
    """The entry key for an id as cited: ``2511.00066`` or ``2511.00066v4``."""
    return arxiv.versioned


#: Canonical JSON (sorted keys, no spaces, UTF-8). One encoder: ``json.dumps`` with these options
#: builds one per call, 1 of the 2.7 us a lock line's head costs.
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


class LockEntry:
    """One resolved citation. ``requested`` is the id as cited (version or not).

    ``canonical_sha256`` and ``receipt`` are computed when first asked for in
    an entry read from a v2 lock (which keeps the signature and key id only), and so are
    ``requested`` and ``pith_number``, from the match of its line's start (``_head``): two
    objects fewer per entry when loading, 25 of the 95 ms a 20,000-entry read spent beyond
    ``json.loads`` (benchmarks/bench_lock.py, issue 17).
    """

    __slots__ = ("_requested", "source_version", "_number", "_head", "_digest", "canonical_record", "_receipt",
                 "key_id", "title", "state_sha256", "event_count", "_signature", "_line")

    def __init__(
        self,
        requested: ArxivId,
        source_version: int,
        pith_number: PithNumber,
        canonical_sha256: str | None,
        canonical_record: dict[str, Any],
        receipt: dict[str, Any] | None,
        key_id: str | None = None,
        title: str | None = None,
        state_sha256: str | None = None,
        event_count: int | None = None,
        *,
        signature: str | None = None,
        line: str | None = None,
    ) -> None:
        self._requested = requested
        self.source_version = source_version
        self._number = pith_number
        self._head = None
        self._digest = canonical_sha256
        self.canonical_record = canonical_record
        self._receipt = receipt
        self.key_id = key_id if key_id is not None else (receipt or {}).get("key_id")
        self.title = title
        self.state_sha256 = state_sha256
        self.event_count = event_count
        self._signature = signature
        #: The exact line this entry was read from (v2), verified as its canonical form.
        self._line = line

    @property
    def requested(self) -> ArxivId:
        if self._requested is None:  # parts the line's regex checked (ArxivId's __init__ costs 0.3 us)
            version = self._head[3]
            self._requested = tuple.__new__(ArxivId, (self._head[2], int(version) if version else None))
        return self._requested

    @property
    def pith_number(self) -> PithNumber:
        if self._number is None:  # parts the line's regex and the year range checked
            self._number = number = object.__new__(PithNumber)
            number.__dict__.update(year=int(self._head[4]), suffix=self._head[5])
        return self._number

    @property
    def key(self) -> str:
        return self._head[1] if self._head is not None else lock_key(self.requested)

    @property
    def source(self) -> ArxivId:
        """The resolved record's id, with its version."""
        return ArxivId(self.requested.id, self.source_version)

    @property
    def canonical_sha256(self) -> str:
        if self._digest is None:
            try:
                self._digest = hashlib.sha256(_canonical(self.canonical_record).encode("utf-8")).hexdigest()
            except (TypeError, ValueError, UnicodeEncodeError):
                self._digest = "0" * 64  # not serialisable: verification says why
        return self._digest

    @property
    def signature(self) -> str | None:
        """The receipt's ``signature_b64``."""
        if self._signature is None and isinstance(self._receipt, dict):
            value = self._receipt.get("signature_b64")
            return value if isinstance(value, str) else None
        return self._signature

    @property
    def receipt(self) -> dict[str, Any]:
        """The receipt: as the registry sent it, or rebuilt from the signature and key id."""
        if self._receipt is None:
            self._receipt = {
                "algorithm": "ed25519",
                "canonical_sha256": self.canonical_sha256,
                "key_id": self.key_id,
                "kind": "pith_receipt",
                "receipt_version": "0.3",
                "signature_b64": self._signature,
                "signature_status": "signed_v1",
                "signed_message": "canonical_sha256_bytes",
            }
        return self._receipt

    @property
    def signed_facts(self) -> tuple[Any, Any, Any]:
        """``(source id, source version, title_canon_sha256)`` as the signed canonical record
        gives them, for the cross-checks; raises ``KeyError`` when the record lacks them."""
        source, metadata = self.canonical_record.get("source"), self.canonical_record.get("metadata")
        if not isinstance(source, dict) or "id" not in source or not isinstance(metadata, dict) or "title_canon_sha256" not in metadata:
            raise KeyError("the canonical record lacks source.id or metadata.title_canon_sha256")
        return source["id"], source.get("version"), metadata["title_canon_sha256"]

    def row(self) -> list[Any]:
        """The entry's line as values (see the module doc)."""
        deep = None
        if self.state_sha256 is not None or self.event_count is not None:
            deep = {"event_count": self.event_count, "state_sha256": self.state_sha256}
        return [self.key, self.pith_number.full, self.title, self.key_id, self.signature, deep, self.canonical_record]

    def line(self) -> str:
        """The entry's line in the lock (canonical JSON, no newline)."""
        return _canonical(self.row())

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON object (the fields of a v1 entry)."""
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

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LockEntry):
            return NotImplemented
        return self.line() == other.line()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LockEntry({self.key!r}, {self.pith_number.full!r})"

    def as_record_document(self, trust: TrustStore | None = None) -> dict[str, Any]:
        """The entry as a minimal ``pith_number_record``, for the verifier.

        The title hint rides along as ``paper.title`` so that the verifier
        checks it against the signed ``title_canon_sha256``. A receipt rebuilt
        from a v2 line gets the fingerprint of the trusted key it names.
        """
        receipt = self.receipt
        if self._receipt is not None and "public_key_fingerprint" not in receipt and trust is not None:
            key = trust.get(self.key_id)
            if key is not None:
                receipt = dict(receipt, public_key_fingerprint=key.fingerprint_hex)
        record = self.canonical_record
        doc: dict[str, Any] = {
            "record_type": "pith_number_record",
            "pith_number": self.pith_number.full,
            "short_pith_number": self.pith_number.short,
            "canonical_sha256": self.canonical_sha256,
            # The signed spelling of the id (old-style ids may carry a subject
            # class); the verifier compares it with the canonical record.
            "source": dict(record["source"]) if isinstance(record, dict) and isinstance(record.get("source"), dict)
            else {"kind": "arxiv", "id": self.requested.id, "version": self.source_version},
            "canonical_record": record,
            "receipt": receipt,
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


# -- reading v2 --------------------------------------------------------------
def _reject_float(text: str) -> Any:
    raise ValueError(f"floating-point number {text} is not allowed")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _checked_int(text: str) -> int:
    value = int(text) if len(text) <= 17 else _MAX_SAFE_INTEGER + 1
    if abs(value) > _MAX_SAFE_INTEGER:
        raise ValueError(f"integer {text[:20]} is outside +-(2^53-1)")
    return value


_DECODE = {"parse_float": _reject_float, "parse_constant": _reject_constant, "parse_int": _checked_int}
#: The integers a lock holds (versions, event counts) by their text, a ``parse_int`` in C; a lock
#: with another is read again with :func:`_checked_int`, which costs 8 ms more of 20,000 entries'
#: 130 (benchmarks/bench_lock.py: the strict read within 1.5x ``json.loads``).
_SMALL_INTS = {str(i): i for i in range(-1024, 1025)} | {"-0": 0}


def _bad_line(path: Path, number: int, reason: str) -> InputError:
    return InputError(
        f"{path}:{number}: malformed pith.lock: {reason}",
        hint="fix the line, or delete it and run 'pithtex resolve'",
    )


def _read_v2(path: Path, text: str) -> tuple[dict[str, LockEntry], bool]:
    """The entries of a v2 lock, and whether its lines were in order. One ``json.loads`` of all
    lines, then a regex over each line's start (:data:`_LINE_RE`) that vouches for the id and
    the Pith Number, and the types of the other values; a line that does not fit is checked field
    by field, for the reason. The signature's form is checked where it counts, when it is verified."""
    if "\r" in text:  # a checkout with CRLF line ends (git's autocrlf): the lines are the same
        text = text.replace("\r\n", "\n")
    start = text.find("\n") + 1
    try:
        head = json.loads(text[:start - 1] if start else text)
    except ValueError:
        head = None
    if not isinstance(head, dict) or head.get("lock_version") != LOCK_VERSION:
        raise InputError(f"{path}:1: malformed pith.lock: the first line is not a lock_version 2 header")
    if not start or start == len(text):
        return {}, True
    if not text.endswith("\n"):
        text += "\n"  # (the last line without its newline)
    # (a lone surrogate needs a backslash: most locks have none, and a one-byte search is cheap)
    if "\\" in text and ("\\ud" in text or "\\uD" in text) and _LONE_SURROGATE.search(text):
        _refuse_bad_line(path, text[start:-1])
    # One array of all lines, their newlines replaced; each line is cut out as its entry is made
    # (str.split and a join cost a ninth more instructions: callgrind, benchmarks/RESULTS.md).
    body = text[start:-1].replace("\n", ",")
    joined = f"[{body}]"
    del body
    rows = None
    for parse_int in (_SMALL_INTS.__getitem__, _checked_int):  # (an integer past the table: check each)
        try:
            rows = json.loads(joined, parse_float=_reject_float, parse_constant=_reject_constant, parse_int=parse_int)
        except KeyError:
            continue
        except (ValueError, RecursionError):
            pass
        break
    del joined
    if rows is None:  # an empty line (",,") among them, or a line that is not JSON
        _refuse_bad_line(path, text[start:-1])
    keys: list[str] = []
    objects: list[LockEntry] = []
    new, match, find, pos = object.__new__, _LINE_RE.match, text.find, start
    for row in rows:
        end = find("\n", pos)
        if end < 0:  # more values than lines: one holds two
            _refuse_bad_line(path, text[start:-1])
        line, pos = text[pos:end], end + 1
        m = match(line)
        try:
            _, _, title, key_id, signature, deep, record = row
            locked = record["source"]["version"]
        except (TypeError, KeyError, IndexError, ValueError):
            locked = None
        if (
            m is not None and type(locked) is int and locked > 0 and deep is None and type(key_id) is str
            and type(signature) is str and (title is None or type(title) is str)
            and (m[3] is None or int(m[3]) == locked)
        ):  # the regex vouches for the id and the Pith Number (its year in range)
            keys.append(m[1])
            objects.append(entry := new(LockEntry))
            entry._head, entry.source_version, entry._line, entry.canonical_record = m, locked, line, record
            entry._requested = entry._number = entry._digest = entry._receipt = entry.state_sha256 = entry.event_count = None
            entry.title, entry.key_id, entry._signature = title, key_id, signature
            continue
        try:
            entry = _checked_entry(path, len(keys) + 2, row, line)
        except InputError:
            _refuse_repeats(path, keys, text[start:-1].split("\n"))  # a repeated id earlier is said first
            raise
        keys.append(entry.key)
        objects.append(entry)
    if pos != len(text):  # fewer values than lines: one runs on into the next
        _refuse_bad_line(path, text[start:-1])
    entries = dict(zip(keys, objects))
    if len(entries) != len(keys):  # the same line twice (a union merge of two coauthors' additions) is one
        _refuse_repeats(path, keys, text[start:-1].split("\n"))
        return entries, False  # written back with each line once
    return entries, keys == sorted(keys)


def _refuse_bad_line(path: Path, body: str) -> NoReturn:
    """Raise for the first of the lines of ``body`` (from line 2) that is empty, holds a lone
    surrogate, is not JSON or holds more than one value: what the read of all of them at once found."""
    for number, line in enumerate(body.split("\n"), 2):
        if line.startswith(_CONFLICT_MARKERS):
            raise _conflict(path, number)
        if not line:
            raise _bad_line(path, number, "an empty line")
        if _LONE_SURROGATE.search(line):
            raise _bad_line(path, number, "a string with a lone surrogate (\\ud800-\\udfff)")
        try:
            value = json.loads(line, **_DECODE)
        except json.JSONDecodeError as exc:
            raise _bad_line(path, number, f"not JSON: {exc.msg} (column {exc.colno})") from None
        except (ValueError, RecursionError) as exc:
            raise _bad_line(path, number, str(exc) or "nested too deeply") from None
        if type(value) is not list or len(value) != 7:
            raise _bad_line(path, number, _SHAPE)
    raise _bad_line(path, 2, "the lines do not read as one value each")  # pragma: no cover - each was read alone


#: What git writes around the two sides of a conflicting merge (``<<<<<<< HEAD`` ...).
_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


def _conflict(path: Path, number: int) -> InputError:
    return InputError(
        f"{path}:{number}: pith.lock has a git merge conflict marker",
        hint="keep the lines of both sides (one line per reference), delete the marker lines, then run 'pithtex check'",
    )


def _refuse_repeats(path: Path, keys: list[str], lines: list[str] | None = None) -> None:
    """Raise for the first line of ``keys`` (from line 2) whose id an earlier line has, unless
    both are the same line (``lines``, a line per key): git's union merge keeps a reference
    both coauthors added twice, and the lock is then read as if it were there once."""
    first: dict[str, int] = {}
    for number, key in enumerate(keys, 2):
        if key in first:
            if lines is not None and lines[number - 2] == lines[first[key] - 2]:
                continue
            raise InputError(
                f"{path}:{number}: malformed pith.lock: {key} is on line {first[key]} already, "
                "with another Pith Number or record",
                hint="a merge kept two versions of the entry: delete both and run 'pithtex resolve'",
            )
        first[key] = number


def _checked_entry(path: Path, number: int, row: Any, line: str) -> LockEntry:
    """:func:`_entry` for a line that is not plainly well-formed: says what is wrong with it."""
    if type(row) is not list or len(row) != 7:
        raise _bad_line(path, number, _SHAPE)
    cited, pith, title, key_id, signature, deep, record = row
    m = _CITED_RE.fullmatch(cited) if type(cited) is str else None
    if m is None:
        try:
            parsed = parse_arxiv_id(cited)
            reason = f"{cited!r} is not an id in normal form ({parsed.versioned})"
        except (InvalidArxivId, TypeError) as exc:
            reason = getattr(exc, "reason", "the id is not a string")
        raise _bad_line(path, number, f"entry {cited!r}: {reason}")
    version = m[2]
    requested = ArxivId(m[1], int(version) if version else None)
    p = _NUMBER_RE.fullmatch(pith) if type(pith) is str else None
    if p is None:
        raise _bad_line(path, number, f"entry {cited}: {pith!r} is not a Pith Number")
    if title is not None and type(title) is not str:
        raise _bad_line(path, number, f"entry {cited}: the title is not a string")
    if type(key_id) is not str or type(signature) is not str:  # (the signature's form: when verified)
        raise _bad_line(path, number, f"entry {cited}: the key id or signature is not a string")
    state = count = None
    if deep is not None:
        if type(deep) is not dict or set(deep) != {"event_count", "state_sha256"}:
            raise _bad_line(path, number, f"entry {cited}: the --deep state is malformed")
        count, state = deep["event_count"], deep["state_sha256"]
        if type(count) is not int or count < 0 or type(state) is not str or not _HEX64.fullmatch(state):
            raise _bad_line(path, number, f"entry {cited}: the --deep state is malformed")
    source = record.get("source") if type(record) is dict else None
    locked = source.get("version") if type(source) is dict else None
    if type(locked) is not int or locked < 1:
        raise _bad_line(path, number, f"entry {cited}: the canonical record has no source.version")
    if requested.version is not None and locked != requested.version:
        raise _bad_line(path, number, f"entry {cited}: cited as v{requested.version} but locked to v{locked}")
    try:
        pith_number = PithNumber(int(p[1]), p[2])
    except InvalidPithNumber as exc:
        raise _bad_line(path, number, f"entry {cited}: {exc.reason}") from None
    return LockEntry(
        requested, locked, pith_number, None, record, None, key_id, title, state, count,
        signature=signature, line=line,
    )


# -- verifying ---------------------------------------------------------------
def _verify_line(entry: LockEntry, line: str, trust: TrustStore) -> bool:
    """Whether an entry read from a v2 line verifies, in one pass over its bytes (False when
    anything does not hold: then the full verifier says why)."""
    from pithtex.verify.checks import decode_signature_b64, is_sha256_hex, is_timestamp, title_canon_sha256

    record, head = entry.canonical_record, entry._head
    try:
        body = _canonical(record)
        # The six values before the record are their canonical form when they hold no escape (JSON
        # read them: then each string serialises as itself, quoted); else serialised to compare.
        # The number it is kept for: cold annotate on 20,000 entries (benchmarks/RESULTS.md, issue 17).
        if head is not None and line.find("\\", 0, len(line) - len(body) - 1) < 0:
            title = "null" if entry.title is None else f'"{entry.title}"'
            expected = f'{head[0]}{title},"{entry.key_id}","{entry._signature}",null,{body}]'
        else:
            expected = f"{_canonical(entry.row()[:6])[:-1]},{body}]"
        if line != expected:
            return False  # not in canonical form: the full verifier names what
    except (TypeError, ValueError):
        return False
    source, meta = record.get("source"), record.get("metadata")
    if (
        record.get("schema_version") != "1.0" or type(source) is not dict or type(meta) is not dict
        or source.get("kind") != "arxiv" or source.get("id") != entry.requested.id
        or not isinstance(meta.get("license"), str) or not isinstance(meta.get("primary_cat"), str)
        or not is_sha256_hex(meta.get("title_canon_sha256")) or not is_sha256_hex(meta.get("abstract_canon_sha256"))
        or not is_timestamp(meta.get("submitted_at"))
    ):
        return False
    cats = meta.get("cross_cats_sorted")
    if type(cats) is not list or not all(type(c) is str for c in cats) or cats != sorted(cats):
        return False
    digest = hashlib.sha256(body.encode("utf-8")).digest()
    number = entry.pith_number  # a valid one: its year in range, its suffix 26 base32 characters
    if int(meta["submitted_at"][:4]) != number.year or _suffix_bits(number.suffix) != _digest_bits(digest):
        return False  # (derive_pith_number's base32 is pure Python: 5 us; tests/test_lock_v2.py compares)
    key = trust.get(entry.key_id)
    signature = decode_signature_b64(entry.signature)
    if key is None or signature is None or not key.verify(signature, digest):
        return False
    if entry.title is not None and title_canon_sha256(entry.title) != meta["title_canon_sha256"]:
        return False  # a title that cannot be confirmed: the full verifier says so
    entry._digest = digest.hex()
    return True


#: RFC 4648 base32 digits as ``int(..., 32)``'s (one character each: ``str.translate``'s fast case).
_BASE32_DIGITS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghijklmnopqrstuv")


def _suffix_bits(suffix: str) -> int:
    """The 130 bits a Pith Number's suffix spells (0.5 us; 4.5 us as binary digits)."""
    return int(suffix.translate(_BASE32_DIGITS), 32)


def _digest_bits(digest: bytes) -> int:
    """The first 130 bits of a digest: what its Pith Number's suffix spells."""
    return int.from_bytes(digest[:17], "big") >> 6


def _verified(entry: LockEntry, how: str) -> VerificationResult:
    """The result for an entry whose line :func:`_verify_line` passed in a second process."""
    from pithtex.verify.result import VerifiedLine

    return VerifiedLine(entry, how)


def _fork_verifier(entries: list[LockEntry], trust: TrustStore) -> tuple[int, int] | None:
    """A child process that verifies ``entries`` in one pass each (:func:`_verify_line`), writes one
    byte a verdict to a pipe and exits: its pid and the pipe's end to read, or None when there is
    no fork. A bare ``os.fork``, not ``multiprocessing``: its import and pool cost 45 ms of a cold
    20,000-entry run here, the fork and pipe 2 (benchmarks/RESULTS.md, issue 17)."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: never returns to the caller's code, whatever happens
        status = 1
        try:
            os.close(read_end)
            left = memoryview(bytes(e._line is not None and _verify_line(e, e._line, trust) for e in entries))
            while left:
                left = left[os.write(write_end, left):]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _verdicts(child: tuple[int, int], *, kill: bool = False) -> bytes:
    """What the child of :func:`_fork_verifier` found, once it has exited; nothing unless it
    exited with 0 having written every byte (an entry it did not pass is verified in full here)."""
    import signal

    pid, read_end = child
    if kill:
        os.kill(pid, signal.SIGKILL)
    try:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
    finally:
        _, status = os.waitpid(pid, 0)
    return data if status == 0 else b""


def _second_process_allowed() -> bool:
    import sys

    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False  # (macOS frameworks are not fork-safe)
    try:
        if len(os.sched_getaffinity(0)) < 2:
            return False
    except (AttributeError, OSError):  # pragma: no cover
        return False
    import threading

    return threading.active_count() == 1


#: the key at the head of a lock line: v2's ``["2511.00066",``, v1's ``    "2511.00066": {``
_WHERE_RE = re.compile(r'(?:\[|    )("(?:[^"\\]|\\.)*")(?:,|: \{)')


class Lockfile:
    """The entries of one ``pith.lock`` (an empty lock when the file does not exist)."""

    def __init__(
        self, path: Path, entries: dict[str, LockEntry] | None = None, converted: int | None = None,
        _dirty: bool = False,
    ) -> None:
        self.path = path
        self.entries: dict[str, LockEntry] = {} if entries is None else entries
        #: The ``lock_version`` of the file as read, when it was not the current one
        #: (the next :meth:`save` that writes, writes the current one).
        self.converted = converted
        self._dirty = _dirty
        self._lines: dict[str, int] | None = None  # key -> line in the file, for where(): read once

    def __repr__(self) -> str:
        return f"Lockfile({str(self.path)!r}, {len(self.entries)} entries)"

    # -- reading ---------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> Lockfile:
        """Read and check ``path``; a malformed lock is an :class:`InputError` with file and line."""
        path = Path(path)
        try:
            data = read_lock_bytes(path)
        except FileNotFoundError:
            if path.is_symlink():  # a shared lock not there (not checked out, not mounted): not an empty lock
                raise InputError(f"{path}: a symbolic link to {os.readlink(path)}, which does not exist",
                                 hint="restore the file it names, or delete the link for a lock of this paper's own") from None
            return cls(path)
        if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark (an editor's): not part of the lock
            data = data[3:]
        if data.startswith(tuple(m.encode() for m in _CONFLICT_MARKERS)):
            raise _conflict(path, 1)
        if not data or data.isspace():  # (no stripped copy of 12 MB)
            raise InputError(f"{path}:1: empty lock file", hint="delete it to start afresh")
        if data.startswith(b'{"lock_version":') and not data.startswith(b'{"lock_version":2'):
            head = data.split(b"\n", 1)[0]
            try:
                version = json.loads(head).get("lock_version")
            except (ValueError, AttributeError):
                version = head[16:24].decode("ascii", "replace")
            if version != 1:
                raise InputError(
                    f"{path}:1: unsupported lock_version {version!r} (this pithtex reads 1 and 2)",
                    hint="upgrade pithtex",
                )
        if data.startswith(b'{"lock_version":2'):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = data.count(b"\n", 0, exc.start) + 1
                raise InputError(f"{path}:{line}: malformed pith.lock: not UTF-8") from None
            entries, ordered = _read_v2(path, text)
            return cls(path, entries, _dirty=not ordered)  # out of order (a merge): written back sorted
        from pithtex.resolve.lockv1 import read_v1

        return cls(path, read_v1(path, data, MAX_LOCK_BYTES), converted=1)

    def where(self, entry: LockEntry) -> str:
        """``pith.lock:LINE`` of ``entry``, or the file's name alone when that line is not found. Only a
        failure asks, but a coauthor without the trust key fails every entry: the file is read again and
        indexed once (a search per entry was 20,000 passes over 12.7 MB)."""
        if self._lines is None:
            try:
                text = read_lock_bytes(self.path).decode("utf-8", "replace")
            except OSError:
                text = ""
            self._lines = {}
            for number, line in enumerate(text.split("\n"), 1):  # v2 '["KEY",...', v1 '    "KEY": {'
                m = _WHERE_RE.match(line)
                if m is not None:
                    self._lines.setdefault(json.loads(m[1]), number)
        number = self._lines.get(entry.key)
        return f"{self.path.name}:{number}" if number is not None else self.path.name

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
        """Re-verify an entry offline: canonical form, digest, signature (trusted keys only),
        Pith Number, id and title hash. An entry read from a v2 line is checked in one pass
        over its bytes; anything that does not hold there is verified in full, for the reasons."""
        return self._contradicted(entry) or self._verify_one(entry, trust)[0]

    def _contradicted(self, entry: LockEntry) -> VerificationResult | None:
        """A failed result when another line holds a different record for the same arXiv id and
        version (``2401.00001`` locked to v1 beside ``2401.00001v1``): a merge of two coauthors'
        locks whose registry answers differed. Both verify, and annotate wrote both numbers."""
        version = entry.source_version
        twin = self.entries.get(f"{entry.key}v{version}")
        if twin is None and entry.key.endswith(suffix := f"v{version}"):
            twin = self.entries.get(entry.key[: -len(suffix)])
        if twin is None or twin is entry or twin.source_version != version or twin.pith_number == entry.pith_number:
            return None
        from pithtex.verify.result import Check, VerificationResult

        return VerificationResult("record", "invalid", checks=[Check(
            "lock_tofu", False,
            f"SECURITY: {self.where(twin)} holds another signed record for {entry.requested.id} v{version} "
            f"({twin.pith_number.full}, this line {entry.pith_number.full}): the registry signed two records for "
            "one version; delete both lines and run 'pithtex resolve'",
        )])

    def _verify_one(self, entry: LockEntry, trust: TrustStore) -> tuple[VerificationResult, bool]:
        """The result, and whether the entry's line passed the one-pass verification."""
        if entry._line is not None and _verify_line(entry, entry._line, trust):
            from pithtex.verify.result import VerifiedLine

            return VerifiedLine(entry), True
        return self._verify_in_full(entry, trust), False

    def verify_many(
        self, entries: list[LockEntry], trust: TrustStore, *, memo: str = "write"
    ) -> list[VerificationResult]:
        """:meth:`verify_entry` for each of ``entries``, in order, skipping the lines this user's
        memo (:mod:`pithtex.resolve.verified_lines`) says verified before under these keys
        (``memo="read"``: and not adding to it, for runs that write nothing; ``"off"``: no memo).
        From :data:`POOL_ENTRIES` left to verify on (on Linux, with two CPUs), a forked second
        process verifies the second half meanwhile; an entry it does not pass, or any failure of
        it, is verified here."""
        from pithtex.verify.result import VerifiedLine

        lines = None
        if memo != "off" and any(e._line is not None for e in entries):
            from pithtex.resolve.verified_lines import VerifiedLines

            lines = VerifiedLines(self.path, trust)
        results: list[VerificationResult | None] = [None] * len(entries)
        todo: list[int] = []
        vouched = iter(lines.vouches([e._line for e in entries if e._line is not None]) if lines is not None else ())
        for i, entry in enumerate(entries):
            if entry._line is not None and next(vouched, False):
                results[i] = VerifiedLine(entry, "remembered: this line verified before")
            else:
                todo.append(i)
        work = [entries[i] for i in todo]
        half = len(work) // 2
        child = _fork_verifier(work[half:], trust) if len(work) >= POOL_ENTRIES and _second_process_allowed() else None
        try:
            mine = [self._verify_one(e, trust) for e in work[:half]]
        except BaseException:
            if child is not None:
                _verdicts(child, kill=True)
            raise
        passed = _verdicts(child) if child is not None else b""
        rest = [
            (_verified(e, "by a second process"), True) if i < len(passed) and passed[i] else self._verify_one(e, trust)
            for i, e in enumerate(work[half:])
        ]
        new = []
        for i, (result, line_passed) in zip(todo, mine + rest):
            results[i] = result
            if line_passed:
                new.append(entries[i]._line)
        if lines is not None and memo == "write" and new:
            lines.save([e._line for e in self.entries.values() if e._line is not None], new)
        for i, entry in enumerate(entries):  # (a dict lookup or two each)
            results[i] = self._contradicted(entry) or results[i]
        return results  # type: ignore[return-value]

    def _verify_in_full(self, entry: LockEntry, trust: TrustStore) -> VerificationResult:
        from pithtex.verify.records import verify_record
        from pithtex.verify.result import Check

        result = verify_record(entry.as_record_document(trust), trust)
        if entry._line is not None:
            try:
                canonical = _canonical(entry.row()) == entry._line
            except (TypeError, ValueError):
                canonical = False
            if not canonical:
                result.add(Check("lock_line", False, "the line is not in canonical form (sorted keys, no spaces, "
                                                     "no escapes but the necessary ones, no repeated keys)"))
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
        """Add or replace the entry for its id as cited (marks the lock changed if it differs).
        The same record fetched without ``--deep`` keeps the ``--deep`` state the lock recorded:
        that count is what refuses a later bundle with fewer events (a rollback)."""
        known = self.entries.get(entry.key)
        if (known is not None and entry.event_count is None and known.event_count is not None
                and known.canonical_sha256 == entry.canonical_sha256):
            entry.state_sha256, entry.event_count = known.state_sha256, known.event_count
        if known is None or known.line() != entry.line():
            self._dirty = True
        self.entries[entry.key] = entry

    def dumps(self) -> bytes:
        lines = [HEADER]
        for key in sorted(self.entries):
            entry = self.entries[key]
            lines.append(entry._line if entry._line is not None else entry.line())
        return ("\n".join(lines) + "\n").encode("utf-8")

    @property
    def changed(self) -> bool:
        """Whether the file must be written: an entry was added or changed since loading, or the
        lines are out of order (after a merge); formatting alone never is."""
        return self._dirty

    def file_lock(self, timeout: float = 120.0) -> FileLock:
        """A cross-process lock serialising writers of this lock file: ``flock`` on the folder that holds
        it (as its links lead), which creates nothing, so nothing is left in the paper's directory. Every
        run that may write this pith.lock takes the same one, whoever runs it and whatever its cache (a
        lock file in the per-user cache let two runs with different caches both write: one's entries were
        lost, 10 of 20 in the audit's run, both exiting 0)."""
        from pithtex.resolve.flock import FileLock

        folder = Path(os.path.abspath(self.path)).resolve().parent
        while not folder.is_dir() and folder != folder.parent:  # a lock in a folder not made yet
            folder = folder.parent
        return FileLock(str(folder), timeout=timeout, directory=True, or_file=self._cache_lock_file)

    def _cache_lock_file(self) -> str | None:
        """Where a folder cannot be locked (NFS, whose flock cannot lock a directory): a file in the
        per-user cache, named by a hash of this lock's real path (what all runs locked before), or
        None when the cache cannot be written."""
        from pithtex.userdirs import cache_dir

        name = hashlib.sha256(str(Path(self.path).resolve()).encode("utf-8")).hexdigest()[:32]
        directory = cache_dir() / "locks"
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        return str(directory / f"{name}.lock") if os.access(directory, os.W_OK) else None

    def save(self) -> bool:
        """Write the lock atomically if it changed; returns whether it wrote.

        Callers that read, resolve and write should hold :meth:`file_lock`
        for the whole sequence so that concurrent runs serialise.
        """
        if not self.changed:
            return False
        from pithtex.write.atomic import check_writable, files_replaced, replace_file

        if self.path.exists():
            check_writable(self.path)  # a read-only pith.lock (frozen for a submission) is refused, as a .bib is
        data = self.dumps()
        # through a symbolic link to the file it names: one pith.lock shared by several papers stays shared
        # (the link was replaced by a file of its own)
        path = Path(self.path)
        replace_file(Path(os.path.realpath(path)) if path.is_symlink() else path, data, make_parents=True)
        files_replaced.append(str(self.path))
        self._dirty = False
        return True
