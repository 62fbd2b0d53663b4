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
