"""A careful HTTP GET for an untrusted, rate-limited registry (httpx, async).

Why not just ``httpx.get``: the registry is remote and not ours to trust, so
every fetch here has

- a deadline (covering connect, a server that drips one byte at a time,
  retries and back-off), not only inactivity timeouts; the resolver sets one
  instant for a whole run (:attr:`HttpLimits.until`), so that however many
  ids and requests a run makes, it ends by then (a hook is never held for
  longer than ``deadline`` seconds of network time);
- retries with capped exponential back-off and full jitter for connection
  errors and 429/502/503/504, honouring ``Retry-After`` in both its forms
  (delta-seconds and HTTP-date), but never waiting past the deadline;
- a cap on the size of the *decoded* body: compressed bodies are inflated
  here, incrementally with ``max_length``, so a gzip bomb costs at most the
  cap in memory;
- redirects followed only within the same scheme, host and port.

Failures are :class:`FetchError` with one line for the user;
:class:`NotFound` is a 404/410.
"""

from __future__ import annotations

import random
import time
import zlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:  # pragma: no cover
    import asyncio

    import httpx

__all__ = [
    "FetchError",
    "HttpLimits",
    "NotFound",
    "fetch_bytes",
    "make_transport",
    "parse_retry_after",
]

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
MAX_REDIRECTS = 5
USER_AGENT = "pithtex (+https://pith.science)"


class FetchError(Exception):
    """A fetch that failed; ``str()`` is one line for the user."""

    def __init__(self, message: str, *, status: int | None = None, unreachable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        #: No connection could be made at all (refused, no route, no DNS, connect timeout).
        self.unreachable = unreachable


class NotFound(FetchError):
    """The registry does not know this path (404 or 410)."""


@dataclass(frozen=True)
class HttpLimits:
    """Time and size limits for one fetch. Tests shrink them through the environment."""

    deadline: float = 60.0  # seconds for a whole run's network phase, every id and retry included
    connect_timeout: float = 10.0
    read_timeout: float = 15.0  # between two chunks
    retries: int = 4  # attempts after the first
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_bytes: int = 4 * 1024 * 1024  # decoded body
    #: ``time.monotonic()`` by which every fetch of the run must be done (None: ``deadline``
    #: from the start of each fetch). Set by the resolver for a whole run.
    until: float | None = None

    def remaining(self, started: float) -> float:
        """Seconds left for a fetch that started at ``started``."""
        now = time.monotonic()
        left = self.deadline - (now - started)
        return left if self.until is None else min(left, self.until - now)

    def for_run(self) -> HttpLimits:
        """These limits, with the deadline counted once from now for every fetch that follows."""
        return replace(self, until=time.monotonic() + self.deadline)

    @classmethod
    def from_env(cls) -> HttpLimits:
        """Defaults, overridden by ``PITHTEX_HTTP_{DEADLINE,RETRIES,BACKOFF,BACKOFF_CAP,MAX_BYTES}``."""
        from pithtex.config import env_number

        base = cls()
        deadline = env_number("PITHTEX_HTTP_DEADLINE", base.deadline, what="seconds")
        return cls(
            deadline=deadline,
            connect_timeout=min(base.connect_timeout, deadline),
            read_timeout=min(base.read_timeout, deadline),
            retries=int(env_number("PITHTEX_HTTP_RETRIES", base.retries, what="retries", integer=True, zero=True)),
            backoff_base=env_number("PITHTEX_HTTP_BACKOFF", base.backoff_base, what="seconds", zero=True),
            backoff_cap=env_number("PITHTEX_HTTP_BACKOFF_CAP", base.backoff_cap, what="seconds", zero=True),
            max_bytes=int(env_number("PITHTEX_HTTP_MAX_BYTES", base.max_bytes, what="bytes", integer=True)),
        )


def _skip_missing_sniffio() -> None:
    """Make httpcore's per-request ``import sniffio`` cheap when sniffio is not installed.

    httpcore tries ``import sniffio`` on every request to detect trio; when the
    package is absent each failed import searches ``sys.path`` again (about a
    millisecond, a third of the CPU time of a cold 1,000-id run). Recording the
    absence in ``sys.modules`` gives the same ImportError at once.
    """
    import importlib.util
    import sys

    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def make_transport(concurrency: int, base_url: str) -> httpx.AsyncHTTPTransport:
    """One connection pool per run, for the registry's origin (redirects stay on it, see
    :func:`fetch_bytes`). A transport, not an ``httpx.AsyncClient``: the client's layer (URL
    merging, cookies, hooks) cost 0.4-0.5 ms of CPU a request, a third of the network's.

    Proxy settings from the environment (``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) are
    honoured, as researchers behind institutional proxies need; a proxy can
    delay or drop answers but not forge them, since everything is verified.
    A loopback registry (tests, ``pithtex serve``) never goes through a proxy.
    """
    import urllib.request

    import httpx

    _skip_missing_sniffio()
    parts, proxies = urlsplit(base_url), urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if parts.hostname in _LOOPBACK or (proxy and urllib.request.proxy_bypass(parts.netloc.rsplit("@", 1)[-1])):
        proxy = None
    size = max(1, concurrency)
    return httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=size, max_keepalive_connections=size), proxy=proxy)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        import email.utils

        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class _Retry(FetchError):
    """An attempt failed in a way worth retrying (never escapes :func:`_with_retries`)."""

    def __init__(
        self, message: str, retry_after: float | None = None, status: int | None = None, unreachable: bool = False
    ) -> None:
        super().__init__(message, status=status, unreachable=unreachable)
        self.retry_after = retry_after


class _BoundedDecoder:
    """Inflate gzip/deflate incrementally without ever exceeding ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.parts: list[bytes] = []
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self.inflater = None
        elif encoding in ("gzip", "x-gzip"):
            self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self.inflater = zlib.decompressobj()
        else:
            raise FetchError(f"unsupported Content-Encoding {encoding!r}")

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchError(f"response larger than {self.limit} bytes (decoded); not a Pith document")
        self.parts.append(data)

    def feed(self, data: bytes) -> None:
        if self.inflater is None:
            self._keep(data)
            return
        try:
            while data:
                # +1 so that reaching the limit exactly is distinguishable from passing it
                out = self.inflater.decompress(data, self.limit - self.size + 1)
                self._keep(out)
                data = self.inflater.unconsumed_tail
        except zlib.error as exc:
            raise FetchError(f"corrupt compressed body ({exc})") from None

    def finish(self) -> bytes:
        if self.inflater is not None:
            try:
                self._keep(self.inflater.flush())
            except zlib.error as exc:
                raise FetchError(f"corrupt compressed body ({exc})") from None
            if not self.inflater.eof:
                raise FetchError("truncated compressed body")
        return b"".join(self.parts)


def _same_origin(a: str, b: str) -> bool:
    sa, sb = urlsplit(a), urlsplit(b)
    return (sa.scheme, sa.hostname, sa.port) == (sb.scheme, sb.hostname, sb.port)


_HEADERS = (("User-Agent", USER_AGENT), ("Accept", "application/json"), ("Accept-Encoding", "gzip, deflate"))


def _headers(url: str) -> tuple[tuple[str, str], ...]:
    """The request headers, with HTTP Basic credentials when the URL carries them
    (``https://user:token@mirror.example/``, a private mirror): the transport does not
    read them from the URL as ``httpx.AsyncClient`` did. Redirects stay on the URL's
    origin (:func:`_same_origin`), so the credentials never go to another host."""
    parts = urlsplit(url)
    if parts.username is None:
        return _HEADERS
    import base64
    from urllib.parse import unquote

    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    return (*_HEADERS, ("Authorization", "Basic " + base64.b64encode(pair).decode("ascii")))


async def _attempt(transport: httpx.AsyncHTTPTransport, url: str, limits: HttpLimits) -> bytes:
    import httpx

    timeouts = dict.fromkeys(("read", "write", "pool"), limits.read_timeout) | {"connect": limits.connect_timeout}
    current, headers = url, _headers(url)
    for _ in range(MAX_REDIRECTS + 1):
        try:
            request = httpx.Request("GET", current, headers=headers, extensions={"timeout": timeouts})
            response = await transport.handle_async_request(request)
            try:
                status = response.status_code
                if status in (301, 302, 303, 307, 308):
                    location = response.headers.get("location", "")
                    target = urljoin(current, location)
                    if not location or not _same_origin(url, target):
                        raise FetchError(
                            f"HTTP {status}: redirect to another host ({target or 'no Location'}) not followed",
                            status=status,
                        )
                    current = target
                    continue
                if status in (404, 410):
                    raise NotFound(f"HTTP {status}: not found", status=status)
                if status in RETRYABLE_STATUSES:
                    raise _Retry(
                        f"HTTP {status}" + (" (rate limited)" if status == 429 else ""),
                        parse_retry_after(response.headers.get("retry-after")),
                        status,
                    )
                if status != 200:
                    raise FetchError(f"HTTP {status}", status=status)
                declared = response.headers.get("content-length")
                encoding = response.headers.get("content-encoding", "")
                if declared and declared.isdigit() and not encoding and int(declared) > limits.max_bytes:
                    raise FetchError(f"response of {declared} bytes is larger than {limits.max_bytes}; not a Pith document")
                decoder = _BoundedDecoder(encoding, limits.max_bytes)
                async for chunk in response.aiter_raw():
                    decoder.feed(chunk)
                return decoder.finish()
            finally:
                await response.aclose()
        except FetchError:  # _Retry included
            raise
        except httpx.RemoteProtocolError as exc:
            raise _Retry(f"connection broken: {exc}") from None
        except httpx.TimeoutException as exc:
            raise _Retry("timed out", unreachable=isinstance(exc, httpx.ConnectTimeout)) from None
        except (httpx.TransportError, OSError) as exc:
            detail = str(exc) or ("connection reset or closed while reading" if isinstance(exc, httpx.ReadError) else "")
            raise _Retry(
                f"connection failed: {detail or type(exc).__name__}", unreachable=isinstance(exc, httpx.ConnectError)
            ) from None
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


async def _with_retries(
    transport: httpx.AsyncHTTPTransport, url: str, limits: HttpLimits, started: float, gave_up: asyncio.Event
) -> bytes:
    import asyncio
    import contextlib

    attempt = 0
    while True:
        try:
            return await _attempt(transport, url, limits)
        except _Retry as exc:
            tries = f"{attempt + 1} attempt" + ("s" if attempt else "")
            given_up = FetchError(f"{exc} (gave up after {tries})", status=exc.status, unreachable=exc.unreachable)
            # Once one fetch gave up on connecting, the others that cannot connect stop too (unreachable
            # registry, 20 ids: 2.2-2.7 s, not the 5.9-6.1 s of every in-flight id's retries).
            if attempt >= limits.retries or (exc.unreachable and gave_up.is_set()):
                if exc.unreachable:
                    gave_up.set()
                raise given_up from None
            remaining = limits.remaining(started)
            backoff = random.uniform(0, min(limits.backoff_cap, limits.backoff_base * 2**attempt))
            wait = backoff if exc.retry_after is None else max(exc.retry_after, backoff)
            if wait >= remaining:
                if exc.retry_after is not None:
                    raise FetchError(
                        f"{exc}; Retry-After {exc.retry_after:.0f}s is past the {limits.deadline:g}s deadline",
                        status=exc.status,
                    ) from None
                raise FetchError(
                    f"{exc} (no time left to retry)", status=exc.status, unreachable=exc.unreachable
                ) from None
            if exc.unreachable:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(gave_up.wait(), wait)
                if gave_up.is_set():
                    raise given_up from None
            else:
                await asyncio.sleep(wait)
            attempt += 1


async def fetch_bytes(pool: httpx.AsyncHTTPTransport, url: str, limits: HttpLimits, *, gave_up: asyncio.Event) -> bytes:
    """GET ``url`` and return the decoded body of a 200, within ``limits``; ``gave_up`` is shared
    by a run's fetches (set when one gave up on connecting)."""
    import asyncio  # here, not at the top: resolving from pith.lock alone never needs it

    started = time.monotonic()
    budget = limits.remaining(started)
    if budget <= 0:
        raise FetchError(f"not asked: the {limits.deadline:g}s deadline for the whole run had passed")
    try:
        return await asyncio.wait_for(_with_retries(pool, url, limits, started, gave_up), budget)
    except asyncio.TimeoutError:
        raise FetchError(f"no complete response within the {limits.deadline:g}s deadline") from None
