"""The CPU work on one fetched document: bytes in, items (and links to follow) out.

Plain functions of picklable arguments, so they can run in a worker process. Each source
kind's parser (``collect/_kinds.py``) is one of these; :func:`parse_article` reads a page
a feed entry or a listing page links to.
"""

from __future__ import annotations

from ..exceptions import ParseError
from ..types import Item, Source
from ._feeds import looks_like_feed, looks_like_html, parse_feed
from ._pages import extract_article, extract_items, extract_links
from ._text import decode_bytes
from ._urls import canonical_url

Doc = tuple[list[Item], list[str], list[str]]
"""What parsing one document gives: items, warnings, links to follow."""


def _is_binary(data: bytes) -> bool:
    head = data[:4096]
    return b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))


def _article_item(source: Source, url: str, html: str) -> tuple[Item, list[str]]:
    art = extract_article(html, url, source.selectors, source=source.name)
    if not art.text and not art.title:
        raise ParseError("no article text or title found in the page", source=source.name,
                         url=url)
    canon = canonical_url(url)
    item = Item(source=source.name, url=canon, guid=canon, title=art.title or canon,
                published=art.published, text=art.text, summary=art.summary, html=art.html,
                highlights=tuple(art.highlights))
    return item, ([] if art.text else [f"{url}: no article text found"])


def is_feed(data: bytes, ctype: str) -> bool:
    """True if the bytes are an RSS/Atom feed rather than an HTML page."""
    return looks_like_feed(data, ctype) and not looks_like_html(data, ctype)


def _html_page(source: Source, data: bytes, url: str) -> None:
    if not data.strip():
        raise ParseError("not an HTML page: the response body is empty", source=source.name,
                         url=url)
    if _is_binary(data):
        raise ParseError("not an HTML page: binary content", source=source.name, url=url)


def parse_feed_document(source: Source, data: bytes, ctype: str, url: str,
                        content_location: str | None = None, limit: int = 20) -> Doc:
    """An RSS/Atom feed: one item per entry.

    Raises:
        ParseError: not a feed.
    """
    pf = parse_feed(data, url=url, source=source.name, content_type=ctype,
                    content_location=content_location)
    return pf.items, pf.warnings, []


def parse_page_document(source: Source, data: bytes, ctype: str, url: str,
                        content_location: str | None = None, limit: int = 20) -> Doc:
    """An HTML page: one block per item (selector ``item``), the article links of a listing
    page (selector ``links``, at most ``limit``), or one article. A feed where a page was
    expected is parsed as a feed, with a warning.

    Raises:
        ParseError: empty, binary, or no article text or title found.
    """
    _html_page(source, data, url)
    if is_feed(data, ctype):
        items, warnings, _ = parse_feed_document(source, data, ctype, url, content_location)
        return items, ["a page source returned a feed; parsed it as a feed", *warnings], []
    html = decode_bytes(data, ctype)
    sel = source.selectors
    if "item" in sel:
        return extract_items(html, url, sel, source=source.name), [], []
    if "links" in sel:
        links = extract_links(html, url, sel["links"], limit)
        warn = [] if links else [f"no article links matched selector {sel['links']!r}"]
        return [], warn, links
    item, warnings = _article_item(source, url, html)
    return [item], warnings, []


def parse_article(source: Source, data: bytes, ctype: str, url: str) -> Doc:
    """An article page that a feed entry or listing page links to: exactly one item.

    Raises:
        ParseError: empty, binary, a feed, or no article text or title found.
    """
    _html_page(source, data, url)
    if is_feed(data, ctype):
        raise ParseError("expected an article page, got a feed", source=source.name, url=url)
    item, warnings = _article_item(source, url, decode_bytes(data, ctype))
    return [item], warnings, []
