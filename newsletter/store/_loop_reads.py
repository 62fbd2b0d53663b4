"""Reads of the archive's version from an asyncio event loop, without a worker thread.

The public web app checks the archive's version (:meth:`Store.archive_version`) on every
archive request (``web/_archive.py``). Through the thread pool that check cost more than
the rest of the request: a hop to a worker thread and back, the GIL handed over twice,
and SQLAlchemy's execution around a one-row read (bench/web.py). Here it is read
directly:

* **SQLite**: on a private connection that never waits for a lock (busy timeout 0,
  ``query_only``, autocommit: each read sees every committed change). In WAL mode a
  reader does not wait for writers, so the read takes microseconds; if it would wait all
  the same (a checkpoint truncating the WAL, a locked file) it is done in a worker thread
  through the engine instead, where waiting is harmless. An in-memory store has no
  second connection: always the worker thread.
* **PostgreSQL**: on an asyncio psycopg connection of the loop (autocommit), so the loop
  does other requests' work while the query is on the network. After a failure, or
  without a reply within ``timeout``, the connection is dropped (opened again on the next
  read) and that read goes through the engine in a worker thread, which raises
  :class:`~newsletter.exceptions.StoreError` if the database is away.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

__all__ = ["LoopVersionReader"]

_SQLITE_SQL = "SELECT value FROM meta WHERE key = ?"
_PG_SQL = "SELECT value FROM meta WHERE key = %s"


class LoopVersionReader:
    """``await reader.read()``: the ``meta`` value of ``key`` (None if absent), read as
    the module docstring says; ``fallback()`` is the same read through the engine."""

    def __init__(self, engine: Engine, key: str, fallback: Callable[[], str | None], *,
                 timeout: float = 10.0) -> None:
        self._engine = engine
        self._key = key
        self._fallback = fallback
        self.timeout = timeout
        self._dialect = engine.dialect.name
        self._lock = threading.Lock()
        self._sqlite: sqlite3.Connection | None = None
        self._pg: Any = None  # psycopg.AsyncConnection of self._pg_loop
        self._pg_loop: asyncio.AbstractEventLoop | None = None
        database = engine.url.database
        self._direct = self._dialect == "postgresql" or (
            self._dialect == "sqlite" and bool(database) and database != ":memory:"
            and "mode=memory" not in str(engine.url))

    async def read(self) -> str | None:
        if self._direct:
            if self._dialect == "sqlite":
                done, value = self._sqlite_read()
                if done:
                    return value
            else:
                try:
                    async with asyncio.timeout(self.timeout):
                        return await self._pg_read()
                except Exception:  # any failure (or no reply): the engine's read decides
                    self._pg_drop()
                except BaseException:  # cancelled mid-query: the connection is unusable
                    self._pg_drop()
                    raise
        return await asyncio.to_thread(self._fallback)

    # --- SQLite --------------------------------------------------------------------------
    def _sqlite_read(self) -> tuple[bool, str | None]:
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
            rows = self._sqlite.execute(_SQLITE_SQL, (self._key,)).fetchall()  # to the end:
            return True, (str(rows[0][0]) if rows else None)  # no read transaction left open
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
    async def _pg_read(self) -> str | None:
        loop = asyncio.get_running_loop()
        if self._pg is None or self._pg_loop is not loop or self._pg.closed:
            self._pg_drop()
            import psycopg

            cargs, cparams = self._engine.dialect.create_connect_args(self._engine.url)
            cparams = {k: v for k, v in cparams.items() if k != "context"}
            self._pg = await psycopg.AsyncConnection.connect(*cargs, autocommit=True,
                                                             **cparams)
            self._pg_loop = loop
        async with self._pg.cursor() as cur:  # psycopg runs one query at a time per connection
            await cur.execute(_PG_SQL, (self._key,))
            row = await cur.fetchone()
        return str(row[0]) if row is not None else None

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
