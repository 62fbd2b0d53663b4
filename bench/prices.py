"""Benchmark: price-item extraction quality against labelled sentences.

Usage: ``python bench/prices.py [DEV.jsonl [EXTRA.jsonl ...]]``
(defaults: /work/shared/ree/prices-dev.jsonl, bench/data/prices-extra.jsonl and the real-text
sets bench/data/prices-real.jsonl and bench/data/prices-real-holdout*.jsonl).

The real-text sets are sentences copied verbatim from public pages (SMM, SunSirs, Xinhua via
urdupoint, MetalMiner, Fastmarkets, Argus, Reuters, ...), each with its ``source`` URL.
``prices-real.jsonl`` was scored before any change made for it (F1 0.930) and then used to
fix failures; ``prices-real-holdout.jsonl`` was collected afterwards and scored untouched
(F1 0.942; the original extractor 0.934) before its own failures were fixed;
``prices-real-holdout2.jsonl`` was collected after that round and scored untouched (F1 0.922;
the original extractor 0.857), ``prices-real-holdout3.jsonl`` (24 sentences) after the
next round (F1 0.933; the original extractor 0.875), and ``prices-real-holdout4.jsonl``
(64 sentences from sources seen less before: SunSirs daily and monthly reports, SMM weekly
reviews of 2025, Asian Metal, chinatungsten/CTIA listings and price-list rows, Argus,
Benchmark, Fastmarkets, Japan Metal Bulletin, Nikkei via ckhq, Xinhua CREPI, CREIA) after
that (F1 0.939, P 0.895 R 0.987, change-acc 0.974; then 1.000 after fixing the classes:
reference "key levels", change lists past bracketed percentages, changes against a past year,
"the following year", "As of the end of 2021," openings, bare Pr-Nd beside its oxide = metal).
``prices-real-holdout5.jsonl`` (63 sentences: MetalMiner, SMM, Rare Earth Exchanges,
SunSirs, Benchmark, Argus via reposts) and ``prices-real-holdout6.jsonl`` (69: SMM, Nikkei,
CTIA, Lynas/Arafura via Australian press, Adamas, China Daily, Global Times, Reuters
rewrites) were collected by two independent sessions that did not see the extractor, and
scored untouched: F1 0.921 (P 0.927 R 0.916) and 0.869 (P 0.901 R 0.839, change-acc 0.932).
Classes fixed after that: $US amounts and A$ brackets, "between X and Y" and "ranged from X
to Y" ranges, figures borrowing the currency or measure of a comparable neighbour,
year-to-date changes (kept like year-on-year ones), counts ("17 sub-indexes"), asides
naming magnets, "rebounded, with ... of X", comma lists, footnote marks, yen/euro amounts.
After those fixes two more independent batches were collected and scored untouched:
``prices-real-holdout7.jsonl`` (60 sentences, Western trade press and company coverage,
many historical and bound statements): F1 0.816 (P 0.750 R 0.894);
``prices-real-holdout8.jsonl`` (57, SMM/SunSirs/Xinhua/CTIA machine translations): F1 0.885
(P 0.865 R 0.906), scored at the commit before the holdout7 fixes (0.897 after them).
Classes fixed then: history (peaked, past years earlier in the clause, "N years ago", "at the
beginning of the year"), reference marks and bounds on some trades, per-gram conversions,
cents, counts after "tracking", shared form words across lists, monthly list prices,
mistranslated scales ("890-895 million yuan/ton" for terbium oxide, repaired by powers of ten
into the product's plausible range), ranges split by a conversion, "each up", "compared to
the highest point". One older label was corrected on the same grounds (holdout: Pr oxide
"4.05 million" is 405,000; see its ``note``).
``prices-real-holdout10.jsonl`` (62 lines: headlines, news mentioning prices in passing,
Reuters table rows) was scored untouched after the holdout8 fixes: F1 0.825 (P 0.892
R 0.767); its fixes: other names of the CREIA, period changes ("since early July"), falls
from a peak, elided verbs in percentage lists, "whilst" clauses, FOB quotes in dollars,
"That's a N% increase" sentences. Still missed: Reuters' weekly table rows with no currency.
``prices-real-holdout9.jsonl`` (59 sentences of the dev set's own kinds and publishers:
SunSirs bullet lists and index lines, SMM reviews, Rare Earth Exchanges tables, Fastmarkets
assessments), scored untouched at the same point: F1 0.995 (P 0.989 R 1.000, change-acc
0.967); fixed then: changes "from the beginning of the month". This is the closest
estimate of a held-out set "of the same kinds" as prices-dev.
A last round after all of the above, scored untouched: ``prices-real-holdout11.jsonl`` (57
sentences of the dev set's kinds from other dates) F1 0.979 (P 0.979 R 0.979, change-acc
0.967) and ``prices-real-holdout12.jsonl`` (39 lines from other publishers) F1 0.923 (P 0.960
R 0.889). Fixed then: "after ... at X" and "once reached" history, SunSirs' "sector index of
the business community", misplaced thousands commas, changes from the start of a year,
percentages that lost their sign, minimum prices, a sentence pricing the commodity named in
the sentence before, "$100/kg for Nd". One label of prices-extra was aligned with the
independent labellers (a change "from the beginning of the month" is recorded).
Then ``prices-real-holdout13.jsonl`` (56 lines, SMM and SunSirs 2022-2025) F1 0.943 (P 0.934
R 0.952) and ``prices-real-holdout14.jsonl`` (55, index-heavy: MetalMiner MMI, SunSirs index)
F1 0.961 (P 0.949 R 0.974), both scored untouched. Fixed then: two dated levels (the earlier
is the previous one), "metal/alloy praseodymium neodymium", the bare element after its priced
oxide in a list (the metal), repeated index names, "or 0.89%" after an absolute change, the
sign of a bracketed percentage, cycle highs "of 1000 points", start-of-month levels, table rows
with a unit column, and a real masking bug (the year mask blanked "2000" in "20000").
Last round: ``prices-real-holdout15.jsonl`` (60 lines of the dev set's kinds, 2024-2026) F1
0.982 (P 0.982 R 0.982, change-acc 1.000) and ``prices-real-holdout16.jsonl`` (35 lines,
varied phrasing from other publishers) F1 0.889 (P 0.833 R 0.952), both untouched. Fixed
then: a dropped "wan" ("monazite 5.3-5.45 yuan/mt"; four older optional labels now carry
the intended value), conditions ("as long as"), "27.6b", spans of past years ("between 2008
and 2011"), "between US$ 90/kg and US$ 120/kg".
Chinese (``prices-zh-*.jsonl``, simplified and traditional characters, scored by
``newsletter/summarize/_prices_zh.py`` through the same ``extract_prices``; the English-only
extractor found nothing in them, F1 0.000): ``prices-zh-dev.jsonl`` (13 lines, 71 items:
SunSirs/生意社 daily reports and their tables from 100ppi.com, China Southern Rare Earth's
listed prices via Mysteel, a 2011 repost) was used to build the Chinese extractor;
``prices-zh-holdout.jsonl`` (39 lines, 48 items: Xinhua/Baotou CREPI reports, CREIA's
monthly index, SunSirs reposts in traditional characters, China Northern Rare Earth's listed
prices, Baotou exchange prices via etnet/cnyes/Yahoo TW, 长江有色 prices via worldmr, and
quotas, export volumes, costs, premiums and concentrate prices that are not price items) was
scored untouched after that: F1 0.948 (P 0.939 R 0.958, change-acc 0.978). Fixed then:
traditional 內, a measure stated once for the sentence ("每噸 62.49 萬元 ..., 金屬镨釹 76.07
萬元"), conversions into 新台币, spreads ("高低点相差48.3点"), a clause opening on a past time
("去年年底,氧化铈的价格仅为每吨7800元").
``prices-zh-holdout2.jsonl`` (6 lines, 2 scored items: 自由時報 and 鉅亨網 in traditional
characters, the only further real Chinese lines the stored corpus held) scored untouched after
those fixes: F1 0.667 (P 1.000 R 0.500; "上週五" - last Friday - was read as a past time);
fixed then.
``prices-zh-holdout3.jsonl`` (40 real SunSirs flash messages from 100ppi.com/kx, 2023, as a
public GitHub scraper kept them: "6月13日镨钕氧化物为502500.00", five products, no unit) scored
untouched: F1 0.000 (no unit, so no item); fixed then: a bare figure inside the product's
plausible yuan band is yuan per tonne (or per kilogram).
``prices-changes.jsonl``: real English sentences that carry changes (or a previous level that
must not become one), to score which level a change belongs to, absolute versus percent, and
change versus previous level; the summary prints its change accuracy separately. Only 13 lines
of the stored corpus were in no earlier set (the rest of what the searches return was mined by
earlier rounds); scored untouched: F1 1.000, change-acc 1.000 (13/13, 6 with a stated change).
The pooled "English" change accuracy over all sets is the broader figure.
Once a set's failures are fixed it is no longer held out: add a fresh batch to measure
generalisation.

Each line: ``{"text": ..., "expected": [{"commodity": [ids], "low", "high", "unit",
"change"?, "change_pct"?, "optional"?}]}``. An extracted item matches an expected one
when its commodity is in the expected list, the unit is equal and low/high agree within
0.5%. Expected items marked optional are not misses when absent, and extracted items
matching them are not false positives. For matched, non-optional items the change and
change_pct must equal the expected ones (absent = None) within 0.5%.

A naive baseline ("first number + unit after the first commodity word") is scored in the
same run and the F1 ratio printed.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsletter.summarize.prices import extract_prices  # noqa: E402
from newsletter.types import PriceItem  # noqa: E402

DEFAULTS = [
    Path("/work/shared/ree/prices-dev.jsonl"),
    ROOT / "bench/data/prices-extra.jsonl",
    ROOT / "bench/data/prices-real.jsonl",
    ROOT / "bench/data/prices-real-holdout.jsonl",
    ROOT / "bench/data/prices-real-holdout2.jsonl",
    ROOT / "bench/data/prices-real-holdout3.jsonl",
    ROOT / "bench/data/prices-real-holdout4.jsonl",
    ROOT / "bench/data/prices-real-holdout5.jsonl",
    ROOT / "bench/data/prices-real-holdout6.jsonl",
    ROOT / "bench/data/prices-real-holdout7.jsonl",
    ROOT / "bench/data/prices-real-holdout8.jsonl",
    ROOT / "bench/data/prices-real-holdout9.jsonl",
    ROOT / "bench/data/prices-real-holdout10.jsonl",
    ROOT / "bench/data/prices-real-holdout11.jsonl",
    ROOT / "bench/data/prices-real-holdout12.jsonl",
    ROOT / "bench/data/prices-real-holdout13.jsonl",
    ROOT / "bench/data/prices-real-holdout14.jsonl",
    ROOT / "bench/data/prices-real-holdout15.jsonl",
    ROOT / "bench/data/prices-real-holdout16.jsonl",
    ROOT / "bench/data/prices-changes.jsonl",
    ROOT / "bench/data/prices-zh-dev.jsonl",
    ROOT / "bench/data/prices-zh-holdout.jsonl",
    ROOT / "bench/data/prices-zh-holdout2.jsonl",
    ROOT / "bench/data/prices-zh-holdout3.jsonl",
]


def _group(path: Path) -> str:
    """Which summary a set counts in: Chinese (``prices-zh-*``) or English."""
    return "Chinese" if path.name.startswith("prices-zh") else "English"


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 0.005 * max(abs(a), abs(b), 1e-9)


def _matches(got: PriceItem, exp: dict[str, Any]) -> bool:
    return (
        got.commodity in exp["commodity"]
        and got.unit == exp["unit"]
        and _close(got.low, exp["low"])
        and _close(got.high, exp["high"])
    )


_BASE_WORDS = {
    "prnd_oxide": r"pr-?nd|ndpr|praseodymium[- ]neodymium|didymium",
    "dy_oxide": r"dysprosium|dy2o3|dy₂o₃",
    "tb_oxide": r"terbium|tb4o7|tb₄o₇",
    "nd_oxide": r"neodymium|nd2o3",
    "pr_oxide": r"praseodymium",
    "creia_index": r"price index",
}
_BASE_VAL = re.compile(
    r"([$¥]?)\s?(\d[\d,]*(?:\.\d+)?)\s?(million)?\s?(yuan/(?:mt|ton|t)|/kg|/t|per kg|points)?",
    re.I,
)


def baseline(text: str) -> list[PriceItem]:
    """Naive extractor: the first commodity word, then the first number with a unit."""
    low = text.lower()
    found = [(low.find(re.search(w, low).group(0)), c) for c, w in _BASE_WORDS.items()
             if re.search(w, low)]
    if not found:
        return []
    pos, cid = min(found)
    for m in _BASE_VAL.finditer(text, pos):
        cur, num, scale, unit = m.groups()
        if not unit:
            continue
        v = float(num.replace(",", "")) * (1e6 if scale else 1)
        u = unit.lower()
        if u == "points":
            return [PriceItem(cid, "index", v, v, "points")]
        if "/kg" in u or "per kg" in u:
            return [PriceItem(cid, "price", v, v, "USD/kg" if cur == "$" else "CNY/kg")]
        return [PriceItem(cid, "price", v, v, "CNY/t")]
    return []


def score(path: Path, extract: Callable[[str], list[PriceItem]]) -> dict[str, Any]:
    tp = fp = fn = 0
    ch_ok = ch_n = 0
    errors: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        got = extract(case["text"])
        expected = case["expected"]
        used: set[int] = set()
        for g in got:
            idx = next((i for i, e in enumerate(expected) if i not in used and _matches(g, e)),
                       None)
            if idx is None:
                fp += 1
                errors.append(f"FP {g.commodity} {g.low}-{g.high} {g.unit} | {case['text'][:90]}")
                continue
            used.add(idx)
            e = expected[idx]
            if e.get("optional"):
                continue
            tp += 1
            ch_n += 1
            if _close(g.change, e.get("change")) and _close(g.change_pct, e.get("change_pct")):
                ch_ok += 1
            else:
                errors.append(
                    f"CHANGE {g.commodity} got {g.change}/{g.change_pct} want "
                    f"{e.get('change')}/{e.get('change_pct')} | {case['text'][:90]}"
                )
        for i, e in enumerate(expected):
            if i not in used and not e.get("optional"):
                fn += 1
                errors.append(f"FN {e['commodity']} {e['low']}-{e['high']} {e['unit']} | "
                              f"{case['text'][:90]}")
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "tp": tp, "fp": fp, "fn": fn,
            "change_acc": ch_ok / ch_n if ch_n else 1.0, "ch_ok": ch_ok, "ch_n": ch_n,
            "errors": errors}


def hostile_input() -> None:
    """Time on pathological text (the test only guards against a hang) against plain prose
    of the same length: the ratio shows no super-linear blow-up."""
    hostile = ("Pr-Nd oxide 1-2-3-4-5 ,,,, $$$ ¥¥ 99% " * 2000) + "x" * 50000
    plain = ("Rare earth prices were steady this week as buyers waited. " * 3000)[:len(hostile)]
    times = {}
    for name, text in (("plain", plain), ("hostile", hostile)):
        t0 = time.perf_counter()
        extract_prices(text)
        times[name] = time.perf_counter() - t0
    print(f"== hostile input ({len(hostile)} chars): {times['hostile'] * 1000:.0f} ms vs plain "
          f"prose of the same length {times['plain'] * 1000:.0f} ms, ratio "
          f"{times['hostile'] / times['plain']:.2f}")


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [p for p in DEFAULTS if p.exists()]
    totals: dict[str, dict[str, int]] = {}
    for path in paths:
        t0 = time.perf_counter()
        ours = score(path, extract_prices)
        dt = time.perf_counter() - t0
        base = score(path, baseline)
        print(f"== {path}")
        for name, s in (("extract_prices", ours), ("baseline", base)):
            print(f"  {name:15s} P={s['precision']:.3f} R={s['recall']:.3f} F1={s['f1']:.3f} "
                  f"(tp={s['tp']} fp={s['fp']} fn={s['fn']}) change-acc={s['change_acc']:.3f}")
        ratio = ours["f1"] / base["f1"] if base["f1"] else float("inf")
        print(f"  F1 ratio extract_prices/baseline = {ratio:.2f}x; time {dt * 1000:.1f} ms")
        for err in ours["errors"]:
            print("   ", err)
        for group in (_group(path), "changes" if path.name == "prices-changes.jsonl" else ""):
            if group:
                t = totals.setdefault(group, {"tp": 0, "fp": 0, "fn": 0, "ch_ok": 0, "ch_n": 0})
                for k in ("tp", "fp", "fn", "ch_ok", "ch_n"):
                    t[k] += ours[k]
    hostile_input()
    print("== summary (items pooled over the sets above)")
    for group, t in totals.items():
        p = t["tp"] / (t["tp"] + t["fp"]) if t["tp"] + t["fp"] else 1.0
        r = t["tp"] / (t["tp"] + t["fn"]) if t["tp"] + t["fn"] else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        acc = t["ch_ok"] / t["ch_n"] if t["ch_n"] else 1.0
        print(f"  {group:8s} P={p:.3f} R={r:.3f} F1={f1:.3f} (tp={t['tp']} fp={t['fp']} "
              f"fn={t['fn']}) change-acc={acc:.3f} ({t['ch_ok']}/{t['ch_n']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
