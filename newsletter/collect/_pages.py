"""HTML pages: article extraction, listing links, and pages that list several items.

Metadata (title, publication date, description, "Highlights" bullets) is read from one
lxml tree, and per-source CSS selectors run on that same tree (cssselect, compiled once per
selector); without a body selector, trafilatura extracts the main text.

Why not BeautifulSoup for the selectors: on a 23 KB article page, building the soup and
running four soupsieve selectors cost 18.7 ms against 0.34 ms for lxml + cssselect
(bench/collect.py's pages); soup made the selector path 2.5x slower than trafilatura.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import lxml.etree
import lxml.html
import trafilatura
from lxml.cssselect import CSSSelector
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.xml import xmltotxt

from ..exceptions import ParseError
from ..types import Item
from ._text import clean_html, clean_text, html_to_text
from ._urls import canonical_url, is_http_url

_DATE_METAS = ("article:published_time", "og:published_time", "datepublished", "date",
               "pubdate", "publishdate", "publish-date", "publish_date", "dc.date",
               "dc.date.issued", "dcterms.created", "dcterms.date", "citation_publication_date",
               "sailthru.date", "parsely-pub-date", "article.published", "release_date")
_HIGHLIGHT_HEAD = re.compile(r"^\s*(key\s+)?(highlights|takeaways|points)\s*:?\s*$", re.I)
_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d",
            "%Y.%m.%d", "%Y年%m月%d日", "%B %d, %Y %H:%M", "%b %d, %Y %I:%M %p", "%Y-%m-%d %H:%M",
            "%d.%m.%Y")
_ISO_IN_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                          r"(?:Z|[+-]\d{2}:?\d{2})?)?")
_MONTH_IN_TEXT = re.compile(r"(?:\d{1,2}\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|"
                            r"Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|"
                            r"\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
                            r"[a-z]*\.?\s+\d{4}|\d{4}年\d{1,2}月\d{1,2}日", re.I)


def _utc(d: datetime) -> datetime:
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)


def parse_date(value: str | None) -> datetime | None:
    """A date or datetime in any common web format, as aware UTC; None if not a date."""
    if not value:
        return None
    s = clean_text(value).strip()
    if not s or len(s) > 200:
        return None
    for candidate in (s, s.replace(" ", "T", 1)):
        try:
            return _utc(datetime.fromisoformat(candidate.replace("Z", "+00:00")))
        except ValueError:
            pass
    try:
        return _utc(parsedate_to_datetime(s))
    except (TypeError, ValueError, IndexError):
        pass
    s2 = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s)
    for fmt in _FORMATS:
        try:
            return _utc(datetime.strptime(s2, fmt))
        except ValueError:
            continue
    m = _ISO_IN_TEXT.search(s)
    if m and m.group(0) != s:
        return parse_date(m.group(0))
    m = _MONTH_IN_TEXT.search(s)
    if m and m.group(0) != s:
        return parse_date(m.group(0))
    return None


def _ld_dates(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        value = node.get("datePublished") or node.get("dateCreated")
        if isinstance(value, str):
            found.append(value)
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            found += _ld_dates(node.get(key))
    elif isinstance(node, list):
        for sub in node:
            found += _ld_dates(sub)
    return found


def page_date(tree: lxml.html.HtmlElement) -> datetime | None:
    """Publication date from page metadata: article:published_time and other meta tags,
    JSON-LD ``datePublished``, then ``<time datetime>``."""
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in _DATE_METAS and (d := parse_date(meta.get("content"))):
            return d
    for script in tree.xpath('//script[contains(@type, "ld+json")]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for value in _ld_dates(data):
            if d := parse_date(value):
                return d
    for el in tree.xpath('//*[@itemprop="datePublished"]'):
        if d := parse_date(el.get("datetime") or el.get("content") or el.text_content()):
            return d
    for el in tree.iter("time"):
        if d := parse_date(el.get("datetime") or el.text_content()):
            return d
    return None


def _meta(tree: lxml.html.HtmlElement, *names: str) -> str:
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        if key in names and meta.get("content"):
            return clean_text(meta.get("content"))
    return ""


def page_title(tree: lxml.html.HtmlElement) -> str:
    """og:title, else the first h1, else <title>."""
    title = _meta(tree, "og:title", "twitter:title")
    if not title:
        h1 = tree.find(".//h1")
        title = clean_text(h1.text_content()) if h1 is not None else ""
    if not title:
        t = tree.find(".//title")
        title = clean_text(t.text_content()) if t is not None else ""
    return title


def auto_highlights(tree: lxml.html.HtmlElement) -> list[str]:
    """The bullets of a "Highlights" (or "Key takeaways") heading followed by a list."""
    for el in tree.iter("h1", "h2", "h3", "h4", "h5", "h6", "p", "strong", "b", "div", "span"):
        text = el.text_content()
        if len(text) > 40 or not _HIGHLIGHT_HEAD.match(text):
            continue
        for nxt in el.xpath("following::*[position() <= 6]"):
            if nxt.tag in ("ul", "ol"):
                items = [clean_text(li.text_content()) for li in nxt.iter("li")]
                items = [i for i in items if i]
                if items:
                    return items[:10]
                break
    return []


@functools.lru_cache(maxsize=512)
def css(selector: str) -> CSSSelector:
    """A compiled CSS selector (cssselect's HTML dialect).

    Raises:
        cssselect.SelectorError: the selector is invalid or unsupported.
    """
    return CSSSelector(selector, translator="html")


def select(root: lxml.html.HtmlElement, selector: str) -> list[lxml.html.HtmlElement]:
    """Elements under (or equal to) ``root`` matching ``selector``, in document order."""
    return [el for el in css(selector)(root) if isinstance(el.tag, str)]


def select_one(root: lxml.html.HtmlElement, selector: str) -> lxml.html.HtmlElement | None:
    found = select(root, selector)
    return found[0] if found else None


def _node_text(node: lxml.html.HtmlElement) -> str:
    return html_to_text(node)


def _node_line(node: lxml.html.HtmlElement) -> str:
    return clean_text(" ".join(node.text_content().split()))


def _node_html(node: lxml.html.HtmlElement) -> str:
    return str(lxml.html.tostring(node, encoding="unicode", with_tail=False))


def _node_date(node: lxml.html.HtmlElement) -> datetime | None:
    return parse_date(str(node.get("datetime") or node.get("content") or "")) \
        or parse_date(_node_line(node))


def _without_highlights(text: str, highlights: list[str]) -> str:
    """The body text minus the "Highlights" heading and bullets (kept in their own field)."""
    wanted = set(highlights)
    paras = [p for p in text.split("\n\n")
             if not _HIGHLIGHT_HEAD.match(p) and p.lstrip("• ").strip() not in wanted]
    return "\n\n".join(paras)


@dataclass
class Article:
    title: str
    published: datetime | None
    text: str
    html: str
    highlights: list[str]
    summary: str


# Tuned on the article-extraction benchmark (bench/articles.py): include_links=True keeps
# link-heavy boilerplate and costs ~0.06 F1; favor_recall/precision change little, so the
# balanced default stays (less risk of overfitting the dev pages).
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False, "include_tables": True, "include_formatting": True,
    "include_links": False, "deduplicate": False,
}


def _trafilatura(html: str, url: str) -> tuple[str, str]:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=False,
                                      **TRAFILATURA_OPTIONS)
    body = getattr(doc, "body", None) if doc is not None else None
    if body is None or len(body) == 0:
        return "", ""
    text = clean_text(xmltotxt(body, include_formatting=False).replace("\n", "\n\n"))
    try:
        html_out = lxml.etree.tostring(convert_to_html(body), encoding="unicode")
    except (ValueError, TypeError, lxml.etree.LxmlError):
        html_out = ""
    return text, clean_html(html_out, url)


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def _tree(html: str, url: str, source: str) -> lxml.html.HtmlElement:
    # lxml refuses str input that still carries an encoding declaration (XHTML pages)
    html = _XML_DECL.sub("", html, count=1)
    try:
        return lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise ParseError(f"not an HTML page: {exc}", source=source, url=url) from exc


def extract_article(html: str, url: str, selectors: dict[str, str] | None = None, *,
                    source: str = "") -> Article:
    """Title, date, body text, safe HTML, highlights and description of an article page.

    Selectors (``title``, ``date``, ``body``, ``highlights``) win over metadata; without a
    ``body`` selector, trafilatura finds the main text.

    Raises:
        ParseError: the bytes are not HTML at all.
    """
    selectors = selectors or {}
    tree = _tree(html, url, source)
    title = page_title(tree)
    published = page_date(tree)
    highlights = auto_highlights(tree)
    summary = _meta(tree, "description", "og:description", "twitter:description")
    text = body_html = ""
    if (sel := selectors.get("title")) and (node := select_one(tree, sel)) is not None:
        title = _node_line(node) or title
    if (sel := selectors.get("date")) and (node := select_one(tree, sel)) is not None:
        published = _node_date(node) or published
    if sel := selectors.get("highlights"):
        lis = [li for n in select(tree, sel) for li in (list(n.iter("li")) or [n])]
        highlights = [t for li in lis if (t := _node_line(li))]
    if sel := selectors.get("body"):
        nodes = select(tree, sel)
        text = "\n\n".join(t for n in nodes if (t := _node_text(n)))
        body_html = clean_html("".join(_node_html(n) for n in nodes), url)
    if not text:
        text, body_html = _trafilatura(html, url)
    if highlights:
        text = _without_highlights(text, highlights)
    return Article(title, published, text, body_html, highlights, summary)


def extract_links(html: str, url: str, selector: str, limit: int) -> list[str]:
    """Article links on a listing page: ``a[href]`` matched by (or inside) ``selector``,
    absolute, canonical, http(s) only, de-duplicated, at most ``limit``."""
    tree = _tree(html, url, "")
    page = canonical_url(url)
    links: list[str] = []
    for node in select(tree, selector):
        anchors = [node] if node.tag == "a" else list(node.iter("a"))
        for a in anchors:
            href = str(a.get("href") or "").strip()
            if not href or href.startswith("#"):
                continue
            link = canonical_url(href, url)
            if is_http_url(link) and link != page and link not in links:
                links.append(link)
            if len(links) >= limit:
                return links
    return links


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")[:60]


def extract_items(html: str, url: str, selectors: dict[str, str], *, source: str) -> list[Item]:
    """One :class:`Item` per block matched by ``selectors['item']`` (price lists, index
    tables). Title, date and body selectors apply inside each block; the guid is the page
    URL plus ``#`` and a stable key (the block's date, else its title, else its index)."""
    page = canonical_url(url)
    tree = _tree(html, url, source)
    page_when = page_date(tree)
    page_name = page_title(tree)
    items: list[Item] = []
    used: set[str] = set()
    for n, block in enumerate(select(tree, selectors["item"])):
        body_nodes = (select(block, selectors["body"]) if "body" in selectors else []) or [block]
        body_html = "".join(_node_html(b) for b in body_nodes)
        # cells of one row are joined on a line ("306.4 points +1.2")
        text = " ".join(t for b in body_nodes if (t := _node_text(b)))
        if not text:
            continue
        title = ""
        if (sel := selectors.get("title")) and (node := select_one(block, sel)) is not None:
            title = _node_line(node)
        if not title:
            head = next(block.iter("h1", "h2", "h3", "h4", "h5", "strong", "th", "td", "dt"),
                        None)
            title = _node_line(head) if head is not None else ""
        when = None
        if (sel := selectors.get("date")) and (node := select_one(block, sel)) is not None:
            when = _node_date(node)
        # stable across runs: the row's date and name, not its position on the page
        parts = [when.date().isoformat() if when else "", _slug(title)]
        key = "-".join(p for p in parts if p) or str(n + 1)
        base_key, k = key, 2
        while key in used:
            key, k = f"{base_key}-{k}", k + 1
        used.add(key)
        items.append(Item(source=source, url=page, guid=f"{page}#{key}",
                          title=title or page_name or text[:80], published=when or page_when,
                          text=text, summary="", html=clean_html(body_html, url)))
    return items
