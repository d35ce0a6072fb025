"""Catch references that point at the wrong paper: titles, version drift, duplicates.

Usage from a command (``resolve``, ``annotate``, ``check``)::

    from pithtex.crosscheck import RecordFacts, crosscheck, has_errors, mismatched_entries

    def facts_for(arxiv):                 # ArxivId as cited -> RecordFacts | None
        entry = verified_lock_entry(arxiv)   # only entries whose signature verified
        if entry is None:
            return None
        return RecordFacts.from_lock_entry(  # its signed_facts, pith_number and hint title
            entry,
            latest=None)                  # (version, PithNumber) of the latest version, if known
        # or RecordFacts.from_canonical_record(record, number, title=...), or the entry itself (built if needed)

    findings = crosscheck(scan.entries, facts_for, allow_title_mismatch=args.allow_title_mismatch)
    for f in findings:                    # sorted by file, then line
        print(f)                          # "refs.bib:12: key: message" (f.message has no location)
    payload = [f.to_json() for f in findings]   # {code, severity, file, line, key, message, details}
    exit_code = 1 if has_errors(findings) else 0
    skip = mismatched_entries(findings)   # (file, line) never to annotate silently;
                                          # mismatched_keys() gives the keys

Severities: ``error`` only for ``title-mismatch`` (probable wrong id) not
allowed on purpose; ``warning`` for ``title-differs``, ``duplicate-reference``
and allowed mismatches; ``info`` for ``title-verified``, ``title-unchecked``
and ``version-drift`` (show these with ``--verbose`` and in ``--json``).

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
