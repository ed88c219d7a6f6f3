"""The whole graph materialized in-process against two embedded sandbox accounts, then a UI-style backfill."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.published import PUBLISHED_KEY
from orchestration.materialize import summary
from orchestration.warehouse.housekeeping import folder_bytes

from .conftest import instance_settings

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
OPPORTUNITIES = dg.AssetKey(["lever_raw", "opportunities"])
WINDOW = {
    "ops": {"lever_raw_sync": {"config": {"mode": "window", "window_start": "2026-02-01", "window_end": "2026-02-11"}}}
}


@pytest.fixture(scope="module")
def instance(workdir):
    # In memory (a SQLite instance on disk makes each run several times slower here); test_housekeeping
    # covers the on-disk storage.
    with dg.DagsterInstance.ephemeral(tempdir=str(workdir), settings=instance_settings()) as instance:
        yield instance


@pytest.fixture(scope="module")
def delta_runs(defs, instance):
    job = defs.resolve_job_def("lever_delta_sync")
    return {
        integration: job.execute_in_process(
            instance=instance,
            partition_key=integration,
            raise_on_error=False,
        )
        for integration in ("lever:acme", "lever:globex")
    }


def materializations(result: dg.ExecuteInProcessResult) -> dict[dg.AssetKey, dict]:
    return {m.asset_key: m.metadata for m in result.asset_materializations_for_node("lever_raw_sync")}


def test_scheduled_runs_materialize_raw_and_unified_tables_with_metadata(delta_runs):
    for integration, result in delta_runs.items():
        assert result.success, integration
        raw = materializations(result)
        opportunities = raw[OPPORTUNITIES]
        assert opportunities["records_written"].value > 0
        assert opportunities["requests"].value >= 2
        assert integration in opportunities["cursor"].value
        assert opportunities["mode"].value == "delta"
        checks = result.get_asset_check_evaluations()
        assert checks and all(c.passed for c in checks if c.asset_key.path[0] == "lever_raw")
        names = {(c.asset_key.path[1], c.check_name) for c in checks}
        assert ("notes", "records_stored_as_sent") in names and ("stages", "references_resolved") in names
        resolved = next(c for c in checks if c.check_name == "references_resolved" and c.asset_key.path[1] == "stages")
        assert {"read_by_id", "tombstones"} <= set(resolved.metadata)
        assert opportunities["children_pending"].value == {integration: 0}
        dbt = [
            e.event_specific_data.materialization
            for e in result.all_events
            if e.is_step_materialization and e.asset_key.path[0] == "ats"
        ]
        assert {m.asset_key.path[1] for m in dbt} >= {"candidates", "applications", "jobs", "interviews"}
        assert all("dagster/row_count" in m.metadata for m in dbt)
        candidates = next(m for m in dbt if m.asset_key.path[1] == "candidates").metadata
        types = {c.name: c.type for c in candidates["dagster/column_schema"].schema.columns}
        assert types["id"] == "VARCHAR" and types["changed_at"] == "TIMESTAMP WITH TIME ZONE"


def test_library_logs_reach_the_run_event_log(delta_runs, instance):
    # dagster.yaml's python_logs makes the "lever_warehouse" loggers part of each run's event log.
    run_id = delta_runs["lever:acme"].run_id
    messages = [e.user_message for e in instance.all_logs(run_id)]
    assert any("serving the built-in Lever sandbox" in m for m in messages)
    assert any(m.startswith("published 17 tables") for m in messages)


def test_nothing_looks_missing_after_the_scheduled_runs(delta_runs, defs, instance):
    # Every partition of every raw table is materialized: the UI shows no "Missing" after a good sync.
    raw = defs.get_repository_def().asset_graph.get(OPPORTUNITIES)
    for key in raw.execution_set_asset_keys:
        assert instance.get_materialized_partitions(key) == {"lever:acme", "lever:globex"}, key


def test_the_published_copy_holds_the_unified_schema(delta_runs, warehouse_path, published_path):
    events = delta_runs["lever:globex"].get_asset_materialization_events()
    published = {e.asset_key: e.materialization.metadata for e in events}[PUBLISHED_KEY]
    assert published["tables"].value == 17
    with duckdb.connect(str(published_path), read_only=True) as reader:
        tables = reader.execute("select distinct table_schema from information_schema.tables").fetchall()
        schemas = {row[0] for row in tables}
        assert schemas == {"ats", "_meta"}  # lever_raw (payloads, OAuth state) stays private
        copied = reader.execute("select count(*) from ats.application_stage_changes").fetchall()[0][0]
    with duckdb.connect(str(warehouse_path), read_only=True) as writer:
        assert writer.execute("select count(*) from ats.application_stage_changes").fetchall()[0][0] == copied > 0


def test_every_row_carries_its_integration(delta_runs, published_path):
    with duckdb.connect(str(published_path), read_only=True) as conn:
        for table in ("candidates", "applications", "jobs", "users", "interviews"):
            ids = {r[0] for r in conn.execute(f"SELECT DISTINCT integration_id FROM ats.{table}").fetchall()}
            assert ids == {"lever:acme", "lever:globex"}, table
            dupes = conn.execute(f"SELECT count(*) - count(DISTINCT id) FROM ats.{table}").fetchall()[0][0]
            assert dupes == 0, table


def test_a_backfill_window_is_one_window_query_per_integration(delta_runs, defs, instance, warehouse_path):
    # A UI backfill over both accounts with a window in the config: one run, one window per account.
    result = dg.materialize(
        [defs.get_assets_def(OPPORTUNITIES)],
        instance=instance,
        resources={"warehouse": defs.resources["warehouse"]},
        tags={RANGE_START: "lever:acme", RANGE_END: "lever:globex"},
        run_config=WINDOW,
    )
    assert result.success
    with duckdb.connect(str(warehouse_path), read_only=True) as conn:
        runs = conn.execute(
            "SELECT integration_id, window_start, window_end, requests FROM lever_raw._sync_runs WHERE mode = 'window'"
        ).fetchall()
        dupes = conn.execute("SELECT count(*) - count(DISTINCT (integration_id, id)) FROM lever_raw.opportunities")
        assert dupes.fetchall()[0][0] == 0
    assert sorted(r[0] for r in runs) == ["lever:acme", "lever:globex"]
    for _, start, end, requests in runs:
        assert (start, end) == (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 11, tzinfo=UTC))
        # Two filtered queries (updated_at and created_at windows), each a page or two.
        assert json.loads(requests)["opportunities"] <= 4


def test_a_window_without_its_dates_fails_with_a_clear_message(delta_runs, defs, instance):
    result = dg.materialize(
        [defs.get_assets_def(OPPORTUNITIES)],
        instance=instance,
        resources={"warehouse": defs.resources["warehouse"]},
        partition_key="lever:acme",
        run_config={"ops": {"lever_raw_sync": {"config": {"mode": "window"}}}},
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "window_start and window_end" in failure.step_failure_data.error.message


def test_raw_changes_outside_schedules_trigger_the_unified_models(delta_runs, defs, instance):
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    dg.materialize(
        [defs.get_assets_def(OPPORTUNITIES)],
        instance=instance,
        resources={"warehouse": defs.resources["warehouse"]},
        partition_key="lever:globex",
        run_config=WINDOW,
    )
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)
    requested = {r.key for r in result.results if r.true_subset.size}
    assert dg.AssetKey(["ats", "candidates"]) in requested
    assert not any(k.path[0] == "lever_raw" for k in requested)


def test_the_readme_example_queries_run_on_the_published_copy(delta_runs, published_path):
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    queries = re.findall(r"```sql\n(.*?)```", readme, re.S)
    # The write-back examples attach and insert into the outbox; tests/actions/test_outbox_sql runs those.
    queries = [q for q in queries if not re.search(r"^\s*(INSERT|ATTACH)\b", q, re.M)]
    assert len(queries) >= 4
    with duckdb.connect(str(published_path), read_only=True) as conn:
        for query in queries:
            assert conn.execute(query).fetchall(), query


def test_dbt_builds_keep_a_bounded_number_of_target_folders(delta_runs, defs, instance, location):
    # Three dbt builds in this module (two deltas, one more here) keep only the newest two target folders.
    job = defs.resolve_job_def("lever_delta_sync")
    assert job.execute_in_process(instance=instance, partition_key="lever:acme").success
    folders = list(location.dbt_targets.iterdir())
    assert len(folders) == location.dbt_targets_kept == 2
    assert all((folder / "run_results.json").exists() for folder in folders)
    assert folder_bytes(location.dbt_targets) < location.dbt_targets_kept * 40 * 2**20


def test_make_runs_summary_points_readers_at_the_published_copy(delta_runs, location, published_path):
    text = summary(location.warehouse.settings(), elapsed=1.0)
    assert f"(read-only, never blocks a sync): {published_path}" in text
    assert re.search(r"^  candidates +\d+$", text, re.M)
    assert {"Last sync of lever:acme: delta, succeeded", "Last sync of lever:globex: delta, succeeded"} <= {
        line.rsplit(",", 1)[0] for line in text.splitlines()
    }
    assert len(text.splitlines()) < 60  # fits a screen
