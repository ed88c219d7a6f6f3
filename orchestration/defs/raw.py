"""The `lever_raw` tables as one partitioned multi-asset: one sync fills them all, checks run on the result."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import dagster as dg

from orchestration.lever.endpoints import BY_NAME, ENDPOINTS, Kind
from orchestration.lever.runner import run_syncs
from orchestration.lever.store import SCHEMA
from orchestration.lever.sync import Mode, SyncResult
from orchestration.lever.warehouse import connect

from .partitions import LEVER_PARTITIONS, settings, windows_by_integration
from .webhooks import drain_integrations

POOL = "duckdb"
COLLAPSE_RATIO = 0.5  # live rows falling below half of the previous run's count means something broke

RAW_KEYS = {e.name: dg.AssetKey([SCHEMA, e.name]) for e in ENDPOINTS}
UNIQUE_IDS = "ids_unique_per_integration"
NOT_COLLAPSING = "row_count_not_collapsing"


class SyncConfig(dg.Config):
    """`window` re-extracts the selected days (UI materializations, backfills); schedules pick delta or full;
    `webhooks` drains the webhook queue (the `lever_webhooks` sensor's runs)."""

    mode: Literal["window", "delta", "full", "webhooks"] = "window"


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
    )
]


class _ForwardToDagster(logging.Handler):
    def __init__(self, context: dg.AssetExecutionContext) -> None:
        super().__init__()
        self._context = context

    def emit(self, record: logging.LogRecord) -> None:
        level = {logging.ERROR: "error", logging.WARNING: "warning"}.get(record.levelno, "info")
        getattr(self._context.log, level)(record.getMessage())


@contextmanager
def library_logs(context: dg.AssetExecutionContext) -> Iterator[None]:
    """The library logs with stdlib logging; show its retries and warnings in the run's event log."""
    logger = logging.getLogger("lever_warehouse")
    handler = _ForwardToDagster(context)
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def _table_requests(result: SyncResult, name: str) -> int:
    return result.requests.get(name, 0)


def _previous_live_rows(context: dg.AssetExecutionContext, key: dg.AssetKey) -> dict[str, int]:
    """Live rows per integration recorded by the previous materialization of this table."""
    event = context.instance.get_latest_materialization_event(key)
    if event is None or event.asset_materialization is None:
        return {}
    value = event.asset_materialization.metadata.get("rows_live_by_integration")
    return dict(value.value) if value is not None else {}


@dg.multi_asset(
    name="lever_raw_sync",
    specs=SPECS,
    check_specs=CHECK_SPECS,
    partitions_def=LEVER_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=POOL,
    can_subset=False,
)
def lever_raw_sync(context: dg.AssetExecutionContext, config: SyncConfig):
    """Extract Lever into `lever_raw`: per integration, a window (selected days), delta or full sync, or a drain of
    the webhook queue."""
    windows = windows_by_integration(context.partition_keys)
    if config.mode == "webhooks":
        results, tables = drain_integrations(context, settings(), list(windows))
        yield from _report(context, results, tables)
        return
    mode = Mode(config.mode)
    plan = {i: (w if mode is Mode.WINDOW else None) for i, w in windows.items()}
    for integration_id, window in plan.items():
        scope = f" of {window[0]:%Y-%m-%d}..{window[1]:%Y-%m-%d}" if window else ""
        context.log.info(f"{mode.value} sync{scope} of {integration_id}")
    with library_logs(context):
        outcomes = run_syncs(settings(), mode, plan)
    results = [o.result for o in outcomes if o.result is not None]
    failures = [o.error for o in outcomes if o.error is not None]
    if not results:
        raise dg.Failure(description="; ".join(failures))
    yield from _report(context, results)
    if failures:  # the accounts that worked are recorded above; the run still says something failed
        raise dg.Failure(
            description=f"{len(failures)} of {len(outcomes)} integrations failed: " + "; ".join(failures),
            metadata={"failed_integrations": [o.integration_id for o in outcomes if o.error]},
        )


def _report(context: dg.AssetExecutionContext, results: list[SyncResult], tables: set[str] | None = None):
    """Materializations of every raw table (of `tables` only, if given) and the checks of all of them."""
    integration_ids = [r.integration_id for r in results]
    conn = connect(settings().duckdb_path)
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
    finally:
        conn.close()
