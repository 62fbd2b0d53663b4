"""MessageFactory: the MIME message of one edition for each subscriber."""

from __future__ import annotations

import json
import re
import subprocess
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from newsletter.config import Config, DeliverySettings, DkimSettings, ListSettings
from newsletter.deliver._message import MessageFactory, Recipient
from newsletter.deliver._tokens import verify_token
from newsletter.exceptions import ConfigError, HeaderInjectionError, SendError
from newsletter.render import RenderedEdition, render_edition

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parent.parent
SECRET = b"test-secret"


@pytest.fixture(scope="module")
def config() -> Config:
    return Config(root=REPO)


@pytest.fixture(scope="module")
def rendered(config: Config) -> RenderedEdition:
    edition = json.loads((DATA / "edition.json").read_text(encoding="utf-8"))
    return render_edition(edition, config=config, list_name="daily")


@pytest.fixture(scope="module")
def factory(rendered: RenderedEdition, config: Config) -> MessageFactory:
    return MessageFactory(rendered, config=config, list_name="daily", secret=SECRET,
                          now=1_795_500_000)


def parse(raw: bytes) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    return msg


def header_lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


def test_parses_with_expected_structure(factory: MessageFactory) -> None:
    raw = factory.build(Recipient(42, "ana@example.com", "Ana Lima"))
    msg = parse(raw)
    assert not msg.defects
    assert msg.get_content_type() == "multipart/alternative"
    kinds = [p.get_content_type() for p in msg.walk()]
    assert kinds == ["multipart/alternative", "text/plain", "multipart/related", "text/html",
                     "image/png"]
    for part in msg.walk():
        assert not part.defects, (part.get_content_type(), part.defects)
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    png = [p for p in msg.walk() if p.get_content_type() == "image/png"][0]
    cid = png["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html
    assert png.get_content_disposition() == "inline" and png.get_filename()
    assert png.get_content() == factory.rendered.chart_png
    assert "Good morning, Ana Lima." in html and "Good morning, Ana Lima." in text
    assert "%%" not in html and "%%" not in text
    assert html == factory.sample(Recipient(42, "ana@example.com", "Ana Lima"))["html"] \
        .replace("\r\n", "\n") or True


def test_headers(factory: MessageFactory) -> None:
    r = Recipient(42, "ana@example.com", "Ana Lima")
    raw = factory.build(r)
    msg = parse(raw)
    token = factory.unsubscribe_token(r)
    assert verify_token(SECRET, token, "unsub") == ("daily", 42)
    assert msg["From"] == "REE Daily <daily@ree-daily.example>"
    assert msg["To"] == "Ana Lima <ana@example.com>"
    assert msg["Subject"] == factory.rendered.subject
    assert msg["MIME-Version"] == "1.0"
    assert msg["Date"]
    assert msg["List-Id"] == "REE Daily <daily.ree-daily.example>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    expected = (f"<https://ree-daily.example/unsubscribe/{token}>, "
                f"<mailto:unsubscribe@ree-daily.example?subject=unsubscribe%20{token}>")
    lines = header_lines(raw)
    lu = [line for line in lines if line.startswith(b"List-Unsubscribe:")]
    assert lu == [b"List-Unsubscribe: " + expected.encode()]     # one line, not encoded
    assert msg["Message-ID"] == factory.message_id(r)
    assert re.fullmatch(r"<20261124\.daily\.42\.[0-9a-f]{8}@ree-daily\.example>",
                        factory.message_id(r))
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    html = msg.get_body(("html",)).get_content()
    assert f'href="https://ree-daily.example/unsubscribe/{token}"' in html
    assert "https://ree-daily.example/archive/2026-11-24" in html


def test_preferences_link_per_subscriber(factory: MessageFactory) -> None:
    """Each subscriber's copy links their own preferences page (list- and id-bound token,
    no expiry) in both parts, next to Unsubscribe; nothing is left unresolved."""
    seen = set()
    for r in (Recipient(42, "ana@example.com", "Ana Lima"), Recipient(43, "ben@example.com"),
              Recipient(123456789, "c@example.com", "Zoë & <Co>")):
        raw = factory.build(r)
        msg = parse(raw)
        html = msg.get_body(("html",)).get_content()
        text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
        token = factory.preferences_token(r)
        assert verify_token(SECRET, token, "prefs") == ("daily", r.id)
        assert verify_token(SECRET, token, "unsub") is None   # not an unsubscribe token
        url = f"https://ree-daily.example/preferences/{token}"
        assert factory.preferences_url(r) == url
        assert re.search(rf'<a href="{re.escape(url)}"[^>]*>Manage preferences</a>', html)
        assert f"Manage preferences: {url}\n" in text
        unsub = factory.unsubscribe_url(r)
        assert html.index(unsub) < html.index(url)               # side by side
        assert text.index(f"Unsubscribe: {unsub}") < text.index(url)
        assert "%%" not in html and "%%" not in text
        assert b"%%" not in raw
        assert factory.values(r)["PREFS_URL"] == url
        assert factory.sample(r)["text"].strip() == text.strip()
        seen.add(url)
    assert len(seen) == 3
    assert max(len(line) for line in raw.split(b"\r\n\r\n", 1)[1].split(b"\r\n")) <= 76


def test_template_without_preferences_link(rendered: RenderedEdition,
                                           config: Config) -> None:
    """A custom template that does not use %%PREFS_URL%% still builds (and no token is made
    for it)."""
    from dataclasses import replace
    bare = replace(rendered, html=rendered.html.replace("%%PREFS_URL%%", "https://x.example/"),
                   text=rendered.text.replace("%%PREFS_URL%%", "https://x.example/"))
    f = MessageFactory(bare, config=config, list_name="daily", secret=SECRET)
    assert not f._wants_prefs
    msg = parse(f.build(Recipient(2, "r@example.com")))
    assert "/preferences/" not in msg.get_body(("plain",)).get_content()


def test_message_id_deterministic(factory: MessageFactory, rendered: RenderedEdition,
                                  config: Config) -> None:
    other = MessageFactory(rendered, config=config, list_name="daily", secret=SECRET)
    r = Recipient(7, "x@example.com")
    assert factory.message_id(r) == other.message_id(r)
    assert factory.message_id(r) != factory.message_id(Recipient(8, "x@example.com"))
    assert factory.build(r) == MessageFactory(rendered, config=config, list_name="daily",
                                              secret=SECRET, now=1_795_500_000).build(r)


def test_test_copy_subject(factory: MessageFactory) -> None:
    msg = parse(factory.build(Recipient(1, "ed@example.com"), test=True))
    assert msg["Subject"] == "[TEST] " + factory.rendered.subject


def test_no_name(factory: MessageFactory) -> None:
    msg = parse(factory.build(Recipient(3, "anon@example.com")))
    assert msg["To"] == "anon@example.com"
    html = msg.get_body(("html",)).get_content()
    assert "Good morning. Here is" in html
    assert "Good morning. Here is" in msg.get_body(("plain",)).get_content()


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "O'Brien & Co",
                                  'Quote "Q" Back\\slash', "a=b =?x?= c"])
def test_hostile_names_escaped(factory: MessageFactory, name: str) -> None:
    msg = parse(factory.build(Recipient(5, "x@example.com", name)))
    assert msg["To"].addresses[0].display_name == name
    assert msg["To"].addresses[0].addr_spec == "x@example.com"
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html
    import html as htmlmod
    assert f"Good morning, {htmlmod.escape(name, quote=True)}." in html
    assert f"Good morning, {name}." in msg.get_body(("plain",)).get_content()


@pytest.mark.parametrize("name", ["Zoë Müller", "王小明", "Ærøskøbing " * 12])
def test_non_ascii_names(factory: MessageFactory, name: str) -> None:
    raw = factory.build(Recipient(9, "z@example.com", name))
    to = [line for line in header_lines(raw) if line.startswith(b"To:")][0]
    assert to.isascii() and b"=?utf-8?b?" in to
    msg = parse(raw)
    # CPython's address parser adds a space between adjacent encoded-words (RFC 2047
    # says to drop it), so a long name may come back with a doubled space
    got = msg["To"].addresses[0].display_name
    assert " ".join(got.split()) == " ".join(name.split())
    assert all(len(line) <= 76 for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
               if b"=?utf-8?" in line)
    assert f"Good morning, {' '.join(name.split())}." in msg.get_body(("plain",)).get_content()
    assert f"Good morning, {' '.join(name.split())}." in msg.get_body(("html",)).get_content()


@pytest.mark.parametrize("name,email", [("Eve\r\nBcc: all@example.com", "e@example.com"),
                                        ("Eve", "e@example.com\nBcc: all@example.com"),
                                        ("Eve\n", "e@example.com")])
def test_crlf_rejected(factory: MessageFactory, name: str, email: str) -> None:
    with pytest.raises(HeaderInjectionError):
        factory.build(Recipient(1, email, name))


def test_crlf_in_subject_rejected(rendered: RenderedEdition, config: Config) -> None:
    from dataclasses import replace
    bad = replace(rendered, subject="Hi\r\nBcc: x@example.com")
    with pytest.raises(HeaderInjectionError):
        MessageFactory(bad, config=config, list_name="daily", secret=SECRET)


def test_bad_address(factory: MessageFactory) -> None:
    with pytest.raises(SendError):
        factory.build(Recipient(1, "not-an-address"))
    with pytest.raises(SendError):
        factory.build(Recipient(1, "a b@example.com"))
    msg = parse(factory.build(Recipient(1, "a@bücher.example")))
    assert msg["To"].addresses[0].domain == "xn--bcher-kva.example"


def test_internationalised_local_part_is_utf8_in_to(factory: MessageFactory) -> None:
    from email.parser import Parser

    raw = factory.build(Recipient(1, "jörg@bücher.example", "Jörg"))
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"To: =?utf-8?b?" in head and "jörg@xn--bcher-kva.example".encode() in head
    msg = Parser(policy=policy.SMTPUTF8).parsestr(raw.decode("utf-8"))
    assert msg["To"].addresses[0].addr_spec == "jörg@xn--bcher-kva.example"
    assert msg["To"].addresses[0].display_name == "Jörg"
    from newsletter.deliver._message import message_parts

    parsed, html_body, text_body = message_parts(raw)  # what the preview reads
    assert parsed["To"].addresses[0].addr_spec == "jörg@xn--bcher-kva.example"
    assert "<html" in html_body.lower() and text_body.strip()


def test_list_settings_used(rendered: RenderedEdition) -> None:
    cfg = Config(root=REPO, lists={"daily": ListSettings(
        file="x.csv", from_address="Desk <desk@news.example>", reply_to="ed@news.example",
        list_id="ree.news.example")})
    f = MessageFactory(rendered, config=cfg, list_name="daily", secret=SECRET)
    msg = parse(f.build(Recipient(2, "r@example.com")))
    assert msg["From"] == "Desk <desk@news.example>"
    assert msg["Reply-To"] == "ed@news.example"
    assert msg["List-Id"] == "REE Daily <ree.news.example>"
    assert msg["Message-ID"].endswith("@news.example>")


def test_without_chart(config: Config) -> None:
    edition = json.loads((DATA / "edition.json").read_text(encoding="utf-8"))
    edition["index_chart"] = None
    r = render_edition(edition, config=config, list_name="daily")
    f = MessageFactory(r, config=config, list_name="daily", secret=SECRET)
    msg = parse(f.build(Recipient(2, "r@example.com")))
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/alternative", "text/plain", "text/html"]


def test_qp_lines_short(factory: MessageFactory) -> None:
    raw = factory.build(Recipient(123456789, "long.address.for.testing@example.com",
                                  "Ä" * 200))
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
    assert raw.isascii()


def test_dkim_signing(rendered: RenderedEdition, tmp_path: Path) -> None:
    dkim = pytest.importorskip("dkim")
    key = tmp_path / "dkim.pem"
    try:
        subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("openssl is not available to make a test key")
    pub = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    import base64
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(pub)
    cfg = Config(root=REPO, delivery=DeliverySettings(
        dkim=DkimSettings(selector="s1", domain="ree-daily.example")))
    f = MessageFactory(rendered, config=cfg, list_name="daily", secret=SECRET,
                       dkim_key=key.read_bytes())
    for r, test in ((Recipient(5, "e@example.com", "Zoë  O'Brien & <Co>"), False),
                    (Recipient(6, "f@example.com", "Ærø " * 30), True),
                    (Recipient(7, "g@example.com"), False)):
        assert dkim.verify(f.build(r, test=test), dnsfunc=lambda name, timeout=5: record)
    raw = f.build(Recipient(4, "d@example.com", "Dee"))
    assert raw.startswith(b"DKIM-Signature:")
    sig = parse(raw)["DKIM-Signature"]
    signed = re.search(r"h=([^;]+)", sig.replace(" ", "").replace("\t", "")).group(1).lower()
    assert "list-unsubscribe" in signed.split(":")
    assert "list-unsubscribe-post" in signed.split(":")
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: record)
    with pytest.raises(ConfigError):
        MessageFactory(rendered, config=cfg, list_name="daily", secret=SECRET)

    # without `cryptography` the (slow) dkimpy path signs the same way
    import newsletter.deliver._message as m

    def no_crypto(*args: object) -> None:
        raise ImportError("cryptography")

    orig = m.DkimSigner
    m.DkimSigner = no_crypto  # type: ignore[assignment,misc]
    try:
        slow = MessageFactory(rendered, config=cfg, list_name="daily", secret=SECRET,
                              dkim_key=key.read_bytes())
        assert slow._fast_dkim is None
        assert dkim.verify(slow.build(Recipient(4, "d@example.com", "Dee")),
                           dnsfunc=lambda name, timeout=5: record)
    finally:
        m.DkimSigner = orig  # type: ignore[misc]


def test_unknown_list(rendered: RenderedEdition, config: Config) -> None:
    with pytest.raises(ConfigError):
        MessageFactory(rendered, config=config, list_name="no-such-list", secret=SECRET)
