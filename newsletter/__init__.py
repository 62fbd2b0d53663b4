"""REE Daily: a daily email newsletter for the rare-earth-element market.

Public names: :class:`Newsletter` (the core object every front end drives),
:func:`load_config`, the data types and the exception tree.
"""

from ._version import __version__
from .config import Config, load_config
from .core import Newsletter
from .exceptions import (
    AlreadyRunningError,
    ConfigError,
    FetchError,
    NewsletterError,
    NotApprovedError,
    ParseError,
    RenderError,
    SendError,
    StoreError,
    SubscriberError,
)
from .types import Edition, Item, PriceItem, PriceRow, Relevance, Source

__all__ = [
    "__version__",
    "AlreadyRunningError",
    "Config",
    "ConfigError",
    "Edition",
    "FetchError",
    "Item",
    "Newsletter",
    "NewsletterError",
    "NotApprovedError",
    "ParseError",
    "PriceItem",
    "PriceRow",
    "Relevance",
    "RenderError",
    "SendError",
    "Source",
    "StoreError",
    "SubscriberError",
    "load_config",
]
