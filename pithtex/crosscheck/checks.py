"""The cross-checks: does each .bib entry's arXiv id point at the paper its title names?

Entry point: :func:`crosscheck`. The pieces (:func:`check_title`,
:func:`check_version_drift`, :func:`find_duplicates`) can be used one by one.

Entries are the scanner's ``BibEntry`` objects (:mod:`pithtex.scan.model`);
only these attributes are read: ``file``, ``line``, ``key`` (None for an
unnamed ``\\bibitem``), ``title`` (the raw .bib value, TeX markup and all, or
None), ``arxiv`` (a tuple of :class:`~pithtex.ids.arxiv.ArxivId`) and
``pithnumber`` (a ``PithAnnotation`` whose ``value`` is the field's text, a
plain string, or None). Facts come from the caller through
``facts_for(arxiv_id) -> RecordFacts | None``, built from *verified* records
only: the checks trust them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator

from pithtex.crosscheck.model import (
    DUPLICATE_REFERENCE,
    TITLE_DIFFERS,
    TITLE_MISMATCH,
    TITLE_UNCHECKED,
    TITLE_VERIFIED,
    VERSION_DRIFT,
    CrossFinding,
    RecordFacts,
)
from pithtex.crosscheck.titles import (
    candidate_hashes,
    classify_titles,
    match_title_hash,
    plain_title,
    title_matches,
)
from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import InvalidPithNumber, PithNumber, parse_pith_reference

__all__ = [
    "check_title",
    "check_version_drift",
    "crosscheck",
    "find_duplicates",
    "has_errors",
    "mismatched_entries",
    "mismatched_keys",
    "unused_allowances",
]


TYPE_CHECKING = False  # (no typing import on `pithtex check`'s start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Protocol

    class BibEntryLike(Protocol):
        """The attributes of the scanner's ``BibEntry`` that the checks read."""

        file: Any  # str or Path: shown as given
        line: int
        key: str | None
        title: str | None
        arxiv: tuple[ArxivId, ...]
        pithnumber: Any  # PithAnnotation | str | PithNumber | None

    FactsFor = Callable[[ArxivId], Any]  # RecordFacts, a verified lock entry, or None




def _cited(arxiv: ArxivId, facts: RecordFacts | None) -> str:
    """How to name the paper in a message: the source of the signed record compared with."""
    if facts is not None and facts.source.id == arxiv.id:
        return str(facts.source)
    return str(arxiv)


def _ident(entry: BibEntryLike) -> str:
    """What tells entries apart: the key, or the place of an unnamed entry."""
    return entry.key if entry.key else f"{entry.file}:{entry.line}"


def _name(entry: BibEntryLike) -> str:
    """How a message names another entry: ``key (file:line)`` or ``the entry at file:line``."""
    where = f"{entry.file}:{entry.line}"
    return f"{entry.key} ({where})" if entry.key else f"the entry at {where}"


def _finding(entry: BibEntryLike, code: str, severity: str, message: str, **details: Any) -> CrossFinding:
    return CrossFinding(code, severity, str(entry.file), int(entry.line), entry.key, message, details)  # type: ignore[arg-type]


def check_title(
    entry: BibEntryLike,
    arxiv: ArxivId,
    facts: RecordFacts | None,
    *,
    allowed: bool = False,
    neighbours: Iterable[tuple[BibEntryLike, ArxivId, RecordFacts]] | _Neighbours = (),
) -> CrossFinding:
    """Check the entry's title against the signed title hash of the paper ``arxiv`` names.

    Returns exactly one finding: ``title-verified``, ``title-differs``,
    ``title-mismatch`` (a warning instead of an error when ``allowed``) or
    ``title-unchecked``. ``neighbours`` are the other entries' ids and facts:
    when the title turns out to be the signed title of a neighbour's paper,
    the message names that entry (ids swapped or pasted between entries).
    """
    found = _check_title(entry, arxiv, facts, allowed, neighbours, info=True)
    assert found is not None
    return found


def _check_title(
    entry: BibEntryLike,
    arxiv: ArxivId,
    facts: RecordFacts | None,
    allowed: bool,
    neighbours: Iterable[tuple[BibEntryLike, ArxivId, RecordFacts]] | _Neighbours,
    *,
    info: bool,
) -> CrossFinding | None:
    """:func:`check_title`; with ``info`` False, None instead of an information finding."""
    title = (entry.title or "").strip()
    usable = facts is not None and _HEX64_RE.fullmatch(facts.title_canon_sha256.strip()) is not None
    match = match_title_hash(title, facts.title_canon_sha256) if title and usable else None  # type: ignore[union-attr]
    if not info and (not title or not usable or match is not None):
        return None  # title-unchecked or title-verified: information only
    cited = _cited(arxiv, facts)
    base = {"arxiv": cited}
    if facts is not None:
        base["pith_number"] = facts.pith_number.full
    if not title:
        return _finding(entry, TITLE_UNCHECKED, "info",
                        f"no title in the entry, so pithtex cannot check that {cited} is the paper you mean.",
                        reason="no-title", **base)
    if facts is None:
        return _finding(entry, TITLE_UNCHECKED, "info",
                        f"no verified record for {cited}, so the title was not checked.",
                        reason="no-record", **base)
    if not usable:
        return _finding(entry, TITLE_UNCHECKED, "info",
                        f"the record of {cited} carries no usable title hash, so the title was not checked.",
                        reason="no-signed-hash", **base)
    if match is not None:
        return _finding(entry, TITLE_VERIFIED, "info",
                        f"title verified against the signed record of {cited}.",
                        candidate=match.candidate, **base)

    yours = plain_title(title)
    # Only signed data decides from here on. The registry's plain title (``paper.title``, the lock's
    # ``title``) is unsigned: it may tell a harmless difference from a wrong id only when it is
    # itself the signed title (it hashes to title_canon_sha256). Missing, or not matching, it
    # changes the wording of the error, never the verdict.
    hint_signed = facts.title is not None and title_matches(facts.title, facts.title_canon_sha256)
    theirs = " ".join(facts.title.split()) if facts.title is not None else None
    details = dict(base, your_title=yours, registry_title=theirs, registry_title_signed=hint_signed)
    if not hint_signed:
        if theirs is None:
            message = (f"the title does not match {cited} (signed record), and the registry sent no plain title "
                       f'to compare with. Your entry: "{yours}". The arXiv id is probably wrong.')
            details["comparison"] = "unavailable"
        else:
            message = (f'the title does not match {cited} (signed record). Your entry: "{yours}"; the registry\'s '
                       f'unsigned plain title "{theirs}" does not match the signed hash either, so it is not used. '
                       "The arXiv id is probably wrong.")
            details["comparison"] = "unsigned-hint"
    else:
        assert theirs is not None and facts.title is not None
        verdict = classify_titles(yours, plain_title(facts.title))
        both = f'Your entry: "{yours}"; arXiv: "{theirs}".'
        details.update(comparison=verdict.kind, similarity=round(verdict.ratio, 3))
        if verdict.similar:
            what = (f"differs from that of {cited} only in case, punctuation or markup"
                    if verdict.kind == "same-words"
                    else f"is worded differently from that of {cited}; fine if you cite the published version")
            return _finding(entry, TITLE_DIFFERS, "warning", f"the title {what}. {both}", **details)
        message = f"the title does not match {cited} (signed record). {both} The arXiv id is probably wrong."
    index = neighbours if isinstance(neighbours, _Neighbours) else _Neighbours(neighbours)
    swap = _swap_partner(entry, title, facts, index)
    if swap is not None:
        other, other_id, mutual = swap
        details["title_matches"] = {"key": other.key, "file": str(other.file), "line": int(other.line),
                                    "arxiv": str(other_id), "mutual": mutual}
        message += (f" Your title is that of {other_id}, which {_name(other)} cites"
                    + (": the two entries' arXiv ids look swapped." if mutual else "."))
    if allowed:
        details["accepted"] = True
        return _finding(entry, TITLE_MISMATCH, "warning",
                        message + " Accepted on purpose (--allow-title-mismatch).", **details)
    return _finding(entry, TITLE_MISMATCH, "error", message, **details)


_HEX64_RE = re.compile(r"[0-9a-fA-F]{64}")


class _Neighbours:
    """The other entries' (entry, id, facts), indexed by signed title hash when first asked
    (only a title that matches no signed title needs them)."""

    def __init__(self, items: Iterable[tuple[BibEntryLike, ArxivId, RecordFacts]]) -> None:
        self._items: Iterable[tuple[BibEntryLike, ArxivId, RecordFacts]] | None = items
        self._by_hash: dict[str, list[tuple[BibEntryLike, ArxivId, RecordFacts]]] = {}

    def with_hash(self, digest: str) -> list[tuple[BibEntryLike, ArxivId, RecordFacts]]:
        """The entries whose paper's signed title hash is ``digest`` (lower case)."""
        if self._items is not None:
            for item in self._items:
                self._by_hash.setdefault(item[2].title_canon_sha256.strip().lower(), []).append(item)
            self._items = None
        return self._by_hash.get(digest, [])


def _swap_partner(
    entry: BibEntryLike,
    title: str,
    facts: RecordFacts,
    neighbours: _Neighbours,
) -> tuple[BibEntryLike, ArxivId, bool] | None:
    """The neighbour whose paper's signed title is this entry's title.

    ``mutual`` is True when the neighbour's own title is, in turn, the signed
    title of this entry's paper: the two ids were swapped.
    """
    best: tuple[int, tuple[BibEntryLike, ArxivId, bool]] | None = None
    ours = facts.title_canon_sha256.strip().lower()
    for digest in candidate_hashes(title):  # every reading of the title, computed once
        for other, other_id, other_facts in neighbours.with_hash(digest):
            if other is entry or _ident(other) == _ident(entry):
                continue
            other_title = (other.title or "").strip()
            if other_title and ours in candidate_hashes(other_title):
                return other, other_id, True
            # Prefer a neighbour whose own title does not fit the id it cites: the likelier culprit.
            rank = 0 if not other_title or not title_matches(other_title, other_facts.title_canon_sha256) else 1
            if best is None or rank < best[0]:
                best = (rank, (other, other_id, False))
    return None if best is None else best[1]


def check_version_drift(entry: BibEntryLike, arxiv: ArxivId, facts: RecordFacts | None) -> CrossFinding | None:
    """``version-drift`` (info) when the entry pins a version older than the latest the registry holds.

    The pinned version is the one cited (``2511.00066v2``) or, for a citation
    without a version, the version of the record it resolved to.
    """
    if facts is None or facts.latest is None:
        return None
    pinned = arxiv.version if arxiv.version is not None else facts.source.version
    latest_version, latest_number = facts.latest
    if pinned is None or latest_version <= pinned:
        return None
    cited = ArxivId(arxiv.id, pinned)
    latest = ArxivId(arxiv.id, latest_version)
    how = "cites" if arxiv.version is not None else "resolved to"
    return _finding(
        entry, VERSION_DRIFT, "info",
        f"{how} {cited}; arXiv has a later version, {latest} ({latest_number.full}). "
        f"Cite {latest} if you mean the latest.",
        arxiv=str(cited), pith_number=facts.pith_number.full,
        latest_version=latest_version, latest_arxiv=str(latest), latest_pith_number=latest_number.full)


def _pith_suffix(value: Any) -> str | None:
    """The suffix a ``pithnumber`` field names, or None when it names none validly."""
    if value is None:
        return None
    value = getattr(value, "value", value)  # a scanner PithAnnotation holds the text in .value
    suffix = getattr(value, "suffix", None)
    if isinstance(suffix, str):
        return suffix
    try:
        ref = parse_pith_reference(str(value))
    except InvalidPithNumber:
        return None
    return ref if isinstance(ref, str) else ref.suffix


def find_duplicates(entries: Iterable[BibEntryLike], facts_for: FactsFor | None = None) -> list[CrossFinding]:
    """``duplicate-reference`` warnings: entries with different keys citing the same paper.

    Two entries cite the same paper when they share an arXiv id (any
    versions) or a ``pithnumber``. One finding per extra entry, located at
    it and naming the first entry (key, file and line) of its group. With
    ``facts_for`` (verified records), an entry whose ``pithnumber`` is not the
    number of the arXiv id it cites, but another entry's, is the one the
    finding is located at and names: its field is the wrong one.
    """
    entries = list(entries)
    owner: dict[str, int] = {}  # arXiv id, or "pith " and a suffix -> the first entry naming it
    links: list[tuple[int, int]] = []  # (entry, an earlier entry naming the same paper)
    for i, entry in enumerate(entries):
        for a in entry.arxiv:
            first = owner.setdefault(a.id, i)
            if first != i:
                links.append((i, first))
        if getattr(entry, "pithnumber", None) is not None:
            _own_pith(entry, i, owner, links)
    return _duplicates(entries, links, facts_for)


def _own_pith(entry: BibEntryLike, i: int, owner: dict[str, int], links: list[tuple[int, int]]) -> None:
    """Note the paper ``entry``'s pithnumber names, as :func:`find_duplicates` does its arXiv ids."""
    suffix = _pith_suffix(entry.pithnumber)
    if suffix:
        first = owner.setdefault("pith " + suffix, i)
        if first != i:
            links.append((i, first))


def _duplicates(entries: list[BibEntryLike], links: list[tuple[int, int]], facts_for: FactsFor | None) -> list[CrossFinding]:
    """:func:`find_duplicates`' findings, from its links between entries naming the same paper."""
    if not links:
        return []
    parent = list(range(len(entries)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    joined: set[int] = set()  # entries sharing a paper with another: the only groups of two or more
    for i, first in links:
        parent[find(i)] = find(first)
        joined.update((i, first))

    groups: dict[int, list[int]] = {}
    for i in sorted(joined):  # in file order, as the groups' first members come
        groups.setdefault(find(i), []).append(i)

    findings: list[CrossFinding] = []
    for members in groups.values():
        idents: list[str] = []
        for i in members:
            if _ident(entries[i]) not in idents:
                idents.append(_ident(entries[i]))
        if len(idents) < 2:
            continue
        keys = [k for k in dict.fromkeys(entries[i].key for i in members) if k]
        first = entries[members[0]]
        listing = [{"key": entries[i].key, "file": str(entries[i].file), "line": int(entries[i].line),
                    "arxiv": [str(a) for a in entries[i].arxiv]} for i in members]
        wrong = _wrong_fields([entries[i] for i in members], facts_for) if facts_for is not None else []
        for entry, suffix, cited, owner in wrong:
            findings.append(_finding(
                entry, DUPLICATE_REFERENCE, "warning",
                f"its pithnumber {suffix} is the Pith Number of {_name(owner)}, not of arXiv:{cited.id}, "
                "which this entry cites: the field is wrong ('pithtex annotate' corrects it).",
                paper=f"pith number {suffix}", keys=keys, entries=listing))
        if wrong:
            continue
        for i in members[1:]:
            entry = entries[i]
            if _ident(entry) == _ident(first):
                continue
            shared = _shared_paper(first, entry)
            findings.append(_finding(
                entry, DUPLICATE_REFERENCE, "warning",
                f"cites the same paper ({shared}) as {_name(first)}. "
                f"Keep one key, or the bibliography lists the paper twice.",
                paper=shared, keys=keys, entries=listing))
    return findings


def _wrong_fields(
    group: list[BibEntryLike], facts_for: FactsFor
) -> list[tuple[BibEntryLike, str, ArxivId, BibEntryLike]]:
    """(entry, its pithnumber suffix, the id it cites, the entry that number belongs to) for each
    entry of a duplicate group whose pithnumber is another cited paper's verified number."""
    numbers: dict[str, BibEntryLike] = {}  # verified suffix -> the first entry citing that paper
    for entry in group:
        if len(entry.arxiv) == 1:
            facts = facts_for(entry.arxiv[0])
            if facts is not None:
                numbers.setdefault(facts.pith_number.suffix, entry)
    out = []
    for entry in group:
        suffix = _pith_suffix(getattr(entry, "pithnumber", None))
        if not suffix or len(entry.arxiv) != 1:
            continue
        facts = facts_for(entry.arxiv[0])
        owner = numbers.get(suffix)
        if facts is not None and facts.pith_number.suffix != suffix and owner is not None and owner is not entry:
            out.append((entry, suffix, entry.arxiv[0], owner))
    return out


def _shared_paper(a: BibEntryLike, b: BibEntryLike) -> str:
    ids_b = {x.id for x in b.arxiv}
    for x in a.arxiv:
        if x.id in ids_b:
            return f"arXiv:{x.id}"
    suffix = _pith_suffix(getattr(a, "pithnumber", None))
    if suffix and suffix == _pith_suffix(getattr(b, "pithnumber", None)):
        return f"pith number {suffix}"
    return "the same arXiv paper, through another entry"


def crosscheck(
    entries: Iterable[BibEntryLike],
    facts_for: FactsFor,
    *,
    allow_title_mismatch: Collection[str] = (),
    title_info: bool = True,
) -> list[CrossFinding]:
    """Run every cross-check on the entries; findings sorted by file and line.

    ``title_info`` False leaves out the ``title-verified`` and
    ``title-unchecked`` information (one per entry) that only ``--json``
    shows; the checks run all the same.

    ``facts_for`` is called once per distinct arXiv id cited (as cited, with
    its version when one was given) and returns facts from a verified record,
    or None; or the verified ``pith.lock`` entry itself, whose facts
    (:meth:`RecordFacts.from_lock_entry`; None if that raises) are then built only
    for an entry a check needs more than its signed title hash for (a warm 20,000-entry
    annotate's cross-checks: 0.6x the time of building every entry's facts first). Keys in ``allow_title_mismatch`` turn ``title-mismatch`` errors
    into warnings that say so. Version drift uses each fact's ``latest`` and,
    when the bibliography cites one paper in several versions, the latest
    version any of its citations resolved to.
    """
    entries = list(entries)
    allow = set(allow_title_mismatch)
    cache: dict[ArxivId, tuple[Any, ...] | None] = {}  # id -> what the first pass reads of its facts (_signed)
    todo: list[tuple[int, BibEntryLike, ArxivId]] = []  # (n, entry, id) of the pairs that may say something
    owner: dict[str, int] = {}  # as in find_duplicates
    links: list[tuple[int, int]] = []
    n = 0
    # One pass over the entries and their (entry, id) pairs, which notes duplicates too: only a title
    # that no reading of matches the signed hash, or a pair that may drift, is looked at again;
    # without title_info that is nearly none.
    for i, entry in enumerate(entries):
        arxiv = entry.arxiv
        for a in arxiv if len(arxiv) < 2 else dict.fromkeys(arxiv):
            n += 1
            known = owner.setdefault(a.id, i)
            if known != i:
                links.append((i, known))
            signed = cache.get(a, cache)
            if signed is cache:
                signed = cache[a] = _signed(facts_for(a), title_info)
            if signed is None:
                if title_info:
                    todo.append((n, entry, a))
                continue
            title = entry.title
            # The only facts of its paper, without latest, drift only if cited in another version.
            if (title_info or signed[3] is not None or (a.version is not None and a.version != signed[1])
                    or (title and not title_matches(title.strip(), signed[2]))):
                todo.append((n, entry, a))
        if getattr(entry, "pithnumber", None) is not None:
            _own_pith(entry, i, owner, links)

    built: dict[ArxivId, RecordFacts] = {}

    def facts_of(a: ArxivId) -> RecordFacts | None:
        """The facts of an id cited, built when first asked for."""
        signed = cache[a]
        found = None if signed is None else signed[4]
        if found is None or isinstance(found, RecordFacts):
            return found
        if a not in built:  # a lock entry's facts as from_lock_entry builds them from its signed facts
            built[a] = RecordFacts(ArxivId(signed[0], signed[1]), found.pith_number, signed[2], found.title)  # type: ignore[index]
        return built[a]

    papers: dict[str, list[RecordFacts]] = {}  # of a paper cited in several versions, all its facts
    sids = [signed[0] for signed in cache.values() if signed is not None]
    if len(set(sids)) < len(sids):  # each such citation's drift depends on the others
        seen: set[str] = set()
        shared = {sid for sid in sids if sid in seen or seen.add(sid)}  # type: ignore[func-returns-value]
        for a, signed in cache.items():
            if signed is not None and signed[0] in shared:
                papers.setdefault(signed[0], []).append(facts_of(a))  # type: ignore[arg-type]
        more = [p for p in _pairs(entries, cache) if cache[p[2]][0] in shared]  # type: ignore[index]
        todo = sorted({p[0]: p for p in todo + more}.values(), key=lambda p: p[0])
    known_pairs = _Neighbours((e, a, facts_of(a)) for _, e, a in _pairs(entries, cache))

    findings: list[CrossFinding] = []
    for _, entry, a in todo:
        facts = facts_of(a)
        title = entry.title
        if title_info or (title and facts is not None and not title_matches(title.strip(), facts.title_canon_sha256)):
            allowed = entry.key is not None and entry.key in allow
            found = _check_title(entry, a, facts, allowed, known_pairs, info=title_info)
            if found is not None:
                findings.append(found)
        if facts is None or (facts.latest is None and facts.source.id not in papers
                             and (a.version is None or a.version == facts.source.version)):
            continue  # cannot drift (see the first pass)
        newest = _newest(papers.get(facts.source.id) or (facts,))
        if newest is not None and newest != facts.latest:
            pinned = a.version if a.version is not None else facts.source.version
            if pinned is None or newest[0] > pinned:  # else no drift, whichever latest is used
                facts = facts._replace(latest=newest)
        if facts.latest is not None:
            drift = check_version_drift(entry, a, facts)
            if drift is not None:
                findings.append(drift)
    findings.extend(_duplicates(entries, links, facts_of))
    order = {f: i for i, f in enumerate(dict.fromkeys(str(e.file) for e in entries))} if findings else {}
    findings.sort(key=lambda f: (order.get(f.file, len(order)), f.line))
    return findings


def _signed(found: Any, every: bool) -> tuple[str, int | None, str, Any, Any] | None:
    """``(source id, version, title_canon_sha256, latest, found)`` of what ``facts_for`` found; unless
    ``every`` pair needs facts, not building those of a lock entry whose signed facts
    :meth:`RecordFacts.from_lock_entry` takes as they are."""
    if found is None:
        return None
    if not isinstance(found, RecordFacts):  # a verified lock entry
        try:
            source_id, version, digest = found.signed_facts
            cited = found.requested.id  # equal to source_id, and already hashed
            if not every and source_id == cited and type(version) is int and type(digest) is str:
                return cited, version, digest, None, found
            found = RecordFacts.from_lock_entry(found)
        except (KeyError, TypeError, ValueError):
            return None
    return found.source.id, found.source.version, found.title_canon_sha256, found.latest, found


def _pairs(entries: list[BibEntryLike], cache: dict[ArxivId, Any]) -> Iterator[tuple[int, BibEntryLike, ArxivId]]:
    """``(n, entry, id)`` of each id an entry cites that has facts, numbered as :func:`crosscheck` does."""
    n = 0
    for entry in entries:
        arxiv = entry.arxiv
        for a in arxiv if len(arxiv) < 2 else dict.fromkeys(arxiv):
            n += 1
            if cache[a] is not None:
                yield n, entry, a


def _newest(known: Iterable[RecordFacts]) -> tuple[int, PithNumber] | None:
    """The latest version of a paper that any of its facts know of (the first of equals counts)."""
    newest = None
    for facts in known:
        if facts.latest is not None and (newest is None or facts.latest[0] > newest[0]):
            newest = facts.latest
        version = facts.source.version
        if version is not None and (newest is None or version > newest[0]):
            newest = (version, facts.pith_number)
    return newest


def has_errors(findings: Iterable[CrossFinding]) -> bool:
    """Whether any finding is an error (``check`` should then exit 1)."""
    return any(f.severity == "error" for f in findings)


def mismatched_keys(findings: Iterable[CrossFinding]) -> set[str]:
    """Keys with a ``title-mismatch`` error: ``annotate`` must not write numbers into them silently."""
    return {f.key for f in findings if f.code == TITLE_MISMATCH and f.severity == "error" and f.key}


def mismatched_entries(findings: Iterable[CrossFinding]) -> set[tuple[str, int]]:
    """``(file, line)`` of entries with a ``title-mismatch`` error, keyed or not (for ``annotate``)."""
    return {(f.file, f.line) for f in findings if f.code == TITLE_MISMATCH and f.severity == "error"}


def unused_allowances(findings: Iterable[CrossFinding], allow_title_mismatch: Collection[str]) -> list[str]:
    """Allowed keys that had no title mismatch: stale ``--allow-title-mismatch`` flags to mention."""
    used = {f.key for f in findings if f.code == TITLE_MISMATCH}
    return [k for k in allow_title_mismatch if k not in used]
