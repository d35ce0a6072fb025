"""Scan one large .bib file in two processes: its head here, its tail in a forked child.

:func:`scan_bib_beside` cuts the file before a plainly well-formed entry
(where a scan can stop and resume with the same result, see
:func:`pithtex.scan.bib.scan_chunks`), starts the tail's scan on a second core
(:mod:`pithtex.parallel`) and returns at once, so the caller can do other work
(``annotate`` reads ``pith.lock`` meanwhile); :meth:`PendingScan.result`
scans the head and joins the two. The result is exactly what
:func:`pithtex.scan.bib.scan_bib` gives (with ``entries_only``, its
:meth:`~pithtex.scan.model.ScanResult.entries_only`, which both processes make
without the findings' lines and notes); a property test compares them.

What the tail needs from the head, and how it gets it:

- the ``@string`` macros defined before the cut: the child reads the head's
  ``@string`` blocks itself (each starts a block of its own, which bibtexparser
  reads the same alone as in a run of blocks);
- the entry keys seen before the cut, for "duplicate entry key" notes: the
  child lists its keys instead, and the join reports the duplicates in place;
- whether the head's scan stopped on a bibtexparser failure: then the tail is
  not scanned at all, as in one process.

When the child cannot be used (no fork, it failed, or the head's macros could
not be read alone), the parent scans the tail itself, after the head: one
process, the same result.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from pithtex.parallel import Task, beside
from pithtex.scan.bib import (
    Prepared,
    _Scan,
    _scan_run,
    duplicate_key_note,
    fast_entry_at,
    new_scan,
    prepare,
    scan_chunks,
)
from pithtex.scan.model import ScanResult
from pithtex.scan.source import SourceText

__all__ = ["MIN_BLOCKS", "PendingScan", "scan_bib_beside"]

#: Files with fewer blocks are scanned in one process: a fork costs more than it saves.
MIN_BLOCKS = 2000
#: The share of the blocks the parent scans itself; the caller has other work
#: to do meanwhile (annotate reads pith.lock: with a warm lock summary, about
#: 0.2 of the scan's time), and the child packs its result for the parent.
HEAD_SHARE = 0.42
_STRING_RE = re.compile(r"@\s*string", re.IGNORECASE)


class PendingScan:
    """A scan started by :func:`scan_bib_beside`; :meth:`result` finishes it."""

    def __init__(
        self, prepared: Prepared, field_name: str, cut: int | None, task: Task[Any] | None, entries_only: bool = False
    ) -> None:
        self._prepared = prepared
        self._field_name = field_name
        self._cut = cut
        self._task = task
        self._entries_only = entries_only

    @property
    def forked(self) -> bool:
        """Whether the tail is being scanned in a child process."""
        return self._task is not None and self._task.ran_in == "child"

    def cancel(self) -> None:
        """Stop the child, if any (the caller failed before it needed the result)."""
        if self._task is not None:
            self._task.cancel()

    def result(self) -> ScanResult:
        """The scan's result (see :meth:`ScanResult.entries_only` when that was asked for)."""
        result = self._result()
        return result.entries_only() if self._entries_only else result

    def _result(self) -> ScanResult:
        prepared, cut = self._prepared, self._cut
        scan = new_scan(prepared, self._field_name, lean=self._entries_only)
        n = len(prepared.chunks)
        if cut is None or self._task is None:
            scan_chunks(prepared, 0, n, 0, scan)
            return scan.result
        with self._task as task:
            head_done = scan_chunks(prepared, 0, cut, 0, scan)
            if not head_done:
                return scan.result  # bibtexparser failed in the head: one process stops there too
            tail = task.result()
        line = _line_of_block(prepared, cut)
        if tail is None:  # the child could not read the head's macros alone: scan the tail here
            scan_chunks(prepared, cut, n, line, scan)
            return scan.result
        plain, key_places = tail
        _join(scan, ScanResult.from_plain(plain), key_places)
        return scan.result


def scan_bib_beside(
    source: SourceText,
    *,
    field_name: str = "pithnumber",
    min_blocks: int = MIN_BLOCKS,
    head_share: float = HEAD_SHARE,
    fork: bool = True,
    entries_only: bool = False,
) -> PendingScan:
    """Start scanning ``source``; for a large file, its tail in a second process.

    ``fork=False`` scans the tail separately all the same, in this process
    (when the result is asked for): the tests of the join use it.
    ``entries_only`` gives :meth:`ScanResult.entries_only` (less to pack and unpack).
    """
    prepared = prepare(source)
    n = len(prepared.chunks)
    cut = _cut(prepared, int(n * head_share)) if n >= min_blocks else None
    if cut is None:
        return PendingScan(prepared, field_name, None, None, entries_only)
    work = partial(scan_tail, prepared, cut, field_name, entries_only)
    if not fork:
        return PendingScan(prepared, field_name, cut, Task(work), entries_only)
    task = beside(work)
    if task.ran_in != "child":  # no second process here: one scan, no packing
        return PendingScan(prepared, field_name, None, None, entries_only)
    return PendingScan(prepared, field_name, cut, task, entries_only)


def _cut(prepared: Prepared, target: int) -> int | None:
    """The first block from ``target`` on that a scan may start at, or None."""
    for index in range(max(target, 1), min(len(prepared.chunks), target + 1000)):
        if fast_entry_at(prepared, index):
            return index
    return None


def _line_of_block(prepared: Prepared, index: int) -> int:
    return prepared.text.count("\n", 0, prepared.chunks[index][0])


def scan_tail(
    prepared: Prepared, cut: int, field_name: str, entries_only: bool = False
) -> tuple[Any, list[tuple[str, int, int]]] | None:
    """Scan blocks ``cut`` to the end as the tail of the file: plain values (see
    :meth:`ScanResult.to_plain`) and the keys' places, or None when the head's
    macros cannot be read on their own (a bibtexparser failure in one of them)."""
    scan = _Scan(prepared.name, field_name.lower(), ScanResult(), key_places=[], lean=entries_only)
    if not _head_macros(prepared, cut, scan.strings):
        return None
    scan_chunks(prepared, cut, len(prepared.chunks), _line_of_block(prepared, cut), scan)
    assert scan.key_places is not None
    return (scan.result.entries_only() if entries_only else scan.result).to_plain(), scan.key_places


def _head_macros(prepared: Prepared, cut: int, strings: dict[str, str]) -> bool:
    """Read the ``@string`` macros of blocks ``0`` to ``cut - 1`` into ``strings``, in order."""
    text = prepared.text
    head_end = prepared.chunks[cut][0]
    if _STRING_RE.search(text, 0, head_end) is None:
        return True
    aside = _Scan(prepared.name, "", ScanResult(), strings=strings, key_places=[])
    for index in range(cut):
        start, end = prepared.chunks[index]
        if _STRING_RE.search(text, start, end) is None:
            continue
        # Only an unusual block can define a macro (a fast-path entry never does);
        # read it as scan_chunks reads a run of them, up to the next block's start.
        nxt = prepared.chunks[index + 1][0]
        if not _scan_run(text, start, 0, nxt, text.count("\n", start, nxt), aside):
            return False
    return True


def _join(scan: _Scan, tail: ScanResult, key_places: list[tuple[str, int, int]]) -> None:
    """Append the tail's results to the head's, reporting keys the head had already used."""
    result, seen = scan.result, scan.seen_keys
    notes = list(tail.notes)
    inserted = 0
    for key, line, at in key_places:
        if key in seen:
            notes.insert(at + inserted, duplicate_key_note(scan.name, line, key, seen[key]))
            inserted += 1
        else:
            seen[key] = line
    tail.notes = notes
    result.extend(tail)

