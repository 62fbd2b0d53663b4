"""The collect stage: fetch feeds and pages concurrently, politely and safely.

Live and offline (``--offline``) runs share every line of this package; only the httpx
transport differs (:func:`snapshot_transport` replays ``snapshots/``).

Source kinds (``feed``, ``page``) are a registry: :func:`register_kind` with a
:class:`KindSpec` adds one (``_kinds.py``).
"""

from ._collect import FetchState, SourceResult, collect_sources, inspect_target
from ._kinds import KindSpec, kind_names, register_kind, source_kind
from ._robots import ROBOTS_TTL, RobotsCache, RobotsEntry
from ._snapshots import snapshot_transport
from ._sources import load_sources
from ._text import clean_html, clean_text, decode_bytes

__all__ = [
    "ROBOTS_TTL",
    "FetchState",
    "KindSpec",
    "RobotsCache",
    "RobotsEntry",
    "SourceResult",
    "clean_html",
    "clean_text",
    "collect_sources",
    "decode_bytes",
    "inspect_target",
    "kind_names",
    "load_sources",
    "register_kind",
    "snapshot_transport",
    "source_kind",
]
