from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from orchestration.lever.retention import purge_personal_data
from orchestration.lever.state import SyncState
from orchestration.lever.store import RawRecord, RawStore

T0 = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.fixture
def store():
    conn = duckdb.connect()
    RawStore.ensure_schema(conn)
    return RawStore(conn, "lever:test")


@pytest.fixture
def state(store):
    return SyncState(store.conn, store.integration_id)


def rows(store, table, columns="id, payload_hash, _seq, missing_since, deleted_at"):
    return store.conn.execute(f"SELECT {columns} FROM lever_raw.{table} ORDER BY id").fetchall()


def write(store, table, records, now=T0):
    with store.transaction() as seq:
        return store.write_listing(table, records, run_id="run", now=now, seq=seq, scope=None)[0]


def test_replaying_a_page_changes_nothing(store):
    page = [RawRecord("a", {"id": "a", "name": "Ada"}), RawRecord("b", {"id": "b", "name": "Bo"})]
    assert write(store, "users", page) == 2
    before = rows(store, "users", "*")
    assert write(store, "users", page, now=T0 + timedelta(hours=1)) == 0
    assert rows(store, "users", "*") == before


def test_key_order_is_not_a_change_but_a_value_is(store):
    write(store, "users", [RawRecord("a", {"id": "a", "name": "Ada", "email": "a@x.io"})])
    assert write(store, "users", [RawRecord("a", {"email": "a@x.io", "name": "Ada", "id": "a"})]) == 0
    assert write(store, "users", [RawRecord("a", {"email": "a@x.io", "name": "Ada L", "id": "a"})]) == 1


def test_unknown_fields_are_kept_verbatim(store):
    payload = {"id": "a", "brandNewField": {"nested": [1, "ü", None]}}
    write(store, "users", [RawRecord("a", payload)])
    stored = store.conn.execute("SELECT payload->'$.brandNewField' FROM lever_raw.users").fetchone()[0]
    assert stored == '{"nested":[1,"ü",null]}'


def test_duplicate_ids_in_one_batch_keep_the_later_copy(store):
    write(store, "users", [RawRecord("a", {"id": "a", "v": 1}), RawRecord("a", {"id": "a", "v": 2})])
    assert store.conn.execute("SELECT payload->>'$.v' FROM lever_raw.users").fetchall() == [("2",)]


def test_each_transaction_gets_a_higher_load_sequence(store):
    write(store, "users", [RawRecord("a", {"id": "a"})])
    write(store, "users", [RawRecord("b", {"id": "b"})])
    (a_seq, b_seq) = [r[2] for r in rows(store, "users")]
    assert b_seq > a_seq


def test_a_failed_transaction_leaves_nothing(store, state):
    with pytest.raises(RuntimeError), store.transaction() as seq:
        store.write_listing("users", [RawRecord("a", {"id": "a"})], run_id="r", now=T0, seq=seq, scope=None)
        state.set_cursor("users", "x", now=T0, run_id="r")
        raise RuntimeError("crash")
    assert rows(store, "users") == []
    assert state.cursor("users") is None


def test_missing_records_are_marked_once_and_unmarked_on_return(store):
    write(store, "users", [RawRecord(i, {"id": i}) for i in "abc"])
    with store.transaction() as seq:
        assert store.mark_missing("users", ["a", "b"], now=T0, seq=seq, run_id="r") == 1
    with store.transaction() as seq:
        assert store.mark_missing("users", ["a"], now=T0 + timedelta(days=1), seq=seq, run_id="r") == 1
    marks = {r[0]: r[3] for r in rows(store, "users")}
    assert marks == {"a": None, "b": T0 + timedelta(days=1), "c": T0}
    write(store, "users", [RawRecord("c", {"id": "c"})])
    assert {r[0]: r[3] for r in rows(store, "users")}["c"] is None


def test_missing_children_are_scoped_to_refreshed_parents(store):
    write(store, "notes", [RawRecord("n1", {"id": "n1"}, "o1"), RawRecord("n2", {"id": "n2"}, "o2")])
    with store.transaction() as seq:
        store.write_listing("notes", [], now=T0, seq=seq, run_id="r", scope=["o1"])
    assert {r[0]: r[3] for r in rows(store, "notes")} == {"n1": T0, "n2": None}


def listing(store, table, records, scope, now=T0):
    with store.transaction() as seq:
        return store.write_listing(table, records, run_id="run", now=now, seq=seq, scope=scope)


def test_a_child_listing_writes_its_changes_and_marks_only_its_parents_rows_missing(store):
    write(store, "notes", [RawRecord("n1", {"id": "n1"}, "o1"), RawRecord("n2", {"id": "n2"}, "o1")])
    write(store, "notes", [RawRecord("n3", {"id": "n3"}, "o2")])
    later = T0 + timedelta(hours=1)
    page = [RawRecord("n1", {"id": "n1", "v": 2}, "o1"), RawRecord("n4", {"id": "n4"}, "o1")]
    assert listing(store, "notes", page, ["o1"], now=later) == (2, 1)
    assert {r[0]: r[3] for r in rows(store, "notes")} == {"n1": None, "n2": later, "n3": None, "n4": None}
    before = rows(store, "notes", "*")
    assert listing(store, "notes", page, ["o1"], now=later + timedelta(hours=1)) == (0, 0)
    assert rows(store, "notes", "*") == before  # a replay reads, and writes nothing


def test_a_child_listed_under_another_parent_moves_there_and_a_returning_one_is_unmarked(store):
    write(store, "notes", [RawRecord("n1", {"id": "n1"}, "o1"), RawRecord("n2", {"id": "n2"}, "o2")])
    listing(store, "notes", [], ["o2"])
    assert listing(store, "notes", [RawRecord("n1", {"id": "n1"}, "o2")], ["o2"]) == (1, 0)
    assert listing(store, "notes", [RawRecord("n2", {"id": "n2"}, "o2")], ["o2"]) == (1, 1)
    got = {r[0]: (r[1], r[2]) for r in rows(store, "notes", "id, parent_id, missing_since")}
    assert got == {"n1": ("o2", T0), "n2": ("o2", None)}
    # outside the scope, a listed record is found by id: unchanged, it is left alone
    assert listing(store, "notes", [RawRecord("n2", {"id": "n2"}, "o2")], ["o9"]) == (0, 0)


def test_an_account_wide_listing_marks_every_row_it_no_longer_holds(store):
    write(store, "users", [RawRecord(i, {"id": i}, position=n) for n, i in enumerate("abc")])
    assert listing(store, "users", [RawRecord("c", {"id": "c"}, position=0)], "table") == (1, 2)
    assert {r[0]: r[3] for r in rows(store, "users")} == {"a": T0, "b": T0, "c": None}


def kept(store):
    return rows(store, "opportunities", "id, created_at_ms, is_anonymized")


def test_fields_read_across_the_whole_table_are_kept_as_columns_and_follow_the_payload(store):
    write(store, "opportunities", [RawRecord("o1", {"id": "o1", "createdAt": 1700000000123, "isAnonymized": False})])
    write(store, "opportunities", [RawRecord("o2", {"id": "o2", "createdAt": "yesterday"})])
    assert kept(store) == [("o1", 1700000000123, False), ("o2", None, None)]
    write(store, "opportunities", [RawRecord("o1", {"id": "o1", "createdAt": 1700000000123, "isAnonymized": True})])
    assert kept(store)[0] == ("o1", 1700000000123, True)


def test_a_warehouse_from_before_the_kept_columns_gains_them_filled_from_its_payloads(store):
    write(store, "opportunities", [RawRecord("o1", {"id": "o1", "createdAt": 1700000000123, "isAnonymized": True})])
    write(store, "opportunities", [RawRecord("o2", {"id": "o2", "createdAt": 1.7e12, "isAnonymized": "yes"})])
    for column in ("created_at_ms", "is_anonymized"):
        store.conn.execute(f"ALTER TABLE lever_raw.opportunities DROP COLUMN {column}")
    RawStore.ensure_schema(store.conn)
    assert kept(store) == [("o1", 1700000000123, True), ("o2", 1700000000000, None)]
    RawStore.ensure_schema(store.conn)  # once: a second start changes nothing
    assert kept(store) == [("o1", 1700000000123, True), ("o2", 1700000000000, None)]


def test_deleted_feed_marks_and_cascades_to_children(store):
    write(store, "opportunities", [RawRecord("o1", {"id": "o1"}), RawRecord("o2", {"id": "o2"})])
    write(store, "interviews", [RawRecord("i1", {"id": "i1"}, "o1"), RawRecord("i2", {"id": "i2"}, "o2")])
    write(store, "applications", [RawRecord("a1", {"id": "a1"}, "o1")])
    deleted = T0 + timedelta(hours=3)
    with store.transaction() as seq:
        assert store.mark_deleted("opportunities", [("o1", deleted), ("zz", deleted)], seq=seq, run_id="r") == 1
        store.cascade_to_children("opportunities", seq=seq, run_id="r")
    assert {r[0]: r[4] for r in rows(store, "opportunities")} == {"o1": deleted, "o2": None}
    assert {r[0]: r[3] for r in rows(store, "interviews")} == {"i1": deleted, "i2": None}
    assert rows(store, "applications")[0][3] == deleted


def test_purge_after_fourteen_days_keeps_only_keys_and_markers(store):
    write(store, "opportunities", [RawRecord("o1", {"id": "o1", "name": "Ada"}), RawRecord("o2", {"id": "o2"})])
    with store.transaction() as seq:
        store.mark_deleted("opportunities", [("o1", T0)], seq=seq, run_id="r")
    assert purge_personal_data(store.conn, T0 + timedelta(days=13, hours=23)) == {}
    assert purge_personal_data(store.conn, T0 + timedelta(days=14)) == {"opportunities": 1}
    o1 = store.conn.execute(
        "SELECT payload, deleted_at, purged_at FROM lever_raw.opportunities WHERE id='o1'"
    ).fetchone()
    assert o1 == (None, T0, T0 + timedelta(days=14))
    assert purge_personal_data(store.conn, T0 + timedelta(days=20)) == {}


def test_anonymized_candidates_lose_vanished_children_at_once(store):
    write(store, "opportunities", [RawRecord("o1", {"id": "o1", "isAnonymized": True, "name": ""})])
    write(store, "resumes", [RawRecord("r1", {"id": "r1", "file": {"name": "ada_lovelace.pdf"}}, "o1")])
    write(store, "notes", [RawRecord("n1", {"id": "n1", "value": "strong"}, "o1")])
    with store.transaction() as seq:
        store.write_listing("resumes", [], now=T0, seq=seq, run_id="r", scope=["o1"])
    assert purge_personal_data(store.conn, T0) == {"resumes": 1}
    assert rows(store, "notes", "payload IS NOT NULL")[0] == (True,)


def test_cursor_round_trip_and_clear(state):
    with state.transaction():
        state.set_cursor("opportunities", "2026-01-05T00:00:00+00:00", now=T0, run_id="r")
    assert state.cursor("opportunities") == "2026-01-05T00:00:00+00:00"
    with state.transaction():
        state.set_cursor("opportunities", None, now=T0, run_id="r")
    assert state.cursor("opportunities") is None
