"""``pithtex cache info|clear``: the per-user cache of verified registry documents.

The cache lives in the platform's cache directory (``$PITHTEX_CACHE_DIR``
overrides it). Everything in it is re-verified when read, so clearing it is
always safe: it only costs round trips to the registry.
"""

from __future__ import annotations

import argparse
import json

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = sub.add_parser("info", help="where the cache is and how much it holds")
    info.add_argument("--json", action="store_true", help="machine-readable output")
    sub.add_parser("clear", help="remove everything in the cache")


def run(args: argparse.Namespace) -> int:
    from pithtex.resolve.cache import Cache

    cache = Cache()
    if args.action == "clear":
        removed = cache.clear()
        print(f"cleared {cache.root} ({removed} document{'s' if removed != 1 else ''} removed)")
        return 0
    info = cache.info()
    if args.json:
        print(json.dumps({"path": str(info.root), "documents": info.objects, "bytes": info.bytes, "ids": info.refs}))
    else:
        print(f"cache: {info.root}")
        print(f"documents: {info.objects} ({info.bytes} bytes), {info.refs} ids and bundles indexed")
    return 0
