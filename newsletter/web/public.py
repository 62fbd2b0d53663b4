"""The public web endpoints of ``newsletter serve`` (a Starlette app; see docs/service.md).

=========================  =============================================================
``GET  /unsubscribe/T``    confirmation page with a button (never changes state)
``POST /unsubscribe/T``    RFC 8058 one-click unsubscribe: idempotent, immediate, no
                           cookie or CSRF token needed (the signed token is the authority)
``GET  /subscribe``        sign-up form (CSRF token, honeypot)
``POST /subscribe``        double opt-in: always "check your inbox"; a confirmation email
                           with a signed link valid 48 h; rate limited per client IP
``GET  /confirm/T``        page with a button (never changes state)
``POST /confirm/T``        the address becomes active; single use: a link issued before
                           the address was unsubscribed, bounced or complained answers
                           410 and changes nothing
``GET  /preferences/T``    the subscriber's page: masked address, list, status, forms
                           (never changes state); a link older than ``[web]
                           preferences_max_age_days`` shows a "send me a fresh link" form
``POST /preferences/T``    CSRF-protected: ``action=name`` (display name),
                           ``unsubscribe`` or ``resubscribe`` (not for a bounced or
                           complained address); answers 303 to the same path
``GET  /archive/``         published editions; ``/archive/YYYY-MM-DD`` one edition
``GET  /healthz``          JSON: last runs; 503 when the last send failed or is overdue
=========================  =============================================================

Unknown, expired or tampered tokens get the same 404 page as an unknown path. Every
response carries the security headers of :mod:`newsletter.web._security`; no response
redirects to a URL taken from the request.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .._logfmt import kv
from ..deliver._tokens import Token, make_token, read_token
from ..exceptions import NewsletterError
from ..store._subscribers import SUPPRESSED
from ._security import (
    CSRF_FIELD,
    FIELD_LIMITS,
    Csrf,
    RateLimiter,
    SecurityMiddleware,
    client_key,
    csrf_cookie_name,
)
from .webhooks import WEBHOOK_MAX_BODY, webhook_routes

if TYPE_CHECKING:
    from ..core import Newsletter

log = logging.getLogger("newsletter.web")

CONFIRM_TTL = 48 * 3600
_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAUSIBLE = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}")
_REDACT = re.compile(r"^/(unsubscribe|confirm|preferences)/[^/]*")
HONEYPOT = "website"
# Characters a display name must not contain: C0/C1 controls (CR, LF, tab...) and the
# Unicode line and paragraph separators.
_NAME_BAD = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_STATUS_TEXT = {
    "active": ("Subscribed", "You receive every edition."),
    "unconfirmed": ("Not confirmed", "Nothing is sent until the address is confirmed."),
    "unsubscribed": ("Unsubscribed", "Nothing is sent to this address."),
    "bounced": ("Stopped", "Mail to this address was returned as undeliverable."),
    "complained": ("Stopped", "A message to this address was reported as spam."),
    "suspended": ("Paused", "Mail to this address bounced for several days; sending resumes "
                  "by itself later."),
}
_DONE_TEXT = {
    "name": "Your name is saved.",
    "unsubscribed": "You are unsubscribed. Nothing more will be sent to you.",
    "resubscribed": "You are subscribed again, from the next edition.",
}


def redact_path(path: str) -> str:
    """A request path fit for logs: tokens replaced by ``<token>``."""
    return _REDACT.sub(r"/\1/<token>", path)[:200]


def _mask(address: str) -> str:
    local, _, domain = address.partition("@")
    return (local[:1] + "\u2026@" + domain) if domain else "\u2026"


class _Pages:
    """Renders the public templates with the project's Jinja environment."""

    def __init__(self, nl: Newsletter) -> None:
        from ..render._render import environment

        self.env = environment(nl.config)
        n = nl.config.newsletter
        self.base = {"title": n.title, "tagline": n.tagline, "postal_address": n.postal_address,
                     "contact_url": n.contact_url, "public_url": n.public_url}

    def render(self, template: str, status: int = 200, /, **ctx: Any) -> HTMLResponse:
        html = self.env.get_template(f"web/public/{template}.html.j2").render({**self.base, **ctx})
        return HTMLResponse(html, status_code=status,
                            headers={"cache-control": "no-store"})


def make_app(nl: Newsletter, *, rate_limiter: RateLimiter | None = None,
             sns_trust: Any = None) -> Starlette:
    """The public Starlette app for ``nl``.

    Args:
        nl: the newsletter (its store, config and clock).
        rate_limiter: the sign-up limiter (default ``[web] subscribe_per_minute`` per IP).
        sns_trust: tests only: the SNS certificate trust of /webhooks/ses (web/webhooks.py).
    """
    cfg = nl.config
    secret = cfg.secret()
    keys = cfg.verify_secrets()  # the current secret, then NEWSLETTER_SECRET_PREVIOUS
    csrf = Csrf(secret)
    prefs_max_age = cfg.web.preferences_max_age_days * 86400
    limiter = rate_limiter or RateLimiter(cfg.web.subscribe_per_minute, 60.0)
    # One confirmation email per address per 10 minutes, whoever asks (anti mail-bomb).
    recent_confirms = RateLimiter(1, 600.0)
    pages = _Pages(nl)
    https = cfg.newsletter.public_url.startswith("https://")
    CSRF_COOKIE = csrf_cookie_name(https)  # noqa: N806 - fixed for the app's life
    lists = {name: (ls.name or name) for name, ls in cfg.lists.items()}
    # One writer at a time from the web threads: SQLite serialises writers anyway, and
    # its busy handler sleeps in growing steps (up to 100 ms) while waiting for the lock;
    # queueing on our own lock instead keeps the tail latency low under a burst.
    # PostgreSQL takes concurrent writers: no queue there.
    write_lock: Any = (threading.Lock() if nl.store.engine.dialect.name == "sqlite"
                       else contextlib.nullcontext())
    unsubscribed_pages: dict[str, bytes] = {}

    def write(fn: Any, *args: Any) -> Any:
        with write_lock:
            return fn(*args)

    def not_found() -> HTMLResponse:
        return pages.render("404", 404)

    def error_page(status: int, heading: str, message: str) -> HTMLResponse:
        return pages.render("error", status, heading=heading, message=message)

    def with_csrf(resp: Response, nonce: str) -> Response:
        resp.set_cookie(CSRF_COOKIE, nonce, max_age=int(csrf.max_age), httponly=True,
                        secure=https, samesite="strict", path="/")
        return resp

    def csrf_nonce(request: Request) -> str:
        nonce = request.cookies.get(CSRF_COOKIE, "")
        return nonce if re.fullmatch(r"[A-Za-z0-9_-]{16,64}", nonce) else csrf.new_nonce()

    async def read_form(request: Request) -> dict[str, str] | None:
        """The urlencoded/multipart form as str fields, None if malformed or over limits."""
        try:
            form = await request.form(max_files=0, max_fields=20, max_part_size=4096)
        except HTTPException:
            return None
        out: dict[str, str] = {}
        for key, value in form.multi_items():
            if not isinstance(value, str):
                return None
            limit = FIELD_LIMITS.get(key)
            if limit is not None and len(value) > limit:
                return None
            out.setdefault(key, value)
        return out

    # --- unsubscribe ---------------------------------------------------------------------
    def now_ts() -> float:
        return nl.now().timestamp()

    def subscriber_token(token: str, purpose: str) -> Token | None:
        """A valid token of ``purpose`` for a configured list and a plausible id."""
        got = read_token(keys, token, purpose, now=now_ts())
        if got is None:
            return None
        sub_id = got.subject
        if got.list_name not in lists or not isinstance(sub_id, int) \
                or isinstance(sub_id, bool) or not 0 < sub_id < 2**63:
            return None
        return got

    def subscriber_target(token: str, purpose: str) -> tuple[str, int] | None:
        """(list, subscriber id) of a valid token of ``purpose`` for a configured list.
        An unsubscribe token never expires, whatever its age or format (RFC 8058)."""
        got = subscriber_token(token, purpose)
        return None if got is None else (got.list_name, int(got.subject))

    def unsub_target(token: str) -> tuple[str, int] | None:
        return subscriber_target(token, "unsub")

    async def unsubscribe_page(request: Request) -> Response:
        token = request.path_params["token"]
        target = unsub_target(token)
        if target is None:
            return not_found()
        list_name, sub_id = target
        sub = await run_in_threadpool(nl.store.get_subscriber, list_name, sub_id)
        done = sub is not None and sub.status in ("unsubscribed", "bounced", "complained")
        return pages.render("unsubscribe", list_title=lists[list_name],
                            address=_mask(sub.email) if sub else None,
                            already=done, action=f"/unsubscribe/{token}")

    async def unsubscribe_post(request: Request) -> Response:
        # RFC 8058: the body is "List-Unsubscribe=One-Click"; a browser form sends the
        # same field. Cookies are ignored and none are set. Idempotent.
        target = unsub_target(request.path_params["token"])
        if target is None:
            return not_found()
        list_name, sub_id = target
        await request.body()
        found = await run_in_threadpool(write, nl.store.unsubscribe, list_name, sub_id,
                                        nl.now(), "one-click unsubscribe")
        log.info(kv("unsubscribed", list=list_name, subscriber=sub_id, known=found))
        if list_name not in unsubscribed_pages:  # the same page for everyone of a list
            unsubscribed_pages[list_name] = pages.render(
                "unsubscribed", list_title=lists[list_name], subscribe_url="/subscribe").body
        return HTMLResponse(unsubscribed_pages[list_name],
                            headers={"cache-control": "no-store"})

    # --- subscribe -----------------------------------------------------------------------
    def subscribe_form(nonce: str, status: int = 200, error: str | None = None,
                       values: dict[str, str] | None = None) -> Response:
        values = values or {}
        resp = pages.render("subscribe", status, lists=lists, csrf_field=CSRF_FIELD,
                            csrf_token=csrf.token(nonce), honeypot=HONEYPOT, error=error,
                            email=values.get("email", ""), name=values.get("name", ""),
                            selected=values.get("list") or next(iter(lists), ""),
                            limits=FIELD_LIMITS)
        return with_csrf(resp, nonce)

    async def subscribe_get(request: Request) -> Response:
        return subscribe_form(csrf_nonce(request))

    def start_confirmation(list_name: str, address: str, name: str) -> None:
        """Send the confirmation email in the background: the answer does not wait for it
        (and so does not reveal, by its timing, whether anything was sent)."""
        subject = json.dumps([address, name], ensure_ascii=False)
        token = make_token(secret, "confirm", list_name, subject, ttl=CONFIRM_TTL,
                           now=now_ts())
        url = f"{cfg.newsletter.public_url}/confirm/{token}"

        def go() -> None:
            from .._send import send_confirmation

            try:
                where = send_confirmation(nl.config, list_name, address, name, url,
                                          now=nl.now())
                log.info(kv("confirmation_sent", list=list_name, to=_mask(address),
                            via=where))
            except NewsletterError as exc:
                log.error(kv("confirmation_failed", list=list_name, to=_mask(address),
                             error=exc.message))
            except Exception as exc:  # never let a bug kill the thread silently
                log.exception(kv("confirmation_crash", error=type(exc).__name__))

        threading.Thread(target=go, name="confirm-mail", daemon=True).start()

    async def subscribe_post(request: Request) -> Response:
        wait = limiter.hit(client_key(request.client.host if request.client else None))
        if wait is not None:
            resp = error_page(429, "Too many requests",
                              "Please wait a minute before trying again.")
            resp.headers["retry-after"] = str(int(wait) + 1)
            return resp
        form = await read_form(request)
        if form is None:
            return error_page(400, "That did not work",
                              "The form was not filled in as expected. Please try again.")
        nonce = request.cookies.get(CSRF_COOKIE)
        if not csrf.check(nonce, form.get(CSRF_FIELD)):
            return subscribe_form(csrf_nonce(request), 403,
                                  "This form has expired. Please submit it again.", form)
        address = form.get("email", "").strip()
        name = " ".join(form.get("name", "").split())
        list_name = form.get("list") or next(iter(lists), "")
        if list_name not in lists:
            return subscribe_form(csrf_nonce(request), 400, "Please choose a list.", form)
        if not _PLAUSIBLE.fullmatch(address) or any(ord(c) < 32 for c in address + name):
            return subscribe_form(csrf_nonce(request), 400,
                                  "Please enter an email address, like name@example.com.",
                                  form)
        if form.get(HONEYPOT):
            log.info(kv("subscribe_honeypot", list=list_name))
        elif _deliverable_syntax(address) and \
                recent_confirms.hit(f"{list_name}\x00{address.lower()}") is None:
            start_confirmation(list_name, address, name)
        log.info(kv("subscribe_request", list=list_name))
        return pages.render("check_inbox", list_title=lists[list_name])

    # --- confirm -------------------------------------------------------------------------
    def confirm_target(token: str) -> tuple[str, str, str, float] | None:
        """(list, address, name, issue time) of a valid confirmation token."""
        got = read_token(keys, token, "confirm", now=now_ts())
        if got is None or got.expires is None:
            return None
        list_name, subject = got.list_name, got.subject
        # A token of an earlier release carries no issue time: it was made CONFIRM_TTL
        # before its expiry.
        issued = got.issued if got.issued is not None else got.expires - CONFIRM_TTL
        if list_name not in lists or not isinstance(subject, str):
            return None
        try:
            address, name = json.loads(subject)
        except (ValueError, TypeError):
            return None
        if not isinstance(address, str) or not isinstance(name, str):
            return None
        return list_name, address, name, float(issued)

    def superseded(list_name: str, address: str, issued: float) -> bool:
        """True if the address was unsubscribed, bounced or reported as spam (or otherwise
        changed while suppressed) after the link was issued: such a link never
        re-activates it (issue 12)."""
        sub = nl.store.get_subscriber(list_name, address)
        return (sub is not None and sub.status in SUPPRESSED and sub.updated is not None
                and sub.updated.timestamp() >= issued)

    def confirm_once(list_name: str, address: str, name: str, issued: float) -> str:
        """Use a confirmation link: ``ok`` (now active), ``used`` (already active: the link
        was used, or was not needed; nothing changes) or ``superseded``."""
        sub = nl.store.get_subscriber(list_name, address)
        if sub is not None and sub.status == "active":
            return "used"
        if superseded(list_name, address, issued):
            return "superseded"
        nl.store.confirm_subscriber(list_name, address, name or None, nl.now())
        return "ok"

    def link_used(list_name: str) -> HTMLResponse:
        return pages.render("link_used", 410, list_title=lists[list_name])

    async def confirm_get(request: Request) -> Response:
        token = request.path_params["token"]
        target = confirm_target(token)
        if target is None:
            return not_found()
        list_name, address, _, issued = target
        if await run_in_threadpool(superseded, list_name, address, issued):
            return link_used(list_name)
        nonce = csrf_nonce(request)
        return with_csrf(pages.render("confirm", list_title=lists[list_name],
                                      address=address, action=f"/confirm/{token}",
                                      csrf_field=CSRF_FIELD, csrf_token=csrf.token(nonce)),
                         nonce)

    async def confirm_post(request: Request) -> Response:
        token = request.path_params["token"]
        target = confirm_target(token)
        if target is None:
            return not_found()
        form = await read_form(request)
        if form is None or not csrf.check(request.cookies.get(CSRF_COOKIE),
                                          form.get(CSRF_FIELD)):
            nonce = csrf_nonce(request)
            list_name, address, _, _ = target
            return with_csrf(pages.render(
                "confirm", 403, list_title=lists[list_name], address=address,
                action=f"/confirm/{token}", csrf_field=CSRF_FIELD,
                csrf_token=csrf.token(nonce),
                error="This page has expired. Please press the button again."), nonce)
        list_name, address, name, issued = target
        try:
            got = await run_in_threadpool(write, confirm_once, list_name, address, name,
                                          issued)
        except NewsletterError as exc:
            log.warning(kv("confirm_failed", list=list_name, error=exc.message))
            return not_found()
        if got == "superseded":
            log.info(kv("confirm_refused", list=list_name, to=_mask(address),
                        reason="the address changed after the link was issued"))
            return link_used(list_name)
        log.info(kv("confirmed" if got == "ok" else "confirm_repeated", list=list_name,
                    to=_mask(address)))
        return pages.render("confirmed", list_title=lists[list_name],
                            archive_url="/archive/")

    # --- preferences ---------------------------------------------------------------------
    def prefs_target(token: str) -> tuple[str, int] | None:
        return subscriber_target(token, "prefs")

    def prefs_stale(token: str) -> bool:
        """True for a preferences link older than ``[web] preferences_max_age_days``, or of
        an earlier release (no issue date): it only offers a fresh link by email."""
        got = subscriber_token(token, "prefs")
        return got is not None and (got.issued is None or now_ts() - got.issued > prefs_max_age)

    def fresh_page(request: Request, token: str, sub: Any, status: int = 200,
                   sent: bool = False, error: str | None = None) -> Response:
        nonce = csrf_nonce(request)
        return with_csrf(pages.render(
            "preferences_fresh", status, list_title=lists[sub.list], address=_mask(sub.email),
            action=f"/preferences/{token}", csrf_field=CSRF_FIELD,
            csrf_token=csrf.token(nonce), sent=sent, error=error,
            max_age_days=cfg.web.preferences_max_age_days), nonce)

    def send_fresh_link(list_name: str, sub: Any) -> None:
        """Mail a new preferences link to the subscriber's own address (in the background;
        at most one per subscriber per 10 minutes)."""
        if recent_confirms.hit(f"prefs\x00{list_name}\x00{sub.id}") is not None:
            return
        t = now_ts()
        url = (f"{cfg.newsletter.public_url}/preferences/"
               f"{make_token(secret, 'prefs', list_name, sub.id, now=t)}")

        def go() -> None:
            from .._send import send_preferences_link

            try:
                where = send_preferences_link(nl.config, list_name, sub.email, sub.name or "",
                                              url, now=nl.now())
                log.info(kv("preferences_link_sent", list=list_name, subscriber=sub.id,
                            via=where))
            except NewsletterError as exc:
                log.error(kv("preferences_link_failed", list=list_name, subscriber=sub.id,
                             error=exc.message))
            except Exception as exc:  # never let a bug kill the thread silently
                log.exception(kv("preferences_link_crash", error=type(exc).__name__))

        threading.Thread(target=go, name="prefs-mail", daemon=True).start()

    def prefs_page(request: Request, token: str, sub: Any, status: int = 200,
                   error: str | None = None, done: str | None = None) -> Response:
        nonce = csrf_nonce(request)
        resp = pages.render(
            "preferences", status, list_title=lists[sub.list], address=_mask(sub.email),
            status=sub.status, status_text=_STATUS_TEXT.get(sub.status, (sub.status, "")),
            name=sub.name, action=f"/preferences/{token}",
            csrf_field=CSRF_FIELD, csrf_token=csrf.token(nonce), limits=FIELD_LIMITS,
            error=error, done=_DONE_TEXT.get(done or ""), subscribe_url="/subscribe")
        return with_csrf(resp, nonce)

    async def preferences_get(request: Request) -> Response:
        token = request.path_params["token"]
        target = prefs_target(token)
        if target is None:
            return not_found()
        sub = await run_in_threadpool(nl.store.get_subscriber, *target)
        if sub is None:
            return not_found()
        if prefs_stale(token):
            return fresh_page(request, token, sub)
        return prefs_page(request, token, sub, done=request.query_params.get("done"))

    def resubscribe(list_name: str, sub_id: int) -> str:
        """An explicit opt-in by the holder of the signed link: only an unsubscribed (or
        never confirmed) address becomes active; a bounced or complained one never does."""
        sub = nl.store.get_subscriber(list_name, sub_id)
        if sub is None:
            return "gone"
        if sub.status in ("bounced", "complained"):
            return "refused"
        if sub.status != "active":
            nl.store.confirm_subscriber(list_name, sub.email, None, nl.now())
        return "ok"

    async def preferences_post(request: Request) -> Response:
        token = request.path_params["token"]
        target = prefs_target(token)
        if target is None:
            return not_found()
        list_name, sub_id = target
        form = await read_form(request)
        sub = await run_in_threadpool(nl.store.get_subscriber, list_name, sub_id)
        if sub is None:
            return not_found()
        if form is None and prefs_stale(token):
            return fresh_page(request, token, sub, 400,
                              error="The form was not filled in as expected. Please try again.")
        if form is None:
            return prefs_page(request, token, sub, 400,
                              "The form was not filled in as expected (a name can have at "
                              f"most {FIELD_LIMITS['name']} characters). Please try again.")
        stale = prefs_stale(token)
        if not csrf.check(request.cookies.get(CSRF_COOKIE), form.get(CSRF_FIELD)):
            if stale:
                return fresh_page(request, token, sub, 403,
                                  error="This page has expired. Please press the button again.")
            return prefs_page(request, token, sub, 403,
                              "This page has expired. Please submit the form again.")
        action = form.get("action", "")
        if action == "fresh_link":
            send_fresh_link(list_name, sub)
            return fresh_page(request, token, sub, sent=True)
        if stale:
            return fresh_page(request, token, sub, 403)
        if action == "name":
            raw = form.get("name", "")
            if _NAME_BAD.search(raw):
                return prefs_page(request, token, sub, 400,
                                  "A name cannot contain line breaks or control characters.")
            name = " ".join(raw.split())
            await run_in_threadpool(write, nl.store.rename_subscriber, list_name, sub_id,
                                    name, nl.now())
            log.info(kv("preferences_name", list=list_name, subscriber=sub_id))
            done = "name"
        elif action == "unsubscribe":
            await run_in_threadpool(write, nl.store.unsubscribe, list_name, sub_id,
                                    nl.now(), "unsubscribed on the preferences page")
            log.info(kv("unsubscribed", list=list_name, subscriber=sub_id, via="preferences"))
            done = "unsubscribed"
        elif action == "resubscribe":
            got = await run_in_threadpool(write, resubscribe, list_name, sub_id)
            if got == "gone":
                return not_found()
            if got == "refused":
                sub = await run_in_threadpool(nl.store.get_subscriber, list_name, sub_id)
                log.info(kv("resubscribe_refused", list=list_name, subscriber=sub_id,
                            status=sub.status))
                return prefs_page(request, token, sub, 409,
                                  "This address cannot be reactivated from this page.")
            log.info(kv("resubscribed", list=list_name, subscriber=sub_id))
            done = "resubscribed"
        else:
            return prefs_page(request, token, sub, 400,
                              "The form was not filled in as expected. Please try again.")
        # Post/Redirect/Get, to this same page only (the path is built from the verified
        # token, the query from a fixed word).
        return RedirectResponse(f"/preferences/{token}?done={done}", status_code=303,
                                headers={"cache-control": "no-store"})

    # --- archive -------------------------------------------------------------------------
    async def archive_index(request: Request) -> Response:
        days = await run_in_threadpool(nl.store.archive_dates)
        return pages.render("archive_index", days=[d.isoformat() for d in days],
                            long_days=[f"{d:%A} {d.day} {d:%B %Y}" for d in days])

    async def archive_day(request: Request) -> Response:
        raw = request.path_params["day"]
        if not _DAY_RE.fullmatch(raw):
            return not_found()
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            return not_found()
        html = await run_in_threadpool(nl.store.archive_page, day)
        if html is None:
            return not_found()
        return HTMLResponse(html, headers={"cache-control": "public, max-age=300"})

    async def archive_redirect(request: Request) -> Response:
        return RedirectResponse("/archive/", status_code=308)

    async def home(request: Request) -> Response:
        return RedirectResponse("/archive/", status_code=307)

    # --- health --------------------------------------------------------------------------
    async def healthz(request: Request) -> Response:
        body = await run_in_threadpool(health, nl)
        return JSONResponse(body, status_code=200 if body["ok"] else 503,
                            headers={"cache-control": "no-store"})

    async def on_404(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException) and exc.status_code == 405:
            return Response("method not allowed\n", 405, media_type="text/plain",
                            headers=dict(exc.headers or {}))
        if isinstance(exc, HTTPException) and exc.status_code != 404:
            return Response(f"{exc.status_code}\n", exc.status_code, media_type="text/plain")
        return not_found()

    async def on_error(request: Request, exc: Exception) -> Response:
        log.exception(kv("http_error", path=redact_path(request.url.path),
                         error=type(exc).__name__))
        return error_page(500, "Something went wrong",
                          "Please try again later.")

    routes = [
        Route("/", home, methods=["GET"]),
        Route("/unsubscribe/{token}", unsubscribe_page, methods=["GET"]),
        Route("/unsubscribe/{token}", unsubscribe_post, methods=["POST"]),
        Route("/subscribe", subscribe_get, methods=["GET"]),
        Route("/subscribe", subscribe_post, methods=["POST"]),
        Route("/confirm/{token}", confirm_get, methods=["GET"]),
        Route("/confirm/{token}", confirm_post, methods=["POST"]),
        Route("/preferences/{token}", preferences_get, methods=["GET"]),
        Route("/preferences/{token}", preferences_post, methods=["POST"]),
        Route("/archive", archive_redirect, methods=["GET"]),
        Route("/archive/", archive_index, methods=["GET"]),
        Route("/archive/{day}", archive_day, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        *webhook_routes(nl, sns_trust=sns_trust),  # /webhooks/* (issue 14)
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: on_404,
                                                       Exception: on_error})
    # Starlette's trailing-slash redirect builds its Location from the request's Host
    # header (`/subscribe/` with `Host: evil.example` went to http://evil.example/...):
    # off. The only redirects are the fixed ones above (issue 12).
    app.router.redirect_slashes = False
    app.add_middleware(_AccessLog)
    app.add_middleware(SecurityMiddleware, https=https,
                       prefix_limits={"/webhooks/": WEBHOOK_MAX_BODY})
    return app


class _AccessLog:
    """One log line per request, tokens redacted."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrap(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrap)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(kv("http", method=scope.get("method"),
                            path=redact_path(scope.get("path", "")), status=status,
                            ms=round((time.perf_counter() - start) * 1000, 1)))


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
