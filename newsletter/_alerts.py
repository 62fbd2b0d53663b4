"""Price-move alerts, wired together: detect after a collect, queue, send.

``Newsletter.collect`` hands the observations it has just stored to :func:`queue_alerts`,
which runs the pure rules of :mod:`newsletter.summarize.alerts` for each list with
``edition = "alerts"`` (thresholds ``[alerts]``; the previous levels and the sparkline
from the store; dedupe against the list's recorded alerts) and records what to send.
:func:`send_queued_alerts` then sends each queued alert as its own ledger unit
(``LIST+COMMODITY`` on the alert's day, :func:`~newsletter.store._alerts.alert_unit`)
through the same machinery as an edition (:func:`newsletter._send.sending_lock`, list
sync, the complaint pause, VERP, pinned relays, rate limits, the resumable
:func:`~newsletter.deliver.send_edition`), to the list's active subscribers whose
commodity choice includes the commodity (no choice: all).

``newsletter run`` sends right after its collect; ``serve`` after each scheduled collect,
so an alert goes out within minutes of the price being stored, not at the next build.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from . import _send
from .config import Config
from .deliver import SendReport, send_edition, sync_list
from .exceptions import ConfigError
from .store import QueuedAlert, Store, alert_unit
from .summarize.alerts import Alert, Thresholds, detect_alerts, select_alerts
from .types import PriceItem

log = logging.getLogger("newsletter.alerts")

Clock = Callable[[], datetime]
HISTORY_DAYS = 45  #: observations read for previous levels and the 30-day sparkline


@dataclass
class AlertRun:
    """What one round of alerts did: queued per list, suppressed with reasons, sends."""

    queued: dict[str, list[Alert]] = field(default_factory=dict)
    suppressed: dict[str, list[str]] = field(default_factory=dict)
    reports: list[SendReport] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"queued": {n: [a.key for a in v] for n, v in self.queued.items()},
                "suppressed": self.suppressed,
                "sends": [r.to_dict() for r in self.reports]}


def alert_thresholds(config: Config) -> Thresholds:
    """``[alerts]`` as :class:`~newsletter.summarize.alerts.Thresholds`.

    Raises:
        ConfigError: an unknown commodity id or group (named with its key; exit 2).
    """
    from pydantic import ValidationError

    try:
        return Thresholds.model_validate(config.alerts.model_dump())
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            msg = e["msg"].removeprefix("Value error, ")
            problems.append(f"alerts.{'.'.join(map(str, e['loc']))}: {msg}")
        raise ConfigError(f"{config.file}: {len(problems)} problem(s) in the configuration:",
                          problems=problems,
                          hint="see the README section 'Configuration' for every key"
                          ) from None


def queue_alerts(store: Store, config: Config, new: Sequence[PriceItem], *,
                 today: date, now: datetime) -> AlertRun:
    """Detect the crossings among ``new`` (observations just stored) and record, per
    alerts list, those the dedupe rules let through.

    Args:
        today: the day of sending for the daily cap (the collect's data day: the capture
            day when replaying snapshots).
    """
    run = AlertRun()
    lists = config.lists_of("alerts")
    dated = [o for o in new if o.as_of is not None]
    if not lists or not dated:
        return run
    since = min(o.as_of for o in dated if o.as_of is not None) - timedelta(days=HISTORY_DAYS)
    history = store.price_observations(since)
    thresholds = alert_thresholds(config)
    # a move already followed by a later level is history, not news (a first collect
    # that brings several days at once alerts only what is still the latest level)
    latest: dict[tuple[str, str], date] = {}
    for o in history:
        k = (o.commodity, o.unit)
        if o.as_of is not None and o.as_of > latest.get(k, date.min):
            latest[k] = o.as_of
    candidates = [a for a in detect_alerts(dated, history, thresholds)
                  if a.as_of >= latest.get((a.commodity, a.unit), a.as_of)]
    for name in lists:
        sel = select_alerts(candidates, store.alert_records(name), today=today,
                            thresholds=thresholds)
        if sel.send:
            store.queue_alerts(name, sel.send, sent_on=today, now=now)
            run.queued[name] = list(sel.send)
            for a in sel.send:
                log.info("alert queued: list=%s %s", name, a.headline)
        if sel.suppressed:
            run.suppressed[name] = [why for _, why in sel.suppressed]
    return run


def send_queued_alerts(store: Store, config: Config, now: Clock, *,
                       stop_event: Any = None) -> list[SendReport]:
    """Send (or resume) every queued alert of every alerts list, oldest first."""
    reports: list[SendReport] = []
    for name in config.lists_of("alerts"):
        queued = store.queued_alerts(name)
        if not queued:
            continue
        with _send.sending_lock(store, name, now=now,
                                stale_after=config.schedule.lock_stale_seconds):
            rejected = sync_list(store, config, name, now()).rejected
            from .bounces import complaint_pause, reenable_due

            reenable_due(store, now())
            for q in queued:
                reason = complaint_pause(store, config, name, q.alert.as_of)
                if reason:
                    reports.append(SendReport(edition_date=q.alert.as_of,
                                              list_name=q.unit, paused=True,
                                              pause_reason=reason, state="paused"))
                    continue
                rep = _send_one(store, config, now, q, stop_event=stop_event)
                rep.notes.extend(f"list import rejected {r}" for r in rejected)
                reports.append(rep)
    return reports


def _send_one(store: Store, config: Config, now: Clock, q: QueuedAlert, *,
              stop_event: Any) -> SendReport:
    from .deliver import AlertMessageFactory
    from .render import render_alert

    rendered = render_alert(q.alert, config=config, list_name=q.list_name)
    factory = AlertMessageFactory(rendered, config=config, list_name=q.list_name,
                                  unit=q.unit, secret=config.secret())
    transport = _send.open_transport(config, config.data_dir / "outbox", q.list_name)
    try:
        rep = send_edition(store, factory, transport, edition_date=q.alert.as_of,
                           list_name=q.unit, settings=config.delivery, now_fn=now,
                           stop_event=stop_event, envelope_for=_send.verp_sender(config),
                           audience=store.alert_audience(q.list_name, q.alert.commodity))
    finally:
        transport.close()
    if rep.state == "sent":
        store.mark_alert_sent(q.id, now())
    log.info("alert %s: %s", q.unit, rep.summary())
    return rep


def alert_day(config: Config, when: datetime) -> date:
    """The day an alert counts against the daily cap (the newsletter's time zone)."""
    return when.astimezone(ZoneInfo(config.newsletter.timezone)).date()


__all__ = ["AlertRun", "alert_day", "alert_thresholds", "alert_unit",
           "queue_alerts", "send_queued_alerts"]
