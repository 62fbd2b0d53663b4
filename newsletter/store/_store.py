"""The Store object: connection, automatic schema creation, and the collect/build methods.

Subscriber, delivery, lock, bounce and run methods live in mixins (``_subscribers.py``,
``_deliveries.py``, ``_locks.py``, ``_bounces.py``, ``_runs.py``),
as reader splits its storage by domain.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypedDict

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from ..exceptions import StoreError
from ..types import Item, PreviousStoryRow, PriceItem, StoryRow
from . import _migrate
from . import _schema as s
from ._alerts import AlertsMixin
from ._bounces import BouncesMixin
from ._deliveries import DeliveriesMixin
from ._locks import LocksMixin
from ._loop_io import LoopIO
from ._runs import RunsMixin
from ._subscribers import UNSUBSCRIBE_MANY, SubscribersMixin
from ._util import as_utc as _utc
from ._util import inserted_id


def item_key(item: Item) -> str:
    """The identity of an item within its source: its GUID, else its canonical URL."""
    return hashlib.sha1((item.guid or item.url).encode()).hexdigest()


def _content_hash(item: Item) -> str:
    h = hashlib.sha1()
    for part in (item.title, item.text, item.summary, "\x1f".join(item.highlights)):
        h.update(part.encode())
        h.update(b"\x1e")
    return h.hexdigest()


def _content(edition_json: str) -> Any:
    """What an approval covers: the edition without its build timestamp."""
    data = json.loads(edition_json)
    if isinstance(data, dict):
        data.pop("generated_at", None)
    return data


class StoredEdition(TypedDict):
    """One row of the ``editions`` table, as :meth:`Store.edition` returns it."""

    date: date
    kind: str                   # daily | weekly
    status: str                 # draft | approved | sent
    edition: dict[str, Any]     # Edition.to_json(), parsed (Edition.from_json reads it)
    edits: dict[str, Any]       # the editor's stored edits (summarize._edits reads them)
    built_at: datetime
    as_of: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    html_size: int | None


@dataclass(frozen=True)
class StoredItem:
    id: int
    item: Item
    first_seen: datetime


@dataclass(frozen=True)
class SaveResult:
    new: int
    updated: int
    changed_ids: list[int]


class Store(SubscribersMixin, DeliveriesMixin, LocksMixin, BouncesMixin, RunsMixin,
            AlertsMixin):
    """Access to the database. Create with :func:`open_store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # One-statement reads and writes (the public web endpoints) on PostgreSQL run in
        # autocommit: one round trip instead of BEGIN, the statement and COMMIT
        # (bench/web.py). The same pool; psycopg switches the mode client-side.
        self._autocommit = (engine.execution_options(isolation_level="AUTOCOMMIT")
                            if engine.dialect.name == "postgresql" else None)
        self._loop_io = LoopIO(engine, ARCHIVE_VERSION_KEY, self.archive_version,
                               self.unsubscribe_many, UNSUBSCRIBE_MANY.get("postgresql"))

    # --- plumbing ------------------------------------------------------------------------
    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction; StoreError on database failure."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except OperationalError as exc:
            raise StoreError(f"database error: {exc.orig}",
                             hint="check [store] url and that the disk is writable") from exc

    @contextmanager
    def single(self) -> Iterator[Connection]:
        """A connection for ONE statement that is atomic on its own (a read, or a single
        UPDATE): autocommit on PostgreSQL, a transaction elsewhere. StoreError on failure."""
        if self._autocommit is None:
            with self.begin() as conn:
                yield conn
            return
        try:
            with self._autocommit.connect() as conn:
                yield conn
        except OperationalError as exc:
            raise StoreError(f"database error: {exc.orig}",
                             hint="check [store] url and that the disk is writable") from exc

    def close(self) -> None:
        self._loop_io.close()
        self.engine.dispose()

    # --- sources -------------------------------------------------------------------------
    def fetch_states(self) -> dict[str, tuple[str | None, str | None]]:
        with self.begin() as c:
            rows = c.execute(select(s.sources.c.name, s.sources.c.etag,
                                    s.sources.c.last_modified)).all()
        return {r.name: (r.etag, r.last_modified) for r in rows}

    def save_source_state(self, name: str, url: str, *, status: str, error: str | None,
                          etag: str | None, last_modified: str | None,
                          permanent_redirect: str | None, now: datetime) -> None:
        values: dict[str, Any] = {"url": url, "last_fetch_at": now, "last_status": status,
                                  "last_error": error, "permanent_redirect": permanent_redirect}
        if status != "error":
            values["last_ok_at"] = now
            values["consecutive_errors"] = 0
            if status == "ok":
                values["etag"] = etag
                values["last_modified"] = last_modified
        with self.begin() as c:
            found = c.execute(select(s.sources.c.consecutive_errors)
                              .where(s.sources.c.name == name)).first()
            if status == "error":
                values["consecutive_errors"] = (found[0] if found else 0) + 1
            if found is None:
                c.execute(insert(s.sources).values(name=name, **values))
            else:
                c.execute(update(s.sources).where(s.sources.c.name == name).values(**values))

    def source_health(self) -> list[dict[str, Any]]:
        with self.begin() as c:
            rows = c.execute(select(s.sources).order_by(s.sources.c.name)).mappings().all()
        out = []
        for r in rows:
            d = dict(r)
            for k in ("last_fetch_at", "last_ok_at"):
                d[k] = _utc(d[k]).isoformat() if d[k] else None
            out.append(d)
        return out

    # --- robots.txt ----------------------------------------------------------------------
    def robots_entries(self) -> dict[str, dict[str, Any]]:
        """``{origin: {body, etag, last_modified, fetched_at}}`` as the collector left it."""
        with self.begin() as c:
            rows = c.execute(select(s.robots)).mappings().all()
        return {r["origin"]: {"body": r["body"], "etag": r["etag"],
                              "last_modified": r["last_modified"],
                              "fetched_at": _utc(r["fetched_at"])} for r in rows}

    def save_robots(self, entries: dict[str, dict[str, Any]], *, now: datetime,
                    keep: timedelta = timedelta(days=30)) -> None:
        """Insert or replace robots.txt entries (same keys as :meth:`robots_entries`) and
        forget origins not fetched for ``keep`` (a stale copy only serves while an origin
        is unreachable)."""
        t = s.robots
        with self.begin() as c:
            for origin, e in entries.items():
                c.execute(t.delete().where(t.c.origin == origin))
                c.execute(insert(t).values(origin=origin, body=e["body"], etag=e["etag"],
                                           last_modified=e["last_modified"],
                                           fetched_at=e["fetched_at"]))
            c.execute(t.delete().where(t.c.fetched_at < now - keep))

    # --- items ---------------------------------------------------------------------------
    def save_items(self, items: Iterable[Item], now: datetime) -> SaveResult:
        """Insert new items, update changed ones, leave unchanged ones alone."""
        new = updated = 0
        changed: list[int] = []
        with self.begin() as c:
            for it in items:
                key = item_key(it)
                h = _content_hash(it)
                row = c.execute(select(s.items.c.id, s.items.c.content_hash)
                                .where(s.items.c.source == it.source, s.items.c.key == key)).first()
                values = dict(url=it.url, guid=it.guid, title=it.title,
                              published=it.published, text=it.text, summary=it.summary,
                              html=it.html, highlights=json.dumps(list(it.highlights)),
                              content_hash=h, updated=now)
                if row is None:
                    res = c.execute(insert(s.items).values(source=it.source, key=key,
                                                           first_seen=now, **values))
                    new += 1
                    changed.append(inserted_id(res))
                elif row.content_hash != h:
                    c.execute(update(s.items).where(s.items.c.id == row.id).values(**values))
                    updated += 1
                    changed.append(row.id)
        return SaveResult(new, updated, changed)

    def items_between(self, since: datetime, until: datetime) -> list[StoredItem]:
        """Items published in ``[since, until]`` (first seen there when undated).

        An old article found late (a listing page showing last week's story) is not news:
        the publication date decides whenever the source gives one.
        """
        t = s.items
        q = select(t).where(
            (t.c.published.is_not(None) & (t.c.published >= since) & (t.c.published <= until))
            | (t.c.published.is_(None) & (t.c.first_seen >= since)
               & (t.c.first_seen <= until)))
        with self.begin() as c:
            rows = c.execute(q.order_by(t.c.id)).mappings().all()
        return [StoredItem(r["id"], self._row_item(r), _utc(r["first_seen"])) for r in rows]

    def items_by_ids(self, ids: Iterable[int]) -> list[StoredItem]:
        ids = list(ids)
        if not ids:
            return []
        with self.begin() as c:
            rows = c.execute(select(s.items).where(s.items.c.id.in_(ids))).mappings().all()
        return [StoredItem(r["id"], self._row_item(r), _utc(r["first_seen"])) for r in rows]

    @staticmethod
    def _row_item(r: Any) -> Item:
        return Item(source=r["source"], url=r["url"], guid=r["guid"], title=r["title"],
                    published=_utc(r["published"]), text=r["text"], summary=r["summary"],
                    html=r["html"], highlights=tuple(json.loads(r["highlights"] or "[]")))

    def count_items(self) -> int:
        with self.begin() as c:
            return int(c.execute(select(func.count()).select_from(s.items)).scalar_one())

    # --- prices --------------------------------------------------------------------------
    def add_prices(self, observations: Iterable[PriceItem], *, item_id: int | None,
                   now: datetime, new: list[PriceItem] | None = None) -> int:
        """Store observations; one already stored (same commodity, unit, date, level) is
        not stored again, whichever source reported it, but a new source's name is added
        to its ``source`` ("SMM; SunSirs"). Returns how many were new (and appends them to
        ``new`` when given: the price alerts look at those)."""
        added = 0
        t = s.prices
        with self.begin() as c:
            for p in observations:
                if p.as_of is None:
                    continue
                try:
                    with c.begin_nested():
                        c.execute(insert(t).values(
                            commodity=p.commodity, kind=p.kind, low=p.low, high=p.high,
                            unit=p.unit, change=p.change, change_pct=p.change_pct,
                            as_of=p.as_of, source=p.source, basis=p.basis, item_id=item_id,
                            observed=now))
                    added += 1
                    if new is not None:
                        new.append(p)
                except IntegrityError:
                    if p.source:
                        self._add_source(c, p)
        return added

    @staticmethod
    def _add_source(c: Any, p: PriceItem) -> None:
        t = s.prices
        key = ((t.c.commodity == p.commodity) & (t.c.unit == p.unit) & (t.c.as_of == p.as_of)
               & (t.c.low == p.low) & (t.c.high == p.high))
        row = c.execute(select(t.c.id, t.c.source).where(key)).first()
        if row is None or not p.source:
            return
        names = [n for n in (row.source or "").split("; ") if n]
        if p.source not in names and len("; ".join([*names, p.source])) <= 100:
            c.execute(t.update().where(t.c.id == row.id)
                      .values(source="; ".join([*names, p.source])))

    def price_observations(self, since: date) -> list[PriceItem]:
        t = s.prices
        with self.begin() as c:
            rows = c.execute(select(t).where(t.c.as_of >= since)
                             .order_by(t.c.as_of, t.c.id)).mappings().all()
        return [PriceItem(commodity=r["commodity"], kind=r["kind"], low=r["low"],
                          high=r["high"], unit=r["unit"], change=r["change"],
                          change_pct=r["change_pct"], as_of=r["as_of"], source=r["source"],
                          basis=r["basis"])
                for r in rows]

    # --- editions ------------------------------------------------------------------------
    def save_edition(self, day: date, edition: dict[str, Any], *, as_of: datetime | None,
                     html_size: int | None, stories: list[StoryRow],
                     now: datetime, kind: str = "daily") -> None:
        """Store (or replace) the ``kind`` edition of ``day`` (and, for the daily edition,
        its story fingerprints).

        Editors' edits always survive a rebuild (they are applied by story id); an
        approval is reset when the rebuilt content differs from what was approved.
        """
        body = json.dumps(edition, ensure_ascii=False, sort_keys=True)
        key = _edition_key(day, kind)
        with self.begin() as c:
            row = c.execute(select(s.editions.c.edition_json, s.editions.c.status)
                            .where(*key)).first()
            values = dict(edition_json=body, built_at=now, as_of=as_of, html_size=html_size)
            if row is None:
                c.execute(insert(s.editions).values(date=day, kind=kind, status="draft",
                                                    edits_json="{}", **values))
            else:
                if row.status == "approved" and _content(row.edition_json) != _content(body):
                    values.update(status="draft", approved_by=None, approved_at=None)
                c.execute(update(s.editions).where(*key).values(**values))
            if kind != "daily":
                return
            c.execute(s.edition_stories.delete().where(s.edition_stories.c.edition_date == day))
            for st in stories:
                c.execute(insert(s.edition_stories).values(edition_date=day, **st))

    def edition(self, day: date, kind: str = "daily") -> StoredEdition | None:
        """The stored ``kind`` edition row of ``day`` (edition parsed from JSON), or None."""
        with self.begin() as c:
            r = c.execute(select(s.editions).where(*_edition_key(day, kind))
                          ).mappings().first()
        if r is None:
            return None
        return StoredEdition(
            date=r["date"], kind=r["kind"], status=r["status"],
            edition=json.loads(r["edition_json"]),
            edits=json.loads(r["edits_json"] or "{}"), built_at=_utc(r["built_at"]),
            as_of=_utc(r["as_of"]), approved_by=r["approved_by"],
            approved_at=_utc(r["approved_at"]), html_size=r["html_size"])

    def latest_edition_date(self, kind: str = "daily") -> date | None:
        with self.begin() as c:
            latest: date | None = c.execute(select(func.max(s.editions.c.date))
                                            .where(s.editions.c.kind == kind)).scalar_one()
            return latest

    def edition_dates(self, kind: str = "daily") -> list[date]:
        with self.begin() as c:
            return list(c.execute(select(s.editions.c.date).where(s.editions.c.kind == kind)
                                  .order_by(s.editions.c.date.desc())).scalars())

    def editions_between(self, since: date, until: date,
                         kind: str = "daily") -> dict[date, dict[str, Any]]:
        """The ``kind`` editions (parsed JSON) dated ``since`` to ``until`` inclusive."""
        t = s.editions
        with self.begin() as c:
            rows = c.execute(select(t.c.date, t.c.edition_json).where(
                t.c.kind == kind, t.c.date >= since, t.c.date <= until)).all()
        return {r.date: json.loads(r.edition_json) for r in rows}

    def save_edits(self, day: date, edits: dict[str, Any], kind: str = "daily") -> None:
        with self.begin() as c:
            n = c.execute(update(s.editions).where(*_edition_key(day, kind))
                          .values(edits_json=json.dumps(edits, ensure_ascii=False),
                                  status="draft", approved_by=None, approved_at=None)).rowcount
        if not n:
            raise StoreError(f"no edition for {day}", hint="run `newsletter build` first")

    def approve(self, day: date, by: str, now: datetime, kind: str = "daily") -> None:
        with self.begin() as c:
            n = c.execute(update(s.editions).where(*_edition_key(day, kind))
                          .values(status="approved", approved_by=by, approved_at=now)).rowcount
        if not n:
            raise StoreError(f"no edition for {day}", hint="run `newsletter build` first")

    def previous_stories(self, before: date, since: date) -> list[PreviousStoryRow]:
        t = s.edition_stories
        with self.begin() as c:
            rows = c.execute(select(t).where(t.c.edition_date < before,
                                             t.c.edition_date >= since)).mappings().all()
        return [PreviousStoryRow(edition_date=r["edition_date"], story_id=r["story_id"],
                                 url=r["url"], title=r["title"], fingerprint=r["fingerprint"])
                for r in rows]

    # --- archive -------------------------------------------------------------------------
    def save_archive(self, day: date, html: str, kind: str = "daily") -> None:
        key = (s.archive.c.date == day, s.archive.c.kind == kind)
        with self.begin() as c:
            was = c.execute(select(s.archive.c.published).where(*key)).scalar_one_or_none()
            c.execute(s.archive.delete().where(*key))
            # a rebuild of an edition already sent (a correction) stays public: its send
            # is done, so nothing would publish it again
            c.execute(insert(s.archive).values(date=day, kind=kind, html=html.encode(),
                                               published=bool(was)))
            _bump_archive_version(c)

    def publish_archive(self, day: date, kind: str = "daily") -> None:
        with self.begin() as c:
            n = c.execute(update(s.archive).where(s.archive.c.date == day,
                                                  s.archive.c.kind == kind)
                          .values(published=True)).rowcount
            if n:
                _bump_archive_version(c)

    def archive_version(self) -> str | None:
        """The archive's version: a new value is written in the same transaction as every
        change of the ``archive`` table (:meth:`save_archive`, :meth:`publish_archive`), so
        a copy of a page or of the index read after this value is current until it changes
        (the web app's page cache, ``web/_archive.py``). None before the first change."""
        with self.single() as c:
            value: str | None = c.execute(_ARCHIVE_VERSION_Q).scalar()
        return value

    async def archive_version_async(self) -> str | None:
        """:meth:`archive_version` for an asyncio event loop, read without a worker thread
        where the database allows (``_loop_io.py``)."""
        return await self._loop_io.archive_version()

    async def unsubscribe_many_async(self, list_name: str, subscriber_ids: list[int],
                                     now: datetime, reason: str = "unsubscribed") -> set[int]:
        """:meth:`unsubscribe_many` for an asyncio event loop: on PostgreSQL without a
        worker thread (``_loop_io.py``), elsewhere in one."""
        return await self._loop_io.unsubscribe_many(list_name, subscriber_ids, now, reason)

    def archive_page(self, day: date, *, published_only: bool = True,
                     kind: str = "daily") -> str | None:
        q = select(s.archive.c.html).where(s.archive.c.date == day, s.archive.c.kind == kind)
        if published_only:
            q = q.where(s.archive.c.published.is_(True))
        with self.single() as c:
            r = c.execute(q).scalar_one_or_none()
        return r.decode() if r is not None else None

    def archive_dates(self, *, published_only: bool = True, kind: str = "daily") -> list[date]:
        q = select(s.archive.c.date).where(s.archive.c.kind == kind
                                           ).order_by(s.archive.c.date.desc())
        if published_only:
            q = q.where(s.archive.c.published.is_(True))
        with self.single() as c:
            return list(c.execute(q).scalars())


ARCHIVE_VERSION_KEY = "archive_version"
_ARCHIVE_VERSION_Q = select(s.meta.c.value).where(s.meta.c.key == ARCHIVE_VERSION_KEY)


def _bump_archive_version(c: Connection) -> None:
    """Give the archive a new version (in the caller's transaction): a fresh random value,
    so two writers never leave a value a reader has seen before."""
    value = uuid.uuid4().hex
    t = s.meta
    stmt = update(t).where(t.c.key == ARCHIVE_VERSION_KEY).values(value=value)
    if c.execute(stmt).rowcount:
        return
    try:
        with c.begin_nested():
            c.execute(insert(t).values(key=ARCHIVE_VERSION_KEY, value=value))
    except IntegrityError:  # another writer inserted it first: it is there now
        c.execute(stmt)


def _edition_key(day: date, kind: str) -> tuple[Any, Any]:
    return (s.editions.c.date == day, s.editions.c.kind == kind)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open the store at a SQLAlchemy URL, creating or upgrading its schema to head
    (Alembic, :mod:`._migrate`) unless ``migrate`` is False.

    Raises:
        SchemaTooNewError: the store was written by a newer release (exit code 2).
        StoreError: the database cannot be opened or created.
    """
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, future=True, **_pool_options(url))
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        if migrate:
            _migrate.upgrade(engine, safe_url(url))
        else:
            with engine.connect() as c:
                _migrate.check(c, safe_url(url))
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the store {safe_url(url)!r}: {exc}",
                         hint="check [store] url in newsletter.toml") from exc
    except ModuleNotFoundError as exc:
        if "psycopg" in str(exc):
            raise StoreError(f"[store] url {safe_url(url)!r} needs the PostgreSQL driver",
                             hint='pip install -e ".[postgres]"') from None
        raise
    return Store(engine)


def _pool_options(url: str) -> dict[str, Any]:
    """A server database keeps enough connections for the web threads: past
    ``pool_size`` SQLAlchemy closes each returned connection, and opening a PostgreSQL
    connection costs more than the query (bench/web.py: p50 44 ms with the default 5)."""
    if url.startswith("postgresql"):
        return {"pool_size": 20, "max_overflow": 20, "pool_recycle": 3600}
    return {}


def safe_url(url: str) -> str:
    """A store URL without its password (for messages)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def utcnow() -> datetime:
    return datetime.now(UTC)
