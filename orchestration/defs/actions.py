"""Write actions from the outbox: a sensor that notices requests SQL users inserted, and the job that carries
them out (Lever writes, the targeted re-sync, build and publication) through the library's one implementation."""

from collections import Counter

import dagster as dg

from orchestration.lever.actions.api import process_outbox
from orchestration.lever.actions.outbox import Outbox
from orchestration.lever.clock import warehouse_now

from .resources import WarehouseResource
from .settings import DUCKDB_POOL

ACTIONS_JOB = "lever_actions"
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dg.op(
    pool=DUCKDB_POOL,
    description="Carries out every due request of the outbox on Lever, re-syncs the opportunities it touched, "
    "builds the unified tables they feed and publishes them; outcomes go to the outbox's results table.",
)
def process_lever_actions(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> None:
    # The library logs with stdlib logging ("lever_warehouse"); dagster.yaml's python_logs shows it in the run.
    rows = process_outbox(warehouse.settings())
    counts = Counter(row["status"] for row in rows)
    context.log.info(
        f"{len(rows)} request(s): " + (", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none")
    )
    for row in rows:
        if row["status"] == "failed" or (row["status"] == "succeeded" and row["error"]):
            context.log.warning(f"request {row['request_id']} ({row['action']}, {row['status']}): {row['error']}")


def build_actions() -> tuple[dg.JobDefinition, dg.SensorDefinition]:
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
        description="Starts lever_actions when the outbox holds requests that are due (new, or a retry whose time "
        "came), one run at a time.",
    )
    def actions_sensor(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource
    ) -> dg.RunRequest | dg.SkipReason:
        running = context.instance.get_runs(dg.RunsFilter(job_name=ACTIONS_JOB, statuses=IN_FLIGHT), limit=1)
        if running:
            return dg.SkipReason(f"run {running[0].run_id} is carrying out requests; it takes new ones too")
        waiting = Outbox(warehouse.settings().outbox_path).waiting(warehouse_now())
        if not waiting:
            return dg.SkipReason("no requests due in the outbox")
        return dg.RunRequest(tags={"lever-warehouse/requests-due": str(waiting)})

    return actions_job, actions_sensor
