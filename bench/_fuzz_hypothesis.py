"""Hypothesis-generated requests for both web apps (issue 12): every route, with generated
paths, path parameters, query strings, forms, bodies and headers. Shared by
bench/fuzz_web.py (a long run) and tests/test_web_fuzz.py (a short one).

:func:`fuzz` sends each generated request through Starlette's TestClient
(``raise_server_exceptions=False``: a crash is a 500) and returns the status histogram and
a description of every answer >= 500 (``/healthz``'s designed 503 aside).
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hseed
from hypothesis import strategies as st

PUBLIC_ROUTES = ["/", "/unsubscribe/{token}", "/subscribe", "/confirm/{token}",
                 "/preferences/{token}", "/archive", "/archive/", "/archive/{day}",
                 "/healthz"]
PREVIEW_ROUTES = ["/", "/_email", "/_cid/{cid}", "/_source", "/_reload", "/edit", "/approve",
                  "/send-test", "/rebuild"]
PARAMS = ["date", "list", "sub", "since", "dark", "done", "token", "story", "action", "text",
          "key", "show", "known", "address", "by", "csrf", "csrf_token", "email", "name",
          "website", "List-Unsubscribe"]
DATES = ["2026-11-24", "2026-10-01", "2026-02-30", "1900-01-01", "2026-11-24T00:00"]
METHODS = ["GET", "GET", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]
CTYPES = ["application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz",
          "multipart/form-data", "text/plain", "application/json", "",
          "application/x-www-form-urlencoded; charset=utf-16", "\u00ff/\u00fe"]

# Values that broke (or could break) a handler: non-ASCII digits, ids past 2**63, dates out
# of range, NUL and surrogate-ish text, very long strings.
_NASTY = st.sampled_from([
    "\u00b2", "\u0663", "99999999999999999999", "-1", "0", "1e309", "nan", "inf",
    "2026-02-30", "9999-12-31", "0001-01-01", "2026-11-24", "sample", "c0", "c99999",
    "daily", "weekly", "", " ", "\x00", "%00", "..%2F", "\u202e", "\U0001f600",
    "a" * 3000, "1" * 40, "true", "[]", "{}", "note", "pin", "drop", "summary", "prices",
    "highlight", "approve", "x@example.com", "a\r\nBcc: x@y.z",
])
_TEXT = st.one_of(_NASTY, st.text(max_size=40), st.integers().map(str))


def _path_value() -> st.SearchStrategy[str]:
    return st.one_of(_TEXT, st.binary(max_size=30).map(lambda b: b.hex()),
                     st.text(alphabet="ABCabc012_-.", max_size=80))


@st.composite
def request_strategy(draw: Callable[..., Any], routes: list[str],
                     extra_values: list[str]) -> dict[str, Any]:
    """One request description: method, url, headers, content."""
    values = st.one_of(_TEXT, st.sampled_from(extra_values)) if extra_values else _TEXT
    if draw(st.integers(0, 9)) == 0:
        path = "/" + quote(draw(st.text(max_size=60)), safe="/%")
    else:
        route = draw(st.sampled_from(routes))
        path = route
        for name in ("token", "cid", "day"):
            if "{" + name + "}" in path:
                raw = draw(st.one_of(values, _path_value()))
                path = path.replace("{" + name + "}", quote(raw, safe=""))
        path += draw(st.sampled_from(["", "", "", "/", "/extra", "//"]))
    # half the time a plausible selection (a real date and list) with one hostile value,
    # so the handlers behind the validation are reached too
    plausible = st.builds(
        lambda d, lst, sub, more: [("date", d), ("list", lst), ("sub", sub), *more],
        st.one_of(st.sampled_from(DATES), values), st.sampled_from(["daily", "daily", "x"]),
        values, st.lists(st.tuples(st.sampled_from(PARAMS), values), max_size=2))
    query = draw(st.one_of(
        plausible,
        st.lists(st.tuples(st.one_of(st.sampled_from(PARAMS), st.text(max_size=8)), values),
                 max_size=5)))
    url = path + ("?" + urlencode(query) if query else "")
    method = draw(st.sampled_from(METHODS))
    headers: dict[str, str] = {}
    body: bytes | None = None
    kind = draw(st.integers(0, 4))
    if kind in (1, 2):
        form = draw(st.lists(st.tuples(st.sampled_from(PARAMS), values), max_size=8))
        if kind == 2:  # a form that passes the checks (when the extras hold the tokens)
            form = [("date", draw(st.sampled_from(DATES))), ("list", "daily"),
                    *[(k, v) for v in (extra_values or [])[:3] for k in ("csrf",
                                                                        "csrf_token")],
                    *form]
        body = urlencode(form).encode()
        headers["content-type"] = "application/x-www-form-urlencoded"
    elif kind == 3:
        body = draw(st.binary(max_size=300))
        headers["content-type"] = draw(st.sampled_from(CTYPES))
    if draw(st.booleans()):
        headers["cookie"] = draw(st.sampled_from([
            "ree_csrf=", "__Host-ree_csrf=" + "a" * 30, "ree_preview_access=x",
            "a=b; ree_csrf=" + "A" * 5000, "\u00e9=\u00e9"]))
    if draw(st.integers(0, 3)) == 0:
        headers["origin"] = draw(st.sampled_from(["null", "http://evil.example",
                                                  "http://testserver", "\u00e9://x"]))
    if draw(st.integers(0, 3)) == 0:
        headers["referer"] = draw(st.one_of(st.text(max_size=30),
                                            st.just("http://testserver/")))
    if draw(st.integers(0, 4)) == 0:
        headers["x-forwarded-for"] = draw(st.text(max_size=30))
    if draw(st.integers(0, 4)) == 0:
        headers["sec-fetch-site"] = draw(st.sampled_from(["cross-site", "same-origin", "x"]))
    if draw(st.integers(0, 5)) == 0:
        headers["accept-language"] = draw(st.text(max_size=30))
    return {"method": method, "url": url, "headers": headers, "content": body}


def fuzz(app: Any, *, routes: list[str], examples: int, seed: int = 0,
         extra_values: list[str] | None = None,
         base_url: str = "https://testserver") -> tuple[Counter[int], list[str]]:
    """Send ``examples`` generated requests to ``app``; (status histogram, 5xx list)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    codes: Counter[int] = Counter()
    bad: list[str] = []
    with TestClient(app, raise_server_exceptions=False, base_url=base_url) as client:

        @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
                  suppress_health_check=list(HealthCheck), print_blob=False)
        @given(request_strategy(routes, extra_values or []))
        def one(req: dict[str, Any]) -> None:
            try:
                hdrs = {k: v.encode("utf-8") for k, v in req["headers"].items()}
                status = client.request(req["method"], req["url"], headers=hdrs,
                                        content=req["content"]).status_code
            except Exception as exc:  # the client saw a crash: count it as a 5xx
                status = 599
                req["exception"] = f"{type(exc).__name__}: {exc}"
            codes[status] += 1
            if status == 503 and req["url"].startswith("/healthz"):
                return  # the health check's designed answer when a send is overdue
            if status >= 500:
                bad.append(f"{status} {req['method']} {req['url'][:160]} "
                           f"{req['headers']!r:.200} {(req['content'] or b'')[:80]!r} "
                           f"{req.get('exception', '')}")

        hseed(seed)(one)()
    return codes, bad
