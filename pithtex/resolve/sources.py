"""Where signed material comes from: a registry over HTTP, or a mirror directory.

Both speak the registry's layout (:mod:`pithtex.resolve.layout`). Nothing a
source returns is trusted: the resolver verifies every byte of it against
the trust store and the arXiv id that was asked for.

The resolve endpoint's response shape is not published, so
:func:`interpret_resolve` accepts what plausibly carries a Pith Number: a
whole record or bundle (verified as it is), or a pointer (``pith_number``,
``suffix``, a link to ``/pith/<suffix>.json``, possibly nested) whose record
is then fetched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlencode, urlsplit

from pithtex.errors import UsageError
from pithtex.ids.arxiv import ArxivId
from pithtex.resolve import layout
from pithtex.resolve.http import FetchError, HttpLimits, NotFound, fetch_bytes, make_transport

if TYPE_CHECKING:  # pragma: no cover
    import asyncio

    import httpx

__all__ = [
    "DirectorySource",
    "HttpSource",
    "ResolveAnswer",
    "Source",
    "interpret_resolve",
    "open_source",
]

_FULL_RE = re.compile(r"pith:\d{4}:([A-Z2-7]{26})(?![A-Z2-7])")
_LINK_RE = re.compile(r"/pith/([A-Z2-7]{26})(?:\.json|/|$)")
_SUFFIX_RE = re.compile(r"[A-Z2-7]{26}")
_POINTER_KEYS = ("pith_number", "pithNumber", "pith", "pith_id", "suffix", "pith_suffix", "number")
MAX_CANDIDATES = 3


class Source:
    """Abstract source of registry documents (raw bytes; the caller verifies)."""

    label: str = "registry"
    origin: str = "registry"

    async def resolve(self, arxiv: ArxivId) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError

    async def get(self, path: str) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


class HttpSource(Source):
    """A pith.science-compatible registry (or a mirror on any web server)."""

    def __init__(self, base_url: str, limits: HttpLimits, concurrency: int) -> None:
        self.base = base_url.rstrip("/")
        parts = urlsplit(self.base)
        # Never print credentials that may be in the URL (user:password@host).
        self.label = parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()
        self.limits = limits
        self._transport: httpx.AsyncHTTPTransport | None = None
        self._gave_up: asyncio.Event
        self._concurrency = concurrency

    async def _fetch(self, url: str) -> bytes:
        if self._transport is None:
            import asyncio

            self._transport = make_transport(self._concurrency, self.base)
            self._gave_up = asyncio.Event()
        return await fetch_bytes(self._transport, url, self.limits, gave_up=self._gave_up)

    async def resolve(self, arxiv: ArxivId) -> bytes:
        try:
            query = urlencode({"arxiv": arxiv.versioned, "json": "true"})
            return await self._fetch(f"{self.base}/{layout.RESOLVE_ENDPOINT}?{query}")
        except NotFound:
            # A static mirror has no resolve endpoint, but it has alias files.
            try:
                return await self.get(layout.alias_path(arxiv))
            except NotFound:
                raise NotFound("unknown to the registry (HTTP 404)", status=404) from None

    async def get(self, path: str) -> bytes:
        return await self._fetch(f"{self.base}/{path}")

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()


class DirectorySource(Source):
    """A mirror directory on disk (``--registry DIR`` or ``file:DIR``)."""

    origin = "mirror"

    def __init__(self, root: Path, limits: HttpLimits) -> None:
        self.root = root.resolve()
        self.label = str(root)
        self.limits = limits

    def read(self, path: str) -> bytes:
        target = (self.root / path).resolve()
        if not target.is_relative_to(self.root):
            raise NotFound(f"{path}: outside the mirror")
        from pithtex.readfile import Unreadable, open_regular

        try:
            with open_regular(target) as handle:  # a FIFO in the mirror is refused, not waited on
                data = handle.read(self.limits.max_bytes + 1)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise NotFound("not in the mirror") from None
        except Unreadable as exc:
            if "directory" in exc.reason:
                raise NotFound("not in the mirror") from None
            raise FetchError(f"{target}: {exc.reason}") from None
        except OSError as exc:
            raise FetchError(f"{target}: cannot read: {exc.strerror or exc}") from None
        if len(data) > self.limits.max_bytes:
            raise FetchError(f"{target}: larger than {self.limits.max_bytes} bytes; not a Pith document")
        return data

    async def resolve(self, arxiv: ArxivId) -> bytes:
        return self.read(layout.alias_path(arxiv))

    async def get(self, path: str) -> bytes:
        return self.read(path)


def open_source(registry: str, limits: HttpLimits, concurrency: int) -> Source:
    """An :class:`HttpSource` for ``http(s)://`` URLs, else a mirror directory."""
    if registry.startswith(("http://", "https://")):
        parts = urlsplit(registry)
        if not parts.hostname:
            raise UsageError(f"--registry {registry!r}: no host in the URL")
        return HttpSource(registry, limits, concurrency)
    if registry.startswith("file:"):
        path = Path(unquote(urlsplit(registry).path))
    elif "://" in registry:
        raise UsageError(f"--registry {registry!r}: only http(s):// URLs and mirror directories are supported")
    else:
        path = Path(registry)
    if not path.is_dir():
        raise UsageError(
            f"--registry {registry!r} is neither an http(s):// URL nor a mirror directory",
            hint="build one with 'pithtex mirror add DIR FILE...'",
        )
    return DirectorySource(path, limits)


@dataclass(frozen=True)
class ResolveAnswer:
    """What a resolve response carried: a whole document, and/or candidate suffixes."""

    document: Any | None
    suffixes: tuple[str, ...]
    #: Whether ``document`` is the whole response (then verify the bytes themselves, strictly).
    root: bool = False


def _looks_like_document(value: Any) -> bool:
    return isinstance(value, dict) and "canonical_record" in value and (
        "receipt" in value or "bundle_signature" in value
    )


def _walk(value: Any) -> Iterator[Any]:
    """Breadth-first over nested dicts/lists, a few levels deep."""
    level = [value]
    for _ in range(5):
        following: list[Any] = []
        for item in level:
            yield item
            if isinstance(item, dict):
                following.extend(item.values())
            elif isinstance(item, list):
                following.extend(item[:50])
        level = following
        if not level:
            return


def _suffixes_in(value: Any) -> Iterator[str]:
    for node in _walk(value):
        if isinstance(node, dict):
            for key in _POINTER_KEYS:
                found = node.get(key)
                if isinstance(found, str):
                    match = _FULL_RE.fullmatch(found.strip()) or _SUFFIX_RE.fullmatch(found.strip())
                    if match:
                        yield match.group(1) if match.re is _FULL_RE else match.group(0)
        elif isinstance(node, str):
            match = _FULL_RE.search(node) or _LINK_RE.search(node)
            if match:
                yield match.group(1)


def interpret_resolve(body: bytes) -> ResolveAnswer:
    """Read a resolve response; raise :class:`FetchError` when it carries no Pith Number."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        snippet = body[:40].decode("utf-8", errors="replace").replace("\n", " ")
        raise FetchError(f"resolve endpoint returned a body that is not JSON ({snippet!r}...)") from None
    document = next((node for node in _walk(doc) if _looks_like_document(node)), None)
    if document is not None and document is doc:
        # The whole response is a record or bundle: the caller verifies the bytes.
        suffix = _FULL_RE.fullmatch(doc.get("pith_number", "")) if isinstance(doc.get("pith_number"), str) else None
        return ResolveAnswer(doc, (suffix.group(1),) if suffix else (), root=True)
    suffixes: list[str] = []
    for suffix in _suffixes_in(doc):
        if suffix not in suffixes:
            suffixes.append(suffix)
        if len(suffixes) >= MAX_CANDIDATES:
            break
    if document is None and not suffixes:
        raise FetchError("resolve endpoint returned JSON without a Pith Number")
    return ResolveAnswer(document, tuple(suffixes))
