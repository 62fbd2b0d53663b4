"""The delivery ledger in the store: planning, claiming, send state."""

from __future__ import annotations

from datetime import timedelta

from delivery_helpers import EDITION, T0, populate


def test_plan_is_idempotent_and_adds_new_active_subscribers(store):
    emails = populate(store, 5)
    store.set_subscriber_status("daily", emails[0], "unsubscribed", "test", T0)
    assert store.plan_deliveries(EDITION, "daily", T0) == 4
    assert store.plan_deliveries(EDITION, "daily", T0) == 0
    store.add_subscriber("daily", "late@example.com", now=T0)
    assert store.plan_deliveries(EDITION, "daily", T0) == 1
    assert store.delivery_counts(EDITION, "daily")["pending"] == 5
    assert store.plan_deliveries(EDITION, "other", T0) == 0


def test_claim_is_exclusive_and_resume_resets_sending(store):
    populate(store, 3)
    store.plan_deliveries(EDITION, "daily", T0)
    due = store.due_deliveries(EDITION, "daily", T0)
    sid = due[0].subscriber_id
    assert store.claim_delivery(EDITION, "daily", sid, T0) == "claimed"
    assert store.claim_delivery(EDITION, "daily", sid, T0) == "gone"
    assert len(store.due_deliveries(EDITION, "daily", T0)) == 2
    assert store.reset_sending(EDITION, "daily", T0) == 1  # an interrupted run
    assert len(store.due_deliveries(EDITION, "daily", T0)) == 3
    # the combined "previous sent + next claim" transaction
    assert store.claim_delivery(EDITION, "daily", due[1].subscriber_id, T0,
                                sent=(sid, "<m@x>")) == "claimed"
    rows = {r["subscriber_id"]: r for r in store.deliveries(EDITION, "daily")}
    assert rows[sid]["status"] == "sent" and rows[sid]["message_id"] == "<m@x>"
    assert rows[sid]["attempts"] == 1


def test_deferred_rows_are_due_only_when_their_time_comes(store):
    populate(store, 2)
    store.plan_deliveries(EDITION, "daily", T0)
    sid = store.claim_next(EDITION, "daily", T0).subscriber_id
    later = T0 + timedelta(minutes=5)
    store.mark_deferred(EDITION, "daily", sid, "451 later", later, T0)
    assert [d.subscriber_id for d in store.due_deliveries(EDITION, "daily", T0)] != [sid]
    assert sid in [d.subscriber_id for d in store.due_deliveries(EDITION, "daily", later)]
    assert store.next_deferred_at(EDITION, "daily") == later


def test_send_state_decides_one_edition_per_list_per_day(store):
    assert store.send_state(EDITION, "daily") is None
    assert store.begin_send(EDITION, "daily", T0)
    store.finish_send(EDITION, "daily", "paused", "server down", T0)
    summary = store.pending_deliveries_summary()
    assert summary[0]["state"] == "paused" and summary[0]["detail"] == "server down"
    assert store.begin_send(EDITION, "daily", T0)  # resume
    store.finish_send(EDITION, "daily", "sent", "done", T0)
    assert not store.begin_send(EDITION, "daily", T0)
    assert store.send_state(EDITION, "daily")["finished"] is not None
    assert store.pending_deliveries_summary() == []
    assert store.last_sent_edition("daily") == EDITION


def test_bounce_does_not_override_unsubscribe(store):
    emails = populate(store, 1)
    store.plan_deliveries(EDITION, "daily", T0)
    sid = store.claim_next(EDITION, "daily", T0).subscriber_id
    store.unsubscribe("daily", sid, T0)
    store.mark_failed(EDITION, "daily", sid, "550 no such user", T0, bounce=True)
    assert store.get_subscriber("daily", emails[0]).status == "unsubscribed"


def test_concurrent_claimers_take_each_row_exactly_once(store, store_url):
    import threading

    from newsletter.store import open_store

    populate(store, 60)
    store.plan_deliveries(EDITION, "daily", T0)
    got: list[int] = []
    lock = threading.Lock()

    def claimer() -> None:
        st = open_store(store_url)
        try:
            while (row := st.claim_next(EDITION, "daily", T0)) is not None:
                with lock:
                    got.append(row.subscriber_id)
        finally:
            st.close()

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 60 and len(set(got)) == 60
    assert store.delivery_counts(EDITION, "daily")["sending"] == 60


def test_claim_batch_streams_in_id_order_skips_the_inactive_and_releases(store):
    from newsletter.store._deliveries import Outcome

    emails = populate(store, 10)
    store.plan_deliveries(EDITION, "daily", T0)
    store.unsubscribe("daily", store.get_subscriber("daily", emails[2]).id, T0)
    claimed, skipped, last = store.claim_batch(EDITION, "daily", T0, after=0, limit=4)
    ids = [d.subscriber_id for d in claimed]
    assert skipped == 1 and len(ids) == 3 and ids == sorted(ids) and last >= ids[-1]
    assert all(d.attempts == 0 and d.email for d in claimed)  # attempts before the claim
    counts = store.delivery_counts(EDITION, "daily")
    assert counts["sending"] == 3 and counts["skipped"] == 1 and counts["pending"] == 6
    rest, skipped2, last2 = store.claim_batch(EDITION, "daily", T0, after=last, limit=100)
    assert skipped2 == 0 and len(rest) == 6 and rest[0].subscriber_id > last
    assert store.claim_batch(EDITION, "daily", T0, after=last2, limit=100) == ([], 0, None)
    # outcomes of one group in one call; a row never handed over goes back untouched
    a, b, c, d = ids[0], ids[1], ids[2], rest[0].subscriber_id
    later = T0 + timedelta(minutes=5)
    store.record_outcomes(EDITION, "daily", [
        Outcome("sent", a, T0, message_id="<a@x>"),
        Outcome("deferred", b, T0, error="451 later", next_attempt=later),
        Outcome("failed", c, T0, error="550 no such user", bounce=True),
        Outcome("released", d, T0, error="connection refused")])
    store.release_claimed(EDITION, "daily", [r.subscriber_id for r in rest[1:]], T0)
    rows = {r["subscriber_id"]: r for r in store.deliveries(EDITION, "daily")}
    assert rows[a]["status"] == "sent" and rows[a]["message_id"] == "<a@x>"
    assert rows[b]["status"] == "deferred" and rows[b]["attempts"] == 1
    assert rows[c]["status"] == "failed"
    assert store.get_subscriber("daily", c).status == "bounced"
    assert rows[d]["status"] == "pending" and rows[d]["attempts"] == 0
    assert all(rows[r.subscriber_id]["status"] == "pending"
               and rows[r.subscriber_id]["attempts"] == 0 for r in rest[1:])
    # deferred rows come back once due
    assert b not in [x.subscriber_id for x in store.claim_batch(EDITION, "daily", T0)[0]]
    store.release_claimed(EDITION, "daily", [x.subscriber_id for x in rest], T0)
    assert b in [x.subscriber_id for x in store.claim_batch(EDITION, "daily", later,
                                                             limit=100)[0]]


def test_concurrent_batch_claimers_never_share_a_row(store, store_url):
    import threading

    from newsletter.store import open_store

    populate(store, 300)
    store.plan_deliveries(EDITION, "daily", T0)
    got: list[int] = []
    lock = threading.Lock()

    def claimer() -> None:
        st = open_store(store_url)
        after = 0
        try:
            while True:
                rows, _skipped, last = st.claim_batch(EDITION, "daily", T0, after=after,
                                                      limit=7)
                if last is None:
                    return
                after = last
                with lock:
                    got.extend(r.subscriber_id for r in rows)
        finally:
            st.close()

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 300 and len(set(got)) == 300
