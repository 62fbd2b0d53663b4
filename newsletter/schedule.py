"""The scheduler of ``newsletter serve``: cron jobs that drive :class:`~newsletter.core.Newsletter`.

Jobs (APScheduler 3.11 ``BackgroundScheduler``, time zone from ``[schedule] timezone``):

* ``collect``: ``[schedule] collect`` (several times a day); ``[schedule] offline = true``
  replays the recorded snapshots instead of the network, like ``newsletter collect --offline``.
* ``build``: ``[schedule] build``, the day's draft.
* ``send:<list>``: ``[lists.<list>] send`` (time zone ``[lists.<list>] timezone``), else
  ``[schedule] send``.

Cron expressions and fire times are :mod:`newsletter._cron`'s; the ledger reads are the
store's (``store/_runs.py``).

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

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

from ._cron import JobSpec, due_today, job_specs, local_midnight
from ._logfmt import kv
from .core import Newsletter
from .exceptions import NewsletterError, NotApprovedError
from .store import job_lock_name, send_lock_name

log = logging.getLogger("newsletter.schedule")

RETRY_SECONDS = 300
"""How often ``serve`` resumes today's unfinished sends (deferred messages, a pause)."""

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
            # price alerts go out right after the collect that stored the price (under
            # the "alerts" guard the retry job takes too, so the two never overlap; when
            # it holds it, that run or the next retry sends what this collect queued)
            with self.guard.hold("alerts") as ok:
                if ok:
                    self._send_alerts()
            return rep
        return self._run("collect", go)

    def _send_alerts(self) -> None:
        for r in self.nl.send_alerts(stop_event=self.stop_event):
            log.info(kv("alert_sent", unit=r.list_name, day=r.edition_date,
                        sent=r.sent, failed=r.failed, state=r.state))

    def retry_alerts(self) -> Any:
        """Resume queued price alerts (a 4xx answer deferred some, a pause, a crash)."""
        if not self.nl.config.lists_of("alerts") or not self.nl.store.queued_alerts():
            return None
        return self._run("alerts", self._send_alerts)

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
        self.retry_alerts()
        for name in self.nl.config.lists:
            if send_lock_name(name) in self.guard.held or self.stop_event.is_set():
                continue
            if self.nl.config.list_settings(name).edition == "alerts":
                continue  # retry_alerts
            tz = ZoneInfo(self.nl.config.list_settings(name).timezone
                          or self.nl.config.schedule.timezone)
            today = local_midnight(self.nl.now(), tz)
            open_sends = [r for r in self.nl.store.sends_started_since(name, today)
                          if r["status"] in ("sending", "paused", "deferred")]
            if open_sends:
                log.info(kv("retry", list=name, edition=open_sends[0]["edition_date"],
                            status=open_sends[0]["status"]))
                self.send(name)

    def bounces(self) -> Any:
        """The scheduled read of the bounce mailbox (issue 14, ``[bounces.mailbox]``)."""
        def go() -> Any:
            from .bounces import fetch_mailbox

            rep = fetch_mailbox(self.nl.store, self.nl.config, self.nl.now)
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
    day_start = local_midnight(scheduled, tz)
    kind = nl.list_kind(list_name)
    if kind == "weekly":
        # the recap of the week up to the send day, built when it is due (the week's
        # dailies are in by then); a rebuild after a crash makes the same recap
        week_day = scheduled.astimezone(tz).date()
        if nl.store.edition(week_day, "weekly") is None:
            nl.build_list(list_name, week_day)
    day = nl.store.latest_edition_date(kind)
    if day is None:
        log.warning(kv("send_skipped", list=list_name, reason="no edition built"))
        return "no_edition"
    state = nl.store.send_state(day, list_name)
    status = state["status"] if state else None
    if status in ("sent", "skipped"):
        log.info(kv("send_skipped", list=list_name, edition=day,
                    reason=f"edition already {status} (ledger)"))
        return "already_sent"
    resuming = status in ("sending", "paused", "deferred")
    if not resuming:
        others = [r for r in nl.store.sends_started_since(list_name, day_start)
                  if r["edition_date"] != day]
        if others:
            log.info(kv("send_skipped", list=list_name, edition=day,
                        reason=f"edition {others[0]['edition_date']} already went to this "
                               "list today (one edition per list per day)"))
            return "already_sent"
        row = nl.store.edition(day, kind)
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


@dataclass(frozen=True)
class TodaysSend:
    """Where today's send of one list stands (``/healthz`` reports one per list).

    Attributes:
        due: today's send time (list time zone) once it has passed, else None.
        last_sent: when the latest completed send of today started, or None.
        overdue: ``due`` plus ``grace_minutes`` passed with no completed send today while
            the list has active subscribers: past the window :func:`catch_up` sends in.
    """

    list_name: str
    due: datetime | None
    last_sent: datetime | None
    overdue: bool

    @property
    def problem(self) -> str | None:
        """One line for ``/healthz`` ``problems`` when overdue."""
        if not self.overdue or self.due is None:
            return None
        return f"list {self.list_name}: today's send ({self.due.isoformat()}) is overdue"

    def to_json(self) -> dict[str, Any]:
        return {"due": self.due.isoformat() if self.due else None,
                "sent_today": self.last_sent is not None,
                "last_sent": self.last_sent.astimezone(UTC).isoformat()
                if self.last_sent else None,
                "overdue": self.overdue}


def todays_sends(nl: Newsletter, now: datetime) -> list[TodaysSend]:
    """For each list, whether today's send is done, and whether it is overdue."""
    grace = timedelta(minutes=nl.config.schedule.grace_minutes)
    out = []
    for spec in job_specs(nl.config):
        if spec.list_name is None:
            continue
        try:
            due = due_today(spec, now)
        except NewsletterError:
            due = None
        midnight = local_midnight(now, ZoneInfo(spec.tz))
        sent = [r for r in nl.store.sends_started_since(spec.list_name, midnight)
                if r["status"] == "sent"]
        overdue = (due is not None and now > due + grace and not sent
                   and bool(nl.store.subscriber_counts(spec.list_name).get("active")))
        out.append(TodaysSend(spec.list_name, due, sent[0]["started"] if sent else None,
                              overdue))
    return out


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
        last = due_today(spec, now)
        if last is None:
            continue
        if spec.list_name is None:
            if nl.store.runs_started_since(spec.id, last) == 0 and now - last <= grace:
                log.info(kv("catch_up", job=spec.id, missed=last))
                done[spec.id] = "run"
                getattr(runner, spec.id)()
            continue
        ledger_day = local_midnight(last, tz)
        sent_today = [r for r in nl.store.sends_started_since(spec.list_name, ledger_day)
                      if r["status"] in ("sent", "sending", "paused")]
        if sent_today and all(r["status"] == "sent" for r in sent_today):
            continue
        if sent_today:  # interrupted today: resume now, whatever the time
            sends_due.append((spec, last))
            continue
        if nl.store.skipped_since(spec.list_name, ledger_day):
            continue
        if now - last <= grace:
            sends_due.append((spec, last))
        else:
            late = int((now - last).total_seconds() // 60)
            log.warning(kv("send_missed", list=spec.list_name, scheduled=last,
                           minutes_late=late, grace_minutes=nl.config.schedule.grace_minutes,
                           action="skipped until the next send time"))
            nl.store.record_skipped_send(spec.list_name, last, f"service down at send time; "
                                                               f"{late} min late > grace",
                                         nl.now())
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
