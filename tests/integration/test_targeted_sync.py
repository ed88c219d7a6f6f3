"""Targeted syncs (webhooks, write actions, `sync --opportunity`): the named opportunities are read by id with
every child list, at a handful of requests, and nothing else moves."""

from __future__ import annotations

import httpx

from orchestration.lever.sync import Mode
from tests.integration.test_sync_sandbox import assert_raw_equals_truth
from tests.reliability.harness import cursor
from tests.support import make_harness


def test_a_targeted_sync_reads_what_no_delta_would_and_nothing_more(tmp_path):
    harness = make_harness(tmp_path, opportunities=120)
    harness.sync(Mode.FULL)
    sandbox = harness.sandbox
    opp = next(o for o in sandbox.account.opportunities.values() if sandbox.account.children(o)["offers"])
    offer = sandbox.account.materialize(opp)["offers"][0]
    offer["status"] = "signed" if offer["status"] != "signed" else "denied"  # invisible to a delta
    with harness.connect() as conn:
        before = cursor(conn), conn.execute("SELECT max(_seq) FROM lever_raw.users").fetchall()
    result = harness.sync(Mode.TARGETED, opportunity_ids=[opp.id, opp.id])
    assert result.errors == [] and result.opportunities_refreshed == 1
    assert result.total_requests <= 1 + 8  # the opportunity by id, then its child lists
    assert set(result.requests) <= {"opportunities:by_id", "interviews", "panels", "feedback", "notes", "offers",
                                    "referrals", "resumes", "files"}  # fmt: skip
    with harness.connect() as conn:
        status = conn.execute("SELECT payload->>'status' FROM lever_raw.offers WHERE id = ?", [offer["id"]])
        assert status.fetchall() == [(offer["status"],)]
        assert (cursor(conn), conn.execute("SELECT max(_seq) FROM lever_raw.users").fetchall()) == before
    assert_raw_equals_truth(harness)


def test_a_targeted_sync_of_a_deleted_opportunity_marks_it_at_once(tmp_path):
    harness = make_harness(tmp_path, opportunities=60)
    harness.sync(Mode.FULL)
    opp_id = harness.sandbox.truth("opportunities")["records"][0]["id"]
    deleted = _hard_delete(harness, opp_id)
    result = harness.sync(Mode.TARGETED, opportunity_ids=[deleted])
    assert result.errors == [] and result.records["deleted:opportunities"] == 1
    with harness.connect() as conn:
        (marked,) = conn.execute("SELECT deleted_at FROM lever_raw.opportunities WHERE id = ?", [deleted]).fetchall()
        children = conn.execute(
            "SELECT count(*) FILTER (WHERE missing_since IS NULL) FROM lever_raw.notes WHERE parent_id = ?", [deleted]
        ).fetchall()
    assert marked[0] is not None and children == [(0,)]


def _hard_delete(harness, opp_id: str) -> str:
    """Hard-delete one opportunity through the sandbox's race fault: the next child request deletes it."""
    harness.sandbox.faults.add("notes:race_deletex1")
    client = httpx.Client(
        transport=harness.sandbox.transport(), base_url="http://x/v1", auth=(harness.sandbox.api_key, "")
    )
    assert client.get(f"/opportunities/{opp_id}/notes").status_code == 404
    harness.sandbox.faults.clear()
    assert opp_id in {d["id"] for d in harness.sandbox.truth("opportunities")["deleted"]}
    return opp_id
