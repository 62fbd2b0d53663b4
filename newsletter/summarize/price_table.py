"""The price table and the index series, from stored price observations.

:func:`price_table` gives one row per commodity, unit and basis (the latest observation,
its change, its sources and whether they disagree); :func:`index_series` the values an
index chart draws; :func:`dedupe_observations` keeps one of each observation several
sources reported. Extraction from text is :mod:`.prices`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from newsletter.summarize._basis import BASES, basis_label, basis_of
from newsletter.summarize._commodities import UNIT_ORDER, display_name, market_rank
from newsletter.types import PriceItem

__all__ = ["dedupe_observations", "index_series", "price_table"]


def _close(a: float, b: float, tol: float = 0.005) -> bool:
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-9)


def dedupe_observations(obs: Iterable[PriceItem]) -> list[PriceItem]:
    """Keep one of each observation reported by several sources.

    Two items are the same observation when commodity, unit and ``as_of`` are equal and
    low and high agree within 0.5%. The first kept wins; a missing change is filled in
    from the duplicate.
    """
    kept: list[PriceItem] = []
    for o in obs:
        for i, k in enumerate(kept):
            if (
                k.commodity == o.commodity
                and k.unit == o.unit
                and k.as_of == o.as_of
                and _close(k.low, o.low)
                and _close(k.high, o.high)
            ):
                kept[i] = replace(
                    k,
                    change=k.change if k.change is not None else o.change,
                    change_pct=k.change_pct if k.change_pct is not None else o.change_pct,
                )
                break
        else:
            kept.append(o)
    return kept


def _unit_rank(unit: str) -> int:
    return UNIT_ORDER.index(unit) if unit in UNIT_ORDER else len(UNIT_ORDER)


def _date_key(o: PriceItem) -> date:
    return o.as_of or date.min


def _basis_key(o: PriceItem) -> str | None:
    """The basis a row is keyed by: the stated one, else the unit's default (observations
    stored before the basis was recorded are yuan ex-works or dollar "unknown")."""
    if o.kind == "index":
        return None
    return o.basis or basis_of("", o.unit)


def _sources(obs: Sequence[PriceItem]) -> list[str]:
    names: list[str] = []
    for o in obs:
        for n in (o.source or "").split("; "):
            if n and n not in names:
                names.append(n)
    return names


def price_table(
    observations: Sequence[PriceItem],
    *,
    today: date,
    stale_days: int,
    preferred_units: Mapping[str, str] | Sequence[str] | None = None,
    disagree_pct: float = 1.0,
) -> list[dict[str, Any]]:
    """One row per (commodity, unit, basis): the latest observation and its change.

    Observations of different bases (China ex-works and FOB China) are never one row.
    The change is against the latest observation of an earlier date (absolute and
    percent, from mid-points); with none, the item's own ``change``/``change_pct``.
    When several sources report the row's commodity on its latest date, ``sources``
    names them all (the first one's figures are shown) and ``disagreement`` gives each
    source's mid-point when they differ by more than ``disagree_pct`` percent.
    ``stale`` is true when ``as_of`` is older than ``today - stale_days`` (or unknown).
    ``preferred_units`` keeps, per commodity, only the preferred unit's row when it
    exists: a mapping ``{commodity: unit}`` or an ordered list of units.
    Rows are in market order: indices, then Pr-Nd, Nd, Pr, Dy, Tb, ...
    """
    by_key: dict[tuple[str, str, str | None], list[PriceItem]] = {}
    for o in observations:
        by_key.setdefault((o.commodity, o.unit, _basis_key(o)), []).append(o)
    rows: list[dict[str, Any]] = []
    for (cid, unit, basis), group in by_key.items():
        group.sort(key=_date_key)  # stable: the first reported of a day stays first
        last_day = _date_key(group[-1])
        same_day = [g for g in group if _date_key(g) == last_day]
        latest = same_day[0]
        for g in same_day[1:]:  # a change stated only by the second source
            if latest.change is None and latest.change_pct is None and _close(g.mid, latest.mid):
                latest = replace(latest, change=g.change, change_pct=g.change_pct)
        earlier = [g for g in group if _date_key(g) < last_day]
        if earlier and latest.as_of is not None:
            prev_day = _date_key(earlier[-1])
            prev = next(g for g in earlier if _date_key(g) == prev_day)
            diff = round(latest.mid - prev.mid, 6)
            change: float | None = diff
            pct = round(100 * diff / prev.mid, 4) if prev.mid else None
            prev_as_of: date | None = prev.as_of
        else:
            change, pct, prev_as_of = latest.change, latest.change_pct, None
        if pct is None and change is not None and latest.mid - change:
            pct = round(100 * change / (latest.mid - change), 4)
        trend = change if change is not None else pct
        direction = "flat" if not trend else ("up" if trend > 0 else "down")
        stale = latest.as_of is None or latest.as_of < today - timedelta(days=stale_days)
        sources = _sources(same_day)
        mids = [g.mid for g in same_day]
        disagreement = None
        if len(sources) > 1 and min(mids) > 0 and (max(mids) / min(mids) - 1) * 100 > disagree_pct:
            disagreement = {
                "pct": round((max(mids) / min(mids) - 1) * 100, 2),
                "by_source": [{"source": "; ".join(_sources([g])) or "?", "low": g.low,
                               "high": g.high, "mid": g.mid} for g in same_day],
            }
        rows.append(
            {
                "commodity": cid,
                "name": display_name(cid),
                "kind": latest.kind,
                "unit": unit,
                "low": latest.low,
                "high": latest.high,
                "mid": latest.mid,
                "change": change,
                "change_pct": pct,
                "direction": direction,
                "as_of": latest.as_of,
                "previous_as_of": prev_as_of,
                "source": "; ".join(sources) or None,
                "sources": sources,
                "disagreement": disagreement,
                "basis": basis,
                "basis_label": basis_label(basis),
                "stale": stale,
            }
        )
    if preferred_units:
        rows = _prefer_units(rows, preferred_units)
    order = list(BASES)
    rows.sort(key=lambda r: (market_rank(r["commodity"]), _unit_rank(r["unit"]),
                             order.index(r["basis"]) if r["basis"] in order else -1))
    return rows


def _prefer_units(
    rows: list[dict[str, Any]], preferred: Mapping[str, str] | Sequence[str]
) -> list[dict[str, Any]]:
    units_of: dict[str, set[str]] = {}
    for r in rows:
        units_of.setdefault(r["commodity"], set()).add(r["unit"])
    keep: dict[str, str] = {}
    for cid, units in units_of.items():
        if isinstance(preferred, Mapping):
            want = [preferred[cid]] if cid in preferred else []
        elif isinstance(preferred, str):
            want = [preferred]
        else:
            want = list(preferred)
        keep_unit = next((u for u in want if u in units), None)
        if keep_unit:
            keep[cid] = keep_unit
    return [r for r in rows if r["commodity"] not in keep or r["unit"] == keep[r["commodity"]]]


def index_series(
    observations: Iterable[PriceItem], commodity: str = "creia_index", n: int = 30
) -> list[tuple[date, float]]:
    """The last ``n`` values of an index by date, one per date (the last one seen wins)."""
    by_date: dict[date, float] = {}
    for o in observations:
        if o.commodity == commodity and o.as_of is not None:
            by_date[o.as_of] = o.mid
    return sorted(by_date.items())[-n:] if n > 0 else []
