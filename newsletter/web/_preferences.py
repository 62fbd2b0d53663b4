"""``GET/POST /preferences/T``: the subscriber's own page (see ``web/public.py``).

The page shows the masked address, the list and the status, with forms to choose which
of the newsletter's lists the address gets (and an alerts list's commodities,
``_pref_lists.py``), change the display name, unsubscribe or resubscribe (never a
bounced or complained address). A link older than ``[web] preferences_max_age_days``
(or of an earlier release, without an issue date) only offers to mail a fresh link to
the subscriber's own address.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .._logfmt import kv
from ..deliver import make_token
from ..exceptions import NewsletterError
from ._pref_lists import lists_context, save_lists_form
from ._security import CSRF_FIELD, FIELD_LIMITS
from ._site import PublicSite, mask, read_form, site_of

log = logging.getLogger("newsletter.web")

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
    "lists": "Your emails are saved.",
}


def _prefs_target(site: PublicSite, token: str) -> tuple[str, int] | None:
    return site.subscriber_target(token, "prefs")


def _prefs_stale(site: PublicSite, token: str) -> bool:
    """True for a preferences link older than ``[web] preferences_max_age_days``, or of
    an earlier release (no issue date): it only offers a fresh link by email."""
    got = site.subscriber_token(token, "prefs")
    return got is not None and (got.issued is None
                                or site.now_ts() - got.issued > site.prefs_max_age)


def _fresh_page(site: PublicSite, request: Request, token: str, sub: Any, status: int = 200,
                sent: bool = False, error: str | None = None) -> Response:
    nonce = site.csrf_nonce(request)
    return site.with_csrf(site.pages.render(
        "preferences_fresh", status, list_title=site.lists[sub.list], address=mask(sub.email),
        action=f"/preferences/{token}", csrf_field=CSRF_FIELD,
        csrf_token=site.csrf.token(nonce), sent=sent, error=error,
        max_age_days=site.config.web.preferences_max_age_days), nonce)


def _send_fresh_link(site: PublicSite, list_name: str, sub: Any) -> None:
    """Mail a new preferences link to the subscriber's own address (in the background;
    at most one per subscriber per 10 minutes)."""
    if site.recent_confirms.hit(f"prefs\x00{list_name}\x00{sub.id}") is not None:
        return
    t = site.now_ts()
    url = (f"{site.config.newsletter.public_url}/preferences/"
           f"{make_token(site.secret, 'prefs', list_name, sub.id, now=t)}")
    newsletter = site.newsletter

    def go() -> None:
        from .._send import send_preferences_link

        try:
            where = send_preferences_link(newsletter.config, list_name, sub.email,
                                          sub.name or "", url, now=newsletter.now())
            log.info(kv("preferences_link_sent", list=list_name, subscriber=sub.id,
                        via=where))
        except NewsletterError as exc:
            log.error(kv("preferences_link_failed", list=list_name, subscriber=sub.id,
                         error=exc.message))
        except Exception as exc:  # never let a bug kill the thread silently
            log.exception(kv("preferences_link_crash", error=type(exc).__name__))

    threading.Thread(target=go, name="prefs-mail", daemon=True).start()


def _prefs_page(site: PublicSite, request: Request, token: str, sub: Any, status: int = 200,
                error: str | None = None, done: str | None = None) -> Response:
    nonce = site.csrf_nonce(request)
    # the "Your emails" form: every list of the newsletter for this address (issue 17)
    mine = lists_context(site.store, site.config, sub.email, site.newsletter.now())
    resp = site.pages.render(
        "preferences", status, list_title=site.lists[sub.list], address=mask(sub.email),
        status=sub.status, status_text=_STATUS_TEXT.get(sub.status, (sub.status, "")),
        name=sub.name, action=f"/preferences/{token}",
        csrf_field=CSRF_FIELD, csrf_token=site.csrf.token(nonce), limits=FIELD_LIMITS,
        error=error, done=_DONE_TEXT.get(done or ""), subscribe_url="/subscribe", **mine)
    return site.with_csrf(resp, nonce)


async def preferences_get(request: Request) -> Response:
    site = site_of(request)
    token = request.path_params["token"]
    target = _prefs_target(site, token)
    if target is None:
        return site.not_found()
    sub = await run_in_threadpool(site.store.get_subscriber, *target)
    if sub is None:
        return site.not_found()
    if _prefs_stale(site, token):
        return _fresh_page(site, request, token, sub)
    return _prefs_page(site, request, token, sub, done=request.query_params.get("done"))


def _resubscribe(site: PublicSite, list_name: str, sub_id: int) -> str:
    """An explicit opt-in by the holder of the signed link: only an unsubscribed (or
    never confirmed) address becomes active; a bounced or complained one never does."""
    sub = site.store.get_subscriber(list_name, sub_id)
    if sub is None:
        return "gone"
    if sub.status in ("bounced", "complained"):
        return "refused"
    if sub.status != "active":
        site.store.confirm_subscriber(list_name, sub.email, None, site.newsletter.now())
    return "ok"


async def preferences_post(request: Request) -> Response:
    site = site_of(request)
    store, now = site.store, site.newsletter.now
    token = request.path_params["token"]
    target = _prefs_target(site, token)
    if target is None:
        return site.not_found()
    list_name, sub_id = target
    form = await read_form(request)
    sub = await run_in_threadpool(store.get_subscriber, list_name, sub_id)
    if sub is None:
        return site.not_found()
    if form is None and _prefs_stale(site, token):
        return _fresh_page(site, request, token, sub, 400,
                           error="The form was not filled in as expected. Please try again.")
    if form is None:
        return _prefs_page(site, request, token, sub, 400,
                           "The form was not filled in as expected (a name can have at "
                           f"most {FIELD_LIMITS['name']} characters). Please try again.")
    stale = _prefs_stale(site, token)
    if not site.csrf_ok(request, form):
        if stale:
            return _fresh_page(site, request, token, sub, 403,
                               error="This page has expired. Please press the button again.")
        return _prefs_page(site, request, token, sub, 403,
                           "This page has expired. Please submit the form again.")
    action = form.get("action", "")
    if action == "fresh_link":
        _send_fresh_link(site, list_name, sub)
        return _fresh_page(site, request, token, sub, sent=True)
    if stale:
        return _fresh_page(site, request, token, sub, 403)
    if action == "name":
        raw = form.get("name", "")
        if _NAME_BAD.search(raw):
            return _prefs_page(site, request, token, sub, 400,
                               "A name cannot contain line breaks or control characters.")
        name = " ".join(raw.split())
        await run_in_threadpool(site.write, store.rename_subscriber, list_name, sub_id,
                                name, now())
        log.info(kv("preferences_name", list=list_name, subscriber=sub_id))
        done = "name"
    elif action == "lists":
        notes = await run_in_threadpool(site.write, save_lists_form, store, site.config,
                                        sub.email, sub.name, form, now())
        log.info(kv("preferences_lists", list=list_name, subscriber=sub_id,
                    lists=",".join(n for n in site.config.lists
                                   if form.get(f"list.{n}") == "on")))
        if notes:
            sub = await run_in_threadpool(store.get_subscriber, list_name, sub_id)
            return _prefs_page(site, request, token, sub, 409, "; ".join(notes) + ".")
        done = "lists"
    elif action == "unsubscribe":
        await run_in_threadpool(site.write, store.unsubscribe, list_name, sub_id,
                                now(), "unsubscribed on the preferences page")
        log.info(kv("unsubscribed", list=list_name, subscriber=sub_id, via="preferences"))
        done = "unsubscribed"
    elif action == "resubscribe":
        got = await run_in_threadpool(site.write, _resubscribe, site, list_name, sub_id)
        if got == "gone":
            return site.not_found()
        if got == "refused":
            sub = await run_in_threadpool(store.get_subscriber, list_name, sub_id)
            if sub is None:  # deleted meanwhile
                return site.not_found()
            log.info(kv("resubscribe_refused", list=list_name, subscriber=sub_id,
                        status=sub.status))
            return _prefs_page(site, request, token, sub, 409,
                               "This address cannot be reactivated from this page.")
        log.info(kv("resubscribed", list=list_name, subscriber=sub_id))
        done = "resubscribed"
    else:
        return _prefs_page(site, request, token, sub, 400,
                           "The form was not filled in as expected. Please try again.")
    # Post/Redirect/Get, to this same page only (the path is built from the verified
    # token, the query from a fixed word).
    return RedirectResponse(f"/preferences/{token}?done={done}", status_code=303,
                            headers={"cache-control": "no-store"})
