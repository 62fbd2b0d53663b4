"""Public data objects passed between the stages.

These frozen dataclasses are the values the orchestration (``core``, ``_send``) passes into
the stages and gets back: what the store hands out (items), what summarize builds (the
:class:`Edition`) and what render produces for deliver (:class:`RenderedEdition`). The stages
themselves do not read the store. Datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

# Defined in leaf modules (to keep this one readable), part of this module's interface:
from ._alert_types import Alert as Alert
from ._alert_types import AlertRecord as AlertRecord
from ._alert_types import alert_from_json as alert_from_json
from ._alert_types import alert_to_json as alert_to_json
from ._seam_types import PreviousStoryRow as PreviousStoryRow
from ._seam_types import RenderedEdition as RenderedEdition
from ._seam_types import StoryRow as StoryRow

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
    """A price or price-index observation (one row of an edition's price table).

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


# --- the edition -------------------------------------------------------------------------
#
# The day's edition as the summarizer builds it and the renderer, the web archive and the
# preview read it. Stored as JSON (``edition.json``, the store's ``editions`` table):
# ``to_json()`` writes the format of docs/internals.md and ``from_json()`` reads it back,
# including editions stored by earlier releases (missing keys take their defaults). The
# parts (``PriceRow``, ``FxNote``, ``Chart``, ``Story`` ...) are shared by any other kind
# of edition (a weekly digest, an alert) built beside ``Edition``.

def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value: Any) -> date | None:
    """A date from a stored value (``date``, ``datetime`` or ISO text); None if absent."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _float(value: Any) -> float | None:
    """A number as stored (an int stays an int, so the JSON reads back unchanged)."""
    if value is None or isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return float(value)


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in value or ())


@dataclass(frozen=True)
class SourcePrice:
    """One source's figures for a price row whose sources disagree."""

    source: str
    low: float
    high: float
    mid: float

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "low": self.low, "high": self.high, "mid": self.mid}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SourcePrice:
        low, high = _float(d.get("low")) or 0.0, _float(d.get("high")) or 0.0
        mid = _float(d.get("mid"))
        return cls(source=str(d.get("source") or "?"), low=low, high=high,
                   mid=mid if mid is not None else (low + high) / 2)


@dataclass(frozen=True)
class Disagreement:
    """The sources of a price row differ by ``pct`` percent (mid-points)."""

    pct: float
    by_source: tuple[SourcePrice, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"pct": self.pct, "by_source": [s.to_json() for s in self.by_source]}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Disagreement:
        return cls(pct=_float(d.get("pct")) or 0.0,
                   by_source=tuple(SourcePrice.from_json(s) for s in d.get("by_source") or ()))


@dataclass(frozen=True)
class PriceRow:
    """One row of the price table (``summarize.price_table.price_table``).

    Attributes:
        commodity: the commodity or index id; name: its display name.
        kind: ``price`` or ``index``; unit: ``CNY/t``, ``USD/kg``, ``points`` ...
        low, high, mid: the latest level; change, change_pct: against the previous date.
        direction: ``up``, ``down`` or ``flat``.
        as_of, previous_as_of: the dates of the latest and the previous observation.
        source: the sources joined with "; "; sources: each of them.
        disagreement: set when the sources' mid-points differ by more than 1%.
        basis, basis_label: where and how the price is quoted (None for an index).
        stale: not updated for more than ``stale_price_days``.
        usd_low, usd_high, usd_note: the USD/kg equivalent of a yuan row (when the
            edition's ``fx.usable``), and "ex-VAT" when converted without VAT.
    """

    commodity: str
    name: str
    kind: str = "price"
    unit: str = ""
    low: float | None = None
    high: float | None = None
    mid: float | None = None
    change: float | None = None
    change_pct: float | None = None
    direction: str | None = None
    as_of: date | None = None
    previous_as_of: date | None = None
    source: str | None = None
    sources: tuple[str, ...] = ()
    disagreement: Disagreement | None = None
    basis: str | None = None
    basis_label: str | None = None
    stale: bool = False
    usd_low: float | None = None
    usd_high: float | None = None
    usd_note: str | None = None

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "commodity": self.commodity, "name": self.name, "kind": self.kind,
            "unit": self.unit, "low": self.low, "high": self.high, "mid": self.mid,
            "change": self.change, "change_pct": self.change_pct,
            "direction": self.direction, "as_of": _iso(self.as_of),
            "previous_as_of": _iso(self.previous_as_of), "source": self.source,
            "sources": list(self.sources),
            "disagreement": self.disagreement.to_json() if self.disagreement else None,
            "basis": self.basis, "basis_label": self.basis_label, "stale": self.stale}
        if self.usd_low is not None or self.usd_high is not None:
            d.update(usd_low=self.usd_low, usd_high=self.usd_high,
                     usd_note=self.usd_note or "")
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PriceRow:
        dis = d.get("disagreement")
        commodity = str(d.get("commodity") or "")
        return cls(
            commodity=commodity, name=str(d.get("name") or commodity),
            kind=str(d.get("kind") or "price"), unit=str(d.get("unit") or ""),
            low=_float(d.get("low")), high=_float(d.get("high")), mid=_float(d.get("mid")),
            change=_float(d.get("change")), change_pct=_float(d.get("change_pct")),
            direction=d.get("direction"), as_of=_day(d.get("as_of")),
            previous_as_of=_day(d.get("previous_as_of")), source=d.get("source"),
            sources=_strs(d.get("sources")),
            disagreement=Disagreement.from_json(dis) if dis else None,
            basis=d.get("basis"), basis_label=d.get("basis_label"),
            stale=bool(d.get("stale")), usd_low=_float(d.get("usd_low")),
            usd_high=_float(d.get("usd_high")), usd_note=d.get("usd_note"))


@dataclass(frozen=True)
class FxNote:
    """What the edition says about the exchange rate (``summarize.fx.fx_note``).

    ``usable``: the USD column is shown; ``text``: the sentence printed under the table;
    ``date``, ``usd_cny``, ``source``: the rate used (or the too-old one)."""

    usable: bool
    text: str
    date: date | None = None
    usd_cny: float | None = None
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"usable": self.usable}
        if self.date is not None:
            d["date"] = self.date.isoformat()
        if self.usd_cny is not None:
            d["usd_cny"] = self.usd_cny
        if self.source is not None:
            d["source"] = self.source
        d["text"] = self.text
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> FxNote:
        return cls(usable=bool(d.get("usable")), text=str(d.get("text") or ""),
                   date=_day(d.get("date")), usd_cny=_float(d.get("usd_cny")),
                   source=d.get("source"))


@dataclass(frozen=True)
class Chart:
    """A price-index chart: the last values of ``commodity`` by date."""

    commodity: str
    name: str
    points: tuple[tuple[date, float], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"commodity": self.commodity, "name": self.name,
                "points": [[d.isoformat(), v] for d, v in self.points]}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Chart:
        points = []
        for p in d.get("points") or ():
            try:
                points.append((date.fromisoformat(str(p[0])[:10]), float(p[1])))
            except (TypeError, ValueError, IndexError):
                continue  # a malformed point is not drawn
        return cls(commodity=str(d.get("commodity") or ""), name=str(d.get("name") or ""),
                   points=tuple(points))


@dataclass(frozen=True)
class Highlight:
    """One of the top highlights: a sentence and the story it comes from."""

    text: str
    story_id: str | None = None
    url: str = ""
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "story_id": self.story_id, "url": self.url,
                "source": self.source}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Highlight:
        sid = d.get("story_id")
        return cls(text=str(d.get("text") or ""), story_id=None if sid is None else str(sid),
                   url=d.get("url") or "", source=str(d.get("source") or ""))


@dataclass(frozen=True)
class AlsoReported:
    """Another source's report of a story."""

    source: str
    url: str
    title: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "url": self.url, "title": self.title}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> AlsoReported:
        return cls(source=str(d.get("source") or ""), url=d.get("url") or "",
                   title=str(d.get("title") or ""))


@dataclass(frozen=True)
class Story:
    """One story of a section: its main link, summary and the other reports of it.

    ``published`` is ISO text (as stored); ``relevance`` 0..1; ``is_update``: a genuine
    follow-up of a story of an earlier edition; ``pinned``: pinned by the editor."""

    id: str
    title: str
    url: str = ""
    source: str = ""
    published: str | None = None
    summary: str = ""
    highlights: tuple[str, ...] = ()
    topic: str = "companies"
    relevance: float | None = None
    is_update: bool = False
    pinned: bool = False
    also_reported_by: tuple[AlsoReported, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "url": self.url, "source": self.source,
                "published": self.published, "summary": self.summary,
                "highlights": list(self.highlights), "topic": self.topic,
                "relevance": self.relevance, "is_update": self.is_update,
                "pinned": self.pinned,
                "also_reported_by": [a.to_json() for a in self.also_reported_by]}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Story:
        published = d.get("published")
        return cls(
            id=str(d.get("id") or ""), title=str(d.get("title") or ""), url=d.get("url") or "",
            source=str(d.get("source") or ""),
            published=_iso(published) if isinstance(published, date) else published,
            summary=str(d.get("summary") or ""), highlights=_strs(d.get("highlights")),
            topic=str(d.get("topic") or "companies"),
            relevance=_float(d.get("relevance")), is_update=bool(d.get("is_update")),
            pinned=bool(d.get("pinned")),
            also_reported_by=tuple(AlsoReported.from_json(a)
                                   for a in d.get("also_reported_by") or ()))


@dataclass(frozen=True)
class Section:
    """A section of stories (``markets``, ``policy``, ``companies``, ``technology``)."""

    id: str
    title: str
    stories: tuple[Story, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title,
                "stories": [s.to_json() for s in self.stories]}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Section:
        return cls(id=str(d.get("id") or ""), title=str(d.get("title") or ""),
                   stories=tuple(Story.from_json(s) for s in d.get("stories") or ()))


@dataclass(frozen=True)
class EditionStats:
    """How much the edition was chosen from."""

    items_considered: int = 0
    stories: int = 0
    sources: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"items_considered": self.items_considered, "stories": self.stories,
                "sources": self.sources}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> EditionStats:
        return cls(items_considered=int(d.get("items_considered") or 0),
                   stories=int(d.get("stories") or 0), sources=int(d.get("sources") or 0))


@dataclass(frozen=True)
class Edition:
    """The daily edition (``edition.json``; docs/internals.md).

    Attributes:
        date: the edition date.
        title: the newsletter title ("" in a hand-made edition: the renderer uses the
            configured one).
        as_of: the data cut-off (aware), or None.
        generated_at: when it was built (ISO text).
        editor_note: the editor's note, or None.
        highlights: the top highlights; prices: the price table; fx: the exchange-rate
            note; index_chart: the index chart, or None.
        sections: the stories by section; stats: what they were chosen from (None in a
            hand-made edition).
    """

    date: date
    title: str = ""
    as_of: datetime | None = None
    generated_at: str | None = None
    editor_note: str | None = None
    highlights: tuple[Highlight, ...] = ()
    prices: tuple[PriceRow, ...] = ()
    fx: FxNote | None = None
    index_chart: Chart | None = None
    sections: tuple[Section, ...] = ()
    stats: EditionStats | None = None

    @property
    def stories(self) -> tuple[Story, ...]:
        """Every story in the order the email shows them."""
        return tuple(st for sec in self.sections for st in sec.stories)

    def to_json(self) -> dict[str, Any]:
        """The ``edition.json`` document (plain JSON data)."""
        return {
            "date": self.date.isoformat(), "title": self.title,
            "as_of": _iso(self.as_of), "generated_at": self.generated_at,
            "editor_note": self.editor_note,
            "highlights": [h.to_json() for h in self.highlights],
            "prices": [p.to_json() for p in self.prices],
            "fx": self.fx.to_json() if self.fx else None,
            "index_chart": self.index_chart.to_json() if self.index_chart else None,
            "sections": [s.to_json() for s in self.sections],
            "stats": self.stats.to_json() if self.stats else None,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Edition:
        """Read an ``edition.json`` document, also one stored by an earlier release.

        Raises:
            ValueError: no ``date`` or ``sections`` key, or a date that is not YYYY-MM-DD.
        """
        for key in ("date", "sections"):
            if key not in d:
                raise ValueError(f"edition has no {key!r}: not an edition.json document")
        try:
            day = date.fromisoformat(str(d["date"])[:10])
        except ValueError:
            raise ValueError(f"edition date {d['date']!r} is not YYYY-MM-DD") from None
        as_of: datetime | None = None
        raw_as_of = d.get("as_of")
        if isinstance(raw_as_of, datetime):
            as_of = raw_as_of
        elif raw_as_of:
            try:
                as_of = datetime.fromisoformat(str(raw_as_of).replace("Z", "+00:00"))
            except ValueError:
                as_of = None
        fx, chart, stats = d.get("fx"), d.get("index_chart"), d.get("stats")
        note = d.get("editor_note")
        return cls(
            date=day, title=str(d.get("title") or ""), as_of=as_of,
            generated_at=d.get("generated_at"), editor_note=None if note is None else str(note),
            highlights=tuple(Highlight.from_json(h) for h in d.get("highlights") or ()),
            prices=tuple(PriceRow.from_json(p) for p in d.get("prices") or ()),
            fx=FxNote.from_json(fx) if fx else None,
            index_chart=Chart.from_json(chart) if chart else None,
            sections=tuple(Section.from_json(s) for s in d.get("sections") or ()),
            stats=EditionStats.from_json(stats) if stats else None)


# --- the weekly recap (issue 17) -----------------------------------------------------------
_Day = date  # the WeeklyEdition field "date" shadows the type inside its class
WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _aware(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class WeekPriceRow:
    """One commodity (in one unit and basis) over a week: the level at the start (the
    previous week's close), at the end, the change between them and the week's range."""

    commodity: str
    name: str
    kind: str  #: "price" or "index"
    unit: str
    start: float
    start_as_of: date
    end: float
    end_as_of: date
    change: float
    change_pct: float | None = None
    low: float = 0.0  #: the lowest low quoted during the week
    high: float = 0.0  #: the highest high quoted during the week
    days: int = 0  #: dates with an observation during the week
    basis: str | None = None
    basis_label: str = ""
    sources: tuple[str, ...] = ()

    @property
    def direction(self) -> str:
        return "flat" if not self.change else "up" if self.change > 0 else "down"

    def to_json(self) -> dict[str, Any]:
        return {"commodity": self.commodity, "name": self.name, "kind": self.kind,
                "unit": self.unit, "start": self.start,
                "start_as_of": self.start_as_of.isoformat(), "end": self.end,
                "end_as_of": self.end_as_of.isoformat(), "change": self.change,
                "change_pct": self.change_pct, "direction": self.direction,
                "low": self.low, "high": self.high, "days": self.days, "basis": self.basis,
                "basis_label": self.basis_label, "sources": list(self.sources)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> WeekPriceRow:
        start_as_of = _day(d.get("start_as_of"))
        end_as_of = _day(d.get("end_as_of"))
        if start_as_of is None or end_as_of is None:
            raise ValueError(f"weekly price row {d.get('commodity')!r} has no dates")
        return cls(commodity=str(d.get("commodity") or ""), name=str(d.get("name") or ""),
                   kind=str(d.get("kind") or "price"), unit=str(d.get("unit") or ""),
                   start=_float(d.get("start")) or 0, start_as_of=start_as_of,
                   end=_float(d.get("end")) or 0, end_as_of=end_as_of,
                   change=_float(d.get("change")) or 0, change_pct=_float(d.get("change_pct")),
                   low=_float(d.get("low")) or 0, high=_float(d.get("high")) or 0,
                   days=int(d.get("days") or 0), basis=d.get("basis"),
                   basis_label=str(d.get("basis_label") or ""),
                   sources=_strs(d.get("sources")))


@dataclass(frozen=True)
class WeekStory:
    """A story of the week with its follow-ups (one entry, "updated Wed")."""

    title: str
    url: str
    source: str
    first_seen: date  #: the daily edition that first carried it
    topic: str = "companies"
    summary: str = ""
    relevance: float | None = None
    sources: tuple[str, ...] = ()  #: every outlet that covered it during the week
    updated: tuple[date, ...] = ()  #: later editions in which it moved on
    latest_title: str | None = None
    latest_url: str | None = None

    @property
    def updated_label(self) -> str | None:
        """'updated Wed' / 'updated Wed, Fri', or None."""
        if not self.updated:
            return None
        return "updated " + ", ".join(WEEKDAY_ABBR[d.weekday()] for d in self.updated)

    @property
    def first_seen_label(self) -> str:
        return WEEKDAY_ABBR[self.first_seen.weekday()]

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "url": self.url, "source": self.source,
                "first_seen": self.first_seen.isoformat(), "topic": self.topic,
                "summary": self.summary, "relevance": self.relevance,
                "sources": list(self.sources), "updated": [d.isoformat() for d in self.updated],
                "latest_title": self.latest_title, "latest_url": self.latest_url}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> WeekStory:
        first = _day(d.get("first_seen"))
        if first is None:
            raise ValueError(f"weekly story {d.get('title')!r} has no first_seen date")
        return cls(title=str(d.get("title") or ""), url=str(d.get("url") or ""),
                   source=str(d.get("source") or ""), first_seen=first,
                   topic=str(d.get("topic") or "companies"), summary=str(d.get("summary") or ""),
                   relevance=_float(d.get("relevance")), sources=_strs(d.get("sources")),
                   updated=tuple(x for x in (_day(u) for u in d.get("updated") or ()) if x),
                   latest_title=d.get("latest_title"), latest_url=d.get("latest_url"))


@dataclass(frozen=True)
class WeeklyEdition:
    """The weekly recap (stored as the ``weekly`` edition of its last day).

    Attributes:
        date: the last day covered (the send day, a Friday by default); the store keys
            the edition by (``weekly``, date).
        year, week: the ISO week; start: its Monday.
        rows: the week's price table; index_chart: the index's weekly closes, or None.
        stories: the top stories of the week (at most 10); summary: two or three
            sentences made only of those figures and titles.
        subject, preheader: the email's own, from the recap.
        editions: the daily editions the recap read.
    """

    date: date
    year: int
    week: int
    start: _Day
    title: str = ""
    as_of: datetime | None = None
    generated_at: str | None = None
    subject: str = ""
    preheader: str = ""
    summary: str = ""
    rows: tuple[WeekPriceRow, ...] = ()
    index_chart: Chart | None = None
    stories: tuple[WeekStory, ...] = ()
    editions: tuple[_Day, ...] = ()
    editor_note: str | None = None

    kind = "weekly"

    @property
    def span(self) -> str:
        """'Mon 23 – Fri 27 Nov 2026'."""
        a, b = self.start, self.date
        head = f"{WEEKDAY_ABBR[a.weekday()]} {a.day}"
        if (a.month, a.year) != (b.month, b.year):
            head += f" {a:%b}" + (f" {a.year}" if a.year != b.year else "")
        return f"{head} \u2013 {WEEKDAY_ABBR[b.weekday()]} {b.day} {b:%b %Y}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "weekly", "date": self.date.isoformat(), "year": self.year,
            "week": self.week, "start": self.start.isoformat(), "title": self.title,
            "as_of": _iso(self.as_of), "generated_at": self.generated_at,
            "subject": self.subject, "preheader": self.preheader, "summary": self.summary,
            "rows": [r.to_json() for r in self.rows],
            "index_chart": self.index_chart.to_json() if self.index_chart else None,
            "stories": [s.to_json() for s in self.stories],
            "editions": [d.isoformat() for d in self.editions],
            "editor_note": self.editor_note,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> WeeklyEdition:
        """Read a stored weekly edition.

        Raises:
            ValueError: not a weekly edition document (no kind "weekly", a bad date).
        """
        if d.get("kind") != "weekly":
            raise ValueError("not a weekly edition document (kind is not 'weekly')")
        day, start = _day(d.get("date")), _day(d.get("start"))
        if day is None or start is None:
            raise ValueError("weekly edition has no date or start")
        chart = d.get("index_chart")
        note = d.get("editor_note")
        return cls(
            date=day, year=int(d.get("year") or day.isocalendar()[0]),
            week=int(d.get("week") or day.isocalendar()[1]), start=start,
            title=str(d.get("title") or ""), as_of=_aware(d.get("as_of")),
            generated_at=d.get("generated_at"), subject=str(d.get("subject") or ""),
            preheader=str(d.get("preheader") or ""), summary=str(d.get("summary") or ""),
            rows=tuple(WeekPriceRow.from_json(r) for r in d.get("rows") or ()),
            index_chart=Chart.from_json(chart) if chart else None,
            stories=tuple(WeekStory.from_json(s) for s in d.get("stories") or ()),
            editions=tuple(x for x in (_day(e) for e in d.get("editions") or ()) if x),
            editor_note=None if note is None else str(note))
