"""Atomic writes: the original survives every failure, and equal bytes are not rewritten."""

from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path

import pytest

from pithtex.errors import PithtexError
from pithtex.write import atomic
from pithtex.write.atomic import atomic_write_bytes, write_if_changed


def test_replaces_content_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    atomic_write_bytes(target, b"new\r\n")
    assert target.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]  # no temp file left


def test_new_file_gets_umask_mode(tmp_path: Path) -> None:
    target = tmp_path / "new.bib"
    atomic_write_bytes(target, b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_read_only_file_is_a_clear_error_and_intact(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_bytes(b"original")
    os.chmod(target, 0o444)
    with pytest.raises(PithtexError) as info:
        atomic_write_bytes(target, b"changed")
    assert "read-only" in info.value.message and str(target) in info.value.message
    assert target.read_bytes() == b"original"
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only directory")
def test_read_only_directory(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_bytes(b"original")
    os.chmod(tmp_path, 0o555)
    try:
        with pytest.raises(PithtexError, match="permission denied"):
            atomic_write_bytes(target, b"changed")
    finally:
        os.chmod(tmp_path, 0o755)
    assert target.read_bytes() == b"original"


def test_full_disk_leaves_original_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC surfaces at write/fsync time; simulate the OS call failing."""
    target = tmp_path / "refs.bib"
    target.write_bytes(b"original")

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(PithtexError, match="disk is full"):
        atomic_write_bytes(target, b"changed" * 1000)
    assert target.read_bytes() == b"original"
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]


def test_write_if_changed_keeps_mtime(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_bytes(b"same")
    old = time.time() - 1000
    os.utime(target, (old, old))
    assert write_if_changed(target, b"same") is False
    assert target.stat().st_mtime == pytest.approx(old)
    assert write_if_changed(target, b"other") is True
    assert target.read_bytes() == b"other"
    assert target.stat().st_mtime > old + 500


def test_not_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(PithtexError, match="not a regular file"):
        atomic_write_bytes(tmp_path / "d", b"x")
