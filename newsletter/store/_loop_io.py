"""The public web app's hot store calls from an asyncio event loop, without a worker thread.

The web app checks the archive's version (:meth:`Store.archive_version`) on every archive
request (``web/_archive.py``) and writes the one-click unsubscribes in batches
(:meth:`Store.unsubscribe_many`). Through the thread pool each call cost more than the
rest of the request: a hop to a worker thread and back, the GIL handed over twice, and
SQLAlchemy's execution around a one-row statement (bench/web.py). Here:

* **SQLite**: the version is read on a private connection that never waits for a lock
  (busy timeout 0, ``query_only``, autocommit: each read sees every committed change). In
  WAL mode a reader does not wait for writers, so the read takes microseconds; if it would
  wait all the same (a locked file) it is done in a worker thread through the engine,
  where waiting is harmless. Writes always go to a worker thread (a writer may wait for
  the lock; the loop must not). An in-memory store has no second connection: always the
  worker thread.
* **PostgreSQL**: both run on an asyncio psycopg connection of the loop (autocommit; each
  statement is atomic on its own), so the loop does other requests' work while the
  statement is on the network; psycopg sends one statement at a time on it. After a
  failure, or without a reply within ``timeout``, the connection is dropped (opened again
  next time) and that call goes through the engine in a worker thread, which raises
  :class:`~newsletter.exceptions.StoreError` if the database is away. (An unsubscribe
  repeated that way is harmless: it is idempotent.)
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

__all__ = ["LoopIO"]

_SQLITE_VERSION = "SELECT value FROM meta WHERE key = ?"
_PG_VERSION = "SELECT value FROM meta WHERE key = %s"


class LoopIO:
    """See the module docstring.

    Args:
        engine: the store's engine.
        version_key: the ``meta`` key of the archive's version.
        version: the version read through the engine (the fallback).
        unsubscribe_many: :meth:`Store.unsubscribe_many` (the fallback).
        unsubscribe_sql: PostgreSQL: the (UPDATE ... RETURNING id, SELECT id) statements of
            ``unsubscribe_many``, run here with the same parameters.
    """

    def __init__(self, engine: Engine, version_key: str, version: Callable[[], str | None],
                 unsubscribe_many: Callable[..., set[int]], unsubscribe_sql: Any = None, *,
                 timeout: float = 10.0) -> None:
        self._engine = engine
        self._key = version_key
        self._version = version
        self._unsubscribe_many = unsubscribe_many
        self.timeout = timeout
        self._dialect = engine.dialect.name
        self._lock = threading.Lock()
        self._sqlite: sqlite3.Connection | None = None
        self._pg: Any = None  # psycopg.AsyncConnection of self._pg_loop
        self._pg_loop: asyncio.AbstractEventLoop | None = None
        database = engine.url.database
        self._sqlite_direct = self._dialect == "sqlite" and bool(database) \
            and database != ":memory:" and "mode=memory" not in str(engine.url)
        self._pg_unsubscribe: tuple[Any, Any] | None = None
        if self._dialect == "postgresql" and unsubscribe_sql is not None:
            self._pg_unsubscribe = tuple(stmt.compile(dialect=engine.dialect)
                                         for stmt in unsubscribe_sql)

    # --- the calls -------------------------------------------------------------------------
    async def archive_version(self) -> str | None:
        if self._sqlite_direct:
            done, value = self._sqlite_version()
            if done:
                return value
        elif self._dialect == "postgresql":
            try:
                async with asyncio.timeout(self.timeout):
                    rows = await self._pg_rows(_PG_VERSION, (self._key,))
                return str(rows[0][0]) if rows else None
            except Exception:  # any failure (or no reply): the engine's read decides
                self._pg_drop()
        return await asyncio.to_thread(self._version)

    async def unsubscribe_many(self, list_name: str, ids: list[int], now: datetime,
                               reason: str) -> set[int]:
        ids = sorted({int(i) for i in ids})
        if ids and self._pg_unsubscribe is not None:
            update_sql, exists_sql = self._pg_unsubscribe
            params = {"b_list": list_name, "b_ids": ids, "b_reason": reason, "b_now": now}
            try:
                async with asyncio.timeout(self.timeout):
                    done = {int(r[0]) for r in await self._pg_compiled(update_sql, params)}
                    if len(done) < len(ids):  # suppressed already, or unknown
                        params["b_ids"] = [i for i in ids if i not in done]
                        done.update(int(r[0]) for r in
                                    await self._pg_compiled(exists_sql, params))
                return done
            except Exception:  # any failure (or no reply): the engine's write decides
                self._pg_drop()
        return await asyncio.to_thread(self._unsubscribe_many, list_name, ids, now, reason)

    # --- SQLite --------------------------------------------------------------------------
    def _sqlite_version(self) -> tuple[bool, str | None]:
        """(True, value), or (False, None) if the read would have to wait."""
        if not self._lock.acquire(blocking=False):  # in use by another thread: do not wait
            return False, None
        try:
            if self._sqlite is None:
                cargs, cparams = self._engine.dialect.create_connect_args(self._engine.url)
                options: dict[str, Any] = {**cparams, "timeout": 0, "check_same_thread": False,
                                           "isolation_level": None}
                conn = sqlite3.connect(cargs[0], **options)
                conn.execute("PRAGMA query_only = 1")
                self._sqlite = conn
            rows = self._sqlite.execute(_SQLITE_VERSION, (self._key,)).fetchall()  # to the
            return True, (str(rows[0][0]) if rows else None)  # end: no read left open
        except sqlite3.Error:
            self._sqlite_close()
            return False, None
        finally:
            self._lock.release()

    def _sqlite_close(self) -> None:
        conn, self._sqlite = self._sqlite, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    # --- PostgreSQL ----------------------------------------------------------------------
    async def _pg_connection(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._pg is None or self._pg_loop is not loop or self._pg.closed:
            self._pg_drop()
            import psycopg

            cargs, cparams = self._engine.dialect.create_connect_args(self._engine.url)
            cparams = {k: v for k, v in cparams.items() if k != "context"}
            self._pg = await psycopg.AsyncConnection.connect(*cargs, autocommit=True,
                                                             **cparams)
            self._pg_loop = loop
        return self._pg

    async def _pg_rows(self, sql: str, params: Any) -> list[Any]:
        conn = await self._pg_connection()
        try:
            async with conn.cursor() as cur:
                await cur.execute(sql, params)
                return list(await cur.fetchall())
        except BaseException:  # failed or cancelled mid-statement: the connection goes
            self._pg_drop()
            raise

    async def _pg_compiled(self, compiled: Any, params: dict[str, Any]) -> list[Any]:
        """Run a statement compiled by SQLAlchemy for psycopg (its ``%(name)s`` parameters,
        with the constants the compiler bound itself)."""
        return await self._pg_rows(str(compiled), compiled.construct_params(params))

    def _pg_drop(self) -> None:
        conn, self._pg, self._pg_loop = self._pg, None, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.pgconn.finish()  # no round trip: the loop that opened it may be gone

    def close(self) -> None:
        """Close the private connections (:meth:`Store.close`)."""
        with self._lock:
            self._sqlite_close()
        self._pg_drop()
