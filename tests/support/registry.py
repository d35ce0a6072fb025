"""Registries for tests: the real ``pithtex serve`` on loopback, and a fault-injecting one.

``FaultRegistry`` is a small stdlib HTTP server on 127.0.0.1 whose answers
are scripted per route, to exercise everything a hostile or broken registry
can do: 404, 429 with ``Retry-After``, 503 then success, a body dripped one
byte at a time, an endless body, a gzip bomb, a lying ``Content-Length``, a
connection reset mid-body, truncated and non-JSON bodies, redirects.
Every behaviour is bounded in time and size, so a client bug cannot hang
the suite.

Routes are keyed by path (``/pith/<suffix>.json``) or, for the resolve
endpoint, ``resolve:<arXiv id as asked>``. A route holds a list of
behaviours; each request takes the next one and the last repeats.
"""

from __future__ import annotations

import gzip
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pithtex.resolve.server import MirrorServer, make_server

__all__ = [
    "Behaviour",
    "FaultRegistry",
    "body",
    "drip",
    "endless",
    "gzip_bomb",
    "json_doc",
    "lying_length",
    "redirect",
    "reset_mid_body",
    "running_mirror",
    "status",
]

MAX_BEHAVIOUR_SECONDS = 20.0
Behaviour = Callable[[BaseHTTPRequestHandler], None]


def _headers(handler: BaseHTTPRequestHandler, code: int, headers: dict[str, str]) -> None:
    handler.send_response(code)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()


def body(data: bytes, code: int = 200, headers: dict[str, str] | None = None) -> Behaviour:
    """Any bytes (truncated JSON, HTML, ...) with a correct Content-Length."""

    def behave(handler: BaseHTTPRequestHandler) -> None:
        _headers(handler, code, {"Content-Type": "application/json", "Content-Length": str(len(data)), **(headers or {})})
        handler.wfile.write(data)

    return behave


def json_doc(doc: Any, code: int = 200) -> Behaviour:
    return body(json.dumps(doc).encode("utf-8"), code)


def status(code: int, headers: dict[str, str] | None = None) -> Behaviour:
    """An error status with a small JSON body (e.g. 404, 503, 429 + Retry-After)."""
    return body(json.dumps({"error": f"status {code}"}).encode(), code, headers)


def redirect(location: str, code: int = 302) -> Behaviour:
    return body(b"", code, {"Location": location})


def drip(data: bytes, interval: float = 0.05) -> Behaviour:
    """The whole body, honestly announced, one byte every ``interval`` seconds."""

    def behave(handler: BaseHTTPRequestHandler) -> None:
        _headers(handler, 200, {"Content-Type": "application/json", "Content-Length": str(len(data))})
        started = time.monotonic()
        for index in range(len(data)):
            if time.monotonic() - started > MAX_BEHAVIOUR_SECONDS:
                break
            handler.wfile.write(data[index : index + 1])
            handler.wfile.flush()
            time.sleep(interval)

    return behave


def endless(chunk: bytes = b'{"pad": "' + b"x" * 65536) -> Behaviour:
    """A body with no length that never ends (until the client hangs up, or a bound)."""

    def behave(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        _headers(handler, 200, {"Content-Type": "application/json", "Connection": "close"})
        started, sent = time.monotonic(), 0
        while time.monotonic() - started < MAX_BEHAVIOUR_SECONDS and sent < 1 << 30:
            handler.wfile.write(chunk)
            sent += len(chunk)

    return behave


@lru_cache(maxsize=1)
def _bomb() -> bytes:
    return gzip.compress(b"{" + b" " * (16 * 1024 * 1024) + b"}", compresslevel=6)


def gzip_bomb() -> Behaviour:
    """About 16 KiB on the wire that inflates to 16 MiB (past any cap the tests set)."""

    def behave(handler: BaseHTTPRequestHandler) -> None:
        data = _bomb()
        _headers(handler, 200, {"Content-Type": "application/json", "Content-Encoding": "gzip", "Content-Length": str(len(data))})
        handler.wfile.write(data)

    return behave


def lying_length(data: bytes, claimed: int) -> Behaviour:
    """Announce ``claimed`` bytes, send ``data`` (fewer), then close."""

    def behave(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        _headers(handler, 200, {"Content-Type": "application/json", "Content-Length": str(claimed)})
        handler.wfile.write(data)
        handler.wfile.flush()

    return behave


def reset_mid_body(data: bytes) -> Behaviour:
    """Send half the body, then reset the connection (TCP RST)."""

    def behave(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        _headers(handler, 200, {"Content-Type": "application/json", "Content-Length": str(len(data))})
        handler.wfile.write(data[: len(data) // 2])
        handler.wfile.flush()
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()

    return behave


class _Handler(BaseHTTPRequestHandler):
    server: _FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        if parts.path == "/api/pith-number/resolve":
            key = "resolve:" + ",".join(parse_qs(parts.query).get("arxiv", []))
        else:
            key = parts.path
        self.server.registry.requests.append(key)
        behaviour = self.server.registry.next_behaviour(key)
        try:
            behaviour(self)
        except (ConnectionError, OSError):
            self.close_connection = True


class _FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, registry: FaultRegistry) -> None:
        self.registry = registry
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up on purpose is the point of most tests


class FaultRegistry:
    """A scripted registry on 127.0.0.1 (use as a context manager)."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Behaviour]] = {}
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server: _FaultServer | None = None

    def route(self, key: str, *behaviours: Behaviour) -> FaultRegistry:
        self.routes[key] = list(behaviours)
        return self

    def serve_record(self, asked: str, record: dict[str, Any], *, pointer: bool = True) -> FaultRegistry:
        """Answer ``resolve:<asked>`` with a pointer (or the record) and serve the record."""
        suffix = record["pith_number"].rsplit(":", 1)[1]
        if pointer:
            self.route(f"resolve:{asked}", json_doc({"pith_number": record["pith_number"], "arxiv": asked}))
        else:
            self.route(f"resolve:{asked}", json_doc(record))
        self.route(f"/pith/{suffix}.json", json_doc(record))
        return self

    def next_behaviour(self, key: str) -> Behaviour:
        with self._lock:
            queue = self.routes.get(key)
            if not queue:
                return status(404)
            return queue.pop(0) if len(queue) > 1 else queue[0]

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultRegistry:
        self._server = _FaultServer(self)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def running_mirror(directory: Path, *, delay: float = 0.0) -> Iterator[MirrorServer]:
    """``pithtex serve``'s server on 127.0.0.1, port 0, in a thread."""
    server = make_server(directory, "127.0.0.1", 0, delay=delay)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# -- helpers for CLI tests ----------------------------------------------------
def snapshot(*roots: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtimes of every file under ``roots``: compare before/after a failed run."""
    seen: dict[str, tuple[bytes, int]] = {}
    for root in roots:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
        for path in paths:
            seen[str(path)] = (path.read_bytes(), path.stat().st_mtime_ns)
    return seen


def bib_citing(*ids: str, titles: dict[str, str] | None = None) -> str:
    """A .bib file citing each arXiv id (as ``eprint`` with ``archivePrefix``).

    Entries carry a title only when ``titles`` gives one: an invented title
    would (rightly) be reported by the title cross-check as a wrong id.
    """
    entries = []
    for index, arxiv in enumerate(ids):
        title = (titles or {}).get(arxiv)
        title_line = f"  title = {{{title}}},\n" if title else ""
        entries.append(
            f"@article{{ref{index},\n{title_line}  author = {{A. Author}},\n"
            f"  eprint = {{{arxiv}}},\n  archivePrefix = {{arXiv}},\n  year = {{2024}}\n}}\n"
        )
    return "\n".join(entries)


def isolate(tmp_path: Path, monkeypatch: Any) -> Path:
    """Per-test cache dir, small HTTP limits, no inherited registry/keys; returns the cache dir.

    A ``.git`` directory in ``tmp_path`` stops the configuration search there.
    """
    cache = tmp_path / "cache"
    monkeypatch.setenv("PITHTEX_CACHE_DIR", str(cache))
    for name in ("PITHTEX_REGISTRY", "PITHTEX_TRUST_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PITHTEX_HTTP_DEADLINE", "5")
    monkeypatch.setenv("PITHTEX_HTTP_RETRIES", "2")
    monkeypatch.setenv("PITHTEX_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("PITHTEX_HTTP_BACKOFF_CAP", "0.05")
    (tmp_path / ".git").mkdir(exist_ok=True)
    return cache
