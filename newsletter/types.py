"""Public data objects passed between the stages.

Every stage reads and writes the store; these frozen dataclasses are what the store hands
out and what the stages produce. Datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

SourceKind = str
"""A kind registered in ``newsletter/collect/_kinds.py`` (built in: ``feed``, ``page``)."""
PriceKind = Literal["price", "index"]


@dataclass(frozen=True)
class Source:
    """One entry of ``sources.toml``.

    Attributes:
        name: short unique id (``rare-earth-exchanges``).
        title: human name shown in the email ("Rare Earth Exchanges").
        kind: a registered source kind (``collect/_kinds.py``): ``feed`` (RSS/Atom) or
            ``page`` (an HTML page or listing page) unless more are registered.
        url: where the live source is fetched.
        weight: relevance prior in 0..1 (a rare-earth specialist outlet is near 1).
        snapshot: path of the recorded copy under ``snapshots/`` (or None).
        follow: for feeds and listing pages, fetch each item's article page for its body.
        selectors: CSS selectors: ``title``, ``date``, ``body``, ``highlights``, ``links``
            (article links on a listing page), ``item`` (one block per item on a page
            that lists several short items, such as a price list).
        excerpt_cap: licence limit in characters on text we quote from this source
            (0 = headline and link only; None = no cap beyond our own summary length).
        topic: default topic for its stories when the text does not say better.
        role: ``news`` (items become stories), ``prices`` (a price list or index page:
            its items feed the price table and chart only, never the story list) or
            ``fx`` (the ECB's euro reference rates: the USD equivalents of yuan prices).
    """

    name: str
    title: str
    kind: SourceKind
    url: str
    weight: float = 0.5
    snapshot: str | None = None
    follow: bool = False
    selectors: dict[str, str] = field(default_factory=dict)
    excerpt_cap: int | None = None
    topic: str | None = None
    role: Literal["news", "prices", "fx"] = "news"


@dataclass(frozen=True)
class Item:
    """One article or feed entry as the collector keeps it (text already cleaned).

    Attributes:
        source: the ``Source.name`` it came from.
        url: canonical URL (tracking parameters and fragment removed).
        guid: the feed's id for the entry, else the canonical URL.
        title: plain text, repaired.
        published: publication time (UTC) or None when the source does not say.
        text: the article body as plain text, paragraphs separated by blank lines.
        summary: the feed's or page's own description (plain text), may be empty.
        html: the body as sanitized, email-safe HTML (may be empty).
        highlights: the source's own "Highlights" bullets, if it publishes them.
    """

    source: str
    url: str
    guid: str
    title: str
    published: datetime | None = None
    text: str = ""
    summary: str = ""
    html: str = ""
    highlights: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["published"] = self.published.isoformat() if self.published else None
        d["highlights"] = list(self.highlights)
        return d


@dataclass(frozen=True)
class PriceItem:
    """A price or price-index observation, as in DESIGN.md's price-item schema.

    A single value has ``low == high``. Units: ``CNY/t``, ``CNY/kg``, ``USD/kg``,
    ``USD/t``, ``points``. ``basis`` is where and how the price is quoted:
    ``exw_china_vat`` (China ex-works, 13% VAT included: the default for yuan quotes),
    ``exw_china_ex_vat`` (ex-works, VAT excluded, "不含税"), ``fob_china``, ``cif_europe``
    or ``unknown``; None for an index.
    """

    commodity: str
    kind: PriceKind
    low: float
    high: float
    unit: str
    change: float | None = None
    change_pct: float | None = None
    as_of: date | None = None
    source: str | None = None
    basis: str | None = None

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "commodity": self.commodity,
            "kind": self.kind,
            "low": self.low,
            "high": self.high,
            "unit": self.unit,
        }
        if self.change is not None:
            d["change"] = self.change
        if self.change_pct is not None:
            d["change_pct"] = self.change_pct
        if self.as_of is not None:
            d["as_of"] = self.as_of.isoformat()
        if self.source is not None:
            d["source"] = self.source
        if self.basis is not None:
            d["basis"] = self.basis
        return d


@dataclass(frozen=True)
class Relevance:
    """Explainable REE-market relevance of an item.

    Attributes:
        score: 0..1.
        relevant: score is at or above the configured threshold.
        reasons: human-readable reasons ("mentions 'neodymium' (element) x3").
        topic: one of ``markets``, ``policy``, ``companies``, ``technology``.
    """

    score: float
    relevant: bool
    reasons: tuple[str, ...] = ()
    topic: str = "companies"
