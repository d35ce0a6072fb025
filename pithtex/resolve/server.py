"""Serve a mirror directory with the registry's endpoints (stdlib ``http.server``).

Files are served as they are (the directory already has the registry's URL
layout); the one dynamic endpoint is alias resolution,
``/api/pith-number/resolve?arxiv=<id>``, answered from the mirror's alias
files with the record itself (which carries its Pith Number, so a client
needs one request per id). The server never writes, never serves anything
outside the directory nor any dotfile (but ``.well-known/``), answers unknown
paths with a JSON 404 and a NUL in the path with a 400.

``delay`` adds latency to every response: the benchmarks use it to model a
remote registry on loopback.
"""

from __future__ import annotations

import json
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pithtex.ids.arxiv import InvalidArxivId, parse_arxiv_id
from pithtex.resolve import layout

__all__ = ["MirrorServer", "make_server"]

MAX_FILE_BYTES = 16 * 1024 * 1024


class MirrorServer(ThreadingHTTPServer):
    """One thread per connection, at most :attr:`max_connections` at once; a connection idle
    for :attr:`_Handler.timeout` seconds is closed. Both are here for one measured case: 1,100
    connections that sent nothing (under ``ulimit -n 1024``) held 1,021 threads, spun the
    accept loop at 100% CPU on EMFILE and left every other client without an answer until they
    went away; with them, the rest wait in the listen queue and are answered."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    max_connections = 200

    def __init__(self, address: tuple[str, int], root: Path, *, delay: float = 0.0, quiet: bool = True) -> None:
        self.root = root.resolve()
        self.delay = delay
        self.quiet = quiet
        self._slots = threading.BoundedSemaphore(self.max_connections)
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self._slots.acquire()  # the accept loop waits here for a free slot; the queue holds the rest
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (a deadline, a cancelled run) is not worth a traceback."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)) or self.quiet:
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: MirrorServer
    protocol_version = "HTTP/1.1"  # keep-alive: one connection per client worker
    server_version = "pithtex-mirror"
    # Headers and body leave in one segment; without this, Nagle's algorithm
    # holds the body back until the client's delayed ACK (~40 ms a response).
    disable_nagle_algorithm = True
    #: Seconds a connection may sit without sending (a keep-alive client reconnects): see MirrorServer.
    timeout = 15

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        if not self.server.quiet:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        if self.server.delay:
            time.sleep(self.server.delay)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, json.dumps({"error": message, "status": status}).encode() + b"\n")

    def _file(self, relative: str) -> None:
        root = self.server.root
        try:  # a name longer than NAME_MAX, a loop of links: not found (no answer at all, before)
            target = (root / relative).resolve()
            found = target.is_relative_to(root) and not _hidden(target.relative_to(root).as_posix()) and target.is_file()
            size = target.stat().st_size if found else 0
        except (OSError, RuntimeError):
            found = False
        if not found:
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        if size > MAX_FILE_BYTES:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "file too large")
            return
        try:
            body = target.read_bytes()
        except OSError:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "cannot read the file")
            return
        self._send(HTTPStatus.OK, body)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if "\x00" in self.path or "%00" in self.path:  # no file name holds a NUL: a probe, not a path
            self._error(HTTPStatus.BAD_REQUEST, "NUL in the request path")
            return
        parts = urlsplit(self.path)
        path = unquote(parts.path).lstrip("/")
        if path.rstrip("/") == layout.RESOLVE_ENDPOINT:
            values = parse_qs(parts.query).get("arxiv", [])
            if len(values) != 1:
                self._error(HTTPStatus.BAD_REQUEST, "expected one ?arxiv=<arXiv id>")
                return
            try:
                arxiv = parse_arxiv_id(values[0])
            except InvalidArxivId as exc:
                self._error(HTTPStatus.BAD_REQUEST, str(exc))
                return
            self._file(layout.alias_path(arxiv))
            return
        if not path or ".." in path.split("/") or _hidden(path):
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        # /pith/<suffix> with Accept: application/ld+json: the record carries canonical_record.
        if path.startswith("pith/") and path.count("/") == 1 and not path.endswith(".json"):
            path += ".json"
        self._file(path)

    do_HEAD = do_GET


def _hidden(relative: str) -> bool:
    """Whether a path names a dotfile or lies in a dot directory (the mirror's lock, temporary
    files, .git, ...): never served. ``.well-known/`` at the top is the registry's layout."""
    parts = [p for p in relative.split("/") if p]
    if parts and parts[0] == ".well-known":
        parts = parts[1:]
    return any(p.startswith(".") for p in parts)


def make_server(root: Path, host: str = "127.0.0.1", port: int = 0, *, delay: float = 0.0, quiet: bool = True) -> MirrorServer:
    """Bind (port 0 picks a free port) without serving yet; see :attr:`MirrorServer.url`."""
    return MirrorServer((host, port), Path(root), delay=delay, quiet=quiet)
