"""Lexical layer of the price extractor: sentences, dates, numbers with units, mentions.

Each function here turns text into a flat list of typed tokens with character offsets.
``prices.py`` then attaches value tokens to commodity mentions by grammar cues.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from newsletter.summarize._commodities import ELEMENTS, METAL_STEMS, commodity_id
from newsletter.summarize._indices import ENGLISH_PATTERNS

# ---------------------------------------------------------------- sentences and dates

_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\d\"'“(\[•*-])|(?<=[。！？])\s*|\s*\n+\s*")


MAX_SENTENCE = 1500


def split_sentences(text: str) -> list[str]:
    """Sentences, headlines and bullets of ``text`` (newlines always end a unit).

    A run-on "sentence" longer than ``MAX_SENTENCE`` characters (a table flattened into
    one line, or hostile input) is cut at whitespace into pieces of at most that size, so
    the cost per sentence stays bounded.
    """
    out: list[str] = []
    for part in _SENT_SPLIT.split(text):
        part = part.strip()
        while len(part) > MAX_SENTENCE:
            cut = part.rfind(" ", MAX_SENTENCE // 2, MAX_SENTENCE)
            cut = cut if cut > 0 else MAX_SENTENCE
            out.append(part[:cut])
            part = part[cut:].strip()
        if part:
            out.append(part)
    return out


_MONTHS = {
    m: i + 1
    for i, ms in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in ms
}
_MONTH_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"  # noqa: E501
_DATE_MD = re.compile(
    rf"\b(?P<mon>{_MONTH_RE})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?",
    re.I,
)
_DATE_DM = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MONTH_RE})\b\.?(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?",
    re.I,
)
_DATE_ISO = re.compile(
    r"\b(?:19|20)\d\d-(?:\d{1,2}|[A-Za-z]{3,9})-\d{1,2}\b|\b\d{1,2}/\d{1,2}/(?:19|20)?\d\d\b"
)
_MONTH_YEAR = re.compile(rf"\b{_MONTH_RE}\.?,?\s+(?:19|20)\d\d\b", re.I)
_BASE = re.compile(r"\b(?:19|20)\d\d\s*=\s*100\b")
_RATIO = re.compile(r"\b\d+(?:\.\d+)?\s*:\s*\d+(?:\.\d+)?\b(?!\s*(?:yuan|/|%))")
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\s*(?:a\.?m\.?|p\.?m\.?|GMT|UTC|CST)?", re.I)
_YEAR = re.compile(
    r"(?<![\d,.$¥])(?:19[5-9]\d|20[0-4]\d)(?!\d)(?![,.]\d)(?!\s*(?:points?|pts|yuan|/|usd|rmb|cny|-\d))",
    re.I,
)
_FOOTNOTE = re.compile(r"\[\d{1,3}\]")  # "... of over 210% [1]": a reference mark
_QUARTERS = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)\b|\b(?:Q|H)\d\b|\bCSI\s*\d+\b", re.I)


def find_date(sentence: str, as_of: date | None) -> date | None:
    """The first month-and-day date the sentence names ("On August 18", "January 26, 2026").

    The year is the stated one, else ``as_of``'s (moved back a year when the date would
    otherwise fall after ``as_of``); with neither, None.
    """
    best: tuple[int, re.Match[str]] | None = None
    for rx in (_DATE_MD, _DATE_DM):
        m = rx.search(sentence)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), m)
    if best is None:
        return None
    m = best[1]
    mon = _MONTHS.get(m.group("mon").lower().rstrip("."))
    day = int(m.group("day"))
    if mon is None:
        return None
    if m.group("year"):
        year = int(m.group("year"))
    elif as_of is not None:
        year = as_of.year
    else:
        return None
    try:
        found = date(year, mon, day)
    except ValueError:
        return None
    if not m.group("year") and as_of is not None and found > as_of:
        try:
            found = date(year - 1, mon, day)
        except ValueError:
            return None
    return found


def mask_non_prices(s: str) -> str:
    """Blank out dates, years, base years, ratios and clock times (offsets kept)."""

    def blank(m: re.Match[str]) -> str:
        return " " * (m.end() - m.start())

    for rx in (_DATE_ISO, _DATE_MD, _DATE_DM, _MONTH_YEAR, _BASE, _CLOCK, _RATIO, _QUARTERS,
               _FOOTNOTE):
        s = rx.sub(blank, s)
    s = _YEAR.sub(blank, s)
    # "RMB420, 000/tonne": a thousands separator followed by a stray space
    s = _SPLIT_THOUSANDS.sub(lambda m: f" {m.group(1)},{m.group(2)}", s)
    # "90,5000 RMB/ton": a misplaced thousands comma
    s = _BAD_GROUPING.sub(lambda m: f" {m.group(1)}{m.group(2)}", s)
    # "430,000/t-435,000/t": the first unit of a range is redundant
    s = _MID_RANGE_UNIT.sub(lambda m: m.group(1) + " " * len(m.group(2)), s)
    # "between 340,000 ($54,604) and 360,000 yuan": a range written out; "around 300,000
    # yuan (US$47,695) to 320,000 yuan": a range split by a conversion
    s = _BETWEEN.sub(_between_range, s)
    return _SPLIT_RANGE.sub(_between_range, s)


def _between_range(m: re.Match[str]) -> str:
    lead = " " * (m.start("n1") - m.start())
    gap = m.end() - m.end("n1")
    return lead + m.group("n1") + " " * (gap - 1) + "-"


_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_BAD_GROUPING = re.compile(r"(?<![\d,.])(\d{1,3}),(\d{4})(?![\d,])")
_SPLIT_THOUSANDS = re.compile(
    r"(?<![\d,.])(\d{1,3}),\s(\d{3})(?![\d,])(?=\s?(?:[-–/]|yuan\b|rmb\b|cny\b|usd\b|per\b))", re.I
)
_BETWEEN = re.compile(
    r"\bbetween\s+"
    rf"(?P<n1>(?:US\$|\$|¥|RMB|CNY|USD)?\s?(?:{_NUM})(?:\s?(?:million|mln|mn|billion|bn)\b)?)"
    r"(?:\s?/\s?(?:kg|t|mt|tons?|tonnes?)\b)?(?:\s*\([^()]{0,40}\))?\s+and\s+"
    r"(?=(?:US\$|\$|¥|RMB|CNY|USD)?\s?\d)",
    re.I,
)
_SPLIT_RANGE = re.compile(
    rf"(?<!from\s)(?<![\d,.])(?P<n1>(?:US\$|\$|¥|RMB|CNY|USD)?\s?(?:{_NUM})"
    r"(?:\s?(?:million|mln|mn)\b)?)\s?(?:yuan|rmb|cny|usd|dollars)?\s*\([^()]{0,40}\)\s*(?:to|[-–])\s+"
    r"(?=(?:US\$|\$|¥|RMB|CNY|USD)?\s?\d)",
    re.I,
)
_MID_RANGE_UNIT = re.compile(
    r"(\d)(\s?(?:yuan|rmb|cny|usd)?\s?/\s?(?:t|mt|kg|tons?|tonnes?))"
    # ...but "607,000.00 yuan/ton -0.16%" is a level and a signed change, not a range
    r"(?=\s?[-–—~]\s?(?:[$¥]|US\$|RMB\s?|CNY\s?)?\d(?![\d,.]*\s?(?:%|per\s?cent|pct)))",
    re.I,
)


# ---------------------------------------------------------------- direction words

_UP = (r"up|rose|rise[sn]?|rising|increased?|increases|increasing|gain(?:ed|s|ing)?|adding|expanded"
       r"|climb(?:ed|s|ing)?|jump(?:ed|s|ing)?|surge[ds]?|soar(?:ed|s)?|rall(?:ied|ies|y)|advanced?|added|lifted|raised"
       r"|hike[ds]?|firmed|strengthened|improved|powered|picked\s+up|ticked\s+up|inched\s+up"
       r"|higher|rebound(?:ed|s)?|recover(?:ed|s)?|edged\s+up|increase\s+of|rise\s+of|gain\s+of|\+|▲|△|↑")
_DOWN = (r"down|fell|fall(?:s|ing|en)?|drop(?:ped|s)?|declined?|declines|declining|decreased?"
         r"|decreases|decreasing|lost|loss|losing|shed|slid|slips?|slipped|plunged?|plunges"
         r"|tumbled?|eased?|lower(?:ed)?|cut|retreated?|dipped|dips?|weakened|slumped?|dropping|falling"
         r"|shr(?:ank|unk|inks?|inking)|plummet(?:ed|s|ing)?|pulled\s+back|weighed|[−-]|▼|▽|↓")
_DIR = re.compile(rf"(?:(?<![\w])(?P<up>{_UP})(?![\w])|(?<![\w])(?P<down>{_DOWN})(?![\w]))", re.I)
#: verbs after which "from X to Y" spans a range, not a move ("ranged from 413,000 to 417,000")
_RANGE_VERB = re.compile(
    r"\b(?:rang(?:e|ed|es|ing)|fluctuat\w*|var(?:y|ied|ies|ying)|hover\w*|oscillat\w*)\b", re.I
)


def _spans_range(before: str) -> bool:
    """Whether "from X to Y" after ``before`` is a range: a range verb is the last verb."""
    rv = list(_RANGE_VERB.finditer(before))
    if not rv:
        return False
    return not any(d.start() > rv[-1].end() for d in _DIR.finditer(before))


# ---------------------------------------------------------------- numbers with units

_SCALE = r"million|mln|mn|m|billion|bn|b|thousand|k"
_SCALES = {"million": 1e6, "mln": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9,
           "thousand": 1e3, "k": 1e3}
_CUR_PREFIX = r"US\s?\$|\$\s?US|USD|A\$|AU\$|C\$|HK\$|\$|¥|￥|RMB|CNY|Rmb|Yn|yuan"
_CORE = re.compile(
    rf"(?:(?<![\w.,])|(?<=RMB)|(?<=Rmb)|(?<=CNY)|(?<=USD)|(?<=\$US)|(?<=Yn))(?P<n1>{_NUM})(?:\s?(?P<s1>{_SCALE})\b)?"
    rf"(?:\s*(?P<sep>-|–|—|~|to)\s?(?:{_CUR_PREFIX})?\s?(?P<n2>{_NUM})(?:\s?(?P<s2>{_SCALE})\b)?)?",
    re.I,
)
_PREFIX = re.compile(
    rf"(?P<sign>[+\-−](?=\s?(?:{_CUR_PREFIX})?\s?$))?\s?(?P<cur>{_CUR_PREFIX})?\s?$", re.I
)
#: a unit column before the figures of a table row ("... 99.5-99.9%   Kg   9500-9800")
_COLUMN_UNIT = re.compile(r"(?<=[\s%])(?P<meas>Kg|Tonne|Ton|MT)\s+$")
_UNIT_LABEL = re.compile(
    r"(?P<cur>\$|¥|yuan|rmb|cny|usd|us\$)\s*/\s*(?P<meas>kg|t|mt|tons?|tonnes?)\s*\)?\s*[:=]?\s*$",
    re.I,
)
_MEAS = r"(?:metric\s+)?(?:mt|t|tons?|tonnes?|kgs?|kilograms?|kilos?|lbs?|pounds?|g|grams?)"
_SUFFIX = re.compile(
    r"\s?(?:(?P<pct>%|percent\b|per\s?cent\b|pct\b|pc\b)"
    r"|(?P<pts>points?\b|pts?\b)"
    r"|(?P<mult>×|x\b|times\b|-fold\b)"
    r"|(?P<cents>cents?\b)"
    rf"|(?:(?P<cur>yuan|rmb|cny|usd|u\.?s\.?\s?dollars?|dollars?|yen|jpy|euros?|eur)\b\.?)?"
    rf"(?:\s?(?P<per>/|per\s|a\s|each\s)\s?(?P<meas>{_MEAS})\b|\s(?P<qty>{_MEAS})\b)?)",
    re.I,
)
#: "4.1 wan yuan/t", "41.5 ten-thousand yuan/ton", "41.5 (10,000 yuan/t)": 10,000 yuan units
_WAN = re.compile(
    r"\s?(?:\(\s?)?(?:wan|10,000|10000|ten[- ]thousands?)\s?(?=yuan|rmb|cny)", re.I
)
_LATE_MEAS = re.compile(
    rf"\s?\)?\s?(?:\([^()]{{0,60}}\)\s?)?(?:/|per\s|a\s)\s?(?P<meas>{_MEAS})\b", re.I
)
_TIME_UNIT = re.compile(
    r"\s?(?:-\s?)?(?:(?:trading|working|business|calendar)\s+)?"
    r"(?:days?|weeks?|months?|years?|hours?|minutes?|sessions?|quarters?)\b",
    re.I,
)
#: "17 sub-indexes", "21 products": a whole number followed by a plural noun
_COUNT_NOUN = re.compile(r"\s(?:[a-z]+-)?(?P<w>[a-z]{3,}s)\b", re.I)
_NOT_COUNT = {"was", "this", "its", "has", "his", "plus", "thus", "versus", "less", "unless",
              "across", "yes", "points", "pts", "whereas", "hits", "gains", "falls", "rises",
              "drops", "jumps", "climbs", "slips", "eases", "stands", "remains", "makes"}
_KG = {"kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"}
_LB = {"lb", "lbs", "pound", "pounds"}


@dataclass
class Value:
    """One number (or range) with whatever currency, measure and sign came with it."""

    start: int
    end: int
    low: float
    high: float
    currency: str | None = None  # CNY, USD, OTHER
    measure: str | None = None  # t, kg
    kind: str = "bare"  # bare, money, pct, points, mult, qty
    sign: int = 0
    scaled: bool = False
    is_range: bool = False
    spanned: bool = False  # "ranged from X to Y": a range, though "from" precedes it
    column: bool = False  # a table row's figure after a unit column ("Kg  9500-9800")
    role: str = ""  # level, change, prev, ignore (set by the parser)
    unit: str | None = None
    changes: dict[str, float] = field(default_factory=dict)
    yoy: bool = False  # a change against a year earlier (set by the parser)
    #: the currency of the figure this one converts ("CNY 255,000 ($41,556)": CNY)
    converted_from: str | None = None

    def unit_name(self) -> str | None:
        """``CNY/t`` and friends, or ``points``; None when no price unit is known."""
        if self.kind == "points":
            return "points"
        measure = self.measure
        if self.kind == "money" and measure is None and self.currency in {"CNY", "USD"}:
            measure = _default_measure(self)
        if self.currency in {"CNY", "USD"} and measure in {"t", "kg"}:
            return f"{self.currency}/{measure}"
        return None


def _cur(tok: str | None) -> str | None:
    if not tok:
        return None
    t = tok.lower().replace(" ", "")
    t = t.replace(".", "")
    if t in {"$", "us$", "$us", "usd", "usdollar", "usdollars", "dollar", "dollars"}:
        return "USD"
    if t in {"¥", "￥", "rmb", "cny", "yuan", "yn"}:
        return "CNY"
    return "OTHER"


def _meas(tok: str | None) -> str | None:
    if not tok:
        return None
    t = tok.lower().split()[-1]
    if t in _KG:
        return "kg"
    if t in _LB:
        return "lb"
    if t in {"g", "gram", "grams"}:
        return "g"  # "(≈ US $0.96 /g)": no unit in the schema
    return "t"


def _num(n: str, scale: str | None) -> float:
    v = float(n.replace(",", ""))
    return v * _SCALES[scale.lower()] if scale else v


_WORD_NUMS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10}
_WORD_POINTS = re.compile(
    r"(?<!\bat\s)\b(?P<n>" + "|".join(_WORD_NUMS) + r")\s+(?:index\s+)?points?\b", re.I
)


def find_values(s: str) -> list[Value]:
    """Numbers of a masked sentence with their units (see ``mask_non_prices``)."""
    out: list[Value] = []
    for m in _WORD_POINTS.finditer(s):  # "slipped by one point": a change in words
        n = float(_WORD_NUMS[m.group("n").lower()])
        out.append(Value(m.start(), m.end(), n, n, kind="points"))
    consumed = 0
    for m in _CORE.finditer(s):
        if m.start() < consumed:
            continue  # the "10,000" of "41.5 (10,000 yuan/t)"
        n1, s1, n2, s2, sep = m.group("n1", "s1", "n2", "s2", "sep")
        spanned = False
        fm = re.search(r"\bfrom\s+\S*\s*$", s[: m.start()], re.I) if sep else None
        if fm and sep.lower() == "to":
            if _spans_range(s[: fm.start()]):
                spanned = True  # "ranged from 413,000 to 417,000"
            else:  # "rose from 52 to 55": not a range; keep the first number only
                n2 = s2 = sep = None
        hi = _num(n2, s2 or s1) if n2 else _num(n1, s1)
        lo = _num(n1, s1)
        if n2 and s2 and not s1 and "," not in n1 and _num(n1, s2) <= hi:
            lo = _num(n1, s2)  # "1.62-1.63 million": the scale applies to both ends
        if n2 and 0 < lo < hi / 3:
            lo = _repair_low(lo, hi)
        end = m.end() if n2 else (m.end("s1") if s1 else m.end("n1"))
        if n2 and (hi < lo or hi > lo * 3) and sep in {"-", "–", "—"} and hi < lo:
            # "5,000-3" or an id like "100-2": not a range
            hi, end = lo, (m.end("s1") if s1 else m.end("n1"))
            n2 = None
        v = Value(m.start(), end, lo, hi, scaled=bool(s1 or s2), is_range=bool(n2),
                  spanned=spanned)
        pre = _PREFIX.search(s[max(0, m.start() - 8) : m.start()])
        if pre:
            if pre.group("cur"):
                v.currency = _cur(pre.group("cur"))
                v.kind = "money"
            if pre.group("sign"):
                before = s[: m.start() - len(pre.group(0))]
                if not before or not before[-1].isalnum():
                    v.sign = 1 if pre.group("sign") == "+" else -1
        lab = _UNIT_LABEL.search(s[max(0, m.start() - 30) : m.start()])
        if lab and v.currency is None:
            v.currency, v.measure = _cur(lab.group("cur")), _meas(lab.group("meas"))
            v.kind = "money"
        elif v.currency is None and (col := _COLUMN_UNIT.search(s, max(0, m.start() - 24),
                                                                  m.start())):
            # a price-table row: "Terbium Oxide Tb4O7/TREO 99.95-99.99% Kg 5300-5500 -500"
            v.measure, v.kind, v.column = _meas(col.group("meas")), "money", True
        if _TIME_UNIT.match(s, v.end):
            v.kind = "time"
            out.append(v)
            continue
        wan = None if v.scaled else _WAN.match(s, v.end)
        if wan:
            v.low, v.high, v.scaled, v.end = v.low * 1e4, v.high * 1e4, True, wan.end()
            consumed = wan.end()
        suf = _SUFFIX.match(s, v.end)
        if suf and suf.group(0).strip():
            if suf.group("pct"):
                v.kind = "pct"
            elif suf.group("pts"):
                v.kind = "points"
            elif suf.group("mult"):
                v.kind = "mult"
            elif suf.group("cents"):  # "fell by 50 cents to 92-94.50 dollars per kilogram"
                v.low, v.high, v.currency, v.kind = v.low / 100, v.high / 100, "USD", "money"
            else:
                if suf.group("cur"):
                    v.currency = _cur(suf.group("cur"))
                    v.kind = "money"
                if suf.group("meas"):
                    v.measure = _meas(suf.group("meas"))
                    v.kind = "money"
                elif suf.group("qty"):
                    if v.currency is None:
                        v.kind = "qty"
                    else:
                        v.measure = _meas(suf.group("qty"))
            v.end = suf.end()
        if v.kind == "bare" and not v.is_range and v.low < 1000 and v.low == int(v.low):
            cm = _COUNT_NOUN.match(s, v.end)
            if cm and cm.group("w").lower() not in _NOT_COUNT:
                v.kind = "qty"  # "consists of 17 sub-indexes": a count, not a level
        if v.kind == "money" and v.measure is None:
            # "600,000 yuan (about 83,600 U.S. dollars) per tonne"
            la = _LATE_MEAS.match(s, v.end)
            if la:
                v.measure = _meas(la.group("meas"))
        # "per kg per kg" and trailing unit repeats are harmless; convert /lb to /kg
        if v.measure == "lb":
            v.low, v.high, v.measure = v.low * 2.20462, v.high * 2.20462, "kg"
        out.append(v)
    out.sort(key=lambda x: x.start)
    _borrow_units(out)
    return out


def nearest_comparable(v: Value, cands: Iterable[Value]) -> Value | None:
    """The candidate nearest to ``v`` whose figure is within 4x of it: a neighbour to take
    a missing unit from, never the other side of a CNY/USD conversion (~7x)."""
    return min((w for w in cands if w is not v and w.high and 0.25 <= v.high / w.high <= 4),
               key=lambda w: abs(w.start - v.start), default=None)


def _borrow_units(values: list[Value]) -> None:
    """A money figure missing its currency or measure takes it from the nearest one of
    comparable size that states it: "down 12.84% to 132,416/mt from $151,927/mt",
    "jumped from $965 per kilogram to $3,000"."""
    stated = [w for w in values if w.kind == "money" and w.currency in {"CNY", "USD"}
              and w.measure in {"t", "kg"}]
    for v in values:
        if v.kind != "money" or v in stated:
            continue
        if v.currency is None and v.measure in {"t", "kg"}:
            w = nearest_comparable(v, (w for w in stated if w.measure == v.measure))
            if w is not None:
                v.currency = w.currency
        elif v.currency in {"CNY", "USD"} and v.measure is None and not (
                v.scaled and v.currency == "USD"):
            w = nearest_comparable(v, (w for w in stated if w.currency == v.currency))
            if w is not None:
                v.measure = w.measure


def _repair_low(lo: float, hi: float) -> float:
    """Machine-translated ranges drop the scale of the low end: "193-1.95 million",
    "26.6-269000". Scale the low end by a power of ten into ``[hi / 2, hi]`` if one fits."""
    for k in range(1, 9):
        cand = lo * 10.0**k
        if hi / 2 <= cand <= hi:
            return cand
        if cand > hi:
            break
    return lo


def _default_measure(v: Value) -> str | None:
    """Measure for money with none stated: big yuan figures are per tonne, small per kg."""
    if v.currency == "CNY":
        if v.high >= 1e9:
            return None
        return "t" if v.high >= 50_000 else ("kg" if v.high >= 1000 else None)
    if v.scaled or v.high >= 100_000:
        return None  # "$200 million": a revenue, not a price
    return "kg" if v.high < 1000 else "t"


# ---------------------------------------------------------------- mentions


@dataclass
class Mention:
    """A commodity, index, equity-index ("block") or anaphor ("the index") mention."""

    start: int
    end: int
    kind: str  # commodity, index, block, anaphor
    cid: str  # commodity id; "?price_index" for an index to resolve by scale
    values: list[Value] = field(default_factory=list)
    #: named only as a reference ("followed Pr-Nd oxide higher"): owns no values when
    #: another mention can
    ref: bool = False
    #: the commodities a plural "X and Y oxides" may stand for, when it is not a blend
    parts: tuple[str, ...] = ()


def _el_alt() -> str:
    return "|".join(sorted(ELEMENTS, key=len, reverse=True))


_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_FORMULAS = {
    f.lower(): sym.lower() for sym, fs in ((s, f) for s, f in ELEMENTS.values()) for f in fs
}
_FORMULA_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(f) for f in sorted(_FORMULAS, key=len, reverse=True)) + r")\b",
    re.I,
)
_SYM_TO_STEM = {sym.lower(): sym.lower() for sym, _ in ELEMENTS.values()}
_SYM_ALT = "|".join(sym for sym, _ in ELEMENTS.values())
_FORM_AFTER = re.compile(
    r"\s?(?:\([^()]{1,25}\)\s?)?(?:(?:in\s+)?rare[- ]earth\s+|misch\s?)?"
    r"(?P<form>oxides?|metals?|alloys?|ingots?|iron|fe\b|ferro\w*|carbonate"
    r"|(?:[A-Z][a-z]?\d?(?:O\d)?)?/TREM\b)",
    re.I,
)
_PRND = re.compile(
    r"\b(?:praseodymium[-‐‑–— /?�]?(?:and\s+|&\s*)?neodymium"
    r"|neodymium[-‐‑–— /?�]?(?:and\s+|&\s*)?praseodymium"
    r"|Pr[- /]?Nd|Nd[- /]?Pr|didymium|PrN)\b(?:\s+\((?:Pr[- /]?Nd|Nd[- /]?Pr)\))?",
    re.I,
)
_LACE = re.compile(r"\b(?:lanthanum[- ]cerium|La[- ]Ce)\b", re.I)
_FERRO = re.compile(
    r"\b(?P<el>dysprosium|gadolinium|holmium)\s?(?:[-‐‑–]|\s(?:and|&)\s)?\s?(?:iron|ferrum|ferro)"
    r"(?:\s?alloys?)?\b"
    r"|\b(?P<sym>Dy|Gd|Ho)[- ]?Fe\b"
    r"|\bferro[- ]?(?P<el2>dysprosium|gadolinium|holmium)(?:\s?alloys?)?\b",
    re.I,
)
_ELEMENT = re.compile(rf"\b(?P<metallic>metal(?:lic)?\s+)?(?P<el>{_el_alt()})\b", re.I)
#: trivial oxide names ("yttria") and adjectival element names ("holmic oxide")
_TRIVIAL = {"yttria": "y", "ceria": "ce", "lanthana": "la", "neodymia": "nd", "praseodymia": "pr",
            "europia": "eu", "gadolinia": "gd", "dysprosia": "dy", "terbia": "tb", "holmia": "ho",
            "erbia": "er", "samaria": "sm", "lutetia": "lu", "scandia": "sc"}
_TRIVIAL_RE = re.compile(r"\b(?P<name>" + "|".join(_TRIVIAL) + r")\b", re.I)
_ADJECTIVE = re.compile(
    r"\b(?P<stem>yttr|cer|lanthan|neodym|praseodym|europ|gadolin|dyspros|terb|holm|erb|samar"
    r"|lutet|scand)ic\s+oxides?\b",
    re.I,
)
_ADJ_STEM = {"yttr": "y", "cer": "ce", "lanthan": "la", "neodym": "nd", "praseodym": "pr",
             "europ": "eu", "gadolin": "gd", "dyspros": "dy", "terb": "tb", "holm": "ho",
             "erb": "er", "samar": "sm", "lutet": "lu", "scand": "sc"}
_SYMBOL = re.compile(
    rf"\b(?P<sym>{_SYM_ALT})(?=\s?(?:oxides?|metals?)\b|:\s)"
    # "$100/kg for Nd and $800/kg for Dy"
    rf"|(?<=\bfor\s)(?P<sym2>{_SYM_ALT})\b(?=\s*(?:[,.;)]|and\b|$))")
_OTHER = [
    (re.compile(r"\b(?:mixed\s+)?rare[- ]earth\s+carbonates?\b|\bRE\s+carbonate\b", re.I),
     "re_carbonate"),
    (re.compile(r"\bmonazite\b", re.I), "monazite"),
    (re.compile(r"\b(?:(?:low|medium|middle|high)[- ]yttrium[\w ,/-]{0,30}?\s"
                r"(?:ores?|concentrates?|minerals?)"
                r"|(?:\w+[- ])?(?:europium|yttrium|yttrium)[- ]rich[\w ,-]{0,20}?\s(?:ores?|"
                r"concentrates?))\b", re.I), "ionic_ore"),
    (re.compile(r"\bion(?:ic|-adsorption)\s+(?:rare[- ]earth\s+)?(?:ores?|concentrates?|clays?)\b",
                re.I), "ionic_ore"),
]
_BLOCK = re.compile(
    r"\b(?:neodymium[- ]iron[- ]boron|NdFeB|(?:sintered|bonded|permanent)\s+magnets?"
    r"|magnets?\s+prices?|(?:rare[- ]earth\s+)?(?:permanent\s+)?magnets?\s+(?:materials?\s+)?"
    r"(?:plate|sector|board|concept)\s+index"
    r"|(?:rare[- ]earth\s+)?(?:plate|sector|board|concept|stock|equity|industry)\s+index"
    r"|concept\s+stocks?|rare[- ]earth\s+stocks?|shares?\b|share\s+price|stock\s+price"
    r"|Shanghai\s+Composite|Shenzhen\s+Component|ChiNext|Hang\s+Seng|market\s+cap\w*"
    r"|revenues?|turnover|net\s+profit|profits?|earnings|valuation"
    r"|(?:\w+[- ])?scraps?|exported|imported|exports?\s+(?:volumes?|of)|imports?\s+(?:volumes?|of)"
    r"|quotas?)\b",
    re.I,
)
_IDX_PRICE = re.compile(
    r"\b(?:(?:China(?:'s)?|Chinese)\s+)?(?:official\s+)?rare[- ]earths?\s+(?:products?\s+)?"
    r"price\s+ind(?:ex|ices)\b",
    re.I,
)
_ANAPHOR = re.compile(r"\b(?:the|this)\s+(?:index|gauge|benchmark\s+index)\b", re.I)


def _form(s: str, end: int) -> tuple[str, int]:
    m = _FORM_AFTER.match(s, end)
    if not m:
        return "oxide", end
    f = m.group("form").lower()
    if f.startswith(("metal", "ingot", "alloy")) or f.endswith("/trem"):
        return "metal", m.end()
    if f.startswith(("iron", "fe", "ferro")):
        return "ferro", m.end()
    return "oxide", m.end()


def find_mentions(s: str) -> list[Mention]:
    """Commodity, index and blocking mentions of a sentence, without overlaps."""
    cands: list[tuple[int, int, int, str, str]] = []  # start, -len, priority, kind, cid

    def add(start: int, end: int, kind: str, cid: str, prio: int) -> None:
        cands.append((start, end, prio, kind, cid))

    for m in _BLOCK.finditer(s):
        add(m.start(), m.end(), "block", "", 0)
    # the named indices (_indices.py), then the unnamed "rare earth price index"
    for rx, cid in (*ENGLISH_PATTERNS, (_IDX_PRICE, "?price_index")):
        for m in rx.finditer(s):
            if cid == "sunsirs_index" and not re.search("sunsirs", m.group(0), re.I):
                cid_m = "?rare_earth_index"  # "its rare earths index": whose, the sentence says
            else:
                cid_m = cid
            add(m.start(), m.end(), "index", cid_m, 1)
    for m in _ANAPHOR.finditer(s):
        add(m.start(), m.end(), "anaphor", "", 3)
    parts: dict[int, tuple[str, ...]] = {}
    for m in _PRND.finditer(s):
        form, end = _form(s, m.end())
        metallic = re.search(r"\b(?:metal(?:lic)?|alloy)\s+$", s[: m.start()], re.I)
        add(m.start(), end, "commodity", commodity_id("prnd", "metal" if metallic else form), 1)
        if re.search(r"\s(?:and|&)\s", m.group(0)) and re.search(r"s\s*$", s[m.end() : end]):
            # "neodymium and praseodymium oxides ... respectively": maybe two commodities
            stems = [ELEMENTS[w.lower()][0].lower() for w in re.findall(
                r"neodymium|praseodymium", m.group(0), re.I)]
            parts[m.start()] = tuple(commodity_id(st, form) for st in stems)
    for m in _LACE.finditer(s):
        form, end = _form(s, m.end())
        add(m.start(), end, "commodity", commodity_id("lace", form), 1)
    for m in _FERRO.finditer(s):
        stem = (m.group("sym") or ELEMENTS[(m.group("el") or m.group("el2")).lower()][0]).lower()
        add(m.start(), m.end(), "commodity", commodity_id(stem, "ferro"), 1)
    for m in _ELEMENT.finditer(s):
        stem = ELEMENTS[m.group("el").lower()][0].lower()
        form, end = _form(s, m.end())
        if m.group("metallic"):
            form = "metal"
        add(m.start(), end, "commodity", commodity_id(stem, form), 2)
    for m in _SYMBOL.finditer(s):
        form, end = _form(s, m.end())
        sym = m.group("sym") or m.group("sym2")
        add(m.start(), end, "commodity", commodity_id(sym.lower(), form), 2)
    for m in _TRIVIAL_RE.finditer(s):
        add(m.start(), m.end(), "commodity", f"{_TRIVIAL[m.group('name').lower()]}_oxide", 2)
    for m in _ADJECTIVE.finditer(s):
        add(m.start(), m.end(), "commodity", f"{_ADJ_STEM[m.group('stem').lower()]}_oxide", 1)
    flat = s.translate(_SUB)
    for m in _FORMULA_RE.finditer(flat):
        add(m.start(), m.end(), "commodity", f"{_FORMULAS[m.group(0).lower()]}_oxide", 2)
    for rx, cid in _OTHER:
        for m in rx.finditer(s):
            add(m.start(), m.end(), "commodity", cid, 1)
    # longest first, then priority; drop anything overlapping a kept mention
    cands.sort(key=lambda c: (-(c[1] - c[0]), c[2], c[0]))
    kept: list[Mention] = []
    for start, end, _prio, kind, cid in cands:
        if any(start < k.end and k.start < end for k in kept):
            continue
        kept.append(Mention(start, end, kind, cid))
        if kind == "commodity" and cid.startswith("prnd") and start in parts:
            kept[-1].parts = parts[start]
    kept.sort(key=lambda k: k.start)
    # merge "X oxide (Nd2O3)" style repeats of the same commodity
    merged: list[Mention] = []
    for k in kept:
        if merged and merged[-1].cid == k.cid and merged[-1].kind == k.kind and re.fullmatch(
            r"[\s(),:/-]*", s[merged[-1].end : k.start]
        ):
            merged[-1].end = max(merged[-1].end, k.end)
            continue
        merged.append(k)
    # "Pr-Nd oxide and Pr-Nd have risen to A and B": named next to its oxide, the bare
    # name is the metal (the Chinese usage the translations keep)
    for a, b in zip(merged, merged[1:], strict=False):
        if (
            a.kind == b.kind == "commodity"
            and a.cid == b.cid
            and a.cid.endswith("_oxide")
            and re.search(r"oxides?\s*$", s[a.start : a.end], re.I)
            and not _EXPLICIT_FORM.search(s[b.start : b.end])
            and re.fullmatch(r"\s*(?:,|and|&|/|or)\s*", s[a.end : b.start], re.I)
        ):
            b.cid = b.cid[: -len("oxide")] + "metal"
    # a price list naming "neodymium oxide ... ; neodymium was ...": the bare one is the metal
    named = [k for k in merged if k.kind == "commodity"]
    if len(named) >= 3:
        seen_oxide: dict[str, int] = {}  # id -> end of its explicit oxide mention
        for k in named:
            text = s[k.start : k.end]
            if k.cid.endswith("_oxide") and re.search(r"oxides?\s*$", text, re.I):
                seen_oxide[k.cid] = k.end
            elif (k.cid in seen_oxide and not _EXPLICIT_FORM.search(text)
                  and re.search(r"\d", s[seen_oxide[k.cid] : k.start])  # the oxide was priced
                  and (metal := _metal_of(k.cid))):
                k.cid = metal
    # "praseodymium-neodymium and neodymium metal", "neodymium, dysprosium and praseodymium
    # in rare earth metals": the trailing form word is shared by the list
    shared = False
    for a, b in reversed(list(zip(merged, merged[1:], strict=False))):
        shared = (
            a.kind == b.kind == "commodity"
            and (shared or bool(re.search(r"metals?\s*$", s[b.start : b.end], re.I)))
            and not a.parts
            and not _EXPLICIT_FORM.search(s[a.start : a.end])
            and bool(re.fullmatch(r"\s*(?:,|,?\s*and|&)\s*", s[a.end : b.start], re.I))
            and _metal_of(a.cid) is not None
        )
        if shared:
            a.cid = _metal_of(a.cid) or a.cid
    scrap = False
    for k in merged:
        if k.kind == "commodity" and _REF_BEFORE.search(s[max(0, k.start - 30) : k.start]):
            k.ref = True
        if k.kind == "block":
            scrap = scrap or bool(re.search(r"scrap", s[k.start : k.end], re.I))
        elif k.kind == "commodity" and scrap:
            if _EXPLICIT_FORM.search(s[k.start : k.end]):
                scrap = False
            else:  # "NdFeB scrap Pr-Nd was at 447-457 yuan/kg, dysprosium at ...": scrap grades
                k.kind = "block"
    return merged


def _metal_of(cid: str) -> str | None:
    """The metal id of an oxide id whose element has one (``nd_oxide`` -> ``nd_metal``)."""
    stem = cid.removesuffix("_oxide")
    return commodity_id(stem, "metal") if stem != cid and stem in METAL_STEMS else None


_EXPLICIT_FORM = re.compile(
    r"oxides?|metals?|alloys?|ingots?|iron|ferro|carbonate|\bFe\b|O\d|O[₀-₉]", re.I
)


_REF_BEFORE = re.compile(
    r"\b(?:followed|follow(?:ing|s)?|track(?:ed|ing|s)?|mirror(?:ed|ing|s)?|in\s+line\s+with"
    r"|in\s+tandem\s+with)\s+(?:(?:gains?|losses|moves?|declines?|rises?)\s+(?:in|of)\s+)?"
    r"(?:the\s+)?(?:prices?\s+of\s+)?$",
    re.I,
)
