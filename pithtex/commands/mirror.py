"""``pithtex mirror add DIR FILE...``: file verified records and bundles into a mirror.

All or nothing, as :mod:`pithtex.resolve.mirror` says: one invalid file and the
mirror is left as it was (exit 1).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pithtex.commands.inputs import add_trust_key_option

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="verify records/bundles and add them to a mirror directory")
    add.add_argument("directory", type=Path, metavar="DIR", help="the mirror directory (created if needed)")
    add.add_argument("files", nargs="+", type=Path, metavar="FILE", help="Pith records or bundles (JSON)")
    add_trust_key_option(add)
    add.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")


def run(args: argparse.Namespace) -> int:
    from pithtex.resolve.mirror import add_to_mirror
    from pithtex.verify.keys import trust_store_from

    import sys

    trust = trust_store_from(args.trust_key)
    skipped: list[str] = []
    added = add_to_mirror(args.directory, list(args.files), trust, skipped)
    for note in skipped:
        print(f"pithtex: note: {note}", file=sys.stderr)
    if not args.quiet:
        for item in added:
            print(f"{item.path}: {item.kind} {item.pith_number} for {item.source} -> {args.directory}")
        print(f"mirror {args.directory}: added {len(added)} document{'s' if len(added) != 1 else ''}")
    return 0
