"""The ``runs`` table (job runs for status, health and the scheduler) and the scheduler's
reads of the ``sends`` ledger (whose writes belong to ``_deliveries.py``)."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from . import _schema as s
from ._util import as_utc as _utc
from ._util import inserted_id

if TYPE_CHECKING:
    from sqlalchemy import Connection


class RunsMixin:
    """Job runs (``collect``, ``build``, ``send``) and the send history by start time."""

    if TYPE_CHECKING:
        def begin(self) -> AbstractContextManager[Connection]: ...

    # --- runs ----------------------------------------------------------------------------
    def start_run(self, job: str, now: datetime) -> int:
        with self.begin() as c:
            res = c.execute(insert(s.runs).values(job=job, started=now, status="running",
                                                  detail="{}"))
            return inserted_id(res)

    def finish_run(self, run_id: int, status: str, detail: dict[str, Any],
                   now: datetime) -> None:
        with self.begin() as c:
            c.execute(update(s.runs).where(s.runs.c.id == run_id).values(
                finished=now, status=status, detail=json.dumps(detail, default=str)))

    def last_runs(self) -> dict[str, dict[str, Any]]:
        """The latest finished run of each job."""
        out: dict[str, dict[str, Any]] = {}
        with self.begin() as c:
            for job in ("collect", "build", "send"):
                r = c.execute(select(s.runs).where(s.runs.c.job == job,
                                                   s.runs.c.finished.is_not(None))
                              .order_by(s.runs.c.id.desc()).limit(1)).mappings().first()
                if r:
                    out[job] = {"started": _utc(r["started"]).isoformat(),
                                "finished": _utc(r["finished"]).isoformat(),
                                "status": r["status"], "detail": json.loads(r["detail"])}
        return out

    def runs_started_since(self, job: str, since: datetime) -> int:
        """How many runs of ``job`` started at or after ``since`` (any outcome)."""
        t = s.runs
        with self.begin() as c:
            rows = c.execute(select(t.c.started).where(t.c.job == job)).scalars().all()
        return sum(1 for st in rows if (_utc(st) or since) >= since.astimezone(UTC))

    def record_skipped_send(self, list_name: str, scheduled: datetime, reason: str,
                            now: datetime) -> None:
        """Record a send that will not happen today as a ``runs`` row with status skipped."""
        run_id = self.start_run("send", now)
        self.finish_run(run_id, "skipped", {"list": list_name,
                                            "scheduled": scheduled.isoformat(),
                                            "reason": reason}, now)

    def skipped_since(self, list_name: str, since: datetime) -> bool:
        """Whether a skipped send of ``list_name`` was recorded at or after ``since``."""
        t = s.runs
        with self.begin() as c:
            rows = c.execute(select(t.c.started, t.c.detail).where(
                t.c.job == "send", t.c.status == "skipped")).all()
        for started, detail in rows:
            try:
                d = json.loads(detail or "{}")
            except ValueError:
                continue
            st = _utc(started)
            if d.get("list") == list_name and st is not None and st >= since.astimezone(UTC):
                return True
        return False

    # --- the send history ----------------------------------------------------------------
    def sends_started_since(self, list_name: str, since: datetime) -> list[dict[str, Any]]:
        """Rows of the ``sends`` ledger for ``list_name`` started at or after ``since``,
        newest first: ``edition_date``, ``status``, ``started`` (UTC)."""
        t = s.sends
        with self.begin() as c:
            rows = c.execute(select(t.c.edition_date, t.c.status, t.c.started)
                             .where(t.c.list == list_name)
                             .order_by(t.c.started.desc())).mappings().all()
        out = []
        for r in rows:
            started = _utc(r["started"])
            if started is not None and started >= since.astimezone(UTC):
                out.append({"edition_date": r["edition_date"], "status": r["status"],
                            "started": started})
        return out
