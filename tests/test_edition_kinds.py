"""Editions per kind (issue 17, revision 0003_edition_kinds), on SQLite and PostgreSQL: the
daily edition and the weekly recap of the same date are two editions with their own
approval and archive page; a store at 0002 keeps its editions as dailies through the
upgrade and back."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import text

from newsletter.store import open_store
from newsletter.store._migrate import alembic_config

FRI = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 16, tzinfo=UTC)


def test_a_daily_and_a_weekly_of_one_date_are_two_editions(store) -> None:
    store.save_edition(FRI, {"date": "2026-11-27", "sections": []}, as_of=NOW,
                       html_size=10, stories=[{"story_id": "a", "url": "https://x.example/a",
                                               "title": "A", "fingerprint": "f"}], now=NOW)
    store.save_edition(FRI, {"kind": "weekly", "date": "2026-11-27"}, as_of=NOW,
                       html_size=20, stories=[], now=NOW, kind="weekly")
    assert store.edition(FRI)["edition"] == {"date": "2026-11-27", "sections": []}
    assert store.edition(FRI, "weekly")["edition"]["kind"] == "weekly"
    assert store.edition(FRI, "weekly")["html_size"] == 20
    # the weekly does not touch the daily's story fingerprints
    assert [r["story_id"] for r in store.previous_stories(date(2026, 11, 28), FRI)] == ["a"]
    store.approve(FRI, "ed@example.com", NOW, kind="weekly")
    assert store.edition(FRI, "weekly")["status"] == "approved"
    assert store.edition(FRI)["status"] == "draft"
    assert store.latest_edition_date("weekly") == FRI
    assert store.edition_dates("weekly") == [FRI]
    assert store.editions_between(date(2026, 11, 23), FRI) == {
        FRI: {"date": "2026-11-27", "sections": []}}
    store.save_archive(FRI, "<p>daily</p>")
    store.save_archive(FRI, "<p>weekly</p>", kind="weekly")
    store.publish_archive(FRI, kind="weekly")
    assert store.archive_page(FRI) is None  # the daily is not published yet
    assert store.archive_page(FRI, kind="weekly") == "<p>weekly</p>"
    assert store.archive_dates(kind="weekly") == [FRI] and store.archive_dates() == []


def test_a_0002_store_upgrades_with_its_editions_as_dailies_and_downgrades(store_url) -> None:
    st = open_store(store_url)
    with st.engine.begin() as c:
        command.downgrade(alembic_config(c), "0002_basis_bounces")
        c.execute(text("INSERT INTO editions (date, status, edition_json, edits_json, "
                       "built_at) VALUES ('2026-11-26', 'sent', '{\"date\": \"2026-11-26\"}', "
                       "'{}', '2026-11-26 06:00:00+00:00')"))
        c.execute(text("INSERT INTO edition_stories VALUES ('2026-11-26', 's1', "
                       "'https://x.example/1', 'T', 'fp')"))
        command.upgrade(alembic_config(c), "head")
    row = st.edition(date(2026, 11, 26))
    assert row["status"] == "sent" and row["edition"] == {"date": "2026-11-26"}
    assert st.edition(date(2026, 11, 26), "weekly") is None
    assert len(st.previous_stories(date(2026, 11, 27), date(2026, 11, 20))) == 1
    st.save_edition(FRI, {"kind": "weekly"}, as_of=None, html_size=1, stories=[], now=NOW,
                    kind="weekly")
    with st.engine.begin() as c:
        command.downgrade(alembic_config(c), "0002_basis_bounces")
        assert c.execute(text("SELECT count(*) FROM editions")).scalar() == 1  # the daily
        assert c.execute(text("SELECT count(*) FROM edition_stories")).scalar() == 1
        command.upgrade(alembic_config(c), "head")
    st.close()
