"""The dbt project as assets: staging, intermediate and the unified `ats` tables, with dbt tests as checks."""

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.lever.warehouse import connect
from orchestration.warehouse.dbt_runner import DBT_PROJECT_DIR, SKIP_UNIT_TESTS, dbt_executable, dbt_vars, purge_raw
from orchestration.warehouse.housekeeping import DAGSTER_TARGETS, KEEP_DBT_TARGETS, prune_dbt_targets

from .resources import WarehouseResource
from .settings import DUCKDB_POOL

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

# Unified models follow raw data as soon as it lands. Plain `eager()` would wait until every integration's raw
# partition exists (an unpartitioned model depends on all of them), so that clause is dropped.
FOLLOW_RAW = dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing())


class LeverDbtTranslator(DagsterDbtTranslator):
    """Keys are `[schema, name]` so lineage reads lever_raw → staging → ats; groups follow model folders.

    The table name in the asset's metadata names the warehouse's own database (its file name): the manifest
    carries the database dbt parsed against, a scratch file, which is not where the table is."""

    def __init__(self, database: str) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True))
        self._database = database

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id)
        if node is None or node["resource_type"] != "model":
            return spec
        folder = node["fqn"][1] if len(node["fqn"]) > 2 else "models"
        relation = f"{self._database}.{node['schema']}.{node.get('alias') or node['name']}"
        return spec.replace_attributes(
            key=dg.AssetKey([node["schema"], node["name"]]),
            group_name=folder,
            automation_condition=FOLLOW_RAW,
        ).merge_attributes(metadata={"dagster/table_name": relation})

    def get_asset_check_spec(
        self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetCheckSpec | None:
        """dagster-dbt reads a check's description from the test's `meta` only; the test's own `description`
        (dbt 1.9+) or, failing both, what the generic test checks is what the UI should show."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        test = manifest["nodes"][unique_id]
        return spec._replace(description=test.get("description") or describe_test(test))


def describe_test(test: Mapping[str, Any]) -> str:
    """`unique` on `id`; `accepted_values` on `status`: values=[...]: a generic test in a sentence."""
    metadata = test.get("test_metadata") or {}
    kwargs = {k: v for k, v in (metadata.get("kwargs") or {}).items() if k not in ("model", "column_name")}
    column = (metadata.get("kwargs") or {}).get("column_name") or test.get("column_name")
    what = f"dbt test `{metadata.get('name') or test['name']}`" + (f" on `{column}`" if column else "")
    return what + ("".join(f"; {k}={v}" for k, v in kwargs.items()) if kwargs else "")


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())


def _table_facts(
    warehouse: WarehouseResource, keys: list[dg.AssetKey]
) -> dict[dg.AssetKey, tuple[int, list[tuple[str, str]]]]:
    """Rows and (column, type) of each built relation, read after dbt exits: DuckDB admits one process, so they
    cannot be read while dbt runs. The types are the warehouse's own, whatever the yml declares."""
    conn = connect(warehouse.settings().duckdb_path, read_only=False)
    try:
        columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for schema, table, column, data_type in conn.execute(
            """SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
               WHERE table_catalog = current_database() ORDER BY table_schema, table_name, ordinal_position"""
        ).fetchall():
            columns.setdefault((schema, table), []).append((column, data_type))
        return {
            key: (conn.execute(f'SELECT count(*) FROM "{key.path[0]}"."{key.path[1]}"').fetchall()[0][0], cols)
            for key in keys
            if len(key.path) == 2 and (cols := columns.get((key.path[0], key.path[1])))
        }
    finally:
        conn.close()


def _column_schema(spec: dg.AssetSpec, columns: list[tuple[str, str]]) -> dg.TableSchema:
    """The built columns with their warehouse types and the descriptions the yml gives them."""
    documented = spec.metadata.get("dagster/column_schema")
    descriptions = {c.name: c.description for c in documented.columns} if documented else {}
    return dg.TableSchema(
        columns=[dg.TableColumn(name, data_type, description=descriptions.get(name)) for name, data_type in columns]
    )


@contextmanager
def _variable(name: str, value: str) -> Iterator[None]:
    """Set one environment variable for a block (dagster-dbt builds dbt's environment from os.environ)."""
    saved = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


def _key(context: dg.AssetExecutionContext, event: Any) -> dg.AssetKey | None:
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name)
    if isinstance(event, dg.AssetMaterialization):
        return event.asset_key
    return None


def build_dbt_models(
    database: str, targets: Path = DAGSTER_TARGETS, keep: int = KEEP_DBT_TARGETS
) -> dg.AssetsDefinition:
    """The dbt assets; `database` is the warehouse's DuckDB database name (its file name without extension);
    each run's dbt artifacts go to a folder under `targets`, of which the `keep` newest stay."""

    @dbt_assets(
        manifest=DBT_PROJECT.manifest_path,
        project=DBT_PROJECT,
        dagster_dbt_translator=LeverDbtTranslator(database),
        pool=DUCKDB_POOL,
    )
    def lever_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        """dbt build (models + data tests) of the selected models; incremental models make a delta build cheap."""
        settings = warehouse.settings()
        purged = purge_raw(settings)
        if purged:
            context.log.info(f"purged personal data from raw rows gone for the retention period: {purged}")
        # dbt runs in its project folder and gets the absolute warehouse path through its environment, which
        # dagster-dbt copies from this process's when it starts dbt. Its artifacts go to a folder of this run
        # (pruned below to the last few) instead of a new folder in target/ each time.
        target = targets / f"{time.strftime('%Y%m%dT%H%M%S')}-{context.run.run_id[:8]}"
        with _variable("DUCKDB_PATH", str(settings.duckdb_path)):
            invocation = dbt.cli(["build", *SKIP_UNIT_TESTS, *dbt_vars(settings)], context=context, target_path=target)
        events = list(invocation.stream())
        keys = {id(e): _key(context, e) for e in events}
        facts = _table_facts(warehouse, [key for key in keys.values() if key is not None])
        for event in events:
            key = keys[id(event)]
            if key in facts:
                rows, columns = facts[key]
                yield event.with_metadata(
                    {
                        **event.metadata,
                        "dagster/row_count": dg.MetadataValue.int(rows),
                        "dagster/column_schema": _column_schema(context.assets_def.specs_by_key[key], columns),
                    }
                )
            else:
                yield event
        removed = prune_dbt_targets(targets, keep)
        if removed:
            context.log.info(f"removed {len(removed)} old dbt target folder(s) under {targets}")

    return lever_dbt_models
