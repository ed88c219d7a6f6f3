"""Bounded disk for Dagster's own history: a daily job deletes runs past retention with their logs.

An hourly schedule adds 24+ runs a day, each with its event log (a SQLite file per run by default) and the
captured stdout/stderr of its steps; nothing in Dagster OSS deletes them. Schedule and sensor ticks are capped
in dagster_home/dagster.yaml (`retention`); dbt's own artifacts are pruned after each build (defs/dbt.py)."""

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg

from orchestration.warehouse.housekeeping import prune_dbt_targets

FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def prune_runs(instance: dg.DagsterInstance, older_than: timedelta, now: datetime | None = None) -> list[str]:
    """Delete finished runs last updated before `now - older_than`: records, events and captured logs."""
    cutoff = (now or datetime.now(UTC)) - older_than
    records = instance.get_run_records(filters=dg.RunsFilter(statuses=FINISHED, updated_before=cutoff))
    deleted = []
    for record in records:
        run_id = record.dagster_run.run_id
        instance.delete_run(run_id)
        _delete_run_files(instance, run_id)
        deleted.append(run_id)
    return deleted


def _delete_run_files(instance: dg.DagsterInstance, run_id: str) -> None:
    """What `delete_run` leaves on disk with the default local storage: the run's captured step output and its
    (now empty) SQLite event log file."""
    # A compute log manager that keeps logs elsewhere (cloud storage) manages their lifetime itself.
    with contextlib.suppress(NotImplementedError):
        instance.compute_log_manager.delete_logs(prefix=[run_id])
    shard = getattr(instance.event_log_storage, "path_for_shard", None)
    if shard is not None:
        Path(shard(run_id)).unlink(missing_ok=True)


def build_housekeeping(
    retention_days: int, dbt_targets: Path, dbt_targets_kept: int
) -> tuple[dg.JobDefinition, dg.ScheduleDefinition]:
    @dg.op(description=f"Deletes Dagster runs finished over {retention_days} days ago, and old dbt target folders.")
    def prune_history(context: dg.OpExecutionContext) -> None:
        deleted = prune_runs(context.instance, timedelta(days=retention_days))
        removed = prune_dbt_targets(dbt_targets, dbt_targets_kept)
        context.log.info(f"deleted {len(deleted)} run(s) older than {retention_days} days, {len(removed)} dbt folders")

    @dg.job(
        name="dagster_housekeeping",
        description="Keeps Dagster's run history and dbt's artifacts to a bounded size (DAGSTER_RUN_RETENTION_DAYS).",
    )
    def housekeeping_job() -> None:
        prune_history()

    schedule = dg.ScheduleDefinition(
        name="dagster_housekeeping_schedule",
        job=housekeeping_job,
        cron_schedule="15 4 * * *",
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Daily: delete runs past retention and old dbt target folders.",
    )
    return housekeeping_job, schedule
