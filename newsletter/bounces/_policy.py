"""What a bounce or complaint does to a subscriber (issue 14), and how it gets there.

Every event is first stored with its raw evidence (``Store.record_bounce_event``, committed)
and only then decided (``decide``), so a crash in between loses nothing: the next run
decides what is left (``decide_pending``). Ingestion is idempotent: the same mail (by its
Message-ID, else its SHA-256) or provider event (by its id) is stored once.

Policy:

* **hard** bounce: the address is ``bounced`` at once, on every list (it does not exist).
* **soft** bounce: the subscriber's score rises by one point, at most once a day, and is
  forgotten after ``[bounces] score_reset_days`` without a bounce (Mailman's bounce
  score); at ``soft_threshold`` the subscriber is ``suspended``, and active again after
  ``reenable_days`` (the next edition is the probe: if it bounces, the count starts again).
* **complaint**: ``complained`` at once, on every list: unsubscribed and suppressed; a CSV
  import never makes it active again (store/_subscribers.py keeps suppressions).
* auto-replies and other mail: stored, never acted on.

Attribution, strongest first: the VERP token of the address the bounce came back to
(signed: names the subscriber even when the report is unreadable), the signed Message-ID
of the returned copy, then the address the report names (every list's row for it).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..config import Config
from ..store import Store, email_key
from ._verp import verify_message_id, verify_token
from .parse import BounceResult, RecipientFailure, parse_bounce

log = logging.getLogger("newsletter.bounces")
_MAX_RAW = 1024 * 1024  # evidence kept per event


@dataclass(frozen=True)
class Outcome:
    """What ingesting one mail or provider event did."""

    event_id: int
    created: bool  # False: already stored (a duplicate delivery)
    kind: str
    recipient: str | None
    decision: str | None


def _key(address: str) -> str | None:
    try:
        return email_key(address)
    except Exception:
        return None


def _attribute(store: Store, result: BounceResult, secrets: list[bytes],
               now: datetime) -> list[dict[str, Any]]:
    """One row per recipient: who it is in the store, which edition it was."""
    verp_sid = verify_token(secrets, result.verp_token) if result.verp_token else None
    mid = verify_message_id(secrets, result.original_message_id) \
        if result.original_message_id else None
    evidence: dict[str, Any] = {"detector": result.detector, "verp_token": result.verp_token,
                                "verp_valid": verp_sid is not None,
                                "original_message_id": result.original_message_id,
                                "message_id_valid": mid is not None,
                                "feedback_type": result.feedback_type,
                                "subject": result.subject}
    signed_sid = verp_sid if verp_sid is not None else (mid[2] if mid else None)
    signed = store.subscriber_row(signed_sid) if signed_sid is not None else None
    failures = list(result.failures) or []
    rows: list[dict[str, Any]] = []
    if not failures:
        failures = [None]  # type: ignore[list-item]
    for f in failures:
        address = f.address if f is not None else None
        row: dict[str, Any] = {"kind": f.kind if f is not None else result.kind,
                               "status": f.status if f is not None else result.status,
                               "diagnostic": f.diagnostic if f is not None
                               else result.diagnostic,
                               "recipient": address, "subscriber_id": None, "list_name": None,
                               "edition_date": None, "evidence": dict(evidence)}
        if signed is not None and (address is None or len(failures) == 1
                                   or _key(address) == signed.email_key):
            row.update(subscriber_id=signed.id, list_name=signed.list,
                       recipient=address or signed.email)
            row["evidence"]["matched_by"] = "verp" if verp_sid is not None else "message-id"
        elif address and (k := _key(address)):
            found = store.subscribers_by_key(k)
            if found:
                row.update(subscriber_id=found[0].id, list_name=found[0].list)
                row["evidence"]["matched_by"] = "address"
        if mid and row["subscriber_id"] == mid[2]:
            row["edition_date"] = date.fromisoformat(mid[0])
        elif row["subscriber_id"] is not None:
            last = store.last_delivery(row["subscriber_id"], now)
            if last is not None:
                row["edition_date"] = last.edition_date
        rows.append(row)
    return rows


def ingest_mail(store: Store, raw: bytes, *, source: str, config: Config,
                now: datetime) -> list[Outcome]:
    """Parse, store and decide one mail that came back to the bounce address."""
    result = parse_bounce(raw)
    base = f"mail:{result.message_id}" if result.message_id else f"sha256:{result.sha256}"
    rows = _attribute(store, result, config.verify_secrets(), now)
    out = []
    for row in rows:
        key = base if len(rows) == 1 else f"{base}|{(row['recipient'] or '').lower()}"
        out.append(_store_and_decide(store, key, source, raw, row, config, now))
    return out


def ingest_event(store: Store, *, source: str, dedupe_key: str, kind: str,
                 recipient: str | None, raw: bytes, config: Config, now: datetime,
                 status: str | None = None, diagnostic: str | None = None,
                 evidence: dict[str, Any] | None = None,
                 message_id: str | None = None, envelope: str | None = None) -> Outcome:
    """Store and decide one provider event (a webhook's bounce, complaint or delivery)."""
    from ._verp import find_token

    fake = BounceResult(kind=kind, status=status, diagnostic=diagnostic,
                        recipients=(recipient,) if recipient else (),
                        failures=(RecipientFailure(recipient, kind, status, diagnostic),)
                        if recipient else (),
                        detector=source, original_message_id=message_id,
                        verp_token=find_token(_envelope_msg(envelope)) if envelope else None)
    rows = _attribute(store, fake, config.verify_secrets(), now)
    row = rows[0]
    row["evidence"].update(evidence or {})
    return _store_and_decide(store, dedupe_key, source, raw, row, config, now)


def _envelope_msg(envelope: str) -> Any:
    import email

    return email.message_from_string(f"Return-Path: <{envelope}>\n\n")


def _store_and_decide(store: Store, key: str, source: str, raw: bytes, row: dict[str, Any],
                      config: Config, now: datetime) -> Outcome:
    event_id, created = store.record_bounce_event(
        dedupe_key=key, source=source, received=now, kind=row["kind"], raw=raw[:_MAX_RAW],
        recipient=row["recipient"], subscriber_id=row["subscriber_id"],
        list_name=row["list_name"], edition_date=row["edition_date"], status=row["status"],
        diagnostic=row["diagnostic"], evidence=row["evidence"])
    decision = decide(store, event_id, config, now) if created else None
    if not created:
        ev = store.bounce_event(event_id)
        decision = ev.decision if ev else None
        if ev is not None and ev.decision is None:  # stored by a run that died
            decision = decide(store, event_id, config, now)
    return Outcome(event_id, created, row["kind"], row["recipient"], decision)


def decide(store: Store, event_id: int, config: Config, now: datetime) -> str | None:
    """Apply the policy to one stored, undecided event. Returns the decision text."""
    ev = store.bounce_event(event_id)
    if ev is None or ev.decision is not None:
        return ev.decision if ev else None
    settings = config.bounces
    statuses: dict[int, tuple[str, str]] = {}
    scores: list[tuple[int, float, date | None, datetime | None, datetime | None]] = []
    why = f"{ev.kind} bounce" if ev.kind in ("hard", "soft") else ev.kind
    detail = " ".join(x for x in (ev.status, (ev.diagnostic or "")[:160]) if x)
    reason = f"{why} (event {ev.id}{': ' + detail if detail else ''})"
    sub = store.subscriber_row(ev.subscriber_id) if ev.subscriber_id is not None else None
    if ev.kind in ("auto-reply", "not-bounce"):
        decision = f"ignored: {ev.kind}"
    elif ev.kind == "unknown":
        decision = "kept for review: no recipient could be read"
    elif ev.kind == "delivered":
        decision = "recorded: delivered"
    elif sub is None:
        decision = (f"no subscriber matches {ev.recipient}" if ev.recipient
                    else "kept for review: no subscriber identified")
    elif ev.kind in ("hard", "complaint"):
        target = "bounced" if ev.kind == "hard" else "complained"
        changed = []
        for r in store.subscribers_by_key(sub.email_key):
            if r.status == target or r.status == "complained":
                continue
            if target == "bounced" and r.status == "unsubscribed":
                continue  # already not sent to; keep the subscriber's own choice visible
            statuses[r.id] = (target, reason)
            changed.append(f"{r.list}: {r.status} -> {target}")
        decision = "; ".join(changed) if changed else f"no change ({sub.status})"
    elif ev.kind == "soft":
        decision = _score(store, sub, settings, now, reason, statuses, scores)
    else:
        decision = f"ignored: {ev.kind}"
    if not store.decide_bounce_event(ev.id, decision, now, statuses=statuses, scores=scores):
        again = store.bounce_event(ev.id)
        return again.decision if again else None
    log.info("event=bounce_decided id=%s kind=%s decision=%s", ev.id, ev.kind,
             json.dumps(decision))
    return decision


def _score(store: Store, sub: Any, settings: Any, now: datetime, reason: str,
           statuses: dict[int, tuple[str, str]],
           scores: list[tuple[int, float, date | None, datetime | None,
                              datetime | None]]) -> str:
    today = now.date()
    row = store.bounce_score(sub.id)
    score = float(row.score) if row else 0.0
    last_day = row.last_day if row else None
    suspended_at = row.suspended_at if row else None
    reenable_at = row.reenable_at if row else None
    if last_day is not None and (today - last_day).days > settings.score_reset_days:
        score = 0.0  # stale: the earlier bounces are forgotten
    if last_day == today:
        return f"soft bounce: score stays {score:g} (already counted today)"
    score += 1.0
    text = f"soft bounce: score {score:g}/{settings.soft_threshold:g}"
    if score >= settings.soft_threshold and sub.status == "active":
        suspended_at = now
        reenable_at = now + timedelta(days=settings.reenable_days)
        statuses[sub.id] = ("suspended", f"{reason}; score {score:g}, re-enabled on "
                            f"{reenable_at.date().isoformat()}")
        text += f"; {sub.list}: active -> suspended until {reenable_at.date().isoformat()}"
    scores.append((sub.id, score, today, suspended_at, reenable_at))
    return text


def decide_pending(store: Store, config: Config, now: datetime) -> int:
    """Decide events stored by a run that stopped before deciding them."""
    n = 0
    for ev in store.undecided_bounce_events():
        decide(store, ev.id, config, now)
        n += 1
    return n


def reenable_due(store: Store, now: datetime) -> int:
    """Suspended subscribers whose suspension is over become active (logged)."""
    rows = store.reenable_suspended(now)
    for r in rows:
        log.info("event=bounce_reenabled list=%s subscriber=%s", r.list, r.id)
    return len(rows)


def complaint_pause(store: Store, config: Config, list_name: str, day: date) -> str | None:
    """Why a send of ``list_name`` must not start: the last edition's complaint rate is
    above ``[bounces] complaint_rate_limit`` (and nobody acknowledged it), else None.

    For an alerts list the "edition" is the last day it was sent alerts, and the rate is
    over every alert of that day (every ``LIST+COMMODITY`` ledger unit; see
    ``Store.bounce_rates``): the complaints of one list are counted against all it sent.
    """
    limit = config.bounces.complaint_rate_limit
    for r in store.bounce_rates(limit=50):
        if r["list"] != list_name or r["edition"] >= day.isoformat() or not r["sent"]:
            continue
        if r["complaint_rate"] <= limit:
            return None
        if store.meta_value(f"complaints_ack:{list_name}:{r['edition']}"):
            return None
        alerts = list_name in config.lists_of("alerts")
        what = (f"the {r['edition']} alerts of '{list_name}' ({r['units']} alerts)" if alerts
                else f"the {r['edition']} edition of '{list_name}'")
        msg = (f"complaint rate of {what} was "
               f"{r['complaint_rate']:.2%} ({r['complaints']} complaints / {r['sent']} sent), "
               f"above the {limit:.1%} limit of the large mailbox providers; review the "
               f"content and how these addresses were collected, then run `newsletter "
               f"bounces resume --list {list_name}` to send anyway")
        log.warning("event=send_paused_complaints list=%s edition=%s rate=%.4f", list_name,
                    r["edition"], r["complaint_rate"])
        return msg
    return None


def acknowledge_complaints(store: Store, list_name: str, by: str, now: datetime) -> str | None:
    """Let sends of ``list_name`` go on despite its last edition's complaint rate."""
    for r in store.bounce_rates(limit=50):
        if r["list"] == list_name:
            store.set_meta_value(f"complaints_ack:{list_name}:{r['edition']}",
                                 f"{by} {now.isoformat()}")
            return str(r["edition"])
    return None


def bounce_status(store: Store, limit: int = 10) -> dict[str, Any]:
    """``status --json``'s ``bounces``: rates per edition and list, events waiting."""
    pending = len(store.undecided_bounce_events(limit=1000))
    return {"editions": store.bounce_rates(limit=limit), "undecided_events": pending}
