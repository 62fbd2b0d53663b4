"""The weekly recap (newsletter.summarize.weekly) on hand-built data with known answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from newsletter.summarize.weekly import (
    build_weekly,
    iso_week,
    top_stories,
    week_rows,
    weekly_index_series,
)
from newsletter.types import PriceItem

MON = date(2026, 11, 23)
FRI = date(2026, 11, 27)
PREV_FRI = date(2026, 11, 20)


def obs(cid: str, low: float, high: float, day: date, *, unit: str = "CNY/t",
        source: str = "SMM") -> PriceItem:
    kind = "index" if unit == "points" else "price"
    return PriceItem(commodity=cid, kind=kind, low=low, high=high, unit=unit, as_of=day,
                     source=source, basis=None if kind == "index" else "exw_china_vat")


def week(cid: str, mids: list[float], *, unit: str = "CNY/t", spread: float = 0.0,
         start: date = PREV_FRI) -> list[PriceItem]:
    days = [start] + [MON + timedelta(days=i) for i in range(len(mids) - 1)]
    return [obs(cid, m - spread, m + spread, d, unit=unit) for m, d in zip(mids, days, strict=True)]


def test_iso_week_48_of_2026_runs_monday_23_to_sunday_29() -> None:
    assert iso_week(FRI) == (2026, 48, MON, date(2026, 11, 29))


def test_rows_start_at_last_weeks_close_and_give_the_weeks_range() -> None:
    data = week("dy_oxide", [1000, 1010, 990, 1020, 1050, 1060], spread=5)
    data.append(obs("dy_oxide", 1040, 1050, FRI, source="SunSirs"))  # second source: not the level
    (row,) = week_rows(data, MON, FRI)
    assert (row.start, row.start_as_of, row.end, row.end_as_of) == (1000, PREV_FRI, 1060, FRI)
    assert row.change == 60 and row.change_pct == pytest.approx(6.0)
    assert (row.low, row.high) == (985, 1065)  # lowest low / highest high of the week
    assert row.days == 5 and row.sources == ("SMM", "SunSirs") and row.direction == "up"


def test_a_commodity_first_quoted_this_week_starts_at_its_first_quote() -> None:
    data = [obs("gd_oxide", 170, 170, MON + timedelta(days=i)) for i in range(5)]
    data[-1] = obs("gd_oxide", 173.4, 173.4, FRI)
    (row,) = week_rows(data, MON, FRI)
    assert row.start_as_of == MON and row.change_pct == pytest.approx(2.0)


def test_units_are_separate_rows_and_a_commodity_absent_this_week_has_none() -> None:
    data = week("dy_oxide", [1000, 1010]) + week("dy_oxide", [140, 141], unit="USD/kg")
    data.append(obs("la_oxide", 4000, 4000, PREV_FRI))
    rows = week_rows(data, MON, FRI)
    assert [(r.commodity, r.unit) for r in rows] == [("dy_oxide", "CNY/t"), ("dy_oxide", "USD/kg")]


def test_weekly_index_series_is_one_close_per_iso_week() -> None:
    data = [obs("creia_index", v, v, MON - timedelta(days=d), unit="points")
            for d, v in ((14, 300.0), (10, 301.0), (7, 302.0), (3, 303.0))]
    data += [obs("creia_index", 304.0, 304.0, MON, unit="points"),
             obs("creia_index", 305.0, 305.0, FRI, unit="points")]
    assert weekly_index_series(data, FRI) == [(MON - timedelta(days=10), 301.0),
                                              (MON - timedelta(days=3), 303.0), (FRI, 305.0)]
    assert weekly_index_series(data, FRI, weeks=1) == [(FRI, 305.0)]


def story(title: str, url: str, *, relevance: float = 0.9, source: str = "Mining.com",
          also: tuple[str, ...] = (), topic: str = "companies", update: bool = False) -> dict:
    return {"title": title, "url": url, "source": source, "relevance": relevance,
            "topic": topic, "is_update": update, "summary": title + ".",
            "also_reported_by": [{"source": s, "url": url + s, "title": title} for s in also]}


def edition(*stories: dict) -> dict:
    return {"sections": [{"id": "x", "title": "X", "stories": list(stories)}]}


def test_a_story_and_its_follow_ups_are_one_entry_updated_on_the_later_days() -> None:
    eds = {
        MON: edition(story("Iluka Flags Kiln Fault at Eneabba Rare Earth Refinery", "u/iluka1",
                           also=("Mining Weekly",)),
                     story("Lynas AGM backs pay report", "u/lynas", relevance=0.8)),
        MON + timedelta(days=2): edition(story("Update: Iluka Restarts Eneabba Kiln, Holds 2027 "
                                               "Timeline", "u/iluka2", update=True,
                                               source="Rare Earth Exchanges")),
        FRI: edition(story("Iluka Eneabba kiln back at full temperature", "u/iluka3",
                           source="The West Australian"),
                     story("Vulcan Elements picks North Carolina", "u/vulcan", relevance=0.7)),
    }
    top = top_stories(eds)
    assert [s.url for s in top] == ["u/iluka1", "u/lynas", "u/vulcan"]
    iluka = top[0]
    assert iluka.updated_label == "updated Wed, Fri"
    assert iluka.latest_title == "Iluka Eneabba kiln back at full temperature"
    assert iluka.sources == ("Mining.com", "Mining Weekly", "Rare Earth Exchanges",
                             "The West Australian")
    assert top[1].updated == () and top[1].updated_label is None


def test_a_story_repeated_on_a_later_day_is_one_entry_not_an_update() -> None:
    s = story("EU and China Agree 'General Licence' Pilot", "u/eu", topic="policy")
    top = top_stories({MON: edition(s), FRI: edition(s)})
    assert len(top) == 1 and top[0].updated == ()


def test_more_sources_rank_higher_and_at_most_ten_entries() -> None:
    many = [story(f"Company {chr(65 + i)}{chr(75 + i)} news item", f"u/{i}", relevance=0.8)
            for i in range(12)]
    many[7] = story("Widely covered Zeta Omega deal", "u/wide", relevance=0.8,
                    also=("Reuters", "Bloomberg", "SCMP"))
    top = top_stories({MON: edition(*many)})
    assert len(top) == 10 and top[0].url == "u/wide"


def _week_data() -> tuple[list[PriceItem], dict]:
    data = (week("dy_oxide", [1_615_000, 1_625_000, 1_635_000, 1_640_000, 1_690_000, 1_705_000])
            + week("tb_oxide", [5_755_000, 5_785_000, 5_815_000, 5_840_000, 5_930_000,
                                5_980_000])
            + week("ce_oxide", [9_950, 9_900, 9_900, 9_950, 9_950, 9_900])
            + week("creia_index", [304.0, 305.2, 306.4, 305.9, 309.6, 310.2], unit="points"))
    eds = {MON + timedelta(days=2): edition(
        story("MIIT Orders Ganzhou Smelter Inspections", "u/miit", topic="policy",
              source="Rare Earth Exchanges", relevance=0.95, also=("Reuters",)),
        story("Energy Fuels makes first dysprosium oxide", "u/ef", relevance=1.0))}
    return data, eds


def test_build_weekly_subject_summary_and_preheader_come_from_the_data() -> None:
    data, eds = _week_data()
    rec = build_weekly(data, eds, FRI)
    assert (rec.year, rec.week, rec.start, rec.end) == (2026, 48, MON, FRI)
    # largest moves first, as many as fit in 90 characters (the index's long name does not)
    assert rec.subject == "REE Weekly: week 48, 2026 \u2014 Dy oxide +5.6%, Tb oxide +3.9%"
    assert build_weekly(data, eds, FRI, title="W").subject.endswith(
        "Tb oxide +3.9%, CREIA price index (2010 = 100) +2.0%")
    assert rec.summary == (
        "Dy oxide led the week, +5.6% to 1,705,000 CNY/t, ahead of Tb oxide (+3.9%). "
        "Ce oxide fell the most, \u22120.5% to 9,900 CNY/t. "
        "The biggest policy story: MIIT Orders Ganzhou Smelter Inspections "
        "(Rare Earth Exchanges, Wed).")
    assert rec.preheader.startswith("Mon 23 \u2013 Fri 27 Nov 2026: 4 prices, 2 stories.")
    assert rec.index_chart is not None and rec.index_chart["points"][-1] == ["2026-11-27", 310.2]
    assert rec.editions == (MON + timedelta(days=2),)
    # every figure of the summary is one of the rows'
    dy = next(r for r in rec.rows if r.commodity == "dy_oxide")
    assert f"{dy.change_pct:+.1f}%" in rec.summary and f"{dy.end:,.0f}" in rec.summary


def test_a_midweek_recap_covers_monday_to_that_day_only() -> None:
    data, eds = _week_data()
    rec = build_weekly(data, eds, MON + timedelta(days=2))
    dy = next(r for r in rec.rows if r.commodity == "dy_oxide")
    assert dy.end_as_of == MON + timedelta(days=2) and dy.end == 1_640_000


def test_an_empty_week_still_has_a_subject_and_says_so() -> None:
    rec = build_weekly([], {}, FRI)
    assert rec.subject == "REE Weekly: week 48, 2026" and rec.rows == () and rec.stories == ()
    assert rec.summary == "No prices or stories were collected this week."
