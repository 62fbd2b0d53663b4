"""The daily edition from what the store holds: the domain rules of a build.

``Newsletter.build`` reads the store over the windows named here, calls
:func:`daily_edition` and renders what it returns; :func:`story_rows` gives the rows the
store keeps of each published story (its fingerprint, to recognise it in later editions).
Nothing here touches the store or the clock. Another kind of edition (weekly, alert) gets
a module of its own beside this one, reusing :mod:`.price_table`, :mod:`.fx` and the
shared parts of :mod:`newsletter.types`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..config import EditorialSettings
from ..types import (
    Chart,
    Edition,
    FxNote,
    Item,
    PreviousStoryRow,
    PriceItem,
    PriceRow,
    Source,
    StoryRow,
)
from ._indices import CHART_INDEX
from .edition import PreviousStory, build_edition
from .fingerprints import fingerprint
from .fx import MAX_AGE_DAYS, add_usd, latest_rate
from .price_table import dedupe_observations, index_series, price_table

#: price observations this many days before the edition feed its table and chart
PRICE_WINDOW_DAYS = 120
#: stories of the editions of this many days before are not repeated
PREVIOUS_WINDOW_DAYS = 14
#: the chart draws this many of the index's last daily values
CHART_POINTS = 30
#: exchange-rate items are read this far back (a rate older than MAX_AGE_DAYS is not used)
FX_WINDOW = timedelta(days=MAX_AGE_DAYS + 10)


@dataclass(frozen=True)
class Windows:
    """What a build of ``day`` reads from the store."""

    items_since: datetime
    items_until: datetime
    previous_since: date
    prices_since: date
    fx_since: datetime


def windows(day: date, as_of: datetime, settings: EditorialSettings) -> Windows:
    """The store windows of the edition of ``day`` with data cut-off ``as_of``."""
    return Windows(items_since=as_of - timedelta(days=settings.lookback_days),
                   items_until=as_of + timedelta(hours=1),
                   previous_since=day - timedelta(days=PREVIOUS_WINDOW_DAYS),
                   prices_since=day - timedelta(days=PRICE_WINDOW_DAYS),
                   fx_since=as_of - FX_WINDOW)


def previous_stories(rows: Iterable[PreviousStoryRow]) -> list[PreviousStory]:
    """The store's ``edition_stories`` rows as :class:`~.edition.PreviousStory`."""
    return [PreviousStory(fingerprint=r["fingerprint"], url=r["url"], title=r["title"],
                          edition_date=r["edition_date"]) for r in rows]


def price_section(observations: Sequence[PriceItem], fx_items: Iterable[Item], *, day: date,
                  stale_days: int, fx_title: str = "ECB"
                  ) -> tuple[list[PriceRow], FxNote, Chart | None]:
    """The price table (with USD equivalents), its exchange-rate note and the index chart.

    The table reads every source's observation (to name them all and flag
    disagreements); the chart one per day. Observations dated after ``day`` are left out.
    """
    raw = [o for o in observations if o.as_of is None or o.as_of <= day]
    table = price_table(raw, today=day, stale_days=stale_days)
    note = add_usd(table, latest_rate(fx_items, day, fx_title), day)
    series = index_series(dedupe_observations(raw), commodity=CHART_INDEX.id, n=CHART_POINTS)
    chart = Chart(commodity=CHART_INDEX.id, name=CHART_INDEX.name,
                  points=tuple(series)) if series else None
    return [PriceRow.from_json(r) for r in table], FxNote.from_json(note), chart


def daily_edition(items: Sequence[Item], *, fx_items: Iterable[Item],
                  sources: Mapping[str, Source], previous: Iterable[PreviousStoryRow],
                  observations: Sequence[PriceItem], day: date, as_of: datetime, title: str,
                  settings: EditorialSettings,
                  edits: Mapping[str, Any] | None = None) -> Edition:
    """The edition of ``day`` from the store's rows over :func:`windows`.

    Args:
        items: collected items of the look-back window; fx_items: those of the
            exchange-rate window (only ``role = "fx"`` sources are read).
        sources: ``Source`` by name; previous: ``edition_stories`` rows.
        observations: price observations since ``prices_since``.
        day, as_of, title, settings, edits: as :func:`.edition.build_edition`.
    """
    fx_sources = {n: s for n, s in sources.items() if s.role == "fx"}
    fx_title = next(iter(fx_sources.values())).title if fx_sources else "ECB"
    rows, fx, chart = price_section(
        observations, (it for it in fx_items if it.source in fx_sources), day=day,
        stale_days=settings.stale_price_days, fx_title=fx_title)
    return build_edition(items, sources=sources, previous=previous_stories(previous),
                         prices=rows, index_chart=chart, date=day, as_of=as_of, title=title,
                         settings=settings, edits=edits, fx=fx)


def story_rows(edition: Edition, items: Iterable[Item]) -> list[StoryRow]:
    """The store's rows of the edition's stories, each with its main item's fingerprint
    ("" when the item is not among ``items``)."""
    by_url = {it.url: it for it in items}
    rows: list[StoryRow] = []
    for st in edition.stories:
        item = by_url.get(st.url)
        rows.append(StoryRow(story_id=st.id, url=st.url, title=st.title,
                             fingerprint=fingerprint(item) if item else ""))
    return rows
