"""Webhooks through Dagster: the sensor launches a drain run per integration with waiting events, the run reads
what they name and builds only the models downstream of it, and the queue is observed with its latency."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pytest

from orchestration.defs.published import PUBLISHED_KEY
from orchestration.defs.webhooks import INTEGRATION_TAG, JOB, QUEUE_KEY, TARGETED_TABLES
from orchestration.lever.clock import to_ms, warehouse_now
from orchestration.lever.webhooks.delivery import parse
from orchestration.lever.webhooks.queue import WebhookQueue
from orchestration.lever.webhooks.settings import WebhookSettings
from orchestration.sandbox import Sandbox
from tests.kombo_ids import unified_id
from tests.webhooks.receiver_support import delivery

from .conftest import instance_settings

ACME = "lever:acme"


@pytest.fixture(scope="module")
def instance(workdir):
    with dg.DagsterInstance.ephemeral(tempdir=str(workdir), settings=instance_settings()) as instance:
        yield instance


@pytest.fixture(scope="module")
def synced(defs, instance, location, warehouse_path):
    """The acme account synced and built once (the webhook runs read and build on top of it)."""
    with duckdb.connect(str(warehouse_path)) as conn:
        have = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ats' AND table_name = 'candidates'"
        ).fetchall()[0][0]
    if not have:
        job = defs.resolve_job_def("lever_delta_sync")
        assert job.execute_in_process(instance=instance, partition_key=ACME).success
    return location.warehouse.settings()


@pytest.fixture
def queue(synced):
    path = WebhookSettings.from_env(synced).queue_path
    path.unlink(missing_ok=True)
    queue = WebhookQueue(path)
    yield queue
    queue.close()


def sensor(defs, location, instance, cursor=None):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources={"warehouse": location.warehouse}
    )
    (lever_webhooks,) = [s for s in defs.sensors if s.name == "lever_webhooks"]
    return lever_webhooks(context)


def queue_event(queue: WebhookQueue, opportunity_id: str) -> None:
    body = delivery(opportunity_id=opportunity_id, triggered_at=to_ms(warehouse_now()) - 5_000)
    queue.append(ACME, parse(json.dumps(body).encode()), received_at_ms=to_ms(warehouse_now()))


def test_a_stage_change_webhook_reaches_ats_in_one_run_that_builds_only_what_it_read(
    defs, location, instance, synced, queue
):
    state = synced.integration(ACME).sandbox.state_dir
    account = Sandbox.load(state, rate_limit=0, state_dir=state)  # written through its journal, as Lever would
    opportunity = next(r["data"] for r in account.truth("opportunities")["records"] if not r["data"]["archived"])
    stage = next(s["id"] for s in account.truth("stages")["records"] if s["id"] != opportunity["stage"])
    account.write("PUT", f"/opportunities/{opportunity['id']}/stage", {"stage": stage})
    queue_event(queue, opportunity["id"])

    result = sensor(defs, location, instance)
    (request,) = result.run_requests
    assert request.tags[INTEGRATION_TAG] == ACME and request.partition_key == ACME
    job = defs.resolve_job_def(JOB)
    run = job.execute_in_process(instance=instance, partition_key=request.partition_key, tags=request.tags)
    assert run.success
    materialized = {e.asset_key for e in run.get_asset_materialization_events()}
    raw = {k.path[1] for k in materialized if k.path[0] == "lever_raw"}
    assert raw == set(TARGETED_TABLES)  # the account lists were not touched: nothing downstream of them rebuilt
    assert dg.AssetKey(["ats", "applications"]) in materialized and dg.AssetKey(["ats", "jobs"]) not in materialized
    assert PUBLISHED_KEY in materialized  # readers see it
    with duckdb.connect(str(synced.published), read_only=True) as conn:
        (row,) = conn.execute(
            "SELECT current_stage_id FROM ats.applications WHERE integration_id = ? AND remote_id = ?",
            [ACME, opportunity["id"]],
        ).fetchall()
    assert row[0] == unified_id(ACME, "application_stages", stage)

    after = sensor(defs, location, instance, result.cursor)
    assert after.run_requests == []
    (observation,) = after.asset_events
    assert observation.asset_key == QUEUE_KEY
    metadata = {k: v.value for k, v in observation.metadata.items()}
    assert metadata["queue_depth"] == 0 and metadata["events_into_ats"] == 1
    assert metadata["latency_to_ats_max_s"] >= metadata["latency_to_raw_median_s"] > 0
    assert sensor(defs, location, instance, after.cursor).asset_events == []  # nothing new: nothing observed


def test_one_run_waits_per_integration_and_a_failed_run_gives_its_events_back(defs, location, instance, synced, queue):
    job = defs.resolve_job_def(JOB)
    queue_event(queue, "opp-a")
    (first,) = sensor(defs, location, instance).run_requests
    waiting = instance.create_run_for_job(job, tags=first.tags)  # launched, not started: it will take opp-a
    assert sensor(defs, location, instance).run_requests == []
    # It started and claimed what was queued; a new event needs a new run, which waits behind it.
    queue.claim(ACME, waiting.run_id, now_ms=to_ms(warehouse_now()), lease_ms=3_600_000)
    queue_event(queue, "opp-b")
    assert len(sensor(defs, location, instance).run_requests) == 1
    # The run failed: its claim is released at once, and a drain takes opp-a again.
    instance.report_run_failed(waiting)
    sensor(defs, location, instance)
    assert queue.claimable(to_ms(warehouse_now()), 3_600_000) == {ACME: 2}
