"""Price indices are one table (summarize/_indices.py): every reader of index ids, names
and wording takes them from it, and each entry is found in English and Chinese text."""

from __future__ import annotations

import pytest

from newsletter.summarize._commodities import COMMODITY_NAMES, INDEX_IDS, MARKET_ORDER
from newsletter.summarize._indices import CHART_INDEX, INDICES
from newsletter.summarize.prices import extract_prices

SENTENCES = {
    "creia_index": ("The CREIA price index rose 2.1 points to 306.4 on Monday.", None),
    "crepi": ("The China Rare Earth Price Index (CREPI) stood at 1,250.3 points.",
              "中国稀土价格指数报1250.3点。"),
    "sunsirs_index": ("The SunSirs rare earth index was 412.5 points on 24 November.",
                      "稀土指数为412.5点。"),
    "mmi": ("The Rare Earths MMI fell 3% to 48 points.", None),
}


def test_the_table_is_what_the_commodity_list_and_market_order_use() -> None:
    ids = [i.id for i in INDICES]
    assert set(ids) == INDEX_IDS and len(ids) == len(set(ids))
    assert list(MARKET_ORDER[:len(ids)]) == ids          # indices first, in table order
    assert all(COMMODITY_NAMES[i.id] == i.name for i in INDICES)
    assert [i for i in INDICES if i.chart] == [CHART_INDEX]
    assert set(SENTENCES) == INDEX_IDS                    # a new entry needs its sentence here


@pytest.mark.parametrize("index", INDICES, ids=lambda i: i.id)
def test_each_index_is_read_from_its_own_words(index) -> None:
    english, chinese = SENTENCES[index.id]
    (item,) = extract_prices(english)
    assert (item.commodity, item.kind, item.basis) == (index.id, "index", None)
    if index.chinese:
        assert chinese is not None
        (zh,) = extract_prices(chinese)
        assert zh.commodity == index.id
