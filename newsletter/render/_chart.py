"""The price-index chart: a small PNG line chart drawn with Pillow, plus its alt text.

The chart is drawn at 4x and downsampled to 2x (``1120x320`` for a ``560x160`` slot) so the
line is anti-aliased and sharp on high-density screens; the email shows it at 560 px wide.
The output is quantized to a small palette: a typical chart is well under 20 KB.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from ..types import Chart

# Colours match the email's palette (templates/email/daily.html.j2).
_BG = (255, 255, 255)
_GRID = (229, 231, 235)
_AXIS_TEXT = (75, 85, 99)
_LINE = (15, 76, 117)
_FILL = (231, 240, 247)
_UP = (4, 120, 87)
_DOWN = (185, 28, 28)

SUPERSAMPLE = 2  # drawing scale on top of the output scale


@lru_cache(maxsize=8)
def _font(px: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A legible sans font: DejaVu Sans when installed, else Pillow's bundled font."""
    names = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf") if bold else (
        "DejaVuSans.ttf", "LiberationSans-Regular.ttf")
    for name in names:
        try:
            return ImageFont.truetype(name, px)
        except OSError:
            continue
    return ImageFont.load_default(size=px)


def _fmt_value(v: float) -> str:
    return f"{v:,.1f}"


def _fmt_date(iso: str, *, year: bool = False) -> str:
    d = date.fromisoformat(iso[:10])
    return f"{d.day} {d:%b %Y}" if year else f"{d.day} {d:%b}"


def _as_chart(chart: Chart | Mapping[str, Any] | None) -> Chart | None:
    if chart is None or isinstance(chart, Chart):
        return chart
    return Chart.from_json(chart)


def _points(chart: Chart | Mapping[str, Any] | None) -> list[tuple[str, float]]:
    c = _as_chart(chart)
    if c is None:
        return []
    return [(d.isoformat(), float(v)) for d, v in c.points][-30:]


def chart_alt(chart: Chart | Mapping[str, Any] | None) -> str:
    """Describe the chart's trend in one sentence (the image's alt text and text fallback)."""
    c = _as_chart(chart)
    pts = _points(c)
    if c is None or len(pts) < 2:
        return ""
    name = c.name or "Price index"
    first, last = pts[0], pts[-1]
    lo = min(pts, key=lambda p: p[1])
    hi = max(pts, key=lambda p: p[1])
    pct = (last[1] - first[1]) / first[1] * 100 if first[1] else 0.0
    trend = "up" if pct > 0.05 else "down" if pct < -0.05 else "flat"
    move = f"{trend} {abs(pct):.1f}%" if trend != "flat" else "little changed"
    return (f"{name}, last {len(pts)} observations from {_fmt_date(first[0])} to "
            f"{_fmt_date(last[0], year=True)}: {move}, from {_fmt_value(first[1])} to "
            f"{_fmt_value(last[1])}; low {_fmt_value(lo[1])} on {_fmt_date(lo[0])}, "
            f"high {_fmt_value(hi[1])} on {_fmt_date(hi[0])}.")


def render_chart_png(chart: Chart | Mapping[str, Any] | None, *, width: int = 560,
                     height: int = 160, scale: int = 2) -> bytes | None:
    """Draw the index chart as PNG bytes, or None when there are fewer than two points.

    Args:
        chart: the edition's ``index_chart`` (a ``Chart``, or its JSON
            ``{"name", "points": [[iso_date, value], ...]}``); the last 30 points are drawn.
        width, height: CSS pixels of the slot the image fills in the email.
        scale: device-pixel ratio of the output (2 = retina).

    Returns:
        PNG bytes of ``width*scale x height*scale`` pixels.
    """
    pts = _points(chart)
    if len(pts) < 2:
        return None
    k = scale * SUPERSAMPLE
    w, h = width * k, height * k
    img = Image.new("RGB", (w, h), _BG)
    draw = ImageDraw.Draw(img)
    small = _font(13 * k)
    bold = _font(14 * k, bold=True)

    values = [v for _, v in pts]
    lo, hi = min(values), max(values)
    span = hi - lo or max(abs(hi) * 0.01, 1.0)
    pad_v = span * 0.18
    vmin, vmax = lo - pad_v, hi + pad_v

    left, right = 8 * k, 76 * k          # right gutter holds the value labels
    top, bottom = 20 * k, 26 * k         # bottom gutter holds the dates
    pw, ph = w - left - right, h - top - bottom

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + pw * i / (len(pts) - 1)
        y = top + ph * (1 - (v - vmin) / (vmax - vmin))
        return x, y

    line = [xy(i, v) for i, v in enumerate(values)]
    last_y = min(max(line[-1][1], top + 8 * k), top + ph - 8 * k)

    # grid: three horizontal rules with their values in the right gutter (a value label
    # that would collide with the latest-value tag is left out)
    for frac in (0.0, 0.5, 1.0):
        gv = vmin + (vmax - vmin) * (1 - frac)
        gy = top + ph * frac
        draw.line([(left, gy), (left + pw, gy)], fill=_GRID, width=max(1, k // 2))
        if abs(gy - last_y) > 24 * k:
            draw.text((left + pw + 6 * k, gy), _fmt_value(gv), font=small, fill=_AXIS_TEXT,
                      anchor="lm")

    draw.polygon([(line[0][0], top + ph), *line, (line[-1][0], top + ph)], fill=_FILL)
    draw.line(line, fill=_LINE, width=int(2.25 * k), joint="curve")

    def dot(i: int, colour: tuple[int, int, int], r: float = 3.5) -> None:
        x, y = line[i]
        rr = r * k
        draw.ellipse([x - rr, y - rr, x + rr, y + rr], fill=colour, outline=_BG,
                     width=max(1, k // 2))

    # min and max labels, placed away from the line (below the low, above the high)
    i_lo, i_hi = values.index(lo), values.index(hi)
    for i, colour, above in ((i_lo, _DOWN, False), (i_hi, _UP, True)):
        if i == len(values) - 1:
            continue  # the last point gets its own label
        x, y = line[i]
        label = f"{'high' if above else 'low'} {_fmt_value(values[i])}"
        tw = draw.textlength(label, font=small)
        tx = min(max(x, left + tw / 2), left + pw - tw / 2)
        ty = y - 8 * k if above else y + 8 * k
        draw.text((tx, ty), label, font=small, fill=colour, anchor="md" if above else "ma")
        dot(i, colour)

    # the latest value, bold, in the right gutter
    ly = last_y
    dot(len(values) - 1, _LINE, 4.5)
    box = draw.textbbox((left + pw + 6 * k, ly), _fmt_value(values[-1]), font=bold, anchor="lm")
    draw.rectangle([box[0] - 3 * k, box[1] - 3 * k, box[2] + 3 * k, box[3] + 3 * k], fill=_LINE)
    draw.text((left + pw + 6 * k, ly), _fmt_value(values[-1]), font=bold, fill=_BG, anchor="lm")

    # dates: first, middle, last
    for i, anchor in ((0, "la"), (len(pts) // 2, "ma"), (len(pts) - 1, "ra")):
        x = line[i][0]
        draw.text((x, top + ph + 7 * k), _fmt_date(pts[i][0]), font=small, fill=_AXIS_TEXT,
                  anchor=anchor)

    out = img.resize((width * scale, height * scale), Image.Resampling.LANCZOS)
    out = out.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    out.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def chart_points_summary(chart: Chart | Mapping[str, Any] | None
                         ) -> Sequence[tuple[str, float]]:
    """The points actually drawn (last 30), for text fallbacks and tests."""
    return _points(chart)


# The alert's sparkline is transparent, so it sits on the card in light mode (#ffffff)
# and in dark mode (#111827, or a client's own dark background) without a box around it:
# each colour keeps at least 3:1 contrast (WCAG, graphics) against both.
_SPARK_LINE = (47, 128, 200)  # #2f80c8: 4.2:1 on white, 4.3:1 on #111827
_SPARK_FILL = (*_SPARK_LINE, 40)  # the same blue at 16 % under the line
_SPARK_UP = (22, 163, 74)  # #16a34a: 3.3:1 on white, 5.4:1 on #111827
_SPARK_DOWN = (224, 69, 58)  # #e0453a: 4.1:1 on white, 4.3:1 on #111827


def render_sparkline_png(series: Sequence[tuple[date, float]], *, up: bool,
                         width: int = 280, height: int = 56, scale: int = 2) -> bytes | None:
    """A price alert's 30-day sparkline: the line, a light fill, the last point as a dot
    in the direction's colour; no axes (the alert's text says the levels). None with
    fewer than two points.

    The background is transparent (a palette PNG with alpha) and the colours read on a
    light or a dark background, so a dark-mode mail client shows no white box.
    """
    values = [float(v) for _, v in series][-30:]
    if len(values) < 2:
        return None
    k = scale * SUPERSAMPLE
    w, h = width * k, height * k
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    lo, hi = min(values), max(values)
    span = hi - lo or max(abs(hi) * 0.01, 1.0)
    pad = 6 * k
    line = [(pad + (w - 2 * pad) * i / (len(values) - 1),
             pad + (h - 2 * pad) * (1 - (v - lo) / span)) for i, v in enumerate(values)]
    draw.polygon([(line[0][0], h - pad), *line, (line[-1][0], h - pad)], fill=_SPARK_FILL)
    draw.line(line, fill=_SPARK_LINE, width=int(2 * k), joint="curve")
    x, y = line[-1]
    r = 4 * k
    draw.ellipse([x - r, y - r, x + r, y + r], fill=_SPARK_UP if up else _SPARK_DOWN)
    # resize premultiplies the alpha, so the anti-aliased edges do not darken
    out = img.resize((width * scale, height * scale), Image.Resampling.LANCZOS)
    out = out.quantize(colors=32, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    out.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
