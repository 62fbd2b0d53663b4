"""The CLI: every command has help and is documented; user mistakes give a message, not a
traceback, and the documented exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()

COMMANDS = ["run", "collect", "build", "send", "approve", "preview", "serve", "inspect",
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
    assert "--config" in res.output or cmd == "subscribers"
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
                      "high": 401000, "unit": "CNY/t"}]


def test_send_without_an_edition_says_what_to_do(project: Path) -> None:
    res = runner.invoke(app, ["send"])
    assert res.exit_code == 1
    assert "newsletter build" in res.output
