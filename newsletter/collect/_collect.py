"""The collect stage: every source fetched concurrently, one :class:`SourceResult` each."""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import httpx

from ..config import CollectSettings
from ..exceptions import FetchError, ParseError
from ..types import Item, Source
from ._feeds import looks_like_feed, looks_like_html, parse_feed
from ._fetch import Fetched, Fetcher
from ._pages import extract_article, extract_items, extract_links
from ._text import decode_bytes
from ._urls import canonical_url, is_http_url

log = logging.getLogger(__name__)
Status = Literal["ok", "not_modified", "error"]


@dataclass
class FetchState:
    """HTTP validators remembered from the last successful fetch of a source."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass
class SourceResult:
    """What collecting one source produced. ``error`` is one line when status is error."""

    source: Source
    url: str
    status: Status = "ok"
    error: str | None = None
    items: list[Item] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    permanent_redirect: str | None = None
    warnings: list[str] = field(default_factory=list)
    documents_parsed: int = 0


@dataclass
class _Parsed:
    items: list[Item]
    warnings: list[str]
    documents: int


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


async def _fetch_article(f: Fetcher, source: Source, url: str) -> tuple[Item, list[str]]:
    got = await f.fetch(url, kind="page", discovered=True, source=source.name)
    if _is_binary(got.content) or looks_like_feed(got.content, got.content_type):
        raise ParseError("expected an article page, got something else", source=source.name,
                         url=url)
    return _article_item(source, got.url, decode_bytes(got.content, got.content_type))


async def _follow(f: Fetcher, source: Source, items: list[Item],
                  warnings: list[str]) -> tuple[list[Item], int]:
    """Fetch each feed entry's page for its body and highlights (first follow_limit)."""
    limit = f.settings.follow_limit
    todo = items[:limit]
    got = await asyncio.gather(*(_fetch_article(f, source, it.url) for it in todo),
                               return_exceptions=True)
    out, parsed = [], 0
    for item, res in zip(todo, got, strict=True):
        if isinstance(res, BaseException):
            if not isinstance(res, FetchError):
                raise res
            warnings.append(f"article {item.url}: {res.message}")
            out.append(item)
            continue
        art, more = res
        parsed += 1
        warnings.extend(more)
        out.append(replace(item, text=art.text or item.text, html=art.html or item.html,
                           highlights=art.highlights or item.highlights,
                           published=item.published or art.published,
                           title=item.title or art.title, summary=item.summary or art.summary))
    return out + items[limit:], parsed


async def _process(f: Fetcher | None, source: Source, got: Fetched, kind: str) -> _Parsed:
    data, ctype, url = got.content, got.content_type, got.url
    warnings: list[str] = []
    if kind == "feed":
        pf = parse_feed(data, url=url, source=source.name, content_type=ctype,
                        content_location=got.headers.get("content-location"))
        warnings += pf.warnings
        items, docs = pf.items, 1
        if source.follow and f is not None:
            items, more = await _follow(f, source, items, warnings)
            docs += more
        return _Parsed(items, warnings, docs)
    if not data.strip():
        raise ParseError("not an HTML page: the response body is empty", source=source.name,
                         url=url)
    if _is_binary(data):
        raise ParseError("not an HTML page: binary content", source=source.name, url=url)
    if looks_like_feed(data, ctype) and not looks_like_html(data, ctype):
        warnings.append("a page source returned a feed; parsed it as a feed")
        return await _process(f, replace(source, follow=False), got, "feed")
    html = decode_bytes(data, ctype)
    sel = source.selectors
    if "item" in sel:
        return _Parsed(extract_items(html, url, sel, source=source.name), warnings, 1)
    if "links" in sel:
        links = extract_links(html, url, sel["links"], f.settings.follow_limit if f else 20)
        if not links:
            warnings.append(f"no article links matched selector {sel['links']!r}")
        if f is None:
            return _Parsed([], warnings, 1)
        got_all = await asyncio.gather(*(_fetch_article(f, source, u) for u in links),
                                       return_exceptions=True)
        items, docs = [], 1
        for link, res in zip(links, got_all, strict=True):
            if isinstance(res, BaseException):
                if not isinstance(res, FetchError):
                    raise res
                warnings.append(f"article {link}: {res.message}")
                continue
            items.append(res[0])
            warnings.extend(res[1])
            docs += 1
        return _Parsed(items, warnings, docs)
    item, more = _article_item(source, url, html)
    return _Parsed([item], warnings + more, 1)


async def _collect_one(f: Fetcher, source: Source, state: FetchState | None) -> SourceResult:
    result = SourceResult(source=source, url=source.url)
    state = state or FetchState()
    try:
        got = await f.fetch(source.url, kind=source.kind, etag=state.etag,
                            last_modified=state.last_modified, source=source.name)
        result.permanent_redirect = got.permanent_redirect
        result.etag = got.etag or state.etag
        result.last_modified = got.last_modified or state.last_modified
        if got.status == 304:
            result.status = "not_modified"
            return result
        parsed = await _process(f, source, got, source.kind)
        result.items, result.documents_parsed = parsed.items, parsed.documents
        result.warnings.extend(parsed.warnings)
    except FetchError as exc:
        result.status, result.error = "error", exc.message
    except Exception as exc:  # a bug or a parser crash must not sink the other sources
        log.exception("collecting %s failed", source.name)
        result.status, result.error = "error", f"internal error: {type(exc).__name__}: {exc}"
    return result


async def collect_sources(sources: list[Source], state: dict[str, FetchState],
                          settings: CollectSettings, *, user_agent: str,
                          transport: httpx.AsyncBaseTransport | None = None
                          ) -> list[SourceResult]:
    """Fetch and parse every source concurrently.

    Args:
        sources: the sources, usually from :func:`load_sources`.
        state: ``{source name: FetchState}`` for conditional GET.
        settings: limits, timeouts, retries and link policy.
        user_agent: an honest User-Agent with a contact URL.
        transport: an httpx transport (the snapshot transport offline); None for the network.

    Returns:
        One :class:`SourceResult` per source, in the order given. Never raises for a
        source's failure: the result carries status ``error`` and a one-line message.
    """
    async with Fetcher(settings, user_agent, transport) as fetcher:
        return list(await asyncio.gather(
            *(_collect_one(fetcher, s, state.get(s.name)) for s in sources)))


async def inspect_target(target: str, *, source: Source | None = None,
                         settings: CollectSettings, user_agent: str,
                         transport: httpx.AsyncBaseTransport | None = None
                         ) -> tuple[str, list[Item]]:
    """What the collector extracts from one URL or local file (``newsletter inspect``).

    Feed or page is decided from the content. A given ``source`` supplies the selectors,
    ``follow`` and the base URL for a local file.

    Returns:
        ``("feed" | "page", items)``.

    Raises:
        FetchError: the target cannot be read, fetched or parsed (ParseError for the last).
    """
    name = source.name if source else "inspect"
    if not is_http_url(target):
        path = Path(target)
        try:
            if path.stat().st_size > settings.max_bytes:
                raise FetchError(f"{path}: file is larger than the {settings.max_bytes} byte "
                                 "limit", source=name, url=str(path))
            data = path.read_bytes()
        except OSError as exc:
            raise FetchError(f"{path}: cannot read: {exc.strerror or exc}", source=name,
                             url=str(path)) from None
        ctype = mimetypes.guess_type(path.name)[0] or ""
        base = source.url if source else path.resolve().as_uri()
        got = Fetched(base, 200, httpx.Headers({"content-type": ctype}), data)
        # links inside a local file are only followed when a source gives a base URL
        needs_client = source is not None and (source.follow or "links" in source.selectors)
        if not needs_client:
            return await _inspect(None, source, got, name)
    async with Fetcher(settings, user_agent, transport) as fetcher:
        if is_http_url(target):
            got = await fetcher.fetch(target, kind=source.kind if source else "feed",
                                      source=name)
        return await _inspect(fetcher, source, got, name)


async def _inspect(fetcher: Fetcher | None, source: Source | None, got: Fetched,
                   name: str) -> tuple[str, list[Item]]:
    kind = "feed" if looks_like_feed(got.content, got.content_type) and not \
        looks_like_html(got.content, got.content_type) else "page"
    src = source or Source(name=name, title=name, kind=kind, url=got.url)  # type: ignore[arg-type]
    parsed = await _process(fetcher if is_http_url(got.url) else None, src, got, kind)
    return kind, parsed.items
