"""Checks shared by every verifier: canonical records, signature blocks, aliases.

Everything here takes untrusted, arbitrarily shaped JSON and never raises on
bad content: a wrong type or a missing field becomes a failed
:class:`~pithtex.verify.result.Check` whose detail names the field.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections import namedtuple

from pithtex.ids.arxiv import ArxivId, InvalidArxivId, parse_arxiv_id
from pithtex.ids.pith_number import InvalidPithNumber, PithNumber, derive_pith_number
from pithtex.verify.canonical import canonical_json, canonical_sha256
from pithtex.verify.keys import TrustedKey, TrustStore
from pithtex.verify.result import UNTRUSTED_NOTE, Check

TYPE_CHECKING = False  # (no typing or dataclasses import on `pithtex check`'s start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = [
    "CanonicalFacts",
    "Checks",
    "SignatureOutcome",
    "check_aliases",
    "check_canonical_record",
    "check_paper",
    "check_signature_block",
    "decode_signature_b64",
    "is_sha256_hex",
    "same_json",
    "title_matches",
]

SCHEMA_VERSION = "1.0"
_HEX64_RE = re.compile(r"[0-9a-f]{64}")
_TIMESTAMP_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)", re.ASCII)
#: Titles for which the known title rule (lower case, collapse white space)
#: is certain: printable ASCII without TeX markup.
_PLAIN_TITLE_RE = re.compile(r"[ -#%-\[\]-z|~\t\n\r]*")


class Checks(list[Check]):
    """A list of checks with short ways to add to it."""

    def passed(self, name: str, detail: str) -> None:
        self.append(Check(name, True, detail))

    def failed(self, name: str, detail: str) -> None:
        self.append(Check(name, False, detail))

    def unknown(self, name: str, detail: str) -> None:
        self.append(Check(name, None, detail))

    def expect(self, name: str, condition: bool, ok_detail: str, fail_detail: str) -> bool:
        self.append(Check(name, bool(condition), ok_detail if condition else fail_detail))
        return bool(condition)

    @property
    def any_failed(self) -> bool:
        return any(check.ok is False for check in self)


def short(value: Any, limit: int = 60) -> str:
    """``repr`` of a value, cut to ``limit`` characters for one-line messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def same_json(a: Any, b: Any) -> bool:
    """Equality as JSON (``True`` is not ``1``), never raising."""
    try:
        return canonical_json(a) == canonical_json(b)
    except (TypeError, ValueError):
        return False


def safe_sha256(value: Any) -> str | None:
    try:
        return canonical_sha256(value)
    except (TypeError, ValueError, RecursionError):
        return None


def is_sha256_hex(value: Any) -> bool:
    """Lower-case hex of 32 bytes, exactly as the registry writes digests."""
    return isinstance(value, str) and bool(_HEX64_RE.fullmatch(value))


def is_timestamp(value: Any) -> bool:
    return isinstance(value, str) and bool(_TIMESTAMP_RE.fullmatch(value))


def decode_signature_b64(value: Any) -> bytes | None:
    """Strict base64 of exactly 64 bytes (canonical padding, no stray characters)."""
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 64 or base64.b64encode(raw).decode("ascii") != value:
        return None
    return raw


def title_canon_sha256(title: str) -> str:
    """The registry's title rule (spec section 2): lower case, white space collapsed."""
    return hashlib.sha256(" ".join(title.lower().split()).encode("utf-8")).hexdigest()


def title_matches(title: Any, expected_sha256: Any) -> bool | None:
    """Whether ``title`` is the one ``title_canon_sha256`` commits to.

    ``True``: it matches. ``False``: it does not, and the title is plain ASCII,
    for which the rule is known. ``None``: it does not match a title with
    Unicode or TeX markup, whose normalisation is unknown.
    """
    if not isinstance(title, str) or not is_sha256_hex(expected_sha256):
        return False
    if title_canon_sha256(title) == expected_sha256:
        return True
    return False if _PLAIN_TITLE_RE.fullmatch(title) else None


class CanonicalFacts(namedtuple("CanonicalFacts", "record digest pith_number source")):
    """What a well-formed canonical record establishes: ``record`` (the dict), ``digest``,
    ``pith_number``, ``source`` (an ArxivId)."""

    __slots__ = ()

    @property
    def raw_id(self) -> str:
        """``source.id`` exactly as the signed record spells it (aliases use this form)."""
        return self.record["source"]["id"]


def check_canonical_record(checks: Checks, record: Any, where: str = "canonical_record") -> CanonicalFacts | None:
    """Check the shape of a canonical record and compute its digest and Pith Number."""
    if not isinstance(record, dict):
        checks.failed(f"{where}.shape", f"{where} is missing or not an object")
        return None
    problems: list[str] = []
    source = record.get("source")
    metadata = record.get("metadata")
    arxiv: ArxivId | None = None
    if record.get("schema_version") != SCHEMA_VERSION:
        problems.append(f"schema_version is {short(record.get('schema_version'))}, not '1.0'")
    if not isinstance(source, dict):
        problems.append("source is missing or not an object")
    else:
        sid, kind, version = source.get("id"), source.get("kind"), source.get("version")
        if kind != "arxiv":
            problems.append(f"source.kind is {short(kind)}, not 'arxiv'")
        if type(version) is not int or version < 1:
            problems.append(f"source.version is {short(version)}, not a positive integer")
        try:
            parsed = parse_arxiv_id(sid)
        except InvalidArxivId as exc:
            problems.append(f"source.id: {exc.reason} ({short(sid)})")
        else:
            if parsed.version is not None or sid != sid.strip() or ":" in sid:
                problems.append(f"source.id {short(sid)} is not a bare arXiv id")
            elif type(version) is int and version >= 1:
                arxiv = ArxivId(parsed.id, version)
    if not isinstance(metadata, dict):
        problems.append("metadata is missing or not an object")
    else:
        for name in ("license", "primary_cat"):
            if not isinstance(metadata.get(name), str):
                problems.append(f"metadata.{name} is missing or not a string")
        cats = metadata.get("cross_cats_sorted")
        if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats) or cats != sorted(cats):
            problems.append("metadata.cross_cats_sorted is not a sorted list of strings")
        for name in ("title_canon_sha256", "abstract_canon_sha256"):
            if not is_sha256_hex(metadata.get(name)):
                problems.append(f"metadata.{name} is not a SHA-256 hex digest")
        if not is_timestamp(metadata.get("submitted_at")):
            problems.append(f"metadata.submitted_at {short(metadata.get('submitted_at'))} is not a timestamp")
    digest = safe_sha256(record)
    if digest is None:
        problems.append("not serialisable as canonical JSON")
    if problems or arxiv is None or digest is None:
        checks.failed(f"{where}.shape", f"{where}: " + "; ".join(problems or ["malformed"]))
        return None
    try:
        number = derive_pith_number(digest, metadata["submitted_at"])
    except (InvalidPithNumber, ValueError) as exc:
        checks.failed(f"{where}.pith_number", f"{where}: no Pith Number can be derived ({exc})")
        return None
    checks.passed(f"{where}.shape", f"{where} is a schema 1.0 canonical record for {arxiv}")
    return CanonicalFacts(record, digest, number, arxiv)


def check_claimed_digest(checks: Checks, where: str, claimed: Any, digest: str) -> bool:
    """A ``canonical_sha256`` field against the digest recomputed from the record."""
    return checks.expect(
        f"{where}",
        claimed == digest,
        f"{where} matches the recomputed digest",
        f"{where} {short(claimed, 24)} is not the digest of the canonical record ({digest[:16]}...)",
    )


def check_pith_number_fields(checks: Checks, where: str, doc: dict[str, Any], number: PithNumber) -> None:
    """``pith_number`` and ``short_pith_number`` against the recomputed number."""
    prefix = f"{where}." if where else ""
    checks.expect(
        f"{prefix}pith_number",
        doc.get("pith_number") == number.full,
        f"{prefix}pith_number {number.full} recomputed",
        f"{prefix}pith_number {short(doc.get('pith_number'))} is not the recomputed {number.full}",
    )
    checks.expect(
        f"{prefix}short_pith_number",
        doc.get("short_pith_number") == number.short,
        f"{prefix}short_pith_number {number.short} recomputed",
        f"{prefix}short_pith_number {short(doc.get('short_pith_number'))} is not {number.short}",
    )


def check_source_field(checks: Checks, where: str, value: Any, canonical: dict[str, Any]) -> None:
    """An unsigned ``source`` copy must equal the signed canonical source (no mix and match)."""
    checks.expect(
        where,
        same_json(value, canonical.get("source")),
        f"{where} equals the canonical source",
        f"{where} {short(value, 80)} is not the canonical record's source {short(canonical.get('source'), 80)}",
    )


def expected_aliases(facts: CanonicalFacts) -> dict[str, str]:
    sid = facts.raw_id
    return {
        "arxiv": sid,
        "arxiv_version": f"{sid}v{facts.source.version}",
        "doi": f"10.48550/arxiv.{sid}",
        **{f"pith_short_{n}": facts.pith_number.suffix[:n] for n in (8, 12, 16)},
    }


def check_aliases(checks: Checks, where: str, aliases: Any, facts: CanonicalFacts, *, required: bool = True) -> None:
    """Each alias must be of a known kind and be what the canonical record implies.

    Only ``created_at`` is unchecked (covered by no signature in a record).
    """
    if aliases is None and not required:
        return
    if not isinstance(aliases, list):
        checks.failed(where, f"{where} is missing or not a list")
        return
    wanted = expected_aliases(facts)
    bad: list[str] = []
    for index, alias in enumerate(aliases):
        if not isinstance(alias, dict) or not isinstance(alias.get("alias_kind"), str):
            bad.append(f"[{index}] is not an alias object")
            continue
        kind, value = alias["alias_kind"], alias.get("alias_value")
        if kind not in wanted:
            # Strict when verifying: an alias pithtex cannot check is not passed through.
            bad.append(f"alias kind {short(kind)} is unknown")
            continue
        expected = wanted[kind]
        matches = isinstance(value, str) and (
            value.lower() == expected.lower() if kind == "doi" else value == expected
        )
        if not matches:
            bad.append(f"{kind} is {short(value)}, not {expected!r}")
    if bad:
        checks.failed(where, f"{where}: " + "; ".join(bad))
    else:
        checks.passed(where, f"{where} agree with the canonical record")


def check_paper(checks: Checks, where: str, paper: Any, facts: CanonicalFacts) -> str | None:
    """The display copy of the paper's metadata against the signed canonical metadata.

    Returns the title (a hint). ``headline``, ``authors_text`` and
    ``abstract_excerpt`` are covered by no signature and are never checked.
    """
    if paper is None:
        return None
    if not isinstance(paper, dict):
        checks.failed(where, f"{where} is not an object")
        return None
    meta = facts.record["metadata"]
    bad: list[str] = []
    for name in ("submitted_at", "primary_cat", "license"):
        if name in paper and paper[name] != meta[name]:
            bad.append(f"{name} {short(paper[name])} is not the canonical {meta[name]!r}")
    if "cross_cats" in paper:
        cats = paper["cross_cats"]
        if not (isinstance(cats, list) and all(isinstance(c, str) for c in cats) and sorted(cats) == meta["cross_cats_sorted"]):
            bad.append(f"cross_cats {short(cats)} are not the canonical {meta['cross_cats_sorted']!r}")
    if bad:
        checks.failed(where, f"{where}: " + "; ".join(bad))
    else:
        checks.passed(where, f"{where} agrees with the canonical metadata")
    if "title" not in paper:
        return None
    title = paper["title"]
    verdict = title_matches(title, meta["title_canon_sha256"])
    if verdict is True:
        checks.passed(f"{where}.title", f"{where}.title matches title_canon_sha256")
    elif verdict is False:
        checks.failed(f"{where}.title", f"{where}.title {short(title)} does not match the signed title_canon_sha256")
    else:
        checks.unknown(
            f"{where}.title",
            f"{where}.title {short(title)} could not be matched to title_canon_sha256 (normalisation of non-ASCII/TeX titles is unknown)",
        )
    return title if isinstance(title, str) else None


class SignatureOutcome(namedtuple("SignatureOutcome", "key key_id")):
    """The key that produced a valid signature (``key``, a TrustedKey), when one did, and the
    ``key_id`` the signature named."""

    __slots__ = ()


def check_signature_block(
    checks: Checks,
    where: str,
    block: Any,
    digest_hex: str,
    trust: TrustStore,
    *,
    signed_message: str,
    untrusted_is_unknown: bool = False,
) -> SignatureOutcome:
    """The ``algorithm``/``key_id``/``signature_b64`` fields of a signature over a digest.

    The signature must be Ed25519 over the 32 raw bytes of ``digest_hex``
    (recomputed by the caller, never taken from the document), under a key
    in ``trust``. ``untrusted_is_unknown`` turns an unknown key into "could
    not be verified" instead of a failure (events of unknown types may be
    signed by third parties whose keys pithtex has never seen).
    """
    if not isinstance(block, dict):
        checks.failed(f"{where}.shape", f"{where} is missing or not an object")
        return SignatureOutcome(None, None)
    bad: list[str] = []
    if block.get("algorithm") != "ed25519":
        bad.append(f"algorithm is {short(block.get('algorithm'))}, not 'ed25519'")
    if block.get("signed_message") != signed_message:
        bad.append(f"signed_message is {short(block.get('signed_message'))}, not {signed_message!r}")
    if block.get("signature_status") != "signed_v1":
        bad.append(f"signature_status is {short(block.get('signature_status'))}, not 'signed_v1'")
    if bad:
        checks.failed(f"{where}.fields", f"{where}: " + "; ".join(bad))
    key_id = block.get("key_id")
    key = trust.get(key_id)
    if key is None:
        detail = f"{where}: key {short(key_id)} is not trusted{UNTRUSTED_NOTE}"
        if untrusted_is_unknown:
            checks.unknown(f"{where}.key", detail)
        else:
            checks.failed(f"{where}.key", detail)
        return SignatureOutcome(None, key_id if isinstance(key_id, str) else None)
    fingerprint = block.get("public_key_fingerprint")
    checks.expect(
        f"{where}.fingerprint",
        fingerprint == key.fingerprint_hex,
        f"{where}: fingerprint matches key {key.key_id}",
        f"{where}: public_key_fingerprint {short(fingerprint, 40)} is not that of key {key.key_id} ({key.fingerprint_hex})",
    )
    signature = decode_signature_b64(block.get("signature_b64"))
    if signature is None:
        checks.failed(f"{where}.signature", f"{where}: signature_b64 is not strict base64 of 64 bytes")
        return SignatureOutcome(None, key.key_id)
    if key.verify(signature, bytes.fromhex(digest_hex)):
        checks.passed(f"{where}.signature", f"{where}: Ed25519 signature verifies under {key.key_id}")
        return SignatureOutcome(key, key.key_id)
    checks.failed(f"{where}.signature", f"{where}: signature does not verify under key {key.key_id}")
    return SignatureOutcome(None, key.key_id)
