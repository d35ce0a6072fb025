"""Render a page in the real headless Chromium (Debian's ``chromium`` package).

Every run gets a fresh ``--user-data-dir`` and the flags that keep Chromium
off the network (no background networking, component updates, sync or
first-run pages); pages are opened from ``file:`` URLs. When Chromium is
missing, :func:`require_chromium` skips the test loudly on a developer's
machine and fails it under ``CI=true`` (.ci/run installs it), like
:func:`tests.support.tex.require_tex`.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import warnings
from pathlib import Path

import pytest

__all__ = ["chromium_path", "dump_dom", "png_size", "require_chromium", "screenshot"]

FLAGS = (
    "--headless",
    "--no-sandbox",  # the suite may run as root (CI containers)
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--hide-scrollbars",
)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def require_chromium() -> str:
    """The Chromium program; skip (loudly) or, under ``CI=true``, fail when there is none."""
    found = chromium_path()
    if found:
        return found
    reason = "the report test needs Chromium (not on PATH); install Debian's chromium as .ci/run does"
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but " + reason, pytrace=False)
    warnings.warn(reason, stacklevel=2)
    pytest.skip("SKIPPED LOUDLY: " + reason)


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    program = require_chromium()
    with tempfile.TemporaryDirectory(prefix="pithtex-chromium-") as profile:
        env = dict(os.environ, HOME=profile)  # nothing written into the user's home
        proc = subprocess.run(
            [program, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, env=env,
        )
    if proc.returncode != 0:
        raise AssertionError(f"chromium {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc


def dump_dom(page: Path, timeout: float = 120.0) -> str:
    """The DOM Chromium built from ``page``, serialised (``--dump-dom``)."""
    return _run(["--dump-dom", Path(page).resolve().as_uri()], timeout).stdout


def screenshot(page: Path, out: Path, size: tuple[int, int] = (1400, 900), timeout: float = 120.0) -> Path:
    """A PNG of ``page`` rendered at ``size`` (``--screenshot``)."""
    _run([f"--screenshot={Path(out).resolve()}", f"--window-size={size[0]},{size[1]}",
          Path(page).resolve().as_uri()], timeout)
    if not Path(out).exists():
        raise AssertionError(f"chromium wrote no screenshot {out}")
    return Path(out)


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; AssertionError if it is not a PNG."""
    data = Path(path).read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def png_colours(path: Path) -> set[tuple[int, int, int]]:
    """Every RGB colour in an 8-bit RGB or RGBA PNG (non-interlaced), decoded with zlib alone."""
    import zlib

    data = Path(path).read_bytes()
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    assert header is not None, f"{path}: no IHDR"
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, f"{path}: unsupported PNG {header}"
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours: set[tuple[int, int, int]] = set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = prev[i]
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                ul = prev[i - bpp] if i >= bpp else 0
                p = left + up - ul
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - ul)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else ul)) & 255
        colours.update(zip(line[0::bpp], line[1::bpp], line[2::bpp]))
        prev = line
    return colours
