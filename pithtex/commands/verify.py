"""``pithtex verify PATH... [--json] [--trust-key FILE]``: what holds for each Pith document.

The statuses and exit codes are the ``EPILOG`` of ``--help``. Unreadable input
(missing file, directory, permission) is one line on stderr and no JSON object
for that input; malformed content (not JSON, wrong shape, too large) is an
``invalid`` input with one clear line, not an error. Every readable input is
reported, in order, even after an unreadable one.
"""

from __future__ import annotations

import argparse
import json
import sys

from pithtex.errors import UsageError

__all__ = ["configure", "run"]

EPILOG = """\
statuses:
  verified        every check passed under a trusted key (record or bundle)
  unsigned        a bare canonical record: digest and Pith Number computed, nothing signed
  signature-only  a bare receipt whose signature verifies over its own digest
  invalid         something failed; every failed check is named
Checks that cannot be made (events of unknown types, merged state that depends
on them) are listed as unverified and never count as evidence.

exit codes: 0 all inputs verified/unsigned/signature-only; 1 any invalid;
2 usage errors (bad --trust-key file) or unreadable input.
Extra trusted keys: --trust-key FILE, or PITHTEX_TRUST_KEYS (os.pathsep-separated).
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("paths", nargs="+", metavar="PATH", help="record, bundle, canonical record or receipt (JSON); '-' for stdin")
    parser.add_argument("--json", action="store_true", help="print one JSON object per input (JSON Lines)")
    parser.add_argument(
        "--trust-key",
        action="append",
        default=[],
        metavar="FILE",
        help="also trust this Ed25519 key file (repeatable; keys inside documents are never trusted)",
    )


def _read(path: str) -> bytes:
    """The input's bytes, one past the size limit (so that too large shows); raises ``OSError``
    with the reason as ``strerror`` when unreadable."""
    from pithtex.readfile import Unreadable, open_regular
    from pithtex.verify.canonical import MAX_DOCUMENT_BYTES

    if path == "-":
        return sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
    try:
        with open_regular(path) as handle:  # a FIFO or device is refused at once, never waited on
            return handle.read(MAX_DOCUMENT_BYTES + 1)
    except FileNotFoundError:
        raise OSError(0, "no such file") from None
    except Unreadable as exc:
        raise OSError(0, "is a directory" if "directory" in exc.reason else exc.reason) from None


def run(args: argparse.Namespace) -> int:
    from pithtex.verify.document import verify_json_bytes
    from pithtex.verify.keys import trust_store_from

    trust = trust_store_from(args.trust_key)
    if args.paths.count("-") > 1:
        raise UsageError("'-' (stdin) can be given only once", hint="pass each file once")
    exit_code = 0
    for path in args.paths:
        shown = "<stdin>" if path == "-" else path
        try:
            data = _read(path)
        except OSError as exc:
            # Not a verdict on the content: no JSON object, one line on stderr, exit 2.
            print(f"pithtex: {shown}: cannot read: {exc.strerror or exc}", file=sys.stderr)
            exit_code = 2
            continue
        result = verify_json_bytes(data, trust)
        if args.json:
            print(json.dumps(result.to_json(shown), ensure_ascii=False))
        else:
            print(f"{shown}: {result.summary()}")
        if not result.acceptable and exit_code == 0:
            exit_code = 1
    return exit_code
