"""The whole graph materialized in-process against two embedded sandbox accounts, then a UI-style backfill."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import defs
from orchestration.defs.raw import lever_raw_sync

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


@pytest.fixture(scope="module")
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture(scope="module")
def delta_runs(instance):
    job = defs.resolve_job_def("lever_delta_sync")
    return {
        integration: job.execute_in_process(
            instance=instance,
            partition_key=dg.MultiPartitionKey({"integration": integration, "date": "2026-03-02"}),
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
        opportunities = raw[dg.AssetKey(["lever_raw", "opportunities"])]
        assert opportunities["records_written"].value > 0
        assert opportunities["requests"].value >= 2
        assert integration in opportunities["cursor"].value
        assert opportunities["mode"].value == "delta"
        checks = result.get_asset_check_evaluations()
        assert checks and all(c.passed for c in checks if c.asset_key.path[0] == "lever_raw")
        dbt = [
            e.event_specific_data.materialization
            for e in result.all_events
            if e.is_step_materialization and e.asset_key.path[0] == "ats"
        ]
        assert {m.asset_key.path[1] for m in dbt} >= {"candidates", "applications", "jobs", "interviews"}
        assert all("row_count" in m.metadata for m in dbt)


def test_every_row_carries_its_integration(delta_runs, warehouse_path):
    with duckdb.connect(str(warehouse_path), read_only=True) as conn:
        for table in ("candidates", "applications", "jobs", "users", "interviews"):
            ids = {r[0] for r in conn.execute(f"SELECT DISTINCT integration_id FROM ats.{table}").fetchall()}
            assert ids == {"lever:acme", "lever:globex"}, table
            dupes = conn.execute(f"SELECT count(*) - count(DISTINCT id) FROM ats.{table}").fetchall()[0][0]
            assert dupes == 0, table


def test_a_backfill_range_is_one_window_query_per_integration(delta_runs, instance, warehouse_path):
    result = dg.materialize(
        [lever_raw_sync],
        instance=instance,
        tags={RANGE_START: "2026-02-01|lever:acme", RANGE_END: "2026-02-10|lever:acme"},
    )
    assert result.success
    with duckdb.connect(str(warehouse_path), read_only=True) as conn:
        runs = conn.execute(
            """SELECT window_start, window_end, requests FROM lever_raw._sync_runs
               WHERE integration_id = 'lever:acme' AND mode = 'window'"""
        ).fetchall()
        dupes = conn.execute("SELECT count(*) - count(DISTINCT (integration_id, id)) FROM lever_raw.opportunities")
        assert dupes.fetchall()[0][0] == 0
    assert len(runs) == 1
    start, end, requests = runs[0]
    assert (start, end) == (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 11, tzinfo=UTC))
    # Two filtered queries (updated_at and created_at windows), each a page or two, instead of ten runs.
    assert json.loads(requests)["opportunities"] <= 4
    keys = instance.get_materialized_partitions(dg.AssetKey(["lever_raw", "opportunities"]))
    assert {k for k in keys if k.endswith("lever:acme") and k.startswith("2026-02")} == {
        f"2026-02-{d:02d}|lever:acme" for d in range(1, 11)
    }


def test_raw_changes_outside_schedules_trigger_the_unified_models(delta_runs, instance):
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    dg.materialize(
        [lever_raw_sync],
        instance=instance,
        partition_key=dg.MultiPartitionKey({"integration": "lever:globex", "date": "2026-03-01"}),
    )
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)
    requested = {r.key for r in result.results if r.true_subset.size}
    assert dg.AssetKey(["ats", "candidates"]) in requested
    assert not any(k.path[0] == "lever_raw" for k in requested)


def test_the_readme_example_queries_run_on_the_built_warehouse(delta_runs, warehouse_path):
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    queries = re.findall(r"```sql\n(.*?)```", readme, re.S)
    assert len(queries) >= 4
    with duckdb.connect(str(warehouse_path), read_only=True) as conn:
        for query in queries:
            assert conn.execute(query).fetchall(), query
