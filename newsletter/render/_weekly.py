"""Render the weekly recap (:class:`~newsletter.types.WeeklyEdition`): the email's HTML and
text parts for one list, and its public archive page.

The same machinery as the daily (:mod:`._render`): one Jinja render and one premailer
inline per edition and list, placeholder tokens for the per-subscriber parts, the index
chart as a CID PNG in the email and a ``data:`` URI on the web page. Its own subject and
preheader come from the recap (``summarize.weekly``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError
from markupsafe import Markup

from .. import _placeholders as ph
from ..config import Config
from ..exceptions import RenderError
from ..types import RenderedEdition, WeeklyEdition
from ._chart import chart_alt, chart_points_summary, render_chart_png
from ._inline import inline_css
from ._render import (
    _PAD,
    PREHEADER_MAX,
    PREHEADER_MIN,
    _clean,
    _domain,
    _num,
    _one_line,
    _shorten,
    environment,
)

HTML_TEMPLATE = "email/weekly.html.j2"
TEXT_TEMPLATE = "email/weekly.txt.j2"
WEB_TEMPLATE = "web/weekly.html.j2"


def weekly_view_url(config: Config, edition_date: str) -> str:
    """The public archive URL of a weekly recap (``PUBLIC/archive/weekly/YYYY-MM-DD``)."""
    return f"{config.newsletter.public_url}/archive/weekly/{edition_date}"


def _level(v: float) -> str:
    return _num(round(float(v), 2))


def _nowrap(text: str) -> Markup:
    return Markup('<span style="white-space:nowrap">{}</span>').format(text)


def _range_html(low: float, high: float) -> Markup:
    if float(low) == float(high):
        return _nowrap(_level(low))
    return Markup('<span style="white-space:nowrap">{}\u2013</span>'
                  '<span style="white-space:nowrap">{}</span>').format(_level(low), _level(high))


def _row_ctx(r: Any) -> dict[str, Any]:
    d = r.direction
    arrow = {"up": "\u25b2", "down": "\u25bc"}.get(d, "\u25c6")
    pct = r.change_pct
    sign = "+" if (pct or 0) > 0 else "\u2212" if (pct or 0) < 0 else "\u00b1"
    pct_text = f"{sign}{abs(pct):.1f}%" if pct is not None else ""
    change = "unch." if d == "flat" else f"{arrow} {_level(abs(r.change))}"
    plain = ("unchanged" if d == "flat" else
             f"{arrow} {'+' if d == 'up' else chr(0x2212)}{_level(abs(r.change))}"
             + (f" ({pct_text})" if pct_text else ""))
    return {"name": r.name, "kind": r.kind, "unit": r.unit, "basis_label": r.basis_label,
            "start": _level(r.start), "end": _level(r.end),
            "start_html": _nowrap(_level(r.start)), "end_html": _nowrap(_level(r.end)),
            "start_as_of": f"{r.start_as_of.day} {r.start_as_of:%b}",
            "end_as_of": f"{r.end_as_of.day} {r.end_as_of:%b}",
            "direction": d, "change": "\u25c6 unch." if d == "flat" else change,
            "change_pct": pct_text, "change_plain": plain,
            "range": (_level(r.low) if r.low == r.high
                      else f"{_level(r.low)}\u2013{_level(r.high)}"),
            "range_html": _range_html(r.low, r.high), "days": r.days,
            "sources": ", ".join(r.sources)}


def _preheader(ed: WeeklyEdition) -> str:
    out = _one_line(ed.preheader) or _one_line(ed.summary)
    if len(out) < PREHEADER_MIN:
        out = f"{out} {_one_line(ed.summary)}".strip()
    if len(out) > PREHEADER_MAX:
        out = _shorten(out, PREHEADER_MAX)
    return out if len(out) >= PREHEADER_MIN else out.ljust(PREHEADER_MIN, "\u00a0")


def _prepared(edition: WeeklyEdition | Mapping[str, Any]) -> WeeklyEdition:
    data = edition.to_json() if isinstance(edition, WeeklyEdition) else dict(edition)
    try:
        return WeeklyEdition.from_json(_clean(data))
    except (ValueError, TypeError, AttributeError) as exc:
        raise RenderError(f"weekly edition is malformed: {exc}",
                          hint="rebuild it with `newsletter build --list NAME`") from None


def _context(ed: WeeklyEdition, config: Config, list_name: str | None) -> dict[str, Any]:
    nl = config.newsletter
    ls = config.list_settings(list_name) if list_name else None
    title = ed.title or (ls.name if ls and ls.name else nl.title)
    url = weekly_view_url(config, ed.date.isoformat())
    stories = []
    for s in ed.stories:
        others = [o for o in s.sources if o != s.source]
        stories.append({"title": s.title, "url": s.url, "source": s.source,
                        "day": s.first_seen_label, "updated": s.updated_label,
                        "summary": s.summary, "others": others,
                        "latest_title": s.latest_title, "latest_url": s.latest_url})
    rows = [_row_ctx(r) for r in ed.rows]
    # a basis every price row shares is said once, above the table, not on each row
    labels = {r["basis_label"] for r in rows if r["kind"] != "index"}
    common = labels.pop() if len(labels) == 1 else ""
    for r in rows:
        r["basis_shown"] = "" if r["basis_label"] == common else r["basis_label"]
    return {
        "common_basis": common,
        "lang": "en",
        "title": title,
        "tagline": f"The rare-earth week: week {ed.week}, {ed.year}",
        "subject": _one_line(ed.subject) or f"{title}: week {ed.week}, {ed.year}",
        "preheader": _preheader(ed),
        "preheader_pad": _PAD,
        "date": ed.date.isoformat(),
        "date_long": f"Week {ed.week}, {ed.year} \u00b7 {ed.span}",
        "span": ed.span,
        "week": ed.week,
        "year": ed.year,
        "summary": ed.summary,
        "editor_note": _one_line(ed.editor_note or ""),
        "rows": rows,
        "stories": stories,
        "editions": len(ed.editions),
        "list_title": ls.name if ls and ls.name else title,
        "list_description": ls.description if ls else "",
        "view_url": url,
        "archive_url": f"{nl.public_url}/archive",
        "subscribe_url": f"{nl.public_url}/subscribe",
        "contact_url": nl.contact_url,
        "postal_address": nl.postal_address,
        "ph": dict(ph.TOKENS),
        "chart": None,
    }


def _chart_ctx(ed: WeeklyEdition, src: str) -> dict[str, Any] | None:
    pts = chart_points_summary(ed.index_chart)
    if ed.index_chart is None or len(pts) < 2:
        return None
    return {"name": ed.index_chart.name or "Price index", "count": len(pts),
            "alt": chart_alt(ed.index_chart), "src": src}


def render_weekly(edition: WeeklyEdition | Mapping[str, Any], *, config: Config,
                  list_name: str = "weekly") -> RenderedEdition:
    """Render a weekly recap for one list (one Jinja render, one CSS inline).

    Raises:
        RenderError: the edition is malformed or a template fails.
        ConfigError: ``list_name`` is not a configured list.
    """
    ed = _prepared(edition)
    ctx = _context(ed, config, list_name)
    png = render_chart_png(ed.index_chart)
    cid = f"weekly-chart.{ctx['date'].replace('-', '')}@{_domain(config, list_name)}"
    if png is not None:
        ctx["chart"] = _chart_ctx(ed, f"cid:{cid}")
    env = environment(config)
    try:
        raw_html = env.get_template(HTML_TEMPLATE).render(ctx)
        text = env.get_template(TEXT_TEMPLATE).render(ctx)
    except TemplateError as exc:
        raise RenderError(f"template error: {exc}",
                          hint=f"check the templates in {config.templates_dir}") from exc
    html = inline_css(raw_html)
    size = len(html.encode("utf-8"))
    warnings = []
    budget = config.editorial.size_budget_kb * 1024
    if size > budget:
        warnings.append(f"the weekly HTML is {size / 1024:.1f} KB, over the "
                        f"{config.editorial.size_budget_kb} KB budget")
    text = "\n".join(line.rstrip() for line in text.splitlines()).strip() + "\n"
    return RenderedEdition(
        date=ctx["date"], list_name=list_name, subject=ctx["subject"],
        preheader=ctx["preheader"], html=html, text=text, chart_png=png,
        chart_alt=ctx["chart"]["alt"] if ctx["chart"] else "",
        chart_cid=cid if png is not None else None, view_url=ctx["view_url"],
        size_bytes=size, warnings=warnings)


def render_web_weekly(edition: WeeklyEdition | Mapping[str, Any], *, config: Config,
                      list_name: str | None = None) -> str:
    """The recap as a public web page (archive), without personal links.

    Raises:
        RenderError: the edition is malformed or a template fails.
    """
    ed = _prepared(edition)
    ctx = _context(ed, config, list_name)
    png = render_chart_png(ed.index_chart)
    if png is not None:
        ctx["chart"] = _chart_ctx(
            ed, "data:image/png;base64," + base64.b64encode(png).decode("ascii"))
    try:
        return environment(config).get_template(WEB_TEMPLATE).render(ctx)
    except TemplateError as exc:
        raise RenderError(f"template error: {exc}",
                          hint=f"check the templates in {config.templates_dir}") from exc
