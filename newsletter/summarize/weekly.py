"""The weekly recap, built from a week of stored data (pure: no I/O).

Inputs are what the store returns: price observations (``Store.price_observations``, any
sources, date order) and the week's daily editions (``Store.edition(day)["edition"]``),
optionally with the stories' fingerprints (``Store.previous_stories``) so follow-ups are
recognised by content as well as by title. :func:`build_weekly` returns a
:class:`WeeklyRecap`: the week's price table (level at the start and end of the week,
week-on-week change, the week's range), the weekly index series for the chart, the top
stories (a story and its follow-ups are one entry, "updated Wed"), a short summary made
only of those figures and titles, the subject and the preheader.

The week is the ISO week (Monday to Sunday) holding ``day``. A row's *start* level is the
previous week's close (its last observation in the ``lookback_days`` before Monday), or the
week's first observation when there is none; its *end* is the last observation of the
week; the change is end against start, in percent of the start mid-point. The range is
the lowest low and highest high quoted during the week.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ..types import Chart, PriceItem, WeeklyEdition, WeekPriceRow, WeekStory
from . import fingerprints as fp_rules
from ._basis import basis_label, basis_of
from ._commodities import UNIT_ORDER, display_name, market_rank

MAX_STORIES = 10
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class WeeklyRow:
    """One commodity (in one unit and basis) over the week."""

    commodity: str
    name: str
    kind: str
    unit: str
    basis: str | None
    basis_label: str
    start: float  #: mid-point at the start of the week (the previous week's close)
    start_as_of: date
    end: float  #: mid-point at the end of the week
    end_as_of: date
    change: float  #: end - start
    change_pct: float | None  #: percent of ``start``; None when ``start`` is 0
    low: float  #: lowest low quoted during the week
    high: float  #: highest high quoted during the week
    days: int  #: dates with an observation during the week
    sources: tuple[str, ...]

    @property
    def direction(self) -> str:
        return "flat" if not self.change else "up" if self.change > 0 else "down"


@dataclass(frozen=True)
class WeeklyStory:
    """A story of the week with its follow-ups."""

    title: str  #: the first report's title
    url: str
    source: str
    topic: str
    summary: str
    relevance: float  #: the highest of the thread
    sources: tuple[str, ...]  #: every outlet that covered the thread during the week
    first_seen: date  #: the daily edition that first carried it
    updated: tuple[date, ...] = ()  #: later editions in which it moved on
    latest_title: str | None = None  #: the latest follow-up's title
    latest_url: str | None = None

    @property
    def updated_label(self) -> str | None:
        """'updated Wed' / 'updated Wed, Fri', or None."""
        if not self.updated:
            return None
        return "updated " + ", ".join(WEEKDAYS[d.weekday()] for d in self.updated)

    @property
    def score(self) -> float:
        return self.relevance * (1.0 + 0.1 * min(len(self.sources) - 1, 5))


@dataclass(frozen=True)
class WeeklyRecap:
    year: int  #: ISO year
    week: int  #: ISO week number
    start: date  #: Monday
    end: date  #: the last day of the week covered (``day``, at most Sunday)
    rows: tuple[WeeklyRow, ...]
    #: {"commodity", "name", "points": [[iso date, value], ...]}: weekly closes, or None
    index_chart: dict[str, Any] | None
    stories: tuple[WeeklyStory, ...]
    summary: str
    subject: str
    preheader: str
    editions: tuple[date, ...] = field(default=())


def iso_week(day: date) -> tuple[int, int, date, date]:
    """(ISO year, week, Monday, Sunday) of ``day``."""
    y, w, _ = day.isocalendar()
    monday = day - timedelta(days=day.weekday())
    return y, w, monday, monday + timedelta(days=6)


# --- prices ------------------------------------------------------------------------------
def _basis(o: PriceItem) -> str | None:
    return None if o.kind == "index" else (o.basis or basis_of("", o.unit))


def _names(obs: Iterable[PriceItem]) -> tuple[str, ...]:
    out: list[str] = []
    for o in obs:
        for n in (o.source or "").split("; "):
            if n and n not in out:
                out.append(n)
    return tuple(out)


def _daily(obs: Iterable[PriceItem]
           ) -> dict[tuple[str, str, str | None], dict[date, list[PriceItem]]]:
    """(commodity, unit, basis) -> date -> observations of that date, in stored order."""
    out: dict[tuple[str, str, str | None], dict[date, list[PriceItem]]] = {}
    for o in obs:
        if o.as_of is None:
            continue
        out.setdefault((o.commodity, o.unit, _basis(o)), {}).setdefault(o.as_of, []).append(o)
    return out


def week_rows(observations: Iterable[PriceItem], start: date, end: date, *,
              lookback_days: int = 10) -> list[WeeklyRow]:
    """One row per (commodity, unit, basis) observed between ``start`` and ``end``
    (inclusive), in market order. The level of a date is its first stored observation,
    as in the daily price table."""
    rows: list[WeeklyRow] = []
    for (cid, unit, basis), by_day in _daily(observations).items():
        inside = sorted(d for d in by_day if start <= d <= end)
        if not inside:
            continue
        before = sorted(d for d in by_day if start - timedelta(days=lookback_days) <= d < start)
        s_day = before[-1] if before else inside[0]
        s = by_day[s_day][0]
        e = by_day[inside[-1]][0]
        week_obs = [by_day[d][0] for d in inside]
        change = round(e.mid - s.mid, 6)
        rows.append(WeeklyRow(
            commodity=cid, name=display_name(cid), kind=e.kind, unit=unit, basis=basis,
            basis_label=basis_label(basis) if basis else "",
            start=s.mid, start_as_of=s_day, end=e.mid, end_as_of=inside[-1], change=change,
            change_pct=round(100 * change / s.mid, 4) if s.mid else None,
            low=min(o.low for o in week_obs), high=max(o.high for o in week_obs),
            days=len(inside), sources=_names(o for d in inside for o in by_day[d])))
    rows.sort(key=lambda r: (market_rank(r.commodity),
                             UNIT_ORDER.index(r.unit) if r.unit in UNIT_ORDER else 99))
    return rows


def weekly_index_series(observations: Iterable[PriceItem], end: date, *,
                        commodity: str = "creia_index",
                        weeks: int = 12) -> list[tuple[date, float]]:
    """The index's weekly closes (the last value of each ISO week) for the ``weeks``
    weeks up to the one holding ``end``; each point is dated by its observation."""
    closes: dict[tuple[int, int], tuple[date, float]] = {}
    for o in observations:
        if o.commodity != commodity or o.as_of is None or o.as_of > end:
            continue
        k = tuple(o.as_of.isocalendar())[:2]
        if k not in closes or o.as_of > closes[k][0]:
            closes[k] = (o.as_of, o.mid)  # type: ignore[index]
    return [closes[k] for k in sorted(closes)][-weeks:]


# --- stories -----------------------------------------------------------------------------
def _stories_of(edition: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [st for sec in edition.get("sections") or [] for st in sec.get("stories") or []]


def _outlets(st: Mapping[str, Any]) -> list[str]:
    out = [str(st.get("source") or "")]
    out += [str(a.get("source") or "") for a in st.get("also_reported_by") or []]
    return [o for o in out if o]


def _related(a: Mapping[str, Any], b: Mapping[str, Any], fps: Mapping[str, str]) -> bool:
    """True when ``b`` (a later edition's story) repeats or follows up ``a``."""
    if a.get("url") == b.get("url"):
        return True
    ta, tb = str(a.get("title") or ""), str(b.get("title") or "")
    fa, fb = fps.get(str(a.get("url"))), fps.get(str(b.get("url")))
    if fa and fb:
        try:
            sim, names = fp_rules.similarity(fb, fa), fp_rules.name_similarity(fb, fa)
        except (ValueError, TypeError, AttributeError):
            sim, names = 0.0, None
        if fp_rules.relation(sim, tb, ta, names) != "new":
            return True
    # the titles alone: two specific names in common and overlapping words
    return fp_rules.relation(0.0, tb, ta) != "new"


def top_stories(editions: Mapping[date, Mapping[str, Any]], *,
                fingerprints: Mapping[str, str] | None = None,
                n: int = MAX_STORIES) -> list[WeeklyStory]:
    """The week's top stories from its daily editions.

    A story of a later edition that repeats or follows up an earlier one (same URL, or
    :func:`cluster.relation` says "same"/"update", from the fingerprints when given, else
    from the titles) joins that story's entry; the later day is listed in ``updated``
    and its title becomes ``latest_title``. Entries are ranked by their best relevance
    times a bonus for each further outlet (up to five), then by first appearance.
    """
    fps = fingerprints or {}
    threads: list[list[tuple[date, Mapping[str, Any]]]] = []
    for day in sorted(editions):
        for st in _stories_of(editions[day]):
            home = next((t for t in threads if t[0][0] < day
                         and any(_related(m, st, fps) for _, m in t)), None)
            if home is None:
                home = next((t for t in threads if t[0][0] == day
                             and t[0][1].get("url") == st.get("url")), None)
            if home is None:
                threads.append([(day, st)])
            else:
                home.append((day, st))
    out: list[WeeklyStory] = []
    for t in threads:
        first_day, first = t[0]
        outlets: list[str] = []
        for _, m in t:
            for o in _outlets(m):
                if o not in outlets:
                    outlets.append(o)
        # a later day moved the story on when it carried another report (not a repeat)
        moved = tuple(sorted({d for d, m in t
                              if d != first_day and m.get("url") != first.get("url")}))
        last = next(m for d, m in reversed(t) if not moved or d == moved[-1])
        out.append(WeeklyStory(
            title=fp_rules.plain_title(str(first.get("title") or "")), url=str(first.get("url")),
            source=str(first.get("source") or ""), topic=str(first.get("topic") or ""),
            summary=str(first.get("summary") or ""),
            relevance=max(float(m.get("relevance") or 0) for _, m in t),
            sources=tuple(outlets), first_seen=first_day, updated=moved,
            latest_title=fp_rules.plain_title(str(last.get("title"))) if moved else None,
            latest_url=str(last.get("url")) if moved else None))
    order = {id(s): i for i, s in enumerate(out)}
    out.sort(key=lambda s: (-s.score, s.first_seen, order[id(s)]))
    return out[:n]


# --- words -------------------------------------------------------------------------------
def _fmt_level(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.1f}"


def _per_commodity(rows: Sequence[WeeklyRow]) -> list[WeeklyRow]:
    """One row per commodity (its most observed unit, table order) with a change."""
    best: dict[str, WeeklyRow] = {}
    for r in rows:
        if r.change_pct is None:
            continue
        if r.commodity not in best or r.days > best[r.commodity].days:
            best[r.commodity] = r
    return list(best.values())


def _pct(p: float) -> str:
    return f"{p:+.1f}%".replace("-", "\u2212")


def week_summary(rows: Sequence[WeeklyRow], stories: Sequence[WeeklyStory]) -> str:
    """Two or three sentences made only of the figures and titles given."""
    prices = [r for r in _per_commodity(rows) if r.kind != "index"]
    up = sorted((r for r in prices if r.change > 0), key=lambda r: -(r.change_pct or 0))
    down = sorted((r for r in prices if r.change < 0), key=lambda r: r.change_pct or 0)
    parts: list[str] = []
    if up:
        lead = up[0]
        s = (f"{lead.name} led the week, {_pct(lead.change_pct or 0)} to "
             f"{_fmt_level(lead.end)} {lead.unit}")
        if len(up) > 1:
            s += ", ahead of " + " and ".join(f"{r.name} ({_pct(r.change_pct or 0)})"
                                              for r in up[1:3])
        parts.append(s + ".")
    if down:
        s = f"{down[0].name} fell the most, {_pct(down[0].change_pct or 0)} to " \
            f"{_fmt_level(down[0].end)} {down[0].unit}"
        parts.append(s + (f"; {len(down) - 1} other price(s) also fell." if len(down) > 1
                          else "."))
    elif prices:
        flat = sum(1 for r in prices if not r.change)
        parts.append(f"None of the {len(prices)} prices tracked fell"
                     + (f" ({flat} unchanged)." if flat else "."))
    idx = [r for r in _per_commodity(rows) if r.kind == "index"]
    policy = next((s for s in stories if s.topic == "policy"), None)
    if policy is not None:
        when = WEEKDAYS[policy.first_seen.weekday()]
        s = f"The biggest policy story: {policy.title} ({policy.source}, {when}"
        s += f", {policy.updated_label})." if policy.updated else ")."
        parts.append(s)
    elif idx:
        r = idx[0]
        parts.append(f"The {r.name} ended the week at {_fmt_level(r.end)} "
                     f"{r.unit} ({_pct(r.change_pct or 0)}).")
    if not parts:
        return "No prices or stories were collected this week."
    return " ".join(parts[:3])


def weekly_subject(rows: Sequence[WeeklyRow], year: int, week: int, *,
                   title: str = "REE Weekly", limit: int = 90) -> str:
    """'REE Weekly: week 48, 2026 — Dy oxide +5.6%, Tb oxide +3.9%' (largest moves
    first, as many as fit in ``limit`` characters)."""
    head = f"{title}: week {week}, {year}"
    movers = sorted((r for r in _per_commodity(rows) if r.change),
                    key=lambda r: (-abs(r.change_pct or 0), market_rank(r.commodity)))
    subject = head
    for r in movers:
        part = f"{r.name} {_pct(r.change_pct or 0)}"
        nxt = subject + (" \u2014 " if subject == head else ", ") + part
        if len(nxt) > limit:
            break
        subject = nxt
    return subject


def weekly_preheader(rows: Sequence[WeeklyRow], stories: Sequence[WeeklyStory],
                     start: date, end: date, *, limit: int = 140) -> str:
    """'Mon 23 – Fri 27 Nov 2026: 15 prices, 8 stories. Top story: ...'"""
    span = (f"{WEEKDAYS[start.weekday()]} {start.day} \u2013 {WEEKDAYS[end.weekday()]} "
            f"{end.day} {end.strftime('%b %Y')}")
    text = f"{span}: {len(_per_commodity(rows))} prices, {len(stories)} stories."
    if stories:
        top = f" Top story: {stories[0].title}"
        text += top if len(text) + len(top) <= limit else ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def build_weekly(observations: Sequence[PriceItem],
                 editions: Mapping[date, Mapping[str, Any]], day: date, *,
                 fingerprints: Mapping[str, str] | None = None,
                 title: str = "REE Weekly", index: str = "creia_index",
                 chart_weeks: int = 12, max_stories: int = MAX_STORIES) -> WeeklyRecap:
    """The recap of the ISO week holding ``day``, covering Monday to ``day``.

    Args:
        observations: stored price observations from at least ``lookback`` days before
            Monday (for the start levels) and ``chart_weeks`` weeks back (for the chart).
        editions: daily edition dicts by date; those outside the week are ignored.
        fingerprints: story URL -> fingerprint (``Store.previous_stories``), optional.
    """
    year, week, monday, _sunday = iso_week(day)
    obs = [o for o in observations if o.as_of is None or o.as_of <= day]
    rows = week_rows(obs, monday, day)
    eds = {d: e for d, e in editions.items() if monday <= d <= day}
    stories = top_stories(eds, fingerprints=fingerprints, n=max_stories)
    series = weekly_index_series(obs, day, commodity=index, weeks=chart_weeks)
    chart = ({"commodity": index, "name": display_name(index),
              "points": [[d.isoformat(), v] for d, v in series]} if series else None)
    last = max((r.end_as_of for r in rows), default=day)
    return WeeklyRecap(
        year=year, week=week, start=monday, end=day, rows=tuple(rows), index_chart=chart,
        stories=tuple(stories), summary=week_summary(rows, stories),
        subject=weekly_subject(rows, year, week, title=title),
        preheader=weekly_preheader(rows, stories, monday, min(last, day) if rows else day),
        editions=tuple(sorted(eds)))


def weekly_edition(recap: WeeklyRecap, *, title: str = "REE Weekly",
                   as_of: datetime | None = None,
                   generated_at: str | None = None) -> WeeklyEdition:
    """The typed, storable :class:`~newsletter.types.WeeklyEdition` of a recap."""
    rows = tuple(WeekPriceRow(
        commodity=r.commodity, name=r.name, kind=r.kind, unit=r.unit, start=r.start,
        start_as_of=r.start_as_of, end=r.end, end_as_of=r.end_as_of, change=r.change,
        change_pct=r.change_pct, low=r.low, high=r.high, days=r.days, basis=r.basis,
        basis_label=r.basis_label, sources=r.sources) for r in recap.rows)
    stories = tuple(WeekStory(
        title=s.title, url=s.url, source=s.source, first_seen=s.first_seen, topic=s.topic,
        summary=s.summary, relevance=round(s.relevance, 4), sources=s.sources,
        updated=s.updated, latest_title=s.latest_title, latest_url=s.latest_url)
        for s in recap.stories)
    chart = Chart.from_json(recap.index_chart) if recap.index_chart else None
    return WeeklyEdition(
        date=recap.end, year=recap.year, week=recap.week, start=recap.start, title=title,
        as_of=as_of, generated_at=generated_at, subject=recap.subject,
        preheader=recap.preheader, summary=recap.summary, rows=rows, index_chart=chart,
        stories=stories, editions=recap.editions)


__all__ = ["MAX_STORIES", "WeeklyRecap", "WeeklyRow", "WeeklyStory",
           "build_weekly", "iso_week", "top_stories", "week_rows", "week_summary",
           "weekly_edition", "weekly_index_series", "weekly_preheader", "weekly_subject"]
