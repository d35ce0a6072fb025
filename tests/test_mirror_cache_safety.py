"""Issue 13, item 6: mirror add never writes outside DIR, a read-only cache leaves nothing in the
paper's directory, and `pithtex serve` answers a NUL with 400 and never serves dotfiles.

Real processes (`python -m pithtex serve`, `mirror add`, `resolve`), real files and sockets.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.registry import FaultRegistry, bib_citing, isolate, snapshot
from tests.support.signing import REAL_RECORDS, load_fixture

SPDD = "SPDDBVRNS36U3W2AYSQMMOTDSD"


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "pithtex", *args], cwd=cwd, env=dict(os.environ),
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolate(tmp_path, monkeypatch)


# -- mirror add and a symbolic link out of DIR ---------------------------------------------------
def test_mirror_add_refuses_to_write_through_a_symlinked_subdirectory(tmp_path: Path, cache: Path) -> None:
    mirror = tmp_path / "mirror"
    outside = tmp_path / "outside"
    mirror.mkdir()
    outside.mkdir()
    (mirror / "pith").symlink_to(outside)  # pith/ -> ../outside
    before = snapshot(tmp_path / "outside"), sorted(os.listdir(mirror))
    code, out, err = run(["mirror", "add", str(mirror), str(REAL_RECORDS["2511.00066"])], tmp_path)
    assert (code, out) == (1, "")
    assert err == (
        f"pithtex: {mirror / 'pith'}: a symbolic link out of the mirror {mirror}; refusing to write "
        "pith/alias/index.json through it\n  hint: nothing was written to the mirror\n"
    )
    assert os.listdir(outside) == []
    assert (snapshot(tmp_path / "outside"), sorted(os.listdir(mirror))) == before
    assert sorted(os.listdir(mirror)) == ["pith"]  # not even the mirror's lock file


def test_mirror_add_follows_a_symlink_that_stays_inside(tmp_path: Path, cache: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "store").mkdir(parents=True)
    (mirror / "pith").symlink_to("store")
    code, out, err = run(["mirror", "add", str(mirror), str(REAL_RECORDS["2511.00066"])], tmp_path)
    assert code == 0, err
    assert (mirror / "store" / f"{SPDD}.json").read_bytes() == REAL_RECORDS["2511.00066"].read_bytes()


# -- a shared cache whose locks/ cannot be written --------------------------------------------------
def _make_unwritable(directory: Path) -> bool:
    """chmod 0555, or for root (whom permissions do not stop) the immutable attribute."""
    os.chmod(directory, 0o555)
    if not os.access(directory, os.W_OK):
        return True
    os.chmod(directory, 0o755)
    chattr = shutil.which("chattr")
    if chattr is None:
        return False
    done = subprocess.run([chattr, "+i", str(directory)], capture_output=True).returncode == 0
    return done and not os.access(directory, os.W_OK)


def _make_writable(directory: Path) -> None:
    chattr = shutil.which("chattr")
    if chattr is not None:
        subprocess.run([chattr, "-i", str(directory)], capture_output=True)
    os.chmod(directory, 0o755)


def test_a_cache_with_unwritable_locks_leaves_nothing_in_the_paper_directory(tmp_path: Path, cache: Path) -> None:
    """(pith.lock's writers once locked a file in the cache's locks/; they lock its folder now, and a cache
    that cannot be written still leaves nothing beside the paper.)"""
    paper = tmp_path / "paper"
    paper.mkdir()
    bib = paper / "refs.bib"
    bib.write_text(bib_citing("2511.00066"))
    locks = cache / "locks"
    locks.mkdir(parents=True)
    if not _make_unwritable(locks):
        pytest.skip("cannot make a directory unwritable here (root without chattr)")
    try:
        with FaultRegistry() as registry:
            registry.serve_record("2511.00066", load_fixture(REAL_RECORDS["2511.00066"]))
            code, out, err = run(["resolve", "refs.bib", "--registry", registry.url], paper)
        assert code == 0, err
        assert out == f"arXiv:2511.00066 -> pith:2025:{SPDD} (verified)\n"
        assert sorted(os.listdir(paper)) == ["pith.lock", "refs.bib"]  # no .pith.lock.lock
        assert os.listdir(locks) == []
        assert bib.read_text() == bib_citing("2511.00066")
    finally:
        _make_writable(locks)


def test_writers_still_exclude_each_other_through_the_directory_lock(tmp_path: Path) -> None:
    from pithtex.resolve.flock import FileLock

    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from pithtex.resolve.flock import FileLock; l = FileLock(sys.argv[1], directory=True); "
         "l.acquire(); print('held', flush=True); sys.stdin.readline()", str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(TimeoutError, match="still locked by another process"):
            FileLock(tmp_path, timeout=0.2, directory=True).acquire()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    with FileLock(tmp_path, timeout=5, directory=True):
        pass
    assert os.listdir(tmp_path) == []


# -- pithtex serve: NUL and dotfiles ------------------------------------------------------------------
@pytest.fixture
def served(tmp_path: Path, cache: Path):
    mirror = tmp_path / "mirror"
    code, _out, err = run(["mirror", "add", str(mirror), str(REAL_RECORDS["2511.00066"])], tmp_path)
    assert code == 0, err
    (mirror / ".secret").write_text("token\n")
    (mirror / "pith" / ".git").mkdir()
    (mirror / "pith" / ".git" / "config").write_text("[core]\n")
    (mirror / "pith" / "public.json").symlink_to(".git/config")
    proc = subprocess.Popen([sys.executable, "-m", "pithtex", "serve", str(mirror), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    host, port = line.rsplit("//", 1)[1].split(":")
    try:
        yield mirror, int(port), proc
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        assert "Traceback" not in err


def raw_get(port: int, target: bytes) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize("target", [b"/pith/%00.json", b"/pith/\x00.json", b"/%00", b"/api/pith-number/resolve?arxiv=%00"])
def test_serve_answers_a_nul_in_the_path_with_400(served, target: bytes) -> None:
    mirror, port, proc = served
    code, body = raw_get(port, target)
    assert (code, body) == (400, b'{"error": "NUL in the request path", "status": 400}\n')
    assert raw_get(port, f"/pith/{SPDD}.json".encode())[0] == 200  # and the server is still up
    assert proc.poll() is None


@pytest.mark.parametrize("target", [b"/.secret", b"/pith/.git/config", b"/pith/%2egit/config", b"/pith/public.json",
                                    b"/.pithtex-mirror.lock"])
def test_serve_never_serves_dotfiles(served, target: bytes) -> None:
    mirror, port, _proc = served
    assert raw_get(port, target) == (404, b'{"error": "not found", "status": 404}\n')
    assert raw_get(port, f"/pith/{SPDD}.json".encode()) == (200, REAL_RECORDS["2511.00066"].read_bytes())
