"""The code location's shape: one lineage graph from Lever to `ats`, checks attached, schedules that fire."""

import json
from dataclasses import replace
from datetime import UTC, datetime

import dagster as dg
import pytest

from orchestration.defs.dbt import DBT_PROJECT, describe_test
from orchestration.defs.location import build_definitions
from orchestration.defs.partitions import config_window
from orchestration.defs.published import PUBLISHED_KEY
from orchestration.defs.resources import WarehouseResource
from orchestration.lever.endpoints import RAW_TABLES

UNIFIED = {
    "users", "jobs", "job_postings", "candidates", "application_stages", "applications", "screening_questions",
    "tags", "interviews", "offers", "rejection_reasons", "candidate_tags", "job_application_stages",
    "job_screening_questions", "job_hiring_team_members", "interview_team_members", "application_stage_changes",
}  # fmt: skip


@pytest.fixture(scope="module")
def asset_graph(defs):
    return defs.get_repository_def().asset_graph


def test_every_dbt_source_is_produced_by_the_raw_sync(asset_graph):
    raw_keys = {dg.AssetKey(["lever_raw", t]) for t in RAW_TABLES}
    materializable = {k for k in asset_graph.get_all_asset_keys() if asset_graph.get(k).is_materializable}
    dbt_deps = {dep for key in materializable for dep in asset_graph.get(key).parent_keys}
    sources = {k for k in dbt_deps if k.path[0] == "lever_raw"}
    assert sources, "dbt models should depend on lever_raw sources"
    assert sources <= raw_keys <= materializable


def test_every_unified_table_is_an_asset_with_a_description(asset_graph):
    keys = asset_graph.get_all_asset_keys()
    assert {dg.AssetKey(["ats", name]) for name in UNIFIED} <= keys
    for key in keys:
        assert asset_graph.get(key).description, f"{key} has no description"


def test_asset_pages_name_the_warehouse_relation_and_column_types(asset_graph, warehouse_path):
    # The manifest is parsed against whatever path `make install` saw; the page must name this warehouse.
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for name in UNIFIED:
        metadata = asset_graph.get(dg.AssetKey(["ats", name])).metadata
        assert metadata["dagster/table_name"] == f"{warehouse_path.stem}.ats.{name}"
        shown = {c.name: c.type for c in metadata["dagster/column_schema"].columns}
        declared = {c: v.get("data_type") or "?" for c, v in models[name]["columns"].items()}
        assert shown == declared, name  # every column the yml documents, with the type it declares


def test_the_published_copy_follows_every_unified_table(asset_graph):
    published = asset_graph.get(PUBLISHED_KEY)
    assert {dg.AssetKey(["ats", name]) for name in UNIFIED} <= set(published.parent_keys)
    assert published.automation_condition is not None
    assert published.pools == {"duckdb"}


def test_the_automation_sensor_can_build_every_dbt_asset_after_a_raw_sync(asset_graph):
    # A dbt asset without an automation condition (a seed did) is never in the sensor's runs, so on a fresh
    # warehouse the models reading it fail after a backfill.
    dbt_keys = [k for k in asset_graph.get_all_asset_keys() if asset_graph.get(k).is_materializable]
    dbt_keys = [k for k in dbt_keys if k.path[0] != "lever_raw"]
    assert len(dbt_keys) >= len(UNIFIED)
    for key in dbt_keys:
        assert asset_graph.get(key).automation_condition is not None, f"{key} is never built by the sensor"


def test_checks_are_attached_to_raw_tables_and_models(asset_graph):
    checks = asset_graph.asset_check_keys
    raw_checks = {(c.asset_key.path[1], c.name) for c in checks if c.asset_key.path[0] == "lever_raw"}
    for table in RAW_TABLES:
        assert {(table, "ids_unique_per_integration"), (table, "row_count_not_collapsing")} <= raw_checks
    unified_checks = {c.asset_key for c in checks if c.asset_key.path[0] == "ats"}
    assert {dg.AssetKey(["ats", name]) for name in UNIFIED} <= unified_checks  # dbt tests on every table


def test_integrations_are_partitions(asset_graph):
    spec = asset_graph.get(dg.AssetKey(["lever_raw", "opportunities"]))
    assert spec.partitions_def.get_partition_keys() == ["lever:acme", "lever:globex"]


def test_definitions_come_from_the_settings_given_not_the_environment(location, tmp_path, monkeypatch):
    monkeypatch.setenv("LEVER_INTEGRATIONS_FILE", "/nonexistent.toml")  # would fail if anything read it
    monkeypatch.setenv("LEVER_DELTA_CRON", "not a cron")
    single = tmp_path / "one.toml"
    single.write_text('[[integrations]]\nid = "lever:solo"\nsandbox = { opportunities = 5 }\n')
    warehouse = location.warehouse.model_copy(update={"integrations_file": str(single)})
    assert isinstance(warehouse, WarehouseResource)
    other = build_definitions(replace(location, warehouse=warehouse, delta_cron="15 * * * *"))
    spec = other.get_repository_def().asset_graph.get(dg.AssetKey(["lever_raw", "opportunities"]))
    assert spec.partitions_def.get_partition_keys() == ["lever:solo"]
    assert other.get_schedule_def("lever_delta_schedule").cron_schedule == "15 * * * *"


def test_a_window_is_run_config_read_as_utc_dates():
    assert config_window("2026-01-01", "2026-02-01") == (
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 2, 1, tzinfo=UTC),
    )
    assert config_window(None, None) is None
    for start, end in (("2026-01-01", None), ("2026-02-01", "2026-01-01")):
        with pytest.raises(ValueError, match="window"):
            config_window(start, end)


def test_no_full_pass_is_scheduled_unless_asked_and_sync_runs_have_a_max_runtime(defs, location):
    names = {s.name for s in defs.schedules}
    assert "lever_delta_schedule" in names and "lever_full_schedule" not in names  # rolling verification instead
    for job in ("lever_delta_sync", "lever_full_sync"):
        runtime = int(defs.resolve_job_def(job).tags["dagster/max_runtime"])
        assert runtime == (location.warehouse.settings().max_run_hours + 2) * 3600


def test_schedules_request_one_run_per_integration(location):
    defs = build_definitions(replace(location, full_cron="30 3 * * 0"))
    for name, mode in (("lever_delta_schedule", "delta"), ("lever_full_schedule", "full")):
        schedule = defs.get_schedule_def(name)
        when = datetime(2026, 3, 2, 10, tzinfo=UTC)
        repository = defs.get_repository_def()
        with dg.build_schedule_context(scheduled_execution_time=when, repository_def=repository) as context:
            requests = list(schedule.evaluate_tick(context).run_requests)
        assert [r.partition_key for r in requests] == ["lever:acme", "lever:globex"]
        assert len({r.run_key for r in requests}) == 2
        job = defs.resolve_job_def(schedule.job_name)
        config = job.get_run_config_for_partition_key(requests[0].partition_key)
        assert config["ops"]["lever_raw_sync"]["config"]["mode"] == mode
        assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED  # LEVER_SCHEDULES_RUNNING unset


def test_writes_to_duckdb_are_serialized_by_one_pool(asset_graph):
    for key in (dg.AssetKey(["lever_raw", "opportunities"]), dg.AssetKey(["ats", "candidates"]), PUBLISHED_KEY):
        assert asset_graph.get(key).pools == {"duckdb"}


def test_every_check_says_what_it_checks(asset_graph):
    # A dbt test's own `description` wins; otherwise the generic test and its arguments, never "no description".
    for check in asset_graph.asset_check_keys:
        assert asset_graph.get_check_spec(check).description, check
        # every dbt data test names what it proves (tests/dbt checks the yml); the generic fallback is for others
        if check.asset_key.path[0] in ("staging", "ats"):
            assert not asset_graph.get_check_spec(check).description.startswith("dbt test `"), check
    test = {"name": "unique_jobs_id", "test_metadata": {"name": "unique", "kwargs": {"column_name": "id"}}}
    assert describe_test(test) == "dbt test `unique` on `id`"
