"""Price-move alerts and subscriber preferences (issue 17).

* ``alerts``: each alert queued for an alerts list (what moved, on which day, the whole
  alert as JSON, queued/sent); unique per list, commodity and day.
* ``subscriber_prefs``: a subscriber's own choices on a list (the commodities of an
  alerts list; none = all), kept across list-file imports.

Revision ID: 0004_alerts_prefs
Revises: 0002_basis_bounces
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_alerts_prefs"
down_revision = "0003_edition_kinds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    have = set(sa.inspect(op.get_bind()).get_table_names())
    if "alerts" not in have:
        op.create_table(
            "alerts",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("list", sa.String(length=100), nullable=False),
            sa.Column("commodity", sa.String(length=40), nullable=False),
            sa.Column("as_of", sa.Date(), nullable=False),
            sa.Column("direction", sa.String(length=4), nullable=False),
            sa.Column("level", sa.Float(), nullable=False),
            sa.Column("unit", sa.String(length=10), nullable=False),
            sa.Column("change_pct", sa.Float(), nullable=False),
            sa.Column("alert_json", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("sent_on", sa.Date(), nullable=False),
            sa.Column("created", sa.DateTime(timezone=True), nullable=False),
            sa.Column("sent", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("list", "commodity", "as_of",
                                name="uq_alerts_list_commodity_day"),
        )
        op.create_index("ix_alerts_list_sent_on", "alerts", ["list", "sent_on"])
    if "subscriber_prefs" not in have:
        op.create_table(
            "subscriber_prefs",
            sa.Column("subscriber_id", sa.Integer(), nullable=False),
            sa.Column("commodities", sa.Text(), nullable=False),
            sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["subscriber_id"], ["subscribers.id"],
                                    ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("subscriber_id"),
        )


def downgrade() -> None:
    op.drop_table("subscriber_prefs")
    op.drop_index("ix_alerts_list_sent_on", table_name="alerts")
    op.drop_table("alerts")
