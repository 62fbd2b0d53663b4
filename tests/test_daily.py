"""summarize.daily: the build's domain rules without a store (windows, price section,
chart, the story rows stored for later editions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from newsletter.config import EditorialSettings
from newsletter.summarize.daily import (
    PRICE_WINDOW_DAYS,
    daily_edition,
    price_section,
    story_rows,
    windows,
)
from newsletter.summarize.fingerprints import fingerprint
from newsletter.types import Item, PriceItem, Source

DAY = date(2026, 11, 24)
AS_OF = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def _index(day: date, value: float) -> PriceItem:
    return PriceItem("creia_index", "index", value, value, "points", as_of=day, source="CREIA")


def test_windows_follow_the_settings() -> None:
    w = windows(DAY, AS_OF, EditorialSettings(lookback_days=2))
    assert w.items_since == AS_OF - timedelta(days=2)
    assert w.prices_since == DAY - timedelta(days=PRICE_WINDOW_DAYS)
    assert w.previous_since == DAY - timedelta(days=14)


def test_price_section_leaves_out_later_observations_and_charts_the_index() -> None:
    obs = [_index(DAY - timedelta(days=2), 300.0), _index(DAY - timedelta(days=1), 303.0),
           _index(DAY, 306.0), _index(DAY + timedelta(days=1), 999.0)]
    rows, fx, chart = price_section(obs, [], day=DAY, stale_days=7)
    (row,) = rows
    assert (row.commodity, row.high, row.change, row.direction) == ("creia_index", 306.0,
                                                                     3.0, "up")
    assert not fx.usable and "no ECB reference rate" in fx.text
    assert chart is not None and chart.commodity == "creia_index"
    assert [v for _, v in chart.points] == [300.0, 303.0, 306.0]


def test_daily_edition_and_its_story_rows() -> None:
    src = Source(name="m", title="Mining.com", kind="feed", url="https://m.example/feed",
                 weight=0.9)
    item = Item("m", "https://m.example/lynas", "g1",
                "Lynas lifts NdPr output at Mount Weld as rare earth prices climb",
                published=AS_OF - timedelta(hours=3),
                text="Lynas Rare Earths said NdPr oxide output rose 12% at Mount Weld and "
                     "Kalgoorlie as neodymium and praseodymium prices climbed in China.")
    ed = daily_edition([item], fx_items=[], sources={"m": src}, previous=[],
                       observations=[_index(DAY, 306.0)], day=DAY, as_of=AS_OF,
                       title="REE Daily", settings=EditorialSettings())
    assert ed.date == DAY and ed.prices[0].commodity == "creia_index"
    (st,) = ed.stories
    assert story_rows(ed, [item]) == [{"story_id": st.id, "url": item.url, "title": st.title,
                                       "fingerprint": fingerprint(item)}]
    assert story_rows(ed, [])[0]["fingerprint"] == ""
