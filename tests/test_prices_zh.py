"""Chinese-language price extraction: one paraphrased sentence per class of real text
(bench/data/prices-zh-*.jsonl holds the real lines with their sources)."""

from __future__ import annotations

from datetime import date

import pytest

from newsletter.summarize.prices import extract_prices
from newsletter.types import PriceItem

AS_OF = date(2026, 11, 25)


def items(text: str) -> list[tuple[str, float, float, str, float | None, float | None]]:
    return [(i.commodity, i.low, i.high, i.unit, i.change, i.change_pct)
            for i in extract_prices(text, as_of=AS_OF)]


def test_wan_yuan_levels_and_changes_with_zhi() -> None:
    text = ("11月24日国内轻稀土价格上涨,镨钕氧化物价格上涨5000元/吨至60.1万元/吨,"
            "金属镨钕价格为73.5万元/吨,氧化钕价格下滑2500元/吨至61万元/吨。")
    assert items(text) == [
        ("prnd_oxide", 601000, 601000, "CNY/t", 5000, None),
        ("prnd_metal", 735000, 735000, "CNY/t", None, None),
        ("nd_oxide", 610000, 610000, "CNY/t", -2500, None),
    ]


def test_traditional_characters_read_like_simplified() -> None:
    text = ("鐠釹氧化物價格上漲5000元/噸至60.1萬元/噸,氧化鏑價格為163.5萬元/噸,"
            "鏑鐵合金價格為160萬元/噸。")
    assert items(text) == [
        ("prnd_oxide", 601000, 601000, "CNY/t", 5000, None),
        ("dy_oxide", 1635000, 1635000, "CNY/t", None, None),
        ("dyfe", 1600000, 1600000, "CNY/t", None, None),
    ]


@pytest.mark.parametrize("sep", ["-", "~", "—", "至"])
def test_ranges_with_each_separator_and_a_shared_wan(sep: str) -> None:
    got = items(f"氧化铽挂牌价580{sep}586万元/吨,均价下调2万元/吨。")
    assert got == [("tb_oxide", 5800000, 5860000, "CNY/t", -20000, None)]


def test_kilogram_and_dollar_units() -> None:
    assert items("氧化铽报价5820元/公斤,氧化镝报价1640元/千克。") == [
        ("tb_oxide", 5820, 5820, "CNY/kg", None, None),
        ("dy_oxide", 1640, 1640, "CNY/kg", None, None),
    ]
    assert items("欧洲镝价达每公斤850美元。") == [("dy_oxide", 850, 850, "USD/kg", None, None)]


def test_index_in_points_with_absolute_and_percent_change() -> None:
    got = items("25日,中国稀土价格指数报1222.49点,较前一工作日上涨6.96点,涨幅为0.57%。")
    assert got == [("crepi", 1222.49, 1222.49, "points", 6.96, 0.57)]
    got = items("中國稀土價格指數報1258.94點,較前一工作日下跌10.74點,跌幅為0.85%。")
    assert got == [("crepi", 1258.94, 1258.94, "points", -10.74, -0.85)]


def test_changes_from_a_cycle_high_or_low_are_not_the_days_change() -> None:
    text = ("11月25日稀土指数为688点,较昨日下降了3点,较周期内最高点1000点(2011-12-06)下降了"
            "31.20%,较2015年09月13日最低点271点上涨了153.87%。")
    assert items(text) == [("sunsirs_index", 688, 688, "points", -3, None)]


def test_table_rows_take_the_unit_from_the_header_and_skip_the_average_column() -> None:
    text = ("产品 | 价格区间(元/吨) | 均价(元/吨) | 涨跌(元/吨) |\n"
            "氧化镝 | 1630000-1640000 | 1635000 | 5000 |\n"
            "金属铽 | 7150000-7250000 | 7200000 | 0 |")
    assert items(text) == [
        ("dy_oxide", 1630000, 1640000, "CNY/t", 5000, None),
        ("tb_metal", 7150000, 7250000, "CNY/t", 0, None),
    ]


def test_table_rows_as_the_collector_renders_them_with_spaces() -> None:
    text = ("产品 价格区间(元/吨) 均价(元/吨) 涨跌(元/吨)\n\n"
            "镨钕氧化物 598000-601000 599500 -1000\n\n"
            "11月25日国内轻稀土价格小幅下滑。")
    assert items(text) == [("prnd_oxide", 598000, 601000, "CNY/t", -1000, None)]


def test_a_price_list_row_whose_unit_closes_the_row() -> None:
    assert items("氧化镨钕: 598000-601000 -1500 元/吨") == [
        ("prnd_oxide", 598000, 601000, "CNY/t", -1500, None)]


def test_a_level_shared_by_listed_commodities() -> None:
    text = "11月挂牌价分别为氧化镨钕600,500元/吨;氧化镧及氧化铈的价格均为9,800元/吨。"
    assert items(text) == [
        ("prnd_oxide", 600500, 600500, "CNY/t", None, None),
        ("la_oxide", 9800, 9800, "CNY/t", None, None),
        ("ce_oxide", 9800, 9800, "CNY/t", None, None),
    ]


@pytest.mark.parametrize("text", [
    "明年第一批稀土出口配额为1.45万吨,较今年减少一成。",
    "全年稀土开采总量控制指标为27万吨,同比增长5.9%。",
    "今年前10月氧化铈出口量为678吨,同比增长38%。",
    "南方离子型稀土矿分离成本回落至158万元/吨。",
    "拟将第一季度稀土精矿关联交易价格调整为不含税26834元/吨,环比上涨2.4%。",
    "稀土磁性材料价格指数报1138.77点,较前一工作日上涨1.21%。",
    "氧化镨出口离岸价(FOB)溢价收窄至5%。",
    "与去年同期相比,氧化镨钕下跌21.3%、金属镨钕下跌20.9%。",
])
def test_quantities_costs_premiums_and_bare_changes_are_not_price_items(text: str) -> None:
    assert items(text) == []


def test_conversions_into_other_currencies_are_not_items_and_the_measure_is_shared() -> None:
    text = "1月9日氧化鐠釹均價每噸62.49萬元人民幣（約283萬元新台幣），金屬鐠釹76.07萬元人民幣。"
    assert items(text) == [
        ("prnd_oxide", 624900, 624900, "CNY/t", None, None),
        ("prnd_metal", 760700, 760700, "CNY/t", None, None),
    ]


def test_past_levels_spreads_and_cumulative_moves_are_dropped() -> None:
    text = "去年年底,氧化铈的价格仅为每吨7800元,而到了今天,市场报价已上涨至每吨15000元。"
    assert items(text) == [("ce_oxide", 15000, 15000, "CNY/t", None, None)]
    text = "本月平均价格指数为240.3点。高低点相差48.3点,波动幅度为20.1%。"
    got = extract_prices("据中国稀土行业协会,稀土价格指数呈下行趋势。" + text, as_of=AS_OF)
    assert [(i.commodity, i.low) for i in got] == [("creia_index", 240.3)]
    got = items("氧化镝均价报165万元/吨,单日下跌7,500元,连续两日累计跌幅达1.5万元。")
    assert got == [("dy_oxide", 1650000, 1650000, "CNY/t", -7500, None)]


def test_last_friday_is_the_quotes_day_not_history() -> None:
    got = items("上週五氧化鐠釹均價每噸 62.49萬元,金屬鐠釹 76.07萬元。")
    assert [(c, lo) for c, lo, *_ in got] == [("prnd_oxide", 624900), ("prnd_metal", 760700)]
    assert items("上周的成交价为13000元/吨。") == []


def test_a_flash_quote_without_a_unit_is_yuan_per_tonne_when_plausible() -> None:
    assert items("11月25日镨钕氧化物为600500.00") == [
        ("prnd_oxide", 600500, 600500, "CNY/t", None, None)]
    assert items("11月25日镝铁合金为1615000.00") == [
        ("dyfe", 1615000, 1615000, "CNY/t", None, None)]
    # a figure no product costs in yuan (a count, a tonnage without its unit) is not a price
    assert items("氧化镨钕产量为12") == [] and items("氧化镝为50") == []


def test_year_on_year_change_only_without_a_shorter_one() -> None:
    got = items("氧化钕均价50.87万元/吨,同比上涨27.4%。")
    assert got == [("nd_oxide", 508700, 508700, "CNY/t", None, 27.4)]


def test_a_stray_wan_is_repaired_within_the_products_range() -> None:
    got = items("氧化镨均价443750万元/吨,较前日下跌5000元。")
    assert got == [("pr_oxide", 443750, 443750, "CNY/t", -5000, None)]


def test_dates_in_chinese_set_as_of() -> None:
    got = extract_prices("2026年11月23日,氧化镝价格为163万元/吨。11月24日氧化铽价格为580万元/吨。",
                         as_of=AS_OF)
    assert [i.as_of for i in got] == [date(2026, 11, 23), date(2026, 11, 24)]


def test_english_sentences_are_unchanged_by_the_chinese_reader() -> None:
    got = extract_prices("Pr-Nd oxide rose 5,000 yuan/mt to 601,000 yuan/mt (稀土).", as_of=AS_OF)
    assert got == [PriceItem("prnd_oxide", "price", 601000, 601000, "CNY/t", change=5000,
                             as_of=AS_OF, basis="exw_china_vat")]
