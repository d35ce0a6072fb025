"""Ed25519 signature verification: the one place pithtex checks a signature.

Two backends that say the same thing, because both are OpenSSL's Ed25519
(tests/test_ed25519.py compares them on a corpus of valid, forged and
malformed inputs):

- the ``libcrypto`` that Python's own ``hashlib`` has already loaded, called
  through ``ctypes``: used when it offers the OpenSSL 1.1.1+ calls and passes
  a known-answer test (a real signature verifies, the same one bit flipped does
  not) once per process;
- ``cryptography``, otherwise (no shared libcrypto behind ``_hashlib``, as on
  Windows, symbols missing, a failed known-answer test).

The number the first backend is kept for: importing ``cryptography``'s Ed25519
costs 6-30 ms of the 69 ms that ``pithtex check --no-cache`` takes on the
example (benchmarks/RESULTS.md, issue 17); ``ctypes`` and the already loaded
libcrypto cost about 2.5 ms.

Only a return of exactly 1 from ``EVP_DigestVerify`` is a valid signature;
lengths are checked before anything reaches C. Whether a public key is safe
(small order, not canonical) is decided earlier, when a key is trusted
(:mod:`pithtex.verify.ed25519_points`).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

__all__ = ["backend_name", "verify"]

_EVP_PKEY_ED25519 = 1087  # NID_ED25519 in OpenSSL's obj_mac.h (1.1.1 and 3.x)

#: The known-answer test: the pinned registry key, the SHA-256 of a signed record in
#: examples/paper/pith.lock (2511.00066) and the registry's signature over it.
_KAT_KEY = bytes.fromhex("b2d552b68890857171a78b36a5dccf368a953413288c353f7c9d9d6f94b709b3")
_KAT_MESSAGE = bytes.fromhex("93c630d62d96fd4ddb40c4a0c63a6390d1fe33a219909cc0a01d9a8d3f0f1d3d")
_KAT_SIGNATURE = bytes.fromhex(
    "ce8059c5af34fcf56beacfe033000b82a46eadc8c31c1753a5fee708f986bb7c0b120f14d8c56fead2dc0db0b2fc607f"
    "e79be328efffd1b825da21642f222d09"
)


def _libcrypto() -> Callable[[bytes, bytes, bytes], bool]:
    """The verifier over the libcrypto behind ``_hashlib``; raises when there is none to use."""
    import ctypes

    import _hashlib

    lib = ctypes.CDLL(_hashlib.__file__)  # dlsym through it reaches the libcrypto it links
    ptr, size = ctypes.c_void_p, ctypes.c_size_t
    new_key = lib.EVP_PKEY_new_raw_public_key
    new_key.argtypes, new_key.restype = [ctypes.c_int, ptr, ctypes.c_char_p, size], ptr
    new_ctx = lib.EVP_MD_CTX_new
    new_ctx.argtypes, new_ctx.restype = [], ptr
    free_ctx = lib.EVP_MD_CTX_free
    free_ctx.argtypes, free_ctx.restype = [ptr], None
    init = lib.EVP_DigestVerifyInit
    init.argtypes, init.restype = [ptr, ptr, ptr, ptr, ptr], ctypes.c_int
    digest_verify = lib.EVP_DigestVerify
    digest_verify.argtypes, digest_verify.restype = [ptr, ctypes.c_char_p, size, ctypes.c_char_p, size], ctypes.c_int
    keys: dict[bytes, int] = {}  # loaded once per key (trusted keys only: a handful), kept for the process

    def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
        pkey = keys.get(public_key)
        if pkey is None:
            pkey = new_key(_EVP_PKEY_ED25519, None, public_key, 32)
            if not pkey:
                return False
            keys[public_key] = pkey
        ctx = new_ctx()
        if not ctx:
            raise MemoryError("EVP_MD_CTX_new failed")
        try:
            return init(ctx, None, None, None, pkey) == 1 and digest_verify(ctx, signature, 64, message, len(message)) == 1
        finally:
            free_ctx(ctx)

    return verify


def _cryptography() -> Callable[[bytes, bytes, bytes], bool]:
    """The verifier over ``cryptography``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    keys: dict[bytes, Ed25519PublicKey] = {}  # loading a key costs as much as a verification

    def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
        key = keys.get(public_key)
        if key is None:
            key = keys[public_key] = Ed25519PublicKey.from_public_bytes(public_key)
        try:
            key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    return verify


def _passes_known_answers(verify: Callable[[bytes, bytes, bytes], bool]) -> bool:
    forged = bytes([_KAT_SIGNATURE[0] ^ 1]) + _KAT_SIGNATURE[1:]
    return verify(_KAT_KEY, _KAT_SIGNATURE, _KAT_MESSAGE) is True and verify(_KAT_KEY, forged, _KAT_MESSAGE) is False


_backend: Callable[[bytes, bytes, bytes], bool] | None = None
_backend_name = ""


def _choose() -> Callable[[bytes, bytes, bytes], bool]:
    global _backend, _backend_name
    try:
        chosen = _libcrypto()
        if _passes_known_answers(chosen):
            _backend, _backend_name = chosen, "libcrypto"
            return chosen
    except Exception:  # noqa: BLE001 - no usable libcrypto here (missing, static, too old): cryptography
        pass
    _backend, _backend_name = _cryptography(), "cryptography"
    return _backend


def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``message`` under the raw 32-byte
    ``public_key``. Wrong lengths are ``False`` before any backend sees them."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    return (_backend or _choose())(public_key, signature, message)


def backend_name() -> str:
    """``"libcrypto"`` or ``"cryptography"``: which backend :func:`verify` uses in this process."""
    if _backend is None:
        _choose()
    return _backend_name
