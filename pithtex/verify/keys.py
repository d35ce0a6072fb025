"""The trust store: which Ed25519 keys pithtex believes, and nothing else.

The registry key ``pith-v1-2026-05`` is pinned here as raw bytes; its
fingerprint is recomputed and compared every time the store is built, so a
corrupted or edited package fails loudly instead of trusting a wrong key.

Extra keys come only from explicit configuration: ``--trust-key FILE``
(repeatable) and the environment variable ``PITHTEX_TRUST_KEYS`` (key files
separated by ``os.pathsep``). Keys shipped inside a document (a bundle's
``public_keys``) are never added here: a document cannot vouch for itself.

A key file is the registry's key JSON (``/pith-signing-key.json``, or what
``TestKey.key_document()`` writes): ``key_id``, ``algorithm`` "ed25519",
``public_key_b64`` and/or ``public_key_hex`` (which must agree), and optional
fingerprints (which must match when present). A file may also hold a list of
such objects. Malformed or unsafe keys raise :class:`InvalidKey`, naming the
file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections import namedtuple
from pathlib import Path

from pithtex.errors import SecurityError, UsageError
from pithtex.verify.ed25519 import verify as ed25519_verify

TYPE_CHECKING = False  # `pithtex check` imports neither typing nor dataclasses (~7 ms of its start-up)
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Iterator, Sequence
    from typing import Any

__all__ = [
    "ENV_TRUST_KEYS",
    "REGISTRY_KEY_ID",
    "InvalidKey",
    "TrustStore",
    "TrustedKey",
    "load_key_file",
    "parse_key_document",
    "trust_store_from",
]

ENV_TRUST_KEYS = "PITHTEX_TRUST_KEYS"
REGISTRY_KEY_ID = "pith-v1-2026-05"
_REGISTRY_KEY_RAW = bytes.fromhex("b2d552b68890857171a78b36a5dccf368a953413288c353f7c9d9d6f94b709b3")
_REGISTRY_KEY_FINGERPRINT = "8d4b5ee74e4693bcd1df2446408b0d54"
_MAX_KEY_FILE_BYTES = 64 * 1024
_KEY_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


class InvalidKey(UsageError):
    """A key file or key document that is malformed or unsafe to trust."""


class TrustedKey(namedtuple("TrustedKey", "key_id public_bytes")):
    """An Ed25519 public key pithtex trusts (``public_bytes``, raw), under its ``key_id``."""

    __slots__ = ()

    @property
    def fingerprint_hex(self) -> str:
        """First 16 bytes of SHA-256(raw key), in hex (``public_key_fingerprint``)."""
        return hashlib.sha256(self.public_bytes).digest()[:16].hex()

    @property
    def fingerprint_b32(self) -> str:
        """First 26 base32 characters of SHA-256(raw key)."""
        return base64.b32encode(hashlib.sha256(self.public_bytes).digest()).decode("ascii")[:26]

    def verify(self, signature: bytes, message: bytes) -> bool:
        """Whether ``signature`` is a valid Ed25519 signature of ``message`` (:mod:`pithtex.verify.ed25519`)."""
        return ed25519_verify(self.public_bytes, signature, message)


class TrustStore:
    """An immutable set of trusted keys, looked up by ``key_id``."""

    def __init__(self, keys: Iterable[TrustedKey] = ()) -> None:
        self._keys: dict[str, TrustedKey] = {}
        for key in keys:
            known = self._keys.get(key.key_id)
            if known is not None and known.public_bytes != key.public_bytes:
                raise UsageError(
                    f"two different keys are configured under key_id {key.key_id!r}",
                    hint="each key_id names exactly one key",
                )
            self._keys[key.key_id] = key

    @classmethod
    def pinned(cls) -> TrustStore:
        """Only the registry key, from the bytes pinned in this module."""
        key = TrustedKey(REGISTRY_KEY_ID, _REGISTRY_KEY_RAW)
        if key.fingerprint_hex != _REGISTRY_KEY_FINGERPRINT:  # pragma: no cover - corrupted install
            raise SecurityError(
                f"the pinned registry key {REGISTRY_KEY_ID} does not match its fingerprint",
                hint="the pithtex installation is damaged; reinstall it",
            )
        return cls([key])

    def with_keys(self, *keys: TrustedKey) -> TrustStore:
        """A new store with ``keys`` added (a conflicting key_id is a usage error)."""
        return TrustStore([*self._keys.values(), *keys])

    def get(self, key_id: object) -> TrustedKey | None:
        return self._keys.get(key_id) if isinstance(key_id, str) else None

    def __contains__(self, key_id: object) -> bool:
        return self.get(key_id) is not None

    def __iter__(self) -> Iterator[TrustedKey]:
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"TrustStore({sorted(self._keys)!r})"


def _decode_b64(text: str) -> bytes | None:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == text else None


def _decode_hex(text: str) -> bytes | None:
    if not re.fullmatch(r"(?:[0-9a-fA-F]{2})*", text):
        return None
    return bytes.fromhex(text)


def parse_key_document(doc: Any, origin: str = "key") -> TrustedKey:
    """Check one key object and return it as a :class:`TrustedKey`.

    ``origin`` names where the key came from, for the error message.
    """

    def bad(reason: str, hint: str | None = "a key file is the registry's key JSON (key_id, algorithm, public_key_b64)") -> InvalidKey:
        return InvalidKey(f"{origin}: {reason}", hint=hint)

    if not isinstance(doc, dict):
        raise bad("not a key object (expected a JSON object with key_id and public_key_b64)")
    key_id = doc.get("key_id")
    if not isinstance(key_id, str) or not _KEY_ID_RE.fullmatch(key_id):
        raise bad(f"key_id must be a short name, got {key_id!r}")
    algorithm = doc.get("algorithm", "ed25519")
    if algorithm != "ed25519":
        raise bad(f"algorithm must be 'ed25519', got {algorithm!r}")
    if doc.get("format", "raw") != "raw":
        raise bad(f"format must be 'raw', got {doc.get('format')!r}")
    encodings: list[bytes] = []
    b64 = doc.get("public_key_b64")
    if b64 is not None:
        raw = _decode_b64(b64) if isinstance(b64, str) else None
        if raw is None:
            raise bad("public_key_b64 is not canonical base64")
        encodings.append(raw)
    hexed = doc.get("public_key_hex")
    if hexed is not None:
        raw = _decode_hex(hexed) if isinstance(hexed, str) else None
        if raw is None:
            raise bad("public_key_hex is not hex")
        encodings.append(raw)
    if not encodings:
        raise bad("no public_key_b64 or public_key_hex")
    if any(raw != encodings[0] for raw in encodings):
        raise bad("public_key_b64 and public_key_hex are different keys")
    raw = encodings[0]
    from pithtex.verify.ed25519_points import why_unsafe_public_key  # here: a check without extra keys needs none
    reason = why_unsafe_public_key(raw)
    if reason:
        raise bad(f"unsafe Ed25519 public key: {reason}", hint="refuse this key; ask its owner for the real one")
    key = TrustedKey(key_id, raw)
    fp_hex = doc.get("fingerprint_sha256_hex")
    if fp_hex is not None and (not isinstance(fp_hex, str) or fp_hex.lower() != key.fingerprint_hex):
        raise bad(f"fingerprint_sha256_hex {fp_hex!r} does not match the key ({key.fingerprint_hex})")
    fp_b32 = doc.get("fingerprint_sha256_b32_first128bits")
    if fp_b32 is not None and fp_b32 != key.fingerprint_b32:
        raise bad(f"fingerprint_sha256_b32_first128bits {fp_b32!r} does not match the key ({key.fingerprint_b32})")
    return key


def load_key_file(path: str | os.PathLike[str]) -> list[TrustedKey]:
    """Read a key file (one key object, or a list of them)."""
    from pithtex.verify.canonical import StrictJSONError, load_signed_json

    name = os.fspath(path)
    from pithtex.readfile import Unreadable, open_regular

    try:
        with open_regular(name) as handle:  # never waits on a FIFO
            data = handle.read(_MAX_KEY_FILE_BYTES + 1)
    except Unreadable as exc:
        raise InvalidKey(f"{name}: cannot read key file: {exc.reason}") from None
    except OSError as exc:
        raise InvalidKey(f"{name}: cannot read key file: {exc.strerror or exc}") from None
    if len(data) > _MAX_KEY_FILE_BYTES:
        raise InvalidKey(f"{name}: too large for a key file")
    try:
        doc = load_signed_json(data)
    except StrictJSONError as exc:
        raise InvalidKey(f"{name}: {exc}") from None
    docs = doc if isinstance(doc, list) else [doc]
    if not docs:
        raise InvalidKey(f"{name}: no keys in the file")
    return [
        parse_key_document(item, name if len(docs) == 1 else f"{name} (key {index + 1})")
        for index, item in enumerate(docs)
    ]


def trust_store_from(extra_key_files: Sequence[str | os.PathLike[str]] = ()) -> TrustStore:
    """The pinned store plus keys from ``--trust-key`` files and ``PITHTEX_TRUST_KEYS``."""
    keys = [key for name in extra_key_files for key in load_key_file(Path(name))]
    env = os.environ.get(ENV_TRUST_KEYS, "")
    for name in (part for part in env.split(os.pathsep) if part.strip()):
        try:
            keys.extend(load_key_file(Path(name)))
        except InvalidKey as exc:
            raise InvalidKey(f"{exc.message} (named in {ENV_TRUST_KEYS})", hint=exc.hint) from None
    return TrustStore.pinned().with_keys(*keys)
