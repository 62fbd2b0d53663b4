"""Provider webhooks under /webhooks/ (issue 14): SES through SNS (signature checked with the
certificate fetched from a local HTTPS server the test trusts), Postmark, SendGrid, Mailgun,
generic. Unsigned, forged, stale and replayed posts are refused; accepted events are stored
raw and act once."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from smtp_server import make_cert

from newsletter.bounces._sns import SnsTrust, string_to_sign
from newsletter.config import Config, WebhookSettings
from newsletter.core import Newsletter
from newsletter.web.public import make_app

TOPIC = "arn:aws:sns:eu-west-1:123456789012:ses-bounces"


# --- a local "SNS": HTTPS server with the signing certificate and the confirm URL ---------
class FakeSns:
    def __init__(self, tmp: Path) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.test")])
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=1)).sign(self.key, hashes.SHA256()))
        self.pem = cert.public_bytes(serialization.Encoding.PEM)
        self.tls_cert, tls_key = make_cert(tmp)
        self.hits: list[str] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.hits.append(self.path)
                body = outer.pem if self.path.endswith(".pem") else b"<ConfirmSubscription/>"
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.tls_cert, tls_key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def trust(self) -> SnsTrust:
        return SnsTrust(host_pattern=re.compile(r"^127\.0\.0\.1$"), port=self.port,
                        ssl_context=ssl.create_default_context(cafile=str(self.tls_cert)))

    def sign(self, msg: dict, version: str = "1") -> dict:
        msg = {**msg, "SignatureVersion": version,
               "SigningCertURL": msg.get("SigningCertURL", f"{self.base}/cert-1.pem")}
        algo = hashes.SHA1() if version == "1" else hashes.SHA256()
        sig = self.key.sign(string_to_sign(msg), padding.PKCS1v15(), algo)
        return {**msg, "Signature": base64.b64encode(sig).decode()}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def sns(tmp_path):
    s = FakeSns(tmp_path)
    yield s
    s.close()


SG_KEY = ec.generate_private_key(ec.SECP256R1())
SG_PUBLIC = base64.b64encode(SG_KEY.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
MG_KEY = "key-mailgun-signing-0123456789"
TOKEN = "generic-token-0123456789abcdef"


@pytest.fixture
def nl(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_WEBHOOK_POSTMARK_USERNAME", "pm")
    monkeypatch.setenv("NEWSLETTER_WEBHOOK_POSTMARK_PASSWORD", "pm-pass")
    monkeypatch.setenv("NEWSLETTER_WEBHOOK_MAILGUN_KEY", MG_KEY)
    monkeypatch.setenv("NEWSLETTER_WEBHOOK_TOKEN", TOKEN)
    cfg = Config(root=tmp_path, webhooks=WebhookSettings(
        ses=True, ses_topic_arns=[TOPIC], postmark=True, sendgrid_public_key=SG_PUBLIC,
        mailgun=True, generic=True))
    n = Newsletter(cfg)
    for a in ("gone@x.example", "full@x.example", "angry@x.example", "ok@x.example"):
        n.store.add_subscriber("daily", a, now=n.now())
    yield n
    n.store.close()


def _test_client():
    # Starlette warns that it prefers the httpx2 fork; the lock pins httpx.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    return TestClient


@pytest.fixture
def client(nl, sns):
    TestClient = _test_client()
    with TestClient(make_app(nl, sns_trust=sns.trust()), base_url="https://testserver") as c:
        yield c


def status(nl, address: str) -> str:
    return nl.store.get_subscriber("daily", address).status


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def ses_note(kind: str, address: str, feedback: str = "fb-1", **extra) -> dict:
    body: dict = {"notificationType": kind,
                  "mail": {"messageId": "0100-abc", "source": "bounces@ree-daily.example"}}
    if kind == "Bounce":
        body["bounce"] = {"bounceType": extra.get("bounce_type", "Permanent"),
                          "bounceSubType": "General", "feedbackId": feedback,
                          "bouncedRecipients": [{"emailAddress": address, "status": "5.1.1",
                                                 "diagnosticCode": "smtp; 550 5.1.1 unknown"}]}
    elif kind == "Complaint":
        body["complaint"] = {"feedbackId": feedback, "complaintFeedbackType": "abuse",
                             "complainedRecipients": [{"emailAddress": address}]}
    else:
        body["delivery"] = {"recipients": [address], "smtpResponse": "250 ok"}
    return {"Type": "Notification", "MessageId": f"msg-{feedback}", "TopicArn": TOPIC,
            "Message": json.dumps(body), "Timestamp": _now_iso()}


# --- SES / SNS ---------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["1", "2"])
def test_ses_bounce_through_signed_sns_bounces_the_address(client, nl, sns, version) -> None:
    msg = sns.sign(ses_note("Bounce", "gone@x.example"), version)
    r = client.post("/webhooks/ses", content=json.dumps(msg))
    assert r.status_code == 200, r.text
    assert r.json() == {"received": 1, "stored": 1}
    assert status(nl, "gone@x.example") == "bounced"
    [ev] = nl.store.bounce_events()
    assert ev.source == "webhook:ses" and ev.status == "5.1.1"
    assert json.loads(nl.store.bounce_event_raw(ev.id)) == msg  # stored raw
    assert any(h.endswith(".pem") for h in sns.hits)


def test_ses_retry_is_stored_once_and_transient_scores_once(client, nl, sns) -> None:
    msg = sns.sign(ses_note("Bounce", "full@x.example", "fb-t", bounce_type="Transient"))
    assert client.post("/webhooks/ses", content=json.dumps(msg)).json()["stored"] == 1
    assert client.post("/webhooks/ses", content=json.dumps(msg)).json()["stored"] == 0
    sub = nl.store.get_subscriber("daily", "full@x.example")
    assert nl.store.bounce_score(sub.id).score == 1.0 and sub.status == "active"


def test_ses_complaint_and_delivery(client, nl, sns) -> None:
    r = client.post("/webhooks/ses", content=json.dumps(
        sns.sign(ses_note("Complaint", "angry@x.example", "fb-c"))))
    assert r.status_code == 200 and status(nl, "angry@x.example") == "complained"
    r = client.post("/webhooks/ses", content=json.dumps(
        sns.sign(ses_note("Delivery", "ok@x.example", "fb-d"))))
    assert r.status_code == 200 and status(nl, "ok@x.example") == "active"
    assert {e.kind for e in nl.store.bounce_events()} == {"complaint", "delivered"}


def test_sns_subscription_is_confirmed_at_the_subscribe_url(client, sns) -> None:
    msg = sns.sign({"Type": "SubscriptionConfirmation", "MessageId": "sub-1",
                    "Token": "tok", "TopicArn": TOPIC, "Message": "confirm",
                    "SubscribeURL": f"{sns.base}/?Action=ConfirmSubscription&Token=tok",
                    "Timestamp": _now_iso()})
    r = client.post("/webhooks/ses", content=json.dumps(msg))
    assert r.status_code == 200 and "confirmed" in r.text
    assert any("ConfirmSubscription" in h for h in sns.hits)


def test_sns_forged_tampered_stale_unsigned_and_foreign_topic_are_refused(client, nl,
                                                                          sns) -> None:
    good = sns.sign(ses_note("Bounce", "gone@x.example"))
    tampered = {**good, "Message": good["Message"].replace("gone@", "ok@")}
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = {**good, "Signature": base64.b64encode(other.sign(
        string_to_sign(good), padding.PKCS1v15(), hashes.SHA1())).decode()}
    stale = sns.sign({**ses_note("Bounce", "gone@x.example"),
                      "Timestamp": "2020-01-01T00:00:00.000Z"})
    unsigned = {k: v for k, v in good.items() if k != "Signature"}
    foreign = sns.sign({**ses_note("Bounce", "gone@x.example"),
                        "TopicArn": "arn:aws:sns:eu-west-1:999:other"})
    for bad in (tampered, forged, stale, unsigned, foreign, {"hello": "world"}):
        r = client.post("/webhooks/ses", content=json.dumps(bad))
        assert r.status_code in (400, 403), (bad, r.text)
    assert status(nl, "gone@x.example") == "active"
    assert nl.store.bounce_events() == []


def test_sns_certificate_or_subscribe_url_off_the_trusted_host_is_never_fetched(
        client, nl, sns) -> None:
    evil = sns.sign({**ses_note("Bounce", "gone@x.example"),
                     "SigningCertURL": f"https://localhost:{sns.port}/cert.pem"})
    assert client.post("/webhooks/ses", content=json.dumps(evil)).status_code == 403
    plain = sns.sign({**ses_note("Bounce", "gone@x.example"),
                      "SigningCertURL": f"http://127.0.0.1:{sns.port}/cert.pem"})
    assert client.post("/webhooks/ses", content=json.dumps(plain)).status_code == 403
    ssrf = sns.sign({"Type": "SubscriptionConfirmation", "MessageId": "sub-2", "Token": "t",
                     "TopicArn": TOPIC, "Message": "m", "Timestamp": _now_iso(),
                     "SubscribeURL": "https://169.254.169.254/latest/meta-data/"})
    assert client.post("/webhooks/ses", content=json.dumps(ssrf)).status_code == 502
    assert not any(h.rsplit("/", 1)[-1] == "cert.pem" for h in sns.hits)
    assert not any("meta-data" in h for h in sns.hits)


def test_default_trust_accepts_only_aws_sns_hosts() -> None:
    from newsletter.bounces._sns import SnsError

    trust = SnsTrust()
    trust.check_url("https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem")
    for bad in ("https://sns.eu-west-1.amazonaws.com.evil.example/x.pem",
                "https://evil.example/sns.eu-west-1.amazonaws.com/x.pem",
                "http://sns.eu-west-1.amazonaws.com/x.pem",
                "https://user@sns.eu-west-1.amazonaws.com/x.pem",
                "https://sns.eu-west-1.amazonaws.com:8443/x.pem"):
        with pytest.raises(SnsError):
            trust.check_url(bad)


# --- Postmark ----------------------------------------------------------------------------
def test_postmark_needs_basic_auth(client, nl) -> None:
    body = {"RecordType": "Bounce", "ID": 42, "Type": "HardBounce", "Email": "gone@x.example",
            "Details": "smtp;550 5.1.1 The email account does not exist"}
    assert client.post("/webhooks/postmark", json=body).status_code == 401
    assert client.post("/webhooks/postmark", json=body, auth=("pm", "nope")).status_code == 401
    assert status(nl, "gone@x.example") == "active"
    r = client.post("/webhooks/postmark", json=body, auth=("pm", "pm-pass"))
    assert r.status_code == 200 and status(nl, "gone@x.example") == "bounced"
    spam = {"RecordType": "SpamComplaint", "ID": 7, "Email": "angry@x.example"}
    client.post("/webhooks/postmark", json=spam, auth=("pm", "pm-pass"))
    assert status(nl, "angry@x.example") == "complained"


# --- SendGrid ----------------------------------------------------------------------------
def _sg(body: bytes, ts: str | None = None, key=SG_KEY) -> dict[str, str]:
    ts = ts or str(int(time.time()))
    sig = key.sign(ts.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {"X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(sig).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": ts, "content-type": "application/json"}


def test_sendgrid_signed_batch_is_accepted_once(client, nl) -> None:
    events = [{"email": "gone@x.example", "event": "bounce", "type": "bounce",
               "status": "5.1.1", "reason": "550 5.1.1 unknown", "sg_event_id": "e1"},
              {"email": "angry@x.example", "event": "spamreport", "sg_event_id": "e2"},
              {"email": "ok@x.example", "event": "open", "sg_event_id": "e3"}]
    # Pad to a batch bigger than the public app's 16 KB cap for forms.
    events += [{"email": "ok@x.example", "event": "processed", "sg_event_id": f"p{i}",
                "pad": "x" * 100} for i in range(200)]
    body = json.dumps(events).encode()
    assert len(body) > 16 * 1024
    headers = _sg(body)
    r = client.post("/webhooks/sendgrid", content=body, headers=headers)
    assert r.status_code == 200, r.text
    assert status(nl, "gone@x.example") == "bounced"
    assert status(nl, "angry@x.example") == "complained"
    # The same signed post again is a replay.
    assert client.post("/webhooks/sendgrid", content=body, headers=headers).status_code == 403


def test_sendgrid_unsigned_forged_and_stale_are_refused(client, nl) -> None:
    body = json.dumps([{"email": "gone@x.example", "event": "bounce",
                        "sg_event_id": "e9"}]).encode()
    assert client.post("/webhooks/sendgrid", content=body).status_code == 401
    other = ec.generate_private_key(ec.SECP256R1())
    assert client.post("/webhooks/sendgrid", content=body,
                       headers=_sg(body, key=other)).status_code == 403
    old = str(int(time.time()) - 3600)
    assert client.post("/webhooks/sendgrid", content=body,
                       headers=_sg(body, ts=old)).status_code == 403
    assert status(nl, "gone@x.example") == "active"


# --- Mailgun -----------------------------------------------------------------------------
def _mg(data: dict, ts: int | None = None, token: str = "tok-1", key: str = MG_KEY) -> dict:
    ts_s = str(ts or int(time.time()))
    sig = hmac.new(key.encode(), (ts_s + token).encode(), hashlib.sha256).hexdigest()
    return {"signature": {"timestamp": ts_s, "token": token, "signature": sig},
            "event-data": data}


MG_FAIL = {"id": "mg-1", "event": "failed", "severity": "permanent",
           "recipient": "gone@x.example",
           "delivery-status": {"code": 550, "message": "5.1.1 no such user"},
           "message": {"headers": {"message-id": "x@mg.example"}}}


def test_mailgun_hmac_timestamp_window_and_replay(client, nl) -> None:
    assert client.post("/webhooks/mailgun", json={"event-data": MG_FAIL}).status_code == 401
    assert client.post("/webhooks/mailgun",
                       json=_mg(MG_FAIL, key="wrong")).status_code == 403
    assert client.post("/webhooks/mailgun",
                       json=_mg(MG_FAIL, ts=int(time.time()) - 3600)).status_code == 403
    assert status(nl, "gone@x.example") == "active"
    signed = _mg(MG_FAIL, token="tok-fresh")
    r = client.post("/webhooks/mailgun", json=signed)
    assert r.status_code == 200 and status(nl, "gone@x.example") == "bounced"
    assert client.post("/webhooks/mailgun", json=signed).status_code == 403  # replay
    complained = {"id": "mg-2", "event": "complained", "recipient": "angry@x.example"}
    client.post("/webhooks/mailgun", json=_mg(complained, token="tok-2"))
    assert status(nl, "angry@x.example") == "complained"


# --- generic -----------------------------------------------------------------------------
def test_generic_webhook_needs_the_bearer_token(client, nl) -> None:
    body = {"events": [{"id": "g1", "type": "soft", "recipient": "full@x.example",
                        "status": "4.2.2", "diagnostic": "mailbox full"}]}
    assert client.post("/webhooks/generic", json=body).status_code == 401
    assert client.post("/webhooks/generic", json=body,
                       headers={"authorization": "Bearer wrong"}).status_code == 401
    r = client.post("/webhooks/generic", json=body,
                    headers={"authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.json()["stored"] == 1
    bad = client.post("/webhooks/generic", json={"events": [{"type": "weird"}]},
                      headers={"authorization": f"Bearer {TOKEN}"})
    assert bad.status_code == 400


def test_routes_are_off_until_configured(tmp_path) -> None:
    TestClient = _test_client()
    n = Newsletter(Config(root=tmp_path))
    with TestClient(make_app(n), base_url="https://testserver") as c:
        for name in ("ses", "postmark", "sendgrid", "mailgun", "generic"):
            assert c.post(f"/webhooks/{name}", json={}).status_code == 404
        # Only /webhooks/ gets the larger body cap.
        assert c.post("/subscribe", content=b"x" * (20 * 1024)).status_code == 413
    n.store.close()
