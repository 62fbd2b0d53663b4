"""The scheduler of ``newsletter serve``: cron jobs that drive :class:`~newsletter.core.Newsletter`.

Jobs (APScheduler 3.11 ``BackgroundScheduler``, time zone from ``[schedule] timezone``):

* ``collect``: ``[schedule] collect`` (several times a day); ``[schedule] offline = true``
  replays the recorded snapshots instead of the network, like ``newsletter collect --offline``.
* ``build``: ``[schedule] build``, the day's draft.
* ``send:<list>``: ``[lists.<list>] send`` (time zone ``[lists.<list>] timezone``), else
  ``[schedule] send``.

Cron expressions have 5 fields (``minute hour day month day-of-week``, day 0 or 7 = Sunday
as in crontab) or 6 with **seconds first** (``second minute hour ...``) so tests can fire
jobs within seconds.

Exactly one edition per list per day (issue 7) is decided by the ledger in the store, never
by the scheduler's memory:

* :func:`send_if_due` refuses when a send of that list already *started* on the local day
  of the send time (any edition), and ``Newsletter.send`` itself never sends an edition
  twice to a list (the ``sends`` / ``deliveries`` ledger), so a restart resumes an
  interrupted send instead of repeating it.
* Misfires: the service may have been down at send time. On start-up :func:`catch_up`
  looks for today's send time; within ``grace_minutes`` (default 120) the edition goes out
  now; later, the day's send is recorded as ``skipped`` (a ``runs`` row) and logged. While
  the service runs, APScheduler's ``misfire_grace_time`` and ``coalesce`` cover the same
  window (a busy pool or a suspended machine).
* Retries: every 5 minutes a ``retry`` job resumes today's unfinished sends (messages
  deferred by a 4xx answer, a send paused by connection errors).
* Overruns: ``max_instances=1`` per job, plus a store lock ``job:<id>`` so that a job never
  starts twice even across processes that share the store.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from .exceptions import ConfigError, NewsletterError, NotApprovedError
from .store._locks import job_lock_name, send_lock_name
from .store._util import as_utc as _utc

if TYPE_CHECKING:
    from .config import Config
    from .core import Newsletter

log = logging.getLogger("newsletter.schedule")

RETRY_SECONDS = 300
"""How often ``serve`` resumes today's unfinished sends (deferred messages, a pause)."""

_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def kv(event: str, **fields: Any) -> str:
    """One log line as ``event=... key=value ...``; values with spaces are quoted."""
    parts = [f"event={event}"]
    for k, v in fields.items():
        if v is None:
            continue
        text = v.isoformat() if isinstance(v, datetime | date) else str(v)
        text = text.replace("\n", " ").replace("\r", " ")
        if not text or any(ch in text for ch in ' "='):
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        parts.append(f"{k}={text}")
    return " ".join(parts)


# --- cron --------------------------------------------------------------------------------

def _dow_value(tok: str) -> int:
    tok = tok.strip().lower()
    if tok[:3] in _DOW_NAMES and not tok.isdigit():
        return _DOW_NAMES.index(tok[:3])
    n = int(tok)
    if not 0 <= n <= 7:
        raise ValueError(f"day of week {n} out of range 0-7")
    return n % 7


def _convert_dow(field: str) -> str:
    """Crontab day-of-week (0/7 = Sunday, names allowed) to APScheduler 3 names.

    APScheduler 3 numbers days from Monday = 0, so numbers cannot be passed through.
    """
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        rng, _, step_s = part.partition("/")
        step = int(step_s) if step_s else 1
        if step < 1:
            raise ValueError("step must be at least 1")
        if rng in ("*", "?"):
            lo, hi = 0, 6
        elif "-" in rng:
            a, b = rng.split("-", 1)
            lo, hi = _dow_value(a), _dow_value(b)
            if b.strip() == "7":
                hi = 7
            if hi < lo:
                raise ValueError(f"bad day-of-week range {rng!r}")
        else:
            lo = _dow_value(rng)
            hi = 6 if step_s else lo
        days.update(d % 7 for d in range(lo, hi + 1, step))
    return ",".join(_DOW_NAMES[d] for d in sorted(days))


def parse_cron(expr: str, tz: tzinfo | str) -> CronTrigger:
    """A ``CronTrigger`` from 5 crontab fields, or 6 with seconds first.

    Raises:
        ConfigError: the expression is not valid (the message quotes it).
    """
    fields = expr.split()
    if len(fields) == 5:
        second, (minute, hour, day, month, dow) = "0", fields
    elif len(fields) == 6:
        second, minute, hour, day, month, dow = fields
    else:
        raise ConfigError(f"cron expression {expr!r}: expected 5 fields, or 6 with seconds "
                          "first")
    try:
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=_convert_dow(dow), timezone=tz)
    except ValueError as exc:
        raise ConfigError(f"cron expression {expr!r}: {exc}",
                          hint="fields: [second] minute hour day month day-of-week") from None


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: its id, cron expression, time zone and (for sends) list."""

    id: str
    cron: str
    tz: str
    list_name: str | None = None

    def trigger(self) -> CronTrigger:
        return parse_cron(self.cron, ZoneInfo(self.tz))


def job_specs(config: Config) -> list[JobSpec]:
    """The jobs ``serve`` schedules for this configuration."""
    sch = config.schedule
    specs = [JobSpec("collect", sch.collect, sch.timezone),
             JobSpec("build", sch.build, sch.timezone)]
    for name, ls in config.lists.items():
        specs.append(JobSpec(f"send:{name}", ls.send or sch.send, ls.timezone or sch.timezone,
                             list_name=name))
    return specs


def next_fire_times(config: Config, now: datetime) -> dict[str, str | None]:
    """The next run of each job after ``now`` (ISO 8601 in the job's time zone).

    Keys: ``collect``, ``build``, ``send`` (the earliest list) and ``send:<list>``.
    An invalid expression gives None for that job (``serve`` reports it as an error).
    """
    out: dict[str, str | None] = {}
    sends: list[datetime] = []
    for spec in job_specs(config):
        try:
            nxt = spec.trigger().get_next_fire_time(None, now)
        except ConfigError:
            nxt = None
        out[spec.id] = nxt.isoformat() if nxt else None
        if spec.list_name and nxt:
            sends.append(nxt)
    out["send"] = min(sends, key=lambda d: d.astimezone(UTC)).isoformat() if sends else None
    return out


def last_fire_time(trigger: CronTrigger, now: datetime, since: datetime,
                   limit: int = 5000) -> datetime | None:
    """The latest fire time of ``trigger`` in ``[since, now]``, or None.

    APScheduler 3 has no "previous fire time", so this walks forward through windows ending
    at ``now`` (the last minute, ten minutes, an hour, six hours, then all of
    ``[since, now]``); the first window with a fire time holds the latest one. Each walk is
    bounded by ``limit`` steps, so a job firing every second costs a minute of steps.
    """
    for span in (60, 600, 3600, 6 * 3600, None):
        start = since if span is None else max(since, now - timedelta(seconds=span))
        last = None
        cursor: datetime | None = trigger.get_next_fire_time(None, start)
        steps = 0
        while cursor is not None and cursor <= now and steps < limit:
            last = cursor
            cursor = trigger.get_next_fire_time(cursor, cursor + timedelta(microseconds=1))
            steps += 1
        if last is not None and (cursor is None or cursor > now):
            return last
        if start <= since:
            return last  # the whole range walked (or the step limit hit on it)
    return None


def _local_midnight(t: datetime, tz: ZoneInfo) -> datetime:
    d = t.astimezone(tz).date()
    return datetime.combine(d, time(0), tz)


# --- the ledger --------------------------------------------------------------------------

def sends_started_since(nl: Newsletter, list_name: str,
                        since: datetime) -> list[dict[str, Any]]:
    """Rows of the ``sends`` ledger for ``list_name`` started at or after ``since``.

    Read-only; the delivery stage owns the writes.
    """
    from .store import _schema as s

    t = s.sends
    with nl.store.begin() as c:
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


def send_status(nl: Newsletter, day: date, list_name: str) -> str | None:
    """The ledger status of ``(day, list)`` (``sending``/``paused``/``sent``/...), or None."""
    from .store import _schema as s

    t = s.sends
    with nl.store.begin() as c:
        return c.execute(select(t.c.status).where(t.c.edition_date == day,
                                                  t.c.list == list_name)).scalar_one_or_none()


def skipped_since(nl: Newsletter, list_name: str, since: datetime) -> bool:
    """Whether a skipped send of ``list_name`` was recorded at or after ``since``."""
    from .store import _schema as s

    t = s.runs
    with nl.store.begin() as c:
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


def runs_started_since(nl: Newsletter, job: str, since: datetime) -> int:
    """How many runs of ``job`` started at or after ``since`` (any outcome)."""
    from .store import _schema as s

    t = s.runs
    with nl.store.begin() as c:
        rows = c.execute(select(t.c.started).where(t.c.job == job)).scalars().all()
    return sum(1 for st in rows if (_utc(st) or since) >= since.astimezone(UTC))


def record_skipped(nl: Newsletter, list_name: str, scheduled: datetime, reason: str) -> None:
    """Record a send that will not happen today as a ``runs`` row with status skipped."""
    run_id = nl.store.start_run("send", nl.now())
    nl.store.finish_run(run_id, "skipped", {"list": list_name,
                                            "scheduled": scheduled.isoformat(),
                                            "reason": reason}, nl.now())


# --- the jobs ----------------------------------------------------------------------------

class JobGuard:
    """``max_instances=1`` plus a store-level guard: a job never runs twice at once.

    An in-process lock per job id and a store lock ``job:<id>`` (held by this process,
    refreshed by the service heartbeat, stale-taken-over like the ``serve`` lock).
    """

    def __init__(self, nl: Newsletter, stale_after: float) -> None:
        self.nl = nl
        self.stale_after = stale_after
        self._locks: dict[str, threading.Lock] = {}
        self._held: set[str] = set()
        self._mutex = threading.Lock()
        self.idle = threading.Condition(self._mutex)

    @property
    def held(self) -> list[str]:
        with self._mutex:
            return sorted(self._held)

    @contextmanager
    def hold(self, job_id: str) -> Iterator[bool]:
        """Yield True if this job may run now, False if an instance is already running."""
        with self._mutex:
            lk = self._locks.setdefault(job_id, threading.Lock())
        if not lk.acquire(blocking=False):
            yield False
            return
        name = job_lock_name(job_id)
        try:
            res = self.nl.store.acquire_lock(name, self.nl.now(), stale_after=self.stale_after)
            if not res.acquired:
                log.warning(kv("job_refused", job=job_id, reason="already running",
                               holder=res.holder.holder if res.holder else None))
                yield False
                return
            with self._mutex:
                self._held.add(name)
            try:
                yield True
            finally:
                with self._mutex:
                    self._held.discard(name)
                    self.idle.notify_all()
                try:
                    self.nl.store.release_lock(name)
                except NewsletterError as exc:
                    log.error(kv("lock_release_failed", lock=name, error=exc.message))
        finally:
            lk.release()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job holds a lock; False on timeout."""
        with self._mutex:
            return self.idle.wait_for(lambda: not self._held, timeout=timeout)


@dataclass
class Runner:
    """What the scheduled jobs call: ``Newsletter`` methods, guarded and logged.

    Attributes:
        nl: the newsletter.
        stop_event: set on SIGTERM/SIGINT; passed to the sender so it checkpoints.
        guard: the job guard.
    """

    nl: Newsletter
    stop_event: threading.Event
    guard: JobGuard

    def _run(self, job_id: str, fn: Callable[[], Any]) -> Any:
        if self.stop_event.is_set():
            log.info(kv("job_skipped", job=job_id, reason="shutting down"))
            return None
        with self.guard.hold(job_id) as ok:
            if not ok:
                log.warning(kv("job_overlap", job=job_id,
                               reason="previous run still going; not started twice"))
                return None
            log.info(kv("job_start", job=job_id))
            try:
                result = fn()
            except NotApprovedError as exc:
                # An operator must act: say so loudly, once per attempt, with the fix.
                log.critical(kv("alert", job=job_id, reason="edition not approved",
                                error=exc.message, hint=exc.hint or ""))
                return None
            except NewsletterError as exc:
                log.error(kv("job_error", job=job_id, error=exc.message))
                return None
            except Exception as exc:  # a bug: keep the service alive, log the traceback
                log.exception(kv("job_crash", job=job_id, error=f"{type(exc).__name__}: "
                                                                 f"{exc}"))
                return None
            log.info(kv("job_done", job=job_id))
            return result

    def collect(self) -> Any:
        """The scheduled collect (offline replay when ``[schedule] offline``)."""
        def go() -> Any:
            rep = self.nl.collect(offline=self.nl.config.schedule.offline)
            log.info(kv("collected", items_new=rep.items_new, failed=len(rep.failed),
                        offline=rep.offline))
            return rep
        return self._run("collect", go)

    def build(self) -> Any:
        """The scheduled build of the day's draft."""
        def go() -> Any:
            b = self.nl.build()
            log.info(kv("built", date=b.date, stories=b.stories, html_size=b.html_size))
            return b
        return self._run("build", go)

    def retry(self) -> None:
        """Resume today's unfinished sends (deferred 4xx answers, a pause, a crash).

        Only sends that started today (list time zone) are retried; an older unfinished
        send waits for ``newsletter send``.
        """
        for name in self.nl.config.lists:
            if send_lock_name(name) in self.guard.held or self.stop_event.is_set():
                continue
            tz = ZoneInfo(self.nl.config.list_settings(name).timezone
                          or self.nl.config.schedule.timezone)
            today = _local_midnight(self.nl.now(), tz)
            open_sends = [r for r in sends_started_since(self.nl, name, today)
                          if r["status"] in ("sending", "paused", "deferred")]
            if open_sends:
                log.info(kv("retry", list=name, edition=open_sends[0]["edition_date"],
                            status=open_sends[0]["status"]))
                self.send(name)

    def bounces(self) -> Any:
        """The scheduled read of the bounce mailbox (issue 14, ``[bounces.mailbox]``)."""
        def go() -> Any:
            from .bounces._mailbox import fetch

            rep = fetch(self.nl.store, self.nl.config, self.nl.now)
            log.info(kv("bounces_fetched", fetched=rep.fetched, stored=rep.stored,
                        kept=len(rep.kept), errors=len(rep.errors)))
            for k in rep.kept:
                log.warning(kv("bounce_kept", reason="not understood, left in the mailbox",
                               message=k))
            return rep
        return self._run("bounces", go)

    def send(self, list_name: str, scheduled: datetime | None = None) -> Any:
        """The scheduled send of one list (see :func:`send_if_due`)."""
        return self._run(f"send:{list_name}",
                         lambda: send_if_due(self.nl, list_name, scheduled or self.nl.now(),
                                             self.stop_event))


def send_if_due(nl: Newsletter, list_name: str, scheduled: datetime,
                stop_event: threading.Event | None = None) -> str:
    """Send the latest edition to ``list_name`` unless the ledger says the day is done.

    Args:
        scheduled: the send time this run stands for; its local date (list time zone) is
            "the day" of the one-edition-per-day rule.

    Returns:
        What happened: ``sent``, ``resumed``, ``already_sent``, ``no_edition``,
        ``stale_edition``, ``interrupted`` or ``failed``.
    """
    tz = ZoneInfo(nl.config.list_settings(list_name).timezone or nl.config.schedule.timezone)
    day_start = _local_midnight(scheduled, tz)
    day = nl.store.latest_edition_date()
    if day is None:
        log.warning(kv("send_skipped", list=list_name, reason="no edition built"))
        return "no_edition"
    status = send_status(nl, day, list_name)
    if status in ("sent", "skipped"):
        log.info(kv("send_skipped", list=list_name, edition=day,
                    reason=f"edition already {status} (ledger)"))
        return "already_sent"
    resuming = status in ("sending", "paused", "deferred")
    if not resuming:
        others = [r for r in sends_started_since(nl, list_name, day_start)
                  if r["edition_date"] != day]
        if others:
            log.info(kv("send_skipped", list=list_name, edition=day,
                        reason=f"edition {others[0]['edition_date']} already went to this "
                               "list today (one edition per list per day)"))
            return "already_sent"
        row = nl.store.edition(day)
        built = row["built_at"] if row else None
        max_age = timedelta(hours=24, minutes=nl.config.schedule.grace_minutes)
        if built is not None and nl.now() - built > max_age:
            log.warning(kv("send_skipped", list=list_name, edition=day,
                           reason="latest edition is older than a day; build did not run?"))
            return "stale_edition"
    log.info(kv("send_start", list=list_name, edition=day, resume=resuming))
    reports = nl.send(day, list_name=list_name, stop_event=stop_event)
    outcome = "resumed" if resuming else "sent"
    for r in reports:
        if r.already_sent:
            outcome = "already_sent"
        elif r.paused:
            outcome = "interrupted" if stop_event is not None and stop_event.is_set() \
                else "failed"
        elif r.failed:
            outcome = "failed"
        log.info(kv("send_done", list=r.list_name, edition=day, outcome=outcome, sent=r.sent,
                    deferred=r.deferred, failed=r.failed, bounced=r.bounced,
                    paused=r.paused, message=r.pause_reason or None))
    return outcome


def catch_up(nl: Newsletter, runner: Runner, now: datetime | None = None) -> dict[str, str]:
    """Start-up check for work missed while the service was down.

    Collect and build whose fire time today passed with no run since are run now; for
    each list whose send time today passed and that has no send today: within
    ``grace_minutes`` it is sent now, later it is recorded as skipped.

    Returns:
        ``{job_id: what happened}`` for the jobs it looked at.
    """
    now = now or nl.now()
    grace = timedelta(minutes=nl.config.schedule.grace_minutes)
    done: dict[str, str] = {}
    specs = job_specs(nl.config)
    sends_due: list[tuple[JobSpec, datetime]] = []
    for spec in specs:
        tz = ZoneInfo(spec.tz)
        since = _local_midnight(now, tz)
        last = last_fire_time(spec.trigger(), now, since)
        if last is None:
            continue
        if spec.list_name is None:
            if runs_started_since(nl, spec.id, last) == 0 and now - last <= grace:
                log.info(kv("catch_up", job=spec.id, missed=last))
                done[spec.id] = "run"
                getattr(runner, spec.id)()
            continue
        ledger_day = _local_midnight(last, tz)
        sent_today = [r for r in sends_started_since(nl, spec.list_name, ledger_day)
                      if r["status"] in ("sent", "sending", "paused")]
        if sent_today and all(r["status"] == "sent" for r in sent_today):
            continue
        if sent_today:  # interrupted today: resume now, whatever the time
            sends_due.append((spec, last))
            continue
        if skipped_since(nl, spec.list_name, ledger_day):
            continue
        if now - last <= grace:
            sends_due.append((spec, last))
        else:
            late = int((now - last).total_seconds() // 60)
            log.warning(kv("send_missed", list=spec.list_name, scheduled=last,
                           minutes_late=late, grace_minutes=nl.config.schedule.grace_minutes,
                           action="skipped until the next send time"))
            record_skipped(nl, spec.list_name, last, f"service down at send time; "
                                                     f"{late} min late > grace")
            done[spec.id] = "skipped"
    for spec, last in sends_due:
        assert spec.list_name is not None
        log.info(kv("catch_up", job=spec.id, missed=last))
        done[spec.id] = str(runner.send(spec.list_name, last))
    return done


def make_scheduler(nl: Newsletter, runner: Runner) -> BackgroundScheduler:
    """A BackgroundScheduler (time zone from ``[schedule] timezone``) with every job added.

    Raises:
        ConfigError: a cron expression is invalid.
    """
    cfg = nl.config
    grace = cfg.schedule.grace_minutes * 60
    sched = BackgroundScheduler(
        timezone=ZoneInfo(cfg.schedule.timezone),
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": max(grace, 1)},
        executors={"default": {"type": "threadpool", "max_workers": 4}})
    for spec in job_specs(cfg):
        if spec.list_name is None:
            func = getattr(runner, spec.id)
            kwargs: dict[str, Any] = {}
        else:
            func = runner.send
            kwargs = {"list_name": spec.list_name}
        sched.add_job(func, spec.trigger(), id=spec.id, name=spec.id, kwargs=kwargs,
                      replace_existing=True)
    sched.add_job(runner.retry, "interval", seconds=RETRY_SECONDS, id="retry", name="retry",
                  replace_existing=True)
    if cfg.bounces.mailbox.host:
        sched.add_job(runner.bounces, "interval", minutes=cfg.bounces.mailbox.every_minutes,
                      id="bounces", name="bounces", replace_existing=True)
    return sched
