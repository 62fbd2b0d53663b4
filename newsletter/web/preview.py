"""``newsletter preview``: the editors' local preview and approval app (issue 8).

A small Starlette app over :class:`~newsletter.core.Newsletter`. It shows the day's draft
exactly as it will be sent: for a chosen sample subscriber it builds the real MIME message
(``MessageFactory.build()``), parses the bytes back and shows its HTML part (in desktop,
mobile and simulated dark-mode frames), its plain-text part, headers and raw source, the
HTML size against Gmail's clipping limit, every link, and the health of the sources.

Editors can pin, drop and reorder stories, rewrite a summary or a highlight, write an
editor's note and choose which prices show; each change is stored with the edition
(``store.save_edits``) and the edition is rebuilt, so it survives a rebuild and a restart.
They can send a test copy through the configured transport and approve the edition
(needed when ``[editorial] approval = "required"``).

Security: the app binds to 127.0.0.1 unless told otherwise. Because any web page the editor
visits could post to localhost, every request's ``Host`` must be a loopback name or, when
bound elsewhere, a name or address of this machine (:func:`allowed_hosts_for`); the check is
never off, so DNS rebinding cannot reach the app. Bound to anything but loopback, every
route also needs this process's access token (printed at start, as Jupyter does: the first
visit of ``/?token=...`` sets it in an HttpOnly, SameSite=Strict cookie); without it the
answer is 401 and shows nothing (:class:`AccessToken`). Every POST must carry this
process's form token and, when the browser sends them, an ``Origin``/``Referer`` of this
very host. Redirects go to a path built here, never to a host taken from the request.

Editing a file under ``templates/`` reloads the page: it polls ``/_reload?since=<mtime>``.
"""

from __future__ import annotations

import csv
import hmac
import os
import secrets
import socket
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..exceptions import NewsletterError
from ..resources import packaged_templates, template_loader
from ..summarize import normalise_edits
from ..types import Edition, WeeklyEdition

if TYPE_CHECKING:
    from ..core import Newsletter
    from ..store import Store, StoredEdition
from . import _preview_edits as edits_mod
from ._preview_mail import GMAIL_CLIP_BYTES, MailView, build_view, frame_html

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
#: The sample subscriber used when the list has no active subscriber in the store.
DEFAULT_SAMPLE = {"id": 0, "email": "reader@example.com", "name": "Reader"}
SAMPLE_LIMIT = 10


class BadRequest(Exception):
    """A request the app refuses (bad token, foreign origin, unknown date...)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Selection:
    """What the editor is looking at: an edition, a list and a sample subscriber."""

    day: date
    list_name: str
    sub: str  # a sample key: a subscriber id, "c<row>" of the list file, or "sample"
    kind: str = "daily"  # the list's edition kind: "daily" or "weekly" (issue 17)

    def query(self, **extra: str) -> str:
        return urlencode({"date": self.day.isoformat(), "list": self.list_name,
                          "sub": self.sub, **extra})


class HostGuard:
    """ASGI middleware: refuse requests whose Host is not one of ours (DNS rebinding)."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str] | None) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.allowed is not None:
            host = ""
            for k, v in scope.get("headers", []):
                if k == b"host":
                    host = v.decode("latin-1")
                    break
            if _hostname(host) not in self.allowed:
                resp = PlainTextResponse(f"refused: Host {host!r} is not this preview "
                                         "(open it through http://127.0.0.1)", status_code=421)
                await resp(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _hostname(host: str) -> str:
    """``"127.0.0.1:8000"`` -> ``"127.0.0.1"``; ``"[::1]:80"`` -> ``"::1"``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def allowed_hosts_for(bind_host: str) -> frozenset[str]:
    """Host names the app answers to when bound to ``bind_host``: loopback names, the bind
    address itself, and for a wildcard bind this machine's names and addresses. Never
    "any": a Host check that is off lets DNS rebinding in (issue 12)."""
    names = set(LOOPBACK_NAMES)
    if bind_host in WILDCARD_HOSTS:
        names |= _machine_names()
    else:
        names |= {_hostname(bind_host), bind_host.strip("[]").lower()}
    return frozenset(n for n in names if n)


def _machine_names() -> set[str]:
    """This machine's host names and the addresses they (and the default route) use."""
    names: set[str] = set()
    try:
        host = socket.gethostname()
        names |= {host.lower(), socket.getfqdn().lower()}
        for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM):
            names.add(str(info[4][0]).split("%", 1)[0].lower())
    except OSError:
        pass
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 9))  # a UDP connect sends nothing: it picks a route
                names.add(str(sock.getsockname()[0]).lower())
        except OSError:
            continue
    return names


ACCESS_COOKIE = "ree_preview_access"
"""The preview's access-token cookie. Not ``__Host-`` prefixed: that prefix requires
``Secure``, and the preview speaks plain http, over which browsers do not keep a Secure
cookie (except, inconsistently, on localhost, where no token is needed). Without a Domain
attribute the cookie is host-only anyway, which is what ``__Host-`` would enforce."""


class AccessToken:
    """ASGI middleware: every request needs the process's access token (non-loopback
    binds). ``?token=T`` on any GET sets it in a cookie and redirects to the same local
    path without it; a request with neither gets 401 and nothing of the app."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    def _ok(self, value: str | None) -> bool:
        if not value:
            return False
        return hmac.compare_digest(value.encode("utf-8", "replace"),
                                                   self.token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if self._ok(request.cookies.get(ACCESS_COOKIE)):
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                          keep_blank_values=True)
        given = [v for k, v in query if k == "token"]
        if scope["method"] in ("GET", "HEAD") and given and self._ok(given[-1]):
            path = scope.get("path") or "/"
            if not path.startswith("/") or path.startswith("//"):
                path = "/"
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            resp: Response = RedirectResponse(quote(path) + (f"?{rest}" if rest else ""),
                                              status_code=303)
            resp.set_cookie(ACCESS_COOKIE, self.token.decode(), httponly=True,
                            samesite="strict", path="/")
        else:
            resp = PlainTextResponse("this preview needs its access token: open the link "
                                     "that `newsletter preview` printed when it started\n",
                                     status_code=401)
        _no_store(resp)
        await resp(scope, receive, send)


class PreviewApp:
    """State and handlers of one preview process.

    Args:
        newsletter: the newsletter.
        bind_host: the address the server binds to (decides the accepted Host names).
    """

    def __init__(self, newsletter: Newsletter, *, bind_host: str = "127.0.0.1") -> None:
        self.newsletter = newsletter
        self.bind_host = bind_host
        self.csrf = secrets.token_urlsafe(32)
        self.lock = threading.RLock()
        self._cache: OrderedDict[tuple[Any, ...], MailView] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.flashes: list[tuple[str, str]] = []
        self.titles: dict[str, str] = {}
        self.env = jinja2.Environment(loader=template_loader(newsletter.config.templates_dir),
                                      autoescape=True, auto_reload=True,
                                      trim_blocks=True, lstrip_blocks=True)
        self.env.filters["kb"] = lambda n: f"{(n or 0) / 1024:.1f}"
        self.env.filters["when"] = _when
        self.env.filters["number"] = _number

    # --- helpers -------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        return self.newsletter.store

    def templates_mtime(self) -> float:
        """The newest modification time of any file under the project's templates folder
        or the packaged templates (edited in a clone)."""
        newest = 0.0
        stack = [str(self.newsletter.config.templates_dir), str(packaged_templates())]
        while stack:
            try:
                with os.scandir(stack.pop()) as it:
                    for entry in it:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file():
                            newest = max(newest, entry.stat().st_mtime)
            except OSError:
                continue
        return round(newest, 6)

    def samples(self, list_name: str) -> list[dict[str, Any]]:
        """Sample subscribers to preview as: the list's first active subscribers in the
        store; before the first send has synced the list, its CSV file's first rows (read
        only); and always the neutral sample reader. Each has a ``key`` for the chooser."""
        out: list[dict[str, Any]] = []
        fetch = getattr(self.store, "active_recipients", None)
        if fetch is not None:
            try:
                for s in fetch(list_name)[:SAMPLE_LIMIT]:
                    out.append({"key": str(s.id), "id": s.id, "email": s.email,
                                "name": s.name or "", "origin": "subscriber"})
            except NewsletterError:
                out = []
        if not out:
            out = self._csv_samples(list_name)
        return [*out, {"key": "sample", **DEFAULT_SAMPLE, "origin": "sample"}]

    def _csv_samples(self, list_name: str) -> list[dict[str, Any]]:
        config = self.newsletter.config
        list_settings = config.lists.get(list_name)
        if list_settings is None:
            return []
        out: list[dict[str, Any]] = []
        try:
            with config.path(list_settings.file).open(newline="", encoding="utf-8-sig") as fh:
                for n, row in enumerate(csv.DictReader(fh)):
                    if n >= 200 or len(out) >= SAMPLE_LIMIT:
                        break
                    email = " ".join(str(row.get("email") or "").split())
                    if "@" in email and len(email) < 255:
                        out.append({"key": f"c{n}", "id": 0, "email": email,
                                    "name": " ".join(str(row.get("name") or "").split())[:100],
                                    "origin": "list file"})
        except (OSError, UnicodeDecodeError, csv.Error):
            return []
        return out

    def selection(self, params: Any, *, day_required: bool = False) -> Selection | None:
        """Validate date/list/sub from a query string or form; None when there is no draft."""
        config = self.newsletter.config
        lists = self.lists()
        list_name = str(params.get("list") or "")
        if list_name not in lists:
            list_name = lists[0] if lists else "daily"
        kind = config.lists[list_name].edition if list_name in config.lists else "daily"
        raw_day = str(params.get("date") or "")
        day: date | None = None
        if raw_day:
            try:
                day = date.fromisoformat(raw_day)
            except ValueError:
                raise BadRequest(f"bad date {raw_day!r} (expected YYYY-MM-DD)") from None
            if self.store.edition(day, kind) is None:
                if day_required:
                    raise BadRequest(f"no {kind} edition for {day}", status=404)
                if kind == "daily":
                    return None
                day = None  # another list's date: this list's latest edition
        if day is None:
            day = self.store.latest_edition_date(kind)
            if day is None:
                return None
        sub = str(params.get("sub") or "")
        keys = [s["key"] for s in self.samples(list_name)]
        if sub not in keys and sub.isdigit() and not (sub.isascii() and len(sub) <= 18):
            # "²" is a digit to str.isdigit() but not to int(); 10**19 overflows SQLite
            raise BadRequest(f"bad subscriber id {sub[:40]!r} (expected a number below "
                             "10**18 or a sample from the chooser)")
        if sub not in keys and not sub.isdigit():
            sub = keys[0]
        return Selection(day=day, list_name=list_name, sub=sub, kind=kind)

    def lists(self) -> list[str]:
        """The lists with an edition to preview (an alerts list has none)."""
        return [n for n, ls in self.newsletter.config.lists.items() if ls.edition != "alerts"]

    def recipient(self, sel: Selection) -> dict[str, Any]:
        """The sample subscriber of the selection (``{"id", "email", "name"}``)."""
        for s in self.samples(sel.list_name):
            if s["key"] == sel.sub:
                return {"id": s["id"], "email": s["email"], "name": s["name"]}
        if sel.sub.isdigit():
            get = getattr(self.store, "get_subscriber", None)
            found = get(sel.list_name, int(sel.sub)) if get else None
            if found is not None:
                return {"id": found.id, "email": found.email, "name": found.name or ""}
        return dict(DEFAULT_SAMPLE)

    def mail(self, sel: Selection) -> MailView:
        """The built message for the selection (cached until a rebuild or template edit)."""
        row = self.store.edition(sel.day, sel.kind)
        if row is None:
            raise BadRequest(f"no edition for {sel.day}", status=404)
        rcpt = self.recipient(sel)
        key = (sel.day, sel.list_name, rcpt["id"], rcpt["email"], rcpt["name"],
               str(row.get("built_at")), self.templates_mtime())
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        from ..deliver import MessageFactory, Recipient

        rendered = self.newsletter.rendered(sel.day, sel.list_name)
        view = build_view(MessageFactory, Recipient, rendered, config=self.newsletter.config,
                          list_name=sel.list_name, secret=self.newsletter.config.secret(),
                          recipient=rcpt)
        with self._cache_lock:
            self._cache[key] = view
            while len(self._cache) > 8:
                self._cache.popitem(last=False)
        return view

    def home(self, sel: Selection | None, anchor: str = "") -> str:
        """The fixed local path a POST redirects to."""
        path = "/" if sel is None else "/?" + sel.query()
        return path + (f"#{anchor}" if anchor.isidentifier() else "")

    def flash(self, kind: str, message: str) -> None:
        with self.lock:
            self.flashes.append((kind, message))
            del self.flashes[:-5]

    def take_flashes(self) -> list[tuple[str, str]]:
        with self.lock:
            out, self.flashes[:] = list(self.flashes), []
        return out

    def check_post(self, request: Request, form: FormData) -> None:
        """CSRF defence: same-origin headers and this process's secret token."""
        host = request.headers.get("host", "")
        if request.headers.get("sec-fetch-site") == "cross-site":
            raise BadRequest("refused: cross-site request", status=403)
        origin = request.headers.get("origin")
        if origin is not None:
            if origin == "null" or urlsplit(origin).netloc.lower() != host.lower():
                raise BadRequest(f"refused: Origin {origin!r} is not this preview", 403)
        else:
            referer = request.headers.get("referer")
            if referer and urlsplit(referer).netloc.lower() != host.lower():
                raise BadRequest("refused: Referer is not this preview", 403)
        token = str(form.get("csrf") or "")
        if not hmac.compare_digest(token.encode(), self.csrf.encode()):
            raise BadRequest("refused: missing or stale form token (reload the page; the "
                             "token changes when the preview restarts)", 403)

    # --- pages ---------------------------------------------------------------------------
    def render(self, name: str, http_status: int = 200, **ctx: Any) -> HTMLResponse:
        """Render a page of templates/web/preview/ with a strict CSP (scripts by nonce)."""
        nonce = secrets.token_urlsafe(12)
        body = self.env.get_template(f"web/preview/{name}").render(nonce=nonce, **ctx)
        resp = HTMLResponse(body, status_code=http_status)
        resp.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            f"script-src 'nonce-{nonce}'; frame-src 'self'; frame-ancestors 'none'; "
            "form-action 'self'; base-uri 'none'")
        resp.headers["X-Frame-Options"] = "DENY"
        _no_store(resp)
        return resp

    def page_context(self, sel: Selection) -> dict[str, Any]:
        """Everything page.html.j2 shows: the built message (or the error building it),
        the edition and its edits, status, source health and the form data."""
        config = self.newsletter.config
        row = self.store.edition(sel.day, sel.kind)
        assert row is not None
        weekly = WeeklyEdition.from_json(row["edition"]) if sel.kind == "weekly" else None
        # a weekly recap has no daily edits: its page shows the recap, not the edit forms
        edition = Edition(date=sel.day) if weekly else Edition.from_json(row["edition"])
        edits = normalise_edits(row["edits"])
        for st in edition.stories:
            self.titles[st.id] = st.title or st.id
        view: MailView | None = None
        error = ""
        try:
            view = self.mail(sel)
        except NewsletterError as exc:
            error = str(exc)
        except ImportError as exc:
            error = f"the delivery code is not available yet: {exc}"
        except Exception as exc:  # show template/render bugs in the page, keep polling
            error = f"{type(exc).__name__}: {exc}"
        health = list(self.store.source_health())
        runs = self.store.last_runs()
        collect = runs.get("collect")
        failed_names = set((collect or {}).get("detail", {}).get("failed", []) or [])
        failed = [h for h in health
                  if h.get("last_status") == "error" or h.get("name") in failed_names]
        health = failed + [h for h in health if h not in failed]
        price_rows = [{"commodity": p.commodity, "name": p.name or p.commodity,
                       "shown": True} for p in edition.prices]
        names = _commodity_names()
        price_rows += [{"commodity": c, "name": names.get(c, c), "shown": False}
                       for c in edits["hidden_prices"]
                       if c not in {r["commodity"] for r in price_rows}]
        highlights = [{"key": edits_mod.highlight_key(edition, i), **h.to_json()}
                      for i, h in enumerate(edition.highlights)]
        dropped = [{"id": sid, "title": edits["titles"].get(sid)
                    or self.titles.get(sid, f"story {sid}")}
                   for sid in edits["dropped"]]
        status = row.get("status") or "draft"
        get_send = getattr(self.store, "send_state", None)
        send_state = get_send(sel.day, sel.list_name) if get_send else None
        if send_state and send_state.get("status") == "sent":
            status = "sent"  # the ledger knows; the edition row keeps its approval
        return dict(
            sel=sel, row=row, edition=edition, edits=edits, view=view, error=error,
            status=status, approval=config.editorial.approval, send_state=send_state,
            dates=self.store.edition_dates(sel.kind), lists=self.lists(), kind=sel.kind,
            weekly=weekly,
            samples=self.samples(sel.list_name), recipient=self.recipient(sel),
            health=health, failed=failed, collect=collect, runs=runs,
            bounce_rates=self.store.bounce_rates(limit=7),  # issue 14
            complaint_limit=config.bounces.complaint_rate_limit,
            price_rows=price_rows, highlights=highlights, dropped=dropped,
            clip=GMAIL_CLIP_BYTES, csrf=self.csrf, flashes=self.take_flashes(),
            mtime=self.templates_mtime(), built=str(row.get("built_at")),
            transport=config.delivery.transport, user=_default_user(),
            frame_url="/_email?" + sel.query(), frame_dark_url="/_email?" + sel.query(dark="1"),
            source_url="/_source?" + sel.query(), title=config.newsletter.title,
            pinned=set(edits["pinned"]),
        )

    async def index(self, request: Request) -> Response:
        sel = await run_in_threadpool(self.selection, request.query_params)
        if sel is None:
            return self.render("empty.html.j2", title=self.newsletter.config.newsletter.title,
                               flashes=self.take_flashes(), mtime=self.templates_mtime(),
                               asked=request.query_params.get("date"))
        ctx = await run_in_threadpool(self.page_context, sel)
        return self.render("page.html.j2", **ctx)

    async def email_frame(self, request: Request) -> Response:
        sel = await run_in_threadpool(self.selection, request.query_params, day_required=True)
        assert sel is not None
        view = await run_in_threadpool(self.mail, sel)
        dark = request.query_params.get("dark") == "1"
        q = sel.query()
        body = frame_html(view, dark=dark,
                          cid_url=lambda cid: f"/_cid/{quote(cid, safe='')}?{q}".replace(
                              "&", "&amp;"))
        resp = HTMLResponse(body)
        resp.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self' data: https:; style-src 'unsafe-inline'; "
            "font-src data: https:; frame-ancestors 'self'; form-action 'none'")
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        _no_store(resp)
        return resp

    async def cid(self, request: Request) -> Response:
        sel = await run_in_threadpool(self.selection, request.query_params, day_required=True)
        assert sel is not None
        view = await run_in_threadpool(self.mail, sel)
        found = view.images.get(request.path_params["cid"])
        if found is None:
            return PlainTextResponse("no such inline part", status_code=404)
        ctype, data = found
        if not ctype.startswith("image/"):
            ctype = "application/octet-stream"
        resp = Response(data, media_type=ctype)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        _no_store(resp)
        return resp

    async def source(self, request: Request) -> Response:
        sel = await run_in_threadpool(self.selection, request.query_params, day_required=True)
        assert sel is not None
        view = await run_in_threadpool(self.mail, sel)
        resp = PlainTextResponse(view.raw.decode("utf-8", "replace"))
        resp.headers["X-Content-Type-Options"] = "nosniff"
        _no_store(resp)
        return resp

    async def reload(self, request: Request) -> Response:
        """Live reload: the newest template mtime (and the draft's build time)."""
        try:
            since = float(request.query_params.get("since") or 0)
        except ValueError:
            since = 0.0
        mtime = await run_in_threadpool(self.templates_mtime)
        built = None
        raw_day = request.query_params.get("date")
        if raw_day:
            try:
                row = await run_in_threadpool(self.store.edition, date.fromisoformat(raw_day),
                                              self._kind(request.query_params.get("list")))
                built = str(row.get("built_at")) if row else None
            except ValueError:
                built = None
        else:
            latest = await run_in_threadpool(self.store.latest_edition_date,
                                             self._kind(request.query_params.get("list")))
            built = latest.isoformat() if latest else None
        resp = JSONResponse({"mtime": mtime, "changed": mtime > since, "built": built})
        _no_store(resp)
        return resp

    # --- actions -------------------------------------------------------------------------
    async def _post(self, request: Request) -> tuple[FormData, Selection]:
        form = await request.form(max_files=0, max_fields=500)
        self.check_post(request, form)
        sel = await run_in_threadpool(self.selection, form, day_required=True)
        assert sel is not None
        return form, sel

    async def edit(self, request: Request) -> Response:
        form, sel = await self._post(request)
        action = str(form.get("action") or "")
        fields = {"story": form.get("story"), "text": form.get("text"), "key": form.get("key"),
                  "show": form.getlist("show"), "known": form.getlist("known")}
        await run_in_threadpool(self._edit, sel, action, fields)
        anchor = {"note": "note", "prices": "prices", "highlight": "highlights"}.get(
            action, "stories")
        return RedirectResponse(self.home(sel, anchor), status_code=303)

    def _kind(self, list_name: str | None) -> str:
        ls = self.newsletter.config.lists.get(list_name or "")
        return ls.edition if ls is not None and ls.edition != "alerts" else "daily"

    def _edit(self, sel: Selection, action: str, fields: dict[str, Any]) -> None:
        if sel.kind != "daily":
            raise BadRequest(f"the {sel.kind} recap of list {sel.list_name!r} has no edits: "
                             "edit the week's daily editions, then rebuild it")
        with self.lock:
            row = self.store.edition(sel.day)
            if row is None:
                raise BadRequest(f"no edition for {sel.day}", status=404)
            edition = Edition.from_json(row["edition"])
            for st in edition.stories:
                self.titles[st.id] = st.title or st.id
            try:
                new, message = edits_mod.apply_action(row["edits"], edition, action, fields)
            except edits_mod.EditError as exc:
                self.flash("error", str(exc))
                return
            self.store.save_edits(sel.day, new)
            self._rebuild(sel, row)
            self.flash("ok", message + " (rebuilt; approval reset to draft)"
                       if row.get("status") == "approved" else message + " (rebuilt)")

    def _rebuild(self, sel: Selection, row: StoredEdition) -> None:
        try:
            self.newsletter.build_list(sel.list_name, sel.day, as_of=row.get("as_of"))
        except NewsletterError as exc:
            self.flash("error", f"rebuild failed: {exc}")

    async def rebuild(self, request: Request) -> Response:
        _form, sel = await self._post(request)

        def run() -> None:
            with self.lock:
                row = self.store.edition(sel.day, sel.kind)
                if row is not None:
                    self._rebuild(sel, row)
                    self.flash("ok", f"rebuilt the edition of {sel.day}")

        await run_in_threadpool(run)
        return RedirectResponse(self.home(sel), status_code=303)

    async def approve(self, request: Request) -> Response:
        form, sel = await self._post(request)
        by = " ".join(str(form.get("by") or "").split())[:100] or _default_user()

        def run() -> None:
            with self.lock:
                try:
                    self.newsletter.approve(sel.day, by, kind=sel.kind)
                    self.flash("ok", f"approved the edition of {sel.day} as {by}")
                except NewsletterError as exc:
                    self.flash("error", f"approval failed: {exc}")

        await run_in_threadpool(run)
        return RedirectResponse(self.home(sel, "status"), status_code=303)

    async def send_test_form(self, request: Request) -> Response:
        form, sel = await self._post(request)
        address = str(form.get("address") or "").strip()
        if not address or "@" not in address or any(c in address for c in "\r\n<>,;"):
            self.flash("error", f"not a single email address: {address!r}")
            return RedirectResponse(self.home(sel, "sendtest"), status_code=303)

        def run() -> None:
            try:
                where = self.newsletter.send_test(address, sel.day, sel.list_name)
                self.flash("ok", f"test copy sent to {address} ({where})")
            except NewsletterError as exc:
                self.flash("error", f"test send failed: {exc}")

        await run_in_threadpool(run)
        return RedirectResponse(self.home(sel, "sendtest"), status_code=303)


def _no_store(resp: Response) -> None:
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "same-origin"


def _default_user() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "editor"


def _when(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _commodity_names() -> dict[str, str]:
    try:
        from ..summarize import COMMODITY_NAMES
    except ImportError:
        return {}
    return dict(COMMODITY_NAMES)


async def _bad_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BadRequest)
    return PlainTextResponse(str(exc), status_code=exc.status)


def make_preview_app(newsletter: Newsletter, *, bind_host: str = "127.0.0.1",
                     allowed_hosts: Iterable[str] | None = None,
                     access_token: str | None = None) -> Starlette:
    """Build the preview app for a newsletter.

    Args:
        newsletter: the :class:`~newsletter.core.Newsletter` to drive.
        bind_host: the address the server listens on; requests must name this host or a
            loopback name in their ``Host`` header (for a wildcard: this machine's names).
        allowed_hosts: more accepted ``Host`` names (added to those of ``bind_host``).
        access_token: required on every request when given (see :class:`AccessToken`);
            :func:`run_preview` makes one for any bind other than loopback.

    Returns:
        A Starlette application; ``app.state.preview`` is the :class:`PreviewApp`.
    """
    p = PreviewApp(newsletter, bind_host=bind_host)
    routes = [
        Route("/", p.index),
        Route("/_email", p.email_frame),
        Route("/_cid/{cid:path}", p.cid),
        Route("/_source", p.source),
        Route("/_reload", p.reload),
        Route("/edit", p.edit, methods=["POST"]),
        Route("/approve", p.approve, methods=["POST"]),
        Route("/send-test", p.send_test_form, methods=["POST"]),
        Route("/rebuild", p.rebuild, methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={BadRequest: _bad_request})
    app.router.redirect_slashes = False  # its Location would name the request's Host
    hosts = allowed_hosts_for(bind_host) | frozenset(
        _hostname(h) for h in (allowed_hosts or ()))
    if access_token is not None:
        app.add_middleware(AccessToken, token=access_token)
    app.add_middleware(HostGuard, allowed=hosts)
    app.state.preview = p
    return app


def run_preview(newsletter: Newsletter, host: str = "127.0.0.1", port: int = 8000,
                allow_hosts: Iterable[str] = ()) -> None:
    """Serve the preview app until interrupted (``newsletter preview``).

    Args:
        newsletter: the newsletter.
        host: the bind address; loopback unless the user passes ``--host``.
        port: the TCP port.
        allow_hosts: more ``Host`` names to answer (a DNS alias of this machine).
    """
    import uvicorn

    loopback = host in LOOPBACK_NAMES or host.startswith("127.")
    token = None if loopback else secrets.token_urlsafe(24)
    app = make_preview_app(newsletter, bind_host=host, allowed_hosts=allow_hosts,
                           access_token=token)
    shown = f"[{host}]" if ":" in host else host
    if host in WILDCARD_HOSTS:
        shown = socket.gethostname() or "127.0.0.1"
    query = f"?token={token}" if token else ""
    print(f"REE Daily preview: http://{shown}:{port}/{query}  (Ctrl-C to stop)", flush=True)
    if token:
        print(f"warning: listening on {host}, not only on this machine's loopback "
              "interface; open the link above (it carries the access token, which this "
              "browser then keeps in a cookie): without it every page answers 401. Anyone "
              "with the link can edit and approve the draft; the connection is not "
              "encrypted.", flush=True)
    if newsletter.store.latest_edition_date() is None:
        print("no draft yet: run `newsletter run --offline --no-send` or "
              "`newsletter build`", flush=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning",
                            access_log=False, lifespan="off")
    try:
        uvicorn.Server(config).run()  # shuts down cleanly on Ctrl-C, then re-raises it
    except KeyboardInterrupt:
        print("preview stopped", flush=True)
