"""``newsletter db upgrade | current | copy``: the store's schema and moving it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import SQLAlchemyError

from .config import load_config
from .exceptions import StoreError
from .store import SchemaState, schema_head, schema_state

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Config file "
                                                "(default ./newsletter.toml).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


_F = TypeVar("_F", bound=Callable[..., Any])


class _Decorator(Protocol):
    def __call__(self, fn: _F, /) -> _F: ...


def make_db_app(handle_errors: _Decorator, out: Console, err: Console) -> typer.Typer:
    """The ``db`` command group, with the CLI's error handling and consoles (passed in:
    ``python -m newsletter.cli`` runs cli.py as ``__main__``, so this module cannot
    import it)."""
    db_app = typer.Typer(help="The store's schema: upgrade, show, copy to another "
                              "database.", no_args_is_help=True)

    @db_app.command("upgrade")
    @handle_errors
    def db_upgrade(config: ConfigOpt = None) -> None:
        """Create the store or bring its schema to this release's head revision."""
        from .store import open_store, safe_url

        cfg = load_config(config)
        url = cfg.store_url
        try:
            before = _state(url)
        except StoreError:  # no file yet: created now
            before = None
        open_store(url).close()
        if before is None:
            out.print(f"{safe_url(url)}: created at {schema_head()}")
        elif before.up_to_date:
            out.print(f"{safe_url(url)}: already at {before.head}")
        else:
            found = before.current or (f"release 0.1 schema {before.legacy}" if before.legacy
                                       else "empty")
            out.print(f"{safe_url(url)}: upgraded from {found} to {before.head}")


    @db_app.command("current")
    @handle_errors
    def db_current(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
        """The store's revision and this release's head (reads only; exit 1 if behind)."""
        from .store import safe_url

        cfg = load_config(config)
        url = cfg.store_url
        st = _state(url)
        status = ("newer" if st.too_new else "current" if st.up_to_date
                  else "empty" if st.empty else "behind")
        if as_json:
            out.print_json(json.dumps({"url": safe_url(url), "current": st.current, "head": st.head,
                                       "legacy_schema_version": st.legacy, "status": status}))
        else:
            out.print(f"{safe_url(url)}: {st.current or '(none)'} (head {st.head}): {status}")
            if status in ("behind", "empty"):
                err.print("run `newsletter db upgrade`")
        if status == "newer":
            raise typer.Exit(2)
        if status != "current":
            raise typer.Exit(1)


    @db_app.command("copy")
    @handle_errors
    def db_copy(to: Annotated[str, typer.Option("--to", help="Target SQLAlchemy URL (an empty "
                                                 "database), e.g. postgresql+psycopg://...")],
                config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
        """Copy the configured store into another, empty database and verify the counts."""
        from .store import copy_store, open_store

        cfg = load_config(config)
        src = open_store(cfg.store_url)
        try:
            report = copy_store(src, to)
        finally:
            src.close()
        if as_json:
            out.print_json(json.dumps({r.table: {"source": r.source, "target": r.target}
                                       for r in report}))
            return
        for r in report:
            out.print(f"{r.table:16} {r.source:>10} -> {r.target:<10} ok")
        out.print(f"copied {sum(r.source for r in report)} rows; set [store] url to the target")

    return db_app


def _state(url: str) -> SchemaState:
    """The schema state, read only."""
    engine = _engine(url)
    try:
        with engine.connect() as c:
            return schema_state(c)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the store: {str(exc).splitlines()[0]}",
                         hint="check [store] url in newsletter.toml") from None
    finally:
        engine.dispose()


def _engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        path = Path(url[len("sqlite:///"):])
        if not path.exists():
            raise StoreError(f"{path} does not exist", hint="run `newsletter db upgrade`")
        url = f"sqlite:///file:{path}?mode=ro&uri=true"  # reading never creates a file
    try:
        return create_engine(url)
    except (SQLAlchemyError, ModuleNotFoundError) as exc:
        raise StoreError(f"cannot open the store: {exc}",
                         hint="check [store] url in newsletter.toml") from None
