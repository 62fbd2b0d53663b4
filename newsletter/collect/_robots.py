"""robots.txt remembered across runs (RFC 9309, section 2.4).

A crawler "SHOULD NOT use the cached version for more than 24 hours, unless the robots.txt
file is unreachable". :class:`RobotsCache` holds one :class:`RobotsEntry` per origin; the
collector reads it and records what it fetched, and the caller (``Newsletter.collect``)
loads it from and saves it to the store, so the collector never touches the database.

* 2xx: the rules are cached for ``ttl`` (24 h); after that they are revalidated with
  ``If-None-Match``/``If-Modified-Since`` when the origin gave validators (a 304 renews).
* 4xx (robots.txt missing): "allow everything" is cached for ``ttl`` as well.
* 5xx, 429, timeouts, refused connections: nothing is recorded, so the next run tries
  again; meanwhile a stale cached copy is used if there is one, else everything is allowed.
"""

from __future__ import annotations

import urllib.robotparser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

ROBOTS_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class RobotsEntry:
    """An origin's robots.txt as last fetched. ``body`` None: no rules (it answered 4xx)."""

    body: str | None
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RobotsCache:
    """robots.txt per origin (``scheme://host[:port]``, lowercase) for one or more runs.

    Args:
        entries: what earlier runs fetched (from the store).
        ttl: how long an entry is used without asking the origin again.
        clock: the current time (injectable for tests).
    """

    def __init__(self, entries: Mapping[str, RobotsEntry] | None = None, *,
                 ttl: timedelta = ROBOTS_TTL,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self.entries: dict[str, RobotsEntry] = dict(entries or {})
        self.ttl = ttl
        self.clock = clock
        self.updated: dict[str, RobotsEntry] = {}  # what this run fetched: to persist

    def get(self, origin: str) -> RobotsEntry | None:
        """The cached entry, fresh or stale."""
        return self.entries.get(origin)

    def is_fresh(self, entry: RobotsEntry) -> bool:
        age = self.clock() - entry.fetched_at
        return timedelta(0) <= age < self.ttl

    def put(self, origin: str, entry: RobotsEntry) -> None:
        self.entries[origin] = self.updated[origin] = entry


def robots_parser(origin: str,
                  entry: RobotsEntry | None) -> urllib.robotparser.RobotFileParser | None:
    """The parsed rules of an entry; None means everything is allowed."""
    if entry is None or entry.body is None:
        return None
    parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
    parser.parse(entry.body.splitlines())
    parser.modified()
    return parser
