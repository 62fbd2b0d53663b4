"""RSS/Atom parsing: feedparser on bytes (it never fetches), nh3 for sanitizing after."""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser

from ..exceptions import ParseError
from ..types import Item
from ._text import clean_html, clean_text, html_to_text
from ._urls import canonical_url, is_http_url

# Sanitizing and URI resolution are done once, by us, with nh3 (faster and stricter).
feedparser.SANITIZE_HTML = False
feedparser.RESOLVE_RELATIVE_URIS = False

_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I | re.S)
_FEED_START = re.compile(rb"<(?:[\w.-]+:)?(?:rss|feed|RDF|channel)[\s>]", re.I)


def looks_like_html(data: bytes, content_type: str = "") -> bool:
    """True when the bytes are an HTML page rather than a feed."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    body = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", head, count=1)
    if _HTML_START.match(body):  # HTML, or XHTML behind an XML declaration
        return True
    if _FEED_START.search(head) or head.lstrip().startswith(b"<?xml"):
        return False
    return "html" in content_type.lower() and b"<" in head


def looks_like_feed(data: bytes, content_type: str = "") -> bool:
    """True when the bytes look like RSS, Atom, RDF or JSON Feed."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if _FEED_START.search(head):
        return True
    ct = content_type.lower()
    if head.startswith(b"<?xml") and not _HTML_START.match(head.split(b"?>", 1)[-1]):
        return True
    return any(t in ct for t in ("rss", "atom", "rdf", "feed+json")) and not looks_like_html(data)


@dataclass
class ParsedFeed:
    items: list[Item]
    warnings: list[str] = field(default_factory=list)
    title: str = ""


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _entry_html(entry: Any) -> str:
    for content in entry.get("content") or ():
        value = content.get("value") or ""
        if value.strip():
            return str(value)
    return str(entry.get("summary") or "")


def parse_feed(data: bytes, *, url: str, source: str, content_type: str = "",
               content_location: str | None = None) -> ParsedFeed:
    """Parse feed bytes into cleaned :class:`Item` objects.

    A bozo (ill-formed) feed that still has entries is used, with the bozo reason added
    to the warnings.

    Raises:
        ParseError: HTML where a feed was expected, an empty body, or no entries in a
            feed that feedparser could not read.
    """
    if not data.strip():
        raise ParseError("not a feed: the response body is empty", source=source, url=url)
    if looks_like_html(data, content_type):
        raise ParseError("expected a feed, got an HTML page", source=source, url=url,
                         hint="check the source's URL, or set kind = \"page\"")
    headers = {"content-type": content_type or "application/xml"}
    if content_location:
        headers["content-location"] = content_location
    try:
        # A stream, never bytes: feedparser tries open() on bytes, so a body reading
        # "/etc/passwd" would make it read a local file.
        parsed = feedparser.parse(io.BytesIO(data), response_headers=headers, sanitize_html=False,
                                  resolve_relative_uris=False)
    except Exception as exc:  # feedparser's loose parser can raise on hostile input
        raise ParseError(f"not a feed: {type(exc).__name__}: {exc}", source=source,
                         url=url) from exc
    warnings = []
    if parsed.get("bozo"):
        reason = str(parsed.get("bozo_exception") or "ill-formed feed").splitlines()[0]
        if not parsed.entries:
            raise ParseError(f"not a feed: {reason[:300]}", source=source, url=url)
        warnings.append(f"ill-formed feed, used anyway: {reason[:300]}")
    base = content_location or url
    items: list[Item] = []
    seen: set[str] = set()
    for n, entry in enumerate(parsed.entries):
        title = html_to_text(str(entry.get("title") or ""))
        link = str(entry.get("link") or "").strip()
        if link:
            link = canonical_url(link, base)
        if link and not is_http_url(link):
            warnings.append(f"entry {n + 1} ({title[:60] or 'untitled'}): link is not "
                            "http(s), skipped")
            continue
        raw_id = str(entry.get("id") or "").strip()
        body_html = _entry_html(entry)
        summary_html = str(entry.get("summary") or "")
        guid = raw_id or link
        if not guid:  # neither link nor id: identify the entry by its content
            if not (title or body_html.strip()):
                continue
            digest = hashlib.sha1(f"{title}\n{body_html}".encode()).hexdigest()[:16]
            guid = f"{canonical_url(base) if is_http_url(base) else base}#{digest}"
        if guid in seen:
            continue
        seen.add(guid)
        text = html_to_text(body_html)
        summary = html_to_text(summary_html) if summary_html != body_html else text
        items.append(Item(
            source=source, url=link or (canonical_url(url) if is_http_url(url) else url),
            guid=guid,
            title=title or clean_text(summary[:120]) or "(untitled)",
            published=_when(entry), text=text, summary=summary,
            html=clean_html(body_html, link or base)))
    return ParsedFeed(items, warnings, clean_text(str(parsed.feed.get("title") or "")))
