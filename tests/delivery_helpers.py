"""Helpers for the delivery tests and benchmarks: a store, subscribers and a factory.

``make_factory`` uses the real :class:`newsletter.deliver.MessageFactory` on a small
hand-made :class:`~newsletter.render.RenderedEdition`; ``body_kb`` pads the HTML so bench
messages are edition-sized.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from newsletter.config import Config, DeliverySettings, SmtpSettings
from newsletter.store import Store, open_store

EDITION = date(2026, 11, 24)
T0 = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


class Clock:
    """A settable UTC clock for ``now_fn``."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_store(tmp: Path) -> Store:
    return open_store(f"sqlite:///{tmp / 'newsletter.db'}")


def addresses(n: int, domain: str = "example.com") -> list[str]:
    return [f"reader{i:05d}@{domain}" for i in range(n)]


def populate(store: Store, n: int, list_name: str = "daily",
             domain: str = "example.com") -> list[str]:
    from newsletter.store._subscribers import SubscriberInput

    emails = addresses(n, domain)
    rows = [SubscriberInput(email=e, key=e, name=f"Reader {i}") for i, e in enumerate(emails)]
    store.upsert_subscribers(list_name, rows, T0)
    return emails


def make_factory(list_name: str = "daily", *, body_kb: int = 2,
                 edition: date = EDITION) -> Any:
    """The real MessageFactory for a tiny edition (about ``body_kb`` KB of HTML)."""
    from newsletter.deliver import MessageFactory
    from newsletter.render import RenderedEdition

    para = "<p>Pr-Nd oxide held at CNY 401,000/t; Dy and Tb eased on thin trade.</p>\n"
    html = ("<!doctype html><html><body><p>%%GREETING%%,</p>\n"
            + para * max(1, body_kb * 1024 // len(para))
            + '<p><a href="%%UNSUB_URL%%">Unsubscribe</a></p></body></html>')
    text = "%%GREETING%%,\n\nPr-Nd oxide held at CNY 401,000/t.\n\nUnsubscribe: %%UNSUB_URL%%\n"
    rendered = RenderedEdition(
        date=edition.isoformat(), list_name=list_name, subject="REE Daily: Pr-Nd steady",
        preheader="Pr-Nd oxide steady; Dy and Tb ease; the day's rare-earth news.",
        html=html, text=text, chart_png=None, chart_alt="", chart_cid=None,
        view_url=f"https://ree-daily.example/archive/{edition}", size_bytes=len(html))
    return MessageFactory(rendered, config=Config(), list_name=list_name,
                          secret=b"test-secret")


def delivery_settings(**kw: Any) -> DeliverySettings:
    smtp_keys = {k: kw.pop(k) for k in ("host", "port", "security", "connections", "timeout")
                 if k in kw}
    base: dict[str, Any] = {"transport": "smtp", "max_errors": 3, "retry_base_seconds": 60,
                            "retry_max_seconds": 3600, "max_attempts": 5}
    base.update(kw)
    return DeliverySettings(**base, smtp=SmtpSettings(**{"timeout": 5.0, **smtp_keys}))
