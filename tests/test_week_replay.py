"""The recorded working week (Mon 23 to Fri 27 Nov 2026) replayed through the real
pipeline (`newsletter run --offline --date D` in a project made by `newsletter init
--demo`), then the weekly recap and the price alerts computed from that store."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.summarize.alerts import AlertRecord, Thresholds, detect_alerts, select_alerts
from newsletter.summarize.weekly import build_weekly

runner = CliRunner()
WEEK = [date(2026, 11, 23) + timedelta(days=i) for i in range(5)]


@pytest.fixture(scope="module")
def week_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("week") / "demo"
    res = runner.invoke(app, ["init", "--demo", str(root)])
    assert res.exit_code == 0, res.output
    import os

    cwd = os.getcwd()
    os.chdir(root)
    try:
        for day in WEEK:
            res = runner.invoke(app, ["run", "--offline", "--date", day.isoformat()])
            assert res.exit_code == 0, (day, res.output)
            assert (root / "var" / "issues" / day.isoformat() / "edition.json").is_file()
    finally:
        os.chdir(cwd)
    return root


@pytest.fixture(scope="module")
def nl(week_project: Path):
    n = Newsletter(load_config(week_project / "newsletter.toml"))
    yield n
    n.close()


def test_the_five_capture_days_each_made_a_daily_edition(nl: Newsletter) -> None:
    assert nl.snapshot_days() == WEEK
    assert sorted(nl.store.edition_dates()) == WEEK
    friday = nl.store.edition(WEEK[-1])["edition"]
    titles = [s["title"] for sec in friday["sections"] for s in sec["stories"]]
    assert any("Inner Mongolia" in t for t in titles), titles  # the seed article is new on Fri


def _recap(nl: Newsletter):
    st = nl.store
    fri = WEEK[-1]
    obs = st.price_observations(fri - timedelta(days=120))
    eds = {d: st.edition(d)["edition"] for d in st.edition_dates()}
    fps = {r["url"]: r["fingerprint"]
           for r in st.previous_stories(fri + timedelta(days=1), WEEK[0])}
    return build_weekly(obs, eds, fri, fingerprints=fps), obs


def test_weekly_recap_has_a_week_on_week_row_for_each_commodity(nl: Newsletter) -> None:
    rec, obs = _recap(nl)
    assert (rec.year, rec.week) == (2026, 48)
    seen = {o.commodity for o in obs if o.as_of and WEEK[0] <= o.as_of <= WEEK[-1]}
    by = {r.commodity: r for r in rec.rows}
    assert set(by) == seen and {"dy_oxide", "tb_oxide", "prnd_oxide", "creia_index"} <= seen
    for r in rec.rows:
        assert r.change_pct is not None and r.end_as_of <= WEEK[-1] and r.low <= r.high
    dy = by["dy_oxide"]
    # Friday 20 Nov close 1.615m -> Friday 27 Nov 1.705m yuan/t (mid-points)
    assert (dy.start, dy.start_as_of, dy.end, dy.end_as_of) == (
        1_615_000, date(2026, 11, 20), 1_705_000, WEEK[-1])
    assert dy.change_pct == pytest.approx(5.5728, abs=1e-3)
    assert rec.subject.startswith("REE Weekly: week 48, 2026 \u2014 Dy oxide +5.6%")
    assert "Dy oxide led the week" in rec.summary
    assert rec.index_chart is not None and rec.index_chart["points"][-1] == ["2026-11-27", 310.2]


def test_weekly_top_stories_join_the_inspection_follow_ups(nl: Newsletter) -> None:
    rec, _ = _recap(nl)
    assert 1 <= len(rec.stories) <= 10
    miit = next(s for s in rec.stories if "MIIT" in s.title)
    assert miit.first_seen == WEEK[2] and miit.updated_label == "updated Thu, Fri"
    assert miit.latest_title and "Ganzhou Smelters Halt" in miit.latest_title
    assert "The biggest policy story: MIIT Orders Ganzhou" in rec.summary
    urls = [s.url for s in rec.stories]
    assert len(urls) == len(set(urls))


def test_the_thursday_dysprosium_move_yields_one_alert(nl: Newsletter) -> None:
    obs = nl.store.price_observations(WEEK[0] - timedelta(days=60))
    t = Thresholds()
    sent: list[AlertRecord] = []
    by_day: dict[date, list[str]] = {}
    for day in WEEK:
        new = [o for o in obs if o.as_of == day]
        history = [o for o in obs if o.as_of and o.as_of < day]
        sel = select_alerts(detect_alerts(new, history, t), sent, today=day, thresholds=t)
        sent += [AlertRecord.of(a, day) for a in sel.send]
        by_day[day] = [a.commodity for a in sel.send]
        if day == WEEK[3]:
            dy = next(a for a in sel.send if a.commodity == "dy_oxide")
            assert dy.change_pct == pytest.approx(3.0488, abs=1e-3)
            assert (dy.previous_level, dy.previous_as_of, dy.level) == (
                1_640_000, WEEK[2], 1_690_000)
            assert dy.unit == "CNY/t" and dy.basis == "exw_china_vat" and "SMM" in dy.sources
            assert dy.series[-1] == (WEEK[3], 1_690_000) and len(dy.series) >= 5
    assert "dy_oxide" in by_day[WEEK[3]]
    assert all(not v for d, v in by_day.items() if d != WEEK[3]), by_day
    # replaying Thursday's observations again alerts nothing new
    thu = [o for o in obs if o.as_of == WEEK[3]]
    again = select_alerts(detect_alerts(thu, [o for o in obs if o.as_of and o.as_of < WEEK[3]],
                                        t), sent, today=WEEK[3], thresholds=t)
    assert again.send == ()
