"""A subscriber's own choices across the newsletter's lists (the preferences page).

One address may be on several lists (daily, weekly, alerts: one ``subscribers`` row per
list). :func:`list_choices` says, per configured list, whether the address receives it;
:func:`save_choices` applies what the holder of a signed preferences link ticked:

* ticked, not on the list (or unsubscribed, never confirmed): subscribed, as a confirmed
  opt-in (the signed link was mailed to this very address);
* unticked and active: unsubscribed ("unsubscribed on the preferences page");
* a bounced or complained address is never reactivated here;
* on an alerts list, the ticked commodities are stored (``subscriber_prefs``; none = all).

These are the subscriber's own: a later import of a list file never re-subscribes an
unsubscribed address nor touches the commodity choice (the CSV stays the source for who
is *added* to a list).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Config
    from ..store import Store

EDITION_TEXT = {"daily": "the daily edition, every morning",
                "weekly": "the weekly recap, on Fridays",
                "alerts": "an email when a price moves past its alert threshold"}
LOCKED = frozenset({"bounced", "complained"})


@dataclass(frozen=True)
class ListChoice:
    """One configured list as the preferences page shows it for an address."""

    name: str
    title: str
    edition: str
    what: str
    on: bool  #: the address receives it (active, or suspended for a while)
    status: str | None  #: the row's status on that list; None: not on it
    subscriber_id: int | None
    commodities: tuple[str, ...] = ()  #: an alerts list's choice (empty: all)

    @property
    def locked(self) -> bool:
        return self.status in LOCKED


def list_choices(store: Store, config: Config, email: str) -> list[ListChoice]:
    """Every configured list, in configuration order, with the address's standing."""
    out = []
    for name, ls in config.lists.items():
        sub = store.get_subscriber(name, email)
        status = sub.status if sub else None
        picked = tuple(store.subscriber_commodities(sub.id)) if sub and \
            ls.edition == "alerts" else ()
        out.append(ListChoice(name=name, title=ls.name or name, edition=ls.edition,
                              what=EDITION_TEXT[ls.edition],
                              on=status in ("active", "suspended"), status=status,
                              subscriber_id=sub.id if sub else None, commodities=picked))
    return out


def save_choices(store: Store, config: Config, email: str, name: str,
                 wanted: Iterable[str], commodities: Iterable[str],
                 now: datetime) -> list[str]:
    """Subscribe the address to the ``wanted`` lists, unsubscribe it from the others,
    and store the alert ``commodities`` on its alerts lists.

    Returns:
        Notes for the page: lists that could not be changed (bounced or complained).
    """
    want = set(wanted)
    picked = sorted(set(commodities))
    notes = []
    for c in list_choices(store, config, email):
        if c.name in want and not c.on:
            if c.locked:
                notes.append(f"{c.title}: this address cannot be reactivated here")
                continue
            store.confirm_subscriber(c.name, email, name if c.status is None else None, now)
        elif c.name not in want and c.on and c.subscriber_id is not None:
            store.unsubscribe(c.name, c.subscriber_id, now,
                              "unsubscribed on the preferences page")
        if c.edition == "alerts" and c.name in want:
            sub = store.get_subscriber(c.name, email)
            if sub is not None:
                store.set_subscriber_commodities(sub.id, picked, now)
    return notes
