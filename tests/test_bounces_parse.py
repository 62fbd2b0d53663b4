"""The bounce parser (issue 14): one function over raw bytes, on realistic mails of the
MTAs and providers a newsletter meets (tests/data/bounces/, read by hand into
expected.json), and `newsletter bounces parse`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.bounces import parse_bounce
from newsletter.bounces._verp import find_token, make_token, verify_token, verp_address
from newsletter.cli import app

DATA = Path(__file__).parent / "data" / "bounces"
EXPECTED = {k: v for k, v in json.loads((DATA / "expected.json").read_text()).items()
            if not k.startswith("_")}
runner = CliRunner()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_mail_is_read_as_a_person_reads_it(name: str) -> None:
    exp = EXPECTED[name]
    r = parse_bounce((DATA / name).read_bytes())
    assert r.kind == exp["kind"]
    assert sorted(a.lower() for a in r.recipients) == sorted(exp["recipients"])
    assert r.status == exp["status"]


def test_every_fixture_has_an_expected_reading() -> None:
    assert sorted(p.name for p in DATA.glob("*.eml")) == sorted(EXPECTED)


def test_dsn_diagnostic_is_the_remote_servers_words_unfolded() -> None:
    r = parse_bounce((DATA / "postfix_dsn_hard.eml").read_bytes())
    assert r.diagnostic == ("550 5.1.1 <nobody.here@metals-buyer.example>: Recipient address "
                            "rejected: User unknown in virtual mailbox table")
    assert r.detector == "dsn"


def _dsn(blocks: str, subject: str = "Delivery Status Notification") -> bytes:
    return (
        "From: MAILER-DAEMON@relay.example\r\nTo: bounces@ree-daily.example\r\n"
        f"Subject: {subject}\r\nMessage-ID: <dsn-1@relay.example>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"XX\"\r\n\r\n"
        "--XX\r\nContent-Type: text/plain\r\n\r\nDelivery report.\r\n\r\n"
        "--XX\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.example\r\n\r\n" + blocks.replace("\n", "\r\n")
        + "\r\n--XX--\r\n").encode()


def test_dsn_with_several_recipients_reports_each_with_its_own_kind() -> None:
    r = parse_bounce(_dsn(
        "Final-Recipient: rfc822; a@x.example\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 no such user\n\n"
        "Final-Recipient: rfc822; b@y.example\nAction: delayed\nStatus: 4.2.2\n"
        "Diagnostic-Code: smtp; 452 4.2.2 mailbox full\n\n"
        "Final-Recipient: rfc822; c@z.example\nAction: delivered\nStatus: 2.0.0\n"))
    assert r.kind == "hard"
    assert {(f.address, f.kind, f.status) for f in r.failures} == {
        ("a@x.example", "hard", "5.1.1"), ("b@y.example", "soft", "4.2.2")}
    assert "c@z.example" not in r.recipients


def test_original_recipient_is_preferred_to_the_final_one() -> None:
    # Forwarded mail: Final-Recipient is the forward target, we sent to the original.
    r = parse_bounce(_dsn("Original-Recipient: rfc822;sub@ours.example\n"
                          "Final-Recipient: rfc822; sub.forward@elsewhere.example\n"
                          "Action: failed\nStatus: 5.1.1\n"))
    assert r.recipients == ("sub@ours.example",)


def test_status_read_from_the_diagnostic_when_the_status_field_is_missing() -> None:
    r = parse_bounce(_dsn("Final-Recipient: rfc822; a@x.example\nAction: failed\n"
                          "Diagnostic-Code: smtp; 550 5.2.1 mailbox disabled\n"))
    assert (r.kind, r.status) == ("hard", "5.2.1")


def test_failed_action_is_final_even_with_a_class_4_status() -> None:
    # 4.4.7: the relay retried for days and gave up. The message is lost: a hard bounce.
    r = parse_bounce(_dsn("Final-Recipient: rfc822; a@x.example\nAction: failed\n"
                          "Status: 4.4.7\n"))
    assert r.kind == "hard"


def test_kind_from_the_wording_when_there_is_no_status_at_all() -> None:
    soft = parse_bounce(b"From: MAILER-DAEMON@mx.example\r\nTo: bounces@r.example\r\n"
                        b"Subject: Undeliverable\r\n\r\nYour message to <full@mx.example> "
                        b"could not be delivered:\r\nmailbox is full\r\n")
    hard = parse_bounce(b"From: MAILER-DAEMON@mx.example\r\nTo: bounces@r.example\r\n"
                        b"Subject: Undeliverable\r\n\r\nYour message to <gone@mx.example> "
                        b"could not be delivered:\r\nno such user\r\n")
    assert (soft.kind, soft.recipients) == ("soft", ("full@mx.example",))
    assert (hard.kind, hard.recipients) == ("hard", ("gone@mx.example",))


def test_a_bounce_that_says_auto_submitted_is_still_a_bounce() -> None:
    # Postfix and Exim mark their bounces "Auto-Submitted: auto-replied" (RFC 3834 3.1.7).
    raw = (DATA / "postfix_dsn_hard.eml").read_bytes()
    assert b"Auto-Submitted: auto-replied" in raw
    assert parse_bounce(raw).kind == "hard"


@pytest.mark.parametrize("name", ["vacation_rfc3834.eml", "outlook_autoreply.eml",
                                  "autoresponder_header.eml"])
def test_auto_replies_are_never_bounces_even_with_failure_words(name: str) -> None:
    r = parse_bounce((DATA / name).read_bytes())
    assert r.kind == "auto-reply"
    assert r.recipients == ()


def test_arf_complaint_names_the_recipient_and_the_verp_token() -> None:
    r = parse_bounce((DATA / "yahoo_arf.eml").read_bytes())
    assert (r.kind, r.feedback_type) == ("complaint", "abuse")
    assert r.verp_token == "3a-ghijklmnop"  # the returned copy's Return-Path
    redacted = parse_bounce((DATA / "microsoft_arf_redacted.eml").read_bytes())
    assert redacted.kind == "complaint" and redacted.recipients == ()
    # The redacted report still identifies the subscriber through the returned copy's
    # Return-Path (our VERP address).
    assert redacted.verp_token == "4b-qrstuvwxyz"


def test_verp_token_round_trip_and_forgery() -> None:
    token = make_token("s3cret", 12345)
    assert verify_token("s3cret", token) == 12345
    assert verify_token("s3cret", token.upper()) == 12345  # MTAs that upper-case
    assert verify_token("other", token) is None
    ident, mac = token.split("-")
    forged = f"{int(ident, 36) + 1:x}-{mac}"
    assert verify_token("s3cret", forged) is None
    addr = verp_address("bounces@ree-daily.example", token)
    assert addr == f"bounces+{token}@ree-daily.example"
    assert len(addr.split("@")[0]) <= 64  # RFC 5321 local-part limit
    import email

    msg = email.message_from_string(f"Delivered-To: {addr}\n\nx")
    assert find_token(msg) == token


def test_verp_only_bounce_is_soft_and_keeps_the_token() -> None:
    r = parse_bounce((DATA / "verp_only_unreadable.eml").read_bytes())
    assert (r.kind, r.verp_token, r.recipients) == ("soft", "5c-abcdefghij", ())


@pytest.mark.parametrize("raw", [b"", b"\xff\xfe\x00garbage", b"From: x\r\n\r\n" * 1000,
                                 b"Content-Type: multipart/report; boundary=\"a\"\r\n\r\n--a",
                                 b"Content-Type: message/delivery-status\r\n\r\nAction: failed"])
def test_hostile_input_is_a_result_not_an_exception(raw: bytes) -> None:
    assert parse_bounce(raw).kind in ("not-bounce", "unknown", "hard", "soft")


def test_cli_json_lines_walk_folders_and_exit_0_with_unknowns(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.eml").write_bytes((DATA / "ses_dsn.eml").read_bytes())
    (tmp_path / "b.eml").write_bytes(b"From: postmaster@x.example\r\nSubject: Undeliverable"
                                     b"\r\n\r\nsomething went wrong\r\n")
    res = runner.invoke(app, ["bounces", "parse", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [Path(x["file"]).name for x in lines] == ["b.eml", "a.eml"]
    assert all(set(x) == {"file", "kind", "recipients", "status", "diagnostic"} for x in lines)
    assert lines[0]["kind"] == "unknown"
    assert lines[1] == {"file": str(tmp_path / "sub" / "a.eml"), "kind": "hard",
                        "recipients": ["gone@rare-metals.example"], "status": "5.1.1",
                        "diagnostic": "550 5.1.1 user unknown"}


def test_cli_unreadable_path_exits_2_and_names_it(tmp_path: Path) -> None:
    res = runner.invoke(app, ["bounces", "parse", str(DATA / "ses_dsn.eml"),
                              str(tmp_path / "missing.eml")])
    assert res.exit_code == 2
    assert "missing.eml" in res.output
    assert "gone@rare-metals.example" in res.output  # the readable one still printed
    assert "Traceback" not in res.output


@pytest.mark.parametrize("raw", [
    b"From: Ana <ana@fund.example>\r\nTo: bounces@r.example\r\nSubject: Re: REE Daily\r\n\r\n"
    b"Hello, I am currently out of the office until 5 January with limited access to "
    b"email. Delivery questions: logistics@fund.example\r\n",
    b"From: Ana <ana@fund.example>\r\nTo: bounces@r.example\r\n"
    b"Subject: Automatische Antwort: REE Daily\r\n\r\nDanke, ich bin bis Montag weg.\r\n",
])
def test_vacation_notices_without_auto_reply_headers(raw: bytes) -> None:
    assert parse_bounce(raw).kind == "auto-reply"


def test_hotmail_jmrp_complaint_names_the_reader() -> None:
    raw = (b"From: staff@hotmail.com\r\nTo: bounces@r.example\r\nSubject: complaint about "
           b"message from 192.0.2.10\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
           b"boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nreport\r\n--x\r\n"
           b"Content-Type: message/rfc822\r\n\r\nX-HmXmrOriginalRecipient: <u@hotmail.com>\r\n"
           b"From: daily@r.example\r\nTo: u@hotmail.com\r\n\r\nhi\r\n--x--\r\n")
    r = parse_bounce(raw)
    assert (r.kind, r.recipients) == ("complaint", ("u@hotmail.com",))


@pytest.mark.parametrize("cmd", ["bounces parse", "bounces fetch", "bounces list",
                                 "bounces ingest", "bounces resume", "subscribers show"])
def test_bounce_commands_have_help_and_are_in_the_readme(cmd: str) -> None:
    res = runner.invoke(app, [*cmd.split(), "--help"])
    assert res.exit_code == 0, res.output
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert f"newsletter {cmd}" in readme


def test_ingest_reads_one_mail_from_stdin(project) -> None:
    raw = (DATA / "ses_dsn.eml").read_bytes()
    res = runner.invoke(app, ["bounces", "ingest", "-"], input=raw)
    assert res.exit_code == 0, res.output
    assert "hard gone@rare-metals.example" in res.output
    again = runner.invoke(app, ["bounces", "ingest", "-"], input=raw)
    assert "already stored" in again.output
