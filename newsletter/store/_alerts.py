"""Price-move alerts and subscriber preferences: the ``alerts`` and ``subscriber_prefs``
tables (issue 17).

An alert queued for a list is one ``alerts`` row (unique per list, commodity and day: the
dedupe rule "one alert per commodity per day"); its deliveries are an edition-like unit
of the ledger keyed ``(as_of, "LIST+COMMODITY")`` (:func:`alert_unit`), so resuming,
retries and "exactly once per subscriber" are the ledger's as for an edition.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ..types import Alert, AlertRecord, alert_from_json, alert_to_json
from . import _schema as s
from ._util import as_utc as _utc
from ._util import like_escape as _like_escape

if TYPE_CHECKING:
    from sqlalchemy import Connection


def alert_unit(list_name: str, commodity: str) -> str:
    """The ledger's list key of an alert: ``"alerts+dy_oxide"`` (list names hold no '+')."""
    return f"{list_name}+{commodity}"


def unit_list(unit: str) -> str:
    """The list of a ledger unit: ``"alerts"`` for ``"alerts+dy_oxide"``, a list's own
    name for an edition's unit (the inverse of :func:`alert_unit`)."""
    return unit.split("+", 1)[0]


@dataclass(frozen=True)
class QueuedAlert:
    """An ``alerts`` row: the alert, its list, and where its send stands."""

    id: int
    list_name: str
    alert: Alert
    status: str
    sent_on: date
    created: datetime
    sent: datetime | None

    @property
    def unit(self) -> str:
        return alert_unit(self.list_name, self.alert.commodity)


class AlertsMixin:
    """Methods on Store for alerts and subscriber preferences."""

    if TYPE_CHECKING:
        def begin(self) -> AbstractContextManager[Connection]: ...

    # --- alerts ----------------------------------------------------------------------------
    def alert_records(self, list_name: str) -> list[AlertRecord]:
        """What the list has been alerted about (queued or sent), for the dedupe rules."""
        t = s.alerts
        with self.begin() as c:
            rows = c.execute(select(t.c.commodity, t.c.as_of, t.c.direction, t.c.level,
                                    t.c.sent_on, t.c.unit)
                             .where(t.c.list == list_name)).all()
        return [AlertRecord(commodity=r.commodity, as_of=r.as_of, direction=r.direction,
                            level=r.level, sent_on=r.sent_on, unit=r.unit) for r in rows]

    def queue_alerts(self, list_name: str, alerts: Sequence[Alert], *, sent_on: date,
                     now: datetime) -> list[int]:
        """Record alerts to send to a list; one already recorded for that commodity and
        day is not recorded again (two processes deciding at once). Returns the new ids."""
        t = s.alerts
        ids: list[int] = []
        with self.begin() as c:
            for a in alerts:
                try:
                    with c.begin_nested():
                        r = c.execute(insert(t).values(
                            list=list_name, commodity=a.commodity, as_of=a.as_of,
                            direction=a.direction, level=a.level, unit=a.unit,
                            change_pct=a.change_pct,
                            alert_json=json.dumps(alert_to_json(a), ensure_ascii=False),
                            status="queued", sent_on=sent_on, created=now))
                    key = r.inserted_primary_key
                    assert key is not None  # an INSERT of one row
                    ids.append(int(key[0]))
                except IntegrityError:
                    continue
        return ids

    def queued_alerts(self, list_name: str | None = None) -> list[QueuedAlert]:
        """Alerts not yet completely sent (oldest first), of one list or all."""
        return self._alerts(list_name, only_queued=True)

    def alerts_sent(self, list_name: str | None = None,
                    since: date | None = None) -> list[QueuedAlert]:
        """Every recorded alert (queued and sent), oldest first."""
        return self._alerts(list_name, only_queued=False, since=since)

    def _alerts(self, list_name: str | None, *, only_queued: bool,
                since: date | None = None) -> list[QueuedAlert]:
        t = s.alerts
        q = select(t).order_by(t.c.id)
        if list_name is not None:
            q = q.where(t.c.list == list_name)
        if only_queued:
            q = q.where(t.c.status == "queued")
        if since is not None:
            q = q.where(t.c.as_of >= since)
        with self.begin() as c:
            rows = c.execute(q).mappings().all()
        return [QueuedAlert(id=r["id"], list_name=r["list"],
                            alert=alert_from_json(json.loads(r["alert_json"])),
                            status=r["status"], sent_on=r["sent_on"],
                            created=_utc(r["created"]), sent=_utc(r["sent"]))
                for r in rows]

    def mark_alert_sent(self, alert_id: int, now: datetime) -> None:
        t = s.alerts
        with self.begin() as c:
            c.execute(update(t).where(t.c.id == alert_id).values(status="sent", sent=now))

    # --- preferences -----------------------------------------------------------------------
    def subscriber_commodities(self, subscriber_id: int) -> list[str]:
        """The commodities a subscriber chose for an alerts list ([] = all)."""
        t = s.subscriber_prefs
        with self.begin() as c:
            v = c.execute(select(t.c.commodities)
                          .where(t.c.subscriber_id == subscriber_id)).scalar()
        return list(json.loads(v)) if v else []

    def set_subscriber_commodities(self, subscriber_id: int, commodities: Sequence[str],
                                   now: datetime) -> None:
        """Store the subscriber's own choice (sorted, unique); [] = every commodity."""
        t = s.subscriber_prefs
        value = json.dumps(sorted(set(commodities)))
        with self.begin() as c:
            done = c.execute(update(t).where(t.c.subscriber_id == subscriber_id)
                             .values(commodities=value, updated=now)).rowcount
            if not done:
                c.execute(insert(t).values(subscriber_id=subscriber_id, commodities=value,
                                           updated=now))

    def alert_audience(self, list_name: str, commodity: str) -> Any:
        """A SELECT of the ids of the list's active subscribers who want ``commodity``
        (no choice stored, an empty choice, or one naming it)."""
        sub, p = s.subscribers, s.subscriber_prefs
        return (select(sub.c.id).select_from(sub.outerjoin(p, p.c.subscriber_id == sub.c.id))
                .where(sub.c.list == list_name, sub.c.status == "active",
                       p.c.commodities.is_(None) | (p.c.commodities == "[]")
                       | p.c.commodities.like(f'%"{_like_escape(commodity)}"%', escape="\\")))
