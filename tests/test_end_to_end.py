"""`newsletter run --offline` end to end in a copy of the project, read back the way a mail
client reads it (email.parser with policy.default)."""

from __future__ import annotations

import json
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app

runner = CliRunner()


def _messages(root: Path, list_name: str = "*") -> list:
    """The messages of one list (default: every list) the outbox transport wrote."""
    files = sorted((root / "var" / "outbox").glob(f"*/{list_name}/*.eml"))
    return [BytesParser(policy=policy.default).parsebytes(f.read_bytes()) for f in files]


@pytest.fixture
def ran(project: Path) -> Path:
    res = runner.invoke(app, ["run", "--offline"])
    assert res.exit_code == 0, res.output
    assert "new items" in res.output and "sent" in res.output
    return project


def test_offline_run_writes_one_valid_message_per_active_subscriber(ran: Path) -> None:
    msgs = _messages(ran, "daily")
    emails = [ln.split(",")[0].strip().lower()
              for ln in (ran / "subscribers" / "daily.csv").read_text().splitlines()[1:]
              if ln.strip()]
    assert 15 <= len(msgs) <= len(emails)
    assert len({m["To"].addresses[0].addr_spec.lower() for m in msgs}) == len(msgs)
    for m in msgs:
        for h in ("From", "To", "Subject", "Date", "Message-ID", "List-Id",
                  "List-Unsubscribe", "List-Unsubscribe-Post"):
            assert m[h], h
        assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        lu = str(m["List-Unsubscribe"])
        assert "<https://" in lu and "/unsubscribe/" in lu and "<mailto:" in lu
        assert "=?" not in lu
        plain = m.get_body(("plain",))
        html = m.get_body(("html",))
        assert plain is not None and html is not None
        assert m.get_content_type() in ("multipart/alternative", "multipart/related")


def test_the_clone_s_weekly_list_gets_the_friday_recap(ran: Path) -> None:
    """The newest capture day is a Friday: the clone's weekly list gets its recap, one
    message per subscriber of subscribers/weekly.csv, with the weekly subject."""
    emails = {ln.split(",")[0].strip().lower()
              for ln in (ran / "subscribers" / "weekly.csv").read_text().splitlines()[1:]
              if ln.strip()}
    msgs = _messages(ran, "weekly")
    assert {m["To"].addresses[0].addr_spec.lower() for m in msgs} == emails
    assert len(msgs) == len(emails)
    for m in msgs:
        assert m["Subject"].startswith("REE Weekly: week 48, 2026")
        assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_seed_story_is_in_the_email_with_repaired_text(ran: Path) -> None:
    m = _messages(ran, "daily")[0]
    text = m.get_body(("plain",)).get_content()
    html = m.get_body(("html",)).get_content()
    for body in (text, html):
        assert "โ€" not in body
        assert "(opens in a new tab)" not in body
    assert "Inner Mongolia" in text
    edition = json.loads(next((ran / "var" / "issues").glob("*/edition.json")).read_text())
    assert edition["highlights"] and 3 <= len(edition["highlights"]) <= 7
    assert edition["prices"], "the price table is empty"


def test_second_run_sends_nothing_twice(ran: Path) -> None:
    before = len(_messages(ran))
    res = runner.invoke(app, ["send"])
    assert res.exit_code == 0, res.output
    assert "already sent" in res.output or "0 sent" in res.output
    assert len(_messages(ran)) == before
