"""Editions per kind (issue 17): the daily edition and the weekly recap of the same date.

* ``editions.kind`` and ``archive.kind`` ("daily", "weekly"; existing rows are "daily"),
  part of the primary key: an edition is keyed by (date, kind).
* ``edition_stories`` (the daily stories' fingerprints) no longer has a foreign key to
  ``editions.date``, which is no longer unique; the store deletes a date's rows itself
  when it rebuilds that edition.

Revision ID: 0003_edition_kinds
Revises: 0002_basis_bounces
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003_edition_kinds"
down_revision = "0002_basis_bounces"
branch_labels = None
depends_on = None

def _kind_column() -> sa.Column[str]:
    return sa.Column("kind", sa.String(length=20), nullable=False, server_default="daily")


def _columns(table: str) -> list[sa.Column[Any]]:
    """The columns of ``table`` at revision 0002 (as 0001 created them)."""
    if table == "editions":
        return [sa.Column("date", sa.Date(), nullable=False),
                sa.Column("status", sa.String(length=20), nullable=False),
                sa.Column("edition_json", sa.Text(), nullable=False),
                sa.Column("edits_json", sa.Text(), nullable=False),
                sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
                sa.Column("as_of", sa.DateTime(timezone=True), nullable=True),
                sa.Column("approved_by", sa.String(length=200), nullable=True),
                sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
                sa.Column("html_size", sa.Integer(), nullable=True)]
    if table == "archive":
        return [sa.Column("date", sa.Date(), nullable=False),
                sa.Column("html", sa.LargeBinary(), nullable=False),
                sa.Column("published", sa.Boolean(), nullable=False)]
    return [sa.Column("edition_date", sa.Date(), nullable=False),
            sa.Column("story_id", sa.String(length=40), nullable=False),
            sa.Column("url", sa.Text(), nullable=False),
            sa.Column("title", sa.Text(), nullable=False),
            sa.Column("fingerprint", sa.Text(), nullable=False)]


def _sqlite_rebuild(table: str, *extra: Any) -> None:
    """SQLite cannot change a primary key or drop a foreign key in place: make the new
    table, copy the rows, drop the old one, rename (the child table first, so dropping
    ``editions`` cascades into nothing)."""
    cols = _columns(table)
    names = ", ".join(c.name for c in cols)
    tmp = f"_new_{table}"
    op.create_table(tmp, *cols, *extra)
    op.execute(sa.text(f"INSERT INTO {tmp} ({names}) SELECT {names} FROM {table}"))
    op.drop_table(table)
    op.rename_table(tmp, table)


def upgrade() -> None:
    bind = op.get_bind()
    insp = sa.inspect(bind)
    if "kind" in {c["name"] for c in insp.get_columns("editions")}:
        return
    if bind.dialect.name == "sqlite":
        _sqlite_rebuild("edition_stories", sa.PrimaryKeyConstraint("edition_date", "story_id"))
        for table in ("editions", "archive"):
            _sqlite_rebuild(table, _kind_column(), sa.PrimaryKeyConstraint("date", "kind"))
        return
    for fk in insp.get_foreign_keys("edition_stories"):
        if fk["referred_table"] == "editions":
            op.drop_constraint(fk["name"] or "edition_stories_edition_date_fkey",
                               "edition_stories", type_="foreignkey")
    for table in ("editions", "archive"):
        pk = insp.get_pk_constraint(table)["name"] or f"{table}_pkey"
        op.add_column(table, _kind_column())
        op.drop_constraint(pk, table, type_="primary")
        op.create_primary_key(f"{table}_pkey", table, ["date", "kind"])


def downgrade() -> None:
    """Back to one edition per date: editions of other kinds are deleted."""
    bind = op.get_bind()
    for table in ("editions", "archive"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE kind <> 'daily'"))
    if bind.dialect.name == "sqlite":
        for table in ("archive", "editions"):
            _sqlite_rebuild(table, sa.PrimaryKeyConstraint("date"))
        _sqlite_rebuild("edition_stories",
                        sa.ForeignKeyConstraint(["edition_date"], ["editions.date"],
                                                ondelete="CASCADE"),
                        sa.PrimaryKeyConstraint("edition_date", "story_id"))
        return
    for table in ("editions", "archive"):
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.drop_column(table, "kind")
        op.create_primary_key(f"{table}_pkey", table, ["date"])
    op.create_foreign_key(None, "edition_stories", "editions", ["edition_date"], ["date"],
                          ondelete="CASCADE")
