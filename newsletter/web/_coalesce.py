"""Store calls that concurrent requests of the public web app share (bench/web.py).

Each store call of a handler costs a round trip at least, and through the thread pool a
hop to a worker thread and back, which on a busy two-core machine (the GIL handed between
the event loop and the worker) costs more than SQLite's query. Requests that arrive
together therefore share them:

* :class:`FreshRead`: ``await read()`` is the result of a call of the coroutine function
  ``fn`` (which reads without a worker thread where it can: the archive's version,
  ``store/_loop_io.py``) that *started after* the await began, so it is never older
  than the request; the requests that arrive while a call is running share the next one.
  A burst of N requests costs two calls, not N.
* :class:`Batcher`: ``await batch(item)`` awaits ``fn(items)`` once for the items that
  arrived while the previous batch ran (group commit: the one-click unsubscribes, in a
  worker thread on SQLite, on the loop's own connection on PostgreSQL): each caller's
  answer comes after the batch that holds its item has finished, exactly as if it had
  run alone.

Both live on the event loop of the app (one per process); a call that fails fails every
request that was waiting for it (as a failed query would have failed each of them).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - an item of a batch

__all__ = ["Batcher", "FreshRead"]


def _settle(fut: asyncio.Future[Any], value: Any = None,
            exc: BaseException | None = None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(value)


def _retrieved(fut: asyncio.Future[Any]) -> None:
    """Mark a shared future's exception as seen (its waiters may all have gone)."""
    if not fut.cancelled():
        fut.exception()


class FreshRead(Generic[T]):
    """An awaited call of ``fn`` that started after the caller's await began, shared by
    the callers that wait for the same one (see the module docstring)."""

    def __init__(self, fn: Callable[[], Awaitable[T]]) -> None:
        self._fn = fn
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: asyncio.Future[T] | None = None  # the call in progress
        self._next: asyncio.Future[T] | None = None     # the call after it
        self._task: asyncio.Task[None] | None = None

    async def __call__(self) -> T:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (a test client): start afresh
            self._loop, self._running, self._next = loop, None, None
        if self._running is None:
            fut = self._running = self._future(loop)
            self._task = loop.create_task(self._run(fut))
        else:  # the running call may have read before this request arrived: the next one
            if self._next is None:
                self._next = self._future(loop)
            fut = self._next
        return await asyncio.shield(fut)

    @staticmethod
    def _future(loop: asyncio.AbstractEventLoop) -> asyncio.Future[T]:
        fut: asyncio.Future[T] = loop.create_future()
        fut.add_done_callback(_retrieved)
        return fut

    async def _run(self, fut: asyncio.Future[T]) -> None:
        try:
            value = await self._fn()
        except Exception as exc:
            _settle(fut, exc=exc)
        except BaseException:
            fut.cancel()
            raise
        else:
            _settle(fut, value)
        finally:
            nxt, self._next = self._next, None
            self._running = nxt
            if nxt is not None and self._loop is not None:
                self._task = self._loop.create_task(self._run(nxt))


class Batcher(Generic[I, T]):
    """``await batch(item)``: ``await fn(items)`` for the items that arrived together, at
    most ``max_items`` a call and ``concurrency`` calls at a time; ``fn`` returns one
    result per item, in order."""

    def __init__(self, fn: Callable[[list[I]], Awaitable[Sequence[T]]], *,
                 max_items: int = 100, concurrency: int = 1) -> None:
        self._fn = fn
        self.max_items = max_items
        self.concurrency = max(1, concurrency)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: list[tuple[I, asyncio.Future[T]]] = []
        self._running = 0  # drain tasks that have not returned
        self._tasks: set[asyncio.Task[None]] = set()  # (references, so none is collected)

    async def __call__(self, item: I) -> T:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (a test client): start afresh
            self._loop, self._queue, self._running, self._tasks = loop, [], 0, set()
        fut: asyncio.Future[T] = loop.create_future()
        fut.add_done_callback(_retrieved)
        self._queue.append((item, fut))
        # Counted here and in _drain's finally, not by the tasks' done callbacks: those run
        # a loop iteration later, and an item queued meanwhile would wait for the next one.
        if self._running < self.concurrency:
            self._running += 1
            task = loop.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(fut)

    async def _drain(self) -> None:
        try:
            await self._drain_queue()
        finally:
            self._running -= 1

    async def _drain_queue(self) -> None:
        while self._queue:
            batch = self._queue[:self.max_items]
            del self._queue[:self.max_items]
            try:
                results = await self._fn([item for item, _ in batch])
                if len(results) != len(batch):
                    raise RuntimeError(f"a batch of {len(batch)} gave {len(results)}")
            except Exception as exc:
                for _, fut in batch:
                    _settle(fut, exc=exc)
            except BaseException:
                for _, fut in batch:
                    fut.cancel()
                raise
            else:
                for (_, fut), result in zip(batch, results, strict=True):
                    _settle(fut, result)
