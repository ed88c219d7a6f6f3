"""The opportunity scan as parallel chains over disjoint `createdAt` ranges: every record once, few extra pages."""

from __future__ import annotations

import pytest

from orchestration.lever import scan as sync_module
from orchestration.lever.errors import SyncFailed
from orchestration.lever.sync import Mode
from tests.integration.test_sync_sandbox import assert_raw_equals_truth
from tests.support import make_harness

OPPORTUNITIES = 600
PER_CHAIN = 50  # shrunk so a small account gets the most chains (MAX_CHAINS)


@pytest.fixture(scope="module")
def chained(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setattr(sync_module, "OPPORTUNITIES_PER_CHAIN", PER_CHAIN)
    harness = make_harness(tmp_path_factory.mktemp("chains"), opportunities=OPPORTUNITIES)
    harness.sync(Mode.FULL)  # the first sync has nothing stored to cut at: one chain
    seen: list[dict[str, str]] = []
    handle = harness.sandbox.app.handle

    def recording(request):
        if request.path == "/v1/opportunities" and not any(k == "offset" for k, _ in request.query):
            seen.append(dict(request.query))  # the first page of each list query
        return handle(request)

    patch.setattr(harness.sandbox.app, "handle", recording)
    yield harness, seen
    patch.undo()


def test_a_delta_scans_in_disjoint_created_at_chains_and_matches_truth(chained):
    harness, seen = chained
    harness.sandbox.advance(7)
    seen.clear()
    result = harness.sync()
    assert result.errors == []
    assert_raw_equals_truth(harness)
    chains = [q for q in seen if "updated_at_start" not in q and q.get("created_at_start", "") != catch_up(seen)]
    assert len(chains) == sync_module.MAX_CHAINS
    starts = sorted(int(q["created_at_start"]) for q in chains if "created_at_start" in q)
    ends = sorted(int(q["created_at_end"]) for q in chains if "created_at_end" in q)
    assert len(starts) == len(ends) == sync_module.MAX_CHAINS - 1  # open at both ends of the account
    assert [e + 1 for e in ends] == starts  # gapless and disjoint: each range ends where the next begins


def catch_up(seen: list[dict[str, str]]) -> str:
    """The start of the post-scan catch-up queries (they re-ask from the scan start minus the overlap)."""
    return next(q["updated_at_start"] for q in seen if "updated_at_start" in q)


def test_a_quiet_delta_costs_at_most_one_extra_page_per_chain(chained):
    harness, _ = chained
    harness.sync()
    with harness.connect() as conn:
        live = conn.execute(
            "SELECT count(*) FROM lever_raw.opportunities WHERE deleted_at IS NULL AND missing_since IS NULL"
        ).fetchall()[0][0]
    result = harness.sync()
    single_chain_pages = -(-live // 100)
    assert result.requests["opportunities"] <= single_chain_pages + (sync_module.MAX_CHAINS - 1) + 2
    assert result.opportunities_refreshed == 0


def test_a_chain_that_fails_fails_the_run_cleanly_and_the_next_run_is_exact(chained):
    harness, _ = chained
    with harness.connect() as conn:
        before = conn.execute("SELECT value FROM lever_raw._sync_cursors WHERE stream = 'opportunities'").fetchall()
    harness.sandbox.advance(2)
    harness.sandbox.faults.add("opportunities:500")  # every chain's list fails beyond the retry budget
    with pytest.raises(SyncFailed, match="opportunities"):
        harness.sync()
    with harness.connect() as conn:
        after = conn.execute("SELECT value FROM lever_raw._sync_cursors WHERE stream = 'opportunities'").fetchall()
    assert after == before
    harness.sandbox.faults.clear()
    harness.sync()
    assert_raw_equals_truth(harness)
