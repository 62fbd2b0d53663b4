"""USD equivalents of yuan prices from the ECB's euro reference rates.

The ECB quotes every currency against the euro, so USD/CNY is derived: ``CNY per EUR /
USD per EUR``. A rate older than ``MAX_AGE_DAYS`` before the edition's day is not used:
the USD column is then left out with a note saying why. Yuan prices from China are quoted
VAT included (13%); their USD equivalent is shown ex-VAT, as buyers outside China pay no
Chinese VAT, and the email says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from newsletter.summarize._basis import CHINA_VAT
from newsletter.types import Item

MAX_AGE_DAYS = 5

_RATE = re.compile(r"^EUR 1 = (?P<cur>[A-Z]{3}) (?P<rate>\d+(?:\.\d+)?)\s*$", re.M)


@dataclass(frozen=True)
class FxRate:
    """USD 1 = ``usd_cny`` CNY on ``day``, derived from the EUR rates of ``source``."""

    day: date
    usd_cny: float
    eur_usd: float
    eur_cny: float
    source: str


def rates_of(item: Item) -> dict[str, float]:
    """Currency -> units per euro, from a collected reference-rate item."""
    return {m["cur"]: float(m["rate"]) for m in _RATE.finditer(item.text or "")}


def latest_rate(items: Iterable[Item], day: date, source_title: str = "ECB") -> FxRate | None:
    """The latest USD/CNY rate of ``items`` dated on or before ``day`` (None if none)."""
    best: FxRate | None = None
    for it in items:
        if it.published is None:
            continue
        d = it.published.date()
        r = rates_of(it)
        if d > day or "USD" not in r or "CNY" not in r or r["USD"] <= 0:
            continue
        if best is None or d > best.day:
            best = FxRate(d, round(r["CNY"] / r["USD"], 4), r["USD"], r["CNY"], source_title)
    return best


def fx_note(rate: FxRate | None, day: date) -> dict[str, Any]:
    """What the edition says about the rate: ``usable`` and the sentence to print."""
    if rate is None:
        return {"usable": False, "text": "USD equivalents are left out: no ECB reference "
                "rate has been collected."}
    age = (day - rate.day).days
    when = f"{rate.day.day} {rate.day:%b}"
    if age > MAX_AGE_DAYS:
        return {"usable": False, "date": rate.day.isoformat(), "usd_cny": rate.usd_cny,
                "text": f"USD equivalents are left out: the latest ECB reference rate "
                        f"({when}) is {age} days old (more than {MAX_AGE_DAYS})."}
    return {"usable": True, "date": rate.day.isoformat(), "usd_cny": rate.usd_cny,
            "source": rate.source,
            "text": f"USD 1 = CNY {rate.usd_cny:.4f}, ECB reference rate, {when}. "
                    "USD/kg figures for China ex-works prices are shown ex-VAT "
                    f"(yuan price / {1 + CHINA_VAT:.2f})."}


def add_usd(rows: list[dict[str, Any]], rate: FxRate | None, day: date) -> dict[str, Any]:
    """Add ``usd_low``/``usd_high`` (USD/kg) and ``usd_note`` to the yuan rows of a price
    table when the rate is usable; returns the edition's ``fx`` block (see ``fx_note``)."""
    note = fx_note(rate, day)
    if not note["usable"] or rate is None:
        return note
    for r in rows:
        unit = r.get("unit")
        if unit not in {"CNY/t", "CNY/kg"}:
            continue
        per_kg = 1000.0 if unit == "CNY/t" else 1.0
        vat = 1 + CHINA_VAT if r.get("basis") == "exw_china_vat" else 1.0
        r["usd_low"] = round(r["low"] / per_kg / vat / rate.usd_cny, 2)
        r["usd_high"] = round(r["high"] / per_kg / vat / rate.usd_cny, 2)
        r["usd_note"] = "ex-VAT" if vat > 1 else ""
    return note
