"""The store: items are updated not duplicated, prices stored once, editions keep edits."""

from __future__ import annotations

from datetime import UTC, date, datetime

from newsletter.types import Item, PriceItem

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def test_item_seen_again_is_updated_not_duplicated(store) -> None:
    st = store
    a = Item(source="s", url="https://x.example/a", guid="g1", title="Lynas up")
    r1 = st.save_items([a], NOW)
    r2 = st.save_items([a], NOW)
    r3 = st.save_items([Item(source="s", url="https://x.example/a", guid="g1",
                             title="Lynas up 5%")], NOW)
    assert (r1.new, r2.new, r2.updated, r3.new, r3.updated) == (1, 0, 0, 0, 1)
    assert st.count_items() == 1
    got = st.items_between(NOW.replace(hour=0), NOW)
    assert [g.item.title for g in got] == ["Lynas up 5%"]
    assert got[0].first_seen == NOW


def test_same_price_observation_from_two_sources_is_stored_once(store) -> None:
    st = store
    p = PriceItem("prnd_oxide", "price", 399000, 401000, "CNY/t", as_of=date(2026, 11, 24),
                  source="SMM")
    q = PriceItem("prnd_oxide", "price", 399000, 401000, "CNY/t", as_of=date(2026, 11, 24),
                  source="SunSirs")
    assert st.add_prices([p], item_id=None, now=NOW) == 1
    assert st.add_prices([q], item_id=None, now=NOW) == 0
    assert len(st.price_observations(date(2026, 11, 1))) == 1


def test_edits_survive_rebuild_and_approval_resets_on_change(store) -> None:
    st = store
    day = date(2026, 11, 24)
    st.save_edition(day, {"v": 1}, as_of=NOW, html_size=10, stories=[], now=NOW)
    st.save_edits(day, {"note": "hello"})
    st.approve(day, "ed", NOW)
    st.save_edition(day, {"v": 1, "generated_at": "later"}, as_of=NOW, html_size=10,
                    stories=[], now=NOW)
    row = st.edition(day)  # a rebuild with the same content keeps the approval
    assert row["status"] == "approved" and row["edits"] == {"note": "hello"}
    st.save_edition(day, {"v": 2}, as_of=NOW, html_size=10, stories=[], now=NOW)
    row = st.edition(day)
    assert row["status"] == "draft" and row["edits"] == {"note": "hello"}
    assert row["approved_by"] is None


def test_source_state_tracks_errors_and_keeps_validators(store) -> None:
    st = store
    st.save_source_state("s", "https://x", status="ok", error=None, etag='"e1"',
                         last_modified=None, permanent_redirect=None, now=NOW)
    st.save_source_state("s", "https://x", status="error", error="timeout", etag=None,
                         last_modified=None, permanent_redirect=None, now=NOW)
    assert st.fetch_states()["s"] == ('"e1"', None)
    h = st.source_health()[0]
    assert h["last_status"] == "error" and h["consecutive_errors"] == 1
