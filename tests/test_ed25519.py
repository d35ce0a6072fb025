"""pithtex.verify.ed25519: the libcrypto backend (ctypes) says exactly what `cryptography` says, on
valid, forged and malformed signatures and keys; it is used only after its known-answer test; and a
`check --no-cache` run does not import cryptography when it is there."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pithtex.verify import ed25519
from pithtex.verify.keys import trust_store_from
from tests.support.example import offline_paper

REPO = Path(__file__).resolve().parent.parent
#: The order of the Ed25519 base point: an S >= L is not canonical and must be refused.
L = 2**252 + 27742317777372353535851937790883648493
P = 2**255 - 19


def _libcrypto_or_skip():  # noqa: ANN202
    try:
        return ed25519._libcrypto()
    except (OSError, AttributeError, ImportError) as exc:
        if os.environ.get("CI") == "true" and sys.platform.startswith("linux"):
            raise AssertionError(f"CI's Python should link a shared libcrypto: {exc}") from None
        pytest.skip(f"no shared libcrypto behind _hashlib here: {exc}")


def _raw(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _corpus() -> list[tuple[str, bytes, bytes, bytes, bool | None]]:
    """(what, key, signature, message, expected or None where only agreement is asserted)."""
    cases: list[tuple[str, bytes, bytes, bytes, bool | None]] = []
    lock = (REPO / "examples" / "paper" / "pith.lock").read_text(encoding="utf-8").splitlines()[1:]
    pinned = trust_store_from([]).get("pith-v1-2026-05")
    assert pinned is not None
    import hashlib

    for line in lock:
        entry = json.loads(line)
        record = json.dumps(entry[6], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        digest, signature = hashlib.sha256(record).digest(), base64.b64decode(entry[4])
        cases.append((f"lock {entry[0]}", pinned.public_bytes, signature, digest, True))
        cases += [(f"lock {entry[0]} sig bit {b}", pinned.public_bytes, _flip(signature, b), digest, False)
                  for b in range(0, 512, 37)]
        cases += [(f"lock {entry[0]} msg bit {b}", pinned.public_bytes, signature, _flip(digest, b), False)
                  for b in range(0, 256, 29)]
    for n, message in enumerate([b"", b"x", bytes(range(256)) * 4, b"\0" * 100_000]):
        private = Ed25519PrivateKey.from_private_bytes(bytes([n + 1]) * 32)
        key, signature = _raw(private), private.sign(message)
        cases.append((f"own {n}", key, signature, message, True))
        cases += [(f"own {n} key bit {b}", _flip(key, b), signature, message, None) for b in range(0, 256, 31)]
        s = int.from_bytes(signature[32:], "little")
        cases.append((f"own {n} S+L", key, signature[:32] + (s + L).to_bytes(32, "little"), message, False))
        cases.append((f"own {n} S=L", key, signature[:32] + L.to_bytes(32, "little"), message, False))
        cases.append((f"own {n} zero sig", key, bytes(64), message, False))
    identity = (1).to_bytes(32, "little")
    for name, key in [("identity", identity), ("zero", bytes(32)), ("order 2", (P - 1).to_bytes(32, "little")),
                      ("y = p", P.to_bytes(32, "little")), ("y = p+1", (P + 1).to_bytes(32, "little")),
                      ("all ones", b"\xff" * 32)]:
        # the weak-key forgery: R = identity, S = 0 (a small-order key "signs" anything)
        cases.append((f"{name} forgery", key, identity + bytes(32), b"any message", None))
        cases.append((f"{name} zero sig", key, bytes(64), b"", None))
    return cases


@pytest.mark.parametrize("case", _corpus(), ids=lambda c: c[0])
def test_backends_agree(case: tuple[str, bytes, bytes, bytes, bool | None]) -> None:
    what, key, signature, message, expected = case
    libcrypto, cryptography = _libcrypto_or_skip(), ed25519._cryptography()
    theirs = cryptography(key, signature, message)
    assert libcrypto(key, signature, message) is theirs, what
    if expected is not None:
        assert theirs is expected, what
    assert ed25519.verify(key, signature, message) is theirs, what


@pytest.mark.parametrize(("key_len", "sig_len"), [(31, 64), (33, 64), (0, 64), (32, 63), (32, 65), (32, 0)])
def test_wrong_lengths_are_false_before_any_backend(key_len: int, sig_len: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_run(*args: object) -> bool:
        raise AssertionError("a backend saw a wrong length")

    monkeypatch.setattr(ed25519, "_backend", must_not_run)
    assert ed25519.verify(b"k" * key_len, b"s" * sig_len, b"m") is False


def test_a_libcrypto_that_fails_the_known_answers_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ed25519, "_backend", None)
    monkeypatch.setattr(ed25519, "_libcrypto", lambda: lambda key, sig, msg: True)  # says yes to anything
    assert ed25519.backend_name() == "cryptography"
    assert ed25519.verify(ed25519._KAT_KEY, bytes(64), ed25519._KAT_MESSAGE) is False

    def no_library() -> None:
        raise OSError("no libcrypto")

    monkeypatch.setattr(ed25519, "_backend", None)
    monkeypatch.setattr(ed25519, "_libcrypto", no_library)
    assert ed25519.backend_name() == "cryptography"
    assert ed25519.verify(ed25519._KAT_KEY, ed25519._KAT_SIGNATURE, ed25519._KAT_MESSAGE) is True


def test_libcrypto_is_chosen_where_there_is_one() -> None:
    _libcrypto_or_skip()
    out = subprocess.run([sys.executable, "-c", "from pithtex.verify import ed25519; print(ed25519.backend_name())"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "libcrypto"


def test_a_whole_check_run_imports_no_cryptography(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`pithtex check --no-cache` on the example verifies every signature without importing
    cryptography (6-30 ms of its start-up), and a tampered signature still fails it."""
    _libcrypto_or_skip()
    paper = offline_paper(tmp_path, monkeypatch)
    monkeypatch.setenv("PITHTEX_STATE_DIR", str(tmp_path / "state"))
    subprocess.run([sys.executable, "-m", "pithtex", "annotate", "--quiet", "refs.bib", "main.tex"], cwd=paper,
                   check=True)
    code = (
        "import sys\n"
        "from pithtex.cli import main\n"
        "sys.argv = ['pithtex', 'check', '--no-cache', 'refs.bib', 'main.tex']\n"
        "print('exit', main())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'cryptography'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=paper, capture_output=True, text=True).stdout
    assert out.splitlines()[-2:] == ["exit 0", "[]"], out
    lock = paper / "pith.lock"
    text = lock.read_text(encoding="utf-8")
    signature = json.loads(text.splitlines()[1])[4]
    forged = base64.b64encode(_flip(base64.b64decode(signature), 3)).decode()
    lock.write_text(text.replace(signature, forged, 1), encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", code], cwd=paper, capture_output=True, text=True).stdout
    assert out.splitlines()[-2] != "exit 0", out
