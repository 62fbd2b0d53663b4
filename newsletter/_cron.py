"""Cron maths for the scheduled jobs: parsing, the job list, next and last fire times.

A leaf module (configuration and APScheduler's ``CronTrigger`` only): ``Newsletter.status``
reads the next runs from it, and the scheduler (:mod:`newsletter.schedule`), its start-up
catch-up and ``/healthz`` read when a job was due from it.

Cron expressions have 5 fields (``minute hour day month day-of-week``, day 0 or 7 = Sunday
as in crontab) or 6 with **seconds first** (``second minute hour ...``) so tests can fire
jobs within seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from .config import Config
from .exceptions import ConfigError

_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


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
        if ls.edition == "alerts":
            continue  # alerts go out after each collect, not at a send time
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


def local_midnight(t: datetime, tz: ZoneInfo) -> datetime:
    """The start of the local day of ``t`` in ``tz``."""
    d = t.astimezone(tz).date()
    return datetime.combine(d, time(0), tz)


def due_today(spec: JobSpec, now: datetime) -> datetime | None:
    """The latest fire time of ``spec`` today (its time zone) at or before ``now``: when
    the job was last due. None when it has not been due yet today.

    Raises:
        ConfigError: the job's cron expression is invalid.
    """
    return last_fire_time(spec.trigger(), now, local_midnight(now, ZoneInfo(spec.tz)))
