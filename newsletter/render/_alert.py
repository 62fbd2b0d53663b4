"""Render a price-move alert (``summarize.alerts.Alert``) into a short email.

The same shape as an edition (:class:`~newsletter.render.RenderedEdition`: HTML and text
with placeholder tokens, an inline PNG by Content-ID), so ``deliver.MessageFactory``, the
ledger and the transports handle it as they do an edition. The HTML stays well under
20 KB: one card, the move, the new and previous levels, basis and sources, a 30-day
sparkline and the footer with unsubscribe and preferences links.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jinja2 import TemplateError

from .. import _placeholders as ph
from ..config import Config
from ..exceptions import RenderError
from ..types import Alert, RenderedEdition
from ._chart import render_sparkline_png
from ._inline import inline_css
from ._render import _PAD, _domain, _num, _one_line, environment

HTML_TEMPLATE = "email/alert.html.j2"
TEXT_TEMPLATE = "email/alert.txt.j2"
_MINUS = "\u2212"


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


def _pct(v: float) -> str:
    return f"{'+' if v > 0 else _MINUS if v < 0 else ''}{abs(v):.1f}%"


def _level(a: Alert) -> str:
    if a.low != a.high:
        return f"{_num(a.low)}\u2013{_num(a.high)}"
    return _num(a.level)


def alert_subject(a: Alert, title: str) -> str:
    """'REE Daily alert: Dy oxide +3.0% to 1,690,000 CNY/t'"""
    return _one_line(f"{title} alert: {a.name} {_pct(a.change_pct)} to {_num(a.level)} "
                     f"{a.unit}")


def alert_context(a: Alert, config: Config, list_name: str) -> dict[str, Any]:
    """What the alert templates read (also the preview's and tests' view of an alert)."""
    nl = config.newsletter
    ls = config.list_settings(list_name)
    title = nl.title
    arrow = "\u25b2" if a.direction == "up" else "\u25bc"
    verb = "rose" if a.direction == "up" else "fell"
    sources = ph.neutralize(", ".join(a.sources) or "the collected price reports")
    mid_note = f" (mid-point {_num(a.level)})" if a.low != a.high else ""
    sentence = (f"{a.name} {verb} {abs(a.change_pct):.1f}% day on day to {_level(a)} "
                f"{a.unit}{mid_note}, from {_num(a.previous_level)} on "
                f"{_day(a.previous_as_of)}; the alert threshold is {a.threshold_pct:g}%.")
    preheader = (f"{arrow} {_pct(a.change_pct)}: {_num(a.previous_level)} on "
                 f"{_day(a.previous_as_of)} \u2192 {_num(a.level)} {a.unit} on "
                 f"{_day(a.as_of)}. Source: {sources}.")
    return {
        "lang": "en",
        "title": title,
        "subject": alert_subject(a, title),
        "preheader": preheader[:130].ljust(40, "\u00a0"),
        "preheader_pad": _PAD,
        "alert": a,
        "arrow": arrow,
        "direction": a.direction,
        "pct": _pct(a.change_pct),
        "change": f"{'+' if a.change > 0 else _MINUS}{_num(abs(a.change))}",
        "level": _level(a),
        "previous_level": _num(a.previous_level),
        "previous_day": _day(a.previous_as_of),
        "day": _day(a.as_of),
        "day_long": f"{a.as_of:%A} {a.as_of.day} {a.as_of:%B %Y}",
        "basis": a.basis_label or ("index points" if a.kind == "index" else ""),
        "sources": sources,
        "sentence": sentence,
        "archive_url": f"{nl.public_url}/archive",
        "contact_url": nl.contact_url,
        "postal_address": nl.postal_address,
        "list_title": ls.name or list_name,
        "list_description": ls.description,
        "ph": dict(ph.TOKENS),
        "spark": None,
    }


def render_alert(alert: Alert, *, config: Config, list_name: str) -> RenderedEdition:
    """Render one alert for an alerts list (one Jinja render and one CSS inline).

    The result's ``date`` is the alert's day; its ``chart_png`` the sparkline.

    Raises:
        RenderError: a template fails. ConfigError: ``list_name`` is not configured.
    """
    ctx = alert_context(alert, config, list_name)
    png = render_sparkline_png(alert.series, up=alert.direction == "up")
    cid = (f"spark.{alert.commodity.replace('_', '-')}.{alert.as_of:%Y%m%d}"
           f"@{_domain(config, list_name)}")
    if png is not None:
        first, last = alert.series[0], alert.series[-1]
        ctx["spark"] = {
            "src": f"cid:{cid}",
            "alt": (f"{alert.name}, {len(alert.series)} days from {_day(first[0])} to "
                    f"{_day(last[0])}: {_num(first[1])} to {_num(last[1])} {alert.unit}, "
                    f"low {_num(min(v for _, v in alert.series))}, high "
                    f"{_num(max(v for _, v in alert.series))}."),
            "from": _day(first[0]), "to": _day(last[0])}
    env = environment(config)
    try:
        html = inline_css(env.get_template(HTML_TEMPLATE).render(ctx))
        text = env.get_template(TEXT_TEMPLATE).render(ctx)
    except TemplateError as exc:
        raise RenderError(f"template error: {exc}",
                          hint=f"check the templates in {config.templates_dir}") from exc
    text = "\n".join(line.rstrip() for line in text.splitlines()).strip() + "\n"
    return RenderedEdition(
        date=alert.as_of.isoformat(), list_name=list_name, subject=ctx["subject"],
        preheader=ctx["preheader"], html=html, text=text, chart_png=png,
        chart_alt=ctx["spark"]["alt"] if ctx["spark"] else "",
        chart_cid=cid if png is not None else None, view_url=ctx["archive_url"],
        size_bytes=len(html.encode("utf-8")))
