"""The database schema (SQLAlchemy Core): one ``MetaData``, what the code reads and writes.

Every change to it is also an Alembic revision in ``migrations/versions/`` (see
docs/internals.md, "Changing the schema"); a test checks that the head revision builds
exactly this schema.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Fetch state and health of each configured source (conditional GET, last outcome).
sources = Table(
    "sources", metadata,
    Column("name", String(100), primary_key=True),
    Column("url", Text, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_fetch_at", DateTime(timezone=True)),
    Column("last_status", String(20)),
    Column("last_error", Text),
    Column("last_ok_at", DateTime(timezone=True)),
    Column("consecutive_errors", Integer, nullable=False, default=0),
    Column("permanent_redirect", Text),
)

# robots.txt per origin, kept across runs (RFC 9309: used for at most 24 hours, then
# revalidated). ``body`` NULL: the origin answered 4xx, so everything is allowed.
robots = Table(
    "robots", metadata,
    Column("origin", String(300), primary_key=True),
    Column("body", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
)

# Collected items. ``key`` is the identity (guid, else canonical URL) per source.
items = Table(
    "items", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("key", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("guid", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("published", DateTime(timezone=True)),
    Column("text", Text, nullable=False, default=""),
    Column("summary", Text, nullable=False, default=""),
    Column("html", Text, nullable=False, default=""),
    Column("highlights", Text, nullable=False, default="[]"),
    Column("content_hash", String(40), nullable=False),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
    UniqueConstraint("source", "key", name="uq_items_source_key"),
)
Index("ix_items_first_seen", items.c.first_seen)
Index("ix_items_published", items.c.published)

# Price and index observations; the same observation from two sources is stored once.
prices = Table(
    "prices", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("commodity", String(40), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("low", Float, nullable=False),
    Column("high", Float, nullable=False),
    Column("unit", String(10), nullable=False),
    Column("change", Float),
    Column("change_pct", Float),
    Column("as_of", Date, nullable=False),
    Column("source", String(100)),  # "SMM; SunSirs" when several reported it
    Column("basis", String(20)),  # exw_china_vat, fob_china, ... (PriceItem.basis)
    Column("item_id", Integer, ForeignKey("items.id", ondelete="SET NULL")),
    Column("observed", DateTime(timezone=True), nullable=False),
    UniqueConstraint("commodity", "unit", "as_of", "low", "high", name="uq_prices_obs"),
)
Index("ix_prices_commodity_asof", prices.c.commodity, prices.c.as_of)

# One edition per (date, kind) (shared content of every list of that kind: "daily",
# "weekly"); per-list rendering happens at send time (revision 0003).
editions = Table(
    "editions", metadata,
    Column("date", Date, primary_key=True),
    Column("kind", String(20), primary_key=True, server_default="daily"),
    Column("status", String(20), nullable=False, default="draft"),  # draft/approved/sent
    Column("edition_json", Text, nullable=False),
    Column("edits_json", Text, nullable=False, default="{}"),
    Column("built_at", DateTime(timezone=True), nullable=False),
    Column("as_of", DateTime(timezone=True)),
    Column("approved_by", String(200)),
    Column("approved_at", DateTime(timezone=True)),
    Column("html_size", Integer),
)

# Story fingerprints of each edition, so a story is not repeated the next day.
edition_stories = Table(
    "edition_stories", metadata,
    Column("edition_date", Date, primary_key=True),  # of the daily edition
    Column("story_id", String(40), primary_key=True),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
)

subscribers = Table(
    "subscribers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list", String(100), nullable=False),
    Column("email", String(320), nullable=False),
    Column("email_key", String(320), nullable=False),  # local part as given, domain lowered
    Column("name", String(200), nullable=False, default=""),
    # The name the list file gave when it was last imported: a re-import changes ``name``
    # only when the file's name changed, so a name the subscriber set on the preferences
    # page is not overwritten by an unchanged file (schema 2).
    Column("file_name", String(200)),
    Column("status", String(20), nullable=False, default="active"),
    Column("fields", Text, nullable=False, default="{}"),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("status_reason", Text),
    UniqueConstraint("list", "email_key", name="uq_subscribers_list_email"),
)
Index("ix_subscribers_list_status", subscribers.c.list, subscribers.c.status)

# The delivery ledger: one row per (edition, list, subscriber).
deliveries = Table(
    "deliveries", metadata,
    Column("edition_date", Date, primary_key=True),
    Column("list", String(100), primary_key=True),
    Column("subscriber_id", Integer, ForeignKey("subscribers.id"), primary_key=True),
    Column("status", String(20), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("message_id", String(200)),
    Column("updated", DateTime(timezone=True), nullable=False),
)
Index("ix_deliveries_status", deliveries.c.edition_date, deliveries.c.list,
      deliveries.c.status)

# Per-list send state of an edition (the "exactly one edition per list per day" ledger).
sends = Table(
    "sends", metadata,
    Column("edition_date", Date, primary_key=True),
    Column("list", String(100), primary_key=True),
    Column("status", String(20), nullable=False),  # sending/paused/sent/skipped/failed
    Column("started", DateTime(timezone=True), nullable=False),
    Column("finished", DateTime(timezone=True)),
    Column("detail", Text),
)

# Job runs (collect/build/send) for status and health.
runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(20), nullable=False),
    Column("started", DateTime(timezone=True), nullable=False),
    Column("finished", DateTime(timezone=True)),
    Column("status", String(20), nullable=False, default="running"),  # running/ok/error
    Column("detail", Text, nullable=False, default="{}"),
)
Index("ix_runs_job_started", runs.c.job, runs.c.started)

# Rendered web copies of editions for the archive and "view in browser".
archive = Table(
    "archive", metadata,
    Column("date", Date, primary_key=True),
    Column("kind", String(20), primary_key=True, server_default="daily"),
    Column("html", LargeBinary, nullable=False),
    Column("published", Boolean, nullable=False, default=False),
)

# Single-instance lock for `serve` (holder = host:pid, heartbeat refreshed while running).
locks = Table(
    "locks", metadata,
    Column("name", String(50), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("host", String(200), nullable=False),
    Column("acquired", DateTime(timezone=True), nullable=False),
    Column("heartbeat", DateTime(timezone=True), nullable=False),
)

# Bounces, complaints and auto-replies (issue 14): every event as received, with its raw
# evidence (the mail, or the provider's JSON), stored before anything acts on it.
# ``dedupe_key`` makes ingestion idempotent (the mail's Message-ID or hash, the provider's
# event id); ``decision`` is NULL until the policy has run, so a crash in between is
# finished by the next run.
bounce_events = Table(
    "bounce_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(300), nullable=False, unique=True),
    Column("source", String(40), nullable=False),  # mailbox / cli / webhook:ses / ...
    Column("received", DateTime(timezone=True), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("recipient", String(320)),
    Column("subscriber_id", Integer),
    Column("list", String(100)),
    Column("edition_date", Date),
    Column("status", String(20)),
    Column("diagnostic", Text),
    Column("evidence", Text, nullable=False, default="{}"),  # JSON: detector, token, ...
    Column("raw", LargeBinary, nullable=False),
    Column("decision", Text),
    Column("decided", DateTime(timezone=True)),
)
Index("ix_bounce_events_subscriber", bounce_events.c.subscriber_id)
Index("ix_bounce_events_edition", bounce_events.c.edition_date, bounce_events.c.kind)
Index("ix_bounce_events_pending", bounce_events.c.decision)

# Soft-bounce score per subscriber (Mailman's bounce score: one point per day at most,
# forgotten after ``[bounces] score_reset_days`` without a bounce).
bounce_scores = Table(
    "bounce_scores", metadata,
    Column("subscriber_id", Integer, ForeignKey("subscribers.id"), primary_key=True),
    Column("score", Float, nullable=False, default=0.0),
    Column("last_day", Date),
    Column("suspended_at", DateTime(timezone=True)),
    Column("reenable_at", DateTime(timezone=True)),
)

# Signatures and tokens of provider webhooks already seen (replay protection); kept for
# the signature's validity window only.
webhook_nonces = Table(
    "webhook_nonces", metadata,
    Column("nonce", String(200), primary_key=True),
    Column("seen", DateTime(timezone=True), nullable=False),
)


# Price-move alerts (issue 17): one row per alert queued for an alerts list, the whole
# ``summarize.alerts.Alert`` in ``alert_json`` (the email is rendered from it). Its
# deliveries are a ledger unit of their own: ``deliveries.list`` / ``sends.list`` =
# "LIST+COMMODITY", ``edition_date`` = the alert's ``as_of``. The unique key is the dedupe
# rule "one alert per commodity per day per list".
alerts = Table(
    "alerts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list", String(100), nullable=False),
    Column("commodity", String(40), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("direction", String(4), nullable=False),
    Column("level", Float, nullable=False),
    Column("unit", String(10), nullable=False, default=""),
    Column("change_pct", Float, nullable=False),
    Column("alert_json", Text, nullable=False),
    Column("status", String(20), nullable=False, default="queued"),  # queued/sent
    Column("sent_on", Date, nullable=False),  # the day it was queued, list's time zone
    Column("created", DateTime(timezone=True), nullable=False),
    Column("sent", DateTime(timezone=True)),
    UniqueConstraint("list", "commodity", "as_of", name="uq_alerts_list_commodity_day"),
)
Index("ix_alerts_list_sent_on", alerts.c.list, alerts.c.sent_on)

# A subscriber's own choices on one list (the row of ``subscribers`` is per list):
# ``commodities`` (JSON list of ids) narrows an alerts list to those commodities, empty =
# all. Set only on the preferences page; a list-file import never touches it.
subscriber_prefs = Table(
    "subscriber_prefs", metadata,
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE"),
           primary_key=True),
    Column("commodities", Text, nullable=False, default="[]"),
    Column("updated", DateTime(timezone=True), nullable=False),
)
