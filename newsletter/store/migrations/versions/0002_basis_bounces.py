"""Price basis and the bounce tables (release 0.2).

* ``prices.basis``: the price basis of an observation (``exw_china_vat``, ``fob_china``,
  ...; issue 16). Existing rows keep NULL, read as "unknown".
* ``bounce_events``, ``bounce_scores``, ``webhook_nonces``: bounces, complaints and
  auto-replies as received, the soft-bounce score per subscriber, and the webhook
  signatures already seen (issue 14).

Revision ID: 0002_basis_bounces
Revises: 0001_baseline
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_basis_bounces"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    have = set(sa.inspect(bind).get_table_names())
    if "basis" not in {c["name"] for c in sa.inspect(bind).get_columns("prices")}:
        with op.batch_alter_table("prices") as batch:
            batch.add_column(sa.Column("basis", sa.String(length=20), nullable=True))
    if "bounce_events" not in have:
        op.create_table(
            "bounce_events",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("dedupe_key", sa.String(length=300), nullable=False),
            sa.Column("source", sa.String(length=40), nullable=False),
            sa.Column("received", sa.DateTime(timezone=True), nullable=False),
            sa.Column("kind", sa.String(length=20), nullable=False),
            sa.Column("recipient", sa.String(length=320), nullable=True),
            sa.Column("subscriber_id", sa.Integer(), nullable=True),
            sa.Column("list", sa.String(length=100), nullable=True),
            sa.Column("edition_date", sa.Date(), nullable=True),
            sa.Column("status", sa.String(length=20), nullable=True),
            sa.Column("diagnostic", sa.Text(), nullable=True),
            sa.Column("evidence", sa.Text(), nullable=False),
            sa.Column("raw", sa.LargeBinary(), nullable=False),
            sa.Column("decision", sa.Text(), nullable=True),
            sa.Column("decided", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("dedupe_key"),
        )
        op.create_index("ix_bounce_events_subscriber", "bounce_events", ["subscriber_id"])
        op.create_index("ix_bounce_events_edition", "bounce_events", ["edition_date", "kind"])
        op.create_index("ix_bounce_events_pending", "bounce_events", ["decision"])
    if "bounce_scores" not in have:
        op.create_table(
            "bounce_scores",
            sa.Column("subscriber_id", sa.Integer(), nullable=False),
            sa.Column("score", sa.Float(), nullable=False),
            sa.Column("last_day", sa.Date(), nullable=True),
            sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("reenable_at", sa.DateTime(timezone=True), nullable=True),
            sa.ForeignKeyConstraint(["subscriber_id"], ["subscribers.id"]),
            sa.PrimaryKeyConstraint("subscriber_id"),
        )
    if "webhook_nonces" not in have:
        op.create_table(
            "webhook_nonces",
            sa.Column("nonce", sa.String(length=200), nullable=False),
            sa.Column("seen", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("nonce"),
        )


def downgrade() -> None:
    op.drop_table("webhook_nonces")
    op.drop_table("bounce_scores")
    op.drop_index("ix_bounce_events_pending", table_name="bounce_events")
    op.drop_index("ix_bounce_events_edition", table_name="bounce_events")
    op.drop_index("ix_bounce_events_subscriber", table_name="bounce_events")
    op.drop_table("bounce_events")
    with op.batch_alter_table("prices") as batch:
        batch.drop_column("basis")
