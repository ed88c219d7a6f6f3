"""The `lever_raw` tables as one partitioned multi-asset: one sync fills them all, checks run on the result."""

from typing import Literal

import dagster as dg
from pydantic import Field

from orchestration.lever.endpoints import BY_NAME, ENDPOINTS, Kind
from orchestration.lever.references import CHECKED, CURSOR, REFERENCES
from orchestration.lever.runner import run_syncs
from orchestration.lever.store import SCHEMA
from orchestration.lever.sync import Mode, SyncResult
from orchestration.lever.warehouse import connect

from .partitions import config_window
from .resources import WarehouseResource
from .settings import DUCKDB_POOL
from .webhooks import drain_integrations

COLLAPSE_RATIO = 0.5  # live rows falling below half of the previous run's count means something broke

RAW_KEYS = {e.name: dg.AssetKey([SCHEMA, e.name]) for e in ENDPOINTS}
UNIQUE_IDS = "ids_unique_per_integration"
NOT_COLLAPSING = "row_count_not_collapsing"
STORED_AS_SENT = "records_stored_as_sent"
REFERENCES_RESOLVED = "references_resolved"
# Tables whose ids other records reference: what Lever no longer lists is read by id or kept as a tombstone.
LOOKUP_TABLES = sorted({reference.target for reference in REFERENCES})


class SyncConfig(dg.Config):
    """What a run of the raw sync does for each selected integration (schedules set `mode`)."""

    mode: Literal["delta", "full", "window", "webhooks"] = Field(
        default="delta",
        description="delta: what changed since the last sync; full: re-list everything and mark what disappeared; "
        "window: re-extract the records created or updated in [window_start, window_end); webhooks: drain the "
        "webhook queue (the `lever_webhooks` sensor's runs)",
    )
    window_start: str | None = Field(default=None, description="window mode: ISO date or instant, UTC")
    window_end: str | None = Field(default=None, description="window mode: ISO date or instant (exclusive)")


def _description(endpoint) -> str:
    how = {
        Kind.ACCOUNT: "Re-listed whole on every sync; rows no longer listed get `missing_since`.",
        Kind.OPPORTUNITIES: "Scanned every sync; children re-read only where `updatedAt` or `lastInteractionAt` moved.",
        Kind.EMBEDDED: "Arrives inside the opportunities list (expand=applications): no extra request.",
        Kind.OPPORTUNITY_CHILD: "Re-read per opportunity only when that opportunity changed.",
        Kind.POSTING_CHILD: "Re-read when its posting changed (every posting on a full sync).",
        Kind.DELETED_FEED: "Read in windows of at most 29 days from its own cursor; marks the rows it names deleted.",
    }[endpoint.kind]
    return f"{endpoint.description} Lever `GET {endpoint.lever_template}`. {how}"


# Skippable: a webhook drain reports only the tables it can have changed, so the models downstream of the others
# are not rebuilt after it.
SPECS = [
    dg.AssetSpec(key, description=_description(BY_NAME[name]), group_name="lever_raw", kinds={"duckdb"}, skippable=True)
    for name, key in RAW_KEYS.items()
]
CHECK_SPECS = [
    spec
    for key in RAW_KEYS.values()
    for spec in (
        dg.AssetCheckSpec(UNIQUE_IDS, asset=key, description="Each Lever id appears once per integration."),
        dg.AssetCheckSpec(
            NOT_COLLAPSING, asset=key, description="Live rows did not fall below half of the previous sync's count."
        ),
        dg.AssetCheckSpec(
            STORED_AS_SENT,
            asset=key,
            description="Every record Lever sent could be stored as sent; the others wait in lever_raw._rejected "
            "(warning: the rest of the data is complete, and later syncs retry them).",
        ),
    )
] + [
    dg.AssetCheckSpec(
        REFERENCES_RESOLVED,
        asset=RAW_KEYS[name],
        description="Every id a stored record references is held here: listed, read by id, or a tombstone for an "
        "id Lever answers 404 for (metadata: how many of each).",
    )
    for name in LOOKUP_TABLES
]


def _table_requests(result: SyncResult, name: str) -> int:
    return result.requests.get(name, 0)


def _previous_live_rows(context: dg.AssetExecutionContext, key: dg.AssetKey) -> dict[str, int]:
    """Live rows per integration recorded by the previous materialization of this table."""
    event = context.instance.get_latest_materialization_event(key)
    if event is None or event.asset_materialization is None:
        return {}
    value = event.asset_materialization.metadata.get("rows_live_by_integration")
    return dict(value.value) if value is not None else {}


def build_raw_sync(partitions: dg.StaticPartitionsDefinition) -> dg.AssetsDefinition:
    """The raw sync over the configured integrations (the partitions need their ids at definition time)."""

    @dg.multi_asset(
        name="lever_raw_sync",
        specs=SPECS,
        check_specs=CHECK_SPECS,
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=DUCKDB_POOL,
        can_subset=False,
    )
    def lever_raw_sync(context: dg.AssetExecutionContext, config: SyncConfig, warehouse: WarehouseResource):
        """Extract Lever into `lever_raw`: per selected integration, a delta, full or window sync, or a drain of
        the webhook queue."""
        if config.mode == "webhooks":
            results, tables = drain_integrations(context, warehouse.settings(), list(context.partition_keys))
            yield from _report(context, warehouse, results, tables)
            return
        mode = Mode(config.mode)
        try:
            window = config_window(config.window_start, config.window_end)
        except ValueError as exc:
            raise dg.Failure(description=str(exc)) from None
        if (mode is Mode.WINDOW) != (window is not None):
            raise dg.Failure(description="window_start and window_end go with mode: window, and only with it")
        plan = {integration_id: window for integration_id in context.partition_keys}
        scope = f" of {window[0]:%Y-%m-%d}..{window[1]:%Y-%m-%d}" if window else ""
        context.log.info(f"{mode.value} sync{scope} of {', '.join(plan)}")
        # The library logs with stdlib logging ("lever_warehouse"); dagster.yaml's python_logs brings its
        # retries and warnings into the run's event log.
        outcomes = run_syncs(warehouse.settings(), mode, plan)
        results = [o.result for o in outcomes if o.result is not None]
        failures = [o.error for o in outcomes if o.error is not None]
        if not results:
            raise dg.Failure(description="; ".join(failures))
        yield from _report(context, warehouse, results)
        if failures:  # the accounts that worked are recorded above; the run still says something failed
            raise dg.Failure(
                description=f"{len(failures)} of {len(outcomes)} integrations failed: " + "; ".join(failures),
                metadata={"failed_integrations": [o.integration_id for o in outcomes if o.error]},
            )

    return lever_raw_sync


def _report(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    results: list[SyncResult],
    tables: set[str] | None = None,
):
    """Materializations of every raw table (of `tables` only, if given) and the checks of all of them."""
    integration_ids = [r.integration_id for r in results]
    conn = connect(warehouse.settings().duckdb_path)
    try:
        for name, key in RAW_KEYS.items():
            rows = conn.execute(
                f"""SELECT integration_id,
                           count(*) FILTER (WHERE deleted_at IS NULL AND missing_since IS NULL),
                           count(*), count(*) - count(DISTINCT id)
                    FROM {SCHEMA}.{name} WHERE integration_id IN (SELECT unnest($ids)) GROUP BY 1""",
                {"ids": integration_ids},
            ).fetchall()
            live = {row[0]: int(row[1]) for row in rows}
            duplicates = sum(row[3] for row in rows)
            previous = _previous_live_rows(context, key)
            collapsed = {
                i: (previous[i], n)
                for i, n in live.items()
                if previous.get(i, 0) >= 20 and n < previous[i] * COLLAPSE_RATIO
            }
            cursor = {r.integration_id: r.cursors[name] for r in results if name in r.cursors}
            # A table a webhook drain did not touch gets no materialization: nothing downstream is rebuilt.
            if tables is None or name in tables:
                yield dg.MaterializeResult(
                    asset_key=key,
                    metadata={
                        "records_written": sum(r.records.get(name, 0) for r in results),
                        "rows_live": sum(live.values()),
                        "rows_total": sum(row[2] for row in rows),
                        "rows_live_by_integration": dg.MetadataValue.json({**previous, **live}),
                        "requests": sum(_table_requests(r, name) for r in results),
                        "run_requests_total": sum(r.total_requests for r in results),
                        "retries": sum(r.retries for r in results),
                        "duration_s": round(sum(r.elapsed_s for r in results), 2),
                        "mode": results[0].mode,
                        "integrations": integration_ids,
                        "cursor": dg.MetadataValue.json(cursor) if cursor else "none",
                        **(_children_metadata(results) if name == "opportunities" else {}),
                    },
                )
            yield dg.AssetCheckResult(
                asset_key=key, check_name=UNIQUE_IDS, passed=duplicates == 0, metadata={"duplicates": duplicates}
            )
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=NOT_COLLAPSING,
                passed=not collapsed,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"collapsed": dg.MetadataValue.json({i: list(v) for i, v in collapsed.items()})},
            )
            yield _stored_as_sent(conn, key, name, integration_ids)
            if name in LOOKUP_TABLES:
                yield _references_resolved(conn, key, name, integration_ids)
    finally:
        conn.close()


def _children_metadata(results: list[SyncResult]) -> dict[str, object]:
    """The backlog, the rolling verification and the request budget, per integration."""
    return {
        "children_pending": dg.MetadataValue.json({r.integration_id: r.children_pending for r in results}),
        "least_recently_verified": dg.MetadataValue.json(
            {r.integration_id: r.oldest_verified.isoformat() if r.oldest_verified else None for r in results}
        ),
        "deferred_by_budget": dg.MetadataValue.json({r.integration_id: r.deferred for r in results}),
        "request_budget": dg.MetadataValue.json({r.integration_id: r.budget for r in results}),
    }


def _stored_as_sent(conn, key: dg.AssetKey, name: str, integration_ids: list[str]) -> dg.AssetCheckResult:
    rows = conn.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE repaired), list(error ORDER BY last_seen_at DESC)[1:3]
            FROM {SCHEMA}._rejected WHERE endpoint = $name AND resolved_at IS NULL
              AND integration_id IN (SELECT unnest($ids))""",
        {"name": name, "ids": integration_ids},
    ).fetchall()[0]
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=STORED_AS_SENT,
        passed=rows[0] == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rejected": int(rows[0]),
            "of_which_repaired": int(rows[1]),
            "latest_errors": dg.MetadataValue.json(rows[2] or []),
        },  # fmt: skip
    )


def _references_resolved(conn, key: dg.AssetKey, name: str, integration_ids: list[str]) -> dg.AssetCheckResult:
    found, tombstones = conn.execute(
        f"""SELECT count(*) FILTER (WHERE lookup_status = 'found'), count(*) FILTER (WHERE lookup_status = 'not_found')
            FROM {SCHEMA}.{name} WHERE integration_id IN (SELECT unnest($ids))""",
        {"ids": integration_ids},
    ).fetchall()[0]
    unchecked = conn.execute(
        f"""SELECT list(integration_id) FROM {SCHEMA}._sync_cursors
            WHERE stream = $stream AND value <> $checked AND integration_id IN (SELECT unnest($ids))""",
        {"stream": CURSOR, "checked": CHECKED, "ids": integration_ids},
    ).fetchall()[0][0]
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=REFERENCES_RESOLVED,
        passed=not unchecked,
        metadata={
            "read_by_id": int(found),
            "tombstones": int(tombstones),
            "integrations_with_unchecked_references": dg.MetadataValue.json(unchecked or []),
        },  # fmt: skip
    )
