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
