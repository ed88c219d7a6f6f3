"""The dbt project as assets: staging, intermediate and the unified `ats` tables, with dbt tests as checks."""

import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.lever.build import DBT_PROJECT_DIR, SKIP_UNIT_TESTS, dbt_executable, dbt_parse, purge_raw
from orchestration.lever.warehouse import connect

from .partitions import settings
from .raw import POOL

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
if os.getenv("DAGSTER_IS_DEV_CLI"):  # set by `dagster dev`: the condition of dagster-dbt's `prepare_if_dev()`
    # Not `prepare_if_dev()` itself: it runs the `dbt` found on PATH, which is not the venv's unless it is
    # activated (`make dev` does not activate it), and then the code location fails to load.
    dbt_parse()

# Unified models follow raw data as soon as it lands. Plain `eager()` would wait for every daily raw
# partition to exist (an unpartitioned model depends on all of them), so that clause is dropped.
FOLLOW_RAW = dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing())


class LeverDbtTranslator(DagsterDbtTranslator):
    """Keys are `[schema, name]` so lineage reads lever_raw → staging → ats; groups follow model folders."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id)
        if node is None or node["resource_type"] != "model":
            return spec
        folder = node["fqn"][1] if len(node["fqn"]) > 2 else "models"
        return spec.replace_attributes(
            key=dg.AssetKey([node["schema"], node["name"]]),
            group_name=folder,
            automation_condition=FOLLOW_RAW,
        )

    def get_asset_check_spec(
        self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetCheckSpec | None:
        # dagster-dbt takes a check's description from the test's `meta`; ours are the tests' own `description:`.
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        description = manifest["nodes"].get(unique_id, {}).get("description")
        return spec._replace(description=description) if spec is not None and description else spec


TRANSLATOR = LeverDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True))


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())


def _row_counts(keys: list[dg.AssetKey]) -> dict[dg.AssetKey, int]:
    """Counted after dbt exits: DuckDB admits one process, so the counts cannot be read while dbt runs."""
    conn = connect(settings().duckdb_path, read_only=False)
    try:
        existing = {
            (schema, name)
            for schema, name in conn.execute(
                "SELECT table_schema, table_name FROM information_schema.tables"
            ).fetchall()
        }
        return {
            key: conn.execute(f'SELECT count(*) FROM "{key.path[0]}"."{key.path[1]}"').fetchall()[0][0]
            for key in keys
            if len(key.path) == 2 and tuple(key.path) in existing
        }
    finally:
        conn.close()


@dbt_assets(manifest=DBT_PROJECT.manifest_path, project=DBT_PROJECT, dagster_dbt_translator=TRANSLATOR, pool=POOL)
def lever_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """dbt build (models + data tests) of the selected models; incremental models make a delta build cheap."""
    os.environ["DUCKDB_PATH"] = str(settings().duckdb_path)  # dbt runs in its project folder: absolute path
    purged = purge_raw(settings())
    if purged:
        context.log.info(f"purged personal data from raw rows gone for 14 days: {purged}")
    events = list(dbt.cli(["build", *SKIP_UNIT_TESTS], context=context).stream())
    keys = {id(e): _key(context, e) for e in events}
    counts = _row_counts([key for key in keys.values() if key is not None])
    for event in events:
        key = keys[id(event)]
        if key in counts:
            yield event.with_metadata({**event.metadata, "row_count": dg.MetadataValue.int(counts[key])})
        else:
            yield event


def _key(context: dg.AssetExecutionContext, event: Any) -> dg.AssetKey | None:
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name)
    if isinstance(event, dg.AssetMaterialization):
        return event.asset_key
    return None
