"""Failures against the sandbox: clean errors, cursors that never pass a gap, and full recovery."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from orchestration.lever.config import ApiKeyAuth, OAuthAuth
from orchestration.lever.errors import SyncFailed
from orchestration.lever.secrets import Secret
from orchestration.lever.sync import Mode
from tests.integration.test_sync_sandbox import assert_raw_equals_truth
from tests.support import make_harness, raw_live, truth_records


def cursor(harness, stream="opportunities"):
    with harness.connect() as conn:
        rows = conn.execute("SELECT value FROM lever_raw._sync_cursors WHERE stream = ?", [stream]).fetchall()
    return rows[0][0] if rows else None


def last_run(harness):
    with harness.connect() as conn:
        return conn.execute(
            "SELECT status, errors FROM lever_raw._sync_runs ORDER BY started_at DESC, run_id LIMIT 1"
        ).fetchall()[0]


def test_a_failed_delta_keeps_the_cursor_and_the_next_run_finishes_the_job(tmp_path):
    harness = make_harness(tmp_path, opportunities=150)
    harness.sync(Mode.FULL)
    before = cursor(harness)
    harness.sandbox.advance(3)
    harness.sandbox.faults.add("notes:500")  # every notes request fails, beyond any retry budget
    with pytest.raises(SyncFailed, match="notes"):
        harness.sync()
    assert cursor(harness) == before
    assert last_run(harness)[0] == "failed"
    harness.sandbox.faults.clear()
    harness.sync()
    assert cursor(harness) != before
    assert_raw_equals_truth(harness)


@pytest.mark.parametrize(
    "faults",
    [
        "opportunities:429x4,interviews:503x5,*:500@0.03",
        "opportunities:invalid_token x1,users:invalid_token x1".replace(" ", ""),
        "notes:truncate x3,users:drop x2,feedback:drop@0.05".replace(" ", ""),
    ],
)
def test_transient_faults_are_absorbed_with_exact_data(tmp_path, faults):
    harness = make_harness(tmp_path, opportunities=120)
    harness.sandbox.faults.add(faults)
    result = harness.sync(Mode.FULL)
    assert result.retries > 0 or "invalid_token" in faults
    assert_raw_equals_truth(harness)


def test_a_response_slower_than_the_timeout_is_retried(tmp_path):
    harness = make_harness(tmp_path, opportunities=60)
    harness.settings = replace(harness.settings, request_timeout=0.2)
    harness.sandbox.faults.add("postings:timeout:1s x2")
    result = harness.sync(Mode.FULL)
    assert result.retries >= 2
    assert_raw_equals_truth(harness)


def test_oauth_refreshes_rotate_and_are_stored_sealed(tmp_path, caplog):
    harness = make_harness(tmp_path, opportunities=60)
    client_id, secret, refresh = harness.sandbox.create_oauth_client()
    auth = OAuthAuth(client_id, Secret(secret), Secret(refresh), "http://sandbox.test/oauth/token")
    integration = harness.with_auth(auth)
    harness.sandbox.faults.add("oauth:expire x1")  # the access token dies mid-run
    with caplog.at_level(logging.DEBUG):
        harness.sync(Mode.FULL, integration=integration)
        # The configured refresh token was spent; the run after uses the rotated one stored in the warehouse.
        harness.sandbox.advance(1)
        harness.sync(integration=integration)
    assert_raw_equals_truth(harness)
    with harness.connect() as conn:
        sealed = conn.execute("SELECT sealed_refresh_token FROM lever_raw._oauth_state").fetchall()[0][0]
    assert refresh not in sealed and secret not in sealed
    assert refresh not in caplog.text and secret not in caplog.text


def test_a_key_without_confidential_access_skips_confidential_records_and_says_so(tmp_path, caplog):
    harness = make_harness(tmp_path, opportunities=200)
    key = harness.sandbox.create_key(confidential=False)
    with caplog.at_level(logging.WARNING):
        result = harness.sync(Mode.FULL, integration=harness.with_auth(ApiKeyAuth(Secret(key))))
    assert not result.confidential_access
    assert sum("confidential" in r.message for r in caplog.records) == 1
    truth = truth_records(harness.sandbox, "opportunities")
    public = {k for k, (_, data) in truth.items() if data.get("confidentiality") != "confidential"}
    assert public != set(truth), "the sandbox should have confidential opportunities"
    with harness.connect() as conn:
        assert set(raw_live(conn, "opportunities")) == public


def test_a_wrong_key_fails_clearly_and_writes_no_data(tmp_path):
    harness = make_harness(tmp_path, opportunities=30)
    with pytest.raises(SyncFailed, match="401") as info:
        harness.sync(integration=harness.with_auth(ApiKeyAuth(Secret("not-a-real-key-123"))))
    assert "not-a-real-key-123" not in str(info.value)
    with harness.connect() as conn:
        assert conn.execute("SELECT count(*) FROM lever_raw.opportunities").fetchall() == [(0,)]
    assert cursor(harness) is None


def test_missing_permission_on_one_endpoint_names_it_and_syncs_the_rest(tmp_path):
    harness = make_harness(tmp_path, opportunities=80)
    key = harness.sandbox.create_key(denied={"offers"})
    with pytest.raises(SyncFailed, match="offers") as info:
        harness.sync(Mode.FULL, integration=harness.with_auth(ApiKeyAuth(Secret(key))))
    assert "permission" in str(info.value)
    with harness.connect() as conn:
        assert raw_live(conn, "opportunities").keys() == truth_records(harness.sandbox, "opportunities").keys()
        assert raw_live(conn, "notes").keys() == truth_records(harness.sandbox, "notes").keys()
        assert raw_live(conn, "offers") == {}
    assert last_run(harness)[0] == "failed"
    assert cursor(harness) is None
