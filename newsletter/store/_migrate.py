"""Schema migrations: Alembic, with a programmatic configuration (no alembic.ini).

The scripts live in ``newsletter/store/migrations/versions/`` (package data of the wheel).
Revision ``0001_baseline`` is the schema of release 0.1; a store made by 0.1 (no
``alembic_version`` table, ``meta.schema_version`` 1 or 2) is brought to it by the same
revision, which keeps what it finds. :func:`upgrade` runs under a PostgreSQL advisory lock,
so several instances starting together migrate once.

A store whose revision this code does not know was written by a newer release:
:func:`check` refuses it (:class:`SchemaTooNewError`, exit code 2) rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from ..exceptions import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")
#: the last ``meta.schema_version`` written before the migrations were Alembic's
LEGACY_SCHEMA_VERSION = 2
_ADVISORY_KEY = 0x5245_4544  # "REED": pg_advisory_xact_lock key of the migration


class SchemaTooNewError(StoreError):
    """The store was migrated by a newer release than this one."""

    exit_code = 2


@dataclass(frozen=True)
class SchemaState:
    """Where a store stands: ``current`` revision (None: no Alembic table), ``head``,
    ``legacy`` (``meta.schema_version`` of a pre-Alembic store, else None) and ``empty``."""

    current: str | None
    head: str
    legacy: int | None
    empty: bool
    known: bool

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def too_new(self) -> bool:
        if self.current is not None:
            return not self.known
        return self.legacy is not None and self.legacy > LEGACY_SCHEMA_VERSION


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    h = _script().get_current_head()
    assert h is not None
    return h


def state(conn: Connection) -> SchemaState:
    """Read where the store stands; never writes."""
    script = _script()
    current = MigrationContext.configure(conn).get_current_revision()
    tables = set(inspect(conn).get_table_names())
    legacy = None
    if current is None and "meta" in tables:
        row = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).first()
        legacy = int(row[0]) if row and str(row[0]).isdigit() else None
    known = True
    if current is not None:
        try:
            known = script.get_revision(current) is not None
        except Exception:  # alembic raises for an id it has no script of
            known = False
    return SchemaState(current=current, head=script.get_current_head() or "",
                       legacy=legacy, empty=not (tables - {"alembic_version"}), known=known)


def too_new_message(st: SchemaState) -> str:
    found = st.current if st.current is not None else f"schema_version {st.legacy}"
    return (f"the store's schema ({found}) is newer than this version of newsletter "
            f"knows (head {st.head})")


def check(conn: Connection, url: str) -> SchemaState:
    st = state(conn)
    if st.too_new:
        raise SchemaTooNewError(f"{url}: {too_new_message(st)}",
                                hint="upgrade the newsletter package to the release that "
                                     "wrote it, or restore a backup made by this one")
    return st


def upgrade(engine: Engine, url: str) -> tuple[str | None, str]:
    """Bring the store to head. Returns ``(revision before, revision after)``.

    Raises:
        SchemaTooNewError: the store is newer than this code.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
        st = check(conn, url)
        if not st.up_to_date:
            command.upgrade(alembic_config(conn), "head")
    return st.current, st.head


def history() -> list[tuple[str, str]]:
    """``(revision, first line of its message)`` from base to head."""
    out = []
    for rev in reversed(list(_script().walk_revisions())):
        out.append((rev.revision, (rev.doc or "").splitlines()[0] if rev.doc else ""))
    return out
