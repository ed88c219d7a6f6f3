"""A hostile Lever (the sandbox's fault kinds) against the whole sync: every case stops fast with one line naming
the endpoint, or completes with the bad record set aside; the state stays consistent, and a clean rerun equals
the ground truth."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from datetime import timedelta

import pytest

from orchestration.lever.errors import ClockError, SyncFailed
from orchestration.lever.runner import sync_integration
from orchestration.lever.sync import Mode
from tests.integration.test_sync_sandbox import assert_raw_equals_truth
from tests.reliability.harness import assert_consistent, cursor, find_leaks, snapshot
from tests.support import FAST_RETRY, make_harness

OPPORTUNITIES = 150


@pytest.fixture
def synced(tmp_path):
    """An account already fully synced: the hostile behaviour hits a delta with data to lose."""
    harness = make_harness(tmp_path, opportunities=OPPORTUNITIES)
    harness.sync(Mode.FULL)
    return harness


def rejected(harness):
    with harness.connect() as conn:
        return conn.execute(
            "SELECT endpoint, lever_id, error, repaired, resolved_at IS NOT NULL FROM lever_raw._rejected ORDER BY 1, 2"
        ).fetchall()


def clean_rerun_is_exact(harness):
    harness.sandbox.faults.clear()
    result = harness.sync()
    assert result.errors == []
    assert_raw_equals_truth(harness)
    return result


@pytest.mark.parametrize(
    ("spec", "endpoint"),
    [
        ("opportunities:next_loop", "/opportunities"),
        ("users:empty_pages", "/users"),
        ("notes:next_loop", "/opportunities/:opportunity/notes"),
    ],
)
def test_a_listing_that_never_ends_fails_the_run_in_seconds_and_moves_no_cursor(synced, spec, endpoint):
    harness = synced
    synced_truth = snapshot(harness.sandbox)
    harness.sandbox.advance(1)
    before = snapshot(harness.sandbox)
    with harness.connect() as conn:
        cursor_before = cursor(conn)
    harness.sandbox.faults.add(spec)
    started = time.monotonic()
    with pytest.raises(SyncFailed, match=f"GET {endpoint}.* never ended") as info:
        harness.sync()
    assert time.monotonic() - started < 20
    assert str(info.value).count("never ended") == 1
    with harness.connect() as conn:
        assert cursor(conn) == cursor_before
        assert_consistent(conn, harness.sandbox, synced_truth, before, cursor_before=cursor_before)
        # The failed run's rows are owed a reference check (a load sequence to search from), until a run does it.
        assert cursor(conn, "references:checked_seq")[0].isdigit()
    clean_rerun_is_exact(harness)
    with harness.connect() as conn:
        assert cursor(conn, "references:checked_seq")[0] == "checked"


@pytest.mark.parametrize(
    ("kind", "error", "repaired"),
    [
        ("poison_surrogate", "lone UTF-16 surrogate", True),
        ("poison_nan", "replaced by null", True),
        ("poison_huge_ms", "updatedAt = 1e+20 is not a timestamp", False),
        ("poison_deep", "nested", False),
        ("poison_nul_id", "control characters", False),
        ("poison_dotdot_id", "characters no Lever id has", False),
    ],
)
def test_a_poison_record_is_set_aside_and_the_rest_of_the_page_and_run_complete(synced, kind, error, repaired):
    harness = synced
    harness.sandbox.advance(1)
    harness.sandbox.faults.add(f"opportunities:{kind}")  # the first record of every page of the list
    result = harness.sync()
    assert result.errors == [] and result.rejected.get("opportunities", 0) >= 1
    assert any("lever_raw._rejected" in w for w in result.warnings)
    filed = rejected(harness)
    assert filed and all(
        endpoint == "opportunities" and error in message and was_repaired is repaired and not resolved
        for endpoint, _, message, was_repaired, resolved in filed
    )
    # Nothing on the page was lost, nothing was marked gone for it, and no request left the opportunity's paths.
    with harness.connect() as conn:
        live = conn.execute(
            "SELECT count(*) FROM lever_raw.opportunities WHERE deleted_at IS NULL AND missing_since IS NULL"
        ).fetchall()[0][0]
    expected = len(harness.sandbox.truth("opportunities")["records"])
    assert live >= expected - (0 if repaired else len(filed))
    # The next run retries it: clean, the record is stored and the rejection resolved (the ones without a
    # usable id stay on file: nothing can tell which record they were).
    clean_rerun_is_exact(harness)
    assert all(resolved or lever_id is None for _, lever_id, _, _, resolved in rejected(harness))


def test_ids_that_climb_the_path_never_reach_another_endpoint(synced):
    harness = synced
    harness.sandbox.advance(1)
    harness.sandbox.reset_stats()
    harness.sandbox.faults.add("opportunities:poison_dotdot_id")
    result = harness.sync()
    assert result.errors == []
    users_requests = harness.sandbox.stats()["by_endpoint"].get("GET /v1/users", 0)
    assert users_requests <= 1  # the account list, never an opportunity's "children"
    with harness.connect() as conn:
        leaked = conn.execute(
            """SELECT count(*) FROM lever_raw.interviews i JOIN lever_raw.users u ON u.id = i.id"""
        ).fetchall()[0][0]
    assert leaked == 0
    clean_rerun_is_exact(harness)


def test_an_opportunity_deleted_while_its_children_are_read_is_settled_not_fatal(synced):
    harness = synced
    harness.sandbox.advance(2)
    harness.sandbox.faults.add("notes:race_deletex1")
    result = harness.sync()
    assert result.errors == []
    (deleted,) = [d for d in harness.sandbox.truth("opportunities")["deleted"] if d.get("deletedBy") is None][-1:]
    result = clean_rerun_is_exact(harness)
    with harness.connect() as conn:
        marked = conn.execute("SELECT deleted_at FROM lever_raw.opportunities WHERE id = ?", [deleted["id"]]).fetchall()
    assert marked and marked[0][0] is not None


def test_applications_as_bare_ids_are_read_per_opportunity_with_one_warning(tmp_path, caplog):
    harness = make_harness(tmp_path, opportunities=OPPORTUNITIES)
    harness.sandbox.faults.add("opportunities:bare_applications")
    with caplog.at_level(logging.WARNING, logger="lever_warehouse"):
        result = harness.sync(Mode.FULL)
    assert result.errors == []
    assert sum("bare ids" in r.getMessage() for r in caplog.records) == 1
    assert result.requests["applications"] > 0
    # Stored exactly as if `expand` had been honoured: the clean rerun changes nothing.
    harness.sandbox.faults.clear()
    assert_raw_equals_truth(harness)
    assert harness.sync().records.get("opportunities", 0) == 0


@pytest.mark.parametrize("seconds", [-900, 900])
def test_a_lever_clock_far_from_ours_is_refused_before_anything_is_written(synced, seconds):
    harness = synced
    harness.sandbox.advance(1)
    harness.sandbox.faults.add(f"*:clock_skew:{seconds}")
    with harness.connect() as conn:
        before = conn.execute("SELECT count(*), max(_seq) FROM lever_raw.users").fetchall()
    with pytest.raises(ClockError, match=r"Lever's clock .* (ahead of|behind) the warehouse clock"):
        harness.sync()
    with harness.connect() as conn:
        assert conn.execute("SELECT count(*), max(_seq) FROM lever_raw.users").fetchall() == before
    clean_rerun_is_exact(harness)


def test_a_warehouse_clock_behind_the_last_run_is_refused(synced):
    harness = synced
    with pytest.raises(ClockError, match="earlier than the start of the last completed sync"):
        asyncio.run(
            sync_integration(
                harness.settings,
                harness.integration,
                transport=harness.sandbox.async_transport(),
                clock=lambda: harness.sandbox.now - timedelta(days=400),
                retry=FAST_RETRY,
            )
        )


@pytest.mark.parametrize("kind", ["echo_auth", "echo_auth_500"])
def test_an_echoed_credential_appears_nowhere(synced, kind, caplog):
    harness = synced
    key = harness.sandbox.api_key
    needles = [key, base64.b64encode(f"{key}:".encode()).decode()]
    harness.sandbox.faults.add(f"stages:{kind}")
    with caplog.at_level(logging.DEBUG), pytest.raises(SyncFailed) as info:
        harness.sync()
    texts = [str(info.value), *info.value.errors, *(r.getMessage() for r in caplog.records)]
    assert any("Invalid header" in t or "HTTP 500" in t for t in texts)
    assert not [t for t in texts if any(n in t for n in needles)]
    assert find_leaks(harness.path, needles) == {}


def test_an_html_page_says_to_check_the_base_url(synced):
    harness = synced
    harness.sandbox.faults.add("users:html")
    with pytest.raises(SyncFailed, match=r"GET /users answered an HTML page, not JSON: check LEVER_BASE_URL"):
        harness.sync()


def test_references_lever_no_longer_lists_become_tombstones_once(tmp_path):
    harness = make_harness(tmp_path, opportunities=OPPORTUNITIES)
    sandbox = harness.sandbox
    opportunities = [r["data"] for r in sandbox.truth("opportunities")["records"]]
    stage = next(o["stage"] for o in opportunities if o["stage"] not in ("lead-new", "applicant-new", "offer"))
    reason = next(o["archived"]["reason"] for o in opportunities if o.get("archived"))
    posting = next(a["posting"] for r in sandbox.truth("applications")["records"] if (a := r["data"]).get("posting"))
    sandbox.remove_stage(stage)
    sandbox.delete_archive_reason(reason)
    sandbox.delete_posting(posting, deleted_at=sandbox.now - timedelta(days=30))  # before our first sync
    dangling = sandbox.dangling()
    assert stage in dangling["stages"] and reason in dangling["archive_reasons"] and posting in dangling["postings"]

    first = harness.sync(Mode.FULL)
    assert first.errors == []
    assert {"stages", "archive_reasons", "postings"} <= set(first.tombstones)
    with harness.connect() as conn:
        rows = dict(
            conn.execute(
                """SELECT id, (lookup_status, referenced_by, payload IS NULL, deleted_at IS NOT NULL)
                   FROM (SELECT * FROM lever_raw.stages UNION ALL BY NAME SELECT * FROM lever_raw.archive_reasons
                         UNION ALL BY NAME SELECT * FROM lever_raw.postings) WHERE lookup_status IS NOT NULL"""
            ).fetchall()
        )
    assert rows[stage][0] == "not_found" and rows[stage][2:] == (True, True)
    assert rows[reason][1] == "opportunities.archived.reason"
    assert rows[posting][1] == "applications.posting"
    held = {i for ids in dangling.values() for i in ids}
    assert held <= set(rows), f"references left unresolved: {held - set(rows)}"
    # Asked once: the next runs do not look them up again.
    second = harness.sync()
    assert not [k for k in second.requests if k.endswith(":by_id")]


def test_a_warehouse_stored_before_the_lookups_is_checked_once_in_sql(tmp_path):
    harness = make_harness(tmp_path, opportunities=60)
    sandbox = harness.sandbox
    posting = next(a["posting"] for r in sandbox.truth("applications")["records"] if (a := r["data"]).get("posting"))
    harness.sync(Mode.FULL)
    sandbox.delete_posting(posting, deleted_at=sandbox.now - timedelta(days=30))
    with harness.connect() as conn:  # as an older version left it: the posting gone, nothing checked yet
        conn.execute("DELETE FROM lever_raw.postings WHERE id = ?", [posting])
        conn.execute("DELETE FROM lever_raw._sync_cursors WHERE stream = 'references:checked_seq'")
    result = harness.sync()  # a quiet delta writes no application: only the SQL pass can find the reference
    assert result.errors == [] and result.tombstones == {"postings": 1}
    assert result.records.get("applications", 0) == 0
    again = harness.sync()
    assert again.tombstones == {} and not [k for k in again.requests if k.endswith(":by_id")]
