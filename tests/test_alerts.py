"""Price-move alerts (newsletter.summarize.alerts): thresholds, crossings and dedupe, on
hand-built observations with known answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from newsletter.summarize.alerts import (
    AlertRecord,
    Thresholds,
    detect_alerts,
    detect_crossing,
    groups_of,
    previous_level,
    select_alerts,
)
from newsletter.types import PriceItem

WED, THU, FRI = date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)


def obs(cid: str, mid: float, day: date, *, unit: str = "CNY/t", source: str = "SMM",
        basis: str | None = "exw_china_vat", spread: float = 0.0) -> PriceItem:
    kind = "index" if unit == "points" else "price"
    return PriceItem(commodity=cid, kind=kind, low=mid - spread, high=mid + spread, unit=unit,
                     as_of=day, source=source, basis=None if kind == "index" else basis)


def test_default_thresholds_are_3_percent_for_prices_and_2_for_indices() -> None:
    t = Thresholds()
    assert t.threshold_for("dy_oxide") == 3.0 and t.threshold_for("tb_metal") == 3.0
    assert t.threshold_for("dyfe") == 3.0
    assert t.threshold_for("creia_index") == 2.0


def test_commodity_beats_group_and_the_lowest_group_wins() -> None:
    t = Thresholds(groups={"heavy": 2.5, "oxides": 4.0, "indices": 1.5},
                   commodities={"tb_oxide": 1.0})
    assert t.threshold_for("tb_oxide") == 1.0
    assert t.threshold_for("dy_oxide") == 2.5  # heavy 2.5 < oxides 4.0
    assert t.threshold_for("prnd_oxide") == 4.0
    assert t.threshold_for("prnd_metal") == 3.0
    assert t.threshold_for("creia_index") == 1.5
    assert groups_of("dyfe") == {"metals", "heavy"}


@pytest.mark.parametrize("bad", [{"groups": {"heavies": 2}}, {"commodities": {"unobtainium": 2}},
                                 {"default_pct": 0}, {"groups": {"heavy": -1}},
                                 {"max_per_day": 0}, {"thresold": 3}])
def test_bad_threshold_settings_are_rejected_naming_the_key(bad: dict) -> None:
    with pytest.raises(ValidationError) as err:
        Thresholds.model_validate(bad)
    key = next(iter(bad))
    assert key in str(err.value)


def test_a_3_1_percent_move_alerts_and_a_2_9_percent_move_does_not() -> None:
    t = Thresholds()
    prev = obs("dy_oxide", 1_000_000, WED)
    up = detect_crossing(obs("dy_oxide", 1_031_000, THU), prev, t)
    assert up is not None and up.direction == "up"
    assert up.change_pct == pytest.approx(3.1) and up.change == pytest.approx(31_000)
    assert up.previous_level == 1_000_000 and up.previous_as_of == WED
    assert up.level == 1_031_000 and up.unit == "CNY/t" and up.basis == "exw_china_vat"
    assert "ex-works" in up.basis_label and up.sources == ("SMM",)
    assert up.headline == "Dy oxide +3.1% to 1,031,000 CNY/t"
    assert detect_crossing(obs("dy_oxide", 1_029_000, THU), prev, t) is None
    down = detect_crossing(obs("dy_oxide", 969_000, THU), prev, t)
    assert down is not None and down.direction == "down" and down.change_pct == pytest.approx(-3.1)


def test_an_index_alerts_at_2_percent() -> None:
    t = Thresholds()
    prev = obs("creia_index", 300.0, WED, unit="points")
    assert detect_crossing(obs("creia_index", 306.3, THU, unit="points"), prev, t) is not None
    assert detect_crossing(obs("creia_index", 305.7, THU, unit="points"), prev, t) is None


def test_no_crossing_across_units_bases_same_day_or_a_long_gap() -> None:
    t = Thresholds()
    new = obs("dy_oxide", 1_100_000, THU)
    assert detect_crossing(new, obs("dy_oxide", 1_000_000, THU), t) is None
    assert detect_crossing(new, obs("dy_oxide", 1_000_000, WED, basis="fob_china"), t) is None
    assert detect_crossing(new, obs("dy_oxide", 1_000, WED, unit="CNY/kg"), t) is None
    assert detect_crossing(new, obs("dy_oxide", 1_000_000, THU - timedelta(days=11)), t) is None
    assert detect_crossing(new, None, t) is None


def test_previous_level_is_the_latest_earlier_date_first_stored() -> None:
    hist = [obs("dy_oxide", 1.0e6, WED - timedelta(days=1)), obs("dy_oxide", 1.01e6, WED),
            obs("dy_oxide", 1.02e6, WED, source="SunSirs"), obs("tb_oxide", 5e6, WED)]
    prev = previous_level(hist, obs("dy_oxide", 1.05e6, THU))
    assert prev is not None and prev.mid == 1.01e6 and prev.source == "SMM"


def test_detect_alerts_one_per_commodity_day_with_all_sources_and_a_30_day_series() -> None:
    t = Thresholds()
    start = THU - timedelta(days=40)
    hist = [obs("dy_oxide", 1.0e6 + 1000 * i, start + timedelta(days=i)) for i in range(40)]
    level_wed = hist[-1].mid
    new = [obs("dy_oxide", level_wed * 1.04, THU), obs("dy_oxide", level_wed * 1.04, THU,
                                                         source="SunSirs"),
           obs("tb_oxide", 5e6, THU)]
    alerts = detect_alerts(new, hist + new, t)
    assert len(alerts) == 1
    a = alerts[0]
    assert a.commodity == "dy_oxide" and a.sources == ("SMM", "SunSirs")
    assert a.change_pct == pytest.approx(4.0)
    assert len(a.series) == 30 and a.series[-1] == (THU, level_wed * 1.04)
    assert a.series[0][0] == THU - timedelta(days=29)


def _alert(cid: str, pct: float, day: date = THU, prev_day: date = WED):
    t = Thresholds()
    a = detect_crossing(obs(cid, 1000 * (1 + pct / 100), day), obs(cid, 1000, prev_day), t)
    assert a is not None
    return a


def test_a_second_crossing_of_the_same_commodity_the_same_day_is_not_sent() -> None:
    t = Thresholds()
    first = _alert("dy_oxide", 3.2)
    sel = select_alerts([first], [], today=THU, thresholds=t)
    assert sel.send == (first,)
    # later the same day another source moves it further: same commodity, same day
    again = _alert("dy_oxide", 3.6)
    sel2 = select_alerts([again], [AlertRecord.of(first, THU)], today=THU, thresholds=t)
    assert sel2.send == () and "already alerted" in sel2.suppressed[0][1]
    # two crossings in one batch (say CNY/t and USD/kg rows): only one goes out
    usd = detect_crossing(obs("dy_oxide", 231, THU, unit="USD/kg", basis="fob_china"),
                          obs("dy_oxide", 220, WED, unit="USD/kg", basis="fob_china"), t)
    assert usd is not None
    sel3 = select_alerts([first, usd], [], today=THU, thresholds=t)
    assert sel3.send == (usd,) and len(sel3.suppressed) == 1  # 5% beats 3.2%


def test_never_a_second_alert_for_a_move_already_alerted() -> None:
    t = Thresholds()
    thu = _alert("dy_oxide", 3.2)
    sent = [AlertRecord.of(thu, THU)]
    # Friday's row measured against Wednesday (Thursday's quote missing): +3.5% is mostly
    # Thursday's move, only +0.3% since the alerted level
    fri = detect_crossing(obs("dy_oxide", 1035, FRI), obs("dy_oxide", 1000, WED), t)
    assert fri is not None
    sel = select_alerts([fri], sent, today=FRI, thresholds=t)
    assert sel.send == () and "already alerted on 2026-11-26" in sel.suppressed[0][1]
    # a fresh move past the threshold from the alerted level does alert
    fri2 = detect_crossing(obs("dy_oxide", 1070, FRI), obs("dy_oxide", 1000, WED), t)
    assert fri2 is not None
    assert select_alerts([fri2], sent, today=FRI, thresholds=t).send == (fri2,)
    # the next day's own crossing from Thursday's level is a new move
    fri3 = detect_crossing(obs("dy_oxide", 1065, FRI), obs("dy_oxide", 1032, THU), t)
    assert fri3 is not None
    assert select_alerts([fri3], sent, today=FRI, thresholds=t).send == (fri3,)


def test_the_daily_cap_holds_counting_alerts_already_sent_today() -> None:
    t = Thresholds(max_per_day=2)
    cands = [_alert("dy_oxide", 3.5), _alert("tb_oxide", 6.0), _alert("ho_oxide", 4.0),
             _alert("gd_oxide", 3.1)]
    sel = select_alerts(cands, [], today=THU, thresholds=t)
    assert [a.commodity for a in sel.send] == ["tb_oxide", "ho_oxide"]
    assert all("daily cap of 2" in why for _, why in sel.suppressed)
    earlier = AlertRecord.of(_alert("prnd_oxide", 3.3), THU)
    sel2 = select_alerts(cands, [earlier], today=THU, thresholds=t)
    assert [a.commodity for a in sel2.send] == ["tb_oxide"]
    # yesterday's alerts do not count against today's cap
    old = AlertRecord.of(_alert("prnd_oxide", 3.3, WED, WED - timedelta(days=1)), WED)
    assert len(select_alerts(cands, [old], today=THU, thresholds=t).send) == 2
    assert len(select_alerts(cands, [], today=THU, thresholds=t, max_per_day=3).send) == 3
