"""Render: templates, inlining, placeholders, subject/preheader, chart and size budget."""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from newsletter._placeholders import greeting, substitute, unresolved
from newsletter.config import Config, EditorialSettings
from newsletter.exceptions import RenderError
from newsletter.render import (
    RenderedEdition,
    chart_alt,
    render_chart_png,
    render_edition,
    render_web_edition,
)
from newsletter.render._render import (
    change_pct_text,
    change_text,
    make_preheader,
    price_level,
    subject_short,
)
from newsletter.resources import packaged_templates
from newsletter.types import Edition, Highlight

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def edition() -> dict:
    return json.loads((DATA / "edition.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def config() -> Config:
    return Config(root=REPO)


@pytest.fixture(scope="module")
def rendered(edition: dict, config: Config) -> RenderedEdition:
    return render_edition(edition, config=config, list_name="daily")


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    p = _Collect()
    p.feed(html)
    return p.tags


def test_subject_and_preheader(rendered: RenderedEdition) -> None:
    assert rendered.subject == ("REE Daily \u2014 24 Nov 2026: China's rare-earth price index "
                                "climbed to 306.4")
    assert 40 <= len(rendered.preheader) <= 130
    assert rendered.preheader.startswith("China's rare-earth price index climbed")
    assert rendered.preheader in rendered.html


def test_preheader_bounds() -> None:
    short = _with_highlights("Prices up.")
    assert 40 <= len(make_preheader(short, "The rare-earth market in two minutes")) <= 130
    long = _with_highlights("word " * 80)
    p = make_preheader(long, "x")
    assert 40 <= len(p) <= 130 and p.endswith("\u2026")
    assert 40 <= len(make_preheader(_with_highlights(), "")) <= 130


def _with_highlights(*texts: str) -> Edition:
    return Edition(date=date(2026, 11, 24), highlights=tuple(Highlight(t) for t in texts))


def test_subject_short() -> None:
    assert subject_short("Lynas posts record output, beating guidance by 12%.") == \
        "Lynas posts record output"
    s = subject_short("a" * 30 + " " + "b" * 60)
    assert len(s) <= 70


def test_structure(rendered: RenderedEdition) -> None:
    html = rendered.html
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en"' in html
    assert 'name="color-scheme" content="light dark"' in html
    assert 'name="supported-color-schemes"' in html
    assert "max-width: 600px" in html or "max-width:600px" in html
    assert '<!--[if mso]>' in html
    tables = [a for t, a in _tags(html) if t == "table"]
    layout = [a for a in tables if "prices" not in (a.get("class") or "")]
    assert layout and all(a.get("role") == "presentation" for a in layout)
    for name in ("Top highlights", "Prices", "Markets and prices", "Policy and trade",
                 "Companies and projects", "Technology and recycling"):
        assert f">{name}</h2>" in html
    assert html.index("Editor\u2019s note") < html.index("Top highlights") \
        < html.index(">Prices</h2>") < html.index("Markets and prices")
    assert "Update</span>" in html           # is_update badge
    assert "Also reported by" in html
    assert "stale" in html                   # stale price marked
    assert "as of 06:00 UTC on Tuesday 24 November 2026" in html
    # footer: list, why, unsubscribe, view in browser, postal address
    assert "You receive this email because you subscribed to it." in html
    assert ">Unsubscribe</a>" in html and ">View in browser</a>" in html
    assert "1 Example Street" in html


def test_css_inlined_and_media_queries_survive(rendered: RenderedEdition) -> None:
    html = rendered.html
    assert "@media (prefers-color-scheme: dark)" in html
    assert "@media screen and (max-width: 480px)" in html
    assert "!important" in html.split("prefers-color-scheme: dark", 1)[1]
    # the main block was inlined: component rules are gone from <head>, styles are inline
    assert ".hl-text {" not in html
    assert re.search(r'class="hl-text"[^>]*style="[^"]*font-size', html) or \
        re.search(r'style="[^"]*font-size[^"]*"[^>]*class="hl-text', html)
    assert 'data-premailer' not in html


def test_links_absolute_with_sources(rendered: RenderedEdition, edition: dict) -> None:
    hrefs = [a["href"] for t, a in _tags(rendered.html) if t == "a"]
    assert hrefs
    for h in hrefs:
        assert h.startswith(("https://", "http://", "%%UNSUB_URL%%", "%%PREFS_URL%%")), h
    for sec in edition["sections"]:
        for s in sec["stories"]:
            assert s["url"] in hrefs
            assert f"Read at {s['source']}" in rendered.html


def test_images_have_alt_and_cid(rendered: RenderedEdition) -> None:
    imgs = [a for t, a in _tags(rendered.html) if t == "img"]
    assert len(imgs) == 1
    assert imgs[0]["alt"] and "CREIA" in imgs[0]["alt"]
    assert imgs[0]["src"] == f"cid:{rendered.chart_cid}"
    assert rendered.chart_alt in " ".join(rendered.text.split())   # text fallback


def test_placeholders(rendered: RenderedEdition) -> None:
    assert set(unresolved(rendered.html)) == {"GREETING", "UNSUB_URL", "PREFS_URL"}
    assert set(unresolved(rendered.text)) == {"GREETING", "UNSUB_URL", "PREFS_URL"}
    vals = {"GREETING": greeting("O'Brien & Co <script>"), "UNSUB_URL": "https://x.example/u/1",
            "PREFS_URL": "https://x.example/p/1"}
    html = substitute(rendered.html, vals, html_escape=True)
    assert "Good morning, O&#x27;Brien &amp; Co &lt;script&gt;" in html
    assert "<script>" not in html
    text = substitute(rendered.text, vals, html_escape=False)
    assert "Good morning, O'Brien & Co <script>" in text
    assert not unresolved(html) and not unresolved(text)


def test_footer_links_unsubscribe_and_preferences(rendered: RenderedEdition) -> None:
    """Both personal links sit side by side in the footer of both parts, as placeholders
    (one each: the factory substitutes them per subscriber)."""
    links = {a.get("href"): a for t, a in _tags(rendered.html) if t == "a"}
    assert "%%UNSUB_URL%%" in links and "%%PREFS_URL%%" in links
    footer = rendered.html[rendered.html.index('href="%%UNSUB_URL%%"'):]
    assert re.search(r'href="%%PREFS_URL%%"[^>]*>Manage preferences</a>', footer[:800])
    assert rendered.html.count("%%PREFS_URL%%") == 1
    lines = rendered.text.splitlines()
    i = lines.index("Unsubscribe: %%UNSUB_URL%%")
    assert lines[i + 1] == "Manage preferences: %%PREFS_URL%%"
    assert rendered.text.count("%%PREFS_URL%%") == 1


def test_greeting() -> None:
    assert greeting("") == "Good morning"
    assert greeting("  Ana  Lima ") == "Good morning, Ana Lima"


def test_data_cannot_inject_tokens(edition: dict, config: Config) -> None:
    ed = copy.deepcopy(edition)
    ed["sections"][0]["stories"][0]["title"] = "Evil %%UNSUB_URL%% title"
    ed["sections"][0]["stories"][0]["summary"] = "Evil %%PREFS_URL%% summary"
    r = render_edition(ed, config=config, list_name="daily")
    assert unresolved(r.html).count("UNSUB_URL") == 1
    assert unresolved(r.html).count("PREFS_URL") == 1
    assert unresolved(r.text).count("PREFS_URL") == 1


def test_escaping_of_edition_text(edition: dict, config: Config) -> None:
    ed = copy.deepcopy(edition)
    ed["sections"][0]["stories"][0]["summary"] = "<script>alert(1)</script> & more"
    r = render_edition(ed, config=config, list_name="daily")
    assert "<script>alert(1)</script>" not in r.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in r.html
    assert "<script>alert(1)</script> & more" in r.text


def test_non_http_links_replaced(edition: dict, config: Config) -> None:
    ed = copy.deepcopy(edition)
    ed["sections"][1]["stories"][0]["url"] = "javascript:alert(1)"
    r = render_edition(ed, config=config, list_name="daily")
    assert "javascript:" not in r.html
    assert any("not an absolute http(s) URL" in w for w in r.warnings)


def test_size_budget(rendered: RenderedEdition, edition: dict, config: Config) -> None:
    assert rendered.size_bytes == len(rendered.html.encode())
    assert rendered.size_bytes < 102 * 1024
    assert not rendered.warnings
    tight = config.model_copy(update={"editorial": EditorialSettings(size_budget_kb=10)})
    r = render_edition(edition, config=tight, list_name="daily")
    assert any("over the 10 KB budget" in w for w in r.warnings)


def test_text_part(rendered: RenderedEdition) -> None:
    t = rendered.text
    assert "TOP HIGHLIGHTS" in t and "PRICES" in t and "MARKETS AND PRICES" in t
    assert "Pr-Nd oxide: 399,000\u2013401,000 CNY/t, \u25bc \u22122,000 (\u22120.5%)" in t
    assert "[STALE]" in t and "[UPDATE]" in t
    assert "Unsubscribe: %%UNSUB_URL%%" in t
    assert all(len(line) <= 998 for line in t.splitlines())


def test_price_formatting() -> None:
    p = {"low": 399000, "high": 401000, "change": -2000, "change_pct": -0.5,
         "direction": "down"}
    assert price_level(p) == "399,000\u2013401,000"
    assert change_text(p) == "\u25bc 2,000"
    assert change_pct_text(p) == "\u22120.5%"
    assert price_level({"low": 306.4, "high": 306.4}) == "306.4"
    assert change_text({"change": None, "change_pct": None}) == "n/a"
    assert change_text({"change": 0, "direction": "flat"}).endswith("unch.")


def test_chart_png(edition: dict) -> None:
    png = render_chart_png(edition["index_chart"])
    assert png and png.startswith(b"\x89PNG\r\n\x1a\n")
    from io import BytesIO

    from PIL import Image
    im = Image.open(BytesIO(png))
    assert im.size == (1120, 320)
    assert len(png) < 40_000
    alt = chart_alt(edition["index_chart"])
    assert "up 2.5%" in alt and "low 295.4" in alt and "high 307.1" in alt
    assert render_chart_png({"points": [["2026-01-01", 1.0]]}) is None


def test_alert_sparkline_is_a_small_transparent_png() -> None:
    """No white box in a dark-mode client: the background is transparent, only the line,
    its fill and the last point are painted."""
    from datetime import timedelta
    from io import BytesIO

    from PIL import Image

    from newsletter.render._chart import render_sparkline_png

    day = date(2026, 11, 26)
    series = [(day - timedelta(days=29 - i), 1_600_000.0 + 9_000 * (i % 7) + 2_000 * i)
              for i in range(30)]
    png = render_sparkline_png(series, up=False)
    assert png and png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) < 6_000
    im = Image.open(BytesIO(png)).convert("RGBA")
    assert im.size == (560, 112)
    w, h = im.size
    for corner in ((0, 0), (w - 1, 0), (0, h - 1)):
        assert im.getpixel(corner)[3] == 0, corner
    colours = im.getcolors(1024) or []
    painted = [c for _, c in colours if c[3] > 16]
    assert not [c for c in painted if min(c[:3]) > 200], "no white or near-white paint"

    def near(c: tuple[int, ...], want: tuple[int, int, int]) -> bool:
        return c[3] > 240 and all(abs(a - b) <= 12 for a, b in zip(c, want, strict=False))

    assert any(near(c, (47, 128, 200)) for c in painted)  # the line, #2f80c8
    assert any(near(c, (224, 69, 58)) for c in painted)  # the last point, down: #e0453a
    clear = sum(n for n, c in colours if c[3] == 0)
    assert clear > w * h * 0.4  # the area above the line stays see-through


def test_no_chart(edition: dict, config: Config) -> None:
    ed = copy.deepcopy(edition)
    ed["index_chart"] = None
    r = render_edition(ed, config=config, list_name="daily")
    assert r.chart_png is None and r.chart_cid is None and "<img" not in r.html


def test_minimal_edition(config: Config) -> None:
    r = render_edition({"date": "2026-11-24", "sections": []}, config=config,
                       list_name="daily")
    assert "Good morning" in substitute(r.html, {"GREETING": "Good morning"},
                                        html_escape=True)
    assert 40 <= len(r.preheader) <= 130


def test_bad_edition(config: Config) -> None:
    with pytest.raises(RenderError):
        render_edition({"sections": []}, config=config, list_name="daily")
    with pytest.raises(RenderError):
        render_edition({"date": "yesterday", "sections": []}, config=config,
                       list_name="daily")


def test_project_template_override(tmp_path: Path, edition: dict) -> None:
    (tmp_path / "templates" / "email").mkdir(parents=True)
    (tmp_path / "templates" / "email" / "daily.txt.j2").write_text(
        "Custom {{ title }} {{ ph.UNSUB_URL }}\n", encoding="utf-8")
    cfg = Config(root=tmp_path)
    r = render_edition(edition, config=cfg, list_name="daily")
    assert r.text == "Custom REE Daily %%UNSUB_URL%%\n"
    assert "Top highlights" in r.html             # falls back to the shipped template


def test_web_edition(edition: dict, config: Config) -> None:
    page = render_web_edition(edition, config=config)
    assert page.startswith("<!DOCTYPE html>")
    assert "%%" not in page
    assert "unsubscribe" not in page.lower()
    assert "/preferences/" not in page and "manage preferences" not in page.lower()
    assert "data:image/png;base64," in page
    assert "Top highlights" in page and "Lynas posts record quarterly NdPr output" in page
    assert '<link rel="canonical" href="https://ree-daily.example/archive/2026-11-24">' in page


def test_sparse_edition_renders(config: Config) -> None:
    """Optional keys may be missing (older builds, hand-made editions)."""
    ed = {"date": "2026-11-24",
          "highlights": [{"text": "Only a highlight with no link at all, but long enough."}],
          "prices": [{"name": "Dy oxide", "low": 1700, "high": 1700, "unit": "CNY/kg",
                      "direction": "flat"}],
          "sections": [{"id": "markets", "title": "Markets",
                        "stories": [{"title": "T", "url": "https://x.example/a",
                                     "source": "X"}]}]}
    r = render_edition(ed, config=config, list_name="daily")
    assert "n/a" in r.html                      # no change known: not shown as "unch."
    assert "https://x.example/a" in r.html
    assert any("highlight 1" in w for w in r.warnings)


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _colours(css: str) -> dict[str, str]:
    """``{class: text colour}`` of single-class rules."""
    out = {}
    for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        m = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", body)
        if m:
            for s in sel.split(","):
                s = s.strip()
                if re.fullmatch(r"\.[\w-]+", s):
                    out[s[1:]] = m.group(1)
    return out


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_aa(scheme: str) -> None:
    """Every text colour meets WCAG AA (4.5:1) on the background it is used on."""
    partials = packaged_templates() / "email" / "partials"
    css = (partials / ("_base.css" if scheme == "light" else "_dark.css")).read_text()
    colours = _colours(css)
    if scheme == "light":
        card, page, special = "#ffffff", "#eef1f5", {
            "kicker": "#0b2540", "dateline": "#0b2540", "title": "#0b2540",
            "note-label": "#f6f8fb", "note-box": "#f6f8fb", "badge": "#fdf3d7",
            "footer": "#eef1f5", "footer-link": "#eef1f5"}
    else:
        card, page, special = "#111827", "#0b1220", {
            "note-box": "#1a2333", "note-label": "#1a2333", "badge": "#3a2f0b"}
    assert len(colours) >= 10
    for cls, fg in colours.items():
        bg = special.get(cls, card)
        assert _contrast(fg, bg) >= 4.5, (scheme, cls, fg, bg)
        if cls in ("muted", "small", "link-muted"):
            assert _contrast(fg, page) >= 4.5, (scheme, cls, fg, page)


def test_text_part_golden(rendered: RenderedEdition) -> None:
    """The plain-text part of the sample edition, reviewed by eye. After an intended
    change, regenerate it with ``REE_UPDATE_GOLDEN=1 pytest tests/test_render.py`` and
    review the diff."""
    import os

    golden = DATA / "edition.expected.txt"
    if os.environ.get("REE_UPDATE_GOLDEN"):
        golden.write_text(rendered.text, encoding="utf-8")
    assert rendered.text == golden.read_text(encoding="utf-8")


def test_largest_edition_within_budget(edition: dict, config: Config) -> None:
    """The biggest edition the editorial limits allow still stays under Gmail's 102 KB."""
    ed = copy.deepcopy(edition)
    stories = [s for sec in ed["sections"] for s in sec["stories"]]
    while len(stories) < config.editorial.max_story_count:
        s = copy.deepcopy(stories[len(stories) % 10])
        s["id"] += "x"
        stories.append(s)
    for s in stories:
        s["summary"] = (s["summary"] + " ") * 3
        s["highlights"] = ["A fairly long highlight bullet about rare-earth supply."] * 3
        s["also_reported_by"] = s["also_reported_by"] or [
            {"source": "SMM", "url": "https://www.metal.com/x", "title": "x"}]
    per = -(-len(stories) // 4)
    for i, sec in enumerate(ed["sections"]):
        sec["stories"] = stories[i * per:(i + 1) * per]
    ed["highlights"] = (ed["highlights"] * 2)[:7]
    ed["prices"] = (ed["prices"] * 2)[:14]
    r = render_edition(ed, config=config, list_name="daily")
    assert r.size_bytes < 102 * 1024, r.size_bytes
    assert not r.warnings
