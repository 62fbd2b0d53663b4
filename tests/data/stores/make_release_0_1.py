"""How ``release-0.1.db`` was made: run with the code of the release BEFORE Alembic
(commit 947daf8, schema_version 2), never with the current code:

    git worktree add /tmp/rel 947daf8
    cd tests/data/stores && PYTHONPATH=/tmp/rel python make_release_0_1.py release-0.1.db

It holds a little of everything the store keeps: items, prices, an edition with its
stories and archive page, subscribers in every status on two lists, a delivery ledger in
several states, a finished and an unfinished send, runs, source state and robots entries.
"""

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from newsletter.store import open_store
from newsletter.store._subscribers import SubscriberInput
from newsletter.types import Item, PriceItem

T0 = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
out = Path(sys.argv[1])
out.unlink(missing_ok=True)
st = open_store(f"sqlite:///{out}")
res = st.save_items([Item(source="Mining.com", url=f"https://x.example/{i}", guid=f"g{i}",
                          title=f"Lynas story {i}", text=f"Body {i} ÄÖ 稀土",
                          published=T0 - timedelta(hours=i), highlights=(f"h{i}",))
                     for i in range(5)], T0)
st.add_prices([PriceItem("prnd_oxide", "price", 399000 + i, 401000 + i, "CNY/t",
                         change=-2000, change_pct=-0.5, as_of=date(2026, 11, 20 + i),
                         source="SMM") for i in range(4)], item_id=res.changed_ids[0], now=T0)
for day in (date(2026, 11, 23), date(2026, 11, 24)):
    st.save_edition(day, {"date": day.isoformat(), "title": "REE Daily", "sections": []},
                    as_of=T0, html_size=12345,
                    stories=[{"story_id": f"s{day.day}", "url": "https://x.example/0",
                              "title": "Lynas story 0", "fingerprint": "abc def"}], now=T0)
    st.save_archive(day, f"<html><body>{day}</body></html>")
    st.publish_archive(day)
st.approve(date(2026, 11, 24), "editor@example.com", T0)
st.save_edits(date(2026, 11, 23), {"drop": ["s1"]})
rows = [SubscriberInput(email=f"user{i}@example.com", key=f"user{i}@example.com",
                        name=f"User {i}", fields={"company": f"C{i}"}) for i in range(12)]
st.upsert_subscribers("daily", rows, T0)
st.upsert_subscribers("weekly", rows[:3], T0)
st.set_subscriber_status("daily", "user1@example.com", "unsubscribed", "one-click", T0)
st.set_subscriber_status("daily", "user2@example.com", "bounced", "550 no such user", T0)
st.set_subscriber_status("daily", "user3@example.com", "complained", "abuse report", T0)
st.rename_subscriber("daily", st.get_subscriber("daily", "user4@example.com").id,
                     "Dr User Four", T0)
ed = date(2026, 11, 23)
st.begin_send(ed, "daily", T0)
st.plan_deliveries(ed, "daily", T0)
for d in st.due_deliveries(ed, "daily", T0):
    st.claim_delivery(ed, "daily", d.subscriber_id, T0)
    st.mark_sent(ed, "daily", d.subscriber_id, f"<{d.subscriber_id}@ree>", T0)
st.finish_send(ed, "daily", "sent", None, T0)
ed = date(2026, 11, 24)
st.begin_send(ed, "daily", T0)
st.plan_deliveries(ed, "daily", T0)
due = st.due_deliveries(ed, "daily", T0)
st.claim_delivery(ed, "daily", due[0].subscriber_id, T0)
st.mark_sent(ed, "daily", due[0].subscriber_id, "<x@ree>", T0)
st.claim_delivery(ed, "daily", due[1].subscriber_id, T0)
st.mark_deferred(ed, "daily", due[1].subscriber_id, "451 try later", T0 + timedelta(hours=1), T0)
st.claim_delivery(ed, "daily", due[2].subscriber_id, T0)
st.mark_failed(ed, "daily", due[2].subscriber_id, "550 gone", T0, bounce=True)
st.claim_delivery(ed, "daily", due[3].subscriber_id, T0)  # left in sending: a killed run
st.finish_send(ed, "daily", "paused", "stopped", T0)
for job in ("collect", "build", "send"):
    st.finish_run(st.start_run(job, T0), "ok", {"n": 1}, T0 + timedelta(seconds=5))
st.save_source_state("Mining.com", "https://x.example/feed", status="ok", error=None,
                     etag='"e1"', last_modified="Mon, 23 Nov 2026 06:00:00 GMT",
                     permanent_redirect=None, now=T0)
st.save_robots({"https://x.example": {"body": "User-agent: *\nDisallow: /private",
                                      "etag": None, "last_modified": None,
                                      "fetched_at": T0}}, now=T0)
st.close()
print(out, out.stat().st_size)
