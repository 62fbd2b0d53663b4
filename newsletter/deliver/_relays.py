"""Several SMTP relays as one transport: ``[[delivery.relays]]``.

Each relay has its own connection cap, its own rate limits (per second and per hour) and a
weight. Messages are dealt to relays in proportion to their weights (smooth weighted round
robin) among those that are healthy and have rate budget within a second; a relay over its
hourly limit is passed over until it has budget again. A relay that fails at the connection
level (refused, dropped, timed out, TLS or authentication failure) is taken out for
``cooldown_seconds`` and the message is tried on another one at once: it was never handed
over, so nothing is sent twice. Per-recipient replies (4xx/5xx) are the recipient's outcome,
not the relay's, and are returned as they are. Only when every relay is out does the message
fail (connection-level, so the ledger puts it back to pending). The ledger stays the single
truth: this module only routes.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._transports import Envelope, SendResult, SmtpChannel, SmtpTransport

if TYPE_CHECKING:
    from ..config import RelaySettings

log = logging.getLogger("newsletter.deliver")
HORIZON = 1.0  # a relay whose rate budget is further away than this is passed over


@dataclass
class _Relay:
    settings: RelaySettings
    transport: SmtpTransport
    idle: list[SmtpChannel] = field(default_factory=list)
    busy: int = 0
    down_until: float = 0.0
    next_free: float = 0.0  # per-second spacing
    hour: collections.deque[float] = field(default_factory=collections.deque)
    assigned: int = 0
    sent: int = 0
    failures: int = 0

    @property
    def name(self) -> str:
        return self.settings.name

    def budget_at(self, now: float) -> float:
        """When this relay may take the next message (``now`` if it may now)."""
        at = max(now, self.next_free)
        per_hour = self.settings.rate_per_hour
        if per_hour:
            while self.hour and self.hour[0] <= now - 3600:
                self.hour.popleft()
            if len(self.hour) >= per_hour:
                at = max(at, self.hour[0] + 3600)
        return at

    def ready(self, now: float) -> bool:
        """A free connection and rate budget now."""
        return self.busy < self.settings.connections and self.budget_at(now) <= now

    def take(self, now: float) -> None:
        per_second = self.settings.rate_per_second
        if per_second:
            self.next_free = max(now, self.next_free) + 1.0 / per_second
        if self.settings.rate_per_hour:
            self.hour.append(now)


class RelayPool:
    """A :class:`~newsletter.deliver._transports.Transport` over several relays."""

    name = "smtp"

    def __init__(self, relays: list[tuple[RelaySettings, tuple[str, str] | None]]) -> None:
        if not relays:
            raise ValueError("a relay pool needs at least one relay")
        self.relays = [_Relay(s, SmtpTransport(s, creds)) for s, creds in relays]
        self.connections = sum(r.settings.connections for r in self.relays)
        self._cond = threading.Condition()

    def channel(self) -> PoolChannel:
        return PoolChannel(self)

    def close(self) -> None:
        for r in self.relays:
            with self._cond:
                idle, r.idle = r.idle, []
            for ch in idle:
                ch.close()
            r.transport.close()

    def stats(self) -> dict[str, dict[str, float]]:
        now = time.monotonic()
        return {r.name: {"sent": r.sent, "failures": r.failures,
                         "down_for": max(0.0, r.down_until - now)} for r in self.relays}

    # --- routing ---------------------------------------------------------------------------
    def _checkout(self, exclude: set[str]) -> tuple[_Relay, SmtpChannel] | None:
        """The relay whose share is furthest below its weight (smooth weighted round
        robin), among the live ones with budget within ``HORIZON`` seconds; waits for its
        free connection or budget. None when every relay not in ``exclude`` is out."""
        with self._cond:
            while True:
                now = time.monotonic()
                live = [r for r in self.relays
                        if r.name not in exclude and r.down_until <= now]
                if not live:
                    return None
                soon = [r for r in live if r.budget_at(now) - now <= HORIZON]
                if not soon:  # every live relay is over its hourly limit for a while
                    self._cond.wait(timeout=min(1.0, min(r.budget_at(now) - now
                                                         for r in live)))
                    continue
                r = min(soon, key=lambda x: (x.assigned + 1) / x.settings.weight)
                if not r.ready(now):
                    # Its connections are busy: rather than wait, another relay with a
                    # free connection may take the message if that keeps it within its
                    # own connection count of its weighted share.
                    share = (r.assigned + 1) / r.settings.weight
                    alt = [x for x in soon if x is not r and x.ready(now)
                           and (x.assigned + 1 - x.settings.connections) / x.settings.weight
                           <= share]
                    if alt:
                        r = min(alt, key=lambda x: (x.assigned + 1) / x.settings.weight)
                if r.ready(now):
                    r.take(now)
                    r.assigned += 1
                    r.busy += 1
                    ch = r.idle.pop() if r.idle else r.transport.channel()
                    return r, ch
                self._cond.wait(timeout=max(0.001, min(0.05, r.budget_at(now) - now)))

    def _checkin(self, r: _Relay, ch: SmtpChannel, result: SendResult) -> None:
        with self._cond:
            r.busy -= 1
            if result.status == "error":
                r.failures += 1
                r.down_until = time.monotonic() + r.settings.cooldown_seconds
                log.warning("relay %s out for %.0f s: %s", r.name,
                            r.settings.cooldown_seconds, result.detail)
                idle, r.idle = r.idle + [ch], []
            else:
                if result.status == "ok":
                    r.sent += 1
                r.idle.append(ch)
                idle = []
            self._cond.notify_all()
        for dead in idle:  # a failed relay's connections are dropped, not reused
            dead.close()

    def send(self, envelope: Envelope, data: bytes) -> SendResult:
        tried: set[str] = set()
        last: SendResult | None = None
        while True:
            got = self._checkout(tried)
            if got is None:
                return last or SendResult(
                    "error", None, "every SMTP relay is cooling down after a failure",
                    hint="check [[delivery.relays]] host/port and that the servers run")
            relay, ch = got
            try:
                result = ch.send(envelope, data)
            except BaseException:
                self._checkin(relay, ch, SendResult("error", None, "interrupted"))
                raise
            self._checkin(relay, ch, result)
            if result.status != "error":
                return result
            tried.add(relay.name)
            last = SendResult(result.status, result.code,
                              f"relay {relay.name}: {result.detail}", result.bounce,
                              result.fatal, result.hint)


def relay_pool(relays: list[RelaySettings], pinned: list[str] | None = None) -> RelayPool:
    """The pool of ``[[delivery.relays]]``, restricted to ``pinned`` names if given.

    Raises:
        ConfigError: a pinned name is no relay, or a relay's credential variable is unset.
    """
    from ..exceptions import ConfigError

    chosen = relays
    if pinned:
        known = {r.name for r in relays}
        unknown = [n for n in pinned if n not in known]
        if unknown:
            raise ConfigError(f"lists pin relay(s) {', '.join(map(repr, unknown))}, which "
                              "[[delivery.relays]] does not define",
                              hint="use the name = of a [[delivery.relays]] entry: "
                                   + ", ".join(sorted(known)))
        chosen = [r for r in relays if r.name in pinned]
    return RelayPool([(r, r.credentials()) for r in chosen])


class PoolChannel:
    """What a sending thread holds: routing happens per message in the pool."""

    gates = True  # every relay is an SmtpChannel

    def __init__(self, pool: RelayPool) -> None:
        self.pool = pool

    def send(self, envelope: Envelope, data: bytes) -> SendResult:
        return self.pool.send(envelope, data)

    def close(self) -> None:
        """Connections belong to the pool and are closed with it."""
