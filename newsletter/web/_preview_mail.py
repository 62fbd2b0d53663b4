"""The preview's view of a message: the real MIME bytes, taken apart for display.

The preview never renders the email "some other way": it asks
:class:`~newsletter.deliver._message.MessageFactory` for the exact bytes a subscriber would
receive, parses them back with :mod:`email` (``policy.default``) and shows the parts. The
only changes made for display are done here, on the parsed HTML, and only in the browser
frame: ``cid:`` references point to a local route, links open in a new tab, and the dark
variant applies the email's own ``prefers-color-scheme: dark`` rules unconditionally.
"""

from __future__ import annotations

import html as htmlmod
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from ..config import Config
from ..deliver import message_parts
from ..types import RenderedEdition

#: Gmail clips a message whose HTML is larger than this ("[Message clipped]").
GMAIL_CLIP_BYTES = 102 * 1024

_CID_RE = re.compile(r"""cid:([^"'\s)>&]+)""", re.IGNORECASE)
_DARK_RE = re.compile(r"\(\s*prefers-color-scheme\s*:\s*dark\s*\)", re.IGNORECASE)
_LIGHT_RE = re.compile(r"\(\s*prefers-color-scheme\s*:\s*light\s*\)", re.IGNORECASE)
_HEAD_RE = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
_TOKEN_RE = re.compile(r"%%[A-Z][A-Z_]*%%")


@dataclass(frozen=True)
class Link:
    """One ``<a href>`` of the email.

    Attributes:
        href: the URL as written in the message.
        text: the link's visible text (whitespace collapsed; ``[image]`` for an image link).
        scheme: ``https``, ``http``, ``mailto`` or whatever else the URL starts with.
        problem: why the link is flagged (``""`` when it is fine).
    """

    href: str
    text: str
    scheme: str
    problem: str = ""


@dataclass
class MailView:
    """A built message and its parts, ready to show.

    Attributes:
        raw: the message bytes exactly as the transport would get them.
        subject: the decoded Subject header.
        headers: every header as ``(name, decoded value)``, in order.
        html: the text/html part, decoded (``cid:`` references untouched).
        text: the text/plain part, decoded.
        html_size: size of the HTML part in bytes (UTF-8), what Gmail's clipping counts.
        images: ``{content-id: (content type, bytes)}`` of the inline parts.
        links: every link of the HTML part.
        warnings: problems noticed while taking the message apart.
    """

    raw: bytes
    subject: str
    headers: list[tuple[str, str]]
    html: str
    text: str
    html_size: int
    images: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def clipped(self) -> bool:
        """True when Gmail would clip the HTML part."""
        return self.html_size > GMAIL_CLIP_BYTES

    @property
    def flagged_links(self) -> list[Link]:
        return [lk for lk in self.links if lk.problem]


def parse_message(raw: bytes) -> MailView:
    """Take a built message apart.

    Args:
        raw: RFC 5322 bytes as produced by ``MessageFactory.build()``.

    Returns:
        The parts, headers, inline images and links of the message.
    """
    msg, html_body, text_body = message_parts(raw)
    headers = [(k, str(v)) for k, v in msg.items()]
    images: dict[str, tuple[str, bytes]] = {}
    warnings: list[str] = []
    if html_body is None:
        warnings.append("the message has no text/html part")
    if text_body is None:
        warnings.append("the message has no text/plain part")
    html_text, text = html_body or "", text_body or ""
    for part in msg.walk():
        cid = part.get("Content-ID")
        if cid and not part.is_multipart():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                images[str(cid).strip().strip("<>")] = (part.get_content_type(), payload)
    for cid in sorted(set(_CID_RE.findall(html_text))):
        if cid not in images:
            warnings.append(f"the HTML refers to cid:{cid} but no part has that Content-ID")
    for where, body in (("HTML", html_text), ("text", text)):
        left = sorted(set(_TOKEN_RE.findall(body)))
        if left:
            warnings.append(f"unreplaced placeholders in the {where} part: {', '.join(left)}")
    return MailView(raw=raw, subject=str(msg.get("Subject", "")), headers=headers,
                    html=html_text, text=text, html_size=len(html_text.encode("utf-8")),
                    images=images, links=extract_links(html_text), warnings=warnings)


def rewrite_cids(html_text: str, url_for: Callable[[str], str]) -> str:
    """Point every ``cid:ID`` reference at ``url_for(ID)`` (an already-escaped URL)."""
    return _CID_RE.sub(lambda m: url_for(m.group(1)), html_text)


def force_dark(html_text: str) -> str:
    """Apply the email's dark-mode rules unconditionally (simulated dark mode).

    ``(prefers-color-scheme: dark)`` becomes a media feature that is always true and
    ``(prefers-color-scheme: light)`` one that never is, so the palette shown is exactly
    the one the email defines for mail clients in dark mode.
    """
    out = _DARK_RE.sub("(min-width: 0px)", html_text)
    out = _LIGHT_RE.sub("(max-width: 0px)", out)
    return inject_head(out, '<meta name="color-scheme" content="dark">'
                            "<style>:root { color-scheme: dark; }</style>")


def inject_head(html_text: str, snippet: str) -> str:
    """Insert ``snippet`` right after ``<head>`` (or at the start when there is none)."""
    m = _HEAD_RE.search(html_text)
    if m is None:
        return snippet + html_text
    return html_text[:m.end()] + snippet + html_text[m.end():]


def frame_html(view: MailView, *, cid_url: Callable[[str], str], dark: bool) -> str:
    """The HTML shown in the preview frame: the message's HTML part with local images,
    links opening in a new tab and, when ``dark``, the dark palette forced on."""
    out = rewrite_cids(view.html, cid_url)
    out = inject_head(out, '<base target="_blank">')
    return force_dark(out) if dark else out


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, list[str]]] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href is not None:
                entry: tuple[str, list[str]] = (href.strip(), [])
                self.links.append(entry)
                self._open.append(entry)
        elif tag == "img" and self._open:
            alt = dict(attrs).get("alt") or "image"
            self._open[-1][1].append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for _href, parts in self._open:
            parts.append(data)


def _problem(href: str) -> tuple[str, str]:
    scheme = href.split(":", 1)[0].lower() if ":" in href else ""
    if _TOKEN_RE.search(href):
        return scheme or "relative", "unreplaced placeholder"
    if scheme == "https":
        return scheme, ""
    if scheme == "mailto":
        return scheme, ""
    if scheme == "http":
        return scheme, "not https"
    if not scheme:
        return "relative", "relative link (broken in a mail client)"
    return scheme, f"not https ({scheme}:)"


def extract_links(html_text: str) -> list[Link]:
    """Every ``<a href>`` of an HTML document, with its text and a problem, if any."""
    p = _LinkParser()
    p.feed(html_text)
    p.close()
    out = []
    for href, parts in p.links:
        text = " ".join(" ".join(parts).split())
        scheme, problem = _problem(href)
        out.append(Link(href=href, text=text, scheme=scheme, problem=problem))
    return out


def build_view(factory_cls: Any, recipient_cls: Any, rendered: RenderedEdition, *,
               config: Config,
               list_name: str, secret: bytes, recipient: dict[str, Any]) -> MailView:
    """Build the real message for one sample recipient and take it apart.

    Args:
        factory_cls: ``MessageFactory`` (passed in so this module imports no delivery code).
        recipient_cls: ``Recipient``.
        rendered: the ``RenderedEdition`` of the list.
        recipient: ``{"id", "email", "name"}`` of the sample subscriber.
    """
    factory = factory_cls(rendered, config=config, list_name=list_name, secret=secret)
    rcpt = recipient_cls(id=recipient["id"], email=recipient["email"],
                         name=recipient["name"], list_name=list_name)
    view = parse_message(factory.build(rcpt, test=False))
    for w in getattr(rendered, "warnings", None) or []:
        view.warnings.append(str(w))
    return view


def escape(value: str) -> str:
    """HTML-escape for attribute values built by hand."""
    return htmlmod.escape(value, quote=True)
