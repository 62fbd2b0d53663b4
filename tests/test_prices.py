"""Tests for the price and price-index extractor and the price-table logic.

Sentences are written for these tests in the styles of SMM (news.metal.com), SunSirs,
Xinhua, Fastmarkets/Argus, MetalMiner, CREIA and Rare Earth Exchanges.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from newsletter.summarize._commodities import COMMODITY_NAMES
from newsletter.summarize.price_table import dedupe_observations, index_series, price_table
from newsletter.summarize.prices import extract_prices
from newsletter.types import PriceItem

AS_OF = date(2026, 2, 3)


def ex(text: str, **kw: object) -> list[tuple[str, float, float, str]]:
    """(commodity, low, high, unit) of each item, for compact assertions."""
    return [(i.commodity, i.low, i.high, i.unit) for i in extract_prices(text, **kw)]


def one(text: str, **kw: object) -> PriceItem:
    items = extract_prices(text, **kw)
    assert len(items) == 1, items
    return items[0]


# ---------------------------------------------------------------- ranges and scales

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pr-Nd oxide was quoted at 412,000-415,000 yuan/mt.",
         [("prnd_oxide", 412000, 415000, "CNY/t")]),
        ("Terbium oxide traded at 6.2 million-6.25 million yuan/mt.",
         [("tb_oxide", 6200000, 6250000, "CNY/t")]),
        ("Terbium remains scarce at ¥7,050–7,120/kg",
         [("tb_oxide", 7050, 7120, "CNY/kg")]),
        ("NdPr oxide, fob China, was assessed at $61-63 per kg.",
         [("prnd_oxide", 61, 63, "USD/kg")]),
        ("Dysprosium oxide was around 1.68-1.7 million yuan/mt.",
         [("dy_oxide", 1680000, 1700000, "CNY/t")]),
        ("- Terbium Oxide: ¥6.45 million/ton, flat on the month",
         [("tb_oxide", 6450000, 6450000, "CNY/t")]),
        ("Didymium oxide was trading at RMB 430,000/t-435,000/t.",
         [("prnd_oxide", 430000, 435000, "CNY/t")]),
    ],
)
def test_ranges_and_scaled_numbers(text: str, expected: list[tuple]) -> None:
    assert ex(text) == expected


# ---------------------------------------------------------------- currencies and units

@pytest.mark.parametrize(
    ("text", "unit", "low"),
    [
        ("Neodymium oxide rose to 560,000 yuan/ton.", "CNY/t", 560000),
        ("Neodymium oxide rose to 560,000 yuan/tonne.", "CNY/t", 560000),
        ("Neodymium oxide rose to 560,000 RMB/ton.", "CNY/t", 560000),
        ("Neodymium oxide rose to 560,000 RMB/t.", "CNY/t", 560000),
        ("Neodymium oxide rose to 560,000 CNY/t.", "CNY/t", 560000),
        ("Neodymium oxide rose to CNY 560,000/t.", "CNY/t", 560000),
        ("Neodymium oxide rose to 560 yuan per kilogram.", "CNY/kg", 560),
        ("Neodymium oxide rose to ¥560/kg.", "CNY/kg", 560),
        ("Neodymium oxide rose to $78/kg.", "USD/kg", 78),
        ("Neodymium oxide rose to 78 USD/kg.", "USD/kg", 78),
        ("Neodymium oxide rose to US$78 per kg.", "USD/kg", 78),
        ("Neodymium oxide rose to $78,000/t.", "USD/t", 78000),
        ("Neodymium oxide rose to 560,000 yuan a tonne.", "CNY/t", 560000),
    ],
)
def test_currencies_and_units(text: str, unit: str, low: float) -> None:
    item = one(text)
    assert (item.commodity, item.unit, item.low, item.kind) == ("nd_oxide", unit, low, "price")


def test_unit_label_before_number() -> None:
    assert ex("NdPr oxide, yuan/t: 540,000-545,000") == [("prnd_oxide", 540000, 545000, "CNY/t")]
    assert ex("Dy2O3 (USD/kg): 235-240") == [("dy_oxide", 235, 240, "USD/kg")]


def test_xinhua_converted_value_per_tonne() -> None:
    got = ex("The price of praseodymium-neodymium oxide hit 600,000 yuan (about 83,600 U.S. "
             "dollars) per tonne on Friday.")
    assert ("prnd_oxide", 600000, 600000, "CNY/t") in got
    assert ("prnd_oxide", 83600, 83600, "USD/t") in got


# ---------------------------------------------------------------- changes

def test_absolute_change_before_level_sunsirs() -> None:
    items = extract_prices(
        "The price of praseodymium and neodymium oxide fell by 3,000 yuan/ton to 611,000 "
        "yuan/ton, and the price of praseodymium and neodymium metal fell by 3,500 yuan/ton "
        "to 751,500 yuan/ton."
    )
    assert [(i.commodity, i.low, i.change) for i in items] == [
        ("prnd_oxide", 611000, -3000),
        ("prnd_metal", 751500, -3500),
    ]


def test_change_after_level() -> None:
    item = one("Pr-Nd oxide closed at 455,000 yuan/mt, down by 2,000 yuan/ton from Monday.")
    assert (item.low, item.change, item.change_pct) == (455000, -2000, None)


def test_lifted_by_and_decline_of_in_prices_of() -> None:
    items = extract_prices(
        "Prices of holmium oxide were lifted by 12,000 yuan/mt on the week to 512,000 yuan/mt, "
        "with a decline of 5,000 yuan/mt in prices of erbium oxide, standing at 288,000 yuan/mt."
    )
    assert [(i.commodity, i.low, i.change) for i in items] == [
        ("ho_oxide", 512000, 12000),
        ("er_oxide", 288000, -5000),
    ]


@pytest.mark.parametrize(
    ("text", "pct"),
    [
        ("- Neodymium Oxide: ¥612,300/ton, +9.8% MoM", 9.8),
        ("- Dysprosium Oxide: ¥1.41 million/ton, down 6.02% month-on-month", -6.02),
        ("The China Rare Earth Price Index fell to 1,201.5 points Friday, down 0.4 percent from "
         "the previous working day.", -0.4),
        ("The China Rare Earth Price Index rose 0.21 percent from the previous working day to "
         "1,312.08 points Tuesday.", 0.21),
        ("Nd-Pr metal: RMB 560,000/t, -1.2%", -1.2),
        ("Terbium oxide gained 1.5% to 6,150 yuan/kg.", 1.5),
    ],
)
def test_percentage_changes(text: str, pct: float) -> None:
    item = one(text)
    assert item.change_pct == pct
    assert item.change is None


def test_points_change_and_date() -> None:
    item = one("On September 9, the rare earth index was 602 points, down 8 points from previous "
               "day, down 40.2% from the highest point of 1,007 points in the cycle (2022-02-24)",
               as_of=AS_OF)
    assert (item.commodity, item.low, item.unit) == ("sunsirs_index", 602, "points")
    assert item.change == -8
    assert item.change_pct is None
    assert item.as_of == date(2025, 9, 9)  # after as_of in 2026, so last year's September


def test_from_previous_level_is_not_an_item() -> None:
    items = extract_prices(
        "Fastmarkets' weekly price assessment for neodymium-praseodymium oxide 99% ratio (75:25), "
        "fob China rose to $58-60 per kg on Thursday May 8, from $56-58 per kg on May 1.",
        as_of=AS_OF,
    )
    assert [(i.commodity, i.low, i.high, i.unit, i.change) for i in items] == [
        ("prnd_oxide", 58, 60, "USD/kg", None)
    ]
    assert items[0].as_of == date(2025, 5, 8)


def test_elided_verb_change_and_arrows() -> None:
    items = extract_prices("Prices for Pr-Nd oxide increased by 10,000 yuan/t to 500,000 yuan/t "
                           "and Dy oxide by 20,000 yuan/t to 1.7 million yuan/t.")
    assert [(i.commodity, i.low, i.change) for i in items] == [
        ("prnd_oxide", 500000, 10000), ("dy_oxide", 1700000, 20000)]
    assert one("NdPr oxide (99%) 510,000–512,000 CNY/t ▲ 2,000").change == 2000
    smm = extract_prices("PrNd oxide 525,000-530,000 RMB/t (+5,000); Tb oxide 6,950-7,000 RMB/kg "
                         "(-20).")
    assert [(i.commodity, i.change) for i in smm] == [("prnd_oxide", 5000), ("tb_oxide", -20)]


# ---------------------------------------------------------------- several items, respectively

def test_respectively() -> None:
    assert ex("Prices of Pr-Nd oxide and Dy oxide were 400,000 yuan/mt and 1.6 million yuan/mt "
              "respectively.") == [
        ("prnd_oxide", 400000, 400000, "CNY/t"),
        ("dy_oxide", 1600000, 1600000, "CNY/t"),
    ]
    assert ex("Lanthanum oxide and cerium oxide were 3,800 yuan/mt and 7,200 yuan/mt "
              "respectively.") == [
        ("la_oxide", 3800, 3800, "CNY/t"),
        ("ce_oxide", 7200, 7200, "CNY/t"),
    ]


def test_smm_three_items() -> None:
    assert ex("Prices: The mainstream quotation range for Pr-Nd oxide was 405,000-407,000 "
              "yuan/mt; the transaction range for dysprosium oxide was around 1.64-1.65 million "
              "yuan/mt, and terbium oxide quotations were around 5.9-5.95 million yuan/mt.") == [
        ("prnd_oxide", 405000, 407000, "CNY/t"),
        ("dy_oxide", 1640000, 1650000, "CNY/t"),
        ("tb_oxide", 5900000, 5950000, "CNY/t"),
    ]


def test_converted_value_in_brackets() -> None:
    assert ex("Tb₄O₇: ¥6,080–6,150/kg (≈ $845–855/kg)") == [
        ("tb_oxide", 6080, 6150, "CNY/kg"),
        ("tb_oxide", 845, 855, "USD/kg"),
    ]


def test_argus_list() -> None:
    assert ex("Neo prices: NdPr metal fob China $72-74/kg, Nd metal $74-76/kg, DyFe "
              "$290-300/kg.") == [
        ("prnd_metal", 72, 74, "USD/kg"),
        ("nd_metal", 74, 76, "USD/kg"),
        ("dyfe", 290, 300, "USD/kg"),
    ]


# ---------------------------------------------------------------- names and formulas

@pytest.mark.parametrize(
    ("name", "cid"),
    [
        ("Nd₂O₃", "nd_oxide"), ("Nd2O3", "nd_oxide"), ("Pr6O11", "pr_oxide"),
        ("Pr₆O₁₁", "pr_oxide"), ("Dy2O3", "dy_oxide"), ("Tb4O7", "tb_oxide"),
        ("PrNd oxide", "prnd_oxide"), ("Pr-Nd oxide", "prnd_oxide"), ("NdPr oxide", "prnd_oxide"),
        ("didymium oxide", "prnd_oxide"), ("praseodymium-neodymium metal", "prnd_metal"),
        ("Pr-Nd alloy", "prnd_metal"), ("DyFe", "dyfe"), ("dysprosium-iron alloy", "dyfe"),
        ("Terbium", "tb_oxide"), ("terbium metal", "tb_metal"), ("metallic neodymium", "nd_metal"),
        ("Gd oxide", "gd_oxide"), ("europium oxide", "eu_oxide"), ("yttrium oxide", "y_oxide"),
        ("mixed rare earth carbonate", "re_carbonate"), ("Monazite", "monazite"),
    ],
)
def test_commodity_names(name: str, cid: str) -> None:
    item = one(f"{name} was quoted at 123,000 yuan/mt.")
    assert item.commodity == cid


def test_commodity_names_have_display_names() -> None:
    assert COMMODITY_NAMES["prnd_oxide"] == "Pr-Nd oxide"
    assert COMMODITY_NAMES["creia_index"] == "CREIA price index (2010 = 100)"
    for cid in ("prnd_oxide", "nd_oxide", "dy_oxide", "tb_oxide", "crepi", "mmi", "dyfe"):
        assert cid in COMMODITY_NAMES


# ---------------------------------------------------------------- indices

@pytest.mark.parametrize(
    ("text", "cid", "value"),
    [
        ("China's Rare Earth Price Index Slides to 284.2 as Light Rare Earths Cool",
         "creia_index", 284.2),
        ("China's official Rare Earth Price Index rose to 251.9 on February 2, 2026—more than "
         "2.5× the 2010 baseline.", "creia_index", 251.9),
        ("The China Rare Earth Price Index fell to 1,188.3 points Thursday.", "crepi", 1188.3),
        ("BEIJING, May 6 (Xinhua) -- The China Rare Earth Price Index rose to 1,105.2 points "
         "Monday, according to the Baotou Rare Earth Products Exchange.", "crepi", 1105.2),
        ("The CREIA price index (2010 = 100) stood at 233.5 on Friday.", "creia_index", 233.5),
        ("The China Rare Earth Industry Association index reached 240.1 points.",
         "creia_index", 240.1),
        ("The ACREI index reached 263.14 points, up 12.6% from a week earlier.",
         "creia_index", 263.14),
        ("On August 20, the rare earth index was 690 points.", "sunsirs_index", 690),
        ("The Rare Earths MMI (Monthly Metals Index) fell 3.2% to 24 points this month.",
         "mmi", 24),
    ],
)
def test_indices(text: str, cid: str, value: float) -> None:
    item = one(text, as_of=AS_OF)
    assert (item.commodity, item.low, item.high, item.unit, item.kind) == (
        cid, value, value, "points", "index")


def test_index_anaphor_across_sentences() -> None:
    items = extract_prices("The China Rare Earth Price Index fell on Monday. The index closed at "
                           "1,150.2 points, down 0.6 percent.")
    assert [(i.commodity, i.low, i.change_pct) for i in items] == [("crepi", 1150.2, -0.6)]


def test_index_point_change() -> None:
    item = one("CREIA's rare earth price index slipped 1.8 points to 198.4.")
    assert (item.commodity, item.low, item.change) == ("creia_index", 198.4, -1.8)


# ---------------------------------------------------------------- negatives

@pytest.mark.parametrize(
    "text",
    [
        "As of Friday's close, the rare earth permanent magnet plate index was at 1240.92 points, "
        "down 1.43%, and the turnover rate was 0.96%.",
        "The rare earth sector index rose 2.7% to 1,580.2 points.",
        "Rare earth concept stocks rallied, with China Northern Rare Earth shares up 6% at "
        "28.40 yuan.",
        "The PrN Prices Rose Slightly while Dysprosium and Terbium Products Prices Fell Slightly",
        "PrNd prices rose slightly this week while dysprosium fell 2%.",
        "Prices of praseodymium-neodymium oxide increased by 2% on Monday.",
        "The index uses a 2010 baseline (2010 = 100).",
        "NdPr oxide 99% ratio (75:25) and 99.5% purity material are both in demand.",
        "China exported 5,000 tonnes of rare earth magnets in October.",
        "The first batch of 2025 mining quotas was set at 135,000 tonnes.",
        "Lynas reported quarterly revenue of A$200 million as NdPr production rose to 2,000 t.",
        "Terbium oxide prices have risen 2.4 times since the 2020 low.",
        "Magnet maker JL Mag's share price fell 3.1% to 18.92 yuan.",
        "Neodymium prices reached $110 per kilogram in February 2022.",
        "Imports of rare earth compounds totalled 4,200 tonnes in June, worth $80 million.",
        "Dysprosium and terbium accounted for 30% of the value of the basket in 2025.",
        "",
    ],
)
def test_not_price_items(text: str) -> None:
    assert extract_prices(text) == []


# ---------------------------------------------------------------- as_of and source

def test_as_of_and_source_copied() -> None:
    item = one("Pr-Nd oxide was 455,000 yuan/mt.", as_of=AS_OF, source="smm")
    assert (item.as_of, item.source) == (AS_OF, "smm")


def test_stated_date_with_year() -> None:
    item = one("China's official Rare Earth Price Index rose to 242.7 on January 26, 2026.",
               as_of=date(2026, 2, 3))
    assert item.as_of == date(2026, 1, 26)


def test_stated_date_without_as_of_or_year() -> None:
    assert one("On August 18, the rare earth index was 685 points.").as_of is None


def test_multi_sentence_and_headline_duplicates() -> None:
    text = ("China's Rare Earth Price Index Climbs to 306.4\n\nChina's Rare Earth Price Index "
            "climbed to 306.4 on Monday. Pr-Nd oxide closed at 418,000 yuan/mt. Dy oxide was "
            "flat at 1.61 million yuan/mt.")
    assert ex(text) == [
        ("creia_index", 306.4, 306.4, "points"),
        ("prnd_oxide", 418000, 418000, "CNY/t"),
        ("dy_oxide", 1610000, 1610000, "CNY/t"),
    ]


def test_hostile_input_is_bounded() -> None:
    """Pathological text neither raises nor hangs (catastrophic regex backtracking would
    run for hours: the alarm is a hang guard, not a speed check; speed is bench/prices.py's
    business)."""
    import signal

    def hung(signum: int, frame: object) -> None:
        raise AssertionError("extract_prices hung on hostile input")

    text = ("Pr-Nd oxide 1-2-3-4-5 ,,,, $$$ ¥¥ 99% " * 2000) + "x" * 50000
    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        assert all(isinstance(i, PriceItem) for i in extract_prices(text))
        assert extract_prices("1" * 5000) == []
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------- table logic

def P(cid: str, lo: float, d: date, src: str = "a", hi: float | None = None, unit: str = "CNY/t",
      **kw: object) -> PriceItem:
    kind = "index" if unit == "points" else "price"
    return PriceItem(cid, kind, lo, lo if hi is None else hi, unit, as_of=d, source=src, **kw)


def test_dedupe_across_sources() -> None:
    d = date(2026, 2, 2)
    obs = [P("prnd_oxide", 400000, d, "smm"), P("prnd_oxide", 401000, d, "sunsirs"),
           P("prnd_oxide", 420000, d, "other"), P("prnd_oxide", 400000, date(2026, 2, 1), "smm")]
    kept = dedupe_observations(obs)
    assert [(k.low, k.source) for k in kept] == [(400000, "smm"), (420000, "other"),
                                                 (400000, "smm")]


def test_dedupe_fills_missing_change() -> None:
    d = date(2026, 2, 2)
    kept = dedupe_observations([P("dy_oxide", 1.6e6, d, "a"),
                                P("dy_oxide", 1.6e6, d, "b", change=-10000)])
    assert len(kept) == 1 and kept[0].change == -10000


def test_price_table_change_vs_previous_date_and_stale() -> None:
    today = date(2026, 2, 3)
    obs = [
        P("prnd_oxide", 400000, date(2026, 2, 1)),
        P("prnd_oxide", 410000, date(2026, 2, 3)),
        P("prnd_oxide", 409000, date(2026, 2, 3), "b"),  # same date, dedupe-close
        P("dy_oxide", 1.6e6, date(2026, 1, 10), change=-20000),
        P("creia_index", 240.0, date(2026, 2, 2), unit="points"),
        P("tb_oxide", 7000, date(2026, 2, 3), unit="CNY/kg"),
        P("tb_oxide", 7000, date(2026, 2, 2), unit="CNY/kg"),
        P("prnd_oxide", 60, date(2026, 2, 3), unit="USD/kg"),
    ]
    rows = price_table(obs, today=today, stale_days=7)
    assert [(r["commodity"], r["unit"]) for r in rows] == [
        ("creia_index", "points"), ("prnd_oxide", "CNY/t"), ("prnd_oxide", "USD/kg"),
        ("dy_oxide", "CNY/t"), ("tb_oxide", "CNY/kg")]
    prnd = rows[1]
    assert prnd["change"] == 10000 and prnd["change_pct"] == 2.5 and prnd["direction"] == "up"
    assert prnd["name"] == "Pr-Nd oxide" and prnd["stale"] is False
    assert prnd["as_of"] == date(2026, 2, 3) and prnd["low"] == 410000
    # both sources of the day are named; 0.24% apart is no disagreement
    assert prnd["sources"] == ["a", "b"] and prnd["source"] == "a; b"
    assert prnd["disagreement"] is None
    dy = rows[3]
    assert dy["stale"] is True and dy["change"] == -20000 and dy["direction"] == "down"
    assert rows[4]["direction"] == "flat" and rows[4]["change"] == 0
    assert rows[0]["change"] is None and rows[0]["direction"] == "flat"


def test_price_table_preferred_units() -> None:
    d = date(2026, 2, 3)
    obs = [P("prnd_oxide", 410000, d), P("prnd_oxide", 60, d, unit="USD/kg"),
           P("dy_oxide", 230, d, unit="USD/kg")]
    rows = price_table(obs, today=d, stale_days=7, preferred_units=["CNY/t"])
    assert [(r["commodity"], r["unit"]) for r in rows] == [("prnd_oxide", "CNY/t"),
                                                         ("dy_oxide", "USD/kg")]
    rows = price_table(obs, today=d, stale_days=7, preferred_units={"prnd_oxide": "USD/kg"})
    assert [(r["commodity"], r["unit"]) for r in rows] == [("prnd_oxide", "USD/kg"),
                                                         ("dy_oxide", "USD/kg")]


def test_index_series() -> None:
    start = date(2026, 1, 1)
    obs = [P("creia_index", 200 + i, start + timedelta(days=i), unit="points") for i in range(40)]
    obs.append(P("creia_index", 999, date(2026, 2, 9), unit="points"))  # same date: last wins
    obs.append(P("crepi", 1200, date(2026, 2, 9), unit="points"))
    series = index_series(obs, "creia_index", n=30)
    assert len(series) == 30
    assert series[-1] == (date(2026, 2, 9), 999)
    assert series[0] == (date(2026, 1, 11), 210)
    assert [d for d, _ in series] == sorted({d for d, _ in series})
    assert index_series(obs, "mmi") == []


# ---------------------------------------------------------------- real-world quirks

def test_metal_before_element_name() -> None:
    items = extract_prices("The price of metal praseodymium rose by 12,500 yuan/ton to 872,500 "
                           "yuan/ton, and the price of metal neodymium was 777,000 yuan/ton.")
    assert [(i.commodity, i.low, i.change) for i in items] == [
        ("pr_metal", 872500, 12500), ("nd_metal", 777000, None)]


def test_machine_translated_ranges_are_repaired() -> None:
    assert ex("Friday praseodymium neodymium oxide quotation 25.8-262000 yuan / ton, dysprosium "
              "oxide 178-1.81 million yuan / ton.") == [
        ("prnd_oxide", 258000, 262000, "CNY/t"),
        ("dy_oxide", 1780000, 1810000, "CNY/t"),
    ]


def test_metalminer_conversions_and_leading_values() -> None:
    items = extract_prices("Neodymium oxide prices climbed to CNY 320,000 ($52,193) per metric "
                           "ton, up from CNY 255,000 ($41,556) a week ago. At CNY 23,000 ($3,751) "
                           "per metric ton, the price of samarium oxide did not change.")
    assert [(i.commodity, i.low, i.unit) for i in items] == [
        ("nd_oxide", 320000, "CNY/t"), ("nd_oxide", 52193, "USD/t"),
        ("sm_oxide", 23000, "CNY/t"), ("sm_oxide", 3751, "USD/t")]


def test_time_spans_and_trailing_directions() -> None:
    item = one("As of the 26th, the price of neodymium oxide was 722,500 RMB/ton, a 2.21% "
               "increase in 5 days.")
    assert (item.low, item.change, item.change_pct) == (722500, None, 2.21)
    item = one("The Rare Earth Index was 600 points on September 28, a decrease of 40.00% from "
               "the cycle high of 1,000 points (2011-12-06), and an increase of 121.40% from the "
               "low of 271 points on September 13, 2015.", as_of=AS_OF)
    assert (item.commodity, item.low, item.change_pct) == ("sunsirs_index", 600, None)


@pytest.mark.parametrize(
    "text",
    [
        "Analysts expect Pr-Nd oxide to climb to 700,000 yuan/mt by the end of the year.",
        "Prices of terbium oxide have climbed since May 14, when prices stood at 3.875 million "
        "yuan/mt.",
        "In the short term, neodymium praseodymium oxide will reach more than 900,000 yuan/ton.",
        "In June, domestic dysprosium oxide production was 214 mt, down 0.6% MoM.",
    ],
)
def test_forecasts_history_and_volumes_are_not_items(text: str) -> None:
    assert extract_prices(text) == []


def test_premium_is_not_a_price() -> None:
    assert ex("European NdPr oxide was assessed at $132-138/kg duty paid, a premium of about "
              "$70/kg over Chinese domestic prices.") == [("prnd_oxide", 132, 138, "USD/kg")]


# ---------------------------------------------------------------- real-text failure classes
# Each test below covers a class of failure found on real sentences (bench/data/prices-real*);
# the sentences here are variants written for the tests.


@pytest.mark.parametrize(
    "text",
    [
        "Prices of terbium oxide may rise further to 6.5-6.6 million yuan/mt next week.",
        "Cerium oxide prices are likely to hold at 11,000-12,000 yuan/mt in the near term.",
    ],
)
def test_may_and_likely_are_forecasts(text: str) -> None:
    assert extract_prices(text) == []


def test_month_may_is_not_a_forecast() -> None:
    item = one("Erbium oxide rose 5,000 yuan/mt to 300,000 yuan/mt, up from 290,000 yuan/mt "
               "in May.")
    assert (item.low, item.change) == (300000, 5000)


def test_currency_glued_to_figure_and_pc_percent() -> None:
    assert ex("Argus assessed 99.5pc dysprosium oxide at Yn1,650-1,670/kg ex-works today.") == [
        ("dy_oxide", 1650, 1670, "CNY/kg")]
    assert ex("Offers for 99pc cerium metal rose to RMB32,000/t.") == [
        ("ce_metal", 32000, 32000, "CNY/t")]
    item = one("Argus assessed lanthanum oxide at 4,300-4,700 yuan/t ex-works, up by 5pc at "
               "the mid-point from a week earlier.")
    assert item.change_pct == 5


def test_thousands_split_by_a_stray_space() -> None:
    assert ex("Suppliers raised offers for Pr-Nd metal to about RMB530, 000/tonne.") == [
        ("prnd_metal", 530000, 530000, "CNY/t")]


@pytest.mark.parametrize(
    ("text", "cid"),
    [
        ("Yttria ended the week at CNY 45,000 ($6,200) per metric ton.", "y_oxide"),
        ("Quotes of holmic oxide slid 10,000 yuan/mt to stand at 480,000 yuan/mt.", "ho_oxide"),
    ],
)
def test_trivial_and_adjectival_oxide_names(text: str, cid: str) -> None:
    assert extract_prices(text)[0].commodity == cid


def test_scrap_is_not_a_commodity_and_lists_of_changes_are_changes() -> None:
    assert extract_prices(
        "Prices for Pr-Nd metal, terbium oxide and NdFeB terbium scrap have decreased by about "
        "3,000 yuan per ton, 40 yuan per kilogram and 50 yuan per kilogram, respectively.") == []


@pytest.mark.parametrize(
    ("text", "low", "change"),
    [
        ("The monthly Rare Earths MMI slipped by two points, registering a value of 31 in May.",
         31, -2),
        ("The Rare Earths MMI ticked up one point for an October reading of 25.", 25, 1),
    ],
)
def test_mmi_readings_and_changes_in_words(text: str, low: float, change: float) -> None:
    item = one(text)
    assert (item.commodity, item.low, item.unit, item.change) == ("mmi", low, "points", change)


def test_monthly_rare_earths_price_index_is_the_mmi() -> None:
    item = one("The monthly Rare Earths price index registered a value of 47 in March, a "
               "decrease of 2.1 percent from 48 in February.")
    assert (item.commodity, item.low, item.change_pct) == ("mmi", 47, -2.1)


@pytest.mark.parametrize(
    "text",
    [
        "The Rare Earths MMI baseline was set on January 1, 2012 with a reading of 100.",
        "By March of 2014, the rare earths MMI had dropped to 27 and reached a low in 2016 of 16.",
        "NdPr prices slumped on oversupply, and in June last year they sank to 380,000 yuan/mt.",
    ],
)
def test_base_values_and_history_are_not_items(text: str) -> None:
    assert extract_prices(text) == []


def test_change_before_the_commodity() -> None:
    item = one("With a 4.1 percent climb, europium oxide settled at CNY 1,450 per kilogram.")
    assert (item.commodity, item.low, item.change_pct) == ("eu_oxide", 1450, 4.1)
    item = one("A 12.0 percent improvement on the weekly Rare Earths MMI made terbium oxide the "
               "biggest mover, closing at CNY 5,200 per kilogram.")
    assert (item.commodity, item.low, item.unit, item.change_pct) == (
        "tb_oxide", 5200, "CNY/kg", 12.0)


def test_figures_after_an_index_mention_belong_to_the_commodity() -> None:
    item = one("Dysprosium metal finished as the biggest mover on the weekly Rare Earths MMI "
               "after dropping 12.5 percent and landing at CNY 2,300 per kilogram.")
    assert (item.commodity, item.low, item.unit, item.change_pct) == (
        "dy_metal", 2300, "CNY/kg", -12.5)


def test_forward_lead_with_a_change() -> None:
    items = extract_prices("Following a 3.5 percent decline to CNY 2,700 ($375) per kilogram, "
                           "europium oxide was the week's biggest mover.")
    assert [(i.commodity, i.low, i.unit, i.change_pct) for i in items] == [
        ("eu_oxide", 2700, "CNY/kg", -3.5), ("eu_oxide", 375, "USD/kg", -3.5)]


def test_a_commodity_named_as_a_reference_owns_no_figure() -> None:
    assert ex("Prices of praseodymium oxide followed Pr-Nd oxide higher, rising to "
              "450,000-455,000 yuan/mt.") == [("pr_oxide", 450000, 455000, "CNY/t")]


def test_changes_measured_from_far_references_in_the_clause() -> None:
    items = extract_prices("SMM quotes for lanthanum oxide were RMB 4,300-4,700/mt, while quotes "
                           "for cerium oxide were RMB 11,000-12,000/mt, down 8% and 6% "
                           "respectively from the end of last year.")
    assert [(i.commodity, i.change_pct) for i in items] == [
        ("la_oxide", None), ("ce_oxide", None)]
    item = one("Pr oxide stood at 440,000 yuan/mt, up 30,000 yuan/mt from the start of the week.")
    assert item.change == 30000
    item = one("On July 10, the rare earth index was 386 points, down 4 points from yesterday, "
               "down 61.40% from the cyclical peak of 1000 points.", as_of=AS_OF)
    assert (item.change, item.change_pct) == (-4, None)


def test_year_to_date_high_is_a_previous_level() -> None:
    assert ex("The range for 99.5pc dysprosium oxide was assessed higher at Yn1,700-1,720/kg "
              "today, after slumping from a year-to-date high of Yn1,930-1,950/kg.") == [
        ("dy_oxide", 1700, 1720, "CNY/kg")]


def test_bracketed_aside_does_not_colour_the_next_figure() -> None:
    assert ex("Suppliers offered Pr-Nd metal at RMB 520,000/tonne ($71,000/tonne before 25% "
              "export duty) and prices of RMB 510,000-515,000/tonne were accepted.")[::2] == [
        ("prnd_metal", 520000, 520000, "CNY/t"), ("prnd_metal", 510000, 515000, "CNY/t")]


def test_plural_element_pair_with_respectively() -> None:
    assert ex("Prices of neodymium and praseodymium oxides slipped to 580,000-585,000 yuan/mt "
              "and 600,000-605,000 yuan/mt, respectively.") == [
        ("nd_oxide", 580000, 585000, "CNY/t"), ("pr_oxide", 600000, 605000, "CNY/t")]
    # SunSirs' "praseodymium and neodymium oxide(s)" with one figure is the Pr-Nd blend
    assert ex("The average price of praseodymium and neodymium oxides dropped 5,000 yuan/ton "
              "to 325,500 yuan/ton.") == [("prnd_oxide", 325500, 325500, "CNY/t")]


def test_one_level_shared_by_a_pair() -> None:
    items = extract_prices("As of April 4, prices of lanthanum oxide and cerium oxide lost some "
                           "300 yuan/mt on the week, to stand at 12,200-12,700 yuan/mt.")
    assert [(i.commodity, i.low, i.high, i.change) for i in items] == [
        ("la_oxide", 12200, 12700, -300), ("ce_oxide", 12200, 12700, -300)]
    # ... but not by a commodity named only as the reason
    assert ex("Tracking gains in dysprosium oxide, prices of terbium oxide rose to 6.4-6.5 "
              "million yuan/mt.") == [("tb_oxide", 6400000, 6500000, "CNY/t")]


def test_figure_before_its_commodity_across_basis_and_purity() -> None:
    assert ex("Domestic prices were assessed at Yn420-425/kg ex-works for 99.5-99.9pc "
              "neodymium oxide and Yn430-435/kg ex-works for 99.5-99.9pc praseodymium oxide "
              "today.") == [("nd_oxide", 420, 425, "CNY/kg"), ("pr_oxide", 430, 435, "CNY/kg")]


@pytest.mark.parametrize(
    ("text", "low", "change"),
    [
        ("As of May 3, prices of neodymium oxide were 6,000 yuan/mt higher from a week ago, "
         "averaging 481,000 yuan/mt.", 481000, 6000),
        ("This weighed prices of praseodymium oxide by some 8,000 yuan/mt, to 472,500 yuan/mt.",
         472500, -8000),
    ],
)
def test_changes_stated_after_the_figure_or_with_by_some(
    text: str, low: float, change: float
) -> None:
    item = one(text)
    assert (item.low, item.change) == (low, change)


def test_ranged_from_is_a_level() -> None:
    assert ex("The price of Pr-Nd oxide ranged from 455,000-458,000 yuan/mt today.") == [
        ("prnd_oxide", 455000, 458000, "CNY/t")]


@pytest.mark.parametrize(
    "text",
    [
        "NdFeB scrap Pr-Nd was at 450-460 yuan/kg, dysprosium at 1,600-1,630 yuan/kg, and "
        "terbium at 5,100-5,130 yuan/kg.",
        "The government agreed to purchase NdPr at $110 per kilogram for ten years.",
        "The deal offers a price guarantee of $110 per kg for NdPr oxide.",
    ],
)
def test_scrap_grades_contracts_and_guarantees_are_not_items(text: str) -> None:
    assert extract_prices(text) == []


def test_scrap_context_ends_at_an_explicit_form() -> None:
    assert ex("NdFeB scrap prices fell, while Pr-Nd oxide rose to 455,000 yuan/mt.") == [
        ("prnd_oxide", 455000, 455000, "CNY/t")]


def test_other_heavy_rare_earths_own_their_figures() -> None:
    assert ex("Dysprosium oxide is listed at 1.6 million yuan / ton, ytterbium oxide is listed at "
              "95000 yuan / ton, thulium oxide at 1.2 million yuan / ton.") == [
        ("dy_oxide", 1600000, 1600000, "CNY/t"), ("yb_oxide", 95000, 95000, "CNY/t"),
        ("tm_oxide", 1200000, 1200000, "CNY/t")]
    assert {"yb_oxide", "tm_oxide"} <= set(COMMODITY_NAMES)


@pytest.mark.parametrize("sep", ["?", "\u2011", "\u2013", "\ufffd"])
def test_pr_nd_with_mojibake_or_unicode_hyphen(sep: str) -> None:
    assert ex(f"Chinese praseodymium{sep}neodymium (PrNd) oxide has soared to $125 per "
              "kilogram.") == [("prnd_oxide", 125, 125, "USD/kg")]


@pytest.mark.parametrize(("text", "pct"), [
    ("Neodymium oxide: 607,000.00 yuan/ton -0.16%", -0.16),   # a SunSirs price-list row
    ("Holmium oxide: 484,000.00 yuan/ton -0.21%", -0.21),
    ("Cerium oxide: 9,950.00 yuan/ton +0.51%", 0.51),
])
def test_price_list_row_with_signed_percentage(text: str, pct: float) -> None:
    (item,) = extract_prices(text)
    assert item.low == item.high and item.unit == "CNY/t"
    assert item.change_pct == pct


def chg(text: str, **kw: object) -> list[tuple[str, float, float | None, float | None]]:
    """(commodity, low, change, change_pct) of each item."""
    return [(i.commodity, i.low, i.change, i.change_pct) for i in extract_prices(text, **kw)]


def test_reference_levels_are_not_quotes() -> None:
    assert ex("Pr-Nd metal slid from around 520,000 yuan per ton to around 505,000 yuan per "
              "ton, breaking the key levels of 510,000 yuan per ton and 500,000 yuan per ton.") == [
        ("prnd_metal", 505000, 505000, "CNY/t")]


def test_change_list_continues_past_bracketed_percentages() -> None:
    assert ex("The prices of Pr-Nd oxide and Pr-Nd metal fell by about 9,000 yuan per ton "
              "(a decrease of 2.1%) and 11,000 yuan per ton (a decrease of 2.0%), respectively, "
              "from last week.") == []


def test_change_against_a_past_year_is_not_the_items_change() -> None:
    assert chg("Terbium metal price is around US$ 900 per kilogram, which is about 25% higher "
               "than the level at end of 2019.", as_of=AS_OF) == [("tb_metal", 900, None, None)]


@pytest.mark.parametrize("text", [
    "That pushed the price of terbium oxide to over $2,000 per kg the following year.",
    "As of the end of 2022, the average price for dysprosium oxide stood at 330 U.S. dollars "
    "per kilogram.",
])
def test_values_of_another_year_are_history(text: str) -> None:
    assert ex(text, as_of=AS_OF) == []


@pytest.mark.parametrize(("text", "want"), [
    ("Pr-Nd oxide was quoted at 41.5 wan yuan/t.", 415000),
    ("Dysprosium oxide rose to 162 ten-thousand yuan/ton.", 1620000),
    ("The price of Pr-Nd oxide rose to 41.5 (10,000 yuan/t).", 415000),
])
def test_ten_thousand_yuan_units(text: str, want: float) -> None:
    (item,) = extract_prices(text)
    assert (item.low, item.unit) == (want, "CNY/t")


def test_bare_pr_nd_next_to_its_oxide_is_the_metal() -> None:
    assert ex("The prices of praseodymium neodymium oxide and praseodymium neodymium rose to "
              "610,000 yuan/ton and 750,000 yuan/ton respectively.") == [
        ("prnd_oxide", 610000, 610000, "CNY/t"), ("prnd_metal", 750000, 750000, "CNY/t")]


def test_rose_more_than_from_a_previous_range_is_a_level() -> None:
    assert chg("Prices of Pr-Nd oxide rose more than 700,000 yuan per tonne this week from "
               "650,000-690,000 yuan last week.") == [("prnd_oxide", 700000, None, None)]


def test_opening_at_phrase_goes_to_the_commodity_after_it() -> None:
    got = ex("At CNY 31,000 ($4,300) per metric ton, the week ended with no change for rare "
             "earth carbonate.")
    assert got == [("re_carbonate", 31000, 31000, "CNY/t"), ("re_carbonate", 4300, 4300, "USD/t")]


@pytest.mark.parametrize(("text", "want"), [
    ("The average price of cerium oxide was 9,800 yuan/ton, the same month-on-month; a "
     "year-on-year decrease of 1,200 yuan/ton, a decrease of 10.9%.", (None, None)),
    ("Pr-Nd oxide averaged 450,000 yuan/t, up 12% year-on-year.", (None, 12)),
    ("Pr-Nd oxide averaged 450,000 yuan/t, up 5,000 yuan/t month-on-month and up 12% "
     "year-on-year.", (5000, None)),
])
def test_year_on_year_change_only_without_a_shorter_one(text: str, want: tuple) -> None:
    (item,) = extract_prices(text)
    assert (item.change, item.change_pct) == want


def test_percentage_goes_to_the_nearest_level_only() -> None:
    assert chg("Gadolinium oxide was quoted at 160,000-163,000 yuan/mt, and cerium oxide at "
               "10,500-11,000 yuan/mt, with the weekly average up 0.5% from last week.") == [
        ("gd_oxide", 160000, None, None), ("ce_oxide", 10500, None, 0.5)]


# ---------------------------------------------------------------- holdout 5/6 classes

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Australian reports: $US amounts, the bracket is A$ (no unit in the schema)
        ("Iluka said the NdPr price averaged $US62.5 ($A95.1) per kilogram in the half.",
         [("prnd_oxide", 62.5, 62.5, "USD/kg")]),
        ("Neodymium was fetching $US120/kg last month.",
         [("nd_oxide", 120, 120, "USD/kg")]),
        # written-out ranges
        ("Pr-Nd oxide now sells for between 410,000 ($57,400) and 420,000 yuan a tonne.",
         [("prnd_oxide", 410000, 420000, "CNY/t")]),
        ("Tb oxide ranged from 6.1 million to 6.2 million yuan/mt, and Dy oxide from 1.6 "
         "million to 1.65 million yuan/mt.",
         [("tb_oxide", 6100000, 6200000, "CNY/t"), ("dy_oxide", 1600000, 1650000, "CNY/t")]),
        # a figure borrowing the unit of its neighbour
        ("Dysprosium oxide jumped from $230 per kilogram to $410.",
         [("dy_oxide", 410, 410, "USD/kg")]),
        ("Prices for Neodymium Oxide fell 4.2% to 95,300/mt from $99,480/mt.",
         [("nd_oxide", 95300, 95300, "USD/t")]),
        # forms
        ("The average price of praseodymium in rare earth metals rose to 640,000 RMB/ton.",
         [("pr_metal", 640000, 640000, "CNY/t")]),
        ("Holmium -iron alloy was flat at 560,000 yuan/mt.",
         [("hofe", 560000, 560000, "CNY/t")]),
        ("Lanthanum oxide, cerium oxide held at 4,000 to 4,300 yuan/ton.",
         [("la_oxide", 4000, 4300, "CNY/t"), ("ce_oxide", 4000, 4300, "CNY/t")]),
        # an aside naming magnets does not take the figure
        ("Terbium, an additive in permanent magnets for wind turbines, traded at about "
         "$1,050 per kilogram.",
         [("tb_oxide", 1050, 1050, "USD/kg")]),
        # a direction word, then a new clause: the figures are levels
        ("Pr-Nd metal prices recovered, with spot deals done at 702,000 yuan/ton and "
         "forward deals at 698,000 yuan/ton.",
         [("prnd_metal", 702000, 702000, "CNY/t"), ("prnd_metal", 698000, 698000, "CNY/t")]),
    ],
)
def test_holdout_classes(text: str, expected: list[tuple]) -> None:
    assert ex(text) == expected


def test_year_to_date_change_is_kept_when_it_is_the_only_one() -> None:
    a, b = extract_prices("Nd oxide stood at 640,000 yuan per ton, up 41.5% year-to-date; "
                          "Pr-Nd metal reached 760,000 yuan per ton, a year-to-date increase "
                          "of 38%.")
    assert (a.commodity, a.change_pct, b.commodity, b.change_pct) == (
        "nd_oxide", 41.5, "prnd_metal", 38)
    # ... and gives way to a shorter-period change
    c = one("Dy oxide rose 1.2% on the week to 1.7 million yuan/t, up 30% year-to-date.")
    assert c.change_pct == 1.2


def test_counts_footnotes_and_later_comparisons_are_not_changes_or_levels() -> None:
    assert extract_prices("The CREPI is made up of 17 sub-indexes and 21 products.") == []
    t = one("Terbium rose from $900 per kilogram to $2,400 per kilogram, a gain of over 160% [2]")
    assert (t.low, t.change, t.change_pct) == (2400, None, 160)
    n = one("Neodymium sells for around $61 per kilogram -- up 8% from a month ago and the "
            "highest since March 2016.")
    assert n.change_pct == 8
    m = one("Terbium oxide was priced at 7,100 yuan per kilogram on Monday, up 60 yuan from "
            "the end of October.")
    assert m.change == 60


# ---------------------------------------------------------------- holdout 7 classes

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # history: peaks, past years, "years ago"
        ("Back in 2011, when terbium metal prices peaked at over USD 4,000/kg, buyers "
         "hoarded.", []),
        ("Lanthanum peaked at $US140 a kilogram, or $US64 a pound, in July but now sells for "
         "$US30 to $US35 a kilogram.", [("la_oxide", 30, 35, "USD/kg")]),
        ("Europium's price was high in 1997 at $2,000/kg.", []),
        ("That is far above neodymium's price of $US8 a pound four years ago.", []),
        ("Dy oxide hit a record $900/kg in 2022 and now trades at $310/kg.",
         [("dy_oxide", 310, 310, "USD/kg")]),
        # reference levels, per-gram conversions, counts
        ("Crossing the $US90/kg mark in May, NdPr oxide currently sits above $US95/kg.",
         [("prnd_oxide", 95, 95, "USD/kg")]),
        ("Lutetium oxide (99.99%) trades at US $800-850 /kg FOB China (≈ US $0.82 /g).",
         [("lu_oxide", 800, 850, "USD/kg")]),
        ("The Rare Earths MMI, tracking 14 rare earth prices, rose to 23 this month.",
         [("mmi", 23, 23, "points")]),
        # shared form words, ore grades, list prices
        ("Prices for praseodymium-neodymium and neodymium metal rose to 712,000 yuan/mt and "
         "725,000 yuan/mt, respectively.",
         [("prnd_metal", 712000, 712000, "CNY/t"), ("nd_metal", 725000, 725000, "CNY/t")]),
        ("- Medium-Yttrium/Rich-Europium Minerals rose to $21,400.50/mt",
         [("ionic_ore", 21400.5, 21400.5, "USD/t")]),
        ("Northern Rare Earth will sell Pr-Nd oxide at 590,000 yuan/mt for the month of July.",
         [("prnd_oxide", 590000, 590000, "CNY/t")]),
    ],
)
def test_holdout7_classes(text: str, expected: list[tuple]) -> None:
    assert ex(text) == expected


def test_holdout7_changes() -> None:
    c = extract_prices("The European price of praseodymium oxide fell by 40 cents to 88-90 "
                       "dollars per kilogram.")
    assert [(i.low, i.high, i.change) for i in c] == [(88, 90, -0.4)]
    w = one("SMM data showed the price of Pr-Nd oxide rose an average ¥4,000 ($560) per tonne "
            "on the week to between ¥552,000 and ¥556,000 per tonne.")
    assert (w.low, w.high, w.change) == (552000, 556000, 4000)
    u = extract_prices("The company kept its listed prices for lanthanum and cerium oxides "
                       "both unchanged at 4,100 yuan/mt, after a cut of 2.4% in June.")
    assert [(i.commodity, i.change_pct) for i in u] == [("la_oxide", None), ("ce_oxide", None)]


# ---------------------------------------------------------------- holdout 8 classes

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # bare scaled figures take the unit of a comparable neighbour, not of a conversion
        ("Prices of dysprosium oxide and terbium oxide fell 10 percent and 12 percent, "
         "respectively, to RMB 1.6 million ($250,000) and 5.2 million ($812,000) per ton.",
         [("dy_oxide", 1600000, 1600000, "CNY/t"), ("dy_oxide", 250000, 250000, "USD/t"),
          ("tb_oxide", 5200000, 5200000, "CNY/t"), ("tb_oxide", 812000, 812000, "USD/t")]),
        # a range split by a conversion
        ("The price of Pr-Nd oxide has slid to around 410,000 yuan (US$57,000) to 420,000 "
         "yuan per ton.", [("prnd_oxide", 410000, 420000, "CNY/t")]),
        # mistranslated scales ("wan" read as millions) repaired within the product's range
        ("The transaction price of terbium oxide is between 730-735 million yuan/ton.",
         [("tb_oxide", 7300000, 7350000, "CNY/t")]),
        ("The average price of neodymium, dysprosium and praseodymium in rare earth metals is "
         "745.5 million yuan/ton, 2.1 million yuan/ton and 760,000 yuan/ton respectively.",
         [("nd_metal", 745500, 745500, "CNY/t"), ("dy_metal", 2100000, 2100000, "CNY/t"),
          ("pr_metal", 760000, 760000, "CNY/t")]),
        ("The average price of dysprosium and iron alloys is 1.6 million yuan per ton.",
         [("dyfe", 1600000, 1600000, "CNY/t")]),
        # bounds on some deals and start-of-year levels are not quotes
        ("Pr-Nd metal was quoted at 700,000-710,000 yuan/mt, with a few trades below 700,000 "
         "yuan/mt.", [("prnd_metal", 700000, 710000, "CNY/t")]),
        ("At the beginning of the year, the CIF price of europium oxide in Europe was about "
         "$30 per kilogram.", []),
    ],
)
def test_holdout8_classes(text: str, expected: list[tuple]) -> None:
    assert ex(text) == expected


def test_holdout8_changes() -> None:
    a, b = extract_prices("Prices of dysprosium oxide and terbium oxide were 1.7 million yuan "
                          "and 7 million yuan per tonne respectively, each up about 50,000 "
                          "yuan compared with a week ago.")
    assert (a.change, b.change) == (50000, 50000)
    s = one("On March 3rd, the SunSirs rare earth index was 640 points, an increase of 9 "
            "points compared to the previous day, a decrease of 36.4% compared to the highest "
            "point of 1,007 points (February 24, 2022) within the cycle.")
    assert (s.low, s.change, s.change_pct) == (640, 9, None)
    t = extract_prices("Listed prices of terbium oxide increased 200,000 yuan/mt to 7 million "
                       "yuan/mt, and prices of dysprosium oxide expanded 40,000 yuan/mt, and "
                       "came in at 1.7 million yuan/mt.")
    assert [(i.commodity, i.low, i.change) for i in t] == [
        ("tb_oxide", 7000000, 200000), ("dy_oxide", 1700000, 40000)]


# ---------------------------------------------------------------- holdout 10 classes

def test_holdout10_classes() -> None:
    # another name of the CREIA, and a generic "rare earths index" that is its index
    a = one("The Association of Chinese Rare Earth Industry said its rare earths index "
            "averaged 231.6 in November.")
    assert (a.commodity, a.low) == ("creia_index", 231.6)
    # changes over a stated period are kept when no shorter one is given
    b = one("NdPr oxide prices in China have jumped 35% since early June to 610,000 yuan per "
            "tonne.")
    assert b.change_pct == 35
    c = one("Terbium was going for about $900 per kilogram, up 20 percent from March 2024.")
    assert c.change_pct == 20
    # ... but not a fall measured from a peak, however the peak is written
    d = one("Pr-Nd oxide has slid to around RMB 420000/t, down 70% from RMB 1.4M/t "
            "($220000/t) at the highest point in 2011.")
    assert (d.low, d.change_pct) == (420000, None)
    # an elided verb in a list of percentage moves; another subject after "whilst"
    e = extract_prices("FOB Nd oxide and Pr oxide prices increased 12% to US$60.2/kg and 14% "
                       "to US$71.5/kg respectively, whilst domestic prices rose by 9% and 10%.")
    assert [(i.commodity, i.change_pct) for i in e] == [("nd_oxide", 12), ("pr_oxide", 14)]
    # a percentage range is too loose to be the change
    assert one("Cerium oxide prices dropped by 20-25% to around US$ 12 per kg.").change_pct is None
    # export quotes without a currency are dollars
    assert ex("Dysprosium metal 99.5% min FOB China 455.0-470.0") == [
        ("dy_metal", 455, 470, "USD/kg")]
    # table columns naming the form
    assert ex("Ferro-gadolinium alloy Gd75% Tonne 250000-260000")[0][0] == "gdfe"
    # "That's a N% increase": the previous sentence's price
    f = one("Neodymium was hovering around $110 per kilogram in May. That's a 45-percent "
            "increase from a year earlier.")
    assert f.change_pct == 45


def test_change_from_the_beginning_of_the_month_is_kept() -> None:
    a = one("On March 4th, the SunSirs Rare Earth Index stood at 688 points, down 12 points "
            "from the beginning of the month, down 31.7% from the highest point of 1007 points.")
    assert (a.low, a.change, a.change_pct) == (688, -12, None)
    b = one("As of March 4th, the price of terbium oxide was 7,150 RMB/kg, up 3.2% from the "
            "beginning of the month.")
    assert b.change_pct == 3.2


# ---------------------------------------------------------------- holdout 11/12 classes

def test_holdout11_12_classes() -> None:
    # an earlier, stable level after "after ... at" and an "once reached" aside are history
    assert ex("SMM assessed terbium oxide at 7,050-7,100 yuan/kg, up 30 yuan/kg after prices "
              "holding at 7,020 yuan/kg for days.") == [("tb_oxide", 7050, 7100, "CNY/kg")]
    assert ex("Buyers balked (dysprosium oxide once reached nearly 2 million RMB/ton).") == []
    # SunSirs' "sector index of the business community" and its anaphor
    a = one("According to the rare earth sector index of the business community, rare earths "
            "on June 3 The index was 402 points, which was the same as yesterday.")
    assert (a.commodity, a.low) == ("sunsirs_index", 402)
    # a misplaced thousands comma
    assert ex("The price of praseodymium metal was 81,5000 RMB/ton.") == [
        ("pr_metal", 815000, 815000, "CNY/t")]
    # changes from the start of a year are period changes
    assert one("NdPr was last assessed at $60-62 per kg, down by 7% from the start of 2025."
               ).change_pct == -7
    assert one("Pr-Nd alloy has powered 28% so far this year to 860,000 yuan per tonne."
               ).change_pct == 28
    # a percentage that lost its sign
    assert one("The price of Pr-Nd alloy was 512,000 yuan/ton, down 3.85 from the initial "
               "price of 532,500 yuan/ton.").change_pct == -3.85
    # floors are not quotes; a sentence pricing the commodity of the sentence before
    assert ex("The agreement sets a minimum price of $110 per kilogram for NdPr products.") == []
    assert ex("NdPr oxide prices eased this week as traders took profits. According to SMM, "
              "Chinese prices pulled back to the ¥590,000–¥598,000/ton range.") == [
        ("prnd_oxide", 590000, 598000, "CNY/t")]
    assert ex("The prices for these metals fell to around $90/kg for Nd and $700/kg for Dy.") == [
        ("nd_oxide", 90, 90, "USD/kg"), ("dy_oxide", 700, 700, "USD/kg")]
    # ... but not a past level in the next sentence
    assert ex("Oversupply has weighed on NdPr. In May of last year, it fell to 330,000 yuan.") == []


def test_price_table_rows_with_a_unit_column() -> None:
    # Reuters' weekly China tables: product, formula, purity, unit, this week, last week
    assert ex("Dysprosium oxide      99.5-99.9%        Kg         1650-1700          1600-1650"
              ) == [("dy_oxide", 1650, 1700, "CNY/kg")]
    a = one("Neodymium Nd/TREM 99.0-99.9% Tonne 540000-560000 -20000")
    assert (a.commodity, a.low, a.high, a.unit, a.change) == (
        "nd_metal", 540000, 560000, "CNY/t", -20000)


def test_five_digit_figures_starting_like_a_year_are_not_masked() -> None:
    # "20000" and "19500" begin like the years 2000 and 1950; only whole years are masked
    a = one("Pr-Nd oxide fell by 20000 yuan/t to 600000 yuan/t.")
    assert (a.low, a.change) == (600000, -20000)
    assert ex("Terbium oxide traded at 19500 yuan/kg in 2015.") == []  # history, not masked
    assert ex("Terbium oxide trades at 19500 yuan/kg.") == [("tb_oxide", 19500, 19500, "CNY/kg")]


# ---------------------------------------------------------------- holdout 13/14 classes

def test_holdout13_14_classes() -> None:
    # of two dated levels, the earlier is the previous one; a bracketed % keeps the sign
    a = one("Pr-Nd oxide's average price was 560,000 yuan/mt on August 29, and it declined to "
            "540,000 yuan/mt by September 30, down 20,000 yuan/mt (3.57%)MoM.")
    assert (a.low, a.change, a.change_pct) == (540000, -20000, -3.57)
    # "metal praseodymium neodymium", and the bare element after its priced oxide
    assert ex("As of the 17th, the price of metal praseodymium neodymium was 585000 yuan/ton.") == [
        ("prnd_metal", 585000, 585000, "CNY/t")]
    got = ex("The price of neodymium oxide was 640000 RMB/ton; the price of neodymium was "
             "790000 RMB/ton; the price of praseodymium oxide was 650000 RMB/ton.")
    assert [c for c, *_ in got] == ["nd_oxide", "nd_metal", "pr_oxide"]
    # a repeated index name; a word-number change
    m = one("The Rare Earths Monthly Metals Index (MMI) picked up one point, rising for an "
            "August MMI value of 24.")
    assert (m.low, m.change) == (24, 1)
    # a change in percent after "or"
    p = one("Dy oxide was quoted at 1,650,000 yuan/mt, up 5,000 yuan/mt or 0.3% from the "
            "previous trading day.")
    assert (p.change, p.change_pct) == (5000, 0.3)
    # a cycle high and a start-of-month level are not quotes
    assert ex("The rare earth index on May 8 was 420 points, a decrease of 58% from the highest "
              "point in the cycle of 1000 points.") == [("sunsirs_index", 420, 420, "points")]
    assert ex("The price of Pr-Nd alloy was 560,500 yuan/ton, which was 571,000 yuan/ton from "
              "the beginning of the month.") == [("prnd_metal", 560500, 560500, "CNY/t")]
    # ... but a new record high is
    assert ex("The CREIA price index reached a new record high of 431.2 points on the 15th.") == [
        ("creia_index", 431.2, 431.2, "points")]


def test_a_dropped_wan_is_repaired_within_the_products_range() -> None:
    # SMM's "万元/吨" translated without the "wan": nothing rare earth costs 5 yuan a tonne
    got = ex("Today, monazite prices adjusted to 5.6-5.75 yuan/mt, and medium-yttrium, "
             "europium-rich ore prices were around 215,000-217,000 yuan/mt.")
    assert got == [("monazite", 56000, 57500, "CNY/t"), ("ionic_ore", 215000, 217000, "CNY/t")]


def test_holdout16_classes() -> None:
    # conditions, market sizes and spans of past years are not quotes
    assert ex("As long as the price of NdPr remains above $110 per kilogram, no payment is "
              "due.") == []
    assert ex("Analysts valued the terbium market at $7.8 billion and are forecasting $27.6b "
              "by 2031.") == []
    assert ex("Dysprosium prices rocketed from $118/kg to $2,262/kg between 2008 and 2011.") == []
    # "between US$ 90/kg and US$ 120/kg"
    assert ex("The price of Pr-Nd oxide now ranges between US$ 58/kg and US$ 62/kg.") == [
        ("prnd_oxide", 58, 62, "USD/kg")]
