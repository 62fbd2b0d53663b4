"""Named locks in the store: the single-instance lock of ``serve`` and job guards.

A lock row names its holder (``host:pid``), when it was acquired and a heartbeat the holder
refreshes while it runs. Another process may take a lock over only when it is *stale*: the
heartbeat is older than ``stale_after`` seconds AND, when the holder ran on this host, its
pid is no longer alive. (Both, not either: a container sharing our host name but not our
pid namespace could look dead while it is alive; a pid on this host can be reused.)

The check and the takeover happen in one transaction, so two processes racing for a free
or stale lock cannot both win: the loser's INSERT/UPDATE matches nothing or violates the
primary key.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from . import _schema as s
from ._util import as_utc as _utc
from ._util import like_escape as _like_escape

if TYPE_CHECKING:
    from sqlalchemy import Connection



def pid_alive(pid: int) -> bool:
    """True if a process with ``pid`` exists on this host (signal 0 probe)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def job_lock_name(job_id: str) -> str:
    """The store lock guarding a scheduled job (``job:send:daily`` for job ``send:daily``)."""
    return f"job:{job_id}"


def send_lock_name(list_name: str) -> str:
    """The lock a send of ``list_name`` holds: the service's guard lock of its send job
    (job id ``send:<list>``), so `newsletter send` and the scheduled send exclude each
    other."""
    return job_lock_name(f"send:{list_name}")


def this_holder() -> tuple[str, int]:
    """``(host, pid)`` of the current process."""
    return socket.gethostname(), os.getpid()


@dataclass(frozen=True)
class LockInfo:
    """Who holds a lock.

    Attributes:
        name: the lock name (``serve``, ``job:send``).
        host / pid: where the holder runs.
        acquired: when it took the lock (UTC).
        heartbeat: its last sign of life (UTC).
    """

    name: str
    host: str
    pid: int
    acquired: datetime
    heartbeat: datetime

    @property
    def holder(self) -> str:
        return f"{self.host}:{self.pid}"

    def is_stale(self, now: datetime, stale_after: float, *, host: str | None = None) -> bool:
        """The takeover rule: heartbeat older than ``stale_after`` s and, on this host,
        the pid dead."""
        if now - self.heartbeat <= timedelta(seconds=stale_after):
            return False
        here = host if host is not None else socket.gethostname()
        return not (self.host == here and pid_alive(self.pid))

    def describe(self) -> str:
        return (f"host={self.host} pid={self.pid} since={self.acquired.isoformat()} "
                f"heartbeat={self.heartbeat.isoformat()}")


@dataclass(frozen=True)
class LockResult:
    """The outcome of :meth:`LocksMixin.acquire_lock`: ``acquired`` or the current holder.

    ``took_over`` names the stale holder that was replaced, if any.
    """

    acquired: bool
    holder: LockInfo | None = None
    took_over: LockInfo | None = None


def _row_info(r: object) -> LockInfo:
    return LockInfo(name=r.name, host=r.host, pid=int(r.pid),  # type: ignore[attr-defined]
                    acquired=_utc(r.acquired),  # type: ignore[attr-defined]
                    heartbeat=_utc(r.heartbeat))  # type: ignore[attr-defined]


class LocksMixin:
    """Methods on Store for the ``locks`` table."""

    if TYPE_CHECKING:
        def begin(self) -> AbstractContextManager[Connection]: ...

    def lock_info(self, name: str) -> LockInfo | None:
        """The current holder of ``name``, or None."""
        with self.begin() as c:
            r = c.execute(select(s.locks).where(s.locks.c.name == name)).first()
        return _row_info(r) if r is not None else None

    def acquire_lock(self, name: str, now: datetime, *, stale_after: float = 30.0,
                     host: str | None = None, pid: int | None = None) -> LockResult:
        """Take the lock ``name`` for ``host:pid`` (default: this process).

        Re-acquiring a lock this holder already has succeeds (and refreshes the heartbeat).

        Args:
            name: the lock name.
            now: the current time (UTC).
            stale_after: seconds without a heartbeat after which a holder may be replaced
                (on this host only if its pid is also dead).
            host / pid: the new holder (tests pass other values).

        Returns:
            ``LockResult(acquired=True)`` or ``LockResult(False, holder=<who has it>)``.
        """
        h, p = this_holder()
        host = host if host is not None else h
        pid = pid if pid is not None else p
        t = s.locks
        values = dict(holder=f"{host}:{pid}", host=host, pid=pid, acquired=now, heartbeat=now)
        try:
            with self.begin() as c:
                # FOR UPDATE: on PostgreSQL a racing taker waits on the row lock and then
                # sees the winner's row (SQLite has one writer and no such clause).
                r = c.execute(select(t).where(t.c.name == name).with_for_update()).first()
                if r is None:
                    c.execute(insert(t).values(name=name, **values))
                    return LockResult(True)
                cur = _row_info(r)
                if cur.host == host and cur.pid == pid:
                    c.execute(update(t).where(t.c.name == name).values(heartbeat=now))
                    return LockResult(True)
                if not cur.is_stale(now, stale_after, host=host):
                    return LockResult(False, holder=cur)
                # Conditional update: only if nobody else took it over meanwhile.
                n = c.execute(update(t).where(t.c.name == name, t.c.holder == r.holder,
                                              t.c.heartbeat == r.heartbeat)
                              .values(**values)).rowcount
                if n != 1:
                    return LockResult(False, holder=self.lock_info(name))
                return LockResult(True, took_over=cur)
        except IntegrityError:  # somebody inserted it between our SELECT and INSERT
            return LockResult(False, holder=self.lock_info(name))

    def heartbeat_lock(self, name: str, now: datetime, *, host: str | None = None,
                       pid: int | None = None) -> bool:
        """Refresh the heartbeat. False if the lock is no longer ours (taken over)."""
        h, p = this_holder()
        holder = f"{host if host is not None else h}:{pid if pid is not None else p}"
        with self.begin() as c:
            n = c.execute(update(s.locks).where(s.locks.c.name == name,
                                                s.locks.c.holder == holder)
                          .values(heartbeat=now)).rowcount
        return n == 1

    def release_lock(self, name: str, *, host: str | None = None,
                     pid: int | None = None) -> bool:
        """Release the lock if this holder has it. Returns whether a row was removed."""
        h, p = this_holder()
        holder = f"{host if host is not None else h}:{pid if pid is not None else p}"
        with self.begin() as c:
            n = c.execute(delete(s.locks).where(s.locks.c.name == name,
                                                s.locks.c.holder == holder)).rowcount
        return n == 1

    def acquire_lock_waiting(self, name: str, now_fn: Callable[[], datetime], *,
                             stale_after: float, stop: threading.Event | None = None,
                             on_wait: Callable[[LockInfo], None] | None = None,
                             poll: float = 0.5) -> LockResult:
        """:meth:`acquire_lock`, waiting out a holder that died on this host.

        A holder whose pid is gone from this host is certainly dead but may only be
        replaced once its heartbeat is stale (the takeover rule), so this polls until then
        (at most ``stale_after`` + 5 s). A live holder, or one on another host, is not
        waited for: the result names it.

        Args:
            on_wait: called once, with the dead holder, when waiting starts (for a log line).
            stop: when set during the wait, give up and return the unacquired result.
        """
        deadline = time.monotonic() + stale_after + 5
        waited = False
        while True:
            res = self.acquire_lock(name, now_fn(), stale_after=stale_after)
            if res.acquired:
                return res
            cur = res.holder
            if cur is None:  # released between our attempts
                continue
            dead_here = cur.host == socket.gethostname() and not pid_alive(cur.pid)
            if not dead_here or time.monotonic() > deadline:
                return res
            if not waited and on_wait is not None:
                on_wait(cur)
            waited = True
            if stop is None:
                time.sleep(poll)
            elif stop.wait(poll):
                return res

    def stamp_locks(self, names: Iterable[str], now: datetime, *, forget_prefix: str,
                    forget_before: datetime) -> LockInfo | None:
        """Claim or refresh the rows ``names`` for this process, unconditionally.

        A row this process holds gets a new heartbeat; a row somebody else holds is replaced
        (the caller has already won the right to it, e.g. through an advisory lock). Then
        rows named ``forget_prefix*`` whose heartbeat is older than ``forget_before`` are
        deleted. One transaction.

        Returns:
            The last replaced holder, or None when nothing was replaced.
        """
        host, pid = this_holder()
        holder = f"{host}:{pid}"
        t = s.locks
        previous = None
        with self.begin() as c:
            for name in names:
                r = c.execute(select(t).where(t.c.name == name).with_for_update()).first()
                if r is not None and r.holder == holder:
                    c.execute(update(t).where(t.c.name == name).values(heartbeat=now))
                    continue
                if r is not None:
                    previous = _row_info(r)
                    c.execute(delete(t).where(t.c.name == name))
                c.execute(insert(t).values(name=name, holder=holder, host=host, pid=pid,
                                           acquired=now, heartbeat=now))
            c.execute(delete(t).where(t.c.name.like(f"{_like_escape(forget_prefix)}%",
                                                    escape="\\"),
                                      t.c.heartbeat < forget_before))
        return previous

    def locks_like(self, prefix: str = "", *, names: Iterable[str] = (),
                   holder: str | None = None) -> list[LockInfo]:
        """The lock rows named ``prefix*`` or exactly one of ``names`` (either may be
        empty), of ``holder`` only when given; in name order."""
        t = s.locks
        which = [t.c.name.in_(list(names))]
        if prefix:
            which.append(t.c.name.like(f"{_like_escape(prefix)}%", escape="\\"))
        query = select(t).where(or_(*which))
        if holder is not None:
            query = query.where(t.c.holder == holder)
        with self.begin() as c:
            rows = c.execute(query.order_by(t.c.name)).all()
        return [_row_info(r) for r in rows]

    @contextmanager
    def heartbeat_while_held(self, name: str, now_fn: Callable[[], datetime],
                             every: float) -> Iterator[None]:
        """Refresh the heartbeat of lock ``name`` every ``every`` s in a daemon thread
        for the duration of the block; release the lock at its end."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(every):
                with suppress(Exception):  # a failed beat is retried; staleness is slow
                    self.heartbeat_lock(name, now_fn())

        t = threading.Thread(target=beat, name=f"heartbeat-{name}", daemon=True)
        t.start()
        try:
            yield
        finally:
            done.set()
            t.join(5)
            with suppress(Exception):
                self.release_lock(name)
