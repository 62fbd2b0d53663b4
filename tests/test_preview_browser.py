"""The editors' preview in a real browser (Debian chromium driven by Playwright).

From a fresh project folder: ``newsletter run --offline --no-send``, then the preview app
under uvicorn on 127.0.0.1; the test switches to the mobile frame, drops a story, writes an
editor's note, sends a test and approves, then checks the built files and a freshly built
MIME message. Screenshots of the desktop, mobile and dark views go to tests/artifacts/.
"""

from __future__ import annotations

import html
import shutil
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from browser_setup import ARGS, ARTIFACTS, CHROMIUM
from test_preview import serve
from typer.testing import CliRunner

from newsletter.cli import app as cli_app
from newsletter.config import load_config
from newsletter.core import Newsletter
from newsletter.resources import packaged_templates
from newsletter.web.preview import make_preview_app

NOTE = "Editor's note from the browser test: back on Friday."

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and shutil.which("chromium") is None,
                       reason=f"Debian chromium is not installed ({CHROMIUM}); "
                              "apt-get install -y chromium"),
]


def _fresh_message_html(nl: Newsletter, day: Any) -> str:
    """The HTML part of a message built now, for a sample reader, the way `send` builds it."""
    from newsletter.deliver._message import MessageFactory, Recipient

    rendered = nl.rendered(day, "daily")
    raw = MessageFactory(rendered, config=nl.config, list_name="daily",
                         secret=nl.config.secret()).build(
        Recipient(id=1, email="check@example.com", name="Check", list_name="daily"))
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    part = msg.get_body(preferencelist=("html",))  # type: ignore[attr-defined]
    assert part is not None
    return str(part.get_content())


def _first_subscriber(project: Path) -> str:
    import csv

    with (project / "subscribers" / "daily.csv").open(newline="", encoding="utf-8") as fh:
        return str(next(csv.DictReader(fh))["name"])


def _frame_bg(page: Any) -> str:
    """The background colour of the email frame's body ("" while it is navigating)."""
    from playwright.sync_api import Error

    try:
        return str(page.frame_locator("#email-frame").locator("body").evaluate(
            "b => getComputedStyle(b).backgroundColor", timeout=5000))
    except Error:
        return ""


def test_editor_drops_a_story_adds_a_note_and_approves(project: Path) -> None:
    pw = pytest.importorskip("playwright.sync_api")
    result = CliRunner().invoke(cli_app, ["run", "--offline", "--no-send"])
    assert result.exit_code == 0, result.output
    nl = Newsletter(load_config(project / "newsletter.toml"))
    day = nl.store.latest_edition_date()
    assert day is not None
    row = nl.store.edition(day)
    assert row is not None
    sections = row["edition"]["sections"]
    candidates = [st for sec in sections for st in sec["stories"][1:]]
    assert candidates, "the offline edition should have a section with 2+ stories"
    victim = candidates[0]
    email_file = project / "var" / "issues" / day.isoformat() / "email.html"
    assert victim["title"] in html.unescape(email_file.read_text(encoding="utf-8"))

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with serve(make_preview_app(nl)) as base, pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base + "/")
            page.wait_for_selector("#email-frame")
            page.frame_locator("#email-frame").locator("body").wait_for()
            assert page.locator("#status").get_attribute("data-status") == "draft"
            # previewed as the list's first subscriber (from the list file before any send)
            first = _first_subscriber(project)
            page.frame_locator("#email-frame").get_by_text(f"Good morning, {first}").wait_for()
            assert "KB of 102.0 KB" in page.locator("#html-size").inner_text()
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / "preview-desktop.png"), full_page=True)
            page.locator("#frame-box").screenshot(path=str(ARTIFACTS / "email-desktop.png"))
            desktop_w = page.locator("#email-frame").bounding_box()["width"]
            assert desktop_w >= 600

            # mobile frame
            page.click("#v-mobile")
            page.wait_for_timeout(300)
            assert page.locator("#email-frame").bounding_box()["width"] == 375
            page.screenshot(path=str(ARTIFACTS / "preview-mobile.png"))
            page.locator("#frame-box").screenshot(path=str(ARTIFACTS / "email-mobile.png"))

            # simulated dark mode: the email's own dark palette
            light_bg = _frame_bg(page)
            page.click("#m-dark")
            page.wait_for_function(
                "() => document.getElementById('email-frame').src.includes('dark=1')")
            deadline = time.monotonic() + 10
            while (dark_bg := _frame_bg(page)) in (light_bg, "") and \
                    time.monotonic() < deadline:
                page.wait_for_timeout(100)  # the dark document is still loading
            assert dark_bg != light_bg and dark_bg == "rgb(11, 18, 32)", (light_bg, dark_bg)
            page.screenshot(path=str(ARTIFACTS / "preview-dark.png"))
            page.locator("#frame-box").screenshot(path=str(ARTIFACTS / "email-dark.png"))
            page.click("#m-light")

            # the other panels
            page.click('[data-tab="text"]')
            plain = " ".join(page.locator("#plain-text").inner_text().split())
            assert victim["title"] in plain
            page.click('[data-tab="links"]')
            assert page.locator("#links tr").count() > 5
            page.click('[data-tab="health"]')
            assert page.locator("#sources tr").count() > 1
            page.screenshot(path=str(ARTIFACTS / "preview-health.png"), full_page=True)
            page.click('[data-tab="email"]')

            # live reload: editing a template re-renders and reloads the page
            tpl = project / "templates" / "email" / "partials" / "_content.html.j2"
            tpl.parent.mkdir(parents=True)  # an override copied from the packaged file
            shutil.copy(packaged_templates() / "email" / "partials" / "_content.html.j2", tpl)
            tpl.write_text(tpl.read_text(encoding="utf-8").replace(
                '"Top highlights"', '"Top highlights, live"'), encoding="utf-8")
            page.frame_locator("#email-frame").get_by_text("Top highlights, live").wait_for(
                timeout=15000)

            # drop a story
            with page.expect_navigation():
                page.locator(f'[data-story="{victim["id"]}"] button[data-action="drop"]').click()
            assert "dropped" in page.locator(".flash").first.inner_text()
            assert page.locator(f'[data-story="{victim["id"]}"]').count() == 0
            assert page.locator(f'[data-dropped="{victim["id"]}"]').count() == 1
            # the view survives the post-redirect-get
            assert page.locator("#v-mobile").get_attribute("aria-pressed") == "true"

            # editor's note
            page.fill("#note-text", NOTE)
            with page.expect_navigation():
                page.click("#note-save")
            page.frame_locator("#email-frame").get_by_text("back on Friday").wait_for()

            # a test copy through the configured transport (the outbox here)
            page.fill("#test-address", "editor@example.com")
            with page.expect_navigation():
                page.click("#sendtest button[type=submit]")
            assert "test copy sent" in page.locator(".flash").first.inner_text()

            # approve
            page.fill("#by", "Test Editor")
            with page.expect_navigation():
                page.click("#approve-btn")
            assert page.locator("#status").get_attribute("data-status") == "approved"
            assert page.locator("#approved-by").inner_text() == "Test Editor"
            page.screenshot(path=str(ARTIFACTS / "preview-approved.png"))
        finally:
            browser.close()
    assert not errors, errors

    # the build on disk and a freshly built message reflect the edits
    row = nl.store.edition(day)
    assert row is not None
    assert row["status"] == "approved" and row["approved_by"] == "Test Editor"
    assert row["edits"]["dropped"] == [victim["id"]] and row["edits"]["note"] == NOTE
    built = html.unescape(email_file.read_text(encoding="utf-8"))
    assert victim["title"] not in built and "back on Friday" in built
    fresh = html.unescape(_fresh_message_html(nl, day))
    assert victim["title"] not in fresh and "back on Friday" in fresh
    outbox = project / "var" / "outbox"
    tests = [p for p in outbox.rglob("*.eml")]
    assert tests, "the test copy should be in the outbox"
    assert any("[TEST]" in str(BytesParser(policy=policy.default).parsebytes(
        p.read_bytes())["Subject"]) for p in tests)

    # edits survive a rebuild and a restart of the preview
    nl.close()
    nl2 = Newsletter(load_config(project / "newsletter.toml"))
    nl2.build(day, as_of=row["as_of"])
    edition = nl2.store.edition(day)["edition"]  # type: ignore[index]
    ids = [st["id"] for sec in edition["sections"] for st in sec["stories"]]
    assert victim["id"] not in ids and edition["editor_note"] == NOTE
    import httpx

    with serve(make_preview_app(nl2)) as base:
        page_html = httpx.get(base + "/").text
        assert f'data-dropped="{victim["id"]}"' in page_html
        assert victim["title"] in html.unescape(page_html)  # listed by title, to restore
        assert html.escape(NOTE, quote=False) in page_html or NOTE in html.unescape(page_html)
    nl2.close()
