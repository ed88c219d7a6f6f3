"""SIGKILL `lever-warehouse sync` (and `build`) at seeded random moments; every rerun must converge exactly.

The sync runs as a real subprocess against a sandbox served by this test process over a loopback socket.
Kill moments are chosen in requests answered (the sandbox counts them), so they spread over the whole
run on any machine: before the first request, mid-page, between the last request and the final commit.
After every kill the warehouse must open and satisfy the invariants of `harness.assert_consistent`.
"""

from __future__ import annotations

import random
import shutil
import time
from collections import Counter

import duckdb
import pytest

from orchestration.lever.sync import Mode
from orchestration.sandbox import operations
from tests.integration.test_sync_sandbox import assert_raw_equals_truth
from tests.reliability.harness import (
    CHILD_TABLES,
    Served,
    assert_consistent,
    assert_opens,
    crash,
    cursor,
    kill_when,
    run_statuses,
    served,
    snapshot,
)
from tests.support import make_harness


def estimated_requests(srv: Served, full: bool) -> int:
    """Requests the next run will make: account lists, posting forms, opportunity pages, stale children."""
    opportunities = srv.sandbox.truth("opportunities")["records"]
    postings = len(srv.sandbox.truth("postings")["records"])
    states: dict = {}
    pass_id = None
    if srv.db.exists():
        with srv.connect() as conn:
            states = {
                r[0]: r[1:]
                for r in conn.execute(
                    """SELECT opportunity_id, updated_at_ms, last_interaction_at_ms, children_pass
                       FROM lever_raw._opportunity_state"""
                ).fetchall()
            }
            pass_id = (cursor(conn, "opportunities:full_pass") or (None,))[0]
    stale = 0
    for record in opportunities:
        state = states.get(record["id"])
        version = (record["data"].get("updatedAt"), record["data"].get("lastInteractionAt"))
        if state is None or state[:2] != version or (full and (pass_id is None or state[2] != pass_id)):
            stale += 1
    return 15 + (postings if full else 2) + len(opportunities) // 100 + stale * len(CHILD_TABLES)


def kill_and_resume(srv: Served, rng: random.Random, args: list[str], kills: int, versions: list) -> dict:
    """Kill `lever-warehouse sync ARGS` `kills` times at random moments, checking the state after each; then
    run it to completion and compare raw with the ground truth."""
    tally = {"killed": 0, "finished_first": 0}
    while tally["killed"] < kills:
        assert tally["killed"] + tally["finished_first"] < 3 * kills, "the runs keep finishing before the kill"
        target = rng.randint(0, estimated_requests(srv, "--full" in args))
        delay = rng.choice([0.0, 0.0, rng.uniform(0.0, 0.05)])
        before = None
        if srv.db.exists():
            with srv.connect() as conn:
                before = cursor(conn)
        srv.sandbox.reset_stats()
        proc = srv.start("sync", *args)
        if kill_when(proc, srv.sandbox, target, delay):
            tally["killed"] += 1
        else:
            assert proc.returncode == 0, proc.stderr
            tally["finished_first"] += 1
        assert_opens(srv.db)
        with srv.connect() as conn:
            assert_consistent(conn, srv.sandbox, *versions, cursor_before=before)
    done = srv.run("sync", *args)
    assert done.returncode == 0, done.stderr
    assert_opens(srv.db)
    assert_raw_equals_truth(srv)
    with srv.connect() as conn:
        assert_consistent(conn, srv.sandbox, versions[-1])
        statuses = Counter(run_statuses(conn))
    # Killed runs are recorded as interrupted once a later run finds them, never left 'running'.
    assert statuses["running"] == 0 and statuses["failed"] == 0, statuses
    return tally


def crash_matrix(tmp_path, *, opportunities: int, kills: dict[str, int], seed: int) -> dict[str, dict]:
    rng = random.Random(seed)
    report = {}
    with served(tmp_path, opportunities) as srv:
        previous = {}
        for label, days, args in (
            ("full from empty", 0, ["--full"]),
            ("delta after 3 days", 3, []),
            ("full reconciliation after 2 days", 2, ["--full"]),
            ("delta after 4 days", 4, []),
        ):
            if label not in kills:
                continue
            if days:
                srv.sandbox.advance(days)
            now = snapshot(srv.sandbox)
            versions = [previous, now] if previous else [{t: {} for t in now}, now]
            report[label] = kill_and_resume(srv, rng, args, kills[label], versions)
            previous = now
    return report


def test_killed_syncs_resume_exactly(tmp_path):
    report = crash_matrix(
        tmp_path, opportunities=80, kills={"full from empty": 2, "delta after 3 days": 2}, seed=20260105
    )
    assert sum(r["killed"] for r in report.values()) >= 4


@pytest.mark.slow
def test_twenty_kills_across_full_and_delta_syncs(tmp_path):
    report = crash_matrix(
        tmp_path,
        opportunities=300,
        kills={
            "full from empty": 7,
            "delta after 3 days": 5,
            "full reconciliation after 2 days": 4,
            "delta after 4 days": 4,
        },
        seed=6,
    )
    print(report)
    assert sum(r["killed"] for r in report.values()) >= 20


def _unified(path) -> dict[str, list]:
    with duckdb.connect(str(path), read_only=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'ats' ORDER BY 1"
            ).fetchall()
        ]
        return {t: conn.execute(f'SELECT * FROM ats."{t}" ORDER BY ALL').fetchall() for t in tables}


@pytest.mark.slow
def test_killed_dbt_builds_resume_to_the_same_unified_tables(tmp_path):
    rng = random.Random(11)
    with served(tmp_path, opportunities=150) as srv:
        assert srv.run("sync", "--full").returncode == 0
        reference = tmp_path / "reference.duckdb"
        reference.write_bytes(srv.db.read_bytes())
        started = time.monotonic()
        clean = srv.run("build", DUCKDB_PATH=str(reference), DBT_TARGET_PATH=str(tmp_path / "ref_target"))
        duration = time.monotonic() - started
        assert clean.returncode == 0, clean.stdout[-3000:]
        kills = 0
        for _ in range(5):
            proc = srv.start("build", quiet=True)
            time.sleep(rng.uniform(0.5, duration))
            if proc.poll() is None:
                crash(proc)  # `lever-warehouse build` and the dbt process it runs
                kills += 1
            else:
                proc.communicate()
            assert_opens(srv.db)
        assert kills >= 3
        done = srv.run("build")
        assert done.returncode == 0, done.stdout[-3000:]
    assert _unified(srv.db) == _unified(reference)


CORRUPTIONS = {
    # A child row lost although its opportunity is recorded as synced: a half-written page.
    "notes": "DELETE FROM lever_raw.notes WHERE id = (SELECT min(id) FROM lever_raw.notes)",
    # A payload Lever never served (a page mixed from two versions).
    "users": "UPDATE lever_raw.users SET payload = '{}' WHERE id = (SELECT min(id) FROM lever_raw.users)",
    # The cursor moved by a run that did not succeed.
    "cursor": "UPDATE lever_raw._sync_runs SET status = 'running'",
    # A tombstone behind the feed cursor that was not applied.
    "opportunities_deleted": "UPDATE lever_raw.opportunities SET deleted_at = NULL",
}


def test_the_invariants_catch_what_a_crash_could_leave(tmp_path):
    """The checks after each kill can fail: each corruption a crash could cause is caught."""
    harness = make_harness(tmp_path, opportunities=40)
    harness.sync(Mode.FULL)
    before = snapshot(harness.sandbox)
    account = harness.sandbox.account
    with account.lock:  # Lever deletes a synced opportunity: the feed must mark it
        operations.delete_opportunity(account, account.opportunities[min(before["opportunities"])])
    harness.sandbox.advance(5)
    harness.sync()
    versions = [before, snapshot(harness.sandbox)]
    with harness.connect() as conn:
        assert_consistent(conn, harness.sandbox, *versions)
    for complaint, corruption in CORRUPTIONS.items():
        copy = tmp_path / f"{complaint}.duckdb"
        shutil.copy(harness.path, copy)
        with duckdb.connect(str(copy)) as conn:
            conn.execute(corruption)
            with pytest.raises(AssertionError, match=complaint):
                assert_consistent(conn, harness.sandbox, *versions)
