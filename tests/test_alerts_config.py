"""`[alerts]` and `[lists.NAME] edition` in newsletter.toml: validated, exit 2 naming the key."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.config import load_config

runner = CliRunner()


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "newsletter.toml"
    p.write_text(body, encoding="utf-8")
    return p


def test_alerts_table_and_edition_kinds_are_read(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, """
[lists.daily]
file = "d.csv"
[lists.moves]
file = "m.csv"
edition = "alerts"
[alerts]
default_pct = 4
groups = { heavy = 2.5 }
commodities = { tb_oxide = 1.5 }
max_per_day = 2
"""))
    assert cfg.lists["daily"].edition == "daily" and cfg.lists_of("alerts") == ["moves"]
    from newsletter._alerts import alert_thresholds

    t = alert_thresholds(cfg)
    assert (t.default_pct, t.max_per_day) == (4, 2)
    assert t.threshold_for("tb_oxide") == 1.5 and t.threshold_for("dy_oxide") == 2.5
    assert t.threshold_for("prnd_oxide") == 4 and t.threshold_for("creia_index") == 2.0


def test_bad_alert_settings_exit_2_naming_each_key(tmp_path: Path) -> None:
    p = _write(tmp_path, """
[lists.daily]
file = "d.csv"
edition = "hourly"

[alerts]
default_pct = 0
groups = { bogus = 2 }
max_per_day = 0
colour = "red"
""")
    res = runner.invoke(app, ["status", "--config", str(p)])
    assert res.exit_code == 2, res.output
    out = " ".join(res.output.split())
    for want in ("lists.daily.edition", "alerts.default_pct", "alerts.groups.bogus",
                 "alerts.max_per_day",
                 "alerts.colour: unknown key"):
        assert want in out, (want, out)
    assert "Traceback" not in res.output


def test_a_list_name_with_a_plus_is_refused(tmp_path: Path) -> None:
    p = _write(tmp_path, '[lists."a+b"]\nfile = "x.csv"\n')
    res = runner.invoke(app, ["status", "--config", str(p)])
    assert res.exit_code == 2 and "list names may not" in res.output


def test_an_unknown_commodity_in_alerts_exits_2_naming_it(tmp_path: Path) -> None:
    p = _write(tmp_path, '[lists.daily]\nfile = "d.csv"\n[alerts]\n'
                         'commodities = { unobtainium = 2.0 }\n')
    res = runner.invoke(app, ["status", "--config", str(p)])
    assert res.exit_code == 2, res.output
    out = " ".join(res.output.split())
    assert "alerts.commodities: unknown commodity 'unobtainium'" in out, out
    assert "Traceback" not in res.output
