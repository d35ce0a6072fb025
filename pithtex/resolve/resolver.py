"""Resolve arXiv ids to verified Pith Numbers: lock, then cache, then registry.

For each id as cited (``2511.00066`` or ``2511.00066v4``):

1. ``pith.lock`` (unless ``--update``): the entry is re-verified offline;
2. the per-user cache (unless ``--update``, never with ``--locked``);
3. the registry or mirror (never with ``--offline`` or ``--locked``):
   resolve the alias, fetch the record (and with ``--deep`` the bundle),
   verify everything against the trust store *and* the id asked for.

Then trust on first use, like Go's checksum database: new material must not
contradict the lock (a different digest for an arXiv id and version the lock
already holds; fewer events than it recorded; an older version than the one
it pinned). Any contradiction is ``rejected`` with a ``SECURITY:`` message,
and then *nothing* is written: not the lock, not the cache, and callers
(annotate) must not write user files either (:attr:`ResolveReport.security`).

Failures are per id: one line each, while the other ids still resolve.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pithtex.errors import InputError
from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import PithNumber
from pithtex.resolve import layout
from pithtex.resolve.cache import Cache
from pithtex.resolve.http import FetchError, HttpLimits, NotFound
from pithtex.resolve.lockfile import LockEntry, Lockfile

if TYPE_CHECKING:  # pragma: no cover
    from pithtex.resolve.sources import Source
    from pithtex.verify.keys import TrustStore
    from pithtex.verify.result import VerificationResult

__all__ = ["Resolution", "ResolveReport", "ResolveSettings", "resolve_ids", "save_resolved"]

Status = Literal["verified", "failed", "rejected"]
Origin = Literal["lock", "cache", "registry", "mirror"]
#: Seconds a run waits on the network before a progress bar appears (whatever the number of ids):
#: a quick run stays quiet, a slow one shows that it is waiting.
PROGRESS_DELAY = 1.0


@dataclass(frozen=True)
class ResolveSettings:
    """Everything a resolution needs; commands build it with ``resolution_settings``."""

    registry: str
    lock_path: Path
    trust: TrustStore
    offline: bool = False
    locked: bool = False
    update: bool = False
    deep: bool = False
    concurrency: int = 8
    quiet: bool = False
    cache: Cache | None = None
    limits: HttpLimits = field(default_factory=HttpLimits.from_env)
    #: Write pith.lock (and the cache) when resolution succeeds. ``--locked`` never writes.
    write: bool = True
    #: Add the lines that verified to the per-user memo (:mod:`pithtex.resolve.verified_lines`);
    #: ``None``: when ``write``. annotate resolves with ``write=False`` and writes later, but
    #: its real run (not --check/--diff/--dry-run) remembers.
    remember: bool | None = None


@dataclass(slots=True)
class Resolution:
    """The outcome for one id as cited."""

    requested: ArxivId
    status: Status
    pith_number: PithNumber | None = None
    problem: str | None = None
    entry: LockEntry | None = None
    origin: Origin | None = None

    @property
    def ok(self) -> bool:
        return self.status == "verified"

    def line(self) -> str:
        """``arXiv:<id> -> pith:YYYY:SUFFIX (verified)`` or ``arXiv:<id>: <reason>``."""
        if self.ok and self.pith_number is not None:
            return f"{self.requested} -> {self.pith_number.full} (verified)"
        return f"{self.requested}: {self.status}: {self.problem}"

    def to_json(self) -> dict[str, Any]:
        return {
            "arxiv_id": self.requested.id,
            "version": self.requested.version,
            "pith_number": self.pith_number.full if self.pith_number else None,
            "status": self.status,
            "problem": self.problem,
            "origin": self.origin,
            "source_version": self.entry.source_version if self.entry else None,
        }


@dataclass
class ResolveReport:
    """All resolutions, in the order the ids were first given."""

    resolutions: list[Resolution]
    lock_path: Path
    lock_changed: bool = False
    #: Said once when no connection to the registry could be made (each id it failed says less).
    unreachable: str | None = None
    #: Verified material a ``write=False`` run did not write: :func:`save_resolved` writes it later.
    pending: dict[ArxivId, _Fetched] = field(default_factory=dict, repr=False, compare=False)

    @property
    def security(self) -> bool:
        """Whether any id was rejected: callers must then write nothing."""
        return any(r.status == "rejected" for r in self.resolutions)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.resolutions)

    def get(self, arxiv: ArxivId) -> Resolution | None:
        """The resolution of ``arxiv`` as cited. The first call indexes the resolutions and makes
        the index's own ``get`` this report's (a 20,000-entry annotate asks 60,000 times: 9 ms as
        a method); the report is complete by then."""
        self.get = {r.requested: r for r in self.resolutions}.get  # type: ignore[method-assign]
        return self.get(arxiv)

    def counts(self) -> dict[str, int]:
        counts = {"verified": 0, "failed": 0, "rejected": 0}
        for resolution in self.resolutions:
            counts[resolution.status] += 1
        return counts

    def summary(self) -> str:
        c = self.counts()
        text = f"{len(self.resolutions)} id{'s' if len(self.resolutions) != 1 else ''}: {c['verified']} verified"
        if c["failed"]:
            text += f", {c['failed']} failed"
        if c["rejected"]:
            text += f", {c['rejected']} REJECTED (nothing was written)"
        if self.lock_changed:
            text += f"; updated {self.lock_path.name}"
            if c["failed"]:  # a registry that failed half way: what is kept, and what a rerun does
                text += f" (a rerun asks only for the {c['failed']} failed)"
        return text


@dataclass
class _Fetched:
    """Verified material from the cache or the network, not yet accepted (TOFU)."""

    entry: LockEntry
    origin: Origin
    record_bytes: bytes | None = None  # to cache
    bundle_bytes: bytes | None = None


class _Failure(Exception):
    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


def _problems(result: VerificationResult, limit: int = 2) -> str:
    """The first few failed checks: one line, not a wall of text."""
    problems = result.problems
    if not problems:
        return f"status {result.status}"
    more = f" (and {len(problems) - limit} more)" if len(problems) > limit else ""
    return "; ".join(problems[:limit]) + more


def _accept(arxiv: ArxivId, result: VerificationResult, what: str) -> None:
    """Raise unless ``result`` is a verified record/bundle for exactly ``arxiv``."""
    if not result.ok:
        raise _Failure(f"{what} does not verify: {_problems(result)}")
    source = result.source
    if source is None or source.id != arxiv.id or (arxiv.version is not None and source.version != arxiv.version):
        raise _Failure(f"{what} is for {source}, not {arxiv}")  # pragma: no cover - the verifier checks it
    if source.version is None or result.pith_number is None or result.receipt is None:
        raise _Failure(f"{what} lacks a versioned source, Pith Number or receipt")


# -- the network ------------------------------------------------------------
async def _fetch_record(source: Source, arxiv: ArxivId, trust: TrustStore) -> tuple[VerificationResult, bytes]:
    from pithtex.resolve.sources import interpret_resolve
    from pithtex.verify.document import verify_document, verify_json_bytes

    try:
        body = await source.resolve(arxiv)
    except NotFound:
        raise _Failure(f"unknown to {source.label} (HTTP 404)") from None
    answer = interpret_resolve(body)
    if answer.root:
        result = verify_json_bytes(body, trust, expected=arxiv)  # strictly, from the bytes
        _accept(arxiv, result, "the record served for it")
        return result, body
    if answer.document is not None:
        from pithtex.verify.canonical import canonical_json

        result = verify_document(answer.document, trust, expected=arxiv)
        _accept(arxiv, result, "the record served for it")
        return result, canonical_json(answer.document)
    last = "resolve endpoint named no record"
    for suffix in answer.suffixes:
        try:
            data = await source.get(layout.record_path(suffix))
        except NotFound:
            last = f"resolve endpoint named pith:{suffix}, but {layout.record_path(suffix)} is not found"
            continue
        # The record must be the one the pointer named, not merely one for this id.
        result = verify_json_bytes(data, trust, expected=arxiv, expected_pith=suffix)
        try:
            _accept(arxiv, result, f"record {layout.record_path(suffix)}")
        except _Failure as exc:
            last = str(exc)
            continue
        return result, data
    raise _Failure(last)


async def _fetch_bundle(
    source: Source, arxiv: ArxivId, record: VerificationResult, trust: TrustStore
) -> tuple[VerificationResult, bytes]:
    from pithtex.verify.document import verify_json_bytes

    assert record.pith_number is not None
    path = layout.bundle_path(record.pith_number.suffix)
    try:
        data = await source.get(path)
    except NotFound:
        raise _Failure(f"--deep: {path} is not found") from None
    result = verify_json_bytes(data, trust, expected=arxiv)
    if not result.ok:
        raise _Failure(f"--deep: bundle {path} does not verify: {_problems(result)}")
    if result.pith_number != record.pith_number or result.state_sha256 is None or result.event_count is None:
        raise _Failure(f"--deep: bundle {path} is for {result.pith_number}, not {record.pith_number}")
    return result, data


async def _fetch_one(source: Source, arxiv: ArxivId, settings: ResolveSettings) -> _Fetched:
    try:
        record, record_bytes = await _fetch_record(source, arxiv, settings.trust)
        bundle, bundle_bytes = None, None
        if settings.deep:
            if record.kind == "bundle":
                bundle, bundle_bytes = record, record_bytes
            else:
                bundle, bundle_bytes = await _fetch_bundle(source, arxiv, record, settings.trust)
    except FetchError as exc:
        raise _Failure(f"{source.label}: {exc}", unreachable=exc.unreachable) from None
    entry = LockEntry.from_result(arxiv, record, deep=bundle)
    return _Fetched(entry, source.origin, record_bytes, bundle_bytes)  # type: ignore[arg-type]


async def _fetch_all(
    ids: list[ArxivId], settings: ResolveSettings, down: list[str] | None = None
) -> dict[ArxivId, _Fetched | str]:
    """Fetch every id; once no connection to the registry can be made, the ids still waiting
    are not tried (each would retry for seconds) and ``down`` gets the reason, once."""
    import asyncio

    from pithtex.resolve.sources import open_source

    # One deadline for the whole run: every request of every id shares it (see HttpLimits.until).
    source = open_source(settings.registry, settings.limits.for_run(), settings.concurrency)
    semaphore = asyncio.Semaphore(max(1, settings.concurrency))
    outcomes: dict[ArxivId, _Fetched | str] = {}
    progress = _progress(len(ids), settings)
    timer = asyncio.get_running_loop().call_later(PROGRESS_DELAY, progress.start) if progress is not None else None

    unreachable = f"not resolved: no connection to {source.label} (see the message below)"
    if down is None:
        down = []

    async def one(arxiv: ArxivId) -> None:
        async with semaphore:
            if down:
                outcomes[arxiv] = unreachable
                if progress is not None:
                    progress.advance()
                return
            try:
                outcomes[arxiv] = await _fetch_one(source, arxiv, settings)
            except (_Failure, FetchError) as exc:
                if exc.unreachable:
                    if not down:
                        reason = str(exc).removeprefix(f"{source.label}: ")
                        down.append(f"cannot reach {source.label}: {reason}")
                    outcomes[arxiv] = unreachable
                else:
                    outcomes[arxiv] = str(exc) if isinstance(exc, _Failure) else f"{source.label}: {exc}"
            finally:
                if progress is not None:
                    progress.advance()

    try:
        await asyncio.gather(*(one(arxiv) for arxiv in ids))
    finally:
        if timer is not None:
            timer.cancel()
        if progress is not None:
            progress.stop()
        await source.aclose()
    return outcomes


class _Progress:
    """A spinner and bar on stderr, shown only from :meth:`start` (after ``PROGRESS_DELAY``)."""

    def __init__(self, total: int, label: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(), TextColumn(f"resolving from {label}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=Console(stderr=True), transient=True,
        )
        self._task = self._progress.add_task("resolve", total=total)
        self._started = False

    def start(self) -> None:
        self._started = True
        self._progress.start()

    def advance(self) -> None:
        self._progress.advance(self._task)

    def stop(self) -> None:
        if self._started:
            self._progress.stop()


def _progress(total: int, settings: ResolveSettings) -> _Progress | None:
    if settings.quiet or total < 1 or not sys.stderr.isatty():
        return None
    return _Progress(total, settings.registry)


# -- trust on first use -----------------------------------------------------
def _tofu(lock: Lockfile, new: dict[ArxivId, _Fetched]) -> dict[ArxivId, str]:
    """``SECURITY:`` problems for new material that contradicts the lock or itself."""
    problems: dict[ArxivId, str] = {}
    for arxiv, fetched in new.items():
        entry = fetched.entry
        where = "the registry" if fetched.origin in ("registry", "mirror") else "the cache"
        for other in lock.conflicts(entry):
            problems[arxiv] = (
                f"SECURITY: {where} gave digest {entry.canonical_sha256[:16]}... ({entry.pith_number.full}) "
                f"for {entry.source}, but {lock.path.name} pins {other.canonical_sha256[:16]}... "
                f"({other.pith_number.full}) for it (entry {other.key!r}); refusing it, nothing was written"
            )
            break
        if arxiv in problems:
            continue
        old = lock.get(arxiv)
        if old is None:
            continue
        if entry.source_version < old.source_version:
            problems[arxiv] = (
                f"SECURITY: rollback: {where} gave {entry.source} but {lock.path.name} already pins "
                f"v{old.source_version}; refusing it, nothing was written"
            )
        elif (
            old.event_count is not None
            and entry.event_count is not None
            and old.pith_number == entry.pith_number
            and entry.event_count < old.event_count
        ):
            problems[arxiv] = (
                f"SECURITY: rollback: {where} gave a bundle for {entry.pith_number.full} with "
                f"{entry.event_count} events, but {lock.path.name} recorded {old.event_count}; "
                "refusing it, nothing was written"
            )
    # Two ids resolved in this run to different digests for the same id and version.
    by_version: dict[tuple[str, int], set[str]] = {}
    for fetched in new.values():
        by_version.setdefault((fetched.entry.requested.id, fetched.entry.source_version), set()).add(
            fetched.entry.canonical_sha256
        )
    for arxiv, fetched in new.items():
        key = (fetched.entry.requested.id, fetched.entry.source_version)
        if len(by_version[key]) > 1 and arxiv not in problems:
            problems[arxiv] = (
                f"SECURITY: the registry gave different digests for {fetched.entry.source} in one run; "
                "refusing them, nothing was written"
            )
    return problems


# -- the whole run ----------------------------------------------------------
def _from_lock(lock: Lockfile, arxiv: ArxivId, entry: LockEntry, result: VerificationResult) -> Resolution:
    """The resolution of ``arxiv`` by its lock ``entry`` that does not verify offline."""
    return Resolution(
        arxiv, "failed", None,
        f"{lock.where(entry)}: entry {entry.key!r} does not verify: {_problems(result)} "
        "(fix or delete the entry, then run 'pithtex resolve')",
        entry, "lock",
    )


def _from_cache(cache: Cache, arxiv: ArxivId, settings: ResolveSettings) -> _Fetched | None:
    from pithtex.verify.document import verify_json_bytes

    data = cache.record_for(arxiv)
    if data is None:
        return None
    record = verify_json_bytes(data, settings.trust, expected=arxiv)
    try:
        _accept(arxiv, record, "cached record")
    except _Failure:
        return None  # a stale or damaged cache entry is a miss, never an answer
    bundle = None
    if settings.deep:
        assert record.pith_number is not None
        bundle_data = cache.bundle_for(record.pith_number.suffix)
        if bundle_data is None:
            return None
        bundle = verify_json_bytes(bundle_data, settings.trust, expected=arxiv)
        if not bundle.ok or bundle.pith_number != record.pith_number or bundle.event_count is None:
            return None
    return _Fetched(LockEntry.from_result(arxiv, record, deep=bundle), "cache")


def resolve_ids(ids: Iterable[ArxivId], settings: ResolveSettings, *, lock: Lockfile | None = None) -> ResolveReport:
    """Resolve every id (see the module doc); writes the lock and cache only if nothing was rejected.
    ``lock``: ``settings.lock_path`` as the caller read it, for a run that writes nothing (one that
    writes reads it again, under the writers' lock)."""
    wanted = list(dict.fromkeys(ids))
    may_write = settings.write and not settings.locked
    guard = Lockfile(settings.lock_path).file_lock() if may_write and wanted else None
    if guard is not None:
        try:
            guard.acquire()
        except OSError as exc:
            raise InputError(f"{settings.lock_path}: cannot lock for writing: {exc.strerror or exc}") from None
    try:
        return _resolve_locked(wanted, settings, may_write, None if may_write else lock)
    finally:
        if guard is not None:
            guard.release()


def _resolve_locked(
    wanted: list[ArxivId], settings: ResolveSettings, may_write: bool, lock: Lockfile | None
) -> ResolveReport:
    cache = settings.cache
    if lock is None:
        lock = Lockfile.load(settings.lock_path)
    read_as = _identity(settings.lock_path)
    done: dict[ArxivId, Resolution] = {}
    fresh: dict[ArxivId, _Fetched] = {}
    to_fetch: list[ArxivId] = []
    from_lock: list[tuple[ArxivId, LockEntry]] = []
    entries, deep_online = lock.entries, settings.deep and not settings.offline and not settings.locked
    for arxiv in wanted:
        entry = None if settings.update else entries.get(arxiv.versioned)
        if entry is not None and not (deep_online and entry.event_count is None):
            from_lock.append((arxiv, entry))
            continue
        entry = lock.get(arxiv)
        if settings.locked:
            reason = "not in" if entry is None else "--deep needs state not in"
            done[arxiv] = Resolution(
                arxiv, "failed", None,
                f"{reason} {lock.path.name} (--locked never adds entries; run 'pithtex resolve' to add it)",
            )
            continue
        if cache is not None and not settings.update:
            cached = _from_cache(cache, arxiv, settings)
            if cached is not None:
                fresh[arxiv] = cached
                continue
        if settings.offline:
            done[arxiv] = Resolution(
                arxiv, "failed", None, f"not in {lock.path.name} or the cache (--offline; run 'pithtex resolve' online to add it)"
            )
            continue
        to_fetch.append(arxiv)

    # A run that writes nothing (annotate --check/--diff/--dry-run) adds nothing to the memo either.
    remember = settings.write if settings.remember is None else settings.remember
    results = lock.verify_many([entry for _, entry in from_lock], settings.trust,
                               memo="write" if remember else "read")
    for (arxiv, entry), result in zip(from_lock, results):
        done[arxiv] = Resolution(arxiv, "verified", entry.pith_number, None, entry, "lock") if result.ok \
            else _from_lock(lock, arxiv, entry, result)

    unreachable: str | None = None
    if to_fetch:
        import asyncio

        down: list[str] = []
        outcomes = asyncio.run(_fetch_all(to_fetch, settings, down))
        if down:
            unreachable = (
                f"{down[0]}. Check the network, or pass --offline to use pith.lock and the cache only, "
                "or --registry URL|DIR to use a mirror"
            )
        for arxiv in to_fetch:
            outcome = outcomes[arxiv]
            if isinstance(outcome, str):
                done[arxiv] = Resolution(arxiv, "failed", None, outcome)
            else:
                fresh[arxiv] = outcome

    if to_fetch and may_write and _identity(settings.lock_path) != read_as:
        # while the registry answered, another program (git pull, an editor, a coauthor's sync) replaced
        # pith.lock: its entries were dropped by the save below. Theirs are read again and kept, ours
        # checked against them (TOFU) and added.
        lock = _reread(settings.lock_path, [r.entry for r in done.values() if r.origin == "lock" and r.ok])
    security = _tofu(lock, fresh)
    for arxiv, fetched in fresh.items():
        if arxiv in security:
            done[arxiv] = Resolution(arxiv, "rejected", None, security[arxiv], fetched.entry, fetched.origin)
        else:
            done[arxiv] = Resolution(arxiv, "verified", fetched.entry.pith_number, None, fetched.entry, fetched.origin)

    report = ResolveReport([done[arxiv] for arxiv in wanted], settings.lock_path)
    report.unreachable = unreachable
    if report.security:
        return report
    if not may_write:
        if not settings.locked:
            report.pending = fresh
        return report
    for arxiv, fetched in fresh.items():
        lock.put(fetched.entry)
    try:
        report.lock_changed = lock.save()
    except OSError as exc:
        raise InputError(f"{settings.lock_path}: cannot write: {exc.strerror or exc}") from None
    _say_converted(report, lock, settings)
    if cache is not None:
        _fill_cache(cache, fresh)
    return report


def _say_converted(report: ResolveReport, lock: Lockfile, settings: ResolveSettings) -> None:
    if report.lock_changed and lock.converted is not None:  # (README: "pithtex says so when it does")
        print(f"pithtex: {settings.lock_path}: rewrote this lock_version {lock.converted} lock as lock_version 2 "
              "(one line per reference)", file=sys.stderr)


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _reread(path: Path, verified: list[LockEntry | None]) -> Lockfile:
    """The lock as it is now, with the entries this run verified from ``old`` that it no longer has."""
    lock = Lockfile.load(path)
    for entry in verified:
        if entry is not None and lock.entries.get(entry.key) is None:
            lock.put(entry)
    return lock


def save_resolved(report: ResolveReport, settings: ResolveSettings) -> None:
    """Write what a ``write=False`` :func:`resolve_ids` verified (``report.pending``) into pith.lock
    and the cache: for a caller that decides whether to write anything only once it has resolved
    (annotate: a title mismatch or a missing ``--self`` writes nothing, pith.lock included). The
    lock is read again under the writers' lock and the new entries checked against it (TOFU)."""
    fresh = report.pending
    if not fresh or settings.locked:
        return
    from pithtex.errors import SecurityError

    guard = Lockfile(settings.lock_path).file_lock()
    try:
        guard.acquire()
    except OSError as exc:
        raise InputError(f"{settings.lock_path}: cannot lock for writing: {exc.strerror or exc}") from None
    try:
        lock = Lockfile.load(settings.lock_path)
        security = _tofu(lock, fresh)
        if security:
            raise SecurityError(next(iter(security.values())))
        for fetched in fresh.values():
            lock.put(fetched.entry)
        try:
            report.lock_changed = lock.save()
        except OSError as exc:
            raise InputError(f"{settings.lock_path}: cannot write: {exc.strerror or exc}") from None
        _say_converted(report, lock, settings)
    finally:
        guard.release()
    if settings.cache is not None:
        _fill_cache(settings.cache, fresh)
    report.pending = {}


def _fill_cache(cache: Cache, fresh: dict[ArxivId, _Fetched]) -> None:
    """Store newly verified documents (the cache is an optimisation: errors are ignored)."""
    records = [(arxiv, f.record_bytes) for arxiv, f in fresh.items() if f.record_bytes is not None]
    bundles = [(f.entry.pith_number.suffix, f.bundle_bytes) for f in fresh.values() if f.bundle_bytes is not None]
    try:
        cache.put_many(records, bundles)
    except OSError:
        pass
