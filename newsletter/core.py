"""The one object every front end drives: :class:`Newsletter`.

The CLI, the preview app and the scheduler all get a ``Newsletter`` and call its methods
(``collect``, ``build``, ``send``, ``run``, ``inspect``, ``approve``, ``status``). This
module, with :mod:`._send` (sending) and :mod:`.schedule`, is the orchestration: it reads the
store, hands plain values to the stages (collect, summarize and render never see the store;
deliver and bounces take it for the send ledger and subscriber status) and writes their
results back. Every method persists its result before returning, so each can run on its own
and after a crash (docs/internals.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import _send
from ._cron import next_fire_times
from .config import Config
from .deliver import SendReport
from .exceptions import ConfigError, NotApprovedError, RenderError
from .store import Store, open_store
from .types import Edition, Item, PriceItem, RenderedEdition, Source, WeeklyEdition

log = logging.getLogger("newsletter")


@dataclass
class CollectReport:
    """What ``collect`` did: one report per source (the ``collect --json`` output) plus
    totals."""

    sources: list[dict[str, Any]] = field(default_factory=list)
    items_new: int = 0
    items_updated: int = 0
    prices_new: int = 0
    as_of: datetime | None = None
    offline: bool = False
    #: price alerts queued by this collect, per alerts list ("dy_oxide|2026-11-26")
    alerts_queued: dict[str, list[str]] = field(default_factory=dict)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [s for s in self.sources if s["status"] == "error"]

    def to_json(self) -> dict[str, Any]:
        return {"sources": self.sources, "items_new": self.items_new,
                "items_updated": self.items_updated, "prices_new": self.prices_new,
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "offline": self.offline, "alerts_queued": self.alerts_queued}


@dataclass
class BuildReport:
    date: date
    directory: Path
    stories: int
    highlights: int
    prices: int
    html_size: int
    items_considered: int
    warnings: list[str] = field(default_factory=list)


class Newsletter:
    """A configured newsletter project.

    Args:
        config: the validated configuration.
        store: an open store (default: opened from ``config.store_url``).
        now: the clock; tests replace it (the one seam for time).
    """

    def __init__(self, config: Config, store: Store | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        self.config = config
        self._store = store
        self._now_fn = now or (lambda: datetime.now(UTC))
        from ._alerts import alert_thresholds

        alert_thresholds(config)  # an unknown commodity id in [alerts]: exit 2 at once

    # --- plumbing ------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.config.store_url)
        return self._store

    def now(self) -> datetime:
        return self._now_fn()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.newsletter.timezone)

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()

    def issue_dir(self, day: date) -> Path:
        return self.config.data_dir / "issues" / day.isoformat()

    def sources(self) -> list[Source]:
        from .collect import load_sources

        return load_sources(self.config.sources_file)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    # --- snapshots -----------------------------------------------------------------------
    def snapshot_days(self) -> list[date]:
        root = self.config.snapshots_dir
        days = []
        if root.is_dir():
            for p in root.iterdir():
                try:
                    if (p / "capture.toml").is_file():
                        days.append(date.fromisoformat(p.name))
                except ValueError:
                    continue
        return sorted(days)

    def snapshot_dir(self, day: date | None) -> Path:
        days = self.snapshot_days()
        if not days:
            raise ConfigError(f"no snapshots under {self.config.snapshots_dir}",
                              hint="--offline replays SNAPSHOTS/DATE/capture.toml (SNAPSHOTS is "
                                   "[paths] snapshots; without it and without a snapshots/ "
                                   "folder, the recordings packaged with REE Daily); "
                                   "run without --offline to fetch live sources")
        if day is None:
            return self.config.snapshots_dir / days[-1].isoformat()
        if day not in days:
            raise ConfigError(f"no snapshot for {day} under {self.config.snapshots_dir}",
                              hint="recorded days: " + ", ".join(d.isoformat() for d in days))
        return self.config.snapshots_dir / day.isoformat()

    # --- collect -------------------------------------------------------------------------
    def collect(self, *, offline: bool = False, day: date | None = None,
                only: list[str] | None = None) -> CollectReport:
        """Fetch every source (or the recorded snapshots) and store new items and prices."""
        from .collect import (
            FetchState,
            RobotsCache,
            RobotsEntry,
            collect_sources,
            snapshot_transport,
        )

        sources = self.sources()
        if only:
            unknown = sorted(set(only) - {s.name for s in sources})
            if unknown:
                raise ConfigError(f"unknown source(s): {', '.join(unknown)}",
                                  hint="see `newsletter status` for the configured sources")
            sources = [s for s in sources if s.name in only]
        transport = None
        as_of = self.now()
        if offline:
            transport, as_of = snapshot_transport(self.snapshot_dir(day))
        states = {name: FetchState(etag=e, last_modified=lm)
                  for name, (e, lm) in self.store.fetch_states().items()}
        if offline:
            states = {}  # a replay is always a full read of the recording
        # robots.txt across runs (24 h); a replay neither uses nor records it
        robots = RobotsCache(clock=self.now) if offline else RobotsCache(
            {o: RobotsEntry(**e) for o, e in self.store.robots_entries().items()},
            clock=self.now)
        run_id = self.store.start_run("collect", self.now())
        results = asyncio.run(collect_sources(sources, states, self.config.collect,
                                              user_agent=self.config.user_agent,
                                              transport=transport, robots=robots))
        if not offline:
            self.store.save_robots({o: vars(e) for o, e in robots.updated.items()},
                                   now=self.now())
        report = CollectReport(as_of=as_of, offline=offline)
        new_prices: list[PriceItem] = []
        for res in results:
            src = res.source
            saved = self.store.save_items(res.items, as_of)
            report.items_new += saved.new
            report.items_updated += saved.updated
            report.prices_new += self._extract_prices(src, saved.changed_ids, as_of,
                                                      new_prices)
            self.store.save_source_state(
                src.name, res.url, status=res.status, error=res.error, etag=res.etag,
                last_modified=res.last_modified, permanent_redirect=res.permanent_redirect,
                now=self.now())
            entry: dict[str, Any] = {"name": src.name, "url": res.url, "status": res.status,
                                     "error": res.error, "items_new": saved.new}
            if res.permanent_redirect:
                entry["permanent_redirect"] = res.permanent_redirect
            if res.warnings:
                entry["warnings"] = list(res.warnings)
            report.sources.append(entry)
        status = "error" if report.failed and len(report.failed) == len(results) else "ok"
        self.store.finish_run(run_id, status, {
            "items_new": report.items_new, "failed": [s["name"] for s in report.failed],
            "as_of": as_of.isoformat(), "offline": offline}, self.now())
        if offline:
            self._set_as_of(as_of)
        if new_prices:
            from ._alerts import alert_day, queue_alerts

            run = queue_alerts(self.store, self.config, new_prices,
                               today=alert_day(self.config, as_of), now=self.now())
            report.alerts_queued = {n: [a.key for a in v] for n, v in run.queued.items()}
        return report

    def _extract_prices(self, src: Source, item_ids: list[int], as_of: datetime,
                        new: list[PriceItem] | None = None) -> int:
        if src.role == "fx":
            return 0  # exchange rates, not prices
        added = 0
        for stored in self.store.items_by_ids(item_ids):
            found = self.item_prices(stored.item, src, as_of)
            added += self.store.add_prices(found, item_id=stored.id, now=self.now(),
                                           new=new)
        return added

    def send_alerts(self, *, stop_event: Any = None) -> list[SendReport]:
        """Send (or resume) the queued price alerts of every alerts list (one ledger unit
        per alert, see :mod:`newsletter._alerts`)."""
        from ._alerts import send_queued_alerts

        if not self.config.lists_of("alerts"):
            return []
        run_id = self.store.start_run("alerts", self.now())
        try:
            reports = send_queued_alerts(self.store, self.config, self.now,
                                         stop_event=stop_event)
        except Exception as exc:
            self.store.finish_run(run_id, "error", {"error": str(exc)}, self.now())
            raise
        bad = any(r.paused or r.failed for r in reports)
        self.store.finish_run(run_id, "error" if bad else "ok", {
            "alerts": {r.list_name: {"date": r.edition_date.isoformat(), "sent": r.sent,
                                     "failed": r.failed, "state": r.state}
                       for r in reports}}, self.now())
        return reports

    def item_prices(self, it: Item, src: Source | None,
                    as_of: datetime | None = None) -> list[PriceItem]:
        """The price items of one collected item: the same reading for collect and inspect.

        A price list's row is "<commodity>: <level> <change>"; an article is its title,
        summary and body as separate lines. Observations are dated by the item's
        publication day in the newsletter's time zone (else ``as_of``).
        """
        from .summarize.prices import extract_prices

        when = it.published or as_of
        # a price list's row (an `item` block) reads "<commodity>: <figures>"; an article
        # (also a followed one of a price source) keeps its title on a line of its own
        sep = ": " if src is not None and src.role == "prices" and "item" in src.selectors \
            else "\n"
        text = sep.join(p for p in (it.title, it.summary, it.text) if p)
        return extract_prices(text, as_of=when.astimezone(self.tz).date() if when else None,
                              source=src.title if src else None)

    def _set_as_of(self, as_of: datetime) -> None:
        """Remember the data cut-off of the last offline collect (for build)."""
        path = self.config.data_dir / "as_of.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"as_of": as_of.isoformat()}))

    def data_as_of(self) -> datetime:
        """The data cut-off: the snapshot capture time after an offline collect, else now."""
        path = self.config.data_dir / "as_of.json"
        runs = self.store.last_runs().get("collect")
        if path.exists() and runs and runs["detail"].get("offline"):
            try:
                return datetime.fromisoformat(json.loads(path.read_text())["as_of"])
            except (ValueError, KeyError):
                pass
        return self.now()

    # --- build ---------------------------------------------------------------------------
    def build(self, day: date | None = None, *, as_of: datetime | None = None) -> BuildReport:
        """Assemble the edition of ``day`` from the store and render it to var/issues/DAY/."""
        from .render import render_edition, render_web_edition
        from .summarize.daily import daily_edition, story_rows, windows

        cfg = self.config
        as_of = as_of or self.data_as_of()
        day = day or as_of.astimezone(self.tz).date()
        run_id = self.store.start_run("build", self.now())
        w = windows(day, as_of, cfg.editorial)
        stored = self.store.items_between(w.items_since, w.items_until)
        row = self.store.edition(day)
        edition = daily_edition(
            [s.item for s in stored],
            fx_items=[s.item for s in self.store.items_between(w.fx_since, w.items_until)],
            sources={s.name: s for s in self.sources()},
            previous=self.store.previous_stories(day, w.previous_since),
            observations=self.store.price_observations(w.prices_since), day=day,
            as_of=as_of, title=cfg.newsletter.title, settings=cfg.editorial,
            edits=row["edits"] if row else None)
        document = edition.to_json()  # edition.json: the stored form
        out = self.issue_dir(day)
        out.mkdir(parents=True, exist_ok=True)
        (out / "edition.json").write_text(json.dumps(document, ensure_ascii=False, indent=2),
                                          encoding="utf-8")
        list_name = next((n for n in self.lists_of_kind("daily")), next(iter(cfg.lists)))
        rendered = render_edition(edition, config=cfg, list_name=list_name)
        sample = self.sample_message(rendered, list_name)
        (out / "email.html").write_text(sample["html"], encoding="utf-8")
        (out / "email.txt").write_text(sample["text"], encoding="utf-8")
        if rendered.chart_png:
            (out / "chart.png").write_bytes(rendered.chart_png)
        self.store.save_archive(day, render_web_edition(edition, config=cfg))
        self.store.save_edition(day, document, as_of=as_of, html_size=rendered.size_bytes,
                                stories=story_rows(edition, (s.item for s in stored)),
                                now=self.now())
        n_stories = len(edition.stories)
        report = BuildReport(date=day, directory=out, stories=n_stories,
                             highlights=len(edition.highlights), prices=len(edition.prices),
                             html_size=rendered.size_bytes, items_considered=len(stored),
                             warnings=list(rendered.warnings))
        self.store.finish_run(run_id, "ok", {"date": day.isoformat(), "stories": n_stories,
                                             "html_size": rendered.size_bytes}, self.now())
        return report

    # --- lists and their kinds (issue 17) -----------------------------------------------
    def list_kind(self, list_name: str) -> str:
        """``daily``, ``weekly`` or ``alerts`` (``[lists.NAME] edition``)."""
        return self.config.list_settings(list_name).edition

    def lists_of_kind(self, kind: str) -> list[str]:
        return [n for n, ls in self.config.lists.items() if ls.edition == kind]

    def due_lists(self, day: date) -> list[str]:
        """The lists that get an edition on ``day``: every daily list, and each weekly list
        whose send time falls on that day (Fridays by default). Alerts lists are sent as
        prices are collected, not by the daily job."""
        from ._cron import list_due_on

        return [n for n, ls in self.config.lists.items()
                if ls.edition == "daily"
                or ls.edition == "weekly" and list_due_on(self.config, n, day)]

    def build_list(self, list_name: str, day: date | None = None, *,
                   as_of: datetime | None = None) -> Any:
        """Build the edition list ``list_name`` receives for ``day``: the daily edition
        (shared by every daily list) or the list's weekly recap.

        Raises:
            ConfigError: no such list, or an alerts list (alerts have no edition to build).
        """
        from ._weekly_job import build_weekly_list

        kind = self.list_kind(list_name)
        if kind == "daily":
            return self.build(day, as_of=as_of)
        if kind == "weekly":
            as_of = as_of or self.data_as_of()
            day = day or as_of.astimezone(self.tz).date()
            return build_weekly_list(self.store, self.config, self.now, day, list_name,
                                     self.issue_dir(day), as_of=as_of)
        raise ConfigError(f"list {list_name!r} receives alerts (edition = \"{kind}\"), which "
                          "have no edition to build",
                          hint="alerts are sent as prices are collected; build a daily or "
                               "weekly list")

    def sample_message(self, rendered: RenderedEdition, list_name: str) -> dict[str, str]:
        """The personalised HTML/text parts for a sample reader (used for files and preview)."""
        from .deliver import sample_parts

        return sample_parts(self.config, rendered, list_name)

    # --- send ----------------------------------------------------------------------------
    def rendered(self, day: date, list_name: str) -> RenderedEdition:
        """Render the stored edition of ``day`` for one list (one premailer run)."""
        return _send.render_stored(self.store, self.config, day, list_name)

    def check_approved(self, day: date, kind: str = "daily") -> None:
        if self.config.editorial.approval != "required":
            return
        row = self.store.edition(day, kind)
        if row is None or row["status"] not in ("approved", "sent"):
            what = "edition" if kind == "daily" else f"{kind} edition"
            opt = "" if kind == "daily" else \
                f" --list {next(iter(self.lists_of_kind(kind)), 'NAME')}"
            raise NotApprovedError(
                f"the {what} of {day} is not approved and [editorial] approval = "
                "\"required\"", hint=f"review it with `newsletter preview`, then "
                                     f"`newsletter approve --date {day}{opt}`")

    def check_not_empty(self, day: date, kind: str = "daily") -> None:
        """Never mail subscribers an edition with no stories (every source failed, say);
        a weekly recap needs stories or prices."""
        row = self.store.edition(day, kind)
        if row is None:
            hint = "run `newsletter build` first" if kind == "daily" else \
                f"run `newsletter build --list NAME --date {day}` for a {kind} list first"
            raise RenderError(f"no {kind} edition for {day}", hint=hint)
        if kind == "weekly":
            wk = WeeklyEdition.from_json(row["edition"])
            if not wk.stories and not wk.rows:
                raise RenderError(f"the weekly edition of {day} has no stories and no "
                                  "prices; not sending it",
                                  hint="check `newsletter status`, collect and build the "
                                       "week's dailies, then build the weekly again")
            return
        if not Edition.from_json(row["edition"]).stories:
            raise RenderError(
                f"the edition of {day} has no stories; not sending it",
                hint="check `newsletter status` for failing sources, collect again, then "
                     "`newsletter build` and `newsletter send`")

    def approve(self, day: date | None = None, by: str | None = None,
                kind: str = "daily") -> date:
        day = day or self.store.latest_edition_date(kind)
        if day is None:
            raise RenderError(f"there is no {kind} edition to approve",
                              hint="run `newsletter build` first")
        who = by or f"{os.environ.get('USER', 'editor')}@{socket.gethostname()}"
        self.store.approve(day, who, self.now(), kind=kind)
        return day

    def send(self, day: date | None = None, *, list_name: str | None = None,
             lists: list[str] | None = None, progress: Any = None,
             stop_event: Any = None) -> list[SendReport]:
        """Deliver the editions of ``day``, resumably: to one list, to ``lists``, or (by
        default) to every daily list and to each weekly list with a recap built for
        ``day``. Each list gets the edition of its kind."""
        if list_name:
            names = [list_name]
        elif lists is not None:
            names = list(lists)
        else:
            names = None
        kind0 = self.list_kind(names[0]) if names else "daily"
        day = day or self.store.latest_edition_date(kind0)
        if day is None:
            raise RenderError("there is no edition to send", hint="run `newsletter build` first")
        if names is None:
            names = [n for n in self.config.lists if self.list_kind(n) == "daily"
                     or self.list_kind(n) == "weekly"
                     and self.store.edition(day, "weekly") is not None]
        for n in names:
            if self.list_kind(n) == "alerts":
                raise ConfigError(f"list {n!r} receives alerts, not editions",
                                  hint="alerts are sent as prices are collected")
        kinds = list(dict.fromkeys(self.list_kind(n) for n in names))
        for kind in kinds:
            self.check_approved(day, kind)
            self.check_not_empty(day, kind)
        run_id = self.store.start_run("send", self.now())
        reports = []
        try:
            for n in names:
                reports.append(_send.send_list(self.store, self.config, self.now, day, n,
                                               progress=progress, stop_event=stop_event))
        except Exception as exc:
            self.store.finish_run(run_id, "error", {"date": day.isoformat(),
                                                    "error": str(exc)}, self.now())
            raise
        bad = any(r.paused or r.failed for r in reports)
        self.store.finish_run(run_id, "error" if bad else "ok", {
            "date": day.isoformat(),
            "lists": {r.list_name: {"sent": r.sent, "deferred": r.deferred, "failed": r.failed,
                                    "paused": r.paused, "message": r.pause_reason}
                      for r in reports}}, self.now())
        for kind in kinds:
            self.store.publish_archive(day, kind)
        return reports

    def send_test(self, address: str, day: date | None = None,
                  list_name: str | None = None, name: str = "") -> str:
        """Send one test copy of the edition to ``address`` (ledger untouched)."""
        list_name = list_name or next(iter(self.config.lists))
        day = day or self.store.latest_edition_date(self.list_kind(list_name))
        if day is None:
            raise RenderError("there is no edition to send", hint="run `newsletter build` first")
        return _send.send_test_copy(self.store, self.config, day, list_name, address, name)

    # --- inspect / prices ----------------------------------------------------------------
    def inspect(self, target: str, url: str | None = None, *,
                offline: bool = False) -> dict[str, Any]:
        """What the collector extracts from a source name, URL or local file
        (``offline``: from the newest recorded snapshot)."""
        from .collect import inspect_target, snapshot_transport
        from .summarize.relevance import score

        sources = {s.name: s for s in self.sources()}
        src = sources.get(target)
        where = url or (src.url if src else target)
        transport = snapshot_transport(self.snapshot_dir(None))[0] if offline else None
        kind, items = asyncio.run(inspect_target(where, source=src,
                                                 settings=self.config.collect,
                                                 user_agent=self.config.user_agent,
                                                 transport=transport))
        weight = src.weight if src else 0.5
        out = []
        for it in items:
            rel = score(it, weight, self.config.editorial.relevance_threshold)
            d = it.to_dict()
            d["prices"] = [p.to_dict() for p in self.item_prices(it, src)]
            d.update(relevance=round(rel.score, 3), relevant=rel.relevant,
                     reasons=list(rel.reasons), topic=rel.topic)
            out.append(d)
        return {"kind": kind, "items": out}

    @staticmethod
    def prices(text: str) -> list[PriceItem]:
        from .summarize.prices import extract_prices

        return extract_prices(text)

    # --- status --------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        from .bounces import bounce_status
        from .leader import leader_status

        latest = self.store.latest_edition_date()
        row = self.store.edition(latest) if latest else None
        return {
            "last_runs": self.store.last_runs(),
            "sources": self.store.source_health(),
            "latest_edition": None if row is None else {
                "date": latest.isoformat() if latest else None, "status": row["status"],
                "approved_by": row["approved_by"], "html_size": row["html_size"]},
            "deliveries": self.store.pending_deliveries_summary(),
            "next_runs": self.next_runs(),
            "bounces": bounce_status(self.store),
            "alerts": [{"list": q.list_name, "commodity": q.alert.commodity,
                        "date": q.alert.as_of.isoformat(), "headline": q.alert.headline,
                        "status": q.status,
                        "sent": q.sent.isoformat() if q.sent else None}
                       for q in self.store.alerts_sent()[-20:]],
            "scheduler": leader_status(self.store, self.now(),
                                       self.config.schedule.lock_stale_seconds),
            "lists": self.list_status(),
        }

    def list_status(self) -> dict[str, dict[str, Any]]:
        """Per list: its kind, its last edition (date, status, where the send stands) and
        its next send time."""
        nxt = self.next_runs()
        out: dict[str, dict[str, Any]] = {}
        for name, ls in self.config.lists.items():
            entry: dict[str, Any] = {"kind": ls.edition, "file": ls.file,
                                     "next_send": nxt.get(f"send:{name}"),
                                     "last_edition": None}
            if ls.edition in ("daily", "weekly"):
                day = self.store.latest_edition_date(ls.edition)
                row = self.store.edition(day, ls.edition) if day else None
                if row is not None and day is not None:
                    sent = self.store.send_state(day, name)
                    entry["last_edition"] = {
                        "date": day.isoformat(), "status": row["status"],
                        "send": sent["status"] if sent else None}
            out[name] = entry
        return out

    def next_runs(self) -> dict[str, str | None]:
        return next_fire_times(self.config, self.now())

