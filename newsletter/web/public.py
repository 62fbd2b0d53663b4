"""The public web endpoints of ``newsletter serve`` (a Starlette app; see docs/service.md).

=========================  =============================================================
``GET  /unsubscribe/T``    confirmation page with a button (never changes state)
``POST /unsubscribe/T``    RFC 8058 one-click unsubscribe: idempotent, immediate, no
                           cookie or CSRF token needed (the signed token is the authority)
``GET  /subscribe``        sign-up form (CSRF token, honeypot, a checkbox per list;
                           ``?list=NAME`` ticks that list)
``POST /subscribe``        double opt-in: always "check your inbox"; one confirmation
                           email for the lists ticked (at least one; a single ``list``
                           field as before works) with a signed link valid 48 h; rate
                           limited per client IP
``GET  /confirm/T``        page with a button (never changes state)
``POST /confirm/T``        the address becomes active on each list of the link; single
                           use: on a list where the address was unsubscribed, bounced or
                           complained after the link was issued it changes nothing (410
                           when that is every list)
``GET  /preferences/T``    the subscriber's page: masked address, list, status, forms
                           (never changes state); a link older than ``[web]
                           preferences_max_age_days`` shows a "send me a fresh link" form
``POST /preferences/T``    CSRF-protected: ``action=name`` (display name),
                           ``unsubscribe`` or ``resubscribe`` (not for a bounced or
                           complained address); answers 303 to the same path
``GET  /archive/``         published editions; ``/archive/YYYY-MM-DD`` one edition,
                           ``/archive/weekly/YYYY-MM-DD`` one weekly recap
``GET  /healthz``          JSON: last runs; 503 when the last send failed or is overdue
=========================  =============================================================

Unknown, expired or tampered tokens get the same 404 page as an unknown path. Every
response carries the security headers of :mod:`newsletter.web._security`; no response
redirects to a URL taken from the request.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .._logfmt import kv
from ..deliver import make_token
from ..exceptions import NewsletterError
from ..store import SUPPRESSED
from ._guard import AccessLog, SecurityMiddleware, redact_path
from ._preferences import preferences_get, preferences_post
from ._security import CSRF_FIELD, FIELD_LIMITS, RequestRateLimiter, client_key
from ._site import CONFIRM_TTL, ConfirmTarget, PublicSite, mask, read_form, site_of
from .webhooks import WEBHOOK_MAX_BODY, webhook_routes

if TYPE_CHECKING:
    from ..core import Newsletter

__all__ = ["CONFIRM_TTL", "HONEYPOT", "health", "make_app", "redact_path"]

log = logging.getLogger("newsletter.web")

_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAUSIBLE = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}")
HONEYPOT = "website"


def make_app(newsletter: Newsletter, *, rate_limiter: RequestRateLimiter | None = None,
             sns_trust: Any = None) -> Starlette:
    """The public Starlette app for ``newsletter``.

    Args:
        newsletter: the newsletter (its store, config and clock).
        rate_limiter: the sign-up limiter (default ``[web] subscribe_per_minute`` per IP).
        sns_trust: tests only: the SNS certificate trust of /webhooks/ses (web/webhooks.py).
    """
    site = PublicSite(newsletter, rate_limiter=rate_limiter)
    # Starlette tries the routes in order and no two paths overlap: the busiest first
    # (archive pages, then the one-click POST every mail provider sends). The routes of
    # one path keep their order: a 405's Allow header names the first one's methods.
    routes = [
        Route("/archive/{day}", archive_day, methods=["GET"]),
        Route("/unsubscribe/{token}", unsubscribe_page, methods=["GET"]),
        Route("/unsubscribe/{token}", unsubscribe_post, methods=["POST"]),
        Route("/archive/", archive_index, methods=["GET"]),
        Route("/archive/weekly/{day}", archive_weekly, methods=["GET"]),  # issue 17
        Route("/", home, methods=["GET"]),
        Route("/subscribe", subscribe_get, methods=["GET"]),
        Route("/subscribe", subscribe_post, methods=["POST"]),
        Route("/confirm/{token}", confirm_get, methods=["GET"]),
        Route("/confirm/{token}", confirm_post, methods=["POST"]),
        Route("/preferences/{token}", preferences_get, methods=["GET"]),
        Route("/preferences/{token}", preferences_post, methods=["POST"]),
        Route("/archive", archive_redirect, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        *webhook_routes(newsletter, sns_trust=sns_trust),  # /webhooks/* (issue 14)
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: on_404,
                                                       Exception: on_error})
    app.state.site = site
    # Starlette's trailing-slash redirect builds its Location from the request's Host
    # header (`/subscribe/` with `Host: evil.example` went to http://evil.example/...):
    # off. The only redirects are the fixed ones above (issue 12).
    app.router.redirect_slashes = False
    app.add_middleware(AccessLog)
    app.add_middleware(SecurityMiddleware, https=site.https,
                       prefix_limits={"/webhooks/": WEBHOOK_MAX_BODY})
    return app


# --- unsubscribe -------------------------------------------------------------------------
async def unsubscribe_page(request: Request) -> Response:
    site = site_of(request)
    token = request.path_params["token"]
    target = site.subscriber_target(token, "unsub")
    if target is None:
        return site.not_found()
    list_name, sub_id = target
    sub = await run_in_threadpool(site.store.get_subscriber, list_name, sub_id)
    done = sub is not None and sub.status in ("unsubscribed", "bounced", "complained")
    return site.pages.render("unsubscribe", list_title=site.lists[list_name],
                             address=mask(sub.email) if sub else None,
                             already=done, action=f"/unsubscribe/{token}")


async def unsubscribe_post(request: Request) -> Response:
    # RFC 8058: the body is "List-Unsubscribe=One-Click"; a browser form sends the
    # same field. Cookies are ignored and none are set. Idempotent.
    site = site_of(request)
    target = site.subscriber_target(request.path_params["token"], "unsub")
    if target is None:
        return site.not_found()
    list_name, sub_id = target
    await request.body()
    # with the one-click POSTs that arrive meanwhile: one UPDATE, one commit (_coalesce.py)
    found = await site.unsubscribes((list_name, sub_id))
    log.info(kv("unsubscribed", list=list_name, subscriber=sub_id, known=found))
    pages, gen = site.unsubscribed_pages, site.pages.generation()
    page = pages.get(list_name)
    if page is None or page[0] != gen:  # the same page for everyone of a list
        page = pages[list_name] = (gen, site.pages.html(
            "unsubscribed", list_title=site.lists[list_name],
            subscribe_url="/subscribe").encode())
    return HTMLResponse(page[1], headers={"cache-control": "no-store"})


# --- subscribe ---------------------------------------------------------------------------
# The form has one checkbox per configured list (``list.NAME=on``); a form of an earlier
# release (or a project's own template) posts one ``list=NAME``, which still works.

def _chosen_lists(site: PublicSite, form: Mapping[str, str]) -> list[str] | None:
    """The lists a posted sign-up form chose, in configuration order: its ticked
    ``list.NAME`` boxes, else the one ``list`` field of an earlier form; ``[]`` when
    nothing was chosen, None when that field names no configured list."""
    ticked = [n for n in site.lists if form.get(f"list.{n}") == "on"]
    if ticked or not form.get("list"):
        return ticked
    return [form["list"]] if form["list"] in site.lists else None


def _subscribe_form(site: PublicSite, nonce: str, status: int = 200, error: str | None = None,
                    values: Mapping[str, str] | None = None,
                    chosen: Sequence[str] | None = None) -> Response:
    values = values or {}
    if chosen is None:
        chosen = _chosen_lists(site, values) or []
    first = next(iter(site.lists), "")
    resp = site.pages.render(
        "subscribe", status, csrf_field=CSRF_FIELD,
        csrf_token=site.csrf.token(nonce), honeypot=HONEYPOT, error=error,
        email=values.get("email", ""), name=values.get("name", ""),
        choices=[{"name": n, "title": t, "what": site.list_what[n], "on": n in chosen}
                 for n, t in site.lists.items()],
        # what a project's template of an earlier release reads (a list dropdown)
        lists=site.lists, selected=chosen[0] if chosen else first, limits=FIELD_LIMITS)
    return site.with_csrf(resp, nonce)


async def subscribe_get(request: Request) -> Response:
    """The form; ``?list=NAME`` (repeatable) ticks those lists, else the first is."""
    site = site_of(request)
    asked = request.query_params.getlist("list")
    chosen = [n for n in site.lists if n in asked] or list(site.lists)[:1]
    return _subscribe_form(site, site.csrf_nonce(request), chosen=chosen)


def _start_confirmation(site: PublicSite, lists: Sequence[str], address: str,
                        name: str) -> None:
    """Send the one confirmation email of a sign-up to ``lists`` in the background: the
    answer does not wait for it (and so does not reveal, by its timing, whether anything
    was sent)."""
    list_name = lists[0]
    # one list: the token of earlier releases ([address, name]); several: the lists too
    fields: list[Any] = [address, name] if len(lists) == 1 else [address, name, list(lists)]
    subject = json.dumps(fields, ensure_ascii=False)
    token = make_token(site.secret, "confirm", list_name, subject, ttl=CONFIRM_TTL,
                       now=site.now_ts())
    url = f"{site.config.newsletter.public_url}/confirm/{token}"
    newsletter = site.newsletter
    label = ",".join(lists)

    def go() -> None:
        from .._send import send_confirmation

        try:
            where = send_confirmation(newsletter.config, list_name, address, name, url,
                                      now=newsletter.now(), lists=lists)
            log.info(kv("confirmation_sent", list=label, to=mask(address), via=where))
        except NewsletterError as exc:
            log.error(kv("confirmation_failed", list=label, to=mask(address),
                         error=exc.message))
        except Exception as exc:  # never let a bug kill the thread silently
            log.exception(kv("confirmation_crash", error=type(exc).__name__))

    threading.Thread(target=go, name="confirm-mail", daemon=True).start()


async def subscribe_post(request: Request) -> Response:
    site = site_of(request)
    wait = site.limiter.hit(client_key(request.client.host if request.client else None))
    if wait is not None:
        resp = site.error_page(429, "Too many requests",
                               "Please wait a minute before trying again.")
        resp.headers["retry-after"] = str(int(wait) + 1)
        return resp
    form = await read_form(request)
    if form is None:
        return site.error_page(400, "That did not work",
                               "The form was not filled in as expected. Please try again.")
    if not site.csrf_ok(request, form):
        return _subscribe_form(site, site.csrf_nonce(request), 403,
                               "This form has expired. Please submit it again.", form)
    address = form.get("email", "").strip()
    name = " ".join(form.get("name", "").split())
    lists = _chosen_lists(site, form)
    if lists is None:
        return _subscribe_form(site, site.csrf_nonce(request), 400, "Please choose a list.",
                               form)
    if not lists:
        return _subscribe_form(site, site.csrf_nonce(request), 400,
                               "Please tick at least one of the emails to receive.", form)
    if not _PLAUSIBLE.fullmatch(address) or any(ord(c) < 32 for c in address + name):
        return _subscribe_form(site, site.csrf_nonce(request), 400,
                               "Please enter an email address, like name@example.com.", form)
    label = ",".join(lists)
    if form.get(HONEYPOT):
        log.info(kv("subscribe_honeypot", list=label))
    elif _deliverable_syntax(address) and _confirmation_due(site, lists, address):
        _start_confirmation(site, lists, address, name)
    log.info(kv("subscribe_request", list=label))
    return site.pages.render("check_inbox", list_title=site.titles(lists))


def _confirmation_due(site: PublicSite, lists: Sequence[str], address: str) -> bool:
    """At most one confirmation email per address and list every 10 minutes, whoever
    asks (anti mail-bomb): one is sent, naming every chosen list, when at least one of
    them had none in that time."""
    key = address.lower()
    fresh = [n for n in lists if site.recent_confirms.hit(f"{n}\x00{key}") is None]
    return bool(fresh)


# --- confirm -----------------------------------------------------------------------------
def _superseded(site: PublicSite, list_name: str, address: str, issued: float) -> bool:
    """True if the address was unsubscribed, bounced or reported as spam (or otherwise
    changed while suppressed) after the link was issued: such a link never
    re-activates it (issue 12)."""
    sub = site.store.get_subscriber(list_name, address)
    return (sub is not None and sub.status in SUPPRESSED and sub.updated is not None
            and sub.updated.timestamp() >= issued)


def _open_lists(site: PublicSite, target: ConfirmTarget) -> list[str]:
    """The link's lists it may still confirm (not superseded on them)."""
    return [n for n in target.lists
            if not _superseded(site, n, target.address, target.issued)]


def _confirm_once(site: PublicSite, list_name: str, address: str, name: str,
                  issued: float) -> str:
    """Use a confirmation link on one list: ``ok`` (now active), ``used`` (already
    active: the link was used, or was not needed; nothing changes) or ``superseded``."""
    sub = site.store.get_subscriber(list_name, address)
    if sub is not None and sub.status == "active":
        return "used"
    if _superseded(site, list_name, address, issued):
        return "superseded"
    site.store.confirm_subscriber(list_name, address, name or None, site.newsletter.now())
    return "ok"


def _confirm_all(site: PublicSite, target: ConfirmTarget) -> dict[str, str]:
    """Use a confirmation link on each of its lists: a confirmed opt-in on each, as the
    preferences page subscribes an address (one ``subscribers`` row per list; an alerts
    list's commodity choice is left as it is: none stored = every commodity)."""
    return {n: _confirm_once(site, n, target.address, target.name, target.issued)
            for n in target.lists}


def _link_used(site: PublicSite, lists: Sequence[str]) -> HTMLResponse:
    return site.pages.render("link_used", 410, list_title=site.titles(lists))


def _confirm_page(site: PublicSite, token: str, nonce: str, target: ConfirmTarget,
                  lists: Sequence[str], status: int = 200,
                  error: str | None = None) -> Response:
    return site.with_csrf(site.pages.render(
        "confirm", status, list_title=site.titles(lists), address=target.address,
        confirm_lists=[{"title": site.lists[n], "what": site.list_what[n]} for n in lists],
        action=f"/confirm/{token}", csrf_field=CSRF_FIELD,
        csrf_token=site.csrf.token(nonce), error=error), nonce)


async def confirm_get(request: Request) -> Response:
    site = site_of(request)
    token = request.path_params["token"]
    target = site.confirm_target(token)
    if target is None:
        return site.not_found()
    lists = await run_in_threadpool(_open_lists, site, target)
    if not lists:
        return _link_used(site, target.lists)
    return _confirm_page(site, token, site.csrf_nonce(request), target, lists)


async def confirm_post(request: Request) -> Response:
    site = site_of(request)
    token = request.path_params["token"]
    target = site.confirm_target(token)
    if target is None:
        return site.not_found()
    form = await read_form(request)
    if form is None or not site.csrf_ok(request, form):
        return _confirm_page(site, token, site.csrf_nonce(request), target, target.lists,
                             403, "This page has expired. Please press the button again.")
    label, to = ",".join(target.lists), mask(target.address)
    try:
        got = await run_in_threadpool(site.write, _confirm_all, site, target)
    except NewsletterError as exc:
        log.warning(kv("confirm_failed", list=label, error=exc.message))
        return site.not_found()
    refused = [n for n, g in got.items() if g == "superseded"]
    done = [n for n, g in got.items() if g != "superseded"]
    if refused:
        log.info(kv("confirm_refused", list=",".join(refused), to=to,
                    reason="the address changed after the link was issued"))
    if not done:
        return _link_used(site, target.lists)
    new = [n for n in done if got[n] == "ok"]
    log.info(kv("confirmed" if new else "confirm_repeated", list=",".join(done), to=to))
    return site.pages.render(
        "confirmed", list_title=site.titles(done), archive_url="/archive/",
        confirmed_lists=[{"title": site.lists[n], "what": site.list_what[n]} for n in done],
        refused_title=site.titles(refused) if refused else None)


# --- archive -----------------------------------------------------------------------------
async def archive_index(request: Request) -> Response:
    site = site_of(request)

    def render(days: list[date], weeks: list[date]) -> bytes:
        return site.pages.html(
            "archive_index", days=[d.isoformat() for d in days],
            long_days=[f"{d:%A} {d.day} {d:%B %Y}" for d in days],
            weeks=[{"day": d.isoformat(),
                    "label": f"Week {d.isocalendar()[1]}, {d.isocalendar()[0]}",
                    "span": _week_span(d)} for d in weeks]).encode()

    # rendered again only when the archive or a template changed (web/_archive.py)
    body = await site.archive.index(render, site.pages.generation())
    return HTMLResponse(body, headers={"cache-control": "no-store"})


def _week_span(end: date) -> str:
    start = end - timedelta(days=end.weekday())
    return f"{start:%a} {start.day} {start:%b} \u2013 {end:%a} {end.day} {end:%b %Y}"


async def archive_day(request: Request) -> Response:
    return await _archive_page(request, "daily")


async def archive_weekly(request: Request) -> Response:
    """``/archive/weekly/YYYY-MM-DD``: the weekly recap of the week up to that day."""
    return await _archive_page(request, "weekly")


async def _archive_page(request: Request, kind: str) -> Response:
    site = site_of(request)
    raw = request.path_params["day"]
    if not _DAY_RE.fullmatch(raw):
        return site.not_found()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return site.not_found()
    html = await site.archive.page(day, kind)  # the stored page (web/_archive.py)
    if html is None:
        return site.not_found()
    return HTMLResponse(html, headers={"cache-control": "public, max-age=300"})


async def archive_redirect(request: Request) -> Response:
    return RedirectResponse("/archive/", status_code=308)


async def home(request: Request) -> Response:
    return RedirectResponse("/archive/", status_code=307)


# --- health and errors -------------------------------------------------------------------
async def healthz(request: Request) -> Response:
    body = await run_in_threadpool(health, site_of(request).newsletter)
    return JSONResponse(body, status_code=200 if body["ok"] else 503,
                        headers={"cache-control": "no-store"})


async def on_404(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException) and exc.status_code == 405:
        return Response("method not allowed\n", 405, media_type="text/plain",
                        headers=dict(exc.headers or {}))
    if isinstance(exc, HTTPException) and exc.status_code != 404:
        return Response(f"{exc.status_code}\n", exc.status_code, media_type="text/plain")
    return site_of(request).not_found()


async def on_error(request: Request, exc: Exception) -> Response:
    log.exception(kv("http_error", path=redact_path(request.url.path),
                     error=type(exc).__name__))
    return site_of(request).error_page(500, "Something went wrong", "Please try again later.")


def _deliverable_syntax(address: str) -> bool:
    """Full syntax check (email-validator, no DNS); a failure is answered like a success."""
    try:
        from email_validator import EmailNotValidError, validate_email
    except ImportError:  # pragma: no cover - a dependency
        return True
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def health(nl: Newsletter, now: datetime | None = None) -> dict[str, Any]:
    """The ``/healthz`` document: last runs and, per list, whether today's send is done.

    ``ok`` is false when the last send run failed, or a list with active subscribers
    had its send time today plus ``grace_minutes`` pass without a send of that list.
    """
    from ..schedule import todays_sends

    now = now or nl.now()
    runs = nl.store.last_runs()
    problems: list[str] = []
    out_runs = {job: {k: r[k] for k in ("started", "finished", "status")}
                for job, r in runs.items()}
    send = runs.get("send")
    if send and send["status"] == "error":
        problems.append("the last send failed")
    sends = todays_sends(nl, now)  # the scheduler's own "due" and "overdue"
    problems += [p for t in sends if (p := t.problem)]
    lists = {t.list_name: t.to_json() for t in sends}
    return {"ok": not problems, "status": "ok" if not problems else "fail",
            "problems": problems, "last_runs": out_runs, "lists": lists,
            "now": now.astimezone(UTC).isoformat()}
