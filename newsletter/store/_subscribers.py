"""Subscriber persistence: one row per (list, address), never deleted.

Statuses: ``active`` (receives the list), ``unconfirmed`` (signed up, not yet confirmed),
``unsubscribed``, ``bounced`` (hard bounce) and ``complained``. The last three are
*suppressions*: a re-import of the list file never undoes them, only a new confirmed opt-in
(:meth:`SubscribersMixin.confirm_subscriber`) does: an unsubscribe or hard bounce is never
undone by a re-import.

Addresses are identified by ``email_key``: the local part exactly as given, ``@``, and the
domain lower-cased (IDNA A-label for internationalised domains), see :func:`email_key`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import idna
from sqlalchemy import (
    BigInteger,
    any_,
    bindparam,
    column,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from ..exceptions import StoreError, SubscriberError
from . import _schema as s
from ._util import as_utc as _utc

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

SubscriberStatus = Literal["active", "unconfirmed", "unsubscribed", "bounced", "complained",
                           "suspended"]
# ``suspended``: soft bounces passed [bounces] soft_threshold; not sent to, re-enabled
# after [bounces] reenable_days (issue 14). Not a suppression: it ends by itself.
STATUSES: tuple[str, ...] = ("active", "unconfirmed", "unsubscribed", "bounced", "complained",
                             "suspended")
SUPPRESSED: frozenset[str] = frozenset({"unsubscribed", "bounced", "complained"})
# the one-click unsubscribe, built once (statement construction costs more than SQLite's
# update)
_UNSUBSCRIBE = (update(s.subscribers)
                .where(s.subscribers.c.list == bindparam("b_list"),
                       s.subscribers.c.id == bindparam("b_id"),
                       s.subscribers.c.status.not_in(tuple(SUPPRESSED)))
                .values(status="unsubscribed", status_reason=bindparam("b_reason"),
                        updated=bindparam("b_now")))

def _unsubscribe_many(of_ids: Any) -> tuple[Any, Any]:
    """The one-click UPDATE of a batch and the read of the ids that exist; ``of_ids`` the
    dialect's test of ``subscribers.id`` against an id list bound as ONE parameter, so the
    SQL is the same for every batch size (an expanding IN, or NOT IN, is rendered again
    for each call)."""
    t = s.subscribers
    of_list = (t.c.list == bindparam("b_list"), of_ids)
    return (update(t)
            .where(*of_list, *(t.c.status != v for v in sorted(SUPPRESSED)))
            .values(status="unsubscribed", status_reason=bindparam("b_reason"),
                    updated=bindparam("b_now"))
            .returning(t.c.id),
            select(t.c.id).where(*of_list))


# PostgreSQL: id = ANY(bigint[]) (an index scan; an IN (SELECT unnest(...)) took twice as
# long); SQLite: id IN (SELECT value FROM json_each('[1,2]'))
UNSUBSCRIBE_MANY = {
    "postgresql": _unsubscribe_many(
        s.subscribers.c.id == any_(bindparam("b_ids", type_=ARRAY(BigInteger)))),
    "sqlite": _unsubscribe_many(s.subscribers.c.id.in_(
        select(column("value")).select_from(func.json_each(bindparam("b_ids"))))),
}


def email_key(email: str) -> str:
    """The identity of an address: local part as given, domain lower-cased (A-label).

    >>> email_key("Jane.Doe@Example.COM")
    'Jane.Doe@example.com'
    """
    local, sep, domain = email.strip().rpartition("@")
    if not sep or not local or not domain:
        raise SubscriberError(f"not an email address: {email!r}")
    domain = domain.lower()
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            domain = domain.casefold()
    return f"{local}@{domain}"



@dataclass(frozen=True)
class Subscriber:
    """One subscriber of one list.

    Attributes:
        id: database id (used in unsubscribe tokens and the delivery ledger).
        list: the list name (``daily``).
        email: the address as imported or entered (domain lower-cased).
        email_key: identity of the address within the list.
        name: display name, may be empty.
        status: one of :data:`STATUSES`.
        fields: extra CSV columns, as strings.
        created / updated / confirmed_at: UTC times.
        status_reason: why the status was last set (``"550 5.1.1 no such user"``).
    """

    id: int
    list: str
    email: str
    email_key: str
    name: str
    status: str
    fields: dict[str, str] = field(default_factory=dict)
    created: datetime | None = None
    updated: datetime | None = None
    confirmed_at: datetime | None = None
    status_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes as ISO 8601 strings."""
        return {"id": self.id, "list": self.list, "email": self.email, "name": self.name,
                "status": self.status, "fields": dict(self.fields),
                "created": self.created.isoformat() if self.created else None,
                "updated": self.updated.isoformat() if self.updated else None,
                "confirmed_at": self.confirmed_at.isoformat() if self.confirmed_at else None,
                "status_reason": self.status_reason}

    @classmethod
    def _from_row(cls, r: Any) -> Subscriber:
        return cls(id=r["id"], list=r["list"], email=r["email"], email_key=r["email_key"],
                   name=r["name"] or "", status=r["status"],
                   fields=json.loads(r["fields"] or "{}"), created=_utc(r["created"]),
                   updated=_utc(r["updated"]), confirmed_at=_utc(r["confirmed_at"]),
                   status_reason=r["status_reason"])


@dataclass(frozen=True)
class SubscriberInput:
    """A validated row to import: ``email`` normalised, ``key`` from :func:`email_key`."""

    email: str
    key: str
    name: str = ""
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UpsertCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_suppressed: int = 0


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise SubscriberError(f"unknown subscriber status {status!r}; "
                              f"expected one of {', '.join(STATUSES)}")


class SubscribersMixin:
    """Methods on Store for the subscribers table."""

    engine: Engine  # Store's

    if TYPE_CHECKING:
        def begin(self) -> AbstractContextManager[Connection]: ...
        def single(self) -> AbstractContextManager[Connection]: ...

    # --- reading -------------------------------------------------------------------------
    def get_subscriber(self, list_name: str, email_or_id: str | int) -> Subscriber | None:
        """One subscriber by id or by address (compared by :func:`email_key`)."""
        t = s.subscribers
        q = select(t).where(t.c.list == list_name)
        if isinstance(email_or_id, str) and email_or_id.isdigit():
            email_or_id = int(email_or_id)  # an id from a URL or token
        if isinstance(email_or_id, int):
            q = q.where(t.c.id == email_or_id)
        else:
            try:
                q = q.where(t.c.email_key == email_key(email_or_id))
            except SubscriberError:
                return None
        with self.single() as c:
            r = c.execute(q).mappings().first()
        return Subscriber._from_row(r) if r else None

    def subscribers(self, list_name: str, status: str | None = None) -> list[Subscriber]:
        """All subscribers of a list (optionally of one status), ordered by id."""
        t = s.subscribers
        q = select(t).where(t.c.list == list_name)
        if status is not None:
            _check_status(status)
            q = q.where(t.c.status == status)
        with self.begin() as c:
            rows = c.execute(q.order_by(t.c.id)).mappings().all()
        return [Subscriber._from_row(r) for r in rows]

    def iter_subscribers(self, list_name: str, status: str | None = None,
                         batch: int = 1000) -> Iterator[Subscriber]:
        """Like :meth:`subscribers` but in batches, for exporting large lists."""
        t = s.subscribers
        last = 0
        while True:
            q = select(t).where(t.c.list == list_name, t.c.id > last)
            if status is not None:
                q = q.where(t.c.status == status)
            with self.begin() as c:
                rows = c.execute(q.order_by(t.c.id).limit(batch)).mappings().all()
            if not rows:
                return
            for r in rows:
                yield Subscriber._from_row(r)
            last = rows[-1]["id"]

    def active_recipients(self, list_name: str) -> list[Subscriber]:
        """The subscribers who receive the next edition of ``list_name``."""
        return self.subscribers(list_name, "active")

    def subscriber_counts(self, list_name: str) -> dict[str, int]:
        """``{status: count}`` for a list (every status present, zeros included)."""
        t = s.subscribers
        with self.begin() as c:
            rows = c.execute(select(t.c.status, func.count()).where(t.c.list == list_name)
                             .group_by(t.c.status)).all()
        out = dict.fromkeys(STATUSES, 0)
        out.update({r[0]: int(r[1]) for r in rows})
        return out

    def list_names(self) -> list[str]:
        """Lists that have at least one subscriber row."""
        with self.begin() as c:
            return list(c.execute(select(s.subscribers.c.list).distinct()
                                  .order_by(s.subscribers.c.list)).scalars())

    # --- writing -------------------------------------------------------------------------
    def upsert_subscribers(self, list_name: str, rows: Iterable[SubscriberInput],
                           now: datetime) -> UpsertCounts:
        """Import validated rows in ONE transaction: all are written or none is.

        New addresses become ``active``. Existing ones get the new fields, and the file's
        name when the file changed it since the last import (a name the subscriber set on
        the preferences page survives a re-import of an unchanged file). Their status is
        kept (a suppression is never undone here, an active one stays active).
        """
        t = s.subscribers
        rows = list(rows)
        added = updated = unchanged = suppressed = 0
        with self.begin() as c:
            existing: dict[str, Any] = {}
            keys = [r.key for r in rows]
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                for found in c.execute(select(t.c.id, t.c.email_key, t.c.email, t.c.name,
                                              t.c.file_name, t.c.fields, t.c.status)
                                       .where(t.c.list == list_name,
                                              t.c.email_key.in_(chunk))):
                    existing[found.email_key] = found
            new_rows = []
            for r in rows:
                fields = json.dumps(r.fields, ensure_ascii=False, sort_keys=True)
                old = existing.get(r.key)
                if old is None:
                    new_rows.append(dict(list=list_name, email=r.email, email_key=r.key,
                                         name=r.name, file_name=r.name, status="active",
                                         fields=fields, created=now, updated=now))
                    continue
                if old.status in SUPPRESSED:
                    suppressed += 1
                # The file's name wins only when the file changed it (file_name is None for
                # rows imported before schema 2: the file wins, as it did then).
                name = old.name if r.name == old.file_name else r.name
                if (old.name, old.file_name, old.fields, old.email) == (
                        name, r.name, fields, r.email):
                    unchanged += 1
                    continue
                c.execute(update(t).where(t.c.id == old.id)
                          .values(name=name, file_name=r.name, fields=fields, email=r.email,
                                  updated=now))
                if (old.name, old.fields, old.email) != (name, fields, r.email):
                    updated += 1
                else:
                    unchanged += 1  # only the bookkeeping column was filled in
            if new_rows:
                c.execute(insert(t), new_rows)
                added = len(new_rows)
                if added >= 1000 and c.dialect.name == "postgresql":
                    # Without fresh statistics the planner takes a table it believes tiny
                    # and looks the next batch's addresses up through ix_subscribers_
                    # list_status: a scan of the list per chunk (bench/million.py).
                    c.execute(text("ANALYZE subscribers"))
        return UpsertCounts(added, updated, unchanged, suppressed)

    def add_subscriber(self, list_name: str, email: str, name: str = "", *,
                       fields: dict[str, str] | None = None, status: str = "active",
                       now: datetime) -> tuple[Subscriber, bool]:
        """Insert a subscriber; an existing address is returned unchanged.

        Returns:
            ``(subscriber, created)``. A suppressed address stays suppressed; use
            :meth:`confirm_subscriber` for a confirmed opt-in.
        """
        _check_status(status)
        key = email_key(email)
        t = s.subscribers
        with self.begin() as c:
            r = c.execute(select(t).where(t.c.list == list_name, t.c.email_key == key)
                          ).mappings().first()
            if r is not None:
                return Subscriber._from_row(r), False
            c.execute(insert(t).values(
                list=list_name, email=email, email_key=key, name=name, status=status,
                fields=json.dumps(fields or {}, ensure_ascii=False, sort_keys=True),
                created=now, updated=now,
                confirmed_at=now if status == "active" else None))
            r = c.execute(select(t).where(t.c.list == list_name, t.c.email_key == key)
                          ).mappings().one()
        return Subscriber._from_row(r), True

    def set_subscriber_status(self, list_name: str, email_or_id: str | int, status: str,
                              reason: str | None, now: datetime) -> bool:
        """Set the status of one subscriber. Returns False if there is no such subscriber."""
        _check_status(status)
        t = s.subscribers
        q = update(t).where(t.c.list == list_name)
        if isinstance(email_or_id, int):
            q = q.where(t.c.id == email_or_id)
        else:
            q = q.where(t.c.email_key == email_key(email_or_id))
        with self.begin() as c:
            n = c.execute(q.values(status=status, status_reason=reason, updated=now)).rowcount
        return bool(n)

    def unsubscribe(self, list_name: str, subscriber_id: int, now: datetime,
                    reason: str = "unsubscribed") -> bool:
        """Mark a subscriber unsubscribed (idempotent; for the one-click POST).

        Returns:
            True if the subscriber exists (whether or not it was already unsubscribed).
            A bounced or complained subscriber keeps that (stronger) status.
        """
        t = s.subscribers
        try:
            subscriber_id = int(subscriber_id)
        except (TypeError, ValueError):
            return False
        # One statement in the common case (the one-click POST); the fallback only reads.
        with self.single() as c:
            if c.execute(_UNSUBSCRIBE, {"b_list": list_name, "b_id": subscriber_id,
                                        "b_reason": reason, "b_now": now}).rowcount:
                return True
            return c.execute(select(t.c.id).where(t.c.list == list_name,
                                                  t.c.id == subscriber_id)).first() is not None

    def unsubscribe_many(self, list_name: str, subscriber_ids: Iterable[int], now: datetime,
                         reason: str = "unsubscribed") -> set[int]:
        """:meth:`unsubscribe` for several subscribers of a list at once (the web app
        groups the one-click POSTs that arrive together): one UPDATE, and one read for the
        ids it did not change.

        Returns:
            The ids that exist (whether or not they were already unsubscribed).
        """
        ids = sorted({int(i) for i in subscriber_ids})
        if not ids:
            return set()
        dialect = self.engine.dialect.name
        stmts = UNSUBSCRIBE_MANY.get(dialect)
        if stmts is None:  # pragma: no cover - the supported stores are SQLite and PostgreSQL
            raise StoreError(f"unsupported database {dialect!r}")
        update_stmt, exists_stmt = stmts
        params = {"b_list": list_name, "b_reason": reason, "b_now": now,
                  "b_ids": json.dumps(ids) if dialect == "sqlite" else ids}
        with self.single() as c:
            done = set(c.execute(update_stmt, params).scalars())
            if len(done) < len(ids):  # some were suppressed already, or are unknown
                rest = [i for i in ids if i not in done]
                params["b_ids"] = json.dumps(rest) if dialect == "sqlite" else rest
                done.update(c.execute(exists_stmt, params).scalars())
        return done

    def rename_subscriber(self, list_name: str, subscriber_id: int, name: str,
                          now: datetime) -> bool:
        """Set the display name of one subscriber (the preferences page). The status is
        not touched. Returns False if there is no such subscriber.

        A later import of the list file keeps this name unless the file's name for the
        address changed since the previous import (the operator's newer edit wins).
        """
        t = s.subscribers
        with self.begin() as c:
            n = c.execute(update(t).where(t.c.list == list_name, t.c.id == int(subscriber_id))
                          .values(name=name, updated=now)).rowcount
        return bool(n)

    def confirm_subscriber(self, list_name: str, email: str, name: str | None = None,
                           now: datetime | None = None) -> Subscriber:
        """A confirmed opt-in: create or (re)activate the address, whatever its status.

        This is the only way a suppressed address becomes active again.
        """
        now = now or datetime.now(UTC)
        key = email_key(email)
        t = s.subscribers
        with self.begin() as c:
            r = c.execute(select(t.c.id, t.c.name).where(t.c.list == list_name,
                                                         t.c.email_key == key)).first()
            if r is None:
                c.execute(insert(t).values(list=list_name, email=email, email_key=key,
                                           name=name or "", status="active", fields="{}",
                                           created=now, updated=now, confirmed_at=now,
                                           status_reason="confirmed opt-in"))
            else:
                c.execute(update(t).where(t.c.id == r.id).values(
                    status="active", name=name if name is not None else r.name,
                    confirmed_at=now, updated=now, status_reason="confirmed opt-in"))
            out = c.execute(select(t).where(t.c.list == list_name, t.c.email_key == key)
                            ).mappings().one()
        return Subscriber._from_row(out)

