"""Build the weekly recap of a list (issue 17): read the week from the store, make the
:class:`~newsletter.types.WeeklyEdition` (``summarize.weekly``), render it, write
``var/issues/DATE/weekly/`` and store it as the ``weekly`` edition of ``DATE``.

Like :mod:`newsletter._send`, it takes the store, the configuration and the clock; the
front ends reach it through :meth:`newsletter.core.Newsletter.build_list`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from .config import Config
from .store import Store
from .types import WeeklyEdition

#: weeks of index closes the weekly chart draws
CHART_WEEKS = 12
#: days before Monday searched for a row's start level (the previous week's close)
LOOKBACK_DAYS = 10


@dataclass
class WeeklyBuildReport:
    date: date
    list_name: str
    directory: Path
    week: int
    year: int
    rows: int
    stories: int
    editions: int
    html_size: int
    subject: str
    warnings: list[str] = field(default_factory=list)


def weekly_title(config: Config) -> str:
    """The recap's title: the newsletter's title with "Daily" made "Weekly" ("REE Daily"
    -> "REE Weekly"), else "<title> Weekly". One recap per date serves every weekly list,
    so its title is not a list's (the list's ``name`` is in its List-Id and footer)."""
    title = config.newsletter.title
    return title.replace("Daily", "Weekly") if "Daily" in title else f"{title} Weekly"


def make_weekly(store: Store, config: Config, day: date, list_name: str, *,
                as_of: datetime | None, now: datetime) -> WeeklyEdition:
    """The recap of the ISO week holding ``day`` (Monday to ``day``) from the store."""
    from .summarize.weekly import build_weekly, iso_week, weekly_edition

    _y, _w, monday, _sun = iso_week(day)
    since = min(monday - timedelta(days=LOOKBACK_DAYS),
                monday - timedelta(weeks=CHART_WEEKS))
    observations = store.price_observations(since)
    editions = store.editions_between(monday, day)
    fps = {r["url"]: r["fingerprint"]
           for r in store.previous_stories(day + timedelta(days=1), monday)}
    title = weekly_title(config)
    recap = build_weekly(observations, editions, day, fingerprints=fps, title=title,
                         chart_weeks=CHART_WEEKS)
    return weekly_edition(recap, title=title, as_of=as_of, generated_at=now.isoformat())


def build_weekly_list(store: Store, config: Config, now: Callable[[], datetime], day: date,
                      list_name: str, issue_dir: Path, *,
                      as_of: datetime | None = None) -> WeeklyBuildReport:
    """Build, render and store the weekly edition of ``day`` for ``list_name``."""
    from .deliver import sample_parts
    from .render import render_web_weekly, render_weekly

    run_id = store.start_run("build", now())
    edition = make_weekly(store, config, day, list_name, as_of=as_of, now=now())
    document = edition.to_json()
    out = issue_dir / "weekly"
    out.mkdir(parents=True, exist_ok=True)
    (out / "edition.json").write_text(json.dumps(document, ensure_ascii=False, indent=2),
                                      encoding="utf-8")
    rendered = render_weekly(edition, config=config, list_name=list_name)
    sample = sample_parts(config, rendered, list_name)
    (out / "email.html").write_text(sample["html"], encoding="utf-8")
    (out / "email.txt").write_text(sample["text"], encoding="utf-8")
    if rendered.chart_png:
        (out / "chart.png").write_bytes(rendered.chart_png)
    store.save_archive(day, render_web_weekly(edition, config=config),
                       kind="weekly")
    store.save_edition(day, document, as_of=as_of, html_size=rendered.size_bytes, stories=[],
                       now=now(), kind="weekly")
    store.finish_run(run_id, "ok", {"date": day.isoformat(), "kind": "weekly",
                                    "list": list_name, "stories": len(edition.stories),
                                    "html_size": rendered.size_bytes}, now())
    return WeeklyBuildReport(
        date=day, list_name=list_name, directory=out, week=edition.week, year=edition.year,
        rows=len(edition.rows), stories=len(edition.stories),
        editions=len(edition.editions), html_size=rendered.size_bytes,
        subject=rendered.subject, warnings=list(rendered.warnings))
