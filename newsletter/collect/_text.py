"""The one text pipeline: bytes -> str -> repaired, sanitized text and HTML.

Every string the collector keeps passes through here: :func:`decode_bytes` for raw bodies,
:func:`clean_text` for plain text (titles, summaries, article bodies), :func:`clean_html` for
the email-safe HTML copy of a body, and :func:`html_to_text` to turn a fragment into text.
"""

from __future__ import annotations

import codecs
import html as htmllib
import re
import unicodedata
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import ftfy
import lxml.html
import nh3
from ftfy.badness import is_bad

# ---------------------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
# What browsers actually mean by a few labels (WHATWG Encoding Standard).
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
            "us-ascii": "cp1252", "ascii": "cp1252", "iso-8859-9": "cp1254",
            "tis-620": "cp874", "iso-8859-11": "cp874", "windows-874": "cp874",
            "x-sjis": "shift_jis", "gb2312": "gb18030", "gbk": "gb18030"}


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(data: bytes, content_type: str | None) -> str | None:
    """The charset a body declares: BOM, then HTTP header, then XML declaration or meta."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m and (declared := _codec(m.group(1))):
            return declared
    head = data[:4096]
    found = _XML_DECL.search(head) or _META_CHARSET.search(head)
    return _codec(found.group(1).decode("ascii", "ignore")) if found else None


def _looks_garbled(text: str) -> bool:
    """True when decoded text is plainly wrong: replacement chars, C1 controls, or mojibake."""
    if not text:
        return False
    bad = text.count("\ufffd") + sum(1 for ch in text if "\x80" <= ch <= "\x9f")
    if bad * 200 > len(text) + 200:
        return True
    return is_bad(text[:20000]) if ("Ã" in text or "â" in text) else False


def decode_bytes(data: bytes, content_type: str | None = None) -> str:
    """Decode a body to text.

    The charset comes from the BOM, the HTTP ``Content-Type`` header, the XML declaration or
    an HTML ``<meta charset>``; UTF-8 is tried when none is declared; charset-normalizer
    detection is the fallback when the declared one fails, is absent, or produces garbage
    (a page that says ``iso-8859-1`` but is UTF-8, for example).

    Args:
        data: the raw (already decompressed) body.
        content_type: the response's ``Content-Type`` header, if any.

    Returns:
        The decoded text; never raises (undecodable bytes become U+FFFD).
    """
    if not data:
        return ""
    declared = declared_charset(data, content_type)
    candidates = [c for c in (declared, "utf-8") if c]
    for name in dict.fromkeys(candidates):
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if not _looks_garbled(text):
            return text.lstrip("\ufeff")
    best = charset_normalizer.from_bytes(data[:200_000]).best() if len(data) >= 256 else None
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding, errors="replace").lstrip("\ufeff")
        except LookupError:
            pass
    # Too short to detect reliably: Windows-1252 maps every byte to something readable.
    return data.decode("cp1252", errors="replace").lstrip("\ufeff")


# ------------------------------------------------------------------ mojibake repair

def _sloppy_874() -> tuple[dict[str, int], str]:
    """Windows-874 with its holes filled from Windows-1252/Latin-1, as browsers decode it."""
    table: dict[str, int] = {}
    for b in range(256):
        ch = None
        for enc in ("cp874", "cp1252", "latin-1"):
            try:
                ch = bytes([b]).decode(enc)
                break
            except UnicodeDecodeError:
                continue
        if ch is not None:
            table.setdefault(ch, b)
    cont = "".join(re.escape(c) for c, b in table.items() if 0x80 <= b <= 0xBF)
    return table, cont


_874, _CONT = _sloppy_874()
_LEAD2 = "".join(re.escape(c) for c, b in _874.items() if 0xC2 <= b <= 0xDF)
_LEAD3 = "".join(re.escape(c) for c, b in _874.items() if 0xE0 <= b <= 0xEF)
_LEAD4 = "".join(re.escape(c) for c, b in _874.items() if 0xF0 <= b <= 0xF4)
_MOJI_874 = re.compile(f"[{_LEAD2}][{_CONT}]|[{_LEAD3}][{_CONT}]{{2}}|[{_LEAD4}][{_CONT}]{{3}}")
_C1_1252 = set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ")
_THAI = re.compile("[\u0e01-\u0e5b]")


def _fix_874(text: str) -> str:
    """Undo UTF-8 that was decoded as Windows-874 ("โ€™" -> "’").

    ftfy 6 has no sloppy-windows-874 codec, so it leaves this mojibake alone. A sequence is
    repaired only when it is valid UTF-8 once re-encoded, and either contains a character
    from Windows-1252's 0x80-0x9F block (which genuine Thai text does not mix in) or the
    text holds no Thai characters outside such sequences.
    """
    if not _THAI.search(text):
        return text
    matches = list(_MOJI_874.finditer(text))
    if not matches:
        return text
    rest = _MOJI_874.sub("", text)
    no_real_thai = not _THAI.search(rest)

    def repl(m: re.Match[str]) -> str:
        seq = m.group(0)
        if not (no_real_thai or any(c in _C1_1252 for c in seq)):
            return seq
        try:
            return bytes(_874[c] for c in seq).decode("utf-8")
        except (KeyError, UnicodeDecodeError):
            return seq

    text = _MOJI_874.sub(repl, text)
    # Windows-1252 has no 0x9D, so the closing quote U+201D (E2 80 9D) loses its last byte
    # on the way and is left as a bare "โ€"; nothing else produces that pair.
    return text.replace("\u0e42\u20ac", "\u201d")


# ---------------------------------------------------------------------- plain text

_C1 = re.compile("[\x80-\x9f]")


def _needs_ftfy(s: str) -> bool:
    """ftfy's own first test (``is_bad``) plus C1 controls: ftfy costs ~6x this check, and
    almost all text is clean."""
    return bool(_C1.search(s)) or is_bad(s)


_LINK_NOTES = re.compile(
    r"\s*[(\[]\s*(?:opens|open|link opens)\s+(?:in\s+)?(?:a\s+)?new\s+(?:tab|window)\s*[)\]]"
    r"|\s*[(\[]\s*external\s+link\s*[)\]]", re.I)
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _strip_link_notes(s: str) -> str:
    low = s.lower()  # the regex is slow to scan; most text has no annotation at all
    if "new tab" in low or "new window" in low or "external link" in low:
        return _LINK_NOTES.sub("", s)
    return s


def clean_text(s: str | None) -> str:
    """Repair and normalise a piece of plain text.

    Unescapes HTML entities, repairs mojibake (ftfy, plus UTF-8 read as Windows-874), drops
    link annotations such as "(opens in a new tab)", removes control and zero-width
    characters, and normalises whitespace: runs of spaces collapse, lines are trimmed, and
    paragraphs are separated by exactly one blank line.
    """
    if not s:
        return ""
    if "&" in s:
        s = htmllib.unescape(s)
    if not s.isascii():
        s = _fix_874(s)
        if _needs_ftfy(s):
            s = ftfy.fix_text(s, unescape_html=False, uncurl_quotes=False, normalization="NFC")
            s = _fix_874(s)
    s = _strip_link_notes(s)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    if not s.isascii():
        s = _ZERO_WIDTH.sub("", s)
    s = _CONTROLS.sub("", s)
    s = _SPACES.sub(" ", s)
    lines = [ln.strip() for ln in s.split("\n")]
    out: list[str] = []
    for ln in lines:
        if ln:
            out.append(ln)
        elif out and out[-1] != "":
            out.append("")
    s = "\n".join(out).strip()
    return s if s.isascii() else unicodedata.normalize("NFC", s)


_BLOCK_TAGS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr",
               "table", "ul", "ol", "section", "article", "pre", "br", "dd", "dt", "figure",
               "header", "footer", "main", "aside", "hr", "figcaption"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "iframe", "object", "svg", "head"}


_RX_DROP = re.compile(r"<!--.*?(?:-->|$)|<(script|style|noscript|template|iframe|object|svg|"
                      r"head|textarea|select)\b[^>]*>.*?(?:</\1\s*>|$)", re.I | re.S)
_RX_BLOCK = re.compile(r"</?(?:" + "|".join(sorted(_BLOCK_TAGS)) + r")\b[^>]*>", re.I)
_RX_LI = re.compile(r"<li\b[^>]*>", re.I)
_RX_CELL = re.compile(r"</?(?:td|th|dt|dd)\b[^>]*>", re.I)
_RX_TAG = re.compile(r"<[a-zA-Z/!?][^>]*>")


def _fragment_text(fragment: str) -> str:
    """Regex fast path for markup in strings (feed entries): the result is plain text,
    so a crude tag strip is safe, and it is ~10x faster than building a tree."""
    s = _RX_DROP.sub(" ", fragment)
    s = _RX_LI.sub("\n\n• ", s)
    s = _RX_BLOCK.sub("\n\n", s)
    s = _RX_CELL.sub(" ", s)
    s = _RX_TAG.sub("", s)
    s = re.sub(r"[ \t]*\n[ \t]*", "\n", s)
    s = re.sub(r"(?<!\n)\n(?!\n)", " ", s)
    return clean_text(s)


def html_to_text(fragment: str | lxml.html.HtmlElement | None) -> str:
    """Plain text of an HTML fragment (or an lxml element): block elements become
    paragraphs, scripts and styles are dropped; the result goes through :func:`clean_text`."""
    if fragment is None:
        return ""
    if isinstance(fragment, str):
        return _fragment_text(fragment) if "<" in fragment else clean_text(fragment)
    root = fragment
    parts: list[str] = []

    def walk(el: lxml.html.HtmlElement, top: bool = False) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP_TAGS:
            if el.tail and not top:
                parts.append(el.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n\n")
        if tag == "li":
            parts.append("• ")
        if el.text and tag:
            parts.append(el.text)
        for child in el:
            walk(child)
        if block:
            parts.append("\n\n")
        elif tag in ("td", "th", "dt", "dd"):
            parts.append(" ")  # keep table cells apart
        if el.tail and not top:  # the text after the element is not part of it
            parts.append(el.tail)

    walk(root, top=True)
    text = "".join(parts)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    text = re.sub(r"(?<!\n)\n(?!\n)", " ", text)
    return clean_text(text)


# ----------------------------------------------------------------------- safe HTML

_ALLOWED_TAGS = {"p", "a", "ul", "ol", "li", "strong", "em", "b", "i", "blockquote", "h2", "h3",
                 "h4", "br", "table", "thead", "tbody", "tr", "th", "td", "caption"}
_ALLOWED_ATTRS = {"a": {"href", "title"}, "th": {"colspan", "rowspan"},
                  "td": {"colspan", "rowspan"}}
_DROP_WITH_CONTENT = {"script", "style", "iframe", "form", "object", "embed", "noscript",
                      "template", "svg", "math", "textarea", "select", "button"}


def _absolutize(base_url: str | None):  # type: ignore[no-untyped-def]
    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if tag == "a" and attr == "href":
            value = value.strip()
            url = urljoin(base_url, value) if base_url else value
            scheme = urlsplit(url).scheme.lower()
            if scheme not in ("http", "https", "mailto"):
                return None
            return url
        return value

    return attribute_filter


def clean_html(html: str | None, base_url: str | None = None) -> str:
    """Sanitize an HTML fragment into email-safe HTML.

    Keeps only p, a[href], lists, strong/em/b/i, blockquote, h2-h4, br and basic tables;
    drops scripts, styles, iframes, forms and images with their content; removes every
    event handler and style attribute; keeps only http(s) and mailto links, made absolute
    against ``base_url``, with ``rel="noopener noreferrer"``. Text is repaired like
    :func:`clean_text` (mojibake, link annotations).
    """
    if not html or not html.strip():
        return ""
    if not html.isascii():
        html = _fix_874(html)
        if _needs_ftfy(html):
            html = ftfy.fix_text(html, unescape_html=False, uncurl_quotes=False,
                                 fix_line_breaks=False)
    html = _strip_link_notes(html)
    out = nh3.clean(html, tags=_ALLOWED_TAGS, clean_content_tags=_DROP_WITH_CONTENT,
                    attributes=_ALLOWED_ATTRS, url_schemes={"http", "https", "mailto"},
                    link_rel="noopener noreferrer", strip_comments=True,
                    attribute_filter=_absolutize(base_url))
    out = re.sub(r"<(p|li|h[2-4]|blockquote)>\s*</\1>", "", out)
    return re.sub(r"\n{3,}", "\n\n", out).strip()
