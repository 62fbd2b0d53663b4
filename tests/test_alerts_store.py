"""The store's alerts and subscriber preferences (both engines)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from newsletter.store._alerts import alert_unit
from newsletter.summarize.alerts import Alert, Thresholds, select_alerts

T0 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
THU, WED = date(2026, 11, 26), date(2026, 11, 25)


def _alert(commodity: str = "dy_oxide", level: float = 1_690_000) -> Alert:
    return Alert(commodity=commodity, name="Dy oxide", kind="price", direction="up",
                 change=50_000, change_pct=3.0488, threshold_pct=3.0, low=1_680_000,
                 high=1_700_000, level=level, unit="CNY/t", basis="exw_china_vat",
                 basis_label="China ex-works, incl. 13% VAT", as_of=THU,
                 previous_level=1_640_000, previous_as_of=WED, sources=("SMM", "生意社"),
                 series=((WED, 1_640_000.0), (THU, level)))


def test_an_alert_is_queued_once_per_list_commodity_and_day_and_round_trips(store):
    a = _alert()
    assert len(store.queue_alerts("alerts", [a], sent_on=THU, now=T0)) == 1
    assert store.queue_alerts("alerts", [a], sent_on=THU, now=T0) == []  # same move again
    assert len(store.queue_alerts("other", [a], sent_on=THU, now=T0)) == 1  # another list
    (q,) = store.queued_alerts("alerts")
    assert q.alert == a and q.unit == alert_unit("alerts", "dy_oxide") == "alerts+dy_oxide"
    recs = store.alert_records("alerts")
    t = Thresholds()
    assert select_alerts([a], recs, today=THU, thresholds=t).send == ()  # never twice
    store.mark_alert_sent(q.id, T0)
    assert store.queued_alerts("alerts") == []
    assert [x.status for x in store.alerts_sent("alerts")] == ["sent"]


def test_alert_audience_honours_each_subscribers_commodity_choice(store):
    ids = {}
    for email in ("all@example.com", "dy@example.com", "tb@example.com", "gone@example.com",
                  "empty@example.com"):
        sub, _ = store.add_subscriber("alerts", email, now=T0)
        ids[email] = sub.id
    store.add_subscriber("daily", "daily@example.com", now=T0)
    store.set_subscriber_commodities(ids["dy@example.com"], ["dy_oxide", "tb_oxide"], T0)
    store.set_subscriber_commodities(ids["tb@example.com"], ["tb_oxide"], T0)
    store.set_subscriber_commodities(ids["empty@example.com"], ["tb_oxide"], T0)
    store.set_subscriber_commodities(ids["empty@example.com"], [], T0)  # back to all
    store.set_subscriber_status("alerts", "gone@example.com", "unsubscribed", "test", T0)
    assert store.subscriber_commodities(ids["dy@example.com"]) == ["dy_oxide", "tb_oxide"]
    unit = alert_unit("alerts", "dy_oxide")
    n = store.plan_deliveries(THU, unit, T0,
                              audience=store.alert_audience("alerts", "dy_oxide"))
    got = {r["email"] for r in store.deliveries(THU, unit)}
    assert n == 3 and got == {"all@example.com", "dy@example.com", "empty@example.com"}
    # "dy_oxide" as a LIKE pattern would match "dyxoxide": the underscore is escaped
    store.set_subscriber_commodities(ids["tb@example.com"], ["dyxoxide"], T0)
    assert store.plan_deliveries(THU, unit, T0,
                                 audience=store.alert_audience("alerts", "dy_oxide")) == 0


def test_a_csv_reimport_keeps_the_subscribers_own_opt_out_and_choice(store, tmp_path):
    from newsletter.deliver._subscribers import import_csv

    f = tmp_path / "alerts.csv"
    f.write_text("email,name\na@example.com,A\nb@example.com,B\n", encoding="utf-8")
    assert import_csv(store, f, "alerts", now=T0).added == 2
    a = store.get_subscriber("alerts", "a@example.com")
    store.set_subscriber_commodities(a.id, ["tb_oxide"], T0)
    store.unsubscribe("alerts", store.get_subscriber("alerts", "b@example.com").id, T0)
    rep = import_csv(store, f, "alerts", now=T0)
    assert rep.kept_suppressed == 1
    assert store.get_subscriber("alerts", "b@example.com").status == "unsubscribed"
    assert store.subscriber_commodities(a.id) == ["tb_oxide"]


def test_save_choices_subscribes_unsubscribes_and_stores_the_commodities(store, tmp_path):
    from newsletter.config import Config
    from newsletter.deliver._prefs import list_choices, save_choices

    cfg = Config(root=tmp_path, lists={
        "daily": {"file": "d.csv"}, "weekly": {"file": "w.csv", "edition": "weekly"},
        "alerts": {"file": "a.csv", "edition": "alerts"}, "old": {"file": "o.csv"}})
    store.add_subscriber("daily", "ann@example.com", "Ann", now=T0)
    store.add_subscriber("old", "ann@example.com", "Ann", now=T0)
    store.set_subscriber_status("old", "ann@example.com", "bounced", "550", T0)
    notes = save_choices(store, cfg, "ann@example.com", "Ann", {"weekly", "alerts", "old"},
                         ["tb_oxide", "dy_oxide"], T0)
    got = {c.name: (c.on, c.status, c.commodities)
           for c in list_choices(store, cfg, "ann@example.com")}
    assert got == {"daily": (False, "unsubscribed", ()), "weekly": (True, "active", ()),
                   "alerts": (True, "active", ("dy_oxide", "tb_oxide")),
                   "old": (False, "bounced", ())}
    assert notes == ["old: this address cannot be reactivated here"]
    assert store.get_subscriber("weekly", "ann@example.com").name == "Ann"


def test_bounce_rates_count_an_alerts_lists_units_as_the_list_on_both_engines(store,
                                                                             tmp_path):
    """Two alerts (two ledger units) and a daily edition on one day; complaints are
    recorded on the subscriber's list: the alerts list's row sums both units."""
    from delivery_helpers import Clock, delivery_settings, make_factory

    from newsletter.deliver import OutboxTransport, send_edition

    subs = [store.add_subscriber("alerts", f"a{i}@example.com", now=T0)[0] for i in range(6)]
    store.add_subscriber("daily", "d@example.com", now=T0)
    store.set_subscriber_commodities(subs[0].id, ["tb_oxide"], T0)  # not Dy
    for unit in ("alerts+dy_oxide", "alerts+tb_oxide", "daily"):
        audience = (store.alert_audience("alerts", unit.split("+")[1]) if "+" in unit
                    else None)
        send_edition(store, make_factory(edition=THU),
                     OutboxTransport(tmp_path / "outbox"), edition_date=THU, list_name=unit,
                     settings=delivery_settings(), now_fn=Clock(T0), audience=audience)
    for i, sub in enumerate(subs[:2]):
        store.record_bounce_event(dedupe_key=f"c{i}", source="test", received=T0,
                                  kind="complaint", raw=b"...", recipient=sub.email,
                                  subscriber_id=sub.id, list_name="alerts", edition_date=THU)
    rows = {r["list"]: r for r in store.bounce_rates()}
    assert set(rows) == {"alerts", "daily"}
    assert (rows["alerts"]["sent"], rows["alerts"]["units"], rows["alerts"]["complaints"],
            rows["alerts"]["complaint_rate"]) == (11, 2, 2, round(2 / 11, 5))
    assert (rows["daily"]["sent"], rows["daily"]["units"], rows["daily"]["complaints"]) == (
        1, 1, 0)
    assert [r["list"] for r in store.bounce_rates(limit=1)] == ["alerts"]
