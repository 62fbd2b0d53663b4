"""Fuzz: random and malformed requests at every public endpoint; counts 5xx answers (target 0).

    python bench/fuzz_web.py [--count 3000] [--seed 7] [--raw 300] [--hypothesis 3000]

A seeded generator (reproducible: same seed, same requests) mixes methods (GET, POST, HEAD,
PUT, DELETE, OPTIONS, PATCH), paths (every route; tokens valid, tampered, truncated, signed
with another key or purpose, oversized, percent-encoded junk, NUL and non-UTF-8 bytes,
valid signatures over hostile payloads), bodies (empty, random bytes, urlencoded and
multipart, broken multipart, oversized, the one-click body), content types and cookies.
They go through Starlette's TestClient (``raise_server_exceptions=False``, so a crash is a
500 and counted). ``--raw N`` then sends N malformed raw HTTP/1.1 requests over a socket to
a real ``newsletter serve`` process and counts 5xx status lines.

``--hypothesis N`` then sends N Hypothesis-generated requests (bench/_fuzz_hypothesis.py:
every route of the public app AND of the preview app, generated paths, path parameters,
query strings, forms, bodies and headers) to each app. The test suite runs a short version
of both (tests/test_web_fuzz.py).

Prints the status-code histogram, the 5xx count (a 503 from ``/healthz``, its designed
answer when a send is overdue, is not counted) and the first few 5xx requests.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _web_common import ROOT, SECRET, free_port, make_project, serve_process  # noqa: E402

METHODS = ["GET", "GET", "GET", "POST", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS",
           "PATCH"]
CONTENT_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data",
                 "multipart/form-data; boundary=xyz", "multipart/form-data; boundary=",
                 "application/json", "text/plain", "", "application/x-www-form-urlencoded; "
                 "charset=utf-16", "multipart/form-data; boundary=" + "b" * 300, "\u00ff/\u00fe"]


def _junk(rng: random.Random, n: int) -> str:
    alphabet = ("abcXYZ019-_.~%/?#&=+;:@!$'()*,[]{}<>\"\\ \t" + "\u00e9\u4e2d\u202e\ufeff"
                + "\U0001f600")
    return "".join(rng.choice(alphabet) for _ in range(n))


def tokens(rng: random.Random, sub_ids: list[int]) -> Iterator[str]:
    """An endless stream of token-shaped (and not) strings."""
    from newsletter.deliver._tokens import make_token

    key = SECRET.encode()
    while True:
        kind = rng.randrange(15)
        sid = rng.choice(sub_ids) if sub_ids else 1
        if kind == 14:  # the preferences page's own tokens, valid and hostile
            yield make_token(key, "prefs", rng.choice(["daily", "x"]),
                             rng.choice([sid, -1, 2**70, "7"]))
        elif kind == 0:
            yield make_token(key, "unsub", "daily", sid)
        elif kind == 1:
            t = make_token(key, "unsub", "daily", sid)
            i = rng.randrange(len(t))
            yield t[:i] + rng.choice("A.-_x") + t[i + 1:]
        elif kind == 2:
            yield make_token(b"wrong", rng.choice(["unsub", "confirm"]), "daily", sid)
        elif kind == 3:
            subject = rng.choice(['["a@example.com", "A"]', '["", ""]', '[1, 2]', '"x"',
                                  '["a@b.co", "A", "extra"]', "not json", '["a\\r\\n@x.y", ""]',
                                  json.dumps(["x" * 400 + "@example.com", "n" * 500])])
            yield make_token(key, "confirm", rng.choice(["daily", "nope", ""]), subject,
                             ttl=rng.choice([3600, -10]))
        elif kind == 4:
            yield make_token(key, "unsub", rng.choice(["daily", "x"]),
                             rng.choice([0, -1, 2**70, 10**12, "7", "", True]))
        elif kind == 5:
            yield make_token(key, "confirm", "daily", '["a@example.com", "A"]')[:rng.randrange(40)]
        elif kind == 6:
            yield "A" * rng.choice([100, 3000, 9000])
        elif kind == 7:
            yield "%00%ff%fe" + _junk(rng, 20)
        elif kind == 8:
            yield ".".join(_junk(rng, rng.randrange(1, 30)) for _ in range(rng.randrange(4)))
        elif kind == 9:
            yield "..%2F..%2Fetc%2Fpasswd"
        elif kind == 10:
            import base64

            body = base64.urlsafe_b64encode(bytes(rng.randrange(256) for _ in range(40)))
            yield body.decode().rstrip("=") + "." + "A" * 24
        else:
            yield _junk(rng, rng.randrange(0, 60))


def _path(rng: random.Random, tok: Iterator[str]) -> str:
    from urllib.parse import quote

    choice = rng.randrange(13)
    t = quote(next(tok), safe="")
    if choice == 12:
        return f"/preferences/{t}" + rng.choice(["", "/", "?x=1"])
    if choice <= 2:
        return f"/unsubscribe/{t}"
    if choice <= 4:
        return f"/confirm/{t}"
    if choice == 5:
        return "/subscribe" + rng.choice(["", "?list=daily", "?" + quote(_junk(rng, 30))])
    if choice == 6:
        return "/archive/" + rng.choice(["", "2026-10-05", "2026-02-30", "9999-99-99",
                                         quote(_junk(rng, 12), safe="")])
    if choice == 7:
        return rng.choice(["/healthz", "/", "/archive", "/healthz?x=1"])
    if choice == 8:
        return "/" + quote(_junk(rng, rng.randrange(1, 80)), safe="/")
    if choice == 9:
        return f"/unsubscribe/{t}/extra"
    if choice == 10:
        return "/%ff%fe/%00"
    return "/unsubscribe/" + "x" * rng.choice([1, 2000, 7000])


def _body(rng: random.Random, csrf: str | None) -> tuple[bytes | None, str]:
    from urllib.parse import urlencode

    kind = rng.randrange(10)
    ctype = rng.choice(CONTENT_TYPES)
    if kind == 0:
        return None, ctype
    if kind == 1:
        return b"List-Unsubscribe=One-Click", "application/x-www-form-urlencoded"
    if kind == 2:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))), ctype
    if kind == 3:
        fields = {"email": rng.choice(["a@example.com", _junk(rng, 30), "x" * 400,
                                       "b@exa\r\nmple.com", "\u00e9@\u00e9.fr"]),
                  "name": rng.choice(["", _junk(rng, 50), "n" * 300, "a\r\nBcc: x@y.z"]),
                  "list": rng.choice(["daily", "", "nope", _junk(rng, 10)]),
                  "csrf_token": rng.choice([csrf or "", "1.2", _junk(rng, 20)]),
                  "website": rng.choice(["", "", "http://spam"])}
        return urlencode(fields).encode(), "application/x-www-form-urlencoded"
    if kind == 4:
        b = "xyz"
        parts = "".join(f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                        for k, v in (("email", "m@example.com"), ("list", "daily")))
        if rng.random() < 0.5:
            parts += f"--{b}--\r\n"
        else:
            parts += f'--{b}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n'
        return parts.encode(), f"multipart/form-data; boundary={b}"
    if kind == 5:
        return b"a=" + b"%" * rng.randrange(1, 50) + b"&" * 30, ctype
    if kind == 6:
        return b"x" * rng.choice([17_000, 70_000]), ctype
    if kind == 7:
        return "&".join(f"k{i}=v" for i in range(rng.randrange(10, 400))).encode(), \
            "application/x-www-form-urlencoded"
    if kind == 8:
        return json.dumps({"email": "a@example.com"}).encode(), "application/json"
    return _junk(rng, 200).encode("utf-8", "surrogatepass"), ctype


def requests(seed: int, count: int, sub_ids: list[int],
             csrf: str | None = None) -> Iterator[dict[str, Any]]:
    """``count`` request descriptions (method, url, headers, content), reproducible."""
    rng = random.Random(seed)
    tok = tokens(rng, sub_ids)
    for _ in range(count):
        body, ctype = _body(rng, csrf)
        headers: dict[str, str] = {}
        if ctype and body is not None:
            headers["content-type"] = ctype
        r = rng.random()
        if r < 0.3:
            headers["cookie"] = rng.choice([f"ree_csrf={_junk(rng, 30)}", "ree_csrf=",
                                            "ree_csrf=" + "a" * 5000, "a=b; ree_csrf=xyz"])
        if rng.random() < 0.1:
            headers["x-forwarded-for"] = _junk(rng, 20)
        if rng.random() < 0.1:
            headers["accept"] = _junk(rng, 40)
        yield {"method": rng.choice(METHODS), "url": _path(rng, tok), "headers": headers,
               "content": body}


def fuzz_app(app: Any, seed: int, count: int, sub_ids: list[int]) -> tuple[Counter[int],
                                                                           list[str]]:
    """Fire the generated requests at ``app`` through TestClient; returns the histogram
    of status codes and a description of each 5xx."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    codes: Counter[int] = Counter()
    bad: list[str] = []
    with TestClient(app, raise_server_exceptions=False, base_url="https://testserver") as c:
        r = c.get("/subscribe")
        import re

        m = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
        csrf = m.group(1) if m else None
        for req in requests(seed, count, sub_ids, csrf):
            try:
                # header values as raw UTF-8 bytes: httpx would refuse non-ASCII str
                hdrs = {k: v.encode("utf-8") for k, v in req["headers"].items()}
                resp = c.request(req["method"], req["url"], headers=hdrs,
                                 content=req["content"])
                status = resp.status_code
            except Exception as exc:  # a crash the client saw: count it as a 5xx
                status = 599
                req["exception"] = f"{type(exc).__name__}: {exc}"
            codes[status] += 1
            if status == 503 and req["url"].startswith("/healthz"):
                continue  # the health check's designed answer when a send is overdue
            if status >= 500:
                bad.append(f"{status} {req['method']} {req['url'][:120]} "
                           f"{req['headers'].get('content-type', '')!r} "
                           f"{(req['content'] or b'')[:80]!r} {req.get('exception', '')}")
    return codes, bad


RAW = [
    b"GET / HTTP/1.1\r\n\r\n",
    b"GET /archive/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n",
    b"POST /subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 999999\r\n\r\nabc",
    b"POST /unsubscribe/abc HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"zz\r\nxx\r\n0\r\n\r\n",
    b"GET /\x00\xff HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GARBAGE\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-A: " + b"a" * 20000 + b"\r\n\r\n",
    b"POST /subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n"
    b"Content-Length: 20\r\n\r\n",
    b"GET /archive/%ZZ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"POST /confirm/x.y HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"ffffffff\r\n",
]


def fuzz_raw(port: int, n: int, seed: int) -> tuple[Counter[str], list[str]]:
    """Send ``n`` malformed raw requests; histogram of status lines (or 'closed')."""
    rng = random.Random(seed)
    codes: Counter[str] = Counter()
    bad = []
    for i in range(n):
        data = RAW[i % len(RAW)]
        if i >= len(RAW):
            data = bytearray(data)
            for _ in range(rng.randrange(1, 6)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            data = bytes(data)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                reply = s.recv(64)
        except OSError:
            reply = b""
        status = reply.split(b" ", 2)[1].decode("latin-1") if reply.startswith(b"HTTP/") \
            else "closed"
        codes[status] += 1
        if status.startswith("5"):
            bad.append(f"{status} {data[:100]!r}")
    return codes, bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--raw", type=int, default=300, help="raw malformed requests to a real "
                                                         "serve process (0 = skip)")
    ap.add_argument("--hypothesis", type=int, default=3000,
                    help="Hypothesis-generated requests per app, public and preview (0 = skip)")
    args = ap.parse_args(argv)
    import logging

    logging.getLogger("newsletter").setLevel(logging.CRITICAL)
    from newsletter.web.public import make_app

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        nl = make_project(Path(tmp), subscribers=50, editions=5, port=port)
        ids = [s.id for s in nl.store.subscribers("daily")]
        codes, bad = fuzz_app(make_app(nl), args.seed, args.count, ids)
        print(f"TestClient: {args.count} requests, seed {args.seed}")
        print("  status codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(codes.items())))
        n5 = len(bad)
        print(f"  5xx: {n5}")
        for b in bad[:10]:
            print("   ", b)
        raw5 = 0
        if args.raw:
            cmd = [sys.executable, "-m", "newsletter.cli", "serve", "--config",
                   str(Path(tmp) / "newsletter.toml")]
            with serve_process(cmd, port, env={"PYTHONPATH": str(ROOT)}, cwd=Path(tmp)):
                rcodes, rbad = fuzz_raw(port, args.raw, args.seed)
            raw5 = len(rbad)
            print(f"raw HTTP to a serve process: {args.raw} requests")
            print("  answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(rcodes.items())))
            print(f"  5xx: {raw5}")
            for b in rbad[:10]:
                print("   ", b)
        hyp5 = _hypothesis_runs(nl, args.hypothesis, args.seed) if args.hypothesis else 0
        nl.close()
        print(f"total 5xx: {n5 + raw5 + hyp5}")
        return 0 if n5 + raw5 + hyp5 == 0 else 1


def _hypothesis_runs(nl: Any, n: int, seed: int) -> int:
    """The Hypothesis fuzz of the public and the preview app; returns the 5xx count."""
    import time
    from datetime import UTC, datetime

    import _fuzz_hypothesis as hyp

    from newsletter.deliver._tokens import make_token
    from newsletter.web.preview import make_preview_app
    from newsletter.web.public import make_app

    key = nl.config.secret()
    sid = nl.store.subscribers("daily")[0].id
    tokens = [make_token(key, p, "daily", sid) for p in ("unsub", "prefs")]
    tokens.append(make_token(key, "confirm", "daily", '["hy@example.com", ""]', ttl=3600))
    day = datetime(2026, 11, 24, 6, tzinfo=UTC)
    edition = json.loads((ROOT / "tests" / "data" / "edition.json").read_text())
    nl.store.save_edition(day.date(), edition, as_of=day, html_size=None, stories=[], now=day)
    preview = make_preview_app(nl)
    total = 0
    for name, app, routes, extra, base in (
            ("public", make_app(nl), hyp.PUBLIC_ROUTES, tokens, "https://testserver"),
            ("preview", preview, hyp.PREVIEW_ROUTES,
             [preview.state.preview.csrf, "2026-11-24", "s1", "s3", "chart"],
             "http://127.0.0.1")):
        t0 = time.perf_counter()
        codes, bad = hyp.fuzz(app, routes=routes, examples=n, seed=seed, extra_values=extra,
                              base_url=base)
        took = time.perf_counter() - t0
        print(f"hypothesis, {name} app: {sum(codes.values())} requests in {took:.1f} s "
              f"({sum(codes.values()) / took:.0f}/s), seed {seed}")
        print("  status codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(codes.items())))
        print(f"  5xx: {len(bad)}")
        for b in bad[:10]:
            print("   ", b)
        total += len(bad)
    return total


if __name__ == "__main__":
    raise SystemExit(main())
