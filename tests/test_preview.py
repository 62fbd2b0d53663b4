"""The editors' preview app (issue 8): edit rules, message parsing, HTTP behaviour.

The HTTP tests run the real app under uvicorn on 127.0.0.1 (no TestClient); the stored
edition is the sample ``tests/data/edition.json``, so these tests need the renderer and the
message factory but not the collector. The browser flow is in test_preview_browser.py.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.resources import packaged_templates
from newsletter.web import _preview_edits as ed
from newsletter.web._preview_mail import (
    GMAIL_CLIP_BYTES,
    extract_links,
    force_dark,
    frame_html,
    parse_message,
)
from newsletter.web.preview import allowed_hosts_for, make_preview_app, run_preview

DATA = Path(__file__).parent / "data"
DAY = date(2026, 11, 24)
AS_OF = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def _edition() -> dict[str, Any]:
    return json.loads((DATA / "edition.json").read_text(encoding="utf-8"))


# --- the edits rules -----------------------------------------------------------------------
def test_pin_drop_restore_keep_lists_consistent() -> None:
    edition = _edition()
    e, msg = ed.apply_action({}, edition, "pin", {"story": "s3"})
    assert e["pinned"] == ["s3"] and "pinned" in msg
    e, _ = ed.apply_action(e, edition, "pin", {"story": "s5"})
    assert e["pinned"] == ["s5", "s3"]           # the newest pin goes to the very top
    e, _ = ed.apply_action(e, edition, "drop", {"story": "s3"})
    assert e["dropped"] == ["s3"] and e["pinned"] == ["s5"]
    assert e["titles"]["s3"] == "Pr-Nd oxide slips as magnet makers draw down inventory"
    e, _ = ed.apply_action(e, edition, "restore", {"story": "s3"})
    assert e["dropped"] == []
    with pytest.raises(ed.EditError):
        ed.apply_action(e, edition, "drop", {"story": "nope"})
    with pytest.raises(ed.EditError):
        ed.apply_action(e, edition, "explode", {"story": "s1"})


def test_up_down_swap_within_a_section_and_write_the_full_order() -> None:
    edition = _edition()  # markets: s1 (pinned in the sample), s2, s3
    e, _ = ed.apply_action({}, edition, "down", {"story": "s2"})
    assert e["order"] == ["s1", "s3", "s2", "s4", "s5", "s6", "s7", "s8", "s9", "s10"]
    e2, _ = ed.apply_action({}, edition, "up", {"story": "s4"})  # first of its section
    assert e2["order"] == []
    e3, _ = ed.apply_action({"pinned": ["s1", "s2"]}, edition, "down", {"story": "s1"})
    assert e3["pinned"] == ["s2", "s1"]


def test_text_edits_note_and_prices() -> None:
    edition = _edition()
    e, _ = ed.apply_action({}, edition, "summary", {"story": "s2", "text": " New text.\r\n"})
    assert e["summaries"] == {"s2": "New text."}
    e, _ = ed.apply_action(e, edition, "summary", {"story": "s2", "text": "  "})
    assert e["summaries"] == {}
    key = ed.highlight_key(edition, 0)
    assert key == "s1"
    e, _ = ed.apply_action(e, edition, "highlight", {"key": key, "text": "Edited."})
    assert e["highlights"] == {"s1": "Edited."}
    e, _ = ed.apply_action(e, edition, "note", {"text": "Back on Friday."})
    assert e["note"] == "Back on Friday."
    e, _ = ed.apply_action(e, edition, "note", {"text": ""})
    assert e["note"] is None
    e, _ = ed.apply_action({"hidden_prices": ["gd_oxide"]}, edition, "prices",
                           {"known": ["prnd_oxide", "nd_metal", "gd_oxide"],
                            "show": ["prnd_oxide"]})
    assert e["hidden_prices"] == ["nd_metal", "gd_oxide"]
    with pytest.raises(ed.EditError):
        ed.apply_action({}, edition, "note", {"text": "x" * (ed.MAX_TEXT + 1)})


# --- taking a message apart ----------------------------------------------------------------
def _message(html: str, text: str = "plain", png: bytes = b"\x89PNG fake") -> bytes:
    msg = EmailMessage()
    msg["Subject"] = "REE Daily — test"
    msg["From"] = "REE Daily <daily@ree-daily.example>"
    msg["To"] = "reader@example.com"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    msg.get_payload()[1].add_related(png, maintype="image", subtype="png", cid="<chart@x>")
    return msg.as_bytes()


HTML = ("<!DOCTYPE html><html><head><style>@media (prefers-color-scheme: dark) "
        "{ .bg { background: #000 !important; } }</style></head><body class=bg>"
        "<img src=\"cid:chart@x\" alt=chart><a href=\"https://a.example/x\">A <b>link</b></a>"
        "<a href=\"http://b.example/\">insecure</a><a href=\"mailto:x@y.example\">mail</a>"
        "<a href=\"%%UNSUB_URL%%\">unsub</a></body></html>")


def test_parse_message_finds_parts_images_links_and_problems() -> None:
    view = parse_message(_message(HTML, "Hello %%NAME%%"))
    assert view.subject == "REE Daily — test"
    assert view.text.startswith("Hello")
    assert view.images == {"chart@x": ("image/png", b"\x89PNG fake")}
    assert view.html_size == len(view.html.encode()) and not view.clipped
    assert [(lk.text, lk.problem) for lk in view.links] == [
        ("A link", ""), ("insecure", "not https"), ("mail", ""),
        ("unsub", "unreplaced placeholder")]
    assert any("%%NAME%%" in w for w in view.warnings)
    assert ("To", "reader@example.com") in view.headers


def test_frame_html_rewrites_cids_and_forces_dark() -> None:
    view = parse_message(_message(HTML))
    light = frame_html(view, cid_url=lambda c: f"/_cid/{c}", dark=False)
    assert 'src="/_cid/chart@x"' in light and '<base target="_blank">' in light
    assert "prefers-color-scheme: dark" in light
    dark = force_dark(view.html)
    assert "prefers-color-scheme" not in dark and "(min-width: 0px)" in dark
    assert '<meta name="color-scheme" content="dark">' in dark


def test_big_html_is_clipped_and_image_links_are_named() -> None:
    view = parse_message(_message("<html><body>" + "x" * (GMAIL_CLIP_BYTES + 1) + "</body>"))
    assert view.clipped
    assert extract_links('<a href="https://x"><img alt="logo"></a>')[0].text == "[logo]"


# --- the app over real HTTP ----------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn in a thread on a free loopback port; yield its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _store_sample_edition(n: Newsletter) -> None:
    n.store.save_edition(DAY, _edition(), as_of=AS_OF, html_size=None, stories=[],
                         now=AS_OF)


def test_run_preview_binds_loopback_by_default() -> None:
    import inspect

    assert inspect.signature(run_preview).parameters["host"].default == "127.0.0.1"
    assert allowed_hosts_for("127.0.0.1") == frozenset({"127.0.0.1", "localhost", "::1",
                                                        "[::1]"})
    wildcard = allowed_hosts_for("0.0.0.0")  # never "any Host" (issue 12)
    assert {"127.0.0.1", "localhost"} <= wildcard and "evil.example" not in wildcard


def test_no_draft_page_says_what_to_run(nl: Newsletter) -> None:
    with serve(make_preview_app(nl)) as base:
        r = httpx.get(base + "/")
        assert r.status_code == 200
        assert "No draft yet" in r.text
        assert "newsletter run --offline --no-send" in r.text
        assert "newsletter build" in r.text
        assert httpx.get(base + "/_reload?since=0").json()["built"] is None


def test_foreign_host_and_cross_site_posts_are_refused(nl: Newsletter) -> None:
    _store_sample_edition(nl)
    app = make_preview_app(nl)
    token = app.state.preview.csrf
    form = {"csrf": token, "date": DAY.isoformat(), "action": "note", "text": "pwned"}
    with serve(app) as base:
        # DNS rebinding: a page on evil.example resolving to 127.0.0.1
        r = httpx.get(base + "/", headers={"Host": "evil.example"})
        assert r.status_code == 421
        r = httpx.post(base + "/edit", data={**form, "csrf": "guess"})
        assert r.status_code == 403 and "token" in r.text
        r = httpx.post(base + "/edit", data=form, headers={"Origin": "http://evil.example"})
        assert r.status_code == 403
        r = httpx.post(base + "/edit", data=form, headers={"Origin": "null"})
        assert r.status_code == 403
        r = httpx.post(base + "/edit", data=form, headers={"Sec-Fetch-Site": "cross-site"})
        assert r.status_code == 403
        r = httpx.post(base + "/approve", data={"csrf": "", "date": DAY.isoformat()})
        assert r.status_code == 403
    row = nl.store.edition(DAY)
    assert row is not None and row["edits"] == {} and row["status"] == "draft"


def test_page_frames_image_source_and_live_reload(nl: Newsletter, project: Path) -> None:
    _store_sample_edition(nl)
    for name, status, error in (("smm", "ok", None),
                                ("sunsirs", "error", "HTTP 503 Service Unavailable")):
        nl.store.save_source_state(name, f"https://{name}.example/", status=status,
                                   error=error, etag=None, last_modified=None,
                                   permanent_redirect=None, now=AS_OF)
    with serve(make_preview_app(nl)) as base:
        page = httpx.get(base + "/")
        assert page.status_code == 200, page.text
        assert 'id="render-error"' not in page.text
        assert 'id="html-size"' in page.text and "102.0 KB" in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        # the source-health panel names the failed source and why
        assert "1 source failed in the last collect" in page.text
        health = page.text.split('id="sources"', 1)[1].split("</table>", 1)[0]
        assert health.index("sunsirs") < health.index("smm")  # failures first
        assert "HTTP 503 Service Unavailable" in health and 'class="bad"' in health
        q = f"date={DAY}&list=daily&sub=sample"
        frame = httpx.get(f"{base}/_email?{q}").text
        assert "cid:" not in frame
        assert "/_cid/" in frame
        cid = frame.split("/_cid/", 1)[1].split("?", 1)[0]
        img = httpx.get(f"{base}/_cid/{cid}?{q}")
        assert img.status_code == 200 and img.content.startswith(b"\x89PNG")
        dark = httpx.get(f"{base}/_email?{q}&dark=1").text
        assert "prefers-color-scheme: dark" not in dark and "(min-width: 0px)" in dark
        raw = httpx.get(f"{base}/_source?{q}").text
        assert "Content-Type: multipart/" in raw and "List-Unsubscribe" in raw
        # live reload: touching a template is seen by the poll
        since = httpx.get(base + "/_reload?since=0").json()["mtime"]
        assert httpx.get(f"{base}/_reload?since={since}").json()["changed"] is False
        tpl = project / "templates" / "email" / "partials" / "_content.html.j2"
        tpl.parent.mkdir(parents=True)      # an override copied from the packaged file
        shutil.copy(packaged_templates() / "email" / "partials" / "_content.html.j2", tpl)
        text = tpl.read_text(encoding="utf-8")
        assert '"Top highlights"' in text
        tpl.write_text(text.replace('"Top highlights"', '"Top highlights, live"'), "utf-8")
        later = since + 5
        os.utime(tpl, (later, later))
        assert httpx.get(f"{base}/_reload?since={since}").json()["changed"] is True
        assert "Top highlights, live" in httpx.get(f"{base}/_email?{q}").text


# --- every editing action, against a real offline build ------------------------------------
@pytest.fixture
def built(project: Path) -> Iterator[Newsletter]:
    from typer.testing import CliRunner

    from newsletter.cli import app as cli_app

    result = CliRunner().invoke(cli_app, ["run", "--offline", "--no-send"])
    assert result.exit_code == 0, result.output
    n = Newsletter(load_config(project / "newsletter.toml"))
    yield n
    n.close()


def _sections(n: Newsletter, day: date) -> list[dict[str, Any]]:
    row = n.store.edition(day)
    assert row is not None
    return list(row["edition"]["sections"])


def test_each_edit_is_stored_rebuilt_and_shown(built: Newsletter) -> None:
    n = built
    day = n.store.latest_edition_date()
    assert day is not None
    app = make_preview_app(n)
    token = app.state.preview.csrf

    with serve(app) as base:
        def post(action: str, **fields: Any) -> None:
            data = {"csrf": token, "date": day.isoformat(), "list": "daily", "action": action,
                    **fields}
            r = httpx.post(base + "/edit", data=data, headers={"Origin": base})
            assert r.status_code == 303, r.text
            assert r.headers["location"].startswith("/?date=")  # a fixed local path
            page = httpx.get(base + r.headers["location"]).text
            assert 'class="flash error"' not in page, page.split('class="flash error"')[1][:200]

        sec = next(s for s in _sections(n, day) if len(s["stories"]) >= 2)
        first, second = sec["stories"][0]["id"], sec["stories"][1]["id"]
        # down: the first story of a section swaps with the second
        post("down", story=first)
        ids = [st["id"] for st in next(s for s in _sections(n, day)
                                        if s["id"] == sec["id"])["stories"]]
        assert ids[:2] == [second, first]
        post("up", story=first)
        ids = [st["id"] for st in next(s for s in _sections(n, day)
                                        if s["id"] == sec["id"])["stories"]]
        assert ids[:2] == [first, second]
        # pin: to the top of its section and first of the highlights
        last = next(s for s in _sections(n, day) if s["id"] == sec["id"])["stories"][-1]
        post("pin", story=last["id"])
        row = n.store.edition(day)
        assert row is not None
        top = next(s for s in row["edition"]["sections"] if s["id"] == sec["id"])["stories"][0]
        assert top["id"] == last["id"] and top["pinned"] is True
        assert row["edition"]["highlights"][0]["story_id"] == last["id"]
        # summary and highlight text
        post("summary", story=second, text="A summary written by the editor.")
        post("highlight", key=row["edition"]["highlights"][0]["story_id"],
             text="A highlight written by the editor.")
        # prices: hide the first row
        prices = row["edition"]["prices"]
        assert prices
        hidden = prices[0]["commodity"]
        post("prices", known=[p["commodity"] for p in prices],
             show=[p["commodity"] for p in prices[1:]])
        row = n.store.edition(day)
        assert row is not None
        assert hidden not in [p["commodity"] for p in row["edition"]["prices"]]
        assert row["edits"]["hidden_prices"] == [hidden]
        frame = httpx.get(f"{base}/_email?date={day}&list=daily&sub=sample").text
        assert "A summary written by the editor." in frame
        assert "A highlight written by the editor." in frame
        # and the plain-text part carries them too
        page = httpx.get(f"{base}/?date={day}").text
        assert "A summary written by the editor." in page.split('id="plain-text"', 1)[1]


def test_status_shows_sent_after_the_real_send(built: Newsletter) -> None:
    day = built.store.latest_edition_date()
    assert day is not None
    reports = built.send(day)
    assert reports and reports[0].sent > 0
    with serve(make_preview_app(built)) as base:
        page = httpx.get(f"{base}/?date={day}").text
        assert 'data-status="sent"' in page and "Sent to the <strong>daily</strong>" in page
        # previewed as a real subscriber of the list now that the send synced it
        first = built.store.active_recipients("daily")[0]
        assert f'<option value="{first.id}" selected>' in page


def test_approval_required_is_shown_and_the_approve_form_records_who(project: Path) -> None:
    toml = project / "newsletter.toml"
    toml.write_text(toml.read_text("utf-8").replace('approval = "auto"',
                                                    'approval = "required"'), "utf-8")
    n = Newsletter(load_config(toml))
    _store_sample_edition(n)
    app = make_preview_app(n)
    with serve(app) as base:
        page = httpx.get(base + "/").text
        assert 'data-status="draft"' in page and "Sending is blocked" in page
        r = httpx.post(base + "/approve", headers={"Origin": base},
                       data={"csrf": app.state.preview.csrf, "date": DAY.isoformat(),
                             "by": "  Ana \r\n Editor "})
        assert r.status_code == 303 and r.headers["location"].startswith("/?date=2026-11-24")
        page = httpx.get(base + r.headers["location"]).text
        assert 'data-status="approved"' in page and ">Ana Editor<" in page
    row = n.store.edition(DAY)
    assert row is not None and row["approved_by"] == "Ana Editor"
    assert row["approved_at"] is not None
    n.check_approved(DAY)
    n.close()
