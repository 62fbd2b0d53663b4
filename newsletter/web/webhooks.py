"""Provider webhooks under /webhooks/ (issue 14): bounces, complaints and deliveries that
Amazon SES (through SNS), Postmark, SendGrid, Mailgun or any other sender reports by HTTP.

Each route is off (404) until ``[webhooks]`` enables it, and refuses anything not
authenticated as that provider's: SNS signature and certificate host (SES), HTTP basic
auth (Postmark), ECDSA signature over timestamp + body (SendGrid), HMAC over timestamp +
token (Mailgun), a bearer token (generic). Signed timestamps older than ``[webhooks]
max_age_seconds`` and signatures seen before are refused (replays). Every accepted event
is stored raw (the JSON as posted) before the policy acts on it, and storing is
idempotent on the provider's event id, so a provider's retry is not counted twice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..bounces import Outcome, SnsError, SnsTrust, ingest_event, verify_sns

if TYPE_CHECKING:
    from ..core import Newsletter

log = logging.getLogger("newsletter.web")
WEBHOOK_MAX_BODY = 1024 * 1024  # SendGrid posts batches; SNS messages are small


@dataclass(frozen=True)
class Event:
    """One provider event, mapped to our kinds."""

    key: str  # provider's id, for idempotent storage
    kind: str  # hard | soft | complaint | delivered | ignored
    recipient: str | None
    status: str | None = None
    diagnostic: str | None = None
    message_id: str | None = None
    envelope: str | None = None  # the envelope sender (our VERP address)
    detail: dict[str, Any] | None = None


def _answer(status: int, text: str) -> Response:
    return Response(text + "\n", status, media_type="text/plain",
                    headers={"cache-control": "no-store"})


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _status_of(text: str | None) -> str | None:
    from ..bounces import find_status

    return find_status(text or "") if text else None


# --- provider payloads -> events -------------------------------------------------------
def ses_events(notification: dict[str, Any]) -> list[Event]:
    """Events of an SES notification (``notificationType``) or event (``eventType``)."""
    kind = notification.get("notificationType") or notification.get("eventType")
    mail = notification.get("mail") or {}
    mid = None
    for h in mail.get("headers") or []:
        if isinstance(h, dict) and str(h.get("name", "")).lower() == "message-id":
            mid = h.get("value")
    envelope = mail.get("source")
    out = []
    if kind == "Bounce":
        b = notification.get("bounce") or {}
        permanent = b.get("bounceType") == "Permanent"
        for r in b.get("bouncedRecipients") or []:
            diag = r.get("diagnosticCode")
            out.append(Event(f"ses:{b.get('feedbackId')}:{r.get('emailAddress')}",
                             "hard" if permanent else "soft", r.get("emailAddress"),
                             r.get("status") or _status_of(diag), diag, mid, envelope,
                             {"bounceType": b.get("bounceType"),
                              "bounceSubType": b.get("bounceSubType")}))
    elif kind == "Complaint":
        c = notification.get("complaint") or {}
        for r in c.get("complainedRecipients") or []:
            out.append(Event(f"ses:{c.get('feedbackId')}:{r.get('emailAddress')}",
                             "complaint", r.get("emailAddress"), None,
                             c.get("complaintFeedbackType"), mid, envelope,
                             {"complaintSubType": c.get("complaintSubType")}))
    elif kind == "Delivery":
        d = notification.get("delivery") or {}
        for r in d.get("recipients") or []:
            out.append(Event(f"ses:{mail.get('messageId')}:delivery:{r}", "delivered", r,
                             None, d.get("smtpResponse"), mid, envelope))
    return out


_POSTMARK_HARD = {"HardBounce", "BadEmailAddress", "ManuallyDeactivated", "Blocked",
                  "Unsubscribe", "AddressChange"}
_POSTMARK_IGNORED = {"AutoResponder", "OpenRelayTest", "Subscribe", "ChallengeVerification",
                     "DnsError", "SMTPApiError", "InboundError", "VirusNotification",
                     "VirusNotificationReturned"}


def postmark_events(p: dict[str, Any]) -> list[Event]:
    rt = p.get("RecordType")
    if rt == "Bounce":
        t = str(p.get("Type", ""))
        if t in ("SpamComplaint", "SpamNotification"):
            kind = "complaint"
        elif t in _POSTMARK_IGNORED:
            kind = "ignored"
        else:
            kind = "hard" if t in _POSTMARK_HARD else "soft"
        diag = p.get("Details") or p.get("Description")
        return [Event(f"postmark:bounce:{p.get('ID')}", kind, p.get("Email"),
                      _status_of(diag), diag, p.get("MessageID"), None, {"Type": t})]
    if rt == "SpamComplaint":
        return [Event(f"postmark:complaint:{p.get('ID')}", "complaint", p.get("Email"),
                      None, p.get("Description"), p.get("MessageID"))]
    if rt == "Delivery":
        return [Event(f"postmark:delivery:{p.get('MessageID')}:{p.get('Recipient')}",
                      "delivered", p.get("Recipient"), None, p.get("Details"),
                      p.get("MessageID"))]
    return []


def sendgrid_events(items: list[Any]) -> list[Event]:
    out = []
    for e in items:
        if not isinstance(e, dict):
            continue
        ev = e.get("event")
        kind = {"bounce": "soft" if e.get("type") == "blocked" else "hard",
                "deferred": "soft", "spamreport": "complaint",
                "delivered": "delivered"}.get(str(ev))
        if kind is None:
            continue
        diag = e.get("reason") or e.get("response")
        out.append(Event(f"sendgrid:{e.get('sg_event_id')}", kind, e.get("email"),
                         e.get("status") or _status_of(diag), diag,
                         e.get("smtp-id"), None, {"event": ev, "type": e.get("type")}))
    return out


def mailgun_events(data: dict[str, Any]) -> list[Event]:
    ev = data.get("event")
    ds = data.get("delivery-status") or {}
    headers = (data.get("message") or {}).get("headers") or {}
    mid = headers.get("message-id")
    if mid and not mid.startswith("<"):
        mid = f"<{mid}>"
    envelope = (data.get("envelope") or {}).get("sender")
    if ev == "failed":
        kind = "hard" if data.get("severity") == "permanent" else "soft"
    elif ev == "complained":
        kind = "complaint"
    elif ev == "delivered":
        kind = "delivered"
    else:
        return []
    diag = ds.get("description") or ds.get("message")
    status = ds.get("enhanced-code") or _status_of(diag)
    return [Event(f"mailgun:{data.get('id')}", kind, data.get("recipient"), status, diag,
                  mid, envelope, {"event": ev, "severity": data.get("severity"),
                                  "reason": data.get("reason")})]


def generic_events(body: Any) -> list[Event]:
    items = body.get("events") if isinstance(body, dict) and "events" in body else [body]
    out = []
    for e in items if isinstance(items, list) else []:
        if not isinstance(e, dict) or e.get("type") not in ("hard", "soft", "complaint",
                                                            "delivered"):
            raise ValueError("each event needs type hard/soft/complaint/delivered")
        if not e.get("id") or not e.get("recipient"):
            raise ValueError("each event needs an id and a recipient")
        out.append(Event(f"generic:{e['id']}", e["type"], str(e["recipient"]),
                         e.get("status"), e.get("diagnostic"), e.get("message_id"),
                         e.get("envelope_sender")))
    return out


# --- the routes ------------------------------------------------------------------------
def webhook_routes(newsletter: Newsletter, *, sns_trust: SnsTrust | None = None) -> list[Route]:
    """The /webhooks/ routes of the public app. ``sns_trust``: tests only (their own CA
    and certificate host); the default trusts AWS's hosts and the system's CAs."""
    settings = newsletter.config.webhooks
    trust = sns_trust or SnsTrust()
    max_age = settings.max_age_seconds

    def store(source: str, events: list[Event], raw: bytes) -> list[Outcome]:
        outs = []
        for e in events:
            if e.kind == "ignored" or not e.recipient:
                continue
            outs.append(ingest_event(newsletter.store, source=f"webhook:{source}",
                                     dedupe_key=e.key, kind=e.kind, recipient=e.recipient,
                                     raw=raw, config=newsletter.config, now=newsletter.now(),
                                     status=e.status,
                                     diagnostic=e.diagnostic, evidence=e.detail,
                                     message_id=e.message_id, envelope=e.envelope))
        return outs

    async def accept(source: str, events: list[Event], raw: bytes) -> Response:
        outs = await run_in_threadpool(store, source, events, raw)
        new = sum(o.created for o in outs)
        log.info("event=webhook source=%s events=%d stored=%d", source, len(outs), new)
        return JSONResponse({"received": len(outs), "stored": new},
                            headers={"cache-control": "no-store"})

    def refuse(source: str, status: int, why: str) -> Response:
        log.warning("event=webhook_refused source=%s status=%d reason=%s", source, status,
                    json.dumps(why))
        return _answer(status, why)

    async def ses(request: Request) -> Response:
        if not settings.ses:
            return _answer(404, "not found")
        raw = await request.body()
        msg = _json(raw)
        try:
            await run_in_threadpool(verify_sns, msg, trust)
        except SnsError as exc:
            return refuse("ses", 403, str(exc))
        if settings.ses_topic_arns and msg["TopicArn"] not in settings.ses_topic_arns:
            return refuse("ses", 403, "topic not accepted ([webhooks] ses_topic_arns)")
        if msg["Type"] == "SubscriptionConfirmation":
            try:
                await run_in_threadpool(trust.get, str(msg.get("SubscribeURL", "")))
            except Exception as exc:  # SnsError, httpx and TLS errors alike
                return refuse("ses", 502, f"could not confirm the subscription: {exc}")
            log.info("event=sns_subscription_confirmed topic=%s", msg["TopicArn"])
            return _answer(200, "subscription confirmed")
        if msg["Type"] == "UnsubscribeConfirmation":
            return _answer(200, "ok")
        inner = _json(str(msg.get("Message", "")).encode())
        if not isinstance(inner, dict):
            return refuse("ses", 400, "the SNS Message is not an SES notification")
        return await accept("ses", ses_events(inner), raw)

    async def postmark(request: Request) -> Response:
        if not settings.postmark:
            return _answer(404, "not found")
        user = os.environ.get("NEWSLETTER_WEBHOOK_POSTMARK_USERNAME")
        password = os.environ.get("NEWSLETTER_WEBHOOK_POSTMARK_PASSWORD")
        if not user or not password:
            return refuse("postmark", 503, "basic auth credentials are not set")
        got = request.headers.get("authorization", "")
        want = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        if not hmac.compare_digest(got.encode(), want.encode()):
            return Response("unauthorized\n", 401, media_type="text/plain",
                            headers={"www-authenticate": 'Basic realm="webhooks"'})
        raw = await request.body()
        body = _json(raw)
        if not isinstance(body, dict):
            return refuse("postmark", 400, "expected a JSON object")
        return await accept("postmark", postmark_events(body), raw)

    async def sendgrid(request: Request) -> Response:
        if not settings.sendgrid_public_key:
            return _answer(404, "not found")
        sig = request.headers.get("x-twilio-email-event-webhook-signature", "")
        ts = request.headers.get("x-twilio-email-event-webhook-timestamp", "")
        raw = await request.body()
        if not sig or not ts:
            return refuse("sendgrid", 401, "unsigned")
        if not _fresh(ts, max_age):
            return refuse("sendgrid", 403, "stale timestamp")
        if not _ecdsa_ok(settings.sendgrid_public_key, sig, ts.encode() + raw):
            return refuse("sendgrid", 403, "the signature does not verify")
        if not newsletter.store.use_nonce(f"sendgrid:{sig}", newsletter.now(), 2 * max_age):
            return refuse("sendgrid", 403, "replayed")
        body = _json(raw)
        if not isinstance(body, list):
            return refuse("sendgrid", 400, "expected a JSON array of events")
        return await accept("sendgrid", sendgrid_events(body), raw)

    async def mailgun(request: Request) -> Response:
        if not settings.mailgun:
            return _answer(404, "not found")
        key = os.environ.get("NEWSLETTER_WEBHOOK_MAILGUN_KEY")
        if not key:
            return refuse("mailgun", 503, "NEWSLETTER_WEBHOOK_MAILGUN_KEY is not set")
        raw = await request.body()
        body = _json(raw)
        sig = body.get("signature") if isinstance(body, dict) else None
        if not isinstance(sig, dict) or not all(isinstance(sig.get(k), str)
                                                for k in ("timestamp", "token", "signature")):
            return refuse("mailgun", 401, "unsigned")
        want = hmac.new(key.encode(), (sig["timestamp"] + sig["token"]).encode(),
                        hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, sig["signature"]):
            return refuse("mailgun", 403, "the signature does not verify")
        if not _fresh(sig["timestamp"], max_age):
            return refuse("mailgun", 403, "stale timestamp")
        if not newsletter.store.use_nonce(f"mailgun:{sig['token']}", newsletter.now(), 2 * max_age):
            return refuse("mailgun", 403, "replayed")
        data = body.get("event-data")
        if not isinstance(data, dict):
            return refuse("mailgun", 400, "no event-data")
        return await accept("mailgun", mailgun_events(data), raw)

    async def generic(request: Request) -> Response:
        if not settings.generic:
            return _answer(404, "not found")
        token = os.environ.get("NEWSLETTER_WEBHOOK_TOKEN")
        if not token or len(token) < 16:
            return refuse("generic", 503, "NEWSLETTER_WEBHOOK_TOKEN is not set (16+ chars)")
        got = request.headers.get("authorization", "")
        if not hmac.compare_digest(got.encode(), f"Bearer {token}".encode()):
            return Response("unauthorized\n", 401, media_type="text/plain",
                            headers={"www-authenticate": 'Bearer realm="webhooks"'})
        raw = await request.body()
        try:
            events = generic_events(_json(raw))
        except ValueError as exc:
            return refuse("generic", 400, str(exc))
        return await accept("generic", events, raw)

    return [Route(f"/webhooks/{name}", fn, methods=["POST"]) for name, fn in (
        ("ses", ses), ("postmark", postmark), ("sendgrid", sendgrid), ("mailgun", mailgun),
        ("generic", generic))]


def _fresh(timestamp: str, max_age: float, now: Callable[[], float] = time.time) -> bool:
    try:
        ts = float(timestamp)
    except ValueError:
        return False
    return -60 <= now() - ts <= max_age


def _ecdsa_ok(public_key_b64: str, signature_b64: str, payload: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        key = serialization.load_der_public_key(base64.b64decode(public_key_b64))
        if not isinstance(key, ec.EllipticCurvePublicKey):
            return False
        key.verify(base64.b64decode(signature_b64), payload, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError, binascii.Error, TypeError):
        return False
