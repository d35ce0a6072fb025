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


# -- issue 13: the user's edit wins, links are followed -------------------------------------------
def test_a_file_changed_since_it_was_read_is_left_as_it_is(tmp_path: Path) -> None:
    from pithtex.write.atomic import FileChanged, Snapshot

    target = tmp_path / "refs.bib"
    target.write_bytes(b"as read")
    seen = Snapshot.take(target)
    st = target.stat()
    with open(target, "r+b") as handle:  # same size, same inode, mtime put back: only the bytes differ
        handle.write(b"AS READ")
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    with pytest.raises(FileChanged) as info:
        atomic_write_bytes(target, b"planned", expected=seen)
    assert info.value.message == (
        f"{target}: changed on disk while pithtex was running (saved from an editor?); left as it is now, not written"
    )
    assert target.read_bytes() == b"AS READ"
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]
    assert write_if_changed(target, b"planned", expected=Snapshot.take(target)) is True
    assert target.read_bytes() == b"planned"


def test_a_change_just_before_the_rename_is_caught(tmp_path: Path) -> None:
    """The check runs once the new bytes are on disk, just before the rename."""
    from pithtex.write.atomic import replace_file

    target = tmp_path / "refs.bib"
    target.write_bytes(b"original")

    def editor_saves() -> None:
        target.write_bytes(b"the user's save")
        raise RuntimeError("changed")

    with pytest.raises(RuntimeError):
        replace_file(target, b"planned", before_rename=editor_saves)
    assert target.read_bytes() == b"the user's save"
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]


def test_writes_go_through_symbolic_links_and_keep_xattrs(tmp_path: Path) -> None:
    real = tmp_path / "shared" / "master.bib"
    real.parent.mkdir()
    real.write_bytes(b"old")
    os.chmod(real, 0o604)
    os.setxattr(real, "user.tag", b"x")
    link = tmp_path / "refs.bib"
    link.symlink_to(real)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"
    assert stat.S_IMODE(real.stat().st_mode) == 0o604 and os.getxattr(real, "user.tag") == b"x"
    assert sorted(p.name for p in real.parent.iterdir()) == ["master.bib"]


def test_a_link_into_a_missing_folder_says_so_not_permission_denied(tmp_path: Path) -> None:
    """refs.pith linked into a share that is not mounted: the folder is missing, not forbidden."""
    link = tmp_path / "refs.pith"
    link.symlink_to(tmp_path / "nowhere" / "refs.pith")
    with pytest.raises(PithtexError) as caught:
        atomic.check_writable(link)
    assert caught.value.message == (
        f"{link}: cannot write: {tmp_path / 'nowhere'} is not a folder; nothing was written"
    )
    assert not (tmp_path / "nowhere").exists()
