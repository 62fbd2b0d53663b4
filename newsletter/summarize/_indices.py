"""The price indices REE Daily knows, as data: adding an index is one entry of ``INDICES``.

Each entry gives the index's id (the ``commodity`` of its price items and table row), the
name the email shows, the words that name it in English and in Chinese text, and whether
the edition's chart draws it. ``_commodities.py`` (ids, names, market order: indices
first, in this order), the English lexer (``_prices_lex.find_mentions``) and the Chinese
reader (``_prices_zh``) all read this table. Only the ambiguous phrases ("rare earth price
index" with no name: CREIA or CREPI, told apart by the sentence or the level) are rules
of the extractor (``prices._resolve_index``, ``_prices_zh._resolve``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class IndexDef:
    """One price index.

    Attributes:
        id: the commodity id of its observations (``creia_index``).
        name: the display name in the price table and on the chart.
        english: a regular expression (case-insensitive) naming it in English text.
        chinese: a regular expression naming it in Chinese text, or None.
        chart: the edition's index chart draws this index (exactly one entry).
    """

    id: str
    name: str
    english: str
    chinese: str | None = None
    chart: bool = False


INDICES: tuple[IndexDef, ...] = (
    IndexDef(
        id="creia_index", name="CREIA price index (2010 = 100)", chart=True,
        english=r"\b(?:CREIA|ACREI|CARI)\b(?:'s)?(?:\s+(?:rare[- ]earth\s+)?(?:price\s+)?index)?"
        r"|\b(?:China\s+Rare\s+Earth\s+Industry\s+Association|Association\s+of\s+Chin(?:a|ese)\s+"
        r"Rare\s+Earths?\s+Industry)(?:'s)?(?:\s+(?:rare[- ]earths?\s+)?(?:price\s+)?index)?"),
    IndexDef(
        id="crepi", name="China Rare Earth Price Index (Baotou/Xinhua)",
        english=r"\bCREPI\b|\bBaotou\s+(?:rare[- ]earth\s+)?(?:price\s+)?index\b",
        chinese=r"中国稀土价格指数"),
    IndexDef(
        id="sunsirs_index", name="SunSirs rare earth index",
        english=r"\b(?:SunSirs(?:'s)?\s+)?rare[- ]earths?\s+(?:commodity\s+)?index\b"
        r"|\bSunSirs\s+index\b"
        # SunSirs (生意社, "the business community") in translation
        r"|\brare[- ]earths?\s+sector\s+index\s+of\s+the\s+business\s+community\b",
        chinese=r"稀土指数"),
    IndexDef(
        id="mmi", name="MetalMiner Rare Earths MMI",
        english=r"\b(?:(?:the\s+)?Rare[- ]Earths?\s+)?(?:Monthly\s+Metals\s+Index\s+)?MMI\b"
        r"(?:\s?\((?:Monthly\s+Metals?\s+Index)\))?|\bRare[- ]Earths?\s+Monthly\s+Metals?\s+Index\b"
        r"|\b(?:monthly|weekly)\s+rare[- ]earths?\s+(?:metals?\s+)?(?:price\s+)?index\b"
        r"|\bRare[- ]Earths?\s+Metals?\s+Index\s+\(MMI\)"),
)

INDEX_IDS: frozenset[str] = frozenset(i.id for i in INDICES)
INDEX_NAMES: dict[str, str] = {i.id: i.name for i in INDICES}
#: the index the edition's chart draws
CHART_INDEX: IndexDef = next(i for i in INDICES if i.chart)
#: (compiled English pattern, id), in table order
ENGLISH_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(i.english, re.I), i.id) for i in INDICES)
#: (compiled Chinese pattern, id), longest pattern first (so "中国稀土价格指数" wins over
#: the shorter phrases it contains)
CHINESE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(chinese), index_id)
    for chinese, index_id in sorted(((i.chinese, i.id) for i in INDICES if i.chinese),
                                    key=lambda pair: -len(pair[0])))
