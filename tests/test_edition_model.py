"""The typed edition (newsletter.types.Edition): stored editions keep loading and the JSON
format stays the one earlier releases wrote.

``data/edition-0.2-stored.json`` is the ``editions.edition_json`` of an offline demo build
made with the code before the typed model (the untyped dict); ``data/edition.json`` is a
hand-made edition with only some keys; the release-0.1 store holds two minimal ones.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import FrozenInstanceError, replace
from datetime import date
from pathlib import Path

import pytest

from newsletter.config import Config
from newsletter.render import render_edition, render_web_edition
from newsletter.types import Edition, PriceRow

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parent.parent


def _stored() -> dict:
    return json.loads((DATA / "edition-0.2-stored.json").read_text(encoding="utf-8"))


def test_an_edition_stored_by_the_dict_code_reads_back_to_the_same_json() -> None:
    stored = _stored()
    ed = Edition.from_json(stored)
    assert ed.to_json() == stored
    # the typed fields carry what the email shows
    assert ed.date == date(2026, 11, 25)
    assert ed.stories and all(st.id and st.url for st in ed.stories)
    row = next(p for p in ed.prices if p.usd_low is not None)
    assert isinstance(row, PriceRow) and row.usd_note == "ex-VAT" and row.unit in {"CNY/t",
                                                                                  "CNY/kg"}
    assert ed.fx is not None and ed.fx.usable
    assert ed.index_chart is not None and ed.index_chart.commodity == "creia_index"
    assert len(ed.index_chart.points) >= 2


def test_json_text_is_unchanged_through_the_model() -> None:
    stored = _stored()
    again = Edition.from_json(json.loads(json.dumps(stored))).to_json()
    assert json.dumps(again, sort_keys=True) == json.dumps(stored, sort_keys=True)


def test_hand_made_and_release_0_1_editions_load_with_defaults() -> None:
    hand = json.loads((DATA / "edition.json").read_text(encoding="utf-8"))
    ed = Edition.from_json(hand)
    assert ed.prices and ed.prices[0].sources == () and ed.prices[0].basis is None
    assert ed.prices[0].usd_low is None
    with sqlite3.connect(DATA / "stores" / "release-0.1.db") as c:
        docs = [json.loads(j) for (j,) in c.execute("select edition_json from editions")]
    assert docs
    for doc in docs:
        old = Edition.from_json(doc)
        assert old.prices == () and old.fx is None and old.index_chart is None
        assert old.to_json()["date"] == doc["date"]


def test_the_email_and_web_page_are_the_same_from_the_model_or_its_json() -> None:
    cfg = Config(root=REPO)
    stored = _stored()
    ed = Edition.from_json(stored)
    a = render_edition(stored, config=cfg, list_name="daily")
    b = render_edition(ed, config=cfg, list_name="daily")
    assert (a.html, a.text, a.subject, a.chart_png) == (b.html, b.text, b.subject, b.chart_png)
    assert render_web_edition(stored, config=cfg) == render_web_edition(ed, config=cfg)


def test_a_malformed_edition_is_refused_with_its_reason() -> None:
    with pytest.raises(ValueError, match="no 'sections'"):
        Edition.from_json({"date": "2026-11-24"})
    with pytest.raises(ValueError, match="not YYYY-MM-DD"):
        Edition.from_json({"date": "tomorrow", "sections": []})


def test_the_model_is_frozen() -> None:
    ed = Edition.from_json(_stored())
    with pytest.raises(FrozenInstanceError):
        ed.title = "x"  # type: ignore[misc]
    assert replace(ed, title="Weekly").title == "Weekly"
