"""Subscriber lists: CSV import/validation/export, suppression, confirmed opt-in."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from delivery_helpers import T0, make_store

from newsletter.config import Config
from newsletter.deliver import (
    add_subscriber,
    export_csv,
    import_csv,
    list_subscribers,
    remove_subscriber,
    sync_list,
    validate_address,
)
from newsletter.exceptions import StoreError, SubscriberError

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str, name: str = "list.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_import_reports_file_line_reasons_and_keeps_valid_rows(tmp_path, store):
    p = write(tmp_path, (
        "email,name,company\n"
        "ana@example.com,Ana,Acme\n"
        "not-an-address,Bob,\n"                       # line 3
        "\n"
        "carl@example.org,\"Carl\r\nBcc: x@evil.example\",\n"   # line 5: CR/LF in a name
        "dora@example.net,Dora,Dora Ltd\n"            # line 7
        "eve@@example.com,Eve,\n"                     # line 8
        "\"fay\"@example.com,Fay,\n"                  # line 9: quoted local part
        "gus@[192.0.2.1],Gus,\n"                      # line 10: domain literal
        "hal@example.com,Hal,x,extra\n"               # line 11: too many values
        "ivy@localhost,Ivy,\n"                        # line 12
    ))
    rep = import_csv(store, p, "daily", now=T0)
    assert rep.added == 2 and rep.rows_total == 9
    lines = [r.split(":")[1] for r in rep.rejected]
    assert lines == ["3", "5", "8", "9", "10", "11", "12"]
    assert all(r.startswith(f"{p}:") for r in rep.rejected)
    assert "line break" in rep.rejected[1]
    subs = list_subscribers(store, "daily")
    assert [s["email"] for s in subs] == ["ana@example.com", "dora@example.net"]
    assert subs[0]["fields"] == {"company": "Acme"} and subs[0]["status"] == "active"
    import json
    json.dumps(subs)  # JSON-ready for `subscribers list --json`


def test_missing_email_column_names_line_1(tmp_path, store):
    p = write(tmp_path, "mail,name\nana@example.com,Ana\n")
    with pytest.raises(SubscriberError, match=r"list\.csv:1: .*'email' column"):
        import_csv(store, p, "daily", now=T0)
    assert list_subscribers(store, "daily") == []


def test_not_utf8_names_the_line(tmp_path, store):
    p = tmp_path / "latin1.csv"
    p.write_bytes("email,name\nana@example.com,Ana\nbo@example.com,Bj\xf6rn\n".encode("latin-1"))
    with pytest.raises(SubscriberError, match=r"latin1\.csv:3: not UTF-8"):
        import_csv(store, p, "daily", now=T0)


def test_duplicates_merge_case_insensitive_domain_later_row_wins(tmp_path, store):
    p = write(tmp_path, "email,name\nDan@Example.COM,Daniel\nDan@example.com,Dan\n"
                        "dan@example.com,lower local part is another address\n")
    rep = import_csv(store, p, "daily", now=T0)
    assert rep.merged_duplicates == 1 and rep.added == 2
    sub = store.get_subscriber("daily", "Dan@EXAMPLE.com")
    assert sub is not None and sub.name == "Dan" and sub.email == "Dan@example.com"


def test_reimport_updates_and_never_undoes_suppression(tmp_path, store):
    p = write(tmp_path, "email,name\nana@example.com,Ana\nbob@example.com,Bob\n"
                        "cy@example.com,Cy\ndi@example.com,Di\n")
    import_csv(store, p, "daily", now=T0)
    assert remove_subscriber(store, "daily", "ana@example.com", now=T0)
    store.set_subscriber_status("daily", "bob@example.com", "bounced", "550 no user", T0)
    store.set_subscriber_status("daily", "cy@example.com", "complained", "FBL", T0)
    p = write(tmp_path, "email,name\nana@example.com,Ana B\nbob@example.com,Bob\n"
                        "cy@example.com,Cy\ndi@example.com,Diana\n")
    rep = import_csv(store, p, "daily", now=T0)
    assert (rep.added, rep.updated, rep.unchanged, rep.kept_suppressed) == (0, 2, 2, 3)
    status = {s["email"]: s["status"] for s in list_subscribers(store, "daily")}
    assert status == {"ana@example.com": "unsubscribed", "bob@example.com": "bounced",
                      "cy@example.com": "complained", "di@example.com": "active"}
    assert [s.email for s in store.active_recipients("daily")] == ["di@example.com"]
    # only a confirmed opt-in reactivates
    sub = store.confirm_subscriber("daily", "ana@EXAMPLE.com", "Ana", T0)
    assert sub.status == "active" and sub.confirmed_at is not None
    import_csv(store, p, "daily", now=T0)
    assert store.get_subscriber("daily", "ana@example.com").status == "active"


def test_reimport_keeps_a_name_the_subscriber_chose_until_the_file_changes_it(tmp_path,
                                                                              store):
    p = write(tmp_path, "email,name\nana@example.com,Ana\nbob@example.com,Bob\n")
    import_csv(store, p, "daily", now=T0)
    ana = store.get_subscriber("daily", "ana@example.com")
    assert store.rename_subscriber("daily", ana.id, "Ana María", T0)  # preferences page
    rep = import_csv(store, p, "daily", now=T0)  # the nightly sync of the unchanged file
    assert (rep.updated, rep.unchanged) == (0, 2)
    assert store.get_subscriber("daily", "ana@example.com").name == "Ana María"
    # the operator edits the file afterwards: the newer edit wins
    p = write(tmp_path, "email,name\nana@example.com,Dr Ana Ruiz\nbob@example.com,Bob\n")
    rep = import_csv(store, p, "daily", now=T0)
    assert (rep.updated, rep.unchanged) == (1, 1)
    assert store.get_subscriber("daily", "ana@example.com").name == "Dr Ana Ruiz"


def test_a_schema_1_store_is_migrated_and_its_names_kept(tmp_path):
    from sqlalchemy import text

    from newsletter.store import open_store
    from newsletter.store._migrate import head

    st = make_store(tmp_path)
    p = write(tmp_path, "email,name\nana@example.com,Ana\n")
    import_csv(st, p, "daily", now=T0)
    with st.begin() as c:  # turn it into a store written by schema 1
        c.execute(text("ALTER TABLE subscribers DROP COLUMN file_name"))
        c.execute(text("DROP TABLE alembic_version"))
        c.execute(text("INSERT INTO meta VALUES ('schema_version', '1')"))
    st.close()
    st = open_store(f"sqlite:///{tmp_path / 'newsletter.db'}")
    try:
        with st.begin() as c:
            assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == head()
        assert st.get_subscriber("daily", "ana@example.com").name == "Ana"
        import_csv(st, p, "daily", now=T0)  # fills file_name in; the name stays
        ana = st.get_subscriber("daily", "ana@example.com")
        st.rename_subscriber("daily", ana.id, "Ana R", T0)
        import_csv(st, p, "daily", now=T0)
        assert st.get_subscriber("daily", "ana@example.com").name == "Ana R"
    finally:
        st.close()


def test_import_is_all_or_nothing_when_the_write_fails(tmp_path, store, monkeypatch):
    p = write(tmp_path, "email,name\nana@example.com,Ana\nbob@example.com,Bob\n")
    from sqlalchemy import insert as sa_insert

    from newsletter.store import _subscribers as mod
    calls = {"n": 0}

    def failing_insert(table):
        calls["n"] += 1
        raise StoreError("disk full")
    monkeypatch.setattr(mod, "insert", failing_insert)
    store.add_subscriber  # noqa: B018 (the store is usable before)
    with pytest.raises(StoreError):
        import_csv(store, p, "daily", now=T0)
    monkeypatch.setattr(mod, "insert", sa_insert)
    assert list_subscribers(store, "daily") == []


def test_unsubscribe_is_idempotent_and_keeps_stronger_status(tmp_path, store):
    sub, created = add_subscriber(store, "daily", "ana@example.com", "Ana", now=T0)
    assert created
    assert store.unsubscribe("daily", sub.id, T0) and store.unsubscribe("daily", sub.id, T0)
    assert store.get_subscriber("daily", sub.id).status == "unsubscribed"
    assert not store.unsubscribe("daily", 9999, T0)
    assert not store.unsubscribe("other", sub.id, T0)
    assert not store.unsubscribe("daily", "junk", T0)  # type: ignore[arg-type]
    assert store.get_subscriber("daily", str(sub.id)).id == sub.id
    assert store.get_subscriber("daily", "not an address") is None
    b, _ = add_subscriber(store, "daily", "bo@example.com", now=T0)
    store.set_subscriber_status("daily", b.id, "bounced", "550", T0)
    assert store.unsubscribe("daily", b.id, T0)
    assert store.get_subscriber("daily", b.id).status == "bounced"


def test_add_rejects_crlf_and_bad_addresses(store):
    with pytest.raises(SubscriberError, match="line break"):
        add_subscriber(store, "daily", "ana@example.com", "Ana\r\nBcc: x@y.example", now=T0)
    with pytest.raises(SubscriberError, match="line break"):
        add_subscriber(store, "daily", "ana@example.com\r\nBcc: x@y.example", now=T0)
    with pytest.raises(SubscriberError):
        add_subscriber(store, "daily", "no at sign", now=T0)
    assert list_subscribers(store, "daily") == []


@pytest.mark.parametrize("address", [
    "plain@example.com", "first.last+tag@sub.example.org", "o'hara@example.ie",
    "user@bücher.example"])
def test_valid_addresses(address):
    email, key = validate_address(address)
    assert "@" in email and key.isascii()


def test_internationalised_local_parts_are_accepted():
    # sent with SMTPUTF8 (RFC 6531); the domain part of the key is IDNA
    email, key = validate_address("jürgen@Bücher.example")
    assert (email, key) == ("jürgen@bücher.example", "jürgen@xn--bcher-kva.example")


@pytest.mark.parametrize("address", [
    "", "a@b", "a..b@example.com", ".a@example.com", "a@example..com", "a@-example.com",
    "a b@example.com", "a@example.com (comment)", "\"quoted\"@example.com",
    "a@[127.0.0.1]", "a@localhost", "ünï @example.com", "a@example.com\n", "x" * 65 + "@e.com"])
def test_invalid_addresses(address):
    with pytest.raises(SubscriberError):
        validate_address(address)


def test_export_roundtrip(tmp_path, store):
    p = write(tmp_path, "email,name,company,country\nana@example.com,\"Lindqvist, Anna\",A,SE\n"
                        "mei@example.net,Chen Mei,,CN\n")
    import_csv(store, p, "daily", now=T0)
    remove_subscriber(store, "daily", "mei@example.net", now=T0)
    buf = io.StringIO()
    assert export_csv(store, "daily", buf) == 2
    lines = buf.getvalue().splitlines()
    assert lines[0] == "email,name,status,company,country"
    assert lines[1] == 'ana@example.com,"Lindqvist, Anna",active,A,SE'
    out = tmp_path / "out.csv"
    export_csv(store, "daily", out)
    rep = import_csv(store, out, "daily", now=T0)
    assert rep.rejected == [] and rep.unchanged == 2 and rep.kept_suppressed == 1


def test_sample_list_is_clean_and_sync_uses_config(tmp_path, store):
    cfg = Config(root=REPO)
    rep = sync_list(store, cfg, "daily", T0)
    assert rep.rejected == [] and rep.merged_duplicates == 1
    assert rep.added == rep.rows_total - 1 >= 19
    names = [s["name"] for s in list_subscribers(store, "daily")]
    assert any(not n.isascii() for n in names)
    assert sync_list(store, cfg, "daily", T0).added == 0


def test_missing_list_file(tmp_path, store):
    cfg = Config(root=tmp_path)
    with pytest.raises(SubscriberError, match="not found"):
        sync_list(store, cfg, "daily", T0)


def test_hostile_csv_is_bounded(tmp_path, store):
    huge = "x" * 20000
    p = write(tmp_path, f"email,name\nana@example.com,{huge}\n\"unterminated,Bob\n")
    rep = import_csv(store, p, "daily", now=T0)
    assert rep.added == 0 and len(rep.rejected) >= 1
    assert "longer" in rep.rejected[0]
