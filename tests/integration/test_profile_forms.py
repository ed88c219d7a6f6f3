"""Profile forms (`/opportunities/:id/forms`) and `/form_templates`: read only when asked for, and then as exactly
as every other child list (change detection, deletion, reconciliation), compared with the sandbox's truth."""

from __future__ import annotations

from dataclasses import replace

import pytest

from orchestration.lever.endpoints import OPTIONAL
from orchestration.lever.sync import Mode
from orchestration.sandbox import operations
from tests.integration.test_sync_sandbox import assert_raw_equals_truth
from tests.support import make_harness, raw_live, truth_records


def assert_forms_equal_truth(harness) -> None:
    with harness.connect() as conn:
        for table in sorted(OPTIONAL):
            raw, truth = raw_live(conn, table), truth_records(harness.sandbox, table)
            assert truth, f"the sandbox has no {table}: nothing is tested"
            missing, extra = len(truth.keys() - raw.keys()), len(raw.keys() - truth.keys())
            assert raw == truth, f"{table}: {missing} missing, {extra} extra"


@pytest.fixture(scope="module")
def with_forms(tmp_path_factory):
    harness = make_harness(tmp_path_factory.mktemp("forms"), opportunities=200)
    harness.settings = replace(harness.settings, profile_forms=True)
    return harness, harness.sync(Mode.FULL)


def test_without_asking_no_form_is_requested_and_the_tables_stay_empty(tmp_path):
    harness = make_harness(tmp_path, opportunities=60)
    result = harness.sync(Mode.FULL)
    assert not OPTIONAL & set(result.requests), result.requests
    assert_raw_equals_truth(harness)
    with harness.connect() as conn:
        for table in OPTIONAL:
            assert conn.execute(f"SELECT count(*) FROM lever_raw.{table}").fetchall()[0][0] == 0


def test_asked_for_forms_land_exactly_at_one_request_per_opportunity(with_forms):
    harness, result = with_forms
    assert result.errors == []
    assert_forms_equal_truth(harness)
    assert_raw_equals_truth(harness)
    # Forms are read for every opportunity whose children are read (no Lever rule lets a list be skipped).
    assert result.requests["forms"] == result.opportunities_refreshed
    assert result.requests["form_templates"] == 1


def test_a_delta_rereads_forms_of_changed_opportunities_and_keeps_them_exact(with_forms):
    harness, _ = with_forms
    harness.sandbox.advance(5)
    result = harness.sync()
    assert result.errors == []
    assert result.requests["forms"] == result.opportunities_refreshed
    assert_forms_equal_truth(harness)


def test_forms_of_a_deleted_opportunity_leave_with_it_and_a_full_pass_reconciles_removed_forms(with_forms):
    harness, _ = with_forms
    sandbox = harness.sandbox
    parents = sorted({r["parent_id"] for r in sandbox.truth("forms")["records"]})
    deleted, edited = parents[0], parents[1]
    with sandbox.account.lock:
        account = sandbox.account
        operations.delete_opportunity(account, account.opportunities[deleted])
        # A form removed without the opportunity moving (Lever does not move lastInteractionAt for forms):
        # only a pass that re-reads every list can see it.
        removed = account.materialize(account.opportunities[edited])["forms"].pop()
    assert harness.sync().errors == []
    with harness.connect() as conn:
        gone = conn.execute(
            "SELECT count(*) FROM lever_raw.forms WHERE parent_id = ? AND missing_since IS NULL", [deleted]
        ).fetchall()[0][0]
        assert gone == 0  # marked gone with their opportunity, as every child list is
    assert harness.sync(Mode.FULL).errors == []
    assert_forms_equal_truth(harness)
    with harness.connect() as conn:
        assert removed["id"] not in raw_live(conn, "forms")
