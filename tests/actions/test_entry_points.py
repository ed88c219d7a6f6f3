"""The eight actions end to end through each entry point: the effect in Lever (the sandbox's ground truth), the
result row, and the `ats` row after one targeted sync and build."""

from __future__ import annotations

import json

from orchestration.lever.actions.api import run_action
from tests.actions.checks import assert_all_applied
from tests.actions.conftest import World, eight_actions


def test_the_python_api_carries_out_all_eight_actions_with_one_targeted_sync_and_build(world: World):
    requests, first, second = eight_actions(world, "api")
    before = world.sandbox.stats()
    rows = world.run(requests)
    assert_all_applied(world, requests, rows, first, second)
    runs = world.query(
        "SELECT mode, requests FROM lever_raw._sync_runs WHERE started_at >= ? ORDER BY started_at",
        world.sandbox.now.replace(microsecond=0),
    )
    modes = [mode for mode, _ in runs]
    assert modes[-2:] == ["actions", "targeted"]  # one run of writes, one targeted re-sync of all they touched
    spent = sum(json.loads(runs[-2][1]).values()) + sum(json.loads(runs[-1][1]).values())
    assert spent == world.sandbox.stats()["requests"] - before["requests"]  # every request in the run log


def test_replaying_a_request_applies_nothing_twice_and_says_so(world: World):
    requests, first, _ = eight_actions(world, "replay")
    reject = next(r for r in requests if r["action"] == "reject_application")
    done = run_action(**reject, settings=world.settings, show_changes=False, **world.processing())
    writes = world.sandbox.stats()
    again = run_action(**reject, settings=world.settings, show_changes=False, **world.processing())
    assert again["status"] == "duplicate" and again["duplicate_of"] == done["request_id"]
    assert again["original"]["status"] == "succeeded" and again["original"]["applied_at"]
    assert world.sandbox.stats()["requests"] == writes["requests"]  # not even a read
    opportunity = world.sandbox.account.opportunities[first.opportunity]
    notes = [
        n
        for n in world.sandbox.account.children(opportunity)["notes"]
        if n["fields"][0]["value"] == reject["params"]["note"]
    ]
    assert len(notes) == 1
