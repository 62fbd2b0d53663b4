"""The "Your emails" part of the preferences page: every list of the newsletter with a
checkbox for the subscriber's address, and for alerts lists which commodities.

Form fields: ``list.NAME`` (``on`` when ticked) per configured list, ``commodity.ID`` per
offered commodity. Saving goes through :func:`newsletter.deliver._prefs.save_choices`
(the subscriber's own choice, which a later list-file import does not undo).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ..config import Config
from ..deliver import list_choices, save_choices
from ..store import Store
from ..summarize import COMMODITY_NAMES, display_name

#: offered on every alerts list even before any price of theirs was collected
CORE_COMMODITIES = ("prnd_oxide", "nd_oxide", "pr_oxide", "dy_oxide", "tb_oxide", "dyfe",
                    "creia_index")
MAX_COMMODITIES = 40


def offered_commodities(store: Store, chosen: tuple[str, ...], now: datetime) -> list[str]:
    """The core commodities, those with prices collected in the last 120 days and those
    already chosen, in the order of the price table's catalogue."""
    seen = {o.commodity for o in store.price_observations((now - timedelta(days=120)).date())}
    want = set(CORE_COMMODITIES) | seen | set(chosen)
    return [c for c in COMMODITY_NAMES if c in want][:MAX_COMMODITIES]


def lists_context(store: Store, config: Config, email: str, now: datetime) -> dict[str, Any]:
    """Template values: ``my_lists`` (one per configured list) and ``commodities``
    (``[]`` without an alerts list)."""
    choices = list_choices(store, config, email)
    chosen = tuple(c for ch in choices for c in ch.commodities)
    has_alerts = any(ch.edition == "alerts" for ch in choices)
    commodities = [{"id": c, "name": display_name(c), "on": c in chosen}
                   for c in offered_commodities(store, chosen, now)] if has_alerts else []
    return {"my_lists": [{"name": ch.name, "title": ch.title, "what": ch.what, "on": ch.on,
                          "locked": ch.locked, "status": ch.status} for ch in choices],
            "commodities": commodities}


def save_lists_form(store: Store, config: Config, email: str, name: str,
                    form: Mapping[str, str], now: datetime) -> list[str]:
    """Apply a posted "Your emails" form; returns notes (lists it could not change)."""
    wanted = [n for n in config.lists if form.get(f"list.{n}") == "on"]
    picked = [c for c in COMMODITY_NAMES if form.get(f"commodity.{c}") == "on"]
    return save_choices(store, config, email, name, wanted, picked, now)
