"""The registry's URL layout, as relative paths (protocol §9).

A mirror directory is these paths on disk; ``pithtex serve`` and any static
web server serve them as they are. The resolve endpoint takes a query
string, which static servers cannot vary on, so a mirror also holds one
*alias file* per arXiv id (the record itself, which carries its Pith
Number); clients fall back to it when the resolve endpoint is missing.
"""

from __future__ import annotations

from pithtex.ids.arxiv import ArxivId
from pithtex.ids.pith_number import parse_suffix

__all__ = [
    "ALIAS_INDEX",
    "RESOLVE_ENDPOINT",
    "alias_path",
    "bundle_path",
    "record_path",
    "state_path",
    "well_known_bundle_path",
]

RESOLVE_ENDPOINT = "api/pith-number/resolve"
ALIAS_INDEX = "pith/alias/index.json"


def record_path(suffix: str) -> str:
    return f"pith/{parse_suffix(suffix)}.json"


def bundle_path(suffix: str) -> str:
    return f"pith/{parse_suffix(suffix)}/bundle.json"


def state_path(suffix: str) -> str:
    return f"pith/{parse_suffix(suffix)}/state.json"


def well_known_bundle_path(suffix: str) -> str:
    return f".well-known/pith/{parse_suffix(suffix)}/bundle.json"


def alias_path(arxiv: ArxivId) -> str:
    """``pith/alias/arxiv/2511.00066v4.json``; old-style ids nest (``hep-th/9901001``).

    ``arxiv`` is a parsed :class:`ArxivId`, so the path cannot escape the mirror.
    """
    return f"pith/alias/arxiv/{arxiv.versioned}.json"
