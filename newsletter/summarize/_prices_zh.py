"""Chinese-language price extraction (simplified and traditional characters).

Chinese market reports (SunSirs/生意社, SMM/上海有色网, 长江有色金属网, the Baotou exchange,
Xinhua's index reports, China Northern Rare Earth's listed prices) state prices in a
regular grammar: ``<commodity>价格上涨1万元/吨至51.25万元/吨``, ``<index>报1222.49点,
较前一工作日上涨6.96点,涨幅为0.57%``, ``氧化铽挂牌价1500~1520万元/吨,均价下调25万元/吨``,
and tables whose header gives the unit (``价格区间(元/吨) | 均价(元/吨) | 涨跌(元/吨)``).

The same steps as the English extractor, on Chinese words:

1. Traditional characters are mapped to simplified ones character by character (offsets
   stay valid); dates (``11月25日``, ``2026年11月25日``, ``(2011-12-06)``), stock codes and
   ``REO=50%`` are blanked.
2. Numbers are read with their scale (``万`` = 10,000), range (``-``, ``~``, ``—``, ``至``),
   currency (``元``, ``美元``, other currencies are not prices), unit (``/吨``, ``/公斤``,
   ``/千克``, ``每吨 ... 元``, ``点``, ``%``); tonnages without a currency are quantities.
3. Each number belongs to the commodity or index named last before it; the words before
   it give the role: a direction word (``上涨``, ``下调``, ``跌``...) makes a change, ``至``,
   ``为``, ``报`` a level; comparisons with a cycle high or low (``较周期内最高点``),
   cumulative moves (``累计``), past levels (``去年``, ``上周的``), forecasts (``预计``) and
   plans (``拟``) are dropped; ``涨幅``/``跌幅`` give the change in percent, ``同比`` marks a
   year-on-year change (kept only when no shorter one is stated).
4. ``氧化镧及氧化铈的价格均为9,800元/吨``: a level is shared by the listed commodities.
5. Not prices: quotas, output and export volumes, costs, premiums, concentrate contract
   prices, sub-indices of functional materials, share prices (blocking mentions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from newsletter.summarize._commodities import COMMODITY_NAMES, PLAUSIBLE_CNY_T
from newsletter.summarize._indices import CHINESE_PATTERNS

_T2S = str.maketrans(
    "鐠釹鏑鋱鑭鈰釔釓鈥鉺釤銪鐿鑥鈧銩鐵屬噸萬價漲點較報為數與調幣臺環際國協會業場單產額進"
    "圓億動於後當週貨網劃這來時區間說從們錢賣買貿簡稱盤後雙發佈擬稅乾於淨營創歷紀錄達噸爲"
    "幅跌釔穩榮測結邊續寬額頻採標誌內",
    "镨钕镝铽镧铈钇钆钬铒钐铕镱镥钪铥铁属吨万价涨点较报为数与调币台环际国协会业场单产额进"
    "圆亿动于后当周货网划这来时区间说从们钱卖买贸简称盘后双发布拟税干于净营创历纪录达吨为"
    "幅跌钇稳荣测结边续宽额频采标志内",
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def is_chinese(s: str) -> bool:
    """Whether ``s`` is Chinese text: two CJK characters or more, and more of them than a
    quarter of its Latin letters (an English sentence quoting 稀土 is English)."""
    head = s[:400]
    n = len(_CJK.findall(head))
    return n >= 2 and n * 4 >= len(re.findall(r"[A-Za-z]", head))


def normalise(s: str) -> str:
    """Traditional characters to simplified, full-width punctuation and digits to ASCII;
    one character for one, so offsets are kept."""
    s = s.translate(_T2S)
    return s.translate(_FULLWIDTH)


_FULLWIDTH = str.maketrans("０１２３４５６７８９，．：％（）～－／", "0123456789,.:%()~-/")

# ---------------------------------------------------------------- sentences and dates

_SPLIT = re.compile(r"(?<=[。！？；;])|\n+")


def split_zh(text: str) -> list[str]:
    """Sentences and clauses of Chinese text: 。！？； and line breaks end a unit."""
    return [p.strip() for p in _SPLIT.split(text) if p and p.strip()]


def clause_at(s: str, pos: int) -> str:
    """The comma-delimited clause of ``s`` holding ``pos`` (where a basis such as 不含税
    is stated for the price in it, not for the whole sentence)."""
    cuts = [i for i, c in enumerate(s) if c in ",，;；"]
    start = max((i + 1 for i in cuts if i < pos), default=0)
    end = min((i for i in cuts if i >= pos), default=len(s))
    return s[start:end]


_DATE_FULL = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]")
_DATE_MD = re.compile(r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]")


def find_date_zh(s: str, as_of: date | None) -> date | None:
    """The first date a Chinese sentence names (``2026年11月25日``, ``11月25日``)."""
    s = normalise(s)
    m = _DATE_FULL.search(s)
    md = _DATE_MD.search(s)
    try:
        if m and (md is None or m.start() <= md.start()):
            return date(int(m["y"]), int(m["m"]), int(m["d"]))
        if md and as_of is not None:
            found = date(as_of.year, int(md["m"]), int(md["d"]))
            return found if found <= as_of else date(as_of.year - 1, found.month, found.day)
    except ValueError:
        return None
    return None


_MASKS = [
    _DATE_FULL,
    _DATE_MD,
    re.compile(r"(?:19|20)\d\d\s*年(?:\s*\d{1,2}\s*(?:-\s*\d{1,2}\s*)?月(?:份)?)?"),
    re.compile(r"(?<!\d)\d{1,2}\s*(?:-\s*\d{1,2}\s*)?月(?:份)?"),
    re.compile(r"(?<![\d.])\d{1,2}\s*日"),
    re.compile(r"(?:19|20)\d\d-\d{1,2}-\d{1,2}"),
    re.compile(r"[沪深滬]\s*:\s*\d{6}|\b\d{6}\.S[HZ]\b"),
    re.compile(r"REO\s*=\s*\"?\d+\"?\s*%", re.I),
    re.compile(r"\d+(?:\.\d+)?\s*(?:个|家|类|次|项|种|批|间|位|只|天|周|年|倍|成|名|条|轮|季度|个月|座|台)(?![元吨])"),
    re.compile(r"(?:99(?:\.\d+)?|\d{2}(?:\.\d+)?)\s*%\s*(?=[\u4e00-\u9fff]{0,2}(?:氧化|金属|镨|钕|镝|铽))"),
]


def _mask(s: str) -> str:
    for rx in _MASKS:
        s = rx.sub(lambda m: " " * len(m.group(0)), s)
    return s


# ---------------------------------------------------------------- mentions

_EL = {"镨": "pr", "钕": "nd", "镝": "dy", "铽": "tb", "镧": "la", "铈": "ce", "钆": "gd",
       "铕": "eu", "钇": "y", "钬": "ho", "铒": "er", "钐": "sm", "镥": "lu", "钪": "sc",
       "镱": "yb", "铥": "tm"}
_ELC = "".join(_EL)
_FERRO = {"dy": "dyfe", "gd": "gdfe", "ho": "hofe"}

_NAMES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?:氧化镨钕|镨钕氧化物|氧化钕镨)"), "prnd_oxide"),
    (re.compile(r"(?:金属镨钕|镨钕金属|镨钕合金)"), "prnd_metal"),
    (re.compile(r"(?:氧化镧铈|镧铈氧化物)"), "lace_oxide"),
    (re.compile(r"(?:金属镧铈|镧铈金属|镧铈合金)"), "lace_metal"),
    (re.compile(rf"(?P<e>[{_ELC}])铁(?:合金)?"), "ferro"),
    (re.compile(rf"氧化(?P<e>[{_ELC}])|(?P<e2>[{_ELC}])氧化物"), "oxide"),
    (re.compile(rf"金属(?P<e>[{_ELC}])|(?P<e2>[{_ELC}])金属"), "metal"),
    (re.compile(r"(?:混合)?碳酸稀土|稀土碳酸盐"), "re_carbonate"),
    (re.compile(r"独居石"), "monazite"),
    (re.compile(r"(?:离子型?(?:稀土)?矿|中钇富铕矿|高钇矿)(?!分离成本)"), "ionic_ore"),
    # a bare element priced directly ("欧洲镝价"): its oxide
    (re.compile(rf"(?P<e>[{_ELC}])(?=价)"), "oxide"),
]
#: the named indices (_indices.py), then the unnamed "rare earth price index"
_INDEX = [
    *CHINESE_PATTERNS,
    (re.compile(r"稀土价格指数"), "?price_index"),
]
_BLOCK = re.compile(
    r"(?:磁性材料|储氢材料|催化材料|发光材料|抛光材料|功能材料)价格指数|单品价格指数"
    r"|(?:板块|概念|行业|综合)指数|概念股|股价|股份|市值|营收|营业收入|净利润|利润|毛利率"
    r"|稀土精矿|精矿|配额|总量控制指标|指标|出口量|进口量|产量|产能|用量|储量|成本|溢价|折扣"
    r"|收储|库存|钕铁硼|磁材|永磁|磁铁|废料|税率|关税|补贴|新台币|港元|港币|日元|欧元"
)
_CREIA = re.compile(r"行业协会|稀土协会")
_CREPI = re.compile(r"稀交所|包头|新华")
_SUNSIRS = re.compile(r"生意社|SunSirs", re.I)


@dataclass
class _Mention:
    start: int
    end: int
    kind: str  # commodity, index, block
    cid: str
    values: list[ZhValue] = field(default_factory=list)


def _mentions(s: str) -> list[_Mention]:
    cands: list[_Mention] = []
    for rx in (_BLOCK,):
        cands += [_Mention(m.start(), m.end(), "block", "") for m in rx.finditer(s)]
    for rx, cid in _INDEX:
        cands += [_Mention(m.start(), m.end(), "index", cid) for m in rx.finditer(s)]
    for rx, form in _NAMES:
        for m in rx.finditer(s):
            gd = m.groupdict()
            el = gd.get("e") or gd.get("e2")
            if el is None:
                cid = form
            else:
                stem = _EL[el]
                cid = (_FERRO.get(stem, "") if form == "ferro" else f"{stem}_{form}")
            if cid in COMMODITY_NAMES:
                cands.append(_Mention(m.start(), m.end(), "commodity", cid))
    cands.sort(key=lambda c: (-(c.end - c.start), c.start))
    kept: list[_Mention] = []
    for c in cands:
        if not any(c.start < k.end and k.start < c.end for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda k: k.start)


# ---------------------------------------------------------------- values

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_VAL = re.compile(
    rf"(?P<sign>[+\-](?=\d))?(?P<n1>{_NUM})\s*(?P<w1>万|亿)?"
    rf"(?:\s*(?P<sep>-|~|—|–|至|到)\s*(?P<n2>{_NUM})\s*(?P<w2>万|亿)?)?"
    r"(?P<tail>\s*(?:(?:元|美元|人民币|元人民币)?\s*(?:\([^()]{0,12}\)\s*)?(?:/|每)\s*(?:吨|公斤|千克|kg|t)"
    r"|元人民币|元|美元|人民币|新台币|港元|日元|欧元|点|%|个百分点|吨|万吨|公斤|千克))?"
)
_SCALE = {"万": 1e4, "亿": 1e8}
_PER_BEFORE = re.compile(r"每\s*(?P<m>吨|公斤|千克)\s*(?:约|为|达|报)?\s*$")


@dataclass
class ZhValue:
    start: int
    end: int
    low: float
    high: float
    kind: str  # money, points, pct, qty, bare
    currency: str | None = None
    measure: str | None = None
    sign: int = 0
    scaled: bool = False
    role: str = ""
    changes: dict[str, float] = field(default_factory=dict)

    @property
    def unit(self) -> str | None:
        if self.kind == "points":
            return "points"
        if self.currency in {"CNY", "USD"} and self.measure in {"t", "kg"}:
            return f"{self.currency}/{self.measure}"
        return None


def _values(s: str) -> list[ZhValue]:
    out: list[ZhValue] = []
    for m in _VAL.finditer(s):
        n2 = m["n2"]
        lo = float(m["n1"].replace(",", ""))
        hi = float(n2.replace(",", "")) if n2 else lo
        w1, w2 = m["w1"], m["w2"]
        k2 = _SCALE.get(w2 or w1 or "", 1.0)
        k1 = _SCALE.get(w1 or "", k2 if not w1 else 1.0)
        lo, hi = lo * k1, hi * k2
        end = m.end()
        tail = (m["tail"] or "").replace(" ", "")
        if n2 and (hi < lo or hi > lo * 3):
            hi = lo  # "3-5" or a code like "2011-12": not a price range
        v = ZhValue(m.start(), end, lo, hi, "bare", scaled=bool(w1 or w2))
        if m["sign"]:
            v.sign = 1 if m["sign"] == "+" else -1
        if "%" in tail or "百分点" in tail:
            v.kind = "pct"
        elif tail == "点":
            v.kind = "points"
        elif tail in {"吨", "万吨", "公斤", "千克"}:
            v.kind = "qty"
        elif tail:
            if any(c in tail for c in ("新台币", "港元", "日元", "欧元")):
                v.kind, v.currency = "money", "OTHER"
            elif "美元" in tail:
                v.kind, v.currency = "money", "USD"
            elif "元" in tail or "人民币" in tail:
                v.kind, v.currency = "money", "CNY"
            if re.search(r"吨|\bt\b|t$", tail):
                v.measure = "t"
            elif re.search(r"公斤|千克|kg", tail):
                v.measure = "kg"
            if v.measure and v.currency is None:
                v.kind, v.currency = "money", "CNY"  # "/吨" after a table figure
        if re.match(r"\s*(?:新台币|港币|港元|日元|欧元|韩元)", s[end : end + 6]):
            v.kind, v.currency = "money", "OTHER"  # "约283万元新台币": a conversion
        pm = _PER_BEFORE.search(s[max(0, m.start() - 8) : m.start()])
        if pm and v.kind in {"money", "bare"}:
            v.measure = "t" if pm["m"] == "吨" else "kg"  # "每噸 62.49 萬元", "每公斤850美元"
            if v.currency is None and v.kind == "bare":
                v.kind, v.currency = "money", "CNY"
        out.append(v)
    return out


# ---------------------------------------------------------------- roles

_UP = r"上涨|上调|上升|上扬|涨|提高|增加|上行|走高|反弹|回升|增长|调涨|上浮"
_DOWN = r"下跌|下调|下降|下滑|下行|跌|回落|减少|降低|走低|调降|下浮|降"
_DIR = re.compile(rf"(?P<up>{_UP})|(?P<down>{_DOWN})")
_LEVEL = re.compile(r"至|到|为|报|是|达|在|价|:|均价|挂牌价|成交价|报价")
_PCT_CUE = re.compile(r"(?P<up>涨幅|增幅|升幅)|(?P<down>跌幅|降幅)")
_FAR = re.compile(
    r"相差|差距|波动幅度|振幅|价差|"
    r"较\s*(?:周期内|历史|年内|今年以来|年初|期初|去年|上年|上半年)?\s*"
    r"(?:最高点|最低点|高点|低点|峰值|年初|期初|去年|上年|同期)"
    r"|自\s*\S{0,8}以来|以来|累计|连续"
)
_YOY = re.compile(r"同比|较去年同期|年同比")
_PAST = re.compile(r"去年|上周的|上月的|上周|此前|曾经?|历史|最高为|最低为|最高|最低|峰值|期初|年初"
                   r"|年底|截至\s*$")
_FORECAST = re.compile(r"预计|预期|有望|或将|将会|可能|拟|计划|目标|预测")
#: a clause opening on a past time ("去年年底,氧化铈的价格仅为每吨7800元"): its level is history
_PAST_LEAD = re.compile(
    r"(?:去年|上周(?![一二三四五六日天])|上月|此前|年初|年底|期初)[^,，;；。]{0,6}[,，]?\s*$")
#: "上周五氧化镨钕均价..." names the quote's day (last Friday): not a past-time lead
_NOW = re.compile(r"今天|今日|目前|现在|当前|最新|本周|当日")
_PREV = re.compile(r"较\s*$|比\s*$|从\s*$|由\s*$")


def _role(v: ZhValue, ctx: str, clause: str) -> str:
    if v.kind == "qty" or (v.kind == "money" and v.currency == "OTHER"):
        return "ignore"
    if _FAR.search(clause):
        return "ignore"
    if _FORECAST.search(clause):
        return "ignore"
    if v.kind == "pct":
        p = list(_PCT_CUE.finditer(ctx))
        d = list(_DIR.finditer(ctx))
        if p:
            v.sign = 1 if p[-1]["up"] else -1
            return "change"
        if d:
            v.sign = 1 if d[-1]["up"] else -1
            return "change"
        return "change" if v.sign else "ignore"
    if v.sign:
        return "change"
    if _PREV.search(ctx):
        return "prev"
    dirs = list(_DIR.finditer(ctx))
    lvls = list(_LEVEL.finditer(ctx))
    if dirs and (not lvls or dirs[-1].start() > lvls[-1].start()):
        v.sign = 1 if dirs[-1]["up"] else -1
        return "change"
    if _PAST.search(ctx):
        return "ignore"
    return "level"


# ---------------------------------------------------------------- tables

_HEADER_CELL = re.compile(r"价格区间|均价|涨跌|报价|价格|最新价|单位")


@dataclass
class TableState:
    """Column names of the last table header seen (``产品 | 价格区间(元/吨) | ...``)."""

    columns: list[str] = field(default_factory=list)


def _cells(line: str) -> list[str]:
    # "a | b | c" as pages give it, or the collector's text of a row: cells by whitespace
    parts = [c.strip() for c in line.split("|")] if "|" in line else line.split()
    return [c for c in parts if c]


def _table_row(line: str, state: TableState) -> list[tuple[str, ZhValue]] | None:
    """Items of a table row, or None when ``line`` is not one (a header sets the state)."""
    cells = _cells(line)
    if len(cells) < 2:
        return None
    if sum(bool(_HEADER_CELL.search(c)) for c in cells) >= 2 and not re.search(r"\d{3}", line):
        state.columns = cells
        return []
    if not state.columns or len(cells) != len(state.columns):
        return None
    ms = [m for m in _mentions(cells[0]) if m.kind in {"commodity", "index"}]
    if len(ms) != 1:
        return None
    cid = ms[0].cid
    level: ZhValue | None = None
    avg: ZhValue | None = None
    change: float | None = None
    pct: float | None = None
    for head, cell in zip(state.columns[1:], cells[1:], strict=False):
        vals = _values(cell)
        if not vals:
            continue
        v = vals[0]
        hm = re.search(r"(美元|元)\s*/\s*(吨|公斤|千克|kg|t)", head)
        if v.unit is None and hm:
            v.kind, v.currency = "money", "USD" if hm[1] == "美元" else "CNY"
            v.measure = "t" if hm[2] in {"吨", "t"} else "kg"
        if "涨跌幅" in head or v.kind == "pct":
            pct = v.low * (v.sign or 1)
        elif "涨跌" in head:
            change = v.low * (v.sign or 1)
        elif "均价" in head:
            avg = v
        elif level is None:
            level = v
    if level is None:
        level = avg
    if level is None or level.unit is None:
        return []
    if change is not None:
        level.changes["change"] = change
    if pct is not None:
        level.changes["change_pct"] = pct
    return [(cid, level)]


# ---------------------------------------------------------------- sentences


def _resolve(cid: str, v: ZhValue, s: str) -> str:
    if cid == "?price_index":
        if _CREIA.search(s):
            return "creia_index"
        if _CREPI.search(s):
            return "crepi"
        return "creia_index" if v.low < 700 else "crepi"
    if cid == "sunsirs_index" and (_CREIA.search(s) or _CREPI.search(s)) and not _SUNSIRS.search(s):
        return "creia_index" if _CREIA.search(s) else "crepi"
    return cid


_LIST_GAP = re.compile(r"\s*(?:、|和|及|与|以及|,)\s*")


def sentence_items_zh(raw: str, state: TableState, last: list[str]) -> list[tuple[str, ZhValue]]:
    """Items of one Chinese sentence, clause or table line: (commodity id, value) pairs.

    ``state`` carries a table header to the rows after it; ``last`` the last index named
    (for a sentence that goes on about it, such as "本月平均价格指数为240.3点")."""
    s = normalise(raw)
    row = _table_row(s, state)
    if row is not None:
        return row
    masked = _mask(s)
    mentions = _mentions(masked)
    values = _values(masked)
    if not mentions and last and any(v.kind == "points" for v in values):
        mentions = [_Mention(0, 0, "index", last[-1])]
    for m in mentions:
        if m.kind == "index":
            last.append(_resolve(m.cid, ZhValue(0, 0, 1000, 1000, "points"), raw))
    for v in values:
        before = [m for m in mentions if m.end <= v.start]
        if before:
            before[-1].values.append(v)
    out: list[tuple[str, ZhValue]] = []
    groups: list[list[_Mention]] = []
    for m in mentions:
        prev = groups[-1][-1] if groups else None
        if (prev is not None and prev.kind == m.kind == "commodity" and not prev.values
                and _LIST_GAP.fullmatch(masked, prev.end, m.start)):
            groups[-1].append(m)
        else:
            groups.append([m])
    for group in groups:
        owner = group[-1]
        if owner.kind == "block" or not owner.values:
            continue
        levels: list[ZhValue] = []
        changes: list[ZhValue] = []
        cursor = owner.end
        past_lead = bool(_PAST_LEAD.search(masked[max(0, group[0].start - 16) : group[0].start]))
        for v in owner.values:
            ctx = masked[cursor : v.start]
            cut = max(masked.rfind(c, 0, v.start) for c in ",，;；")
            clause = masked[max(cut + 1, 0) : v.start]
            v.role = _role(v, ctx, clause)
            if v.role == "level" and past_lead and not _NOW.search(masked, owner.end, v.start):
                v.role = "ignore"
            cursor = v.end
            if v.role == "level":
                levels.append(v)
            elif v.role == "change":
                changes.append(v)
        priced = next((v for v in owner.values if v.unit and v.unit != "points"), None)
        for lv in levels:
            if lv.kind == "bare" and priced is not None and owner.kind == "commodity":
                # a list row "598000-601000 -1500 元/吨": the unit closes the row
                lv.kind, lv.currency, lv.measure = "money", priced.currency, priced.measure
            elif lv.kind == "bare" and owner.kind == "commodity" and (unsaid := _bare_measure(
                    owner.cid, lv)):
                # SunSirs' flash "6月13日镨钕氧化物为502500.00": yuan per tonne, unsaid
                lv.kind, lv.currency, lv.measure = "money", "CNY", unsaid
        if owner.kind == "index":
            levels = [lv for lv in levels if lv.kind in {"points", "bare"}]
            for lv in levels:
                lv.kind = "points"
        else:
            levels = [lv for lv in levels if lv.kind == "money"]
        if not levels:
            continue
        _fill_measure(levels + changes, values)
        has_short = any(not _YOY.search(masked[max(0, c.start - 12) : c.start]) for c in changes)
        for ch in changes:
            if has_short and _YOY.search(masked[max(0, ch.start - 12) : ch.start]):
                continue
            key = "change_pct" if ch.kind == "pct" else "change"
            target = min(levels, key=lambda lv: abs(lv.start - ch.start))
            if ch.kind != "pct" and ch.currency not in {None, target.currency}:
                continue
            target.changes.setdefault(key, ch.sign * ch.low)
        shared = len(group) > 1 and len(levels) == 1
        for lv in levels:
            if lv.unit is None:
                continue
            for m in group if shared else [owner]:
                cid = _resolve(m.cid, lv, raw) if m.kind == "index" else m.cid
                out.append((cid, lv))
    return out


def _bare_measure(cid: str, v: ZhValue) -> str | None:
    """The measure of a figure stated with no unit at all, when it is a plausible yuan price
    of the commodity: per tonne (Chinese domestic quotes), else per kilogram; None when it
    is neither (a count, a share)."""
    band = PLAUSIBLE_CNY_T.get(cid)
    if band is None or v.low < 1000:
        return None
    if band[0] <= v.low <= v.high <= band[1]:
        return "t"
    if band[0] / 1000 <= v.low <= v.high <= band[1] / 1000:
        return "kg"
    return None


def _fill_measure(vals: list[ZhValue], everything: list[ZhValue]) -> None:
    """A money figure with no measure ("单日下跌2,500元", "金属镨钕 76.07 万元") takes the
    measure of the nearest one of its commodity that states it, else of the sentence."""
    stated = [v for v in vals if v.measure] or [
        v for v in everything if v.measure and v.currency in {"CNY", "USD"}]
    for v in vals:
        if v.kind == "money" and v.measure is None and stated:
            near = min(stated, key=lambda w: abs(w.start - v.start))
            v.measure = near.measure
            v.currency = v.currency or near.currency
