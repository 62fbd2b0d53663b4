"""The CLI: every command has help and is documented; user mistakes give a message, not a
traceback, and the documented exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.resources import packaged_sources

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()

COMMANDS = ["init", "run", "collect", "build", "send", "approve", "preview", "serve", "inspect",
            "prices", "status", "subscribers"]


def test_top_level_help_lists_every_command() -> None:
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    for cmd in COMMANDS:
        assert cmd in res.output


@pytest.mark.parametrize("cmd", [*COMMANDS, "subscribers import", "subscribers list",
                                 "subscribers add", "subscribers remove",
                                 "subscribers export"])
def test_every_command_has_help_and_is_in_the_readme(cmd: str) -> None:
    res = runner.invoke(app, [*cmd.split(), "--help"])
    assert res.exit_code == 0, res.output
    assert "--config" in res.output or cmd in ("subscribers", "init")
    readme = (REPO / "README.md").read_text()
    assert f"newsletter {cmd.split()[0]}" in readme


def test_broken_config_exits_2_with_message_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "newsletter.toml"
    bad.write_text('[delivery]\ntransport = "carrier-pigeon"\n')
    res = runner.invoke(app, ["build", "--config", str(bad)])
    assert res.exit_code == 2
    assert "delivery.transport" in res.output and "line 2" in res.output
    assert "Traceback" not in res.output


def test_bad_date_is_a_usage_error(project: Path) -> None:
    res = runner.invoke(app, ["build", "--date", "24/11/2026"])
    assert res.exit_code == 2
    assert "YYYY-MM-DD" in res.output


def test_prices_reads_stdin_as_json() -> None:
    res = runner.invoke(app, ["prices", "--json"],
                        input="Prices of Pr-Nd oxide were 399,000-401,000 yuan/mt.")
    assert res.exit_code == 0, res.output
    items = json.loads(res.output)
    assert items == [{"commodity": "prnd_oxide", "kind": "price", "low": 399000,
                      "high": 401000, "unit": "CNY/t", "basis": "exw_china_vat"}]


def test_send_without_an_edition_says_what_to_do(project: Path) -> None:
    res = runner.invoke(app, ["send"])
    assert res.exit_code == 1
    assert "newsletter build" in res.output


def test_inspect_offline_json_has_the_documented_fields(project: Path) -> None:
    res = runner.invoke(app, ["inspect", "mining-com", "--offline", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["kind"] == "feed" and data["items"]
    for it in data["items"]:
        for key in ("title", "url", "published", "text", "summary", "highlights", "prices",
                    "relevance", "relevant", "reasons"):
            assert key in it
        assert 0 <= it["relevance"] <= 1
    # the general mining feed carries mostly gold/copper/lithium news: most is not REE
    relevant = [it for it in data["items"] if it["relevant"]]
    assert 0 < len(relevant) < len(data["items"]) / 2
    assert all(it["reasons"] for it in relevant)


def test_collect_json_run_report(project: Path) -> None:
    res = runner.invoke(app, ["collect", "--offline", "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["items_new"] > 60
    assert {s["status"] for s in rep["sources"]} == {"ok"}
    for s in rep["sources"]:
        assert set(s) >= {"name", "url", "status", "error", "items_new"}
    again = json.loads(runner.invoke(app, ["collect", "--offline", "--json"]).output)
    assert again["items_new"] == 0          # seen again: updated, not duplicated


def test_status_json(project: Path) -> None:
    res = runner.invoke(app, ["status", "--json"])
    assert res.exit_code == 0, res.output
    st = json.loads(res.output)
    assert set(st) >= {"last_runs", "sources", "deliveries", "next_runs"}
    assert st["next_runs"]["send"]


def test_unreachable_sources_are_reported_and_an_empty_edition_is_not_sent(
        project: Path) -> None:
    # every source points at a closed port on this machine: each fails, none is fatal
    # the project's own sources.toml replaces the packaged catalogue
    sources = project / "sources.toml"
    import re

    text = re.sub(r'(?m)^url = "https?://[^"]+"', 'url = "http://127.0.0.1:9/feed"',
                  packaged_sources().read_text())
    sources.write_text(text)
    res = runner.invoke(app, ["run"])
    assert res.exit_code == 1
    assert "127.0.0.1:9" in res.output or "cannot connect" in res.output
    assert "no stories; not sending" in res.output
    assert not list((project / "var").rglob("*.eml"))
