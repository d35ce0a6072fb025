"""A deterministic ``.tar.gz``: the same files give the same bytes, on any machine.

Members are sorted by name, directories listed before their files; every
member has the same mtime (``SOURCE_DATE_EPOCH`` when set, else 1980-01-01),
owner 0/0 with empty owner names, mode 0644 (files) or 0755 (directories);
the gzip header carries no file name and mtime 0. The ustar format, which
every tar (and arXiv) reads.
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from collections.abc import Mapping

__all__ = ["DEFAULT_MTIME", "build_tar_gz"]

DEFAULT_MTIME = 315532800  # 1980-01-01T00:00:00Z


def _mtime() -> int:
    try:
        return int(os.environ["SOURCE_DATE_EPOCH"])
    except (KeyError, ValueError):
        return DEFAULT_MTIME


def _info(name: str, mtime: int, *, size: int = 0, directory: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.mode = 0o755 if directory else 0o644
    info.size = 0 if directory else size
    info.mtime = mtime
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def build_tar_gz(members: Mapping[str, bytes]) -> bytes:
    """The archive of ``members`` (name in the archive, with ``/`` -> content)."""
    mtime = _mtime()
    directories = sorted({"/".join(n.split("/")[:i]) for n in members for i in range(1, n.count("/") + 1)})
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in sorted([*((d + "/", None) for d in directories), *members.items()], key=lambda kv: kv[0]):
            if data is None:
                tar.addfile(_info(name.rstrip("/"), mtime, directory=True))
            else:
                tar.addfile(_info(name, mtime, size=len(data)), io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()
