"""``pithtex sty [DIR]``: write pith.sty into DIR, for authors who add their number by hand.

The package ships inside the paper's sources so that the paper compiles
anywhere (arXiv included) without pithtex. The file is rewritten only when
its content differs, so a build that runs this every time does not loop.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pithtex.errors import InputError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "directory", nargs="?", type=Path, default=Path("."), metavar="DIR",
        help="where to write pith.sty (default: the current directory)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing when all is well")


def run(args: argparse.Namespace) -> int:
    from pithtex.write.sty import STY_NAME, write_sty

    directory: Path = args.directory
    if not directory.exists():
        raise InputError(f"{directory}: no such directory")
    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory")
    written = write_sty(directory)
    if not args.quiet:
        print(f"{directory / STY_NAME}: {'written' if written else 'up to date'}")
    return 0
