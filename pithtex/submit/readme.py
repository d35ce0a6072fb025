"""arXiv's ``00README.json``: which file is the top-level one and which compiler runs it.

The format is arXiv's "00README JSON file format" (submission system 1.5,
https://info.arxiv.org/help/00README.html): ``process.compiler`` and a
``sources`` list of ``{"filename", "usage"}``. pithtex writes only what its
published example shows: the main file with ``usage`` ``toplevel``, and each
``.pith`` file with ``include`` (the usage that, in the older 00README.XXX
format arXiv converts from, tells arXiv to keep a file of a type it does not
know rather than report it as junk). That ``include`` carries over to the JSON
format unchanged is an assumption: arXiv's page documents it for 00README.XXX.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

__all__ = ["README_NAME", "render_readme"]

README_NAME = "00README.json"


def render_readme(main: str, compiler: str, kept: Iterable[str] = ()) -> bytes:
    sources = [{"filename": main, "usage": "toplevel"}]
    sources += [{"filename": name, "usage": "include"} for name in sorted(kept)]
    doc = {"process": {"compiler": compiler}, "sources": sources}
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")
