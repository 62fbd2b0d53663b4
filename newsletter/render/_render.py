"""Render an edition (``newsletter.types.Edition``, stored as ``edition.json``) into the
email's HTML and text parts, once per list.

One Jinja render and one premailer run per edition and list; everything personal is a
placeholder token (:mod:`newsletter._placeholders`) filled in per subscriber by
``deliver.MessageFactory``. Templates come from the project's ``templates/`` folder, falling
back file by file to the ones packaged with REE Daily (:func:`newsletter.resources.
template_loader`, a Jinja ``ChoiceLoader``, as Pelican layers theme overrides).
"""

from __future__ import annotations

import base64
import copy
import textwrap
from collections.abc import Mapping
from datetime import date, datetime
from email.utils import parseaddr
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    Environment,
    TemplateError,
    Undefined,
    select_autoescape,
)
from markupsafe import Markup

from .. import _placeholders as ph
from ..config import Config
from ..exceptions import RenderError
from ..resources import template_loader
from ..types import Chart, Edition, RenderedEdition
from ._chart import chart_alt, chart_points_summary, render_chart_png
from ._inline import inline_css

HTML_TEMPLATE = "email/daily.html.j2"
TEXT_TEMPLATE = "email/daily.txt.j2"
WEB_TEMPLATE = "web/edition.html.j2"

PREHEADER_MIN, PREHEADER_MAX = 40, 130
_PAD = Markup("&#847;&zwnj;&nbsp;" * 40)


# --- template environment ----------------------------------------------------------------

@lru_cache(maxsize=16)
def _environment(templates_dir: str) -> Environment:
    env = Environment(
        loader=template_loader(templates_dir),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2", "xml"),
                                     default_for_string=True, default=False),
        undefined=Undefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters.update(
        price_level=price_level, price_level_html=price_level_html, usd_level=usd_level,
        usd_level_html=usd_level_html,
        change_class=change_class, change_text=change_text,
        change_pct_text=change_pct_text, change_text_plain=change_text_plain,
        short_date=short_date, short_datetime=short_datetime, wrap=wrap,
    )
    return env


def environment(config: Config) -> Environment:
    """The Jinja environment for a project (its templates first, then the packaged ones)."""
    return _environment(str(config.templates_dir))


# --- filters ---------------------------------------------------------------------------

_MINUS = "\u2212"


def _get(p: Any, name: str) -> Any:
    """A field of a price row (a ``PriceRow``, a ``SourcePrice`` or a plain dict)."""
    if isinstance(p, Mapping):
        return p.get(name)
    return getattr(p, name, None)


def _num(v: float) -> str:
    v = float(v)
    if v.is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def price_level(p: Any) -> str:
    """``"399,000–401,000"`` for a range, ``"306.4"`` for a single value."""
    low, high = _get(p, "low"), _get(p, "high")
    if low is None and high is None:
        return "n/a"
    if low is None or high is None or float(low) == float(high):
        return _num(low if low is not None else high)
    return f"{_num(low)}\u2013{_num(high)}"


def usd_level(p: Any) -> str:
    """The USD/kg equivalent of a yuan row, ``"49.57–49.82"`` (two decimals)."""
    low, high = _get(p, "usd_low"), _get(p, "usd_high")
    if low is None or high is None:
        return ""
    if float(low) == float(high):
        return f"{float(low):,.2f}"
    return f"{float(low):,.2f}\u2013{float(high):,.2f}"


def usd_level_html(p: Any) -> Markup:
    """The USD/kg level for the HTML table, breakable only after its dash."""
    low, dash, high = usd_level(p).partition("\u2013")
    if not dash:
        return Markup('<span style="white-space:nowrap">{}</span>').format(low)
    return Markup('<span style="white-space:nowrap">{}\u2013</span>'
                  '<span style="white-space:nowrap">{}</span>').format(low, high)


def price_level_html(p: Any) -> Markup:
    """The level for the HTML table: a range may break after its dash (and nowhere else),
    so "1,635,000–1,645,000" fits a 375 px screen instead of widening the layout."""
    text = price_level(p)
    low, dash, high = text.partition("\u2013")
    if not dash:
        return Markup('<span style="white-space:nowrap">{}</span>').format(text)
    return Markup('<span style="white-space:nowrap">{}\u2013</span>'
                  '<span style="white-space:nowrap">{}</span>').format(low, high)


def _direction(p: Any) -> str | None:
    if _get(p, "change") is None and _get(p, "change_pct") is None:
        return None              # no previous observation: no direction to show
    d = _get(p, "direction")
    if d in ("up", "down", "flat"):
        return str(d)
    c = _get(p, "change")
    if c is None:
        c = _get(p, "change_pct")
    if c is None:
        return None
    return "up" if c > 0 else "down" if c < 0 else "flat"


def change_class(p: Any) -> str:
    """CSS class of the change cell: ``up``, ``down`` or ``flat``."""
    return _direction(p) or "flat"


def change_text(p: Any) -> str:
    """Arrow plus absolute change, e.g. ``"▲ 135"``; the arrow and sign carry the
    direction so it is never told by colour alone."""
    d = _direction(p)
    c = _get(p, "change")
    if d is None:
        return "n/a"
    if d == "flat":
        return "\u25c6 unch."
    arrow = "\u25b2" if d == "up" else "\u25bc"
    if c is None:
        return arrow
    return f"{arrow} {_num(abs(float(c)))}"


def change_pct_text(p: Any) -> str:
    """Signed percentage with a real minus sign: ``"+1.9%"``, ``"−0.5%"``."""
    v = _get(p, "change_pct")
    if v is None:
        return ""
    v = float(v)
    sign = "+" if v > 0 else _MINUS if v < 0 else "\u00b1"
    return f"{sign}{abs(v):.1f}%"


def change_text_plain(p: Any) -> str:
    """The change for the text part: ``"▲ +135 (+1.9%)"`` or ``"no change reported"``."""
    d = _direction(p)
    if d is None:
        return "no change reported"
    if d == "flat":
        return "unchanged"
    arrow = "\u25b2" if d == "up" else "\u25bc"
    c = _get(p, "change")
    sign = "+" if d == "up" else _MINUS
    parts = [arrow]
    if c is not None:
        parts.append(f"{sign}{_num(abs(float(c)))}")
    pct = change_pct_text(p)
    if pct:
        parts.append(f"({pct})")
    return " ".join(parts)


def short_date(value: Any) -> str:
    """``"24 Nov"`` from an ISO date or datetime; "" for None."""
    if not value:
        return ""
    try:
        d = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{d.day} {d:%b}"


def _parse_dt(value: Any) -> datetime | None:
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=ZoneInfo("UTC"))


def short_datetime(value: Any, tz: str = "UTC") -> str:
    """``"23 Nov, 17:40 UTC"`` in the newsletter's time zone."""
    dt = _parse_dt(value)
    if dt is None:
        return short_date(value)
    dt = dt.astimezone(ZoneInfo(tz))
    return f"{dt.day} {dt:%b}, {dt:%H:%M} {dt.tzname()}"


def wrap(text: Any, width: int = 72, indent: str = "", first: str | None = None) -> str:
    """Wrap plain text for the text part, never breaking words or URLs."""
    return textwrap.fill(" ".join(str(text).split()), width=width,
                         initial_indent=indent if first is None else first,
                         subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False)


# --- context ---------------------------------------------------------------------------

def _clean(value: Any) -> Any:
    """Deep copy of the edition with every string made token-safe."""
    if isinstance(value, str):
        return ph.neutralize(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return copy.copy(value)


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def _shorten(text: str, limit: int) -> str:
    text = _one_line(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-\u2013\u2014")
    return cut + "\u2026"


def subject_short(text: str, limit: int = 70) -> str:
    """A headline-length version of a highlight: its first clause when that reads on its
    own, else the text shortened at a word boundary."""
    text = _one_line(text).rstrip(".")
    for sep in (", ", "; ", " \u2014 ", " - ", ": "):
        head = text.split(sep, 1)[0]
        if 25 <= len(head) <= limit and head != text:
            return head
    return _shorten(text, limit)


def make_preheader(edition: Edition, tagline: str) -> str:
    """40-130 characters of inbox preview, drawn from the top highlight."""
    texts = [_one_line(h.text) for h in edition.highlights]
    texts = [t for t in texts if t]
    out = texts[0] if texts else ""
    for extra in [*texts[1:], _one_line(tagline), "Rare-earth prices, news and policy today."]:
        if len(out) >= PREHEADER_MIN:
            break
        out = f"{out} {extra}".strip() if out else extra
    if len(out) > PREHEADER_MAX:
        out = _shorten(out, PREHEADER_MAX)
    return out if len(out) >= PREHEADER_MIN else out.ljust(PREHEADER_MIN, "\u00a0")


def _domain(config: Config, list_name: str) -> str:
    ls = config.list_settings(list_name)
    addr = parseaddr(ls.from_address or config.newsletter.from_address)[1]
    if "@" in addr:
        return addr.rsplit("@", 1)[1].lower()
    return config.public_host


def view_url(config: Config, edition_date: str) -> str:
    """The public archive URL of an edition (``PUBLIC/archive/YYYY-MM-DD``)."""
    return f"{config.newsletter.public_url}/archive/{edition_date}"


def _check_links(ed: dict[str, Any], fallback: str, warnings: list[str]) -> None:
    def fix(obj: dict[str, Any], what: str) -> None:
        url = obj.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            warnings.append(f"{what}: link {url!r} is not an absolute http(s) URL; "
                            "pointing it at the web edition")
            obj["url"] = fallback
    for i, h in enumerate(ed.get("highlights") or []):
        fix(h, f"highlight {i + 1}")
    for sec in ed.get("sections") or []:
        for s in sec.get("stories") or []:
            fix(s, f"story {s.get('id')!r}")
            for a in s.get("also_reported_by") or []:
                fix(a, f"story {s.get('id')!r} also-reported-by")


def _prepared(edition: Edition | Mapping[str, Any], config: Config,
              warnings: list[str]) -> Edition:
    """The edition made safe to render: every string token-safe, every link absolute."""
    data = edition.to_json() if isinstance(edition, Edition) else dict(edition)
    for key in ("date", "sections"):
        if key not in data:
            raise RenderError(f"edition has no {key!r}: not an edition.json document")
    data = _clean(data)
    try:
        day = date.fromisoformat(str(data["date"])[:10])
    except ValueError:
        raise RenderError(f"edition date {data['date']!r} is not YYYY-MM-DD") from None
    _check_links(data, view_url(config, day.isoformat()), warnings)
    try:
        return Edition.from_json(data)
    except (ValueError, TypeError, AttributeError) as exc:
        raise RenderError(f"edition.json is malformed: {exc}",
                          hint="rebuild it with `newsletter build`") from None


def _context(ed: Edition, config: Config, list_name: str | None) -> dict[str, Any]:
    nl = config.newsletter
    d = ed.date
    url = view_url(config, d.isoformat())
    tz = nl.timezone
    as_of = ed.as_of
    if as_of is not None:
        if as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=ZoneInfo("UTC"))
        a = as_of.astimezone(ZoneInfo(tz))
        as_of_text = f"{a:%H:%M} {a.tzname()} on {a:%A} {a.day} {a:%B %Y}"
    else:
        as_of_text = f"{d:%A} {d.day} {d:%B %Y}"
    title = ed.title or nl.title
    top = ed.highlights[0].text if ed.highlights else None
    short = subject_short(top) if top else nl.tagline
    subject = _one_line(f"{title} \u2014 {d.day} {d:%b %Y}: {short}")
    ls = config.list_settings(list_name) if list_name else None
    return {
        "lang": "en",
        "title": title,
        "tagline": nl.tagline,
        "subject": subject,
        "preheader": make_preheader(ed, nl.tagline),
        "preheader_pad": _PAD,
        "date": d.isoformat(),
        "date_long": f"{d:%A} {d.day} {d:%B %Y}",
        "as_of_text": as_of_text,
        "tz": tz,
        "editor_note": _one_line(ed.editor_note or ""),
        "highlights": ed.highlights,
        "prices": ed.prices,
        "fx": ed.fx,
        "sections": ed.sections,
        "stats": ed.stats,
        "stale_days": config.editorial.stale_price_days,
        "list_title": (ls.name if ls and ls.name else title),
        "list_description": ls.description if ls else "",
        "view_url": url,
        "archive_url": f"{nl.public_url}/archive",
        "subscribe_url": f"{nl.public_url}/subscribe",
        "contact_url": nl.contact_url,
        "postal_address": nl.postal_address,
        "ph": dict(ph.TOKENS),
        "chart": None,
    }


def _chart_ctx(chart: Chart | None, src: str) -> dict[str, Any] | None:
    pts = chart_points_summary(chart)
    if chart is None or len(pts) < 2:
        return None
    return {"name": chart.name or "Price index", "count": len(pts),
            "alt": chart_alt(chart), "src": src}


# --- public entry points ----------------------------------------------------------------

def render_edition(edition: Edition | Mapping[str, Any], *, config: Config,
                   list_name: str = "daily") -> RenderedEdition:
    """Render an edition for one list: one Jinja render and one CSS inline.

    Args:
        edition: the edition (an ``Edition`` or its ``edition.json`` document, see
            docs/internals.md).
        config: the project configuration (templates, newsletter and list settings).
        list_name: the list to render for (its name, description, from-domain).

    Returns:
        A :class:`RenderedEdition` whose ``html`` and ``text`` carry placeholder tokens.

    Raises:
        RenderError: the edition is malformed or a template fails.
        ConfigError: ``list_name`` is not a configured list.
    """
    warnings: list[str] = []
    ed = _prepared(edition, config, warnings)
    ctx = _context(ed, config, list_name)
    png = render_chart_png(ed.index_chart)
    cid = f"index-chart.{ctx['date'].replace('-', '')}@{_domain(config, list_name)}"
    if png is not None:
        ctx["chart"] = _chart_ctx(ed.index_chart, f"cid:{cid}")
    env = environment(config)
    try:
        raw_html = env.get_template(HTML_TEMPLATE).render(ctx)
        text = env.get_template(TEXT_TEMPLATE).render(ctx)
    except TemplateError as exc:
        raise RenderError(f"template error: {exc}",
                          hint=f"check the templates in {config.templates_dir}") from exc
    html = inline_css(raw_html)
    size = len(html.encode("utf-8"))
    budget = config.editorial.size_budget_kb * 1024
    if size > budget:
        warnings.append(f"the HTML is {size / 1024:.1f} KB, over the "
                        f"{config.editorial.size_budget_kb} KB budget (Gmail clips "
                        "messages above 102 KB); drop stories or shorten summaries")
    text = "\n".join(line.rstrip() for line in text.splitlines()).strip() + "\n"
    return RenderedEdition(
        date=ctx["date"], list_name=list_name, subject=ctx["subject"],
        preheader=ctx["preheader"], html=html, text=text, chart_png=png,
        chart_alt=ctx["chart"]["alt"] if ctx["chart"] else "",
        chart_cid=cid if png is not None else None, view_url=ctx["view_url"],
        size_bytes=size, warnings=warnings)


def render_web_edition(edition: Edition | Mapping[str, Any], *, config: Config) -> str:
    """The edition as a public web page (archive / "view in browser"), without personal
    links; the chart is embedded as a ``data:`` URI so the page stands alone.

    Raises:
        RenderError: the edition is malformed or a template fails.
    """
    warnings: list[str] = []
    ed = _prepared(edition, config, warnings)
    ctx = _context(ed, config, None)
    png = render_chart_png(ed.index_chart)
    if png is not None:
        ctx["chart"] = _chart_ctx(
            ed.index_chart, "data:image/png;base64," + base64.b64encode(png).decode("ascii"))
    try:
        return environment(config).get_template(WEB_TEMPLATE).render(ctx)
    except TemplateError as exc:
        raise RenderError(f"template error: {exc}",
                          hint=f"check the templates in {config.templates_dir}") from exc
