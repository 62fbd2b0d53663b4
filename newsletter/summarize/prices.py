"""Price and price-index extraction from text (the table: :mod:`.price_table`).

Design (explainable, no giant regex):

1. Split the text into sentences (headlines and bullets are their own units) and find
   the date a sentence names ("On August 18") for ``as_of``.
2. Blank out what only looks like a price: dates, years, "2010 = 100", ratios "75:25".
3. Tokenise numbers with their currency, scale, range, sign and unit
   (``_prices_lex.find_values``), and find commodity, index, equity-index ("block")
   and anaphor ("the index") mentions (``_prices_lex.find_mentions``).
4. Each number belongs to the nearest mention before it (or the one after it for
   "a decline of 10,000 yuan/mt in prices of europium oxide"). Within a mention's
   segment, grammar cues give each number a role: *change* after a direction word
   ("fell by", "down", "+"), *previous level* after "from"/"compared with", else *level*.
   Percentages are changes only with a direction; quantities, multiples and numbers in
   a block's segment are dropped.
5. "A and B were X and Y respectively" distributes levels over the listed commodities.
6. Changes attach to the nearest level of the same segment (percentages to all).

Values are dropped when the grammar says they are not today's quote: previous levels
("from $52-54", "compared with"), history ("in 2022", "in March last year", a sentence
opening "By June of 2013,"), forecasts ("expected to", "will reach", "may fall", "likely",
"agreed to purchase"), premiums, costs, floors and guarantees, base values ("baseline ...
reading of 100"), scrap grades, time spans ("in 5 days") and changes measured from a cycle
high or since the start of the year (anywhere in the change's clause).
A converted figure in brackets ("CNY 255,000 ($41,556)") shares its figure's fate.

Real-text cases handled on top of that (bench/data/prices-real*.jsonl): a change stated
before its commodity ("With a 9.4 percent climb, yttrium ... settling at"), figures that
follow an index mention but belong to the commodity before it ("Tb metal ... on the weekly
MMI after dropping 40% and landing at CNY 3,750"), a commodity named only as a reference
("followed Pr-Nd oxide higher"), lists of changes ("decreased by 2,000, 50 and 60 yuan"),
one level shared by "A and B", "X and Y oxides ... respectively", changes in words ("one
point"), "Yn1,890/kg", "RMB420, 000/tonne" and "99.5pc"; reference levels ("breaking the key
levels of 400,000 and 390,000 yuan"), change lists with bracketed percentages, changes
against a past year ("40% higher than at end of 2009"), "rose more than 900,000 yuan ...
from 850,000-900,000" (a level), year-on-year changes (kept only when no shorter-period
change is stated), a percentage among several levels (the nearest one's), "41.5 wan yuan/t"
and a bare "Pr-Nd" beside "Pr-Nd oxide" (the metal).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

from newsletter.summarize import _prices_zh as _zh
from newsletter.summarize._basis import basis_of
from newsletter.summarize._commodities import (
    INDEX_IDS,
    decimal_slip,
)
from newsletter.summarize._prices_lex import (
    Mention,
    Value,
    find_date,
    find_mentions,
    find_values,
    mask_non_prices,
    nearest_comparable,
    split_sentences,
)
from newsletter.summarize._prices_roles import (
    _BASE_CUE,
    _CONVERSION,
    _EXPLICIT_CREIA,
    _EXPLICIT_CREPI,
    _FOB,
    _FORECAST_CUE,
    _FORWARD,
    _FORWARD_GAP,
    _FORWARD_LEAD,
    _LEAD_PHRASE,
    _LEVEL_CUE,
    _LIST_GAP,
    _PARENS,
    _POST_DIR,
    _SHORTER_FLAT,
    _SINCE_MONTH,
    _THATS_A,
    _YOY,
    _after_other_subject,
    _clause_start,
    _far_ref,
    _historical,
    _past_clause,
    _past_sentence,
    _role,
)
from newsletter.types import PriceItem

__all__ = ["extract_prices"]

def _resolve_index(cid: str, value: float, sentence: str) -> str:
    if cid == "?rare_earth_index":  # SunSirs' name, unless the sentence names another body
        if re.search(r"sunsirs", sentence, re.I):
            return "sunsirs_index"
        if _EXPLICIT_CREIA.search(sentence):
            return "creia_index"
        return "crepi" if _EXPLICIT_CREPI.search(sentence) else "sunsirs_index"
    if cid != "?price_index":
        return cid
    if _EXPLICIT_CREPI.search(sentence):
        return "crepi"
    if _EXPLICIT_CREIA.search(sentence):
        return "creia_index"
    return "creia_index" if value < 700 else "crepi"


def _assign(values: list[Value], mentions: list[Mention], s: str) -> None:
    """Give each value to the mention whose segment holds it (or the one it points to)."""
    last: tuple[Value, Mention | None] | None = None
    for v in values:
        owner: Mention | None = None
        after = [m for m in mentions if m.start >= v.end]
        if last is not None and _CONVERSION.fullmatch(s[last[0].end : v.start]):
            owner = last[1]  # a converted figure in brackets goes with the figure before it
        elif after and _FORWARD.match(s[v.end : after[0].start]) and after[0].kind != "block":
            owner = after[0]
        else:
            before = [m for m in mentions if m.end <= v.start]
            if before:
                owner = before[-1]
                if owner.ref:  # "nd oxide followed Pr-Nd oxide higher, rising to ..."
                    owner = next((m for m in reversed(before) if not m.ref), owner)
                elif owner.kind == "index" and v.kind == "money":
                    # "Tb metal finished ... on the weekly Rare Earths MMI at CNY 3,750/kg"
                    owner = next((m for m in reversed(before) if m.kind == "commodity"), owner)
            elif (
                after
                and after[0].kind != "block"
                and _FORWARD_LEAD.fullmatch(_PARENS.sub(" ", s[: v.start]))
                and (
                    _FORWARD_GAP.fullmatch(_PARENS.sub(" ", s[v.end : after[0].start]))
                    or _LEAD_PHRASE.match(_PARENS.sub(" ", s[v.end : after[0].start]))
                )
            ):
                owner = after[0]  # "At CNY 2,075 ($333.67) per kilogram, dysprosium oxide ..."
            elif v.kind == "pct" and _POST_DIR.match(s, v.end):
                # "With a 9.4 percent climb, yttrium ...": the change of the first commodity
                owner = next((m for m in after if m.kind == "commodity"), None)
        if owner is not None:
            owner.values.append(v)
        last = (v, owner)
    # an index that got no figure of its own ("... on the weekly MMI after dropping 40%"):
    # its changes belong to the commodity named before it
    for i, m in enumerate(mentions):
        if m.kind == "index" and m.values and not any(
            v.kind in {"points", "bare"} for v in m.values
        ):
            prev = next((p for p in reversed(mentions[:i]) if p.kind == "commodity"), None)
            if prev is not None:
                prev.values.extend(m.values)
                prev.values.sort(key=lambda x: x.start)
                m.values.clear()


def _groups(mentions: list[Mention], s: str) -> list[list[Mention]]:
    """Runs like "Pr-Nd oxide and Dy oxide" whose members (but the last) have no values."""
    groups: list[list[Mention]] = []
    for m in mentions:
        if (
            groups
            and groups[-1][-1].kind == m.kind == "commodity"
            and not groups[-1][-1].values
            and re.fullmatch(r"\s*(?:,|and|&|/|as\s+well\s+as|,\s*and)?\s*(?:prices?\s+of\s+)?",
                             s[groups[-1][-1].end : m.start], re.I)
        ):
            groups[-1].append(m)
        else:
            groups.append([m])
    return groups


_APPOSITION = re.compile(r"\s*,\s*(?:an?|the|one|which|that|used|widely)\b[^,;()]*", re.I)


def _appositive_block(m: Mention, mentions: list[Mention], s: str) -> bool:
    """A blocking mention inside an aside about a commodity ("neodymium, an ingredient of
    permanent magnets used in EV motors, was traded at around $54 per kilogram") does not
    take the commodity's figures."""
    if m.kind != "block" or not re.match(r"[^,;()]*,", s[m.end :]):
        return False
    return any(c.kind in {"commodity", "index"} and c.end <= m.start
               and _APPOSITION.fullmatch(s, c.end, m.start) for c in mentions)


def _sentence_items(
    s: str, last_index: list[str], as_of: date | None, carry: list[str] | None = None
) -> list[tuple[str, Value]]:
    """Items of one sentence. ``last_index`` and ``carry`` hold what earlier sentences
    named: the last index (for "the index") and a commodity named in a sentence without
    figures, which a next sentence naming no commodity may price ("NdPr oxide prices eased
    this week. Chinese prices pulled back to the ¥600,000-¥608,000/ton range")."""
    carried, carry = (list(carry), carry) if carry is not None else ([], [])
    carry.clear()
    masked = mask_non_prices(s)
    mentions = find_mentions(masked)
    mentions = [m for m in mentions if not _appositive_block(m, mentions, masked)]
    for m in mentions:
        if m.kind == "anaphor":
            if last_index:
                m.kind, m.cid = "index", last_index[-1]
            elif _EXPLICIT_CREPI.search(s):
                m.kind, m.cid = "index", "crepi"
            elif _EXPLICIT_CREIA.search(s):
                m.kind, m.cid = "index", "creia_index"
            else:
                m.kind = "block"
        elif m.kind == "index":
            last_index.append(m.cid)
    values = find_values(masked)
    if not mentions and carried and any(
            v.kind == "money" and v.unit_name() not in {None, "points"} for v in values):
        mentions = [Mention(0, 0, "commodity", carried[0])]
    named = [m for m in mentions if m.kind == "commodity"]
    if not values and named and len({m.cid for m in named}) == 1 and all(
            m.kind in {"commodity", "block"} and (m.kind != "block" or m.start > named[0].end)
            for m in mentions):  # a block after it ("... as traders took profits") is fine
        carry.append(named[0].cid)
    _assign(values, mentions, masked)
    _merge_repeated_indices(mentions)
    fob = bool(_FOB.search(masked))
    out: list[tuple[str, Value]] = []
    for group in _groups(mentions, masked):
        owner = group[-1]
        if owner.kind == "block" or not owner.values:
            continue
        is_index = owner.kind == "index"
        cursor = owner.end
        levels: list[Value] = []
        changes: list[Value] = []
        prevs: list[Value] = []
        prev_v: Value | None = None
        for v in sorted(owner.values, key=lambda x: x.start):
            ctx = masked[max(cursor, v.start - 60) if cursor < v.start else v.start : v.start]
            if v.start < owner.start:  # forward-bound value: its context is what precedes it
                ctx = masked[max(0, v.start - 40) : v.start]
            close = ctx.rfind(")")
            if close >= 0 and "(" not in ctx[:close]:
                ctx = ctx[close + 1 :]  # "($67,196/t before 25% export duty) and RMB 410,000"
            if (prev_v is not None and prev_v.role == "level" and not v.sign
                    and v.kind in {"bare", "money"} and prev_v.is_range and v.is_range
                    and not masked[prev_v.end : v.start].strip()):
                v.role = "prev"  # a table's next column: "1150000-1200000   1050000-1100000"
            elif prev_v is not None and _CONVERSION.fullmatch(masked[prev_v.end : v.start]):
                # "CNY 255,000 ($41,556)": the same figure, converted. A bracket in the same
                # currency is another dollar: "$US68.1 ($91.8) per kilogram" in Australian
                # reports gives A$ in brackets, which has no unit in the schema.
                same = v.currency is not None and v.currency == prev_v.currency
                v.role = "ignore" if same else prev_v.role
                v.sign = prev_v.sign  # "down 29,000 yuan/mt (5.67%)": the same move
                v.converted_from = prev_v.currency
            elif (
                (lead := _list_lead(v, owner.values, masked)) is not None
                and lead.role == "change"
                and not v.sign
            ):
                # "decreased by 2,000, 50 and 60 yuan", "by 13,000 yuan (a decrease of 3.24%)
                # and 15,000 yuan (a decrease of 3.00%)"
                v.role, v.sign = "change", lead.sign
            elif (
                prev_v is not None
                and prev_v.role in {"ignore", "prev"}
                and prev_v.kind == v.kind == "money"
                and _LIST_GAP.fullmatch(masked[prev_v.end : v.start])
            ):
                v.role = prev_v.role  # "the key levels of 400,000 yuan and 390,000 yuan"
            else:
                v.role = _role(v, ctx, masked[: v.start], masked[v.end : v.end + 40])
                if (v.role == "ignore" and v.kind == "pct" and not v.is_range
                        and changes and changes[-1].kind == "pct"
                        and re.search(r"(?:\band|,)\s*$", ctx)):
                    # "increased 20% to US$48.4/kg and 21% to US$61.5/kg": the verb is elided
                    v.role, v.sign = "change", changes[-1].sign
                elif (v.role == "ignore" and v.kind == "pct" and prev_v is not None
                      and prev_v.role == "change" and prev_v.kind != "pct"
                      and re.fullmatch(r"\s*or\s*", masked[prev_v.end : v.start])):
                    v.role, v.sign = "change", prev_v.sign  # "up 3,500 yuan/mt or 0.89%"
                if v.role in {"level", "change"} and _FORECAST_CUE.search(
                    masked[_clause_start(masked, owner.start) : owner.start]
                ):
                    v.role = "ignore"  # "Analysts expect Pr-Nd oxide to climb to ..."
            prev_v = v
            if v.role in {"level", "change"} and (
                _historical(s, v.end, as_of) or _past_sentence(s, as_of)
                or _past_clause(s, v.start, as_of)
            ):
                v.role = "ignore"
            cursor = max(cursor, v.end)
            if v.role == "prev":
                prevs.append(v)
            if v.role == "change" and v.kind == "pct" and v.is_range:
                continue  # "downed by 35-40%": too loose to be the change
            if v.role == "change" and _after_other_subject(masked, owner.end, v.start):
                continue  # "..., whilst Chinese domestic prices ... increased by 23%"
            if v.role == "change":
                since_month = bool(_SINCE_MONTH.match(s, v.end))
                if not since_month and _far_ref(masked, v.end, s, as_of):
                    continue
                v.yoy = bool(
                    since_month or _YOY.search(ctx[-36:]) or _YOY.match(masked, v.end)
                    or (changes and changes[-1].yoy and v.kind == "pct" != changes[-1].kind
                        and len(masked[changes[-1].end : v.start]) <= 30
                        and not _LEVEL_CUE.search(masked[changes[-1].end : v.start]))
                )
                changes.append(v)
            elif v.role == "level":
                if is_index:
                    if v.low == 100 and _BASE_CUE.search(masked):
                        continue  # "baseline ... with a reading of 100"
                    if v.kind == "points" or (v.kind == "bare" and not levels and not v.is_range):
                        v.unit = "points"
                    else:
                        continue
                else:
                    v.unit = v.unit_name()
                    if v.unit is None and v.column and v.currency is None:
                        v.unit = "?"  # a table row's unit column; the currency comes below
                    if v.unit is None and v.kind == "bare" and (
                            v.scaled or v.high >= 1000 or (fob and v.is_range)):
                        v.unit = "?"
                    if v.unit is None or v.unit == "points":
                        continue
                levels.append(v)
        if not is_index:
            changes = [ch for ch in changes if not _level_from(ch, prevs, levels)]
        levels = _drop_earlier_dated(levels, s, as_of)
        if not levels:
            continue
        seg = masked[owner.start : max(v.end for v in owner.values)]
        if any(not ch.yoy for ch in changes) or _SHORTER_FLAT.search(seg):
            # "the same month-on-month; a year-on-year decrease of 8,000 yuan/ton": the
            # change is against the last quote, not against a year earlier
            changes = [ch for ch in changes if not ch.yoy]
        for ch in changes:
            _attach_change(ch, levels, masked)
        if len(group) == 1 and owner.parts and len(levels) == len(owner.parts) and (
            "respectively" in masked
        ):  # "neodymium and praseodymium oxides slipped to A and B, respectively"
            pairs = [(replace(owner, cid=c), lv) for c, lv in zip(owner.parts, levels, strict=True)]
        elif len(group) > 1 and len(levels) == len(group):
            pairs = list(zip(group, levels, strict=True))
        elif (
            len(group) > 1
            and len(levels) == 1
            and not any(m.ref for m in group)
            and re.search(r"\band\b|&|as\s+well\s+as|^\s*[,、/]\s*$",
                          masked[group[-2].end : group[-1].start])
        ):
            # "lanthanum oxide and cerium oxide remained unchanged at 13,000 yuan/mt"
            pairs = [(m, replace(levels[0], changes=dict(levels[0].changes))) for m in group]
        elif len(group) > 1 and len(levels) % len(group) == 0 and "respectively" in masked:
            k = len(levels) // len(group)
            pairs = [(group[i // k], lv) for i, lv in enumerate(levels)]
        else:
            pairs = [(owner, lv) for lv in levels]
        for m, lv in pairs:
            cid = _resolve_index(m.cid, lv.low, s) if m.kind == "index" else m.cid
            out.append((cid, lv))
    _fill_units([v for _, v in out], values, fob=fob)
    return [(c, v) for c, v in out if v.unit and v.unit != "?"]


def _merge_repeated_indices(mentions: list[Mention]) -> None:
    """"The Rare Earths MMI picked up one point, rising for a July MMI value of 23": the
    figures of a repeated index name belong to its first mention."""
    first: dict[str, Mention] = {}
    for m in mentions:
        if m.kind != "index":
            continue
        if m.cid in first and m.values:
            first[m.cid].values.extend(m.values)
            m.values = []
        first.setdefault(m.cid, m)


def _drop_earlier_dated(levels: list[Value], s: str, as_of: date | None) -> list[Value]:
    """"was 367,000 yuan/mt on July 31 and 408,000 yuan/mt on August 30": of two levels
    each followed by its date, the earlier-dated one is the previous level."""
    if len(levels) < 2:
        return levels
    # month-day dates in one (leap) year; a later date more than half a year "earlier" is
    # the next year's (December 20, then January 5)
    dated = [(lv, find_date(s[lv.end : lv.end + 30], date(2000, 12, 31))) for lv in levels]

    def after(d2: date, d: date) -> bool:
        return d2 > d or (d - d2).days > 183

    keep = []
    for i, (lv, d) in enumerate(dated):
        later = any(d is not None and d2 is not None and after(d2, d) and lv2.unit == lv.unit
                    for lv2, d2 in dated[i + 1 :])
        if not later:
            keep.append(lv)
    return keep


def _level_from(ch: Value, prevs: list[Value], levels: list[Value]) -> bool:
    """"rose more than 900,000 yuan per tonne this week from 850,000-900,000 yuan": a
    "change" as large as the previous level it is measured from is the new level. Moves
    it to ``levels`` and returns True when so."""
    if ch.kind != "money" or levels:
        return False
    ref = next((p for p in prevs if p.start > ch.end and p.kind in {"money", "bare"}), None)
    if ref is None or not ref.low or ch.low < 0.5 * ref.low:
        return False
    ch.unit = ch.unit_name()
    if ch.unit is None or ch.unit == "points":
        return False
    ch.role, ch.sign = "level", 0
    levels.append(ch)
    return True


def _list_lead(v: Value, values: list[Value], s: str) -> Value | None:
    """The value whose list ``v`` continues: the last earlier one of the same kind (percent
    or not) separated from it only by a comma or "and" (and bracketed asides)."""
    pct = v.kind == "pct"
    earlier = [w for w in values if w.end <= v.start and w.role and (w.kind == "pct") == pct]
    if not earlier:
        return None
    lead = max(earlier, key=lambda w: w.end)
    gap = _PARENS.sub(" ", s[lead.end : v.start])
    return lead if _LIST_GAP.fullmatch(gap) else None


def _attach_change(ch: Value, levels: list[Value], s: str = "") -> None:
    """A percentage goes to every level; an absolute change to the nearest compatible one
    (to every level after "each")."""
    if ch.kind == "pct":
        free = [lv for lv in levels if "change_pct" not in lv.changes]
        if len(levels) > 1 and free:
            # several levels in the segment: the percentage is the nearest one's
            near = min(free, key=lambda lv: min(abs(lv.start - ch.end), abs(ch.start - lv.end)))
            for lv in free:  # ... and its converted figure: "CNY 370,000 ($60,460)"
                gap = s[near.end : lv.start] if lv.start >= near.end else s[lv.end : near.start]
                if lv is near or _CONVERSION.fullmatch(gap):
                    lv.changes["change_pct"] = ch.sign * ch.low
            return
        for lv in levels:
            lv.changes.setdefault("change_pct", ch.sign * ch.low)
        return
    def compatible(lv: Value) -> bool:
        if ch.kind == "points" or lv.unit == "points":
            return lv.unit == "points" and ch.kind in {"points", "bare"}
        if ch.currency and lv.currency and ch.currency != lv.currency:
            return False
        if ch.measure and lv.measure and ch.measure != lv.measure:
            return False
        return ch.low < lv.low
    if re.search(r"\beach\b[^,;]{0,20}$", s[: ch.start]):
        for lv in levels:  # "each up about 200,000 yuan"
            if "change" not in lv.changes and ch.low < lv.low:
                lv.changes["change"] = ch.sign * ch.low
        return
    if (ch.kind == "bare" and ch.low < 100 and ch.low != int(ch.low)
            and all(lv.unit not in {None, "points"} and lv.low >= 10_000 for lv in levels)):
        # "415,000 yuan/ton, down 4.16 from the initial price": a percentage that lost its
        # sign (a move of 4.16 yuan on 415,000 is not what a report states)
        for lv in levels:
            lv.changes.setdefault("change_pct", ch.sign * ch.low)
        return
    cands = [lv for lv in levels if compatible(lv) and "change" not in lv.changes]
    if not cands:
        return
    best = min(cands, key=lambda lv: min(abs(lv.start - ch.end), abs(ch.start - lv.end)))
    best.changes["change"] = ch.sign * ch.low


def _fill_units(levels: list[Value], all_values: list[Value], *, fob: bool = False) -> None:
    """Bare levels ("4.1 million-4.15 million") take the unit of the nearest priced number."""
    priced = [v for v in all_values if v.unit_name() not in {None, "points"}]
    for lv in levels:
        if lv.unit != "?":
            continue
        # the nearest priced number of comparable size (not the bracketed conversion of
        # "RMB 1.48 million ($232,161) and 1.15 million ($180,420) per ton")
        near = nearest_comparable(lv, priced)
        if near is not None:
            lv.unit, lv.currency, lv.measure = near.unit_name(), near.currency, near.measure
            continue
        if lv.column and lv.measure in {"t", "kg"}:  # a unit column and no currency:
            cur = "USD" if fob else "CNY"  # export quotes are dollars, China's own are yuan
            lv.unit, lv.currency = f"{cur}/{lv.measure}", cur
            continue
        if fob:  # "Praseodymium metal 99.5% min FOB China 103.0-106.0": export quotes are USD
            lv.unit = "USD/kg" if lv.high < 1000 else ("USD/t" if lv.high >= 10_000 else None)
            continue
        lv.unit = "CNY/t" if lv.high >= 100_000 else None


def extract_prices(
    text: str, *, as_of: date | None = None, source: str | None = None
) -> list[PriceItem]:
    """All price and price-index items in ``text`` (titles, bullets and bodies).

    ``as_of`` and ``source`` are copied into each item; a sentence naming a date
    ("On August 18", "on January 26, 2026") sets that item's ``as_of`` instead.
    The same item stated twice (a headline repeating the body) is returned once.
    """
    items: list[PriceItem] = []
    seen: dict[tuple[Any, ...], int] = {}
    last_index: list[str] = []
    last_sentence_items: list[int] = []
    carry: list[str] = []
    zh_state = _zh.TableState()
    zh_last: list[str] = []
    zh_when: date | None = None
    for sentence in split_sentences(text or ""):
        if _zh.is_chinese(sentence):
            for clause in _zh.split_zh(sentence):
                zh_when = _zh.find_date_zh(clause, as_of) or zh_when
                for cid, zv in _zh.sentence_items_zh(clause, zh_state, zh_last):
                    _add_item(items, seen, _zh_value(cid, zv), cid, zh_when or as_of, source,
                              _zh.clause_at(clause, zv.start))
                if clause.endswith(("。", "!", "！", "?", "？")):
                    zh_when = None
            last_sentence_items = []
            continue
        if (m := _THATS_A.match(sentence)) and len(last_sentence_items) == 1:
            # "... $95 per kilogram. That's a 90-percent increase from a year earlier."
            i = last_sentence_items[0]
            if items[i].change_pct is None:
                sign = -1 if m.group("down") else 1
                items[i] = replace(items[i], change_pct=sign * float(m.group("n")))
        last_sentence_items = []
        when = find_date(sentence, as_of) or as_of
        for cid, v in _sentence_items(sentence, last_index, as_of, carry):
            slipped = v.scaled or (v.unit == "CNY/t" and v.high < 100)  # no product is that
            if slipped and (f := decimal_slip(cid, v.unit or "", v.high)) != 1.0:  # cheap
                # "890-895 million yuan/ton" for terbium oxide, "monazite 5.3-5.45 yuan/mt":
                # a mistranslated or dropped "wan" (10,000)
                v.low, v.high = v.low * f, v.high * f
                v.changes = {k: (x * f if k == "change" else x) for k, x in v.changes.items()}
            added = _add_item(items, seen, v, cid, when, source, sentence)
            if added is not None:
                last_sentence_items.append(added)
    return items


def _zh_value(cid: str, zv: _zh.ZhValue) -> Value:
    """A Chinese extractor's value as the English one's, with the same scale repair
    ("443750万元/吨" for praseodymium oxide is a stray 万)."""
    v = Value(zv.start, zv.end, zv.low, zv.high, currency=zv.currency, measure=zv.measure,
              kind=zv.kind, unit=zv.unit, changes=dict(zv.changes))
    if zv.scaled and (f := decimal_slip(cid, v.unit or "", v.high)) != 1.0:
        v.low, v.high = v.low * f, v.high * f
    return v


def _add_item(items: list[PriceItem], seen: dict[tuple[Any, ...], int], v: Value, cid: str,
              when: date | None, source: str | None, sentence: str) -> int | None:
    """Append the item of ``v`` (or merge a missing change into the same item stated
    before); returns its index when it is new. The basis is read from ``sentence``."""
    item = PriceItem(
        commodity=cid,
        kind="index" if cid in INDEX_IDS else "price",
        low=_clean(v.low),
        high=_clean(v.high),
        unit=v.unit or "",
        change=_clean(v.changes["change"]) if "change" in v.changes else None,
        change_pct=_clean(v.changes["change_pct"]) if "change_pct" in v.changes else None,
        as_of=when,
        source=source,
        basis=None if cid in INDEX_IDS else basis_of(
            # a dollar figure converted from a yuan quote has the yuan quote's basis
            sentence, "CNY/t" if v.converted_from == "CNY" else v.unit or ""),
    )
    key = (item.commodity, item.unit, item.low, item.high, item.as_of)
    if key in seen:
        old = items[seen[key]]
        items[seen[key]] = replace(
            old,
            change=old.change if old.change is not None else item.change,
            change_pct=old.change_pct if old.change_pct is not None else item.change_pct,
        )
        return None
    seen[key] = len(items)
    items.append(item)
    return len(items) - 1


def _clean(x: float) -> float:
    r = round(x, 6)
    return float(int(r)) if r == int(r) else r
