"""The public archive's copies of the stored pages and of the rendered index.

Every change of the ``archive`` table writes a new :meth:`~newsletter.store.Store.
archive_version` in the same transaction. A request reads the version (a read started
after it arrived, without a worker thread where the database allows, shared with the
requests that arrive together: :class:`~newsletter.web._coalesce.FreshRead`) and answers
from the copy made at that version, so it never gets an older page than the store holds,
whichever process (a ``build`` or ``send`` run, another ``serve`` instance) changed it.
A copy is also dropped after ``max_age`` seconds, so a writer that bypasses the store (an
older release, a hand-made SQL change) shows within that time.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from ._coalesce import FreshRead

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["ArchiveCache"]


class ArchiveCache:
    """Published archive pages (the ``max_pages`` most recently asked for) and the index.

    Args:
        store: the store.
        max_pages: how many pages to keep (a page is some 40-200 KB).
        max_age: seconds a copy is used before it is read again (see the module docstring).
    """

    def __init__(self, store: Store, *, max_pages: int = 64, max_age: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self.version = FreshRead(store.archive_version_async)
        self.max_pages = max_pages
        self.max_age = max_age
        self._clock = clock
        self._pages: OrderedDict[tuple[date, str], tuple[str | None, float, bytes]] = \
            OrderedDict()
        self._index: tuple[Any, float, bytes] | None = None

    async def page(self, day: date, kind: str) -> bytes | None:
        """The published ``kind`` page of ``day`` (UTF-8), None if there is none."""
        version = await self.version()
        key = (day, kind)
        now = self._clock()
        hit = self._pages.get(key)
        if hit is not None and hit[0] == version and now - hit[1] < self.max_age:
            self._pages.move_to_end(key)
            return hit[2]
        html = await run_in_threadpool(partial(self._store.archive_page, day, kind=kind))
        if html is None:  # not cached: unknown days must not push out the real pages
            self._pages.pop(key, None)
            return None
        body = html.encode()
        self._pages[key] = (version, now, body)
        self._pages.move_to_end(key)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        return body

    async def index(self, render: Callable[[list[date], list[date]], bytes],
                    templates: object) -> bytes:
        """The index page: ``render(days, weeks)`` (the published dailies and weeklies,
        newest first), rendered again when the archive or ``templates`` (the page
        templates' generation) changed."""
        key = (await self.version(), templates)
        now = self._clock()
        if self._index is not None and self._index[0] == key \
                and now - self._index[1] < self.max_age:
            return self._index[2]
        days, weeks = await run_in_threadpool(self._dates)
        body = render(days, weeks)
        self._index = (key, now, body)
        return body

    def _dates(self) -> tuple[list[date], list[date]]:
        return self._store.archive_dates(), self._store.archive_dates(kind="weekly")
