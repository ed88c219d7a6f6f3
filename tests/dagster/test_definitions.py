"""The code location's shape: one lineage graph from Lever to `ats`, checks attached, schedules that fire."""

from datetime import UTC, datetime

import dagster as dg

from orchestration.definitions import defs
from orchestration.defs.dbt import lever_dbt_models
from orchestration.defs.partitions import windows_by_integration
from orchestration.lever.endpoints import RAW_TABLES

UNIFIED = {
    "users", "jobs", "job_postings", "candidates", "application_stages", "applications", "screening_questions",
    "tags", "interviews", "offers", "rejection_reasons", "candidate_tags", "job_application_stages",
    "job_screening_questions", "job_hiring_team_members", "interview_team_members", "application_stage_changes",
}  # fmt: skip


def graph():
    return defs.get_repository_def().asset_graph


def test_every_dbt_source_is_produced_by_the_raw_sync():
    asset_graph = graph()
    raw_keys = {dg.AssetKey(["lever_raw", t]) for t in RAW_TABLES}
    materializable = {k for k in asset_graph.get_all_asset_keys() if asset_graph.get(k).is_materializable}
    dbt_deps = {dep for key in materializable for dep in asset_graph.get(key).parent_keys}
    sources = {k for k in dbt_deps if k.path[0] == "lever_raw"}
    assert sources, "dbt models should depend on lever_raw sources"
    assert sources <= raw_keys <= materializable


def test_every_unified_table_is_an_asset_with_a_description():
    keys = graph().get_all_asset_keys()
    assert {dg.AssetKey(["ats", name]) for name in UNIFIED} <= keys
    for key in keys:
        assert graph().get(key).description, f"{key} has no description"


def test_the_automation_sensor_can_build_every_dbt_asset_after_a_raw_sync():
    # A dbt asset without an automation condition (a seed did) is never in the sensor's runs, so on a fresh
    # warehouse the models reading it fail after a backfill.
    asset_graph = graph()
    dbt_keys = [k for k in asset_graph.get_all_asset_keys() if asset_graph.get(k).is_materializable]
    dbt_keys = [k for k in dbt_keys if k.path[0] != "lever_raw"]
    assert len(dbt_keys) >= len(UNIFIED)
    for key in dbt_keys:
        assert asset_graph.get(key).automation_condition is not None, f"{key} is never built by the sensor"


def test_checks_are_attached_to_raw_tables_and_models():
    checks = graph().asset_check_keys
    raw_checks = {(c.asset_key.path[1], c.name) for c in checks if c.asset_key.path[0] == "lever_raw"}
    for table in RAW_TABLES:
        assert {(table, "ids_unique_per_integration"), (table, "row_count_not_collapsing")} <= raw_checks
    unified_checks = {c.asset_key for c in checks if c.asset_key.path[0] == "ats"}
    assert {dg.AssetKey(["ats", name]) for name in UNIFIED} <= unified_checks  # dbt tests on every table


def test_dbt_checks_and_columns_say_what_they_are():
    specs = list(lever_dbt_models.check_specs)
    assert len(specs) >= 100 and all(spec.description for spec in specs), "each dbt test's description"
    schema = lever_dbt_models.specs_by_key[dg.AssetKey(["ats", "applications"])].metadata["dagster/column_schema"]
    assert {column.name: column.type for column in schema.columns}["rejected_at"] == "TIMESTAMP WITH TIME ZONE"


def test_integrations_are_partitions():
    spec = graph().get(dg.AssetKey(["lever_raw", "opportunities"]))
    dims = {d.name: d.partitions_def for d in spec.partitions_def.partitions_defs}
    assert dims["integration"].get_partition_keys() == ["lever:acme", "lever:globex"]


def test_a_day_range_collapses_into_one_window_per_integration():
    keys = [
        dg.MultiPartitionKey({"integration": "lever:acme", "date": d})
        for d in ("2026-02-01", "2026-02-02", "2026-02-03")
    ] + [dg.MultiPartitionKey({"integration": "lever:globex", "date": "2026-02-02"})]
    assert windows_by_integration(keys) == {
        "lever:acme": (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 4, tzinfo=UTC)),
        "lever:globex": (datetime(2026, 2, 2, tzinfo=UTC), datetime(2026, 2, 3, tzinfo=UTC)),
    }


def test_schedules_request_one_run_per_integration_for_today():
    for name, mode in (("lever_delta_schedule", "delta"), ("lever_full_schedule", "full")):
        schedule = defs.get_schedule_def(name)
        when = datetime(2026, 3, 2, 10, tzinfo=UTC)
        repository = defs.get_repository_def()
        with dg.build_schedule_context(scheduled_execution_time=when, repository_def=repository) as context:
            requests = list(schedule.evaluate_tick(context).run_requests)
        assert [r.partition_key for r in requests] == [
            dg.MultiPartitionKey({"integration": i, "date": "2026-03-02"}) for i in ("lever:acme", "lever:globex")
        ]
        assert len({r.run_key for r in requests}) == 2
        job = defs.resolve_job_def(schedule.job_name)
        config = job.get_run_config_for_partition_key(requests[0].partition_key)
        assert config["ops"]["lever_raw_sync"]["config"]["mode"] == mode


def test_writes_to_duckdb_are_serialized_by_one_pool():
    for key in (dg.AssetKey(["lever_raw", "opportunities"]), dg.AssetKey(["ats", "candidates"])):
        assert graph().get(key).pools == {"duckdb"}
