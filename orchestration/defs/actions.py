"""Write actions from the outbox: a sensor that notices requests SQL users inserted, and the job that carries
them out (Lever writes, the targeted re-sync and build) through the library's one implementation."""

from collections import Counter

import dagster as dg

from orchestration.lever.actions.api import process_outbox
from orchestration.lever.actions.outbox import Outbox
from orchestration.lever.clock import warehouse_now
from orchestration.lever.config import load_settings

from .raw import POOL, library_logs

ACTIONS_JOB = "lever_actions"
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dg.op(
    pool=POOL,
    description="Carries out every due request of the outbox on Lever, re-syncs the opportunities it touched and "
    "builds the unified tables they feed; outcomes go to the outbox's results table.",
)
def process_lever_actions(context: dg.OpExecutionContext) -> None:
    # Settings are read per run, like `lever-warehouse`: the credentials and paths of the process running it.
    with library_logs(context):
        rows = process_outbox(load_settings())
    counts = Counter(row["status"] for row in rows)
    context.log.info(
        f"{len(rows)} request(s): " + (", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none")
    )
    for row in rows:
        if row["status"] == "failed" or (row["status"] == "succeeded" and row["error"]):
            context.log.warning(f"request {row['request_id']} ({row['action']}, {row['status']}): {row['error']}")


@dg.job(
    name=ACTIONS_JOB,
    description="Write actions requested in the outbox (README: write back to Lever).",
    tags={"lever-warehouse/writes-duckdb": "true"},  # queues behind syncs: DuckDB admits one writer
)
def actions_job() -> None:
    process_lever_actions()


@dg.sensor(
    name="lever_actions_sensor",
    job=actions_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts lever_actions when the outbox holds requests that are due (new, or a retry whose time came).",
)
def actions_sensor(context: dg.SensorEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    running = context.instance.get_runs(dg.RunsFilter(job_name=ACTIONS_JOB, statuses=IN_FLIGHT), limit=1)
    if running:
        return dg.SkipReason(f"run {running[0].run_id} is carrying out requests; it takes new ones too")
    waiting = Outbox(load_settings().outbox_path).waiting(warehouse_now())
    if not waiting:
        return dg.SkipReason("no requests due in the outbox")
    return dg.RunRequest(tags={"lever-warehouse/requests-due": str(waiting)})
