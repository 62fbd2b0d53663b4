"""The collect stage: fetch feeds and pages concurrently, politely and safely.

Live and offline (``--offline``) runs share every line of this package; only the httpx
transport differs (:func:`snapshot_transport` replays ``snapshots/``).
"""

from ._collect import FetchState, SourceResult, collect_sources, inspect_target
from ._robots import ROBOTS_TTL, RobotsCache, RobotsEntry
from ._snapshots import snapshot_transport
from ._sources import load_sources
from ._text import clean_html, clean_text, decode_bytes

__all__ = [
    "ROBOTS_TTL",
    "FetchState",
    "RobotsCache",
    "RobotsEntry",
    "SourceResult",
    "clean_html",
    "clean_text",
    "collect_sources",
    "decode_bytes",
    "inspect_target",
    "load_sources",
    "snapshot_transport",
]
