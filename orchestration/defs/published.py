"""The published copy of the unified schema as an asset: what SQL users and BI tools open, refreshed after builds."""

from collections.abc import Sequence

import dagster as dg

from orchestration.warehouse.publish import publish

from .resources import WarehouseResource
from .settings import DUCKDB_POOL

PUBLISHED_KEY = dg.AssetKey(["published", "warehouse"])


def build_published(unified: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """Downstream of every unified table: it runs only after they all built (a failed dbt test stops it)."""

    @dg.asset(
        key=PUBLISHED_KEY,
        deps=list(unified),
        group_name="published",
        kinds={"duckdb"},
        pool=DUCKDB_POOL,
        automation_condition=dg.AutomationCondition.eager(),
        description=(
            "The unified schema (`ats`) copied to its own DuckDB file and swapped in whole: point SQL users and "
            "BI tools here (read-only). Readers never hold the warehouse's lock and keep the snapshot they opened."
        ),
    )
    def published_warehouse(warehouse: WarehouseResource) -> dg.MaterializeResult:
        publication = publish(warehouse.settings())
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(publication.path)),
                "tables": len(publication.rows),
                "rows": sum(publication.rows.values()),
                "rows_by_table": dg.MetadataValue.json(publication.rows),
                "size_mb": round(publication.size_bytes / 2**20, 1),
                "duration_s": publication.seconds,
            }
        )

    return published_warehouse
