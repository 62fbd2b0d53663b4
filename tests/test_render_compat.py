"""Email-client compatibility: the rendered email uses no feature whose absence in Gmail,
Outlook (Windows) or Apple Mail would change its layout or hide content.

Runs ``bench/caniemail_check.py``'s check against a vendored subset of the caniemail data
(``tests/data/caniemail/``).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from newsletter.config import Config
from newsletter.render import render_edition

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("caniemail_check",
                                                  REPO / "bench" / "caniemail_check.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["caniemail_check"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def html() -> str:
    edition = json.loads((DATA / "edition.json").read_text(encoding="utf-8"))
    return render_edition(edition, config=Config(root=REPO), list_name="daily").html


@pytest.fixture(scope="module")
def features(checker: ModuleType) -> dict:
    feats = checker.load_features(DATA / "caniemail")
    assert len(feats) >= 15
    return feats


def test_feature_files_parse(features: dict) -> None:
    f = features["css-max-width"]
    assert f.support("outlook-windows")[0][2] in ("n", "a #1")
    assert all(v.startswith("y") for _, _, v in features["html-table"].support("gmail"))


def test_detects_the_features_used(checker: ModuleType, html: str, features: dict) -> None:
    used = checker.detect(html, features).used
    for slug in ("css-at-media", "css-at-media-prefers-color-scheme", "css-max-width",
                 "css-padding", "html-table", "html-style", "css-border-radius"):
        assert slug in used, slug
    assert "td" in used["css-padding"]


def test_no_layout_breaking_feature(checker: ModuleType, html: str, features: dict) -> None:
    findings = checker.check(html, features)
    assert findings, "the subset holds features some client lacks"
    layout = [(f.slug, f.family, f.reason) for f in findings if f.verdict == "layout"]
    assert layout == []


def test_flags_padding_on_paragraphs(checker: ModuleType, features: dict) -> None:
    bad = '<table><tr><td><p style="padding: 12px; max-width: 300px">x</p></td></tr></table>'
    layout = {f.slug for f in checker.check(bad, features) if f.verdict == "layout"}
    assert "css-padding" in layout
