"""Price-move alerts: thresholds, crossing detection and dedupe (pure: no I/O).

An alert is one short email sent when a price moves past its threshold day on day. This
module decides *whether* and *what*; delivery (ledger, rate limits, unsubscribe) is the
caller's. It works on observations as they are collected, so ``serve`` can alert within
the hour:

1. :func:`detect_alerts` compares each newly stored observation with the previous level of
   the same commodity, unit and basis (an earlier date) and returns an :class:`Alert` for
   each move past :meth:`Thresholds.threshold_for` (:func:`detect_crossing` does one pair).
2. :func:`select_alerts` applies the dedupe rules against the alerts already sent to a
   list (:class:`AlertRecord`): one alert per commodity per day, never a second alert for
   a move already alerted, at most ``max_per_day`` a day.

Thresholds are percent of the previous mid-point. Defaults: 3% for oxides, metals and
every other price, 2% for the indices. ``groups`` and ``commodities`` override them; for a
commodity in several groups the lowest (most sensitive) group threshold applies, and a
``commodities`` entry beats every group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..types import Alert, AlertRecord, PriceItem, alert_from_json, alert_to_json
from ._basis import basis_label, basis_of
from ._commodities import COMMODITY_NAMES, INDEX_IDS, display_name

DEFAULT_PRICE_PCT = 3.0
DEFAULT_INDEX_PCT = 2.0

#: heavy and light rare earths by id stem (the part before "_oxide", "_metal", "fe")
HEAVY_STEMS = frozenset({"dy", "tb", "ho", "gd", "er", "y", "lu", "yb", "tm"})
LIGHT_STEMS = frozenset({"la", "ce", "lace", "pr", "nd", "prnd", "sm", "eu"})
ALLOYS = frozenset({"dyfe", "gdfe", "hofe"})

#: group name -> what it holds (for messages and documentation)
GROUPS: dict[str, str] = {
    "oxides": "every *_oxide",
    "metals": "every *_metal and the Fe alloys (dyfe, gdfe, hofe)",
    "indices": "the price indices (" + ", ".join(sorted(INDEX_IDS)) + ")",
    "heavy": "heavy rare earths (Dy, Tb, Ho, Gd, Er, Y, Lu, Yb, Tm)",
    "light": "light rare earths (La, Ce, Pr, Nd, Pr-Nd, Sm, Eu)",
}


def groups_of(commodity: str) -> frozenset[str]:
    """The threshold groups a commodity id belongs to."""
    if commodity in INDEX_IDS:
        return frozenset({"indices"})
    out: set[str] = set()
    stem = commodity
    if commodity.endswith("_oxide"):
        out.add("oxides")
        stem = commodity[: -len("_oxide")]
    elif commodity.endswith("_metal") or commodity in ALLOYS:
        out.add("metals")
        stem = commodity[: -len("_metal")] if commodity.endswith("_metal") else commodity[:-2]
    if stem in HEAVY_STEMS:
        out.add("heavy")
    elif stem in LIGHT_STEMS:
        out.add("light")
    return frozenset(out)


class Thresholds(BaseModel):
    """The ``[alerts]`` settings of a list (ready to be a field of the config)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: day-on-day move, in percent, that alerts for a price (oxides, metals, others)
    default_pct: float = Field(DEFAULT_PRICE_PCT, gt=0, le=100)
    #: the same for the indices
    index_pct: float = Field(DEFAULT_INDEX_PCT, gt=0, le=100)
    #: per group (see GROUPS): {"heavy" = 2.5}
    groups: dict[str, float] = Field(default_factory=dict)
    #: per commodity id: {"dy_oxide" = 2.0}
    commodities: dict[str, float] = Field(default_factory=dict)
    #: at most this many alerts a day per list
    max_per_day: int = Field(3, ge=1, le=50)
    #: the previous level must be at most this many days older (weekends, holidays)
    max_gap_days: int = Field(10, ge=1, le=60)

    @field_validator("groups")
    @classmethod
    def _known_groups(cls, v: dict[str, float]) -> dict[str, float]:
        for name, pct in v.items():
            if name not in GROUPS:
                raise ValueError(f"unknown group {name!r} (groups: {', '.join(GROUPS)})")
            _check_pct(name, pct)
        return v

    @field_validator("commodities")
    @classmethod
    def _known_commodities(cls, v: dict[str, float]) -> dict[str, float]:
        for cid, pct in v.items():
            if cid not in COMMODITY_NAMES:
                raise ValueError(f"unknown commodity {cid!r} (ids as in the price table: "
                                 "dy_oxide, tb_oxide, prnd_oxide, creia_index, ...)")
            _check_pct(cid, pct)
        return v

    def threshold_for(self, commodity: str) -> float:
        """The percent move that alerts for ``commodity``."""
        if commodity in self.commodities:
            return self.commodities[commodity]
        matched = [self.groups[g] for g in groups_of(commodity) if g in self.groups]
        if matched:
            return min(matched)
        return self.index_pct if commodity in INDEX_IDS else self.default_pct


def _check_pct(name: str, pct: float) -> None:
    if not 0 < pct <= 100:
        raise ValueError(f"{name}: threshold must be a percent above 0 and at most 100 "
                         f"(got {pct})")


@dataclass(frozen=True)
class Selection:
    """What :func:`select_alerts` decided: the alerts to send, and why the others are not."""

    send: tuple[Alert, ...]
    suppressed: tuple[tuple[Alert, str], ...]


def _basis(o: PriceItem) -> str | None:
    if o.kind == "index":
        return None
    return o.basis or basis_of("", o.unit)


def _key(o: PriceItem) -> tuple[str, str, str | None]:
    return (o.commodity, o.unit, _basis(o))


def _sources(o: PriceItem) -> tuple[str, ...]:
    return tuple(n for n in (o.source or "").split("; ") if n)


def previous_level(history: Iterable[PriceItem], new: PriceItem) -> PriceItem | None:
    """The latest observation of an earlier date with ``new``'s commodity, unit and basis
    (the first stored of that date, as the price table reads it)."""
    if new.as_of is None:
        return None
    best: PriceItem | None = None
    for o in history:
        if _key(o) != _key(new) or o.as_of is None or o.as_of >= new.as_of:
            continue
        if best is None or o.as_of > best.as_of:  # type: ignore[operator]
            best = o
    return best


def sparkline_series(history: Iterable[PriceItem], like: PriceItem, *,
                     days: int = 30) -> tuple[tuple[date, float], ...]:
    """One mid-point per date (the first stored of the day) for ``like``'s commodity,
    unit and basis over the ``days`` calendar days up to ``like.as_of``."""
    if like.as_of is None:
        return ()
    start = like.as_of - timedelta(days=days - 1)
    by_day: dict[date, float] = {}
    for o in [*history, like]:
        if _key(o) == _key(like) and o.as_of is not None and start <= o.as_of <= like.as_of:
            by_day.setdefault(o.as_of, o.mid)
    return tuple(sorted(by_day.items()))


def detect_crossing(new: PriceItem, previous: PriceItem | None, thresholds: Thresholds, *,
                    series: Sequence[tuple[date, float]] = ()) -> Alert | None:
    """An :class:`Alert` when ``new`` moved past its threshold since ``previous``, else None.

    ``previous`` must be the same commodity, unit and basis on an earlier date, at most
    ``thresholds.max_gap_days`` before; a move exactly at the threshold alerts.
    """
    if previous is None or new.as_of is None or previous.as_of is None:
        return None
    if _key(previous) != _key(new) or not previous.as_of < new.as_of:
        return None
    if (new.as_of - previous.as_of).days > thresholds.max_gap_days or previous.mid <= 0:
        return None
    change = new.mid - previous.mid
    pct = 100 * change / previous.mid
    limit = thresholds.threshold_for(new.commodity)
    if round(abs(pct), 6) < limit or change == 0:
        return None
    basis = _basis(new)
    return Alert(
        commodity=new.commodity, name=display_name(new.commodity), kind=new.kind,
        direction="up" if change > 0 else "down", change=round(change, 6),
        change_pct=round(pct, 4), threshold_pct=limit, low=new.low, high=new.high,
        level=new.mid, unit=new.unit, basis=basis,
        basis_label=basis_label(basis) if basis else "",
        as_of=new.as_of, previous_level=previous.mid, previous_as_of=previous.as_of,
        sources=_sources(new), series=tuple(series))


def detect_alerts(new: Sequence[PriceItem], history: Sequence[PriceItem],
                  thresholds: Thresholds, *, series_days: int = 30) -> list[Alert]:
    """The crossings among newly collected observations.

    Args:
        new: observations just stored (any sources, any order).
        history: stored observations (may include ``new``); the previous levels and the
            sparkline come from here.
        thresholds: the list's thresholds.

    Returns:
        At most one alert per commodity, unit, basis and day (the first reported of that
        day, as the price table shows it), sources merged; ordered by the size of the move
        relative to its threshold, largest first. Dedupe against alerts already sent is
        :func:`select_alerts`'s job.
    """
    firsts: dict[tuple[str, str, str | None, date], PriceItem] = {}
    names: dict[tuple[str, str, str | None, date], list[str]] = {}
    for o in [*history, *new]:
        if o.as_of is None:
            continue
        k = (*_key(o), o.as_of)
        firsts.setdefault(k, o)
        for n in _sources(o):
            if n not in names.setdefault(k, []):
                names[k].append(n)
    seen: set[tuple[str, str, str | None, date]] = set()
    out: list[Alert] = []
    for o in new:
        if o.as_of is None:
            continue
        k = (*_key(o), o.as_of)
        if k in seen:
            continue
        seen.add(k)
        level = firsts[k]
        prev = previous_level(history, level)
        series = sparkline_series(history, level, days=series_days)
        alert = detect_crossing(level, prev, thresholds, series=series)
        if alert is not None:
            out.append(_with_sources(alert, tuple(names.get(k, ()))))
    out.sort(key=lambda a: -abs(a.change_pct) / a.threshold_pct)
    return out


def _with_sources(alert: Alert, sources: tuple[str, ...]) -> Alert:
    return replace(alert, sources=sources or alert.sources)


def select_alerts(candidates: Sequence[Alert], already: Sequence[AlertRecord], *,
                  today: date, thresholds: Thresholds,
                  max_per_day: int | None = None) -> Selection:
    """Apply the dedupe rules for one list.

    Rules, in order:

    * one alert per commodity per day: of several crossings of one commodity on one
      ``as_of`` (two units, two bases) the largest move relative to its threshold wins,
      and none if that commodity's move of that day was already alerted;
    * never a second alert for a move already alerted: when an alert of the same
      commodity and direction lies inside the candidate's move (alerted on a day after the
      candidate's previous level, up to its day), the move is measured again from the
      alerted level and is sent only if that still crosses the threshold;
    * at most ``max_per_day`` (default ``thresholds.max_per_day``) alerts sent on ``today``
      counting those in ``already``; the largest moves relative to threshold go first.

    Args:
        candidates: from :func:`detect_alerts`.
        already: the alerts this list has sent (any days).
        today: the day of sending, in the list's time zone.

    Returns:
        The :class:`Selection`: alerts to send and the suppressed ones with the reason.
    """
    cap = thresholds.max_per_day if max_per_day is None else max_per_day
    ranked = sorted(candidates, key=lambda a: -abs(a.change_pct) / a.threshold_pct)
    send: list[Alert] = []
    suppressed: list[tuple[Alert, str]] = []
    taken = {(r.commodity, r.as_of) for r in already}
    sent_today = sum(1 for r in already if r.sent_on == today)
    for a in ranked:
        if (a.commodity, a.as_of) in taken:
            suppressed.append((a, f"{a.name} on {a.as_of}: already alerted"))
            continue
        inside = [r for r in already if r.commodity == a.commodity
                  and r.direction == a.direction and a.previous_as_of < r.as_of <= a.as_of]
        if inside:
            last = max(inside, key=lambda r: r.as_of)
            again = 100 * (a.level - last.level) / last.level if last.level else 0.0
            if abs(again) < a.threshold_pct or (again > 0) != (a.direction == "up"):
                suppressed.append((a, f"{a.name}: move already alerted on {last.as_of} "
                                      f"({again:+.1f}% since)"))
                continue
        if sent_today + len(send) >= cap:
            suppressed.append((a, f"daily cap of {cap} alert(s) reached"))
            continue
        send.append(a)
        taken.add((a.commodity, a.as_of))
    return Selection(send=tuple(send), suppressed=tuple(suppressed))


def thresholds_from(settings: Mapping[str, object] | None) -> Thresholds:
    """Thresholds from a plain mapping (a TOML table); raises pydantic's ValidationError,
    which the config loader turns into a message naming the key."""
    return Thresholds.model_validate(dict(settings or {}))



__all__ = ["Alert", "AlertRecord", "Selection", "Thresholds", "alert_from_json",
           "alert_to_json", "detect_alerts", "detect_crossing", "groups_of",
           "previous_level", "select_alerts", "sparkline_series", "thresholds_from"]
