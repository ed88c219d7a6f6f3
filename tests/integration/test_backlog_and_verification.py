"""Large accounts at a real rate limit: a first sync lands opportunities and applications first and leaves the
children to a backlog read most-useful-first; rolling verification re-reads every opportunity's children within
N days, which catches the child changes no delta can see."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from orchestration.lever.children import PENDING
from tests.integration.test_sync_sandbox import assert_raw_equals_truth
from tests.support import make_harness

OPPORTUNITIES = 240


@pytest.fixture
def slow_harness(tmp_path):
    """A nominal 1,000 req/s account whose first sync may take at most a second of requests before it is
    'usable': so its 240 opportunities' children (about 1,900 requests) go to the backlog."""
    harness = make_harness(tmp_path, opportunities=OPPORTUNITIES)
    harness.integration = replace(harness.integration, rate_limit=1000, burst=1000, daily_budget=400)
    harness.settings = replace(
        harness.settings, integrations=(harness.integration,), first_usable_minutes=1 / 60, run_minutes=60
    )
    return harness


def states(harness):
    with harness.connect() as conn:
        return dict(conn.execute("SELECT opportunity_id, children_pass FROM lever_raw._opportunity_state").fetchall())


def test_a_big_first_sync_is_usable_at_once_and_completes_in_budgeted_runs(slow_harness):
    harness = slow_harness
    first = harness.sync()
    assert first.errors == []
    live = len(harness.sandbox.truth("opportunities")["records"])
    # Everything but the children is in, and the run said what is left.
    assert first.children_pending == live and first.opportunities_refreshed == 0
    assert not ({"notes", "interviews", "offers"} & set(first.requests))
    assert any("read by the next runs" in w for w in first.warnings)
    with harness.connect() as conn:
        assert conn.execute("SELECT count(*) FROM lever_raw.applications").fetchall()[0][0] > 0
    assert set(states(harness).values()) == {PENDING}

    second = harness.sync()
    # The budget (400 requests a day) bounds the work; the open, newest opportunities were read first.
    assert first.total_requests + second.total_requests <= 400 and second.deferred > 0
    read = {i for i, p in states(harness).items() if p != PENDING}
    truth = {r["id"]: r["data"] for r in harness.sandbox.truth("opportunities")["records"]}

    def priority(opportunity):
        return (opportunity.get("archived") is not None, -opportunity["createdAt"])

    assert read and max(priority(truth[i]) for i in read) <= min(priority(o) for i, o in truth.items() if i not in read)

    # A new day's budget: the backlog drains over the next runs and the warehouse ends exact.
    harness.integration = replace(harness.integration, daily_budget=None)
    harness.settings = replace(harness.settings, integrations=(harness.integration,))
    for _ in range(3):
        if states(harness) and PENDING not in states(harness).values():
            break
        harness.sync()
    assert PENDING not in states(harness).values()
    assert_raw_equals_truth(harness)


def test_rolling_verification_catches_a_change_no_delta_sees_within_the_period(tmp_path):
    harness = make_harness(tmp_path, opportunities=120)
    harness.settings = replace(harness.settings, verify_days=1)
    harness.sync()
    sandbox = harness.sandbox
    opp = next(o for o in sandbox.account.opportunities.values() if sandbox.account.children(o)["offers"])
    before = (opp.updated_at, opp.last_interaction_at)
    offer = sandbox.account.materialize(opp)["offers"][0]
    offer["status"] = "signed" if offer["status"] != "signed" else "denied"  # an edit Lever does not surface
    assert (opp.updated_at, opp.last_interaction_at) == before

    def stored():
        return (
            harness.connect()
            .execute(  # noqa: E731
                "SELECT payload->>'status' FROM lever_raw.offers WHERE id = ?", [offer["id"]]
            )
            .fetchall()[0][0]
        )

    # Hourly runs over a day re-read every opportunity's children once: the hidden edit is found.
    for _hour in range(25):
        sandbox.advance_to(sandbox.now + timedelta(hours=1))
        result = harness.sync()
        assert result.errors == []
        if stored() == offer["status"]:
            break
    assert stored() == offer["status"], "the verification never re-read the offer"

    with harness.connect() as conn:
        oldest = conn.execute("SELECT min(children_synced_at) FROM lever_raw._opportunity_state").fetchall()[0][0]
    assert sandbox.now - oldest <= timedelta(days=1, hours=1)
