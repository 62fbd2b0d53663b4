"""Configuration: defaults, validation messages that name the line and key, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.exceptions import ConfigError
from newsletter.resources import packaged_snapshots, packaged_sources

REPO = Path(__file__).resolve().parent.parent


def test_repository_config_is_valid_and_resolves_paths() -> None:
    cfg = load_config(REPO / "newsletter.toml")
    assert cfg.store_url == f"sqlite:///{REPO / 'var' / 'newsletter.db'}"
    assert cfg.sources_file == packaged_sources()   # the clone has no sources.toml of its own
    assert cfg.snapshots_dir == packaged_snapshots()
    assert cfg.list_id("daily") == "daily.ree-daily.example"
    assert "daily" in cfg.lists


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "newsletter.toml"
    p.write_text(text)
    return p


def test_every_problem_is_reported_with_line_and_key(tmp_path: Path) -> None:
    p = _write(tmp_path, '[delivery]\ntransport = "pigeon"\n[delivery.smtp]\nport = "x"\n'
                         '[schedule]\nsend = "0 6 *"\n[editorial]\napprovel = "auto"\n')
    with pytest.raises(ConfigError) as ei:
        load_config(p)
    text = str(ei.value)
    assert str(p) in text
    assert "line 2: delivery.transport" in text and "'outbox' or 'smtp'" in text
    assert "line 4: delivery.smtp.port" in text
    assert "line 6: schedule.send" in text and "cron" in text
    assert "line 8: editorial.approvel: unknown key" in text
    assert len(ei.value.problems) == 4
    assert ei.value.exit_code == 2


def test_toml_syntax_error_names_line(tmp_path: Path) -> None:
    p = _write(tmp_path, "[delivery\ntransport = 1\n")
    with pytest.raises(ConfigError, match=r"line 1"):
        load_config(p)


def test_secrets_in_the_file_are_refused(tmp_path: Path) -> None:
    p = _write(tmp_path, '[delivery.smtp]\nhost = "x"\npassword = "hunter2"\n')
    with pytest.raises(ConfigError) as ei:
        load_config(p)
    assert "delivery.smtp.password" in str(ei.value)
    assert "environment" in str(ei.value)
    assert "hunter2" not in str(ei.value)


def test_bad_timezone_and_bind(tmp_path: Path) -> None:
    p = _write(tmp_path, '[newsletter]\ntimezone = "Mars/Olympus"\n[web]\nbind = "8080"\n')
    with pytest.raises(ConfigError) as ei:
        load_config(p)
    assert "unknown time zone" in str(ei.value)
    assert "HOST:PORT" in str(ei.value)


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_smtp_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load_config(REPO / "newsletter.toml")
    assert cfg.smtp_credentials() is None
    monkeypatch.setenv("NEWSLETTER_SMTP_USERNAME", "u")
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "p")
    assert cfg.smtp_credentials() == ("u", "p")
