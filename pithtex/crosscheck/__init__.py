"""Catch references that point at the wrong paper: titles, version drift, duplicates.

Usage from a command (``resolve``, ``annotate``, ``check``)::

    from pithtex.crosscheck import RecordFacts, crosscheck, has_errors, mismatched_keys

    def facts_for(arxiv):                       # ArxivId as cited -> facts or None
        v = verified.get(arxiv)                 # your verified lock entry / record
        if v is None:
            return None
        return RecordFacts.from_canonical_record(
            v.canonical_record, v.pith_number, title=v.title, latest=None)

    findings = crosscheck(bib_entries, facts_for, allow_title_mismatch=args.allow_title_mismatch)
    for f in findings:
        print(f)                                # "refs.bib:12: key: message"
    json_items = [f.to_json() for f in findings]
    exit_code = 1 if has_errors(findings) else 0
    do_not_annotate = mismatched_keys(findings)

Importing this package is cheap: pylatexenc loads on the first title check.
"""

from pithtex.crosscheck.checks import (
    check_title,
    check_version_drift,
    crosscheck,
    find_duplicates,
    has_errors,
    mismatched_entries,
    mismatched_keys,
    unused_allowances,
)
from pithtex.crosscheck.model import (
    CODES,
    DUPLICATE_REFERENCE,
    TITLE_DIFFERS,
    TITLE_MISMATCH,
    TITLE_UNCHECKED,
    TITLE_VERIFIED,
    VERSION_DRIFT,
    CrossFinding,
    RecordFacts,
)
from pithtex.crosscheck.titles import plain_title, similarity, title_canon, title_sha256

__all__ = [
    "CODES",
    "DUPLICATE_REFERENCE",
    "TITLE_DIFFERS",
    "TITLE_MISMATCH",
    "TITLE_UNCHECKED",
    "TITLE_VERIFIED",
    "VERSION_DRIFT",
    "CrossFinding",
    "RecordFacts",
    "check_title",
    "check_version_drift",
    "crosscheck",
    "find_duplicates",
    "has_errors",
    "mismatched_entries",
    "mismatched_keys",
    "plain_title",
    "similarity",
    "title_canon",
    "title_sha256",
    "unused_allowances",
]
