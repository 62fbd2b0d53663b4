"""The state of the public web app, shared by its handlers (``web/public.py``,
``web/_preferences.py``).

One :class:`PublicSite` is made per app by :func:`newsletter.web.public.make_app` and kept
in ``app.state.site``; a handler reaches it with :func:`site_of`. It holds what the
handlers share: the newsletter (store, config, clock), the signing keys, the CSRF signer,
the rate limiters, the page renderer, the list titles and the web threads' write lock, and
the small helpers every handler uses (signed-token targets, error pages, the CSRF cookie,
form reading).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..deliver import EDITION_TEXT, Token, read_token
from ._archive import ArchiveCache
from ._coalesce import Batcher
from ._security import CSRF_FIELD, FIELD_LIMITS, Csrf, RequestRateLimiter, csrf_cookie_name

if TYPE_CHECKING:
    from ..core import Newsletter
    from ..store import Store

CONFIRM_TTL = 48 * 3600
"""Seconds a confirmation link stays valid."""

_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
T = TypeVar("T")


def mask(address: str) -> str:
    """An address as pages show it: first letter of the local part and the domain."""
    local, _, domain = address.partition("@")
    return (local[:1] + "\u2026@" + domain) if domain else "\u2026"


class Pages:
    """Renders the public templates with the project's Jinja environment.

    The pages use their own view of that environment (same loader and filters) without
    Jinja's check, at every render, that each template and the layouts it extends are
    still current (three file look-ups per template: most of a small page's cost). That
    check runs here at most once every ``reload_check`` seconds instead, so an edited or
    newly copied template is picked up within that time; :meth:`generation` changes
    then, and so do the pages :meth:`static` keeps.
    """

    def __init__(self, newsletter: Newsletter, *, reload_check: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        from ..render import environment

        self.env = environment(newsletter.config).overlay(auto_reload=False)
        settings = newsletter.config.newsletter
        self.base = {"title": settings.title, "tagline": settings.tagline,
                     "postal_address": settings.postal_address,
                     "contact_url": settings.contact_url, "public_url": settings.public_url}
        self.reload_check = reload_check
        self._clock = clock
        self._checked = clock()
        self._generation = 0
        self._lock = threading.Lock()
        self._static: dict[tuple[str, int], tuple[int, bytes]] = {}

    def generation(self) -> int:
        """A number that changes when a template changed (checked at most once every
        ``reload_check`` seconds): what a copy of a rendered page depends on."""
        now = self._clock()
        if now - self._checked >= self.reload_check:
            with self._lock:
                if now - self._checked >= self.reload_check:
                    self._checked = now
                    cache = self.env.cache
                    if cache is not None and not all(
                            t.is_up_to_date for t in list(cache.values())):
                        cache.clear()
                        self._generation += 1
        return self._generation

    def html(self, template: str, /, **ctx: Any) -> str:
        self.generation()
        return self.env.get_template(f"web/public/{template}.html.j2").render(
            {**self.base, **ctx})

    def render(self, template: str, status: int = 200, /, **ctx: Any) -> HTMLResponse:
        return HTMLResponse(self.html(template, **ctx), status_code=status,
                            headers={"cache-control": "no-store"})

    def static(self, template: str, status: int = 200) -> HTMLResponse:
        """:meth:`render` of a page without variables (the 404 page), rendered once per
        template generation."""
        gen = self.generation()
        hit = self._static.get((template, status))
        if hit is None or hit[0] != gen:
            hit = self._static[(template, status)] = (gen, self.html(template).encode())
        return HTMLResponse(hit[1], status_code=status, headers={"cache-control": "no-store"})


class PublicSite:
    """What the public handlers share (see the module docstring).

    Args:
        newsletter: the newsletter (its store, config and clock).
        rate_limiter: the sign-up limiter (default ``[web] subscribe_per_minute`` per IP).
    """

    def __init__(self, newsletter: Newsletter, *,
                 rate_limiter: RequestRateLimiter | None = None) -> None:
        config = newsletter.config
        self.newsletter = newsletter
        self.config = config
        self.secret = config.secret()
        self.keys = config.verify_secrets()  # the current secret, then NEWSLETTER_SECRET_PREVIOUS
        self.csrf = Csrf(self.secret)
        self.prefs_max_age = config.web.preferences_max_age_days * 86400
        self.limiter = rate_limiter or RequestRateLimiter(config.web.subscribe_per_minute, 60.0)
        # One confirmation email per address per 10 minutes, whoever asks (anti mail-bomb).
        self.recent_confirms = RequestRateLimiter(1, 600.0)
        self.pages = Pages(newsletter)
        self.https = config.newsletter.public_url.startswith("https://")
        self.csrf_cookie = csrf_cookie_name(self.https)
        self.lists = {name: (ls.name or name) for name, ls in config.lists.items()}
        #: what each list sends, as the sign-up form and the preferences page say it
        self.list_what = {name: EDITION_TEXT[ls.edition] for name, ls in config.lists.items()}
        # One writer at a time from the web threads: SQLite serialises writers anyway, and
        # its busy handler sleeps in growing steps (up to 100 ms) while waiting for the
        # lock; queueing on our own lock instead keeps the tail latency low under a burst.
        # PostgreSQL takes concurrent writers: no queue there.
        sqlite = self.store.engine.dialect.name == "sqlite"
        self.write_lock: Any = threading.Lock() if sqlite else contextlib.nullcontext()
        self.unsubscribed_pages: dict[str, tuple[int, bytes]] = {}  # list: (generation, page)
        # Requests that arrive together share their store calls (web/_coalesce.py): the
        # archive's version and pages, and the one-click unsubscribes (one UPDATE and one
        # commit for those that arrive while the previous batch is written).
        self.archive = ArchiveCache(self.store)
        self._sqlite = sqlite
        self.unsubscribes: Batcher[tuple[str, int], bool] = Batcher(self._unsubscribe_batch)

    @property
    def store(self) -> Store:
        return self.newsletter.store

    # --- time and writes -----------------------------------------------------------------
    def now_ts(self) -> float:
        return self.newsletter.now().timestamp()

    def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a store write under the web threads' write lock."""
        with self.write_lock:
            return fn(*args)

    async def _unsubscribe_batch(self, items: list[tuple[str, int]]) -> list[bool]:
        """One-click unsubscribes (list, subscriber id) in one store write per list:
        whether each subscriber exists (:meth:`Store.unsubscribe_many`; on SQLite in a
        worker thread under the write lock, on PostgreSQL from the loop)."""
        found: dict[str, set[int]] = {}
        now = self.newsletter.now()
        reason = "one-click unsubscribe"
        for list_name in dict.fromkeys(name for name, _ in items):
            ids = [i for name, i in items if name == list_name]
            if self._sqlite:
                found[list_name] = await run_in_threadpool(
                    self.write, self.store.unsubscribe_many, list_name, ids, now, reason)
            else:
                found[list_name] = await self.store.unsubscribe_many_async(list_name, ids,
                                                                           now, reason)
        return [i in found[name] for name, i in items]

    # --- responses -----------------------------------------------------------------------
    def not_found(self) -> HTMLResponse:
        return self.pages.static("404", 404)

    def error_page(self, status: int, heading: str, message: str) -> HTMLResponse:
        return self.pages.render("error", status, heading=heading, message=message)

    def with_csrf(self, resp: Response, nonce: str) -> Response:
        """``resp`` with the CSRF nonce cookie set."""
        resp.set_cookie(self.csrf_cookie, nonce, max_age=int(self.csrf.max_age),
                        httponly=True, secure=self.https, samesite="strict", path="/")
        return resp

    def csrf_nonce(self, request: Request) -> str:
        """The request's well-formed CSRF nonce, or a new one."""
        nonce = request.cookies.get(self.csrf_cookie, "")
        return nonce if _NONCE.fullmatch(nonce) else self.csrf.new_nonce()

    def csrf_ok(self, request: Request, form: dict[str, str]) -> bool:
        """True if the form's CSRF token matches the request's cookie."""
        return self.csrf.check(request.cookies.get(self.csrf_cookie), form.get(CSRF_FIELD))

    # --- signed tokens -------------------------------------------------------------------
    def subscriber_token(self, token: str, purpose: str) -> Token | None:
        """A valid token of ``purpose`` for a configured list and a plausible id."""
        got = read_token(self.keys, token, purpose, now=self.now_ts())
        if got is None:
            return None
        sub_id = got.subject
        if got.list_name not in self.lists or not isinstance(sub_id, int) \
                or isinstance(sub_id, bool) or not 0 < sub_id < 2**63:
            return None
        return got

    def subscriber_target(self, token: str, purpose: str) -> tuple[str, int] | None:
        """(list, subscriber id) of a valid token of ``purpose`` for a configured list.
        An unsubscribe token never expires, whatever its age or format (RFC 8058)."""
        got = self.subscriber_token(token, purpose)
        return None if got is None else (got.list_name, int(got.subject))

    def confirm_target(self, token: str) -> ConfirmTarget | None:
        """The lists, address, name and issue time of a valid confirmation token."""
        got = read_token(self.keys, token, "confirm", now=self.now_ts())
        if got is None or got.expires is None:
            return None
        list_name, subject = got.list_name, got.subject
        # A token of an earlier release carries no issue time: it was made CONFIRM_TTL
        # before its expiry.
        issued = got.issued if got.issued is not None else got.expires - CONFIRM_TTL
        if not isinstance(subject, str):
            return None
        try:
            fields = json.loads(subject)
        except ValueError:
            return None
        # [address, name] for one list (the token's), [address, name, [lists]] for a
        # sign-up to several, the token's list first
        if not isinstance(fields, list) or len(fields) not in (2, 3):
            return None
        address, name, chosen = fields[0], fields[1], fields[2:] and fields[2]
        if not chosen:
            chosen = [list_name]
        if not isinstance(address, str) or not isinstance(name, str) \
                or not isinstance(chosen, list) or chosen[0] != list_name \
                or not all(isinstance(n, str) for n in chosen):
            return None
        lists = tuple(n for n in self.lists if n in chosen)  # lists since removed: left out
        if list_name not in self.lists or not lists:
            return None
        return ConfirmTarget(lists, address, name, float(issued))

    # --- what a page says about lists ----------------------------------------------------
    def titles(self, lists: Sequence[str]) -> str:
        """'REE Daily', 'REE Daily and REE Weekly', 'A, B and C'."""
        names = [self.lists[n] for n in lists]
        return " and ".join(names) if len(names) < 3 else \
            ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class ConfirmTarget:
    """What a confirmation link confirms: every list of one sign-up.

    Attributes:
        lists: the configured lists chosen at sign-up, in configuration order (one for a
            link of an earlier release or a one-list sign-up).
        address, name: as entered on the form.
        issued: when the link was made (seconds since the epoch).
    """

    lists: tuple[str, ...]
    address: str
    name: str
    issued: float


def site_of(request: Request) -> PublicSite:
    """The :class:`PublicSite` of the app serving ``request``."""
    site: PublicSite = request.app.state.site
    return site


async def read_form(request: Request) -> dict[str, str] | None:
    """The urlencoded/multipart form as str fields, None if malformed or over limits."""
    try:
        # up to 64 fields: the preferences page's list and commodity checkboxes
        form = await request.form(max_files=0, max_fields=64, max_part_size=4096)
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
