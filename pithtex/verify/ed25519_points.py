"""Ed25519 public-key encodings: decode a 32-byte key and say why it is unsafe.

``cryptography`` (OpenSSL) accepts any 32 bytes as an Ed25519 public key,
including non-canonical encodings and small-order points, for which forged
signatures are easy (a small-order key with signature ``R = identity, S = 0``
verifies for every message under some implementations). A trust store must
therefore refuse such keys itself, before they are ever used. This is pure
integer arithmetic on the curve (RFC 8032, section 5.1.3), a few milliseconds
per key, and only runs when a key is loaded.
"""

from __future__ import annotations

__all__ = ["P", "L", "why_unsafe_public_key"]

P = 2**255 - 19
#: Order of the prime-order subgroup.
L = 2**252 + 27742317777372353535851937790883648493
_D = (-121665 * pow(121666, P - 2, P)) % P
_SQRT_M1 = pow(2, (P - 1) // 4, P)

_Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T)
_IDENTITY: _Point = (0, 1, 1, 0)


def _add(a: _Point, b: _Point) -> _Point:
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    pa = (y1 - x1) * (y2 - x2) % P
    pb = (y1 + x1) * (y2 + x2) % P
    pc = t1 * 2 * _D * t2 % P
    pd = z1 * 2 * z2 % P
    e, f, g, h = pb - pa, pd - pc, pd + pc, pb + pa
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _multiply(point: _Point, scalar: int) -> _Point:
    result = _IDENTITY
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _is_identity(point: _Point) -> bool:
    x, y, z, _ = point
    return x % P == 0 and (y - z) % P == 0


def _decode(raw: bytes) -> _Point | str:
    """The point, or the reason the encoding is not a canonical curve point."""
    value = int.from_bytes(raw, "little")
    sign = value >> 255
    y = value & ((1 << 255) - 1)
    if y >= P:
        return "non-canonical encoding (y >= 2^255 - 19)"
    u = (y * y - 1) % P
    v = (_D * y * y + 1) % P
    x2 = u * pow(v, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * _SQRT_M1 % P
    if (x * x - x2) % P:
        return "not a point on the Ed25519 curve"
    if x == 0 and sign:
        return "non-canonical encoding (x = 0 with the sign bit set)"
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


def why_unsafe_public_key(raw: bytes) -> str | None:
    """``None`` for a safe Ed25519 public key, else why it must be refused.

    Refused: anything but 32 bytes; non-canonical encodings; points not on the
    curve; points of order dividing 8 (the eight small-order points and their
    non-canonical variants); and points with a small-order component (outside
    the prime-order subgroup), which no honest key generator produces.
    """
    if len(raw) != 32:
        return f"an Ed25519 public key has 32 bytes, not {len(raw)}"
    point = _decode(raw)
    if isinstance(point, str):
        return point
    if _is_identity(_multiply(point, 8)):
        return "a small-order point (order divides 8): signatures under it can be forged"
    if not _is_identity(_multiply(point, L)):
        return "not in the prime-order subgroup (has a small-order component)"
    return None
