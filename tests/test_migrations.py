"""Alembic migrations: a release-0.1 store upgrades to head with nothing lost (SQLite and
PostgreSQL), the head revision builds the schema the code uses, a newer store is refused,
and `newsletter db copy` moves a store to PostgreSQL with verified counts."""

from __future__ import annotations

import shutil
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import DateTime, MetaData, create_engine, inspect, select, text
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.store import _schema as s
from newsletter.store import open_store
from newsletter.store._copy import copy_rows, reset_sequences
from newsletter.store._migrate import SchemaTooNewError, head
from newsletter.store._util import as_utc

RELEASE_0_1 = Path(__file__).parent / "data" / "stores" / "release-0.1.db"
TABLES = ["items", "prices", "editions", "edition_stories", "subscribers", "deliveries",
          "sends", "runs", "archive", "sources", "robots"]


def _norm(v: Any) -> Any:
    return as_utc(v).isoformat() if isinstance(v, datetime) else v


def _rows(engine: Any, release: Any = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read through the code's schema, comparable across engines.
    With *release* (an engine on the release-0.1 store), only the tables and columns that
    store has: later revisions add tables and columns, never drop them."""
    keep: dict[str, set[str]] | None = None
    if release is not None:
        ins = inspect(release)
        keep = {n: {c["name"] for c in ins.get_columns(n)} for n in ins.get_table_names()}
    out = {}
    with engine.connect() as c:
        for t in s.metadata.sorted_tables:
            if t.name in ("meta", "locks") or (keep is not None and t.name not in keep):
                continue
            cols = [col for col in t.columns if keep is None or col.name in keep[t.name]]
            pk = [col for col in t.primary_key.columns if col in cols]  # 0003 adds kind
            out[t.name] = [tuple(_norm(v) for v in r)
                           for r in c.execute(select(*cols).order_by(*pk))]
    return out


def _load_release_store(store_url: str, tmp_path: Path) -> str:
    """The committed release-0.1 store, at ``store_url``: the file itself on SQLite; on
    PostgreSQL its tables (reflected from the file, so as 0.1 made them, in the generic
    types 0.1 declared: every timestamp of 0.1 had a time zone) and rows."""
    if store_url.startswith("sqlite"):
        shutil.copy(RELEASE_0_1, tmp_path / "newsletter.db")
        return store_url
    src = create_engine(f"sqlite:///{RELEASE_0_1}")
    old = MetaData()
    old.reflect(src)
    for table in old.tables.values():
        for col in table.columns:
            generic = col.type.as_generic()
            col.type = DateTime(timezone=True) if isinstance(generic, DateTime) else generic
    dst = create_engine(store_url)
    old.create_all(dst)
    with src.connect() as a, dst.begin() as b:
        copy_rows(a, b, old.sorted_tables)
        reset_sequences(b)  # rows went in with their ids
    src.dispose()
    dst.dispose()
    return store_url


def test_the_committed_fixture_was_made_by_release_0_1() -> None:
    eng = create_engine(f"sqlite:///{RELEASE_0_1}")
    with eng.connect() as c:
        tables = {r[0] for r in c.execute(text("SELECT name FROM sqlite_master "
                                               "WHERE type='table'"))}
        version = c.execute(text("SELECT value FROM meta WHERE key='schema_version'")).scalar()
    eng.dispose()
    assert "alembic_version" not in tables and version == "2"
    assert set(TABLES) <= tables


def test_a_release_0_1_store_upgrades_to_head_with_nothing_lost(store_url, tmp_path) -> None:
    url = _load_release_store(store_url, tmp_path)
    src = create_engine(f"sqlite:///{RELEASE_0_1}")
    before = _rows(src, release=src)
    assert all(before[t] for t in TABLES)  # the fixture holds rows in every table

    st = open_store(url)
    try:
        assert _rows(st.engine, release=src) == before
        src.dispose()
        with st.begin() as c:  # what 0.2 added starts empty: no basis known, no bounces
            assert c.execute(text("SELECT count(*) FROM prices WHERE basis IS NOT NULL")
                             ).scalar() == 0
            for table in ("bounce_events", "bounce_scores", "webhook_nonces"):
                assert c.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        with st.begin() as c:
            assert MigrationContext.configure(c).get_current_revision() == head()
        # and the code reads it as it did: names, suppression, the ledger, editions
        assert st.get_subscriber("daily", "user4@example.com").name == "Dr User Four"
        assert st.get_subscriber("daily", "user1@example.com").status == "unsubscribed"
        assert st.get_subscriber("daily", "user3@example.com").status == "complained"
        counts = st.delivery_counts(date(2026, 11, 24), "daily")
        assert (counts["sent"], counts["deferred"], counts["failed"], counts["sending"]) == \
            (1, 1, 1, 1)
        assert st.send_state(date(2026, 11, 23), "daily")["status"] == "sent"
        assert st.edition(date(2026, 11, 23))["edits"] == {"drop": ["s1"]}
        assert st.archive_page(date(2026, 11, 24)) == "<html><body>2026-11-24</body></html>"
        assert len(st.price_observations(date(2026, 11, 1))) == 4
        # new rows get fresh ids after the copied ones
        st.add_subscriber("daily", "new@example.com", now=datetime.now().astimezone())
    finally:
        st.close()


def test_the_head_revision_builds_the_schema_the_code_uses(store) -> None:
    with store.engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), s.metadata)
    assert diff == []


def test_a_store_newer_than_the_code_is_refused_with_exit_2(store_url, project) -> None:
    open_store(store_url).close()
    eng = create_engine(store_url)
    with eng.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    eng.dispose()
    with pytest.raises(SchemaTooNewError, match="0099_from_the_future.*newer"):
        open_store(store_url)
    cfg = project / "newsletter.toml"
    cfg.write_text(cfg.read_text().replace('url = "sqlite:///var/newsletter.db"',
                                           f'url = "{store_url}"'))
    runner = CliRunner()
    for args in (["subscribers", "list"], ["db", "upgrade"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert "newer than this version of newsletter knows" in res.output
        assert "restore a backup" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["db", "current"])
    assert res.exit_code == 2 and "newer" in res.output


def test_db_current_and_upgrade_report_the_revision(project) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["db", "current"])
    assert res.exit_code == 1 and "db upgrade" in res.output  # no store yet
    db = project / "var" / "newsletter.db"
    db.parent.mkdir(exist_ok=True)
    shutil.copy(RELEASE_0_1, db)
    res = runner.invoke(app, ["db", "current", "--json"])
    assert res.exit_code == 1 and '"status": "behind"' in res.output
    assert '"legacy_schema_version": 2' in res.output
    res = runner.invoke(app, ["db", "upgrade"])
    assert res.exit_code == 0 and "upgraded from release 0.1 schema 2" in res.output
    res = runner.invoke(app, ["db", "current"])
    assert res.exit_code == 0 and head() in res.output and "current" in res.output
    res = runner.invoke(app, ["db", "upgrade"])
    assert res.exit_code == 0 and "already at" in res.output


def test_db_copy_moves_a_sqlite_store_to_postgresql_and_verifies_counts(
        project, pg_server) -> None:
    db = project / "var" / "newsletter.db"
    db.parent.mkdir(exist_ok=True)
    shutil.copy(RELEASE_0_1, db)
    target = pg_server.new_database("copy")
    try:
        runner = CliRunner()
        res = runner.invoke(app, ["db", "copy", "--to", target, "--json"])
        assert res.exit_code == 0, res.output
        src = open_store(f"sqlite:///{db}")
        dst = open_store(target)
        try:
            assert _rows(dst.engine) == _rows(src.engine)
            assert '"subscribers": {\n    "source": 15,\n    "target": 15' in res.output
            # the id sequences continue after the copied ids
            sub, created = dst.add_subscriber("daily", "after@example.com",
                                              now=datetime.now().astimezone())
            assert created and sub.id == 16
        finally:
            src.close()
            dst.close()
        res = runner.invoke(app, ["db", "copy", "--to", target])
        assert res.exit_code == 1 and "is not empty" in res.output
    finally:
        pg_server.drop_database(target)


def test_instances_starting_together_migrate_once(pg_server) -> None:
    url = pg_server.new_database("race")
    errors: list[BaseException] = []

    def start() -> None:
        try:
            open_store(url).close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        st = open_store(url)
        with st.begin() as c:
            assert c.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        st.close()
    finally:
        pg_server.drop_database(url)
