"""Weekly recap build time on a year of stored data (issue 17).

Fills a fresh store (SQLite in a temporary folder, or ``--store URL``) with 52 weeks up to
Friday 27 Nov 2026: ``--items`` items (default 100,000; the synthetic mix of
bench/edition_speed.py: general business news, ~5% rare-earth stories with rewrites across
outlets, price rows), spread over the days of the year, and realistic price observations
(every commodity and index of the REE table on every weekday, a random walk of about 1%
a day, reported by two or three sources, quoted as ranges). The dailies of the last week
are built by the real ``Newsletter.build``; the other 51 weeks' daily editions are stored
as copies (the weekly reads only its own week's, but the table has a year of them).

Then it times, on the same store and in the same run, the daily build of Friday 27 Nov
(the baseline) and the weekly build of that Friday for the weekly list
(``Newsletter.build_list("weekly", ...)``: read the week, recap, render, store), each
``--repeat`` times, and prints the medians, the breakdown and the ratio weekly/daily.

    python bench/weekly.py [--items 100000] [--repeat 5] [--seed 7] [--store URL]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from edition_speed import make_items  # noqa: E402

from newsletter.config import Config, ListSettings, StoreSettings  # noqa: E402
from newsletter.core import Newsletter  # noqa: E402
from newsletter.summarize._commodities import display_name  # noqa: E402
from newsletter.types import PriceItem  # noqa: E402

FRIDAY = date(2026, 11, 27)
FIRST = FRIDAY - timedelta(weeks=52) + timedelta(days=1)   # Sat 29 Nov 2025
# the real catalogue's names, so build weighs them as in production
SOURCE_MAP = {"ree-exchanges": "rare-earth-exchanges", "mining-com": "mining-com",
              "mining-weekly": "mining-weekly", "investing-news": "investing-news",
              "wire": "google-news-rare-earths", "general": "google-news-rare-earths",
              "tech": "mining-com", "smm": "smm-rare-earths"}
# (commodity, unit, starting mid-point, kind): the levels of the recorded week
SERIES = [("prnd_oxide", "CNY/t", 560_000, "price"), ("prnd_metal", "CNY/t", 690_000, "price"),
          ("nd_oxide", "CNY/t", 570_000, "price"), ("nd_metal", "CNY/t", 700_000, "price"),
          ("pr_oxide", "CNY/t", 575_000, "price"), ("dy_oxide", "CNY/t", 1_600_000, "price"),
          ("dy_metal", "CNY/t", 2_050_000, "price"), ("dyfe", "CNY/t", 1_580_000, "price"),
          ("tb_oxide", "CNY/t", 5_800_000, "price"), ("tb_metal", "CNY/t", 7_200_000, "price"),
          ("la_oxide", "CNY/t", 4_000, "price"), ("ce_oxide", "CNY/t", 9_800, "price"),
          ("gd_oxide", "CNY/t", 170_000, "price"), ("ho_oxide", "CNY/t", 480_000, "price"),
          ("y_oxide", "CNY/t", 44_000, "price"), ("er_oxide", "CNY/t", 290_000, "price"),
          ("eu_oxide", "CNY/kg", 190, "price"), ("dy_oxide", "USD/kg", 230, "price"),
          ("tb_oxide", "USD/kg", 900, "price"), ("creia_index", "points", 300, "index"),
          ("crepi", "points", 1_400, "index")]
PRICE_SOURCES = ["SMM", "SunSirs", "CCMN", "Asian Metal"]


def _days() -> list[date]:
    return [FIRST + timedelta(days=i) for i in range((FRIDAY - FIRST).days + 1)]


def fill(nl: Newsletter, n_items: int, seed: int) -> tuple[int, int]:
    """Store the year: items by day, price observations each weekday. Returns counts."""
    rng = random.Random(seed)
    days = _days()
    items = make_items(n_items, seed)
    per_day = len(items) // len(days) + 1
    n_obs = 0
    levels = {(c, u): float(v) for c, u, v, _k in SERIES}
    for i, day in enumerate(days):
        chunk = items[i * per_day:(i + 1) * per_day]
        dated = [dataclasses.replace(
            it, source=SOURCE_MAP.get(it.source, it.source), url=f"{it.url}/{day}/{j}",
            guid=f"{it.guid}-{day}-{j}",
            published=datetime(day.year, day.month, day.day, rng.randrange(0, 23),
                               rng.randrange(60), tzinfo=UTC))
            for j, it in enumerate(chunk)]
        at = datetime(day.year, day.month, day.day, 23, tzinfo=UTC)
        nl.store.save_items(dated, at)
        if day.weekday() >= 5:
            continue
        obs = []
        for cid, unit, _v, kind in SERIES:
            prev = levels[(cid, unit)]
            mid = prev * (1 + rng.gauss(0.0005, 0.01))
            levels[(cid, unit)] = mid
            for src in rng.sample(PRICE_SOURCES, rng.choice((2, 3))):
                m = mid * (1 + rng.gauss(0, 0.002))
                half = 0 if kind == "index" else m * 0.01
                step = 0.1 if kind == "index" else (1 if m < 1000 else 500)
                low, high = (round((m - half) / step) * step, round((m + half) / step) * step)
                obs.append(PriceItem(commodity=cid, kind=kind, low=low, high=high, unit=unit,
                                     change=None, change_pct=None, as_of=day, source=src,
                                     basis=None if kind == "index" else (
                                         "exw_china_vat" if unit.startswith("CNY")
                                         else "fob_china")))
        n_obs += nl.store.add_prices(obs, item_id=None, now=at)
    return len(items), n_obs


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--store", default=None, help="a store URL (default: SQLite in a temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.store or f"sqlite:///{tmp}/bench.db"
        cfg = Config(root=Path(tmp), store=StoreSettings(url=url), lists={
            "daily": ListSettings(file="daily.csv"),
            "weekly": ListSettings(file="weekly.csv", edition="weekly", name="REE Weekly")})
        nl = Newsletter(cfg, now=lambda: datetime(2026, 11, 27, 16, tzinfo=UTC))
        t = time.perf_counter()
        n_items, n_obs = fill(nl, args.items, args.seed)
        print(f"store: {n_items:,} items and {n_obs:,} price observations over 52 weeks "
              f"({FIRST} to {FRIDAY}) in {time.perf_counter() - t:.1f} s ({url.split(':')[0]})")
        t = time.perf_counter()
        week = [FRIDAY - timedelta(days=d) for d in range(4, -1, -1)]
        for d in week:
            nl.build(d, as_of=datetime(d.year, d.month, d.day, 6, tzinfo=UTC))
        template = nl.store.edition(FRIDAY)["edition"]
        for d in _days():
            if d.weekday() < 5 and d < week[0]:
                nl.store.save_edition(d, dict(template, date=d.isoformat()), as_of=None,
                                      html_size=0, stories=[], now=nl.now())
        print(f"daily editions: {len(nl.store.edition_dates())} stored (the last week's 5 "
              f"built for real) in {time.perf_counter() - t:.1f} s")
        as_of = datetime(2026, 11, 27, 6, tzinfo=UTC)
        daily = [_timed(lambda: nl.build(FRIDAY, as_of=as_of)) for _ in range(args.repeat)]
        weekly = [_timed(lambda: nl.build_list("weekly", FRIDAY, as_of=as_of))
                  for _ in range(args.repeat)]
        # the parts of the weekly: reading the week from the store, and the recap itself
        from newsletter._weekly_job import make_weekly
        from newsletter.render import render_weekly
        make = [_timed(lambda: make_weekly(nl.store, cfg, FRIDAY, "weekly", as_of=as_of,
                                           now=nl.now())) for _ in range(args.repeat)]
        ed = make_weekly(nl.store, cfg, FRIDAY, "weekly", as_of=as_of, now=nl.now())
        render = [_timed(lambda: render_weekly(ed, config=cfg, list_name="weekly"))
                  for _ in range(args.repeat)]
        md, mw = statistics.median(daily), statistics.median(weekly)
        print(f"weekly recap of week {ed.week}: {len(ed.rows)} price rows, {len(ed.stories)} "
              f"stories from {len(ed.editions)} dailies; subject: {ed.subject}")
        print(f"daily build (baseline), median of {args.repeat}: {md * 1000:.0f} ms "
              f"(min {min(daily) * 1000:.0f}, max {max(daily) * 1000:.0f})")
        print(f"weekly build, median of {args.repeat}:           {mw * 1000:.0f} ms "
              f"(min {min(weekly) * 1000:.0f}, max {max(weekly) * 1000:.0f})")
        print(f"  of which store reads + recap: {statistics.median(make) * 1000:.0f} ms, "
              f"render (Jinja + premailer + chart): {statistics.median(render) * 1000:.0f} ms")
        print(f"ratio weekly / daily: {mw / md:.2f}")
        names = {display_name(c) for c, *_ in SERIES}
        assert len(ed.rows) >= len(names)  # every series made a row
        nl.close()


if __name__ == "__main__":
    main()
