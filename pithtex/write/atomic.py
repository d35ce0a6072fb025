"""Write a file so that a crash, a full disk, a read-only file or the user's editor never loses bytes.

The one place pithtex writes files from (pith.lock, the cache and mirrors
through :func:`replace_file`; the user's own .bib, .tex, refs.pith and
pith.sty through :func:`atomic_write_bytes`):

- every write goes to a temporary file *beside the target* (same file
  system, so the rename is atomic), is flushed and fsynced, gets the
  target's permission bits, owner and group (where allowed) and extended
  attributes (ACLs, SELinux labels, macOS-style tags), then is renamed over
  the target, and the directory is fsynced so the rename survives a power
  cut; on any failure the temporary file is removed and the target is
  untouched;
- a user's file that is a symbolic link (``refs.bib -> ../common/master.bib``)
  is written *through* the link: the target is replaced, the link stays;
- a user's file is replaced only if it still holds what pithtex planned from
  (:class:`Snapshot`: size, mtime, inode and the bytes themselves, compared
  after the new content is on disk and just before the rename): an edit saved
  from an editor while a slow resolution ran is never overwritten, the run
  stops with :class:`FileChanged` instead;
- a read-only file is refused (renaming over it would succeed on POSIX,
  silently defeating the user's protection).

Hard links: a replaced file is a new inode, so *other* hard links to the old
one keep the old bytes (as with most editors' safe-save). Any failure becomes
one clear :class:`~pithtex.errors.PithtexError` naming the file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pithtex.errors import PithtexError

__all__ = ["FileChanged", "Snapshot", "atomic_write_bytes", "check_writable", "replace_file", "write_if_changed"]


class FileChanged(PithtexError):
    """The file changed on disk after pithtex read it: it was left as it is now."""

    @classmethod
    def at(cls, path: Path, outcome: str = "not written") -> FileChanged:
        return cls(
            f"{path}: changed on disk while pithtex was running (saved from an editor?); left as it is now, {outcome}",
            hint="run the command again",
        )


@dataclass(frozen=True)
class Snapshot:
    """What a file held when pithtex read it (``data`` None: it did not exist)."""

    path: Path
    data: bytes | None
    identity: tuple[int, int, int, int] | None = None  # (st_dev, st_ino, st_size, st_mtime_ns)

    @staticmethod
    def identity_of(st: os.stat_result) -> tuple[int, int, int, int]:
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    @classmethod
    def take(cls, path: str | os.PathLike[str]) -> Snapshot:
        """The file as it is now (following symbolic links)."""
        from pithtex.readfile import Unreadable, open_regular

        target = Path(path)
        try:
            with open_regular(target) as handle:  # a FIFO is refused, never waited on
                st = os.fstat(handle.fileno())
                return cls(target, handle.read(), cls.identity_of(st))
        except FileNotFoundError:
            return cls(target, None, None)
        except Unreadable as exc:
            raise PithtexError(f"{target}: {exc.reason}") from None
        except OSError as exc:
            raise _explain(target, exc) from None

    def changed(self) -> bool:
        """Whether the file no longer holds exactly what was read (or appeared, or went)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return self.data is not None
        except OSError:
            return True
        if self.data is None:
            return True
        if self.identity is not None and self.identity_of(st) != self.identity:
            return True
        if st.st_size != len(self.data):
            return True
        from pithtex.readfile import Unreadable, open_regular

        try:  # same size and time: compare the bytes (a quick save may keep both)
            with open_regular(self.path) as handle:
                return handle.read(len(self.data) + 1) != self.data
        except (OSError, Unreadable):
            return True


_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ELOOP: "too many levels of symbolic links",
}


def _explain(path: Path, exc: OSError) -> PithtexError:
    what = _REASONS.get(exc.errno) or exc.strerror or str(exc)
    return PithtexError(f"{path}: cannot write: {what}; the file was left unchanged")


# -- the mechanism ---------------------------------------------------------
def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":  # pragma: no cover - directories cannot be opened on Windows
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _copy_xattrs(source: Path, fd: int) -> None:
    """Extended attributes of ``source`` onto the open file ``fd`` (what may be copied is)."""
    if not hasattr(os, "listxattr"):  # pragma: no cover - not Linux
        return
    try:
        names = os.listxattr(source)
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError):  # e.g. security.* without the privilege
            os.setxattr(fd, name, os.getxattr(source, name))


#: the users' files this process has replaced (here and by pith.lock's save), as named: a run stopped half
#: way says which are done
files_replaced: list[str] = []


def replace_file(
    path: Path,
    data: bytes,
    *,
    mode: int | None = None,
    durable: bool = True,
    make_parents: bool = False,
    keep_xattrs: bool = False,
    before_rename: Callable[[], None] | None = None,
) -> None:
    """Replace ``path`` with ``data`` atomically (the temporary file never lingers).

    ``path`` itself is replaced (a symbolic link there is replaced by the file;
    :func:`atomic_write_bytes` resolves links first). ``durable=False`` skips
    the fsyncs: the rename is still atomic for other processes, but a power
    cut may lose the write; the cache uses it (it verifies what it reads, so
    a lost object is only a miss); pith.lock never does. ``make_parents``
    creates missing directories (the cache and mirrors; a user's file never
    gets a directory made for it). ``before_rename`` runs once the new bytes
    are on disk, just before the rename: raising there leaves ``path`` as it
    is. Errors propagate as ``OSError`` (or whatever ``before_rename`` raises).
    """
    path = Path(path)
    directory = path.parent
    if make_parents:
        directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            try:
                existing = path.stat()
            except FileNotFoundError:
                existing = None
            if mode is None:
                if existing is not None:
                    mode = existing.st_mode & 0o7777
                else:
                    umask = os.umask(0)
                    os.umask(umask)
                    mode = 0o666 & ~umask
            if existing is not None:
                with contextlib.suppress(OSError):  # keep the group (and the owner, where we may)
                    os.fchown(handle.fileno(), existing.st_uid, existing.st_gid)
                if keep_xattrs:
                    _copy_xattrs(path, handle.fileno())
            if mode != 0o600:  # mkstemp created it 0600; after fchown, which may clear set-id bits
                os.fchmod(handle.fileno(), mode)
            if durable:
                os.fsync(handle.fileno())
        if before_rename is not None:
            before_rename()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        _fsync_directory(directory)


# -- the policy for users' files -------------------------------------------
def _target_of(given: Path) -> tuple[Path, os.stat_result | None]:
    """Where writing ``given`` must go (through any symbolic links to the file they name),
    and its stat (None: no file there yet)."""
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    try:
        return target, os.stat(target)
    except FileNotFoundError:
        return target, None
    except OSError as exc:
        raise _explain(given, exc) from None


#: The hint of a refusal to write a read-only file; ``annotate`` adds its ``--check``/``--diff``.
READ_ONLY_HINT = "make it writable (chmod u+w) if pithtex should change it"


def _refuse_unless_writable(target: Path, st: os.stat_result, outcome: str) -> None:
    """An existing ``target`` must be a regular file the user left writable."""
    if not stat.S_ISREG(st.st_mode):
        raise PithtexError(f"{target}: cannot write: not a regular file; {outcome}")
    # ``os.access`` alone says yes to root; no write bit at all means read-only by intent.
    if not os.access(target, os.W_OK) or not st.st_mode & 0o222:
        raise PithtexError(f"{target}: cannot write: the file is read-only; {outcome}", hint=READ_ONLY_HINT)


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise the error :func:`atomic_write_bytes` would raise for a read-only file or directory.

    Lets a command refuse before writing the first of several files.
    """
    given = Path(path)
    target, st = _target_of(given)
    if st is not None:
        _refuse_unless_writable(given, st, "nothing was written")
    if not target.parent.is_dir():  # (a link to a folder that is not there: an unmounted share, say)
        raise PithtexError(f"{given}: cannot write: {target.parent} is not a folder; nothing was written")
    if not os.access(target.parent, os.W_OK):
        raise PithtexError(f"{given}: cannot write: permission denied; nothing was written")


def atomic_write_bytes(
    path: str | os.PathLike[str], data: bytes, *, expected: Snapshot | None = None, new_mode: int | None = None
) -> None:
    """Replace ``path`` (through symbolic links) with ``data`` as the module doc says.

    With ``expected``, the file is replaced only if it still holds what
    ``expected`` recorded; otherwise :class:`FileChanged` and the file is left
    as it is. ``new_mode``: the mode of a file created here (default: the umask's); an
    existing file keeps its own.
    """
    given = Path(path)
    target, st = _target_of(given)
    if st is not None:
        _refuse_unless_writable(given, st, "the file was left unchanged")

    def still_as_read() -> None:
        if expected is not None and expected.changed():
            raise FileChanged.at(given)

    try:
        replace_file(target, data, mode=new_mode if st is None else None, keep_xattrs=True,
                     before_rename=still_as_read)
    except OSError as exc:
        raise _explain(given, exc) from None
    files_replaced.append(str(given))


def write_if_changed(
    path: str | os.PathLike[str], data: bytes, *, expected: Snapshot | None = None, new_mode: int | None = None
) -> bool:
    """Write ``data`` as :func:`atomic_write_bytes` does, and return True, unless the file
    already holds exactly these bytes: then it is not touched at all (its mtime stays), so
    latexmk and editors see no change."""
    target = Path(path)
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _explain(target, exc) from None
    atomic_write_bytes(target, data, expected=expected, new_mode=new_mode)
    return True
