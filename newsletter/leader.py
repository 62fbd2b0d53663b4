"""Many ``serve`` instances on one PostgreSQL store: all serve the web, one runs the scheduler.

**Election.** Each instance keeps one connection of its own and asks PostgreSQL for a
session advisory lock (``pg_try_advisory_lock``) every ``poll`` seconds. The holder leads:
it runs the scheduler. PostgreSQL releases the lock when the holder's session ends, so a
leader killed with SIGKILL (its socket closed by the kernel) or cut off (TCP keepalive)
frees it without anybody judging a heartbeat; the next poll of another instance wins.

**Heartbeat.** The leader checks its lock connection every ``poll`` seconds and refreshes
the ``scheduler`` row of the ``locks`` table (holder, since, heartbeat): that row is what
``status --json`` shows, never what decides. An instance that loses its lock connection
stops (exit 1; systemd restarts it as a follower): a scheduler must not run unelected.
Every instance also heartbeats an ``instance:<host>:<pid>`` row, so status lists them.

**Handover.** Jobs the dead leader held (``job:send:<list>``) are store locks with their
own heartbeat; the new leader waits until they are stale (``lock_stale_seconds``) before it
starts the scheduler, whose catch-up then resumes an interrupted send from the delivery
ledger (rows left ``sending`` are re-sent: at most one duplicate per connection).

SQLite keeps the single-instance ``serve`` lock (one writer, one host).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ._logfmt import kv
from .store import LockInfo, this_holder

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from .store import Store

log = logging.getLogger("newsletter.service")

LEADER_LOCK = "scheduler"
INSTANCE_PREFIX = "instance:"
_ADVISORY_KEY = 0x5245_4553  # "REES": the scheduler's advisory lock


def supports_election(store: Store) -> bool:
    return store.engine.dialect.name == "postgresql"


class Election:
    """The leader election of one instance (PostgreSQL stores only)."""

    def __init__(self, store: Store, now_fn: Callable[[], datetime], *,
                 stale_after: float, poll: float) -> None:
        self.store = store
        self.now_fn = now_fn
        self.stale_after = stale_after
        self.poll = poll
        host, pid = this_holder()
        self.holder = f"{host}:{pid}"
        self.instance_lock = f"{INSTANCE_PREFIX}{self.holder}"
        self.leading = False
        self._conn: Connection | None = None

    # --- the advisory lock ---------------------------------------------------------------
    def try_lead(self) -> bool:
        """Take the leadership if it is free. True once this instance leads."""
        if self.leading:
            return True
        if self._conn is None:
            self._conn = self.store.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT")
        got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                      {"k": _ADVISORY_KEY}).scalar())
        if got:
            self.leading = True
        return got

    def still_leading(self) -> bool:
        """The lock connection is alive (so the lock is still ours)."""
        if not self.leading or self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            self.leading = False
            return False

    def close(self) -> None:
        if self._conn is not None:
            try:
                if self.leading:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"),
                                       {"k": _ADVISORY_KEY})
                self._conn.close()
            except SQLAlchemyError:
                pass
            self._conn = None
        self.leading = False
        for name in (LEADER_LOCK, self.instance_lock):
            with contextlib.suppress(Exception):  # the store may be gone at shutdown
                self.store.release_lock(name)

    # --- what status shows ---------------------------------------------------------------
    def publish(self, now: datetime) -> LockInfo | None:
        """Write this instance's heartbeat row and, when leading, the ``scheduler`` row.

        Returns the previous leader's row when this instance has just replaced it.
        """
        names = [self.instance_lock] + ([LEADER_LOCK] if self.leading else [])
        # forget instances that stopped beating long ago
        forget = now - timedelta(seconds=max(600, 10 * self.stale_after))
        return self.store.stamp_locks(names, now, forget_prefix=INSTANCE_PREFIX,
                                      forget_before=forget)

    def wait_for_jobs_of(self, previous: LockInfo, stop: threading.Event) -> None:
        """Wait (at most ``stale_after`` + 5 s) until the job locks of a replaced leader
        are stale, and clear them, so the catch-up can resume its sends."""
        deadline = time.monotonic() + self.stale_after + 5
        while not stop.is_set():
            names = [lk.name for lk in self.store.locks_like("job:", holder=previous.holder)]
            if not names:
                return
            for name in names:
                res = self.store.acquire_lock(name, self.now_fn(), stale_after=self.stale_after)
                if res.acquired:
                    log.warning(kv("job_lock_taken_over", lock=name, previous=previous.holder))
                    self.store.release_lock(name)
            if time.monotonic() > deadline:
                return
            stop.wait(min(1.0, self.poll))


def leader_status(store: Store, now: datetime, stale_after: float) -> dict[str, Any]:
    """``{"mode", "leader", "instances"}`` for ``status --json``."""
    rows = store.locks_like(INSTANCE_PREFIX, names=(LEADER_LOCK, "serve"))

    def info(r: LockInfo) -> dict[str, Any]:
        return {"holder": r.holder, "host": r.host, "pid": r.pid,
                "since": r.acquired.isoformat(), "heartbeat": r.heartbeat.isoformat(),
                "alive": now - r.heartbeat <= timedelta(seconds=stale_after)}

    mode = "elected" if supports_election(store) else "single"
    lead = [info(r) for r in rows if r.name in (LEADER_LOCK, "serve")]
    return {"mode": mode, "leader": lead[0] if lead else None,
            "instances": sorted((info(r) for r in rows if r.name.startswith(INSTANCE_PREFIX)),
                                key=lambda d: d["holder"])}
