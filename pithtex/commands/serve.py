"""``pithtex serve DIR [--host 127.0.0.1] [--port N]``: serve a mirror directory.

Serves a directory built by ``pithtex mirror add`` (:mod:`pithtex.resolve.server`).
Prints the URL it listens on (``--port 0``, the default, picks a free port),
then serves until interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pithtex.errors import UsageError

__all__ = ["configure", "run"]


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, not {value}")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", type=Path, metavar="DIR", help="a mirror directory")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=0, help="port (default 0: pick a free one)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request on stderr")
    parser.add_argument(
        "--delay", type=float, default=0.0, metavar="SECONDS",
        help="add this much latency to every response (to model a remote registry in benchmarks)",
    )


def run(args: argparse.Namespace) -> int:
    from pithtex.resolve.server import make_server

    if not args.directory.is_dir():
        raise UsageError(f"{args.directory}: not a directory", hint="build one with 'pithtex mirror add DIR FILE...'")
    try:
        server = make_server(args.directory, args.host, args.port, delay=max(0.0, args.delay), quiet=not args.verbose)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    print(f"serving {args.directory} at {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("pithtex: stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
