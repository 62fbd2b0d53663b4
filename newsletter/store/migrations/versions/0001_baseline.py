"""Baseline: the schema of release 0.1 (its ``meta.schema_version`` 2).

A store made before the migrations were Alembic's (0.1: tables created on first use, a
``subscribers.file_name`` column added by hand as schema 2) is brought here by the same
revision: tables it has are kept, a missing ``file_name`` (schema 1) is added. A new store
gets every table.

Revision ID: 0001_baseline
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    have = set(sa.inspect(op.get_bind()).get_table_names())
    if 'archive' not in have:
        op.create_table('archive',
            sa.Column('date', sa.Date(), nullable=False),
            sa.Column('html', sa.LargeBinary(), nullable=False),
            sa.Column('published', sa.Boolean(), nullable=False),
            sa.PrimaryKeyConstraint('date')
        )
    if 'editions' not in have:
        op.create_table('editions',
            sa.Column('date', sa.Date(), nullable=False),
            sa.Column('status', sa.String(length=20), nullable=False),
            sa.Column('edition_json', sa.Text(), nullable=False),
            sa.Column('edits_json', sa.Text(), nullable=False),
            sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('as_of', sa.DateTime(timezone=True), nullable=True),
            sa.Column('approved_by', sa.String(length=200), nullable=True),
            sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
            sa.Column('html_size', sa.Integer(), nullable=True),
            sa.PrimaryKeyConstraint('date')
        )
    if 'items' not in have:
        op.create_table('items',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('source', sa.String(length=100), nullable=False),
            sa.Column('key', sa.String(length=64), nullable=False),
            sa.Column('url', sa.Text(), nullable=False),
            sa.Column('guid', sa.Text(), nullable=False),
            sa.Column('title', sa.Text(), nullable=False),
            sa.Column('published', sa.DateTime(timezone=True), nullable=True),
            sa.Column('text', sa.Text(), nullable=False),
            sa.Column('summary', sa.Text(), nullable=False),
            sa.Column('html', sa.Text(), nullable=False),
            sa.Column('highlights', sa.Text(), nullable=False),
            sa.Column('content_hash', sa.String(length=40), nullable=False),
            sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
            sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint('id'),
            sa.UniqueConstraint('source', 'key', name='uq_items_source_key')
        )
        op.create_index('ix_items_first_seen', 'items', ['first_seen'], unique=False)
        op.create_index('ix_items_published', 'items', ['published'], unique=False)
    if 'locks' not in have:
        op.create_table('locks',
            sa.Column('name', sa.String(length=50), nullable=False),
            sa.Column('holder', sa.String(length=200), nullable=False),
            sa.Column('pid', sa.Integer(), nullable=False),
            sa.Column('host', sa.String(length=200), nullable=False),
            sa.Column('acquired', sa.DateTime(timezone=True), nullable=False),
            sa.Column('heartbeat', sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint('name')
        )
    if 'meta' not in have:
        op.create_table('meta',
            sa.Column('key', sa.String(length=64), nullable=False),
            sa.Column('value', sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint('key')
        )
    if 'robots' not in have:
        op.create_table('robots',
            sa.Column('origin', sa.String(length=300), nullable=False),
            sa.Column('body', sa.Text(), nullable=True),
            sa.Column('etag', sa.Text(), nullable=True),
            sa.Column('last_modified', sa.Text(), nullable=True),
            sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint('origin')
        )
    if 'runs' not in have:
        op.create_table('runs',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('job', sa.String(length=20), nullable=False),
            sa.Column('started', sa.DateTime(timezone=True), nullable=False),
            sa.Column('finished', sa.DateTime(timezone=True), nullable=True),
            sa.Column('status', sa.String(length=20), nullable=False),
            sa.Column('detail', sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index('ix_runs_job_started', 'runs', ['job', 'started'], unique=False)
    if 'sends' not in have:
        op.create_table('sends',
            sa.Column('edition_date', sa.Date(), nullable=False),
            sa.Column('list', sa.String(length=100), nullable=False),
            sa.Column('status', sa.String(length=20), nullable=False),
            sa.Column('started', sa.DateTime(timezone=True), nullable=False),
            sa.Column('finished', sa.DateTime(timezone=True), nullable=True),
            sa.Column('detail', sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint('edition_date', 'list')
        )
    if 'sources' not in have:
        op.create_table('sources',
            sa.Column('name', sa.String(length=100), nullable=False),
            sa.Column('url', sa.Text(), nullable=False),
            sa.Column('etag', sa.Text(), nullable=True),
            sa.Column('last_modified', sa.Text(), nullable=True),
            sa.Column('last_fetch_at', sa.DateTime(timezone=True), nullable=True),
            sa.Column('last_status', sa.String(length=20), nullable=True),
            sa.Column('last_error', sa.Text(), nullable=True),
            sa.Column('last_ok_at', sa.DateTime(timezone=True), nullable=True),
            sa.Column('consecutive_errors', sa.Integer(), nullable=False),
            sa.Column('permanent_redirect', sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint('name')
        )
    if 'subscribers' not in have:
        op.create_table('subscribers',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('list', sa.String(length=100), nullable=False),
            sa.Column('email', sa.String(length=320), nullable=False),
            sa.Column('email_key', sa.String(length=320), nullable=False),
            sa.Column('name', sa.String(length=200), nullable=False),
            sa.Column('file_name', sa.String(length=200), nullable=True),
            sa.Column('status', sa.String(length=20), nullable=False),
            sa.Column('fields', sa.Text(), nullable=False),
            sa.Column('created', sa.DateTime(timezone=True), nullable=False),
            sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
            sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
            sa.Column('status_reason', sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint('id'),
            sa.UniqueConstraint('list', 'email_key', name='uq_subscribers_list_email')
        )
        op.create_index('ix_subscribers_list_status', 'subscribers', ['list', 'status'])
    if 'deliveries' not in have:
        op.create_table('deliveries',
            sa.Column('edition_date', sa.Date(), nullable=False),
            sa.Column('list', sa.String(length=100), nullable=False),
            sa.Column('subscriber_id', sa.Integer(), nullable=False),
            sa.Column('status', sa.String(length=20), nullable=False),
            sa.Column('attempts', sa.Integer(), nullable=False),
            sa.Column('next_attempt', sa.DateTime(timezone=True), nullable=True),
            sa.Column('last_error', sa.Text(), nullable=True),
            sa.Column('message_id', sa.String(length=200), nullable=True),
            sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], ),
            sa.PrimaryKeyConstraint('edition_date', 'list', 'subscriber_id')
        )
        op.create_index('ix_deliveries_status', 'deliveries',
                        ['edition_date', 'list', 'status'])
    if 'edition_stories' not in have:
        op.create_table('edition_stories',
            sa.Column('edition_date', sa.Date(), nullable=False),
            sa.Column('story_id', sa.String(length=40), nullable=False),
            sa.Column('url', sa.Text(), nullable=False),
            sa.Column('title', sa.Text(), nullable=False),
            sa.Column('fingerprint', sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(['edition_date'], ['editions.date'], ondelete='CASCADE'),
            sa.PrimaryKeyConstraint('edition_date', 'story_id')
        )
    if 'prices' not in have:
        op.create_table('prices',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('commodity', sa.String(length=40), nullable=False),
            sa.Column('kind', sa.String(length=10), nullable=False),
            sa.Column('low', sa.Float(), nullable=False),
            sa.Column('high', sa.Float(), nullable=False),
            sa.Column('unit', sa.String(length=10), nullable=False),
            sa.Column('change', sa.Float(), nullable=True),
            sa.Column('change_pct', sa.Float(), nullable=True),
            sa.Column('as_of', sa.Date(), nullable=False),
            sa.Column('source', sa.String(length=100), nullable=True),
            sa.Column('item_id', sa.Integer(), nullable=True),
            sa.Column('observed', sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='SET NULL'),
            sa.PrimaryKeyConstraint('id'),
            sa.UniqueConstraint('commodity', 'unit', 'as_of', 'low', 'high', name='uq_prices_obs')
        )
        op.create_index('ix_prices_commodity_asof', 'prices', ['commodity', 'as_of'], unique=False)
    if "subscribers" in have:  # a schema-1 store lacks the column schema 2 added
        columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("subscribers")}
        if "file_name" not in columns:
            op.add_column("subscribers", sa.Column("file_name", sa.String(length=200),
                                                   nullable=True))


def downgrade() -> None:
    raise NotImplementedError("the baseline is not downgraded: restore a backup instead")
