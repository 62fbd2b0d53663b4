"""``newsletter db copy --to URL``: move a store (typically SQLite) into another database
(typically PostgreSQL), table by table, and verify the row counts.

The target is created or upgraded to the head revision first and must hold no rows: a copy
never merges. All rows go in one transaction on the target, so a failed copy leaves it
empty. Naive timestamps (SQLite keeps no zone) are UTC, as everything the store writes.
On PostgreSQL the id sequences are moved past the copied ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Table, func, inspect, select, text

from ..exceptions import StoreError
from . import _schema as s
from ._store import Store, open_store, safe_url

BATCH = 5000


@dataclass(frozen=True)
class TableCopy:
    table: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


def _counts(store: Store) -> dict[str, int]:
    with store.begin() as c:
        return {t.name: int(c.execute(select(func.count()).select_from(t)).scalar_one())
                for t in s.metadata.sorted_tables}


def _utc_fixer(table: Table) -> Callable[[dict[str, Any]], dict[str, Any]]:
    cols = [c.name for c in table.columns if isinstance(c.type, DateTime)]

    def fix(row: dict[str, Any]) -> dict[str, Any]:
        for name in cols:
            v = row.get(name)
            if isinstance(v, datetime) and v.tzinfo is None:
                row[name] = v.replace(tzinfo=UTC)
        return row
    return fix


def copy_rows(src: Any, dst: Any, tables: list[Table],
              progress: Callable[[str, int], None] | None = None) -> None:
    """Copy every row of ``tables`` (in that order) from connection ``src`` to ``dst``."""
    for table in tables:
        fix = _utc_fixer(table)
        result = src.execution_options(yield_per=BATCH).execute(select(table))
        done = 0
        for part in result.mappings().partitions(BATCH):
            dst.execute(table.insert(), [fix(dict(r)) for r in part])
            done += len(part)
            if progress is not None:
                progress(table.name, done)


def reset_sequences(conn: Any) -> None:
    """Move each serial sequence past the ids copied in (tables the database has: a store
    at an older revision lacks the newer ones)."""
    have = set(inspect(conn).get_table_names())
    for table in s.metadata.sorted_tables:
        if table.name not in have:
            continue
        for col in table.primary_key.columns:
            if col.autoincrement is True or (col.autoincrement == "auto"
                                             and len(table.primary_key.columns) == 1
                                             and col.type.python_type is int):
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{col.name}'), "
                    f"COALESCE(MAX({col.name}), 1), MAX({col.name}) IS NOT NULL) "
                    f"FROM {table.name}"))


def copy_store(source: Store, target_url: str,
               progress: Callable[[str, int], None] | None = None) -> list[TableCopy]:
    """Copy every table of ``source`` into the (empty) store at ``target_url``.

    Returns:
        One :class:`TableCopy` per table, with both counts.

    Raises:
        StoreError: the target holds rows already, or a count differs after the copy.
    """
    target = open_store(target_url)
    try:
        busy = {t: n for t, n in _counts(target).items() if n}
        if busy:
            listed = ", ".join(f"{t} ({n})" for t, n in sorted(busy.items()))
            raise StoreError(f"{safe_url(target_url)} is not empty: {listed}",
                             hint="copy into a new, empty database (a copy never merges)")
        tables = s.metadata.sorted_tables
        with source.engine.connect() as src, target.begin() as dst:
            copy_rows(src, dst, tables, progress)
            if dst.dialect.name == "postgresql":
                reset_sequences(dst)
        before, after = _counts(source), _counts(target)
        report = [TableCopy(t.name, before[t.name], after[t.name]) for t in tables]
        bad = [r for r in report if not r.ok]
        if bad:
            raise StoreError("counts differ after the copy: " + ", ".join(
                f"{r.table} {r.source} -> {r.target}" for r in bad),
                hint="the source changed during the copy? stop every writer and copy "
                     "into a new database again")
        return report
    finally:
        target.close()
