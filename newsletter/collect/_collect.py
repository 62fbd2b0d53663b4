"""The collect stage: every source fetched concurrently, one :class:`SourceResult` each."""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import httpx

from ..config import CollectSettings
from ..exceptions import FetchError
from ..types import Item, Source
from ._fetch import Fetched, Fetcher
from ._fx import parse_ecb_rates
from ._kinds import detect_kind, source_kind
from ._parse import Doc, parse_article
from ._robots import RobotsCache
from ._urls import is_http_url

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


ARTICLE = "article"
"""The parse mode of a page a feed entry or a listing page links to."""


def parse_document(mode: str, source: Source, data: bytes, ctype: str, url: str,
                   content_location: str | None = None, limit: int = 20) -> Doc:
    """All CPU work on one fetched document (a plain function, so it can run in a worker
    process). ``mode``: a source kind's name (``collect/_kinds.py``) or ``article`` (a
    followed link).

    Raises:
        ParseError: the bytes are not what the mode expects.
    """
    if source.role == "fx" and mode != ARTICLE:
        return [parse_ecb_rates(data, source, url)], [], []
    if mode == ARTICLE:
        return parse_article(source, data, ctype, url)
    return source_kind(mode).parse(source, data, ctype, url, content_location, limit)


@dataclass
class _Run:
    """What one run shares: the fetcher and, optionally, a pool of parser processes."""

    fetcher: Fetcher | None
    pool: Executor | None = None
    follow_limit: int = 20

    async def parse(self, mode: str, source: Source, data: bytes, ctype: str, url: str,
                    content_location: str | None = None, limit: int = 20) -> Doc:
        if self.pool is None:
            return parse_document(mode, source, data, ctype, url, content_location, limit)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, parse_document, mode, source, data,
                                          ctype, url, content_location, limit)


async def _fetch_article(run: _Run, source: Source, url: str) -> Item:
    assert run.fetcher is not None
    got = await run.fetcher.fetch(url, policy="crawl", discovered=True, source=source.name)
    items, _warnings, _ = await run.parse(ARTICLE, source, got.content, got.content_type,
                                          got.url)
    return items[0]


async def _fetch_all(run: _Run, source: Source, urls: list[str],
                     warnings: list[str]) -> list[Item | None]:
    got = await asyncio.gather(*(_fetch_article(run, source, u) for u in urls),
                               return_exceptions=True)
    out: list[Item | None] = []
    for url, res in zip(urls, got, strict=True):
        if isinstance(res, BaseException):
            if not isinstance(res, FetchError):
                raise res
            warnings.append(f"article {url}: {res.message}")
            out.append(None)
        else:
            out.append(res)
    return out


async def _process(run: _Run, source: Source, got: Fetched, kind: str) -> _Parsed:
    items, warnings, links = await run.parse(kind, source, got.content, got.content_type,
                                             got.url, got.headers.get("content-location"),
                                             run.follow_limit)
    warnings = list(warnings)
    docs = 1
    if run.fetcher is None:
        return _Parsed(items, warnings, docs)
    if links:  # a listing page: each link is an article
        arts = await _fetch_all(run, source, links, warnings)
        found = [a for a in arts if a is not None]
        return _Parsed(found, warnings, docs + len(found))
    if source_kind(kind).follows_entries and source.follow:  # entries link to the articles
        todo = items[:run.follow_limit]
        arts = await _fetch_all(run, source, [i.url for i in todo], warnings)
        merged = []
        for item, art in zip(todo, arts, strict=True):
            if art is None:
                merged.append(item)
                continue
            docs += 1
            merged.append(replace(
                item, text=art.text or item.text, html=art.html or item.html,
                highlights=art.highlights or item.highlights,
                published=item.published or art.published, title=item.title or art.title,
                summary=item.summary or art.summary))
        items = merged + items[run.follow_limit:]
    return _Parsed(items, warnings, docs)


async def _collect_one(run: _Run, source: Source, state: FetchState | None) -> SourceResult:
    result = SourceResult(source=source, url=source.url)
    state = state or FetchState()
    assert run.fetcher is not None
    try:
        got = await run.fetcher.fetch(source.url, policy=source_kind(source.kind).fetch_policy,
                                      etag=state.etag, last_modified=state.last_modified,
                                      source=source.name)
        result.permanent_redirect = got.permanent_redirect
        result.etag = got.etag or state.etag
        result.last_modified = got.last_modified or state.last_modified
        if got.status == 304:
            result.status = "not_modified"
            return result
        parsed = await _process(run, source, got, source.kind)
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
                          transport: httpx.AsyncBaseTransport | None = None,
                          parse_workers: int = 0,
                          robots: RobotsCache | None = None) -> list[SourceResult]:
    """Fetch and parse every source concurrently.

    Args:
        sources: the sources, usually from :func:`load_sources`.
        state: ``{source name: FetchState}`` for conditional GET.
        settings: limits, timeouts, retries and link policy.
        user_agent: an honest User-Agent with a contact URL.
        transport: an httpx transport (the snapshot transport offline); None for the network.
        parse_workers: parse in this many worker processes (0: in this process, the
            default; worth it only for hundreds of documents on a multi-core machine).
        robots: robots.txt remembered from earlier runs; what this run fetches is added
            to it (``robots.updated`` is what to persist). None: a cache for this run only.

    Returns:
        One :class:`SourceResult` per source, in the order given. Never raises for a
        source's failure: the result carries status ``error`` and a one-line message.
    """
    pool = ProcessPoolExecutor(parse_workers) if parse_workers > 0 else None
    try:
        async with Fetcher(settings, user_agent, transport, robots) as fetcher:
            run = _Run(fetcher, pool, settings.follow_limit)
            return list(await asyncio.gather(
                *(_collect_one(run, s, state.get(s.name)) for s in sources)))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


async def inspect_target(target: str, *, source: Source | None = None,
                         settings: CollectSettings, user_agent: str,
                         transport: httpx.AsyncBaseTransport | None = None
                         ) -> tuple[str, list[Item]]:
    """What the collector extracts from one URL or local file (``newsletter inspect``).

    The kind (feed or page) is decided from the content (``collect/_kinds.py``). A given
    ``source`` supplies the selectors, ``follow`` and the base URL for a local file.

    Returns:
        ``(kind name, items)``.

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
            return await _inspect(_Run(None, None, settings.follow_limit), source, got, name)
    async with Fetcher(settings, user_agent, transport) as fetcher:
        if is_http_url(target):
            policy = source_kind(source.kind).fetch_policy if source else "plain"
            got = await fetcher.fetch(target, policy=policy, source=name)
        return await _inspect(_Run(fetcher, None, settings.follow_limit), source, got, name)


async def _inspect(run: _Run, source: Source | None, got: Fetched,
                   name: str) -> tuple[str, list[Item]]:
    kind = detect_kind(got.content, got.content_type)
    src = source or Source(name=name, title=name, kind=kind, url=got.url)
    if not is_http_url(got.url):
        run = _Run(None, None, run.follow_limit)
    parsed = await _process(run, src, got, kind)
    return kind, parsed.items
