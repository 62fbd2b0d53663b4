"""Shared fixtures: a clean environment and a throw-away copy of the project folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No NEWSLETTER_* variable of the developer's shell leaks into a test."""
    import os

    for key in list(os.environ):
        if key.startswith("NEWSLETTER_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("NEWSLETTER_SECRET", "test-secret")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project folder (config and subscribers) in tmp_path, made the current
    directory. Templates, sources and snapshots come from the package, as in the clone."""
    shutil.copy(REPO / "newsletter.toml", tmp_path / "newsletter.toml")
    shutil.copytree(REPO / "subscribers", tmp_path / "subscribers")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- the store on both engines -------------------------------------------------------------
@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL cluster for the session (skipped only without the binaries)."""
    from pg_server import PgServer, pg_bindir

    bindir = pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries not found (apt-get install -y postgresql)")
    pytest.importorskip("psycopg", reason="the postgres extra is not installed "
                                          "(pip install -e '.[postgres]')")
    srv = PgServer(bindir).start()
    yield srv
    srv.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty store URL: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'newsletter.db'}"
        return
    srv = request.getfixturevalue("pg_server")
    url = srv.new_database()
    yield url
    srv.drop_database(url)


@pytest.fixture
def store(store_url: str):
    """An open store on each engine (closed at the end)."""
    from newsletter.store import open_store

    st = open_store(store_url)
    yield st
    st.close()


# --- a newsletter over the project copy, and the public app in front of it ----------------
@pytest.fixture
def nl(project: Path):
    """A :class:`~newsletter.core.Newsletter` over the ``project`` copy (closed at the end).
    Modules that need another clock or configuration define their own ``nl``."""
    from newsletter.config import load_config
    from newsletter.core import Newsletter

    newsletter = Newsletter(load_config(project / "newsletter.toml"))
    yield newsletter
    newsletter.close()


@pytest.fixture
def client(nl):
    """Starlette's TestClient on the public app of ``nl`` (https://testserver)."""
    from starlette.testclient import TestClient

    from newsletter.web.public import make_app

    with TestClient(make_app(nl), base_url="https://testserver") as test_client:
        yield test_client
