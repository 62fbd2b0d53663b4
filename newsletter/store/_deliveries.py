"""Delivery-ledger persistence: the ``deliveries`` and ``sends`` tables.

``deliveries`` has one row per (edition date, list, subscriber). Its life::

    pending ──claim──▶ sending ──▶ sent
       ▲                 │  ├────▶ deferred (4xx; retried when next_attempt is due)
       └──(resume)───────┘  ├────▶ failed   (5xx, or too many attempts)
                            └────▶ pending  (connection error: not handed over)
    pending/deferred ──(subscriber no longer active)──▶ skipped

A row goes to ``sending`` in its own committed transaction *before* the message is handed
to the transport, and to ``sent`` in another one after the transport accepted it. A row
found in ``sending`` when a send starts was interrupted (killed process): it is re-sent,
which is the at-most-one duplicate per connection and kill.

``sends`` has one row per (edition date, list) and decides "exactly one edition per list per
day": ``sending`` / ``paused`` / ``deferred`` (work left) and ``sent`` (done).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from ..exceptions import StoreError
from . import _schema as s
from ._util import as_utc as _utc

if TYPE_CHECKING:
    from sqlalchemy import Connection

DELIVERY_STATUSES = ("pending", "sending", "sent", "deferred", "failed", "skipped")
TERMINAL = frozenset({"sent", "failed", "skipped"})
SEND_DONE = frozenset({"sent"})


# The per-message statements are built once with bind parameters: building SQLAlchemy
# expressions costs more than SQLite's update and commit (bench/send.py).
_d, _sub = s.deliveries, s.subscribers
_ROW = and_(_d.c.edition_date == bindparam("b_date"), _d.c.list == bindparam("b_list"),
            _d.c.subscriber_id == bindparam("b_sid"))
_DUE = or_(_d.c.status == "pending", _d.c.status == "deferred")
_CLAIM = (update(_d).where(_ROW, _DUE, _d.c.subscriber_id.in_(
    select(_sub.c.id).where(_sub.c.id == bindparam("b_sid"), _sub.c.status == "active")))
    .values(status="sending", attempts=_d.c.attempts + 1, updated=bindparam("b_now")))
_SKIP = (update(_d).where(_ROW, _DUE)
         .values(status="skipped", last_error="subscriber no longer active",
                 updated=bindparam("b_now")))
_SET = update(_d).where(_ROW)
_SENT = _SET.values(status="sent", message_id=bindparam("b_mid"), last_error=None,
                   next_attempt=None, updated=bindparam("b_now"))
_DEFERRED = _SET.values(status="deferred", last_error=bindparam("b_error"),
                        next_attempt=bindparam("b_next"), updated=bindparam("b_now"))
_FAILED = _SET.values(status="failed", last_error=bindparam("b_error"), next_attempt=None,
                      updated=bindparam("b_now"))
_RELEASE = _SET.values(status="pending", last_error=bindparam("b_error"),
                       updated=bindparam("b_now"),
                       attempts=case((_d.c.attempts > 0, _d.c.attempts - 1), else_=0))
_BOUNCE = (update(_sub).where(_sub.c.id == bindparam("b_sid"),
                              _sub.c.status.not_in(("unsubscribed", "complained")))
           .values(status="bounced", status_reason=bindparam("b_error"),
                   updated=bindparam("b_now")))


# Batch claiming (the sender): the next due rows after a subscriber id, in id order along
# the primary key, with what the message needs; on PostgreSQL the rows are locked with
# FOR UPDATE SKIP LOCKED so concurrent claimers never wait on, or collide over, a row.
_DUE_NOW = or_(_d.c.status == "pending",
               and_(_d.c.status == "deferred",
                    or_(_d.c.next_attempt.is_(None), _d.c.next_attempt <= bindparam("b_now"))))
_PICK = (select(_d.c.subscriber_id, _d.c.status, _d.c.attempts, _sub.c.email, _sub.c.name,
                _sub.c.status.label("sub_status"))
         .join(_sub, _sub.c.id == _d.c.subscriber_id)
         .where(_d.c.edition_date == bindparam("b_date"), _d.c.list == bindparam("b_list"),
                _d.c.subscriber_id > bindparam("b_after"), _DUE_NOW,
                # the same bound on the join's other side: else PostgreSQL may merge-join
                # against the subscribers' primary key from its start, a scan that grows
                # with every batch (bench/million.py)
                _sub.c.id > bindparam("b_after"))
         .order_by(_d.c.edition_date, _d.c.list, _d.c.subscriber_id)
         .limit(bindparam("b_limit")))
_PICK_PG = _PICK.with_for_update(of=_d, skip_locked=True)
_IDS = and_(_d.c.edition_date == bindparam("b_date"), _d.c.list == bindparam("b_list"),
            _d.c.subscriber_id.in_(bindparam("b_ids", expanding=True)))
_CLAIM_IDS = (update(_d).where(_IDS)
              .values(status="sending", attempts=_d.c.attempts + 1,
                      updated=bindparam("b_now")))
_SKIP_IDS = (update(_d).where(_IDS)
             .values(status="skipped", last_error="subscriber no longer active",
                     updated=bindparam("b_now")))
_RELEASE_CLAIMED = (update(_d).where(_ROW, _d.c.status == "sending")
                    .values(status="pending", updated=bindparam("b_now"),
                            attempts=case((_d.c.attempts > 0, _d.c.attempts - 1), else_=0)))

_PG_SENT = (
    "UPDATE deliveries AS d SET status = 'sent', message_id = v.mid, last_error = NULL, "
    "next_attempt = NULL, updated = %(now)s "
    "FROM unnest(%(sids)s::integer[], %(mids)s::text[]) AS v(sid, mid) "
    "WHERE d.edition_date = %(d)s AND d.list = %(l)s AND d.subscriber_id = v.sid")
_SQLITE_SENT = (
    "UPDATE deliveries SET status = 'sent', message_id = ?, last_error = NULL, "
    "next_attempt = NULL, updated = ? "
    "WHERE edition_date = ? AND list = ? AND subscriber_id = ?")


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed row, for :meth:`DeliveriesMixin.record_outcomes`.

    ``kind``: ``sent`` (``message_id``), ``deferred`` (``error``, ``next_attempt``),
    ``failed`` (``error``; ``bounce`` also marks the subscriber bounced) or ``released``
    (``error``: a connection-level problem, the message never left; back to pending).
    """

    kind: str
    subscriber_id: int
    now: datetime
    message_id: str | None = None
    error: str | None = None
    next_attempt: datetime | None = None
    bounce: bool = False


def _key(edition_date: date, list_name: str, subscriber_id: int,
         now: datetime) -> dict[str, Any]:
    return {"b_date": edition_date, "b_list": list_name, "b_sid": subscriber_id, "b_now": now}



@dataclass(frozen=True)
class DueDelivery:
    """A ledger row that can be sent now, with what the message needs."""

    subscriber_id: int
    email: str
    name: str
    status: str
    attempts: int


_tls = threading.local()


class DeliveriesMixin:
    """Methods on Store for the deliveries and sends tables."""

    # On SQLite the per-message ledger writes of the sending threads go through this lock:
    # SQLite allows one writer, and a thread that finds the database locked sleeps in SQLite's
    # busy handler (milliseconds), where a Python lock hands over in microseconds.
    # PostgreSQL takes concurrent writers; its row locks are enough.
    _ledger_lock = threading.Lock()
    engine: Engine  # Store's

    @contextmanager
    def ledger_connection(self) -> Iterator[None]:
        """Keep one pooled connection for this thread's ledger writes inside the block.

        The sender's threads use it so that each message costs one short transaction on
        a connection they already hold, not a pool checkout and return as well.
        """
        conns: dict[int, Connection] = getattr(_tls, "conns", None) or {}
        _tls.conns = conns
        if id(self) in conns:
            yield
            return
        try:
            conn = self.engine.connect()
        except OperationalError as exc:
            raise StoreError(f"database error: {exc.orig}",
                             hint="check [store] url and that the disk is writable") from exc
        conns[id(self)] = conn
        try:
            yield
        finally:
            del conns[id(self)]
            conn.close()

    @contextmanager
    def _ledger_tx(self) -> Iterator[Connection]:
        conn = (getattr(_tls, "conns", None) or {}).get(id(self))
        serial = self._ledger_lock if self.engine.dialect.name == "sqlite" else nullcontext()
        with serial:
            if conn is None:
                with self.begin() as c:
                    yield c
                return
            try:
                with conn.begin():
                    yield conn
            except OperationalError as exc:
                raise StoreError(f"database error: {exc.orig}",
                                 hint="check [store] url and that the disk is "
                                      "writable") from exc

    if TYPE_CHECKING:
        def begin(self) -> AbstractContextManager[Connection]: ...

    # --- sends (one edition per list per day) ----------------------------------------------
    def send_state(self, edition_date: date, list_name: str) -> dict[str, Any] | None:
        """The ``sends`` row of an edition and list (``status``, ``started``, ...), or None."""
        t = s.sends
        with self.begin() as c:
            r = c.execute(select(t).where(t.c.edition_date == edition_date,
                                          t.c.list == list_name)).mappings().first()
        if r is None:
            return None
        d = dict(r)
        d["started"], d["finished"] = _utc(d["started"]), _utc(d["finished"])
        return d

    def begin_send(self, edition_date: date, list_name: str, now: datetime) -> bool:
        """Start (or resume) the send of an edition to a list.

        Returns:
            False if this edition was already sent to this list (nothing to do), else True
            and the state is ``sending``.
        """
        t = s.sends
        with self.begin() as c:
            r = c.execute(select(t.c.status).where(t.c.edition_date == edition_date,
                                                   t.c.list == list_name)).first()
            if r is None:
                c.execute(insert(t).values(edition_date=edition_date, list=list_name,
                                           status="sending", started=now))
                return True
            if r.status in SEND_DONE:
                return False
            c.execute(update(t).where(t.c.edition_date == edition_date, t.c.list == list_name)
                      .values(status="sending", finished=None))
        return True

    def finish_send(self, edition_date: date, list_name: str, status: str,
                    detail: str | None, now: datetime) -> None:
        """Record the outcome of a send run: ``sent``, ``deferred``, ``paused`` or ``failed``."""
        t = s.sends
        with self.begin() as c:
            c.execute(update(t).where(t.c.edition_date == edition_date, t.c.list == list_name)
                      .values(status=status, detail=detail,
                              finished=now if status in SEND_DONE else None))

    def last_sent_edition(self, list_name: str) -> date | None:
        """The latest edition date fully sent to a list."""
        t = s.sends
        with self.begin() as c:
            return c.execute(select(func.max(t.c.edition_date))
                             .where(t.c.list == list_name, t.c.status == "sent")).scalar()

    # --- the ledger ------------------------------------------------------------------------
    def plan_deliveries(self, edition_date: date, list_name: str, now: datetime, *,
                        audience: Any = None) -> int:
        """Add a ``pending`` row for each active subscriber not yet in the ledger.

        Idempotent: running it again only adds subscribers who became active since.
        Returns the number of rows added. One ``INSERT ... SELECT`` in the database (rows
        already planned are left alone by the primary key: ``ON CONFLICT DO NOTHING``), so
        a million-subscriber list never passes through Python.

        Args:
            audience: a SELECT of subscriber ids to plan instead of the list's active
                subscribers (an alert: ``Store.alert_audience``).
        """
        d, sub = s.deliveries, s.subscribers
        who = (sub.c.id.in_(audience) if audience is not None
               else (sub.c.list == list_name) & (sub.c.status == "active"))
        src = select(literal(edition_date, d.c.edition_date.type),
                     literal(list_name, d.c.list.type), sub.c.id, literal("pending"),
                     literal(0), literal(now, d.c.updated.type)).where(who)
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert
            stmt: Any = pg_insert(d)
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert
            stmt = sqlite_insert(d)
        else:  # pragma: no cover - the supported stores are SQLite and PostgreSQL
            raise StoreError(f"unsupported database {dialect!r}")
        stmt = stmt.from_select(
            ["edition_date", "list", "subscriber_id", "status", "attempts", "updated"],
            src).on_conflict_do_nothing()
        with self.begin() as c:
            res = c.execute(stmt.execution_options(preserve_rowcount=True))
            added = max(0, int(res.rowcount or 0))
            if added and dialect == "postgresql":
                # Fresh statistics, or the planner, seeing a table it believes tiny, may
                # look rows up through ix_deliveries_status instead of the primary key:
                # a scan of the whole edition for every message (bench/million.py).
                c.execute(text("ANALYZE deliveries"))
        return added

    def reset_sending(self, edition_date: date, list_name: str, now: datetime) -> int:
        """Put rows left in ``sending`` by an interrupted run back to ``pending``."""
        d = s.deliveries
        with self.begin() as c:
            return int(c.execute(update(d).where(d.c.edition_date == edition_date,
                                                 d.c.list == list_name,
                                                 d.c.status == "sending")
                                 .values(status="pending", updated=now)).rowcount)

    def due_deliveries(self, edition_date: date, list_name: str, now: datetime,
                       limit: int | None = None) -> list[DueDelivery]:
        """Rows to send now: ``pending``, and ``deferred`` whose next attempt is due."""
        d, sub = s.deliveries, s.subscribers
        q = (select(d.c.subscriber_id, sub.c.email, sub.c.name, d.c.status, d.c.attempts)
             .join(sub, sub.c.id == d.c.subscriber_id)
             .where(d.c.edition_date == edition_date, d.c.list == list_name,
                    or_(d.c.status == "pending",
                        and_(d.c.status == "deferred",
                             or_(d.c.next_attempt.is_(None), d.c.next_attempt <= now))))
             .order_by(d.c.subscriber_id))
        if limit:
            q = q.limit(limit)
        with self.begin() as c:
            rows = c.execute(q).all()
        return [DueDelivery(r.subscriber_id, r.email, r.name or "", r.status, r.attempts)
                for r in rows]

    def next_deferred_at(self, edition_date: date, list_name: str) -> datetime | None:
        """When the earliest deferred row becomes due (None if there is none)."""
        d = s.deliveries
        with self.begin() as c:
            return _utc(c.execute(select(func.min(d.c.next_attempt)).where(
                d.c.edition_date == edition_date, d.c.list == list_name,
                d.c.status == "deferred")).scalar())

    def claim_delivery(self, edition_date: date, list_name: str, subscriber_id: int,
                       now: datetime, *, sent: tuple[int, str | None] | None = None) -> str:
        """Move one due row to ``sending`` (committed) before its message is handed over.

        Args:
            sent: ``(subscriber_id, message_id)`` of the previous message of this worker
                to mark ``sent`` in the same transaction (one commit per message instead
                of two; the previous row is still committed as sent before the next
                message is handed over).

        Returns:
            ``"claimed"``; ``"skipped"`` if the subscriber is no longer active (the row is
            marked skipped); ``"gone"`` if another worker took it or it is not due.
        """
        key = _key(edition_date, list_name, subscriber_id, now)
        with self._ledger_tx() as c:
            if sent is not None:
                c.execute(_SENT, {**key, "b_sid": sent[0], "b_mid": sent[1]})
            if c.execute(_CLAIM, key).rowcount:
                return "claimed"
            n = c.execute(_SKIP, key).rowcount
        return "skipped" if n else "gone"

    def claim_next(self, edition_date: date, list_name: str,
                   now: datetime) -> DueDelivery | None:
        """Claim the next due row (convenience for one-at-a-time senders).

        On PostgreSQL the row is picked with ``FOR UPDATE SKIP LOCKED``, so concurrent
        claimers never wait on, or collide over, the same row.
        """
        if self.engine.dialect.name == "postgresql":
            return self._claim_next_skip_locked(edition_date, list_name, now)
        while True:
            due = self.due_deliveries(edition_date, list_name, now, limit=1)
            if not due:
                return None
            if self.claim_delivery(edition_date, list_name, due[0].subscriber_id,
                                   now) == "claimed":
                return due[0]

    def _claim_next_skip_locked(self, edition_date: date, list_name: str,
                                now: datetime) -> DueDelivery | None:
        d, sub = s.deliveries, s.subscribers
        while True:
            pick = (select(d.c.subscriber_id, d.c.status, d.c.attempts)
                    .where(d.c.edition_date == edition_date, d.c.list == list_name,
                           or_(d.c.status == "pending",
                               and_(d.c.status == "deferred",
                                    or_(d.c.next_attempt.is_(None), d.c.next_attempt <= now))))
                    .order_by(d.c.subscriber_id).limit(1)
                    .with_for_update(skip_locked=True))
            with self.begin() as c:
                r = c.execute(pick).first()
                if r is None:
                    return None
                key = _key(edition_date, list_name, r.subscriber_id, now)
                if c.execute(_CLAIM, key).rowcount:
                    who = c.execute(select(sub.c.email, sub.c.name)
                                    .where(sub.c.id == r.subscriber_id)).one()
                    return DueDelivery(r.subscriber_id, who.email, who.name or "", r.status,
                                       r.attempts)
                c.execute(_SKIP, key)  # no longer active: skipped, try the next one

    def claim_batch(self, edition_date: date, list_name: str, now: datetime, *,
                    after: int = 0, limit: int = 200
                    ) -> tuple[list[DueDelivery], int, int | None]:
        """Claim the next due rows (subscriber id above ``after``, in id order) at once.

        In one committed transaction the rows of active subscribers go to ``sending``
        (``attempts`` + 1) and the others to ``skipped``. The sender streams a list through
        this in batches instead of loading it, and pays one commit per batch.

        Returns:
            ``(claimed, skipped, last)``: the claimed rows (``attempts`` as before the
            claim), how many were skipped, and the highest subscriber id seen (the
            ``after`` of the next call; None when no due row is left above ``after``).
        """
        pick = _PICK_PG if self.engine.dialect.name == "postgresql" else _PICK
        params = {"b_date": edition_date, "b_list": list_name, "b_now": now,
                  "b_after": after, "b_limit": limit}
        with self._ledger_tx() as c:
            rows = c.execute(pick, params).all()
            if not rows:
                return [], 0, None
            active = [r for r in rows if r.sub_status == "active"]
            gone = [r.subscriber_id for r in rows if r.sub_status != "active"]
            if active:
                c.execute(_CLAIM_IDS, {**params, "b_ids": [r.subscriber_id for r in active]})
            if gone:
                c.execute(_SKIP_IDS, {**params, "b_ids": gone})
        claimed = [DueDelivery(r.subscriber_id, r.email, r.name or "", r.status, r.attempts)
                   for r in active]
        return claimed, len(gone), rows[-1].subscriber_id

    def release_claimed(self, edition_date: date, list_name: str,
                        subscriber_ids: Iterable[int], now: datetime) -> None:
        """Rows claimed by :meth:`claim_batch` whose message was never handed over (the
        send stopped first): back to ``pending``, the claim's attempt not counted."""
        params = [_key(edition_date, list_name, sid, now) for sid in subscriber_ids]
        if params:
            with self._ledger_tx() as c:
                c.execute(_RELEASE_CLAIMED, params)

    def record_outcomes(self, edition_date: date, list_name: str,
                        outcomes: Iterable[Outcome]) -> None:
        """Write the outcomes of several claimed rows in one transaction (group commit).

        The sender's ledger writer commits what its threads handed over since the last
        commit at once; each thread waits for that commit before handing over its next
        message, so at most one accepted message per connection is unrecorded at any time.
        """
        by: dict[str, list[dict[str, Any]]] = {}
        bounces: list[dict[str, Any]] = []
        sent: list[Outcome] = []
        for o in outcomes:
            if o.kind == "sent":
                sent.append(o)
                continue
            p = _key(edition_date, list_name, o.subscriber_id, o.now)
            p["b_error"] = o.error
            if o.kind == "deferred":
                p["b_next"] = o.next_attempt
            elif o.bounce:
                bounces.append(p)
            by.setdefault(o.kind, []).append(p)
        if not by and not sent:
            return
        stmts = {"deferred": _DEFERRED, "failed": _FAILED, "released": _RELEASE}
        with self._ledger_tx() as c:
            if sent:
                self._record_sent(c, edition_date, list_name, sent)
            for kind, params in by.items():
                c.execute(stmts[kind], params)
            if bounces:
                c.execute(_BOUNCE, bounces)

    def _record_sent(self, c: Connection, edition_date: date, list_name: str,
                     sent: list[Outcome]) -> None:
        """The hot path of a send: ``sent`` for a group of rows, in driver SQL (building
        SQLAlchemy parameters per row cost more than the update itself). PostgreSQL gets
        one statement over ``unnest`` arrays; SQLite one ``executemany``. The group shares
        one ``updated`` time, the latest of its outcomes."""
        now = max(o.now for o in sent)
        dialect = self.engine.dialect
        if dialect.name == "postgresql":
            c.exec_driver_sql(_PG_SENT, {
                "d": edition_date, "l": list_name, "now": now,
                "sids": [o.subscriber_id for o in sent],
                "mids": [o.message_id for o in sent]})
            return
        to_dt = s.deliveries.c.updated.type.bind_processor(dialect)
        to_date = s.deliveries.c.edition_date.type.bind_processor(dialect)
        nowv = to_dt(now) if to_dt else now
        day = to_date(edition_date) if to_date else edition_date
        c.exec_driver_sql(_SQLITE_SENT, [(o.message_id, nowv, day, list_name, o.subscriber_id)
                                         for o in sent])

    def mark_sent(self, edition_date: date, list_name: str, subscriber_id: int,
                  message_id: str | None, now: datetime) -> None:
        """The transport accepted the message."""
        with self._ledger_tx() as c:
            c.execute(_SENT, {**_key(edition_date, list_name, subscriber_id, now),
                              "b_mid": message_id})

    def mark_deferred(self, edition_date: date, list_name: str, subscriber_id: int,
                      error: str, next_attempt: datetime, now: datetime) -> None:
        """A temporary failure: retry at ``next_attempt``."""
        with self._ledger_tx() as c:
            c.execute(_DEFERRED, {**_key(edition_date, list_name, subscriber_id, now),
                                  "b_error": error, "b_next": next_attempt})

    def mark_failed(self, edition_date: date, list_name: str, subscriber_id: int,
                    error: str, now: datetime, *, bounce: bool = False) -> None:
        """A permanent failure. With ``bounce`` the subscriber is marked ``bounced`` in the
        same transaction, so the next edition skips the address."""
        params = {**_key(edition_date, list_name, subscriber_id, now), "b_error": error}
        with self._ledger_tx() as c:
            c.execute(_FAILED, params)
            if bounce:
                c.execute(_BOUNCE, params)

    def release_delivery(self, edition_date: date, list_name: str, subscriber_id: int,
                         error: str, now: datetime) -> None:
        """A connection-level error: the message was not handed over; back to pending."""
        params = {**_key(edition_date, list_name, subscriber_id, now), "b_error": error}
        with self._ledger_tx() as c:  # not an attempt: the message never left
            c.execute(_RELEASE, params)

    def delivery_counts(self, edition_date: date, list_name: str) -> dict[str, int]:
        """``{status: count}`` of the ledger of one edition and list (zeros included)."""
        d = s.deliveries
        with self.begin() as c:
            rows = c.execute(select(d.c.status, func.count())
                             .where(d.c.edition_date == edition_date, d.c.list == list_name)
                             .group_by(d.c.status)).all()
        out = dict.fromkeys(DELIVERY_STATUSES, 0)
        out.update({r[0]: int(r[1]) for r in rows})
        return out

    def deliveries(self, edition_date: date, list_name: str,
                   statuses: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Ledger rows (with the address) of one edition and list, for reports and tests."""
        d, sub = s.deliveries, s.subscribers
        q = (select(d, sub.c.email).join(sub, sub.c.id == d.c.subscriber_id)
             .where(d.c.edition_date == edition_date, d.c.list == list_name))
        if statuses is not None:
            q = q.where(d.c.status.in_(list(statuses)))
        with self.begin() as c:
            rows = c.execute(q.order_by(d.c.subscriber_id)).mappings().all()
        return [dict(r) for r in rows]

    def pending_deliveries_summary(self) -> list[dict[str, Any]]:
        """Unfinished sends for ``newsletter status``: one dict per (edition, list) with the
        send ``state``, ``detail`` and ``pending``/``sending``/``deferred`` counts and the
        ``next_attempt`` of the earliest deferred row."""
        t, d = s.sends, s.deliveries
        with self.begin() as c:
            sends = c.execute(select(t).where(t.c.status.not_in(tuple(SEND_DONE)))
                              .order_by(t.c.edition_date, t.c.list)).mappings().all()
            out = []
            for r in sends:
                counts = dict.fromkeys(("pending", "sending", "deferred"), 0)
                for st, n in c.execute(select(d.c.status, func.count()).where(
                        d.c.edition_date == r["edition_date"], d.c.list == r["list"],
                        d.c.status.in_(tuple(counts))).group_by(d.c.status)):
                    counts[st] = int(n)
                nxt = c.execute(select(func.min(d.c.next_attempt)).where(
                    d.c.edition_date == r["edition_date"], d.c.list == r["list"],
                    d.c.status == "deferred")).scalar()
                out.append({"edition_date": r["edition_date"].isoformat(), "list": r["list"],
                            "state": r["status"], "detail": r["detail"], **counts,
                            "next_attempt": _utc(nxt).isoformat() if nxt else None})
        return out
