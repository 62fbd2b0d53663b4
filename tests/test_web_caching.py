"""The public app's shared store calls and copies (web/_coalesce.py, web/_archive.py,
store/_loop_io.py): a copy never outlives the stored version it was made from, on either
engine and whichever process wrote; grouped unsubscribes behave as one each; a template
edit shows."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newsletter.deliver._tokens import make_token
from newsletter.store import open_store
from newsletter.store._subscribers import SubscriberInput, email_key
from newsletter.web._archive import ArchiveCache
from newsletter.web._coalesce import Batcher, FreshRead

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
DAY = date(2026, 11, 24)


# --- Batcher --------------------------------------------------------------------------------
async def _echo(items: list[int]) -> list[int]:
    await asyncio.sleep(0)
    return items


def test_batcher_groups_items_that_arrive_while_a_batch_runs() -> None:
    calls: list[list[int]] = []
    release = threading.Event()

    def write(items: list[int]) -> list[int]:
        calls.append(list(items))
        if len(calls) == 1:
            release.wait(5)
        return [i * 10 for i in items]

    async def fn(items: list[int]) -> list[int]:
        return await asyncio.to_thread(write, items)

    async def main() -> list[int]:
        batch: Batcher[int, int] = Batcher(fn)
        first = asyncio.create_task(batch(1))
        await asyncio.sleep(0.05)  # the first batch runs (and waits)
        rest = [asyncio.create_task(batch(i)) for i in (2, 3, 4)]
        await asyncio.sleep(0.05)
        release.set()
        return [await first, *[await t for t in rest]]

    assert asyncio.run(main()) == [10, 20, 30, 40]
    assert calls == [[1], [2, 3, 4]]


def test_batcher_never_strands_an_item(monkeypatch: pytest.MonkeyPatch) -> None:
    """Items that arrive at any moment are all written, without waiting for a later one
    (a drain task used to be counted out by its done callback, a loop iteration after it
    returned: an item queued in between waited for the next request)."""
    import random

    async def main() -> int:
        batch: Batcher[int, int] = Batcher(_echo)
        rng = random.Random(7)

        async def client(k: int) -> int:
            done = 0
            for i in range(40):
                for _ in range(rng.randrange(4)):
                    await asyncio.sleep(0)
                assert await asyncio.wait_for(batch(k * 1000 + i), 5) == k * 1000 + i
                done += 1
            return done

        return sum(await asyncio.gather(*(client(k) for k in range(20))))

    assert asyncio.run(main()) == 800


def test_batcher_item_queued_before_a_finished_drain_is_reaped() -> None:
    """The exact moment: the drain task has returned, its done callback (which forgets
    the task) has not run yet, and an item arrives."""

    async def main() -> int:
        batch: Batcher[int, int] = Batcher(_echo)
        assert await batch(1) == 1
        finished = asyncio.get_running_loop().create_future()
        finished.set_result(None)
        batch._tasks.add(finished)  # type: ignore[arg-type]  # a task not yet forgotten
        return await asyncio.wait_for(batch(2), 5)

    assert asyncio.run(main()) == 2


def test_batcher_failure_fails_its_batch_only_and_concurrency_is_bounded() -> None:
    running = 0
    peak = 0
    lock = threading.Lock()

    def write(items: list[int]) -> list[int]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.02)
            if -1 in items:
                raise ValueError("bad batch")
            return items
        finally:
            with lock:
                running -= 1

    async def fn(items: list[int]) -> list[int]:
        return await asyncio.to_thread(write, items)

    async def main() -> tuple[list[object], list[object]]:
        batch: Batcher[int, int] = Batcher(fn, max_items=2, concurrency=2)
        bad = await asyncio.gather(batch(-1), return_exceptions=True)
        good = await asyncio.gather(*(batch(i) for i in range(10)), return_exceptions=True)
        return bad, good

    bad, good = asyncio.run(main())
    assert isinstance(bad[0], ValueError)
    assert good == list(range(10))
    assert peak == 2


# --- FreshRead ------------------------------------------------------------------------------
def test_fresh_read_never_answers_with_a_read_started_before_the_call() -> None:
    value = 0
    started: list[int] = []

    async def main() -> tuple[int, int, int]:
        nonlocal value
        go = asyncio.Event()

        async def fn() -> int:
            seen = value
            started.append(seen)
            await go.wait()
            return seen

        read = FreshRead(fn)
        a = asyncio.create_task(read())
        while not started:  # a's read has started and saw value 0
            await asyncio.sleep(0)
        value = 1               # a change committed after that read began...
        b = asyncio.create_task(read())  # ...so b must not share it
        c = asyncio.create_task(read())  # c shares b's (later) read
        await asyncio.sleep(0)
        go.set()
        return await a, await b, await c

    assert asyncio.run(main()) == (0, 1, 1)
    assert started == [0, 1]  # two reads for three callers


# --- the store: archive version, grouped unsubscribes --------------------------------------
def test_archive_version_changes_with_every_archive_change(store) -> None:
    assert store.archive_version() is None
    store.save_archive(DAY, "<p>one</p>")
    v1 = store.archive_version()
    store.publish_archive(DAY)
    v2 = store.archive_version()
    store.save_archive(DAY, "<p>one, corrected</p>")
    v3 = store.archive_version()
    assert None not in (v1, v2, v3) and len({v1, v2, v3}) == 3
    store.publish_archive(date(2026, 11, 30))  # no such page: nothing changed
    assert store.archive_version() == v3
    assert asyncio.run(store.archive_version_async()) == v3
    assert asyncio.run(store.archive_version_async()) == v3  # a second event loop


def test_unsubscribe_many_is_unsubscribe_for_each(store) -> None:
    now = datetime.now(UTC)
    store.upsert_subscribers("daily", [SubscriberInput(email=f"r{i}@example.com",
                                                       key=email_key(f"r{i}@example.com"),
                                                       name="") for i in range(5)], now)
    ids = [s.id for s in store.subscribers("daily")]
    store.set_subscriber_status("daily", ids[0], "bounced", "hard", now)
    store.unsubscribe("daily", ids[1], now, "one-click unsubscribe")
    found = store.unsubscribe_many("daily", [ids[0], ids[1], ids[2], 999_999, 2**40], now,
                                   "one-click unsubscribe")
    assert found == {ids[0], ids[1], ids[2]}
    status = {s.id: s.status for s in store.subscribers("daily")}
    assert status == {ids[0]: "bounced", ids[1]: "unsubscribed", ids[2]: "unsubscribed",
                      ids[3]: "active", ids[4]: "active"}
    assert store.unsubscribe_many("weekly", ids, now) == set()  # another list's ids
    assert store.unsubscribe_many("daily", [], now) == set()
    # from an event loop (on PostgreSQL over the loop's own connection): the same answers
    later = datetime.now(UTC)
    got = asyncio.run(store.unsubscribe_many_async("daily", [ids[2], ids[3], 999_999],
                                                   later, "one-click unsubscribe"))
    assert got == {ids[2], ids[3]}
    subs = {s.id: s for s in store.subscribers("daily")}
    assert subs[ids[3]].status == "unsubscribed"
    assert subs[ids[3]].status_reason == "one-click unsubscribe"
    assert subs[ids[4]].status == "active"


def test_loop_calls_survive_a_lost_postgresql_connection(pg_server) -> None:
    """The loop's own connection dies (a restart, a proxy timeout): the call goes through
    the engine, and the next one opens a new connection."""
    from sqlalchemy import text

    st = open_store(pg_server.new_database())
    try:
        now = datetime.now(UTC)
        sub, _ = st.add_subscriber("daily", "x@example.com", "X", now=now)
        st.save_archive(DAY, "<p>x</p>")
        want = st.archive_version()

        async def main() -> tuple[str | None, set[int], str | None]:
            assert await st.archive_version_async() == want
            first = st._loop_io._pg
            assert first is not None
            with st.begin() as c:  # the server side goes away: the next query fails
                c.execute(text("SELECT pg_terminate_backend(:p)"),
                          {"p": first.info.backend_pid})
            version = await st.archive_version_async()  # through the engine
            assert st._loop_io._pg is None
            found = await st.unsubscribe_many_async("daily", [sub.id], now, "r")
            assert st._loop_io._pg is not None and st._loop_io._pg is not first
            return version, found, await st.archive_version_async()

        assert asyncio.run(main()) == (want, {sub.id}, want)
        assert st.get_subscriber("daily", sub.id).status == "unsubscribed"
    finally:
        st.close()


# --- the archive copies -----------------------------------------------------------------------
def test_archive_cache_follows_writes_of_another_process(store_url: str) -> None:
    """Two stores on one database stand for `serve` and a `build`/`send` run."""
    web, writer = open_store(store_url), open_store(store_url)
    try:
        writer.save_archive(DAY, "<p>first</p>")
        writer.publish_archive(DAY)
        cache = ArchiveCache(web)
        renders: list[tuple[list[date], list[date]]] = []

        def render(days: list[date], weeks: list[date]) -> bytes:
            renders.append((days, weeks))
            return f"{days} {weeks}".encode()

        async def main() -> None:
            assert await cache.page(DAY, "daily") == b"<p>first</p>"
            assert await cache.page(date(2026, 11, 25), "daily") is None
            assert await cache.index(render, 0) == await cache.index(render, 0)
            assert len(renders) == 1
            writer.save_archive(DAY, "<p>corrected</p>")  # stays published
            assert await cache.page(DAY, "daily") == b"<p>corrected</p>"
            writer.save_archive(DAY, "<p>weekly</p>", kind="weekly")
            assert await cache.page(DAY, "weekly") is None  # not published yet
            writer.publish_archive(DAY, kind="weekly")
            assert await cache.page(DAY, "weekly") == b"<p>weekly</p>"
            assert await cache.index(render, 0) == f"{[DAY]} {[DAY]}".encode()
            await cache.index(render, 1)  # a template changed
            assert len(renders) == 3

        asyncio.run(main())
    finally:
        web.close()
        writer.close()


def test_archive_cache_drops_copies_after_max_age(store) -> None:
    """A writer that bypasses the store's methods (no new version) shows after max_age."""
    from sqlalchemy import update

    from newsletter.store import _schema as s

    store.save_archive(DAY, "<p>v1</p>")
    store.publish_archive(DAY)
    now = [100.0]
    cache = ArchiveCache(store, max_age=30.0, clock=lambda: now[0])
    assert asyncio.run(cache.page(DAY, "daily")) == b"<p>v1</p>"
    with store.begin() as c:
        c.execute(update(s.archive).values(html=b"<p>by hand</p>"))
    assert asyncio.run(cache.page(DAY, "daily")) == b"<p>v1</p>"
    now[0] += 31
    assert asyncio.run(cache.page(DAY, "daily")) == b"<p>by hand</p>"


def test_sqlite_version_read_waits_for_no_lock(tmp_path: Path) -> None:
    """The loop's SQLite read never waits: with the file locked it goes to a worker thread
    (which waits for the lock there) and the loop goes on."""
    import sqlite3

    st = open_store(f"sqlite:///{tmp_path / 'n.db'}")
    try:
        st.save_archive(DAY, "<p>x</p>")
        want = st.archive_version()
        assert asyncio.run(st.archive_version_async()) == want
        reader = st._loop_io
        assert reader._sqlite is not None  # read on the loop's own connection

        async def locked() -> tuple[bool, str | None]:
            reader._sqlite_close()  # the loop's next read opens the locked file
            st.engine.dispose()  # (no other connection open: the blocker gets the file)
            blocker = sqlite3.connect(tmp_path / "n.db", isolation_level=None)
            blocker.execute("PRAGMA locking_mode=EXCLUSIVE")
            blocker.execute("BEGIN EXCLUSIVE")  # keeps every other connection out
            task = asyncio.create_task(st.archive_version_async())
            await asyncio.sleep(0.3)
            waited = not task.done()  # waiting in a thread, not on the loop
            blocker.execute("ROLLBACK")
            blocker.close()
            return waited, await asyncio.wait_for(task, 10)

        t0 = time.monotonic()
        assert asyncio.run(locked()) == (True, want)
        assert time.monotonic() - t0 < 5
        assert asyncio.run(st.archive_version_async()) == want
        assert reader._sqlite is not None
    finally:
        st.close()


# --- through the app -------------------------------------------------------------------------
def test_archive_pages_show_a_rebuild_at_once(client, nl) -> None:
    nl.store.save_archive(DAY, "<html><body>first</body></html>")
    nl.store.publish_archive(DAY)
    assert client.get("/archive/2026-11-24").text.endswith("first</body></html>")
    assert "/archive/2026-11-24" in client.get("/archive/").text
    nl.store.save_archive(DAY, "<html><body>corrected</body></html>")
    assert client.get("/archive/2026-11-24").text.endswith("corrected</body></html>")
    nl.store.save_archive(date(2026, 11, 25), "<html><body>25</body></html>")
    assert "/archive/2026-11-25" not in client.get("/archive/").text
    nl.store.publish_archive(date(2026, 11, 25))
    assert "/archive/2026-11-25" in client.get("/archive/").text
    r = client.get("/archive/2026-11-25")
    assert r.headers["cache-control"] == "public, max-age=300"
    assert r.headers["content-type"].startswith("text/html")


def test_a_burst_of_one_click_unsubscribes(client, nl) -> None:
    now = datetime.now(UTC)
    ids = [nl.store.add_subscriber("daily", f"u{i}@example.com", "", now=now)[0].id
           for i in range(12)]
    tokens = [make_token(b"test-secret", "unsub", "daily", i) for i in ids]
    tokens.append(make_token(b"test-secret", "unsub", "daily", 987_654))  # no such id
    results: list[int] = []

    def post(tok: str) -> None:
        results.append(client.post(f"/unsubscribe/{tok}",
                                   content=b"List-Unsubscribe=One-Click").status_code)

    threads = [threading.Thread(target=post, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [200] * len(tokens)
    assert {s.status for s in nl.store.subscribers("daily") if s.id in ids} == \
        {"unsubscribed"}


def test_an_edited_template_shows_on_the_public_pages(nl, project: Path) -> None:
    from starlette.testclient import TestClient

    from newsletter.resources import packaged_templates
    from newsletter.web.public import make_app

    app = make_app(nl)
    app.state.site.pages.reload_check = 0.0
    with TestClient(app, base_url="https://testserver") as client:
        assert "Page not found" in client.get("/nope").text
        assert "Past editions" in client.get("/archive/").text
        target = nl.config.templates_dir / "web" / "public"
        target.mkdir(parents=True, exist_ok=True)
        for name in ("404.html.j2", "archive_index.html.j2"):
            text = (packaged_templates() / "web" / "public" / name).read_text()
            (target / name).write_text(text.replace("Page not found", "Nothing here")
                                       .replace("Past editions", "Earlier issues"))
        assert "Nothing here" in client.get("/nope").text
        assert "Earlier issues" in client.get("/archive/").text
