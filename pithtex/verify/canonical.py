"""Canonical JSON and digests, exactly as the registry computes them.

``canonical_json(value)`` is ``json.dumps(value, sort_keys=True,
separators=(",", ":"), ensure_ascii=False)`` encoded as UTF-8; records
inside bundles arrive with unsorted keys, so signed material is always
re-serialised before hashing.

``load_signed_json`` reads signed material with the strictness a verifier
needs: duplicate keys, NaN/Infinity, floats, integers outside
+-(2**53 - 1), lone surrogates, excessive nesting and oversized input are
rejected with :class:`StrictJSONError` (one line, naming what was wrong).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_SAFE_INTEGER",
    "StrictJSONError",
    "canonical_json",
    "canonical_sha256",
    "load_signed_json",
    "validate_json_value",
]

MAX_SAFE_INTEGER = 2**53 - 1
#: Pith documents are a few tens of KiB; anything past this is not one.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64


class StrictJSONError(ValueError):
    """Signed material that is not strict, interoperable JSON."""


def _reject_constant(name: str) -> Any:
    raise StrictJSONError(f"{name} is not allowed in signed JSON")


def _reject_float(text: str) -> Any:
    raise StrictJSONError(f"floating-point number {text} is not allowed in signed JSON")


def _checked_int(text: str) -> int:
    if len(text.lstrip("-")) > 16:
        raise StrictJSONError(f"integer {text[:20]}... is outside +-(2^53-1)")
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise StrictJSONError(f"integer {text} is outside +-(2^53-1)")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise StrictJSONError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _check_strings(value: Any, depth: int = 0) -> None:
    """Reject lone surrogates (unencodable as UTF-8) and excessive nesting."""
    if depth > MAX_DEPTH:
        raise StrictJSONError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise StrictJSONError("string with a lone surrogate (\\ud800-\\udfff)") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, depth + 1)
            _check_strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item, depth + 1)


def load_signed_json(data: bytes | str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> Any:
    """Parse signed material strictly. Raises :class:`StrictJSONError`."""
    if len(data) > max_bytes:
        raise StrictJSONError(f"document is larger than {max_bytes} bytes")
    if isinstance(data, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StrictJSONError(f"not UTF-8 (byte {exc.start})") from None
    else:
        text = data
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
            parse_float=_reject_float,
            parse_int=_checked_int,
        )
    except StrictJSONError:
        raise
    except RecursionError:
        raise StrictJSONError(f"nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise StrictJSONError(f"not JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from None
    except ValueError as exc:  # e.g. int() digit limits
        raise StrictJSONError(f"not JSON: {exc}") from None
    _check_strings(value)
    return value


def canonical_json(value: Any) -> bytes:
    """The canonical serialisation the registry hashes and signs."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def canonical_sha256(value: Any) -> str:
    """Hex SHA-256 of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def validate_json_value(value: Any) -> None:
    """Apply :func:`load_signed_json`'s rules to an already-parsed value.

    For callers that hand the verifier Python objects instead of bytes: only
    dicts with string keys, lists, strings, booleans, None and integers inside
    +-(2**53 - 1) are allowed, nested at most :data:`MAX_DEPTH` levels.
    Raises :class:`StrictJSONError`.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise StrictJSONError(f"nested deeper than {MAX_DEPTH} levels")
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if abs(item) > MAX_SAFE_INTEGER:
                raise StrictJSONError(f"integer {item} is outside +-(2^53-1)")
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise StrictJSONError("string with a lone surrogate (\\ud800-\\udfff)") from None
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise StrictJSONError(f"object key {key!r} is not a string")
                stack.append((key, depth + 1))
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, float):
            raise StrictJSONError(f"floating-point number {item!r} is not allowed in signed JSON")
        else:
            raise StrictJSONError(f"{type(item).__name__} is not a JSON value")
