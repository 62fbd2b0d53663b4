"""The text pipeline, canonical URLs, the private-address guard and the sources loader."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsletter.collect import clean_html, clean_text, decode_bytes, load_sources
from newsletter.collect._feeds import looks_like_feed, looks_like_html, parse_feed
from newsletter.collect._pages import extract_article, extract_items, parse_date
from newsletter.collect._text import html_to_text
from newsletter.collect._urls import AddressGuard, canonical_url, is_private_ip
from newsletter.exceptions import ConfigError, ParseError

# Copied from the Rare Earth Exchanges seed article: UTF-8 read as Windows-874.
SEED = ("The Baogang Group, alongside Northeastern Universityโ€™s School of Metallurgy "
        "(opens in a new tab) and Maโ€™anshan Mining Research Institute (opens in a new tab), "
        "has launched (opens in a new tab) the โ€œKey Laboratory for Green and Integrated "
        "Utilization of Mining and Metallurgy Wasteโ€ in Inner Mongolia.")


def test_clean_text_repairs_windows_874_mojibake_and_link_notes() -> None:
    out = clean_text(SEED)
    assert "University’s School of Metallurgy and Ma’anshan" in out
    assert "“Key Laboratory for Green and Integrated Utilization of Mining and " \
           "Metallurgy Waste” in Inner Mongolia." in out
    assert "opens in" not in out and "โ" not in out and "€" not in out
    assert "has launched the" in out


def test_clean_text_leaves_real_thai_and_other_notes() -> None:
    assert clean_text("เขตการปกครอง ของไทย") == "เขตการปกครอง ของไทย"
    assert clean_text("Read more (external link) here (opens in new window).") == \
        "Read more here."
    assert clean_text("CafÃ© &amp; crÃ¨me") == "Café & crème"


def test_clean_text_whitespace() -> None:
    assert clean_text("  a \u00a0 b\t c \n\n\n\n d\u200b \r\n") == "a b c\n\nd"
    assert clean_text("") == "" and clean_text(None) == ""


def test_clean_html_is_email_safe() -> None:
    dirty = ('<p onclick="steal()" style="x:expression(alert(1))">Hi '
             '<a href="javascript:alert(1)">js</a> <a href="/rel?a=1">rel</a>'
             '<script>alert(1)</script><img src="data:image/png;base64,AAA" onerror="x()">'
             '<iframe src="https://evil.example"></iframe><form><input></form>'
             '<style>p{}</style><a href="mailto:ed@example.com">m</a></p>')
    out = clean_html(dirty, "https://news.example/a/b")
    for bad in ("script", "onclick", "onerror", "javascript:", "expression", "iframe",
                "<img", "<form", "<style", "style="):
        assert bad not in out, bad
    assert 'href="https://news.example/rel?a=1"' in out
    assert 'href="mailto:ed@example.com"' in out
    assert 'rel="noopener noreferrer"' in out


def test_html_to_text_paragraphs() -> None:
    text = html_to_text("<p>One <b>two</b></p><ul><li>a</li><li>b</li></ul><script>x</script>")
    assert text == "One two\n\n• a\n\n• b"


def test_decode_bytes_charsets() -> None:
    assert decode_bytes("café".encode(), "text/html; charset=utf-8") == "café"
    # declared charset is wrong: the bytes are Windows-1252
    assert decode_bytes("café au lait".encode("cp1252"), "text/html; charset=utf-8") == \
        "café au lait"
    # declared Latin-1 but the body is UTF-8: the garbage is noticed
    assert "€ 5 für" in decode_bytes("Preis: € 5 für Öl".encode(), "text/html; charset=iso-8859-1")
    meta = '<html><head><meta charset="windows-1251"></head><body>Привет</body></html>'
    assert "Привет" in decode_bytes(meta.encode("cp1251"))
    xml = '<?xml version="1.0" encoding="iso-8859-7"?><rss>Ελλάδα</rss>'
    assert "Ελλάδα" in decode_bytes(xml.encode("iso-8859-7"))
    assert decode_bytes(b"\xef\xbb\xbfhello") == "hello"
    long_1251 = ("Редкоземельные металлы подорожали на прошлой неделе. " * 20).encode("cp1251")
    assert "Редкоземельные" in decode_bytes(long_1251)


@pytest.mark.parametrize("raw, expected", [
    ("HTTPS://News.Example.COM:443/a?utm_source=x&b=2&a=1&fbclid=z#frag",
     "https://news.example.com/a?a=1&b=2"),
    ("http://x.example/p?gclid=1&mc_cid=2&mc_eid=3&ref=rss", "http://x.example/p"),
    ("http://x.example", "http://x.example/"),
    ("http://x.example:8080/a", "http://x.example:8080/a"),
])
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_canonical_url_relative() -> None:
    assert canonical_url("../b?utm_medium=x", "https://a.example/x/y/z") == \
        "https://a.example/x/b"


@pytest.mark.parametrize("ip, private", [
    ("127.0.0.1", True), ("10.1.2.3", True), ("192.168.0.1", True), ("172.16.5.5", True),
    ("169.254.169.254", True), ("0.0.0.0", True), ("::1", True), ("fe80::1", True),
    ("fc00::1", True), ("::ffff:127.0.0.1", True), ("100.64.0.1", True), ("240.0.0.1", True),
    ("8.8.8.8", False), ("2606:4700:4700::1111", False),
])
def test_is_private_ip(ip: str, private: bool) -> None:
    assert is_private_ip(ip) is private


def test_address_guard() -> None:
    async def run() -> None:
        guard = AddressGuard(allow_private=False, resolve=True)
        assert await guard.blocked_reason("http://127.0.0.1:8000/x")
        assert await guard.blocked_reason("http://[::1]/x")
        assert await guard.blocked_reason("http://localhost/x")
        assert await guard.blocked_reason("javascript:alert(1)")
        assert await guard.blocked_reason("http://8.8.8.8/x") is None
        offline = AddressGuard(allow_private=False, resolve=False)
        assert await offline.blocked_reason("http://10.0.0.1/x")
        assert await offline.blocked_reason("https://www.example.com/x") is None
        allowed = AddressGuard(allow_private=True, resolve=True)
        assert await allowed.blocked_reason("http://127.0.0.1/x") is None

    asyncio.run(run())


def test_parse_date() -> None:
    want = datetime(2025, 1, 22, tzinfo=UTC)
    assert parse_date("2025-01-22") == want
    assert parse_date("Jan 22, 2025") == want
    assert parse_date("22 January 2025") == want
    assert parse_date("Published: January 22nd, 2025") == want
    assert parse_date("Wed, 22 Jan 2025 00:00:00 GMT") == want
    assert parse_date("2025-01-22T08:00:00+08:00") == want
    assert parse_date("2025年1月22日") == want
    assert parse_date("no date here") is None


def test_feed_sniffing() -> None:
    assert looks_like_html(b"<!DOCTYPE html><html><body>x</body></html>")
    assert looks_like_html(b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML'
                           b' 1.0 Strict//EN" "x.dtd"><html><body>x</body></html>')
    assert looks_like_feed(b'<?xml version="1.0"?><rss version="2.0"></rss>')
    assert not looks_like_feed(b"<html><body>x</body></html>", "text/html")


def test_parse_feed_html_and_empty() -> None:
    with pytest.raises(ParseError, match="expected a feed, got an HTML page"):
        parse_feed(b"<!doctype html><html><body>hi</body></html>", url="http://x/",
                   source="s", content_type="text/html")
    with pytest.raises(ParseError, match="empty"):
        parse_feed(b"  ", url="http://x/", source="s")


ARTICLE = """<!doctype html><html><head><title>Site | Lab opens</title>
<meta property="article:published_time" content="2025-01-22T10:00:00+08:00">
<meta name="description" content="A lab opens.">
<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-01-01"}
</script></head><body><nav>Home News</nav><article><h1>New Lab Targets Waste</h1>
<h3>Highlights</h3><ul><li>Baogang and partners set up a lab.</li>
<li>The lab recycles tailings.</li></ul>
<div class="body"><p>The Baogang Group, alongside Northeastern Universityโ€™s School of
Metallurgy (opens in a new tab), launched a lab.</p><p>Second paragraph.</p>
<script>evil()</script></div></article></body></html>"""


def test_extract_article_with_selectors_and_metadata() -> None:
    art = extract_article(ARTICLE, "https://reex.example/lab/", {"body": "div.body"})
    assert art.title == "New Lab Targets Waste"
    assert art.published == datetime(2025, 1, 22, 2, tzinfo=UTC)
    assert art.highlights == ["Baogang and partners set up a lab.",
                              "The lab recycles tailings."]
    assert art.text.startswith("The Baogang Group, alongside Northeastern University’s")
    assert "Second paragraph." in art.text and "evil" not in art.text
    assert "<script" not in art.html and art.summary == "A lab opens."


def test_extract_items_from_a_price_table() -> None:
    html = """<html><body><table id="idx">
    <tr class="row"><td class="d">2026-11-23</td><td class="n">CREIA index</td>
    <td class="v">306.4</td><td class="c">+1.2</td></tr>
    <tr class="row"><td class="d">2026-11-24</td><td class="n">CREIA index</td>
    <td class="v">307.1</td><td class="c">+0.7</td></tr></table></body></html>"""
    items = extract_items(html, "https://idx.example/p?utm_source=x",
                          {"item": "tr.row", "date": "td.d", "title": "td.n",
                           "body": "td.v, td.c"}, source="idx")
    assert [i.guid for i in items] == ["https://idx.example/p#2026-11-23-creia-index",
                                       "https://idx.example/p#2026-11-24-creia-index"]
    assert items[1].title == "CREIA index" and items[1].url == "https://idx.example/p"
    assert items[1].published == datetime(2026, 11, 24, tzinfo=UTC)
    assert items[1].text == "307.1 +0.7"


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "sources.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_load_sources_ok(tmp_path: Path) -> None:
    p = _write(tmp_path, """
[[source]]
name = "reex"
title = "Rare Earth Exchanges"
kind = "page"
url = "https://rareearthexchanges.com/news/"
weight = 1.0
follow = true
[source.selectors]
links = "h2.entry-title a"
body = "div.entry-content"
""")
    (src,) = load_sources(p)
    assert src.name == "reex" and src.kind == "page" and src.follow
    assert src.selectors["links"] == "h2.entry-title a"


def test_load_sources_reports_every_problem(tmp_path: Path) -> None:
    p = _write(tmp_path, """
[[source]]
name = "a"
title = "A"
kind = "blog"
url = "ftp://x"
weight = 3
[source.selectors]
body = "div[["
colour = "x"

[[source]]
title = "B"
kind = "feed"
url = "https://b.example/feed"
""")
    with pytest.raises(ConfigError) as err:
        load_sources(p)
    text = str(err.value)
    assert "sources.toml" in text
    for part in ("source[0] (a).kind", "source[0] (a).url", "source[0] (a).weight",
                 "source[0] (a).selectors.body", "source[0] (a).selectors.colour",
                 "source[1].name"):
        assert part in text, part


def test_load_sources_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_sources(_write(tmp_path, "[[source]\nname="))
    with pytest.raises(ConfigError, match="not found"):
        load_sources(tmp_path / "missing.toml")


def test_feed_body_naming_a_local_file_is_not_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_bytes(b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                       b"<item><title>SECRET</title><link>http://x.example/</link></item>"
                       b"</channel></rss>")
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(str(secret).encode(), url="http://x.example/feed", source="s",
                   content_type="application/rss+xml")


def test_xhtml_page_with_xml_declaration() -> None:
    page = ('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
            "<head><title>T</title></head><body><h1>Dysprosium output rises</h1>"
            '<div class="b"><p>Output rose.</p></div></body></html>')
    art = extract_article(page, "https://x.example/a", {"body": "div.b"})
    assert art.title == "Dysprosium output rises" and art.text == "Output rose."
