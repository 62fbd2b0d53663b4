"""The price-move alert as data (issue 17): what :mod:`newsletter.summarize.alerts` decides,
the store keeps and the alert email shows. Re-exported by :mod:`newsletter.types`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

# --- price-move alerts (issue 17; decided by summarize.alerts) ------------------------------

def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Alert:
    """One price move past its threshold: everything the alert email shows."""

    commodity: str
    name: str  #: display name ("Dy oxide")
    kind: str  #: "price" or "index"
    direction: Literal["up", "down"]
    change: float  #: absolute change of the mid-point, in ``unit``
    change_pct: float  #: percent change of the mid-point (signed)
    threshold_pct: float
    low: float
    high: float
    level: float  #: the new mid-point
    unit: str
    basis: str | None
    basis_label: str
    as_of: date
    previous_level: float
    previous_as_of: date
    sources: tuple[str, ...]
    #: the last 30 days' levels (date, mid-point), for the sparkline; ends at ``as_of``
    series: tuple[tuple[date, float], ...] = ()

    @property
    def key(self) -> str:
        """Identifies the crossing: one commodity on one day."""
        return f"{self.commodity}|{self.as_of.isoformat()}"

    @property
    def headline(self) -> str:
        """'Dy oxide +3.0% to 1,690,000 CNY/t'"""
        return f"{self.name} {self.change_pct:+.1f}% to {_fmt(self.level)} {self.unit}"


@dataclass(frozen=True)
class AlertRecord:
    """An alert already sent to a list (what the store keeps to dedupe)."""

    commodity: str
    as_of: date  #: the day of the observation that alerted
    direction: str
    level: float  #: the mid-point that alerted
    sent_on: date  #: the day it was sent (for the daily cap)
    unit: str = ""

    @classmethod
    def of(cls, alert: Alert, sent_on: date) -> AlertRecord:
        return cls(commodity=alert.commodity, as_of=alert.as_of, direction=alert.direction,
                   level=alert.level, sent_on=sent_on, unit=alert.unit)


def alert_to_json(alert: Alert) -> dict[str, Any]:
    """The alert as plain JSON (dates ISO, tuples lists): what the store keeps."""
    d: dict[str, Any] = {}
    for k, v in alert.__dict__.items():
        if isinstance(v, date):
            v = v.isoformat()
        elif k == "series":
            v = [[day.isoformat(), mid] for day, mid in v]
        elif isinstance(v, tuple):
            v = list(v)
        d[k] = v
    return d


def alert_from_json(data: Mapping[str, Any]) -> Alert:
    """The :class:`Alert` of :func:`alert_to_json`'s output."""
    d = dict(data)
    for k in ("as_of", "previous_as_of"):
        d[k] = date.fromisoformat(str(d[k]))
    d["sources"] = tuple(d.get("sources") or ())
    d["series"] = tuple((date.fromisoformat(str(day)), float(mid))
                        for day, mid in (d.get("series") or ()))
    return Alert(**d)
