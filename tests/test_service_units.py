"""Unit tests of the service parts: cron parsing, next/last fire times, the store locks,
the job guard, and the ledger decisions of the scheduler (catch-up, one edition a day)."""

from __future__ import annotations

import os
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsletter._cron import last_fire_time, next_fire_times, parse_cron
from newsletter._logfmt import kv
from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.exceptions import AlreadyRunningError, ConfigError
from newsletter.schedule import JobGuard, catch_up, send_if_due
from newsletter.store import open_store

UTC_TZ = ZoneInfo("UTC")


# --- cron --------------------------------------------------------------------------------

def test_five_and_six_field_cron() -> None:
    now = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)
    t5 = parse_cron("30 6 * * *", UTC_TZ)
    assert t5.get_next_fire_time(None, now) == datetime(2026, 11, 27, 6, 30, tzinfo=UTC)
    t6 = parse_cron("*/15 * * * * *", UTC_TZ)  # seconds first
    assert t6.get_next_fire_time(None, now + timedelta(seconds=1)) == now + timedelta(seconds=15)


@pytest.mark.parametrize("dow,expect", [("1-5", {0, 1, 2, 3, 4}), ("0", {6}), ("7", {6}),
                                        ("sat,sun", {5, 6}), ("*/2", {6, 1, 3, 5}),
                                        ("5-7", {4, 5, 6})])
def test_day_of_week_is_crontab_style(dow: str, expect: set[int]) -> None:
    """Crontab: 0 and 7 are Sunday (APScheduler 3 would read 0 as Monday)."""
    trig = parse_cron(f"0 6 * * {dow}", UTC_TZ)
    start = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday
    days = set()
    t = trig.get_next_fire_time(None, start)
    while t < start + timedelta(days=7):
        days.add(t.weekday())
        t = trig.get_next_fire_time(t, t + timedelta(seconds=1))
    assert days == expect


@pytest.mark.parametrize("bad", ["61 * * * *", "* * * *", "0 6 * * 9", "a b c d e"])
def test_bad_cron_is_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_cron(bad, UTC_TZ)


def test_next_fire_times_per_job_and_list(project: Path) -> None:
    cfg_file = project / "newsletter.toml"
    text = cfg_file.read_text().replace('# send = "0 7 * * *"', 'send = "0 7 * * *"') \
        .replace('# timezone = "Asia/Shanghai"', 'timezone = "Asia/Shanghai"')
    cfg_file.write_text(text)
    cfg = load_config(cfg_file)
    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    nxt = next_fire_times(cfg, now)
    assert nxt["collect"] == "2026-11-26T11:00:00+00:00"
    assert nxt["build"] == "2026-11-27T05:30:00+00:00"
    assert nxt["send:daily"] == "2026-11-27T07:00:00+08:00"  # the list's own time zone
    assert nxt["send"] == nxt["send:daily"]


def test_last_fire_time() -> None:
    trig = parse_cron("0 6 * * *", UTC_TZ)
    now = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    midnight = datetime(2026, 11, 26, tzinfo=UTC)
    assert last_fire_time(trig, now, midnight) == datetime(2026, 11, 26, 6, tzinfo=UTC)
    assert last_fire_time(trig, now.replace(hour=5), midnight) is None
    every = parse_cron("* * * * * *", UTC_TZ)
    assert last_fire_time(every, now, midnight, limit=100) is not None  # bounded


def test_kv_lines_quote_and_stay_on_one_line() -> None:
    line = kv("x", a=1, b="two words", c='q"uote', d="line\nbreak", e=None)
    assert line == 'event=x a=1 b="two words" c="q\\"uote" d="line break"'


# --- locks -------------------------------------------------------------------------------

def _dead_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


def test_lock_single_holder_and_release(store) -> None:
    now = datetime.now(UTC)
    assert store.acquire_lock("serve", now).acquired
    assert store.acquire_lock("serve", now).acquired  # re-entrant for the same holder
    other = store.acquire_lock("serve", now, host="elsewhere", pid=1)
    assert not other.acquired and other.holder.pid == os.getpid()
    assert not store.release_lock("serve", host="elsewhere", pid=1)
    assert store.release_lock("serve")
    assert store.lock_info("serve") is None


def test_stale_takeover_needs_old_heartbeat_and_dead_pid(store) -> None:
    host = "thishost"
    now = datetime.now(UTC)
    dead = _dead_pid()
    assert store.acquire_lock("serve", now, host=host, pid=dead).acquired
    # fresh heartbeat: refused even though the pid is dead
    assert not store.acquire_lock("serve", now + timedelta(seconds=5), stale_after=30,
                                  host=host, pid=os.getpid()).acquired
    # old heartbeat, pid dead: taken over
    res = store.acquire_lock("serve", now + timedelta(seconds=60), stale_after=30,
                             host=host, pid=os.getpid())
    assert res.acquired and res.took_over.pid == dead
    # the old holder's heartbeat now reports the loss
    assert not store.heartbeat_lock("serve", now, host=host, pid=dead)
    # old heartbeat but the pid alive on this host: refused
    later = now + timedelta(seconds=600)
    store.release_lock("serve", host=host, pid=os.getpid())
    assert store.acquire_lock("serve", now, host=host, pid=os.getppid()).acquired
    assert not store.acquire_lock("serve", later, stale_after=30, host=host,
                                  pid=os.getpid()).acquired


def test_other_host_is_taken_over_on_heartbeat_alone(store) -> None:
    now = datetime.now(UTC)
    assert store.acquire_lock("serve", now, host="box-a", pid=os.getpid()).acquired
    assert not store.acquire_lock("serve", now + timedelta(seconds=10), stale_after=30,
                                  host="box-b", pid=1).acquired
    assert store.acquire_lock("serve", now + timedelta(seconds=31), stale_after=30,
                              host="box-b", pid=1).acquired


def test_racing_processes_get_one_lock(store, store_url: str) -> None:
    now = datetime.now(UTC)
    winners = []

    def grab(i: int) -> None:
        st = open_store(store_url)
        if st.acquire_lock("race", now, host=f"h{i}", pid=i + 1).acquired:
            winners.append(i)
        st.close()

    threads = [threading.Thread(target=grab, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


# --- the scheduler's decisions -------------------------------------------------------------

class _Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


class _FakeRunner:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def collect(self) -> None:
        self.calls.append(("collect", None))

    def build(self) -> None:
        self.calls.append(("build", None))

    def send(self, list_name: str, scheduled: datetime | None = None) -> str:
        self.calls.append(("send", list_name))
        return "sent"


@pytest.fixture
def nl(project: Path):
    clock = _Clock(datetime(2026, 11, 26, 6, 30, tzinfo=UTC))
    n = Newsletter(load_config(project / "newsletter.toml"), now=clock)
    n.clock = clock  # type: ignore[attr-defined]
    n.store.add_subscriber("daily", "a@example.com", now=clock.t)
    yield n
    n.close()


def test_catch_up_within_grace_sends_now(nl) -> None:
    runner = _FakeRunner()
    nl.clock.t = datetime(2026, 11, 26, 7, 30, tzinfo=UTC)  # send was 06:00, grace 120 min
    done = catch_up(nl, runner)
    assert ("send", "daily") in runner.calls
    assert done["send:daily"] == "sent"


def test_catch_up_after_grace_records_skipped_once(nl) -> None:
    nl.clock.t = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    runner = _FakeRunner()
    assert catch_up(nl, runner)["send:daily"] == "skipped"
    assert ("send", "daily") not in runner.calls
    assert nl.store.last_runs()["send"]["status"] == "skipped"
    nl.clock.t += timedelta(minutes=5)  # a restart: not recorded twice
    assert "send:daily" not in catch_up(nl, _FakeRunner())


def test_catch_up_does_nothing_when_the_ledger_says_sent(nl) -> None:
    nl.clock.t = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    nl.store.begin_send(date(2026, 11, 26), "daily", datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
    nl.store.finish_send(date(2026, 11, 26), "daily", "sent", None, nl.clock.t)
    runner = _FakeRunner()
    catch_up(nl, runner)
    assert ("send", "daily") not in runner.calls


def test_catch_up_resumes_an_interrupted_send_even_after_grace(nl) -> None:
    nl.store.begin_send(date(2026, 11, 26), "daily", datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
    nl.clock.t = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    runner = _FakeRunner()
    catch_up(nl, runner)
    assert ("send", "daily") in runner.calls


def _edition(nl, day: date) -> None:
    nl.store.save_edition(day, {"date": day.isoformat(), "sections": []}, as_of=None,
                          html_size=1, stories=[], now=nl.now())


def test_send_if_due_one_edition_per_list_per_day(nl) -> None:
    assert send_if_due(nl, "daily", nl.now()) == "no_edition"
    _edition(nl, date(2026, 11, 25))
    nl.store.begin_send(date(2026, 11, 25), "daily", nl.now())
    nl.store.finish_send(date(2026, 11, 25), "daily", "sent", None, nl.now())
    assert send_if_due(nl, "daily", nl.now()) == "already_sent"
    _edition(nl, date(2026, 11, 26))  # a second edition the same day: not sent today
    assert send_if_due(nl, "daily", nl.now()) == "already_sent"


def test_send_if_due_refuses_a_stale_edition(nl) -> None:
    _edition(nl, date(2026, 11, 20))
    nl.clock.t += timedelta(days=3)
    assert send_if_due(nl, "daily", nl.now()) == "stale_edition"


def test_job_guard_never_runs_a_job_twice_at_once(nl) -> None:
    guard = JobGuard(nl, stale_after=30)
    with guard.hold("send:daily") as first:
        assert first
        results = []
        th = threading.Thread(target=lambda: results.append(
            guard.hold("send:daily").__enter__()))
        th.start()
        th.join()
        assert results == [False]
        assert guard.held == ["job:send:daily"]
        # another process (another holder) sees the store lock
        other = nl.store.acquire_lock("job:send:daily", nl.now(), host="x", pid=1)
        assert not other.acquired
    assert guard.held == []
    assert guard.wait_idle(0.1)


def test_already_running_error_is_exit_code_2() -> None:
    assert AlreadyRunningError("x").exit_code == 2


def test_retry_job_resumes_only_todays_unfinished_sends(nl) -> None:
    from newsletter.schedule import Runner

    calls: list[str] = []

    class _R(Runner):
        def send(self, list_name: str, scheduled: datetime | None = None) -> str:
            calls.append(list_name)
            return "resumed"

    runner = _R(nl, threading.Event(), JobGuard(nl, 30))
    runner.retry()
    assert calls == []
    nl.store.begin_send(date(2026, 11, 25), "daily", nl.now() - timedelta(days=1))
    runner.retry()
    assert calls == []  # yesterday's unfinished send waits for `newsletter send`
    nl.store.begin_send(date(2026, 11, 26), "daily", nl.now())
    nl.store.finish_send(date(2026, 11, 26), "daily", "deferred", None, nl.now())
    runner.retry()
    assert calls == ["daily"]


def test_status_json_has_next_runs(project: Path) -> None:
    import json

    from typer.testing import CliRunner

    from newsletter.cli import app

    res = CliRunner().invoke(app, ["status", "--json"])
    assert res.exit_code == 0, res.output
    nxt = json.loads(res.output)["next_runs"]
    assert set(nxt) >= {"collect", "build", "send", "send:daily"}
    assert all(v and datetime.fromisoformat(v) for v in nxt.values())
