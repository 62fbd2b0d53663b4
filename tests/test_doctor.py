"""``newsletter doctor``: each check passes on a good set-up and fails, with a hint, on the
mistake an operator really makes. Real parts: an aiosmtpd relay, real key files, a real
SQLite file."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from smtp_server import SmtpServer, free_port
from typer.testing import CliRunner

from newsletter import _imports, doctor
from newsletter.cli import app
from newsletter.store import open_store

STRONG = "q3Vx8-Lr0pZ2mWb7YtC4nHs9KdJ6fGa1EuRoTiPl"


def _config(project: Path, extra: str = "") -> Path:
    cfg = project / "newsletter.toml"
    if extra:
        cfg.write_text(cfg.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    return cfg


def _smtp_config(project: Path, port: int, security: str = "none") -> Path:
    """The project's config switched to SMTP on *port* (always from the shipped text)."""
    orig = project / ".shipped.toml"
    if not orig.exists():
        orig.write_bytes((project / "newsletter.toml").read_bytes())
    text = orig.read_text(encoding="utf-8")
    text = text.replace('transport = "outbox"', 'transport = "smtp"')
    text = text.replace("port = 25", f"port = {port}")
    text = text.replace('security = "none"', f'security = "{security}"')
    text = text.replace("https://ree-daily.example", "https://news.ree-daily.org")
    (project / "newsletter.toml").write_text(text, encoding="utf-8")
    return project / "newsletter.toml"


def _check(checks: list[doctor.Check], name: str) -> doctor.Check:
    return next(c for c in checks if c.name == name)


def test_the_shipped_project_has_no_failing_check(project: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSLETTER_SECRET")
    checks = doctor.run_checks(_config(project))
    assert [c.name for c in checks if c.status == "fail"] == []
    names = [c.name for c in checks]
    assert names == ["imports", "config", "store", "templates", "sources", "secret", "smtp",
                     "dkim", "public_url", "from_domain", "chromium"]
    assert "lxml" in _check(checks, "imports").detail  # versions are reported
    # without a secret the outbox run is fine, but the operator is told
    assert _check(checks, "secret").status == "warn"


def test_a_broken_import_fails_the_imports_check(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "brokenpkg").mkdir()
    (tmp_path / "brokenpkg" / "__init__.py").write_text("")
    (tmp_path / "brokenpkg" / "uses_missing.py").write_text("import lxml_gone_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    real_walk = _imports.walk
    monkeypatch.setattr(_imports, "walk", lambda: real_walk("brokenpkg"))
    try:
        check = doctor.check_imports()
    finally:
        sys.modules.pop("brokenpkg", None)
    assert check.status == "fail"
    assert "brokenpkg.uses_missing" in check.detail and "lxml_gone_xyz" in check.detail
    assert "requirements.lock" in check.hint


def test_an_invalid_config_fails_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "newsletter.toml"
    bad.write_text('[newsletter]\ntitle = "x"\n\n[delivery]\ntransport = "smtpp"\n')
    checks = doctor.run_checks(bad)
    config = _check(checks, "config")
    assert config.status == "fail"
    assert "line 5: delivery.transport" in config.detail
    assert "store" not in [c.name for c in checks]  # nothing that needs the config runs


def test_the_store_check_fails_on_a_newer_schema_and_on_a_file_that_is_no_database(
        project: Path) -> None:
    cfg = _config(project)
    db = project / "var" / "newsletter.db"
    assert _check(doctor.run_checks(cfg), "store").status == "warn"  # not created yet
    db.parent.mkdir()
    with sqlite3.connect(db) as conn:  # a pre-Alembic store of a release newer than 0.1
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '3')")
    store = _check(doctor.run_checks(cfg), "store")
    assert store.status == "fail" and "newer" in store.detail
    db.unlink()
    open_store(f"sqlite:///{db}").close()
    assert _check(doctor.run_checks(cfg), "store").status == "ok"
    with sqlite3.connect(db) as conn:  # migrated by a release with a revision we lack
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    store = _check(doctor.run_checks(cfg), "store")
    assert store.status == "fail" and "9999_from_the_future" in store.detail
    db.write_bytes(b"this is not a database" * 100)
    store = _check(doctor.run_checks(cfg), "store")
    assert store.status == "fail" and "cannot connect" in store.detail


def test_the_store_check_never_creates_or_migrates(project: Path) -> None:
    doctor.run_checks(_config(project))
    assert not (project / "var" / "newsletter.db").exists()


def test_a_template_that_does_not_compile_is_named_with_its_line(project: Path) -> None:
    override = project / "templates" / "email" / "daily.html.j2"  # overrides the packaged
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text("<p>\n{% if edition %}\n<b>unclosed\n", encoding="utf-8")
    check = _check(doctor.run_checks(_config(project)), "templates")
    assert check.status == "fail"
    assert re.search(r"email/daily\.html\.j2:2: Unexpected end of template", check.detail)


def test_an_invalid_sources_file_fails(project: Path) -> None:
    cfg = _config(project)
    own = project / "sources.toml"  # a project's own catalogue replaces the packaged one
    own.write_text("[[source]]\nname = 'x'\n", encoding="utf-8")
    check = _check(doctor.run_checks(cfg), "sources")
    assert check.status == "fail" and "problem" in check.detail and str(own) in check.detail


@pytest.mark.parametrize(("value", "why"), [
    (None, "not set"),
    ("short-but-random-Xq7pZ", "at least 32"),
    ("change-me-to-a-long-random-string", "placeholder"),
    ("ree-daily-development-secret-change-me", "placeholder"),
])
def test_a_missing_weak_or_published_secret_fails_when_mail_really_goes_out(
        project: Path, monkeypatch: pytest.MonkeyPatch, value: str | None, why: str) -> None:
    monkeypatch.delenv("NEWSLETTER_SECRET")
    if value is not None:
        monkeypatch.setenv("NEWSLETTER_SECRET", value)
    with SmtpServer() as srv:
        check = _check(doctor.run_checks(_smtp_config(project, srv.port)), "secret")
    assert check.status == "fail" and why in check.detail
    assert "secrets.token_urlsafe" in check.hint and "NEWSLETTER_SECRET_PREVIOUS" in check.hint


def test_a_strong_secret_passes(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_SECRET", STRONG)
    assert _check(doctor.run_checks(_config(project)), "secret").status == "ok"


def test_the_smtp_check_talks_to_a_real_relay(project: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_SECRET", STRONG)
    with SmtpServer() as srv:
        checks = doctor.run_checks(_smtp_config(project, srv.port))
        assert srv.received == []  # EHLO and QUIT only: nothing is sent
    smtp = _check(checks, "smtp")
    assert smtp.status == "ok" and "EHLO ok" in smtp.detail
    assert [c.name for c in checks if c.status == "fail"] == []


def test_the_smtp_check_fails_on_a_closed_port_and_on_refused_auth(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    closed = _check(doctor.run_checks(_smtp_config(project, free_port())), "smtp")
    assert closed.status == "fail" and "127.0.0.1" in closed.detail
    assert "[delivery.smtp]" in closed.hint
    monkeypatch.setenv("NEWSLETTER_SMTP_USERNAME", "editor")
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "wrong")
    with SmtpServer(auth=("editor", "right"), security="starttls") as srv:
        monkeypatch.setenv("SSL_CERT_FILE", str(srv.cert_file))  # trust its test certificate
        cfg = _smtp_config(project, srv.port, security="starttls")
        check = _check(doctor.run_checks(cfg), "smtp")
        monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "right")
        good = _check(doctor.run_checks(cfg), "smtp")
    assert check.status == "fail" and "AUTH refused" in check.detail
    assert "NEWSLETTER_SMTP_PASSWORD" in check.hint
    assert good.status == "ok" and "AUTH ok" in good.detail


def _dkim(project: Path, monkeypatch: pytest.MonkeyPatch, key_pem: bytes | None,
          domain: str = "ree-daily.example") -> doctor.Check:
    cfg = project / "newsletter.toml"
    if "[delivery.dkim]" not in cfg.read_text(encoding="utf-8"):
        _config(project, f'[delivery.dkim]\nselector = "s1"\ndomain = "{domain}"\n')
    if key_pem is not None:
        key_file = project / "dkim.pem"
        key_file.write_bytes(key_pem)
        monkeypatch.setenv("NEWSLETTER_DKIM_KEY_FILE", str(key_file))
    return _check(doctor.run_checks(cfg), "dkim")


def test_the_dkim_check_prints_the_txt_record_of_the_key(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    check = _dkim(project, monkeypatch, pem)
    assert check.status == "ok"
    assert "s1._domainkey.ree-daily.example" in check.detail
    p = check.detail.split("p=", 1)[1].rstrip('"')
    published = serialization.load_der_public_key(base64.b64decode(p))
    assert published.public_numbers() == key.public_key().public_numbers()  # type: ignore[union-attr]
    ed = ed25519.Ed25519PrivateKey.generate()
    record = doctor.dkim_txt_record(ed.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    assert record.startswith("v=DKIM1; k=ed25519; p=")
    assert base64.b64decode(record.split("p=")[1]) == ed.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_the_dkim_check_fails_on_a_missing_or_unreadable_key(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = _dkim(project, monkeypatch, None)
    assert missing.status == "fail" and "NEWSLETTER_DKIM_KEY_FILE" in missing.hint
    garbage = _dkim(project, monkeypatch, b"-----BEGIN PRIVATE KEY-----\nnope\n")
    assert garbage.status == "fail" and "cannot be read" in garbage.detail
    monkeypatch.setenv("NEWSLETTER_DKIM_KEY_FILE", str(project / "no-such-key.pem"))
    unreadable = _check(doctor.run_checks(project / "newsletter.toml"), "dkim")
    assert unreadable.status == "fail" and "no-such-key.pem" in unreadable.detail


def test_a_from_address_outside_the_dkim_domain_fails(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    _dkim(project, monkeypatch, key, domain="other.example")
    check = _check(doctor.run_checks(project / "newsletter.toml"), "from_domain")
    assert check.status == "fail" and "other.example" in check.detail
    assert "DMARC" in check.detail


def test_a_plain_http_public_url_fails_when_sending_for_real(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_SECRET", STRONG)
    with SmtpServer() as srv:
        cfg = _smtp_config(project, srv.port)
        cfg.write_text(cfg.read_text().replace("https://news.ree-daily.org",
                                               "http://news.ree-daily.org"))
        check = _check(doctor.run_checks(cfg), "public_url")
    assert check.status == "fail" and "not https" in check.detail


def test_the_command_exits_1_on_a_failure_and_prints_json(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.delenv("NEWSLETTER_SECRET")
    ok = runner.invoke(app, ["doctor", "--json", "--config", str(_config(project))])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert {tuple(sorted(c)) for c in data["checks"]} == {("detail", "hint", "name", "status")}
    assert {c["status"] for c in data["checks"]} <= {"ok", "warn", "fail"}
    monkeypatch.setenv("NEWSLETTER_SECRET", "short-but-random-Xq7pZ")
    bad = runner.invoke(app, ["doctor", "--config", str(project / "newsletter.toml")])
    assert bad.exit_code == 1
    assert "1 check(s) failed: secret" in bad.stdout


def test_the_smtp_check_probes_every_relay_a_send_would_use(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_SECRET", STRONG)
    with SmtpServer() as up:
        down = free_port()  # picked while `up` holds its port, so never the same one
        cfg = _smtp_config(project, up.port)  # [delivery.smtp] itself answers ...
        cfg.write_text(cfg.read_text(encoding="utf-8").replace("[delivery.smtp]", (
            f'[[delivery.relays]]\nname = "a"\nhost = "127.0.0.1"\nport = {up.port}\n\n'
            f'[[delivery.relays]]\nname = "b"\nhost = "127.0.0.1"\nport = {down}\n\n'
            "[delivery.smtp]"), 1), encoding="utf-8")
        check = _check(doctor.run_checks(cfg), "smtp")
        assert up.received == []
    # ... but the relays are what a send uses: the one that is down fails the check
    assert check.status == "fail"
    assert f"relay a 127.0.0.1:{up.port} (none): EHLO ok" in check.detail
    assert f"relay b 127.0.0.1:{down}" in check.detail
    assert "[[delivery.relays]]" in check.hint
