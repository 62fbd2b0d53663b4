"""Bounce events and soft-bounce scores (issue 14): methods on Store.

An event is inserted first, with its raw evidence and no decision (``record_bounce_event``,
idempotent on ``dedupe_key``); the policy (``newsletter.bounces._policy``) then decides and
writes the decision and the subscriber changes in one transaction (``decide_bounce_event``).
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from . import _schema as s
from ._alerts import unit_list
from ._util import as_utc as _utc
from ._util import inserted_id

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass(frozen=True)
class BounceEvent:
    """One stored bounce, complaint, auto-reply or provider event."""

    id: int
    dedupe_key: str
    source: str
    received: datetime
    kind: str
    recipient: str | None
    subscriber_id: int | None
    list: str | None
    edition_date: date | None
    status: str | None
    diagnostic: str | None
    evidence: dict[str, Any]
    decision: str | None
    decided: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "received": self.received.isoformat(),
                "kind": self.kind, "recipient": self.recipient,
                "subscriber_id": self.subscriber_id, "list": self.list,
                "edition_date": self.edition_date.isoformat() if self.edition_date else None,
                "status": self.status, "diagnostic": self.diagnostic,
                "evidence": self.evidence, "decision": self.decision,
                "decided": self.decided.isoformat() if self.decided else None}

    @classmethod
    def _from_row(cls, r: Any) -> BounceEvent:
        return cls(id=r["id"], dedupe_key=r["dedupe_key"], source=r["source"],
                   received=_utc(r["received"]), kind=r["kind"], recipient=r["recipient"],
                   subscriber_id=r["subscriber_id"], list=r["list"],
                   edition_date=r["edition_date"], status=r["status"],
                   diagnostic=r["diagnostic"], evidence=json.loads(r["evidence"] or "{}"),
                   decision=r["decision"], decided=_utc(r["decided"]))


_COLS = [c for c in s.bounce_events.c if c.name != "raw"]


class BouncesMixin:
    """Methods on Store for bounce_events and bounce_scores."""

    if TYPE_CHECKING:
        def begin(self) -> AbstractContextManager[Connection]: ...

    def record_bounce_event(self, *, dedupe_key: str, source: str, received: datetime,
                            kind: str, raw: bytes, recipient: str | None = None,
                            subscriber_id: int | None = None, list_name: str | None = None,
                            edition_date: date | None = None, status: str | None = None,
                            diagnostic: str | None = None,
                            evidence: dict[str, Any] | None = None) -> tuple[int, bool]:
        """Store one event (committed on return). Returns ``(id, created)``; an event whose
        ``dedupe_key`` is already stored is not stored again (``created`` False)."""
        t = s.bounce_events
        values = dict(dedupe_key=dedupe_key[:300], source=source, received=received,
                      kind=kind, raw=raw, recipient=(recipient or None) and recipient[:320],
                      subscriber_id=subscriber_id, list=list_name, edition_date=edition_date,
                      status=status, diagnostic=diagnostic and diagnostic[:2000],
                      evidence=json.dumps(evidence or {}, ensure_ascii=False, default=str))
        try:
            with self.begin() as c:
                res = c.execute(insert(t).values(**values))
                return inserted_id(res), True
        except IntegrityError:
            with self.begin() as c:
                found = c.execute(select(t.c.id).where(t.c.dedupe_key == values["dedupe_key"])
                                  ).scalar_one()
            return int(found), False

    def bounce_event(self, event_id: int) -> BounceEvent | None:
        with self.begin() as c:
            r = c.execute(select(*_COLS).where(s.bounce_events.c.id == event_id)
                          ).mappings().first()
        return BounceEvent._from_row(r) if r else None

    def bounce_event_raw(self, event_id: int) -> bytes | None:
        with self.begin() as c:
            return c.execute(select(s.bounce_events.c.raw)
                             .where(s.bounce_events.c.id == event_id)).scalar()

    def undecided_bounce_events(self, limit: int = 1000) -> list[BounceEvent]:
        t = s.bounce_events
        with self.begin() as c:
            rows = c.execute(select(*_COLS).where(t.c.decision.is_(None))
                             .order_by(t.c.id).limit(limit)).mappings().all()
        return [BounceEvent._from_row(r) for r in rows]

    def bounce_events(self, *, subscriber_ids: list[int] | None = None,
                      recipient_key: str | None = None, limit: int = 200) -> list[BounceEvent]:
        """Events, newest first; optionally of some subscribers or one address."""
        t = s.bounce_events
        q = select(*_COLS)
        conds: list[ColumnElement[bool]] = []
        if subscriber_ids:
            conds.append(t.c.subscriber_id.in_(subscriber_ids))
        if recipient_key:
            conds.append(func.lower(t.c.recipient) == recipient_key.lower())
        if conds:
            q = q.where(or_(*conds))
        with self.begin() as c:
            rows = c.execute(q.order_by(t.c.id.desc()).limit(limit)).mappings().all()
        return [BounceEvent._from_row(r) for r in rows]

    def subscribers_by_key(self, key: str) -> list[Any]:
        """Every list's row for one address (by ``email_key``)."""
        t = s.subscribers
        with self.begin() as c:
            return list(c.execute(select(t.c.id, t.c.list, t.c.email, t.c.status)
                                  .where(t.c.email_key == key).order_by(t.c.id)).all())

    def subscriber_row(self, subscriber_id: int) -> Any:
        t = s.subscribers
        with self.begin() as c:
            return c.execute(select(t.c.id, t.c.list, t.c.email, t.c.email_key, t.c.status)
                             .where(t.c.id == subscriber_id)).first()

    def last_delivery(self, subscriber_id: int, before: datetime) -> Any:
        """The newest sent ledger row of a subscriber up to ``before`` (edition, list)."""
        d = s.deliveries
        with self.begin() as c:
            return c.execute(select(d.c.edition_date, d.c.list)
                             .where(d.c.subscriber_id == subscriber_id, d.c.status == "sent",
                                    d.c.updated <= before)
                             .order_by(d.c.edition_date.desc()).limit(1)).first()

    def decide_bounce_event(self, event_id: int, decision: str, now: datetime, *,
                            statuses: dict[int, tuple[str, str]] | None = None,
                            scores: list[tuple[int, float, date | None, datetime | None,
                                               datetime | None]] | None = None,
                            attribution: dict[str, Any] | None = None) -> bool:
        """Write a decision, the subscriber status changes ``{id: (status, reason)}`` and
        score rows ``(subscriber_id, score, last_day, suspended_at, reenable_at)`` in one
        transaction. Returns False when the event was already decided (a concurrent run)."""
        t = s.bounce_events
        with self.begin() as c:
            n = c.execute(update(t).where(t.c.id == event_id, t.c.decision.is_(None))
                          .values(decision=decision, decided=now, **(attribution or {}))
                          ).rowcount
            if not n:
                return False
            for sid, (status, reason) in (statuses or {}).items():
                c.execute(update(s.subscribers).where(s.subscribers.c.id == sid)
                          .values(status=status, status_reason=reason, updated=now))
            for sid, value, last_day, suspended_at, reenable_at in scores or []:
                sc = s.bounce_scores
                vals = dict(score=value, last_day=last_day, suspended_at=suspended_at,
                            reenable_at=reenable_at)
                if c.execute(update(sc).where(sc.c.subscriber_id == sid).values(**vals)
                             ).rowcount == 0:
                    c.execute(insert(sc).values(subscriber_id=sid, **vals))
        return True

    def bounce_score(self, subscriber_id: int) -> Any:
        sc = s.bounce_scores
        with self.begin() as c:
            return c.execute(select(sc).where(sc.c.subscriber_id == subscriber_id)).first()

    def reenable_suspended(self, now: datetime) -> list[Any]:
        """Suspended subscribers whose ``reenable_at`` has come: active again, score reset.
        Returns their (id, list, email) rows."""
        sc, t = s.bounce_scores, s.subscribers
        with self.begin() as c:
            rows = c.execute(select(t.c.id, t.c.list, t.c.email).join(
                sc, sc.c.subscriber_id == t.c.id).where(
                t.c.status == "suspended", sc.c.reenable_at <= now)).all()
            for r in rows:
                c.execute(update(t).where(t.c.id == r.id, t.c.status == "suspended").values(
                    status="active", updated=now,
                    status_reason="re-enabled after the soft-bounce suspension"))
                c.execute(update(sc).where(sc.c.subscriber_id == r.id).values(
                    score=0.0, suspended_at=None, reenable_at=None))
        return list(rows)

    def bounce_rates(self, limit: int = 10) -> list[dict[str, Any]]:
        """Per edition and list: messages sent, hard/soft bounces, complaints and rates
        (distinct subscribers over messages sent), newest first.

        The ledger units of an alerts list (``LIST+COMMODITY``, one per alert) count as
        the list's own on their day: ``sent`` adds up every alert of the list that day
        and ``units`` says how many there were (1 for an edition). A bounce or complaint
        is recorded on the subscriber's list (``LIST``), so only the sum over every
        unit gives an alerts list its rate.
        """
        d, e = s.deliveries, s.bounce_events
        done = d.c.status.in_(("sent", "failed"))
        with self.begin() as c:
            # the newest `limit` days with sent messages: at least `limit` rows (index
            # ix_deliveries_status, so this does not read the whole ledger)
            days = c.execute(select(d.c.edition_date).where(done).distinct()
                             .order_by(d.c.edition_date.desc()).limit(limit)).scalars().all()
            if not days:
                return []
            sent = c.execute(select(d.c.edition_date, d.c.list, func.count())
                             .where(done, d.c.edition_date >= min(days))
                             .group_by(d.c.edition_date, d.c.list)).all()
            per: dict[tuple[date, str], list[int]] = {}
            for day, unit, n in sent:
                got = per.setdefault((day, unit_list(str(unit))), [0, 0])
                got[0] += int(n)
                got[1] += 1
            out = []
            for (day, lst), (n, units) in sorted(per.items(),
                                                 key=lambda kv: (-kv[0][0].toordinal(),
                                                                 kv[0][1]))[:limit]:
                counts: dict[str, int] = dict(c.execute(
                    select(e.c.kind, func.count(func.distinct(e.c.subscriber_id)))
                    .where(and_(e.c.edition_date == day, e.c.list == lst,
                                e.c.subscriber_id.is_not(None)))
                    .group_by(e.c.kind)).all())
                hard, soft = int(counts.get("hard", 0)), int(counts.get("soft", 0))
                complaints = int(counts.get("complaint", 0))
                out.append({"edition": day.isoformat(), "list": lst, "sent": n,
                            "units": units, "hard_bounces": hard, "soft_bounces": soft,
                            "complaints": complaints,
                            "bounce_rate": round((hard + soft) / n, 5) if n else 0.0,
                            "complaint_rate": round(complaints / n, 5) if n else 0.0})
        return out

    # --- small key/value notes in the meta table (acknowledged complaint pauses) ---------
    def meta_value(self, key: str) -> str | None:
        with self.begin() as c:
            return c.execute(select(s.meta.c.value).where(s.meta.c.key == key)).scalar()

    def set_meta_value(self, key: str, value: str) -> None:
        with self.begin() as c:
            c.execute(s.meta.delete().where(s.meta.c.key == key))
            c.execute(insert(s.meta).values(key=key, value=value))

    def use_nonce(self, nonce: str, now: datetime, keep_seconds: float) -> bool:
        """Record a webhook signature/token; False when it was already used (a replay).
        Nonces older than ``keep_seconds`` are forgotten (their signatures have expired)."""
        from datetime import timedelta

        t = s.webhook_nonces
        try:
            with self.begin() as c:
                c.execute(t.delete().where(t.c.seen < now - timedelta(seconds=keep_seconds)))
                c.execute(insert(t).values(nonce=nonce[:200], seen=now))
        except IntegrityError:
            return False
        return True
