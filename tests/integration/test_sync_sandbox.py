"""The extractor against the sandbox: raw tables equal Lever's ground truth after full and delta syncs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from orchestration.lever.endpoints import ENDPOINTS, Kind
from orchestration.lever.sync import Mode
from tests.support import make_harness, raw_live, truth_records

COMPARED = [e.name for e in ENDPOINTS if e.kind is not Kind.DELETED_FEED]
CHILD_ENDPOINTS = {e.name for e in ENDPOINTS if e.kind is Kind.OPPORTUNITY_CHILD}


def assert_raw_equals_truth(harness, integration_id: str = "lever:test") -> None:
    with harness.connect() as conn:
        for table in COMPARED:
            raw, truth = raw_live(conn, table, integration_id), truth_records(harness.sandbox, table)
            missing, extra = truth.keys() - raw.keys(), raw.keys() - truth.keys()
            assert not missing and not extra, f"{table}: {len(missing)} missing, {len(extra)} extra"
            changed = [k for k in truth if raw[k] != truth[k]]
            assert not changed, f"{table}: {len(changed)} records differ, e.g. {changed[:3]}"
        for feed, entity in (("opportunities_deleted", "opportunities"), ("postings_deleted", "postings")):
            deleted = {d["id"] for d in harness.sandbox.truth(entity)["deleted"]}
            known = {
                r[0] for r in conn.execute(f"SELECT id FROM lever_raw.{entity} WHERE deleted_at IS NOT NULL").fetchall()
            }
            stored = {r[0] for r in conn.execute(f"SELECT id FROM lever_raw.{entity}").fetchall()}
            # Every record we held that Lever deleted is marked deleted (records deleted before our first
            # sync were never in the warehouse and need no tombstone).
            assert (deleted & stored) <= known, f"{feed}: {len((deleted & stored) - known)} deletions not applied"


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    harness = make_harness(tmp_path_factory.mktemp("sync"), opportunities=300)
    first = harness.sync(Mode.FULL)
    # No rolling verification here: these tests count what the deltas themselves request.
    harness.settings = replace(harness.settings, verify_days=0)
    return harness, first


def test_full_sync_lands_every_entity_exactly(synced):
    harness, result = synced
    assert result.errors == []
    assert_raw_equals_truth(harness)
    assert result.requests["opportunities"] >= 3  # 300 opportunities at 100 a page


def test_a_quiet_delta_writes_nothing_and_only_scans(synced):
    harness, _ = synced
    result = harness.sync()
    assert sum(v for k, v in result.records.items() if not k.startswith("purged")) == 0
    assert not CHILD_ENDPOINTS & set(result.requests), result.requests
    assert result.opportunities_refreshed == 0


def test_delta_after_a_week_of_activity_matches_truth_again(synced):
    harness, _ = synced
    changes = harness.sandbox.advance(7)
    assert changes
    result = harness.sync()
    assert result.errors == []
    assert_raw_equals_truth(harness)
    # Frugal: children were re-read only for the opportunities that changed; lists that must be empty were not
    # asked for (children.py): activity lists of untouched opportunities, interviews without panels.
    refreshed, requests = result.opportunities_refreshed, result.requests
    assert [requests[k] for k in ("resumes", "files", "referrals")] == [refreshed] * 3
    touched = requests["panels"]
    assert [requests[k] for k in ("notes", "feedback", "offers")] == [touched] * 3
    untouched = [
        r for r in harness.sandbox.truth("opportunities")["records"]
        if r["data"]["lastInteractionAt"] == r["data"]["createdAt"]
    ]  # fmt: skip
    assert 0 < refreshed - touched <= len(untouched)
    with_panels = {r["parent_id"] for r in harness.sandbox.truth("panels")["records"]}
    assert 0 < requests["interviews"] <= len(with_panels) and requests["interviews"] < touched
    with harness.connect() as conn:
        total = conn.execute("SELECT count(*) FROM lever_raw.opportunities").fetchall()[0][0]
    assert result.opportunities_refreshed < total / 2


def test_child_activity_without_updated_at_is_caught(synced):
    harness, _ = synced
    sandbox = harness.sandbox
    opp = next(r for r in sandbox.truth("opportunities")["records"] if not r["data"].get("isAnonymized"))
    before = opp["data"]["updatedAt"]
    note = sandbox.add_note(opp["id"], "Follow up next week")
    after = next(r for r in sandbox.truth("opportunities")["records"] if r["id"] == opp["id"])["data"]
    assert after["updatedAt"] == before and after["lastInteractionAt"] > opp["data"]["lastInteractionAt"]
    harness.sync()
    with harness.connect() as conn:
        assert note["id"] in raw_live(conn, "notes")
    assert_raw_equals_truth(harness)


def test_replaying_a_full_sync_changes_nothing(synced):
    harness, _ = synced
    result = harness.sync(Mode.FULL)
    assert sum(v for k, v in result.records.items() if not k.startswith("purged")) == 0
    assert result.opportunities_refreshed > 0  # a full pass re-reads every child list ...
    assert_raw_equals_truth(harness)  # ... and finds nothing new


def test_window_sync_re_extracts_only_that_window(tmp_path):
    harness = make_harness(tmp_path, opportunities=200)
    sandbox = harness.sandbox
    start, end = sandbox.now.replace(day=1), sandbox.now
    result = harness.sync(Mode.WINDOW, (start, end))
    in_window = {
        r["id"]
        for r in sandbox.truth("opportunities")["records"]
        if start.timestamp() * 1000 <= (r["data"].get("updatedAt") or 0) <= end.timestamp() * 1000
        or start.timestamp() * 1000 <= r["data"]["createdAt"] <= end.timestamp() * 1000
    }
    with harness.connect() as conn:
        assert set(raw_live(conn, "opportunities")) == in_window
    assert result.opportunities_refreshed == len(in_window)
